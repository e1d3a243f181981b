#!/usr/bin/env python3
"""tshark_crosscheck.t - compare badmac --json with tshark (keyless) on every
fixture in tests/fixtures/TESTLIST.  TAP output, one line per comparison.

Per connection (matched by client/server address and port): records per
direction (count, max length, outer content types, index of the first
ChangeCipherSpec), ClientHello record version, negotiated version, cipher
suite id, and every alert record visible as content type 21 (frame, sender,
record index, and level/description when in the clear).

Environment: BADMAC (default build/badmac), TSHARK (default tshark),
FIXTURES (default tests/fixtures).
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.environ.get("FIXTURES", os.path.join(ROOT, "tests", "fixtures"))
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_tap import tap, done_testing, run_main  # noqa: E402
from lib_tshark import (VERSIONS, LEVELS, ALERTS, skip_without,  # noqa: E402
                        tshark_view, dir_stats, keyless_copy)

# Per fixture: which comparisons cannot be made with tshark, and why.
# Every entry is printed as a "# " comment; nothing is skipped silently.
NOT_COMPARABLE = {
    "snaplen-200": ("records", "frames are cut at 200 bytes: tshark cannot reassemble any "
                    "record longer than the first segment's captured part"),
    "truncated-mid-record": ("records", "the file ends inside a frame: tshark drops the partial "
                             "frame and its record, badmac reports an input error"),
}

def comment(msg):
    print("# " + msg)


def run_badmac(cap):
    p = subprocess.run([BADMAC, "--json", cap], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    conns, other = [], []
    bad = None
    for line in p.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError as e:
            bad = "line not JSON: %r (%s)" % (line[:200], e)
            continue
        (conns if o.get("type") == "connection" else other).append(o)
    return p.returncode, conns, other, p.stderr, bad


def ep(e):
    return (e["ip"], int(e["port"]))


TMPDIR = tempfile.mkdtemp(prefix="crosscheck.")


def main():
    if skip_without(BADMAC):
        return 0
    fixtures = []
    with open(os.path.join(FIX, "TESTLIST")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 3)
            notes = parts[3] if len(parts) > 3 else ""
            port = 443
            for tok in notes.split():
                if tok.startswith("port="):
                    port = int(tok[5:])
            fixtures.append((parts[0], parts[1], port))

    for name, capf, port in fixtures:
        cap = os.path.join(FIX, capf)
        comment("fixture %s (%s)" % (name, capf))
        if not os.path.exists(cap):
            tap(False, "%s: capture exists" % name, cap)
            continue
        rc, conns, other, err, bad = run_badmac(cap)
        tap(bad is None, "%s: badmac output is JSON Lines" % name, bad)
        if name in NOT_COMPARABLE:
            tap(rc in (0, 1, 2), "%s: badmac exit status %d is 0, 1 or 2" % (name, rc), err)
        else:
            tap(rc in (0, 1), "%s: badmac exit status %d is 0 or 1" % (name, rc), err)
        tap(len(other) >= 1 and other[-1].get("type") == "summary",
            "%s: last line is the summary" % name)
        streams, trc, terr = tshark_view(keyless_copy(cap, TMPDIR), port)
        skip_records = NOT_COMPARABLE.get(name, (None, None))
        if skip_records[0]:
            comment("%s: not comparing %s: %s" % (name, skip_records[0], skip_records[1]))

        tstreams = [s for s in streams.values() if s["client"] is not None]
        if len(streams) > len(tstreams):
            comment("%s: %d TCP stream(s) with TLS but no ClientHello dissected by tshark: "
                    "only the connection count is compared for them"
                    % (name, len(streams) - len(tstreams)))
        bconns = [c for c in conns if c.get("handshake", {}).get("client_hello", True)]
        tap(len(tstreams) == len(bconns),
            "%s: connections with a ClientHello: tshark %d, badmac %d"
            % (name, len(tstreams), len(bconns)))

        by_key = {(ep(c["client"]), ep(c["server"])): c for c in conns}
        for s in sorted(tstreams, key=lambda s: s["client"][1]):
            key = (s["client"], s["server"])
            label = "%s: %s:%d->%s:%d" % (name, key[0][0], key[0][1], key[1][0], key[1][1])
            c = by_key.get(key)
            tap(c is not None, "%s: badmac reports the connection" % label,
                "badmac connections: %r" % list(by_key))
            if c is None:
                continue
            # handshake facts
            want_rv = VERSIONS.get(s["ch_record_version"])
            got_rv = c.get("handshake", {}).get("record_version")
            tap(got_rv == want_rv, "%s: ClientHello record version tshark %s badmac %s"
                % (label, want_rv, got_rv))
            want_v = VERSIONS.get(s["version"]) if s["version"] is not None else None
            tap(c.get("version") == want_v, "%s: version tshark %s badmac %s"
                % (label, want_v, c.get("version")))
            tap(c.get("cipher_suite_id") == s["suite"],
                "%s: cipher suite id tshark %s badmac %s (%s)"
                % (label, s["suite"], c.get("cipher_suite_id"), c.get("cipher_suite")))
            tap((c.get("cipher_suite") is None) == (s["suite"] is None),
                "%s: cipher suite name present iff tshark has a suite" % label)

            roles = {"client": s["client"], "server": s["server"]}
            t_alerts = []
            for role, addr in roles.items():
                st = dir_stats(s["recs"].get(addr, []))
                b = c.get("records", {}).get(role, {})
                if not st["consistent"]:
                    comment("%s %s: tshark listed record types and lengths of unequal "
                            "number in some frame" % (label, role))
                if skip_records[0] == "records":
                    continue
                tap(b.get("count") == st["count"], "%s: %s records: tshark %d badmac %s"
                    % (label, role, st["count"], b.get("count")))
                tap(b.get("max_length") == st["max_length"],
                    "%s: %s max record length: tshark %d badmac %s"
                    % (label, role, st["max_length"], b.get("max_length")))
                btypes = {k: v for k, v in (b.get("types") or {}).items() if v}
                tap(btypes == st["types"], "%s: %s outer record types" % (label, role),
                    "tshark %r\nbadmac %r" % (st["types"], btypes))
                bccs = b.get("change_cipher_spec_index")
                if bccs is not None and bccs < 0:
                    bccs = None
                tap(bccs == st["ccs_index"],
                    "%s: %s first ChangeCipherSpec index: tshark %s badmac %s"
                    % (label, role, st["ccs_index"], bccs))
                for frame, idx in st["alerts"]:
                    t_alerts.append((role, frame, idx))

            # alerts sent as content type 21 (TLS 1.3 encrypted ones are opaque
            # type 23 and invisible to keyless tshark)
            v13 = c.get("version") == "TLS 1.3"
            b_alerts = [a for a in c.get("alerts", [])
                        if not (v13 and a.get("encrypted"))]
            if skip_records[0] != "records":
                want = sorted((r, f, i) for r, f, i in t_alerts)
                got = sorted((a.get("from"), a.get("frame"), a.get("index")) for a in b_alerts)
                tap(want == got, "%s: alert records (sender, frame, index)" % label,
                    "tshark %r\nbadmac %r" % (want, got))
            want = sorted((f, "client" if src == s["client"] else "server",
                           LEVELS.get(lv, lv), ALERTS.get(ds, ds))
                          for f, src, lv, ds in s["clear_alerts"])
            got = sorted((a.get("frame"), a.get("from"), a.get("level"), a.get("description"))
                         for a in c.get("alerts", []) if not a.get("encrypted"))
            tap(want == got, "%s: alerts in the clear (frame, sender, level, description)"
                % label, "tshark %r\nbadmac %r" % (want, got))

    return done_testing()


if __name__ == "__main__":
    run_main(main, TMPDIR)
