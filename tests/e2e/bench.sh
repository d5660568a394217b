#!/usr/bin/env bash
# bench.sh BUILD_DIR - tlbvisor bench, gate and recost on small suites (written here), in
# both builds: the results and their schema, the transparency check, --repeat, --only,
# merges of per-run results (GNU parallel), the gate's verdicts and its dashboard formats
# (validated against their documented JSON Schemas), re-costing, and every kind of bad
# input (suite errors, a missing image, a crash, a timeout, a guest whose output differs,
# an unwritable --out). The quick suite and the CI gate: bench_quick.sh; Slurm: slurm.sh.
# Prints "ok"/"FAIL" per check and a summary.
#
# Every check here is an invariant (it holds whatever the emulator's figures are), except
# those marked "exact figure", which name the figure they pin.
set -u
build=$1
tv=$build/cli/tlbvisor
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
expect_timeout=120

# py FILE EXPR: a Python expression over d (a results.json) and runs (id -> run).
py() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); runs={r["id"]: r for r in d["runs"]}; print(eval(sys.argv[2]))' "$1" "$2"
}

python3 "$here/mkelf.py" "$tmp/spin.elf" spin
k='${build}/guest/kernel/kernel-${mmu}.elf'
cat >"$tmp/mini.ini" <<EOF
; the test's suite: both MMUs natively and under the VMM, a sweep, two profiles
[suite]
description = the e2e test's suite
profiles = default $tmp/slow-trap.json
timeout = 60

[workload hello]
elf = \${build}/guest/bare/hello.elf

[workload forkwait]
label = forkwait n=20
elf = $k
args = workload=forkwait n=20

[config native-swtlb]
native = on
mmu = swtlb

[config native-pagewalk]
native = on
mmu = pagewalk

[config disco]
label = Disco
l2tlb = on off

[config shadow]
mmu = pagewalk

[metric pt_writes]
expr = sum(vm*.shadow.pt_write_emulated)
label = PT writes

[metric trap_cycles]
expr = vm1.cost.trap_round_trip * cost.trap_round_trip
label = trap cycles

[table t]
title = the table
columns = cycles ratio traps pt_writes trap_cycles host.seconds
note = Quoted: {forkwait/shadow/default pt_writes} PT writes, {forkwait/shadow/default ratio}
  times native, {hello/native-swtlb/default nosuch} for no value; not quoted: {a} \${b} {c d e}.
EOF
echo '{"trap_round_trip": 1000}' >"$tmp/slow-trap.json"

# ---- 1. a suite run: results, schema, report, CSV ----
expect "mini suite" 0 'tlbvisor bench: 20 runs, 20 as expected' -- \
	"$tv" bench --suite "$tmp/mini.ini" --out "$tmp/m" --jobs 2
