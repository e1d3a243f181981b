#!/usr/bin/env python3
# Capture loss (tests/fixtures/loss, made by derive.sh from clean fixtures by
# deleting server frames): with the key log badmac must resynchronise after
# the gap, find the sequence number again by trial, verify every record
# after it (failed == 0), say how many records the gap swallowed, count a
# record cut by the gap as undecryptable (not failed), and export the
# plaintext around the gap intact. tshark's behaviour on the same file is
# printed as a '#' note (it stops decrypting some streams after a lost
# segment), not tested.
import json, os, re, shutil, subprocess, sys, tempfile

top = os.path.abspath(os.path.join(os.path.dirname(sys.argv[0]), "..", ".."))
fix = os.path.join(top, "tests", "fixtures")
loss = os.path.join(fix, "loss")
badmac = os.environ.get("BADMAC", os.path.join(top, "build", "badmac"))
env = dict(os.environ)
env.pop("SSLKEYLOGFILE", None)
n = failed = 0


def tap(ok, name, diag=None):
    global n, failed
    n += 1
    print("%sok %d - %s" % ("" if ok else "not ", n, name))
    if not ok:
        failed += 1
        if diag:
            print("#   " + str(diag))


def run(cap, keys, d):
    r = subprocess.run([badmac, "--json", "--keylog", keys, "--export-plaintext", d, cap], capture_output=True,
                       text=True, env=env)
    conns = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{"type":"connection"')]
    return r.returncode, conns, r.stderr


for line in open(os.path.join(loss, "LIST")):
    f = line.split()
    if not f or f[0].startswith("#"):
        continue
    name, src, keys, frames, lost, cut = f[0], f[1], os.path.join(fix, f[2]), f[3], int(f[4]), int(f[5])
    cap = os.path.join(loss, name + ".pcap")
    d0, d1 = tempfile.mkdtemp(), tempfile.mkdtemp()
    try:
        _, orig, _ = run(os.path.join(fix, src), keys, d0)
        rc, conns, err = run(cap, keys, d1)
        tap(len(conns) == 1 and len(orig) == 1, "%s: one connection (frames %s deleted)" % (name, frames))
        if len(conns) != 1 or len(orig) != 1:
            continue
        c, o = conns[0], orig[0]
        rs, ro = c["records"]["server"], o["records"]["server"]
        tap(rs["failed"] == 0 and c["records"]["client"]["failed"] == 0, "%s: no record fails" % name,
            c["records"])
        tap(not c["failed"] and rc == 0, "%s: not a failed connection, exit 0" % name, (c["failed"], rc, err))
        tap(c["finished"] == {"client": "ok", "server": "ok"}, "%s: both Finished verified" % name)
        tap(rs["undecryptable"] == cut, "%s: %d record(s) cut by the gap counted undecryptable" % (name, cut),
            rs["undecryptable"])
        tap(rs["verified"] == ro["verified"] - lost - cut,
            "%s: every other server record verified (%d of %d)" % (name, rs["verified"], ro["verified"]))
        lines = [p for p in c["problems"] if "lost in the capture gap" in p]
        if lost:
            want = r"^%d records? lost in the capture gap before server record #\d+ \(sequence number recovered" % lost
            tap(len(lines) == 1 and re.match(want, lines[0]), "%s: problem line: %d record(s) lost in the gap"
                % (name, lost), lines)
        else:
            tap(not lines, "%s: no records lost (the cut record keeps its sequence number)" % name, lines)
        # The exported plaintext is the original's with the missing records left out, at the place the sidecar says.
        cid, oid = c["id"], o["id"]
        mine = open(os.path.join(d1, "%d-server.bin" % cid), "rb").read()
        theirs = open(os.path.join(d0, "%d-server.bin" % oid), "rb").read()
        side = json.load(open(os.path.join(d1, "%d.json" % cid)))
        gaps = [g for g in side["gaps"] if g["direction"] == "server"]
        at = gaps[0]["at"] if gaps else -1
        kinds = sorted({g["kind"] for g in gaps})
        tap(len(gaps) == 1 and kinds == (["lost"] if lost else ["undecryptable"]),
            "%s: the sidecar lists the gap (%s)" % (name, ",".join(kinds)), side)
        tap(at >= 0 and theirs[:at] == mine[:at] and theirs.endswith(mine[at:]) and len(mine) < len(theirs),
            "%s: plaintext around the gap intact (%d of %d bytes)" % (name, len(mine), len(theirs)))
        if shutil.which("tshark"):
            out = subprocess.run(["tshark", "-r", cap, "-o", "tls.keylog_file:" + keys, "-q", "-z",
                                  "follow,tls,raw,0"], capture_output=True, text=True, env=env).stdout
            srv = sum(len(l.strip()) // 2 for l in out.splitlines() if re.fullmatch(r"\t[0-9a-f]+", l))
            cli = sum(len(l.strip()) // 2 for l in out.splitlines() if re.fullmatch(r"[0-9a-f]+", l))
            print("# tshark on %s (%s): decrypts %d + %d bytes (the two directions), badmac %d server bytes%s" %
                  (name, c["version"], cli, srv, len(mine),
                   "; tshark stops after the lost segment" if max(cli, srv) < len(mine) else ""))
    finally:
        shutil.rmtree(d0, ignore_errors=True)
        shutil.rmtree(d1, ignore_errors=True)

print("1..%d" % n)
sys.exit(1 if failed else 0)
