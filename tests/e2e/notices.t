#!/bin/sh
# notices.t - exit status 2 is only for input badmac cannot read. Traffic it
# reads but does not analyse (non-TLS bytes on port 443: SSH banners, a
# keep-alive byte, FTP in the clear after close_notify; a pcapng Decryption
# Secrets Block of another secrets type) is a one-line "notice:" on stderr
# that neither makes the exit status 2 nor hides a real failure's 1.
# Captures: tests/fixtures/nontls/nontls-443.pcap (real, nontls/make.sh),
# merged with the real demo.pcapng by mergecap; a DSB of type WireGuard
# inserted into demo.pcapng by add_dsb.py (a container-format edit).
. "$(dirname "$0")/lib_tap.sh"
[ -x "$BADMAC" ] || { echo "1..0 # SKIP $BADMAC not built"; exit 0; }
NT=$FIX/nontls/nontls-443.pcap
DEMO=$FIX/demo.pcapng
# Without keys demo's encrypted alerts are of unknown level (close_notify
# or fatal both fit): the keyless failures are a fatal alert in the clear
# (tls12-alert-unknown-ca) and a record over the protocol's limit
# (merged-oversized, a pcapng for the secrets block).
DEMO_KL=$FIX/tls12-alert-unknown-ca.pcap
DEMO_KL_NG=$FIX/merged-oversized.pcapng

"$BADMAC" "$NT" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
is "$rc" 0 "non-TLS traffic on 443 alone: exit 0"
is "$(grep -c 'notice: TCP port 443 carries no TLS' "$TMPD/err")" 2 "SSH banners and the keep-alive byte: two notices"
like "$(cat "$TMPD/err")" "frame 4: notice: TCP port 443 carries no TLS \(first bytes 53 53 48 2d\)" "SSH: names frame and bytes"
like "$(cat "$TMPD/err")" "notice: impossible TLS record header" "FTP after close_notify: a notice"
is "$(grep -vc 'notice:' "$TMPD/err")" 0 "every stderr line is a notice"
like "$(cat "$TMPD/out")" "^4 notices on stderr" "the summary counts the notices"
"$BADMAC" --json "$NT" 2>/dev/null | tail -1 >"$TMPD/sum"
like "$(cat "$TMPD/sum")" '"input_errors":0' "JSON summary: no input errors"

# The same traffic next to a real failure, in one file: exit 1, not 2.
if command -v mergecap >/dev/null 2>&1; then
    mergecap -F pcap -w "$TMPD/merged-kl.pcap" "$DEMO_KL" "$NT"
    mergecap -F pcap -w "$TMPD/merged.pcap" "$DEMO" "$NT"
    "$BADMAC" "$TMPD/merged-kl.pcap" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
    is "$rc" 1 "a failure + non-TLS traffic merged in one file: the failure's exit 1"
    like "$(head -1 "$TMPD/out")" "^2 connections, 1 failed" "merged: the TLS connections are analysed"
    is "$(grep -c 'notice:' "$TMPD/err")" 4 "merged: four notices"
    "$BADMAC" --keylog "$FIX/demo.keys" "$TMPD/merged.pcap" >"$TMPD/out" 2>/dev/null; rc=$?
    is "$rc" 1 "merged, with keys: exit 1"
    like "$(cat "$TMPD/out")" "FIRST BAD RECORD: server record #8" "merged, with keys: the bad record is found"
else
    for i in 1 2 3 4 5; do ok 0 "# SKIP mergecap not installed"; done
fi
"$BADMAC" --quiet "$DEMO_KL" "$NT" >/dev/null 2>&1; rc=$?
is "$rc" 1 "a failure and the non-TLS capture as two files: exit 1"

# A Decryption Secrets Block of another secrets type (WireGuard key log).
wg=$(printf 'LOCAL_STATIC_PRIVATE_KEY = QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=\n' | od -An -v -tx1 | tr -d ' \n')
python3 "$TOP/tests/e2e/add_dsb.py" "$DEMO" "$TMPD/wg.pcapng" 0x57474b4c "$wg"
python3 "$TOP/tests/e2e/add_dsb.py" "$DEMO_KL_NG" "$TMPD/wg-kl.pcapng" 0x57474b4c "$wg"
"$BADMAC" --quiet "$TMPD/wg-kl.pcapng" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 1 "a failure with a WireGuard DSB: exit 1, not 2"
like "$(cat "$TMPD/err")" "wg-kl.pcapng: offset [0-9]+: notice: unsupported secrets type 0x57474b4c \(skipped\)" \
    "WireGuard DSB: one notice naming the offset and the type"
is "$(wc -l <"$TMPD/err" | tr -d ' ')" 1 "WireGuard DSB: exactly one stderr line"
"$BADMAC" --keylog "$FIX/demo.keys" "$TMPD/wg.pcapng" >"$TMPD/out" 2>/dev/null; rc=$?
is "$rc" 1 "WireGuard DSB, with keys: exit 1"
like "$(cat "$TMPD/out")" "FIRST BAD RECORD: server record #8" "WireGuard DSB, with keys: the bad record is found"

# Input badmac cannot read still exits 2: the non-TLS capture cut mid-packet.
head -c 3000 "$NT" >"$TMPD/cut.pcap"
"$BADMAC" --quiet "$TMPD/cut.pcap" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 2 "a truncated capture: exit 2"
is "$(grep -c 'notice:' "$TMPD/err")" "$(($(wc -l <"$TMPD/err") - 1))" "truncated: one error line besides the notices"
done_testing
