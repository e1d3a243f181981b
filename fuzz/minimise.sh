#!/bin/sh
# minimise.sh TARGET... - the committed corpus fuzz/corpus/T made anew as
# the smallest set of inputs that keeps the coverage of the old corpus,
# of what long runs found (build-fuzz/long*/T: make fuzz-long, FUZZ_OUT for
# other streams) and of seeds made from the fixtures (fuzz/seeds.py):
# libFuzzer's -merge=1.
set -eu
cd "$(dirname "$0")/.."
seeds=build-fuzz/seeds
rm -rf "$seeds"
python3 fuzz/seeds.py "$seeds"
for name in "$@"; do
    t=${name#fuzz_}
    new=build-fuzz/corpus-$t.new
    rm -rf "$new"
    mkdir -p "$new" "fuzz/corpus/$t" "$seeds/$t"
    dirs=""
    for d in build-fuzz/long*/"$t"; do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    opts=$(sh fuzz/dict.sh "$t" "build-fuzz/$t.dict")
    # shellcheck disable=SC2086
    build-fuzz/fuzz_$t -merge=1 $opts -timeout=20 -rss_limit_mb=2048 "$new" "fuzz/corpus/$t" $dirs "$seeds/$t" \
        >"build-fuzz/merge-$t.log" 2>&1
    rm -rf "fuzz/corpus/$t"
    mv "$new" "fuzz/corpus/$t"
    echo "$t: $(find "fuzz/corpus/$t" -type f | wc -l) inputs, $(du -sk "fuzz/corpus/$t" | cut -f1) KiB"
done
