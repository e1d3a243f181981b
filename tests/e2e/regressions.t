#!/usr/bin/env python3
# regressions.t - inputs that once crashed badmac or made it misbehave
# (issue 12, hostile input), each rebuilt from the fixtures and run as
# badmac runs on a user's capture. One TAP block per input.
#
# 1. One bit flipped in the client's Finished of an RSA key-exchange
#    capture, analysed with --rsa-key: the stale-session search at close
#    hashed the transcript after it had been freed (NULL, SIGSEGV). The
#    session hash is now kept at the ClientKeyExchange.
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_tap import tap, done_testing, run_main  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
sys.path.insert(0, FIX)
import flip_pcap  # noqa: E402

TMP = tempfile.mkdtemp(prefix="regressions.")


def run(*args):
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    return subprocess.run([BADMAC, "--json", *args], capture_output=True, text=True, env=env, timeout=120)


def conns(p):
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{"type":"connection"')]


def main():
    cap = os.path.join(TMP, "rsa-kx-finished-flip.pcap")
    index, frame = flip_pcap.flip(os.path.join(FIX, "tls12-rsa-kx.pcap"), cap, conn=1, role="client", index=3,
                                  body_off=20, bit=0)
    for keys in (["--rsa-key", os.path.join(FIX, "pki", "server.key")], []):
        label = "RSA kx, client Finished flipped, %s" % ("--rsa-key" if keys else "keyless")
        p = run(*keys, cap)
        tap(p.returncode in (0, 1), "%s: no crash (exit %d)" % (label, p.returncode), p.stderr)
        c = conns(p)
        tap(len(c) == 1, "%s: the connection is reported" % label)
        if keys and c:
            d = c[0].get("diagnosis") or {}
            bad = c[0].get("first_bad_record") or {}
            tap((bad.get("direction"), bad.get("index"), bad.get("frame")) == ("client", index, frame),
                "%s: the flipped Finished record is the first bad record (#%d, frame %d)" % (label, index, frame),
                json.dumps(bad))
            tap((d.get("cause"), d.get("confidence")) == ("in_path_corruption", "proven"),
                "%s: in_path_corruption proven (the repair verifies)" % label, json.dumps(d)[:400])
    return done_testing()


if __name__ == "__main__":
    run_main(main, TMP)
