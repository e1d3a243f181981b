#!/usr/bin/env python3
"""wireshark_corpus.t - badmac against tshark on Wireshark's own test captures
(Debian source package `wireshark`, test/captures and test/keys; fetched and
verified by tests/wireshark/fetch.py, see tests/wireshark/README.md).

Every capture of the corpus is accounted for: the TLS-over-TCP ones are in
CAPTURES (with the keys and options test/suite_decryption.py and
test/config/ssl_keys.tmpl give them), the others in NOT_TLS_OVER_TCP with the
reason; badmac must find no connection in any other capture.

Per TLS capture, against tshark: the number of connections (TCP streams
carrying TLS); per connection (matched by endpoints) the negotiated version,
the cipher suite, records per direction (count, per outer content type), the
alerts tshark can read (clear or decrypted: sender, frame, level,
description) and, where both decrypt, each direction's application data
(badmac --export-plaintext against tshark's "Follow TLS stream", raw).
Known differences are in EXCEPTIONS, each with its reason, and reported as
`not ok ... # TODO reason` (expected, does not fail the test); nothing else
is silenced.

SKIP only when the corpus cannot be fetched because deb.debian.org is
unreachable (fetch.py exit 3), or tshark is not installed.
Environment: BADMAC (default build/badmac), WIRESHARK_CORPUS (an extracted
corpus directory: no fetch).
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_tap import tap, done_testing, run_main  # noqa: E402
from lib_tshark import (VERSIONS, LEVELS, ALERTS, ENV, by_role, export_gaps, skip_without,  # noqa: E402
                        tshark_view, dir_stats, keyless_copy, follow, stream_map)

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
PSK = "ca19e028a8a372ad2d325f950fcaceed"  # suite_decryption.py: tls.psk

# name, capture, key material as suite_decryption.py / config/ssl_keys.tmpl
# give it: ("keylog", FILE) | ("rsa", FILE) | ("p12", FILE, PASSWORD) |
# ("psk", HEX) | None (keyless, or keys in the pcapng's DSBs); extra tshark
# options (decode-as).
CAPTURES = [
    ("dhe1", "dhe1.pcapng.gz", ("keylog", "dhe1_keylog.dat"), []),
    ("dmgr", "dmgr.pcapng", ("p12", "key.p12", "WebAS"), []),
    ("rsasnakeoil2", "rsasnakeoil2.pcap", ("rsa", "rsasnakeoil2.key"), []),
    ("rsa-p-lt-q", "rsa-p-lt-q.pcap", ("rsa", "rsa-p-lt-q.key"), []),
    ("tls-renegotiation", "tls-renegotiation.pcap", ("rsa", "rsasnakeoil2.key"),
     ["-d", "tcp.port==4433,tls"]),
    ("tls12-aes128ccm", "tls12-aes128ccm.pcap", ("psk", PSK), []),
    ("tls12-aes256gcm", "tls12-aes256gcm.pcap", ("psk", PSK), []),
    ("tls12-chacha20poly1305", "tls12-chacha20poly1305.pcap",
     ("keylog", "tls12-chacha20poly1305.keys"), []),
    ("tls13-20-chacha20poly1305", "tls13-20-chacha20poly1305.pcap",
     ("keylog", "tls13-20-chacha20poly1305.keys"), []),
    ("tls13-rfc8446", "tls13-rfc8446.pcap", ("keylog", "tls13-rfc8446.keys"), []),
    ("tls13-rfc8446-noearly", "tls13-rfc8446.pcap", ("keylog", "tls13-rfc8446-noearly.keys"), []),
    ("tls12-dsb", "tls12-dsb.pcapng", None, []),
    ("http2-brotli", "http2-brotli.pcapng", None, []),
    ("http2_follow_multistream", "http2_follow_multistream.pcapng", None, []),
    ("http2-data-reassembly", "http2-data-reassembly.pcap",
     ("keylog", "http2-data-reassembly.keys"), []),
    ("challenge01_ooo_stream", "challenge01_ooo_stream.pcapng.gz", None, []),
    ("retrans-tls", "retrans-tls.pcap", None, []),
    ("tls-fragmented-handshakes", "tls-fragmented-handshakes.pcap.gz", None, []),
    ("many_interfaces.1", "many_interfaces.pcapng.1", None, []),
]

# Captures in which tshark finds TLS (or DTLS, QUIC, EAP-TLS) that is not TLS
# over a TCP connection badmac can see: not compared, with the reason.
NOT_TLS_OVER_TCP = {
    "dtls12-aes128ccm8.pcap": "DTLS 1.2 over UDP: badmac reads TLS over TCP only",
    "dtls12-aes128ccm8-dsb.pcapng": "DTLS 1.2 over UDP: badmac reads TLS over TCP only",
    "snakeoil-dtls.pcap": "DTLS 1.0 over UDP: badmac reads TLS over TCP only",
    "udt-dtls.pcapng.gz": "DTLS over UDT over UDP: badmac reads TLS over TCP only",
    "quic-fragmented-handshakes.pcapng.gz": "QUIC (TLS 1.3 handshake in QUIC CRYPTO frames over UDP)",
    "quic_follow_multistream.pcapng": "QUIC (TLS 1.3 handshake in QUIC CRYPTO frames over UDP)",
    "wpa-eap-tls.pcap.gz": "EAP-TLS in 802.11 EAPOL frames, no TCP",
    "wpa2-ft-eap.pcapng.gz": "EAP-TLS in 802.11 EAPOL frames, no TCP",
    "wpa3-suiteb-192.pcapng.gz": "EAP-TLS in 802.11 EAPOL frames, no TCP",
    "wireguard-ping-tcp-dsb.pcapng": "the TLS connection is inside a WireGuard tunnel (UDP): "
                                     "visible only after WireGuard decryption, which badmac does not do",
}

# (capture name, field) -> reason. A comparison of that field in that capture
# that differs is reported as `not ok ... # TODO reason`; one that agrees is an
# ordinary ok. An entry that matched no difference is named at the end.
# field: read, connections, version, suite, records, types, alerts, plaintext,
# plaintext-prefix (tshark decrypts less of a direction than badmac, and what
# it decrypts is the start of badmac's bytes). Reasons starting "badmac bug"
# are disagreements where badmac is wrong, kept visible as TODO until fixed.
EXCEPTIONS = {
    ("rsasnakeoil2", "records"):
        "the client's first ClientHello is in SSLv2 format (frame 4): tshark dissects it as an "
        "SSLv2 record, which has no tls.record.content_type, so the fields count no record for "
        "it; badmac counts it as a handshake record",
    ("rsasnakeoil2", "types"):
        "the SSLv2-format ClientHello: no content type in tshark's fields (see records)",
    ("tls13-20-chacha20poly1305", "alerts"):
        "TLS 1.3 draft-20: badmac reads the draft ServerHello but does not decrypt drafts (their "
        "key schedule differs from RFC 8446) and says so; tshark decrypts draft-20 and reads the "
        "encrypted close_notify",
    ("tls13-20-chacha20poly1305", "plaintext"):
        "TLS 1.3 draft-20 is not decrypted by badmac (see alerts)",
    ("http2_follow_multistream", "plaintext-prefix"):
        "one out-of-order server segment: tshark's Follow TLS stream stops there (89959 of 210618 "
        "bytes; with tcp.reassemble_out_of_order it shows nothing), badmac reassembles it and "
        "verifies every record (99 server records, 0 failed)",
}

TMP = tempfile.mkdtemp(prefix="wscorpus.")
USED = set()


def exc(name, field):
    return EXCEPTIONS.get((name, field))


def check(name, field, ok, desc, diag=None):
    """tap(); a difference that is a known exception (name, field) is
    `not ok ... # TODO reason`. Entries that match no difference are listed
    at the end: remove them."""
    reason = None if ok else exc(name, field)
    if reason:
        USED.add((name, field))
    tap(ok, desc, diag, reason)
    return ok


def corpus_dir():
    d = os.environ.get("WIRESHARK_CORPUS")
    if d:
        return d, None
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "wireshark", "fetch.py")],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode == 3:
        return None, "deb.debian.org unreachable: cannot fetch the wireshark source package (%s)" % \
            p.stderr.strip().splitlines()[-1]
    if p.returncode != 0:
        return None, "FAIL:" + p.stderr
    return p.stdout.strip().splitlines()[-1], None


def plain(corpus, capf):
    """The capture as a file badmac and tshark read (.gz decompressed)."""
    src = os.path.join(corpus, "captures", capf)
    if not capf.endswith(".gz"):
        return src
    out = os.path.join(TMP, capf[:-3])
    if not os.path.exists(out):
        with gzip.open(src, "rb") as f, open(out, "wb") as g:
            shutil.copyfileobj(f, g)
    return out


def key_args(corpus, keys):
    """(badmac options, tshark options) for one capture's key material."""
    if keys is None:
        return [], []
    kd = os.path.join(corpus, "keys")
    if keys[0] == "keylog":
        k = os.path.join(kd, keys[1])
        return ["--keylog", k], ["-o", "tls.keylog_file:" + k]
    if keys[0] == "rsa":
        k = os.path.join(kd, keys[1])
        return ["--rsa-key", k], ["-o", 'uat:rsa_keys:"%s",""' % k]
    if keys[0] == "p12":
        # badmac reads PEM/DER keys: the PKCS#12 file (RC2-40, hence -legacy) is
        # converted with the password from config/ssl_keys.tmpl; tshark gets the
        # original file and password, as Wireshark's own test does.
        k = os.path.join(kd, keys[1])
        pem = os.path.join(TMP, keys[1] + ".pem")
        subprocess.run(["openssl", "pkcs12", "-legacy", "-in", k, "-passin", "pass:" + keys[2],
                        "-nocerts", "-nodes", "-out", pem], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return ["--rsa-key", pem], ["-o", 'uat:rsa_keys:"%s","%s"' % (k, keys[2])]
    if keys[0] == "psk":
        return ["--psk", ":" + keys[1]], ["-o", "tls.psk:" + keys[1]]
    raise ValueError(keys)


def run_badmac(cap, bargs, export):
    p = subprocess.run([BADMAC, "--json"] + bargs + ["--export-plaintext", export, cap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                       env=ENV)
    conns = []
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o.get("type") == "connection":
            conns.append(o)
    return p.returncode, conns, p.stderr


def ep(e):
    return (e["ip"], int(e["port"]))


def version_name(v):
    if v is None:
        return None
    if v in VERSIONS:
        return VERSIONS[v]
    if v >> 8 == 0x7f:
        return "TLS 1.3 draft-%d" % (v & 0xff)
    return "0x%04x" % v


def compare_capture(corpus, name, capf, keys, topts, stats):
    cap = plain(corpus, capf)
    bargs, targs = key_args(corpus, keys)
    export = os.path.join(TMP, name + ".plain")
    os.makedirs(export, exist_ok=True)
    rc, conns, err = run_badmac(cap, bargs, export)
    agree = [True]

    def chk(field, ok, desc, diag=None):
        if not ok:
            agree[0] = False
        return check(name, field, ok, desc, diag)

    chk("read", rc in (0, 1) and "cannot read" not in err,
        "%s: badmac reads it whole (exit %d)" % (name, rc), err)
    ports = sorted({int(c["server"]["port"]) for c in conns} | {443})
    streams, _, _ = tshark_view(keyless_copy(cap, TMP), ports, topts)
    kstreams, _, _ = tshark_view(cap, ports, topts + targs)
    chk("connections", len(streams) == len(conns),
        "%s: connections: tshark %d TCP streams with TLS, badmac %d" % (name, len(streams), len(conns)))
    by_key = {(ep(c["client"]), ep(c["server"])): c for c in conns}
    smap = stream_map(cap)
    tplain = follow(cap, None, sorted(smap.values()), False, topts + targs) if conns else {}
    tplain2 = []  # second try, with tshark's out-of-order reassembly (as plaintext_vs_tshark.t)
    for sid in sorted(streams):
        s = streams[sid]
        if s["client"] is None:
            tap(True, "%s: tcp.stream %d: no ClientHello dissected by tshark: counted only" % (name, sid))
            continue
        key = (s["client"], s["server"])
        label = "%s: %s:%d->%s:%d" % (name, key[0][0], key[0][1], key[1][0], key[1][1])
        c = by_key.get(key)
        if not chk("connections", c is not None, "%s: badmac reports the connection" % label,
                   "badmac connections: %r" % list(by_key)):
            continue
        want_v = version_name(s["version"])
        chk("version", c.get("version") == want_v,
            "%s: version: tshark %s, badmac %s" % (label, want_v, c.get("version")))
        chk("suite", c.get("cipher_suite_id") == s["suite"],
            "%s: cipher suite: tshark %s, badmac %s (%s)"
            % (label, s["suite"], c.get("cipher_suite_id"), c.get("cipher_suite")))
        for role in ("client", "server"):
            st = dir_stats(s["recs"].get(s[role], []))
            b = c.get("records", {}).get(role, {})
            chk("records", b.get("count") == st["count"],
                "%s: %s records: tshark %d, badmac %s" % (label, role, st["count"], b.get("count")))
            btypes = {k: v for k, v in (b.get("types") or {}).items() if v}
            chk("types", btypes == st["types"], "%s: %s records per content type" % (label, role),
                "tshark %r\nbadmac %r" % (st["types"], btypes))
        # alerts tshark can read: in the clear, or decrypted with the keys
        ks = kstreams.get(sid, s)
        want = sorted((f, "client" if src == s["client"] else "server",
                       LEVELS.get(lv, lv), ALERTS.get(ds, ds))
                      for f, src, lv, ds in ks["clear_alerts"])
        got = sorted((a.get("frame"), a.get("from"), a.get("level"), a.get("description"))
                     for a in c.get("alerts", [])
                     if a.get("description") is not None and not a.get("inferred"))
        chk("alerts", want == got, "%s: alerts (frame, sender, level, description): %d" % (label, len(want)),
            "tshark %r\nbadmac %r" % (want, got))
        # application data where both decrypt
        cid = c["id"]
        mine_f = os.path.join(export, "%d-client.bin" % cid)
        tsid = smap.get(frozenset([(key[0][0], str(key[0][1])), (key[1][0], str(key[1][1]))]))
        theirs = by_role(tplain, tsid, key[1][1])
        if not os.path.exists(mine_f):
            if theirs["client"] or theirs["server"]:
                chk("plaintext", False, "%s: tshark decrypts, badmac has no keys (%s)"
                    % (label, c.get("keys")))
            continue
        gaps = export_gaps(export, cid)
        for role in ("client", "server"):
            mine = open(os.path.join(export, "%d-%s.bin" % (cid, role)), "rb").read()
            t = theirs[role]
            if t != mine:
                if not tplain2:
                    tplain2.append(follow(cap, None, sorted(smap.values()), True, topts + targs))
                t2 = by_role(tplain2[0], tsid, key[1][1])[role]
                if t2 == mine or len(t2) > len(t):
                    print("# %s %s: tshark with tcp.reassemble_out_of_order and tcp.check_checksum"
                          % (label, role))
                    t = t2
            if not t and mine:
                chk("plaintext", False, "%s: %s application data: badmac %d bytes, tshark decrypts none"
                    % (label, role, len(mine)))
                continue
            at = gaps.get(role)
            if t and mine != t and mine.startswith(t):
                chk("plaintext-prefix", False, "%s: %s application data: tshark's %d bytes are the "
                    "start of badmac's %d" % (label, role, len(t), len(mine)))
            elif at is not None:
                chk("plaintext", mine[:at] == t[:at],
                    "%s: %s application data before badmac's first missing record (byte %d) = tshark"
                    % (label, role, at), "tshark %d bytes, badmac %d" % (len(t), len(mine)))
            else:
                chk("plaintext", mine == t, "%s: %s application data: badmac %d bytes = tshark %d"
                    % (label, role, len(mine), len(t)))
    stats.append((name, agree[0]))


def main():
    if skip_without(BADMAC):
        return 0
    corpus, why = corpus_dir()
    if corpus is None and why.startswith("FAIL:"):
        tap(False, "tests/wireshark/fetch.py fetches and verifies the corpus", why[5:])
        return done_testing()
    if corpus is None:
        print("1..0 # SKIP " + why)
        return 0
    src = os.path.join(corpus, "SOURCE")
    if os.path.exists(src):
        print("# corpus: " + open(src).readline().strip())
    listed = {c[1] for c in CAPTURES} | set(NOT_TLS_OVER_TCP)
    stats = []
    for name, capf, keys, topts in CAPTURES:
        print("# capture %s (%s)" % (name, capf))
        compare_capture(corpus, name, capf, keys, topts, stats)
    for capf, reason in sorted(NOT_TLS_OVER_TCP.items()):
        tap(True, "%s # SKIP %s" % (capf, reason))
    others = 0
    for capf in sorted(os.listdir(os.path.join(corpus, "captures"))):
        if capf in listed or capf.endswith((".cbordiag", ".txt", ".log")):
            continue
        others += 1
        p = subprocess.run([BADMAC, "--json", plain(corpus, capf)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, env=ENV)
        n = sum(1 for line in p.stdout.splitlines() if line.startswith('{"type":"connection"'))
        tap(n == 0, "%s: no TLS: badmac finds %d connections" % (capf, n), p.stderr)
    full = [n for n, ok in stats if ok]
    print("# %d TLS-over-TCP capture runs compared, %d agree with tshark in every field; "
          "%d captures without TLS over TCP skipped with a reason; %d other captures hold no TLS"
          % (len(stats), len(full), len(NOT_TLS_OVER_TCP), others))
    for n, ok in stats:
        if not ok:
            print("# differs: %s" % n)
    for e in sorted(set(EXCEPTIONS) - USED):
        print("# EXCEPTIONS entry %r matched no difference: remove it" % (e,))
    return done_testing()


if __name__ == "__main__":
    run_main(main, TMP)
