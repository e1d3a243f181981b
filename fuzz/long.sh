#!/bin/sh
# long.sh SECONDS TARGET... - each libFuzzer target (build-fuzz/TARGET) run
# for SECONDS (or FUZZ_RUNS executions, whichever comes first) from its
# committed corpus, with its dictionary; new inputs in build-fuzz/long/T/,
# crashes as build-fuzz/long/T-crash-*. Then one line per target:
# executions, seconds, CPU seconds (a niced run on a busy machine gets
# less than its wall time: "an hour on one core" is the CPU figure),
# coverage (edges), features, corpus, crashes.
# FUZZ_CPU=1: SECONDS are seconds of CPU, not of wall time (the run is
# interrupted once it has had them: an hour on one core on a busy machine).
# The figures of docs/fuzzing.md come from here.
set -u
cd "$(dirname "$0")/.." || exit 1
secs=$1
shift
wall=$secs cpu_limit=0
[ -n "${FUZZ_CPU:-}" ] && wall=$((secs * 20)) cpu_limit=$secs # the wall bound in case the machine is starved
out=${FUZZ_OUT:-build-fuzz/long}
mkdir -p "$out"
for name in "$@"; do
    t=${name#fuzz_}
    mkdir -p "$out/$t"
    dict=$(sh fuzz/dict.sh "$t" "$out/$t.dict")
    started=$(date +%s)
    # shellcheck disable=SC2086
    python3 -c 'import os, resource, signal, subprocess, sys, time
cpu_limit = float(sys.argv[2])
p = subprocess.Popen(sys.argv[3:])
def cpu(pid):
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0
while p.poll() is None:
    time.sleep(2)
    if cpu_limit > 0 and cpu(p.pid) >= cpu_limit:
        p.send_signal(signal.SIGINT)
        p.wait()
rc = p.returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.0f\n" % (r.ru_utime + r.ru_stime))
sys.exit(0 if cpu_limit > 0 and rc in (-signal.SIGINT, 72, 130) else rc)' "$out/$t.cpu" "$cpu_limit" \
        build-fuzz/fuzz_$t -max_total_time="$wall" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 $dict -artifact_prefix="$out/$t-crash-" "$out/$t" "fuzz/corpus/$t" \
        >"$out/$t.log" 2>&1
    rc=$?
    cpu=$(cat "$out/$t.cpu" 2>/dev/null)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$out/$t.log")
    # interrupted (FUZZ_CPU): no final stats; the last progress line's count, the wall time measured
    [ -n "$runs" ] || runs=$(grep -o '^#[0-9]*' "$out/$t.log" | tail -1 | tr -d '#')
    [ -n "$took" ] || took=$(($(date +%s) - started))
    cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$out/$t.log" | tail -1 | cut -d' ' -f2)
    corp=$(find "$out/$t" "fuzz/corpus/$t" -type f | wc -l)
    crashes=$(find "$out" -maxdepth 1 -name "$t-crash-*" | wc -l)
    printf '%s: %s executions in %s s (%s s of CPU), cov %s, ft %s, corpus %s, crashes %s, exit %s (%s)\n' "$t" \
        "${runs:-?}" "${took:-?}" "${cpu:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$crashes" "$rc" \
        "$(date -u +%Y-%m-%dT%H:%MZ)" | tee -a "$out/summary"
done
