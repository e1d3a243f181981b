"""matrix.py - run TLS peer pairs through `badmac relay`, inject faults, and
check that badmac finds each one.  Driven by run.sh (see its header).

A row is pair x version x suite (x EtM for CBC suites, x truncated HMAC for
the mbedtls/mbedtls HMAC rows); a column is a fault class.  The 'none' cell
of a row runs first with a no-op probe (--delay ...:0, which logs every large
server application record) to learn the record indices; the fault cells then
target the 2nd large server record by index.  The 'intercept' cell runs the
pair through `badmac relay --intercept` (the relay terminates TLS with its own
CA and makes its own handshake to the server) and judges `badmac compare` on
the two legs.  Every cell keeps its files under OUT/cells/<row>/<fault>/.

Options: --slice (the CI slice), --rows REGEX (rows whose id matches),
--faults F,F (columns; 'none' always runs: it finds the record indices),
--rejudge [--no-rerun].  A filtered run writes OUT/partial.{json,md} and
leaves docs/interop.md alone."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import app_doc
import peers
from peers import NA

FAULTS = ("none", "flip", "burst", "drop", "dup", "swap", "truncate", "oversized", "intercept")
PAIRS = (  # (client lib, server lib, who writes the key log)
    ("openssl", "openssl", "client"),
    ("gnutls", "gnutls", "client"),
    ("mbedtls", "mbedtls", "client"),
    ("wolfssl", "openssl", "server"),   # wolfSSL here cannot export TLS 1.3 secrets
    ("openssl", "mbedtls", "client"),
    ("gnutls", "wolfssl", "client"),
)
# Application peers (peers.APPS): the new clients against openssl s_server
# and the Python server, the new servers (which write no key log) against
# the openssl/curl/python clients; JSSE writes no NSS key log either, so
# its pairs take the server's.  TLS 1.2 and 1.3, AES-GCM, every fault; a
# section of their own in docs/interop.md, with each peer's reaction.
APP_PAIRS = (
    ("python", "openssl", "client"),
    ("python+timeout", "openssl", "client"),
    ("curl", "openssl", "client"),
    ("java", "openssl", "server"),
    ("openssl", "nginx", "client"),
    ("curl", "nginx", "client"),
    ("python", "nginx", "client"),
    ("python+timeout", "nginx", "client"),
    ("openssl", "haproxy", "client"),
    ("curl", "haproxy", "client"),
    ("python", "haproxy", "client"),
    ("openssl", "python", "client"),
    ("java", "python", "server"),
)
APP_SUITES = ("AES-GCM",)
APP_SIZE = 70000      # nginx/HAProxy serve a static file: 4 full 16 KB records + 1
# the slice's application cells: (row id, faults besides none)
APP_SLICE = (("python-openssl_tls1.3_AES-GCM", ("flip",)),
             ("openssl-nginx_tls1.2_AES-GCM", ("flip",)))
ORDER = ("RC4-SHA", "3DES-CBC-SHA", "AES-CBC-SHA", "AES-CBC-SHA256", "AES-CBC-SHA384",
         "AES-GCM", "AES-256-GCM", "AES-CCM", "AES-CCM_8", "CHACHA20-POLY1305")
# Truncated HMAC (RFC 6066) rows: mbedTLS 2.28 as Debian builds it has
# MBEDTLS_SSL_TRUNCATED_HMAC (and not the pre-RFC _COMPAT variant).
TRUNC_PAIRS = (("mbedtls", "mbedtls"),)
TRUNC_SUITES = ("AES-CBC-SHA", "AES-CBC-SHA256")
SIZE = 40000          # response body: 2 full 16 KB records + 1 smaller
LARGE = 4096          # a server record at least this long is "large" (application data)
BADMAC = os.environ.get("BADMAC") or os.path.join(peers.TOP, "build", "badmac")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def listening(port):
    want = ":%04X" % port
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(f) as fh:
                for line in fh.readlines()[1:]:
                    x = line.split()
                    if x[1].endswith(want) and x[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def wait_for(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def stop(p, grace=2.0):
    """Wait GRACE seconds for P to exit, then SIGTERM, then SIGKILL its group."""
    if p is None:
        return None
    try:
        return p.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            break
        try:
            return p.wait(2)
        except subprocess.TimeoutExpired:
            continue
    return p.returncode


def fault_args(fault, k):
    sel = "s2c,index=%d" % k
    return {
        "flip": ["--flip", sel + ":100:3"],
        "burst": ["--burst", sel + ":200:16"],
        "drop": ["--drop", sel],
        "dup": ["--dup", sel],
        "swap": ["--swap", sel],
        "truncate": ["--truncate", sel + ":16"],
    }[fault]


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def run_cell(cell, d):
    """Runs one cell in directory d; returns a dict of what happened.  A
    cell whose server or relay could not start (its free port taken in
    between) runs once more on other ports."""
    for attempt in (1, 2):
        try:
            res = _run_cell(dict(cell), d)
        except (OSError, ValueError, subprocess.SubprocessError) as x:
            return {"error": "harness: %s" % x, "relay_log": []}
        if not str(res.get("error", "")).endswith(" did not start") and \
                "did not start:" not in str(res.get("error", "")):
            return res
    return res


def _run_cell(cell, d):
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    keys = os.path.join(d, "keys.log")
    cell["dir"] = d
    cell["server_port"] = free_port()
    cell["relay_port"] = free_port()
    srv_keys = keys if cell["keys_from"] == "server" else None
    cli_keys = keys if cell["keys_from"] == "client" else None
    sargv, senv, scwd = peers.server(cell["server"], cell, srv_keys)
    cargv, cenv, cin = peers.client(cell["client"], cell, cli_keys)
    procs = []
    res = {"server_argv": sargv, "client_argv": cargv}
    try:
        sp = subprocess.Popen(sargv, env=senv, cwd=scwd, stdin=subprocess.DEVNULL,
                              stdout=open(os.path.join(d, "server.out"), "w"),
                              stderr=open(os.path.join(d, "server.err"), "w"),
                              start_new_session=True)
        procs.append(sp)
        if not wait_for(lambda: listening(cell["server_port"]) or sp.poll() is not None, 5) \
                or sp.poll() is not None:
            res["error"] = "server did not start"
            return res
        rargv = [BADMAC, "relay", "--listen", "127.0.0.1:%d" % cell["relay_port"],
                 "--to", "127.0.0.1:%d" % cell["server_port"], "--once",
                 "--log", os.path.join(d, "relay.jsonl"),
                 "--pcap", os.path.join(d, "capture.pcapng"),
                 "--idle-timeout", "10"]
        if cell.get("intercept"):
            ca = cell["intercept"]
            rargv += ["--intercept", "--ca-cert", ca["cert"], "--ca-key", ca["key"],
                      "--keylog", os.path.join(d, "relay.keys")]
        else:
            rargv += ["--delay", cell.get("probe", "s2c,type=23,minlen=%d:0" % LARGE)]
        rargv += cell.get("fault_args", [])
        res["relay_argv"] = rargv
        rp = subprocess.Popen(rargv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(d, "relay.err"), "w"),
                              start_new_session=True)
        procs.append(rp)
        if not wait_for(lambda: listening(cell["relay_port"]) or rp.poll() is not None, 5) \
                or rp.poll() is not None:
            res["error"] = "relay did not start: %s" % read(os.path.join(d, "relay.err")).strip()[-120:]
            return res
        if cell.get("wire"):
            tp = wire_capture(cell["relay_port"], d)
            if tp is not None:
                procs.append(tp)
        cp = subprocess.Popen(cargv, env=cenv, stdin=subprocess.PIPE,
                              stdout=open(os.path.join(d, "client.out"), "w"),
                              stderr=open(os.path.join(d, "client.err"), "w"),
                              start_new_session=True)
        procs.append(cp)
        if cin is not None:
            try:
                cp.stdin.write(cin)
                cp.stdin.flush()
            except BrokenPipeError:
                pass
        # stdin stays open (s_client and gnutls-cli would quit on EOF) until
        # the client ends by itself: the server closed or an alert.
        t_client = time.time()
        try:
            crc = cp.wait(15)
        except subprocess.TimeoutExpired:
            crc = stop(cp, 0)
            res["client_timeout"] = True
        res["client_seconds"] = round(time.time() - t_client, 2)
        try:
            cp.stdin.close()
        except OSError:
            pass
        res["client_rc"] = crc
        res["relay_rc"] = stop(rp, 3)
        # gnutls-serv, nginx and HAProxy serve on: end them sooner
        res["server_rc"] = stop(sp, 0.3 if cell["server"] in ("gnutls", "nginx", "haproxy") else 1.5)
        if cell.get("wire") and procs[-2].args[0] == "tcpdump":
            time.sleep(0.2)
            stop(procs[-2], 0)
    finally:
        for p in procs:
            if p.poll() is None:
                stop(p, 0)
    res["client_result"] = peers.result_line(cell["client"], res["client_rc"],
                                             read(os.path.join(d, "client.out")),
                                             read(os.path.join(d, "client.err")))
    res["server_result"] = peers.result_line(cell["server"], res["server_rc"],
                                             read(os.path.join(d, "server.out")),
                                             read(os.path.join(d, "server.err")))
    res["relay_log"] = [json.loads(l) for l in read(os.path.join(d, "relay.jsonl")).splitlines()
                        if l.strip()]
    if os.path.exists(os.path.join(d, "capture.pcapng")):
        analyse(d, 60)
        res.update(legs(read(os.path.join(d, "badmac.json")), cell["relay_port"],
                        cell["server_port"]))
        res["keyless_leg"] = legs(read(os.path.join(d, "badmac-nokeys.json")),
                                  cell["relay_port"], cell["server_port"]).get("client_leg")
        res["wire_leg"] = legs(read(os.path.join(d, "badmac-wire.json")),
                               cell["relay_port"], cell["server_port"]).get("client_leg")
        res["pairs"] = compared(d)
        res["compare_err"] = read(os.path.join(d, "compare.err")).strip()[-300:]
    return res


def wire_capture(port, d):
    """tcpdump on lo of the client leg (the relay's port), or None (not
    root, no tcpdump).  The relay's --pcap shows the bytes that crossed its
    socket: a client's alert followed at once by its RST (close with unread
    data) never reaches the relay's read, the kernel drops it; the wire
    shows both.  Reactions are read from this capture."""
    if os.geteuid() != 0 or not shutil.which("tcpdump"):
        return None
    err = os.path.join(d, "tcpdump.err")
    tp = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "--immediate-mode", "-n", "-w", os.path.join(d, "wire.pcap"),
                           "tcp port %d" % port], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=open(err, "w"), start_new_session=True)
    if not wait_for(lambda: "listening on" in read(err) or tp.poll() is not None, 5) \
            or tp.poll() is not None:
        stop(tp, 0)
        return None
    return tp


def keylogs(d):
    """--keylog arguments of a cell: the peer's key log and, for an
    interception cell, the relay's (both legs)."""
    a = ["--keylog", os.path.join(d, "keys.log")]
    if os.path.exists(os.path.join(d, "relay.keys")):
        a += ["--keylog", os.path.join(d, "relay.keys")]
    return a


