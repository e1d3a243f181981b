#!/bin/sh
# stale-resumption-tls10.sh - field report 02: a client resuming a TLS 1.0
# RC4-SHA session gets bad_record_mac right after the abbreviated handshake
# (ServerHello, ChangeCipherSpec, encrypted Finished): the server resumed
# the session with a master secret that is not the one the client has.
#
# No real server here has that bug, so it is simulated where it lives in a
# real deployment: in the server's session cache, which in mbedTLS is
# application code (mbedtls_ssl_conf_session_cache).  mbedtls_peer's
# file-backed cache, with --fault stale-master, answers a lookup of session
# X with X's entry but the master secret of the session stored before X (a
# shared cache of a load-balanced pool that mirrored a stale entry).  The
# handshakes, the record protection and the client's reaction are real.
#
#   conn 0 (direct, mbedtls_peer client): full handshake, fills the cache
#   conn 1 (gnutls-cli -r, via relay): full handshake, session X stored
#   conn 2 (gnutls-cli -r, via relay): resumes X; the server uses the stale
#          master; gnutls-cli cannot decrypt the server's Finished
#
# Keys: keys.client.log (gnutls-cli SSLKEYLOGFILE: the client's master
# secrets) and keys.server.log (mbedtls_peer --keylog: what the server
# really used; for conn 2 the same client random with another master).
# Output: tests/matrix/out/field/stale-resumption-tls10/.  About 5 s.
set -eu
. "$(dirname "$0")/lib.sh"
fld_init stale-resumption-tls10
PRIO="NONE:+VERS-TLS1.0:+ARCFOUR-128:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:%COMPAT"
SUITE=TLS-RSA-WITH-RC4-128-SHA
SP=$(fld_port); RP=$(fld_port)
mkdir -p "$OUT/store"
fld_bg server "$PEERS/mbedtls_peer" server --port "$SP" --accept 3 --version 1.0 --suite "$SUITE" \
    --cert "$PKI/server-chain.crt" --key "$PKI/server.key" --send 2000 \
    --store "$OUT/store" --fault stale-master --keylog "$OUT/keys.server.log"
SRV=$FLD_LAST
fld_wait_listen "$SP"
timeout 10 "$PEERS/mbedtls_peer" client --port "$SP" --version 1.0 --suite "$SUITE" \
    --ca "$PKI/ca.crt" >"$OUT/client0.out" 2>"$OUT/client0.err" </dev/null || true
fld_relay "$RP" "$SP"
fld_feed 'GET / HTTP/1.0\r\n\r\n' 2 | SSLKEYLOGFILE=$OUT/keys.client.log timeout 20 \
    gnutls-cli -r --x509cafile "$PKI/ca.crt" -p "$RP" --sni-hostname server.badmac.test \
    --verify-hostname server.badmac.test --priority "$PRIO" 127.0.0.1 \
    >"$OUT/client.out" 2>"$OUT/client.err" || true
fld_wait "$SRV" 5
fld_stop_relay
cat "$OUT/keys.client.log" "$OUT/keys.server.log" >"$OUT/keys.both.log" 2>/dev/null || true
"$BADMAC" --json --keylog "$OUT/keys.client.log" "$OUT/capture.pcapng" \
    >"$OUT/badmac.json" 2>"$OUT/badmac.err" || true
python3 "$FLD_HERE/truth.py" resume "$OUT" "$RP"
