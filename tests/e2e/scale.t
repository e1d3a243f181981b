#!/usr/bin/env python3
# scale.t - many connections (issue 14), on copies of a real session
# (bench/replicate.py: GnuTLS client, OpenSSL server, TLS 1.2 AES-256-GCM,
# each copy its own client address and port):
# - one after another: memory follows the connections open at once, not
#   the total (closed connections leave the table 2 MSL after their last
#   packet): peak RSS for 20,000 connections within a few MB of 2,000's;
# - all open at once, under a --max-state too small for them: every
#   connection is reported (not split into fragments met mid-stream), the
#   summary counts the ones closed early, a notice says so on stderr;
#   the same capture with room for them all: none closed early.
import os
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
    small, big = replicate(2000), replicate(20000)
    r_small = rss_kib(["--json", small])
    r_big = rss_kib(["--json", big])
    tap(r_big - r_small < 8 * 1024, "20,000 connections one after another: peak RSS %d KiB, within 8 MiB of "
        "2,000's (%d KiB)" % (r_big, r_small))
    st, out, err = run(["--json", "--keylog", KEYS, big])
    s, conns = summary(out)
    tap(st == 0 and s.get("connections") == 20000 and s.get("closed_early") == 0 and
        all(c["records"]["server"]["verified"] == 3 for c in conns),
        "with the key log: 20,000 connections, each verified, none closed early", err[-500:] or s)

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
    tap(len(notice) == 1 and notice[0].split("notice: ")[1].startswith("%d connections" % early),
        "one notice on stderr says how many", err[-800:])
    tap(len(err.splitlines()) <= 52, "stderr bounded (%d lines)" % len(err.splitlines()))
    st, out, err = run(["--json", "--keylog", KEYS, many])
    s, conns = summary(out)
    tap(s.get("connections") == 4000 and s.get("closed_early") == 0 and
        sum(c["records"]["client"]["verified"] + c["records"]["server"]["verified"] for c in conns) == 4000 * 5,
        "the same with the default --max-state and the key log: none closed early, every record verified", s)
    return done_testing()


if __name__ == "__main__":
    run_main(main, TMP)
