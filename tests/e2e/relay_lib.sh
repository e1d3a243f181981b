# relay_lib.sh - shell helpers of the relay's end-to-end tests (relay.t,
# relay_intercept.t), sourced by them once $T (the test's temporary
# directory) exists: TAP ok/check, cleanup of $T, of the background
# processes in $PIDS and of the network namespace $NETNS (when set) at
# exit, and the peers. They use $BADMAC.

PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    # what runs in the namespace too: a peer started through a shell function
    # in the background is that function's subshell in $PIDS, not the peer
    [ -n "${NETNS:-}" ] && ip netns pids "$NETNS" 2>/dev/null | xargs -r kill 2>/dev/null
    wait 2>/dev/null
    [ -n "${NETNS:-}" ] && ip netns del "$NETNS" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
check() { local d=$1; shift; if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi; }

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# waitport PORT: until something accepts on 127.0.0.1:PORT (10 s at most).
waitport() {
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$1)).close()" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# relay NAME ARGS...: starts the relay on ${LISTEN:-127.0.0.1:0} (stdout and
# stderr in $T/NAME.out, .err) and sets RPID, and RPORT once it listens
# (30 s at most: with --intercept it makes an RSA key first).
relay() {
    local name=$1; shift
    "$BADMAC" relay --listen "${LISTEN:-127.0.0.1:0}" "$@" >"$T/$name.out" 2>"$T/$name.err" &
    RPID=$!
    PIDS="$PIDS $RPID"
    RPORT=""
    for _ in $(seq 300); do
        RPORT=$(sed -n 's/.*listening on .* port \([0-9]*\),.*/\1/p' "$T/$name.err")
        [ -n "$RPORT" ] && break
        kill -0 "$RPID" 2>/dev/null || break
        sleep 0.1
    done
}

# revserver PORT CERT KEY: a threaded Python TLS server on 127.0.0.1:PORT
# that answers every line reversed (s_server serves one client at a time).
revserver() {
    python3 - "$1" "$2" "$3" >/dev/null 2>&1 <<'PY' &
import socket, ssl, sys, threading
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(128)
def serve(c):
    try:
        t = ctx.wrap_socket(c, server_side=True); f = t.makefile("rb")
        for line in f:
            t.sendall(line.rstrip(b"\n")[::-1] + b"\n")
        t.close()
    except (OSError, ssl.SSLError):
        c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
    PIDS="$PIDS $!"
    waitport "$1"
}
