#!/bin/sh
# Exports: --export-plaintext (files, sidecar, modes), --export-keylog
# (what each connection was decrypted with, deduplicated; RSA-derived
# master secrets too; never on stdout/stderr), --write (a pcapng with the key
# log embedded that tshark and badmac decrypt with no key file), and the
# usage errors (one stderr line, exit 2).
. "$(dirname "$0")/lib_tap.sh"
unset SSLKEYLOGFILE

"$BADMAC" --keylog "$FIX/demo.keys" --export-plaintext "$TMPD/a/b" --export-keylog "$TMPD/k" \
    "$FIX/demo.pcapng" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
is "$rc" 1 "demo with exports: exit 1 as without"
is "$(cd "$TMPD/a/b" && ls | tr '\n' ' ')" "1-client.bin 1-server.bin 1.json " "plaintext files and sidecar, DIR created"
is "$(stat -c %a "$TMPD/a/b/1-server.bin" "$TMPD/k" | tr '\n' ' ')" "600 600 " "created mode 0600"
like "$(head -c 26 "$TMPD/a/b/1-client.bin")" "^GET /p50.html HTTP/1.0" "client plaintext is the request"
like "$(cat "$TMPD/a/b/1.json")" '"direction":"server","kind":"failed","record":8,"records":1,"bytes":16408,"at":16384' \
    "sidecar lists the failed record, not written"
is "$(sort "$TMPD/k")" "$(grep -v '^#' "$FIX/demo.keys" | sort)" "key log: the demo's CLIENT_RANDOM line"
secret=$(awk '{print $3}' "$TMPD/k" | head -1)
if grep -qi "$secret" "$TMPD/out" "$TMPD/err"; then r=1; else r=0; fi
ok "$r" "the secret is not on stdout or stderr"
is "$(wc -c <"$TMPD/err" | tr -d ' ')" 0 "nothing on stderr"

# TLS 1.3: the traffic secret labels used; two runs over the same key log twice: deduplicated.
"$BADMAC" --keylog "$FIX/tls13-resumed.keys" --keylog "$FIX/tls13-resumed.keys" --export-keylog "$TMPD/k13" \
    "$FIX/tls13-resumed.pcap" >/dev/null 2>&1
is "$(awk '{print $1}' "$TMPD/k13" | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')" \
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET:2 CLIENT_TRAFFIC_SECRET_0:2 SERVER_HANDSHAKE_TRAFFIC_SECRET:2 SERVER_TRAFFIC_SECRET_0:2 " \
    "TLS 1.3 key log: four secrets per connection, no duplicates"
is "$(sort -u "$TMPD/k13" | wc -l | tr -d ' ')" "$(wc -l <"$TMPD/k13" | tr -d ' ')" "no line twice"

# RSA key exchange, no key log: the master secret badmac derives is exported.
"$BADMAC" --rsa-key "$FIX/pki/server.key" --export-keylog "$TMPD/krsa" "$FIX/tls12-rsa-kx.pcap" >/dev/null 2>&1
like "$(cat "$TMPD/krsa")" "^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$" "RSA-derived master secret exported"
if command -v tshark >/dev/null 2>&1; then
    n=$(tshark -r "$FIX/tls12-rsa-kx.pcap" -o "tls.keylog_file:$TMPD/krsa" -q -z follow,tls,raw,0 2>/dev/null |
        grep -cE '^\s*[0-9a-f]+$')
    ok "$([ "$n" -gt 0 ] && echo 0 || echo 1)" "tshark decrypts tls12-rsa-kx with the exported key log"
fi

# --write: keys embedded; tshark and badmac decrypt it with no key file.
"$BADMAC" --keylog "$FIX/demo-tls13.keys" --write "$TMPD/w.pcapng" "$FIX/demo-tls13.pcapng" >/dev/null 2>"$TMPD/err"
is "$?" 1 "--write: exit as the analysis"
is "$(wc -c <"$TMPD/err" | tr -d ' ')" 0 "--write: nothing on stderr"
"$BADMAC" --json "$TMPD/w.pcapng" >"$TMPD/j" 2>/dev/null
like "$(head -1 "$TMPD/j")" '"keys":"dsb"' "badmac decrypts the written file from its DSB"
"$BADMAC" --json --keylog "$FIX/demo-tls13.keys" "$FIX/demo-tls13.pcapng" >"$TMPD/j0" 2>/dev/null
is "$(head -1 "$TMPD/j" | grep -o '"first_bad_record":{[^}]*}')" \
    "$(head -1 "$TMPD/j0" | grep -o '"first_bad_record":{[^}]*}')" "same first bad record as with the key log"
