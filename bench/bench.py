#!/usr/bin/env python3
"""bench/bench.py - every figure of issue 14 side by side, in one run (`make bench`).

Captures (made once, kept in bench/out/): the big transfers of bench/mkcap.sh (TLS 1.3 and 1.2
AES-128-GCM, TLS 1.2 ChaCha20-Poly1305 and AES-128-CBC-SHA, 200 MB each, MTU 1500, and a 1 GB TLS 1.3
one), and short connections: a real session between a GnuTLS client and an OpenSSL server (TLS 1.2
AES-256-GCM, handshake and a small request; tests/fixtures/gnutls12-to-openssl.pcap) copied 10,000,
100,000 and 1,000,000 times by bench/replicate.py, each copy its own client address and port.

Each capture is measured with badmac (one thread and the default, all cores; with and without the key
log), tshark (`-z follow,tls,raw,0`, which dissects and decrypts every record), ssldump (TLS <= 1.2) and
the floors: libpcap's read (tcpdump -r -w /dev/null) and, with keys, that plus the TLS bytes at
`openssl speed`'s single-core decryption rate. The commands run in turns (one run of each, then the next
round: a busy moment hits every tool alike) and the median of the rounds is kept, with the peak RSS.
Results: a table per capture, the ratios issue 14 asks for, printed and written to bench/results.md.

Environment: ROUNDS (3; 1 for the 1M-connection capture), SIZES (short-connection counts, default
10000,100000,1000000), BIG=0 (skip the big transfers), TSHARK_MEM (16G: tshark's address-space limit;
on a million connections it needs more and the row says so), PAUSE_PIDS (processes to SIGSTOP while
measuring, e.g. a fuzzer: its CPU time limit is not affected).
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
SIZES = [int(x) for x in os.environ.get("SIZES", "10000,100000,1000000").split(",") if x]
SESSION = os.path.join(ROOT, "tests", "fixtures", "gnutls12-to-openssl.pcap")
SESSION_KEYS = os.path.join(ROOT, "tests", "fixtures", "gnutls12-to-openssl.keys")
BIG = [("tls13-aes128gcm", None, "aes-128-gcm"), ("tls12-aes128gcm", None, "aes-128-gcm"),
       ("tls12-chacha", None, "chacha20-poly1305"), ("tls12-aes128cbc", None, "aes-128-cbc+hmac-sha1"),
       ("tls13-aes128gcm", 1000, "aes-128-gcm")]
TIMEIT = os.path.join(OUT, "timeit")


def sh(cmd, **kw):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, **kw)


def ensure_tools():
    os.makedirs(OUT, exist_ok=True)
    sh(["sh", os.path.join(ROOT, "scripts", "install-deps.sh"), "bench"], check=True)
    sh(["make", "-C", ROOT, "build/badmac"], check=True, stdout=subprocess.DEVNULL)
    src = os.path.join(HERE, "timeit.c")
    if not os.path.exists(TIMEIT) or os.path.getmtime(src) > os.path.getmtime(TIMEIT):
        sh(["cc", "-O2", "-o", TIMEIT, src], check=True)


def big_capture(kind, size_mb):
    name = kind if size_mb is None else "%s-%dmb" % (kind, size_mb)
    cap, keys = os.path.join(OUT, name + ".pcap"), os.path.join(OUT, name + ".keys")
    if not os.path.exists(cap):
        if os.geteuid() != 0:
            print("bench: %s missing and not root (bench/mkcap.sh needs network namespaces): skipped" % name)
            return None
        sh(["sh", os.path.join(HERE, "mkcap.sh"), kind] + ([str(size_mb)] if size_mb else []), check=True)
    return name, cap, keys


def short_capture(n):
    cap = os.path.join(OUT, "short-%d.pcap" % n)
    if not os.path.exists(cap):
        print("bench: making %s (%d copies of a real session)" % (os.path.basename(cap), n), flush=True)
        sh([sys.executable, os.path.join(HERE, "replicate.py"), SESSION, cap + ".tmp", str(n)], check=True)
        os.rename(cap + ".tmp", cap)
    return "short-%d" % n, cap, SESSION_KEYS


_speed = {}


def crypto_rate(kind):
    """Bytes per second one core decrypts (openssl speed, 16 KB buffers)."""
    if kind in _speed:
        return _speed[kind]

    def one(args):
        out = sh(["openssl", "speed"] + args + ["-bytes", "16384", "-seconds", "2"], stdout=subprocess.PIPE,
                 stderr=subprocess.DEVNULL).stdout.decode().strip().splitlines()
        return float(out[-1].split()[-1].rstrip("k")) * 1000
    if kind == "aes-128-cbc+hmac-sha1":
        a, h = one(["-evp", "aes-128-cbc", "-decrypt"]), one(["-hmac", "sha1"])
        r = 1 / (1 / a + 1 / h)
    else:
        r = one(["-evp", kind, "-decrypt"])
    _speed[kind] = r
    return r


def tls_bytes(cap):
    out = sh([sys.executable, os.path.join(HERE, "pcapstat.py"), cap], stdout=subprocess.PIPE, check=True)
    m = re.search(r"tcp_payload=(\d+)", out.stdout.decode())
    return int(m.group(1)) if m else os.path.getsize(cap)


def run_once(argv, limit=None):
    """(wall s, peak RSS KiB, exit, cpu s)."""
    res = os.path.join(OUT, "timeit.out")
    cmd = [TIMEIT, res] + argv
    if limit:
        cmd = ["prlimit", "--as=" + str(limit), "--"] + cmd
    with open(os.devnull, "w") as null:
        sh(cmd, stdout=null, stderr=null)
    try:
        w, m, c, u, s = open(res).read().split()[:5]
        return float(w), int(m), int(c), float(u) + float(s)
    except (OSError, ValueError):
        return float("nan"), 0, -1, float("nan")


def measure(rows, rounds):
    """rows: [(label, argv, limit)] run in turns; {label: (median wall, max rss, exits, median cpu)}."""
    got = {label: [] for label, _, _ in rows}
    for _ in range(rounds):
        for label, argv, limit in rows:
            got[label].append(run_once(argv, limit))
    out = {}
    for label, runs in got.items():
        out[label] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs),
                      sorted({r[2] for r in runs}), statistics.median(r[3] for r in runs))
    return out


def tool_rows(cap, keys, tls13, short):
    ts = ["tshark", "-r", cap, "-q", "-z", "follow,tls,raw,0", "--disable-protocol", "http"]
    mem = os.environ.get("TSHARK_MEM", "16G")
    limit = int(float(mem[:-1]) * (1 << {"K": 10, "M": 20, "G": 30}[mem[-1]])) if mem[-1] in "KMG" else int(mem)
    rows = [("floor: libpcap read", ["tcpdump", "-r", cap, "-w", "/dev/null"], None),
            ("badmac keyless -j 1", [BADMAC, "-j", "1", "--json", cap], None),
            ("badmac keyless", [BADMAC, "--json", cap], None),
            ("badmac keys -j 1", [BADMAC, "-j", "1", "--json", "--keylog", keys, cap], None),
            ("badmac keys", [BADMAC, "--json", "--keylog", keys, cap], None),
            ("tshark keyless", ts, limit),
            ("tshark keys", ts[:4] + ["-o", "tls.keylog_file:" + keys] + ts[4:], limit)]
    if not tls13:
        rows += [("ssldump keyless", ["ssldump", "-r", cap, "-n"], None),
                 ("ssldump keys", ["ssldump", "-r", cap, "-l", keys, "-n"], None)]
    return rows


def table(name, size, res, floor_keys, n_conns=None):
    lines = ["### %s (%.0f MB%s)" % (name, size / 1e6, ", %s connections" % format(n_conns, ",") if n_conns else ""),
             "", "| tool | median s | MB/s | peak RSS MB | x floor | exit |" + (" us/conn |" if n_conns else ""),
             "|---|---:|---:|---:|---:|---|" + ("---:|" if n_conns else "")]
    floor = res["floor: libpcap read"][0]
    for label, (w, rss, exits, _cpu) in res.items():
        f = floor_keys if "keys" in label else floor
        lines.append("| %s | %.3f | %.0f | %.1f | %.2f | %s |%s" % (
            label, w, size / 1e6 / w if w == w and w > 0 else 0, rss / 1024, w / f if f else 0,
            ",".join(map(str, exits)), " %.1f |" % (w / n_conns * 1e6) if n_conns else ""))
    lines.append("| decrypting floor (read + openssl speed) | %.3f | | | 1.00 | |%s" % (floor_keys, " |" if n_conns else ""))
    return lines


def ratio(a, b):
    return a / b if b and a == a and b == b else float("nan")


def main():
    ensure_tools()
    pause = [int(p) for p in os.environ.get("PAUSE_PIDS", "").split() if p]
    for p in pause:  # note: a fuzzer's per-input timeout is wall time: a pause long enough reads as a hang
        try:
            os.kill(p, signal.SIGSTOP)
        except OSError:
            pass
    md = ["# bench/results.md", "",
          "Made by `make bench` (bench/bench.py) on %s UTC: %d cores, %s; medians of %d rounds run in turns "
          "(the million-connection capture: one round); page cache warm." % (
              time.strftime("%Y-%m-%d %H:%M", time.gmtime()), os.cpu_count(), os.uname().release, ROUNDS), ""]
    checks = []
    try:
        if os.environ.get("BIG", "1") != "0":
            md += ["## Big transfers", ""]
            for kind, size_mb, crypto in BIG:
                got = big_capture(kind, size_mb)
                if not got:
                    continue
                name, cap, keys = got
                print("bench: %s" % name, flush=True)
                sh(["cat", cap], stdout=subprocess.DEVNULL)
                res = measure(tool_rows(cap, keys, kind.startswith("tls13"), False), ROUNDS)
                fk = res["floor: libpcap read"][0] + tls_bytes(cap) / crypto_rate(crypto)
                md += table(name, os.path.getsize(cap), res, fk) + [""]
                if name == "tls13-aes128gcm":
                    checks.append(("TLS 1.3 with keys: tshark / badmac >= 15",
                                   ratio(res["tshark keys"][0], res["badmac keys"][0]), 15))
                    checks.append(("TLS 1.3 with keys, one thread: badmac / decrypting floor <= 1.1",
                                   ratio(res["badmac keys -j 1"][0], fk), -1.1))
                    checks.append(("TLS 1.3 with keys, all cores: badmac / decrypting floor < 1",
                                   ratio(res["badmac keys"][0], fk), -0.9999))
                if name == "tls12-aes128gcm":
                    checks.append(("TLS 1.2 GCM with keys: ssldump / badmac >= 1.3",
                                   ratio(res["ssldump keys"][0], res["badmac keys"][0]), 1.3))
        md += ["## Short connections", ""]
        series = []
        for n in SIZES:
            name, cap, keys = short_capture(n)
            print("bench: %s" % name, flush=True)
            sh(["cat", cap], stdout=subprocess.DEVNULL)
            rounds = 1 if n >= 1000000 else ROUNDS
            res = measure(tool_rows(cap, keys, False, True), rounds)
            fk = res["floor: libpcap read"][0] + tls_bytes(cap) / crypto_rate("aes-128-gcm")
            md += table(name, os.path.getsize(cap), res, fk, n) + [""]
            series.append((n, res))
            if n >= 100000:
                checks.append(("%s connections keyless: ssldump / badmac >= 3" % format(n, ","),
                               ratio(res["ssldump keyless"][0], res["badmac keyless"][0]), 3))
                t = res["tshark keys"]
                if t[2] != [0]:  # out of its address space: it would have taken at least this long
                    checks.append(("%s connections with keys: tshark / badmac >= 3 (tshark stopped by its "
                                   "%s memory limit after %.0f s)" % (format(n, ","), os.environ.get("TSHARK_MEM",
                                                                                            "16G"), t[0]),
                                   ratio(t[0], res["badmac keys"][0]), 3))
                else:
                    checks.append(("%s connections with keys: tshark / badmac >= 3" % format(n, ","),
                                   ratio(t[0], res["badmac keys"][0]), 3))
                checks.append(("%s connections keyless, one thread: us per connection < 20" % format(n, ","),
                               res["badmac keyless -j 1"][0] / n * 1e6, -20))
        if series:
            md += ["### Growth with the number of connections", "",
                   "| connections | badmac keyless s | us/conn | RSS MB | badmac keys s | us/conn | RSS MB |",
                   "|---:|---:|---:|---:|---:|---:|---:|"]
            for n, res in series:
                k, y = res["badmac keyless -j 1"], res["badmac keys -j 1"]
                md.append("| %s | %.2f | %.1f | %.1f | %.2f | %.1f | %.1f |" % (
                    format(n, ","), k[0], k[0] / n * 1e6, k[1] / 1024, y[0], y[0] / n * 1e6, y[1] / 1024))
            md.append("")
    finally:
        for p in pause:
            try:
                os.kill(p, signal.SIGCONT)
            except OSError:
                pass
    md += ["## Issue 14's targets", "", "| target | measured | holds |", "|---|---:|---|"]
    for text, value, want in checks:
        ok = value <= -want if want < 0 else value >= want
        md.append("| %s | %.2f | %s |" % (text, value, "yes" if ok else "NO"))
    md.append("")
    text = "\n".join(md)
    print(text)
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
