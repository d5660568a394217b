#!/usr/bin/env bash
# bench_quick.sh BUILD_DIR [--update] - the project gates itself (docs/benchmarking.md "The
# CI gate"):
#   1. the quick suite, --jobs 2, into BUILD_DIR/bench-quick: every run ends as expected and
#      prints what its workload prints natively;
#   2. its modelled figures (every counter and derived metric) are exactly those of the
#      committed baseline bench/baseline/quick.json: exact figures, all of them; host
#      seconds are left out (they depend on the machine and its load);
#   3. host cost that does not depend on load: a few runs under valgrind's callgrind, host
#      instructions per guest instruction within 3 % of bench/baseline/quick-callgrind.json.
# A failure prints the gate's summary; docs/benchmarking.md says how to update a baseline
# and how to say why a change moved it. With --update (make baseline), the two baselines
# are rewritten from this build's runs instead of being checked.
set -u
build=$1
update=${2:-}
tv=$build/cli/tlbvisor
out=$build/bench-quick
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
rm -rf "$out" "$out-callgrind"

t0=$(date +%s.%N)
timeout 600 "$tv" bench --suite quick --out "$out" --jobs 2 2>"$out.err"; rc=$?
t1=$(date +%s.%N)
secs=$(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$t1")
[ "$rc" = 0 ] && ok "quick suite: every run as expected ($secs s with --jobs 2, results and plots included)" ||
	{ bad "quick suite: exit $rc"; tail -20 "$out.err"; }

if [ "$update" = --update ]; then
	cp "$out/results.json" "$src/bench/baseline/quick.json" && echo "updated bench/baseline/quick.json"
fi
timeout 60 "$tv" gate --baseline "$src/bench/baseline/quick.json" --current "$out/results.json" \
	--metric '!host.*' --md "$out/gate.md" 2>"$out/gate.err"; rc=$?
if [ "$rc" = 0 ]; then
	ok "quick suite: modelled figures = bench/baseline/quick.json ($(cat "$out/gate.err"))"
else
	bad "quick suite: gate exit $rc: $(cat "$out/gate.err")"
	head -40 "$out/gate.md"
	echo "(the modelled figures moved: docs/benchmarking.md, \"Updating the baseline\")"
fi

# The callgrind runs: an interpreter-bound, a TLB-bound, a Disco and a shadow run.
if command -v valgrind >/dev/null; then
	timeout 900 "$tv" bench --suite quick --out "$out-callgrind" --jobs 2 --host-metric callgrind \
		--only 'compute/disco/*' --only 'memtouch/disco/*' --only 'forkwait/shadow/*' \
		2>"$out-callgrind.err"; rc=$?
	[ "$rc" = 0 ] && ok "callgrind runs" || { bad "callgrind runs: exit $rc"; tail -5 "$out-callgrind.err"; }
	if [ "$update" = --update ]; then
		cp "$out-callgrind/results.json" "$src/bench/baseline/quick-callgrind.json" &&
			echo "updated bench/baseline/quick-callgrind.json"
	fi
	timeout 60 "$tv" gate --baseline "$src/bench/baseline/quick-callgrind.json" \
		--current "$out-callgrind/results.json" --metric 'host.insns_per_guest_insn' \
		--callgrind-tolerance 3 --md "$out-callgrind/gate.md" 2>"$out-callgrind/gate.err"; rc=$?
	if [ "$rc" = 0 ]; then
		ok "host instructions per guest instruction within 3% ($(cat "$out-callgrind/gate.err"))"
	else
		bad "callgrind gate exit $rc: $(cat "$out-callgrind/gate.err")"
		head -30 "$out-callgrind/gate.md"
	fi
else
	bad "valgrind is not installed (Makefile PACKAGES: valgrind)"
fi
summary
