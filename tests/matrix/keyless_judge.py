#!/usr/bin/env python3
"""keyless_judge.py - how well badmac judges connections WITHOUT keys.

Runs badmac twice on every capture: with its key log (the truth) and with no
key material at all (SSLKEYLOGFILE unset, no --keylog), and compares each
connection (matched by client port and first frame):

  keyed failed  (a decrypted fatal alert, a bad record, or failed): the
                keyless run is
                  detected  - failed, or unknown (undetermined / status unknown)
                  missed    - healthy / ok
  keyed clean   (healthy): the keyless run is
                  invented  - flagged failed (a fatal alert that is not there)
                  unknown   - undetermined (honest, not a false alarm)
                  ok        - healthy

Inputs:  --cells DIR   matrix cells DIR/ROW/FAULT/{capture.pcapng,keys.log}
         --corpus GLOB captures with a sibling .keys (e.g. tests/golden/corpus/field-*.pcapng)
Output: one line per connection that is missed or invented (--verbose: all), then the totals.
Exit 1 when a connection is missed or invented (--strict), else 0.
"""
import argparse
import glob
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from lib_tap import json_lines  # noqa: E402


def run(badmac, cap, keys):
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    args = [badmac, "--json"] + (["--keylog", keys] if keys else []) + [cap]
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    return [o for o in json_lines(p.stdout) if o.get("type") == "connection"]


def key_of(c):
    return (c.get("client", {}).get("port"), c.get("first_frame"))


def keyed_state(c):
    """'failed' or 'clean' from the keyed run."""
    fatal = any(a.get("level") == "fatal" and not a.get("inferred") for a in c.get("alerts", []))
    if c.get("status") == "failed" or c.get("failed") or fatal or c.get("first_bad_record"):
        return "failed"
    # a cause found with keys (undetermined: the keys did not apply)
    cause = (c.get("diagnosis") or {}).get("cause")
    if cause not in ("healthy", "undetermined", None):
        return "failed"
    return "clean"


def keyless_state(c):
    """'failed', 'unknown' or 'ok' from the keyless run."""
    st = c.get("status")
    if st in ("failed", "ok", "unknown"):
        return st
    if c.get("failed"):
        return "failed"
    cause = (c.get("diagnosis") or {}).get("cause")
    return "ok" if cause == "healthy" else "unknown"


def judge(badmac, name, cap, keys):
    keyed = {key_of(c): c for c in run(badmac, cap, keys)}
    rows = []
    for c in run(badmac, cap, None):
        k = keyed.get(key_of(c))
        if k is None:
            continue
        truth, guess = keyed_state(k), keyless_state(c)
        if truth == "failed":
            verdict = "missed" if guess == "ok" else "detected"
            # A failure announced by no fatal alert at all (a silent receiver
            # closing with FIN/RST, issue 11 item 1): nothing to infer from.
            if not any(x.get("level") == "fatal" for x in k.get("alerts", [])):
                verdict += "-silent"
        else:
            verdict = {"failed": "invented", "unknown": "unknown", "ok": "ok"}[guess]
        d = c.get("diagnosis") or {}
        rows.append((name, c.get("id"), truth, guess, verdict,
                     "%s/%s" % (d.get("cause"), d.get("confidence")),
                     (k.get("diagnosis") or {}).get("cause")))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--badmac", default=os.environ.get("BADMAC", "build/badmac"))
    ap.add_argument("--cells", action="append", default=[])
    ap.add_argument("--corpus", action="append", default=[])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--strict", action="store_true")
    a = ap.parse_args()
    work = []
    for d in a.cells:
        for cap in sorted(glob.glob(os.path.join(d, "*", "*", "capture.pcapng"))):
            cell = os.path.dirname(cap)
            keys = os.path.join(cell, "keys.log")
            name = os.path.relpath(cell, d)
            work.append((name, cap, keys if os.path.exists(keys) else None))
    for g in a.corpus:
        for cap in sorted(glob.glob(g)):
            keys = os.path.splitext(cap)[0] + ".keys"
            work.append((os.path.basename(cap), cap, keys if os.path.exists(keys) else None))
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        results = list(ex.map(lambda w: judge(a.badmac, *w), work))
    tot = {"detected": 0, "missed": 0, "detected-silent": 0, "missed-silent": 0, "invented": 0, "unknown": 0, "ok": 0}
    clean_faultfree = {"cells": 0, "invented": 0}
    for rows in results:
        for r in rows:
            tot[r[4]] += 1
            if a.verbose or r[4] in ("missed", "invented", "missed-silent"):
                print("%-8s %s #%s keyed=%s keyless=%s (%s; keyed %s)" % (r[4], r[0], r[1], r[2], r[3], r[5], r[6]))
            if r[0].endswith("/none"):
                clean_faultfree["cells"] += 1
                clean_faultfree["invented"] += r[3] == "failed"
    failed = tot["detected"] + tot["missed"]
    silent = tot["detected-silent"] + tot["missed-silent"]
    clean = tot["invented"] + tot["unknown"] + tot["ok"]
    print("captures %d, connections %d" % (len(work), failed + silent + clean))
    print("failed connections with a fatal alert (keyed) %d: detected keyless %d (%.1f%%), missed (keyless healthy) %d"
          % (failed, tot["detected"], 100.0 * tot["detected"] / failed if failed else 100.0, tot["missed"]))
    print("failed connections without any fatal alert (silent receiver) %d: detected keyless %d, missed %d"
          % (silent, tot["detected-silent"], tot["missed-silent"]))
    print("clean connections %d: invented failures %d, unknown %d, ok %d"
          % (clean, tot["invented"], tot["unknown"], tot["ok"]))
    if clean_faultfree["cells"]:
        print("connections in FAULT=none cells %d: keyless failed %d"
              % (clean_faultfree["cells"], clean_faultfree["invented"]))
    return 1 if a.strict and (tot["missed"] or tot["invented"]) else 0


if __name__ == "__main__":
    sys.exit(main())
