#!/bin/sh
# vm_tunnels.t - tunnels.t inside a VM (tests/vm/vm.sh) under Debian's own
# kernel, which has every tunnel this machine's kernel lacks: VXLAN,
# Geneve, GRE, GRETAP, ERSPAN II and III, IPIP, 6in4 (sit), IPv4-in-IPv6,
# IPv6-in-IPv6, GRE over IPv6, PPPoE (rp-pppoe's server, pppd's kernel
# client) and GTP-U (osmo-ggsn and sgsnemu), each a real tunnel, a TLS
# 1.3 session across it; the underlay capture's report of the inner connection must equal the
# tunnel capture's. Here no kind may be skipped: a skip is a failure.
# Skipped whole (with the reason) only where the VM cannot run at all.
set -u
BADMAC=${BADMAC:?set BADMAC}
root=$(cd "$(dirname "$0")/../.." && pwd)
BADMAC=$(cd "$(dirname "$BADMAC")" && pwd)/$(basename "$BADMAC")
if [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP the VM's tunnels need root"
    exit 0
fi
J=$(mktemp -d /tmp/vm-tunnels.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$J"' EXIT
mkdir "$J/caps"
# the captures are made in the VM (emulated: slow), the reports here
cat >"$J/script" <<JOB
vm_modprobe veth vxlan geneve ip_gre ip6_gre ipip sit ip6_tunnel pppoe ppp_async tun || echo "vm: cannot load modules"
TUNNEL_KINDS="${TUNNEL_KINDS:-}" TUNNEL_PHASE=capture TUNNEL_DIR=/mnt/caps BADMAC=$BADMAC bash $root/tests/e2e/tunnels.t && echo done >/mnt/caps/done
JOB
sh "$root/tests/vm/vm.sh" "$J" "$J/script" >"$J/console" 2>&1
rc=$?
if [ "$rc" = 125 ]; then
    echo "1..0 # SKIP $(grep '^vm.sh:' "$J/console" | tail -1)"
    exit 0
fi
if [ ! -f "$J/caps/done" ]; then
    echo "not ok 1 - the VM made the tunnels' captures (exit $rc)"
    grep -v '^\[' "$J/console" | tail -5 | sed 's/^/#   /'
    echo "1..1"
    exit 0
fi
# every kind must run inside: a skip there is a failure here
TUNNEL_PHASE=check TUNNEL_DIR="$J/caps" BADMAC=$BADMAC bash "$root/tests/e2e/tunnels.t" |
    sed 's/^ok \([0-9]*\) # SKIP \(.*\)/not ok \1 - must not be skipped in the VM: \2/'
