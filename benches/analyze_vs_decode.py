#!/usr/bin/env python3
"""`ipv4kit analyze` against `ipv4kit decode` as commands, on the same
captures, run in turns (analyze, decode, analyze, ...) so that a change of
load on a shared machine hits both alike. Prints, per capture, the median
and the range of CPU time (user + system) of each command, how many of the
rounds analyze was at least as fast as decode in, and the median of the
rounds' analyze/decode ratios.

    cargo build --release -p ipv4kit-cli -p ipv4kit-analyze --examples
    python3 benches/analyze_vs_decode.py [ROUNDS]

The captures (10^6 IGMP packets each) are written by the example
`make_capture` into a temporary directory: a querier and 1000 hosts
cycling through 4000 groups (every packet another group: the worst case
for the analysis's memory access), the same through 400 groups, and 10^6
distinct groups. Both commands write to /dev/null.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "ipv4kit")
MAKE = os.path.join(ROOT, "target", "release", "examples", "make_capture")
CASES = [
    ("1000 hosts x 4000 groups", []),
    ("1000 hosts x 400 groups", ["400"]),
    ("10^6 distinct groups", ["distinct"]),
]


def cpu(cmd):
    """CPU seconds (user + system) of one run of `cmd`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.devnull, "wb") as null:
        subprocess.run(cmd, stdout=null, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    for path in (BIN, MAKE):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} missing: cargo build --release -p ipv4kit-cli -p ipv4kit-analyze --examples")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{rounds} rounds each, CPU seconds (user + system), load {os.getloadavg()[0]:.1f}")
        print(f"{'capture of 10^6 IGMP packets':28} {'decode':>22} {'analyze':>22}  "
              "analyze <= decode, median of analyze/decode per round")
        for name, extra in CASES:
            pcap = os.path.join(tmp, "c.pcap")
            subprocess.run([MAKE, pcap, "1000000", *extra], check=True,
                           stderr=subprocess.DEVNULL)
            a, d = [], []
            for i in range(rounds):
                # Alternate which goes first.
                order = [("a", "analyze"), ("d", "decode")]
                if i % 2:
                    order.reverse()
                for key, sub in order:
                    t = cpu([BIN, sub, pcap])
                    (a if key == "a" else d).append(t)
            wins = sum(1 for x, y in zip(a, d) if x <= y)
            # Each round's two runs share the machine's state of the moment:
            # their ratio moves less than either time.
            ratio = statistics.median(x / y for x, y in zip(a, d))

            def fmt(v):
                return f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})"

            print(f"{name:28} {fmt(d):>22} {fmt(a):>22}  {wins}/{rounds:<6} {ratio:.2f}")


if __name__ == "__main__":
    main()
