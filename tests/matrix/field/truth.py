"""truth.py MODE OUT ... - write OUT/truth.json for a field reproduction
from the relay log, the peers' result lines and badmac's JSON, print a
summary, and exit 1 when the failure was NOT reproduced.  badmac's own
verdict is recorded (badmac_agrees) but never decides the exit status: the
truth file is the input of the diagnosis work, not its test."""

import glob
import json
import os
import re
import sys


def jl(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    except OSError:
        pass
    return out


def result(path):
    try:
        with open(path, errors="replace") as f:
            m = re.search(r"^result: (.*)$", f.read(), re.M)
            return m.group(1) if m else None
    except OSError:
        return None


def legs(out, port):
    """badmac connections of the leg whose server port is PORT, in order."""
    cs = [c for c in jl(os.path.join(out, "badmac.json"))
          if c.get("type") == "connection" and c["server"]["port"] == port]
    return sorted(cs, key=lambda c: c["first_frame"])


def brief(c):
    if c is None:
        return None
    fb = c.get("first_bad_record")
    return {"version": c["version"], "cipher_suite": c["cipher_suite"], "failed": c["failed"],
            "resumed": c["resumed"], "finished": c["finished"], "first_bad_record": fb,
            "alerts": [(a["from"], a["level"], a["description"]) for a in c["alerts"]],
            "oversized": {s: c["records"][s]["oversized"] for s in ("client", "server")},
            "problems": c["problems"]}


def write(out, truth):
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")


def office(out, port, n):
    log = jl(os.path.join(out, "relay.jsonl"))
    conns = legs(out, port)
    cases, failed, agree = [], 0, 0
    for i in range(n):
        flips = [e for e in log if e.get("conn") == i and e.get("fault") == "flip"]
        res = result(os.path.join(out, "client-%d.out" % i))
        c = conns[i] if i < len(conns) else None
        first = flips[0] if flips else None
        fb = c.get("first_bad_record") if c else None
        ok = (first is None and fb is None) or (
            first is not None and fb is not None and fb["direction"] == "server"
            and fb["index"] == first["record_index"])
        agree += ok
        failed += first is not None
        cases.append({"conn": i, "client_result": res,
                      "injected": None if not first else {
                          "direction": "s2c", "record_index": first["record_index"],
                          "record_offset": first["record_offset"], "bit": first["bit"],
                          "stream_offset": first.get("stream_offset"),
                          "later_flips_not_seen_by_client": len(flips) - 1},
                      "badmac": brief(c), "badmac_agrees": ok})
    truth = {"report": "01-wolfssl-tls13-hardware-crypto",
             "what": "TLS 1.3 500 KiB downloads, wolfSSL client <- OpenSSL server; the path flips "
                     "one bit in each server record with probability 1/50 (relay --seed 50)",
             "cause": "corruption in transit (the relay), after the sender's MAC: the server's "
                      "records left it intact, the client saw them changed",
             "expect": "each failed transfer: the client sends bad_record_mac (or, for a "
                       "handshake record, a handshake error); first_bad_record = the first "
                       "flipped server record of that connection; the server leg is clean",
             "capture": "capture.pcapng (client-leg connections: server port %d)" % port,
             "keys": "keys.log (s_server -keylogfile)",
             "transfers": n, "failed": failed, "connections": cases}
    write(out, truth)
    print("office-path-tls13: %d of %d transfers broken by the path, badmac agrees on %d" % (
        failed, n, agree))
    bad_clients = [x for x in cases if x["injected"] and (x["client_result"] or "ok") == "ok"]
    return 0 if failed > 0 and not bad_clients else 1


def bigrecord(out, port):
    log = jl(os.path.join(out, "relay.jsonl"))
    flips = [e for e in log if e.get("fault") == "flip"]
    apps = [(e["record_index"], e["length"]) for e in log if e.get("fault") == "delay"]
    c = (legs(out, port) or [None])[0]
    with open(os.path.join(out, "client.err"), errors="replace") as f:
        cerr = f.read()
    first = flips[0] if flips else None
    fb = c.get("first_bad_record") if c else None
    agree = bool(first and fb and fb["direction"] == "server" and fb["index"] == first["record_index"])
    truth = {"report": "03-java-sporadic-16k-records",
             "what": "TLS 1.0 TLS_RSA_WITH_RC4_128_SHA, gnutls-cli <- gnutls-serv, 50 KB response",
             "cause": "one bit flipped in transit inside a 16 KB server record; TCP checksums of "
                      "the capture are valid (the corruption passed TCP)",
             "injected": first and {"direction": "s2c", "record_index": first["record_index"],
                                    "record_length": first["length"],
                                    "record_offset": first["record_offset"], "bit": first["bit"],
                                    "stream_offset": first.get("stream_offset")},
             "server_app_records": apps,
             "client_said": [l for l in cerr.splitlines() if "rror" in l or "alert" in l.lower()],
             "expect": "first_bad_record = that server record (mac_mismatch: RC4 has no padding, "
                       "the flipped bit changes one plaintext byte and the HMAC fails)",
             "capture": "capture.pcapng (client leg: server port %d)" % port,
             "keys": "keys.log (gnutls-cli SSLKEYLOGFILE); also tests/fixtures/pki/server.key "
                     "(RSA key exchange)",
             "badmac": brief(c), "badmac_agrees": agree}
    write(out, truth)
    print("big-record-flip: flipped server record %s (%s bytes) at body byte %s; badmac agrees: %s" % (
        first and first["record_index"], first and first["length"],
        first and first["record_offset"], agree))
    return 0 if first and "Decryption has failed" in cerr else 1


def keylog(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                x = line.split()
                if len(x) == 3 and x[0] == "CLIENT_RANDOM":
                    out.setdefault(x[1], []).append(x[2])
    except OSError:
        pass
    return out


def resume(out, port):
    conns = legs(out, port)
    cli = keylog(os.path.join(out, "keys.client.log"))
    srv_lines = []
    try:
        with open(os.path.join(out, "keys.server.log")) as f:
            srv_lines = [l.split()[1:3] for l in f if l.startswith("CLIENT_RANDOM")]
    except OSError:
        pass
    # The client logs no line for a resumed session (no new master secret):
    # it keeps the master of the full handshake it resumes (its only line).
    # The server logs every connection; its last one is the resumption.
    resumed_cr = srv_lines[-1][0] if srv_lines else None
    server_ms = srv_lines[-1][1] if srv_lines else None
    client_ms = next(iter(cli.values()))[0] if cli else None
    mism = [resumed_cr] if resumed_cr and client_ms and server_ms != client_ms else []
    if mism:
        with open(os.path.join(out, "keys.truth.log"), "w") as f:
            f.write("# what the CLIENT used for the resumed connection (its session's master)\n")
            f.write("CLIENT_RANDOM %s %s\n" % (resumed_cr, client_ms))
            f.write("# what the SERVER used (stale: the master of the session stored before)\n")
            f.write("# CLIENT_RANDOM %s %s\n" % (resumed_cr, server_ms))
    with open(os.path.join(out, "client.err"), errors="replace") as f:
        cerr = f.read()
    with open(os.path.join(out, "server.err"), errors="replace") as f:
        serr = f.read()
    res = [c for c in conns if c["resumed"]]
    c = res[0] if res else None
    truth = {"report": "02-appliance-resumption-tls10",
             "what": "TLS 1.0 TLS_RSA_WITH_RC4_128_SHA: gnutls-cli -r (full handshake, then "
                     "session-ID resumption) -> mbedtls_peer server with a shared file cache",
             "cause": "the server resumed the session with a stale master secret (simulated "
                      "cache fault: the master of the previously stored session); both sides "
                      "then derive different keys, so the first encrypted record of the "
                      "abbreviated handshake (the server's Finished) fails at the client",
             "resumed_client_random": resumed_cr,
             "server_master_is_stale": bool(mism),
             "server_master_equals_earlier_session": bool(
                 server_ms and any(m == server_ms for _, m in srv_lines[:-1])),
             "server_said_stale": "fault stale-master" in serr,
             "client_said": [l for l in cerr.splitlines() if "rror" in l or "alert" in l.lower()
                             or "esum" in l],
             "expect": "connection 2 of the client leg: resumed = true; with keys.client.log the "
                       "server's Finished record fails (first_bad_record: server, the record after "
                       "ChangeCipherSpec) and finished.server = failed; keys.server.log holds the "
                       "master the server used for the same client random",
             "capture": "capture.pcapng (client leg: server port %d; connection 0 went direct "
                        "and is not captured)" % port,
             "keys": "keys.client.log (client, gnutls: no line for the resumed connection), "
                     "keys.server.log (server, one line per connection), keys.both.log, "
                     "keys.truth.log (the resumed client random with the master the client used)",
             "badmac_resumed_connection": brief(c),
             "badmac_agrees": bool(c and c["first_bad_record"]
                                   and c["first_bad_record"]["direction"] == "server"
                                   and c["finished"]["server"] == "failed")}
    write(out, truth)
    print("stale-resumption-tls10: server master stale: %s; resumed connection seen: %s; "
          "badmac agrees: %s" % (bool(mism), bool(c), truth["badmac_agrees"]))
    return 0 if mism and truth["server_said_stale"] else 1


def cases(out, report):
    """One subdirectory per case: desc.txt, relay.port, relay.jsonl, peers' output."""
    summary = []
    for d in sorted(glob.glob(os.path.join(out, "*", "desc.txt"))):
        d = os.path.dirname(d)
        with open(os.path.join(d, "desc.txt")) as f:
            desc = f.read().strip()
        try:
            with open(os.path.join(d, "relay.port")) as f:
                port = int(f.read())
        except (OSError, ValueError):
            port = -1
        log = jl(os.path.join(d, "relay.jsonl"))
        faults = [e for e in log if e.get("fault") not in (None, "delay")]
        c = (legs(d, port) or [None])[0]
        cerr = ""
        try:
            with open(os.path.join(d, "client.err"), errors="replace") as f:
                cerr = f.read()
        except OSError:
            pass
        cres = result(os.path.join(d, "client.out"))
        if cres is None:
            m = re.search(r"alert ([a-z ]+)", cerr)
            cres = ("alert %s received" % m.group(1).strip().replace(" ", "_")) if m else \
                ("ok" if "error" not in cerr.lower() else cerr.strip().splitlines()[-1][:160])
        pf = re.search(r"fault etm-flip before write (\d+): encrypt_then_mac=(\d+)", cerr)
        apps = [e["record_index"] for e in log if e.get("fault") == "delay"]
        peer_fault = None
        if pf and int(pf.group(1)) < len(apps):
            peer_fault = {"fault": "etm-flip (client)", "encrypt_then_mac": int(pf.group(2)),
                          "first_affected": {"direction": "c2s",
                                             "record_index": apps[int(pf.group(1))]},
                          "note": "every later client record is affected too"}
        summary.append({"case": os.path.basename(d), "what": desc, "peer_fault": peer_fault,
                        "client_records": [(e["record_index"], e["length"]) for e in log
                                           if e.get("fault") == "delay"],
                        "injected": [{k: e.get(k) for k in ("direction", "record_index", "length",
                                                           "fault", "record_offset", "bit")}
                                     for e in faults],
                        "client_result": cres,
                        "server_result": result(os.path.join(d, "server.out")),
                        "badmac": brief(c)})
    truth = {"report": report, "cases": summary}
    write(out, truth)
    for x in summary:
        print("%-28s client: %-40s server: %s" % (x["case"], x["client_result"], x["server_result"]))
    return 0


def main(argv):
    mode, out = argv[0], argv[1]
    if mode == "office":
        return office(out, int(argv[2]), int(argv[3]))
    if mode == "bigrecord":
        return bigrecord(out, int(argv[2]))
    if mode == "resume":
        return resume(out, int(argv[2]))
    if mode == "cases":
        return cases(out, argv[2])
    raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
