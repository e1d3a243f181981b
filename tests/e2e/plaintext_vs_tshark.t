#!/usr/bin/env python3
# badmac --export-plaintext against tshark's decryption ("Follow TLS stream",
# raw): for every fixture in TESTLIST with a key log, each connection
# direction must be byte-identical (one TAP line per direction). Where
# badmac lists missing records (DIR/ID.json: a record that failed its check,
# or was not captured), only the bytes before the first gap are compared:
# tshark may show a forged record's bytes, badmac leaves them out. A
# direction tshark shows nothing for while badmac decrypted data is a SKIP
# with the reason on the line.
import json, os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_tshark import follow, stream_map, by_role, export_gaps  # noqa: E402

top = os.path.abspath(os.path.join(os.path.dirname(sys.argv[0]), "..", ".."))
fix = os.path.join(top, "tests", "fixtures")
badmac = os.environ.get("BADMAC", os.path.join(top, "build", "badmac"))
n = 0
failed = 0


def tap(ok, name, skip=None):
    global n, failed
    n += 1
    if skip:
        print("ok %d - %s # SKIP %s" % (n, name, skip))
        return
    print("%sok %d - %s" % ("" if ok else "not ", n, name))
    if not ok:
        failed += 1


if not shutil.which("tshark"):
    print("1..0 # SKIP tshark not installed")
    sys.exit(0)

env = dict(os.environ)
env.pop("SSLKEYLOGFILE", None)


for line in open(os.path.join(fix, "TESTLIST")):
    f = line.split()
    if not f or f[0].startswith("#") or len(f) < 3 or f[2] == "-":
        continue
    name, cap, keys = f[0], os.path.join(fix, f[1]), os.path.join(fix, f[2])
    d = tempfile.mkdtemp()
    try:
        r = subprocess.run([badmac, "--json", "--keylog", keys, "--export-plaintext", d, cap], capture_output=True,
                           text=True, env=env)
        conns = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{"type":"connection"')]
        smap = stream_map(cap)
        want = {}
        for c in conns:
            k = frozenset([(c["client"]["ip"], str(c["client"]["port"])), (c["server"]["ip"], str(c["server"]["port"]))])
            if k in smap:
                want[c["id"]] = (c, smap[k])
        streams = sorted({s for _, s in want.values()})
        ts = follow(cap, keys, streams)
        ts2 = None
        for cid, (c, s) in sorted(want.items()):
            if not os.path.exists(os.path.join(d, "%d-client.bin" % cid)):
                print("# %s #%d: badmac has no keys for this connection (%s): nothing to compare" %
                      (name, cid, c.get("version")))
                continue
            gaps = export_gaps(d, cid)

            def theirs(res):
                return by_role(res, s, c["server"]["port"])

            first = theirs(ts)
            for role in ("client", "server"):
                mine = open(os.path.join(d, "%d-%s.bin" % (cid, role)), "rb").read()
                t = first[role]
                if t != mine:
                    if ts2 is None:
                        ts2 = follow(cap, keys, streams, True)
                    t2 = theirs(ts2)[role]
                    if t2 == mine or len(t2) > len(t):
                        print("# %s #%d %s: tshark with tcp.reassemble_out_of_order and tcp.check_checksum"
                              % (name, cid, role))
                        t = t2
                label = "%s #%d %s: %d bytes" % (name, cid, role, len(mine))
                if role in gaps:
                    at = gaps[role]
                    print("# %s #%d %s: badmac leaves out missing/failed records from byte %d: prefix compared"
                          % (name, cid, role, at))
                    tap(mine[:at] == t[:at], label + " (before the first gap) = tshark")
                elif not t and mine:
                    tap(True, label, "tshark decrypts nothing in this direction")
                elif t and len(t) < len(mine) and mine.startswith(t):
                    print("# %s #%d %s: tshark stops decrypting after %d of %d bytes (lost segment): prefix compared"
                          % (name, cid, role, len(t), len(mine)))
                    tap(True, label + " (tshark's %d bytes are its prefix)" % len(t))
                else:
                    tap(mine == t, label + " = tshark")
                    if mine != t:
                        print("#   tshark: %d bytes" % len(t))
    finally:
        shutil.rmtree(d, ignore_errors=True)

print("1..%d" % n)
sys.exit(1 if failed else 0)
