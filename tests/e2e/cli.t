#!/bin/sh
# The command line: usage errors, unreadable and malformed inputs, exit codes.
. "$(dirname "$0")/lib_tap.sh"

"$BADMAC" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 2 "no argument: exit 2"
like "$(cat "$TMPD/err")" "no capture file" "no argument: says what is missing"

"$BADMAC" --bogus x >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 2 "unknown option: exit 2"
like "$(head -1 "$TMPD/err")" "unknown option '--bogus'" "unknown option named"

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
done_testing
