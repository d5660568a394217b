#!/usr/bin/env bash
# clidoc.sh BUILD_DIR - rewrites the help text in docs/cli.md from `tlbvisor run --help`
# (tests/e2e/hostile.sh fails when the two differ).
set -eu
build=$1
doc=$(cd "$(dirname "$0")/../.." && pwd)/docs/cli.md
help=$("$build/cli/tlbvisor" run --help)
python3 - "$doc" "$help" <<'PY'
import re, sys
doc, help = sys.argv[1], sys.argv[2]
text = open(doc).read()
block = "<!-- run-help:begin -->\n```\n" + help + "\n```\n<!-- run-help:end -->"
text = re.sub(r"<!-- run-help:begin -->.*?<!-- run-help:end -->", lambda m: block, text, flags=re.S)
open(doc, "w").write(text)
PY
