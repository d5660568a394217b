#!/usr/bin/env bash
# clidoc.sh BUILD_DIR - rewrites the help texts in docs/cli.md from `tlbvisor run --help`,
# `bench --help`, `gate --help` and `recost --help` (tests/e2e/hostile.sh and
# tests/e2e/bench.sh fail when they differ).
set -eu
build=$1
doc=$(cd "$(dirname "$0")/../.." && pwd)/docs/cli.md
for cmd in run bench gate recost; do
	help=$("$build/cli/tlbvisor" $cmd --help)
	python3 - "$doc" "$cmd" "$help" <<'PY'
import re, sys
doc, cmd, help = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(doc).read()
begin, end = "<!-- %s-help:begin -->" % cmd, "<!-- %s-help:end -->" % cmd
if begin not in text:
    sys.exit("docs/cli.md has no %s ... %s block" % (begin, end))
block = begin + "\n```\n" + help + "\n```\n" + end
text = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda m: block, text, flags=re.S)
open(doc, "w").write(text)
PY
done
