#!/usr/bin/env bash
# memory.sh BUILD_DIR [quick] - machine memory (issue 12), end to end, on both back ends:
#   - transparency: every guest-kernel workload prints exactly its native output (the
#     "[kstat]" lines aside) when its pages go through the compressed store, the swap
#     file, both, or content-based sharing; and afterwards nothing is left anywhere (no
#     machine frame, store entry, swap slot or shared frame: invariants);
#   - many VMs in a machine much smaller than their RAM, each with its native output;
#   - isolation under reclaim: secret_fill/secret_scan with the secret's frames going
#     through the store, the swap file and sharing.
# "quick" (the sanitizer build) runs fewer workloads. The failure cases (a swap file that
# cannot be created, fills up, is corrupted) are in hostile.sh.
# Prints "ok"/"FAIL" per check and "N passed, M failed".
set -u
build=$1
quick=${2:-}
tv=$build/cli/tlbvisor
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# Nothing of the machine's memory is held once every VM has stopped (invariant).
# (shadow paging keeps one frame of its own for the machine: its empty root)
clean='c["machine.frames.free"] + c.get("machine.shadow.frames", 0) == c["machine.frames.total"] and c["machine.zstore.pages"] == 0 and c["machine.swap.in_use"] == 0 and c["machine.share.frames"] == 0 and c["machine.frames.alloc_failed"] == 0'

workloads=(
	"workload=memtouch mb=2 rounds=1"
	"workload=pmake workers=4 jobs=8"
)
# The other workloads' checksums under each technique are compared by the memory bench
# suite (bench/suites/memory.ini); here, the ones that move the most pages.
[ -z "$quick" ] && workloads+=(
	"workload=selftest"
	"workload=dbrand mb=2 ops=5000"
	"workload=forkwait n=50"
	"workload=mmapchurn n=20 pages=8"
	"workload=crashme"
)

# The techniques, each on a machine of 2M (a few hundred frames for a 128M guest): the
# compressed store alone (bounded high enough for a guest that fills its RAM, as crashme's
# oom case does), the swap file alone, a tiny store that overflows into the swap file, and
# sharing (without overcommit).
swap=$tmp/swap
modes=(
	"--machine-mem 2M --compress-max 256M"
	"--machine-mem 2M --compress off --swap $swap,size=256M"
	"--machine-mem 2M --compress-max 64K --swap $swap,size=256M"
	"--share on --share-rate 4096"
)

# Totals per mode over all workloads: the mechanism was exercised (invariants); and under
# shadow paging the clock's reference information came from the A bits of the shadow
# entries (vmN.shadow.a_cleared, the referenced hook through the reverse map).
declare -A moved
a_cleared=0
for mmu in swtlb pagewalk; do
	k=$build/guest/kernel/kernel-$mmu.elf
	for w in "${workloads[@]}"; do
		# shellcheck disable=SC2086
		timeout 120 "$tv" run --native --mmu $mmu --max-insns 3000000000 "$k" -- $w 2>&1 </dev/null |
			grep -v '^\[kstat\]' >"$tmp/n"
		for m in "${modes[@]}"; do
			# shellcheck disable=SC2086
			timeout 120 "$tv" run --quiet --mmu $mmu $m --max-insns 3000000000 --stats "$tmp/s.json" \
				"$k" -- $w >"$tmp/v" 2>&1 </dev/null; rc=$?
			grep -v '^\[kstat\]' "$tmp/v" >"$tmp/v2"
			name="$mmu $w [${m//$tmp\//}]"
			# one python per run (its start-up is most of this test's time)
			read -r isclean n ac < <(json "$tmp/s.json" "'%s %d %d' % ($clean, c['machine.mem.evicted'] + c['machine.share.merged'], c.get('vm1.shadow.a_cleared', 0))" 2>/dev/null)
			if [ $rc = 0 ] && cmp -s "$tmp/n" "$tmp/v2" && [ "${isclean:-}" = True ]; then
				ok "$name"
				moved["$mmu $m"]=$(( ${moved["$mmu $m"]:-0} + n ))
				a_cleared=$(( a_cleared + ac ))
			else
				bad "$name: exit $rc, clean ${isclean:-no stats}"
				diff -u --label native --label vmm "$tmp/n" "$tmp/v2" | head -10
			fi
		done
	done
