#!/bin/sh
# aborts.t - silent receivers and the one definition of "failed"
# (docs/diagnoses.md "Failed: one definition"), from real peers.
#
# Frozen captures (always run):
#   - tests/golden/corpus/gnutls-silent-abort: gnutls-cli 3.7 (Debian 12)
#     through `badmac relay --flip s2c,type=23,index=7:100:3` from
#     `openssl s_server -WWW` serving a 200 KB file (2 MB in the live run, so that the abort always falls mid-stream), captured on lo by tcpdump
#     (the client leg). What gnutls-cli really does: prints "*** Fatal error:
#     Decryption has failed.", sends NO alert, closes with FIN and, data still
#     unread in its socket, an RST right after it. Keys: in_path_corruption
#     proven, status failed (bad_record). Keyless: status failed (the client
#     aborted while the server was still sending), never healthy.
#   - tests/golden/corpus/field-mfl512-vs-openssl, -vs-wolfssl (field report
#     04): the mbedTLS 2.28 client with max_fragment_length 512 cannot
#     reassemble the Certificate the server cut into 512-byte records
#     (-0x7080): no alert, RST (OpenSSL server) or FIN then RST (wolfSSL)
#     right after ServerHelloDone: status failed, aborted_handshake.
# Live (skipped without gnutls-cli, tcpdump and root): the gnutls run again,
# a Python client that closes its socket right after the server's first
# flight (no alert), and two clean endings that must stay ok: close_notify
# + FIN both ways, and a client close_notify + FIN while the server still
# sends (HTTP/1.0 end).
. "$(dirname "$0")/lib_tap.sh"
CORPUS="$TOP/tests/golden/corpus"
PKI="$FIX/pki"

# field NAME JSONFILE: one field of the first connection (JSON, compact)
field() {
    python3 -c '
import json,sys
for l in open(sys.argv[2]):
    o=json.loads(l)
    if o["type"]=="connection":
        v=o
        for k in sys.argv[1].split("."):
            v=v[k] if isinstance(v,dict) else None
        print(json.dumps(v) if not isinstance(v,str) else v); break' "$1" "$2"
}

# check_silent LABEL CAPTURE KEYS [live]: the gnutls silent abort, keyed and
# keyless. Keyless, the frozen capture shows the server's records after the
# client's FIN (aborted_peer_sending: failed). A live run under load may
# catch none of them (the client's RST comes first): then nothing tells it
# from a client that is done, and the honest answer is unknown; never ok.
check_silent() {
    l=$1; cap=$2; keys=$3; live=${4:-}
    "$BADMAC" --json --keylog "$keys" "$cap" >"$TMPD/k.json" 2>/dev/null; rc=$?
    is "$rc" 1 "$l, keys: exit 1"
    is "$(field status "$TMPD/k.json")" failed "$l, keys: status failed"
    is "$(field status_reason "$TMPD/k.json")" bad_record "$l, keys: the flipped record is proven bad"
    is "$(field diagnosis.cause "$TMPD/k.json")/$(field diagnosis.confidence "$TMPD/k.json")" \
        in_path_corruption/proven "$l, keys: in_path_corruption proven"
    is "$(field prime_suspect.why "$TMPD/k.json")" first_bad_record "$l, keys: prime suspect = first bad record"
    "$BADMAC" --json "$cap" >"$TMPD/n.json" 2>/dev/null; rc=$?
    st="$rc/$(field status "$TMPD/n.json")"
    if [ -n "$live" ] && [ "$st" = 0/unknown ]; then
        is "$(field status_reason "$TMPD/n.json")" closed_after_peer_record \
            "$l, keyless: no server record after the FIN captured: unknown (closed_after_peer_record)"
        st=1/failed
    else
        is "$(field status_reason "$TMPD/n.json")" aborted_peer_sending \
            "$l, keyless: the server's records after the FIN captured: aborted_peer_sending"
    fi
    is "$st" 1/failed "$l, keyless: exit 1, status failed (or unknown, above)"
    python3 -c 'import json,sys
o=[json.loads(l) for l in open(sys.argv[1])][0]
sys.exit(any(a["from"]=="client" for a in o["alerts"]))' "$TMPD/n.json"
    ok $? "$l: no alert from the client on the wire"
    c=$(field diagnosis.cause "$TMPD/n.json")
    ok "$([ "$c" != healthy ]; echo $?)" "$l, keyless: not healthy ($c)"
    "$BADMAC" "$cap" >"$TMPD/n.txt" 2>/dev/null
    like "$(head -1 "$TMPD/n.txt")" "^1 connection, (1 failed|0 failed, 1 unknown)" "$l, keyless text: 1 failed (or unknown)"
}