if command -v tshark >/dev/null 2>&1; then
    tshark -r "$FIX/demo-tls13.pcapng" -o "tls.keylog_file:$FIX/demo-tls13.keys" -q -z follow,tls,raw,0 2>/dev/null |
        grep -E '^\s*[0-9a-f]+$' >"$TMPD/f1"
    tshark -r "$TMPD/w.pcapng" -q -z follow,tls,raw,0 2>/dev/null | grep -E '^\s*[0-9a-f]+$' >"$TMPD/f2"
    ok "$([ -s "$TMPD/f2" ] && cmp -s "$TMPD/f1" "$TMPD/f2" && echo 0 || echo 1)" \
        "tshark decrypts the written file with no key log, as the original with it"
    is "$(tshark -r "$TMPD/w.pcapng" -T fields -e frame.time_epoch 2>/dev/null | md5sum)" \
        "$(tshark -r "$FIX/demo-tls13.pcapng" -T fields -e frame.time_epoch 2>/dev/null | md5sum)" \
        "timestamps kept (nanoseconds)"
    is "$(tshark -r "$TMPD/w.pcapng" 2>/dev/null | wc -l)" "$(tshark -r "$FIX/demo-tls13.pcapng" 2>/dev/null | wc -l)" \
        "every packet copied"
fi
"$BADMAC" --keylog "$FIX/sll2.keys" --write "$TMPD/s.pcapng" "$FIX/sll2.pcap" >/dev/null 2>&1
"$BADMAC" --json "$TMPD/s.pcapng" >"$TMPD/j" 2>/dev/null
like "$(head -1 "$TMPD/j")" '"keys":"dsb".*"finished":\{"client":"ok","server":"ok"\}' "--write keeps the link type (LINUX_SLL2)"

