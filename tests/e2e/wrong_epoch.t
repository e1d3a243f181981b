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
tag mismatches. AES-256-GCM via python3-cryptography (installed by
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

print("1..%d" % N)
sys.exit(1 if FAILED else 0)
