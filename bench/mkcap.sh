#!/bin/sh
# bench/mkcap.sh [KIND] [SIZE_MB] - build a benchmark capture the way a real network carries it.
#
# KIND:    tls13-aes128gcm (default) | tls12-aes128gcm | tls12-chacha | tls12-aes128cbc
# SIZE_MB: application bytes to download in total, in MB of 10^6 bytes (default 200): SIZE_MB/20 downloads of 20 MB each,
#          one after the other, each its own TLS connection (openssl s_server -WWW -> s_client).
#
# Everything runs inside a private network namespace: lo at MTU 1500, segmentation offload off and a
# tbf qdisc pacing it at 1200 Mbit/s, so tcpdump sees 1500-byte frames and drops none (checked: the
# script fails if tcpdump reports any packet dropped by the kernel).
#
# Writes bench/out/KIND.pcap and bench/out/KIND.keys (NSS key log) for the default size, and
# bench/out/KIND-SIZEmb.pcap / .keys otherwise. Re-running overwrites them. Needs root.
# Environment: RATE (tbf rate, default 1200mbit), FILE_MB (size of one download, default 20),
# NO_ETM=1 (tls12-aes128cbc: disable encrypt-then-MAC, i.e. classic MAC-then-encrypt).
set -eu

KIND=${1:-tls13-aes128gcm}
SIZE_MB=${2:-200}
FILE_MB=${FILE_MB:-20}
RATE=${RATE:-1200mbit}
PORT=4433

case $KIND in
tls13-aes128gcm) PROTO="-tls1_3"; CIPHER="-ciphersuites TLS_AES_128_GCM_SHA256" ;;
tls12-aes128gcm) PROTO="-tls1_2"; CIPHER="-cipher ECDHE-RSA-AES128-GCM-SHA256" ;;
tls12-chacha)    PROTO="-tls1_2"; CIPHER="-cipher ECDHE-RSA-CHACHA20-POLY1305" ;;
tls12-aes128cbc) PROTO="-tls1_2"; CIPHER="-cipher ECDHE-RSA-AES128-SHA" ;;
*) echo "mkcap: unknown KIND '$KIND' (tls13-aes128gcm tls12-aes128gcm tls12-chacha tls12-aes128cbc)" >&2
   exit 2 ;;
esac
ETM=""
if [ "${NO_ETM:-0}" = 1 ]; then ETM="-no_etm"; fi

case $SIZE_MB in ''|*[!0-9]*) echo "mkcap: SIZE_MB must be a number" >&2; exit 2 ;; esac
N=$(( (SIZE_MB + FILE_MB - 1) / FILE_MB ))
[ "$N" -ge 1 ] || N=1

for t in ip ethtool tc tcpdump openssl; do
    command -v $t >/dev/null 2>&1 || { echo "mkcap: '$t' not found" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "mkcap: needs root (ip netns)" >&2; exit 1; }

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/out
mkdir -p "$OUT"
if [ "$SIZE_MB" = 200 ] && [ "$FILE_MB" = 20 ]; then BASE=$KIND; else BASE=$KIND-${SIZE_MB}mb; fi
[ -n "$ETM" ] && BASE=$BASE-noetm
CAP=$OUT/$BASE.pcap
KEYS=$OUT/$BASE.keys

NS=badmac-bench-$$
TMP=$(mktemp -d)
SRV_PID=""
DUMP_PID=""

