#!/usr/bin/env bash
# bare.sh BUILD_DIR MODE - run the bare-metal guest test programs.
#
# MODE:
#   native-swtlb     programs of category common and ext on tlbvisor --mmu swtlb
#   native-pagewalk  programs of category pagewalk on tlbvisor --mmu pagewalk
#   diff-qemu        programs of category common on QEMU (Malta, 24Kc) and on
#                    tlbvisor --mmu swtlb: stdout must be identical and both
#                    exit statuses 0
# The program list is BUILD_DIR/guest/bare/programs.txt ("NAME CATEGORY").
# Prints "ok NAME" or "FAIL NAME" (with the reason) per program and a final
# "N passed, M failed"; exits non-zero when anything failed.
#
# Environment: BARE_TIMEOUT (seconds per run, default 20), QEMU (default
# qemu-system-mipsel), TLBVISOR_ARGS (extra arguments for tlbvisor run),
# BARE_ONLY (space-separated program names to restrict the run).
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR native-swtlb|native-pagewalk|diff-qemu" >&2
	exit 2
fi
build=$1
mode=$2
bare=$build/guest/bare
list=$bare/programs.txt
tlbvisor=$build/cli/tlbvisor
qemu=${QEMU:-qemu-system-mipsel}
tmo=${BARE_TIMEOUT:-20}
extra=${TLBVISOR_ARGS:-}

case $mode in
native-swtlb)    cats="common ext"; mmu=swtlb ;;
native-pagewalk) cats="pagewalk";   mmu=pagewalk ;;
diff-qemu)       cats="common";     mmu=swtlb ;;
*) echo "bare.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac

if [ ! -f "$list" ]; then
	echo "bare.sh: $list not found (build the guest_bare target)" >&2
	exit 2
fi
if [ ! -x "$tlbvisor" ]; then
	echo "bare.sh: $tlbvisor not found" >&2
	exit 2
fi
if [ "$mode" = diff-qemu ] && ! command -v "$qemu" >/dev/null 2>&1; then
	echo "bare.sh: $qemu not found" >&2
	exit 2
fi

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

run_tlbvisor() { # ELF OUT -> exit status
	# shellcheck disable=SC2086
	timeout -k 5 "$tmo" "$tlbvisor" run --native --mmu "$mmu" \
		--max-insns 200000000 $extra "$1" >"$2" 2>"$2.err" </dev/null
}

# QEMU runs with -icount so that its Count/Compare follow the instruction count rather than
# host time: without it, the timer test can miss its deadline on a loaded CI machine. It runs
# in the image's directory and is given the file name alone: QEMU passes the path as given as
# argv[0], tlbvisor the file name (--argv0), and the programs print argv[0].
run_qemu() { # ELF OUT -> exit status
	(cd "$(dirname "$1")" && exec timeout -k 5 "$tmo" "$qemu" -M malta -cpu 24Kc -m 128 \
		-nographic -no-reboot -semihosting -icount shift=3 -kernel "$(basename "$1")") \
		>"$2" 2>"$2.err" </dev/null
}

# a run passes when it exits 0 and printed no FAIL line
check_run() { # NAME RC OUT -> prints the reason, returns 1 on failure
	if [ "$2" -ne 0 ]; then
		echo "  exit status $2$([ "$2" -eq 124 ] && echo ' (timeout)')"
		return 1
	fi
	if grep -q '^FAIL ' "$3"; then
		grep '^FAIL ' "$3" | sed 's/^/  /'
		return 1
	fi
	return 0
}

while read -r name cat; do
	[ -n "$name" ] || continue
	case " $cats " in *" $cat "*) ;; *) continue ;; esac
	if [ -n "${BARE_ONLY:-}" ]; then
		case " $BARE_ONLY " in *" $name "*) ;; *) continue ;; esac
	fi
	elf=$bare/$name.elf
	out=$tmp/$name
	ok=1
	msg=""
	if [ "$mode" = diff-qemu ]; then
		run_qemu "$elf" "$out.qemu"; qrc=$?
		run_tlbvisor "$elf" "$out.tv"; trc=$?
		if ! r=$(check_run "$name" $qrc "$out.qemu"); then
			ok=0; msg+="  qemu:"$'\n'"$r"$'\n'
		fi
		if ! r=$(check_run "$name" $trc "$out.tv"); then
			ok=0; msg+="  tlbvisor:"$'\n'"$r"$'\n'
			msg+="$(tail -n 5 "$out.tv.err" | sed 's/^/  stderr: /')"$'\n'
		fi
		if ! d=$(diff -u --label qemu --label tlbvisor "$out.qemu" "$out.tv"); then
			ok=0; msg+="$d"$'\n'
		fi
	else
		run_tlbvisor "$elf" "$out.tv"; trc=$?
		if ! r=$(check_run "$name" $trc "$out.tv"); then
			ok=0; msg+="$r"$'\n'
			msg+="$(tail -n 20 "$out.tv" | sed 's/^/  stdout: /')"$'\n'
			msg+="$(tail -n 5 "$out.tv.err" | sed 's/^/  stderr: /')"$'\n'
		fi
	fi
	if [ $ok -eq 1 ]; then
		ok "$name"
	else
		bad "$name"
		printf '%s' "$msg"
	fi
done <"$list"

# no program run is a failure too (a wrong list, an empty BARE_ONLY)
summary && [ $pass -gt 0 ]
