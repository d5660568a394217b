#!/usr/bin/env python3
"""linux_pty.py TLBVISOR_ARGS... - an interactive session on a terminal (tests/e2e/linux.sh).

Runs `tlbvisor run TLBVISOR_ARGS...` on a pseudo-terminal, as a user at a terminal would:
waits for the busy box shell's prompt, types a command and checks its output, interrupts
a sleep with Ctrl-C (raw mode: it reaches the guest), then ends the run with Ctrl-A x.
Exit status 0 if all of that happened (and tlbvisor exited 0), 1 otherwise.
"""
import os
import pty
import select
import sys
import time

pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])

buf = b""


def expect(pattern, timeout):
    global buf
    end = time.time() + timeout
    while pattern not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return pattern in buf


def fail(why):
    print("linux_pty: %s\n--- last output:\n%s" % (why, buf.decode(errors="replace")[-1500:]))
    os.kill(pid, 9)
    sys.exit(1)


if not expect(b"/ # ", 120):
    fail("no shell prompt")
os.write(fd, b"echo typed $((6*7))\r")
if not expect(b"typed 42", 30):
    fail("the command's output did not come")
os.write(fd, b"sleep 1000\r")
time.sleep(1)
os.write(fd, b"\x03")
os.write(fd, b"echo after-interrupt\r")
if not expect(b"\r\nafter-interrupt", 30):
    fail("Ctrl-C did not interrupt the guest's sleep")
os.write(fd, b"\x01x")
end = time.time() + 30
while time.time() < end:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            buf += os.read(fd, 4096)
        except OSError:
            pass
else:
    fail("Ctrl-A x did not end the run")
if os.WEXITSTATUS(status) != 0:
    fail("exit status %d" % os.WEXITSTATUS(status))
print("linux_pty: prompt, command, Ctrl-C to the guest, Ctrl-A x")
