#!/usr/bin/env bash
# linux.sh [--n N] BUILD_DIR - the figures of docs/linux.md for Debian's Linux for Malta
# (make linux first, or this script builds $BUILD_DIR/linux itself):
#   1. boot time to init (host seconds until init's first line): QEMU 7.2, tlbvisor natively,
#      under the Disco VMM; one run each (they vary with the host and its load);
#   2. the workloads at scale N (default 2) natively and under Disco with the L2 TLB off and
#      on: modelled cycles and the VMM's counters (deterministic), host seconds;
#   3. an idle Linux VM beside a busy one, idle detection off / wait (Linux idles with wait):
#      when the busy VM finishes, how the machine's cycles were spent.
# Kernel arguments: "console=ttyS0" for the boot times (as a user would boot it); the
# workload runs add cryptomgr.notests and lpj=665088 (docs/linux.md: as the tests do).
# Prints Markdown tables.
set -eu
n=2
boot_only=0
while [ $# -gt 1 ]; do
	case $1 in
	--n) n=$2; shift 2 ;;
	--boot-only) boot_only=1; shift ;;
	*) break ;;
	esac
done
if [ $# -ne 1 ] || [ "$1" = "--help" ]; then
	echo "usage: $0 [--n N] [--boot-only] BUILD_DIR" >&2
	exit 2
fi
build=$1
root=$(cd "$(dirname "$0")/.." && pwd)
tv=$build/cli/tlbvisor
qemu=${QEMU:-qemu-system-mipsel}
bash "$root/guest/linux/build.sh" "$build/linux" >&2
k=$build/linux/vmlinuz
rd=$build/linux/initrd.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wargs="console=ttyS0 cryptomgr.notests lpj=665088"

# Host seconds from the start of CMD... until a line starting with MARK on its stdout:
# wall-clock, and the CPU time the process (all its threads) had used by then (the figure
# that a host busy with other work does not inflate).
until_line() {
	local mark=$1
	shift
	python3 - "$mark" "$@" <<'PY'
import os, subprocess, sys, time
mark = sys.argv[1].encode()
tick = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick          # utime + stime
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                     stdin=subprocess.DEVNULL)
t = c = None
for line in p.stdout:
    if t is None and line.lstrip(b"[vm1] ").startswith(mark):
        t = time.monotonic() - t0
        c = cpu(p.pid)
end = time.monotonic() - t0
p.wait()
print("%.2f %.2f %.2f" % (t if t is not None else -1, c if c is not None else -1, end))
PY
}

echo "## Boot time to init (host seconds, one run; kernel arguments: console=ttyS0)"
echo
echo "| run | CPU s to init | × QEMU | wall s to init | wall s to power-off | simulated cycles to power-off |"
echo "|---|---:|---:|---:|---:|---:|"
read -r qi qc qe < <(until_line "init: start" "$qemu" -M malta -cpu 24Kc -m 128 -nographic \
	-no-reboot -kernel "$k" -initrd "$rd" -append "console=ttyS0 workload=idle n=0")
read -r ni nc ne < <(until_line "init: start" "$tv" run --native --stats "$tmp/bn.json" \
	--initrd "$rd" "$k" -- console=ttyS0 workload=idle n=0)
read -r vi vc ve < <(until_line "init: start" "$tv" run --quiet --stats "$tmp/bv.json" \
	--initrd "$rd" "$k" -- console=ttyS0 workload=idle n=0)
cyc() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counters"]["cpu.cycles"])' "$1"; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
echo "| QEMU 7.2 (-M malta -cpu 24Kc) | $qc | 1.00 | $qi | $qe | – |"
echo "| tlbvisor --native | $nc | $(ratio "$nc" "$qc") | $ni | $ne | $(cyc "$tmp/bn.json") |"
echo "| tlbvisor, Disco VMM | $vc | $(ratio "$vc" "$qc") | $vi | $ve | $(cyc "$tmp/bv.json") |"
echo
[ $boot_only = 1 ] && exit 0

echo "## Workloads (workload=all n=$n): natively and under Disco"
echo
i=0
for run in "native" "vmm --l2tlb off" "vmm --l2tlb on"; do
	read -r mode opts <<<"$run"
	flags="--quiet $opts"
	[ "$mode" = native ] && flags="--native"
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	"$tv" run $flags --stats "$tmp/w$i.json" --initrd "$rd" "$k" -- $wargs workload=all n=$n \
		>"$tmp/w$i.log" </dev/null
	t1=$(date +%s.%N)
	echo "$t0 $t1" >"$tmp/w$i.t"
	i=$((i + 1))
done
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
c = [json.load(open("%s/w%d.json" % (tmp, i)))["counters"] for i in range(3)]
t = [list(map(float, open("%s/w%d.t" % (tmp, i)).read().split())) for i in range(3)]
print("| | native | Disco, L2 TLB off | Disco, L2 TLB on |")
print("|---|---:|---:|---:|")
def row(name, f):
    print("| %s | %s |" % (name, " | ".join(f(i) for i in range(3))))
row("cycles", lambda i: "%d" % c[i]["cpu.cycles"])
row("× native", lambda i: "%.2f" % (c[i]["cpu.cycles"] / c[0]["cpu.cycles"]))
row("guest instructions", lambda i: "%d" % (c[i]["cpu.instructions"] if i == 0 else c[i]["vm1.instructions"]))
row("VMM cycles (share)", lambda i: "–" if i == 0 else "%d (%.0f%%)" % (
    c[i]["vm1.cycles.vmm"], 100.0 * c[i]["vm1.cycles.vmm"] / c[i]["cpu.cycles"]))
