# backend_sets.sh - sourced by backends.sh and mmufuzz.sh: the registered back ends
# (tlbvisor run --list-backends: "NAME MMU default|-" a line) and the option sets each is
# tested under. A back end this file does not name is tested with its defaults only.

# backend_list TLBVISOR: "NAME MMU" lines, in the registry's order.
backend_list() {
	"$1" run --list-backends | awk '{ print $1, $2 }'
}

# backend_option_sets NAME [quick]: one option set a line ("" = the defaults). quick (the
# ASan half of CI): the one set that exercises the most of the back end.
backend_option_sets() {
	case "$1 ${2:-}" in
	"disco quick") echo "--tlb-entries 16" ;;
	"disco "*) printf '%s\n' "--l2tlb on" "--l2tlb off" "--tlb-entries 16" ;;
	"shadow quick") echo "" ;;
	"shadow "*) printf '%s\n' "" "--pw-tlb-entries 16 --pw-tlb-ways 2" ;;
	"nested quick") echo "--nested-opts all --pw-tlb-entries 16 --pw-tlb-ways 2" ;;
	"nested "*) printf '%s\n' "" "--nested-opts all --pw-tlb-entries 16 --pw-tlb-ways 2" ;;
	*) echo "" ;;
	esac
}

# backend_skip NAME: bare programs whose output a back end does not promise, with the reason
# (docs): shadow paging without its exact guest TLB rebuilds translations from the guest's
# tables, so a program that relies on a stale TLB entry sees the tables instead
# (pw_stale: docs/shadow.md "exact"; shadow_opts.sh runs it with --shadow-opts exact).
backend_skip() {
	case "$1" in
	shadow) echo "pw_stale" ;;
	*) echo "" ;;
	esac
}

# machine_opts OPTS: the options of OPTS that set the machine itself (TLB sizes), which the
# native run must share for the outputs to be comparable.
machine_opts() {
	grep -oE -- '--(tlb-entries|pw-tlb-entries|pw-tlb-ways) [0-9]+' <<<"$1" | tr '\n' ' '
}
