#!/bin/sh
# compare_bench.sh - `badmac compare` on two big captures: time and peak RSS.
#
#   sh bench/compare_bench.sh [CAPTURE...]
#
# A = the given captures merged into one (default: every bench/out/*.pcap
# that bench/mkcap.sh made, about 1.3 GB), B = a copy of A with one bit
# flipped in the TCP payload of the middle frame (bench/compare_flip.c, a
# streaming copy; the TCP checksum is recomputed, as a middlebox would).
# Runs: A vs an identical copy, A vs B, and A(400 MB) vs its flipped copy,
# to show the peak RSS does not grow with the capture. Prints a table and
# saves it to bench/results/<date>-compare.txt. Scratch files go to
# bench/out/compare/ (several GB; removed at the end unless KEEP=1).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT=$HERE/out/compare
BADMAC=${BADMAC:-$ROOT/build/badmac}
mkdir -p "$OUT"
cleanup() { [ -n "${KEEP:-}" ] || rm -f "$OUT"/*.pcap; }
trap cleanup EXIT

if [ $# -eq 0 ]; then
    set -- $(ls "$HERE"/out/*.pcap 2>/dev/null | grep -v /compare/ || true)
fi
[ $# -gt 0 ] || { echo "no captures: run bench/mkcap.sh first" >&2; exit 1; }
cc -O2 -o "$OUT/compare_flip" "$HERE/compare_flip.c"
cc -O2 -o "$OUT/timeit" "$HERE/timeit.c"
# The CLI may not dispatch `compare` yet: link the two-line driver.
CMP="$BADMAC compare"
if ! $CMP --help >/dev/null 2>&1; then
    printf 'int bm_compare_main(int, char **);\nint main(int c, char **v) { return bm_compare_main(c, v); }\n' \
        >"$OUT/drv.c"
    cc -o "$OUT/compare" "$OUT/drv.c" "$(dirname "$BADMAC")/libbadmac.a" -lpcap -lcrypto -ljansson -lz -lm
    CMP="$OUT/compare"
fi

mergecap -F pcap -w "$OUT/a.pcap" "$@"
cp "$OUT/a.pcap" "$OUT/a-copy.pcap"
frames=$(capinfos -T -r -c "$OUT/a.pcap" | awk '{print $NF}')
"$OUT/compare_flip" "$OUT/a.pcap" "$OUT/b.pcap" $((frames / 2)) 700 3 >"$OUT/flip.txt"
big=$(ls -S "$@" | head -1)
cp "$big" "$OUT/s.pcap"
sframes=$(capinfos -T -r -c "$OUT/s.pcap" | awk '{print $NF}')
"$OUT/compare_flip" "$OUT/s.pcap" "$OUT/s-flip.pcap" $((sframes / 2)) 700 3 >"$OUT/sflip.txt"

RES=$HERE/results/$(date +%Y-%m-%d)-compare.txt
mb() { echo $(( $(stat -c %s "$1") / 1000000 )); }
{
    echo "# badmac compare: two captures of the same traffic (bench/compare_bench.sh)"
    echo "# A = $* merged ($(mb "$OUT/a.pcap") MB, $frames frames); flipped: $(cat "$OUT/flip.txt")"
    echo "# host: $(nproc) cores, $(uname -r); $(date -u +%Y-%m-%dT%H:%MZ)"
    printf '%-34s %10s %12s %6s  %s\n' run wall_s peak_rss_kb exit verdicts
    for run in "identical A A-copy:a.pcap:a-copy.pcap" "flipped A B:a.pcap:b.pcap" \
               "$(mb "$OUT/s.pcap") MB flipped:s.pcap:s-flip.pcap"; do
        name=${run%%:*}; rest=${run#*:}; fa=${rest%%:*}; fb=${rest#*:}
        "$OUT/timeit" "$OUT/t.txt" $CMP --json "$OUT/$fa" "$OUT/$fb" >"$OUT/r.json" 2>"$OUT/r.err" || true
        [ "$fb" = b.pcap ] && cp "$OUT/r.json" "$OUT/big.json"
        set -- $(cat "$OUT/t.txt")
        v=$(tail -1 "$OUT/r.json" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(",".join("%s=%d" % kv for kv in o["verdicts"].items() if kv[1]))')
        printf '%-34s %10s %12s %6s  %s\n' "$name" "$1" "$2" "$3" "$v"
    done
    grep '"in_path_corruption"' "$OUT/big.json" | python3 -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l)
    for d in o.get("diff", []):
        print("# found: %s stream offset %d, %s, frames a %s b %s, checksum valid at receiver %s" % (d["direction"], d["offset_a"], d["pattern"], d["frames_a"], d["frames_b"], d["checksum_valid_at_receiver"]))'
} | tee "$RES"
