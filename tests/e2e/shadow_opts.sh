#!/usr/bin/env bash
# shadow_opts.sh BUILD_DIR [quick|fuzz] - the shadow back end's mechanisms (issue 11), each
# on alone, all together, and the exact guest TLB: every bare pagewalk program, the
# page-table fuzz guest (several seeds) and a few kernel workloads print exactly their
# native output under the VMM, with --shadow-audit on (every shadow entry checked against
# the guest's tables after every exit; a disagreement stops the VM). Then next to a Disco
# VM (the machine runs both techniques, each VM's output must be its native output), and
# the exact TLB under a timing-neutral cost profile: A and D bits set exactly as natively
# for every workload, kernel counters ([kstat]) included in the comparison.
# Mode fuzz: only the fuzz guest, many seeds, with the audit (the ASan run of CI).
# Prints "ok"/"FAIL" per run and "N passed, M failed".
#
# TEMPORARY: the options are given through build/bench/shadowx until `tlbvisor run` takes
# --shadow-opts/--shadow-audit (issue 8's cli/run.c); $run is the only line to change.
set -u
build=$1
mode=${2:-quick}
tv=$build/cli/tlbvisor
run="$build/bench/shadowx"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
bare=$build/guest/bare
k=$build/guest/kernel/kernel-pagewalk.elf
ks=$build/guest/kernel/kernel-swtlb.elf
neutral=$(dirname "$0")/neutral-cost.json
# Under the sanitizers (several times slower, and the audit is O(shadow pages) per exit)
# the matrix is smaller, to keep CI time bounded: none, all, exact and all,exact only, one
# fuzz seed and one kernel workload each in quick mode (the timing-neutral A/D section is
# the release build's: it checks counts, not memory safety), fewer and shorter fuzz runs.
sanitized=0
grep -q '^TLBVISOR_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null && sanitized=1

ok() { echo "ok $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# native NAME ELF ARGS...: the native output (cached)
native() {
	local name=$1 elf=$2
	shift 2
	if [ ! -f "$tmp/n.$name" ]; then
		timeout 120 "$tv" run --native --mmu pagewalk ${cost:+--cost-profile "$cost"} \
			--stats "$tmp/ns.$name" "$elf" -- "$@" >"$tmp/n.$name" 2>&1 </dev/null
		echo $? >"$tmp/nrc.$name"
	fi
}

# compare NAME OPTS FILTER ELF ARGS...
compare() {
	local name=$1 opts=$2 filter=$3 elf=$4
	shift 4
	native "$name" "$elf" "$@"
	# shellcheck disable=SC2086
	timeout 300 $run --opts "$opts" --audit ${cost:+--cost "$cost"} --stats "$tmp/v.json" \
		"$elf" "$@" >"$tmp/v" 2>"$tmp/e" </dev/null
	local rv=$? rn
	rn=$(cat "$tmp/nrc.$name")
	if [ "$rv" = "$rn" ] && [ "$rn" = 0 ] && cmp -s <(grep -v "$filter" "$tmp/n.$name") \
		<(grep -v "$filter" "$tmp/v"); then
		ok "$name [$opts]"
	else
		bad "$name [$opts]: exit $rn native, $rv under the VMM"
		head -3 "$tmp/e"
		diff <(grep -v "$filter" "$tmp/n.$name") <(grep -v "$filter" "$tmp/v") | head -6
	fi
}

progs="hello isa_alu isa_mem isa_branch timer pw_basic pw_perm pw_flush pw_alias pw_store pw_big pw_oos pw_kseg"
opts_list="none share update oos flood prefetch mru unprotect kglobal klarge exact all all,exact"

if [ "$mode" = fuzz ]; then
	seeds=${FUZZ_SEEDS:-$([ $sanitized = 1 ] && echo 5 || echo 16)}
	ops=$([ $sanitized = 1 ] && echo 1200 || echo 2500)
	for opts in none all exact all,exact; do
		for seed in $(seq 1 "$seeds"); do
			compare "fuzz-$seed" "$opts" '^$^' "$bare/pw_fuzz.elf" "seed=$seed" ops=$ops
		done
	done
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi

cost=
[ $sanitized = 1 ] && opts_list="none all exact all,exact"
for opts in $opts_list; do
	for p in $progs; do
		compare "$p" "$opts" '^$^' "$bare/$p.elf"
	done
	compare pw_stale exact '^$^' "$bare/pw_stale.elf"
	for seed in $([ $sanitized = 1 ] && echo 1 || echo 1 2 3); do
		compare "fuzz-$seed" "$opts" '^$^' "$bare/pw_fuzz.elf" "seed=$seed" ops=2000
	done
	kw=("workload=forkwait n=20" "workload=mmapchurn n=10 pages=8" "workload=pmake workers=2 jobs=4")
	# everything together, and the exact TLB: every workload of the kernel
	case $opts in all|exact|all,exact)
		kw=("workload=selftest" "workload=ktest n=50" "workload=forkwait n=50"
		    "workload=memtouch mb=2 rounds=1" "workload=compute iters=20"
		    "workload=mmapchurn n=20 pages=8" "workload=ctxswitch n=100"
		    "workload=pmake workers=4 jobs=8" "workload=dbrand mb=2 ops=5000"
		    "workload=idle ticks=2 rounds=2" "workload=idle ticks=2 rounds=2 idle=spin"
		    "workload=crashme") ;;
	esac
	[ $sanitized = 1 ] && kw=("workload=forkwait n=20")
	for w in "${kw[@]}"; do
		# shellcheck disable=SC2086
		compare "kernel ${w// /_}" "$opts" '^\[kstat\]' "$k" $w
	done
