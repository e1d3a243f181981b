#!/usr/bin/env python3
"""fixtures_expect.t - facts about the fixtures that are known from how they
were made (tests/fixtures/regen.sh, README.md), checked against
`badmac --json`.  TAP output.

If badmac's --help mentions --keylog, each capture's NAME.keys is passed with
it; otherwise badmac runs keyless (what it must infer is then inferred).

Environment: BADMAC (default build/badmac), FIXTURES (default tests/fixtures).
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.environ.get("FIXTURES", os.path.join(ROOT, "tests", "fixtures"))
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_tap import json_lines  # noqa: E402

n_test = 0
n_fail = 0


def tap(ok, desc, diag=None):
    global n_test, n_fail
    n_test += 1
    if not ok:
        n_fail += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n_test, desc))
    if not ok and diag is not None:
        for line in str(diag).splitlines()[:20]:
            print("#   " + line)
    sys.stdout.flush()


def is_(got, want, desc):
    tap(got == want, "%s: %r" % (desc, want), "got:  %r\nwant: %r" % (got, want))


HAS_KEYLOG = None


def badmac(*paths, keys=None):
    """Run badmac --json; return (rc, connections, summary, stderr lines)."""
    cmd = [BADMAC, "--json"]
    if keys and HAS_KEYLOG and os.path.exists(keys):
        cmd += ["--keylog", keys]
    cmd += list(paths)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    conns, summary = [], None
    for o in json_lines(p.stdout):
        if o.get("type") == "connection":
            conns.append(o)
        elif o.get("type") == "summary":
            summary = o
    conns.sort(key=lambda c: c.get("first_frame", 0))
    return p.returncode, conns, summary, [l for l in p.stderr.splitlines() if l.strip()]


def fx(name):
    for ext in (".pcapng", ".pcap"):
        if os.path.exists(os.path.join(FIX, name + ext)):
            return os.path.join(FIX, name + ext)
    return os.path.join(FIX, name + ".pcap")


def run(name):
    return badmac(fx(name), keys=os.path.join(FIX, name + ".keys"))


def g(obj, *path):
    for k in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def server_cert_sha256():
    p = subprocess.run(["openssl", "x509", "-in", os.path.join(FIX, "pki", "server.crt"),
                        "-outform", "DER"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return hashlib.sha256(p.stdout).hexdigest() if p.returncode == 0 else None


# fixtures without any failure: exit 0, failed false everywhere
CLEAN = ["tls10-rc4", "tls10-aes-cbc", "tls11-aes-cbc", "tls12-aes-gcm", "tls12-rsa-kx",
         "tls12-chacha", "tls12-cbc-etm", "tls12-cbc-noetm", "tls13-aes128gcm", "tls13-chacha",
         "tls13-hrr", "tls12-resumed", "tls12-resumed-ticket", "tls13-resumed",
         "tls12-max-fragment-length", "tls13-record-size-limit", "gnutls12-to-openssl",
         "gnutls13-to-openssl", "openssl12-to-gnutls", "openssl13-to-gnutls",
         "many-records-per-segment", "records-split", "ipv6", "ipv6-veth", "sll2", "vlan",
         "tcp-reorder", "tcp-loss", "tcp-dup", "tcp-bad-checksum", "tls13-dsb"]

# name: (version, cipher suite id)
SUITES = {
    "tls10-rc4": ("TLS 1.0", 0x0005), "tls10-aes-cbc": ("TLS 1.0", 0x002F),
    "tls11-aes-cbc": ("TLS 1.1", 0x002F), "tls12-aes-gcm": ("TLS 1.2", 0xC02F),
    "tls12-rsa-kx": ("TLS 1.2", 0x003D), "tls12-chacha": ("TLS 1.2", 0xCCA8),
    "tls12-cbc-etm": ("TLS 1.2", 0xC027), "tls12-cbc-noetm": ("TLS 1.2", 0xC027),
    "tls13-aes128gcm": ("TLS 1.3", 0x1301), "tls13-chacha": ("TLS 1.3", 0x1303),
    "records-split": ("TLS 1.3", 0x1302), "tls12-resumed-ticket": ("TLS 1.2", 0xC030),
    "demo": ("TLS 1.2", 0xC02F), "demo-tls13": ("TLS 1.3", 0x1302),
    "demo-cbc": ("TLS 1.2", 0x002F), "demo-c2s": ("TLS 1.2", 0xC02F),
    "tls12-max-fragment-length": ("TLS 1.2", 0xC02F), "ipv6-veth": ("TLS 1.2", 0xCCA8),
}
SUITE_NAMES = {0x0005: "TLS_RSA_WITH_RC4_128_SHA", 0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
               0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
               0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
               0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
               0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
               0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
               0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
               0x1303: "TLS_CHACHA20_POLY1305_SHA256"}
VERSIONS = {"gnutls12-to-openssl": "TLS 1.2", "gnutls13-to-openssl": "TLS 1.3",
            "openssl12-to-gnutls": "TLS 1.2", "openssl13-to-gnutls": "TLS 1.3",
            "tls13-hrr": "TLS 1.3", "ipv6": "TLS 1.3", "tls13-dsb": "TLS 1.3",
            "tcp-loss": "TLS 1.3", "tls13-record-size-limit": "TLS 1.3"}


def main():
    global HAS_KEYLOG
    if not os.access(BADMAC, os.X_OK):
        print("1..0 # SKIP %s not built" % BADMAC)
        return 0
    h = subprocess.run([BADMAC, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True).stdout
    HAS_KEYLOG = "--keylog" in h
    print("# badmac %s --keylog: running %s" % ("has" if HAS_KEYLOG else "lacks",
                                                "with NAME.keys" if HAS_KEYLOG else "keyless"))

    # ---- clean fixtures
    for name in CLEAN:
        rc, conns, summ, err = run(name)
        is_(rc, 0, "%s: exit status" % name)
        tap(len(conns) >= 1 and not any(c.get("failed") for c in conns),
            "%s: connections reported, none failed" % name,
            [(c.get("id"), c.get("failed"), c.get("alerts")) for c in conns])
        is_(g(summ, "failed"), 0, "%s: summary failed" % name)
        tap(all(c.get("suspect_record") is None for c in conns),
            "%s: no suspect record" % name)

    # ---- versions and suites
    for name, (ver, sid) in sorted(SUITES.items()):
        rc, conns, summ, err = run(name)
        c = conns[0] if conns else {}
        is_(c.get("version"), ver, "%s: version" % name)
        is_(c.get("cipher_suite_id"), sid, "%s: cipher_suite_id" % name)
        is_(c.get("cipher_suite"), SUITE_NAMES[sid], "%s: cipher_suite" % name)
    for name, ver in sorted(VERSIONS.items()):
        rc, conns, summ, err = run(name)
        is_([c.get("version") for c in conns], [ver], "%s: version" % name)

    # ---- handshake facts
    rc, conns, summ, err = run("tls13-hrr")
    c = conns[0] if conns else {}
    is_(g(c, "extensions", "hello_retry_request"), True, "tls13-hrr: hello_retry_request")
    tap(g(c, "extensions", "key_share_group") in ("secp256r1", "P-256", "prime256v1"),
        "tls13-hrr: key_share_group is P-256", g(c, "extensions", "key_share_group"))
    for name in ("tls13-aes128gcm", "tls13-chacha"):
        rc, conns, summ, err = run(name)
        c = conns[0] if conns else {}
        is_(g(c, "extensions", "hello_retry_request"), False, "%s: hello_retry_request" % name)
        is_(g(c, "extensions", "key_share_group"), "x25519", "%s: key_share_group" % name)

    for name in ("tls12-resumed", "tls12-resumed-ticket", "tls13-resumed"):
        rc, conns, summ, err = run(name)
        is_(len(conns), 2, "%s: two connections" % name)
        is_([c.get("resumed") for c in conns], [False, True],
            "%s: first full, second resumed" % name)
        is_(rc, 0, "%s: exit status" % name)
    rc, conns, summ, err = run("tls12-resumed")
    is_([g(c, "extensions", "session_ticket") for c in conns], [False, False],
        "tls12-resumed: no session tickets (server -no_ticket)")

    rc, conns, summ, err = run("tls12-max-fragment-length")
    c = conns[0] if conns else {}
    is_(g(c, "extensions", "max_fragment_length"), 512,
        "tls12-max-fragment-length: max_fragment_length")
    # 512 bytes of plaintext + 8 explicit nonce + 16 tag
    is_(g(c, "records", "server", "max_length"), 536,
        "tls12-max-fragment-length: largest server record")
    is_(g(c, "records", "server", "oversized"), 0,
        "tls12-max-fragment-length: no oversized record")

    rc, conns, summ, err = run("tls13-record-size-limit")
    c = conns[0] if conns else {}
    # gnutls-cli --recordsize=512 puts 513 on the wire in TLS 1.3 (RFC 8449:
    # the limit counts the inner content type byte); the server honours it
    is_(g(c, "extensions", "record_size_limit", "client"), 513,
        "tls13-record-size-limit: client record_size_limit (wire value)")
    is_(g(c, "records", "server", "max_length"), 529,
        "tls13-record-size-limit: largest server record (512 + 1 + 16)")

    for name, want in (("tls12-cbc-etm", True), ("tls12-cbc-noetm", False),
                       ("tls12-aes-gcm", False), ("tls12-rsa-kx", True)):
        rc, conns, summ, err = run(name)
        c = conns[0] if conns else {}
        is_(g(c, "extensions", "encrypt_then_mac"), want, "%s: encrypt_then_mac" % name)

    rc, conns, summ, err = run("tls12-aes-gcm")
    c = conns[0] if conns else {}
    is_((c.get("end"), c.get("end_by")), ("fin", "server"),
        "tls12-aes-gcm: s_server -WWW closes first (end, end_by)")
    is_(g(c, "extensions", "extended_master_secret"), True, "tls12-aes-gcm: EMS")
    certs = c.get("certificates") or []
    sha = server_cert_sha256()
    tap(len(certs) >= 1 and certs[0].get("sha256") == sha
        and "server.badmac.test" in (certs[0].get("subject") or "")
        and "badmac test CA" in (certs[0].get("issuer") or ""),
        "tls12-aes-gcm: server certificate is pki/server.crt", certs)

    rc, conns, summ, err = run("records-split")
    c = conns[0] if conns else {}
    is_(g(c, "records", "server", "max_length"), 16401,
        "records-split: 16 KB records (16384 + 1 + 16)")
    rc, conns, summ, err = run("many-records-per-segment")
    c = conns[0] if conns else {}
    tap((g(c, "records", "client", "types", "application_data") or 0) >= 41,
        "many-records-per-segment: >= 41 client application_data records",
        g(c, "records", "client"))

    # ---- link layers and addresses
    for name, cl, sv in (("ipv6", "::1", "::1"), ("ipv6-veth", "fd42::2", "fd42::1"),
                         ("vlan", "10.42.0.2", "10.42.0.1"), ("sll2", "127.0.0.1", "127.0.0.1")):
        rc, conns, summ, err = run(name)
        is_([(g(c, "client", "ip"), g(c, "server", "ip"), g(c, "server", "port"))
             for c in conns], [(cl, sv, 443)], "%s: endpoints" % name)

    # ---- TCP effects (veth captures have correct checksums: tx offload off)
    rc, conns, summ, err = run("tcp-reorder")
    t = conns[0].get("tcp", {}) if conns else {}
    tap(t.get("out_of_order", 0) >= 3, "tcp-reorder: >= 3 out-of-order segments", t)
    is_((t.get("gaps"), t.get("conflicting_retransmissions"), t.get("bad_checksums")),
        (0, 0, 0), "tcp-reorder: gaps, conflicting retransmissions, bad checksums")
    rc, conns, summ, err = run("tcp-loss")
    t = conns[0].get("tcp", {}) if conns else {}
    tap(t.get("out_of_order", 0) + t.get("retransmissions", 0) >= 2,
        "tcp-loss: the 2 lost segments show up as retransmitted / out of order", t)
    is_((t.get("gaps"), t.get("conflicting_retransmissions")), (0, 0),
        "tcp-loss: no gap left, no conflict")
    rc, conns, summ, err = run("tcp-dup")
    t = conns[0].get("tcp", {}) if conns else {}
    is_((t.get("retransmissions"), t.get("conflicting_retransmissions"), t.get("gaps")),
        (1, 0, 0), "tcp-dup: one identical retransmission")
    rc, conns, summ, err = run("tcp-bad-checksum")
    t = conns[0].get("tcp", {}) if conns else {}
    is_(t.get("bad_checksums"), 1, "tcp-bad-checksum: one bad checksum")
    is_(t.get("gaps"), 0, "tcp-bad-checksum: no gap")

    # ---- fatal alerts made on purpose
    for name, frm, desc, enc in (("tls12-alert-unknown-ca", "client", "unknown_ca", False),
                                 ("tls13-alert-clear", "client", "unknown_ca", False),
                                 ("tls13-alert-encrypted", "server", None, True)):
        rc, conns, summ, err = run(name)
        is_(rc, 1, "%s: exit status" % name)
        c = conns[0] if conns else {}
        is_(c.get("failed"), True, "%s: failed" % name)
        fatal = [a for a in c.get("alerts", []) if a.get("level") == "fatal"]
        tap(len(fatal) >= 1 and fatal[0].get("from") == frm
            and fatal[0].get("encrypted") == enc
            and (desc is None or fatal[0].get("description") == desc),
            "%s: first fatal alert from %s, encrypted %s%s"
            % (name, frm, enc, "" if desc is None else ", " + desc), c.get("alerts"))
    rc, conns, summ, err = run("tls13-alert-encrypted")
    c = conns[0] if conns else {}
    if HAS_KEYLOG:
        fatal = [a for a in c.get("alerts", []) if a.get("level") == "fatal"]
        is_(fatal[0].get("description") if fatal else None, "certificate_required",
            "tls13-alert-encrypted: description with the key log")

    # ---- the demos: one bit flipped by flip_proxy.py (NAME.truth.json)
    for name in ("demo", "demo-tls13", "demo-cbc", "demo-c2s"):
        tpath = os.path.join(FIX, name + ".truth.json")
        if not os.path.exists(tpath):
            tap(False, "%s: truth file exists" % name)
            continue
        truth = json.load(open(tpath))
        rc, conns, summ, err = run(name)
        is_(rc, 1, "%s: exit status" % name)
        is_(len(conns), 1, "%s: one connection" % name)
        is_(g(summ, "failed"), 1, "%s: summary failed" % name)
        c = conns[0] if conns else {}
        is_(c.get("failed"), True, "%s: failed" % name)
        fatal = [a for a in c.get("alerts", []) if a.get("level") == "fatal"]
        alerter = "client" if truth["dir"] == "s2c" else "server"
        is_(fatal[0].get("from") if fatal else None, alerter, "%s: fatal alert from" % name)
        if HAS_KEYLOG:
            is_(fatal[0].get("description") if fatal else None, "bad_record_mac",
                "%s: fatal alert description" % name)
        else:
            # the alert is encrypted: its description needs the key log
            print("# %s: keyless run: the encrypted alert's description may be null" % name)
            tap(fatal and fatal[0].get("description") in (None, "bad_record_mac"),
                "%s: fatal alert description null or bad_record_mac (keyless)" % name,
                fatal)
        sr = c.get("suspect_record") or {}
        is_((sr.get("direction"), sr.get("index")), (truth["sender"], truth["record_index"]),
            "%s: suspect_record (direction, index) = the flipped record" % name)
        is_(sr.get("length"), truth["record_length"], "%s: suspect_record length" % name)

    # ---- bad input
    rc, conns, summ, err = run("truncated-mid-record")
    is_(rc, 2, "truncated-mid-record: exit status")
    tap(any("truncated-mid-record.pcap" in l and re.search(r"frame \d+", l) for l in err),
        "truncated-mid-record: a stderr line names the file and a frame", err)
    rc, conns, summ, err = run("snaplen-200")
    tap(rc in (0, 2), "snaplen-200: exit status 0 or 2 (%d)" % rc)
    tap(len(conns) == 1 and g(conns[0], "tcp", "snaplen_cut", ) and
        g(conns[0], "tcp", "snaplen_cut") > 0, "snaplen-200: snaplen_cut > 0",
        [c.get("tcp") for c in conns])

    with tempfile.TemporaryDirectory() as td:
        garbage = os.path.join(td, "garbage.pcap")
        with open(garbage, "wb") as f:
            f.write(os.urandom(4096))
        rc, conns, summ, err = badmac(garbage)
        is_(rc, 2, "garbage file: exit status")
        tap(len(err) == 1 and "garbage.pcap" in err[0], "garbage file: one-line error naming it",
            err)
        empty = os.path.join(td, "empty.pcap")
        open(empty, "wb").close()
        rc, conns, summ, err = badmac(empty)
        is_(rc, 2, "empty file: exit status")
        tap(len(err) >= 1 and "empty.pcap" in err[0], "empty file: error names it", err)
        rc, conns, summ, err = badmac(os.path.join(td, "missing.pcap"))
        is_(rc, 2, "missing file: exit status")
        # 2 wins over 1: a failure and a bad input in one run
        rc, conns, summ, err = badmac(fx("demo"), garbage)
        is_(rc, 2, "demo + garbage: exit status 2 wins over 1")
        # several captures in one run: connection ids go on, capture names are kept
        rc, conns, summ, err = badmac(fx("tls12-aes-gcm"), fx("tls12-resumed"))
        is_(rc, 0, "two clean captures: exit status")
        is_(sorted(c.get("id") for c in conns), [1, 2, 3], "two captures: ids 1, 2, 3")
        is_(g(summ, "connections"), 3, "two captures: summary connections")

    print("1..%d" % n_test)
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
