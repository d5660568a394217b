#!/usr/bin/env bash
# fuzz.sh BUILD_DIR [COUNT [ENGINE]] - runs COUNT seeded random instruction streams on both
# MMUs natively and as a deprivileged guest of the VMM (Disco on swtlb, shadow page tables
# on pagewalk), with --engine ENGINE (default: tlbvisor's, jit on x86-64; with check, the interpreter and the
# compiling engine run side by side and a divergence, exit status 5, is a failure).
#
# Each program clears BEV (so exceptions go to EBase in RAM), installs at the refill and
# general vectors a handler that skips the faulting instruction (EPC += 4; eret), and then
# runs 1024 words of which half are random words and half random words with a common
# major opcode. The emulator must end every run by itself: the guest's own exit status, or
# 3 for the instruction limit / a hang / an exception loop; never a crash, a sanitizer
# report or a timeout. Prints one line per failure and "N passed, M failed".
# Every run draws new seeds (printed); TLBVISOR_FUZZ_SEED=S repeats the run that began at S.
set -u
build=$1
count=${2:-100}
engine=${3:-jit}
tv=$build/cli/tlbvisor
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
fuzz_seeds "$count"

python3 - "$tmp" "$count" "$here" "$base" <<'PY'
import random, sys
sys.path.insert(0, sys.argv[3])
import mkelf
out, count, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[4])
SKIP = [0x401A7000, 0x275A0004, 0x409A7000, 0x42000018]  # mfc0 k0,EPC; addiu; mtc0; eret
MAJOR = [0, 1, 2, 3, 4, 5, 8, 9, 15, 16, 16, 20, 21, 28, 31, 32, 34, 35, 38, 40, 42, 43,
         46, 48, 56]
for seed in range(base, base + count):
    r = random.Random(seed)
    words = [r.getrandbits(32) for _ in range(1024)]
    for k in range(0, 1024, 2):
        words[k] = (r.choice(MAJOR) << 26) | r.getrandbits(26)
    prog = {0x80100000: [mkelf.MTC0_ZERO_STATUS, mkelf.NOP] + words,
            0x80000000: SKIP, 0x80000180: SKIP}
    with open("%s/f%010d.elf" % (out, seed), "wb") as f:
        f.write(mkelf.elf(prog))
PY

for elf in "$tmp"/*.elf; do
	for mode in "--native --mmu swtlb" "--native --mmu pagewalk" "--mmu swtlb" "--mmu pagewalk"; do
		# shellcheck disable=SC2086
		fuzz_run "$(basename "$elf") $mode" 60 any -- \
			"$tv" run $mode --engine "$engine" --max-insns 200000 "$elf"
	done
done
summary
