#!/usr/bin/env bash
# rotate.t - rotated captures as tcpdump writes them (issue 13): real TLS
# 1.3 downloads (openssl s_server -WWW, s_client with a key log) through
# `badmac relay`, which flips a bit of the second connection's records,
# captured by tcpdump rotating by size (-C 1: pieces of 1 MB) and by time
# (-G 1: a piece per second) at the same time. The pieces given together
# give the report of the file mergecap makes of them (the same connections,
# frames, verdicts; only the file names differ), the connection that
# crosses a rotation boundary stays one, and the flipped connection is
# proven in-path corruption. --separate cuts that connection in two.
set -u
T=$(mktemp -d /tmp/rotate-t.XXXXXX)
NS=bmrot-$$
NETNS=$NS
# ok, cleanup of $T, $PIDS and $NETNS at exit
. "$(dirname "$0")/relay_lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v openssl >/dev/null || ! command -v tcpdump >/dev/null ||
    ! command -v mergecap >/dev/null || ! ip netns add $NS 2>/dev/null; then
    echo "1..0 # SKIP needs root, openssl, tcpdump, mergecap and network namespaces"
    exit 0
fi
BADMAC=${BADMAC:?set BADMAC}
ip -n $NS link set lo up
ip -n $NS link set lo mtu 1500
ip netns exec $NS ethtool -K lo tso off gso off gro off >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 2 -subj /CN=rotate >/dev/null 2>&1
mkdir "$T/www" "$T/c" "$T/g"
head -c 1500000 /dev/urandom >"$T/www/f.bin"
(cd "$T/www" && exec ip netns exec $NS openssl s_server -accept 127.0.0.1:4433 -cert "$T/cert.pem" \
    -key "$T/key.pem" -tls1_3 -WWW -quiet >/dev/null 2>&1) &
PIDS="$PIDS $!"
ip netns exec $NS "$BADMAC" relay --listen 127.0.0.1:5555 --to 127.0.0.1:4433 \
    --flip 's2c,conn=2,type=23,nth-app=40:100:3' >/dev/null 2>&1 &
PIDS="$PIDS $!"
ip netns exec $NS tcpdump -Z root -i lo -s 0 -U -C 1 -w "$T/c/tls.pcap" 'tcp port 5555' >/dev/null 2>&1 &
PIDS="$PIDS $!"
ip netns exec $NS tcpdump -Z root -i lo -s 0 -U -G 1 -w "$T/g/tls-%s.pcap" 'tcp port 5555' >/dev/null 2>&1 &
PIDS="$PIDS $!"
sleep 1.5
# each download (1.5 MB) is longer than a -C piece; the first one waits
# 1.2 s between its handshake and its request, so it spans a -G boundary
for i in 1 2 3 4; do
    { [ $i = 1 ] && sleep 1.2; printf 'GET /f.bin HTTP/1.0\r\n\r\n'; } |
        timeout 20 ip netns exec $NS openssl s_client -connect 127.0.0.1:5555 -tls1_3 -keylogfile "$T/keys" \
            -quiet -ign_eof >/dev/null 2>&1
    sleep 0.6
done
sleep 1.5
kill $PIDS 2>/dev/null
wait 2>/dev/null
PIDS=""
# the report's JSON objects, files and their names aside
strip() {
    python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    for k in ("capture", "files", "files_skipped", "files_partial"):
        o.pop(k, None)
    print(json.dumps(o, sort_keys=True))
PY
}
verdicts() {
    python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "connection":
        d = o.get("diagnosis") or {}
        print(o["status"], d.get("cause"), d.get("confidence"), len(o.get("files") or []))
PY
}
for how in c g; do
    pieces=$(ls "$T/$how" | wc -l)
    # the pieces one after the other (-a): tcpdump's own order. mergecap
    # merging by time stamp may put the last packet of a piece after the
    # first of the next when both have the same microsecond.
    # shellcheck disable=SC2046
    mergecap -a -w "$T/$how.pcapng" $(ls -v "$T/$how"/* 2>/dev/null || ls "$T/$how"/*)
    "$BADMAC" --json --keylog "$T/keys" "$T/$how"/* >"$T/$how.pieces" 2>"$T/$how.err"
    "$BADMAC" --json --keylog "$T/keys" "$T/$how.pcapng" >"$T/$how.merged" 2>/dev/null
    strip "$T/$how.pieces" >"$T/$how.a"
    strip "$T/$how.merged" >"$T/$how.b"
    opt=$([ $how = c ] && echo "-C 1" || echo "-G 1")
    cmp -s "$T/$how.a" "$T/$how.b" && [ "$pieces" -gt 1 ]
    ok $? "tcpdump $opt: $pieces pieces given together give the report of mergecap's file"
    v=$(verdicts "$T/$how.pieces")
    conns=$(echo "$v" | grep -c .)
    bad=$(echo "$v" | grep -c '^failed in_path_corruption proven')
    good=$(echo "$v" | grep -c '^ok healthy')
    span=$(echo "$v" | awk '$4 > 1' | wc -l)
    [ "$conns" = 4 ] && [ "$bad" = 1 ] && [ "$good" = 3 ] && [ "$span" -ge 1 ]
    ok $? "tcpdump $opt: 4 connections, the flipped one proven in-path corruption, 3 healthy, $span across pieces ($(echo $v))"
done
"$BADMAC" --json --separate --keylog "$T/keys" "$T/c"/* >"$T/sep" 2>"$T/sep.err"
sep=$(verdicts "$T/sep" | grep -c .)
[ "$sep" -gt 4 ] && grep -q 'look like pieces of one capture' "$T/sep.err"
ok $? "--separate: the connections crossing a boundary are cut ($sep connections) and a notice says so"
echo "1..$n"
