"""check.py NAME OUT - TAP lines (no plan) asserting that badmac's verdict on
a field-report reproduction (tests/matrix/field/NAME.sh, results in OUT) is
the report's true cause.  Used by tests/e2e/field_reports.t; BADMAC is the
binary (for the cross-capture patterns of report 04)."""

import json
import os
import subprocess
import sys

N = 0
FAILED = 0


def ok(cond, name, diag=None):
    global N, FAILED
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, name))
    if not cond:
        FAILED += 1
        if diag:
            print("#   %s" % str(diag)[:600])


def jl(path):
    try:
        with open(path) as f:
            return [json.loads(l) for l in f if l.strip()]
    except OSError:
        return []


def conns(out, port=None):
    cs = [c for c in jl(os.path.join(out, "badmac.json")) if c.get("type") == "connection"]
    if port is not None:
        cs = [c for c in cs if c["server"]["port"] == port]
    return sorted(cs, key=lambda c: c["first_frame"])


def vd(c):
    return (c or {}).get("diagnosis") or {}


def port_of(out):
    for e in jl(os.path.join(out, "relay.jsonl")):
        if e.get("event") == "open":
            return int(e["listen"].rsplit(":", 1)[1])
    return None


def office(out):
    port = port_of(out)
    log = jl(os.path.join(out, "relay.jsonl"))
    legs = conns(out, port)
    ok(len(legs) == 12, "01: 12 transfers through the office path", len(legs))
    nfail = 0
    for i, c in enumerate(legs):
        flips = [e for e in log if e.get("conn") == i and e.get("fault") == "flip"]
        d = vd(c)
        if flips:
            f = flips[0]
            rep = d.get("repair") or {}
            nfail += 1
            ok(d.get("cause") == "in_path_corruption" and d.get("confidence") == "proven"
               and rep.get("index") == f["record_index"] and rep.get("record_offset") == f["record_offset"]
               and rep.get("bit") == f["bit"],
               "01: transfer %d: in_path_corruption proven, repair = the flipped byte %d bit %d of record #%d"
               % (i, f["record_offset"], f["bit"], f["record_index"]), d)
        else:
            ok(d.get("cause") == "healthy", "01: transfer %d (no flip): healthy" % i, d.get("cause"))
    pats = [p for p in jl(os.path.join(out, "badmac.json")) if p.get("type") == "patterns"]
    ok(bool(pats) and pats[0]["failed"] >= nfail and pats[0]["connections"] >= len(legs),
       "01: the patterns summary counts the failures (%d of %d transfers)" % (nfail, len(legs)),
       pats[0] if pats else "no patterns")
    causes = {g["key"]: g for g in pats[0]["groups"].get("cause", [])} if pats else {}
    ok(causes.get("in_path_corruption", {}).get("connections", 0) >= nfail,
       "01: patterns by cause: in_path_corruption on every corrupted transfer", causes)


def resume(out):
    port = port_of(out)
    legs = conns(out, port)
    res = [c for c in legs if c["resumed"]]
    ok(len(res) == 1 and res[0]["failed"], "02: the resumed connection failed", [c["resumed"] for c in legs])
    d = vd(res[0] if res else None)
    ok(d.get("cause") == "stale_resumption" and d.get("confidence") in ("proven", "likely"),
       "02: stale_resumption (%s)" % d.get("confidence"), d)
    ok(any("is the one the full handshake of this session id established" in e for e in d.get("evidence", [])),
       "02: the client's master secret is the one of the earlier full handshake", d.get("evidence"))
    full = [c for c in legs if not c["resumed"]]
    ok(bool(full) and all(vd(c).get("cause") == "healthy" for c in full), "02: the full handshake is healthy")


