#!/usr/bin/env python3
"""Checks every `*.expected.json` of this folder against tcpdump, an
independent decoder: the capture exists, tcpdump counts `frames` packets in
it, and each listed violation's frame is there with the manifest's time
(seconds after the first frame) and the addresses its reason names.

    python3 tests/data/analyze/check_manifests.py       # prints each violation's frame as tcpdump shows it
"""
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def packets(path):
    out = subprocess.run(["tcpdump", "-r", path, "-n", "-v", "-tt"], capture_output=True,
                         text=True, env={**os.environ, "TZ": "UTC"}, check=True).stdout
    entries = []
    for line in out.splitlines():
        if re.match(r"^\d+\.\d+ ", line):
            entries.append(line)
        elif entries:
            entries[-1] += " " + line.strip()
    return entries


def main():
    bad = 0
    for m in sorted(glob.glob(os.path.join(HERE, "*.expected.json"))):
        man = json.load(open(m))
        path = os.path.join(HERE, man["capture"])
        pk = packets(path)
        print(f"== {man['capture']}: {len(pk)} frames, {len(man['violations'])} violations")
        if len(pk) != man["frames"]:
            print(f"  MISMATCH: manifest says {man['frames']} frames")
            bad += 1
        if man["clean"] != (not man["violations"]):
            print("  MISMATCH: clean disagrees with violations")
            bad += 1
        t0 = float(pk[0].split()[0]) if pk else 0.0
        for v in man["violations"]:
            n = v["frame"]
            if not 1 <= n <= len(pk):
                print(f"  frame {n} out of range")
                bad += 1
                continue
            line = pk[n - 1]
            t = float(line.split()[0]) - t0
            ok = "time" not in v or abs(t - v["time"]) < 1e-6
            print(f"  {n:4} {v['rfc']:18} {v['kind']:28} {'ok ' if ok else 'BAD'} {line[:170]}")
            bad += not ok
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
