#!/bin/sh
# post-vs-get-mbedtls.sh - field report 04: an mbedTLS client's GET works,
# its 903-byte POST gets a fatal bad_record_mac from the server, with
# TLS 1.0, 1.1 and 1.2, CBC and GCM.  What real peers do, case by case
# (each a subdirectory with capture.pcapng, keys.log, relay.jsonl, peers'
# output; truth.json sums them up):
#   get-mfl512, post903-mfl512   mbedtls_peer --mfl 512 -> mbedtls_peer: both
#                                work (mbedTLS cuts the POST to 512 + 391)
#   mfl512-vs-wolfssl            the same against wolfssl_peer: wolfSSL cuts
#                                its Certificate into 512-byte records, which
#                                mbedTLS 2.28 cannot reassemble (-0x7080)
#   get-bigcorrupt, post903-bigcorrupt[-tls10]
#                                a path that corrupts only records >= 600
#                                bytes (relay --flip c2s,minlen=600): GET
#                                works, the POST gets bad_record_mac from the
#                                server, as in the report
#   mfl512-vs-openssl            mbedtls_peer --mfl 512 -> openssl s_server:
#                                OpenSSL cuts its Certificate into 512-byte
#                                records, mbedTLS 2.28 cannot reassemble
#                                them (-0x7080)
#   openssl-mfl512-vs-mbedtls    s_client -maxfraglen 512 -> mbedtls_peer:
#                                mbedTLS sends its Certificate in one
#                                1667-byte record, OpenSSL: record_overflow
# About 10 s.  Reads no stdin.
set -eu
. "$(dirname "$0")/lib.sh"
fld_init post-vs-get-mbedtls
TOPOUT=$OUT
GCM=TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256

# case NAME "DESCRIPTION" SERVER(wolfssl|mbedtls|openssl) VERSION SUITE(mbedTLS name) CLIENT_ARGS RELAY_ARGS
case_run() {
    c_name=$1; c_desc=$2; c_srv=$3; c_ver=$4; c_suite=$5; c_cli=$6; c_rel=$7
    OUT=$TOPOUT/$c_name
    mkdir -p "$OUT"
    printf '%s\n' "$c_desc" >"$OUT/desc.txt"
    SP=$(fld_port); RP=$(fld_port)
    case $c_srv in
    openssl)
        mkdir -p "$OUT/www"; echo hello >"$OUT/www/index.html"
        (cd "$OUT/www" && exec openssl s_server -accept "$SP" -naccept 1 -WWW -tls1_2 \
            -cert "$PKI/server.crt" -key "$PKI/server.key" -cert_chain "$PKI/ca.crt" \
            </dev/null >"$OUT/server.out" 2>"$OUT/server.err") &
        FLD_PIDS="$FLD_PIDS $!"; SRV=$! ;;
    wolfssl)   # no --suite: its default list has what the mbedTLS client asks for
        fld_bg server "$PEERS/wolfssl_peer" server --port "$SP" --version "$c_ver" \
            --cert "$PKI/server-chain.crt" --key "$PKI/server.key" --send 2000
        SRV=$FLD_LAST ;;
    *)
        fld_bg server "$PEERS/${c_srv}_peer" server --port "$SP" --version "$c_ver" \
            --suite "$c_suite" --cert "$PKI/server-chain.crt" --key "$PKI/server.key" --send 2000
        SRV=$FLD_LAST ;;
    esac
    fld_wait_listen "$SP"
    # shellcheck disable=SC2086
    fld_relay "$RP" "$SP" --once --delay "c2s,type=23:0" $c_rel
    case $c_cli in
    openssl*)
        fld_feed 'GET / HTTP/1.0\r\n\r\n' 1 | timeout 10 openssl s_client -connect "127.0.0.1:$RP" \
            -quiet -CAfile "$PKI/ca.crt" -keylogfile "$OUT/keys.log" ${c_cli#openssl} \
            >"$OUT/client.out" 2>"$OUT/client.err" || true ;;
    *)
        # shellcheck disable=SC2086
        timeout 10 "$PEERS/mbedtls_peer" client --port "$RP" --version "$c_ver" --suite "$c_suite" \
            --ca "$PKI/ca.crt" --keylog "$OUT/keys.log" $c_cli \
            </dev/null >"$OUT/client.out" 2>"$OUT/client.err" || true ;;
    esac
    fld_wait "$RELAY_PID" 5
    fld_wait "$SRV" 3
    "$BADMAC" --json --keylog "$OUT/keys.log" "$OUT/capture.pcapng" >"$OUT/badmac.json" \
        2>"$OUT/badmac.err" || true
    printf '%s\n' "$RP" >"$OUT/relay.port"
}

case_run get-mfl512 "GET, max_fragment_length 512, mbedTLS server: works" \
    mbedtls 1.2 $GCM "--mfl 512 --request get" ""
case_run post903-mfl512 "903-byte POST, max_fragment_length 512, mbedTLS server: works (512 + 391)" \
    mbedtls 1.2 $GCM "--mfl 512 --request post --send 903" ""
case_run mfl512-vs-wolfssl "mbedTLS client with max_fragment_length 512 against wolfSSL: handshake fails" \
    wolfssl 1.2 $GCM "--mfl 512 --request post --send 903" ""
case_run get-bigcorrupt "GET through a path corrupting client records >= 600 bytes: works" \
    wolfssl 1.2 $GCM "--request get" "--flip c2s,type=23,minlen=600:rand:rand"
case_run post903-bigcorrupt "903-byte POST through the same path: the server sends bad_record_mac" \
    wolfssl 1.2 $GCM "--request post --send 903" "--flip c2s,type=23,minlen=600:rand:rand"
case_run post903-bigcorrupt-tls10 "the same in TLS 1.0 AES-CBC-SHA (mbedTLS 1/n-1 record splitting), mbedTLS server" \
    mbedtls 1.0 TLS-RSA-WITH-AES-128-CBC-SHA "--request post --send 903" "--flip c2s,type=23,minlen=600:rand:rand"
case_run mfl512-vs-openssl "mbedTLS client with max_fragment_length 512 against OpenSSL: handshake fails" \
    openssl 1.2 $GCM "--mfl 512 --request get" ""
case_run openssl-mfl512-vs-mbedtls "OpenSSL client with max_fragment_length 512 against the mbedTLS server: record_overflow" \
    mbedtls 1.2 $GCM "openssl -maxfraglen 512 -servername server.badmac.test" ""
OUT=$TOPOUT
python3 "$FLD_HERE/truth.py" cases "$OUT" 04-mbedtls-post-fails-get-works
