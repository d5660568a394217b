# lib.sh - what the end-to-end scripts share. Each sources it, after `set -u` and its own
# arguments, as
#     . "$(dirname "$0")/lib.sh"
# (ctest runs the scripts by absolute path from its own directory: tests/CMakeLists.txt).
#
# Sourcing it sets:
#   here        absolute path of tests/e2e (mkelf.py, schemas/, the other scripts)
#   src         absolute path of the source tree (docs/, bench/baseline/, guest/)
#   tmp         a new temporary directory, removed when the script exits (an EXIT trap; a
#               script that sets a trap of its own removes "$tmp" there: slurm.sh)
#   pass, fail  the counts of checks passed and failed, both 0
#   kernel_workloads  every workload of the guest kernel, at sizes a test can afford
#               (boot arguments; backends.sh, kernel.sh, shadow_opts.sh run them all)
#   expect_timeout=60, expect_err_bytes=400   expect's settings (a script sets its own)
# and defines, each with its contract above it:
#   ok, bad, summary    one "ok NAME" / "FAIL NAME ..." line per check, the final
#                       "N passed, M failed" and the script's exit status
#   json                a Python expression over a stats file (d, its counters c)
#   expect              a command's exit status, stderr and stdout against what they must be
#   vm_console          one VM's console lines of a run with several VMs
#   doc_help            the help text docs/cli.md holds for a command
#   sanitizer_report    an ASan/UBSan report in a file
#   fuzz_seeds, fuzz_run    the seeds of a fuzz test, and one fuzz run
#   same_apart_from_host    two bench results equal but for the host's figures
# Checks whose logic differs in substance stay in their scripts (bench.sh's py over
# results.json, the comparisons of two stats files, engines.sh's and mmufuzz.sh's same).

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
kernel_workloads=("workload=selftest" "workload=ktest n=50" "workload=forkwait n=50"
	"workload=memtouch mb=2 rounds=1" "workload=compute iters=20"
	"workload=mmapchurn n=20 pages=8" "workload=ctxswitch n=100"
	"workload=pmake workers=4 jobs=8" "workload=dbrand mb=2 ops=5000"
	"workload=idle ticks=2 rounds=2" "workload=idle ticks=2 rounds=2 idle=spin"
	"workload=crashme")
expect_timeout=60
expect_err_bytes=400

# ok NAME...: prints "ok NAME", counts a pass. bad NAME...: prints "FAIL NAME", counts a
# failure (the reason goes into NAME, after the check's name; details on the next lines).
ok() { echo "ok $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# summary: prints "N passed, M failed"; returns 0 when nothing failed, so that as the last
# command of a script (or before its exit) it is the script's exit status.
summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# json FILE EXPR: prints the value of Python expression EXPR over JSON file FILE (a --stats
# file), with d its whole content and c its "counters" ({} if it has none). EXPR may span
# lines (it is evaluated in parentheses).
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d.get("counters", {}); print(eval("(" + sys.argv[2] + "\n)"))' "$1" "$2"
}

# expect NAME STATUS STDERR_REGEX [STDOUT] -- COMMAND...: runs COMMAND (stdin empty, stdout
# into $tmp/out, stderr into $tmp/err) for at most $expect_timeout seconds (a hang is a
# failure, status 124). ok NAME when it exits with STATUS, a line of its stderr matches
# STDERR_REGEX (grep -E; '' matches anything) and, when STDOUT is given and is not '*', its
# stdout is exactly STDOUT (trailing newlines aside); else bad NAME with the reason and the
# first $expect_err_bytes bytes of its stderr (all of it when expect_err_bytes is empty).
expect() {
	local name=$1 want_rc=$2 err_re=$3 want_out='*'
	if [ "$4" != -- ]; then
		want_out=$4
		shift
	fi
	shift 4
	timeout "$expect_timeout" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; local rc=$?
	if [ "$rc" != "$want_rc" ]; then
		bad "$name: exit status $rc, want $want_rc; stderr: $(expect_stderr)"
	elif [ -n "$err_re" ] && ! grep -Eq -- "$err_re" "$tmp/err"; then
		bad "$name: stderr does not match /$err_re/: $(expect_stderr)"
	elif [ "$want_out" != '*' ] && [ "$(cat "$tmp/out")" != "$want_out" ]; then
		bad "$name: stdout '$(cat "$tmp/out")', want '$want_out'"
	else
		ok "$name"
	fi
}
expect_stderr() { # the part of $tmp/err that a failure of expect shows
	if [ -n "$expect_err_bytes" ]; then head -c "$expect_err_bytes" "$tmp/err"; else cat "$tmp/err"; fi
}

