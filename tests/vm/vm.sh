#!/bin/sh
# vm.sh JOBDIR SCRIPT - runs SCRIPT (sh, as root) in a small VM under
# Debian's own kernel, with the tunnel modules (ipip, sit, PPPoE, GRE,
# ...) this machine's kernel lacks; the host's programs are the VM's (its
# root file system read-only over 9p), JOBDIR is /mnt inside, read-write.
# SCRIPT's output is on our stdout; our exit status is SCRIPT's, 125 when
# the VM cannot run here (no qemu, no kernel package), 124 on timeout.
# Inside, `vm_modprobe MOD...` loads the VM kernel's modules.
# The kernel (package linux-image-amd64's, from the Debian archive) and an
# initramfs of tests/vm/init.c are made once into $BADMAC_VM_CACHE
# (default build/vm).
set -u
here=$(cd "$(dirname "$0")" && pwd)
cache=${BADMAC_VM_CACHE:-$here/../../build/vm}
job=$(cd "$1" && pwd) || exit 125
script=$2
for tool in qemu-system-x86_64 cpio; do
    command -v $tool >/dev/null || { echo "vm.sh: $tool not installed" >&2; exit 125; }
done

kernel() {
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
    [ -n "$pkg" ] && apt-get download "$pkg" >/dev/null 2>&1
}

# the kernel once; the initramfs again whenever init.c or this script changes
stamp=$(cat "$here/init.c" "$0" | cksum)
prepare() {
    mkdir -p "$cache" && cd "$cache" || return 1
    if [ ! -d kroot/lib/modules ]; then
        rm -rf kroot ./*.deb
        kernel || { apt-get update -qq >/dev/null 2>&1 && kernel; } || return 1
        dpkg-deb -x ./*.deb kroot && rm -f ./*.deb || return 1
    fi
    kver=$(ls kroot/lib/modules) && depmod -b kroot "$kver" || return 1
    rm -rf ir
    mkdir -p ir/m ir/proc ir/dev ir/host ir/lower ir/rw
    ${CC:-cc} -static -O2 -o ir/init "$here/init.c" || return 1
    # the boot modules (virtio PCI, 9p over virtio, overlay) and what they need, in order
    modprobe -d kroot -S "$kver" --show-depends -a virtio_pci 9pnet_virtio 9p overlay | awk '$1 == "insmod" { print $2 }' |
        awk '!seen[$0]++' >order || return 1
    : >ir/m/order
    while read -r ko; do
        cp "$ko" ir/m/ && basename "$ko" >>ir/m/order
    done <order
    (cd ir && find . | cpio -o -H newc --quiet) >initrd || return 1
    gzip -1f initrd || return 1
    cp kroot/boot/vmlinuz-* vmlinuz && echo "$stamp" >ready
}
if [ "$(cat "$cache/ready" 2>/dev/null)" != "$stamp" ]; then
    (prepare) || { echo "vm.sh: cannot prepare the VM kernel in $cache" >&2; exit 125; }
fi
cache=$(cd "$cache" && pwd)
{
    echo "vm_modprobe() { for m in \"\$@\"; do modprobe -d '$cache/kroot' \"\$m\" || return 1; done; }"
    echo "cd /mnt"
    cat "$script"
} >"$job/job.sh"
rm -f "$job/rc"
# Emulation by default: on this project's machines (themselves VMs) KVM
# opens but a guest hangs before its first line; VM_ACCEL=kvm where it works.
accel="-accel tcg,thread=multi -cpu max"
[ "${VM_ACCEL:-tcg}" = kvm ] && accel="-enable-kvm -cpu host"

# shellcheck disable=SC2086
timeout "${VM_TIMEOUT:-900}" qemu-system-x86_64 $accel -m "${VM_MEM:-1024}" -smp 2 -nographic -no-reboot -nic none \
    -kernel "$cache/vmlinuz" -initrd "$cache/initrd.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$job,mount_tag=job,security_model=none" </dev/null
qrc=$?
[ "$qrc" = 124 ] && exit 124
[ -s "$job/rc" ] || { echo "vm.sh: the VM ended without the job's status (qemu $qrc)" >&2; exit 125; }
exit "$(cat "$job/rc")"
