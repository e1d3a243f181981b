#!/bin/sh
# Every committed corpus input and every input that once failed
# (fuzz/corpus/T, fuzz/regress/T) replayed through harness T built with the
# sanitized library (ASan + UBSan, no recovery): one test per target.
# REPLAY: directory of the replay_fuzz_T binaries (make fuzz-replay).
cd "$(dirname "$0")/../.." || exit 1
: "${REPLAY:?set REPLAY to the directory of the replay binaries}"
set -- "$REPLAY"/replay_fuzz_*
echo "1..$#"
n=0
for bin in "$@"; do
    n=$((n + 1))
    t=${bin##*/replay_fuzz_}
    dirs=""
    for d in fuzz/corpus/$t fuzz/regress/$t; do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    if [ -z "$dirs" ]; then
        echo "not ok $n - $t: no corpus (fuzz/corpus/$t)"
        continue
    fi
    # shellcheck disable=SC2086
    out=$(ASAN_OPTIONS=detect_leaks=1 "$bin" $dirs 2>&1)
    rc=$?
    inputs=$(printf '%s\n' "$out" | sed -n 's/^ok [0-9]* - .*: \([0-9]*\) inputs replayed$/\1/p' | awk '{s += $1} END {print s + 0}')
    if [ "$rc" -eq 0 ]; then
        echo "ok $n - $t: ${inputs:-0} inputs replayed under ASan+UBSan"
    else
        echo "not ok $n - $t: replay failed (exit $rc)"
        printf '%s\n' "$out" | tail -40 | sed 's/^/# /'
    fi
done
