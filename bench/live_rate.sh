#!/bin/sh
# live_rate.sh [CAPTURE] - the rate `badmac -i` sustains live on one core.
#
# CAPTURE (default bench/out/tls13-aes128gcm-140mb.pcap, made by
# `sh bench/mkcap.sh tls13-aes128gcm 140`; its key log is the same name with
# .keys) is replayed by tcpreplay over a veth pair in a private network
# namespace at rising rates (RATES, Mbit/s; "top" = as fast as tcpreplay
# goes), as LOOPS copies in a row (default 5; tcprewrite gives each copy's
# server another port, so each copy's connections are new ones, decrypted
# anew). At each rate badmac -i captures the other end with
# the key log and decrypts every record. core% is badmac's CPU time over
# the replay's duration: near 100 the rate is what one core sustains. A rate holds when the kernel dropped nothing, every
# frame sent reached badmac, and every connection verified with no failure.
# Prints a table (rate asked, rate sent, packets, frames seen, kernel drops,
# connections ok, badmac CPU seconds and share of one core, peak RSS) and
# saves it to bench/results/<date>-live-rate.txt. Needs root, iproute2 and
# tcpreplay (apt-get install tcpreplay); reads no stdin.
set -u
cd "$(dirname "$0")/.." || exit 1
CAP=${1:-bench/out/tls13-aes128gcm-140mb.pcap}
KEYS=${CAP%.pcap}.keys
RATES=${RATES:-"500 1000 2000 4000 top"}
LOOPS=${LOOPS:-5} # the capture replayed this many times per rate (seconds of sustained load, not a burst the
                  # socket buffer absorbs)
BADMAC=${BADMAC:-$PWD/build/badmac}
for need in tcpreplay tcprewrite tcpdump ip python3; do
    command -v $need >/dev/null || { echo "live_rate.sh: $need missing (apt-get install tcpreplay iproute2)" >&2; exit 2; }
done
[ -f "$CAP" ] && [ -f "$KEYS" ] || { echo "live_rate.sh: $CAP or $KEYS missing (sh bench/mkcap.sh)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "live_rate.sh: needs root (network namespace)" >&2; exit 2; }
NS=bmrate-$$
T=$(mktemp -d /tmp/live-rate.XXXXXX)
trap 'ip netns del $NS 2>/dev/null; rm -rf "$T"' EXIT INT TERM
ip netns add $NS
ip -n $NS link add v0 type veth peer name v1
for i in v0 v1; do
    ip -n $NS link set $i up
    ip netns exec $NS ethtool -K $i tso off gso off gro off >/dev/null 2>&1
done
copies=""
port=$(tcpdump -nr "$CAP" -c 1 2>/dev/null | sed -n 's/.* > [0-9.]*\.\([0-9]*\):.*/\1/p')
for i in $(seq "$LOOPS"); do # the server port 5000+i in copy i
    tcprewrite --portmap="${port:-4433}:$((5000 + i))" --fixcsum -i "$CAP" -o "$T/copy$i.pcap" || exit 2
    copies="$copies $T/copy$i.pcap"
done
clk=$(getconf CLK_TCK)
out=bench/results/$(date -u +%Y-%m-%d)-live-rate.txt
{
    echo "# badmac -i on one core: $(basename "$CAP") ($(du -m "$CAP" | cut -f1) MB) replayed $LOOPS times by tcpreplay over a veth pair"
    echo "# $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); badmac $("$BADMAC" --version)"
    printf '%-6s %10s %9s %9s %6s %9s %8s %6s %8s %s\n' asked sent_mbps packets seen drops conns_ok cpu_s core% rss_mb holds
} | tee "$T/table"
for rate in $RATES; do
    ip netns exec $NS "$BADMAC" -i v1 -f tcp --keylog "$KEYS" --json >"$T/out" 2>"$T/err" &
    pid=$!
    sleep 1
    if [ "$rate" = top ]; then speed=--topspeed; else speed=--mbps=$rate; fi
    ip netns exec $NS tcpreplay -i v0 $speed $copies >"$T/replay" 2>&1
    sleep 3 # the last packets decoded (one second held for the key log)
    ticks=$(awk '{print $14 + $15}' /proc/$pid/stat 2>/dev/null)
    rss=$(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status 2>/dev/null)
    kill -INT $pid
    wait $pid
    sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$T/replay")
    secs=$(sed -n 's/.*Actual: .* sent in \([0-9.]*\) seconds.*/\1/p' "$T/replay")
    mbps=$(sed -n 's/.*Rated: .*, \([0-9.]*\) Mbps.*/\1/p' "$T/replay")
    set -- $(python3 - "$T/out" <<'PY'
import json, sys
seen = ok = conns = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "summary":
        seen = o.get("frames", 0)
    elif o.get("type") == "connection":
        conns += 1
        srv = (o.get("records") or {}).get("server") or {}
        ok += o["status"] == "ok" and srv.get("verified", 0) > 0 and srv.get("failed", 0) == 0
print(seen, ok, conns)
PY
)
    seen=$1 ok=$2 conns=$3
    drops=$(sed -n 's/.*the kernel dropped \([0-9]*\) packets.*/\1/p' "$T/err")
    drops=${drops:-0}
    cpu=$(awk -v t="${ticks:-0}" -v c="$clk" 'BEGIN {printf "%.2f", t / c}')
    share=$(awk -v t="${ticks:-0}" -v c="$clk" -v s="${secs:-0}" 'BEGIN {printf "%.0f", (s > 0) ? 100 * t / c / s : 0}')
    holds=no
    [ "$drops" = 0 ] && [ "$seen" = "$sent" ] && [ "$ok" = "$conns" ] && [ "$conns" -gt 0 ] && holds=yes
    printf '%-6s %10s %9s %9s %6s %9s %8s %6s %8s %s\n' "$rate" "${mbps:-?}" "${sent:-?}" "$seen" "$drops" \
        "$ok/$conns" "$cpu" "$share" "${rss:-?}" "$holds" | tee -a "$T/table"
done
cp "$T/table" "$out"
echo "saved $out"