def legs(text, rport, sport):
    """client_leg / server_leg: the connections of badmac's JSON output
    whose server is the relay (rport) / the server (sport; None: any other)."""
    out = {}
    for l in text.splitlines():
        c = json.loads(l) if l.strip() else {}
        if c.get("type") != "connection":
            continue
        if c["server"]["port"] == rport:
            out["client_leg"] = c      # what the client received (s2c faults)
        elif sport is None or c["server"]["port"] == sport:
            out["server_leg"] = c
    return out


def compared(d):
    """The `pair` objects of the cell's compare.json (interception cells), or None."""
    if not os.path.exists(os.path.join(d, "compare.json")):
        return None
    return [p for p in (json.loads(l) for l in read(os.path.join(d, "compare.json")).splitlines()
                        if l.strip()) if p.get("type") == "pair"]


HANG = 9.0   # a client still there after this long waited for the relay's idle timeout (10 s)


def reaction(res, side):
    """What SIDE did in the cell, from the capture (badmac's JSON: alerts
    decrypted with the keys, end, end_by) and the client's run time:
    (class, detail).  class: 'alert NAME' (it sent a fatal alert), 'silent
    FIN' / 'RST' (it closed without an alert), 'hang' (the client was still
    waiting when the relay's idle timeout closed the connection, or the
    harness killed it), 'none' (the other side closed first, it sent
    nothing), '?' (no connection in the capture).  The client is read on
    the client leg, the server on the server leg (the relay is the other
    end of each)."""
    c = (res.get("wire_leg") or res.get("client_leg")) if side == "client" else res.get("server_leg")
    if c is None:
        return "?", "no %s leg in the capture" % side
    al = [a for a in c.get("alerts") or [] if a.get("from") == side]
    fatal = [a for a in al if a.get("level") != "warning"
             and a.get("description") != "close_notify"]
    notify = [a for a in al if a.get("description") == "close_notify"]
    end, by = c.get("end"), c.get("end_by")
    tcp = "%s by %s" % (end, by) if by else end
    hung = side == "client" and (res.get("client_timeout") or
                                 (res.get("client_seconds") or 0) >= HANG)
    if fatal:
        a = fatal[0]
        name = a.get("description") or "encrypted"
        cls = "alert " + name
        det = "%s%s, then %s" % (cls, " (inferred)" if a.get("inferred") else "", tcp)
    elif hung:
        cls, det = "hang", "client waited %ss; TCP %s" % (res.get("client_seconds"), tcp)
    elif by == side:
        cls = "RST" if end == "rst" else "silent FIN"
        if notify and end != "rst":
            cls = "close_notify+FIN"
        det = "%s (TCP %s)" % (cls, tcp)
    elif end == "open":
        cls, det = "hang", "connection still open when the capture ended"
    else:
        cls, det = "none", "the other side closed first (TCP %s)%s" % (
            tcp, ", close_notify" if notify else "")
    return cls, det


