#!/usr/bin/env python3
# Stale resumption from either side's key log, or both (issue 11 item 4):
# the frozen captures of field report 02 (tests/golden/corpus/
# field-stale-resumption-{client,server,both}, made by
# tests/matrix/field/stale-resumption-tls10.sh: gnutls-cli resumes through
# the relay, the mbedTLS server resumes with the master of the session
# stored before) give stale_resumption on both legs of the resumed
# connection, whichever key log is given, with evidence saying which side
# holds which master secret. The key logs are the real peers': the
# client's (gnutls SSLKEYLOGFILE: no line for the resumption, its session
# is the full handshake's) and the server's (one line per connection: for
# the resumed one, the stale master). With the client's log the server's
# master is not in the keys (likely); with the server's, or both, its
# Finished verifies and the session's master is another (proven). Two
# lines for the resumed client random (the client's and the server's, in
# either order) prove it too.
import json, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_tap import tap, done_testing

top = os.path.abspath(os.path.join(os.path.dirname(sys.argv[0]), "..", ".."))
corpus = os.path.join(top, "tests", "golden", "corpus")
badmac = os.environ.get("BADMAC", os.path.join(top, "build", "badmac"))
env = dict(os.environ)
env.pop("SSLKEYLOGFILE", None)
RESUMED = "9842ac07f34655283c469399b55c12f2f435bebe6f3c30fa30aed0d9475de727"
CLIENT_MS = ("5c2312f18c03bb645b1d670b0b6d4ac2c8560bcb8bf11cc0e7735ce8775b62da"
             "00ebc09780d20bc87447baac0d7d643f")


def run(cap, keys):
    r = subprocess.run([badmac, "--json", "--keylog", keys, cap], capture_output=True, text=True, env=env)
    conns = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{"type":"connection"')]
    return r.returncode, conns


def check(name, cap, keys, conf):
    rc, conns = run(cap, keys)
    res = [c for c in conns if c.get("resumed")]
    full = [c for c in conns if not c.get("resumed")]
    tap(rc == 1 and len(res) == 2, "%s: exit 1, the resumed connection on both legs" % name, (rc, len(res)))
    for c in res:
        d = c.get("diagnosis") or {}
        tap(c.get("failed") and d.get("cause") == "stale_resumption" and d.get("confidence") == conf,
            "%s: frame %s: stale_resumption (%s)" % (name, c.get("first_frame"), conf),
            (d.get("cause"), d.get("confidence"), d.get("summary")))
        ev = " | ".join(d.get("evidence", []))
        tap("receiver_fault" not in json.dumps(d), "%s: not receiver_fault" % name)
        if conf == "proven":
            tap("server" in d.get("summary", "") and "client" in ev,
                "%s: the evidence names the server's and the client's master secrets" % name, d)
    tap(len(full) == 2 and all((c.get("diagnosis") or {}).get("cause") == "healthy" for c in full),
        "%s: the full handshakes are healthy" % name)


for side, conf in (("client", "likely"), ("server", "proven"), ("both", "proven")):
    check(side + " key log", os.path.join(corpus, "field-stale-resumption-%s.pcapng" % side),
          os.path.join(corpus, "field-stale-resumption-%s.keys" % side), conf)

# Both sides logged the resumed client random, with different masters.
srv = open(os.path.join(corpus, "field-stale-resumption-server.keys")).read()
cli_line = "CLIENT_RANDOM %s %s\n" % (RESUMED, CLIENT_MS)
with tempfile.TemporaryDirectory() as d:
    for order, text in (("server line first", srv + cli_line), ("client line first", cli_line + srv)):
        k = os.path.join(d, "keys.log")
        with open(k, "w") as f:
            f.write(text)
        check("two lines, " + order, os.path.join(corpus, "field-stale-resumption-both.pcapng"), k, "proven")

sys.exit(done_testing())
