#!/bin/sh
# long.sh SECONDS TARGET... - each libFuzzer target (build-fuzz/TARGET) run
# for SECONDS (or FUZZ_RUNS executions, whichever comes first) from its
# committed corpus, with its dictionary; new inputs in build-fuzz/long/T/,
# crashes as build-fuzz/long/T-crash-*. Then one line per target:
# executions, seconds, CPU seconds (a niced run on a busy machine gets
# less than its wall time: "an hour on one core" is the CPU figure),
# coverage (edges), features, corpus, crashes.
# The figures of docs/fuzzing.md come from here.
set -u
cd "$(dirname "$0")/.." || exit 1
secs=$1
shift
out=${FUZZ_OUT:-build-fuzz/long}
mkdir -p "$out"
for name in "$@"; do
    t=${name#fuzz_}
    mkdir -p "$out/$t"
    dict=$(sh fuzz/dict.sh "$t" "$out/$t.dict")
    # shellcheck disable=SC2086
    python3 -c 'import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.0f\n" % (r.ru_utime + r.ru_stime))
sys.exit(rc)' "$out/$t.cpu" \
        build-fuzz/fuzz_$t -max_total_time="$secs" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 $dict -artifact_prefix="$out/$t-crash-" "$out/$t" "fuzz/corpus/$t" \
        >"$out/$t.log" 2>&1
    rc=$?
    cpu=$(cat "$out/$t.cpu" 2>/dev/null)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$out/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$out/$t.log" | tail -1 | cut -d' ' -f2)
    corp=$(find "$out/$t" "fuzz/corpus/$t" -type f | wc -l)
    crashes=$(find "$out" -maxdepth 1 -name "$t-crash-*" | wc -l)
    printf '%s: %s executions in %s s (%s s of CPU), cov %s, ft %s, corpus %s, crashes %s, exit %s (%s)\n' "$t" \
        "${runs:-?}" "${took:-?}" "${cpu:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$crashes" "$rc" \
        "$(date -u +%Y-%m-%dT%H:%MZ)" | tee -a "$out/summary"
done