done
for key in "${!moved[@]}"; do
	if [ "${moved[$key]}" -gt 0 ]; then ok "pages moved by [${key//$tmp\//}]: ${moved[$key]}"
	else bad "nothing moved by [${key//$tmp\//}]"; fi
done
[ "$a_cleared" -gt 0 ] && ok "shadow paging's A bits cleared by the clock: $a_cleared" ||
	bad "no A bit of a shadow entry was ever cleared"

# Many VMs, mixed workloads, in a machine a fraction of their RAM, with sharing: each
# VM's console lines are exactly its native output, and nothing is left at the end.
nvm=16 mm=4M; [ -n "$quick" ] && nvm=6 mm=2M
k=$build/guest/kernel/kernel-swtlb.elf
mix=("workload=forkwait n=20" "workload=memtouch mb=1 rounds=1" "workload=pmake workers=2 jobs=4")
args=()
for i in $(seq 1 $nvm); do
	args+=(--vm "$k,mem=32M -- ${mix[$(( (i - 1) % 3 ))]}")
done
for w in "${mix[@]}"; do
	# shellcheck disable=SC2086
	"$tv" run --native --mem 32M "$k" -- $w 2>&1 | grep -v '^\[kstat\]' >"$tmp/nat-${w%% *}-${w##*=}"
done
timeout 300 "$tv" run --quiet --machine-mem $mm --compress-max 128K --share on --swap "$swap,size=64M" \
	--stats "$tmp/many.json" "${args[@]}" >"$tmp/many" 2>&1 </dev/null; rc=$?
okm=1
[ $rc = 0 ] || okm=0
for i in $(seq 1 $nvm); do
	w=${mix[$(( (i - 1) % 3 ))]}
	vm_console "$tmp/many" $i >"$tmp/vm$i"
	cmp -s "$tmp/vm$i" "$tmp/nat-${w%% *}-${w##*=}" || { okm=0; echo "  vm$i differs from native"; }
done
[ "$(json "$tmp/many.json" "$clean and c['machine.mem.evicted'] > 0 and c['machine.share.merged'] > 0 and c['machine.swap.writes'] > 0")" = True ] || okm=0
if [ $okm = 1 ]; then ok "$nvm VMs of 32M in $mm of machine memory (share, compress, swap)"
else bad "$nvm VMs (exit $rc): $(json "$tmp/many.json" "$clean" 2>&1)"; fi

