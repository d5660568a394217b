#!/usr/bin/env bash
# backends.sh BUILD_DIR [quick] - one transparency and isolation suite for every registered
# back end (issue 13 item 4; the back ends are those `tlbvisor run --list-backends` prints,
# each under the option sets of backend_sets.sh; quick: one set each, for ASan):
#   1. every bare program of its MMU and every guest-kernel workload prints exactly its
#      native output (the kernel's without the "[kstat]" lines, timing-dependent counters)
#      and exits the same way; the page-table fuzz guest of its MMU (tlb_fuzz, pw_fuzz) at a
#      fixed seed is among them; on the page walker, the programs that need the R4K TLB
#      loop until the instruction limit as they do natively (a back end may not promise a
#      program's output: backend_skip says which and why, shadow paging's pw_stale);
#   2. two different guests side by side: a VM of the back end beside a VM of the next
#      registered back end (another technique, another kernel when the MMU differs) and a
#      bare program: each prints its native output;
#   3. the secret-pattern test: a VM writes a secret over all its RAM and stops; a VM of
#      the same back end, then one of the next, reads all of its RAM (on the same frames)
#      and finds only zeros; a mapping beyond its RAM is a bus error (code 7).
# After every VMM run the machine's frames balance (every frame a back end took is back
# in the pool: machine.frames.free + machine.*.frames = machine.frames.total), and each
# technique's own invariants hold (tech_check below: nested paging never traps a guest
# page-table write; shadow paging emulates them). Native outputs are computed once per
# MMU and program. Invariants, except two recorded figures, said where they are used:
# secret_scan's word count (3917824: its image size) and the exception code 7.
set -u
build=$1
mode=${2:-}
tv=$build/cli/tlbvisor
bare=$build/guest/bare
# shellcheck source=tests/e2e/backend_sets.sh
. "$(dirname "$0")/backend_sets.sh"
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

mapfile -t registry < <(backend_list "$tv")
[ "${#registry[@]}" -ge 1 ] || { echo "FAIL no registered back end"; exit 1; }

# Bare programs per MMU (programs.txt categories: common, ext = R4K TLB only, pagewalk).
swtlb_bare="hello isa_alu isa_mem isa_branch exceptions cp0 tlb tlb_evict tlb_overlap timer supervisor segctl"
pagewalk_bare="hello isa_alu isa_mem isa_branch timer pw_basic pw_perm pw_flush pw_alias pw_store pw_big pw_oos pw_kseg pw_stale pw_hog pw_fuzz"
works=("${kernel_workloads[@]}")

# The machine's frames balance, and the technique's own invariants, in a stats file.
tech_check() { # BACKEND STATS
	python3 - "$1" "$2" <<'EOF'
import json, re, sys
be, c = sys.argv[1], json.load(open(sys.argv[2]))["counters"]
held = sum(v for k, v in c.items() if re.fullmatch(r"machine\.[a-z]+\.frames", k) and k != "machine.frames.frames")
why = []
if c["machine.frames.free"] + held != c["machine.frames.total"]:
    why.append("frames unbalanced")
vms = sorted({int(m.group(1)) for k in c for m in [re.match(r"vm(\d+)\.", k)] if m})
for v in vms:
    p = "vm%d." % v
    if p + "nested.exits" in c:
        # nested paging: no exit but nested faults, device accesses and the guest's own
        # page faults; its nested table back in the pool
        if c[p + "traps.TLBL"] + c[p + "traps.TLBS"] != c[p + "nested.guest_faults"]:
            why.append(p + "nested: a TLBL/TLBS that was not the guest's page fault")
        if c[p + "nested.table_frames"]:
            why.append(p + "nested.table_frames held")
    if p + "shadow.frames" in c and c[p + "shadow.frames"]:
        why.append(p + "shadow.frames held")
print("; ".join(why) if why else "ok")
EOF
}

# native MMU NOPTS ELF ARGS... -> the file holding the native output (exit status appended)
native() {
	local mmu=$1 nopts=$2 elf=$3
	shift 3
	local key
	key=$(echo "$mmu $nopts $elf $*" | md5sum | cut -c1-16)
	if [ ! -f "$tmp/nat.$key" ]; then
		# shellcheck disable=SC2086
		timeout 120 "$tv" run --native --mmu "$mmu" $nopts --max-insns 3000000000 "$elf" -- "$@" \
			2>&1 </dev/null | grep -v '^\[kstat\]' >"$tmp/nat.$key"
		echo "exit ${PIPESTATUS[0]}" >>"$tmp/nat.$key"
	fi
	echo "$tmp/nat.$key"
}

compare() { # NAME ELF ARGS... (backend in $be, its MMU in $mmu, options in $opts)
	local name=$1 elf=$2
	shift 2
	local nat
	nat=$(native "$mmu" "$(machine_opts "$opts")" "$elf" "$@")
	# shellcheck disable=SC2086
	timeout 120 "$tv" run --quiet --mmu "$mmu" --backend "$be" $opts --max-insns 3000000000 \
		--stats "$tmp/s.json" "$elf" -- "$@" 2>&1 </dev/null | grep -v '^\[kstat\]' >"$tmp/v"
	echo "exit ${PIPESTATUS[0]}" >>"$tmp/v"
	local chk
	chk=$(tech_check "$be" "$tmp/s.json" 2>&1)
	if cmp -s "$nat" "$tmp/v" && [ "$(tail -1 "$nat")" = "exit 0" ] && [ "$chk" = ok ]; then
		ok "$be $opts: $name"
	else
		bad "$be $opts: $name ($chk)"
		diff -u --label native --label "$be" "$nat" "$tmp/v" | head -20
	fi
}