r=$(py "$tmp/m/results.json" 'd["schema_version"] == 1 and d["summary"]["ok"] == 20 and [r["id"] for r in d["runs"]][:3] == ["hello/native-swtlb/default", "hello/native-swtlb/slow-trap.json", "hello/native-pagewalk/default"]')
[ "$r" = True ] && ok "results.json: schema_version, summary, runs in matrix order" || bad "results.json: $r"
# invariant: a native run is its own baseline (ratio exactly 1); a VMM run's baseline is the
# native run on the same MMU with the same profile.
r=$(py "$tmp/m/results.json" 'runs["forkwait/native-swtlb/default"]["metrics"]["ratio"] == 1.0 and runs["forkwait/disco:l2tlb=off/slow-trap.json"]["baseline"] == "forkwait/native-swtlb/slow-trap.json" and runs["forkwait/shadow/default"]["baseline"] == "forkwait/native-pagewalk/default"')
[ "$r" = True ] && ok "native baselines" || bad "baselines: $r"
# invariant: the cycles split exactly (guest + VMM + idle), the ratio is the cycles' ratio,
# the suite's metric is its expression, every run has the one VM checksum of its workload.
r=$(py "$tmp/m/results.json" 'all(r["metrics"]["cycles"] == r["metrics"]["guest_cycles"] + (r["metrics"]["vmm_cycles"] or 0) + r["metrics"]["idle_cycles"] and r["metrics"]["ratio"] == r["counters"]["cpu.cycles"] / runs[r["baseline"]]["counters"]["cpu.cycles"] for r in d["runs"]) and runs["forkwait/shadow/default"]["metrics"]["pt_writes"] == runs["forkwait/shadow/default"]["counters"]["vm1.shadow.pt_write_emulated"] > 0 and len({r["output"]["checksums"][0] for r in d["runs"] if r["workload"] == "forkwait"}) == 1')
[ "$r" = True ] && ok "metrics: cycle split, ratio, suite metric, one checksum per workload" || bad "metrics: $r"
# invariant: cost.NAME is the run's profile constant (slow-trap.json: trap_round_trip 1000).
r=$(py "$tmp/m/results.json" 'runs["forkwait/shadow/slow-trap.json"]["metrics"]["trap_cycles"] == 1000 * runs["forkwait/shadow/slow-trap.json"]["counters"]["vm1.cost.trap_round_trip"] > 0 and runs["forkwait/shadow/default"]["metrics"]["trap_cycles"] == runs["forkwait/shadow/default"]["cost"]["trap_round_trip"] * runs["forkwait/shadow/default"]["counters"]["vm1.cost.trap_round_trip"]')
[ "$r" = True ] && ok "metrics: cost.NAME is the run's profile constant" || bad "cost.NAME: $r"
grep -q '^| forkwait n=20 | Disco (l2tlb=off) | ' "$tmp/m/report.md" && grep -q '^## the table' "$tmp/m/report.md" &&
	ok "report.md has the suite's table" || bad "report.md: $(head -30 "$tmp/m/report.md")"
# a note's {RUN-ID METRIC} is that run's value, formatted as in the tables (ratio: 2 decimals)
r=$(py "$tmp/m/results.json" '"Quoted: %d PT writes, %.2f" % (runs["forkwait/shadow/default"]["metrics"]["pt_writes"], runs["forkwait/shadow/default"]["metrics"]["ratio"])')
grep -qxF "$r" "$tmp/m/report.md" && grep -qxF 'times native, – for no value; not quoted: {a} ${b} {c d e}.' "$tmp/m/report.md" &&
	ok "notes quote figures of the runs ({RUN-ID METRIC})" || bad "note: want '$r': $(grep -A1 '^Quoted' "$tmp/m/report.md")"
printf '[suite]\n[workload w]\nelf = x\n[config c]\nnative = on\n[table t]\ncolumns = cycles\nnote = {w/c/nosuch cycles}\n' >"$tmp/badref.ini"
expect "suite: a note quoting a run that does not exist" 2 "table t: no run 'w/c/nosuch' for \{w/c/nosuch cycles\}" -- \
	"$tv" bench --suite "$tmp/badref.ini" --out "$tmp/x"
rows=$(($(wc -l <"$tmp/m/results.csv") - 1))
want=$(py "$tmp/m/results.json" 'sum(len(r["counters"]) + len(r["metrics"]) + (3 if "seconds" in r["host"] else 0) + ("cpu_seconds" in r["host"]) + ("mips" in r["host"]) for r in d["runs"])')
head -1 "$tmp/m/results.csv" | grep -q '^suite,run,workload,config,variant,profile,mode,mmu,backend,status,opt.native,opt.mmu,opt.l2tlb,metric,value$' &&
	[ "$rows" = "$want" ] && ok "results.csv: one row per run and metric ($rows)" || bad "results.csv: $rows rows, want $want; $(head -1 "$tmp/m/results.csv")"
