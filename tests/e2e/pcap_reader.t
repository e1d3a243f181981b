#!/usr/bin/env python3
# pcap_reader.t - classic pcap files are read from a memory map
# (src/capture/pcap_fast.c) and handed to libpcap at the first record the
# map reader leaves to it. The same capture written four ways (little- and
# big-endian, micro- and nanosecond stamps) gives the same report; gzipped
# (no map: libpcap all along) too; a record longer than the file's
# snapshot length, and a file cut in a record, in the middle of a capture:
# the packets before it analysed, the message libpcap words, as without
# the map.
import os
import struct
import subprocess
import sys
import tempfile
import gzip
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_tap import tap, done_testing, run_main, json_lines  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
FIX = os.path.join(ROOT, "tests", "fixtures")
TMP = tempfile.mkdtemp(prefix="badmac-pcapr-")


def records(path):
    data = open(path, "rb").read()
    assert struct.unpack("<I", data[:4])[0] == 0xa1b2c3d4, path
    head, off, out = data[:24], 24, []
    while off + 16 <= len(data):
        ts, tu, cl, ol = struct.unpack("<IIII", data[off:off + 16])
        out.append((ts, tu, cl, ol, data[off + 16:off + 16 + cl]))
        off += 16 + cl
    return head, out


def write(path, head, recs, big=False, nano=False, cut=None):
    e = ">" if big else "<"
    magic = 0xa1b23c4d if nano else 0xa1b2c3d4
    _, vmaj, vmin, zone, sig, snap, lt = struct.unpack("<IHHiIII", head)
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", magic, vmaj, vmin, zone, sig, snap, lt))
        for i, (ts, tu, cl, ol, body) in enumerate(recs):
            rec = struct.pack(e + "IIII", ts, tu * 1000 if nano else tu, cl, ol) + body
            if cut is not None and i == cut:
                rec = rec[:16 + cl // 2]
            f.write(rec)
            if cut is not None and i == cut:
                break


def gzipped(path):
    out = path + ".gz"
    with open(path, "rb") as f, gzip.open(out, "wb") as g:
        shutil.copyfileobj(f, g)
    return out


def report(args):
    p = subprocess.run([BADMAC, "-j", "1", "--json"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL)
    objs = [o for o in json_lines(p.stdout.decode())]
    for o in objs:
        o.pop("capture", None)
    return p.returncode, objs, p.stderr.decode()


def main():
    for name in ("tls12-aes-gcm", "tls13-chacha", "tcp-reorder"):
        src = os.path.join(FIX, name + ".pcap")
        keys = os.path.join(FIX, name + ".keys")
        k = ["--keylog", keys] if os.path.exists(keys) else []
        head, recs = records(src)
        rc0, base, _ = report(k + [src])
        same = []
        for big in (False, True):
            for nano in (False, True):
                p = os.path.join(TMP, "%s-%s-%s.pcap" % (name, "be" if big else "le", "ns" if nano else "us"))
                write(p, head, recs, big, nano)
                same.append(report(k + [p])[:2] == (rc0, base))
        via_gz = report(k + [gzipped(src)])[:2] == (rc0, base)
        tap(all(same) and via_gz and base, "%s: the same report little- and big-endian, micro- and nanosecond, "
            "and gzipped (libpcap alone)" % name, same)

    # a record longer than the snapshot length, in the middle: libpcap's words, the packets before analysed
    head, recs = records(os.path.join(FIX, "tls12-aes-gcm.pcap"))
    small = bytearray(head)
    struct.pack_into("<I", small, 16, 200)  # the file says snaplen 200; record 5 is longer
    recs_cut = [r if i != 4 else (r[0], r[1], min(r[2], 200), r[3], r[4][:200]) for i, r in enumerate(recs)]
    recs_long = list(recs_cut)
    long = os.path.join(TMP, "long.pcap")
    write(long, bytes(small), recs_long[:4] + [recs[4]] + recs_long[5:])
    rc, objs, err = report([long])
    conns = [o for o in objs if o.get("type") == "connection"]
    summ = [o for o in objs if o.get("type") == "summary"]
    tap(len(conns) == 1 and summ and summ[0]["frames"] == len(recs),
        "a record over the snapshot length (frame 5), left to libpcap: every frame read (%d), the connection "
        "reported" % len(recs), err)
    gz = gzipped(long)
    rc2, objs2, err2 = report([gz])
    tap((rc, objs) == (rc2, objs2) and err.replace(long, "X") == err2.replace(gz, "X"),
        "... exactly as libpcap alone reads it (messages, report, exit status)", [err, err2])

    cut = os.path.join(TMP, "cut.pcap")
    write(cut, head, recs, cut=10)
    rc, objs, err = report([cut])
    tap("frame 11: cannot read further: truncated dump file" in err and
        any(o.get("type") == "connection" for o in objs),
        "cut in record 11: libpcap's message, frame 11, the connection before it reported", err)
    return done_testing()


if __name__ == "__main__":
    run_main(main, TMP)
