#!/usr/bin/env bash
# memory.sh BUILD_DIR [scale] - machine memory figures (issue 12, docs/memory.md).
#
# Without "scale": a mixed set of eight paravirtual guest-kernel VMs of 64M each (pmake,
# memtouch, dbrand, forkwait with dirty heap; pv=1, so they run balloon drivers) on the
# software TLB, first with machine memory holding all their RAM (the reference: its peak
# use of frames), then in a machine of half that peak with each technique alone and all
# together. Per run: pages reclaimed by each technique, pages brought back, the lz4 ratio
# achieved on the guest pages compressed, the modelled cycles of each technique, the run's
# cycles against the reference, and whether every VM printed its reference output.
#
# With "scale": 128 VMs of 64M (forkwait, memtouch and pmake in turn) in 2G of machine
# memory, then 256; the host's wall time and peak memory (GNU time) for each.
set -eu
if [ $# -lt 1 ] || [ "$1" = "--help" ]; then
	echo "usage: $0 BUILD_DIR [scale]" >&2
	exit 2
fi
build=$1
tv=$build/cli/tlbvisor
k=$build/guest/kernel/kernel-swtlb.elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${2:-}" = scale ]; then
	mix=("workload=forkwait n=100" "workload=memtouch mb=4 rounds=2" "workload=pmake workers=4 jobs=16")
	for w in "${mix[@]}"; do
		# shellcheck disable=SC2086
		"$tv" run --native --mem 64M "$k" -- $w 2>&1 | grep -v '^\[kstat\]' >"$tmp/nat-${w%% *}"
	done
	echo "| VMs | RAM | machine memory | options | host s | host peak RSS | per VM | all outputs native | frames left |"
	echo "|---:|---:|---:|---|---:|---:|---:|---|---:|"
	for run in "128 2G" "128 2G --share on" "256 2G --share on --swap $tmp/swap,size=1G"; do
		read -r n mm opts <<<"$run"
		args=()
		for i in $(seq 1 "$n"); do args+=(--vm "$k,mem=64M -- ${mix[$(( (i - 1) % 3 ))]}"); done
		# shellcheck disable=SC2086
		/usr/bin/time -f "%e %M" -o "$tmp/time" "$tv" run --quiet --machine-mem "$mm" $opts \
			--stats "$tmp/s.json" "${args[@]}" >"$tmp/out" 2>"$tmp/err" || true
		same=yes
		for i in $(seq 1 "$n"); do
			w=${mix[$(( (i - 1) % 3 ))]}
			grep "^\[vm$i\] " "$tmp/out" | sed "s/^\[vm$i\] //" | grep -v '^\[kstat\]' |
				cmp -s - "$tmp/nat-${w%% *}" || same=no
		done
		read -r secs kib <"$tmp/time"
		left=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]; print(c["machine.frames.total"] - c["machine.frames.free"])' "$tmp/s.json")
		echo "| $n | 64M | $mm | ${opts//$tmp\//} | $secs | $((kib / 1024)) MiB | $((kib / n)) KiB | $same | $left |"
	done
	exit 0
fi

specs=()
mix=("workload=pmake workers=4 jobs=32" "workload=memtouch mb=16 rounds=2"
     "workload=dbrand mb=8 ops=50000" "workload=forkwait n=200 kb=64")
for i in $(seq 1 8); do specs+=(--vm "$k,mem=64M -- ${mix[$(( (i - 1) % 4 ))]} pv=1"); done
# The reference: every VM's RAM in machine memory, nothing reclaimed.
"$tv" run --quiet --stats "$tmp/ref.json" "${specs[@]}" >"$tmp/ref" 2>&1
grep -v '\[kstat\]' "$tmp/ref" | sort >"$tmp/ref.sorted"
peak=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counters"]["machine.frames.peak_used"])' "$tmp/ref.json")
mm=$(( (peak / 2) * 4096 / 1024 ))K
echo "Reference: 8 VMs of 64M, peak $peak frames ($((peak * 4 / 1024)) MiB) of machine memory; runs below in $mm."
echo
echo "| run | balloon | share | zero | compress | swap | brought back | lz4 in:out | cycles: share / compress / swap / balloon | × reference | outputs |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"
for run in "share alone|--share on" \
	   "compressed store alone|--machine-mem $mm --balloon off" \
	   "swap alone|--machine-mem $mm --balloon off --compress off --swap $tmp/swap,size=1G" \
	   "balloon + compressed store|--machine-mem $mm" \
	   "everything|--machine-mem $mm --share on --compress-max 2M --swap $tmp/swap,size=1G"; do
	name=${run%%|*}
	opts=${run#*|}
	# shellcheck disable=SC2086
	"$tv" run --quiet $opts --stats "$tmp/s.json" "${specs[@]}" >"$tmp/out" 2>&1 || true
	grep -v '\[kstat\]' "$tmp/out" | sort | cmp -s - "$tmp/ref.sorted" && same=identical || same=DIFFER
	python3 - "$tmp/s.json" "$tmp/ref.json" "$name" "$same" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); c, m = d["counters"], d["cost"]
ref = json.load(open(sys.argv[2]))["counters"]
hyper = m["trap_round_trip"] + m["emulate_priv"]
balloon_calls = sum(v for k, v in c.items() if k.endswith(".pv.calls.balloon_give") or k.endswith(".pv.calls.balloon_take"))
ratio = "%.1f:1" % (c["machine.zstore.lz4_bytes_in"] / c["machine.zstore.lz4_bytes_out"]) if c["machine.zstore.lz4_bytes_out"] else "–"
print("| %s | %d | %d | %d | %d | %d | %d | %s | %d / %d / %d / %d | %.3f | %s |" % (
    sys.argv[3], c["machine.mem.reclaimed_balloon"], c["machine.mem.reclaimed_share"],
    c["machine.mem.reclaimed_zero"], c["machine.mem.reclaimed_compress"],
    c["machine.mem.reclaimed_swap"], c["machine.mem.restored"], ratio,
    c["machine.mem.cycles_share"], c["machine.mem.cycles_compress"], c["machine.mem.cycles_swap"],
    balloon_calls * hyper, c["cpu.cycles"] / ref["cpu.cycles"], sys.argv[4]))
PY
done
