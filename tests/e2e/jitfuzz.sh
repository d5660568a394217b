#!/usr/bin/env bash
# jitfuzz.sh BUILD_DIR [COUNT] - random programs made for the compiling engine
# (tests/e2e/jitfuzz.py: hot loops of random valid code, timer interrupts at any
# instruction, exceptions, self-modifying stores) run with --engine check natively on both
# MMUs and under the VMM (Disco): the interpreter and the compiled code must agree at every
# block and at the end (exit status 5 and the first divergence otherwise), and each
# program must end with its own exit status 0 (the fuzz programs always reach their exit).
# Every run draws new seeds (printed); TLBVISOR_FUZZ_SEED=S repeats the run that began at S.
set -u
build=$1
count=${2:-20}
tv=$build/cli/tlbvisor
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
fuzz_seeds "$count"
python3 "$here/jitfuzz.py" "$tmp" "$base" "$count" || exit 2
for elf in "$tmp"/*.elf; do
	for mode in "--native --mmu swtlb" "--native --mmu pagewalk" "--mmu swtlb --quiet"; do
		# shellcheck disable=SC2086
		fuzz_run "$(basename "$elf") $mode" 120 0 -- \
			"$tv" run $mode --engine check --max-insns 3000000 "$elf"
	done
done
# The check itself: a bug planted in the engine ($2 flipped after its 5th block,
# TLBVISOR_JIT_BREAK) must be reported as a divergence (exit status 5, the register, the
# block's guest code).
first=$(ls "$tmp"/*.elf | head -1)
TLBVISOR_JIT_BREAK=5 timeout 120 "$tv" run --native --engine check --max-insns 3000000 "$first" \
	>/dev/null 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" = 5 ] && grep -q "the engines diverged" "$tmp/err" && grep -q '^  \$2 ' "$tmp/err" &&
	grep -q "the engine's last block" "$tmp/err"; then
	pass=$((pass + 1))
else
	bad "a bug planted in the engine: exit status $rc (5 expected)"
	head -20 "$tmp/err"
fi
summary
