#!/usr/bin/env python3
# keep.t - --keep-failures DIR (issue 13): every failed connection of every
# fixture and frozen real-peer failure (tests/golden/corpus) with keys gets
# a pcapng of its own in DIR, mode 0600, holding its packets and the keys
# that decrypt it (a Decryption Secrets Block); `badmac FILE` with no key
# option gives the same verdict (status, cause, confidence, the repaired
# bit) from that file alone. A verdict proven from another connection
# (stale resumption: the session's earlier handshake) is "likely" from the
# evidence alone: the same cause. Clean connections leave no file; tshark
# decrypts the evidence with no key file.
import json
import glob
import os
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_tap import tap, done_testing, run_main, json_lines  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
TMP = tempfile.mkdtemp(prefix="badmac-keep-")


def run(args):
    p = subprocess.run([BADMAC] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def conns(out):
    return [o for o in json_lines(out) if o.get("type") == "connection"]


def verdict(o):
    d = o.get("diagnosis") or {}
    r = d.get("repair") or {}
    return (o["status"], d.get("cause"), d.get("confidence"), r.get("stream_offset"), r.get("bit"))


def main():
    caps = sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "corpus", "*.pcap*")) +
                  glob.glob(os.path.join(FIX, "*.pcap*")))
    n_failed = n_caps = 0
    for cap in caps:
        keys = os.path.splitext(cap)[0] + ".keys"
        if not os.path.exists(keys):
            continue
        d = os.path.join(TMP, "ev-" + os.path.basename(cap))
        rc, out, err = run(["--json", "--keep-failures", d, "--keylog", keys, cap])
        cs = conns(out)
        failed = [c for c in cs if c["status"] == "failed"]
        files = sorted(os.listdir(d)) if os.path.isdir(d) else []
        problems = []
        if len(files) != len(failed):
            problems.append("%d files for %d failed connections" % (len(files), len(failed)))
        for c in failed:
            ev = (c.get("evidence") or {}).get("file")
            if not ev or not os.path.isfile(ev):
                problems.append("#%d: no evidence file" % c["id"])
                continue
            if stat.S_IMODE(os.stat(ev).st_mode) != 0o600:
                problems.append("#%d: mode %o" % (c["id"], stat.S_IMODE(os.stat(ev).st_mode)))
            _, again, err2 = run(["--json", ev])
            e = conns(again)
            want = verdict(c)
            if want[1] == "stale_resumption" and want[2] == "proven":
                want = want[:2] + ("likely",) + want[3:]
            if len(e) != 1 or verdict(e[0]) != want:
                problems.append("#%d: %s, from the evidence alone %s" % (c["id"], verdict(c),
                                                                         [verdict(x) for x in e]))
        n_caps += 1
        n_failed += len(failed)
        tap(not problems, "%s: %d failed, each its evidence file reproducing the verdict"
            % (os.path.basename(cap), len(failed)), "; ".join(problems) + err)
    tap(n_caps > 60 and n_failed > 50, "%d captures, %d failed connections" % (n_caps, n_failed))

    # clean connections leave no file (the directory is made, 0700)
    d = os.path.join(TMP, "clean")
    rc, out, err = run(["--keep-failures", d, "--keylog", os.path.join(FIX, "tls12-aes-gcm.keys"),
                        os.path.join(FIX, "tls12-aes-gcm.pcap"), os.path.join(FIX, "tls13-chacha.pcap")])
    tap(rc == 0 and os.listdir(d) == [] and stat.S_IMODE(os.stat(d).st_mode) == 0o700,
        "clean connections: no evidence file (the directory made 0700)", out + err)

    # the text report names the file; tshark decrypts it with no key file
    d = os.path.join(TMP, "demo")
    rc, out, err = run(["--keep-failures", d, "--keylog", os.path.join(FIX, "demo.keys"),
                        os.path.join(FIX, "demo.pcapng")])
    files = [os.path.join(d, f) for f in os.listdir(d)] if os.path.isdir(d) else []
    tap(rc == 1 and len(files) == 1 and ("evidence file: %s (63 packets, key log lines: 1)" % files[0]) in out,
        "the text report names the evidence file", out[-400:])
    if shutil.which("tshark") and files:
        p = subprocess.run(["tshark", "-r", files[0], "-Y", "tls.alert_message.desc == 20"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        tap(p.stdout.count(b"Bad Record MAC") == 1, "tshark decrypts the evidence alone: the bad_record_mac alert",
            p.stdout.decode()[-300:])
    else:
        tap(True, "# SKIP tshark missing")

    # an evidence directory that cannot be made: usage-level error, exit 2
    blocker = os.path.join(TMP, "file")
    open(blocker, "w").close()
    rc, out, err = run(["--keep-failures", os.path.join(blocker, "sub"), os.path.join(FIX, "demo.pcapng")])
    tap(rc == 2 and "--keep-failures" in err and err.count("\n") == 1, "a directory that cannot be made: one line, exit 2",
        err)
    return done_testing()


if __name__ == "__main__":
    run_main(main, TMP)
