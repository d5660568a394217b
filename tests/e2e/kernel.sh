#!/usr/bin/env bash
# kernel.sh BUILD_DIR - runs the guest kernel's workloads (small sizes) on tlbvisor swtlb,
# tlbvisor pagewalk and QEMU Malta (swtlb kernel), and requires for each: exit status 0,
# identical output apart from the lines marked "[kstat]" (timing- and MMU-dependent
# counters), a workload line, and no lost frame ("frames: N free at boot, N free at end").
# Prints "ok"/"FAIL" per workload and "N passed, M failed".
set -u
build=$1
tv=$build/cli/tlbvisor
kdir=$build/guest/kernel
qemu=${QEMU:-qemu-system-mipsel}
tmo=${KERNEL_TIMEOUT:-120}
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

workloads=("${kernel_workloads[@]}"
	"workload=nanobench op=syscall n=50"
	"workload=nanobench op=unmap n=50"
)

# check NAME FILE RC: exit 0, a frames line with equal numbers, no FAIL
check() {
	local name=$1 out=$2 rc=$3
	if [ "$rc" != 0 ]; then echo "  $name: exit status $rc"; return 1; fi
	if grep -q "FAIL" "$out"; then echo "  $name: FAIL lines"; return 1; fi
	if ! grep -Eq '^frames: ([0-9]+) free at boot, \1 free at end$' "$out"; then
		echo "  $name: frames lost: $(grep '^frames:' "$out")"; return 1
	fi
}

i=0
for w in "${workloads[@]}"; do
	i=$((i + 1))
	ok=1 msg=""
	# shellcheck disable=SC2086
	timeout -k 5 "$tmo" "$tv" run --native --mmu swtlb "$kdir/kernel-swtlb.elf" -- $w \
		>"$tmp/$i.sw" 2>"$tmp/$i.sw.err" </dev/null; rsw=$?
	# shellcheck disable=SC2086
	timeout -k 5 "$tmo" "$tv" run --native --mmu pagewalk "$kdir/kernel-pagewalk.elf" -- $w \
		>"$tmp/$i.pw" 2>"$tmp/$i.pw.err" </dev/null; rpw=$?
	timeout -k 5 "$tmo" "$qemu" -M malta -cpu 24Kc -m 128 -nographic -no-reboot -semihosting \
		-icount shift=3 -kernel "$kdir/kernel-swtlb.elf" -append "$w" \
		>"$tmp/$i.q" 2>"$tmp/$i.q.err" </dev/null; rq=$?
	for v in "swtlb:$tmp/$i.sw:$rsw" "pagewalk:$tmp/$i.pw:$rpw" "qemu:$tmp/$i.q:$rq"; do
		IFS=: read -r vn vf vr <<<"$v"
		tr -d '\r' <"$vf" | grep -v '^\[kstat\]' >"$vf.flt"
		if ! r=$(check "$vn" "$vf.flt" "$vr"); then ok=0; msg+="$r"$'\n'; fi
	done
	for v in pw q; do
		if ! d=$(diff -u --label swtlb --label "$v" "$tmp/$i.sw.flt" "$tmp/$i.$v.flt"); then
			ok=0; msg+="$d"$'\n'
		fi
	done
	if [ "$(wc -l <"$tmp/$i.sw.flt")" -lt 2 ]; then ok=0; msg+="  no workload output"$'\n'; fi
	if [ $ok = 1 ]; then
		ok "$w: $(grep -v '^frames:\|^killed:' "$tmp/$i.sw.flt" | tail -1)"
	else
		bad "$w"; printf '%s' "$msg"
	fi
done
summary
