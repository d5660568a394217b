#!/usr/bin/env bash
# vmm.sh BUILD_DIR - host speed of the VMM: guest kernel workloads run natively and as a
# deprivileged guest, side by side in one invocation; prints guest instructions per host
# second for both, the ratio, and the modelled cycles (native vs virtualized).
set -eu
build=$1
tv=$build/cli/tlbvisor
k=$build/guest/kernel/kernel-swtlb.elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
printf '%-26s %12s %12s %10s %10s %7s %12s %12s\n' workload "insns nat" "insns vmm" "MIPS nat" "MIPS vmm" ratio "cycles nat" "cycles vmm"
for w in "compute iters=3000" "forkwait n=2000" "memtouch mb=32 rounds=2" "pmake workers=8 jobs=64"; do
	t0=$(now)
	# shellcheck disable=SC2086
	"$tv" run --native --stats "$tmp/n.json" "$k" -- workload=$w >/dev/null
	t1=$(now)
	# shellcheck disable=SC2086
	"$tv" run --quiet --stats "$tmp/v.json" "$k" -- workload=$w >/dev/null
	t2=$(now)
	python3 - "$w" "$t0" "$t1" "$t2" "$tmp/n.json" "$tmp/v.json" <<'PY'
import json, sys
w, t0, t1, t2 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
n = json.load(open(sys.argv[5]))["counters"]; v = json.load(open(sys.argv[6]))["counters"]
mn = n["cpu.instructions"] / (t1 - t0) / 1e6; mv = v["cpu.instructions"] / (t2 - t1) / 1e6
print("%-26s %12d %12d %10.1f %10.1f %7.2f %12d %12d" % (w, n["cpu.instructions"], v["cpu.instructions"],
      mn, mv, mv / mn, n["cpu.cycles"], v["cpu.cycles"]))
PY
done
