#!/usr/bin/env python3
"""tls13_epochs.t - TLS 1.3 epochs on real captures (tests/fixtures/regen.sh):
KeyUpdate generations (tls13-keyupdate) and 0-RTT early data, accepted
(tls13-early-data, GnuTLS: tls13-early-data-gnutls) and rejected
(tls13-early-data-rejected), also under an
external PSK (tls13-early-data-psk, tls13-early-data-psk-ke-rejected).

For each: every record verifies, both Finished are ok, the early records are
counted as the server treated them, the export equals tshark's decryption.
Tamper twins: one bit flipped (TCP checksum kept valid) in an early-data
record and in records after the second KeyUpdate; badmac must name exactly
that record (tag_mismatch) and still verify the records after it.

Environment: BADMAC (default build/badmac). TAP output.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
sys.path.insert(0, FIX)
sys.dont_write_bytecode = True  # no __pycache__ in tests/fixtures
import flip_pcap  # noqa: E402  (tests/fixtures/flip_pcap.py)
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
ENV = dict(os.environ)
ENV.pop("SSLKEYLOGFILE", None)
TMP = tempfile.mkdtemp()
n_test = n_fail = 0


def is_(got, want, desc):
    global n_test, n_fail
    n_test += 1
    ok = got == want
    print("%sok %d - %s" % ("" if ok else "not ", n_test, desc))
    if not ok:
        n_fail += 1
        print("#   got:  %r\n#   want: %r" % (got, want))


def badmac(cap, keys, export=None):
    """(exit status, connections in capture order)"""
    cmd = [BADMAC, "--json", "--keylog", keys]
    if export:
        cmd += ["--export-plaintext", export]
    p = subprocess.run(cmd + [cap], capture_output=True, text=True, env=ENV)
    conns = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')]
    conns.sort(key=lambda c: c["first_frame"])
    return p.returncode, conns


def counts(c, role):
    r = c["records"][role]
    return (r["count"], r["verified"], r["failed"], r["undecryptable"])


def bad(c):
    b = c["first_bad_record"]
    return b and (b["direction"], b["index"], b["reason"])


# ------------------------------------------------------------------ pcap
def flip(src, dst, conn, role, index, body_off, bit=0):
    """Copy capture src to dst with one bit flipped in byte body_off of the
    body of record `index` sent by `role` in TCP connection `conn` (1 = first
    SYN), by tests/fixtures/flip_pcap.py: a checksum that verified is
    recomputed; one left to offload (partial) stays as it was. Returns the
    1-based frame number changed."""
    try:
        got, frame = flip_pcap.flip(src, dst, conn, role, index=index, body_off=body_off, bit=bit)
    except flip_pcap.FlipError as e:
        sys.exit("Bail out! %s: %s" % (os.path.basename(src), e))
    if got != index:
        sys.exit("Bail out! flip_pcap.flip flipped record %d, not %d" % (got, index))
    return frame


# ------------------------------------------------------------------ tshark
def tshark_follow(cap, keys):
    """[(client bytes, server bytes)] per TCP stream, from tshark's decryption"""
    n = int(subprocess.run(["tshark", "-r", cap, "-T", "fields", "-e", "tcp.stream", "-Y", "tcp.flags.syn == 1 && "
                            "tcp.flags.ack == 0"], capture_output=True, text=True, env=ENV).stdout.split()[-1]) + 1
    args = ["tshark", "-r", cap, "-q", "-o", "tls.keylog_file:" + keys]
    for s in range(n):
        args += ["-z", "follow,tls,raw,%d" % s]
    out = subprocess.run(args, capture_output=True, text=True, env=ENV).stdout
    res = {}
    for block in out.split("=" * 67):
        hdr = re.search(r"Filter: tcp.stream eq (\d+)\nNode 0: .*:(\d+)\n", block)
        if not hdr:
            continue
        node0 = b"".join(bytes.fromhex(h) for h in re.findall(r"^([0-9a-f]+)$", block, re.M))
        node1 = b"".join(bytes.fromhex(h) for h in re.findall(r"^\t([0-9a-f]+)$", block, re.M))
        # unindented lines: node 0, which may be either side
        res[int(hdr.group(1))] = (node1, node0) if hdr.group(2) == "443" else (node0, node1)
    return [res[s] for s in sorted(res)]


