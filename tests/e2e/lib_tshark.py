"""lib_tshark.py - what the e2e tests read from tshark, shared by
tshark_crosscheck.t, plaintext_vs_tshark.t and wireshark_corpus.t:
`from lib_tshark import tshark_view, dir_stats, follow, stream_map, ...`.

tshark_view: the records, hellos and alerts in the clear per TCP stream
(keyless); follow: each stream's decrypted application data ("Follow TLS
stream", raw); by_role: a followed stream's bytes per role; stream_map:
endpoints -> tcp.stream; export_gaps: where badmac's exported plaintext
first misses records; skip_without(badmac): the plan line when tshark or
badmac is missing.
Environment: TSHARK (default tshark).
"""
import json
import os
import re
import shutil
import subprocess

TSHARK = os.environ.get("TSHARK", "tshark")
ENV = dict(os.environ)
ENV.pop("SSLKEYLOGFILE", None)

VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1",
            0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
LEVELS = {1: "warning", 2: "fatal"}
ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
          21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
          40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
          43: "unsupported_certificate", 44: "certificate_revoked",
          45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
          48: "unknown_ca", 49: "access_denied", 50: "decode_error", 51: "decrypt_error",
          60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
          80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
          100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
          111: "certificate_unobtainable", 112: "unrecognized_name",
          113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
          115: "unknown_psk_identity", 116: "certificate_required",
          120: "no_application_protocol"}
TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake",
         23: "application_data", 24: "heartbeat"}

def ival(s):
    s = s.strip()
    if not s:
        return None
    return int(s, 0)


def splitl(s):
    return [x for x in s.split(",") if x != ""]


