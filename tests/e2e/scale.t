#!/usr/bin/env python3
# scale.t - many connections (issue 14), on copies of a real session
# (bench/replicate.py: GnuTLS client, OpenSSL server, TLS 1.2 AES-256-GCM,
# each copy its own client address and port):
# - one after another: memory follows the connections open at once, not
#   the total (closed connections leave the table 2 MSL after their last
#   packet): peak RSS for 30,000 connections within 8 MB of 15,000's (-j 1, -j 2; before, +15 MB);
# - all open at once, under a --max-state too small for them: every
#   connection is reported (not split into fragments met mid-stream), the
#   summary counts the ones closed early, a notice says so on stderr;
#   the same capture with room for them all: none closed early;
# - -j N and --shard I/N + badmac merge give the report of one thread,
#   byte for byte (text and JSON, captures merged or --separate, with and
#   without keys), the shards run by GNU parallel as a user would;
#   badmac merge says which line of which file it cannot read and goes on.
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_tap import tap, done_testing, run_main, json_lines  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
FIX = os.path.join(ROOT, "tests", "fixtures")
SESSION = os.path.join(FIX, "gnutls12-to-openssl.pcap")
KEYS = os.path.join(FIX, "gnutls12-to-openssl.keys")
TMP = tempfile.mkdtemp(prefix="badmac-scale-")


def replicate(n, open_at_once=False):
    path = os.path.join(TMP, "%s%d.pcap" % ("open" if open_at_once else "seq", n))
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "replicate.py")] +
                       (["--open"] if open_at_once else []) + [SESSION, path, str(n)], check=True)
    return path


def run(args):
    """(exit status, stdout, stderr)."""
    p = subprocess.run([BADMAC] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def rss_kib(args):
    """Peak RSS of one run, measured by a fresh Python (ru_maxrss of
    RUSAGE_CHILDREN is the largest child so far)."""
    code = ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,"
            "stderr=subprocess.DEVNULL);print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    return int(subprocess.run([sys.executable, "-c", code, BADMAC] + args, stdout=subprocess.PIPE,
                              check=True).stdout)


def summary(out):
    objs = list(json_lines(out))
    return objs[-1] if objs and objs[-1].get("type") == "summary" else {}, \
        [o for o in objs if o.get("type") == "connection"]