def export_matches(name, cap, keys, conns_want, lines):
    d = os.path.join(TMP, "x-" + name)
    os.mkdir(d)
    badmac(cap, keys, export=d)
    ts = tshark_follow(cap, keys) if shutil.which("tshark") else None
    for i in range(1, conns_want + 1):
        for j, role in enumerate(("client", "server")):
            mine = open(os.path.join(d, "%d-%s.bin" % (i, role)), "rb").read()
            if ts is None:
                print("ok %d - %s #%d %s export = tshark # SKIP no tshark" % (n_test + 1, name, i, role))
                globals()["n_test"] += 1
            else:
                is_(mine, ts[i - 1][j], "%s #%d %s: --export-plaintext (%d bytes) = tshark" % (name, i, role, len(mine)))
    for i, role, text in lines:
        mine = open(os.path.join(d, "%d-%s.bin" % (i, role)), "rb").read()
        is_(text.encode() in mine, True, "%s #%d %s export holds %r" % (name, i, role, text))


def keys_without(keys, label):
    out = os.path.join(TMP, os.path.basename(keys) + ".no-" + label)
    with open(out, "w") as f:
        f.writelines(l for l in open(keys) if not l.startswith(label + " "))
    return out


def fixture(name, n_conns):
    """capture, key log, connections; asserts a clean exit and the connection count"""
    cap, keys = os.path.join(FIX, name + ".pcap"), os.path.join(FIX, name + ".keys")
    rc, cs = badmac(cap, keys)
    is_((rc, len(cs)), (0, n_conns), "%s: exit 0, %d connection(s)" % (name, n_conns))
    return cap, keys, cs


# ================================================================= KeyUpdate
# Client records: 0 ClientHello 1 CCS 2 Finished 3 data 4 KeyUpdate 5 6 data
# 7 KeyUpdate(update_requested) 8 data 9 KeyUpdate (answer) 10 data 11 alert.
# Server: 0 ServerHello 1 CCS 2-5 EE..Finished 6 7 NewSessionTicket 8 9 data
# 10 KeyUpdate 11 data 12 KeyUpdate (answer) 13 data 14 KeyUpdate(requested)
# 15 data 16 alert. Traffic secrets 0..3 both ways.
name = "tls13-keyupdate"
cap, keys, cs = fixture(name, 1)
c = cs[0]
is_(counts(c, "client"), (12, 10, 0, 0), name + ": client 12 records, 10 protected verified (secrets 0..3), none failed")
is_(counts(c, "server"), (17, 15, 0, 0), name + ": server 17 records, 15 protected verified (secrets 0..3), none failed")
is_(c["finished"], {"client": "ok", "server": "ok"}, name + ": both Finished ok")
is_((c["first_bad_record"], c["diagnosis"]["cause"]), (None, "healthy"), name + ": no bad record, healthy")
is_(c["problems"], [], name + ": no problems")
export_matches(name, cap, keys, 1,
               [(1, "client", "client %d: " % i) for i in range(1, 6)] +
               [(1, "server", "server %d: " % i) for i in range(1, 6)])

# Tamper twins: a record under the sender's third traffic secret (after its
# second KeyUpdate); what follows, across the next KeyUpdate, still verifies.
def tamper_verdict(rc, c, tag, role, idx, off, bit):
    # no alert in a capture altered afterwards, but a record proven bad:
    # failed by the one definition (docs/diagnoses.md), exit 1
    is_((rc, c["failed"], c["status"], c["status_reason"]), (1, True, "failed", "bad_record"),
        tag + ": exit 1, failed: a record proven bad (no alert: the capture was altered afterwards)")
    dg = c["diagnosis"]
    rp = dg["repair"] or {}
    is_((dg["cause"], rp.get("direction"), rp.get("index"), rp.get("record_offset"), rp.get("bit")),
        ("in_path_corruption", role, idx, off, bit), tag + ": in_path_corruption, the repair is that bit")


