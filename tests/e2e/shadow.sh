#!/usr/bin/env bash
# shadow.sh BUILD_DIR - shadow paging's own invariants: two VMs side by side with the
# machine's time split exactly, both emulating page-table writes, every shadow frame back
# in the pool; the cycle split with the walker's references. (Transparency, isolation and
# the secret-pattern test of every back end, shadow paging's included: backends.sh. The A
# and D bits: shadow_opts.sh checks them against the native walker's for every workload,
# with the exact guest TLB and a timing-neutral cost profile.) Invariants only.
# Prints "ok"/"FAIL" per run and "N passed, M failed".
set -u
build=$1
tv=$build/cli/tlbvisor
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

k=$build/guest/kernel/kernel-pagewalk.elf

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
		vm_console "$tmp/two" $i >"$tmp/vm$i"
		if ! cmp -s "$tmp/nat" "$tmp/vm$i"; then
			ok2=0; diff -u --label native --label "vm$i" "$tmp/nat" "$tmp/vm$i" | head -10
		fi
	done
	split=$(json "$tmp/two.json" 'sum(c["vm%d.instructions" % i] + c["vm%d.retried_insns" % i] for i in (1, 2)) == c["cpu.instructions"] and
      c["cpu.cycles"] == sum(c["vm%d.cycles.guest" % i] + c["vm%d.cycles.vmm" % i] for i in (1, 2)) + c["cpu.idle_cycles"]
      and c["machine.world_switches"] > 0 and c["machine.frames.free"] + c["machine.shadow.frames"] == c["machine.frames.total"]
      and c["vm1.shadow.pt_write_emulated"] > 0 and c["vm2.shadow.pt_write_emulated"] > 0')
	[ "$split" = True ] || { ok2=0; echo "cycle split / frames of the two VMs: $split"; }
	if [ $ok2 = 1 ]; then ok "two VMs side by side: $w"; else bad "two VMs: $w (exit $r2)"; fi
done

# Modelled time splits exactly into guest (instructions and the machine walker's memory
# references), VMM work and idle.
"$tv" run --mmu pagewalk --stats "$tmp/c.json" "$k" -- workload=idle ticks=2 rounds=2 >/dev/null 2>&1
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["counters"]; m=d["cost"]
print(c["vm1.cycles.vmm"] > 0 and c["cpu.idle_cycles"] > 0 and c["pw.memrefs"] > 0
      and c["cpu.cycles"] == c["vm1.cycles.guest"] + c["vm1.cycles.vmm"] + c["cpu.idle_cycles"]
      and c["vm1.cycles.guest"] == c["cpu.instructions"] * m["insn"] + c["pw.memrefs"] * m["walker_memref"])' "$tmp/c.json")
if [ "$got" = True ]; then ok "cycles = guest (insns + walker) + vmm + idle"; else bad "cycles split: $got"; fi
summary
