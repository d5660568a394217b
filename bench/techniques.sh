#!/usr/bin/env bash
# techniques.sh [--md FILE] BUILD_DIR - the two memory-virtualization techniques side by
# side on the same guest work: the guest kernel's workloads natively on each MMU, under the
# VMM on the software TLB (Disco, L2 software TLB off and on) and on the page walker (shadow
# page tables). Modelled cycles (deterministic: the same on every host) and, for each VMM
# run, the cost relative to the same MMU's native run, the traps into the VMM and the VMM's
# share of the cycles; host seconds of each run for orientation (they vary with the host).
set -eu
md=""
if [ "${1:-}" = "--md" ]; then md=$2; shift 2; fi
if [ $# -ne 1 ] || [ "$1" = "--help" ]; then
	echo "usage: $0 [--md FILE] BUILD_DIR" >&2
	exit 2
fi
build=$1
tv=$build/cli/tlbvisor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/table.md
now() { date +%s.%N; }
{
	echo "| workload | run | cycles | × native | traps | VMM share | host s |"
	echo "|---|---|---:|---:|---:|---:|---:|"
} >"$out"
for w in "forkwait n=500" "memtouch mb=16 rounds=4" "pmake workers=16 jobs=256" "mmapchurn n=200 pages=16" "compute iters=500"; do
	i=0
	for run in "swtlb native" "swtlb vmm --l2tlb off" "swtlb vmm --l2tlb on" "pagewalk native" "pagewalk vmm"; do
		read -r mmu mode opts <<<"$run"
		flags="--mmu $mmu"
		[ "$mode" = native ] && flags="$flags --native" || flags="$flags --quiet $opts"
		t0=$(now)
		# shellcheck disable=SC2086
		"$tv" run $flags --stats "$tmp/$i.json" "$build/guest/kernel/kernel-$mmu.elf" -- workload=$w >/dev/null
		t1=$(now)
		echo "$t0 $t1" >"$tmp/$i.t"
		i=$((i + 1))
	done
	python3 - "$w" "$tmp" >>"$out" <<'PY'
import json, sys
w, tmp = sys.argv[1], sys.argv[2]
names = ["native swtlb", "Disco, L2 TLB off", "Disco, L2 TLB on", "native pagewalk", "shadow page tables"]
base = {0: 0, 1: 0, 2: 0, 3: 3, 4: 3}
c = [json.load(open("%s/%d.json" % (tmp, i)))["counters"] for i in range(5)]
for i, n in enumerate(names):
    t0, t1 = map(float, open("%s/%d.t" % (tmp, i)).read().split())
    cyc = c[i]["cpu.cycles"]
    if i in (0, 3):
        print("| %s | %s | %d | 1.00 | – | – | %.2f |" % (w, n, cyc, t1 - t0))
    else:
        traps = sum(v for k, v in c[i].items() if k.startswith("vm1.traps."))
        print("| %s | %s | %d | %.2f | %d | %.0f%% | %.2f |" % (
            w, n, cyc, cyc / c[base[i]]["cpu.cycles"], traps,
            100.0 * c[i]["vm1.cycles.vmm"] / cyc, t1 - t0))
PY
done
cat "$out"
if [ -n "$md" ]; then cp "$out" "$md"; fi
