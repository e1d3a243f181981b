#!/bin/sh
# soak.sh [SECONDS] [RATE] - the long run of tests/e2e/soak.t: badmac -i
# under a steady load of real TLS 1.3 connections (Python clients through
# `badmac relay` to openssl s_server, the key log followed as the clients
# write it) for SECONDS (default 1200) at RATE connections/s (default 300:
# 360,000 connections, an hour of the CI run's 100/s). Checks what CI
# checks (resident set flat, every connection reported and verified, no
# kernel drop) and saves the TAP output with the RSS samples to
# bench/results/<date>-soak.txt. The load (clients, relay, server) runs at
# nice SOAK_NICE (default 5): on one small machine it stands for other
# hosts and must not starve the badmac being measured. Needs root; reads no
# stdin.
set -u
cd "$(dirname "$0")/.." || exit 1
secs=${1:-1200}
rate=${2:-300}
out=bench/results/$(date -u +%Y-%m-%d)-soak.txt
{
    echo "# badmac -i soak: $secs s at up to $rate TLS 1.3 connections/s, load at nice ${SOAK_NICE:-5} ($(nproc) cores: $(grep -m1 'model name' \
/proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
    SOAK_NICE=${SOAK_NICE:-5} SOAK_SECONDS=$secs SOAK_RATE=$rate BADMAC=${BADMAC:-$PWD/build/badmac} bash tests/e2e/soak.t
} 2>&1 | tee "$out"
echo "saved $out"
