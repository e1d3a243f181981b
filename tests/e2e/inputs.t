#!/usr/bin/env python3
# inputs.t - the ways a capture reaches badmac besides a plain file
# (issue 13): standard input ("-", as in `tcpdump -U -w - | badmac -`) and
# gzip-, zstd- and xz-compressed files (as tshark reads them), also on
# standard input. Each gives the same report
# as the plain file (JSON Lines, the capture's name aside); a pcapng's
# decryption secrets blocks are read through gzip too; compare and --write
# take .gz; a directory stands for the capture files in it; a cut .gz is one error line, exit 2, what came before analysed.
# A BPF filter (-f) keeps the connections it selects with the frame numbers
# of the whole capture (as Wireshark shows them); a filter that does not
# compile is a usage error; one that cannot apply to an interface's link
# type is one line, the other interfaces analysed. Captures given together
# are one: the pieces of a rotated capture (editcap -c) give the whole
# capture's report, each connection naming its files and their frame
# numbers, and several captures give exactly the report of the file mergecap
# makes of them; --separate reads each on its own.
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
    """o without any "capture" (the file's name) or "files" (a merge's files) at any depth."""
    if isinstance(o, dict):
        return {k: no_capture(v) for k, v in o.items()
                if k not in ("capture", "files", "files_skipped", "files_partial")}
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


def packed(tool, src, name):
    """src compressed by the command-line tool (zstd, xz), as a user makes it."""
    dst = os.path.join(TMP, name)
    with open(src, "rb") as f, open(dst, "wb") as g:
        subprocess.run([tool, "-c"], stdin=f, stdout=g, check=True)
    return dst


