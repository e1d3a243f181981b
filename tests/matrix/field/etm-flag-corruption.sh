#!/bin/sh
# etm-flag-corruption.sh - field report 05: an mbedTLS client (NodeMCU)
# negotiates a CBC suite; at random moments its session's encrypt_then_mac
# flag reads 1701013878 (memory corruption), so that record is protected
# Encrypt-then-MAC while the session is MAC-then-Encrypt, and the server
# rejects it (bad_record_mac).
#
# mbedTLS cannot be patched at run time, but mbedtls_peer can do to its own
# live session what the corruption did: --fault etm-flip --fault-after N
# overwrites ssl->transform_out->encrypt_then_mac before application write
# N (mbedTLS 2.28 really consults that field for every record).  Two cases:
#   mte-to-etm   EtM off (negotiated MtE); flag set to 1701013878 before the
#                3rd write: records from there on are EtM-protected
#   etm-to-mte   EtM negotiated; flag cleared: records become MtE
# Client mbedtls_peer (TLS 1.2 ECDHE-RSA-AES128-CBC-SHA, a 1000-byte
# "publish" in 100-byte writes = one record each) -> badmac relay ->
# wolfssl_peer server.  Keys: the client's --keylog.
# Output: tests/matrix/out/field/etm-flag-corruption/CASE/.  About 5 s.
set -eu
. "$(dirname "$0")/lib.sh"
fld_init etm-flag-corruption
TOPOUT=$OUT
SUITE=TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA
for c in mte-to-etm etm-to-mte; do
    OUT=$TOPOUT/$c
    mkdir -p "$OUT"
    case $c in
    mte-to-etm) etm=off; printf '%s\n' "MtE negotiated (EtM off); before write 2 the client's encrypt_then_mac flag becomes 1701013878: from the 3rd application record on the client protects Encrypt-then-MAC" >"$OUT/desc.txt" ;;
    *) etm=on; printf '%s\n' "EtM negotiated; before write 2 the client's encrypt_then_mac flag becomes 0: from the 3rd application record on the client protects MAC-then-Encrypt" >"$OUT/desc.txt" ;;
    esac
    SP=$(fld_port); RP=$(fld_port)
    fld_bg server "$PEERS/wolfssl_peer" server --port "$SP" --version 1.2 \
        --cert "$PKI/server-chain.crt" --key "$PKI/server.key" --send 200
    SRV=$FLD_LAST
    fld_wait_listen "$SP"
    fld_relay "$RP" "$SP" --once --delay "c2s,type=23:0"
    timeout 10 "$PEERS/mbedtls_peer" client --port "$RP" --version 1.2 --suite "$SUITE" \
        --ca "$PKI/ca.crt" --keylog "$OUT/keys.log" --etm $etm --request post --send 1000 \
        --write-size 100 --fault etm-flip --fault-after 2 \
        </dev/null >"$OUT/client.out" 2>"$OUT/client.err" || true
    fld_wait "$RELAY_PID" 5
    fld_wait "$SRV" 3
    "$BADMAC" --json --keylog "$OUT/keys.log" "$OUT/capture.pcapng" >"$OUT/badmac.json" \
        2>"$OUT/badmac.err" || true
    printf '%s\n' "$RP" >"$OUT/relay.port"
done
OUT=$TOPOUT
python3 "$FLD_HERE/truth.py" cases "$OUT" 05-mbedtls-etm-memory-corruption
