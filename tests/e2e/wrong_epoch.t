#!/usr/bin/env python3
"""wrong_epoch.t - a record sent with the keys from before a key change.

From the real TLS 1.3 KeyUpdate capture (tests/fixtures/tls13-keyupdate),
this script makes a copy in which the client's first record after its first
KeyUpdate is re-encrypted under the client's previous traffic secret, at the
sequence number that old key would have used next (what a stack that updates
its write keys late sends), TCP checksums kept valid. badmac must report that
record with reason "wrong_epoch", keep verifying the records after it, and
diagnose a proven sender fault. Control twins: the same plaintext under the
old key at another sequence number, and under a key of no epoch, are plain
tag mismatches. The same for TLS 1.2 renegotiation (tls12-renegotiation, AES-128-GCM): the server's
first record after its second ChangeCipherSpec, sealed under the first handshake's keys.
AES-GCM via python3-cryptography (installed by
scripts/install-deps.sh test).
"""
import hashlib
import hmac
import json
import os
import struct
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(TOP, "tests", "fixtures")
BADMAC = os.environ.get("BADMAC", os.path.join(TOP, "build", "badmac"))
sys.dont_write_bytecode = True
sys.path.insert(0, FIX)
import flip_pcap  # noqa: E402

try:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:
    print("Bail out! python3-cryptography is missing (sh scripts/install-deps.sh test)")
    sys.exit(1)

N = 0
FAILED = 0


def is_(got, want, name):
    global N, FAILED
    N += 1
    if got == want:
        print("ok %d - %s" % (N, name))
    else:
        FAILED += 1
        print("not ok %d - %s\n#   got:  %r\n#   want: %r" % (N, name, got, want))


def expand_label(secret, label, length):
    """HKDF-Expand-Label (RFC 8446 7.1) with SHA-384, empty context."""
    full = b"tls13 " + label
    info = struct.pack("!H", length) + bytes([len(full)]) + full + b"\0"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha384).digest()
        out += t
        i += 1
    return out[:length]


def keys_of(secret):
    return AESGCM(expand_label(secret, b"key", 32)), expand_label(secret, b"iv", 12)


def nonce(iv, seq):
    return bytes(a ^ b for a, b in zip(iv, b"\0" * 4 + struct.pack("!Q", seq)))


def secret0(path):
    for line in open(path):
        f = line.split()
        if len(f) == 3 and f[0] == "CLIENT_TRAFFIC_SECRET_0":
            return bytes.fromhex(f[2])
    sys.exit("Bail out! no CLIENT_TRAFFIC_SECRET_0 in %s" % path)


CAP = os.path.join(FIX, "tls13-keyupdate.pcap")
KEYS = os.path.join(FIX, "tls13-keyupdate.keys")
D = bytearray(open(CAP, "rb").read())
STREAM, WHERE = flip_pcap.stream_of(D, 1, "client")
RECS, pos = [], 0
while pos + 5 <= len(STREAM):
    ln = struct.unpack_from("!H", STREAM, pos + 3)[0]
    RECS.append((pos, STREAM[pos], ln))
    pos += 5 + ln

# Walk the client's application epoch: generation 0 until its first KeyUpdate.
S0 = secret0(KEYS)
AEAD0, IV0 = keys_of(S0)
seq0, started, target = 0, False, None
for idx, (pos, typ, ln) in enumerate(RECS):
    if typ != 23:
        continue
    hdr, body = bytes(STREAM[pos:pos + 5]), bytes(STREAM[pos + 5:pos + 5 + ln])
    try:
        pt = AEAD0.decrypt(nonce(IV0, seq0), body, hdr)
    except Exception:
        if started:
            sys.exit("Bail out! client record %d does not open under generation 0" % idx)
        continue  # the handshake epoch (its Finished)
    started = True
    seq0 += 1
    inner = pt.rstrip(b"\0")
    if inner[-1] == 22 and inner[0] == 24:  # KeyUpdate: the next record is generation 1's first
        target = idx + 1
        break
if target is None or RECS[target][1] != 23:
    sys.exit("Bail out! no client KeyUpdate followed by a record in %s" % CAP)
