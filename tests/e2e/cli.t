#!/bin/sh
# The command line: usage errors, unreadable and malformed inputs, exit codes.
. "$(dirname "$0")/lib_tap.sh"

"$BADMAC" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 2 "no argument: exit 2"
like "$(cat "$TMPD/err")" "no capture file" "no argument: says what is missing"
is "$(wc -l <"$TMPD/err" | tr -d ' ')" 1 "no argument: exactly one line on stderr"

"$BADMAC" --bogus x >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 2 "unknown option: exit 2"
like "$(head -1 "$TMPD/err")" "unknown option '--bogus'" "unknown option named"
is "$(wc -l <"$TMPD/err" | tr -d ' ')" 1 "unknown option: exactly one line on stderr"
like "$(cat "$TMPD/err")" "see badmac --help" "unknown option: points to badmac --help"

out=$("$BADMAC" --help); rc=$?
is "$rc" 0 "--help exits 0"
like "$out" "Exit status: 0 no failure found, 1 a failure found, 2" "--help documents the exit status"
like "$("$BADMAC" --version)" "^badmac [0-9]+\.[0-9]+" "--version"

"$BADMAC" "$TMPD/nope.pcap" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 2 "missing file: exit 2"
is "$(wc -l <"$TMPD/err" | tr -d ' ')" 1 "missing file: exactly one line on stderr"
like "$(cat "$TMPD/err")" "nope.pcap" "missing file: the message names the file"

: >"$TMPD/empty.pcap"
"$BADMAC" "$TMPD/empty.pcap" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 2 "empty file: exit 2"
like "$(cat "$TMPD/err")" "empty.pcap" "empty file: named"

head -c 4096 /dev/urandom >"$TMPD/garbage.pcap"
"$BADMAC" --json "$TMPD/garbage.pcap" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
is "$rc" 2 "garbage file: exit 2"
like "$(tail -1 "$TMPD/out")" '"type":"summary","connections":0' "garbage file: JSON still ends with a summary"

# A bad file among good ones: the good one is still analysed.
if [ -f "$FIX/tls12-aes-gcm.pcap" ]; then
    "$BADMAC" --json "$TMPD/garbage.pcap" "$FIX/tls12-aes-gcm.pcap" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
    is "$rc" 2 "garbage + good capture: exit 2"
    like "$(tail -1 "$TMPD/out")" '"connections":[1-9]' "garbage + good capture: the good one is analysed"
fi

# Text mode puts the summary first.
if [ -f "$FIX/demo.pcapng" ]; then
    "$BADMAC" --keylog "$FIX/demo.keys" "$FIX/demo.pcapng" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
    is "$rc" 1 "demo: a failure found, exit 1"
    like "$(head -1 "$TMPD/out")" "^[0-9]+ connections?, [1-9][0-9]* failed:" "demo: summary line first"
    like "$(sed -n 2p "$TMPD/out")" "bad_record_mac" "demo: the failed connection is listed under the summary"
fi

# One option parser (src/util/opt.c) for badmac, compare and relay: options
# anywhere, --opt=value, "--" ends the options, one-line usage errors (exit 2).
# usage_error NAME OPTION CMD ARGS...: exit 2, one stderr line naming OPTION and "see CMD".
usage_error() {
    name=$1 opt=$2 cmd=$3; shift 3
    "$BADMAC" "$@" >"$TMPD/uout" 2>"$TMPD/uerr" </dev/null; rc=$?
    is "$rc" 2 "$name: exit 2"
    is "$(wc -l <"$TMPD/uerr" | tr -d ' ')" 1 "$name: exactly one line on stderr"
    like "$(cat "$TMPD/uerr")" "(^|[ '])$opt([ ':=]).*see $cmd" "$name: names $opt and says see $cmd"
    is "$(wc -c <"$TMPD/uout" | tr -d ' ')" 0 "$name: nothing on stdout"
}

if [ -f "$FIX/demo.pcapng" ]; then
    "$BADMAC" --keylog "$FIX/demo.keys" "$FIX/demo.pcapng" >"$TMPD/ref" 2>&1
    "$BADMAC" "$FIX/demo.pcapng" --keylog "$FIX/demo.keys" >"$TMPD/out" 2>&1; rc=$?
    is "$rc" 1 "option after the file: exit 1 (failure found)"
    grep -q 'FIRST BAD RECORD' "$TMPD/out"; ok $? "option after the file: --keylog used, not read as a capture"
    cmp -s "$TMPD/ref" "$TMPD/out"; ok $? "option after the file: the same report as before it"
    "$BADMAC" "$FIX/demo.pcapng" --json >"$TMPD/out" 2>&1; rc=$?
    like "$(tail -1 "$TMPD/out")" '"type":"summary"' "--json after the file: JSON report"
    "$BADMAC" --keylog="$FIX/demo.keys" "$FIX/demo.pcapng" >"$TMPD/out" 2>&1; rc=$?
    is "$rc" 1 "--keylog=FILE: exit 1"
    cmp -s "$TMPD/ref" "$TMPD/out"; ok $? "--keylog=FILE: the same report as --keylog FILE"
    # Keyless runs: a fatal alert in the clear fails without keys too;
    # demo's encrypted alerts are of unknown level without keys.
    "$BADMAC" -q "$FIX/tls12-alert-unknown-ca.pcap" >"$TMPD/out" 2>&1; rc=$?
    is "$rc" 1 "-q: still accepted"
    is "$(wc -l <"$TMPD/out" | tr -d ' ')" 2 "-q: only the summary"
    cp "$FIX/tls12-alert-unknown-ca.pcap" "$TMPD/--json"
    (cd "$TMPD" && "$BADMAC" -- --json) >"$TMPD/out" 2>"$TMPD/err"; rc=$?
    is "$rc" 1 "-- then a file named --json: read as a capture (exit 1)"
    like "$(head -1 "$TMPD/out")" "^1 connection, 1 failed:" "-- then --json: a text report of that capture"
    usage_error "option after the file: unknown option" --bogus "badmac --help" "$FIX/demo.pcapng" --bogus
    usage_error "option after the file: missing value" --keylog "badmac --help" "$FIX/demo.pcapng" --keylog
    usage_error "--json=VALUE" --json "badmac --help" --json=yes "$FIX/demo.pcapng"
    usage_error "abbreviated option" --quie "badmac --help" --quie "$FIX/demo.pcapng"
