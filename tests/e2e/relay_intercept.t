#!/usr/bin/env bash
# badmac relay --intercept end to end: openssl s_client through the relay to
# openssl s_server (the test PKI's server.crt), the relay terminating TLS
# with its own CA (made here) and opening its own session to the server.
# Checked: the leaf the client got, both legs' handshakes and key logs, the
# log lines, the two-leg capture analysed by `badmac` and `badmac compare`
# (interception, the CA named, each leg with its own keys), faults on either
# leg, 20 concurrent connections, idle and garbage clients, usage errors.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PKI=$HERE/../fixtures/pki
T=$(mktemp -d /tmp/relay-icpt-t.XXXXXX)
# ok, check, cleanup of $T and $PIDS; freeport, waitport, relay NAME ARGS
# (sets RPID, RPORT), revserver PORT CERT KEY
. "$HERE/relay_lib.sh"

if [ -z "${BADMAC:-}" ] || ! "$BADMAC" relay --help 2>/dev/null | grep -q -- --intercept; then
    echo "1..0 # SKIP \$BADMAC relay --intercept not available"
    exit 0
fi
for tool in openssl python3; do
    command -v $tool >/dev/null || { echo "1..0 # SKIP $tool missing"; exit 0; }
done

CA=(--intercept --ca-cert "$T/ca.pem" --ca-key "$T/ca.key")
# irelay NAME ARGS...: an intercepting relay whose log, capture and key log
# are $T/NAME.jsonl, .pcapng, .keys.
irelay() {
    local name=$1; shift
    relay "$name" --log "$T/$name.jsonl" --pcap "$T/$name.pcapng" --keylog "$T/$name.keys" \
        "${CA[@]}" "$@"
}
# client NAME [s_client options]: one s_client through the relay, sends a
# line, keeps stdin open until the reversed line is in (or 20 s), then EOF.
client() {
    local name=$1; shift
    (echo "hello relay"
     for _ in $(seq 200); do grep -q "olleh\|DONE\|errno" "$T/$name.cout" 2>/dev/null && break; sleep 0.1; done) |
        timeout 30 openssl s_client -connect 127.0.0.1:$RPORT -servername server.badmac.test \
            -keylogfile "$T/$name.ckeys" -no_ign_eof "$@" >"$T/$name.cout" 2>&1
}
# waitexit: the --once relay must end by itself within 10 s
waitexit() {
    for _ in $(seq 100); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$RPID" 2>/dev/null && kill -TERM "$RPID"
    wait "$RPID"
}
# JSON checks are queued (py NAME 'DESC' 'EXPR') and evaluated by one Python
# run at the end: EXPR sees L (the relay's log lines of NAME), I (its
# intercept line), A (badmac's connection objects), P (compare's pairs), K
# (client randoms by key log: K["relay"], K["client"], K["server"]).
: >"$T/checks"
py() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$T/checks"; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
    -out "$T/ca.pem" -days 2 -subj "/CN=badmac relay interception CA" >/dev/null 2>&1
openssl x509 -in "$PKI/server.crt" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1 >"$T/server.sha256"

# One TLS server per case (s_server serves one client at a time).
server() {
    SPORT=$(freeport)
    openssl s_server -accept 127.0.0.1:$SPORT -cert "$PKI/server.crt" -key "$PKI/server.key" -rev \
        -quiet -keylogfile "$T/$1.skeys" "${@:2}" >"$T/$1.sout" 2>&1 &
    PIDS="$PIDS $!"
    waitport $SPORT
}

