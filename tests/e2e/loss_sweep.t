#!/usr/bin/env python3
# loss_sweep.t - one frame lost by the capture (as a busy tcpdump or a
# kernel drop loses it), for every frame of clean real sessions: the
# connection must not be reported failed, since nothing failed on the wire.
# A lost frame explains a Finished that does not match (the transcript lacks
# a message), a record that does not open and a stateful cipher out of
# step; the verdict is then "unknown", never a fault of the peers or the
# path. Drops whose verdict is still wrong are marked TODO with the reason
# (open work, listed in the closing note), so that they are seen, not hidden.
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_tap import tap, done_testing, run_main, json_lines  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(ROOT, "tests", "fixtures")
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
TMP = tempfile.mkdtemp(prefix="badmac-loss-")
CLEAN = ["tls13-chacha.pcap", "tls12-aes-gcm.pcap", "tls13-resumed.pcap", "openssl13-to-gnutls.pcap",
         "tls12-cbc-noetm.pcap", "tls10-rc4.pcap", "tls10-aes-cbc.pcap", "tls10-null-sha.pcap"]
# (capture, frame): why the verdict is still wrong
TODO = {}


def frames(cap):
    p = subprocess.run(["capinfos", "-c", "-M", cap], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for line in p.stdout.decode().splitlines():
        if "Number of packets" in line:
            return int(line.split()[-1])
    return 0


def main():
    if not shutil.which("editcap") or not shutil.which("capinfos"):
        tap(True, "# SKIP editcap/capinfos missing")
        return done_testing()
    for name in CLEAN:
        cap = os.path.join(FIX, name)
        keys = os.path.splitext(cap)[0] + ".keys"
        p = subprocess.run([BADMAC, "--json", "--keylog", keys, cap], stdout=subprocess.PIPE)
        whole = [o["status"] for o in json_lines(p.stdout.decode()) if o.get("type") == "connection"]
        tap(whole and all(s == "ok" for s in whole), "%s: every connection ok as captured" % name)
        for i in range(1, frames(cap) + 1):
            cut = os.path.join(TMP, "cut.pcapng")
            subprocess.run(["editcap", cap, cut, str(i)], check=True, stderr=subprocess.DEVNULL)
            p = subprocess.run([BADMAC, "--json", "--keylog", keys, cut], stdout=subprocess.PIPE)
            bad = [(o["status_reason"], (o.get("diagnosis") or {}).get("cause")) for o in json_lines(p.stdout.decode())
                   if o.get("type") == "connection" and o["status"] == "failed"]
            why = TODO.get((name, i))
            tap(not bad, "%s without frame %d: not reported failed" % (name, i), str(bad), todo=why)
    return done_testing()


if __name__ == "__main__":
    run_main(main, TMP)
