#!/usr/bin/env python3
"""linux_compare.py - compares the console of Linux runs (tests/e2e/linux.sh).

    linux_compare.py init REF OTHER...      the init's output (from "init: start" to
                                            "init: done") must be identical
    linux_compare.py klog tlbvisor REF OTHER...
                                            kernel logs of tlbvisor runs: identical once
                                            timestamps and timing lines are set aside
    linux_compare.py klog qemu QEMU TLBVISOR
                                            QEMU's log against tlbvisor's: the same, except
                                            the lines of devices only one of them has

A file may be a multi-VM console: "FILE@vmN" takes the lines prefixed "[vmN] ".
Every difference is printed; the exit status is 0 if there is none, 1 otherwise.

Kernel log lines are compared without their "[    1.234567] " timestamp. Lines whose
content or place depends on timing (docs/linux.md, "Comparing logs") are set aside on
both sides, each kind required exactly once on each: the CPU frequency, clocksource and
sched_clock rates (Count measured against the RTC: QEMU's RTC runs on host time, so 333.33
or 333.34 MHz), the audit subsystem's first record (wall-clock time), the RTC's time at
boot (QEMU's is the host's date), and the initramfs unpacking lines ("Trying to unpack",
"Freeing initrd memory": an asynchronous worker, its place depends on timing). Between
QEMU and tlbvisor the devices tlbvisor does not model (QEMU's IDE and USB functions of
the PIIX4, its PCnet and Cirrus cards, the i8042) and QEMU 7.2's read-only BARs of the
GT-64120 give lines on one side only; they are listed in
QEMU_ONLY and TLBVISOR_ONLY below.
"""
import difflib
import re
import sys

TIMESTAMP = re.compile(r"^\[ *\d+\.\d+\] ")
TIMING = [
    re.compile(r"^CPU frequency \d+\.\d+ MHz$"),
    re.compile(r"^clocksource: MIPS: mask: "),
    re.compile(r"^sched_clock: 32 bits at "),
    re.compile(r"^audit: type=2000 audit\("),
    re.compile(r"^rtc_cmos 70\.rtc: setting system clock to "),
    re.compile(r"^Trying to unpack rootfs image as initramfs\.\.\.$"),
    re.compile(r"^Freeing initrd memory: "),
]
QEMU_ONLY = [
    re.compile(r"^pci 0000:00:(0a\.[12]|0b\.0|12\.0)[: ]"),
    re.compile(r"^pci 0000:00:00\.0: \[Firmware Bug\]: BAR \d: invalid; can't size$"),
    re.compile(r"^cirrusfb "),
    re.compile(r"^Console: switching to colour frame buffer device"),
    re.compile(r"^serio: i8042 (KBD|AUX) port"),
    re.compile(r"^input: AT Raw Set 2 keyboard"),
]
TLBVISOR_ONLY = [
    re.compile(r"^pci 0000:00:00\.0: BAR [0-5] \[(mem|io) "),
    re.compile(r"^i8042: No controller found$"),
]


def read_lines(spec):
    path, _, vm = spec.partition("@")
    with open(path, errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f]
    if vm:
        prefix = "[%s] " % vm
        lines = [l[len(prefix):] for l in lines if l.startswith(prefix)]
    return lines


def init_output(lines):
    out, inside = [], False
    for l in lines:
        if l.startswith("init: start"):
            inside = True
        if inside and not TIMESTAMP.match(l):
            out.append(l)
        if l.startswith("init: done"):
            return out
    return None


def kernel_log(lines):
    """The kernel's lines (those with a timestamp), without it, up to init's start."""
    out = []
    for l in lines:
        if l.startswith("init: start"):
            break
        m = TIMESTAMP.match(l)
        if m:
            out.append(l[m.end():])
    return out


def split_timing(log, name, problems):
    kept, seen = [], [0] * len(TIMING)
    for l in log:
        for i, r in enumerate(TIMING):
            if r.match(l):
                seen[i] += 1
                break
        else:
            kept.append(l)
    for i, r in enumerate(TIMING):
        if seen[i] != 1:
            problems.append("%s: %d lines like /%s/ (expected 1)" % (name, seen[i], r.pattern))
    return kept


def drop(log, patterns):
    return [l for l in log if not any(p.match(l) for p in patterns)]


def diff(a, b, an, bn, problems):
    if a == b:
        return
    d = list(difflib.unified_diff(a, b, an, bn, n=1, lineterm=""))
    problems.append("%s and %s differ:\n  %s" % (an, bn, "\n  ".join(d[:60])))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    problems = []
    if argv[1] == "init":
        ref = init_output(read_lines(argv[2]))
        if ref is None:
            problems.append("%s: no init output (no 'init: done')" % argv[2])
        for other in argv[3:]:
            o = init_output(read_lines(other))
            if o is None:
                problems.append("%s: no init output (no 'init: done')" % other)
            elif ref is not None:
                diff(ref, o, argv[2], other, problems)
    elif argv[1] == "klog" and argv[2] == "tlbvisor" and len(argv) >= 5:
        ref = split_timing(kernel_log(read_lines(argv[3])), argv[3], problems)
        for other in argv[4:]:
            diff(ref, split_timing(kernel_log(read_lines(other)), other, problems),
                 argv[3], other, problems)
    elif argv[1] == "klog" and argv[2] == "qemu" and len(argv) == 5:
        q = drop(split_timing(kernel_log(read_lines(argv[3])), argv[3], problems), QEMU_ONLY)
        t = drop(split_timing(kernel_log(read_lines(argv[4])), argv[4], problems), TLBVISOR_ONLY)
        if len(q) < 100:
            problems.append("%s: only %d kernel log lines" % (argv[3], len(q)))
        diff(q, t, argv[3], argv[4], problems)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
