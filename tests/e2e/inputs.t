#!/usr/bin/env python3
# inputs.t - the ways a capture reaches badmac besides a plain file
# (issue 13): standard input ("-", as in `tcpdump -U -w - | badmac -`) and
# gzip-compressed files (as tshark reads them). Each gives the same report
# as the plain file (JSON Lines, the capture's name aside); a pcapng's
# decryption secrets blocks are read through gzip too; compare and --write
# take .gz; a directory stands for the capture files in it; a cut .gz is one error line, exit 2, what came before analysed.
# A BPF filter (-f) keeps the connections it selects with the frame numbers
# of the whole capture (as Wireshark shows them); a filter that does not
# compile is a usage error; one that cannot apply to an interface's link
# type is one line, the other interfaces analysed. --merge reads the
# pieces of a rotated capture (editcap -c) as the whole, and several captures
# exactly as the file mergecap makes of them.
import gzip
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_tap import tap, done_testing, run_main, json_lines  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
TMP = tempfile.mkdtemp(prefix="badmac-inputs-")


def run(args, stdin=None):
    p = subprocess.run([BADMAC] + args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def no_capture(o):
    """o without any "capture" (the file's name) at any depth."""
    if isinstance(o, dict):
        return {k: no_capture(v) for k, v in o.items() if k != "capture"}
    if isinstance(o, list):
        return [no_capture(v) for v in o]
    return o


def report(out):
    """The JSON objects without the captures' names."""
    return [json.dumps(no_capture(o), sort_keys=True) for o in json_lines(out)]


def gz(src, name):
    dst = os.path.join(TMP, name)
    with open(src, "rb") as f, gzip.open(dst, "wb") as g:
        g.write(f.read())
    return dst


def main():
    for base in ("tls12-aes-gcm.pcap", "tls13-chacha.pcap", "mixed-linktypes.pcapng", "demo.pcapng"):
        cap = os.path.join(FIX, base)
        keys = os.path.join(FIX, os.path.splitext(base)[0] + ".keys")
        args = ["--json", "--keylog", keys]
        rc, plain, _ = run(args + [cap])
        conns = sum(1 for o in json_lines(plain) if o.get("type") == "connection")
        rc_gz, out_gz, err_gz = run(args + [gz(cap, base + ".gz")])
        tap(rc_gz == rc and report(out_gz) == report(plain) and conns > 0,
            "%s.gz: the same report as the plain file (%d connections)" % (base, conns), err_gz)
        if base == "mixed-linktypes.pcapng":
            continue  # interfaces of different link types need a second read: a file, not a pipe
        with open(cap, "rb") as f:
            rc_in, out_in, err_in = run(args + ["-"], stdin=f.read())
        tap(rc_in == rc and report(out_in) == report(plain), "%s on standard input: the same report" % base, err_in)

    # a pcapng with its keys embedded (--write), gzipped, keyless: decrypted
    emb = os.path.join(TMP, "embedded.pcapng")
    run(["--keylog", os.path.join(FIX, "tls12-aes-gcm.keys"), "--write", emb, os.path.join(FIX, "tls12-aes-gcm.pcap")])
    rc, out, err = run(["--json", gz(emb, "embedded.pcapng.gz")])
    ver = [((o.get("records") or {}).get("server") or {}).get("verified", 0) for o in json_lines(out)
           if o.get("type") == "connection"]
    tap(ver and ver[0] > 0, "a pcapng.gz's decryption secrets block is read: records verified keyless (%s)" % ver, err)

    # --write and compare take .gz
    wr = os.path.join(TMP, "from-gz.pcapng")
    rc, _, err = run(["--keylog", os.path.join(FIX, "tls12-aes-gcm.keys"), "--write", wr,
                      gz(os.path.join(FIX, "tls12-aes-gcm.pcap"), "w.pcap.gz")])
    with open(wr, "rb") as f:
        tap(rc == 0 and f.read(4) == b"\x0a\x0d\x0d\x0a", "--write from a .gz capture", err)
    a, b = (os.path.join(FIX, "compare", n) for n in ("flip-a.pcapng", "flip-b.pcapng"))
    rc, plain, _ = run(["compare", "--json", a, b])
    rc2, out, err = run(["compare", "--json", gz(a, "a.pcapng.gz"), gz(b, "b.pcapng.gz")])
    tap(rc2 == rc and report(out) == report(plain), "compare: two .gz captures give the plain report", err)

    # what reads a capture twice refuses standard input, with one line
    rc, _, err = run(["compare", "-", os.path.join(FIX, "demo.pcapng")], stdin=b"")
    tap(rc == 2 and "not standard input" in err, "compare -: refused (it reads each capture twice)", err)
    rc, _, err = run(["--write", os.path.join(TMP, "w.pcapng"), "-"], stdin=b"")
    tap(rc == 2 and "not standard input" in err, "--write of -: refused", err)

    # -f: the selected connection, with the frame numbers of the whole capture
    burst = os.path.join(ROOT, "tests", "golden", "corpus", "mx-gnutls-gnutls_tls1.0_3DES-CBC-SHA-etm-burst")
    k = ["--json", "--keylog", burst + ".keys"]
    _, allc, _ = run(k + [burst + ".pcapng"])
    conns = {o["client"]["port"]: o for o in json_lines(allc) if o.get("type") == "connection"}
    port = sorted(conns)[0]
    rc, out, err = run(k + ["-f", "tcp port %d" % port, burst + ".pcapng"])
    got = [o for o in json_lines(out) if o.get("type") == "connection"]
    same = len(got) == 1 and got[0]["client"]["port"] == port and \
        (got[0]["first_frame"], got[0]["last_frame"]) == (conns[port]["first_frame"], conns[port]["last_frame"])
    tap(len(conns) == 2 and same, "-f 'tcp port %d': that connection alone, its frames numbered as in the whole capture"
        % port, err)
    rc, _, err = run(["-f", "tcp prot 4", burst + ".pcapng"])
    tap(rc == 2 and "-f 'tcp prot 4'" in err, "a filter that does not compile: usage error naming it", err)
    rc, out, err = run(["--json", "-f", "ether host 01:02:03:04:05:06 or ip", "--keylog",
                        os.path.join(FIX, "mixed-linktypes.keys"), os.path.join(FIX, "mixed-linktypes.pcapng")])
    got = [o for o in json_lines(out) if o.get("type") == "connection"]
    tap(rc == 2 and "interface 1: cannot apply the filter to its link type" in err and len(got) == 1,
        "a filter for Ethernet on a capture with a cooked interface: one line, the Ethernet interface analysed", err)

    # --merge: the pieces of a rotated capture give the whole capture's report
    import shutil
    if shutil.which("editcap") and shutil.which("mergecap"):
        rot = os.path.join(TMP, "rot")
        os.mkdir(rot)
        subprocess.run(["editcap", "-c", "7", os.path.join(FIX, "demo.pcapng"), os.path.join(rot, "piece.pcapng")],
                       check=True)
        pieces = sorted(os.path.join(rot, p) for p in os.listdir(rot))
        k = ["--json", "--keylog", os.path.join(FIX, "demo.keys")]
        rc0, whole, _ = run(k + [os.path.join(FIX, "demo.pcapng")])
        rc1, merged, err = run(k + ["--merge"] + pieces)
        tap(len(pieces) > 5 and rc1 == rc0 and report(merged) == report(whole),
            "--merge of %d pieces (editcap -c 7): the whole capture's report" % len(pieces), err)
        rc2, separate, err2 = run(k + pieces)
        tap(report(separate) != report(whole) and "--merge reads them as one" in err2,
            "without --merge the pieces are separate captures (connections cut), and a notice says --merge", err2)
        rc1, merged, err = run(k + ["--merge", rot])
        tap(rc1 == rc0 and report(merged) == report(whole), "--merge DIR: the capture files in it, the same report",
            err)
        empty = os.path.join(TMP, "empty")
        os.mkdir(empty)
        with open(os.path.join(empty, "notes.txt"), "w") as f:
            f.write("not a capture\n")
        rc, _, err = run([empty])
        tap(rc == 2 and "no capture file in this directory" in err, "a directory without captures: one line, exit 2",
            err)
        two = [os.path.join(FIX, "tls12-aes-gcm.pcap"), os.path.join(FIX, "tls13-chacha.pcap")]
        mc = os.path.join(TMP, "merged.pcapng")
        subprocess.run(["mergecap", "-w", mc] + two, check=True)
        keys = []
        for c in two:
            keys += ["--keylog", os.path.splitext(c)[0] + ".keys"]
        rc1, merged, err = run(["--json", "--merge"] + keys + two)
        rc2, by_mergecap, _ = run(["--json"] + keys + [mc])
        tap(rc1 == rc2 and report(merged) == report(by_mergecap) and merged.count('"connection"') == 2,
            "--merge of two captures: the report of mergecap's file, frame for frame", err)
    else:
        tap(True, "# SKIP editcap/mergecap missing")

    # a .gz cut in the middle: one line, exit 2, the frames before still analysed
    full = gzip.compress(open(os.path.join(FIX, "demo.pcapng"), "rb").read())
    cut = os.path.join(TMP, "cut.pcapng.gz")
    with open(cut, "wb") as f:
        f.write(full[:len(full) * 2 // 3])
    rc, out, err = run(["--json", cut])
    frames = [o.get("frames", 0) for o in json_lines(out) if o.get("type") == "summary"]
    tap(rc == 2 and len(err.strip().splitlines()) <= 2 and frames and frames[0] > 0,
        "a cut .gz: exit 2, a line naming it, %s frames before the cut analysed" % frames, err)
    return done_testing()


if __name__ == "__main__":
    run_main(main, TMP)