S1 = expand_label(S0, b"traffic upd", 48)
AEAD1, IV1 = keys_of(S1)
tpos, _, tlen = RECS[target]
THDR = bytes(STREAM[tpos:tpos + 5])
PLAIN = AEAD1.decrypt(nonce(IV1, 0), bytes(STREAM[tpos + 5:tpos + 5 + tlen]), THDR)


def variant(path, aead, iv, seq):
    """The capture with the target record's body replaced by PLAIN sealed
    under (aead, iv, seq); checksums that verified still verify."""
    d = bytearray(D)
    body = aead.encrypt(nonce(iv, seq), PLAIN, THDR)
    assert len(body) == tlen
    start = tpos + 5
    for so, at, n, frame, ip, t, tcp_len, complete in WHERE:
        lo, hi = max(so, start), min(so + n, start + tlen)
        if lo >= hi:
            continue
        good = complete and flip_pcap.tcp_sum_ok(d, ip, t, tcp_len)
        d[at + lo - so:at + hi - so] = body[lo - start:hi - start]
        if good:
            flip_pcap.fix_sum(d, ip, t, tcp_len)
    with open(path, "wb") as f:
        f.write(d)


def analyse(path):
    p = subprocess.run([BADMAC, "--json", "--keylog", KEYS, path], capture_output=True, text=True)
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')][0]


TMP = tempfile.mkdtemp()
c = analyse(CAP)
is_((c["first_bad_record"], c["records"]["client"]["failed"]), (None, 0), "the original capture: no failure")
verified = c["records"]["client"]["verified"]

path = os.path.join(TMP, "old-keys.pcap")
variant(path, AEAD0, IV0, seq0)
c = analyse(path)
b = c["first_bad_record"] or {}
is_((b.get("direction"), b.get("index"), b.get("reason")), ("client", target, "wrong_epoch"),
    "record #%d sealed with the keys from before the KeyUpdate: first bad record, reason wrong_epoch" % target)
r = c["records"]["client"]
is_((r["verified"], r["failed"]), (verified - 1, 1), "... only that record fails; the later ones verify")
is_((c["diagnosis"]["cause"], c["diagnosis"]["confidence"]), ("sender_fault", "proven"),
    "... diagnosed: sender fault, proven")
is_(any("old keys" in p for p in c["problems"]), True, "... a problem line says it was sent with old keys")
is_("keys from before its last key change" in c["diagnosis"]["summary"], True,
    "... the explanation names the key change")

path = os.path.join(TMP, "old-keys-other-seq.pcap")
variant(path, AEAD0, IV0, seq0 + 3)
b = analyse(path)["first_bad_record"] or {}
is_((b.get("index"), b.get("reason")), (target, "tag_mismatch"),
    "control: the old key at another sequence number is a plain tag mismatch")

path = os.path.join(TMP, "no-epoch.pcap")
variant(path, AESGCM(bytes(32)), IV0, seq0)
b = analyse(path)["first_bad_record"] or {}
is_((b.get("index"), b.get("reason")), (target, "tag_mismatch"), "control: a key of no epoch is a plain tag mismatch")


# ---- TLS 1.2 renegotiation (tests/fixtures/tls12-renegotiation, AES-128-GCM,
#      abbreviated: same master secret, new randoms): the server's first
#      application record after its renegotiation CCS, sealed again under
#      the first handshake's server write key at the sequence number that key
#      would have used next.
def prf256(secret, label, seed, n):
    a, out = label + seed, b""
    while len(out) < n:
        a = hmac.new(secret, a, hashlib.sha256).digest()
        out += hmac.new(secret, a + label + seed, hashlib.sha256).digest()
    return out[:n]


R_CAP = os.path.join(FIX, "tls12-renegotiation.pcap")
R_KEYS = os.path.join(FIX, "tls12-renegotiation.keys")
MS = {}
for line in open(R_KEYS):
    f = line.split()
    if len(f) == 3 and f[0] == "CLIENT_RANDOM":
        MS[bytes.fromhex(f[1])] = bytes.fromhex(f[2])
RD = bytearray(open(R_CAP, "rb").read())