# case NAME VERSION SUITE [s_client options]: a clean intercepted connection
case_clean() {
    local name=$1 ver=$2 suite=$3; shift 3
    server "$name" ${SARGS:-}
    irelay "$name" --to 127.0.0.1:$SPORT --once
    client "$name" -CAfile "$T/ca.pem" -verify_return_error -verify_hostname server.badmac.test "$@"
    local rc=$?
    check "$name: s_client exits 0 (rc=$rc)" [ $rc = 0 ]
    check "$name: the reversed line came back through both sessions" grep -q "yaler olleh" "$T/$name.cout"
    check "$name: the client saw the relay CA as issuer" grep -q "issuer=CN = badmac relay interception CA" "$T/$name.cout"
    check "$name: and the leaf verifies against it, for the SNI name" grep -q "Verify return code: 0 (ok)" "$T/$name.cout"
    waitexit
    check "$name: --once relay exits 0 after the connection" [ $? = 0 ]
    check "$name: the relay's key log (secrets) is mode 0600" [ "$(stat -c %a "$T/$name.keys")" = 600 ]
    sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$T/$name.cout" | openssl x509 -outform DER |
        openssl dgst -sha256 -r | cut -d' ' -f1 >"$T/$name.leaf"
    "$BADMAC" --json --keylog "$T/$name.keys" --keylog "$T/$name.ckeys" --keylog "$T/$name.skeys" \
        "$T/$name.pcapng" >"$T/$name.an" 2>"$T/$name.an.err"
    "$BADMAC" compare --json --split-interfaces "$T/$name.pcapng" --keylog "$T/$name.keys" \
        --keylog "$T/$name.ckeys" >"$T/$name.cmp" 2>"$T/$name.cmp.err"
    py $name "$name: intercept line: $ver, $suite on both legs, SNI" \
        'I["client_leg"] == I["server_leg"] == {"version": "'"$ver"'", "suite": "'"$suite"'"} and I["sni"] == "server.badmac.test"'
    py $name "$name: intercept line: leaf subject and issuer" \
        'I["leaf_subject"] == "CN=server.badmac.test" and I["leaf_issuer"] == "CN=badmac relay interception CA"'
    py $name "$name: intercept line: leaf_sha256 is the certificate the client got" \
        'I["leaf_sha256"] == open(T + "/" + N + ".leaf").read().strip()'
    py $name "$name: intercept line: server_cert_sha256 is the server's real leaf" \
        'I["server_cert_sha256"] == open(T + "/server.sha256").read().strip() != I["leaf_sha256"]'
    py $name "$name: close line: done" 'L[-1]["event"] == "close" and L[-1]["reason"] == "done"'
    py $name "$name: the server leg's client random differs from the client leg's" \
        'len(K["client"]) == 1 and len(K["server"]) == 1 and K["client"] != K["server"]'
    py $name "$name: the relay's key log has both legs (and only them)" \
        'K["relay"] == K["client"] | K["server"]'
    py $name "$name: badmac: two connections, both healthy" \
        'len(A) == 2 and all(a["diagnosis"]["cause"] == "healthy" and not a["failed"] for a in A)'
    py $name "$name: badmac: every protected record on both legs verified" \
        'all(r["verified"] == r["count"] - r["change_cipher_spec_index"] - 1 > 0 and r["failed"] == 0 for a in A for r in a["records"].values())'
    py $name "$name: compare: interception, by the relay CA" \
        'len(P) == 1 and P[0]["verdict"] == "interception" and "badmac relay interception CA" in P[0]["interception"]["intercepted_by"]'
    py $name "$name: compare: both legs analysed with their keys, healthy" \
        '[(l["leg"], l["verdict"], l["keyed"], l["failed"]) for l in P[0]["interception"]["legs"]] == [("client", "healthy", True, False), ("server", "healthy", True, False)] and P[0]["interception"]["failed_leg"] is None'
}

case_clean tls12gcm "TLS 1.2" TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
case_clean tls12cbc "TLS 1.2" TLS_RSA_WITH_AES_128_CBC_SHA256 -tls1_2 -cipher AES128-SHA256
case_clean tls13 "TLS 1.3" TLS_AES_128_GCM_SHA256 -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
SARGS="-ciphersuites TLS_AES_128_CCM_8_SHA256" \
    case_clean tls13ccm8 "TLS 1.3" TLS_AES_128_CCM_8_SHA256 -tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256
case_clean tls12noetm "TLS 1.2" TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 -tls1_2 -no_etm \
    -cipher ECDHE-RSA-AES256-SHA384
py tls12cbc "tls12cbc: encrypt_then_mac offered and used on both legs" \
    'len(A) == 2 and all(a["extensions"]["offered"]["encrypt_then_mac"] and a["extensions"]["encrypt_then_mac"] for a in A)'
py tls12noetm "tls12noetm: the client did not offer encrypt_then_mac, nor did the relay to the server" \
    'len(A) == 2 and not any(a["extensions"]["offered"]["encrypt_then_mac"] or a["extensions"]["encrypt_then_mac"] for a in A)'

# The server refuses the mirrored suite: the server leg's handshake fails,
# the client (whose handshake with the relay was done) is reset.
server refused
irelay refused --to 127.0.0.1:$SPORT --once
client refused -tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256
check "refused: the client does not get the answer" sh -c "! grep -q 'yaler olleh' '$T/refused.cout'"
waitexit
py refused "refused: intercept_error on the server leg, in the handshake, no intercept line" \
    '[(l["leg"], l["stage"]) for l in L if l.get("event") == "intercept_error"] == [("server", "handshake")] and I is None'