# vm_console FILE N: VM N's console lines in FILE (the output of a run of several VMs, each
# VM's lines prefixed "[vmN] "), the prefix taken off and the guest kernel's "[kstat]" lines
# (timing-dependent counters) left out: what must equal the same guest's native output.
vm_console() {
	grep "^\[vm$2\] " "$1" | sed "s/^\[vm$2\] //" | grep -v '^\[kstat\]'
}

# doc_help CMD: the help text docs/cli.md holds for `tlbvisor CMD --help` (inside the
# fenced block between its CMD-help:begin and CMD-help:end markers, which clidoc.sh writes).
doc_help() {
	sed -n "/^<!-- $1-help:begin -->\$/,/^<!-- $1-help:end -->\$/p" "$src/docs/cli.md" |
		sed '1,2d;$d' | sed '$d'
}

# sanitizer_report FILE...: true when one of the FILEs holds an AddressSanitizer error or an
# UndefinedBehaviorSanitizer "runtime error".
sanitizer_report() {
	grep -q "ERROR: AddressSanitizer\|runtime error" "$@"
}

# fuzz_seeds COUNT: sets base, the first of COUNT consecutive seeds: TLBVISOR_FUZZ_SEED, or
# new ones drawn from the clock at each run; prints them and how to repeat the run.
fuzz_seeds() {
	base=${TLBVISOR_FUZZ_SEED:-$(( $(date +%s%N) % 1000000000 ))}
	echo "seeds $base..$((base + $1 - 1)) (TLBVISOR_FUZZ_SEED=$base to repeat)"
}

# fuzz_run NAME TIMEOUT STATUS -- COMMAND...: one fuzz run of COMMAND (stdin empty, stdout
# dropped, stderr into $tmp/err) for at most TIMEOUT seconds. A failure (bad "NAME: exit
# status N", then the first 40 lines of stderr) when it timed out or was killed (status 124
# and above), the engines diverged (5, --engine check), a sanitizer reported, or STATUS is
# 0 and it exited with another status; with STATUS any, whatever status the emulator chose
# (the guest's own, 3 for a limit) passes. A pass is counted without a line.
fuzz_run() {
	local name=$1 secs=$2 status=$3
	shift 4
	timeout "$secs" "$@" >/dev/null 2>"$tmp/err" </dev/null
	local rc=$?
	if [ "$rc" -ge 124 ] || [ "$rc" = 5 ] || { [ "$status" = 0 ] && [ "$rc" != 0 ]; } ||
		sanitizer_report "$tmp/err"; then
		bad "$name: exit status $rc"
		head -40 "$tmp/err"
	else
		pass=$((pass + 1))
	fi
}

# same_apart_from_host A B: prints True when bench results A and B (results.json) are equal
# once the host's figures (host, created, command, timing) are left out, else False.
same_apart_from_host() {
	python3 - "$1" "$2" <<'PY'
import json, sys
def strip(p):
    d = json.load(open(p))
    for k in ("created", "host", "command", "timing"):
        d.pop(k, None)
    for r in d["runs"]:
        r.pop("host", None)
    return json.dumps(d, sort_keys=True)
print(strip(sys.argv[1]) == strip(sys.argv[2]))
PY
}
