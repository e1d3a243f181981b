#!/usr/bin/env python3
"""keyless_alerts.t - encrypted alerts without keys, on real captures
(issue 11 item 2). The keyed run is the truth. Without keys badmac may not
know an alert's level, but it must never call a connection healthy whose
fatal alert the keys show, never put a fatal alert on a side that sent none,
and never call a clean connection failed."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_tap import tap, done_testing  # noqa: E402

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BADMAC = os.environ.get("BADMAC", os.path.join(TOP, "build", "badmac"))
FIX = os.path.join(TOP, "tests", "fixtures")
CORPUS = os.path.join(TOP, "tests", "golden", "corpus")


def conns(cap, keys=None):
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    args = [BADMAC, "--json"] + (["--keylog", keys] if keys else []) + [cap]
    out = subprocess.run(args, env=env, stdout=subprocess.PIPE, universal_newlines=True).stdout
    objs = (json.loads(l) for l in out.splitlines() if l.startswith("{"))
    return [o for o in objs if o.get("type") == "connection"]


def fatal_from(c):
    return sorted({a["from"] for a in c["alerts"] if a["level"] == "fatal"})


def check(name, cap, keys):
    truth = {(c["client"]["port"], c["first_frame"]): c for c in conns(cap, keys)}
    for c in conns(cap):
        k = truth.get((c["client"]["port"], c["first_frame"]))
        if not k:
            continue
        tag = "%s #%d" % (name, c["id"])
        cause = c["diagnosis"]["cause"]
        kf = fatal_from(k)
        if kf:
            tap(cause != "healthy", "%s: keys show a fatal alert; keyless not healthy (%s)" % (tag, cause))
        tap(set(fatal_from(c)) <= set(kf),
            "%s: keyless puts a fatal alert only on a side that sent one (%s vs keyed %s)"
            % (tag, fatal_from(c), kf))
        if not kf and not k.get("failed") and not k.get("first_bad_record"):
            tap(not c["failed"], "%s: clean with keys, not failed keyless" % tag)


cases = []
for d, pre in ((FIX, "demo"), (FIX, "tls13-alert-encrypted"), (FIX, "tls12-aes-gcm"), (FIX, "tls13-aes128gcm"),
               (FIX, "tls12-cbc-etm"), (FIX, "tls10-rc4")):
    for ext in (".pcapng", ".pcap"):
        for n in sorted(os.listdir(d)):
            if n.startswith(pre) and n.endswith(ext) and os.path.exists(os.path.join(d, n[: -len(ext)] + ".keys")):
                cases.append((n, os.path.join(d, n), os.path.join(d, n[: -len(ext)] + ".keys")))
for n in sorted(os.listdir(CORPUS)):
    if n.endswith(".pcapng") and os.path.exists(os.path.join(CORPUS, n[:-7] + ".keys")):
        cases.append((n, os.path.join(CORPUS, n), os.path.join(CORPUS, n[:-7] + ".keys")))
for name, cap, keys in sorted(set(cases)):
    check(name, cap, keys)

# demo: the keys show the client's bad_record_mac, answered by the server's
# close_notify. Keyless: not healthy, and the server's alert is the close.
d = conns(os.path.join(FIX, "demo.pcapng"))[0]
tap(d["diagnosis"]["cause"] == "undetermined" and d["diagnosis"]["confidence"] is None,
    "demo keyless: undetermined, no confidence")
tap([a["level"] for a in d["alerts"]] == [None, "warning"] and d["alerts"][0]["from"] == "client",
    "demo keyless: the client's alert of unknown level, the server's close_notify")
tap(any(p.startswith("encrypted alert from the client") for p in d["problems"]),
    "demo keyless: the unknown level is said as a problem")
sys.exit(done_testing())