py refused "refused: close reason names the server leg" 'L[-1]["reason"] == "tls failed on the server leg"'

# Faults on one leg: c2s corrupts the relay's records to the server (the
# server leg fails), s2c those to the client (the client leg fails).
# TLS 1.3: nth-app=0 is the client's (or server's) encrypted handshake
# flight, so nth-app=1 / the 5th s2c app record is the first data record.
case_fail() {
    local name=$1 leg=$2; shift 2
    server "$name"
    irelay "$name" --to 127.0.0.1:$SPORT --once "$@"
    client "$name" -tls1_3
    check "$name: the client does not get the answer" sh -c "! grep -q 'yaler olleh' '$T/$name.cout'"
    waitexit
    check "$name: relay exits 0" [ $? = 0 ]
    "$BADMAC" compare --json --split-interfaces "$T/$name.pcapng" --keylog "$T/$name.keys" \
        >"$T/$name.cmp" 2>"$T/$name.cmp.err"
    py $name "$name: one flip logged, then intercept_error on the $leg leg" \
        '[l.get("fault") for l in L if "fault" in l] == ["flip"] and [(l["leg"], l["stage"]) for l in L if l.get("event") == "intercept_error"] == [("'$leg'", "data")]'
    py $name "$name: close reason names the $leg leg" 'L[-1]["reason"] == "tls failed on the '$leg' leg"'
    py $name "$name: compare: interception, the failed leg is the $leg leg" \
        'P[0]["verdict"] == "interception" and "badmac relay interception CA" in P[0]["interception"]["intercepted_by"] and P[0]["interception"]["failed_leg"] == "'$leg'"'
    # The other leg's records are intact: healthy, or (the relay reset it
    # without an alert once this leg failed) an abort at the relay's end of
    # it, judged receiver_fault or undetermined, never a damaged record.
    py $name "$name: compare: that leg in_path_corruption, the other intact (healthy or aborted by the relay)" \
        'dict((l["leg"], l["verdict"]) for l in P[0]["interception"]["legs"])["'$leg'"] == "in_path_corruption" and dict((l["leg"], l["verdict"]) for l in P[0]["interception"]["legs"])[{"client": "server", "server": "client"}["'$leg'"]] in ("healthy", "receiver_fault", "undetermined")'
}
case_fail flipc2s server --flip c2s,type=23,nth-app=1:5:3
check "flipc2s: the client's connection was reset" grep -q "errno=104\|reset" "$T/flipc2s.cout"
case_fail flips2c client --flip s2c,type=23,nth-app=4:5:3
check "flips2c: the client saw bad record mac" grep -qi "bad record mac" "$T/flips2c.cout"

# 20 concurrent intercepted connections to a threaded Python TLS server
TPORT=$(freeport)
revserver $TPORT "$PKI/server.crt" "$PKI/server.key"
irelay many --to 127.0.0.1:$TPORT --idle-timeout 2
before=$(ls /proc/$RPID/fd | wc -l)
got=$(timeout 60 python3 - "$RPORT" <<'PY'
import socket, ssl, sys, threading
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
res = []
def one(i):
    try:
        c = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20),
                            server_hostname="server.badmac.test")
        c.sendall(b"line %d\n" % i); f = c.makefile("rb")
        ans = f.readline(); c.unwrap(); c.close()
        res.append(ans == (b"line %d" % i)[::-1] + b"\n")
    except Exception as e:
        res.append(False)
ts = [threading.Thread(target=one, args=(i,)) for i in range(20)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sum(res))
PY
)
check "20 concurrent: all got their answer (${got:-0})" [ "${got:-0}" = 20 ]
for _ in $(seq 50); do [ "$(grep -c '"event":"close"' "$T/many.jsonl")" -ge 20 ] && break; sleep 0.1; done
cp "$T/many.jsonl" "$T/many20.jsonl"
py many20 "20 concurrent: 20 intercept lines, 20 closes, no intercept_error" \
    'sum(l.get("event") == "intercept" for l in L) == 20 and sum(l.get("event") == "close" for l in L) == 20 and not any(l.get("event") == "intercept_error" for l in L)'
after=$(ls /proc/$RPID/fd | wc -l)
check "20 concurrent: no fd leak ($before before, $after after)" [ "$before" = "$after" ]