def traps(i, kind):
    if i == 0:
        return "%d" % c[i].get("cpu.exceptions." + kind, 0)
    return "%d" % c[i].get("vm1.traps." + kind, 0)
for kind in ["CpU", "TLBL", "TLBS", "Mod", "RI", "Sys", "Int"]:
    row("exceptions/traps " + kind, lambda i, k=kind: traps(i, k))
for name, key in [("privileged emulated", "vm1.priv_emulated"), ("… mfc0", "vm1.priv.mfc0"),
                  ("… mtc0", "vm1.priv.mtc0"), ("… di/ei", "vm1.priv.di_ei"),
                  ("… cache", "vm1.priv.cache"), ("… eret", "vm1.priv.eret"),
                  ("… tlbwr", "vm1.priv.tlbwr"), ("… tlbwi", "vm1.priv.tlbwi"),
                  ("… tlbp", "vm1.priv.tlbp"),
                  ("reflected to the guest", "vm1.reflected"),
                  ("refills reflected", "vm1.tlb.refill_reflected"),
                  ("L2 TLB hits", "vm1.l2tlb.hits"),
                  ("VMM fills: kseg0/1", "vm1.tlb.vmm_fills_kseg"),
                  ("VMM fills: mapped", "vm1.tlb.vmm_fills_mapped"),
                  ("device accesses emulated", "vm1.devices.accesses")]:
    row(name, lambda i, k=key: "–" if i == 0 else "%d" % c[i].get(k, 0))
row("host seconds", lambda i: "%.1f" % (t[i][1] - t[i][0]))

# Where the VMM's cycles go (Disco, L2 TLB on), from the counters and the cost model the
# run used (vmm_exception: a trap costs trap_round_trip, an emulated instruction or device
# access emulate_priv more, a reflection reflect more; lookups and zeroed frames their own).
v = c[2]
m = json.load(open("%s/w2.json" % tmp))["cost"]
traps = {k[len("vm1.traps."):]: x for k, x in v.items() if k.startswith("vm1.traps.")}
native = c[0]["cpu.cycles"]
parts = [
    ("privileged instructions emulated (CpU)", v["vm1.priv_emulated"] * (m["trap_round_trip"] + m["emulate_priv"])),
    ("device accesses emulated (TLBL/TLBS on a device page)", v["vm1.devices.accesses"] * (m["trap_round_trip"] + m["emulate_priv"])),
    ("exceptions reflected to the guest", v["vm1.reflected"] * (m["trap_round_trip"] + m["reflect"])),
    ("TLB misses the VMM filled (kseg0/1, guest TLB, L2 TLB)", (v["vm1.tlb.vmm_fills_kseg"] + v["vm1.tlb.vmm_fills_mapped"] + v["vm1.l2tlb.hits"]) * m["trap_round_trip"] + v["vm1.l2tlb.lookups"] * m["l2tlb_lookup"]),
    ("frames zeroed", v["vm1.pmap.filled"] * m["page_zero"]),
]
rest = v["vm1.cycles.vmm"] - sum(x for _, x in parts)
print()
print("VMM cycles by cause (Disco, L2 TLB on; cost model: trap %d, emulate %d, reflect %d, "
      "L2 lookup %d, page zero %d cycles):" % (m["trap_round_trip"], m["emulate_priv"],
      m["reflect"], m["l2tlb_lookup"], m["page_zero"]))
print()
print("| cause | VMM cycles | share of the VMM's | × native cycles |")
print("|---|---:|---:|---:|")
for name, x in parts + [("overlap: a trap that emulated, then reflected the interrupt it made pending, is counted twice above", rest)]:
    print("| %s | %d | %.0f%% | %.2f |" % (name, x, 100.0 * x / v["vm1.cycles.vmm"], x / native))
no_priv = (v["cpu.cycles"] - parts[0][1]) / native
print()
print("Without the privileged-instruction traps the guest would run at %.2f × native." % no_priv)
PY
echo

echo "## An idle Linux VM beside a busy one (VM 1: workload=all n=$n; VM 2: workload=idle n=150, idle for longer than VM 1 runs)"
echo
echo "| VM 2 | idle detection | VM 1 ends at (cycles) | × alone | VM 2 cycles run (whole run) | VM 2 halts | host s |"
echo "|---|---|---:|---:|---:|---:|---:|"
alone=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counters"]["vm1.end_cycle"])' "$tmp/w2.json")
echo "| none (VM 1 alone) | – | $alone | 1.00 | – | – | – |"
for idle in both off; do
	t0=$(date +%s.%N)
	"$tv" run --quiet --idle-detect $idle --stats "$tmp/i.json" \
		--vm "$k,initrd=$rd -- $wargs workload=all n=$n" \
		--vm "$k,initrd=$rd -- $wargs workload=idle n=150" >"$tmp/i.log" </dev/null
	t1=$(date +%s.%N)
	python3 - "$tmp/i.json" "$idle" "$t0" "$t1" "$alone" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
print("| Linux, idle | %s | %d | %.2f | %d | %d | %.1f |" % (sys.argv[2], c["vm1.end_cycle"],
      c["vm1.end_cycle"] / int(sys.argv[5]), c["vm2.sched.cycles_run"], c["vm2.sched.halts"],
      float(sys.argv[4]) - float(sys.argv[3])))
PY
done