# VMs side by side: SPECS... as --vm arguments, each "BACKEND|MMU|ELF|MEM|ARGS"
side_by_side() { # NAME STATS SPEC...
	local name=$1 stats=$2
	shift 2
	local args=() i=0 sp b m e mem a why=""
	for sp in "$@"; do
		IFS='|' read -r b m e mem a <<<"$sp"
		args+=(--vm "$e,mem=$mem,backend=$b${a:+ -- $a}")
	done
	timeout 300 "$tv" run --quiet --stats "$stats" "${args[@]}" >"$tmp/sbs" 2>&1 </dev/null || why="exit $?"
	for sp in "$@"; do
		i=$((i + 1))
		IFS='|' read -r b m e mem a <<<"$sp"
		# shellcheck disable=SC2086
		"$tv" run --native --mmu "$m" --mem "$mem" "$e" ${a:+-- $a} 2>&1 </dev/null | grep -v '^\[kstat\]' >"$tmp/nat$i"
		vm_console "$tmp/sbs" $i >"$tmp/vm$i"
		if ! cmp -s "$tmp/nat$i" "$tmp/vm$i"; then
			why="$why vm$i ($b) differs"
			diff -u --label native --label "vm$i" "$tmp/nat$i" "$tmp/vm$i" | head -10
		fi
	done
	local chk
	chk=$(tech_check "" "$stats" 2>&1)
	[ "$chk" = ok ] || why="$why $chk"
	if [ -z "$why" ]; then ok "$name"; else bad "$name:$why"; fi
}

n=${#registry[@]}
for ((bi = 0; bi < n; bi++)); do
	read -r be mmu <<<"${registry[$bi]}"
	read -r nb nmmu <<<"${registry[$(((bi + 1) % n))]}"
	k=$build/guest/kernel/kernel-$mmu.elf
	nk=$build/guest/kernel/kernel-$nmmu.elf
	list=$swtlb_bare fuzz="$bare/tlb_fuzz.elf"
	[ "$mmu" = pagewalk ] && list=$pagewalk_bare fuzz=""
	mapfile -t sets < <(backend_option_sets "$be" "$mode")
	skip=" $(backend_skip "$be") "
	for opts in "${sets[@]}"; do
		# 1. transparency
		for p in $list; do
			[[ $skip == *" $p "* ]] && continue
			compare "bare $p" "$bare/$p.elf"
		done
		# the software TLB's fuzz guest at a fixed seed (pw_fuzz, in the list above, runs
		# its default seed; mmufuzz.sh draws new seeds for both)
		[ -n "$fuzz" ] && compare "tlb_fuzz seed=1" "$fuzz" seed=1 ops=5000
		for w in "${works[@]}"; do
			# shellcheck disable=SC2086
			compare "kernel $w" "$k" $w
		done
		if [ "$mmu" = pagewalk ]; then
			# Programs that need the R4K TLB loop natively on the walker until the limit,
			# printing nothing; under the VMM they must do the same (exit 3).
			for p in exceptions cp0 supervisor; do
				# shellcheck disable=SC2086
				timeout 60 "$tv" run --quiet --mmu pagewalk --backend "$be" $opts --max-insns 2000000 \
					"$bare/$p.elf" >"$tmp/r" 2>&1 </dev/null; rr=$?
				if [ "$rr" = 3 ] && [ "$(grep -vc 'instruction limit reached' "$tmp/r")" = 0 ]; then
					ok "$be $opts: bare $p loops as natively, stopped at the limit"
				else
					bad "$be $opts: bare $p: exit $rr"; head -5 "$tmp/r"
				fi
			done
		fi
	done
	# 2. two different guests side by side (the next back end's VM, a bare program of ours)
	side_by_side "side by side: $be forkwait, $nb pmake, $be isa_alu" "$tmp/two.json" \
		"$be|$mmu|$k|64M|workload=forkwait n=50" "$nb|$nmmu|$nk|64M|workload=pmake workers=4 jobs=8" \
		"$be|$mmu|$bare/isa_alu.elf|16M|"
	# 3. the secret pattern: filled under this back end, scanned under it and under the next
	for scan in "$be $mmu" "$nb $nmmu"; do
		read -r sb smmu <<<"$scan"
		sarg=""; [ "$smmu" = pagewalk ] && sarg=pagewalk
		timeout 300 "$tv" run --stats "$tmp/iso.json" --vm "$bare/secret_fill.elf,mem=16M,backend=$be" \
			--vm "$bare/secret_scan.elf,mem=16M,backend=$sb${sarg:+ -- $sarg}" >"$tmp/iso" 2>"$tmp/iso.err"; riso=$?
		# recorded figure: 3917824 words above secret_scan's image in 16 MiB; code 7 is DBE
		want=$'[vm1] secret_fill: 3917824 words written\n[vm2] secret_scan: 3917824 words read, 0 nonzero, 0 secret\n[vm2] secret_scan: beyond-RAM load: 1 exception, code 7'
		reused=$(json "$tmp/iso.json" 'c["machine.frames.peak_used"] < c["vm1.pmap.filled"] + c["vm2.pmap.filled"]' 2>&1)
		chk=$(tech_check "" "$tmp/iso.json" 2>&1)
		if [ $riso = 0 ] && [ "$(cat "$tmp/iso")" = "$want" ] && [ "$reused" = True ] && [ "$chk" = ok ]; then
			ok "secret: filled under $be, scanned under $sb: frames reused, no secret seen, beyond-RAM access a bus error"
		else
			bad "secret: filled under $be, scanned under $sb (exit $riso, frames reused: $reused, $chk)"
			cat "$tmp/iso" "$tmp/iso.err" | head -8
		fi
	done
done
summary