# a client that connects and never sends a ClientHello: closed by --idle-timeout
r=$(timeout 20 python3 - "$RPORT" <<'PY'
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
t0 = time.time()
try:
    d = c.recv(10); print("eof" if d == b"" else "data", round(time.time() - t0))
except ConnectionResetError: print("reset", round(time.time() - t0))
except socket.timeout: print("timeout", 10)
PY
)
set -- $r
check "idle client: reset by the relay after the 2 s idle timeout ($r)" [ "${1:-}" = reset -a "${2:-99}" -ge 1 -a "${2:-99}" -le 4 ]
sleep 0.2
cp "$T/many.jsonl" "$T/idle.jsonl"
py idle "idle client: logged as idle timeout, no intercept_error" \
    'L[-1]["event"] == "close" and L[-1]["reason"] == "idle timeout" and not any(l.get("event") == "intercept_error" for l in L)'

# a client that sends garbage instead of a ClientHello
timeout 20 python3 - "$RPORT" <<'PY' >/dev/null 2>&1
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
c.sendall(b"GET / HTTP/1.0\r\n\r\n" + b"\x16\x03\x01\x00\x05hello" * 10)
try:
    while c.recv(4096): pass
except OSError: pass
PY
sleep 0.3
check "garbage client: the relay is still running" kill -0 "$RPID"
py many "garbage client: intercept_error on the client leg, in the handshake" \
    '[(l["leg"], l["stage"]) for l in L if l.get("event") == "intercept_error"] == [("client", "handshake")] and [l for l in L if l.get("event") == "intercept_error"][0]["error"]'
(echo "after garbage"; sleep 3) | timeout 10 openssl s_client -connect 127.0.0.1:$RPORT -quiet >"$T/after.cout" 2>&1
check "garbage client: the next connection still works" grep -q "egabrag retfa" "$T/after.cout"
kill -TERM "$RPID"; wait "$RPID"
check "SIGTERM: relay exits 0" [ $? = 0 ]

# usage and input errors
"$BADMAC" relay --listen 0 --to 127.0.0.1:1 --intercept --ca-cert "$T/ca.pem" >"$T/u1.out" 2>"$T/u1.err"
rc=$?
check "usage: --intercept without --ca-key: status 2, one line on stderr" [ $rc = 2 -a "$(wc -l <"$T/u1.err")" = 1 ]
"$BADMAC" relay --listen 0 --to 127.0.0.1:1 --ca-cert "$T/ca.pem" --ca-key "$T/ca.key" >/dev/null 2>&1
check "usage: --ca-cert without --intercept: status 2" [ $? = 2 ]
"$BADMAC" relay --listen 0 --to 127.0.0.1:1 --intercept --ca-cert "$PKI/server.crt" --ca-key "$T/ca.key" \
    >/dev/null 2>"$T/u3.err"
rc=$?
check "a CA key that does not match the certificate: status 1, said so ($(cat "$T/u3.err"))" \
    [ $rc = 1 -a -n "$(grep 'does not match' "$T/u3.err")" ]

python3 - "$T" "$n" <<'PY'
import json, sys
T, n = sys.argv[1], int(sys.argv[2])
def lines(path):
    try:
        return [json.loads(l) for l in open(path) if l.strip()]
    except OSError:
        return []
def randoms(path):
    r = set()
    try:
        for l in open(path):
            f = l.split()
            if len(f) == 3 and f[0] != "RSA" and not l.startswith("#"):
                r.add(f[1].lower())
    except OSError:
        pass
    return r
def env(N):
    """What the checks of case N see."""
    f = lambda ext: "%s/%s.%s" % (T, N, ext)
    L = lines(f("jsonl"))
    return {"T": T, "N": N, "L": L, "open": open,
            "I": ([l for l in L if l.get("event") == "intercept"] or [None])[0],
            "A": [o for o in lines(f("an")) if o.get("type") == "connection"],
            "P": [o for o in lines(f("cmp")) if o.get("type") == "pair"],
            "K": {k: randoms(f(ext)) for k, ext in (("relay", "keys"), ("client", "ckeys"),
                                                     ("server", "skeys"))}}
def judge(expr, names):
    try:
        return bool(eval(expr, dict(names))), ""
    except Exception as e:
        return False, repr(e)
checks = [l.rstrip("\n").split("\t") for l in open(T + "/checks")]
for k, (N, desc, expr) in enumerate(checks, start=n + 1):
    good, why = judge(expr, env(N))
    if why:
        print("# %s: %s" % (desc, why))
    print("%s %d - %s" % ("ok" if good else "not ok", k, desc))
print("1..%d" % (n + len(checks)))
PY
