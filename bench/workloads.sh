#!/usr/bin/env bash
# workloads.sh BUILD_DIR - the guest kernel's workloads at realistic scale, each run once on
# tlbvisor (swtlb), tlbvisor (pagewalk) and QEMU Malta (swtlb kernel), side by side in one
# invocation, in a 256 MiB guest. Checks that the three print the same workload line and
# lose no frame, and prints wall-clock seconds (start-up included) and tlbvisor's guest
# instruction count. Options: --md FILE (also write a Markdown table).
set -u
md=""
if [ "${1:-}" = --md ]; then md=$2; shift 2; fi
build=$1
tv=$build/cli/tlbvisor
k=$build/guest/kernel
qemu=${QEMU:-qemu-system-mipsel}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

workloads=(
	"memtouch mb=192 rounds=2"
	"forkwait n=10000"
	"pmake workers=16 jobs=256"
	"dbrand mb=64 ops=1000000"
	"mmapchurn n=2000 pages=64"
	"ctxswitch n=20000"
	"compute iters=2000"
)

now() { date +%s.%N; }
secs() { python3 -c "print('%.2f' % ($2 - $1))"; }
line() { grep -v '^\[kstat\]\|^frames:\|^killed:' "$1" | tail -1; }

rows=()
status=0
printf '%-28s %14s %10s %10s %10s  %s\n' workload "guest insns" swtlb-s pagewalk-s qemu-s result
for w in "${workloads[@]}"; do
	t0=$(now)
	# shellcheck disable=SC2086
	"$tv" run --native --mmu swtlb --mem 256M --stats "$tmp/s.json" "$k/kernel-swtlb.elf" \
		-- workload=$w >"$tmp/sw" 2>&1 </dev/null; rs=$?
	t1=$(now)
	# shellcheck disable=SC2086
	"$tv" run --native --mmu pagewalk --mem 256M "$k/kernel-pagewalk.elf" \
		-- workload=$w >"$tmp/pw" 2>&1 </dev/null; rp=$?
	t2=$(now)
	"$qemu" -M malta -cpu 24Kc -m 256 -nographic -no-reboot -semihosting \
		-kernel "$k/kernel-swtlb.elf" -append "workload=$w" >"$tmp/q" 2>&1 </dev/null; rq=$?
	t3=$(now)
	tr -d '\r' <"$tmp/q" >"$tmp/q2"
	insns=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["counters"]["cpu.instructions"]))' "$tmp/s.json" 2>/dev/null || echo "?")
	res="$(line "$tmp/sw")"
	if [ $rs != 0 ] || [ $rp != 0 ] || [ $rq != 0 ] || [ "$res" != "$(line "$tmp/pw")" ] ||
	   [ "$res" != "$(line "$tmp/q2")" ] || ! grep -Eq '^frames: ([0-9]+) free at boot, \1 free at end' "$tmp/sw"; then
		res="MISMATCH (exit $rs/$rp/$rq): $res | $(line "$tmp/pw") | $(line "$tmp/q2")"
		status=1
	fi
	s1=$(secs "$t0" "$t1"); s2=$(secs "$t1" "$t2"); s3=$(secs "$t2" "$t3")
	printf '%-28s %14s %10s %10s %10s  %s\n' "$w" "$insns" "$s1" "$s2" "$s3" "$res"
	rows+=("| \`$w\` | $insns | $s1 | $s2 | $s3 | \`$res\` |")
done
if [ -n "$md" ]; then
	{
		echo "| workload | guest insns (swtlb) | tlbvisor swtlb s | tlbvisor pagewalk s | QEMU s | result (same on all three) |"
		echo "|---|---:|---:|---:|---:|---|"
		printf '%s\n' "${rows[@]}"
	} >"$md"
fi
exit $status
