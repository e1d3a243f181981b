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
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.environ.get("FIXTURES", os.path.join(ROOT, "tests", "fixtures"))
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
TSHARK = os.environ.get("TSHARK", "tshark")

VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1",
            0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
LEVELS = {1: "warning", 2: "fatal"}
ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
          21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
          40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
          43: "unsupported_certificate", 44: "certificate_revoked",
          45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
          48: "unknown_ca", 49: "access_denied", 50: "decode_error", 51: "decrypt_error",
          60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
          80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
          100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
          111: "certificate_unobtainable", 112: "unrecognized_name",
          113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
          115: "unknown_psk_identity", 116: "certificate_required",
          120: "no_application_protocol"}
TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake",
         23: "application_data", 24: "heartbeat"}

# Per fixture: which comparisons cannot be made with tshark, and why.
# Every entry is printed as a "# " comment; nothing is skipped silently.
NOT_COMPARABLE = {
    "snaplen-200": ("records", "frames are cut at 200 bytes: tshark cannot reassemble any "
                    "record longer than the first segment's captured part"),
    "truncated-mid-record": ("records", "the file ends inside a frame: tshark drops the partial "
                             "frame and its record, badmac reports an input error"),
}

n_test = 0
n_fail = 0


def tap(ok, desc, diag=None):
    global n_test, n_fail
    n_test += 1
    if not ok:
        n_fail += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n_test, desc))
    if not ok and diag:
        for line in str(diag).splitlines():
            print("#   " + line)
    sys.stdout.flush()


def comment(msg):
    print("# " + msg)


def ival(s):
    s = s.strip()
    if not s:
        return None
    return int(s, 0)


def splitl(s):
    return [x for x in s.split(",") if x != ""]


def keyless_copy(cap, tmpdir):
    """tshark decrypts with a pcapng's Decryption Secrets Blocks on its own:
    give it a pcap copy, which cannot hold them, written by tcpdump (libpcap
    skips DSBs; editcap 4.0 refuses to write this file as pcap or, with
    --discard-all-secrets, as pcapng)."""
    if not cap.endswith(".pcapng"):
        return cap
    out = os.path.join(tmpdir, "keyless.pcap")
    p = subprocess.run(["tcpdump", "-r", cap, "-w", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out if p.returncode == 0 else cap


def tshark_view(cap, port):
    """Return {stream: info} from a keyless tshark run."""
    fields = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport",
              "ip.dst", "ipv6.dst", "tcp.dstport",
              "tls.record.content_type", "tls.record.opaque_type", "tls.record.length",
              "tls.record.version", "tls.handshake.type", "tls.handshake.version",
              "tls.handshake.extensions.supported_version", "tls.handshake.ciphersuite",
              "tls.alert_message.level", "tls.alert_message.desc"]
    cmd = [TSHARK, "-n", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE",
           "-d", "tcp.port==%d,tls" % port, "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=a", "-E", "aggregator=,", "-Y", "tls"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    streams = {}
    for line in p.stdout.splitlines():
        v = line.split("\t")
        v += [""] * (len(fields) - len(v))
        r = dict(zip(fields, v))
        st = int(r["tcp.stream"])
        frame = int(r["frame.number"])
        src = (r["ip.src"] or r["ipv6.src"], int(r["tcp.srcport"]))
        dst = (r["ip.dst"] or r["ipv6.dst"], int(r["tcp.dstport"]))
        s = streams.setdefault(st, {"client": None, "server": None, "recs": {},
                                    "version": None, "suite": None, "ch_record_version": None,
                                    "clear_alerts": []})
        ctypes = [ival(x) for x in splitl(r["tls.record.content_type"])]
        otypes = [ival(x) for x in splitl(r["tls.record.opaque_type"])]
        lengths = [ival(x) for x in splitl(r["tls.record.length"])]
        rversions = [ival(x) for x in splitl(r["tls.record.version"])]
        htypes = [ival(x) for x in splitl(r["tls.handshake.type"])]
        if 1 in htypes and s["client"] is None:
            s["client"], s["server"] = src, dst
            if rversions:
                s["ch_record_version"] = rversions[0]
        types = ctypes + otypes  # tshark lists plaintext and opaque types apart
        s["recs"].setdefault(src, []).append((frame, types, lengths,
                                              len(ctypes) + len(otypes) == len(lengths)))
        if 2 in htypes and s["suite"] is None:
            sv = [ival(x) for x in splitl(r["tls.handshake.extensions.supported_version"])]
            hv = [ival(x) for x in splitl(r["tls.handshake.version"])]
            cs = [ival(x) for x in splitl(r["tls.handshake.ciphersuite"])]
            s["version"] = sv[0] if sv else (hv[0] if hv else None)
            s["suite"] = cs[0] if cs else None
        levels = [ival(x) for x in splitl(r["tls.alert_message.level"])]
        descs = [ival(x) for x in splitl(r["tls.alert_message.desc"])]
        for lv, ds in zip(levels, descs):
            s["clear_alerts"].append((frame, src, lv, ds))
    return streams, p.returncode, p.stderr


def dir_stats(entries):
    """Records of one direction: count, max length, types, first CCS index,
    alert records as (frame, index)."""
    idx = 0
    st = {"count": 0, "max_length": 0, "types": {}, "ccs_index": None, "alerts": [],
          "consistent": True}
    for frame, types, lengths, consistent in entries:
        if not consistent:
            st["consistent"] = False
        # types are listed plaintext-first, opaque second: in a frame with
        # both, the order is lost, but every opaque record follows the
        # plaintext ones in practice (TLS 1.3 flights: ServerHello, CCS, then
        # encrypted records)
        for t, ln in zip(types, lengths):
            st["count"] += 1
            st["max_length"] = max(st["max_length"], ln)
            name = TYPES.get(t, "other")
            st["types"][name] = st["types"].get(name, 0) + 1
            if t == 20 and st["ccs_index"] is None:
                st["ccs_index"] = idx
            if t == 21:
                st["alerts"].append((frame, idx))
            idx += 1
    return st


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
    if shutil.which(TSHARK) is None:
        print("1..0 # SKIP tshark missing")
        return 0
    if not os.access(BADMAC, os.X_OK):
        print("1..0 # SKIP %s not built" % BADMAC)
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

    print("1..%d" % n_test)
    return 1 if n_fail else 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        shutil.rmtree(TMPDIR, ignore_errors=True)
    sys.exit(rc)
