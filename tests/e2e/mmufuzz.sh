#!/usr/bin/env bash
# mmufuzz.sh BUILD_DIR [COUNT] - differential MMU fuzzing: the seeded fuzz programs
# (guest/bare/tests/tlb_fuzz.c on swtlb, pw_fuzz.c on pagewalk) print the same checksums
# natively and as guests of every registered back end (run --list-backends) under each of
# its option sets (backend_sets.sh: Disco with the L2 TLB on and off and a 16-entry guest
# TLB; shadow and nested paging with their defaults and a 16-entry, 2-way hardware TLB,
# nested paging's with its optional hardware on). Each run draws COUNT new seeds
# (printed); TLBVISOR_FUZZ_SEED=S repeats the run that began at S. On a difference it prints the first diverging operation's window.
set -u
build=$1
count=${2:-40}
tv=$build/cli/tlbvisor
bare=$build/guest/bare
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
fuzz_seeds "$count"

# same NAME NATIVE_OPTS VMM_OPTS ELF ARGS: native and VMM outputs must be identical.
same() {
	local name=$1 nopts=$2 vopts=$3 elf=$4 args=$5
	# shellcheck disable=SC2086
	timeout 120 "$tv" run --native $nopts "$elf" -- $args >"$tmp/n" 2>&1 </dev/null; local rn=$?
	# shellcheck disable=SC2086
	timeout 120 "$tv" run --quiet $vopts "$elf" -- $args >"$tmp/v" 2>&1 </dev/null; local rv=$?
	if [ $rn = 0 ] && [ $rv = 0 ] && cmp -s "$tmp/n" "$tmp/v"; then
		pass=$((pass + 1))
	else
		bad "$name ($args): native exit $rn, VMM ($vopts) exit $rv"
		diff "$tmp/n" "$tmp/v" | head -4
	fi
}

# shellcheck source=tests/e2e/backend_sets.sh
. "$(dirname "$0")/backend_sets.sh"
mapfile -t registry < <(backend_list "$tv")
for s in $(seq "$base" $((base + count - 1))); do
	for entry in "${registry[@]}"; do
		read -r be mmu <<<"$entry"
		# the fuzz guest of the back end's MMU: tlb_fuzz's TLB writes, or pw_fuzz's page
		# tables with 4 MiB pages (InvlPg inside one drops the whole translation), self-maps
		# and stores of every width
		elf=$bare/tlb_fuzz.elf args="seed=$s ops=5000"
		[ "$mmu" = pagewalk ] && elf=$bare/pw_fuzz.elf args="seed=$s ops=2000"
		while IFS= read -r opts; do
			# the machine's own settings (TLB sizes) natively too
			nopts=$(machine_opts "$opts")
			same "$be" "--mmu $mmu $nopts" "--mmu $mmu --backend $be $opts" "$elf" "$args"
		done < <(backend_option_sets "$be")
	done
done
summary
