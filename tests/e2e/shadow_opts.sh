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
set -u
build=$1
mode=${2:-quick}
tv=$build/cli/tlbvisor
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
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

# compare NAME OPTS FILTER ELF ARGS...: with the audit unless $audit is emptied (ktest and
# crashme: hundreds of thousands of exits, each audit O(shadow entries): minutes each)
audit=--shadow-audit
unaudited() { case $1 in *ktest*|*crashme*) audit= ;; *) audit=--shadow-audit ;; esac; }
compare() {
	local name=$1 opts=$2 filter=$3 elf=$4
	shift 4
	native "$name" "$elf" "$@"
	# shellcheck disable=SC2086
	# shellcheck disable=SC2086
	timeout 300 "$tv" run --quiet --mmu pagewalk --shadow-opts "$opts" $audit \
		${cost:+--cost-profile "$cost"} --stats "$tmp/v.json" "$elf" -- "$@" \
		>"$tmp/v" 2>"$tmp/e" </dev/null
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
	summary
	exit
fi

# The options on the command line: refused with a one-line reason (exit 2) where they do
# nothing or are out of range.
refused() { # WHAT EXPECTED-MESSAGE ARGS...
	local what=$1 want=$2 msg
	shift 2
	msg=$("$tv" run "$@" "$bare/hello.elf" 2>&1 >/dev/null </dev/null)
	local rc=$?
	if [ $rc = 2 ] && [ "$(printf '%s\n' "$msg" | head -1)" = "tlbvisor run: $want" ]; then
		ok "refused: $what"
	else
		bad "refused: $what: exit $rc, '$msg'"
	fi
}
refused "natively" "--shadow-opts applies to shadow paging (the VMM with --mmu pagewalk): it does nothing in this run" \
	--native --mmu pagewalk --shadow-opts all
refused "on swtlb" "--shadow-audit applies to shadow paging (the VMM with --mmu pagewalk): it does nothing in this run" \
	--shadow-audit
refused "unknown mechanism" "bad --shadow-opts: unknown shadow option 'fast' (none, all, or a comma-separated list of: share, update, oos, flood, prefetch, mru, unprotect, kglobal, klarge, exact)" \
	--mmu pagewalk --shadow-opts oos,fast
refused "prefetch width" "--shadow-prefetch must be a power of two 1..1024 (got 12)" \
	--mmu pagewalk --shadow-opts prefetch --shadow-prefetch 12
refused "oos without oos" "--shadow-oos does nothing without oos in --shadow-opts" \
	--mmu pagewalk --shadow-opts update,exact --shadow-oos 4
refused "frames" "bad --shadow-frames '8': 16..65536 (decimal)" --mmu pagewalk --shadow-frames 8
refused "a VM's mmu" "bad --vm '$bare/hello.elf,mmu=x86': mmu= must be swtlb or pagewalk (ELF[,mem=SIZE][,weight=N][,initrd=FILE][,mmu=MMU][ -- BOOT ARGS])" \
	--mmu pagewalk --vm "$bare/hello.elf,mmu=x86"

cost=
[ $sanitized = 1 ] && opts_list="none all exact all,exact"
for opts in $opts_list; do
	for p in $progs; do
		compare "$p" "$opts" '^$^' "$bare/$p.elf"
	done
	compare pw_stale exact '^$^' "$bare/pw_stale.elf"
	for seed in 1; do    # more seeds: the fuzz mode
		compare "fuzz-$seed" "$opts" '^$^' "$bare/pw_fuzz.elf" "seed=$seed" ops=2000
	done
	kw=("workload=forkwait n=20" "workload=mmapchurn n=10 pages=8" "workload=pmake workers=2 jobs=4")
	# everything together, and the exact TLB: every workload of the kernel
	case $opts in all|exact|all,exact)
		kw=("${kernel_workloads[@]}") ;;
	esac
	[ $sanitized = 1 ] && kw=("workload=forkwait n=20")
	for w in "${kw[@]}"; do
		unaudited "$w"
		# shellcheck disable=SC2086
		compare "kernel ${w// /_}" "$opts" '^\[kstat\]' "$k" $w
	done
	audit=--shadow-audit
done

# Next to a Disco VM: each VM's console lines (prefix stripped) are its native output.
"$tv" run --native "$ks" -- workload=pmake workers=2 jobs=4 2>/dev/null | grep -v '^\[kstat\]' >"$tmp/nat-sw"
"$tv" run --native --mmu pagewalk "$k" -- workload=forkwait n=20 2>/dev/null | grep -v '^\[kstat\]' >"$tmp/nat-pw"
for opts in none all exact; do
	timeout 300 "$tv" run --quiet --mmu pagewalk --shadow-opts "$opts" --shadow-audit \
		--vm "$k -- workload=forkwait n=20" \
		--vm "$ks,mmu=swtlb -- workload=pmake workers=2 jobs=4" >"$tmp/two" 2>"$tmp/e" </dev/null
	rv=$?
	if [ $rv = 0 ] &&
		cmp -s "$tmp/nat-pw" <(vm_console "$tmp/two" 1) &&
		cmp -s "$tmp/nat-sw" <(vm_console "$tmp/two" 2); then
		ok "shadow next to Disco [$opts]"
	else
		bad "shadow next to Disco [$opts]: exit $rv"
		head -3 "$tmp/e"
	fi
done

if [ $sanitized = 1 ]; then
	summary
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
	unaudited "$w"
	# shellcheck disable=SC2086
	compare "$name" exact '^\[kstat\]' "$k" $w
	got=$(python3 -c 'import json,sys
n = json.load(open(sys.argv[1]))["counters"]; v = json.load(open(sys.argv[2]))["counters"]
print("%d/%d %d/%d" % (n["pw.a_set"], n["pw.d_set"], v["vm1.shadow.a_set"], v["vm1.shadow.dirty_faults"]))' \
		"$tmp/ns.$name" "$tmp/v.json")
	if [ "${got% *}" = "${got#* }" ]; then ok "$name: A/D $got"; else bad "$name: A/D native/VMM $got"; fi
done
summary