def main():
    import shutil
    for base in ("tls12-aes-gcm.pcap", "tls13-chacha.pcap", "mixed-linktypes.pcapng", "demo.pcapng"):
        cap = os.path.join(FIX, base)
        keys = os.path.join(FIX, os.path.splitext(base)[0] + ".keys")
        args = ["--json", "--keylog", keys]
        rc, plain, _ = run(args + [cap])
        conns = sum(1 for o in json_lines(plain) if o.get("type") == "connection")
        rc_gz, out_gz, err_gz = run(args + [gz(cap, base + ".gz")])
        tap(rc_gz == rc and report(out_gz) == report(plain) and conns > 0,
            "%s.gz: the same report as the plain file (%d connections)" % (base, conns), err_gz)
        for tool, ext in (("zstd", ".zst"), ("xz", ".xz")):
            if not shutil.which(tool):
                tap(True, "# SKIP %s missing" % tool)
                continue
            rc_z, out_z, err_z = run(args + [packed(tool, cap, base + ext)])
            tap(rc_z == rc and report(out_z) == report(plain), "%s%s: the same report as the plain file" % (base, ext),
                err_z)
        if base == "mixed-linktypes.pcapng":
            continue  # interfaces of different link types need a second read: a file, not a pipe
        with open(cap, "rb") as f:
            rc_in, out_in, err_in = run(args + ["-"], stdin=f.read())
        tap(rc_in == rc and report(out_in) == report(plain), "%s on standard input: the same report" % base, err_in)
        if base == "demo.pcapng":  # compressed on standard input too (told by the first bytes)
            raw = open(cap, "rb").read()
            packs = [("gzip", gzip.compress(raw))]
            for tool in ("zstd", "xz"):
                if shutil.which(tool):
                    packs.append((tool, subprocess.run([tool, "-c"], input=raw, stdout=subprocess.PIPE).stdout))
            for tool, data in packs:
                rc_z, out_z, err_z = run(args + ["-"], stdin=data)
                tap(rc_z == rc and report(out_z) == report(plain), "%s compressed by %s on standard input: the same report"
                    % (base, tool), err_z)

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

    # the pieces of a rotated capture, given together, give the whole capture's report
    import shutil
    if shutil.which("editcap") and shutil.which("mergecap"):
        rot = os.path.join(TMP, "rot")
        os.mkdir(rot)
        subprocess.run(["editcap", "-c", "7", os.path.join(FIX, "demo.pcapng"), os.path.join(rot, "piece.pcapng")],
                       check=True)
        pieces = sorted(os.path.join(rot, p) for p in os.listdir(rot))
        k = ["--json", "--keylog", os.path.join(FIX, "demo.keys")]
        rc0, whole, _ = run(k + [os.path.join(FIX, "demo.pcapng")])
        rc1, merged, err = run(k + pieces)
        tap(len(pieces) > 5 and rc1 == rc0 and report(merged) == report(whole),
            "%d pieces (editcap -c 7) given together: the whole capture's report" % len(pieces), err)
        conn = [o for o in json_lines(merged) if o.get("type") == "connection"][0]
        spans = conn.get("files", [])
        # merged frame m is frame (m-1)%7+1 of piece (m-1)//7
        exact = all(sp["file"] == pieces[(sp["first_frame"] - 1) // 7] and
                    sp["file_first_frame"] == (sp["first_frame"] - 1) % 7 + 1 and
                    sp["last_frame"] - sp["first_frame"] == sp["file_last_frame"] - sp["file_first_frame"]
                    for sp in spans)
        used = (conn["last_frame"] + 6) // 7  # the pieces holding frames 1..last_frame
        tap(len(spans) == 4 and conn["files_skipped"] == used - 4 and exact and
            spans[-1]["last_frame"] == conn["last_frame"] and conn["capture"] == pieces[0],
            "the connection names its files and their frames: the first, the last three, %d skipped between"
            % (used - 4), json.dumps(spans))
        rc1, text, _ = run(k[1:] + pieces)
        tap("43-49 = %s frames 1-7" % pieces[6] in text, "the text report: merged frames 43-49 are piece 7's 1-7",
            text[:600])
        rc2, separate, err2 = run(k + ["--separate"] + pieces)
        tap(report(separate) != report(whole) and "without --separate they are read as one" in err2,
            "--separate: each piece alone (connections cut), and a notice says they look like one capture", err2)
        rc1, merged, err = run(k + [rot])
        tap(rc1 == rc0 and report(merged) == report(whole), "a directory of pieces: the same report", err)
        mixed = [os.path.join(FIX, "mixed-linktypes.pcapng"), os.path.join(FIX, "demo.pcapng")]
        rc1, together, err = run(["--json"] + mixed)
        rc2, apart, _ = run(["--json", "--separate"] + mixed)
        def conns(out):
            return sorted((o["client"]["port"], o["status"], json.dumps(o["records"], sort_keys=True))
                          for o in json_lines(out) if o.get("type") == "connection")
        tap(rc1 == rc2 and conns(together) == conns(apart) and len(conns(apart)) == 3 and "read on its own" in err,
            "a pcapng with interfaces of different link types among others: read on its own, as with --separate", err)
        rc1, _, err = run([os.path.join(FIX, "snaplen-200.pcap"), os.path.join(FIX, "demo.pcapng")])
        tap(rc1 == 2 and "snaplen-200.pcap: frame 4 (merged frame " in err,
            "an input error in a merge names the file and its frame, and the merged frame", err)
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
        rc1, merged, err = run(["--json"] + keys + two)
        rc2, by_mergecap, _ = run(["--json"] + keys + [mc])
        tap(rc1 == rc2 and report(merged) == report(by_mergecap) and merged.count('"connection"') == 2,
            "two captures given together: the report of mergecap's file, frame for frame", err)
        rc3, old, err = run(["--json", "--merge"] + keys + two)
        tap(rc3 == rc1 and old == merged, "--merge (the default now) is accepted and changes nothing", err)
    else:
        tap(True, "# SKIP editcap/mergecap missing")

    # a .zst and a .xz cut in the middle: one line naming the file, exit 2
    if shutil.which("zstd") and shutil.which("xz"):
        for tool, ext in (("zstd", ".zst"), ("xz", ".xz")):
            whole = open(packed(tool, os.path.join(FIX, "demo.pcapng"), "whole" + ext), "rb").read()
            cut = os.path.join(TMP, "cut.pcapng" + ext)
            with open(cut, "wb") as f:
                f.write(whole[:len(whole) // 2])
            rc, out, err = run([cut])
            tap(rc == 2 and err.count("\n") == 1 and cut in err, "%s cut in the middle: one line naming it, exit 2"
                % ext, err)

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
