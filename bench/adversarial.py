#!/usr/bin/env python3
"""adversarial.py - captures built to blow up badmac's limits, and a run of
badmac over each with its peak RSS, time, stderr lines and JSON checked.

  adversarial.py make OUTDIR [SCALE]   write the captures (SCALE 1: full size)
  adversarial.py run BADMAC OUTDIR     analyse each; a table on stdout,
                                       exit 1 when a check fails

The shapes (full size; issue 12 and docs/bad-input.md):
  syn-flood        1,000,000 SYNs from distinct ports and addresses
  half-open        200,000 connections, each SYN, SYN-ACK, ACK and the first
                   300 bytes of a ClientHello record that claims 512
  bytes-in-order   one connection, 1,000,000 one-byte segments in order
  bytes-shuffled   one connection, 1,000,000 one-byte segments in random order
  frag-flood       1,000,000 IPv4 fragments of 50,000 datagrams never completed
  snaplen-64       100,000 full-size data segments cut to 64 bytes
  pcapng-2gb       a pcapng whose third block claims to be 2 GB long
  caplen-lies      a pcap record whose caplen (4 GB) exceeds what follows
  random-capture   a pcap header and 100 MB of random bytes
  random-keylog    100 MB of random bytes given as --keylog
Every capture also holds one real TLS 1.2 session (tests/fixtures/
tls12-aes-gcm.pcap, between OpenSSL peers): it must still be reported, and
verified with its key log, whatever comes before it.
"""
import json
import os
import random
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOOD = os.path.join(ROOT, "tests", "fixtures", "tls12-aes-gcm.pcap")
GOOD_KEYS = os.path.join(ROOT, "tests", "fixtures", "tls12-aes-gcm.keys")
MAX_STDERR = 60  # BM_DIAG_MAX_PER_FILE lines and the summary line per input file, with room


def csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(src, dst, payload, proto=6, ident=0, frag=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst)
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def tcp(src, dst, sp, dp, seq, ack, flags, payload=b""):
    hdr = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    c = csum(pseudo + hdr + payload)
    return ip4(src, dst, hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload)


ETH = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
SYN, ACK, PSH = 0x02, 0x10, 0x08


class Pcap:
    def __init__(self, path, snaplen=65535):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        self.ts = 1700000000.0

    def frame(self, l3, caplen=None):
        pkt = ETH + l3
        cap = len(pkt) if caplen is None else min(caplen, len(pkt))
        self.ts += 0.000001
        sec = int(self.ts)
        self.f.write(struct.pack("<IIII", sec, int((self.ts - sec) * 1e6), cap, len(pkt)) + pkt[:cap])

    def good(self):
        """The fixture's frames, timestamps after everything so far."""
        data = open(GOOD, "rb").read()
        off = 24
        while off + 16 <= len(data):
            _, _, incl, orig = struct.unpack("<IIII", data[off:off + 16])
            self.ts += 0.000001
            sec = int(self.ts)
            self.f.write(struct.pack("<IIII", sec, int((self.ts - sec) * 1e6), incl, orig)
                         + data[off + 16:off + 16 + incl])
            off += 16 + incl

    def close(self):
        self.f.close()


def addr(i):
    return struct.pack("!I", 0x0A000000 | (i & 0xFFFFFF))


SRV = bytes([192, 168, 77, 1])