def bigrecord(out):
    port = port_of(out)
    flip = [e for e in jl(os.path.join(out, "relay.jsonl")) if e.get("fault") == "flip"]
    legs = conns(out, port)
    ok(len(flip) == 1 and len(legs) == 1, "03: one flip in one connection", (flip, len(legs)))
    if not flip or not legs:
        return
    d, f = vd(legs[0]), flip[0]
    rep = d.get("repair") or {}
    ok(d.get("cause") == "in_path_corruption" and d.get("confidence") == "proven",
       "03: in_path_corruption proven", d.get("summary"))
    ok(rep.get("index") == f["record_index"] and rep.get("record_offset") == f["record_offset"]
       and rep.get("bit") == f["bit"] and f["length"] >= 16000,
       "03: repair inside the %d-byte record #%d at byte %d bit %d" % (
           f["length"], f["record_index"], f["record_offset"], f["bit"]), rep)


def case_legs(out, name, leg="client"):
    """The client leg (client - relay) or the server leg (relay - server:
    what the server received after the relay's c2s faults)."""
    d = os.path.join(out, name)
    for e in jl(os.path.join(d, "relay.jsonl")):
        if e.get("event") == "open":
            key = "listen" if leg == "client" else "server"
            return conns(d, int(e[key].rsplit(":", 1)[1]))
    return []


def postget(out):
    want = {"get-mfl512": ("healthy",), "post903-mfl512": ("healthy",), "get-bigcorrupt": ("healthy",),
            "post903-bigcorrupt": ("in_path_corruption",), "post903-bigcorrupt-tls10": ("in_path_corruption",),
            "openssl-mfl512-vs-mbedtls": ("record_too_large",)}
    for name, causes in want.items():
        legs = case_legs(out, name, "server" if causes == ("in_path_corruption",) else "client")
        d = vd(legs[0] if legs else None)
        proven = d.get("confidence") == "proven" or causes == ("healthy",)
        ok(len(legs) == 1 and d.get("cause") in causes and proven,
           "04: %s: %s" % (name, "/".join(causes)), d.get("summary"))
    # the patterns across the GET and the POST through the corrupting path
    bm = os.environ.get("BADMAC") or "build/badmac"
    argv = [bm, "--json"]
    caps = []
    for n in ("get-bigcorrupt", "post903-bigcorrupt"):
        argv += ["--keylog", os.path.join(out, n, "keys.log")]
        caps.append(os.path.join(out, n, "capture.pcapng"))
    r = subprocess.run(argv + caps, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    pats = [json.loads(l) for l in r.stdout.decode().splitlines() if '"patterns"' in l]
    sizes = {g["key"]: g for g in pats[0]["groups"].get("record_size", [])} if pats else {}
    # The 903-byte POST is a ~930-byte record: the "<=1K" bucket. The GET
    # connections are bucketed by their longest record (the 2 KB reply).
    failed = sum(g["failed"] for g in sizes.values())
    ok(failed == 2 and sizes.get("<=1K", {}).get("failed") == 2
       and all(g["failed"] == 0 for k, g in sizes.items() if k != "<=1K"),
       "04: failures by record size: only the POST's large client record fails", sizes)


def etm(out):
    for name, got in (("mte-to-etm", "EtM"), ("etm-to-mte", "MtE")):
        legs = case_legs(out, name)
        d = vd(legs[0] if legs else None)
        ok(d.get("cause") == "mac_construction_mismatch" and d.get("confidence") == "proven"
           and ("as %s" % got) in (d.get("summary") or ""),
           "05: %s: mac_construction_mismatch proven, the record verifies as %s" % (name, got), d.get("summary"))
        ok(any("records before #" in e and "as negotiated" in e for e in d.get("evidence", [])),
           "05: %s: says which records used which construction" % name, d.get("evidence"))


def main(argv):
    {"office-path-tls13": office, "stale-resumption-tls10": resume, "big-record-flip": bigrecord,
     "post-vs-get-mbedtls": postget, "etm-flag-corruption": etm}[argv[0]](argv[1])
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