ls "$tmp/m/plots/overhead-default.png" "$tmp/m/plots/overhead-default.svg" "$tmp/m/plots/cycles-slow-trap.json.png" >/dev/null 2>&1 &&
	grep -q 'plots/overhead-default.png' "$tmp/m/report.md" && ok "plots (PNG and SVG) in the report" || bad "plots: $(ls "$tmp/m/plots")"
expect "--list with --only pulls in baselines" 0 '' -- "$tv" bench --suite "$tmp/mini.ini" --list --only 'forkwait/shadow/*'
[ "$(cat "$tmp/out")" = $'forkwait/native-pagewalk/default  (native baseline)\nforkwait/native-pagewalk/slow-trap.json  (native baseline)\nforkwait/shadow/default\nforkwait/shadow/slow-trap.json' ] &&
	ok "--list output" || bad "--list: $(cat "$tmp/out")"

# ---- 2. --repeat: host seconds from several executions, the same counters each time ----
expect "--repeat 3" 0 '' -- "$tv" bench --suite "$tmp/mini.ini" --out "$tmp/rep" --repeat 3 --only 'hello/disco:l2tlb=on/default'
r=$(py "$tmp/rep/results.json" 'len(d["runs"]) == 2 and all(len(r["host"]["samples"]) == 3 and r["host"]["seconds"]["min"] <= r["host"]["seconds"]["median"] <= r["host"]["seconds"]["max"] for r in d["runs"])')
[ "$r" = True ] && ok "--repeat: 3 samples, min <= median <= max" || bad "--repeat: $r"

# ---- 3. per-run results merged (GNU parallel): the same results ----
expect "--emit-jobs" 0 '20 commands in' -- "$tv" bench --suite "$tmp/mini.ini" --out "$tmp/e" --emit-jobs "$tmp/jobs.txt"
[ "$(wc -l <"$tmp/jobs.txt")" = 20 ] && ok "one command per run" || bad "jobs: $(wc -l <"$tmp/jobs.txt")"
if command -v parallel >/dev/null; then
	parallel --will-cite -j 2 <"$tmp/jobs.txt" >/dev/null 2>"$tmp/par.err"; prc=$?
	[ "$prc" = 0 ] && ok "GNU parallel ran the commands" || bad "parallel: exit $prc: $(head -3 "$tmp/par.err")"
	expect "bench merge" 0 '20 runs, 20 as expected' -- "$tv" bench merge --out "$tmp/e" "$tmp/e/runs"
	[ "$(same_apart_from_host "$tmp/m/results.json" "$tmp/e/results.json")" = True ] &&
		ok "merged results = in-process results, apart from host figures" || bad "merge differs"
	cmp -s <(grep -v ',host\.' "$tmp/m/results.csv") <(grep -v ',host\.' "$tmp/e/results.csv") &&
		ok "merged CSV = in-process CSV, apart from host rows" || bad "merged CSV differs"
else
	bad "GNU parallel is not installed (Makefile PACKAGES: parallel)"
fi
expect "merge: a run twice" 2 'run hello/native-swtlb/default given twice' -- \
	"$tv" bench merge --out "$tmp/x" "$tmp/e/runs/0000" "$tmp/e/runs/0000/run.json"

# ---- 4. the gate ----
expect "gate: same results" 0 'pass: 20 runs' -- "$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/m/results.json"
grep -q '^## tlbvisor gate: ✅ pass' "$tmp/out" && ok "gate: Markdown summary on stdout" || bad "gate summary: $(head -3 "$tmp/out")"
python3 - "$tmp/m/results.json" "$tmp/up5.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["runs"]:
    if r["id"] == "forkwait/shadow/default":
        r["counters"]["cpu.cycles"] = r["counters"]["cpu.cycles"] * 105 // 100
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
expect "gate: cycles raised 5% in one run" 1 'regression: run forkwait/shadow/default, metric cpu.cycles: [0-9]+ -> [0-9]+ \(\+5\.00%\)' -- \
	"$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/up5.json" --md "$tmp/gate.md"