check_silent "gnutls-silent-abort (frozen)" "$CORPUS/gnutls-silent-abort.pcap" "$CORPUS/gnutls-silent-abort.keys"

for n in openssl wolfssl; do
    cap="$CORPUS/field-mfl512-vs-$n.pcapng"
    "$BADMAC" --json "$cap" >"$TMPD/m.json" 2>/dev/null; rc=$?
    is "$rc" 1 "mfl512-vs-$n: exit 1 (was 0, healthy)"
    is "$(field status_reason "$TMPD/m.json")/$(field aborted.by "$TMPD/m.json")" aborted_handshake/client \
        "mfl512-vs-$n: the client aborted the handshake"
    is "$(field prime_suspect.why "$TMPD/m.json")" before_abort "mfl512-vs-$n: prime suspect before the abort"
done
is "$(field aborted.how "$TMPD/m.json")" fin "mfl512-vs-wolfssl: FIN first (then RST)"

# Live runs need tcpdump (root) and the peers.
if [ "$(id -u)" != 0 ] || ! command -v tcpdump >/dev/null || ! command -v gnutls-cli >/dev/null; then
    echo "# skipping live runs: need root, tcpdump, gnutls-cli"
    done_testing; exit $?
fi
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; [ -n "${ABORTS_KEEP:-}" ] && cp -r "$TMPD" "$ABORTS_KEEP"; rm -rf "$TMPD"; }
trap cleanup EXIT
mkdir -p "$TMPD/www"
python3 -c 'import base64,os; open(os.sys.argv[1],"w").write(base64.b64encode(os.urandom(15000000)).decode())' \
    "$TMPD/www/big.txt"
echo hello >"$TMPD/www/small.txt"

# serve PORT: openssl s_server -WWW for one connection, in the background
serve() {
    (cd "$TMPD/www" && exec openssl s_server -accept "$1" -naccept 1 -WWW -tls1_2 -cert "$PKI/server.crt" \
        -key "$PKI/server.key" -cert_chain "$PKI/ca.crt" </dev/null >"$TMPD/server.out" 2>&1) &
    PIDS="$PIDS $!"; SRV=$!
}
# dump PORT FILE: tcpdump on lo for that port, until stop_dump
dump() {
    tcpdump -i lo -U -w "$2" "tcp port $1" 2>"$TMPD/tcpdump.err" &
    TD=$!
    i=0; until grep -q listening "$TMPD/tcpdump.err" || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 0.5 # the filter attaches a little after the message
}
stop_dump() { sleep 0.5; kill -INT "$TD" 2>/dev/null; wait "$TD" 2>/dev/null; }
waitport() { i=0; until grep -q "$(printf ':%04X' "$1") [0-9A-F:]* 0A" /proc/net/tcp || [ $i -gt 100 ]; do sleep 0.05; i=$((i + 1)); done; }

# gnutls_through_relay NAME FLIP REQUEST: gnutls-cli sends REQUEST (printf
# format) to the server already started on $SP through `badmac relay
# --flip FLIP`, the client leg captured to $TMPD/NAME.pcap, its key log
# NAME.keys, its stderr NAME.err; then relay and server are stopped.
gnutls_through_relay() {
    RP=$(port)
    dump "$RP" "$TMPD/$1.pcap"
    "$BADMAC" relay --listen "127.0.0.1:$RP" --to "127.0.0.1:$SP" --once --log "$TMPD/$1.jsonl" \
        --flip "$2" >/dev/null 2>&1 &
    RL=$!; PIDS="$PIDS $RL"; waitport "$RP"
    # shellcheck disable=SC2059
    (printf "$3"; sleep 3) | SSLKEYLOGFILE="$TMPD/$1.keys" timeout 10 \
        gnutls-cli --x509cafile "$PKI/ca.crt" --sni-hostname server.badmac.test -p "$RP" 127.0.0.1 \
        >/dev/null 2>"$TMPD/$1.err"
    stop_dump; kill "$RL" "$SRV" 2>/dev/null
}

