#!/usr/bin/env bash
# tunnels.t - real kernel tunnels (issue 13): two network namespaces joined
# by a veth pair (the underlay), a tunnel of each kind over it, a TLS 1.3
# session between openssl s_server and s_client across the tunnel, captured
# at once on the underlay (the encapsulated frames, as a SPAN or mirror
# port delivers them) and on the tunnel interface (the inner packets). The
# underlay capture's report of the inner connection must equal the tunnel
# capture's: endpoints, version, suite, records and their checks, status.
# Kinds the kernel here does not offer are skipped, by name. TUNNEL_KINDS
# chooses the kinds (default: all; this machine's kernel has VXLAN only;
# GTP-U is osmo-ggsn and sgsnemu in userspace, on any kernel with tun).
# vm_tunnels.t runs the capture phase (TUNNEL_PHASE=capture, files into
# TUNNEL_DIR) inside a VM under Debian's kernel, which has every kind, and
# the check phase (TUNNEL_PHASE=check, from TUNNEL_DIR) here.
set -u
T=$(mktemp -d /tmp/tunnels-t.XXXXXX)
PHASE=${TUNNEL_PHASE:-all}
D=${TUNNEL_DIR:-$T}
KINDS=${TUNNEL_KINDS:-vxlan geneve gre gretap erspan erspan2 ipip sit ip4in6 ip6ip6 ip6gre pppoe gtpu}
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
if [ "$PHASE" != capture ]; then
    "$BADMAC" --keylog "$FIX/vxlan-fragmented.keys" "$FIX/vxlan-fragmented.pcap" >"$T/fixture.out" 2>&1
    grep -q '^1 connection, 0 failed' "$T/fixture.out" &&
        grep -q 'client->server 3 verified, 0 failed; server->client 8 verified, 0 failed' "$T/fixture.out" &&
        ! grep -q 'not decode' "$T/fixture.out"
    ok $? "recorded VXLAN underlay with fragmented outer datagrams: the inner TLS 1.3 session, every record verified"
fi
if [ "$PHASE" != check ]; then
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
for i in 1 3; do # two IPv6 underlays: the kernel has one ip6tnl per pair of endpoints
    ip -n $NSA addr add fd98::$i/64 dev ua nodad
    ip -n $NSB addr add fd98::$((i + 1))/64 dev ub nodad
done
ip -n $NSA link set ua up
ip -n $NSB link set ub up

# inner4 K / inner6 K: the inner addresses of tunnel K, client (A) and server (B) side.
inner4() { IA=10.99.$1.1; IB=10.99.$1.2; }
inner6() { IA=fd99:$1::1; IB=fd99:$1::2; }

# pppoe NAME K: a PPPoE session over the underlay, pppoe-server (rp-pppoe,
# its pppd on a pty) in B, pppd's kernel PPPoE plugin in A; the session's
# interface in A is ppp<K>, named in NAME's place.
pppoe() {
    local k=$2 i
    command -v pppoe-server >/dev/null && command -v pppd >/dev/null && [ -e /dev/ppp ] || return 1
    printf 'noauth\nnodefaultroute\nlcp-echo-interval 0\n' >"$T/pppoe-server.opts"
    ip netns exec $NSB pppoe-server -F -I ub -L 10.99.$k.2 -R 10.99.$k.1 -N 1 -O "$T/pppoe-server.opts" \
        >"$T/pppoe-server.log" 2>&1 &
    PIDS="$PIDS $!"
    sleep 1
    ip netns exec $NSA pppd plugin pppoe.so ua noauth noipdefault nodefaultroute unit $k nodetach \
        lcp-echo-interval 0 >"$T/pppd.log" 2>&1 &
    PIDS="$PIDS $!"
    for i in $(seq 30); do
        ip -n $NSA addr show ppp$k 2>/dev/null | grep -q "inet 10.99.$k.1" && return 0
        sleep 0.5
    done
    return 1
}

