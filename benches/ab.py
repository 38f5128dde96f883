#!/usr/bin/env python3
"""Interleaved A/B criterion runs: ipv4kit and its peers on one row, in turn.

Criterion runs the benchmarks of a group one after another, so on a shared
machine a change of load between them shows up as a difference between
them. This runs each implementation of a row for a short criterion run, in
turn (the order reversed every other round), ROUNDS times, so load changes
hit all of them alike, and prints per implementation the median of its
per-round medians, and per peer the ratio peer/ipv4kit of each round's
medians (> 1: ipv4kit faster) and in how many rounds ipv4kit was faster.

Usage: python3 benches/ab.py [-r ROUNDS] [-w WARMUP_S] [-m MEASURE_S] \\
           BENCH:GROUP:CASE:IMPL,IMPL... ...
e.g.   python3 benches/ab.py -r 5 mld:mldv2_report_walk:16x8:ipv4kit,smoltcp
"""
import argparse
import json
import re
import statistics
import subprocess

UNITS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}

ap = argparse.ArgumentParser()
ap.add_argument("-r", "--rounds", type=int, default=5)
ap.add_argument("-w", "--warm-up", default="0.3")
ap.add_argument("-m", "--measure", default="1")
ap.add_argument("rows", nargs="+")
args = ap.parse_args()

rows = []
for spec in args.rows:
    bench, group, case, impls = spec.split(":")
    rows.append((bench, group, case, impls.split(",")))

benches = sorted({r[0] for r in rows})
cmd = ["cargo", "bench", "--no-run", "--message-format=json"]
for b in benches:
    cmd += ["--bench", b]
out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
exe = {}
for line in out.splitlines():
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
        exe[msg["target"]["name"]] = msg["executable"]


def median_ns(bench, group, impl, case):
    filt = f"^{re.escape(group)}/{re.escape(impl)}/{re.escape(case)}$"
    res = subprocess.run(
        [exe[bench], "--bench", "--warm-up-time", args.warm_up, "--measurement-time",
         args.measure, "--sample-size", "30", "--noplot", filt],
        check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ).stdout
    m = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", res)
    if not m:
        raise SystemExit(f"ab.py: no result for {filt}:\n{res}")
    return float(m.group(1)) * UNITS[m.group(2)]


print(f"rounds {args.rounds}, warm-up {args.warm_up} s, measurement {args.measure} s per run\n")
print("| bench | case | " + " | ".join(["ipv4kit median", "peer median", "peer/ipv4kit per round", "ipv4kit faster"]) + " |")
print("|---|---|---:|---:|---|---|")
for bench, group, case, impls in rows:
    times = {i: [] for i in impls}
    for r in range(args.rounds):
        for impl in (impls if r % 2 == 0 else impls[::-1]):
            times[impl].append(median_ns(bench, group, impl, case))
    ours = times[impls[0]]
    for peer in impls[1:]:
        ratios = [p / o for p, o in zip(times[peer], ours)]
        wins = sum(1 for x in ratios if x > 1)
        print(f"| {group} | {case} vs {peer} | {statistics.median(ours):.2f} ns | "
              f"{statistics.median(times[peer]):.2f} ns | "
              + " ".join(f"{x:.2f}" for x in ratios)
              + f" | {wins}/{args.rounds} |", flush=True)
