#!/usr/bin/env bash
# soak.t - badmac -i under a steady load (issue 13): Python TLS 1.3 clients,
# at a steady SOAK_RATE (default 100 connections/s), through `badmac relay`
# to openssl s_server, for SOAK_SECONDS (default 40; longer runs:
# SOAK_SECONDS=3600), captured live
# with the key log the clients are still writing. Checks: the resident set
# stays flat (the last third of the run no higher than 1.25 times the
# middle third), every client connection is reported and verified, none
# failed, the kernel dropped nothing. Prints the rate it sustained.
set -u
T=$(mktemp -d /tmp/soak-t.XXXXXX)
NS=bmsoak-$$
SECS=${SOAK_SECONDS:-40}
RATE=${SOAK_RATE:-100} # connections per second (bench/ runs it faster)
# the load (clients, relay, server) at this niceness: on a small machine it
# stands for other hosts, and must not starve the badmac it measures
GEN="nice -n ${SOAK_NICE:-0}"
NETNS=$NS
# ok, cleanup of $T, $PIDS and $NETNS at exit
. "$(dirname "$0")/relay_lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v openssl >/dev/null || ! ip netns add $NS 2>/dev/null; then
    echo "1..0 # SKIP needs root, openssl and network namespaces"
    exit 0
fi
BADMAC=${BADMAC:?set BADMAC}
ip -n $NS link set lo up
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 2 -subj /CN=soak >/dev/null 2>&1
head -c 20000 /dev/urandom | base64 >"$T/page"
cd "$T" || exit 1 # s_server -WWW serves files from its working directory
ip netns exec $NS $GEN openssl s_server -accept 127.0.0.1:4433 -cert "$T/cert.pem" -key "$T/key.pem" -tls1_3 \
    -WWW -quiet >/dev/null 2>&1 &
PIDS="$PIDS $!"
ip netns exec $NS $GEN "$BADMAC" relay --listen 127.0.0.1:5555 --to 127.0.0.1:4433 >/dev/null 2>&1 &
PIDS="$PIDS $!"
: >"$T/keys"
ip netns exec $NS "$BADMAC" -i lo -f 'tcp port 5555' --keylog "$T/keys" --json --idle 20 >"$T/live.out" \
    2>"$T/live.err" &
LPID=$!
PIDS="$PIDS $LPID"
sleep 1.5
ip netns exec $NS $GEN python3 - "$SECS" "$T/keys" "$RATE" >"$T/clients" 2>"$T/clients.err" <<'PY' &
import socket, ssl, sys, time
secs, keys, rate = float(sys.argv[1]), sys.argv[2], float(sys.argv[3])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.keylog_filename = keys
done, got, start = 0, 0, time.monotonic()
end = start + secs
while time.monotonic() < end:
    with socket.create_connection(("127.0.0.1", 5555)) as s, ctx.wrap_socket(s) as t:
        t.sendall(b"GET /page HTTP/1.0\r\n\r\n")
        while True:
            b = t.recv(65536)
            if not b:
                break
            got += len(b)
    done += 1
    time.sleep(max(0.0, start + done / rate - time.monotonic()))  # a steady rate
print(done, got // max(done, 1))
PY
CPID=$!
rss=""
for _ in $(seq $((SECS / 5))); do
    sleep 5
    rss="$rss $(awk '/VmRSS/ {print $2}' /proc/$LPID/status)"
done
wait $CPID
read -r clients size <"$T/clients"
sleep 2.5
kill -INT $LPID
wait $LPID
set -- $rss
k=$#
third=$((k / 3))
[ "$third" -ge 1 ] || third=1
mid=0; last=0; i=0
for v in "$@"; do
    i=$((i + 1))
    if [ $i -gt $third ] && [ $i -le $((2 * third)) ] && [ "$v" -gt "$mid" ]; then mid=$v; fi
    if [ $i -gt $((k - third)) ] && [ "$v" -gt "$last" ]; then last=$v; fi
done
ok $([ "$last" -le $((mid * 5 / 4)) ]; echo $?) "resident set flat over ${SECS} s (KiB sampled every 5 s:$rss)"
read -r conns failed verified <<EOF
$(python3 - "$T/live.out" <<'PY'
import json, sys
c = f = v = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "connection" and o["server"]["port"] == 5555:
        c += 1
        f += o["status"] == "failed"
        v += ((o.get("records") or {}).get("server") or {}).get("verified", 0) > 0
print(c, f, v)
PY
)
EOF
ok $([ -n "$clients" ] && [ "$conns" = "$clients" ] && [ "$verified" = "$clients" ] && [ "$failed" = 0 ]; echo $?) \
    "$clients client connections, $conns reported, $verified verified with the followed key log, $failed failed"
# the connections not ok, as the report words them (what a drop did to them)
python3 - "$T/live.out" <<'PY' | head -12
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "connection" and o["status"] != "ok" and n < 4:
        n += 1
        d = o.get("diagnosis") or {}
        print("# not ok: #%s %s %s (%s): %s; problems: %s" % (o["id"], o["status"], d.get("cause"),
              o.get("status_reason"), d.get("summary"), "; ".join(o.get("problems") or [])))
PY
ok $(! grep -q 'kernel dropped' "$T/live.err"; echo $?) "no packet dropped by the kernel"
sed 's/^/# stderr: /' "$T/live.err" | head -5
ok $([ "${size:-0}" -gt 20000 ]; echo $?) "each response carries the ${size:-0}-byte page (records of real size)"
echo "# sustained: $clients TLS 1.3 connections (${size:-0} bytes each) in $SECS s through the relay, analysed live"
echo "1..$n"
