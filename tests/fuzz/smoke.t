#!/bin/sh
# Each libFuzzer target run for FUZZ_SECONDS from its committed corpus with
# its dictionary (fixed seed): no crash, leak, timeout or out-of-memory.
# New inputs go to a temporary directory, never into the committed corpus.
# FUZZ_BIN: directory of the fuzz_T binaries (make fuzz).
cd "$(dirname "$0")/../.." || exit 1
: "${FUZZ_BIN:?set FUZZ_BIN to the directory of the fuzz binaries}"
secs=${FUZZ_SECONDS:-8}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
set -- "$FUZZ_BIN"/fuzz_*
echo "1..$#"
n=0
for bin in "$@"; do
    n=$((n + 1))
    t=${bin##*/fuzz_}
    mkdir -p "$tmp/$t/new" "$tmp/$t/art"
    dict=$(sh fuzz/dict.sh "$t" "$tmp/$t/dict")
    # shellcheck disable=SC2086
    "$bin" -seed=1 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        $dict -artifact_prefix="$tmp/$t/art/" "$tmp/$t/new" "fuzz/corpus/$t" >"$tmp/$t/log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$tmp/$t/log")
    cov=$(grep -o "cov: [0-9]*" "$tmp/$t/log" | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
        echo "ok $n - $t: $runs runs in ${secs} s, $cov, no crash"
    else
        echo "not ok $n - $t: exit $rc after ${runs:-?} runs"
        tail -30 "$tmp/$t/log" | sed 's/^/# /'
        for a in "$tmp/$t/art"/*; do
            [ -f "$a" ] || continue
            echo "# failing input $(basename "$a") (base64; save it in fuzz/regress/$t/):"
            head -c 4096 "$a" | base64 | sed 's/^/# /'
        done
    fi
done
