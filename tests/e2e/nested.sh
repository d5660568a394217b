#!/usr/bin/env bash
# nested.sh BUILD_DIR [quick] - transparency and isolation of the nested-paging back end
# (nested/, docs/nested.md): every program built for (or common to) the pagewalk MMU prints
# exactly the same under the VMM with --backend nested as natively, exiting the same way,
# with nested paging's optional hardware off and all on (quick: all on only, for ASan). Bare programs are compared whole;
# the kernel's workloads without the "[kstat]" lines (timing-dependent counters). Then a
# nested VM beside a Disco VM and a shadow VM, and the machine frames: every nested-table
# frame is back in the pool when the VMs have stopped. Invariants only (no recorded figure):
# outputs equal to the native ones, frames balanced, no guest page-table write trapped.
# (Until the one suite for every back end replaces it and shadow.sh, issue 13 item 4.)
set -u
build=$1
tv=$build/cli/tlbvisor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# Nested counters of a stats file, and whether the machine's frames balance.
summary() {
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]
bal = c["machine.frames.free"] + c["machine.nested.frames"] == c["machine.frames.total"] and c["vm1.nested.table_frames"] == 0
print("exits=%d fills=%d large=%d mmio=%d guest_pf=%d walks2d=%d refs=%d/%d%s" % (
    c["vm1.nested.exits"], c["vm1.nested.fills"], c["vm1.nested.large_fills"], c["vm1.nested.mmio"],
    c["vm1.nested.guest_faults"], c["pw.nested.walks_2d"], c["pw.nested.guest_refs"],
    c["pw.nested.nested_refs"], "" if bal else " FRAMES-UNBALANCED"))' "$1"
}

compare() { # NAME ELF ARGS... (VMM options in $vmm_opts)
	local name=$1 elf=$2
	shift 2
	timeout 120 "$tv" run --native --mmu pagewalk --max-insns 3000000000 "$elf" -- "$@" >"$tmp/n" 2>&1 </dev/null; rn=$?
	# shellcheck disable=SC2086
	timeout 120 "$tv" run --quiet --mmu pagewalk --backend nested $vmm_opts --max-insns 3000000000 --stats "$tmp/s.json" "$elf" -- "$@" >"$tmp/v" 2>&1 </dev/null; rv=$?
	grep -v '^\[kstat\]' "$tmp/n" >"$tmp/n2"; grep -v '^\[kstat\]' "$tmp/v" >"$tmp/v2"
	local sum
	sum=$(summary "$tmp/s.json" 2>&1)
	if [ "$rn" = "$rv" ] && [ "$rn" = 0 ] && cmp -s "$tmp/n2" "$tmp/v2" && [[ $sum != *UNBALANCED* ]] &&
		[[ $sum != *Error* ]]; then
		echo "ok $name $vmm_opts ($sum)"
		pass=$((pass + 1))
	else
		echo "FAIL $name $vmm_opts: exit $rn native, $rv under the VMM ($sum)"
		diff -u --label native --label nested "$tmp/n2" "$tmp/v2" | head -20
		fail=$((fail + 1))
	fi
}

k=$build/guest/kernel/kernel-pagewalk.elf
sets=("" "--nested-opts all --pw-tlb-entries 16 --pw-tlb-ways 2")
[ "${2:-}" = quick ] && sets=("--nested-opts all --pw-tlb-entries 16 --pw-tlb-ways 2")
for vmm_opts in "${sets[@]}"; do
	for p in hello isa_alu isa_mem isa_branch timer pw_basic pw_perm pw_flush pw_alias pw_store \
		pw_big pw_oos pw_kseg pw_stale pw_hog pw_fuzz; do
		compare "bare $p" "$build/guest/bare/$p.elf"
	done
	works=("workload=selftest" "workload=forkwait n=30" "workload=memtouch mb=2 rounds=1"
		"workload=mmapchurn n=20 pages=8" "workload=ctxswitch n=100"
		"workload=pmake workers=4 jobs=8" "workload=dbrand mb=2 ops=5000"
		"workload=idle ticks=2 rounds=2 idle=spin" "workload=crashme")
	# with the options on, the workloads that exercise them (CI time)
	[ -n "$vmm_opts" ] && works=("workload=forkwait n=30" "workload=memtouch mb=2 rounds=1"
		"workload=mmapchurn n=20 pages=8" "workload=crashme")
	for w in "${works[@]}"; do
		# shellcheck disable=SC2086
		compare "kernel $w" "$k" $w
	done
done

# A nested VM beside a Disco VM and a shadow VM: each prints its native output; the nested
# VM's guest page-table writes never trap (no exits but nested faults, device accesses and
# its own page faults); frames balance.
w="workload=forkwait n=30"
ks=$build/guest/kernel/kernel-swtlb.elf
timeout 300 "$tv" run --quiet --mmu pagewalk --mem 64M --stats "$tmp/three.json" \
	--vm "$k,backend=nested -- $w" --vm "$ks,backend=disco -- $w" --vm "$k,backend=shadow -- $w" \
	>"$tmp/three" 2>&1 </dev/null; r3=$?
ok3=1
[ "$r3" = 0 ] || ok3=0
"$tv" run --native --mmu pagewalk --mem 64M "$k" -- $w 2>&1 | grep -v '^\[kstat\]' >"$tmp/natp"
"$tv" run --native --mmu swtlb --mem 64M "$ks" -- $w 2>&1 | grep -v '^\[kstat\]' >"$tmp/nats"
for i in 1 2 3; do
	nat=$tmp/natp; [ $i = 2 ] && nat=$tmp/nats
	grep "^\[vm$i\] " "$tmp/three" | sed "s/^\[vm$i\] //" | grep -v '^\[kstat\]' >"$tmp/vm$i"
	if ! cmp -s "$nat" "$tmp/vm$i"; then
		ok3=0; diff -u --label native --label "vm$i" "$nat" "$tmp/vm$i" | head -10
	fi
done
got=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]
print(c["machine.frames.free"] + c["machine.nested.frames"] + c["machine.shadow.frames"] == c["machine.frames.total"]
      and c["vm1.nested.table_frames"] == 0 and c["vm1.nested.exits"] > 0
      and c["vm1.traps.TLBL"] + c["vm1.traps.TLBS"] == c["vm1.nested.guest_faults"]
      and c["vm3.shadow.pt_write_emulated"] > 0)' "$tmp/three.json" 2>&1)
[ "$got" = True ] || { ok3=0; echo "frames / exits of the three VMs: $got"; }
if [ $ok3 = 1 ]; then echo "ok nested, Disco and shadow VMs side by side"; pass=$((pass + 1)); else echo "FAIL three VMs (exit $r3)"; head -5 "$tmp/three"; fail=$((fail + 1)); fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
