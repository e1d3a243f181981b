#!/usr/bin/env python3
"""compare_cells.py BADMAC [CELLS] - `badmac compare` on every saved matrix cell.

The relay's capture.pcapng of a cell holds both legs (interface 0: client
side, 1: server side), so each cell is a two-point capture: `badmac compare
--split-interfaces --keylog keys.log capture.pcapng`. A clean cell (fault
none) must give only verdicts that are not faults (identical, resegmented,
capture_loss, not_delivered_after_close) and exit 0; an intercept cell
interception; a fault cell is counted by verdict. CELLS defaults to
tests/matrix/out/cells (after `make matrix`). Prints the counts and every
false alarm; exit 1 when a clean cell is a false alarm.
"""
import glob
import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

NOT_FAULTS = {"identical", "resegmented", "capture_loss", "not_delivered_after_close"}


def run(badmac, cell):
    cap, keys = os.path.join(cell, "capture.pcapng"), os.path.join(cell, "keys.log")
    if not os.path.exists(cap):
        return None
    argv = [badmac, "compare", "--json", "--split-interfaces", cap]
    if os.path.exists(keys):
        argv += ["--keylog", keys]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    verdicts = [json.loads(line).get("verdict") for line in p.stdout.splitlines()
                if line.startswith('{"type":"pair"')]
    return cell, p.returncode, verdicts


def main():
    badmac = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "out", "cells")
    cells = sorted(glob.glob(os.path.join(root, "*", "*")))
    with ThreadPoolExecutor(2) as ex:
        res = [r for r in ex.map(lambda c: run(badmac, c), cells) if r]
    counts, alarms = Counter(), []
    for cell, rc, verdicts in res:
        fault = os.path.basename(cell)
        kinds = ",".join(sorted(set(verdicts))) or "no pair"
        if fault == "none":
            clean = bool(verdicts) and all(v in NOT_FAULTS for v in verdicts) and rc == 0
            counts["none: " + ("no fault" if clean else "FALSE ALARM")] += 1
            if not clean:
                alarms.append("%s: exit %d, %s" % (cell, rc, kinds))
        else:
            counts["%s: %s" % (fault, kinds)] += 1
    for k in sorted(counts):
        print("%-40s %d" % (k, counts[k]))
    for a in alarms:
        print("false alarm: " + a)
    return 1 if alarms else 0


if __name__ == "__main__":
    sys.exit(main())