def syn_flood(p, n):
    for i in range(n):
        p.frame(tcp(addr(i // 60000 + 1), SRV, 1024 + i % 60000, 443, i * 7919, 0, SYN))


def hello_record(claim=512, have=300):
    body = b"\x01" + struct.pack("!I", claim - 4)[1:] + b"\x03\x03" + bytes(range(32)) + b"\0"
    rec = b"\x16\x03\x01" + struct.pack("!H", claim) + body
    return (rec + bytes(have))[:have]


def half_open(p, n):
    part = hello_record()
    for i in range(n):
        c, sp = addr(i // 60000 + 1), 1024 + i % 60000
        p.frame(tcp(c, SRV, sp, 443, 1000, 0, SYN))
        p.frame(tcp(SRV, c, 443, sp, 5000, 1001, SYN | ACK))
        p.frame(tcp(c, SRV, sp, 443, 1001, 5001, ACK))
        p.frame(tcp(c, SRV, sp, 443, 1001, 5001, ACK | PSH, part))


def one_byte(p, n, shuffled):
    c, sp = addr(99), 40000
    rng = random.Random(12)
    stream = bytearray()
    while len(stream) < n:
        body = bytes(rng.getrandbits(8) for _ in range(64)) * 16
        stream += b"\x17\x03\x03" + struct.pack("!H", len(body)) + body
    stream = bytes(stream[:n])
    p.frame(tcp(c, SRV, sp, 443, 1000, 0, SYN))
    p.frame(tcp(SRV, c, 443, sp, 5000, 1001, SYN | ACK))
    order = list(range(n))
    if shuffled:
        rng.shuffle(order)
    for i in order:
        p.frame(tcp(c, SRV, sp, 443, 1001 + i, 5001, ACK, stream[i:i + 1]))


def frag_flood(p, n):
    body = bytes(64)
    for i in range(n):
        ident = i % 50000
        off = 1 + (i // 50000) % 1000  # in 8-byte units, never 0: no datagram completes
        p.frame(ip4(addr(7), SRV, body, 6, ident, 0x2000 | off))


def snaplen64(p, n):
    c, sp = addr(5), 41000
    p.frame(tcp(c, SRV, sp, 443, 1000, 0, SYN))
    p.frame(tcp(SRV, c, 443, sp, 5000, 1001, SYN | ACK))
    p.frame(tcp(c, SRV, sp, 443, 1001, 5001, ACK))
    seg = bytes(1448)
    for i in range(n):
        p.frame(tcp(SRV, c, 443, sp, 5001 + 1448 * i, 1001, ACK, seg), caplen=64)


def pcapng_2gb(path):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 65535))
    data = open(GOOD, "rb").read()
    off = 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        ts = sec * 1000000 + usec
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, incl, orig) + data[off + 16:off + 16 + incl])
        off += 16 + incl
    out += struct.pack("<II", 6, 0x80000000) + os.urandom(4096)
    open(path, "wb").write(out)


def caplen_lies(path):
    p = Pcap(path)
    p.good()
    p.f.write(struct.pack("<IIII", int(p.ts) + 1, 0, 0xFFFFFF00, 0xFFFFFF00) + os.urandom(2048))
    p.close()


def random_capture(path, size):
    p = Pcap(path)
    p.good()
    rng = random.Random(3)
    left = size
    while left > 0:
        chunk = min(left, 1 << 20)
        p.f.write(rng.randbytes(chunk))
        left -= chunk
    p.close()


SHAPES = ("syn-flood", "half-open", "bytes-in-order", "bytes-shuffled", "frag-flood", "snaplen-64",
          "pcapng-2gb", "caplen-lies", "random-capture", "random-keylog")


def make(out, scale):
    os.makedirs(out, exist_ok=True)
    n = lambda full: max(int(full * scale), 10)
    gens = {"syn-flood": lambda p: syn_flood(p, n(1000000)),
            "half-open": lambda p: half_open(p, n(200000)),
            "bytes-in-order": lambda p: one_byte(p, n(1000000), False),
            "bytes-shuffled": lambda p: one_byte(p, n(1000000), True),
            "frag-flood": lambda p: frag_flood(p, n(1000000)),
            "snaplen-64": lambda p: snaplen64(p, n(100000))}
    for name, gen in gens.items():
        p = Pcap(os.path.join(out, name + ".pcap"))
        gen(p)
        p.good()
        p.close()
    pcapng_2gb(os.path.join(out, "pcapng-2gb.pcapng"))
    caplen_lies(os.path.join(out, "caplen-lies.pcap"))
    random_capture(os.path.join(out, "random-capture.pcap"), n(100 << 20))
    rng = random.Random(4)
    with open(os.path.join(out, "random-keylog.keys"), "wb") as f:
        left = n(100 << 20)
        while left > 0:
            chunk = min(left, 1 << 20)
            f.write(rng.randbytes(chunk))
            left -= chunk


def timer():
    """bench/timeit (fork, exec, wait4: the child's own peak RSS), built once
    into bench/out/."""
    src = os.path.join(ROOT, "bench", "timeit.c")
    exe = os.path.join(ROOT, "bench", "out", "timeit")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", exe, src], check=True)
    return exe


def measure(cmd):
    """(exit status, seconds, peak RSS in KiB, stdout, stderr) of one run."""
    import tempfile
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, open(os.devnull, "rb") as null, \
            tempfile.NamedTemporaryFile("r") as res:
        subprocess.run([timer(), res.name] + cmd, stdin=null, stdout=out, stderr=err)
        wall, rss, status = res.read().split()[:3]
        out.seek(0)
        err.seek(0)
        return int(status), float(wall), int(rss), out.read(), err.read()


def good_session(obj):
    """The fixture's session: verified records from 127.0.0.1:443, status ok."""
    srv = obj.get("server") or {}
    rec = (obj.get("records") or {}).get("server") or {}
    return (obj.get("type") == "connection" and srv.get("ip") == "127.0.0.1" and srv.get("port") == 443
            and obj.get("status") == "ok" and rec.get("verified", 0) > 0)


def check(badmac, out, name):
    """One shape analysed with the real session's key log: a dict of the
    figures and the problems found, or None when its capture is missing."""
    keys = ["--keylog", GOOD_KEYS]
    if name == "random-keylog":  # the random file first: the good key log must still be read
        cap = GOOD
        size_of = os.path.join(out, "random-keylog.keys")
        keys = ["--keylog", size_of] + keys
    else:
        cap = size_of = os.path.join(out, name + (".pcapng" if name == "pcapng-2gb" else ".pcap"))
    if not os.path.exists(size_of):
        return None
    status, took, rss_kb, stdout, stderr = measure([badmac, "--json"] + keys + [cap])
    problems = []
    if status not in (0, 1, 2):
        problems.append("exit %d" % status)
    err_lines = stderr.decode("utf-8", "replace").splitlines()
    if len(err_lines) > 2 * MAX_STDERR:  # the capture and the key file may each fill their quota
        problems.append("%d stderr lines" % len(err_lines))
    conns, good = 0, False
    for line in stdout.decode("utf-8", "replace").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            problems.append("invalid JSON line: %r" % line[:80])
            break
        conns += obj.get("type") == "connection"
        good = good or good_session(obj)
    if not good:
        problems.append("the real session is not reported verified")
    return {"name": name, "mb": os.path.getsize(size_of) / 1e6, "seconds": took, "rss_mib": rss_kb / 1024,
            "stderr_lines": len(err_lines), "connections": conns, "problems": problems}


def run(badmac, out):
    """Checks each shape; prints one Markdown row each. Returns the failures."""
    print("| input | MB | seconds | peak RSS MiB | stderr lines | connections | checks |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    failures = 0
    for name in SHAPES:
        r = check(badmac, out, name)
        if r is None:
            continue
        print("| %s | %.1f | %.1f | %.1f | %d | %d | %s |" % (name, r["mb"], r["seconds"], r["rss_mib"],
                                                          r["stderr_lines"], r["connections"],
                                                          "; ".join(r["problems"]) or "ok"))
        sys.stdout.flush()
        failures += bool(r["problems"])
    return failures


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "make":
        make(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 1.0)
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        return 1 if run(sys.argv[2], sys.argv[3]) else 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