def keyless_copy(cap, tmpdir):
    """tshark decrypts with a pcapng's Decryption Secrets Blocks on its own:
    give it a pcap copy, which cannot hold them, written by tcpdump (libpcap
    skips DSBs; editcap 4.0 refuses to write this file as pcap or, with
    --discard-all-secrets, as pcapng)."""
    if not cap.endswith(".pcapng"):
        return cap
    out = os.path.join(tmpdir, "keyless.pcap")
    p = subprocess.run(["tcpdump", "-r", cap, "-w", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out if p.returncode == 0 else cap


def tshark_view(cap, port, opts=()):
    """Return ({stream: info}, exit status, stderr) from a tshark run (keyless
    unless opts give keys). port: the TCP port, or ports, to decode as TLS."""
    fields = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport",
              "ip.dst", "ipv6.dst", "tcp.dstport",
              "tls.record.content_type", "tls.record.opaque_type", "tls.record.length",
              "tls.record.version", "tls.handshake.type", "tls.handshake.version",
              "tls.handshake.extensions.supported_version", "tls.handshake.ciphersuite",
              "tls.alert_message.level", "tls.alert_message.desc"]
    cmd = [TSHARK, "-n", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE"]
    for pt in ([port] if isinstance(port, int) else port):
        cmd += ["-d", "tcp.port==%d,tls" % pt]
    cmd += list(opts) + ["-T", "fields", "-E", "separator=/t",
                         "-E", "occurrence=a", "-E", "aggregator=,", "-Y", "tls"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=ENV)
    streams = {}
    for line in p.stdout.splitlines():
        v = line.split("\t")
        v += [""] * (len(fields) - len(v))
        r = dict(zip(fields, v))
        st = int(r["tcp.stream"])
        frame = int(r["frame.number"])
        src = (r["ip.src"] or r["ipv6.src"], int(r["tcp.srcport"]))
        dst = (r["ip.dst"] or r["ipv6.dst"], int(r["tcp.dstport"]))
        s = streams.setdefault(st, {"client": None, "server": None, "recs": {},
                                    "version": None, "suite": None, "ch_record_version": None,
                                    "clear_alerts": []})
        ctypes = [ival(x) for x in splitl(r["tls.record.content_type"])]
        otypes = [ival(x) for x in splitl(r["tls.record.opaque_type"])]
        lengths = [ival(x) for x in splitl(r["tls.record.length"])]
        rversions = [ival(x) for x in splitl(r["tls.record.version"])]
        htypes = [ival(x) for x in splitl(r["tls.handshake.type"])]
        if 1 in htypes and s["client"] is None:
            s["client"], s["server"] = src, dst
            if rversions:
                s["ch_record_version"] = rversions[0]
        types = ctypes + otypes  # tshark lists plaintext and opaque types apart
        s["recs"].setdefault(src, []).append((frame, types, lengths,
                                              len(ctypes) + len(otypes) == len(lengths)))
        if 2 in htypes and s["suite"] is None:
            sv = [ival(x) for x in splitl(r["tls.handshake.extensions.supported_version"])]
            hv = [ival(x) for x in splitl(r["tls.handshake.version"])]
            cs = [ival(x) for x in splitl(r["tls.handshake.ciphersuite"])]
            s["version"] = sv[0] if sv else (hv[0] if hv else None)
            s["suite"] = cs[0] if cs else None
        levels = [ival(x) for x in splitl(r["tls.alert_message.level"])]
        descs = [ival(x) for x in splitl(r["tls.alert_message.desc"])]
        for lv, ds in zip(levels, descs):
            s["clear_alerts"].append((frame, src, lv, ds))
    return streams, p.returncode, p.stderr


def dir_stats(entries):
    """Records of one direction: count, max length, types, first CCS index,
    alert records as (frame, index)."""
    idx = 0
    st = {"count": 0, "max_length": 0, "types": {}, "ccs_index": None, "alerts": [],
          "consistent": True}
    for frame, types, lengths, consistent in entries:
        if not consistent:
            st["consistent"] = False
        # types are listed plaintext-first, opaque second: in a frame with
        # both, the order is lost, but every opaque record follows the
        # plaintext ones in practice (TLS 1.3 flights: ServerHello, CCS, then
        # encrypted records)
        for t, ln in zip(types, lengths):
            st["count"] += 1
            st["max_length"] = max(st["max_length"], ln)
            name = TYPES.get(t, "other")
            st["types"][name] = st["types"].get(name, 0) + 1
            if t == 20 and st["ccs_index"] is None:
                st["ccs_index"] = idx
            if t == 21:
                st["alerts"].append((frame, idx))
            idx += 1
    return st


def follow(cap, keys, streams, tcp_opts=False, opts=()):
    """{stream: (node0 endpoint, bytes from node 0, bytes from node 1)}.
    keys: a key log file or None; opts: more tshark options (keys, decode-as)."""
    args = [TSHARK, "-r", cap, "-q"] + list(opts)
    if tcp_opts:
        # Out-of-order segments and bad checksums: without these tshark stops
        # decrypting the stream (reorder) or takes the corrupt copy (checksum);
        # with them it misreads some clean captures, so it is the second try.
        args += ["-o", "tcp.reassemble_out_of_order:TRUE", "-o", "tcp.check_checksum:TRUE"]
    if keys:
        args += ["-o", "tls.keylog_file:" + keys]
    for s in streams:
        args += ["-z", "follow,tls,raw,%d" % s]
    out = subprocess.run(args, capture_output=True, text=True, env=ENV).stdout
    res, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"Filter: tcp.stream eq (\d+)", line)
        if m:
            cur = int(m.group(1))
            res[cur] = ["", bytearray(), bytearray()]
            continue
        if cur is None:
            continue
        m = re.match(r"Node 0: (.*)", line)
        if m:
            res[cur][0] = m.group(1).strip()
            continue
        if re.fullmatch(r"\t?[0-9a-f]+", line):
            res[cur][2 if line.startswith("\t") else 1] += bytes.fromhex(line.strip())
    return res


def stream_map(cap):
    """{(client ip, port, server ip, port) unordered: tcp.stream}"""
    out = subprocess.run([TSHARK, "-r", cap, "-T", "fields", "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src",
                          "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-Y", "tcp"],
                         capture_output=True, text=True, env=ENV).stdout
    m = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 7 or not f[0]:
            continue
        a = ((f[1] or f[2]).split(",")[0], f[3])
        b = ((f[4] or f[5]).split(",")[0], f[6])
        m.setdefault(frozenset([a, b]), int(f[0]))
    return m


def node_port(ep):
    m = re.search(r":(\d+)$", ep)
    return m.group(1) if m else ""




def by_role(res, stream, server_port):
    """{"client": bytes, "server": bytes} of stream in a follow() result:
    node 0 is the client unless its port is the server's."""
    node0, d0, d1 = res.get(stream, ["", b"", b""])
    client_first = node_port(node0) != str(server_port)
    return {"client": bytes(d0 if client_first else d1), "server": bytes(d1 if client_first else d0)}


def export_gaps(export, cid):
    """{direction: byte offset}: where badmac's exported plaintext of
    connection cid (--export-plaintext dir export, side file CID.json)
    first leaves out a missing or failed record."""
    gaps = {}
    side = os.path.join(export, "%d.json" % cid)
    if os.path.exists(side):
        for g in json.load(open(side))["gaps"]:
            gaps.setdefault(g["direction"], g["at"])
    return gaps


def skip_without(badmac):
    """Print the TAP skip plan and return True when tshark or badmac is
    missing."""
    if shutil.which(TSHARK) is None:
        print("1..0 # SKIP tshark missing")
        return True
    if not os.access(badmac, os.X_OK):
        print("1..0 # SKIP %s not built" % badmac)
        return True
    return False
