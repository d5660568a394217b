#!/usr/bin/env python3
"""Prints the non-zero counters of several `tlbvisor run --stats` files side by side."""
import json
import sys

runs = []
for path in sys.argv[1:]:
    with open(path) as f:
        doc = json.load(f)
    runs.append((doc.get("mmu", path), doc["counters"]))
names = []
for _, counters in runs:
    for name, value in counters.items():
        if value and name not in names:
            names.append(name)
width = max(len(n) for n in names) if names else 10
print("%-*s" % (width, "counter") + "".join("%16s" % label for label, _ in runs))
for name in names:
    print("%-*s" % (width, name) + "".join("%16d" % int(c.get(name, 0)) for _, c in runs))
