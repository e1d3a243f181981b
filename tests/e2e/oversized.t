#!/usr/bin/env python3
# Records merged in the path into one longer than the protocol allows
# (issue 11 item 5; fixture merged-oversized from real peers through
# `badmac relay --merge`, tests/fixtures/regen-merged.sh): the oversized
# record is framed as a record, it is the first bad record with reason
# oversized, the verdict is record_too_large with the protocol's limit
# (2^14+256 for TLS 1.3), with keys (proven: the server's record_overflow)
# and keyless (from the header alone); never a capture gap, a resync or
# misleading_alert.
import json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_tap import tap, done_testing

top = os.path.abspath(os.path.join(os.path.dirname(sys.argv[0]), "..", ".."))
fix = os.path.join(top, "tests", "fixtures")
badmac = os.environ.get("BADMAC", os.path.join(top, "build", "badmac"))
env = dict(os.environ)
env.pop("SSLKEYLOGFILE", None)
cap = os.path.join(fix, "merged-oversized.pcapng")


def run(*args):
    r = subprocess.run([badmac, "--json", *args, cap], capture_output=True, text=True, env=env)
    conns = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{"type":"connection"')]
    return r, conns


for mode, args in (("keys", ["--keylog", os.path.join(fix, "merged-oversized.keys")]), ("keyless", [])):
    r, conns = run(*args)
    leg = [c for c in conns if c["records"]["client"]["max_length"] > 16640]
    tap(len(leg) == 1, "%s: one connection carries the merged record" % mode, [c["records"]["client"]["max_length"] for c in conns])
    if not leg:
        continue
    c = leg[0]
    d = c.get("diagnosis") or {}
    text = json.dumps(c)
    tap(d.get("cause") == "record_too_large", "%s: record_too_large" % mode, d)
    tap(d.get("confidence") == ("proven" if mode == "keys" else "likely"), "%s: confidence" % mode, d.get("confidence"))
    tap("16640" in d.get("summary", ""), "%s: the verdict names the limit 2^14+256 = 16640" % mode, d.get("summary"))
    tap("capture gap" not in text and "resynchronising" not in text and "impossible" not in text,
        "%s: no capture gap, no resync" % mode)
    tap(d.get("cause") != "misleading_alert", "%s: not misleading_alert" % mode)
    tap("impossible TLS record header" not in r.stderr, "%s: no impossible-header notice" % mode, r.stderr)
    if mode == "keys":
        fb = c.get("first_bad_record") or {}
        tap(fb.get("reason") == "oversized" and fb.get("direction") == "client" and fb.get("length", 0) > 16640,
            "keys: first bad record: the client's merged record, reason oversized", fb)

sys.exit(done_testing())
