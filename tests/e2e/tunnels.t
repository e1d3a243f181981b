#!/usr/bin/env bash
# tunnels.t - real kernel tunnels (issue 13): two network namespaces joined
# by a veth pair (the underlay), a tunnel of each kind over it, a TLS 1.3
# session between openssl s_server and s_client across the tunnel, captured
# at once on the underlay (the encapsulated frames, as a SPAN or mirror
# port delivers them) and on the tunnel interface (the inner packets). The
# underlay capture's report of the inner connection must equal the tunnel
# capture's: endpoints, version, suite, records and their checks, status.
# Kinds the kernel here does not offer are skipped, by name.
set -u
T=$(mktemp -d /tmp/tunnels-t.XXXXXX)
NSA=bmtun-a-$$
NSB=bmtun-b-$$
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del $NSA 2>/dev/null
    ip netns del $NSB 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

BADMAC=${BADMAC:?set BADMAC}
# A recorded underlay capture (made by this test, KEEP=1, on a kernel with
# VXLAN; the outer UDP datagrams of full-size frames fragmented): checked on
# every machine, whatever its kernel offers.
FIX=$(dirname "$0")/../fixtures
"$BADMAC" --keylog "$FIX/vxlan-fragmented.keys" "$FIX/vxlan-fragmented.pcap" >"$T/fixture.out" 2>&1
grep -q '^1 connection, 0 failed' "$T/fixture.out" &&
    grep -q 'client->server 3 verified, 0 failed; server->client 8 verified, 0 failed' "$T/fixture.out" &&
    ! grep -q 'not decode' "$T/fixture.out"
ok $? "recorded VXLAN underlay with fragmented outer datagrams: the inner TLS 1.3 session, every record verified"
if [ "$(id -u)" != 0 ] || ! command -v tcpdump >/dev/null || ! command -v openssl >/dev/null; then
    echo "1..$n # SKIP the live tunnels need root, tcpdump and openssl"
    exit 0
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 2 -subj /CN=tunnel >/dev/null 2>&1

ip netns add $NSA && ip netns add $NSB || { echo "1..0 # SKIP cannot create network namespaces"; exit 0; }
ip -n $NSA link set lo up
ip -n $NSB link set lo up
ip link add ua netns $NSA type veth peer name ub netns $NSB
ip -n $NSA addr add 10.98.0.1/24 dev ua
ip -n $NSB addr add 10.98.0.2/24 dev ub
ip -n $NSA link set ua up
ip -n $NSB link set ub up

# tunnel KIND NAME: creates the tunnel in both namespaces (inner 10.99.K.1/2).
tunnel() {
    local kind=$1 name=$2 k=$3 args_a args_b
    case $kind in
        vxlan) args_a="type vxlan id 42 remote 10.98.0.2 local 10.98.0.1 dstport 4789"
               args_b="type vxlan id 42 remote 10.98.0.1 local 10.98.0.2 dstport 4789" ;;
        geneve) args_a="type geneve id 42 remote 10.98.0.2"; args_b="type geneve id 42 remote 10.98.0.1" ;;
        gre|gretap|ipip) args_a="type $kind remote 10.98.0.2 local 10.98.0.1"
                         args_b="type $kind remote 10.98.0.1 local 10.98.0.2" ;;
        erspan) args_a="type erspan seq key 7 local 10.98.0.1 remote 10.98.0.2 erspan_ver 1 erspan 9"
                args_b="type erspan seq key 7 local 10.98.0.2 remote 10.98.0.1 erspan_ver 1 erspan 9" ;;
    esac
    # shellcheck disable=SC2086
    ip -n $NSA link add $name $args_a 2>/dev/null && ip -n $NSB link add $name $args_b 2>/dev/null || return 1
    ip -n $NSA addr add 10.99.$k.1/24 dev $name && ip -n $NSB addr add 10.99.$k.2/24 dev $name &&
        ip -n $NSA link set $name up && ip -n $NSB link set $name up
}

# report FILE: the connection fields the two captures must agree on
. "$(dirname "$0")/tunnel_lib.sh"

k=0
for kind in vxlan geneve gre gretap erspan ipip; do
    k=$((k + 1))
    name=bmt$k
    if ! tunnel $kind $name $k; then
        skip "$kind: the kernel here has no $kind tunnels"
        continue
    fi
    ip netns exec $NSB openssl s_server -accept 10.99.$k.2:4433 -cert "$T/cert.pem" -key "$T/key.pem" -tls1_3 \
        -www -quiet >/dev/null 2>&1 &
    PIDS="$PIDS $!"
    ip netns exec $NSA tcpdump -i ua -U -s 0 -w "$T/$kind-under.pcap" >/dev/null 2>&1 &
    PIDS="$PIDS $!"; tu=$!
    ip netns exec $NSA tcpdump -i $name -U -s 0 -w "$T/$kind-inner.pcap" >/dev/null 2>&1 &
    PIDS="$PIDS $!"; ti=$!
    sleep 1
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 ip netns exec $NSA openssl s_client -connect 10.99.$k.2:4433 \
        -keylogfile "$T/$kind.keys" -ign_eof >/dev/null 2>&1
    sleep 1
    kill $tu $ti 2>/dev/null
    wait $tu $ti 2>/dev/null
    "$BADMAC" --json --keylog "$T/$kind.keys" "$T/$kind-under.pcap" >"$T/$kind-under.json" 2>"$T/$kind-under.err"
    "$BADMAC" --json --keylog "$T/$kind.keys" "$T/$kind-inner.pcap" >"$T/$kind-inner.json" 2>/dev/null
    under=$(report "$T/$kind-under.json")
    inner=$(report "$T/$kind-inner.json")
    [ -n "$inner" ] && [ "$under" = "$inner" ] && echo "$inner" | grep -q "10.99.$k.1 .* ok"
    ok $? "$kind: the connection inside the tunnel, from the underlay capture, as from the tunnel's own ($inner)"
    if [ "$under" != "$inner" ]; then
        echo "#   underlay: $under"
        sed 's/^/#   /' "$T/$kind-under.err" | head -5
    fi
done
echo "1..$n"