# (i) gnutls-cli through the relay, a flipped bit in server record #7.
SP=$(port); serve "$SP"; waitport "$SP"
gnutls_through_relay silent s2c,type=23,index=7:100:3 'GET /big.txt HTTP/1.0\r\n\r\n'
like "$(cat "$TMPD/silent.err")" "Decryption has failed" "gnutls-cli: Decryption has failed"
check_silent "gnutls-cli live" "$TMPD/silent.pcap" "$TMPD/silent.keys" live
[ -n "${ABORTS_FREEZE:-}" ] && cp "$TMPD/silent.pcap" "$ABORTS_FREEZE/gnutls-silent-abort.pcap" &&
    cp "$TMPD/silent.keys" "$ABORTS_FREEZE/gnutls-silent-abort.keys"

# (ii) the exchange complete, then a silent close: a Python ssl server
# answers each line and keeps the connection open; gnutls-cli sends one
# line, its answer (server record #8, the only application record) has a
# flipped bit, gnutls-cli closes with FIN and no alert. Keyless nothing
# tells this from a client that is done (see (v)): unknown, never ok.
# echo_server PORT: one connection, each line answered reversed; at the
# client's close (with or without close_notify) only FIN
echo_server() {
    python3 - "$1" "$PKI/server.crt" "$PKI/server.key" >"$TMPD/echo.out" 2>&1 <<'PY' &
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[2], sys.argv[3])
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF   # a peer's close without close_notify: no decode_error, just FIN
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1]))); ls.listen(1)
c = ctx.wrap_socket(ls.accept()[0], server_side=True)
buf = b""
try:
    while True:
        d = c.recv(4096)
        if not d:
            break
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            c.sendall(line[::-1] + b"\n")
except (ssl.SSLError, OSError):
    pass
socket.socket.close(c)
PY
    PIDS="$PIDS $!"; SRV=$!
}
SP=$(port); echo_server "$SP"; waitport "$SP"
gnutls_through_relay quiet s2c,type=23,index=7:10:2 'a line of the request\n'
like "$(cat "$TMPD/quiet.err")" "Decryption has failed" "gnutls-cli, last record flipped: Decryption has failed"
"$BADMAC" --json --keylog "$TMPD/quiet.keys" "$TMPD/quiet.pcap" >"$TMPD/q.json" 2>/dev/null; rc=$?
is "$rc/$(field status "$TMPD/q.json")/$(field status_reason "$TMPD/q.json")" 1/failed/bad_record \
    "silent close after the last record, keys: failed, bad_record"
"$BADMAC" --json "$TMPD/quiet.pcap" >"$TMPD/qn.json" 2>/dev/null; rc=$?
is "$rc/$(field status "$TMPD/qn.json")/$(field status_reason "$TMPD/qn.json")/$(field diagnosis.cause "$TMPD/qn.json")" \
    0/unknown/closed_after_peer_record/undetermined \
    "silent close after the last record, keyless: unknown (closed_after_peer_record), undetermined, never healthy"
"$BADMAC" "$TMPD/quiet.pcap" >"$TMPD/qn.txt" 2>/dev/null
like "$(cat "$TMPD/qn.txt")" "the client closed without a close_notify of its own right after a server record" \
    "keyless text: the client closed right after a server record"

# (iii) a Python ssl client that closes its socket after the server's first
# flight (ServerHelloDone), without an alert.
SP=$(port); serve "$SP"; waitport "$SP"
dump "$SP" "$TMPD/hs.pcap"
python3 - "$SP" <<'EOF'
import socket, ssl, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(i, o, server_hostname="server.badmac.test")
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    obj.do_handshake()
except ssl.SSLWantReadError:
    pass
s.sendall(o.read())
buf = b""
while b"\x0e\x00\x00\x00" not in buf:   # ServerHelloDone
    d = s.recv(65536)
    if not d:
        break
    buf += d
s.close()
EOF
stop_dump; kill "$SRV" 2>/dev/null
"$BADMAC" --json "$TMPD/hs.pcap" >"$TMPD/hs.json" 2>/dev/null; rc=$?
is "$rc" 1 "python client closing after ServerHelloDone: exit 1"
is "$(field status_reason "$TMPD/hs.json")/$(field aborted.by "$TMPD/hs.json")/$(field aborted.how "$TMPD/hs.json")" \
    aborted_handshake/client/fin "python client: aborted_handshake by the client with FIN"
