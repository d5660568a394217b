#!/usr/bin/env bash
# l2tlb.sh [--md FILE] BUILD_DIR - what Disco's L2 software TLB saves: guest kernel
# workloads natively, under the VMM without the L2 TLB and with it, for the default 64-entry
# guest TLB and a 16-entry one (the 24Kc's). Counts and modelled cycles from --stats; the
# emulator is deterministic, so the table is the same on every host.
#   refills      native: TLB refills the guest's handler served (tlb.misses.refill);
#                VMM: refills reflected to the guest's handler (vm1.tlb.refill_reflected)
#   l2 hits      refills the VMM resolved from the L2 TLB without the guest (vm1.l2tlb.hits)
#   l2 misses    why the others were not: cold (the guest never wrote that page under that
#                ASID) / conflict (evicted from the L2 TLB) / invalidated (retired by a
#                soundness rule: the guest knew it gone) / unusable (invalid or clean entry)
#   traps        every exception that entered the VMM (sum of vm1.traps.*)
#   vmm cycles   modelled cycles charged to the VMM (vm1.cycles.vmm)
#   cycles       modelled machine cycles (cpu.cycles)
set -eu
md=""
if [ "${1:-}" = "--md" ]; then md=$2; shift 2; fi
if [ $# -ne 1 ] || [ "$1" = "--help" ]; then
	echo "usage: $0 [--md FILE] BUILD_DIR" >&2
	exit 2
fi
build=$1
tv=$build/cli/tlbvisor
k=$build/guest/kernel/kernel-swtlb.elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/table.md
{
	echo "| workload | guest TLB | run | refills | l2 hits | l2 misses cold/confl/inval/unus | traps | vmm cycles | cycles | × native |"
	echo "|---|---:|---|---:|---:|---|---:|---:|---:|---:|"
} >"$out"
for w in "memtouch" "memtouch mb=16 rounds=4" "pmake" "pmake workers=16 jobs=256"; do
	for t in 64 16; do
		# shellcheck disable=SC2086
		"$tv" run --native --tlb-entries $t --stats "$tmp/native.json" "$k" -- workload=$w >/dev/null
		for l2 in off on; do
			# shellcheck disable=SC2086
			"$tv" run --quiet --tlb-entries $t --l2tlb $l2 --stats "$tmp/$l2.json" "$k" -- workload=$w >/dev/null
		done
		python3 - "$w" "$t" "$tmp" >>"$out" <<'PY'
import json, sys
w, t, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
load = lambda n: json.load(open("%s/%s.json" % (tmp, n)))["counters"]
nat = load("native")
print("| %s | %s | native | %d | – | – | – | – | %d | 1.00 |" % (w, t, nat["tlb.misses.refill"], nat["cpu.cycles"]))
for l2 in ("off", "on"):
    c = load(l2)
    traps = sum(v for k, v in c.items() if k.startswith("vm1.traps."))
    why = "/".join(str(c["vm1.l2tlb.misses_" + k]) for k in ("cold", "conflict", "invalidated", "unusable"))
    print("| %s | %s | VMM, L2 %s | %d | %d | %s | %d | %d | %d | %.2f |" % (
        w, t, l2, c["vm1.tlb.refill_reflected"], c["vm1.l2tlb.hits"], why if l2 == "on" else "–",
        traps, c["vm1.cycles.vmm"], c["cpu.cycles"], c["cpu.cycles"] / nat["cpu.cycles"]))
PY
	done
done
cat "$out"
if [ -n "$md" ]; then cp "$out" "$md"; fi