fi

CA="$FIX/compare/clean-a.pcapng" CB="$FIX/compare/clean-b.pcapng"
if [ -f "$CA" ] && [ -f "$CB" ]; then
    "$BADMAC" compare "$CA" "$CB" >"$TMPD/cref" 2>&1; rc=$?
    is "$rc" 0 "compare: clean-a clean-b identical, exit 0"
    "$BADMAC" compare "$CA" "$CB" --json >"$TMPD/out" 2>&1; rc=$?
    is "$rc" 0 "compare: option after the files: exit 0"
    like "$(tail -1 "$TMPD/out")" '"type":"compare_summary"' "compare: --json after the files: JSON"
    "$BADMAC" compare --window 4M "$CA" "$CB" >"$TMPD/out" 2>&1; rc=$?
    is "$rc" 0 "compare --window 4M: accepted"
    cmp -s "$TMPD/cref" "$TMPD/out"; ok $? "compare --window 4M: the same output as without"
    "$BADMAC" compare "$CA" --window=4M "$CB" >"$TMPD/out" 2>&1; rc=$?
    is "$rc" 0 "compare --window=4M (between the files): accepted"
    cmp -s "$TMPD/cref" "$TMPD/out"; ok $? "compare --window=4M: the same output as without"
    "$BADMAC" compare --window 1G "$CA" "$CB" >"$TMPD/out" 2>&1
    cmp -s "$TMPD/cref" "$TMPD/out"; ok $? "compare --window 1G: the same output as without"
    usage_error "compare --window 4X" --window "badmac compare --help" compare --window 4X "$CA" "$CB"
    usage_error "compare --window=512 (below 1K)" --window "badmac compare --help" compare --window=512 "$CA" "$CB"
    usage_error "compare --window=17G" --window "badmac compare --help" compare "$CA" "$CB" --window=17G
    usage_error "compare --window without a value" --window "badmac compare --help" compare "$CA" "$CB" --window
    usage_error "compare: unknown option" --bogus "badmac compare --help" compare "$CA" "$CB" --bogus
    cp "$CA" "$TMPD/--json"
    (cd "$TMPD" && "$BADMAC" compare -- --json "$CB") >"$TMPD/out" 2>&1; rc=$?
    is "$rc" 0 "compare -- then a file named --json: read as capture A (exit 0)"
    like "$(tail -1 "$TMPD/out")" "1 pair\(s\), 1 identical" "compare -- --json: a text comparison of that capture"
    out=$("$BADMAC" compare --version); rc=$?
    is "$rc" 0 "compare --version: exit 0"
    like "$out" "^badmac [0-9]+\.[0-9]+" "compare --version: the version"
fi

"$BADMAC" relay --help >"$TMPD/out" 2>"$TMPD/err" </dev/null; rc=$?
is "$rc" 0 "relay --help: exit 0"
like "$(head -1 "$TMPD/out")" "^usage: badmac relay" "relay --help: the usage on stdout"
timeout 10 "$BADMAC" relay --version >"$TMPD/out" 2>"$TMPD/err" </dev/null; rc=$?
is "$rc" 0 "relay --version: exit 0 (no value asked for)"
like "$(cat "$TMPD/out")" "^badmac [0-9]+\.[0-9]+" "relay --version: the version"
is "$(wc -c <"$TMPD/err" | tr -d ' ')" 0 "relay --version: nothing on stderr"
usage_error "relay: unknown option" --bogus "badmac relay --help" relay --listen 0 --to 127.0.0.1:1 --bogus
usage_error "relay: missing value" --seed "badmac relay --help" relay --listen 0 --to 127.0.0.1:1 --seed
# --flip=VALUE reaches the fault parser: bit 9 is rejected by it, naming the option.
usage_error "relay --flip=VALUE form" --flip "badmac relay --help" relay --listen=0 --to=127.0.0.1:1 --flip=s2c:1:9
# -B as tcpdump's: KiB, bounded; a bad value is refused before any capture opens.
usage_error "-B zero" -B "badmac --help" -B 0 -i lo
usage_error "-B not a size" -B "badmac --help" -B 12x -i lo
usage_error "-B past 2 GiB" -B "badmac --help" --buffer-size 3G -i lo
done_testing