grep -q '| `forkwait/shadow/default` | `cpu.cycles` |' "$tmp/gate.md" && ok "gate: the regression in the Markdown summary" || bad "gate md: $(cat "$tmp/gate.md")"
expect "gate: within --tolerance 6" 0 'pass' -- "$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/up5.json" --tolerance 6
expect "gate: an improvement is not a failure" 0 'pass: 20 runs, [0-9]+ metric values, 1 improvements' -- \
	"$tv" gate --baseline "$tmp/up5.json" --current "$tmp/m/results.json" --metric cpu.cycles
expect "gate: --metric leaves the raised counter out" 0 'pass' -- \
	"$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/up5.json" --metric '!cpu.cycles'
head -c 3000 "$tmp/m/results.json" >"$tmp/trunc.json"
expect "gate: truncated baseline" 2 'baseline .*trunc.json: not valid JSON' -- \
	"$tv" gate --baseline "$tmp/trunc.json" --current "$tmp/m/results.json"
sed 's/"schema_version": 1,/"schema_version": 7,/' "$tmp/m/results.json" >"$tmp/v7.json"
expect "gate: unknown schema version" 2 'unknown schema_version 7' -- \
	"$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/v7.json"
expect "gate: unreadable file" 2 'nothere.json: cannot open' -- \
	"$tv" gate --baseline "$tmp/nothere.json" --current "$tmp/m/results.json"
python3 - "$tmp/m/results.json" "$tmp/other.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][3]["args"] = "workload=forkwait n=21"
json.dump(d, open(sys.argv[2], "w"))
PY
expect "gate: a run configured differently" 2 'mismatched files: run .* is configured differently' -- \
	"$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/other.json"
expect "gate: a run missing" 1 'missing from the current results' -- \
	"$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/rep/results.json" --metric '!host.*'
expect "gate: bad --tolerance" 2 "bad --tolerance '5%'" -- \
	"$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/m/results.json" --tolerance 5%
expect "gate: --host-tolerance 0" 2 "bad --host-tolerance '0': a decimal number above 0" -- \
	"$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/m/results.json" --host-tolerance 0

# ---- 5. the dashboards' formats, validated against their documented schemas ----
expect "gate: --gab and --bmf" 0 '' -- "$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/e/results.json" \
	--gab "$tmp/gab.json" --bmf "$tmp/bmf.json" --metric '!host.*'
for f in gab bmf; do
	out=$(python3 "$here/jsonschema_check.py" "$here/schemas/$f.schema.json" "$tmp/$f.json" 2>&1)
	[ "$out" = ok ] && ok "$f output validates against schemas/$f.schema.json" || bad "$f: $out"
done
r=$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
print(any(e["name"] == "forkwait/shadow/default cycles" and e["unit"] == "cycles" for e in g) and b["forkwait/shadow/default"]["ratio"]["value"] > 1)' "$tmp/gab.json" "$tmp/bmf.json")
[ "$r" = True ] && ok "gab and bmf hold the current runs' metrics" || bad "gab/bmf content: $r"

# ---- 6. recost ----
expect "recost: results of two profiles need --from" 2 'runs of 2 cost profiles .*choose one with --from' -- \
	"$tv" recost --cost-profile default --out "$tmp/rc0" "$tmp/m/results.json"
expect "recost under the same profile" 0 'simulated time changed in 0' -- \
	"$tv" recost --cost-profile default --from default --out "$tmp/rc0" "$tmp/m/results.json"
# invariant: the ledger accounts for every cycle, so re-costing with a run's own constants
# changes nothing.
expect "recost: same counters" 0 'pass: 10 runs, [0-9]+ metric values, 0 improvements' -- "$tv" gate \
	--baseline "$tmp/rc0/results.json" --current "$tmp/m/results.json" --metric '!host.*'
