#!/usr/bin/env bash
# shadow.sh BUILD_DIR - transparency of the shadow page-table back end: every program built
# for (or common to) the pagewalk MMU prints exactly the same under the VMM (deprivileged,
# on shadow page tables) as natively, and exits with status 0 both ways. Bare-metal
# programs are compared whole; the guest kernel's workloads without the lines marked
# "[kstat]" (timing-dependent counters). Then two VMs side by side, the cycle split, and the
# machine frames: every shadow frame is back in the pool when the VMs have stopped. (The A
# and D bits: shadow_opts.sh checks them against the native walker's for every workload,
# with the exact guest TLB and a timing-neutral cost profile; under the default profile the
# VMM's time moves the guest's preemption points, and with them what its processes touch.)
# Prints "ok"/"FAIL" per run and "N passed, M failed".
set -u
build=$1
tv=$build/cli/tlbvisor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# Shadow counters of a stats file, and whether the machine's frames balance.
summary() {
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]
n = json.load(open(sys.argv[2]))["counters"]
bal = c["machine.frames.free"] + c["machine.shadow.frames"] == c["machine.frames.total"] and c["vm1.shadow.frames"] == 0
print("fills=%d kseg_fills=%d pt_writes=%d zapped=%d roots=%d reflected=%d frames_peak=%d a/d=%d/%d (native %d/%d)%s" % (
    c["vm1.shadow.fills"], c["vm1.shadow.kseg_fills"], c["vm1.shadow.pt_write_emulated"],
    c["vm1.shadow.zapped"], c["vm1.shadow.roots_created"], c["vm1.shadow.faults_reflected"],
    c["vm1.shadow.frames_peak"], c["vm1.shadow.a_set"], c["vm1.shadow.dirty_faults"],
    n["pw.a_set"], n["pw.d_set"], "" if bal else " FRAMES-UNBALANCED"))' "$1" "$2"
}

compare() { # NAME FILTER ELF ARGS... (VMM options in $vmm_opts)
	local name=$1 filter=$2 elf=$3
	shift 3
	timeout 120 "$tv" run --native --mmu pagewalk --max-insns 3000000000 --stats "$tmp/ns.json" "$elf" -- "$@" >"$tmp/n" 2>&1 </dev/null; rn=$?
	# shellcheck disable=SC2086
	timeout 120 "$tv" run --quiet --mmu pagewalk $vmm_opts --max-insns 3000000000 --stats "$tmp/s.json" "$elf" -- "$@" >"$tmp/v" 2>&1 </dev/null; rv=$?
	grep -v "$filter" "$tmp/n" >"$tmp/n2"; grep -v "$filter" "$tmp/v" >"$tmp/v2"
	local sum
	sum=$(summary "$tmp/s.json" "$tmp/ns.json" 2>&1)
	if [ "$rn" = "$rv" ] && [ "$rn" = 0 ] && cmp -s "$tmp/n2" "$tmp/v2" &&
		[[ $sum != *UNBALANCED* ]]; then
		echo "ok $name $vmm_opts ($sum)"
		pass=$((pass + 1))
	else
		echo "FAIL $name $vmm_opts: exit $rn native, $rv under the VMM ($sum)"
		diff -u --label native --label shadow "$tmp/n2" "$tmp/v2" | head -20
		fail=$((fail + 1))
	fi
}

k=$build/guest/kernel/kernel-pagewalk.elf
for vmm_opts in "" "--pw-tlb-entries 16 --pw-tlb-ways 2"; do
	# (exceptions, cp0 and supervisor use the R4K TLB: natively on pagewalk they never
	# finish, see the robustness check below.)
	for p in hello isa_alu isa_mem isa_branch timer pw_basic pw_perm pw_flush pw_alias pw_store \
		pw_big pw_oos pw_kseg; do
		compare "bare $p" '^\[kstat\]' "$build/guest/bare/$p.elf"
	done
	for w in "workload=selftest" "workload=ktest n=50" "workload=forkwait n=50" \
		"workload=memtouch mb=2 rounds=1" "workload=compute iters=20" \
		"workload=mmapchurn n=20 pages=8" "workload=ctxswitch n=100" \
		"workload=pmake workers=4 jobs=8" "workload=dbrand mb=2 ops=5000" \
		"workload=idle ticks=2 rounds=2" "workload=idle ticks=2 rounds=2 idle=spin" \
		"workload=crashme"; do
		# shellcheck disable=SC2086
		compare "kernel $w" '^\[kstat\]' "$k" $w
	done