def records(role):
    st, wh = flip_pcap.stream_of(RD, 1, role)
    out, pos = [], 0
    while pos + 5 <= len(st):
        ln = struct.unpack_from("!H", st, pos + 3)[0]
        out.append((pos, st[pos], bytes(st[pos:pos + 5]), bytes(st[pos + 5:pos + 5 + ln])))
        pos += 5 + ln
    return out, wh


CREC, _ = records("client")
SREC, SWHERE = records("server")
cr1 = CREC[0][3][4 + 2:4 + 2 + 32]   # plaintext ClientHello: after type/len24 and version
sr1 = SREC[0][3][4 + 2:4 + 2 + 32]   # plaintext ServerHello


def gcm_keys(ms, cr, sr):
    kb = prf256(ms, b"key expansion", sr + cr, 40)
    return {"client": (AESGCM(kb[0:16]), kb[32:36]), "server": (AESGCM(kb[16:32]), kb[36:40])}


def open12(key, seq, typ, hdr, body):
    aead, salt = key
    aad = struct.pack("!QB", seq, typ) + hdr[1:3] + struct.pack("!H", len(body) - 24)
    return aead.decrypt(salt + body[:8], body[8:], aad)


def seal12(key, seq, typ, hdr, explicit, plain):
    aead, salt = key
    aad = struct.pack("!QB", seq, typ) + hdr[1:3] + struct.pack("!H", len(plain))
    return explicit + aead.encrypt(salt + explicit, plain, aad)


def walk(recs, key, role):
    """Records after the first CCS under the first keys, up to and
    including the second CCS: (plaintexts by record index, index of the
    second CCS, the next sequence number of the first keys)."""
    seq, plain, ccs = 0, {}, [i for i, r in enumerate(recs) if r[1] == 20]
    for i in range(ccs[0] + 1, ccs[1] + 1):
        plain[i] = open12(key, seq, recs[i][1], recs[i][2], recs[i][3])
        seq += 1
    return plain, ccs[1], seq


K1 = gcm_keys(MS[cr1], cr1, sr1)
cplain, _, _ = walk(CREC, K1["client"], "client")
splain, sccs2, sseq_old = walk(SREC, K1["server"], "server")
cr2 = next(p for p in cplain.values() if p[:1] == b"\x01")[6:38]   # the renegotiation's ClientHello
sr2 = next(p for p in splain.values() if p[:1] == b"\x02")[6:38]   # ... and ServerHello
K2 = gcm_keys(MS.get(cr2, MS[cr1]), cr2, sr2)
# after the server's second CCS: Finished (new seq 0), then application data (new seq 1)
tgt = next(i for i in range(sccs2 + 1, len(SREC)) if SREC[i][1] == 23)
tpos2, ttyp, thdr, tbody = SREC[tgt]
tplain = open12(K2["server"], tgt - sccs2 - 1, ttyp, thdr, tbody)
nbody = seal12(K1["server"], sseq_old, ttyp, thdr, tbody[:8], tplain)
d = bytearray(RD)
for so, at, n, frame, ip, t, tcp_len, complete in SWHERE:
    lo, hi = max(so, tpos2 + 5), min(so + n, tpos2 + 5 + len(tbody))
    if lo < hi:
        good = complete and flip_pcap.tcp_sum_ok(d, ip, t, tcp_len)
        d[at + lo - so:at + hi - so] = nbody[lo - tpos2 - 5:hi - tpos2 - 5]
        if good:
            flip_pcap.fix_sum(d, ip, t, tcp_len)
path = os.path.join(TMP, "reneg-old-keys.pcap")
with open(path, "wb") as f:
    f.write(d)
p = subprocess.run([BADMAC, "--json", "--keylog", R_KEYS, path], capture_output=True, text=True)
c = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')][0]
b = c["first_bad_record"] or {}
is_((b.get("direction"), b.get("index"), b.get("reason")), ("server", tgt, "wrong_epoch"),
    "renegotiation: server record #%d sealed with the first handshake's keys: wrong_epoch" % tgt)
is_((c["records"]["server"]["failed"], c["diagnosis"]["cause"], c["diagnosis"]["confidence"]),
    (1, "sender_fault", "proven"), "... only that record fails; sender fault, proven")

print("1..%d" % N)
sys.exit(1 if FAILED else 0)
