#!/bin/sh
# big-record-flip.sh - field report 03: a client sporadically gets
# bad_record_mac on a 16 KB record of a TLS 1.0 TLS_RSA_WITH_RC4_128_SHA
# session (Java client, mainframe server).  Reproduction: gnutls-cli ->
# badmac relay -> gnutls-serv, TLS 1.0 RC4-SHA (RSA key exchange), a 50 KB
# HTTP response; the relay flips one random bit in the middle (body byte
# 8000) of the 2nd server application record of 16 KB and rewrites the TCP
# segment with a valid checksum: the corruption "passed TCP".
# Keys: gnutls-cli's SSLKEYLOGFILE and pki/server.key (RSA key exchange).
# Output: tests/matrix/out/field/big-record-flip/.  About 5 s.  Reads no stdin.
set -eu
. "$(dirname "$0")/lib.sh"
fld_init big-record-flip
PRIO="NONE:+VERS-TLS1.0:+ARCFOUR-128:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:%COMPAT"
awk 'BEGIN { for (i = 0; i < 800; i++)
    printf "line %06d: the quick brown fox jumps over the lazy dog 0123456\n", i }' >"$OUT/p50.html"
SP=$(fld_port); RP=$(fld_port)
fld_bg server gnutls-serv -a -p "$SP" --priority "$PRIO" --x509certfile "$PKI/server-chain.crt" \
    --x509keyfile "$PKI/server.key" --http --httpdata "$OUT/p50.html"
fld_wait_listen "$SP"
# nth-app=1: the 2nd application_data record; minlen: only if it is a 16 KB one.
fld_relay "$RP" "$SP" --once --seed 3 --flip "s2c,nth-app=1,minlen=16000:8000:rand" \
    --delay "s2c,type=23:0"
fld_feed 'GET /p50.html HTTP/1.0\r\n\r\n' 2 | SSLKEYLOGFILE=$OUT/keys.log timeout 20 \
    gnutls-cli --x509cafile "$PKI/ca.crt" -p "$RP" --sni-hostname server.badmac.test \
    --verify-hostname server.badmac.test --priority "$PRIO" 127.0.0.1 \
    >"$OUT/client.out" 2>"$OUT/client.err" || true
fld_wait "$RELAY_PID" 5
"$BADMAC" --json --keylog "$OUT/keys.log" "$OUT/capture.pcapng" >"$OUT/badmac.json" 2>"$OUT/badmac.err" || true
python3 "$FLD_HERE/truth.py" bigrecord "$OUT" "$RP"
