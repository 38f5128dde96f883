#!/usr/bin/env python3
"""Instructions per call for the issue 12 comparisons, counted by callgrind.

Builds `benches/callgrind.rs` (release, as `cargo bench` does), runs each case
under `valgrind --tool=callgrind --cache-sim=yes`, collecting only inside its
`measure` function, twice (N1 and N2 calls), and prints per call, as Markdown
tables in the layout of benches/summarize.py:

- Ir: instructions executed, (Ir(N2) - Ir(N1)) / (N2 - N1): exact, and the
  same on a loaded machine as on a quiet one;
- est. cycles: the iai/gungraun estimate from callgrind's cache simulation,
  L1 hits + 5 x LL hits + 35 x RAM hits (instruction and data accesses),
  on the same difference, so cold-start misses cancel out.

Neither is time: they count neither the CPU's parallelism (several
instructions per cycle) nor mispredicted branches. The `overhead` row is the
loop and call every other row includes.

Usage: python3 benches/callgrind.py [REGEX]   (REGEX filters case names)
Needs valgrind (Debian: apt-get install valgrind).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

N1, N2 = 10, 210

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = subprocess.run(
    ["cargo", "bench", "--no-run", "--bench", "callgrind", "--message-format=json"],
    cwd=root, check=True, stdout=subprocess.PIPE, text=True,
)
exe = None
for line in build.stdout.splitlines():
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
            and msg["target"]["name"] == "callgrind":
        exe = msg["executable"]
if exe is None:
    sys.exit("callgrind.py: cargo built no callgrind bench")

names = subprocess.run([exe, "--list"], check=True, stdout=subprocess.PIPE,
                       text=True).stdout.split()
pattern = re.compile(sys.argv[1]) if len(sys.argv) > 1 else None
names = [n for n in names if pattern is None or pattern.search(n) or n.startswith("overhead/")]


def counts(name, n):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--cache-sim=yes",
             "--toggle-collect=*callgrind::measure*", f"--callgrind-out-file={out}",
             exe, "--run", name, str(n)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        events, totals = None, None
        with open(out) as f:
            for line in f:
                if line.startswith("events:"):
                    events = line.split()[1:]
                elif line.startswith("summary:") or line.startswith("totals:"):
                    totals = [int(x) for x in line.split()[1:]]
        return dict(zip(events, totals + [0] * (len(events) - len(totals))))


def per_call(name):
    a, b = counts(name, N1), counts(name, N2)
    d = {k: (b[k] - a[k]) / (N2 - N1) for k in b}
    l1_miss = d["I1mr"] + d["D1mr"] + d["D1mw"]
    ll_miss = d["ILmr"] + d["DLmr"] + d["DLmw"]
    accesses = d["Ir"] + d["Dr"] + d["Dw"]
    est = (accesses - l1_miss) + 5 * (l1_miss - ll_miss) + 35 * ll_miss
    return d["Ir"], est


rows = {}
for name in names:
    rows[name] = per_call(name)
    print(f"{name}: {rows[name][0]:.1f} Ir, {rows[name][1]:.1f} est. cycles", file=sys.stderr)

groups, impls = {}, []
for key, val in rows.items():
    group, impl, case = key.split("/", 2)
    groups.setdefault((group, case), {})[impl] = val
    if impl not in impls:
        impls.append(impl)
for title, idx in (("instructions (Ir) per call", 0), ("estimated cycles per call", 1)):
    print(f"\n{title}, valgrind {subprocess.run(['valgrind', '--version'], stdout=subprocess.PIPE, text=True).stdout.strip()}\n")
    print("| bench | case | " + " | ".join(impls) + " |")
    print("|---|---|" + "---:|" * len(impls))
    for (group, case), d in groups.items():
        cells = [f"{d[i][idx]:.0f}" if i in d else "–" for i in impls]
        print(f"| {group} | {case} | " + " | ".join(cells) + " |")
