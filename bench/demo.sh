#!/usr/bin/env bash
# demo.sh BUILD_DIR - boots the guest kernel with a few workloads on both MMU personalities,
# and prints the workload lines, then the kernel's counters ([kstat] lines) and the
# machine's counters (--stats) side by side; then runs the three as guests of the VMM on each MMU.
set -eu
build=$1
tv=$build/cli/tlbvisor
out=$build/demo
mkdir -p "$out"
runs=()
for w in "forkwait n=200" "memtouch mb=8 rounds=2" "pmake workers=4 jobs=16"; do
	name=${w%% *}
	for mmu in swtlb pagewalk; do
		echo "== $mmu: workload=$w"
		# shellcheck disable=SC2086
		"$tv" run --native --mmu $mmu --stats "$out/$name-$mmu.json" \
			"$build/guest/kernel/kernel-$mmu.elf" -- workload=$w | tee "$out/$name-$mmu.txt" |
			grep -v '^\[kstat\]'
		runs+=("$name-$mmu")
	done
done
echo
python3 - "$out" "${runs[@]}" <<'PY'
import json, re, sys
out, runs = sys.argv[1], sys.argv[2:]
cols = []
for r in runs:
    c = {}
    for line in open("%s/%s.txt" % (out, r)):
        if line.startswith("[kstat]"):
            for k, v in re.findall(r"(\w+)=(\d+)", line):
                c["kernel." + k] = int(v)
    for k, v in json.load(open("%s/%s.json" % (out, r)))["counters"].items():
        c[k] = int(v)
    cols.append(c)
keep = ["kernel.page_faults", "kernel.cow_copies", "kernel.forks", "kernel.ctx_switches",
        "kernel.tlb_refills", "kernel.tlb_flushes", "kernel.invlpg", "kernel.ptbase_writes",
        "cpu.instructions", "cpu.cycles", "cpu.exceptions.TLBL", "cpu.exceptions.TLBS",
        "cpu.exceptions.Mod", "cpu.exceptions.Sys", "cpu.exceptions.Int", "tlb.lookups",
        "tlb.misses.refill", "tlb.refills.tlbwr", "pw.walks", "pw.memrefs", "pw.a_set",
        "pw.d_set", "tcache.misses.load", "tcache.misses.store"]
w = max(len(k) for k in keep)
print("%-*s" % (w, "counter") + "".join("%18s" % r for r in runs))
for k in keep:
    print("%-*s" % (w, k) + "".join("%18s" % (c[k] if k in c else "-") for c in cols))
PY

# The same three workloads as three unmodified guests side by side under the VMM: on the
# software TLB (Disco-style, L2 software TLB on) and on the page walker (shadow page
# tables); then what the VMM did for each.
for mmu in swtlb pagewalk; do
	echo
	case $mmu in
	swtlb) echo "== VMM on the software TLB (Disco): three guest kernels side by side (docs/vmm.md)";;
	pagewalk) echo "== VMM on the page walker (shadow page tables): the same (docs/shadow.md)";;
	esac
	k=$build/guest/kernel/kernel-$mmu.elf
	"$tv" run --mmu $mmu --stats "$out/vmm-$mmu.json" --vm "$k,mem=64M -- workload=forkwait n=200" \
		--vm "$k,mem=64M -- workload=memtouch mb=8 rounds=2" \
		--vm "$k,mem=64M -- workload=pmake workers=4 jobs=16" 2>"$out/vmm-$mmu.summary" |
		grep -v '^\[vm.\] \[kstat\]'
	echo
	cat "$out/vmm-$mmu.summary"
	echo
	python3 - "$out/vmm-$mmu.json" $mmu <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
keep = ["instructions", "cycles.guest", "cycles.vmm", "traps.CpU", "traps.TLBL", "traps.TLBS",
        "priv.mfc0", "priv.mtc0", "priv.eret", "priv.cache", "devices.accesses", "pmap.filled"]
keep += {"swtlb": ["tlb.refill_reflected", "l2tlb.hits", "l2tlb.misses_cold",
                   "tlb.vmm_fills_mapped", "tlb.vmm_fills_kseg", "priv.tlbwr"],
         "pagewalk": ["shadow.faults", "shadow.fills", "shadow.kseg_fills",
                      "shadow.pt_write_emulated", "shadow.zapped", "shadow.root_switches",
                      "shadow.root_hits", "shadow.frames_peak"]}[sys.argv[2]]
w = max(len(k) for k in keep) + 4
print("%-*s" % (w, "counter") + "".join("%14s" % ("vm%d" % i) for i in (1, 2, 3)))
for k in keep:
    print("%-*s" % (w, "vmN." + k) + "".join("%14s" % c.get("vm%d.%s" % (i, k), "-") for i in (1, 2, 3)))
for k in ["cpu.instructions", "cpu.cycles", "cpu.idle_cycles", "machine.world_switches",
          "machine.frames.zeroed"]:
    print("%-*s%14s" % (w, k, c[k]))
PY
done
