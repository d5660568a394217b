#!/usr/bin/env bash
# speed.sh - the emulation-speed benchmark (issue 2): tlbvisor against QEMU.
#
# usage: bench/speed.sh [options] BUILD_DIR
#
# Runs each benchmark guest (BUILD_DIR/bench/bench_compute.elf, bench_tlb.elf) on
#   tlbvisor: BUILD_DIR/cli/tlbvisor run --native --mmu swtlb --stats FILE ELF
#   QEMU:     qemu-system-mipsel -M malta -cpu 24Kc -nographic -no-reboot \
#             -semihosting -kernel ELF
# timing each run's wall clock, checks that both exit 0 and print the same
# "checksum=" line, takes the guest instruction count from tlbvisor's stats
# (counters."cpu.instructions"; the programs are deterministic, so QEMU executes
# the same instructions) and prints guest MIPS (guest instructions per host
# second) and the ratio tlbvisor/QEMU.  bench_null.elf, which only prints and
# powers off, measures each emulator's start-up + shutdown; the table gives the
# raw ratio and the ratio with that start-up subtracted from both sides.
#
# options:
#   --runs N          run every program N times on each emulator, keep the fastest
#                     (default 1)
#   --tlbvisor PATH   the tlbvisor binary (default BUILD_DIR/cli/tlbvisor)
#   --qemu PATH       the QEMU binary (default qemu-system-mipsel)
#   --md FILE         also write the table as Markdown to FILE
#   --csv FILE        also write the figures as CSV to FILE
#   --args 'K=V ...'  boot command line for the two benchmarks (default: none, i.e.
#                     the programs' built-in iteration counts)
#   --timeout SEC     limit per run (default 900)
#
# Needs only bash, coreutils, python3 and qemu-system-mips (what the README installs).
# Exit status: 0, or 1 when a run failed or the checksums differ.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

runs=1 tlbvisor="" qemu=qemu-system-mipsel md="" csv="" bargs="" tmo=900
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs="$2"; shift 2 ;;
	--tlbvisor) tlbvisor="$2"; shift 2 ;;
	--qemu) qemu="$2"; shift 2 ;;
	--md) md="$2"; shift 2 ;;
	--csv) csv="$2"; shift 2 ;;
	--args) bargs="$2"; shift 2 ;;
	--timeout) tmo="$2"; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "speed.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { usage >&2; exit 2; }
build="$1"
[ -n "$tlbvisor" ] || tlbvisor="$build/cli/tlbvisor"
[ -x "$tlbvisor" ] || { echo "speed.sh: no tlbvisor binary at $tlbvisor" >&2; exit 2; }
command -v "$qemu" >/dev/null || { echo "speed.sh: $qemu not found" >&2; exit 2; }
case "$runs" in ''|*[!0-9]*|0) echo "speed.sh: --runs needs a positive integer" >&2; exit 2 ;; esac
for p in bench_null bench_compute bench_tlb; do
	[ -f "$build/bench/$p.elf" ] || {
		echo "speed.sh: $build/bench/$p.elf missing (build the bench_guests target)" >&2
		exit 2
	}
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
results="$tmp/results.tsv"        # program emulator seconds instructions checksum
: >"$results"

now() { date +%s.%N; }

# run_one PROGRAM EMULATOR: one timed run; appends a line to $results
run_one() {
	local prog="$1" emu="$2" elf="$build/bench/$1.elf" t0 t1 rc=0 insns=0 sum
	local out="$tmp/$prog.$emu.out" err="$tmp/$prog.$emu.err" stats="$tmp/$prog.stats.json"
	local args=""
	[ "$prog" = bench_null ] || args="$bargs"
	if [ "$emu" = tlbvisor ]; then
		t0=$(now)
		# shellcheck disable=SC2086  # $args: words of the boot command line
		timeout "$tmo" "$tlbvisor" run --native --mmu swtlb --stats "$stats" "$elf" \
			${args:+-- $args} </dev/null >"$out" 2>"$err" || rc=$?
		t1=$(now)
	else
		t0=$(now)
		timeout "$tmo" "$qemu" -M malta -cpu 24Kc -nographic -no-reboot -semihosting \
			-kernel "$elf" ${args:+-append "$args"} </dev/null >"$out" 2>"$err" || rc=$?
		t1=$(now)
	fi
	if [ "$rc" -ne 0 ]; then
		echo "speed.sh: $prog on $emu exited with status $rc" >&2
		cat "$out" "$err" >&2
		exit 1
	fi
	sum=$(tr -d '\r' <"$out" | grep -o 'checksum=0x[0-9a-f]*' | tail -n 1 || true)
	if [ -z "$sum" ]; then
		echo "speed.sh: $prog on $emu printed no checksum" >&2
		cat "$out" "$err" >&2
		exit 1
	fi
	if [ "$emu" = tlbvisor ]; then
		insns=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["counters"]["cpu.instructions"])' "$stats")
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$prog" "$emu" \
		"$(python3 -c 'import sys; print("%.6f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1")" \
		"$insns" "$sum" >>"$results"
	printf '  %-14s %-9s %8.3f s  %s\n' "$prog" "$emu" "$(tail -n 1 "$results" | cut -f3)" "$sum" >&2
}

