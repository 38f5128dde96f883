#!/usr/bin/env python3
"""Print criterion's medians from `cargo bench` output (stdin) as a Markdown table.

Usage: cargo bench --bench NAME 2>&1 | python3 benches/summarize.py
"""
import re
import sys

rows = {}
name = None
for line in sys.stdin:
    m = re.match(r"^(\S+/\S+)\s*(time:.*)?$", line.strip())
    if m and "/" in m.group(1) and not line.startswith(" "):
        name = m.group(1)
        line = m.group(2) or ""
    t = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
    if t and name:
        rows[name] = f"{t.group(1)} {t.group(2)}"
        name = None

groups = {}
for key, val in rows.items():
    parts = key.split("/")
    group, impl, case = parts[0], parts[1], "/".join(parts[2:]) or "-"
    groups.setdefault((group, case), {})[impl] = val
impls = []
for d in groups.values():
    for i in d:
        if i not in impls:
            impls.append(i)
print("| bench | case | " + " | ".join(impls) + " |")
print("|---|---|" + "---|" * len(impls))
for (group, case), d in groups.items():
    print(f"| {group} | {case} | " + " | ".join(d.get(i, "–") for i in impls) + " |")