def keyless_of(res, fault):
    """The keyless column: badmac's verdict on the client leg with no key
    material, its status (failed / unknown / ok) and whether that is right:
    a fault cell must not be ok (failed, or unknown: the evidence does not
    decide), a clean cell must not be failed (docs/diagnoses.md)."""
    c = res.get("keyless_leg")
    if c is None:
        return None
    d = verdict_of(c)
    status = c.get("status") or ("failed" if c.get("failed") else "ok")
    clean = fault in ("none", "intercept")
    return {"cause": d.get("cause"), "confidence": d.get("confidence"), "status": status,
            "flagged": status == "failed",
            "right": status != "failed" if clean else status != "ok",
            "summary": d.get("summary")}


def cell_extras(res, fault):
    """What a cell records besides its verdict: both peers' reactions, the
    keyless verdict, whether badmac (with keys) flags the connection failed."""
    out = {"client_reaction": reaction(res, "client"), "server_reaction": reaction(res, "server"),
           "keyless": keyless_of(res, fault), "client_seconds": res.get("client_seconds"),
           "client_timeout": bool(res.get("client_timeout"))}
    c = res.get("wire_leg") or res.get("client_leg")
    out["capture"] = "wire" if res.get("wire_leg") else "relay"
    if c is not None:
        out["flagged"] = bool(c.get("failed"))
        out["end"] = [c.get("end"), c.get("end_by")]
    return out


def large_records(res):
    return [e["record_index"] for e in res.get("relay_log", [])
            if e.get("fault") == "delay" and e.get("direction") == "s2c"
            and e.get("length", 0) >= LARGE]


def clean_ok(c):
    """A connection that verifies completely: why not, or None."""
    if c is None:
        return "no connection in the capture"
    if c.get("keys") is None:
        return "no keys matched"
    r = c["records"]
    for side in ("client", "server"):
        if r[side]["failed"] or r[side]["undecryptable"]:
            return "%s records: %d failed, %d undecryptable" % (
                side, r[side]["failed"], r[side]["undecryptable"])
        if r[side]["verified"] == 0:
            return "no %s record verified" % side
    if c["finished"] != {"client": "ok", "server": "ok"}:
        return "Finished: client %s, server %s" % (c["finished"]["client"], c["finished"]["server"])
    if c["failed"]:
        return "connection failed"
    if c["first_bad_record"]:
        return "a bad record"
    return None


# What badmac's verdict must say for each fault (docs/diagnoses.md):
#   flip       in_path_corruption, proven, repair at the relay log's byte/bit
#   burst      in_path_corruption or sender_fault, possible or likely, no repair
#              (200 random bytes are beyond the repair search; one vantage point)
#   truncate   the same as burst: the relay removed the last 16 body bytes and
#              fixed the length field, so the record is well formed, its tag/MAC
#              is gone; nothing can repair it, and from one capture point a
#              sender that wrote a short record cannot be told from a path that
#              cut it
#   drop, dup, swap   sequence_desync
#   oversized  record_too_large
#   none       healthy
UNREPAIRABLE = (("in_path_corruption", "sender_fault"), ("possible", "likely"))
WANT_CAUSE = {"flip": (("in_path_corruption",), ("proven",)), "burst": UNREPAIRABLE,
              "truncate": UNREPAIRABLE, "drop": (("sequence_desync",), ("proven",)),
              "dup": (("sequence_desync",), ("proven",)), "swap": (("sequence_desync",), ("proven",)),
              "oversized": (("record_too_large",), ("proven", "likely")),
              "none": (("healthy",), ("proven",))}


def verdict_of(c):
    return (c or {}).get("diagnosis") or {}


def cause_problem(fault, c, applied):
    """None when badmac's verdict is the right one for FAULT, else why not."""
    d = verdict_of(c)
    causes, confs = WANT_CAUSE[fault]
    got = "%s/%s" % (d.get("cause"), d.get("confidence"))
    if d.get("cause") not in causes or d.get("confidence") not in confs:
        return got
    rep = d.get("repair")
    if fault == "flip":
        e = applied[0]
        if not rep or rep.get("record_offset") != e.get("record_offset") or rep.get("bit") != e.get("bit"):
            return "%s, repair %s (relay: byte %s bit %s)" % (
                got, rep and "byte %s bit %s" % (rep.get("record_offset"), rep.get("bit")),
                e.get("record_offset"), e.get("bit"))
    elif rep:
        return "%s with a repair at byte %s: no repair can be right" % (got, rep.get("record_offset"))
    return None