for role, idx, want in (("client", 8, (12, 9, 1, 0)), ("server", 13, (17, 14, 1, 0))):
    t = os.path.join(TMP, "%s-%s%d.pcap" % (name, role, idx))
    frame = flip(cap, t, 1, role, idx, 3)
    rc, cs = badmac(t, keys)
    c = cs[0]
    tag = "%s, %s record #%d flipped" % (name, role, idx)
    tamper_verdict(rc, c, tag, role, idx, 3, 0)
    is_(bad(c), (role, idx, "tag_mismatch"), tag + ": first_bad_record is that record, tag_mismatch")
    is_(c["first_bad_record"]["frame"], frame, tag + ": ... in frame %d" % frame)
    is_(counts(c, role), want, tag + ": the %s's other records all verify (the KeyUpdate after it too)" % role)
    other = "server" if role == "client" else "client"
    is_(counts(c, other)[2], 0, tag + ": nothing of the %s fails" % other)
    is_(c["finished"], {"client": "ok", "server": "ok"}, tag + ": both Finished still ok")

# ================================================================= 0-RTT accepted
# Connection 2 client: 0 ClientHello (early_data, pre_shared_key) 1 CCS
# 2 early data (0-RTT, before the ServerHello) 3 EndOfEarlyData (early key)
# 4 Finished (handshake key) 5 data 6 alert.
name = "tls13-early-data"
EARLY = "early 1: sent as 0-RTT data\nearly 2: same record\n"
cap, keys, cs = fixture(name, 2)
is_((counts(cs[0], "client"), counts(cs[0], "server")), ((5, 3, 0, 0), (10, 8, 0, 0)), name + " #1: all verified")
c = cs[1]
is_(c["resumed"] if "resumed" in c else c["extensions"]["offered"]["pre_shared_key"], True, name + " #2: resumption")
is_(c["extensions"]["early_data"], True, name + " #2: early_data accepted")
is_(counts(c, "client"), (7, 5, 0, 0), name + " #2: client early data + EndOfEarlyData + Finished + data + alert verified")
is_(counts(c, "server"), (7, 5, 0, 0), name + " #2: server 5 protected records verified")
is_(c["finished"], {"client": "ok", "server": "ok"}, name + " #2: both Finished ok (EndOfEarlyData in the transcript)")
is_((c["first_bad_record"], c["diagnosis"]["cause"], c["problems"]), (None, "healthy", []), name + " #2: healthy")
export_matches(name, cap, keys, 2, [(2, "client", EARLY + "client line of connection 2")])
# The early records verify under CLIENT_EARLY_TRAFFIC_SECRET, nothing else:
# without it they are not checked (not failed), the rest still verifies.
rc, cs = badmac(cap, keys_without(keys, "CLIENT_EARLY_TRAFFIC_SECRET"))
c = cs[1]
is_((rc, counts(c, "client"), c["finished"]["server"]), (0, (7, 3, 0, 2), "ok"),
    name + " #2 without the early secret: early data + EndOfEarlyData not checked, not failed")

# Tamper twin: the early-data record.
t = os.path.join(TMP, name + "-early.pcap")
frame = flip(cap, t, 2, "client", 2, 10, 5)
rc, cs = badmac(t, keys)
c = cs[1]
tag = name + ", early-data record #2 flipped"
tamper_verdict(rc, c, tag, "client", 2, 10, 5)
is_(bad(c), ("client", 2, "tag_mismatch"), tag + ": first_bad_record is the 0-RTT record, tag_mismatch")
is_(c["first_bad_record"]["frame"], frame, tag + ": ... in frame %d" % frame)
is_(counts(c, "client"), (7, 4, 1, 0), tag + ": EndOfEarlyData (early key), Finished, data, alert still verify")
is_(c["finished"], {"client": "ok", "server": "ok"}, tag + ": both Finished ok")
is_(counts(cs[0], "client")[2] + counts(cs[0], "server")[2], 0, tag + ": connection 1 untouched")