done

# Programs that need the R4K TLB loop natively on pagewalk until the instruction limit,
# printing nothing; under the VMM they must do the same (exit 3, no output but the limit).
for p in exceptions cp0 supervisor; do
	timeout 60 "$tv" run --quiet --mmu pagewalk --max-insns 2000000 "$build/guest/bare/$p.elf" >"$tmp/r" 2>&1 </dev/null; rr=$?
	if [ "$rr" = 3 ] && [ "$(grep -vc 'instruction limit reached' "$tmp/r")" = 0 ]; then
		echo "ok bare $p (loops as natively, stopped at the limit)"; pass=$((pass + 1))
	else
		echo "FAIL bare $p: exit $rr"; head -5 "$tmp/r"; fail=$((fail + 1))
	fi
done

# Two VMs side by side (world switches empty the machine TLB): each VM's console lines
# (prefix stripped) are exactly the native output; time splits exactly; frames balance.
for w in "workload=forkwait n=50" "workload=pmake workers=4 jobs=8"; do
	# shellcheck disable=SC2086
	timeout 300 "$tv" run --quiet --mmu pagewalk --vms 2 --mem 64M --stats "$tmp/two.json" "$k" -- $w >"$tmp/two" 2>&1 </dev/null; r2=$?
	# shellcheck disable=SC2086
	"$tv" run --native --mmu pagewalk --mem 64M "$k" -- $w 2>&1 | grep -v '^\[kstat\]' >"$tmp/nat"
	ok2=1
	[ "$r2" = 0 ] || ok2=0
	for i in 1 2; do
		grep "^\[vm$i\] " "$tmp/two" | sed "s/^\[vm$i\] //" | grep -v '^\[kstat\]' >"$tmp/vm$i"
		if ! cmp -s "$tmp/nat" "$tmp/vm$i"; then
			ok2=0; diff -u --label native --label "vm$i" "$tmp/nat" "$tmp/vm$i" | head -10
		fi
	done
	split=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["counters"]
print(sum(c["vm%d.instructions" % i] + c["vm%d.retried_insns" % i] for i in (1, 2)) == c["cpu.instructions"] and
      c["cpu.cycles"] == sum(c["vm%d.cycles.guest" % i] + c["vm%d.cycles.vmm" % i] for i in (1, 2)) + c["cpu.idle_cycles"]
      and c["machine.world_switches"] > 0 and c["machine.frames.free"] + c["machine.shadow.frames"] == c["machine.frames.total"]
      and c["vm1.shadow.pt_write_emulated"] > 0 and c["vm2.shadow.pt_write_emulated"] > 0)' "$tmp/two.json")
	[ "$split" = True ] || { ok2=0; echo "cycle split / frames of the two VMs: $split"; }
	if [ $ok2 = 1 ]; then echo "ok two VMs side by side: $w"; pass=$((pass + 1)); else echo "FAIL two VMs: $w (exit $r2)"; fail=$((fail + 1)); fi
done

# Modelled time splits exactly into guest (instructions and the machine walker's memory
# references), VMM work and idle.
"$tv" run --mmu pagewalk --stats "$tmp/c.json" "$k" -- workload=idle ticks=2 rounds=2 >/dev/null 2>&1
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["counters"]; m=d["cost"]
print(c["vm1.cycles.vmm"] > 0 and c["cpu.idle_cycles"] > 0 and c["pw.memrefs"] > 0
      and c["cpu.cycles"] == c["vm1.cycles.guest"] + c["vm1.cycles.vmm"] + c["cpu.idle_cycles"]
      and c["vm1.cycles.guest"] == c["cpu.instructions"] * m["insn"] + c["pw.memrefs"] * m["walker_memref"])' "$tmp/c.json")
if [ "$got" = True ]; then echo "ok cycles = guest (insns + walker) + vmm + idle"; pass=$((pass + 1)); else echo "FAIL cycles split: $got"; fail=$((fail + 1)); fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