def judge(fault, res, k):
    """(verdict, detail) of a fault cell: FOUND #k CAUSE, WRONG CAUSE (got X),
    MISSED, or ERROR."""
    if "error" in res:
        return "ERROR", res["error"]
    c = res.get("client_leg")
    if c is None:
        return "ERROR", "no client leg in the capture"
    applied = [e for e in res["relay_log"] if e.get("fault") == fault
               and not str(e.get("note", "")).startswith("skipped")]
    if not applied:
        notes = [e.get("note") for e in res["relay_log"] if e.get("fault") == fault]
        return "ERROR", "relay did not apply the fault %s" % (notes or "")
    fb = c.get("first_bad_record")
    want = {"flip": (k,), "burst": (k,), "truncate": (k,), "drop": (k, k + 1),
            "dup": (k, k + 1), "swap": (k, k + 1)}[fault]
    d = verdict_of(c)
    if fb and fb["direction"] == "server" and fb["index"] in want:
        where = "%s at server record %d, badmac: %s #%d (%s); verdict %s/%s: %s" % (
            fault, k, fb["direction"], fb["index"], fb["reason"], d.get("cause"),
            d.get("confidence"), d.get("summary"))
        bad = cause_problem(fault, c, applied)
        if bad:
            return "WRONG CAUSE (got %s)" % bad, where
        return "FOUND #%d %s" % (fb["index"], d.get("cause")), where
    got = "none" if not fb else "%s #%d (%s)" % (fb["direction"], fb["index"], fb["reason"])
    return "MISSED", "%s at server record %d, badmac first_bad_record: %s; verdict %s/%s" % (
        fault, k, got, d.get("cause"), d.get("confidence"))


def judge_none(res):
    """The clean run: every record verifies and the verdict is healthy."""
    why = res.get("error") or clean_ok(res.get("client_leg")) or clean_ok(res.get("server_leg"))
    if why:
        return "FAIL", why
    for leg in ("client_leg", "server_leg"):
        bad = cause_problem("none", res.get(leg), [])
        if bad:
            return "WRONG CAUSE (got %s)" % bad, "%s: %s" % (leg, verdict_of(res.get(leg)).get("summary"))
    return "ok", "all records verified, Finished ok both ways, healthy"


def negotiated(c):
    """What a connection negotiated, for the table: version, suite, EtM, trunc."""
    x = (c or {}).get("extensions") or {}
    return {"version": (c or {}).get("version"), "suite": (c or {}).get("cipher_suite"),
            "etm": x.get("encrypt_then_mac"), "trunc": x.get("truncated_hmac")}


def negotiation_problem(row, c, leg="client leg"):
    """None when connection C negotiated what ROW says (EtM for +EtM rows,
    none for -EtM rows, truncated_hmac exactly on +trunc-HMAC rows), else
    why not.  A row label the session did not honour is a harness error."""
    if c is None or not c.get("cipher_suite"):
        return None      # no handshake seen: the verdict says why
    n = negotiated(c)
    offered = ((c.get("extensions") or {}).get("offered")) or {}
    if row.get("etm") is not None and bool(n["etm"]) != row["etm"]:
        return "harness: the row is %sEtM but the %s %s encrypt_then_mac (client %s it)" % (
            "+" if row["etm"] else "-", leg, "negotiated" if n["etm"] else "did not negotiate",
            "offered" if offered.get("encrypt_then_mac") else "did not offer")
    if bool(n["trunc"]) != bool(row.get("trunc")):
        return "harness: the row is %s but the %s %s truncated_hmac (client %s it)" % (
            "+trunc-HMAC" if row.get("trunc") else "without truncated HMAC", leg,
            "negotiated" if n["trunc"] else "did not negotiate",
            "offered" if offered.get("truncated_hmac") else "did not offer")
    return None


INTERCEPT_CA = "CN=badmac relay interception CA"


def judge_intercept(res):
    """FOUND interception when `badmac compare` on the two legs says
    interception by the relay's CA and analysed both legs with keys as
    healthy; WRONG CAUSE / MISSED / ERROR otherwise."""
    if "error" in res:
        return "ERROR", res["error"]
    pairs = res.get("pairs")
    if not pairs:
        return "ERROR", "compare paired no connection (compare.err: %s)" % res.get("compare_err", "")
    if len(pairs) != 1:
        return "ERROR", "compare found %d pairs, expected 1" % len(pairs)
    p = pairs[0]
    ic = p.get("interception") or {}
    ls = ic.get("legs") or []
    legs_txt = "; ".join("%s leg (%s): %s/%s%s" % (
        l.get("leg"), l.get("side"), l.get("verdict"), l.get("confidence"),
        "" if l.get("keyed") else " without keys") for l in ls)
    if p.get("verdict") != "interception":
        return "MISSED", "compare verdict %s: %s" % (p.get("verdict"), p.get("explanation"))
    if ic.get("intercepted_by") != INTERCEPT_CA:
        return "WRONG CAUSE (got interceptor %s)" % ic.get("intercepted_by"), legs_txt
    if [l.get("leg") for l in ls] != ["client", "server"] or not all(l.get("keyed") for l in ls):
        return "ERROR", "harness: both legs not analysed with keys: %s" % (legs_txt or "no legs")
    bad = [l for l in ls if l.get("verdict") != "healthy" or l.get("failed")]
    if bad or ic.get("failed_leg"):
        return "WRONG CAUSE (got %s)" % ", ".join(
            "%s leg %s" % (l.get("leg"), l.get("verdict")) for l in bad), legs_txt
    for leg in ("client_leg", "server_leg"):
        why = clean_ok(res.get(leg))
        if why:
            return "FAIL", "%s: %s" % (leg.replace("_", " "), why)
    cn, sn = negotiated(res.get("client_leg")), negotiated(res.get("server_leg"))
    return "FOUND interception", "intercepted by \"%s\" (%s); client leg %s %s%s, server leg %s %s%s; %s" % (
        ic.get("intercepted_by"), "certificate decrypted with the keys" if ic.get(
            "certificates_decrypted") else "certificate in the clear",
        cn["version"], cn["suite"], " EtM" if cn["etm"] else "",
        sn["version"], sn["suite"], " EtM" if sn["etm"] else "", legs_txt)


