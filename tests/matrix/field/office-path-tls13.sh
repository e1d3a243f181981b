#!/bin/sh
# office-path-tls13.sh - field report 01: a wolfSSL client downloading
# ~500 KiB over TLS 1.3 fails in about half of the transfers "from the office
# network".  Reproduction: wolfssl_peer (client, TLS 1.3) downloads a 500 KiB
# page from openssl s_server 12 times through badmac relay, which flips one
# random bit in each server record with probability 1/50 (the "office
# path"; 500 KiB = ~32 records of 16 KB, so P(fail) = 1 - (49/50)^38 ~ 54%).
# Keys: s_server's key log (Debian's wolfSSL cannot export TLS 1.3 secrets).
# Output: tests/matrix/out/field/office-path-tls13/ (capture.pcapng, keys.log,
# relay.jsonl, client-N.{out,err}, truth.json).  About 10 s.  Reads no stdin.
set -eu
. "$(dirname "$0")/lib.sh"
fld_init office-path-tls13
N=12
mkdir -p "$OUT/www"
awk 'BEGIN { for (i = 0; i < 8000; i++)
    printf "line %06d: the quick brown fox jumps over the lazy dog 0123456\n", i }' \
    >"$OUT/www/p500.html"
SP=$(fld_port); RP=$(fld_port)
(cd "$OUT/www" && exec openssl s_server -accept "$SP" -naccept $N -WWW -tls1_3 \
    -cert "$PKI/server.crt" -key "$PKI/server.key" -cert_chain "$PKI/ca.crt" \
    -keylogfile "$OUT/keys.log" </dev/null >"$OUT/server.out" 2>"$OUT/server.err") &
FLD_PIDS="$FLD_PIDS $!"; SRV=$!
fld_wait_listen "$SP"
fld_relay "$RP" "$SP" --seed 50 --flip "s2c,type=23,rate=1/50:rand:rand"
i=0
while [ $i -lt $N ]; do
    timeout 20 "$PEERS/wolfssl_peer" client --port "$RP" --version 1.3 --ca "$PKI/ca.crt" \
        --path /p500.html >"$OUT/client-$i.out" 2>"$OUT/client-$i.err" </dev/null || true
    i=$((i + 1))
done
fld_wait "$SRV" 5
fld_stop_relay
"$BADMAC" --json --keylog "$OUT/keys.log" "$OUT/capture.pcapng" >"$OUT/badmac.json" 2>"$OUT/badmac.err" || true
python3 "$FLD_HERE/truth.py" office "$OUT" "$RP" $N
