#!/usr/bin/env bash
# paravirt.sh BUILD_DIR - full virtualization against paravirtualization (issue 12,
# docs/paravirt.md): every guest-kernel workload natively, under the VMM unmodified, and
# under the VMM with pv=1 (the same kernel image), on both back ends (Disco on the
# software TLB, shadow page tables on the page walker), default cost profile. Modelled
# cycles (deterministic), the cost relative to the native run of the same MMU, traps into
# the VMM, and what the paravirtual interface replaced. Until `tlbvisor bench` lands this
# script is how docs/paravirt.md's table is made; the figures are the same counters.
set -eu
if [ $# -ne 1 ] || [ "$1" = "--help" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
build=$1
tv=$build/cli/tlbvisor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| workload | MMU | native cycles | full: × native | traps | pv: × native | traps | hypercalls | pv zeroing skipped |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for w in "selftest" "forkwait n=500" "memtouch mb=16 rounds=4" "compute iters=500" \
	"mmapchurn n=200 pages=16" "ctxswitch n=1000" "pmake" "pmake workers=16 jobs=256" \
	"dbrand mb=8 ops=100000" "idle ticks=10 rounds=3"; do
	for mmu in swtlb pagewalk; do
		k=$build/guest/kernel/kernel-$mmu.elf
		# shellcheck disable=SC2086
		"$tv" run --native --mmu $mmu --stats "$tmp/n.json" "$k" -- workload=$w >/dev/null
		# shellcheck disable=SC2086
		"$tv" run --quiet --mmu $mmu --stats "$tmp/f.json" "$k" -- workload=$w >/dev/null
		# shellcheck disable=SC2086
		"$tv" run --quiet --mmu $mmu --stats "$tmp/p.json" "$k" -- workload=$w pv=1 >/dev/null
		python3 - "$w" "$mmu" "$tmp" <<'PY'
import json, sys
w, mmu, tmp = sys.argv[1:4]
n, f, p = (json.load(open("%s/%s.json" % (tmp, x)))["counters"] for x in "nfp")
traps = lambda c: sum(v for k, v in c.items() if k.startswith("vm1.traps."))
print("| %s | %s | %d | %.3f | %d | %.3f | %d | %d | %d |" % (
    w, mmu, n["cpu.cycles"], f["cpu.cycles"] / n["cpu.cycles"], traps(f),
    p["cpu.cycles"] / n["cpu.cycles"], traps(p), p["vm1.pv.hypercalls"], p["vm1.pv.zeroed_yes"]))
PY
	done
done
