#!/usr/bin/env python3
"""seeds.py OUT - seed inputs for every fuzz target, made from the fixtures
(real sessions captured with tcpdump; see tests/fixtures/README.md):

  capture   every fixture capture (pcap, pcapng) up to 32 KiB; a few of
            them compressed (gzip, zstd, xz); pairs joined by BMSPLIT! (two
            captures read as one, fuzz_capture.c)
  keys      the fixtures' key logs, the mbedTLS and JSSE debug logs of the
            unit tests, the RSA keys in PEM and DER
  x509      the fixtures' certificates in DER
  tls       each TCP connection of the small captures in fuzz_tls's format
            ([op][len:2][bytes]; op 0 client bytes, 1 server bytes)
  relay     the matrix's fault specifications over a record stream
  pipeline  [config][keylen:2][keys][capture]: each capture with its keys
            (key log, RSA key, PSK) and without
  compare   [lenA:4][A][B] for the two-vantage-point fixtures
OUT/TARGET/ is filled; fuzz/minimise.sh merges them into fuzz/corpus/."""
import glob
import gzip
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
MAX = 32 * 1024  # the max_len of the capture targets (fuzz/targets)


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def small_captures():
    for p in sorted(glob.glob(FIX + "/*.pcap") + glob.glob(FIX + "/*.pcapng") + glob.glob(FIX + "/*/*.pcap")
                    + glob.glob(FIX + "/*/*.pcapng")):
        if os.path.getsize(p) <= MAX:
            yield p


def pcap_segments(path):
    """(src, dst, sport, dport, payload) of each IPv4/IPv6 TCP segment of an
    Ethernet or Linux cooked pcap; [] for what it does not read."""
    data = open(path, "rb").read()
    if len(data) < 24 or data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return []
    link = struct.unpack("<I", data[20:24])[0]
    off, segs = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if link == 1:
            eth = 14
            etype = pkt[12:14]
            if etype == b"\x81\x00":
                eth, etype = 18, pkt[16:18]
        elif link == 113:
            eth, etype = 16, pkt[14:16]
        else:
            return []
        ip = pkt[eth:]
        if etype == b"\x08\x00" and len(ip) >= 20 and ip[9] == 6:
            ihl = (ip[0] & 15) * 4
            total = struct.unpack(">H", ip[2:4])[0]
            src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
        elif etype == b"\x86\xdd" and len(ip) >= 40 and ip[6] == 6:
            src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + struct.unpack(">H", ip[4:6])[0]]
        else:
            continue
        if len(tcp) < 20:
            continue
        sport, dport = struct.unpack(">HH", tcp[:4])
        segs.append((src, dst, sport, dport, tcp[(tcp[12] >> 4) * 4:]))
    return segs


def tls_streams(path):
    """fuzz_tls inputs, one per connection (the side that spoke first is A)."""
    conns = {}
    for src, dst, sp, dp, pl in pcap_segments(path):
        key = tuple(sorted([(src, sp), (dst, dp)]))
        c = conns.setdefault(key, {"first": None, "ops": []})
        if not pl:
            continue
        if c["first"] is None:
            c["first"] = (src, sp)
        side = 0 if (src, sp) == c["first"] else 1
        for i in range(0, len(pl), 65535):
            chunk = pl[i:i + 65535]
            c["ops"].append(struct.pack(">BH", side, len(chunk)) + chunk)
    return [b"".join(c["ops"]) for c in conns.values() if c["ops"]]


def der_certs():
    for p in sorted(glob.glob(FIX + "/pki/*.crt")):
        pem = open(p, "rb").read()
        for i, block in enumerate(pem.split(b"-----END CERTIFICATE-----")[:-1]):
            der = subprocess.run(["openssl", "x509", "-outform", "DER"], input=block +
                                 b"-----END CERTIFICATE-----\n", capture_output=True).stdout
            if der:
                yield "%s-%d.der" % (os.path.basename(p), i), der


