#!/usr/bin/env bash
# badmac relay end to end: openssl s_server/s_client through the relay on
# 127.0.0.1, faults seen by the client, the log, the two-leg capture, many
# connections, a peer that never reads, half-close, signals.
set -u
T=$(mktemp -d /tmp/relay-t.XXXXXX)
# ok, check, cleanup of $T and $PIDS; freeport, waitport, relay NAME ARGS
# (sets RPID, RPORT), revserver PORT CERT KEY
. "$(dirname "$0")/relay_lib.sh"

if [ -z "${BADMAC:-}" ] || ! "$BADMAC" relay --help >/dev/null 2>&1; then
    echo "1..0 # SKIP \$BADMAC relay not available (CLI does not dispatch 'relay' yet)"
    exit 0
fi
for tool in openssl python3 tshark; do
    command -v $tool >/dev/null || { echo "1..0 # SKIP $tool missing"; exit 0; }
done

# client NAME: one s_client through the relay, sends a line, exits at EOF.
client() {
    # stdin stays open until the answer is in (or 20 s: CI may be loaded), then EOF
    (echo "hello relay"
     for _ in $(seq 200); do grep -q "olleh\|DONE" "$T/$1.cout" 2>/dev/null && break; sleep 0.1; done) |
        timeout 30 openssl s_client -connect 127.0.0.1:$RPORT -no_ign_eof >"$T/$1.cout" 2>&1
}
stop_relay() { kill -TERM "$RPID" 2>/dev/null; wait "$RPID"; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 2 -subj /CN=localhost >/dev/null 2>&1
SPORT=$(freeport)
openssl s_server -accept 127.0.0.1:$SPORT -cert "$T/cert.pem" -key "$T/key.pem" -rev -quiet \
    >"$T/server.out" 2>&1 &
PIDS="$PIDS $!"
waitport $SPORT

# 1. clean pass-through, with a capture and a log
relay clean --to 127.0.0.1:$SPORT --log "$T/clean.jsonl" --pcap "$T/clean.pcapng" --once
client clean; rc=$?
check "clean: s_client exits 0" [ $rc = 0 ]
check "clean: the reversed line came back through the relay" grep -q "yaler olleh" "$T/clean.cout"
wait "$RPID"; rc=$?
check "--once: relay exits 0 after the connection" [ $rc = 0 ]
check "clean: log has a close line with reason done" grep -q '"event":"close","reason":"done"' "$T/clean.jsonl"
check "clean: no fault logged" sh -c "! grep -q '\"fault\"' '$T/clean.jsonl'"
# the client leg carries exactly the records the relay counted
want=$(python3 -c "import json,sys
for l in open('$T/clean.jsonl'):
    j=json.loads(l)
    if j.get('event')=='close': print(j['c2s_records']+j['s2c_records'])")
got=$(tshark -r "$T/clean.pcapng" -d tcp.port==$RPORT,tls -d tcp.port==$SPORT,tls \
      -Y "tcp.port==$RPORT && tls" -T fields -e tls.record.length 2>/dev/null |
      tr ',' '\n' | grep -c .)
check "pcap: tshark sees the $want records on the client leg (got $got)" [ -n "$want" -a "$got" = "$want" ]
got2=$(tshark -r "$T/clean.pcapng" -d tcp.port==$RPORT,tls -d tcp.port==$SPORT,tls \
       -Y "tcp.port==$SPORT && tls" -T fields -e tls.record.length 2>/dev/null |
       tr ',' '\n' | grep -c .)
check "pcap: and the same on the server leg (got $got2)" [ "$got2" = "$want" ]
bad=$(tshark -r "$T/clean.pcapng" -o tcp.check_checksum:TRUE -Y "tcp.checksum.status==0 || ip.checksum.status==0 || tcp.analysis.flags" 2>/dev/null | wc -l)
check "pcap: checksums valid, no TCP analysis warnings ($bad)" [ "$bad" = 0 ]

# 2. a bit flipped in the first encrypted server record
relay flip --to 127.0.0.1:$SPORT --log "$T/flip.jsonl" --pcap "$T/flip.pcapng" --once \
    --flip s2c,type=23,nth-app=0:5:3
client flip
check "flip: s_client reports bad record mac" grep -qi "bad record mac" "$T/flip.cout"
wait "$RPID"
idx=$(python3 -c "import json
for l in open('$T/flip.jsonl'):
    j=json.loads(l)
    if j.get('fault')=='flip': print(j['record_index'], j['record_offset'], j['bit'], j['stream_offset'])")
set -- $idx
check "flip: log names record 2, offset 5, bit 3 ($idx)" [ "${1:-}" = 2 -a "${2:-}" = 5 -a "${3:-}" = 3 ]
# stream_offset is the one byte where the two legs' s2c streams differ
diffs=$(python3 - "$T/flip.pcapng" "$SPORT" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read(); sport = int(sys.argv[2])
legs = {0: b'', 1: b''}
off = 0
while off + 12 <= len(data):
    btype, blen = struct.unpack_from('<II', data, off)
    if btype == 6:
        ifid, _, _, caplen = struct.unpack_from('<IIII', data, off + 8)
        pkt = data[off + 28: off + 28 + caplen]
        sp = struct.unpack_from('>H', pkt, 34)[0]
        # s2c: from the server on the server leg, from the relay on the client leg
        if (ifid == 1 and sp == sport) or (ifid == 0 and pkt[11] == 1):
            legs[ifid] += pkt[54:]
    off += blen
a, b = legs[0], legs[1]
print(' '.join(str(i) for i in range(min(len(a), len(b))) if a[i] != b[i]))
PY
)
check "flip: the legs differ only at stream_offset ${4:-?} (differ at: $diffs)" [ -n "$diffs" -a "$diffs" = "${4:-x}" ]

# 3. a dropped record
relay drop --to 127.0.0.1:$SPORT --log "$T/drop.jsonl" --once --drop s2c,index=2
client drop; rc=$?
check "drop: the handshake fails (s_client rc=$rc)" sh -c "[ $rc != 0 ] && ! grep -q 'yaler olleh' '$T/drop.cout'"
wait "$RPID"
check "drop: logged" grep -q '"fault":"drop"' "$T/drop.jsonl"

# 4. 50 concurrent connections, no fd leak. s_server serves one client at a
# time, so the server here is a threaded Python TLS server that reverses lines.
TPORT=$(freeport)
revserver $TPORT "$T/cert.pem" "$T/key.pem"
relay many --to 127.0.0.1:$TPORT --log "$T/many.jsonl"
before=$(ls /proc/$RPID/fd | wc -l)
CPIDS=""
for i in $(seq 50); do client "many$i" & CPIDS="$CPIDS $!"; done
for p in $CPIDS; do wait "$p"; done
okc=$(grep -l "yaler olleh" "$T"/many*.cout 2>/dev/null | wc -l)
check "50 concurrent: all got their data ($okc)" [ "$okc" = 50 ]
sleep 0.5
after=$(ls /proc/$RPID/fd | wc -l)
check "50 concurrent: no fd leak ($before before, $after after)" [ "$before" = "$after" ]
closes=$(grep -c '"reason":"done"' "$T/many.jsonl")
check "50 concurrent: 50 connections closed cleanly ($closes)" [ "$closes" = 50 ]
stop_relay

# 5. a client that never reads from a server that never stops writing
FPORT=$(freeport)
python3 - "$FPORT" >/dev/null 2>&1 <<'PY' &
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
def hose(c):
    try:
        while True: c.sendall(b"\x17\x03\x03\x10\x00" + b"x" * 4096)
    except OSError: pass
while True:
    c, _ = s.accept(); threading.Thread(target=hose, args=(c,), daemon=True).start()
PY
PIDS="$PIDS $!"
sleep 0.5
relay stall --to 127.0.0.1:$FPORT
python3 - "$RPORT" <<'PY' &
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
time.sleep(30)
PY
STALL=$!
PIDS="$PIDS $STALL"
sleep 2
rss=$(awk '/VmRSS/ {print $2}' /proc/$RPID/status)
check "stall: relay memory stays bounded (${rss} kB)" [ "${rss:-999999}" -lt 65536 ]
got=$(python3 - "$RPORT" <<'PY'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
n = 0
while n < 1 << 20:
    d = c.recv(65536)
    if not d: break
    n += len(d)
print(n)
PY
)
check "stall: another connection still flows (${got:-0} bytes)" [ "${got:-0}" -ge 1048576 ]
t0=$(date +%s%N)
kill -TERM "$RPID"
for _ in $(seq 20); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
wait "$RPID"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "SIGTERM: relay exits 0 within 2 s (rc=$rc, ${ms} ms)" [ $rc = 0 -a $ms -lt 2000 ]
kill "$STALL" 2>/dev/null

# 6. half-close passes through: the server answers after the client's FIN
HPORT=$(freeport)
python3 - "$HPORT" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); got = b""
while True:
    d = c.recv(4096)
    if not d: break
    got += d
c.sendall(b"got %d bytes" % len(got)); c.close()
PY
PIDS="$PIDS $!"
sleep 0.5
relay half --to 127.0.0.1:$HPORT --once --log "$T/half.jsonl"
ans=$(python3 - "$RPORT" <<'PY'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
c.sendall(b"not tls at all"); c.shutdown(socket.SHUT_WR)
print(c.recv(100).decode())
PY
)
check "half-close: answer after FIN ($ans)" [ "$ans" = "got 14 bytes" ]
wait "$RPID"
check "half-close: non-TLS stream logged as passthrough" grep -q '"fault":"passthrough"' "$T/half.jsonl"

# 7. nobody at --to: the client is closed at once, the failure logged
DEAD=$(freeport)
relay dead --to 127.0.0.1:$DEAD --once --log "$T/dead.jsonl"
r=$(python3 - "$RPORT" <<'PY'
import socket, sys
# The relay may reset the client before connect() even returns: that is
# the same answer as a reset on the first read.
try:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    print("eof" if c.recv(10) == b"" else "data")
except ConnectionResetError: print("reset")
except socket.timeout: print("timeout")
PY
)
check "connect failure: client reset or closed ($r)" [ "$r" = reset -o "$r" = eof ]
wait "$RPID"
check "connect failure: logged" grep -q '"event":"connect_failed"' "$T/dead.jsonl"

# 8. an IPv6 client leg (and an IPv4 server leg): each written with its own family
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    LISTEN="[::1]:0" relay v6 --to 127.0.0.1:$SPORT --once --pcap "$T/v6.pcapng"
    (echo "hello six"; for _ in $(seq 100); do grep -q "xis olleh" "$T/v6.cout" 2>/dev/null && break; sleep 0.1; done) |
        timeout 30 openssl s_client -connect "[::1]:$RPORT" -no_ign_eof >"$T/v6.cout" 2>&1
    wait "$RPID"
    check "ipv6: the reversed line came back" grep -q "xis olleh" "$T/v6.cout"
    v6=$(tshark -r "$T/v6.pcapng" -Y "ipv6.src==::1 && ipv6.dst==::1 && tcp.port==$RPORT" 2>/dev/null | wc -l)
    v4=$(tshark -r "$T/v6.pcapng" -Y "ip.src==127.0.0.1 && tcp.port==$SPORT" 2>/dev/null | wc -l)
    check "ipv6: the client leg is IPv6 ::1 ($v6 packets), the server leg IPv4 ($v4)" [ "$v6" -ge 8 -a "$v4" -ge 8 ]
    bad=$(tshark -r "$T/v6.pcapng" -o tcp.check_checksum:TRUE -Y "tcp.checksum.status==0 || ip.checksum.status==0 || tcp.analysis.flags" 2>/dev/null | wc -l)
    check "ipv6: checksums valid, no TCP analysis warnings ($bad)" [ "$bad" = 0 ]
    recs=$(tshark -r "$T/v6.pcapng" -d tcp.port==$RPORT,tls -Y "ipv6 && tls" -T fields -e tls.record.length 2>/dev/null |
           tr ',' '\n' | grep -c .)
    check "ipv6: tshark reads TLS records on the IPv6 leg ($recs)" [ "$recs" -ge 5 ]
    "$BADMAC" --json "$T/v6.pcapng" >"$T/v6.json" 2>/dev/null
    legs=$(python3 -c "import json,sys
c = [json.loads(l) for l in open(sys.argv[1])]
print(sorted(o['client']['ip'] for o in c if o.get('type') == 'connection'))" "$T/v6.json" 2>/dev/null)
    check "ipv6: badmac finds both legs, one from ::1 ($legs)" [ "$legs" = "['127.0.0.1', '::1']" ]
else
    ok 0 "# SKIP ipv6: no ::1"
fi

# 10. load shedding. (a) Every slot taken by idle clients: a connection
# idle for a second is reclaimed (logged) and a new client gets through at
# once, long before the 60 s idle timeout.
relay full --to 127.0.0.1:$SPORT --max-conns 2 --log "$T/full.jsonl"
python3 - "$RPORT" >"$T/idle.out" 2>&1 <<'PY' &
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(2)]
time.sleep(8)
PY
IDLEPID=$!
sleep 1.5
start=$(date +%s)
client full; rc=$?
took=$(( $(date +%s) - start ))
check "max-conns 2 held by idle clients: a new client gets through (exit $rc, ${took} s)" \
    [ $rc = 0 -a "$took" -le 5 ]
check "full: the reclaimed slot is logged" grep -q 'idle slot reclaimed for a new connection' "$T/full.jsonl"
kill $IDLEPID 2>/dev/null; wait $IDLEPID 2>/dev/null
stop_relay
# (b) Out of file descriptors: accept() or the socket to the server fails
# with EMFILE while clients wait; the relay says so once and does not spin
# (its CPU time stays low). The server holds every connection open.
HPORT=$(freeport)
python3 - "$HPORT" <<'PY' &
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", int(sys.argv[1]))); l.listen(64); l.settimeout(10); held = []
try:
    while True:
        held.append(l.accept())
except OSError:
    pass
PY
PIDS="$PIDS $!"
waitport $HPORT
(ulimit -n 12; exec "$BADMAC" relay --listen 127.0.0.1:0 --to 127.0.0.1:$HPORT) >"$T/emfile.out" 2>"$T/emfile.err" &
RPID=$!; PIDS="$PIDS $RPID"
for _ in $(seq 100); do
    RPORT=$(sed -n 's/.*listening on .* port \([0-9]*\),.*/\1/p' "$T/emfile.err"); [ -n "$RPORT" ] && break; sleep 0.1
done
python3 - "$RPORT" <<'PY' &
import socket, sys, time
s = []
for _ in range(20):
    try:
        s.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
    except OSError:
        pass
time.sleep(4)
PY
HOLDPID=$!
sleep 1
t0=$(awk '{print $14 + $15}' /proc/$RPID/stat)
sleep 2
t1=$(awk '{print $14 + $15}' /proc/$RPID/stat)
ticks=$(getconf CLK_TCK)
check "EMFILE: the relay waits instead of spinning ($((t1 - t0)) of $((2 * ticks)) ticks of CPU in 2 s)" \
    [ $((t1 - t0)) -lt $((ticks / 2)) ]
check "EMFILE: one stderr line says new connections wait" \
    [ "$(grep -c ': Too many open files: new connections wait' "$T/emfile.err")" = 1 ]
kill $HOLDPID 2>/dev/null; wait $HOLDPID 2>/dev/null
stop_relay
# (c) A log that cannot be written: said on stderr, exit status 1.
relay devfull --to 127.0.0.1:$SPORT --log /dev/full --once
client devfull; rc=$?
wait "$RPID"; rrc=$?
check "--log /dev/full: the connection still passes (exit $rc)" [ $rc = 0 ]
check "--log /dev/full: the relay says the log is incomplete and exits 1 (exit $rrc)" \
    sh -c "[ $rrc = 1 ] && grep -q 'cannot write the log (No space left on device)' '$T/devfull.err'"

# 9. usage errors
"$BADMAC" relay --listen 0 --to 127.0.0.1:1 --flip s2c:1:9 >/dev/null 2>&1
check "usage: bit 9 rejected with status 2" [ $? = 2 ]
"$BADMAC" relay --to 127.0.0.1:1 >/dev/null 2>&1
check "usage: --listen required" [ $? = 2 ]

echo "1..$n"
