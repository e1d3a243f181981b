#!/usr/bin/env bash
# The diagnosis on new real failures: openssl s_server -WWW / s_client
# (TLS 1.2 and 1.3) through `badmac relay`, which flips, drops, duplicates
# or overwrites one server record and logs exactly what it did. The relay's
# capture holds both legs: the client leg (what the receiver got) must get
# the proven cause at the logged place; the server leg (intact records,
# alert relayed) must not be blamed on the server.
set -u
. "$(dirname "$0")/lib_tap.sh"
PIDS=""
cleanup_all() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMPD"; }
trap cleanup_all EXIT

if ! "$BADMAC" relay --help >/dev/null 2>&1; then echo "1..0 # SKIP \$BADMAC relay not available"; exit 0; fi
for tool in openssl python3; do
    command -v $tool >/dev/null || { echo "1..0 # SKIP $tool missing"; exit 0; }
done
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cd "$TMPD" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem -days 2 \
    -subj /CN=localhost >/dev/null 2>&1
# 50 KB page: four application_data records (three of 16 KB).
python3 -c "open('p.html','w').write(''.join('%063d\n' % i for i in range(800)))"
SPORT=$(freeport)
openssl s_server -accept 127.0.0.1:$SPORT -cert cert.pem -key key.pem -WWW -quiet >server.out 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$SPORT)).close()" 2>/dev/null && break
    sleep 0.1
done

# run NAME TLSFLAG FAULT...: one download through the relay; sets RPORT.
run() {
    local name=$1 ver=$2; shift 2
    RPORT=$(freeport)
    "$BADMAC" relay --listen 127.0.0.1:$RPORT --to 127.0.0.1:$SPORT --log $name.jsonl --pcap $name.pcapng \
        --once "$@" 2>$name.rerr &
    local rp=$!
    for _ in $(seq 50); do grep -q listening $name.rerr 2>/dev/null && break; sleep 0.1; done
    printf 'GET /p.html HTTP/1.0\r\n\r\n' |
        timeout 20 openssl s_client -connect 127.0.0.1:$RPORT $ver -keylogfile $name.keys -ign_eof \
            >$name.cout 2>&1
    for _ in $(seq 50); do kill -0 $rp 2>/dev/null || break; sleep 0.1; done
    kill $rp 2>/dev/null
    wait $rp 2>/dev/null
    "$BADMAC" --json --keylog $name.keys $name.pcapng >$name.json 2>$name.err
}
# leg NAME client|server FIELD: a diagnosis field of the client leg (server
# port = relay) or the server leg (server port = s_server).
leg() {
    python3 - "$1.json" "$2" "$3" "$RPORT" "$SPORT" <<'EOF'
import json, sys
path, leg, field, rport, sport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
want = rport if leg == 'client' else sport
for line in open(path):
    o = json.loads(line)
    if o.get('type') != 'connection' or o['server']['port'] != want:
        continue
    d = o['diagnosis'] or {}
    v = d
    for k in field.split('.'):
        v = v.get(k) if isinstance(v, dict) else None
    print('null' if v is None else v)
    break
EOF
}
# logged NAME FIELD: a field of the relay's first fault line.
logged() {
    python3 -c "import json,sys
for l in open('$1.jsonl'):
    j=json.loads(l)
    if 'fault' in j and not str(j.get('note', '')).startswith('skipped'): print(j.get('$2')); break" 2>/dev/null
}

for v in 1.2 1.3; do
    flag=-tls1_${v#1.}
    # the second 16 KB application record: TLS 1.3 counts the encrypted
    # handshake (EE, Certificate, CertificateVerify, Finished) and two tickets
    nth=1; [ $v = 1.3 ] && nth=7
    run flip$v $flag --flip s2c,nth-app=$nth:100:3
    is "$(logged flip$v fault)" flip "TLS $v flip: the relay flipped a bit"
    is "$(leg flip$v client cause)" in_path_corruption "TLS $v flip: in_path_corruption on the client leg"
    is "$(leg flip$v client confidence)" proven "TLS $v flip: proven"
    is "$(leg flip$v client repair.record_offset)" "$(logged flip$v record_offset)" "TLS $v flip: repair at the logged byte"
    is "$(leg flip$v client repair.bit)" "$(logged flip$v bit)" "TLS $v flip: repair of the logged bit"
    is "$(leg flip$v client repair.stream_offset)" "$(logged flip$v stream_offset)" "TLS $v flip: repair at the logged stream offset"
    is "$(leg flip$v client repair.index)" "$(logged flip$v record_index)" "TLS $v flip: repair of the logged record"
    is "$(leg flip$v server cause)" receiver_fault "TLS $v flip: server leg: the records left the server intact"

    run drop$v $flag --drop s2c,nth-app=$nth
    is "$(logged drop$v fault)" drop "TLS $v drop: the relay dropped a record"
    is "$(leg drop$v client cause)" sequence_desync "TLS $v drop: sequence_desync"
    is "$(leg drop$v client confidence)" proven "TLS $v drop: proven"
    like "$(leg drop$v client summary)" "instead of|dropped" "TLS $v drop: says records were dropped"
    is "$(leg drop$v client repair)" null "TLS $v drop: no bit repair claimed"

    run dup$v $flag --dup s2c,nth-app=$nth
    is "$(leg dup$v client cause)" sequence_desync "TLS $v dup: sequence_desync"
    like "$(leg dup$v client summary)" "duplicated" "TLS $v dup: says duplicated/replayed"

    run burst$v $flag --burst s2c,nth-app=$nth:100:200
    is "$(logged burst$v fault)" burst "TLS $v burst: the relay overwrote 200 bytes"
    c=$(leg burst$v client cause)
    like "$c" "^(in_path_corruption|sender_fault)$" "TLS $v burst: in_path_corruption or sender_fault (got $c)"
    like "$(leg burst$v client confidence)" "^(possible|likely)$" "TLS $v burst: not proven from one vantage point"
    is "$(leg burst$v client repair)" null "TLS $v burst: no repair (200 bytes are beyond the search)"
    like "$(leg burst$v client next_steps)" "badmac compare" "TLS $v burst: asks for a two-point capture"
done

# text report and patterns section
out=$("$BADMAC" --keylog flip1.2.keys flip1.2.pcapng 2>/dev/null)
like "$out" "DIAGNOSIS: in_path_corruption \(proven\)" "text: DIAGNOSIS line"
like "$out" "failures by record size:" "text: patterns section"
p=$(grep '"type":"patterns"' flip1.2.json | head -1)
like "$p" '"record_size"' "JSON: a patterns line with record_size groups"
like "$(tail -1 flip1.2.json)" '"type":"summary"' "JSON: the summary stays last"
done_testing
