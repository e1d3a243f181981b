#!/bin/sh
# install-deps.sh build|test|bench - install the Debian 12 packages badmac
# needs, only those missing. "build": compiler and libraries. "test": also
# the peers, capture tools and tshark that the tests compare against.
# "bench": tshark, ssldump and the capture tools of bench/.
set -eu
what=${1:-build}
pkgs="gcc make pkg-config libpcap-dev libssl-dev libjansson-dev zlib1g-dev libzstd-dev liblzma-dev"
if [ "$what" = test ]; then
    pkgs="$pkgs zstd xz-utils perl tshark tcpdump openssl gnutls-bin iproute2 ethtool python3 python3-cryptography libmbedtls-dev libwolfssl-dev libgnutls28-dev nftables"
    # the matrix's application peers (tests/matrix/peers.py): real servers
    # (nginx, HAProxy) and clients (curl, Java JSSE); started per cell on
    # loopback ports, never as services
    pkgs="$pkgs nginx-light haproxy curl openjdk-17-jdk-headless"
    # real GRE, ERSPAN and Geneve tunnels where the kernel has no modules
    # for them (tests/e2e/ovs_tunnels.t: Open vSwitch's userspace datapath,
    # its daemons started by the test in network namespaces)
    pkgs="$pkgs openvswitch-switch"
    # every kernel tunnel, PPPoE among them, in a VM under Debian's own
    # kernel (tests/vm/vm.sh fetches linux-image-amd64 into build/vm once;
    # tests/e2e/vm_tunnels.t): the emulator, its initramfs tool, depmod and
    # modprobe for the kernel's modules, pppd and
    # rp-pppoe's server
    pkgs="$pkgs qemu-system-x86 cpio kmod ppp pppoe"
    # a real GTP-U tunnel of the mobile core (tests/e2e/tunnels.t): the
    # Osmocom GGSN and its SGSN emulator, in userspace on tun devices
    pkgs="$pkgs osmo-ggsn"
    # libFuzzer (clang's runtime) for make fuzz-smoke, the short fuzz runs
    pkgs="$pkgs clang libclang-rt-14-dev"
    # GNU parallel: tests/e2e/scale.t runs --shard I/N as a user would
    pkgs="$pkgs parallel"
fi
if [ "$what" = bench ]; then
    # bench/: the tools badmac is measured against, and what makes the captures
    pkgs="$pkgs tshark ssldump tcpdump openssl iproute2 ethtool python3"
fi
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq </dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing </dev/null >/dev/null