# Isolation under reclaim: VM 1 writes a secret over its 16M and powers off; VM 2 reads all
# of its RAM; their pages pass through the store, the swap file and the sharing scanner.
want=$'[vm1] secret_fill: 3917824 words written\n[vm2] secret_scan: 3917824 words read, 0 nonzero, 0 secret\n[vm2] secret_scan: beyond-RAM load: 1 exception, code 7'
for m in "--machine-mem 4M --compress-max 64K --swap $swap,size=64M --share on|share.merged" \
         "--machine-mem 4M --compress off --swap $swap,size=64M|swap.writes" \
         "--machine-mem 4M|zstore.stored"; do
	used=${m#*|}
	m=${m%|*}
	# shellcheck disable=SC2086
	"$tv" run --quiet $m --stats "$tmp/iso.json" --vm "$build/guest/bare/secret_fill.elf,mem=16M" \
		--vm "$build/guest/bare/secret_scan.elf,mem=16M" >"$tmp/iso" 2>"$tmp/iso.err"; rc=$?
	if [ $rc = 0 ] && [ "$(cat "$tmp/iso")" = "$want" ] &&
	   [ "$(json "$tmp/iso.json" "$clean and c['machine.$used'] > 0")" = True ]; then
		ok "isolation through reclaim [${m//$tmp\//}]"
	else
		bad "isolation through reclaim [${m//$tmp\//}] (exit $rc)"; cat "$tmp/iso" "$tmp/iso.err" | head -5
	fi
done

# Double zeroing (--zero-track on), exact: zero_twice writes 8 fresh pages in known ways
# (guest/bare/tests/zero_twice.c); against its run with "none", the counters must grow by
# exactly what it did: 8 watched, 5 zeroed all over again (with sw, sb, sh, sw + swr/swl,
# and one zeroed twice), 2 written with data first (one after half of it was zeroed), 9729
# stores of zero completed by the VMM (1024 + 4096 + 2048 + 512 + 1025 + 1024). These are
# the program's own figures, the same on every back end.
zt='[c[k] for k in ("vm1.mem.zero_tracked", "vm1.mem.double_zeroed", "vm1.mem.first_write_data", "vm1.mem.zero_partial", "vm1.mem.zero_stores")]'
for be in "swtlb disco" "pagewalk shadow" "pagewalk nested"; do
	set -- $be
	zok=1
	for a in none all; do
		"$tv" run --quiet --mmu "$1" --backend "$2" --mem 16M --zero-track on --stats "$tmp/zt-$a.json" \
			"$build/guest/bare/zero_twice.elf" -- "$a" >"$tmp/zt" 2>&1 </dev/null || zok=0
		grep -q "zero_twice: [0-9]* checks, 0 failed" "$tmp/zt" || zok=0
	done
	d=$(python3 -c "a=$(json "$tmp/zt-all.json" "$zt"); b=$(json "$tmp/zt-none.json" "$zt"); print(' '.join(str(x - y) for x, y in zip(a, b)))" 2>&1)
	if [ $zok = 1 ] && [ "$d" = "8 5 2 1 9729" ]; then ok "double zeroing counted exactly on $2"
	else bad "double zeroing on $2: watched, zeroed again, data first, partial, zero stores: $d (want 8 5 2 1 9729)"; fi
done

# Double zeroing in the guest kernel, with and without the zeroed-page hint (pv=1), on every
# back end: the output is the native one (the VMM completes the stores of zero it watches),
# and every frame whose zeroing the hint spares is one frame fewer zeroed twice
# (invariants; the exact figures are the memory suite's, docs/memory-results.md).
w="workload=memtouch mb=2 rounds=1"
"$tv" run --native --mmu swtlb "$build/guest/kernel/kernel-swtlb.elf" -- $w 2>&1 </dev/null | grep -v '^\[kstat\]' >"$tmp/n"
for be in "swtlb disco" "pagewalk shadow" "pagewalk nested"; do
	set -- $be
	k=$build/guest/kernel/kernel-$1.elf
	zok=1
	for pv in 0 1; do
		# shellcheck disable=SC2086
		"$tv" run --quiet --mmu "$1" --backend "$2" --zero-track on --stats "$tmp/zk$pv.json" "$k" -- $w pv=$pv \
			2>&1 </dev/null | grep -v '^\[kstat\]' >"$tmp/v"
		cmp -s "$tmp/n" "$tmp/v" || zok=0
	done
	dz0=$(json "$tmp/zk0.json" 'c["vm1.mem.double_zeroed"]')
	dz1=$(json "$tmp/zk1.json" 'c["vm1.mem.double_zeroed"]')
	hint=$(json "$tmp/zk1.json" 'c["vm1.pv.zeroed_yes"]')
	if [ $zok = 1 ] && [ "$hint" -gt 256 ] && [ $((dz0 - dz1)) = "$hint" ]; then
		ok "guest kernel on $2: $dz0 frames zeroed twice, $dz1 with the hint ($hint skipped)"
	else
		bad "guest kernel on $2: output $zok, zeroed twice $dz0, with the hint $dz1, skipped $hint"
	fi
done

summary
