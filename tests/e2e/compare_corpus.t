#!/usr/bin/env bash
# badmac compare on the two-sided corpus: tests/matrix/two_sided.sh runs real
# peers (openssl s_server/s_client TLS 1.2 + 1.3) through `badmac relay`
# with faults none/flip/burst/drop/dup/truncate between the two legs, a bit
# flipped outside the points (after them: receiver_fault; before them),
# a sender fault (mbedtls_peer etm-flip) and a kernel NAT (ip netns + nft);
# `badmac compare --split-interfaces --keylog` must place each fault.
# One TAP line per cell and fact.  ~10 s.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
[ -n "${BADMAC:-}" ] || { echo "1..0 # SKIP \$BADMAC not set"; exit 0; }
for t in python3 openssl; do
    command -v $t >/dev/null || { echo "1..0 # SKIP $t missing"; exit 0; }
done
"$BADMAC" compare --help >/dev/null 2>&1 || { echo "1..0 # SKIP no 'compare' in \$BADMAC"; exit 0; }
T=$(mktemp -d /tmp/compare-corpus-t.XXXXXX)
trap 'rm -rf "$T"' EXIT
TWO_SIDED_OUT=$T BADMAC=$BADMAC sh "$TOP/tests/matrix/two_sided.sh" >"$T/run.out" 2>"$T/run.err" ||
    { echo "1..1"; echo "not ok 1 - two_sided.sh ran"; sed 's/^/# /' "$T/run.err"; exit 1; }

python3 - "$T" <<'EOF'
import json, os, sys
out = sys.argv[1]
cells = json.load(open(os.path.join(out, "cells.json")))["cells"]
n = fails = 0

def ok(cond, name, diag=None):
    global n, fails
    n += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, name))
    if not cond:
        fails += 1
        if diag is not None:
            print("#   got: %s" % json.dumps(diag)[:600])

def lines(p):
    try:
        return [json.loads(l) for l in open(p) if l.strip()]
    except (OSError, ValueError):
        return []

