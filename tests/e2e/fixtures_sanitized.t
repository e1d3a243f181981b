#!/bin/sh
# Robustness: the CLI (built with ASan+UBSan when run by `make sanitize`) over
# every fixture, every fixture cut at many offsets, and copies with random
# bytes overwritten. Each run must end with exit 0, 1 or 2 and no sanitizer
# report: never a crash, never undefined behaviour.
. "$(dirname "$0")/lib_tap.sh"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

check_run() { # check_run NAME FILE...
    name=$1; shift
    "$BADMAC" --json "$@" >/dev/null 2>"$TMPD/err"; rc=$?
    if [ "$rc" -le 2 ] && ! grep -Eq "runtime error|AddressSanitizer|LeakSanitizer" "$TMPD/err"; then
        ok 0 "$name"
    else
        ok 1 "$name (exit $rc)"; sed 's/^/#   /' "$TMPD/err" | head -20
    fi
}

n=0
for f in "$FIX"/*.pcap "$FIX"/*.pcapng; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    b=$(basename "$f")
    check_run "clean run: $b" "$f"
    size=$(wc -c <"$f")
    # cut at 16 offsets spread over the file, plus a few near the start
    for off in 0 24 $(awk -v s="$size" 'BEGIN{for(i=1;i<=8;i++) printf "%d ", s*i/9}'); do
        head -c "$off" "$f" >"$TMPD/cut"
        check_run "cut at $off: $b" "$TMPD/cut"
    done
    # overwrite 8 random bytes, 3 times, with a fixed seed per file (one
    # python process writes all three copies)
    python3 - "$f" "$TMPD/mut" <<'PY'
import random, sys
orig = open(sys.argv[1], 'rb').read()
for seed in range(1, 4):
    data = bytearray(orig)
    r = random.Random(seed * 7919 + len(data))
    for _ in range(8):
        i = r.randrange(24, len(data)) if len(data) > 24 else 0
        if data: data[i] = r.randrange(256)
    open("%s.%d" % (sys.argv[2], seed), 'wb').write(data)
PY
    for seed in 1 2 3; do
        check_run "mutated (seed $seed): $b" "$TMPD/mut.$seed"
    done
done
[ "$n" -gt 0 ] || { echo "1..0 # SKIP no fixtures yet"; exit 0; }
done_testing