# invariant: the runs of hello take no timer interrupt, so re-costing the default runs under
# slow-trap.json gives exactly the counters of the runs made under it.
"$tv" recost --cost-profile "$tmp/slow-trap.json" --from default --out "$tmp/rc1" "$tmp/m/results.json" 2>"$tmp/rc1.err"
r=$(python3 - "$tmp/m/results.json" "$tmp/rc1/results.json" <<'PY'
import json, sys
made = {r["id"]: r for r in json.load(open(sys.argv[1]))["runs"]}
re = json.load(open(sys.argv[2]))["runs"]
out = []
for r in re:
    if r["recost"]["from"] != "default" or r["workload"] != "hello":
        continue
    m = made[r["id"]]
    same = all(r["counters"][k] == m["counters"][k] for k in r["counters"] if "cycles" in k)
    out.append(same and r["recost"]["exact"] and r["counters"]["cpu.interrupts"] == 0)
print(len(out) == 5 and all(out))
PY
)
[ "$r" = True ] && ok "recost = rerun under the other profile (runs without interrupts)" || bad "recost vs rerun: $r"
r=$(py "$tmp/rc1/results.json" 'runs["forkwait/disco:l2tlb=on/slow-trap.json"]["recost"]["time_changed"] and "timer interrupts" in runs["forkwait/disco:l2tlb=on/slow-trap.json"]["recost"]["note"]')
[ "$r" = True ] && ok "recost says where simulated time changed" || bad "recost note: $r"
python3 - "$tmp/m/results.json" "$tmp/leak.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][4]["counters"]["cpu.cycles"] += 7
json.dump(d, open(sys.argv[2], "w"))
PY
expect "recost: counters that do not account for the cycles" 1 'runs not re-costed: .*cycles recorded' -- \
	"$tv" recost --cost-profile default --from default --out "$tmp/rc2" "$tmp/leak.json"

# ---- 7. bad input: a clear message, partial results kept, non-zero exit ----
python3 "$here/mkelf.py" "$tmp/hello.elf" hello
cat >"$tmp/fake" <<EOF
#!/bin/bash
# crashes when a boot argument says so; else the real program
for a in "\$@"; do [ "\$a" = crash=1 ] && kill -SEGV \$\$; done
exec "$(cd "$build" && pwd)/cli/tlbvisor" "\$@"
EOF
chmod +x "$tmp/fake"
cat >"$tmp/faults.ini" <<EOF
[suite]
timeout = 2
[workload ok]
elf = \${suite_dir}/hello.elf
[workload missing]
elf = \${suite_dir}/nothere.elf
[workload crash]
elf = \${suite_dir}/hello.elf
args = crash=1
[workload hang]
elf = \${suite_dir}/spin.elf
[workload memsize]
elf = \${build}/guest/bare/hello.elf
[config native]
native = on
[config small]
native = on
mem = 64M
EOF
t0=$(date +%s)
expect "faults: runs that fail" 1 'hang/native/default: timeout' -- \
	"$tv" bench --suite "$tmp/faults.ini" --out "$tmp/f" --tlbvisor "$tmp/fake" --build "$build" --jobs 2
[ $(($(date +%s) - t0)) -lt 30 ] && ok "timeouts bound the bench" || bad "faults took $(($(date +%s) - t0)) s"
r=$(py "$tmp/f/results.json" '[runs[i]["status"] for i in ("ok/native/default", "missing/native/default", "crash/native/default", "hang/native/default", "memsize/native/default", "memsize/small/default")]')
[ "$r" = "['ok', 'missing', 'crashed', 'timeout', 'ok', 'mismatch']" ] && ok "statuses: ok missing crashed timeout ok mismatch" || bad "statuses: $r"
r=$(py "$tmp/f/results.json" 'runs["crash/native/default"]["signal"] == 11 and "signal 11" in runs["crash/native/default"]["reason"] and "nothere.elf" in runs["missing/native/default"]["reason"] and "output of vm1 differs" in runs["memsize/small/default"]["reason"]')
[ "$r" = True ] && ok "reasons: signal, missing image, output difference" || bad "reasons: $r"
expect "merge: runs of another suite" 2 'runs of different suites' -- \
	"$tv" bench merge --out "$tmp/x" "$tmp/e/runs/0000" "$tmp/f/runs/0000"
