#!/usr/bin/env bash
# engines.sh BUILD_DIR [SCALE] - the two execution engines give the same run, bit for bit
# (docs/engine.md): each guest below runs with --engine interp and with --engine jit, and
# the console output, the exit status and the whole --stats file (every counter of the
# CPU, the MMU and the VMM) must be identical. Guests: the bare-metal programs on their
# MMUs, the guest kernel's workloads natively on both MMUs and under the VMM (Disco on
# swtlb, shadow page tables on pagewalk, also with every shadow mechanism on), the two
# bench guests (SCALE: their iteration count; smaller under the sanitizers), and the quick
# bench suite (release only; against the baseline that e2e_bench_quick checks the
# compiler's runs against).
# This is an invariant (equality of the two engines), no recorded figure.
# Prints "ok"/"FAIL" per run and "N passed, M failed".
set -u
build=$1
scale=${2:-20}
tv=$build/cli/tlbvisor
kdir=$build/guest/kernel
bare=$build/guest/bare
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# same NAME ARGS...: runs `tlbvisor run ARGS` on both engines and compares.
same() {
	local name=$1
	shift
	local rc=()
	for e in interp jit; do
		timeout -k 5 300 "$tv" run --engine "$e" --stats "$tmp/$e.json" "$@" \
			>"$tmp/$e.out" 2>"$tmp/$e.err" </dev/null
		rc+=("$?")
	done
	local msg=""
	[ "${rc[0]}" = "${rc[1]}" ] || msg+="exit status ${rc[0]} (interp) vs ${rc[1]} (jit); "
	[ "${rc[0]}" -lt 124 ] || msg+="timeout/crash (${rc[0]}); "
	cmp -s "$tmp/interp.out" "$tmp/jit.out" || msg+="console output differs; "
	if ! cmp -s "$tmp/interp.json" "$tmp/jit.json"; then
		msg+="stats differ: $(diff "$tmp/interp.json" "$tmp/jit.json" | grep '^[<>]' | head -6 | tr '\n' ' ')"
	fi
	sanitizer_report "$tmp/interp.err" "$tmp/jit.err" && msg+="sanitizer report; "
	if [ -z "$msg" ]; then ok "$name"; else bad "$name: $msg"; fi
}

# The bare programs in the release build only: under the sanitizers, bare_diff-qemu runs
# the common ones through --engine check (both engines, in lockstep, against QEMU).
[ "$scale" -le 2 ] && bare_list=/dev/null || bare_list=$bare/programs.txt
while read -r prog kind; do
	case $kind in
	pagewalk) mmus="pagewalk" ;;
	vmm) continue ;;
	*) mmus="swtlb pagewalk" ;;
	esac
	for mmu in $mmus; do
		same "bare/$prog native $mmu" --native --mmu "$mmu" --max-insns 50000000 "$bare/$prog.elf"
	done
done <"$bare_list"

# Under the sanitizers (SCALE <= 2) two short workloads only (a fork-heavy one, and crashme:
# random code, exceptions and bad system calls).
light=(
	"workload=forkwait n=5"
	"workload=crashme"
)
workloads=(
	"workload=ktest n=20"
	"workload=forkwait n=20"
	"workload=memtouch mb=2 rounds=1"
	"workload=compute iters=10"
	"workload=mmapchurn n=10 pages=8"
	"workload=ctxswitch n=50"
	"workload=pmake workers=2 jobs=4"
	"workload=idle ticks=2 rounds=2"
	"workload=crashme"
)
[ "$scale" -le 2 ] && workloads=("${light[@]}")
for w in "${workloads[@]}"; do
	# shellcheck disable=SC2086
	same "kernel swtlb native: $w" --native --mmu swtlb "$kdir/kernel-swtlb.elf" -- $w
	# shellcheck disable=SC2086
	same "kernel pagewalk native: $w" --native --mmu pagewalk "$kdir/kernel-pagewalk.elf" -- $w
	# shellcheck disable=SC2086
	same "kernel swtlb Disco: $w" --mmu swtlb --quiet "$kdir/kernel-swtlb.elf" -- $w
	# shellcheck disable=SC2086
	same "kernel pagewalk shadow: $w" --mmu pagewalk --quiet "$kdir/kernel-pagewalk.elf" -- $w
done
# Shadow paging's mechanisms (shadow2, docs/shadow.md): all of them together, and with the
# guest's TLB emulated exactly.
for so in all all,exact; do
	same "kernel pagewalk shadow --shadow-opts $so: forkwait" --mmu pagewalk --quiet \
		--shadow-opts "$so" "$kdir/kernel-pagewalk.elf" -- workload=forkwait n=10
	[ "$scale" -le 2 ] && continue
	same "kernel pagewalk shadow --shadow-opts $so: mmapchurn" --mmu pagewalk --quiet \
		--shadow-opts "$so" "$kdir/kernel-pagewalk.elf" -- workload=mmapchurn n=10 pages=8
done
same "two VMs, Disco: compute" --mmu swtlb --quiet --vms 2 \
	"$kdir/kernel-swtlb.elf" -- workload=compute iters=5
for p in bench_compute bench_tlb; do
	same "$p native iters=$scale" --native --mmu swtlb "$build/bench/$p.elf" -- "iters=$scale"
	same "$p Disco iters=$scale" --mmu swtlb --quiet "$build/bench/$p.elf" -- "iters=$scale"
done
# The quick suite (the CI gate's) with every run on the interpreter: all its modelled figures
# must be those of bench/baseline/quick.json (`tlbvisor gate`, host figures left out), which
# e2e_bench_quick checks for the default engine, the compiler: so the quick suite's counters
# are the same on both engines. Not under the sanitizers (bench_quick is not run there either).
if [ "$scale" -gt 2 ]; then
	printf '#!/bin/sh\nsub=$1; shift\nexec "%s" "$sub" --engine interp "$@"\n' \
		"$(cd "$(dirname "$tv")" && pwd)/tlbvisor" >"$tmp/tlbvisor-interp"
	chmod +x "$tmp/tlbvisor-interp"
	if timeout 600 "$tv" bench --suite quick --out "$tmp/quick-interp" --jobs 2 \
		--tlbvisor "$tmp/tlbvisor-interp" --build "$build" 2>"$tmp/quick.err" &&
		timeout 60 "$tv" gate --baseline "$src/bench/baseline/quick.json" \
			--current "$tmp/quick-interp/results.json" --metric '!host.*' --md "$tmp/gate.md" \
			2>"$tmp/gate.err"; then
		ok "quick suite on the interpreter: every modelled figure = bench/baseline/quick.json ($(cat "$tmp/gate.err"))"
	else
		bad "quick suite on the interpreter: $(tail -3 "$tmp/quick.err") $(cat "$tmp/gate.err" 2>/dev/null)"
		head -30 "$tmp/gate.md" 2>/dev/null
	fi
fi
summary