# What the peers do: the client sends no alert; OpenSSL answers its FIN with
# a fatal decode_error. The abort came first: it is the failure.
python3 -c 'import json,sys
o=[json.loads(l) for l in open(sys.argv[1])][0]
sys.exit(any(a["from"]=="client" for a in o["alerts"]))' "$TMPD/hs.json"
ok $? "python client: no alert from the client"

# Clean: s_client GET, the server ends with close_notify + FIN, the client answers.
SP=$(port); serve "$SP"; waitport "$SP"
dump "$SP" "$TMPD/clean.pcap"
(printf 'GET /small.txt HTTP/1.0\r\n\r\n'; sleep 2) | timeout 10 openssl s_client -connect "127.0.0.1:$SP" -quiet \
    -CAfile "$PKI/ca.crt" >/dev/null 2>&1
stop_dump; kill "$SRV" 2>/dev/null
"$BADMAC" --json "$TMPD/clean.pcap" >"$TMPD/clean.json" 2>/dev/null; rc=$?
# Keyless, the server's answering alert may be read as close_notify or be of
# unknown level (both readings fit: docs/diagnoses.md): ok or unknown, never
# failed, exit 0.
st=$(field status "$TMPD/clean.json")
case $st in ok|unknown) st=not-failed ;; esac
is "$rc/$st" 0/not-failed "clean close_notify + FIN both ways: not failed (ok or unknown), exit 0"

# (v) Clean: the same exchange without a fault, the Python client closes
# without close_notify once it has its answer (as many clients do). Keys:
# ok; keyless: unknown, as (ii), since only keys tell them apart.
SP=$(port); echo_server "$SP"; waitport "$SP"
dump "$SP" "$TMPD/done.pcap"
python3 - "$SP" "$TMPD/done.keys" <<'EOF'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ctx.keylog_filename = sys.argv[2]
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="x")
s.sendall(b"a line of the request\n")
s.recv(100)
socket.socket.close(s)     # no close_notify
EOF
stop_dump; kill "$SRV" 2>/dev/null
"$BADMAC" --json --keylog "$TMPD/done.keys" "$TMPD/done.pcap" >"$TMPD/d.json" 2>/dev/null; rc=$?
is "$rc/$(field status "$TMPD/d.json")" 0/ok "client done, closes without close_notify, keys: ok, exit 0"
"$BADMAC" --json "$TMPD/done.pcap" >"$TMPD/dn.json" 2>/dev/null; rc=$?
is "$rc/$(field status "$TMPD/dn.json")/$(field status_reason "$TMPD/dn.json")" 0/unknown/closed_after_peer_record \
    "client done, closes without close_notify, keyless: unknown, exit 0"

# Clean: the client sends close_notify + FIN while the server still sends.
SP=$(port); serve "$SP"; waitport "$SP"
dump "$SP" "$TMPD/early.pcap"
python3 - "$SP" "$TMPD/early.keys" <<'EOF'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.keylog_filename = sys.argv[2]
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="x")
s.sendall(b"GET /big.txt HTTP/1.0\r\n\r\n")
s.recv(100)
try:
    s.unwrap().close()     # close_notify, then FIN, while the server still sends
except (ssl.SSLError, OSError):
    s.close()
EOF
stop_dump; kill "$SRV" 2>/dev/null
"$BADMAC" --json "$TMPD/early.pcap" >"$TMPD/early.json" 2>/dev/null; rc=$?
# Keyless, a close_notify in the middle of the server's data fits a fatal
# alert too (nothing on the wire tells them apart): unknown, exit 0, never
# failed (it once was: a fatal alert invented from "the peer kept sending").
is "$rc/$(field status "$TMPD/early.json")/$(field status_reason "$TMPD/early.json")" 0/unknown/alert_level_unknown \
    "client close_notify + FIN while the server sends, keyless: unknown (alert level), exit 0"
"$BADMAC" --json --keylog "$TMPD/early.keys" "$TMPD/early.pcap" >"$TMPD/early.json" 2>/dev/null; rc=$?
is "$rc/$(field status "$TMPD/early.json")" 0/ok "client close_notify + FIN while the server sends, keys: ok, exit 0"

done_testing
