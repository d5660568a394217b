#!/usr/bin/env bash
# vmm.sh BUILD_DIR - the VMM core with Disco on the software TLB: several different VMs
# side by side with the machine's time split exactly among them, proportional share, idle
# detection, the cycle split of one VM. (Transparency, isolation and the secret-pattern test
# of every back end, Disco's included: backends.sh.) Invariants, except the idle-detection
# halts, recorded figures (said there).
# Prints "ok"/"FAIL" per run and "N passed, M failed".
set -u
build=$1
tv=$build/cli/tlbvisor
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# Four VMs side by side, different guests and workloads: each VM's console lines (prefix
# stripped) are exactly its native output.
k=$build/guest/kernel/kernel-swtlb.elf
specs=("$k,mem=64M -- workload=forkwait n=100" "$k,mem=64M,weight=2 -- workload=compute iters=20"
       "$k,mem=64M -- workload=pmake workers=4 jobs=8" "$build/guest/bare/isa_alu.elf,mem=16M")
args=()
for sp in "${specs[@]}"; do args+=(--vm "$sp"); done
timeout 300 "$tv" run --stats "$tmp/four.json" "${args[@]}" >"$tmp/four" 2>&1 </dev/null; r4=$?
ok4=1
[ "$r4" = 0 ] || ok4=0
for i in 1 2 3 4; do
	sp=${specs[$((i - 1))]}
	elf=${sp%%,*}
	mem=$(sed 's/.*mem=\([0-9]*M\).*/\1/' <<<"$sp")
	bargs=""; case $sp in *" -- "*) bargs=${sp#* -- };; esac
	# shellcheck disable=SC2086
	"$tv" run --native --mem "$mem" "$elf" -- $bargs 2>&1 | grep -v '^\[kstat\]' >"$tmp/nat$i"
	vm_console "$tmp/four" $i >"$tmp/vm$i"
	if ! cmp -s "$tmp/nat$i" "$tmp/vm$i"; then
		ok4=0; diff -u --label native --label "vm$i" "$tmp/nat$i" "$tmp/vm$i" | head -10
	fi
done
# The machine's time is exactly the VMs' guest and VMM cycles plus idle time.
split=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["counters"]
vms = range(1, 5)
print(sum(c["vm%d.instructions" % i] + c["vm%d.retried_insns" % i] for i in vms) == c["cpu.instructions"] and
      c["cpu.cycles"] == sum(c["vm%d.cycles.guest" % i] + c["vm%d.cycles.vmm" % i] for i in vms) + c["cpu.idle_cycles"]
      and c["machine.world_switches"] > 0)' "$tmp/four.json")
[ "$split" = True ] || { ok4=0; echo "cycle split of the four VMs: $split"; }
if [ $ok4 = 1 ]; then ok "four VMs side by side"; else bad "four VMs (exit $r4)"; fi

# Proportional share: with weights 1 and 3, VM 2 gets three quarters of the machine until
# it finishes (it ends after about 4/3 of its own running time), then VM 1 runs alone.
"$tv" run --quiet --vms 2 --weight 1,3 --stats "$tmp/w.json" "$k" -- workload=compute iters=100 >/dev/null 2>&1; rw=$?
share=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]
r = c["vm2.end_cycle"] / c["vm2.sched.cycles_run"]
print("%s %.3f" % ("ok" if 1.25 < r < 1.42 and c["vm1.end_cycle"] > c["vm2.end_cycle"] else "FAIL", r))' "$tmp/w.json")
echo "${share%% *} weights 1,3: VM 2 ends after ${share#* }x its running time (exit $rw)"
case "$share $rw" in ok*" 0") pass=$((pass + 1));; *) fail=$((fail + 1));; esac

# Idle detection matters: a busy VM next to an idle one finishes in nearly the time it takes
# alone when the idle VM's wait (or spinning idle loop) halts it, in about twice that
# without detection. (Recorded figures: 1000 halts for the 1000 ticks waiting, 1000
# spinning; it moved between 999 and 1000 with the kernel image's layout, which no longer
# depends on the tree's path: 999 before issue 12's kernel code (pv=1, the balloon
# driver), whose spinning guest's last tick fell after the busy VM ended; the VMM gives
# 999 on that kernel.)
busy="$k,mem=32M -- workload=compute iters=300"
endc() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]; print(c["vm1.end_cycle"], c.get("vm2.idle.wait_halts", 0), c.get("vm2.idle.spin_halts", 0))' "$1"; }
"$tv" run --stats "$tmp/alone.json" --vm "$busy" >/dev/null 2>&1
read -r alone _ _ < <(endc "$tmp/alone.json")
for idle in wait spin; do
	for det in both off; do
		"$tv" run --idle-detect $det --stats "$tmp/i.json" --vm "$busy" \
			--vm "$k,mem=32M -- workload=idle ticks=1000 rounds=1 idle=$idle" >/dev/null 2>&1
		read -r end wh sh < <(endc "$tmp/i.json")
		verdict=$(python3 -c "import sys; a, e, d, idle, wh, sh = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
r = e / a
ok = (r < 1.3 and (wh == 1000 if idle == 'wait' else sh == 1000)) if d == 'both' else (r > 1.8 and wh == 0 and sh == 0)
print('%s %.2f' % ('ok' if ok else 'FAIL', r))" "$alone" "$end" $det $idle "$wh" "$sh")
		echo "${verdict%% *} idle=$idle detect=$det: busy VM ends at $end cycles, ${verdict#* }x alone ($alone); halts wait=$wh spin=$sh"
		case $verdict in ok*) pass=$((pass + 1));; *) fail=$((fail + 1));; esac
	done
done

# Modelled time under the VMM splits exactly into guest instructions, VMM work and idle.
"$tv" run --stats "$tmp/c.json" "$build/guest/kernel/kernel-swtlb.elf" -- workload=idle ticks=2 rounds=2 >/dev/null 2>&1
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["counters"]; m=d["cost"]
print(c["vm1.cycles.vmm"] > 0 and c["cpu.idle_cycles"] > 0 and c["cpu.cycles"] == c["cpu.instructions"] * m["insn"] + c["vm1.cycles.vmm"] + c["cpu.idle_cycles"]
      and c["vm1.instructions"] + c["vm1.retried_insns"] == c["cpu.instructions"] and c["vm1.cycles.guest"] == c["cpu.instructions"] * m["insn"])' "$tmp/c.json")
if [ "$got" = True ]; then ok "cycles = guest + vmm + idle"; else bad "cycles split: $got"; fi
summary