def judge_cell(row, fault, res, k, mfl=512):
    """The verdict of one cell of ROW: a session that did not negotiate what
    the row says is a harness error whatever badmac found."""
    if "error" not in res:
        why = negotiation_problem(row, res.get("client_leg"))
        if fault == "intercept" and not why:
            why = negotiation_problem(row, res.get("server_leg"), "server leg")
        if why:
            return "ERROR", why
    if fault == "none":
        return judge_none(res)
    if fault == "oversized":
        return judge_oversized(res, mfl)
    if fault == "intercept":
        return judge_intercept(res)
    return judge(fault, res, k)


def first_oversized(log, mfl):
    """Index of the first server record over MFL: plaintext before the
    server's ChangeCipherSpec, MFL + 2048 (the most any suite may add) after."""
    ccs = False
    for e in sorted((e for e in log if e.get("fault") == "delay" and e.get("direction") == "s2c"),
                    key=lambda e: e["record_index"]):
        if e["type"] == 20:
            ccs = True
            continue
        if e["length"] > (mfl + 2048 if ccs else mfl):
            return e
    return None


def judge_oversized(res, mfl):
    if "error" in res:
        return "ERROR", res["error"]
    c = res.get("client_leg")
    if c is None:
        return "ERROR", "no client leg in the capture"
    first = first_oversized(res["relay_log"], mfl)
    ov = c["records"]["server"]["oversized_records"]
    neg = c["extensions"]["max_fragment_length"]
    if first is None:
        return "ERROR", "the server sent no record over the limit"
    what = "handshake record (mbedTLS does not fragment handshake messages to the " \
        "negotiated length)" if first["type"] == 22 else "record (mfl-ignore fault)"
    if ov and ov[0]["index"] == first["record_index"]:
        d = verdict_of(c)
        bad = cause_problem("oversized", c, [])
        if bad and not c["failed"] and d.get("cause") == "healthy" and any(
                "over the negotiated limit" in e for e in d.get("evidence", [])):
            bad = None  # the receiver accepted it: healthy, with the over-limit records noted
        if bad:
            return "WRONG CAUSE (got %s)" % bad, "first server record over the limit #%d; verdict: %s" % (
                first["record_index"], verdict_of(c).get("summary"))
        return "FOUND #%d %s" % (first["record_index"], verdict_of(c).get("cause")), \
            "max_fragment_length %s negotiated; the " \
            "first server record over it is #%d, a %d-byte %s; badmac: oversized %s; " \
            "client: %s" % (neg, first["record_index"], first["length"], what,
                            ["#%d" % o["index"] for o in ov], res.get("client_result"))
    return "MISSED", "server record %d (%d bytes) over the limit (mfl %s), badmac oversized: %s" % (
        first["record_index"], first["length"], neg, ov)


def rows(slice_only):
    """(client, server, keys_from, version, suite, etm, trunc) of every row."""
    out = []
    if slice_only:
        for cl, sv, kf in PAIRS[:4]:
            for v in ("1.2", "1.3"):
                if v in peers.VERSIONS[cl] and v in peers.VERSIONS[sv]:
                    out.append((cl, sv, kf, v, "AES-GCM", None, False))
        return out
    for cl, sv, kf in PAIRS:
        for v in ("1.0", "1.1", "1.2", "1.3"):
            for s in ORDER:
                if v not in peers.SUITES[s]["versions"]:
                    continue
                etms = (True, False) if peers.SUITES[s]["kind"] == "cbc" else (None,)
                truncs = (False, True) if (cl, sv) in TRUNC_PAIRS and s in TRUNC_SUITES else (False,)
                for t in truncs:
                    for e in etms:
                        out.append((cl, sv, kf, v, s, e, t))
    return out


def app_rows(slice_only):
    """The application peers' rows (APP_PAIRS), the slice's two of them."""
    out = [(cl, sv, kf, v, s, None, False) for cl, sv, kf in APP_PAIRS
           for v in ("1.2", "1.3") for s in APP_SUITES]
    if slice_only:
        want = dict(APP_SLICE)
        out = [r for r in out if row_id(r) in want]
    return out


def row_id(r):
    cl, sv, _, v, s, e, t = r
    etm = "" if e is None else ("+etm" if e else "-etm")
    return "%s-%s_tls%s_%s%s%s" % (cl, sv, v, s, etm, "+trunc" if t else "")