def main():
    out = sys.argv[1]
    caps = list(small_captures())
    for p in caps:
        put(out, "capture", os.path.basename(p), open(p, "rb").read())
    few = [p for p in caps if os.path.basename(p) in ("tls12-aes-gcm.pcap", "tls13-chacha.pcap", "sll2.pcap")]
    for p in few:
        raw = open(p, "rb").read()
        put(out, "capture", os.path.basename(p) + ".gz", gzip.compress(raw))
        for tool, ext in (("zstd", ".zst"), ("xz", ".xz")):
            packed = subprocess.run([tool, "-c"], input=raw, capture_output=True).stdout
            if packed:
                put(out, "capture", os.path.basename(p) + ext, packed)
    for a, b in zip(few, few[1:]):
        put(out, "capture", "split-%s-%s" % (os.path.basename(a), os.path.basename(b)),
            open(a, "rb").read() + b"BMSPLIT!" + open(b, "rb").read())
    keyfiles = sorted(glob.glob(FIX + "/*.keys") + glob.glob(FIX + "/*/*.keys")
                      + glob.glob(ROOT + "/tests/unit/data/keys/*.log"))
    for p in keyfiles:
        put(out, "keys", os.path.basename(p), open(p, "rb").read()[:MAX])
    for p in sorted(glob.glob(FIX + "/pki/*.key")):
        pem = open(p, "rb").read()
        put(out, "keys", os.path.basename(p), pem)
        der = subprocess.run(["openssl", "pkey", "-outform", "DER"], input=pem, capture_output=True).stdout
        if der:
            put(out, "keys", os.path.basename(p) + ".der", der)
    for name, der in der_certs():
        put(out, "x509", name, der)
    streams = []
    for p in caps:
        if os.path.getsize(p) <= 32 * 1024:
            for i, s in enumerate(tls_streams(p)):
                put(out, "tls", "%s-%d" % (os.path.basename(p), i), s)
                streams.append(s)
    specs = ["flip s2c,type=23,index=2:9:3", "flip-bits c2s:4", "burst s2c,minlen=1000:rand:16",
             "drop s2c,type=23,index=1", "dup c2s,nth-app=0", "swap s2c,type=23",
             "truncate s2c,type=23:8", "truncate-keep c2s:100", "cut s2c,index=5",
             "segment s2c:1,2,100", "delay c2s,rate=1/2:10", "merge s2c,type=22"]
    for i, spec in enumerate(specs):
        rec = b""
        for s in streams[i % max(len(streams), 1):][:1]:
            j = 0
            while j + 3 <= len(s):
                op, n = s[j], struct.unpack(">H", s[j + 1:j + 3])[0]
                if op == (i & 1):
                    rec += s[j + 3:j + 3 + n]
                j += 3 + n
        put(out, "relay", "spec-%d" % i, spec.encode() + b"\n\0" + bytes([(i & 1) | (i * 37 & 0xfe)]) + rec[:16384])
    psk = {}
    for p in glob.glob(FIX + "/*.psk"):
        psk[os.path.basename(p)[:-4]] = open(p, "rb").read().strip()
    psk_default = b"client12:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809"
    for p in caps:
        base = os.path.splitext(p)[0]
        name = os.path.basename(base)
        body = open(p, "rb").read()
        keys = open(base + ".keys", "rb").read() if os.path.exists(base + ".keys") else b""
        put(out, "pipeline", name + "-none", b"\0\0\0" + body)
        if keys:
            put(out, "pipeline", name + "-keylog", b"\1" + struct.pack(">H", len(keys)) + keys + body)
        if "rsa" in name:
            put(out, "pipeline", name + "-rsa", b"\2\0\0" + body)
        if "psk" in name:
            k = psk.get(name, psk_default)
            put(out, "pipeline", name + "-psk", b"\3" + struct.pack(">H", len(k)) + k + body)
            both = keys + b"\0" + k
            put(out, "pipeline", name + "-all", b"\4" + struct.pack(">H", len(both)) + both + body)
    for a in sorted(glob.glob(FIX + "/compare/*-a.pcap*")):
        b = a.replace("-a.pcap", "-b.pcap")
        if os.path.exists(b):
            da, db = open(a, "rb").read(), open(b, "rb").read()
            if len(da) + len(db) <= 2 * MAX:
                put(out, "compare", os.path.basename(a), struct.pack(">I", len(da)) + da + db)


main()
