# lib.sh - helpers of the field-report reproductions (sourced, POSIX sh).
# Each script: fld_init NAME; start peers with fld_bg; results go to
# tests/matrix/out/field/NAME/ (capture, keys, relay log, peer output,
# truth.json).  Needs build/badmac and tests/peers/out (built on demand).
FLD_HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$FLD_HERE/../../.." && pwd)
PKI=$TOP/tests/fixtures/pki
PEERS=$TOP/tests/peers/out
: "${BADMAC:=$TOP/build/badmac}"
FLD_PIDS=""

fld_log() { printf '%s\n' "$FLD_NAME: $*" >&2; }
fld_die() { fld_log "ERROR: $*"; exit 1; }

fld_cleanup() {
    for p in $FLD_PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $FLD_PIDS; do wait "$p" 2>/dev/null || true; done
}

fld_init() {  # fld_init NAME
    FLD_NAME=$1
    OUT=${FIELD_OUT:-$TOP/tests/matrix/out/field}/$1
    rm -rf "$OUT"
    mkdir -p "$OUT"
    trap fld_cleanup EXIT
    trap 'exit 130' INT TERM
    # another build may be relinking it: wait a little
    i=0; while [ ! -x "$BADMAC" ] && [ $i -lt 10 ]; do sleep 0.5; i=$((i + 1)); done
    # last resort: the copy the matrix run made
    [ -x "$BADMAC" ] || BADMAC=$TOP/tests/matrix/out/bin/badmac
    [ -x "$BADMAC" ] || fld_die "$BADMAC missing (make)"
    # private copy: other builds may relink build/badmac meanwhile
    cp "$BADMAC" "$OUT/.badmac" && BADMAC=$OUT/.badmac
    [ -x "$PEERS/mbedtls_peer" ] && [ -x "$PEERS/wolfssl_peer" ] \
        || sh "$TOP/tests/peers/build.sh" >&2 || fld_die "cannot build the peers"
}

fld_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

fld_wait_listen() {  # fld_wait_listen PORT
    w_hex=$(printf ':%04X' "$1")
    i=0
    until grep -q "$w_hex [0-9A-F:]* 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 250 ] || fld_die "nothing listens on port $1"
        sleep 0.02
    done
}

fld_bg() {  # fld_bg NAME CMD... : start in the background, output to $OUT/NAME.{out,err}
    b_name=$1; shift
    "$@" </dev/null >"$OUT/$b_name.out" 2>"$OUT/$b_name.err" &
    FLD_PIDS="$FLD_PIDS $!"
    FLD_LAST=$!
}

fld_wait() {  # fld_wait PID SECONDS: wait for PID, kill it after SECONDS
    w_pid=$1; w_n=$(($2 * 10)); i=0
    while kill -0 "$w_pid" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt $w_n ]; then kill "$w_pid" 2>/dev/null || true; break; fi
        sleep 0.1
    done
    wait "$w_pid" 2>/dev/null || true
}

fld_relay() {  # fld_relay LISTEN_PORT TO_PORT [relay options...]: starts badmac relay
    r_l=$1; r_t=$2; shift 2
    fld_bg relay "$BADMAC" relay --listen "127.0.0.1:$r_l" --to "127.0.0.1:$r_t" \
        --log "$OUT/relay.jsonl" --pcap "$OUT/capture.pcapng" "$@"
    RELAY_PID=$FLD_LAST
    fld_wait_listen "$r_l"
}

fld_stop_relay() {
    kill -TERM "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
}

# gnutls-cli / s_client quit at stdin EOF: feed them TEXT, then keep stdin
# open for SECONDS (they exit earlier when the server closes).
fld_feed() {  # fld_feed TEXT SECONDS
    printf '%b' "$1"
    sleep "$2"
}