def main():
    # one after another
    # 100 connections a second: closed ones leave after 120 s, ~12,000 of them
    small, big = replicate(15000), replicate(30000)
    for j in ("1", "2"):
        r_small = rss_kib(["-j", j, "--json", small])
        r_big = rss_kib(["-j", j, "--json", big])
        tap(r_big - r_small < 8 * 1024, "-j %s: 30,000 connections one after another: peak RSS %d KiB, within 8 MiB "
            "of 15,000's (%d KiB)" % (j, r_big, r_small))
    st, out, err = run(["--json", "--keylog", KEYS, big])
    s, conns = summary(out)
    tap(st == 0 and s.get("connections") == 30000 and s.get("closed_early") == 0 and
        all(c["records"]["server"]["verified"] == 3 for c in conns),
        "with the key log: 30,000 connections, each verified, none closed early", err[-500:] or s)

    # all open at once
    many = replicate(4000, open_at_once=True)
    st, out, err = run(["--json", "--max-state", "16M", many])
    s, conns = summary(out)
    early = s.get("closed_early", -1)
    tap(s.get("connections") == 4000 and len(conns) == 4000,
        "4,000 connections open at once under --max-state 16M: 4,000 reported, no fragment met mid-stream",
        s)
    tap(not any(c["midstream"] for c in conns), "none of them taken for a connection met mid-stream")
    tap(0 < early < 4000, "the summary counts the connections closed early (%d)" % early)
    notice = [ln for ln in err.splitlines() if "closed early to stay within the limits" in ln]
    told = sum(int(ln.split("notice: ")[1].split()[0]) for ln in notice)
    tap(1 <= len(notice) <= 2 and told == early, "a notice on stderr (one per thread) says how many", err[-800:])
    tap(len(err.splitlines()) <= 104, "stderr bounded (%d lines)" % len(err.splitlines()))
    st, out, err = run(["-j", "1", "--json", "--max-state", "16M", many])
    s1, _ = summary(out)
    notice = [ln for ln in err.splitlines() if "closed early to stay within the limits" in ln]
    tap(len(notice) == 1 and s1.get("connections") == 4000 and
        notice[0].split("notice: ")[1].startswith("%d connections" % s1.get("closed_early", -1)),
        "-j 1: one notice says how many (%s)" % s1.get("closed_early"), err[-800:])
    st, out, err = run(["--json", "--keylog", KEYS, many])
    s, conns = summary(out)
    tap(s.get("connections") == 4000 and s.get("closed_early") == 0 and
        sum(c["records"]["client"]["verified"] + c["records"]["server"]["verified"] for c in conns) == 4000 * 5,
        "the same with the default --max-state and the key log: none closed early, every record verified", s)
    # -j and --shard/merge: the report of one thread
    corpus = sorted(glob.glob(os.path.join(FIX, "*.pcap"))) + \
        sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "corpus", "*.pcapng")))
    keys = os.path.join(FIX, "demo-tls13.keys")
    for label, args in (("merged, keyless", []), ("merged, key log", ["--keylog", keys]),
                        ("--separate, keyless", ["--separate"]), ("--separate, key log", ["--separate", "--keylog", keys])):
        st1, one, err1 = run(["-j", "1", "--json"] + args + corpus)
        stn, many, errn = run(["-j", "3", "--json"] + args + corpus)
        tap(one == many and st1 == stn and sorted(err1.splitlines()) == sorted(errn.splitlines()),
            "%s, %d captures: -j 3 writes the JSON of -j 1 byte for byte (%d connections), the same stderr "
            "lines" % (label, len(corpus), one.count('"type":"connection"')))
    st1, one, _ = run(["-j", "1"] + corpus)
    stn, many, _ = run(["-j", "4"] + corpus)
    tap(one == many and st1 == stn, "text report: -j 4 = -j 1")
    st1, one, _ = run(["-j", "1", "--json", "--keylog", KEYS, big])
    stn, many, _ = run(["-j", "2", "--json", "--keylog", KEYS, big])
    tap(one == many, "30,000 connections with keys: -j 2 = -j 1")

    parallel = shutil.which("parallel")
    tap(parallel is not None, "GNU parallel is installed (scripts/install-deps.sh test)")
    if parallel:
        for label, args in (("keyless", []), ("key log", ["--keylog", keys])):
            shards = os.path.join(TMP, "shard")
            # {} is the shard index; --results would also work: one file per job here
            p = subprocess.run([parallel, "--will-cite", "-j", "4", BADMAC, "--json"] + args +
                               ["--shard", "{}/4"] + corpus + [">", shards + "{}.jsonl", "2>/dev/null", ";", "true",
                                ":::", "0", "1", "2", "3"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            st, merged, err = run(["merge"] + [shards + "%d.jsonl" % i for i in range(4)])
            st1, one, _ = run(["-j", "1", "--json"] + args + corpus)
            counts = [open(shards + "%d.jsonl" % i).read().count('"type":"connection"') for i in range(4)]
            tap(p.returncode == 0 and merged == one and st == st1 and sum(c > 0 for c in counts) >= 2,
                "%s: 4 shards run by GNU parallel (%s connections each), badmac merge = one run, exit %d" %
                (label, "/".join(map(str, counts)), st), err or p.stderr.decode()[-400:])
    lines = open(os.path.join(TMP, "shard0.jsonl")).read().splitlines()
    bad = os.path.join(TMP, "bad.jsonl")
    with open(bad, "w") as f:
        f.write("\n".join(lines[:2] + ["{not json", '{"type":"connection","id":1}'] + lines[2:]) + "\n")
    st, merged, err = run(["merge", bad] + [os.path.join(TMP, "shard%d.jsonl" % i) for i in (1, 2, 3)])
    tap(st == 2 and "bad.jsonl: line 3: not a line of badmac --json" in err and
        "bad.jsonl: line 4: a connection line not as badmac --json writes it" in err and
        merged.count('"type":"connection"') == one.count('"type":"connection"'),
        "merge: a broken line and a foreign connection line named by file and line, exit 2, every other "
        "connection still merged", err)
    cut = os.path.join(TMP, "nonl.jsonl")  # connection lines only, the last without its newline
    conn_lines = [ln for ln in lines if '"type":"connection"' in ln]
    with open(cut, "w") as f:
        f.write("\n".join(conn_lines))
    st, merged, err = run(["merge", cut])
    out = merged.splitlines()
    tap(len(out) == len(conn_lines) + 2 and all(ln.startswith("{") and ln.endswith("}") for ln in out),
        "merge: a last line without its newline still ends its line", merged[-300:])
    st, _, err = run(["--shard", "4/4", corpus[0]])
    tap(st == 2 and "--shard takes I/N" in err, "--shard 4/4 refused", err)
    st, _, err = run(["-j", "0", corpus[0]])
    tap(st == 2 and "-j takes" in err, "-j 0 refused", err)
    return done_testing()


if __name__ == "__main__":
    run_main(main, TMP)
