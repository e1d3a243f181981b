#!/usr/bin/env bash
# ovs_tunnels.t - real tunnels made by Open vSwitch's userspace datapath
# (issue 13), for the encapsulations this machine's kernel has no modules
# for (tunnels.t uses the kernel's): two network namespaces, each with its
# own ovsdb-server and ovs-vswitchd (datapath_type=netdev); a bridge whose
# internal port carries the inner address (192.168.K.1 / .2) and a tunnel
# port of each kind, over an underlay veth pair (10.97.0.1 / .2, userspace
# tunnelling through a second bridge that owns the underlay address). A
# TLS 1.3 session (openssl s_server -WWW, s_client with a key log) across
# the tunnel is captured at once on the underlay (the encapsulated frames,
# as a mirror port delivers them) and on the inner bridge port. The
# underlay capture's report of the inner connection must equal the inner
# capture's: endpoints, version, suite, records and their checks, status.
# The encapsulation must really be there: the underlay frames are
# recognised as such by tshark, when it is installed. Kinds: GRE,
# ERSPAN type II (v1) and type III (v2), Geneve, VXLAN, and MPLS (no
# tunnel port: OpenFlow rules push a label on the wire and pop it on the
# other side). (GTP-U, PPPoE and IP-in-IP have no real-tunnel test here:
# neither this kernel nor Open vSwitch's userspace datapath makes them;
# tests/unit/test_tunnel.c decodes them from built frames.)
set -u
T=$(mktemp -d /tmp/ovs-t.XXXXXX)
NSA=bmovs-a-$$
NSB=bmovs-b-$$
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
PIDS=""
stop_ovs() {
    for s in a b; do
        for p in "$T/$s/vs.pid" "$T/$s/db.pid"; do
            [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
        done
    done
}
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    stop_ovs
    wait 2>/dev/null
    ip netns del $NSA 2>/dev/null
    ip netns del $NSB 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
BADMAC=${BADMAC:?set BADMAC}
if [ "$(id -u)" != 0 ] || ! command -v ovs-vswitchd >/dev/null || ! command -v tcpdump >/dev/null ||
    ! command -v openssl >/dev/null; then
    echo "1..0 # SKIP needs root, Open vSwitch (openvswitch-switch), tcpdump and openssl"
    exit 0
fi
SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 2 -subj /CN=ovs >/dev/null 2>&1
mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/f.bin"

# setup KIND OPTIONS K: both switches, fresh, with a tunnel of that kind.
setup() {
    local kind=$1 opts=$2 k=$3 s me peer D V
    stop_ovs
    ip netns del $NSA 2>/dev/null
    ip netns del $NSB 2>/dev/null
    ip netns add $NSA && ip netns add $NSB || return 1
    ip link add ua netns $NSA type veth peer name ub netns $NSB || return 1
    for s in a b; do
        [ $s = a ] && { me=1; peer=2; ns=$NSA; } || { me=2; peer=1; ns=$NSB; }
        D=$T/$s
        rm -rf "$D"
        mkdir -p "$D"
        ip -n $ns link set lo up
        ovsdb-tool create "$D/conf.db" $SCHEMA || return 1
        OVS_RUNDIR=$D OVS_LOGDIR=$D OVS_DBDIR=$D ip netns exec $ns ovsdb-server "$D/conf.db" \
            --remote=punix:"$D/db.sock" --pidfile="$D/db.pid" --detach --log-file="$D/db.log" || return 1
        V="timeout 20 ovs-vsctl --db=unix:$D/db.sock"
        $V --no-wait init || return 1
        OVS_RUNDIR=$D OVS_LOGDIR=$D OVS_DBDIR=$D ip netns exec $ns ovs-vswitchd unix:"$D/db.sock" \
            --pidfile="$D/vs.pid" --detach --log-file="$D/vs.log" || return 1
        ip -n $ns link set u$s up
        ip netns exec $ns ethtool -K u$s tso off gso off gro off tx off >/dev/null 2>&1
        $V add-br br-$s -- set bridge br-$s datapath_type=netdev || return 1
        if [ "$kind" = mpls ]; then # no tunnel port: the bridge pushes and pops an MPLS label on the wire
            local F="timeout 20 ovs-ofctl -O OpenFlow13"
            ip -n $ns link set u$s arp off # the kernel must not answer ARP on the bridge's wire port
            $V add-port br-$s u$s || return 1
            $F del-flows unix:"$D/br-$s.mgmt"
            $F add-flow unix:"$D/br-$s.mgmt" "priority=10,in_port=LOCAL,ip,actions=push_mpls:0x8847,\
set_field:$((100 + k))->mpls_label,output:u$s" || return 1
            $F add-flow unix:"$D/br-$s.mgmt" "priority=10,in_port=u$s,mpls,mpls_label=$((100 + k)),\
actions=pop_mpls:0x0800,output:LOCAL" || return 1
            $F add-flow unix:"$D/br-$s.mgmt" "priority=0,actions=NORMAL" || return 1
        else
            $V add-br phy-$s -- set bridge phy-$s datapath_type=netdev || return 1
            $V add-port phy-$s u$s || return 1
            # shellcheck disable=SC2086
            $V add-port br-$s t-$s -- set interface t-$s type=$kind options:remote_ip=10.97.0.$peer \
                options:local_ip=10.97.0.$me $opts || return 1
            ip -n $ns addr add 10.97.0.$me/24 dev phy-$s
            ip -n $ns link set phy-$s up
        fi
        ip -n $ns addr add 192.168.$k.$me/24 dev br-$s
        ip -n $ns link set br-$s up mtu 1400
        ip netns exec $ns ethtool -K br-$s tso off gso off gro off tx off >/dev/null 2>&1
        grep -q "could not add network device t-$s\|unknown.*type\|not supported" "$D/vs.log" && return 1
    done
    sleep 1
    return 0
}

# report FILE: the connection fields the two captures must agree on
. "$(dirname "$0")/tunnel_lib.sh"

k=0
# kind, tshark's name of the encapsulation, OVS options
while read -r kind proto opts; do
    k=$((k + 1))
    [ "$opts" = - ] && opts=""
    if ! setup "${kind%%-*}" "$opts" $k; then
        skip "$kind: this Open vSwitch cannot make it"
        continue
    fi
    (cd "$T/www" && exec ip netns exec $NSB openssl s_server -accept 192.168.$k.2:4433 -cert "$T/cert.pem" \
        -key "$T/key.pem" -tls1_3 -WWW -quiet >/dev/null 2>&1) &
    PIDS="$PIDS $!"
    srv=$!
    ip netns exec $NSA tcpdump -i ua -U -s 0 -w "$T/$kind-under.pcap" not ip6 >/dev/null 2>&1 &
    tu=$!
    ip netns exec $NSA tcpdump -i br-a -U -s 0 -w "$T/$kind-inner.pcap" tcp >/dev/null 2>&1 &
    ti=$!
    PIDS="$PIDS $tu $ti"
    sleep 1
    printf 'GET /f.bin HTTP/1.0\r\n\r\n' | timeout 20 ip netns exec $NSA openssl s_client \
        -connect 192.168.$k.2:4433 -tls1_3 -keylogfile "$T/$kind.keys" -quiet -ign_eof >/dev/null 2>&1
    sleep 1
    kill $tu $ti $srv 2>/dev/null
    wait $tu $ti $srv 2>/dev/null
    "$BADMAC" --json --keylog "$T/$kind.keys" "$T/$kind-under.pcap" >"$T/$kind-under.json" 2>"$T/$kind-under.err"
    "$BADMAC" --json --keylog "$T/$kind.keys" "$T/$kind-inner.pcap" >"$T/$kind-inner.json" 2>/dev/null
    under=$(report "$T/$kind-under.json")
    inner=$(report "$T/$kind-inner.json")
    encap=0
    if command -v tshark >/dev/null; then
        encap=$(tshark -r "$T/$kind-under.pcap" -Y "$proto and tls" 2>/dev/null | wc -l)
    else
        encap=1
    fi
    [ -n "$inner" ] && [ "$under" = "$inner" ] && [ "$encap" -gt 0 ] &&
        echo "$inner" | grep -q "192.168.$k.1 .* ok (.client., [0-9]*, [1-9]"
    ok $? "$kind (Open vSwitch): the connection inside, from the underlay capture ($encap TLS frames in $proto),\
 as from the inner port ($inner)"
    if [ "$under" != "$inner" ]; then
        echo "#   underlay: $under"
        sed 's/^/#   /' "$T/$kind-under.err" | head -5
    fi
done <<'EOF'
gre gre options:key=5
erspan-v1 erspan options:erspan_ver=1 options:erspan_idx=7 options:key=1
erspan-v2 erspan options:erspan_ver=2 options:erspan_dir=1 options:erspan_hwid=4 options:key=2
geneve geneve options:key=5
vxlan vxlan options:key=5
mpls mpls -
EOF
echo "1..$n"