expect "gate: no run in common" 2 'no run of the baseline is in the current results' -- \
	"$tv" gate --baseline "$tmp/m/results.json" --current "$tmp/f/results.json"
grep -q '🔴 <span style="color:red">mismatch</span>' "$tmp/f/report.md" && grep -q '## 🔴 Failed runs' "$tmp/f/report.md" &&
	ok "failed runs in red in the report" || bad "report: $(grep -c 🔴 "$tmp/f/report.md")"
printf '[suite]\n[workload w]\nelf = x\n[config c]\nnative = on\nfrobnicate = 3\n' >"$tmp/badkey.ini"
expect "suite: unknown key" 2 "badkey.ini:6: unknown key 'frobnicate' in \[config c\]" -- "$tv" bench --suite "$tmp/badkey.ini" --out "$tmp/x"
printf '[suite]\n[workload w]\nelf = x\n[config c]\nl2tlb = maybe\n' >"$tmp/badval.ini"
expect "suite: bad option value" 2 "run w/c/default: bad --l2tlb 'maybe': on\|off" -- "$tv" bench --suite "$tmp/badval.ini" --out "$tmp/x"
printf '[suite]\n[workload w]\nelf = x\n[config c]\nnative = on\nl2tlb = off\n' >"$tmp/scope.ini"
expect "suite: option out of scope" 2 'run w/c/default: --l2tlb applies to Disco' -- "$tv" bench --suite "$tmp/scope.ini" --out "$tmp/x"
printf '[suite]\nrepeat = 0\n' >"$tmp/rep0.ini"
expect "suite: bad repeat" 2 "rep0.ini:2: bad repeat '0'" -- "$tv" bench --suite "$tmp/rep0.ini" --out "$tmp/x"
printf '[suite]\ndescription = %0300d\n' 0 >"$tmp/long.ini"
expect "suite: a line too long for inih" 2 'long.ini:2: line longer than 199 bytes' -- "$tv" bench --suite "$tmp/long.ini" --out "$tmp/x"
expect "suite: unknown built-in" 2 "no built-in suite 'nosuch'" -- "$tv" bench --suite nosuch --out "$tmp/x"
touch "$tmp/afile"
expect "unwritable --out" 2 'cannot write into --out .*afile/sub: Not a directory' -- \
	"$tv" bench --suite "$tmp/mini.ini" --out "$tmp/afile/sub" --only 'hello/native-swtlb/default'
mkdir -p "$tmp/locked"
flock "$tmp/locked/.lock" sleep 30 &
lockpid=$!
sleep 0.2
expect "--out another bench is writing into" 2 'cannot use --out .*locked: another tlbvisor bench is writing into it' -- \
	"$tv" bench --suite "$tmp/mini.ini" --out "$tmp/locked" --only 'hello/native-swtlb/default'
kill $lockpid 2>/dev/null
wait $lockpid 2>/dev/null
expect "--only matches nothing" 2 '--only matches no run' -- "$tv" bench --suite "$tmp/mini.ini" --out "$tmp/x" --only 'nope*'
expect "--run of an unknown id" 2 "no run 'x/y/z'" -- "$tv" bench --suite "$tmp/mini.ini" --out "$tmp/x" --run x/y/z

# ---- 8. docs/cli.md holds the help of bench, gate and recost ----
for c in bench gate recost; do
	"$tv" $c --help >"$tmp/help"
	doc_help $c >"$tmp/doc-help"
	cmp -s "$tmp/help" "$tmp/doc-help" && ok "docs/cli.md is $c --help" ||
		bad "docs/cli.md differs from $c --help (bash tests/e2e/clidoc.sh BUILD updates it)"
done

summary