# ================================================================= 0-RTT rejected
# Connection 2 client: 0 ClientHello 1 CCS 2 early data 3 Finished 4 data 5 alert;
# the fresh server could not use the ticket: full handshake, 0-RTT skipped.
name = "tls13-early-data-rejected"
cap, keys, cs = fixture(name, 2)
c = cs[1]
is_(c["extensions"]["early_data"], False, name + " #2: early_data not accepted")
is_(counts(c, "client"), (6, 3, 0, 1), name + " #2: the 0-RTT record skipped (undecryptable), not failed; the rest verified")
is_(counts(c, "server"), (10, 8, 0, 0), name + " #2: server full handshake, all verified")
is_(c["finished"], {"client": "ok", "server": "ok"}, name + " #2: both Finished ok")
is_((c["first_bad_record"], c["diagnosis"]["cause"]), (None, "healthy"), name + " #2: verdict healthy")
is_(c["problems"], ["client early data (0-RTT) from record #2 on: not accepted by the server, skipped"],
    name + " #2: the skipped early data is named")
# what the client sent, as tshark shows it (the 0-RTT bytes included)
export_matches(name, cap, keys, 2, [(2, "client", EARLY + "client line of connection 2")])
# A damaged 0-RTT record the server rejects anyway is skipped too (as the
# server did), not a failure.
t = os.path.join(TMP, name + "-early.pcap")
flip(cap, t, 2, "client", 2, 10, 5)
rc, cs = badmac(t, keys)
c = cs[1]
is_((rc, counts(c, "client"), c["first_bad_record"], c["diagnosis"]["cause"]), (0, (6, 3, 0, 1), None, "healthy"),
    name + ", 0-RTT record flipped: still skipped, not failed")

# GnuTLS both sides, 0-RTT accepted on resumption. Connection 2 client: 0 CH
# 1 early data (no CCS) 2 EndOfEarlyData 3 Finished 4 data 5 alert.
name = "tls13-early-data-gnutls"
cap, keys, cs = fixture(name, 2)
is_(cs[1]["extensions"]["early_data"], True, name + " #2: 0-RTT accepted")
c = cs[1]
is_((counts(c, "client"), counts(c, "server")), ((6, 5, 0, 0), (8, 6, 0, 0)), name + " #2: every protected record verified")
is_((c["finished"], c["first_bad_record"], c["diagnosis"]["cause"]), ({"client": "ok", "server": "ok"}, None, "healthy"),
    name + " #2: both Finished ok, healthy")
export_matches(name, cap, keys, 2, [(2, "client", "early 1: 0-RTT data from gnutls-cli\nclient line after 0-RTT")])
t = os.path.join(TMP, name + "-early.pcap")
frame = flip(cap, t, 2, "client", 1, 5, 2)
rc, cs = badmac(t, keys)
c = cs[1]
tamper_verdict(rc, c, name + ", early-data record #1 flipped", "client", 1, 5, 2)
is_((bad(c), c["first_bad_record"]["frame"], counts(c, "client"), c["finished"]["client"]),
    (("client", 1, "tag_mismatch"), frame, (6, 4, 1, 0), "ok"),
    name + ", early-data record #1 flipped: that record fails; EndOfEarlyData, Finished, data still verify")

# ================================================================= 0-RTT, external PSK
# One connection. Client: 0 ClientHello (pre_shared_key "badmac-ext",
# early_data) 1 CCS 2 early data 3 EndOfEarlyData 4 Finished 5 data 6 alert.
name = "tls13-early-data-psk"
psk = open(os.path.join(FIX, name + ".psk")).read().strip()
PSKEARLY = "early 1: 0-RTT data under an external PSK\n"
cap, keys, cs = fixture(name, 1)
c = cs[0]
is_(c["extensions"]["early_data"], True, name + ": 0-RTT accepted")
is_((counts(c, "client"), counts(c, "server")), ((7, 5, 0, 0), (7, 5, 0, 0)),
    name + ": early data, EndOfEarlyData, Finished, data, alert verified; server all verified")
