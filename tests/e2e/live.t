#!/usr/bin/env bash
# live.t - badmac -i (issue 13): a live capture in a network namespace while
# `badmac relay` flips a bit of a real server's record (openssl s_server and
# s_client, TLS 1.2 PSK so the keys are known before the session starts).
# The failing connection's verdict (in-path corruption, proven by the
# repair) is printed while the capture runs; a clean connection (a capture
# of its own) is printed as ok while it runs; SIGINT ends the capture with
# the summary. Then TLS 1.3 with a key log the client writes while the
# capture runs (SSLKEYLOGFILE style, empty at the start): badmac follows it,
# and the flipped record's verdict is proven again. With --keep-failures
# each failing connection's evidence pcapng is written while the capture
# runs and alone (no key option) gives the same verdict offline; the clean
# connection leaves no file.
set -u
T=$(mktemp -d /tmp/live-t.XXXXXX)
NS=bmlive-$$
NETNS=$NS
# ok, cleanup of $T, $PIDS and $NETNS at exit
. "$(dirname "$0")/relay_lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v openssl >/dev/null || ! ip netns add $NS 2>/dev/null; then
    echo "1..0 # SKIP needs root, openssl and network namespaces"
    exit 0
fi
BADMAC=${BADMAC:?set BADMAC}
ip -n $NS link set lo up
PSK=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
SUITE=PSK-AES128-GCM-SHA256
in_ns() { ip netns exec $NS "$@"; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 2 -subj /CN=live >/dev/null 2>&1

in_ns openssl s_server -accept 127.0.0.1:4433 -psk $PSK -nocert -cipher $SUITE -no_tls1_3 -www -quiet \
    >/dev/null 2>&1 &
PIDS="$PIDS $!"
in_ns "$BADMAC" relay --listen 127.0.0.1:5555 --to 127.0.0.1:4433 --flip 's2c,type=23,nth-app=0:40:3' \
    --log "$T/relay.jsonl" >/dev/null 2>&1 &
PIDS="$PIDS $!"
ip netns exec $NS "$BADMAC" -i lo -B 8192 -f 'tcp port 5555' --psk client1:$PSK --json --keep-failures "$T/ev1" \
    >"$T/live.out" 2>"$T/live.err" &
LPID=$!
PIDS="$PIDS $LPID"
sleep 1.5
client() {
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 ip netns exec $NS openssl s_client -connect 127.0.0.1:$1 \
        -psk $PSK -psk_identity client1 -cipher $SUITE -no_tls1_3 -ign_eof >/dev/null 2>&1
}
client 5555
sleep 1.5
verdicts() { # status, cause and confidence of each connection of a JSON report (default: the live one)
    python3 - "${1:-$T/live.out}" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "connection":
        d = o.get("diagnosis") or {}
        print(o["status"], d.get("cause"), d.get("confidence"))
PY
}
first=$(verdicts)
echo "$first" | grep -q '^failed in_path_corruption proven$'
ok $? "while the capture runs: the flipped connection is reported, in-path corruption proven ($first)"
kill -0 $LPID 2>/dev/null
ok $? "the capture is still running"
offline() { # the verdict of each evidence file of $1, read alone
    for f in "$1"/*.pcapng; do
        [ -f "$f" ] || continue
        "$BADMAC" --json "$f" >"$T/offline.out" 2>/dev/null
        verdicts "$T/offline.out"
    done
}
ev=$(offline "$T/ev1")
[ "$(ls "$T/ev1" | wc -l)" = 1 ] && [ "$ev" = "failed in_path_corruption proven" ]
ok $? "while the capture runs: its evidence pcapng, read alone, gives the same verdict ($ev)"
# a clean connection: through a second relay, without faults, under a new capture
in_ns "$BADMAC" relay --listen 127.0.0.1:5556 --to 127.0.0.1:4433 >/dev/null 2>&1 &
PIDS="$PIDS $!"
kill $LPID; wait $LPID 2>/dev/null
ip netns exec $NS "$BADMAC" -i lo -f 'tcp port 5556' --psk client1:$PSK --json --keep-failures "$T/ev2" \
    >"$T/live.out" 2>"$T/live.err" &
LPID=$!
PIDS="$PIDS $LPID"
sleep 1.5
client 5556
sleep 1.5
second=$(verdicts)
echo "$second" | grep -q '^ok healthy'
ok $? "a clean connection is reported ok while the capture runs ($second)"
[ -d "$T/ev2" ] && [ -z "$(ls "$T/ev2")" ]
ok $? "the clean connection leaves no evidence file"
kill -INT $LPID
wait $LPID
rc=$?
ok $([ $rc = 0 ] && grep -q '"type":"summary"' "$T/live.out"; echo $?) \
    "SIGINT ends the capture with the summary (exit $rc)"
# TLS 1.3, keys from a key log written while the capture runs
in_ns openssl s_server -accept 127.0.0.1:4443 -cert "$T/cert.pem" -key "$T/key.pem" -tls1_3 -www -quiet \
    >/dev/null 2>&1 &
PIDS="$PIDS $!"
in_ns "$BADMAC" relay --listen 127.0.0.1:5557 --to 127.0.0.1:4443 --flip 's2c,type=23,nth-app=2:40:3' \
    >/dev/null 2>&1 &
PIDS="$PIDS $!"
: >"$T/follow.keys"
ip netns exec $NS "$BADMAC" -i lo -f 'tcp port 5557' --keylog "$T/follow.keys" --json --keep-failures "$T/ev3" \
    >"$T/live.out" 2>"$T/live.err" &
LPID=$!
PIDS="$PIDS $LPID"
sleep 1.5
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 ip netns exec $NS openssl s_client -connect 127.0.0.1:5557 -tls1_3 \
    -keylogfile "$T/follow.keys" -ign_eof >/dev/null 2>&1
sleep 1.5
third=$(verdicts)
echo "$third" | grep -q '^failed in_path_corruption proven$'
ok $? "TLS 1.3, the key log written during the capture is followed: in-path corruption proven ($third)"
ev=$(offline "$T/ev3")
[ "$ev" = "failed in_path_corruption proven" ]
ok $? "TLS 1.3: the evidence file (the followed key log's secrets in it) alone gives the same verdict ($ev)"
kill -INT $LPID
wait $LPID
echo "1..$n"