done

# Next to a Disco VM: each VM's console lines (prefix stripped) are its native output.
"$tv" run --native "$ks" -- workload=pmake workers=2 jobs=4 2>/dev/null | grep -v '^\[kstat\]' >"$tmp/nat-sw"
"$tv" run --native --mmu pagewalk "$k" -- workload=forkwait n=20 2>/dev/null | grep -v '^\[kstat\]' >"$tmp/nat-pw"
for opts in none all exact; do
	timeout 300 $run --opts "$opts" --audit --disco "$ks workload=pmake workers=2 jobs=4" \
		"$k" workload=forkwait n=20 >"$tmp/two" 2>"$tmp/e" </dev/null
	rv=$?
	if [ $rv = 0 ] &&
		cmp -s "$tmp/nat-pw" <(grep '^\[vm1\] ' "$tmp/two" | sed 's/^\[vm1\] //' | grep -v '^\[kstat\]') &&
		cmp -s "$tmp/nat-sw" <(grep '^\[vm2\] ' "$tmp/two" | sed 's/^\[vm2\] //' | grep -v '^\[kstat\]'); then
		ok "shadow next to Disco [$opts]"
	else
		bad "shadow next to Disco [$opts]: exit $rv"
		head -3 "$tmp/e"
	fi
done

if [ $sanitized = 1 ]; then
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi

# The exact guest TLB under a timing-neutral profile (no cycle charged but instructions:
# the guest's timer then ticks at the same instructions natively and under the VMM): A
# and D bits exactly as natively for every workload, no exception.
cost=$neutral
rm -f "$tmp"/n.* "$tmp"/nrc.*
for w in "workload=selftest" "workload=ktest n=50" "workload=forkwait n=50" \
	"workload=memtouch mb=2 rounds=1" "workload=compute iters=20" \
	"workload=mmapchurn n=20 pages=8" "workload=ctxswitch n=100" \
	"workload=pmake workers=4 jobs=8" "workload=dbrand mb=2 ops=5000" \
	"workload=idle ticks=2 rounds=2" "workload=crashme"; do
	name="neutral ${w// /_}"
	# shellcheck disable=SC2086
	compare "$name" exact '^\[kstat\]' "$k" $w
	got=$(python3 -c 'import json,sys
n = json.load(open(sys.argv[1]))["counters"]; v = json.load(open(sys.argv[2]))["counters"]
print("%d/%d %d/%d" % (n["pw.a_set"], n["pw.d_set"], v["vm1.shadow.a_set"], v["vm1.shadow.dirty_faults"]))' \
		"$tmp/ns.$name" "$tmp/v.json")
	if [ "${got% *}" = "${got#* }" ]; then ok "$name: A/D $got"; else bad "$name: A/D native/VMM $got"; fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
