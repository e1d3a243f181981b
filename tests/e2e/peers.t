#!/bin/sh
# The test peers of tests/peers (mbedtls_peer, wolfssl_peer): they build
# against Debian's libraries, talk to each other through `badmac relay`,
# and the capture decrypts and verifies completely with their key log.
. "$(dirname "$0")/lib_tap.sh"
PKI=$FIX/pki
P=$TOP/tests/peers/out
[ -x "$BADMAC" ] || { echo "1..0 # SKIP $BADMAC not built"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 0; }
sh "$TOP/tests/peers/build.sh" >"$TMPD/build" 2>&1; rc=$?
[ "$rc" -ne 3 ] || { echo "1..0 # SKIP $(tr '\n' ' ' <"$TMPD/build")"; exit 0; }
is "$rc" 0 "tests/peers/build.sh"
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$TMPD"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_listen() {
    h=$(printf ':%04X' "$1"); i=0
    until grep -q "$h [0-9A-F:]* 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 250 ] || return 1; sleep 0.02; done
}
field() {  # field FILE KEY: a value of the client-leg connection (python)
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    c = json.loads(l)
    if c.get("type") == "connection" and c["server"]["port"] == int(sys.argv[3]):
        v = eval(sys.argv[2], {"c": c})
        print(json.dumps(v)); break' "$1" "$2" "$3"
}

# session LIB VERSION: LIB server <- relay <- LIB client, 40 KB response
session() {
    lib=$1; v=$2; d=$TMPD/$lib-$v; mkdir -p "$d"
    if [ ! -x "$P/${lib}_peer" ]; then
        for x in 1 2 3 4 5 6; do T_N=$((T_N + 1)); echo "ok $T_N # SKIP ${lib}_peer not built"; done
        return 0
    fi
    sp=$(port); rp=$(port)
    "$P/${lib}_peer" server --port "$sp" --version "$v" --cert "$PKI/server-chain.crt" \
        --key "$PKI/server.key" --send 40000 </dev/null >"$d/server.out" 2>"$d/server.err" &
    spid=$!; PIDS="$PIDS $spid"
    wait_listen "$sp"
    "$BADMAC" relay --listen "127.0.0.1:$rp" --to "127.0.0.1:$sp" --once \
        --log "$d/relay.jsonl" --pcap "$d/cap.pcapng" </dev/null 2>"$d/relay.err" &
    rpid=$!; PIDS="$PIDS $rpid"
    wait_listen "$rp"
    timeout 20 "$P/${lib}_peer" client --port "$rp" --version "$v" --ca "$PKI/ca.crt" \
        --keylog "$d/keys.log" </dev/null >"$d/client.out" 2>"$d/client.err"
    is "$?:$(cat "$d/client.out")" "0:result: ok" "$lib TLS $v: client says result: ok"
    wait "$spid"; is "$?:$(tail -1 "$d/server.out")" "0:result: ok" "$lib TLS $v: server says result: ok"
    wait "$rpid"
    like "$(head -1 "$d/keys.log" 2>/dev/null)" '^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$' \
        "$lib TLS $v: the key log has an NSS CLIENT_RANDOM line"
    "$BADMAC" --json --keylog "$d/keys.log" "$d/cap.pcapng" >"$d/out.json" 2>"$d/badmac.err"
    is "$?" 0 "$lib TLS $v: badmac finds no failure"
    is "$(field "$d/out.json" '[c["version"], c["finished"], c["failed"], c["first_bad_record"]]' "$rp")" \
        "[\"TLS $v\", {\"client\": \"ok\", \"server\": \"ok\"}, false, null]" \
        "$lib TLS $v: both Finished ok, not failed, no bad record"
    is "$(field "$d/out.json" '[c["records"][s][k] for s in ("client", "server") for k in ("failed", "undecryptable")] + [c["records"]["server"]["verified"] >= 4]' "$rp")" \
        "[0, 0, 0, 0, true]" "$lib TLS $v: every record verified"
}
session mbedtls 1.2
session wolfssl 1.2
done_testing