# Usage errors: one stderr line, exit 2.
"$BADMAC" --write "$TMPD/x.pcapng" "$FIX/demo.pcapng" "$FIX/demo-c2s.pcapng" >/dev/null 2>"$TMPD/err"
is "$?:$(wc -l <"$TMPD/err" | tr -d ' ')" "2:1" "--write with two captures: refused"
"$BADMAC" --write "$FIX/demo.pcapng" "$FIX/demo.pcapng" >/dev/null 2>"$TMPD/err"
is "$?:$(wc -l <"$TMPD/err" | tr -d ' ')" "2:1" "--write onto the input: refused"
: >"$TMPD/file"
"$BADMAC" --export-plaintext "$TMPD/file" "$FIX/demo.pcapng" >/dev/null 2>"$TMPD/err"
is "$?:$(wc -l <"$TMPD/err" | tr -d ' ')" "2:1" "--export-plaintext onto a file: exit 2, one line"
"$BADMAC" --export-keylog /nonexistent/dir/k "$FIX/demo.pcapng" >/dev/null 2>"$TMPD/err"
is "$?:$(wc -l <"$TMPD/err" | tr -d ' ')" "2:1" "--export-keylog unwritable: exit 2, one line"
"$BADMAC" --write >/dev/null 2>"$TMPD/err"
is "$?" 2 "--write without argument: exit 2"
# Exports never destroy an input (issue 12): a target that is an input is
# refused before anything is opened, the input intact, exit 2.
cp "$FIX/demo.keys" "$TMPD/in.keys"
cp "$FIX/demo.pcapng" "$TMPD/in.pcapng"
"$BADMAC" --keylog "$TMPD/in.keys" --export-keylog "$TMPD/in.keys" "$TMPD/in.pcapng" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc/$(wc -l <"$TMPD/err" | tr -d ' ')" 2/1 "--export-keylog K --keylog K: refused, one stderr line, exit 2"
like "$(cat "$TMPD/err")" "that is an input \(--keylog .*in.keys\): not overwritten" "names the input"
cmp -s "$TMPD/in.keys" "$FIX/demo.keys"; ok $? "the key log is intact (it was truncated before it was read)"
"$BADMAC" --export-keylog "$TMPD/in.pcapng" "$TMPD/in.pcapng" >/dev/null 2>&1; rc=$?
cmp -s "$TMPD/in.pcapng" "$FIX/demo.pcapng" && [ "$rc" = 2 ]; ok $? "--export-keylog CAPTURE CAPTURE: refused, the capture intact"
"$BADMAC" --keylog "$TMPD/in.keys" --write "$TMPD/in.keys" "$TMPD/in.pcapng" >/dev/null 2>&1; rc=$?
cmp -s "$TMPD/in.keys" "$FIX/demo.keys" && [ "$rc" = 2 ]; ok $? "--write K --keylog K: refused, the key log intact"
# Secrets: an existing target is made 0600; a symbolic link is not followed.
printf 'old\n' >"$TMPD/old.keys"; chmod 644 "$TMPD/old.keys"
"$BADMAC" --keylog "$FIX/demo.keys" --export-keylog "$TMPD/old.keys" "$FIX/demo.pcapng" >/dev/null 2>&1
is "$(stat -c %a "$TMPD/old.keys")" 600 "an existing 0644 --export-keylog target: now 0600"
printf 'victim\n' >"$TMPD/victim"; ln -s "$TMPD/victim" "$TMPD/link.keys"
"$BADMAC" --keylog "$FIX/demo.keys" --export-keylog "$TMPD/link.keys" "$FIX/demo.pcapng" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc/$(cat "$TMPD/victim")" 2/victim "--export-keylog through a symbolic link: refused (exit 2), its target untouched"
# Written beside the target and renamed at the end: a reader of the old
# file (a hard link, an open descriptor) keeps the old bytes, no temporary
# file is left, and a target that is not a regular file is written in place.
printf 'old keys\n' >"$TMPD/r.keys"; ln "$TMPD/r.keys" "$TMPD/r-link.keys"
printf 'old capture\n' >"$TMPD/r.pcapng"
"$BADMAC" --keylog "$FIX/demo.keys" --export-keylog "$TMPD/r.keys" --write "$TMPD/r.pcapng" "$FIX/demo.pcapng" \
    >/dev/null 2>&1; rc=$?
is "$rc/$(cat "$TMPD/r-link.keys")" "1/old keys" "--export-keylog: a new file renamed over the target (a hard link keeps the old one)"
like "$(head -c 200 "$TMPD/r.keys")" "CLIENT_RANDOM|CLIENT_HANDSHAKE" "the target holds the new key log"
[ "$(od -An -tx1 -N4 "$TMPD/r.pcapng" | tr -d ' ')" = 0a0d0d0a ]; ok $? "--write: the target holds the new pcapng"
is "$(stat -c %a "$TMPD/r.keys" "$TMPD/r.pcapng" | tr '\n' ' ')" "600 600 " "both 0600"
is "$(ls -a "$TMPD" | grep -c 'badmac-')" 0 "no temporary file left beside the targets"
"$BADMAC" --keylog "$FIX/demo.keys" --export-keylog /dev/null "$FIX/demo.pcapng" >/dev/null 2>&1; rc=$?
[ -c /dev/null ] && [ "$rc" = 1 ]; ok $? "--export-keylog /dev/null: written in place, /dev/null stays a device (exit $rc)"
# A --write that fails (the capture cannot be read) leaves an existing target as it was.
printf 'keep me\n' >"$TMPD/keep.pcapng"
printf 'not a capture\n' >"$TMPD/bad.pcap"
"$BADMAC" --write "$TMPD/keep.pcapng" "$TMPD/bad.pcap" >/dev/null 2>&1; rc=$?
is "$rc/$(cat "$TMPD/keep.pcapng")/$(ls -a "$TMPD" | grep -c 'badmac-')" "2/keep me/0" \
    "--write of an unreadable capture: exit 2, the old target intact, no temporary file"

done_testing
