#!/usr/bin/env bash
# vmm.sh [--runs N] BUILD_DIR - host speed of the VMM: guest kernel workloads run natively
# and as a deprivileged guest, side by side in one invocation; prints guest instructions per
# host second for both (best of N runs each, default 1), the ratio, and the modelled cycles
# (native vs virtualized).
set -eu
runs=1
if [ "${1:-}" = "--runs" ]; then runs=$2; shift 2; fi
if [ $# -ne 1 ] || [ "$1" = "--help" ]; then
	echo "usage: $0 [--runs N] BUILD_DIR" >&2
	exit 2
fi
build=$1
tv=$build/cli/tlbvisor
k=$build/guest/kernel/kernel-swtlb.elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
# best MODE WORKLOAD: the fastest of $runs runs, in seconds; stats in $tmp/MODE.json
best() {
	local mode=$1 w=$2 t0 t1 b=""
	for _ in $(seq "$runs"); do
		t0=$(now)
		# shellcheck disable=SC2086
		"$tv" run $mode --quiet --stats "$tmp/s.json" "$k" -- workload=$w >/dev/null
		t1=$(now)
		b=$(python3 -c 'import sys; t = float(sys.argv[2]) - float(sys.argv[1]); b = sys.argv[3]; print(t if not b or t < float(b) else b)' "$t0" "$t1" "$b")
	done
	cp "$tmp/s.json" "$tmp/${mode:-vmm}.json"
	echo "$b"
}
printf '%-26s %12s %12s %10s %10s %7s %12s %12s\n' workload "insns nat" "insns vmm" "MIPS nat" "MIPS vmm" ratio "cycles nat" "cycles vmm"
for w in "compute iters=10000" "forkwait n=5000" "memtouch mb=64 rounds=4" "pmake workers=16 jobs=256"; do
	tn=$(best --native "$w")
	tv_s=$(best "" "$w")
	python3 - "$w" "$tn" "$tv_s" "$tmp/--native.json" "$tmp/vmm.json" <<'PY'
import json, sys
w, tn, tv = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
n = json.load(open(sys.argv[4]))["counters"]; v = json.load(open(sys.argv[5]))["counters"]
mn = n["cpu.instructions"] / tn / 1e6; mv = v["cpu.instructions"] / tv / 1e6
print("%-26s %12d %12d %10.1f %10.1f %7.2f %12d %12d" % (w, n["cpu.instructions"], v["cpu.instructions"],
      mn, mv, mv / mn, n["cpu.cycles"], v["cpu.cycles"]))
PY
done