cleanup() {
    rc=$?
    trap - EXIT INT TERM HUP
    [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null || true
    [ -n "$DUMP_PID" ] && kill -TERM "$DUMP_PID" 2>/dev/null || true
    [ -n "$SRV_PID" ] && wait "$SRV_PID" 2>/dev/null || true
    [ -n "$DUMP_PID" ] && wait "$DUMP_PID" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$TMP"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

nsx() { ip netns exec "$NS" "$@"; }

echo "mkcap: $KIND, $N x ${FILE_MB} MB -> $CAP"

# Server side: a self-signed RSA certificate and a file of random bytes to serve.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
    -days 2 -subj /CN=bench.badmac.test >/dev/null 2>&1
mkdir -p "$TMP/www"
head -c $((FILE_MB * 1000 * 1000)) /dev/urandom >"$TMP/www/f.bin"

# A namespace left by an earlier run that was killed outright (SIGKILL: no trap) is removed here.
for old in $(ip netns list 2>/dev/null | awk '/^badmac-bench-[0-9]+/ {print $1}'); do
    kill -0 "${old#badmac-bench-}" 2>/dev/null || ip netns del "$old" 2>/dev/null || true
done
ip netns add "$NS"
nsx ip link set lo mtu 1500 up
nsx ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || \
    nsx ethtool -K lo tso off gso off gro off
nsx tc qdisc add dev lo root tbf rate "$RATE" burst 256kb latency 50ms

rm -f "$CAP" "$KEYS"
# Started directly (not through a shell function) so that $! is tcpdump itself.
ip netns exec "$NS" tcpdump -i lo -B 400000 -w "$CAP" "tcp port $PORT" 2>"$TMP/tcpdump.err" &
DUMP_PID=$!
i=0
until grep -q 'listening on' "$TMP/tcpdump.err" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$DUMP_PID" 2>/dev/null; then
        cat "$TMP/tcpdump.err" >&2; echo "mkcap: tcpdump did not start" >&2; exit 1
    fi
    sleep 0.1
done

# shellcheck disable=SC2086
(cd "$TMP/www" && exec ip netns exec "$NS" openssl s_server -quiet -accept $PORT -naccept "$N" \
    -cert "$TMP/cert.pem" -key "$TMP/key.pem" $PROTO $CIPHER $ETM -WWW -http_server_binmode) \
    >"$TMP/server.log" 2>&1 &
SRV_PID=$!
i=0
until nsx ss -ltn 2>/dev/null | grep -q ":$PORT "; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$SRV_PID" 2>/dev/null; then
        cat "$TMP/server.log" >&2; echo "mkcap: s_server did not start" >&2; exit 1
    fi
    sleep 0.1
done

want=$((FILE_MB * 1000 * 1000))
k=1
start=$(date +%s.%N)
while [ $k -le "$N" ]; do
    # shellcheck disable=SC2086
    printf 'GET /f.bin HTTP/1.0\r\n\r\n' | nsx openssl s_client -quiet -connect 127.0.0.1:$PORT \
        -servername bench.badmac.test $PROTO $CIPHER $ETM -keylogfile "$KEYS" \
        >"$TMP/got" 2>"$TMP/client.err" || true
    got=$(wc -c <"$TMP/got")
    # -WWW sends a short HTTP header before the file.
    if [ "$got" -lt "$want" ]; then
        cat "$TMP/client.err" "$TMP/server.log" >&2
        echo "mkcap: download $k got $got bytes, wanted >= $want" >&2; exit 1
    fi
    k=$((k + 1))
done
end=$(date +%s.%N)

wait "$SRV_PID" 2>/dev/null || true
SRV_PID=""
sleep 0.5
kill -TERM "$DUMP_PID"   # tcpdump flushes and prints its counters on SIGTERM
wait "$DUMP_PID" || true
DUMP_PID=""
cat "$TMP/tcpdump.err" >&2
if ! grep -q '^0 packets dropped by kernel' "$TMP/tcpdump.err"; then
    echo "mkcap: FAIL: tcpdump dropped packets (see above); the capture is not usable" >&2
    rm -f "$CAP"
    exit 1
fi
# The "dropped by interface" counter, where libpcap has one, must be zero too.
if grep -q 'dropped by interface' "$TMP/tcpdump.err" && \
   ! grep -q '^0 packets dropped by interface' "$TMP/tcpdump.err"; then
    echo "mkcap: FAIL: packets dropped by interface" >&2
    rm -f "$CAP"
    exit 1
fi
lines=$(grep -c . "$KEYS" || true)
echo "mkcap: $N downloads in $(echo "$start $end" | awk '{printf "%.1f", $2 - $1}') s;" \
     "$(wc -c <"$CAP") bytes in $CAP; $lines key log lines in $KEYS"