is_((c["finished"], c["first_bad_record"], c["diagnosis"]["cause"]), ({"client": "ok", "server": "ok"}, None, "healthy"),
    name + ": both Finished ok, healthy")
export_matches(name, cap, keys, 1, [(1, "client", PSKEARLY + "client line after 0-RTT")])
# --psk alone: psk_dhe_ke hides the handshake, but the early secret needs only
# the PSK and the ClientHello: the 0-RTT record and EndOfEarlyData verify.
p = subprocess.run([BADMAC, "--json", "--psk", psk, cap], capture_output=True, text=True, env=ENV)
c = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')][0]
is_((counts(c, "client")[1:3], c["keys"], c["first_bad_record"]), ((2, 0), None, None),
    name + " --psk alone: the 2 early-key records verify (keys null: psk_dhe_ke)")
t = os.path.join(TMP, name + "-early.pcap")
frame = flip(cap, t, 1, "client", 2, 0, 7)
p = subprocess.run([BADMAC, "--json", "--psk", psk, t], capture_output=True, text=True, env=ENV)
c = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')][0]
is_((bad(c), counts(c, "client")[1:3]), (("client", 2, "tag_mismatch"), (1, 1)),
    name + " --psk alone, 0-RTT record flipped: it fails (tag_mismatch), EndOfEarlyData still verifies")
rc, cs = badmac(t, keys)
is_((bad(cs[0]), counts(cs[0], "client")), (("client", 2, "tag_mismatch"), (7, 4, 1, 0)),
    name + " key log, 0-RTT record flipped: that record fails, the rest verifies")

# psk_ke (GnuTLS server), 0-RTT rejected. Client: 0 ClientHello 1 CCS 2 early
# data (skipped) 3 Finished 4 data 5 alert.
name = "tls13-early-data-psk-ke-rejected"
cap, keys = os.path.join(FIX, name + ".pcap"), os.path.join(FIX, name + ".keys")
psk = open(os.path.join(FIX, name + ".psk")).read().strip()
SKIPPED = ["client early data (0-RTT) from record #2 on: not accepted by the server, skipped"]
for how, args in (("key log", ["--keylog", keys]), ("--psk alone", ["--psk", psk])):
    p = subprocess.run([BADMAC, "--json"] + args + [cap], capture_output=True, text=True, env=ENV)
    c = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')][0]
    is_((p.returncode, c["keys"], c["extensions"]["early_data"]), (0, "keylog" if how == "key log" else "psk", False),
        "%s, %s: exit 0, keys, 0-RTT not accepted" % (name, how))
    is_((counts(c, "client"), counts(c, "server")), ((6, 3, 0, 1), (8, 6, 0, 0)),
        "%s, %s: the 0-RTT record skipped, not failed; everything else verified" % (name, how))
    is_((c["finished"], c["diagnosis"]["cause"], c["problems"]), ({"client": "ok", "server": "ok"}, "healthy", SKIPPED),
        "%s, %s: both Finished ok, healthy, the skipped 0-RTT named" % (name, how))
export_matches(name, cap, keys, 1, [(1, "client", PSKEARLY + "client line after 0-RTT")])
t = os.path.join(TMP, name + "-data.pcap")
frame = flip(cap, t, 1, "client", 4, 2, 1)
p = subprocess.run([BADMAC, "--json", "--psk", psk, t], capture_output=True, text=True, env=ENV)
c = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')][0]
is_((bad(c), c["first_bad_record"]["frame"], counts(c, "client")), (("client", 4, "tag_mismatch"), frame, (6, 2, 1, 1)),
    name + " --psk alone, client data record #4 flipped: that record fails (the 0-RTT one stays skipped)")

shutil.rmtree(TMP, ignore_errors=True)
print("1..%d" % n_test)
sys.exit(1 if n_fail else 0)
