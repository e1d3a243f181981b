#!/usr/bin/env python3
# adversarial.t - the captures built to blow up badmac's limits
# (bench/adversarial.py; issue 12), at 1/100 of their full size: each one
# finishes, keeps stderr within the per-file quota, writes valid JSON and
# still reports the real TLS session it carries, verified with its key
# log. The full-size figures (peak RSS, time) are measured by
# `python3 bench/adversarial.py run` and written in docs/bad-input.md.
#
# Memory that once grew with what the capture held, now bounded (regression
# tests of issue 12's measurements): 20,000 SYNs analysed with a key log
# (18 KiB of TLS and decryption state per SYN: 364 MB), 20,000 data
# segments cut to 64 bytes by the snaplen (13.6 KiB per frame: 1.36 GB for
# 100,000): each now stays under 64 MiB.
#
# Then the cap on connection state (--max-state): 2,000 half-open
# connections each holding a partial ClientHello, analysed under a 1 MiB
# cap, report every connection, say in one notice how many were closed
# early, and stay far below what the uncapped run takes.
#
# Last the budget of the bit searches (--search-budget): a 16 KB 3DES-CBC-SHA
# record damaged by a burst (no single bit repairs it; its full search
# costs about 1 GiB of work) analysed under a 1 MiB budget: the search
# stops, the verdict says so, one notice counts it; with the default budget
# the search runs to its end.
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_tap import tap, done_testing, run_main, json_lines  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import adversarial  # noqa: E402

BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
TMP = tempfile.mkdtemp(prefix="badmac-adv-")


def main():
    adversarial.make(TMP, 0.01)
    for name in adversarial.SHAPES:
        row = adversarial.check(BADMAC, TMP, name)
        if row is None:
            tap(False, "%s: capture made" % name)
            continue
        tap(row["problems"] == [], "%s (%.1f MB): finished, %d stderr lines, JSON valid, the real session "
            "verified" % (name, row["mb"], row["stderr_lines"]), "\n".join(row["problems"]))

    for name, gen in (("syn-20000", lambda p: adversarial.syn_flood(p, 20000)),
                      ("snaplen-20000", lambda p: adversarial.snaplen64(p, 20000))):
        path = os.path.join(TMP, name + ".pcap")
        p = adversarial.Pcap(path)
        gen(p)
        p.good()
        p.close()
        st, _, rss, out, _ = adversarial.measure([BADMAC, "--json", "--keylog", adversarial.GOOD_KEYS, path])
        good = any(adversarial.good_session(o) for o in json_lines(out.decode()))
        tap(rss < 64 * 1024 and good, "%s: peak RSS %d KiB (under 64 MiB), the real session verified" % (name, rss))

    cap = os.path.join(TMP, "half-open-2000.pcap")
    p = adversarial.Pcap(cap)
    adversarial.half_open(p, 2000)
    p.good()
    p.close()
    keys = ["--keylog", adversarial.GOOD_KEYS]
    full = adversarial.measure([BADMAC, "--json"] + keys + [cap])
    capped = adversarial.measure([BADMAC, "--json", "--max-state", "1M"] + keys + [cap])
    conns = [o for o in json_lines(capped[3].decode()) if o.get("type") == "connection"]
    tap(len(conns) == 2001, "--max-state 1M: all 2,001 connections reported (%d)" % len(conns))
    err = capped[4].decode()
    tap("connections still open were closed early to stay within the limits" in err and
        err.count("\n") <= 2, "one notice says connections were closed early", err)
    tap(any(adversarial.good_session(o) for o in conns), "the real session still verified")
    tap(capped[2] * 2 < full[2], "peak RSS %d KiB capped, %d KiB without the cap" % (capped[2], full[2]))
    bad = adversarial.measure([BADMAC, "--max-state", "12Q", cap])
    tap(bad[0] == 2 and b"--max-state takes a size" in bad[4], "a malformed --max-state is a usage error")

    burst = os.path.join(ROOT, "tests", "golden", "corpus", "mx-gnutls-gnutls_tls1.0_3DES-CBC-SHA-etm-burst")
    for budget, stops in ((["--search-budget", "1M"], True), ([], False)):
        st, _, _, out, err = adversarial.measure([BADMAC, "--json", "--keylog", burst + ".keys"] + budget +
                                                 [burst + ".pcapng"])
        diag = [o.get("diagnosis") or {} for o in json_lines(out.decode()) if o.get("type") == "connection"]
        said = [d for d in diag if any("budget for bit searches is spent" in e for e in d.get("evidence", []))]
        what = " ".join(budget) or "default budget"
        tap(st == 1 and (len(said) == 1) == stops and (b"bit searches cut short" in err) == stops,
            "%s: the search %s" % (what, "stops and the verdict and a notice say so" if stops else "runs to its end"),
            err.decode())
    return done_testing()


if __name__ == "__main__":
    run_main(main, TMP)