def intercept_support():
    """None when this badmac's relay has --intercept, else why not."""
    p = subprocess.run([BADMAC, "relay", "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10)
    if b"--intercept" not in p.stdout:
        return "this badmac relay has no --intercept mode (badmac relay --help)"
    return None


def intercept_na(suite, version, trunc):
    """Why the relay cannot intercept this row's session, or None: it
    terminates both legs with OpenSSL 3 (libssl, as Debian builds it) and
    mirrors the client leg's version and suite on the server leg."""
    if trunc:
        return "the relay terminates TLS with OpenSSL, which does not implement " \
            "truncated_hmac (RFC 6066): the session would not be the row's"
    try:
        peers.check("openssl", suite, version)
    except NA as x:
        return "the relay terminates TLS with OpenSSL 3: %s" % x
    return None


def make_ca(out):
    """The relay's interception CA (P-256, subject INTERCEPT_CA), once per run."""
    d = os.path.join(out, "intercept-ca")
    os.makedirs(d, exist_ok=True)
    ca = {"cert": os.path.join(d, "ca.pem"), "key": os.path.join(d, "ca.key")}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca["key"], "-out", ca["cert"],
                    "-days", "7", "-subj", "/" + INTERCEPT_CA,
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, check=True, timeout=30)
    return ca


def run(out, slice_only, log, row_re=None, only=None):
    """Runs the rows (matching ROW_RE) and columns (ONLY, a set; 'none'
    always runs) of the matrix; the slice has one interception cell."""
    faults = ("none", "flip", "drop", "intercept") if slice_only else FAULTS
    if only:
        faults = tuple(f for f in faults if f == "none" or f in only)
    www = os.path.join(out, "www")
    os.makedirs(www, exist_ok=True)
    page = "p40.html"
    for name, size in ((page, SIZE), ("p70.html", APP_SIZE)):
        with open(os.path.join(www, name), "w") as f:
            for i in range(size // 64):
                f.write("line %06d: the quick brown fox jumps over the lazy dog 0123456\n" % i)
    no_icpt = intercept_support() if "intercept" in faults else None
    ca = make_ca(out) if "intercept" in faults and not no_icpt else None
    results = []
    all_faults = faults
    apps = set(app_rows(False))
    for r in rows(slice_only) + app_rows(slice_only):
        cl, sv, kf, v, s, e, t = r
        rid = row_id(r)
        if row_re and not re.search(row_re, rid):
            continue
        app = r in apps
        faults = all_faults
        if app and slice_only:
            faults = ("none",) + dict(APP_SLICE)[rid]
        base = dict(client=cl, server=sv, keys_from=kf, version=v, suite=s, etm=e, trunc=t,
                    www=www, page="p70.html" if app else page, size=APP_SIZE if app else SIZE,
                    row=rid, wire=app)
        row = {"row": rid, "client": cl, "server": sv, "version": v, "suite": s, "etm": e,
               "trunc": t, "cells": {}, "app": app, "keys_from": kf}
        results.append(row)
        na = None
        try:
            peers.check(cl, s, v, t)
            peers.check(sv, s, v, t)
        except NA as x:
            na = str(x)
        if na:
            for f in faults:
                row["cells"][f] = {"verdict": "n/a", "detail": na}
            log("%s: n/a: %s" % (rid, na))
            continue
        t0 = time.time()
        res = run_cell(dict(base), os.path.join(out, "cells", rid, "none"))
        why = res.get("error") or clean_ok(res.get("client_leg")) or clean_ok(res.get("server_leg"))
        ks = large_records(res)
        row["negotiated"] = negotiated(res.get("client_leg"))
        nv, ndet = judge_cell(row, "none", res, None)
        row["cells"]["none"] = dict(cell_extras(res, "none"), verdict=nv, detail=ndet,
                                    client_result=res.get("client_result"),
                                    server_result=res.get("server_result"),
                                    seconds=round(time.time() - t0, 2))
        if cl == "java":
            row["jsse_log"] = jsse_log_keys(os.path.join(out, "cells", rid, "none"))
        log("%s none: %s %s" % (rid, nv, ndet))
        for f in faults[1:]:
            d = os.path.join(out, "cells", rid, f)
            t0 = time.time()
            k = None
            if f == "oversized":
                if sv != "mbedtls" or cl == "gnutls":
                    row["cells"][f] = {"verdict": "n/a", "detail":
                                       "needs a client offering max_fragment_length and the "
                                       "mbedtls_peer server (--fault mfl-ignore)"}
                    continue
                cell = dict(base, mfl=512, server_fault="mfl-ignore", probe="s2c:0")
            elif f == "intercept":
                if slice_only and (results[0] is not row or app):
                    continue      # the slice: one interception cell, in its first row
                na = no_icpt or intercept_na(s, v, t) or (why and "clean run failed: " + why)
                if na:
                    row["cells"][f] = {"verdict": "n/a", "detail": na}
                    continue
                cell = dict(base, intercept=ca, insecure=True)
            else:
                if why:
                    row["cells"][f] = {"verdict": "n/a", "detail": "clean run failed: " + why}
                    continue
                if not ks:
                    row["cells"][f] = {"verdict": "n/a", "detail": "no large server record"}
                    continue
                k = ks[1] if len(ks) > 1 else ks[0]
                cell = dict(base, fault_args=fault_args(f, k))
            res = run_cell(cell, d)
            v_, det = judge_cell(row, f, res, k)
            row["cells"][f] = dict(cell_extras(res, f), verdict=v_, detail=det,
                                   client_result=res.get("client_result"),
                                   server_result=res.get("server_result"),
                                   seconds=round(time.time() - t0, 2))
            log("%s %s: %s (%s) client: %s" % (rid, f, v_, det, res.get("client_result")))
    return results, all_faults


def jsse_log_keys(d):
    """Whether badmac's JSSE debug-log importer (--keylog) gets keys from
    the real JVM's -Djavax.net.debug=ssl:handshake:keygen output (the
    java client's stderr, client.err): a short text for the doc."""
    log, cap = os.path.join(d, "client.err"), os.path.join(d, "capture.pcapng")
    if not os.path.exists(log) or not os.path.exists(cap):
        return "no JSSE debug log or capture"
    p = subprocess.run([BADMAC, "--json", "--keylog", log, cap], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    conns = [json.loads(l) for l in p.stdout.decode(errors="replace").splitlines() if l.strip()]
    keyed = [c for c in conns if c.get("type") == "connection" and c.get("keys")]
    err = p.stderr.decode(errors="replace").strip().splitlines()
    return "badmac --keylog JSSE-debug-log: exit %d, %d of %d connections keyed%s" % (
        p.returncode, len(keyed), len([c for c in conns if c.get("type") == "connection"]),
        "; stderr: " + err[0][:200] if err else "")


def cell_text(c):
    v = c["verdict"]
    if v == "n/a":
        return "n/a: " + c["detail"]
    if v in ("ok",) or v.startswith("FOUND"):
        return v
    return "%s: %s" % (v, c["detail"])


def markdown(results, faults, seconds, slice_only, how=""):
    lines = ["# Interop matrix: real TLS peers through `badmac relay`", "",
             "Generated by `tests/matrix/run.sh%s` (do not edit); %s, %.0f s." % (
                 how or (" --slice" if slice_only else ""), time.strftime("%Y-%m-%d"), seconds), "",
             "Each row is a client/server pair, a TLS version and a suite (CBC suites: with and",
             "without encrypt-then-MAC, `+EtM`/`-EtM`; mbedtls/mbedtls HMAC suites also with RFC 6066",
             "truncated HMAC, `+trunc-HMAC`); `negotiated` is what the clean run's handshake chose.",
             "Every cell checks its session against the row: a session that did not negotiate EtM",
             "(or truncated HMAC) exactly as the row says is a harness `ERROR`, never a result.",
             "Each column but `intercept` is a fault the relay injected into the 2nd large",
             "(>= %d bytes) application record the server sent" % LARGE,
             "(`oversized`: the client offers max_fragment_length 512 and the mbedtls_peer server",
             "ignores it for application data; the cell names the first server record over the limit).",
             "The client leg of the capture (what the receiver got) is decrypted with the key log:",
             "`ok` = the clean run verified completely (every record, both Finished, not failed) and",
             "the verdict is `healthy`; `FOUND #i CAUSE` = badmac's `first_bad_record` (`oversized`:",
             "first `oversized_records`) is that server record (drop/dup/swap: it or the next) AND its",
             "verdict is the right one: flip `in_path_corruption` proven with the repair at the relay's",
             "byte and bit; burst and truncate `in_path_corruption` or `sender_fault`, possible or likely,",
             "no repair (damage beyond the repair search, one vantage point: a truncated record has lost",
             "its tag, and a sender writing a short record looks the same from one capture point);",
             "drop/dup/swap `sequence_desync`; oversized `record_too_large` when the receiver refused",
             "the record, `healthy` with the over-limit records in the evidence when it accepted it",
             "(mbedTLS reads 16 KB records whatever max_fragment_length says) (docs/diagnoses.md);",
             "`intercept`: the relay terminates TLS with its own CA (P-256, \"%s\";" % INTERCEPT_CA,
             "the client verifies no certificate) and makes its own handshake to the server, mirroring",
             "the client leg's version and suite; `badmac compare --json --keylog RELAY.keys --keylog",
             "PEER.keys --split-interfaces CAPTURE` judges the two legs: `FOUND interception` = verdict",
             "`interception`, the interceptor named is the relay's CA, and both legs were analysed with",
             "their keys and verified completely, `healthy`; a session on either leg that did not",
             "negotiate the row's EtM / truncated HMAC is a harness `ERROR`.",
             "`WRONG CAUSE (got X)` = the record was found but the verdict is not that;",
             "`MISSED` / `FAIL` / `ERROR` = the record was not found / the clean run failed / harness;",
             "`n/a` = the combination cannot be run.  Cells keep their capture, key log, relay log",
             "and peer output under `tests/matrix/out/cells/ROW/FAULT/` (full details:",
             "`tests/matrix/out/full.json`).", ""]
    counts = {}
    for r in results:
        for c in r["cells"].values():
            k = c["verdict"].split(" ")[0]
            if k == "FOUND":
                k = "FOUND " + c["verdict"].split(" ")[-1]
            counts[k] = counts.get(k, 0) + 1
    lines.append("Totals: " + ", ".join("%s %d" % (k, counts[k]) for k in sorted(counts)))
    lines.append("")
    libs = [r for r in results if not r.get("app")]
    _, _, kl = app_doc.figures(libs)
    if kl["fault_cells"] or kl["clean_cells"]:
        lines += ["Keyless (`badmac --json CAPTURE`, no key material, the client leg): " +
                  app_doc.keyless_figures(kl) + " Per cell: `keyless` in full.json.", ""]
    lines.append("| pair (client / server) | TLS | suite | negotiated | " + " | ".join(faults) + " |")
    lines.append("|---|---|---|---|" + "---|" * len(faults))
    for r in libs:
        n = r.get("negotiated") or {}
        neg = ""
        if n.get("suite"):
            neg = "%s%s%s" % (n["suite"], " EtM" if n.get("etm") else "",
                              " trunc-HMAC" if n.get("trunc") else "")
        suite = r["suite"] + ("" if r["etm"] is None else (" +EtM" if r["etm"] else " -EtM")) + \
            (" +trunc-HMAC" if r.get("trunc") else "")
        cells = [cell_text(r["cells"][f]).replace("|", "/") if f in r["cells"] else "-"
                 for f in faults]
        if len(set(cells)) == 1 and cells[0].startswith("n/a"):
            cells = [cells[0]] + ["-"] * (len(cells) - 1)   # whole row impossible
        lines.append("| %s / %s | %s | %s | %s | %s |" % (
            r["client"], r["server"], r["version"], suite, neg, " | ".join(cells)))
    lines.append("")
    lines += app_doc.section([r for r in results if r.get("app")])
    return "\n".join(lines), counts


def analyse(d, timeout=120):
    """Runs badmac on a cell's capture (again, after a badmac change); on an
    interception cell's also `badmac compare` on its two legs."""
    cap = os.path.join(d, "capture.pcapng")
    if not os.path.exists(cap):
        return
    with open(os.path.join(d, "badmac.json"), "w") as out:
        subprocess.run([BADMAC, "--json"] + keylogs(d) + [cap], stdout=out,
                       stderr=open(os.path.join(d, "badmac.err"), "w"), timeout=timeout)
    # the keyless column: the same capture (the wire's, when there is one)
    # with no key material at all
    wire = os.path.join(d, "wire.pcap")
    env = {k: v for k, v in os.environ.items() if k != "SSLKEYLOGFILE"}
    if os.path.exists(wire):
        with open(os.path.join(d, "badmac-wire.json"), "w") as out:
            subprocess.run([BADMAC, "--json"] + keylogs(d) + [wire], stdout=out, env=env,
                           stderr=open(os.path.join(d, "badmac-wire.err"), "w"), timeout=timeout)
    with open(os.path.join(d, "badmac-nokeys.json"), "w") as out:
        subprocess.run([BADMAC, "--json", wire if os.path.exists(wire) else cap], stdout=out,
                       env=env, stderr=open(os.path.join(d, "badmac-nokeys.err"), "w"),
                       timeout=timeout)
    if os.path.exists(os.path.join(d, "relay.keys")):
        with open(os.path.join(d, "compare.json"), "w") as out:
            subprocess.run([BADMAC, "compare", "--json"] + keylogs(d) +
                           ["--split-interfaces", cap], stdout=out,
                           stderr=open(os.path.join(d, "compare.err"), "w"), timeout=timeout)


def saved(d):
    """Rebuilds the result of a finished cell from its files (for --rejudge)."""
    res = {"relay_log": [json.loads(l) for l in read(os.path.join(d, "relay.jsonl")).splitlines()
                         if l.strip()]}
    opens = [e for e in res["relay_log"] if e.get("event") == "open"]
    if not opens:
        return {"error": "no relay log", "relay_log": []}
    rport = int(opens[0]["listen"].rsplit(":", 1)[1])
    sport = int(opens[0]["server"].rsplit(":", 1)[1]) if opens[0].get("server") else None
    res.update(legs(read(os.path.join(d, "badmac.json")), rport, sport))
    res["keyless_leg"] = legs(read(os.path.join(d, "badmac-nokeys.json")), rport, sport).get("client_leg")
    res["wire_leg"] = legs(read(os.path.join(d, "badmac-wire.json")), rport, sport).get("client_leg")
    res["pairs"] = compared(d)
    res["compare_err"] = read(os.path.join(d, "compare.err")).strip()[-300:]
    return res


def rejudge(out, name, rerun=True):
    """Re-evaluates the cells of a finished run from their files; with
    RERUN, badmac analyses every saved capture again first (2 at a time)."""
    import concurrent.futures
    with open(os.path.join(out, name + ".json")) as f:
        run_ = json.load(f)
    if rerun:
        dirs = [os.path.join(out, "cells", r["row"], f_) for r in run_["rows"]
                for f_, c in r["cells"].items() if c["verdict"] != "n/a"]
        dirs = [d for d in dirs if os.path.isdir(d)]
        with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as ex:
            list(ex.map(analyse, dirs))
    for r in run_["rows"]:
        ks = None
        nd = os.path.join(out, "cells", r["row"], "none")
        if os.path.isdir(nd):
            ks = large_records(saved(nd))
        for f_, c in r["cells"].items():
            d = os.path.join(out, "cells", r["row"], f_)
            if c["verdict"] == "n/a" or not os.path.isdir(d):
                continue
            res = saved(d)
            res["client_result"] = c.get("client_result")
            res["client_seconds"], res["client_timeout"] = c.get("client_seconds"), c.get("client_timeout")
            c.update(cell_extras(res, f_))
            if f_ not in ("none", "oversized", "intercept") and not ks:
                continue
            v_, det = judge_cell(r, f_, res, ks[1] if ks and len(ks) > 1 else (ks or [None])[0])
            c["verdict"], c["detail"] = v_, det
            if f_ == "none":
                r["negotiated"] = negotiated(res.get("client_leg"))
    return run_


def tap_lines(results, faults):
    """One line per cell, for the TAP wrapper: STATUS ROW FAULT VERDICT -- DETAIL"""
    for r in results:
        for f in faults:
            if f not in r["cells"]:
                continue      # not run (the slice's single interception cell)
            c = r["cells"][f]
            v = c["verdict"]
            st = "SKIP" if v == "n/a" else ("PASS" if v == "ok" or v.startswith("FOUND") else "FAIL")
            print("%s %s %s %s -- %s" % (st, r["row"], f, v.replace(" ", "_"), c["detail"]))


def bad_counts(counts):
    return sum(counts.get(k, 0) for k in ("MISSED", "FAIL", "ERROR", "WRONG"))


def option(argv, name):
    """The value after NAME in ARGV, or None."""
    if name not in argv:
        return None
    i = argv.index(name)
    if i + 1 >= len(argv):
        raise SystemExit("matrix.py: %s needs a value" % name)
    return argv[i + 1]


def main(argv):
    slice_only = "--slice" in argv
    row_re, only = option(argv, "--rows"), option(argv, "--faults")
    if only:
        only = set(only.split(","))
        unknown = only - set(FAULTS)
        if unknown:
            raise SystemExit("matrix.py: unknown fault %s (%s)" % (
                ", ".join(sorted(unknown)), " ".join(FAULTS)))
    if "--rejudge" in argv:
        out = os.environ.get("MATRIX_OUT") or os.path.join(peers.TOP, "tests", "matrix", "out")
        name = "slice" if slice_only else "full"
        if slice_only:
            out = os.path.join(out, "slice")
        r = rejudge(out, name, "--no-rerun" not in argv)
        md, counts = markdown(r["rows"], r["faults"], r["seconds"], slice_only)
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(r, f, indent=1)
        with open(os.path.join(out, name + ".md"), "w") as f:
            f.write(md)
        if not slice_only:
            with open(os.path.join(peers.TOP, "docs", "interop.md"), "w") as f:
                f.write(md)
        print("# rejudged: %s" % counts, file=sys.stderr)
        tap_lines(r["rows"], r["faults"])
        return 0 if not bad_counts(counts) else 1
    out = os.environ.get("MATRIX_OUT") or os.path.join(peers.TOP, "tests", "matrix", "out")
    partial = bool(row_re or only)
    doc = None if slice_only or partial else os.path.join(peers.TOP, "docs", "interop.md")
    os.makedirs(out, exist_ok=True)
    name = "partial" if partial else "slice" if slice_only else "full"
    if slice_only or partial:      # their cells stay apart from the full run's
        out = os.path.join(out, name)
        os.makedirs(out, exist_ok=True)
    shutil.rmtree(os.path.join(out, "cells"), ignore_errors=True)
    t0 = time.time()
    results, faults = run(out, slice_only, lambda m: print(m, file=sys.stderr, flush=True),
                          row_re, only)
    secs = time.time() - t0
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump({"seconds": round(secs, 1), "faults": faults, "rows": results}, f, indent=1)
    how = "".join(" %s %s" % (o, v) for o, v in (("--rows", row_re), ("--faults", option(
        argv, "--faults"))) if v)
    md, counts = markdown(results, faults, secs, slice_only, (" --slice" if slice_only else "") + how)
    with open(os.path.join(out, name + ".md"), "w") as f:
        f.write(md)
    if doc:
        with open(doc, "w") as f:
            f.write(md)
    tap_lines(results, faults)
    print("# %s: %.1f s, %s" % (name, secs, counts), file=sys.stderr)
    return 0 if not bad_counts(counts) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