for c in cells:
    name = c["cell"]
    if c.get("skip"):
        n += 1
        print("ok %d - %s # SKIP %s" % (n, name, c["skip"]))
        continue
    d = c["dir"]
    log = lines(os.path.join(d, "relay.jsonl"))
    pairs = [o for o in lines(os.path.join(d, "compare.json")) if o.get("type") == "pair"]
    ok(not c.get("error") and len(pairs) == 1, "%s: peers ran, one pair" % name, c.get("error"))
    if len(pairs) != 1:
        continue
    p = pairs[0]
    e = p.get("endpoints") or {}
    ea, eb = e.get("a") or {}, e.get("b") or {}
    v, rc, f = p["verdict"], c.get("rc"), c.get("fault")
    ok(p["paired_by"] == "client_random" and p["vantage"] == ["a", "b"] and not p["vantage_guessed"],
       "%s: paired by the ClientHello random, a (client side) found nearer the client" % name,
       [p["paired_by"], p["vantage"], p["vantage_guessed"]])
    if f in ("none", "nat"):
        ok(v in ("identical", "resegmented") and p["diff_count"] == 0 and p["missing_count"] == 0
           and rc == 0, "%s: no byte changed (identical or resegmented), exit 0" % name, [v, rc])
        ok(e.get("placement") == "none" and ea.get("cause") == "healthy" and eb.get("cause") == "healthy",
           "%s: both points healthy, placement none" % name, e)
        ok(all(dd["compared"] == dd["bytes_a"] == dd["bytes_b"] > 0 for dd in p["directions"].values()),
           "%s: identical streams: every byte of both directions compared, equal" % name, p["directions"])
    if f == "nat":
        ok(v == "identical", "nat: identical through the kernel NAT", v)
        ca, cb = p["a"]["connection"], p["b"]["connection"]
        ok(ca["client"] != cb["client"] and ca["server"] != cb["server"],
           "nat: addresses and ports differ between the points (%s:%d -> %s:%d vs %s:%d -> %s:%d)" % (
               ca["client"]["ip"], ca["client"]["port"], ca["server"]["ip"], ca["server"]["port"],
               cb["client"]["ip"], cb["client"]["port"], cb["server"]["ip"], cb["server"]["port"]))
    inj = [x for x in log if x.get("fault") == f]
    if f in ("flip", "burst", "drop", "dup", "truncate"):
        ok(len(inj) >= 1 and "stream_offset" in inj[0], "%s: the relay applied the fault" % name, inj)
        if not inj or "stream_offset" not in inj[0]:
            continue
        x, diffs, miss = inj[0], p["diff"], p["missing"]
        so = x["stream_offset"]
        ok(v == "in_path_corruption" and rc == 1, "%s: in_path_corruption, exit 1" % name, [v, rc])
        ok(e.get("placement") == "between_points", "%s: placed between the vantage points" % name, e)
        ok(ea.get("cause") != "healthy" and eb.get("cause") in ("receiver_fault",),
           "%s: single-capture verdicts: client side %s, server side receiver_fault (records intact there)"
           % (name, ea.get("cause")), [ea.get("cause"), eb.get("cause")])
        d0 = diffs[0] if diffs else {}
        ok(d0.get("direction") == "server" and d0.get("receiver") == "a",
           "%s: server's stream, damaged on its way to a (client side)" % name, d0)
    if f == "flip":
        ok(d0.get("offset_a") == so and d0.get("length") == 1 and d0.get("pattern") == "single_bit",
           "%s: single bit at the relay log's stream_offset %d" % (name, so), d0)
        ok(d0.get("bits") == [{"offset": so, "bit": x["bit"]}],
           "%s: bit %d, as the relay log says" % (name, x["bit"]), d0.get("bits"))
        ok(d0.get("bytes_b", "")[:2] == x["original"] and d0.get("bytes_a", "")[:2] == x["new"],
           "%s: bytes %s (server side) -> %s (client side)" % (name, x["original"], x["new"]), d0)
    if f == "burst":
        ok(so <= d0.get("offset_a", -1) and d0["offset_a"] + d0["length"] <= so + x["value"],
           "%s: one range within the %d overwritten bytes at %d" % (name, x["value"], so), d0)
        k = 2 * (d0.get("offset_a", so) - so)
        w = 2 * d0.get("length", 0)
        ok(len(diffs) == 1 and d0.get("bytes_b") == x["original"][k:k + w] and d0.get("bytes_a") == x["new"][k:k + w],
           "%s: its exact bytes: the relay log's original (server side) and new (client side)" % name, d0)
    if f == "drop":
        ok(so <= d0.get("offset_a", -1) < so + 5,
           "%s: the streams part at the dropped record (stream_offset %d)" % (name, so), d0)
        ok(any(m["missing_at"] == "a" and m["length"] == x["length"] + 5 for m in miss),
           "%s: the client side is %d bytes (the record) short" % (name, x["length"] + 5), miss)
        ok(any(m["missing_at"] == "a" and m.get("state") == "lost_between" for m in miss)
           and p["directions"]["server"].get("lost_between", 0) > 0
           and p["directions"]["server"].get("capture_loss_a") == 0,
           "%s: those bytes never acknowledged by the client: lost_between, not capture loss" % name, miss)
    if f == "dup":
        cp = [y for y in log if y.get("fault") == "dup-copy"]
        cso = cp[0]["stream_offset"] if cp else -1
        ok(cso <= d0.get("offset_a", -1) < cso + 5,
           "%s: the streams part at the duplicate (stream_offset %d)" % (name, cso), d0)
        ok(any(m["missing_at"] == "b" and m["length"] == x["length"] + 5 for m in miss),
           "%s: the client side has %d bytes (the record) more" % (name, x["length"] + 5), miss)
    if f == "truncate":
        start = so - x["record_offset"] - 5
        ok(start + 3 <= d0.get("offset_a", -1) < start + 5,
           "%s: first difference in the record's length field (record at %d)" % (name, start), d0)
        ok(any(dd["offset_a"] == so for dd in diffs),
           "%s: a difference where the body was cut (stream_offset %d)" % (name, so), diffs)
        ok(any(dd["offset_a"] == so and dd["bytes_b"].startswith(x["original"]) for dd in diffs),
           "%s: there the server side still has the cut bytes (the relay log's original)" % name, diffs)
        ok(any(m["missing_at"] == "a" and m["length"] == x["value"] for m in miss),
           "%s: the client side is %d bytes short" % (name, x["value"]), miss)
    if f == "outside-s2c":
        ok(v in ("identical", "resegmented") and p["diff_count"] == 0 and rc == 0,
           "%s: no byte changed between the points (the flip is after them)" % name, v)
        ok(e.get("placement") == "receiver" and ea.get("cause") == "receiver_fault",
           "%s: placed at the receiver (receiver_fault)" % name, e)
        ok("the network between the points is exonerated" in e.get("conclusion", "")
           and "the fault is at the receiver (receiver_fault)" in e.get("conclusion", ""),
           "%s: the conclusion says so" % name, e.get("conclusion"))
        ok("the client alerted" in e.get("conclusion", "") and "past the client-side point" in e.get("conclusion", ""),
           "%s: at the client's end (the receiver of the flipped server bytes)" % name, e.get("conclusion"))
    if f == "outside-c2s":
        ok(v in ("identical", "resegmented") and p["diff_count"] == 0 and rc == 0,
           "%s: no byte changed between the points (the flip is before them)" % name, v)
        ok(e.get("placement") == "before_sender_point" and ea.get("cause") == "in_path_corruption"
           and eb.get("cause") == "in_path_corruption",
           "%s: damaged at both points: placed on the sender's side of them" % name, e)
        ok("on the client's side of both points" in e.get("conclusion", ""),
           "%s: the sender named: the client's side" % name, e.get("conclusion"))
    if f == "sender":
        # the server's tail after the client's alert and FIN: not read by the
        # closed client (not_delivered_after_close), or cut off by the failure
        ok(v in ("identical", "resegmented", "not_delivered_after_close", "lost_between") and p["diff_count"] == 0,
           "%s: no byte changed between the points (%s)" % (name, v), v)
        ok(e.get("placement") == "endpoint" and ea.get("cause") == "mac_construction_mismatch",
           "%s: placed at an endpoint (mac_construction_mismatch)" % name, e)
        ok(all("the server protected it with the wrong construction" in (pt or {}).get("summary", "") for pt in (ea, eb)),
           "%s: at the server's end (the sender), by both points' verdicts" % name, [ea.get("summary"), eb.get("summary")])
print("1..%d" % n)
sys.exit(1 if fails else 0)
EOF
exit $?