# gtpu K: a GTP-U tunnel of the mobile core: osmo-ggsn (the GGSN) in B,
# sgsnemu (an SGSN and its phone) in A, both in userspace on tun devices;
# the PDP context gives A 10.99.K.1, B's side is 10.99.K.0; A's tun is DEV.
gtpu() {
    local k=$1 i
    command -v osmo-ggsn >/dev/null && command -v sgsnemu >/dev/null && [ -c /dev/net/tun ] || return 1
    mkdir -p "$T/gtp"
    cat >"$T/gtp/ggsn.cfg" <<CFG
log stderr
 logging filter all 1
 logging level set-all notice
ggsn ggsn0
 gtp state-dir $T/gtp
 gtp bind-ip 10.98.0.2
 apn internet
  gtpu-mode tun
  tun-device gtpb$k
  type-support v4
  ip prefix dynamic 10.99.$k.0/24
  ip ifconfig 10.99.$k.0/24
  no shutdown
 default-apn internet
 no shutdown ggsn
CFG
    ip netns exec $NSB osmo-ggsn -c "$T/gtp/ggsn.cfg" >"$T/gtp/ggsn.log" 2>&1 &
    PIDS="$PIDS $!"
    sleep 1
    (cd "$T/gtp" && exec ip netns exec $NSA sgsnemu -l 10.98.0.1 -r 10.98.0.2 --createif --tun-device gtpa$k \
        --statedir "$T/gtp" --pidfile "$T/gtp/sgsnemu.pid" >"$T/gtp/sgsnemu.log" 2>&1) &
    PIDS="$PIDS $!"
    for i in $(seq 30); do
        if ip -n $NSA addr show gtpa$k 2>/dev/null | grep -q "inet 10.99.$k.1/"; then
            ip -n $NSA route add 10.99.$k.0/24 dev gtpa$k
            IA=10.99.$k.1 IB=10.99.$k.0 DEV=gtpa$k
            return 0
        fi
        sleep 0.5
    done
    return 1
}

# tunnel KIND NAME K: creates the tunnel in both namespaces (inner 10.99.K.1/2
# or fd99:K::1/2); sets IA, IB, DEV (the tunnel's interface in A).
tunnel() {
    local kind=$1 name=$2 k=$3 args_a args_b
    inner4 $k
    DEV=$name
    case $kind in
        vxlan) args_a="type vxlan id 42 remote 10.98.0.2 local 10.98.0.1 dstport 4789"
               args_b="type vxlan id 42 remote 10.98.0.1 local 10.98.0.2 dstport 4789" ;;
        geneve) args_a="type geneve id 42 remote 10.98.0.2"; args_b="type geneve id 42 remote 10.98.0.1" ;;
        gre|gretap|ipip|sit) args_a="type $kind remote 10.98.0.2 local 10.98.0.1"
                             args_b="type $kind remote 10.98.0.1 local 10.98.0.2" ;;
        erspan) args_a="type erspan seq key 7 local 10.98.0.1 remote 10.98.0.2 erspan_ver 1 erspan 9"
                args_b="type erspan seq key 7 local 10.98.0.2 remote 10.98.0.1 erspan_ver 1 erspan 9" ;;
        erspan2) args_a="type erspan seq key 8 local 10.98.0.1 remote 10.98.0.2 erspan_ver 2 erspan_dir egress erspan_hwid 5"
                 args_b="type erspan seq key 8 local 10.98.0.2 remote 10.98.0.1 erspan_ver 2 erspan_dir egress erspan_hwid 5" ;;
        ip4in6) args_a="type ip6tnl mode ipip6 remote fd98::2 local fd98::1"
                args_b="type ip6tnl mode ipip6 remote fd98::1 local fd98::2" ;;
        ip6ip6) args_a="type ip6tnl mode ip6ip6 remote fd98::4 local fd98::3"
                args_b="type ip6tnl mode ip6ip6 remote fd98::3 local fd98::4" ;;
        ip6gre) args_a="type ip6gre remote fd98::2 local fd98::1"; args_b="type ip6gre remote fd98::1 local fd98::2" ;;
        pppoe) DEV=ppp$k; pppoe "$name" $k; return ;;
        gtpu) gtpu $k; return ;;
        *) return 1 ;;
    esac
    case $kind in sit|ip6ip6) inner6 $k ;; esac
    # shellcheck disable=SC2086
    ip -n $NSA link add $name $args_a 2>/dev/null && ip -n $NSB link add $name $args_b 2>/dev/null || return 1
    if [ "$IA" = "${IA#*:}" ]; then
        ip -n $NSA addr add $IA/24 dev $name && ip -n $NSB addr add $IB/24 dev $name || return 1
    else
        ip -n $NSA addr add $IA/64 dev $name nodad && ip -n $NSB addr add $IB/64 dev $name nodad || return 1
    fi
    ip -n $NSA link set $name up && ip -n $NSB link set $name up
}

# settle FILE...: waits until the captures stop growing (the session's last
# packets, its FINs, written; up to 15 s: slow under emulation, PPP on a pty)
settle() {
    local i last="" now
    for i in $(seq 30); do
        sleep 0.5
        now=$(cat "$@" 2>/dev/null | wc -c)
        [ "$now" = "$last" ] && [ "$i" -ge 2 ] && return 0
        last=$now
    done
}

# bracket ADDR: ADDR as host:port wants it
bracket() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }

# listening FILE: waits (up to 10 s) for tcpdump's "listening on" in FILE
listening() {
    local i
    for i in $(seq 40); do grep -q 'listening on' "$1" 2>/dev/null && return 0; sleep 0.25; done
    return 1
}
fi

# report FILE: the connection fields the two captures must agree on
. "$(dirname "$0")/tunnel_lib.sh"

# capture KIND K: the session across tunnel K into $D/KIND-under.pcap (the
# underlay), KIND-inner.pcap (the tunnel's interface), KIND.keys, KIND.ia
# (the client's inner address); KIND.skip when the kernel has no such tunnel.
capture() {
    local kind=$1 k=$2 tu ti
    rm -f "$D/$kind".*
    if ! tunnel $kind bmt$k $k; then
        echo "the kernel here has no $kind tunnels" >"$D/$kind.skip"
        return
    fi
    echo "$IA" >"$D/$kind.ia"
    ip netns exec $NSB openssl s_server -accept "$(bracket $IB):4433" -cert "$T/cert.pem" -key "$T/key.pem" \
        -tls1_3 -www -quiet >/dev/null 2>&1 &
    PIDS="$PIDS $!"
    ip netns exec $NSA tcpdump -i ua --immediate-mode -B 65536 -U -s 0 -w "$D/$kind-under.pcap" >/dev/null 2>"$T/$kind-tu.err" &
    PIDS="$PIDS $!"; tu=$!
    ip netns exec $NSA tcpdump -i $DEV --immediate-mode -B 65536 -U -s 0 -w "$D/$kind-inner.pcap" >/dev/null 2>"$T/$kind-ti.err" &
    PIDS="$PIDS $!"; ti=$!
    # immediate mode is a ring of fixed slots as big as the snaplen allows
    # (256 KiB where libpcap knows no MTU: tun, PPP): libpcap's 2 MiB held
    # 8 packets and a slow (emulated) tcpdump lost some; -B 64 MiB
    listening "$T/$kind-tu.err" && listening "$T/$kind-ti.err"
    sleep 0.5
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 60 ip netns exec $NSA openssl s_client -connect "$(bracket $IB):4433" \
        -keylogfile "$D/$kind.keys" -ign_eof >/dev/null 2>&1
    settle "$D/$kind-under.pcap" "$D/$kind-inner.pcap"
    kill $tu $ti 2>/dev/null
    wait $tu $ti 2>/dev/null
}

# check KIND: the underlay's report of the inner connection equals the tunnel's.
check() {
    local kind=$1 ia under inner f c
    if [ -f "$D/$kind.skip" ]; then
        skip "$kind: $(cat "$D/$kind.skip")"
        return
    fi
    ia=$(cat "$D/$kind.ia" 2>/dev/null)
    "$BADMAC" --json --keylog "$D/$kind.keys" "$D/$kind-under.pcap" >"$T/$kind-under.json" 2>"$T/$kind-under.err"
    "$BADMAC" --json --keylog "$D/$kind.keys" "$D/$kind-inner.pcap" >"$T/$kind-inner.json" 2>/dev/null
    under=$(report "$T/$kind-under.json")
    inner=$(report "$T/$kind-inner.json")
    [ -n "$inner" ] && [ -n "$ia" ] && [ "$under" = "$inner" ] && echo "$inner" | grep -q "^$ia .* ok"
    ok $? "$kind: the connection inside the tunnel, from the underlay capture, as from the tunnel's own ($inner)"
    if [ "$under" != "$inner" ]; then
        echo "#   underlay: $under"
        sed 's/^/#   /' "$T/$kind-under.err" | head -5
    fi
    # the underlay really carries this encapsulation (tshark's own dissection, where it is installed)
    command -v tshark >/dev/null || return
    case $kind in
        vxlan|geneve|pppoes) f=$kind ;; gre|gretap|ip6gre) f=gre ;; erspan|erspan2) f=erspan ;;
        ipip) f='ip.proto == 4 && ip.proto == 6' ;; ip4in6) f='ipv6 && ip' ;; sit) f='ip && ipv6' ;;
        ip6ip6) f='count(ipv6.src) == 2' ;; pppoe) f=pppoes ;; gtpu) f=gtp ;; *) f=frame ;;
    esac
    c=$(tshark -r "$D/$kind-under.pcap" -Y "($f) && tls.record" 2>/dev/null | wc -l)
    [ "$c" -gt 0 ]
    ok $? "$kind: tshark finds TLS records inside $f on the underlay ($c frames)"
}

k=0
for kind in $KINDS; do
    k=$((k + 1))
    [ "$PHASE" = check ] || capture $kind $k
    [ "$PHASE" = capture ] || check $kind
done
[ "$PHASE" = capture ] || echo "1..$n"