echo "speed.sh: $runs run(s) per program and emulator; tlbvisor=$tlbvisor qemu=$qemu" >&2
for r in $(seq 1 "$runs"); do
	for prog in bench_null bench_compute bench_tlb; do
		run_one "$prog" tlbvisor
		run_one "$prog" qemu
	done
done

python3 - "$results" "$md" "$csv" <<'EOF'
import csv, sys

path, md_path, csv_path = sys.argv[1:4]
best, insns, sums = {}, {}, {}
with open(path) as f:
    for line in f:
        prog, emu, secs, n, s = line.rstrip("\n").split("\t")
        key = (prog, emu)
        best[key] = min(best.get(key, float("inf")), float(secs))
        if emu == "tlbvisor":
            insns[prog] = int(n)
        sums.setdefault(prog, set()).add(s)

bad = [p for p, s in sums.items() if len(s) != 1]
for p in bad:
    print("speed.sh: %s: checksums differ: %s" % (p, ", ".join(sorted(sums[p]))),
          file=sys.stderr)

start_tv = best[("bench_null", "tlbvisor")]
start_q = best[("bench_null", "qemu")]
rows = []
for prog in ("bench_compute", "bench_tlb"):
    n = insns[prog]
    tv, q = best[(prog, "tlbvisor")], best[(prog, "qemu")]
    tvc, qc = tv - start_tv, q - start_q
    rows.append({
        "program": prog,
        "instructions": n,
        "tlbvisor_s": tv, "qemu_s": q,
        "tlbvisor_mips": n / tv / 1e6, "qemu_mips": n / q / 1e6,
        "ratio_raw": q / tv,
        "tlbvisor_s_net": tvc, "qemu_s_net": qc,
        "tlbvisor_mips_net": n / tvc / 1e6 if tvc > 0 else float("nan"),
        "qemu_mips_net": n / qc / 1e6 if qc > 0 else float("nan"),
        # too short a run to subtract start-up from: not a number
        "ratio_net": qc / tvc if tvc > 0 and qc > 0 else float("nan"),
        "checksum": next(iter(sums[prog])).split("=", 1)[1],
    })

hdr = ["program", "guest insns", "tlbvisor s", "QEMU s", "tlbvisor MIPS", "QEMU MIPS",
       "ratio raw", "ratio net"]
def cells(r):
    return [r["program"], "%d" % r["instructions"], "%.3f" % r["tlbvisor_s"],
            "%.3f" % r["qemu_s"], "%.1f" % r["tlbvisor_mips"], "%.1f" % r["qemu_mips"],
            "%.3f" % r["ratio_raw"], "%.3f" % r["ratio_net"]]
notes = [
    "start-up + shutdown (bench_null): tlbvisor %.3f s, QEMU %.3f s" % (start_tv, start_q),
    "MIPS = guest instructions (tlbvisor's cpu.instructions) / host wall-clock second",
    "ratio raw = tlbvisor MIPS / QEMU MIPS = QEMU s / tlbvisor s",
    "ratio net = the same with each emulator's bench_null time subtracted from its runs",
]
table = [hdr] + [cells(r) for r in rows]
w = [max(len(t[i]) for t in table) for i in range(len(hdr))]
for t in table:
    print("  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(t)))
for n in notes:
    print(n)

if md_path:
    with open(md_path, "w") as f:
        f.write("| " + " | ".join(hdr) + " |\n")
        f.write("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|\n")
        for r in rows:
            f.write("| " + " | ".join(cells(r)) + " |\n")
        f.write("\n" + "".join("- %s\n" % n for n in notes))
if csv_path:
    with open(csv_path, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(rows[0].keys()) +
                            ["startup_tlbvisor_s", "startup_qemu_s"])
        wr.writeheader()
        for r in rows:
            wr.writerow(dict(r, startup_tlbvisor_s=start_tv, startup_qemu_s=start_q))
sys.exit(1 if bad else 0)
EOF
