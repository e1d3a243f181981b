#!/bin/sh
# Decryption from the command line: the demo's bad record and decrypted alert,
# every clean keyed fixture fully verified (JSON), key options and their errors,
# and the decrypted application data compared with tshark's.
. "$(dirname "$0")/lib_tap.sh"
unset SSLKEYLOGFILE

"$BADMAC" --keylog "$FIX/demo.keys" "$FIX/demo.pcapng" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
is "$rc" 1 "demo with keys: exit 1"
like "$(sed -n 2p "$TMPD/out")" "client sent fatal bad_record_mac at frame" "demo: summary names the decrypted alert"
like "$(cat "$TMPD/out")" "FIRST BAD RECORD: server record #8 \(frame [0-9]+, stream offset 17915, 16408 bytes\): tag mismatch" \
    "demo: first bad record named"
like "$(cat "$TMPD/out")" "keys: keylog .*demo.keys line [0-9]+; Finished client ok, server ok; client->server [0-9]+ verified, 0 failed; server->client [0-9]+ verified, 1 FAILED" \
    "demo: keys line"
is "$(wc -c <"$TMPD/err" | tr -d ' ')" 0 "demo: nothing on stderr"
if grep -qiE "$(grep -v '^#' "$FIX/demo.keys" | awk '{print $3}' | head -1)" "$TMPD/out"; then r=1; else r=0; fi
ok "$r" "demo: the secret is not printed"

"$BADMAC" --json --keylog "$FIX/demo.keys" "$FIX/demo.pcapng" >"$TMPD/j" 2>/dev/null
got=$(python3 -c '
import json,sys
o=json.loads(open(sys.argv[1]).readline())
b=o["first_bad_record"]
print(o["keys"], o["finished"]["client"], o["finished"]["server"], b["direction"], b["index"], b["reason"],
      o["records"]["server"]["failed"], o["alerts"][0]["description"], o["alerts"][0]["inferred"])' "$TMPD/j")
is "$got" "keylog ok ok server 8 tag_mismatch 1 bad_record_mac False" "demo --json: keys, finished, first_bad_record, alert"

# Without keys the JSON fields are there, null/zero.
"$BADMAC" --json "$FIX/demo.pcapng" >"$TMPD/j" 2>/dev/null
got=$(python3 -c '
import json,sys
o=json.loads(open(sys.argv[1]).readline())
print(o["keys"], o["key_source"], o["first_bad_record"], o["finished"]["client"], o["records"]["client"]["verified"])' "$TMPD/j")
is "$got" "None None None unseen 0" "keyless --json: crypto fields null/zero"

# $SSLKEYLOGFILE is the default key log.
SSLKEYLOGFILE="$FIX/demo.keys" "$BADMAC" "$FIX/demo.pcapng" >"$TMPD/out" 2>&1
like "$(cat "$TMPD/out")" "FIRST BAD RECORD" "SSLKEYLOGFILE used when no --keylog"

# Every clean keyed fixture: exit 0, all verified, Finished ok.
grep -v '^#' "$FIX/TESTLIST" | while read -r name cap keys rest; do
    # tls13-early-data*-rejected: the rejected 0-RTT record is undecryptable by design (e2e/tls13_epochs.t)
    # merged-oversized: a record over the protocol limit fails by design (e2e/oversized.t)
    case "$name" in demo*|tcp-bad-checksum|snaplen-200|truncated-mid-record|tls12-alert-unknown-ca|tls13-alert-*|tls13-early-data*-rejected|merged-oversized) continue ;; esac
    [ -f "$FIX/$cap" ] || continue
    "$BADMAC" --json --keylog "$FIX/$keys" "$FIX/$cap" >"$TMPD/j" 2>"$TMPD/e"; rc=$?
    v=$(python3 -c '
import json,sys
bad=[]
for l in open(sys.argv[1]):
    o=json.loads(l)
    if o["type"]!="connection": continue
    r=o["records"]
    if o["keys"]!="keylog": bad.append("keys=%s"%o["keys"])
    for d in ("client","server"):
        if r[d]["failed"] or r[d]["undecryptable"] or not r[d]["verified"]: bad.append("%s %d/%d/%d"%(d,r[d]["verified"],r[d]["failed"],r[d]["undecryptable"]))
        if o["finished"][d]!="ok": bad.append("finished %s %s"%(d,o["finished"][d]))
    if o["first_bad_record"] is not None: bad.append("first_bad")
print(" ".join(bad) or "clean")' "$TMPD/j")
    echo "$rc $v" >"$TMPD/res.$name"
done
for f in "$TMPD"/res.*; do
    is "$(cat "$f")" "0 clean" "$(basename "$f" | sed 's/^res\.//'): exit 0, every record verified, Finished ok"
done

# Key options.
"$BADMAC" --rsa-key "$FIX/pki/server.key" "$FIX/tls12-rsa-kx.pcap" >"$TMPD/out" 2>&1; rc=$?
is "$rc" 0 "--rsa-key: exit 0"
like "$(cat "$TMPD/out")" "keys: RSA key .*server.key.*Finished client ok, server ok" "--rsa-key: decrypts the RSA key exchange"
"$BADMAC" --keylog "$TMPD/missing.keys" "$FIX/demo.pcapng" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 2 "unreadable key log: exit 2"
like "$(cat "$TMPD/err")" "missing.keys" "unreadable key log: named"
{ echo "CLIENT_RANDOM zz 00"; grep -v '^#' "$FIX/demo.keys"; } >"$TMPD/broken.keys"
"$BADMAC" --keylog "$TMPD/broken.keys" "$FIX/demo.pcapng" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
is "$rc" 1 "key log with a bad line: analysis goes on (exit 1: the demo fails)"
is "$(wc -l <"$TMPD/err" | tr -d ' ')" 1 "bad key line: exactly one stderr line"
like "$(cat "$TMPD/err")" "broken.keys: line 1" "bad key line: file and line"
like "$(cat "$TMPD/out")" "FIRST BAD RECORD" "bad key line: the good lines are used"
"$BADMAC" --keylog >/dev/null 2>&1; rc=$?
is "$rc" 2 "--keylog without argument: exit 2"
like "$("$BADMAC" --help)" "--keylog FILE" "--help documents --keylog"

# TLS 1.3 external PSK (gnutls, client1, 32-byte key). psk_ke (no key_share
# in the ServerHello): the PSK alone gives every secret. psk_dhe_ke: cannot
# be derived passively, said so.
PSK13=client1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
"$BADMAC" --json --psk "$PSK13" "$FIX/tls13-psk-ke.pcap" >"$TMPD/j" 2>/dev/null; rc=$?
is "$rc" 0 "tls13 psk_ke --psk: exit 0"
got=$(python3 -c '
import json,sys
o=json.loads(open(sys.argv[1]).readline())
r=o["records"]
print(o["keys"], o["finished"]["client"], o["finished"]["server"],
      r["client"]["verified"]>0 and r["server"]["verified"]>0,
      r["client"]["failed"]+r["server"]["failed"], r["client"]["undecryptable"]+r["server"]["undecryptable"])' "$TMPD/j")
is "$got" "psk ok ok True 0 0" "tls13 psk_ke --psk: keys psk, Finished ok both, all records verified"
"$BADMAC" --json --psk client1:00 "$FIX/tls13-psk-ke.pcap" >"$TMPD/j" 2>/dev/null
got=$(python3 -c '
import json,sys
o=json.loads(open(sys.argv[1]).readline())
print(o["keys"], o["records"]["server"]["failed"]>0, o["first_bad_record"] is not None)' "$TMPD/j")
is "$got" "psk True True" "tls13 psk_ke with the wrong PSK: keys psk, records fail"
"$BADMAC" --psk client1:00 "$FIX/tls13-psk-ke.pcap" >"$TMPD/out" 2>/dev/null
like "$(cat "$TMPD/out")" "problem: no record verifies under the keys derived from the PSK" "tls13 psk_ke wrong PSK: problem line"
"$BADMAC" --json "$FIX/tls13-psk-ke.pcap" >"$TMPD/j" 2>/dev/null
is "$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["keys"])' "$TMPD/j")" None \
    "tls13 psk_ke without --psk: no keys"
"$BADMAC" --psk "$PSK13" "$FIX/tls13-psk-dhe.pcap" >"$TMPD/out" 2>/dev/null
like "$(cat "$TMPD/out")" "problem: PSK with \(EC\)DHE: .*export a key log" "tls13 psk_dhe_ke: problem line, export a key log"
like "$(cat "$TMPD/out")" "keys: none found" "tls13 psk_dhe_ke: not decrypted"

# NULL suites: no encryption, only the MAC; a flipped bit in the (readable)
# body of a record is a MAC mismatch at exactly that record.
for n in tls12-null-sha256 tls10-null-sha; do
    fl=$(python3 "$FIX/flip_pcap.py" "$FIX/$n.pcap" "$TMPD/$n-bad.pcap" --dir s2c --nth-app 0 --byte 4 --bit 1)
    "$BADMAC" --json --keylog "$FIX/$n.keys" "$TMPD/$n-bad.pcap" >"$TMPD/j" 2>/dev/null
    got=$(python3 -c '
import json,sys
o=json.loads(open(sys.argv[1]).readline()); b=o["first_bad_record"] or {}; r=o["records"]["server"]
print(b.get("direction"), b.get("index"), b.get("reason"), r["failed"])' "$TMPD/j")
    is "$got" "server ${fl% *} mac_mismatch 1" "$n: a flipped bit fails exactly that record, MAC mismatch"
done

# The application data badmac decrypts is what tshark decrypts: compare the
# number of verified application_data bytes is not exposed, so compare the
# alert tshark reads with ours (the cheap cross-check).
if command -v tshark >/dev/null 2>&1; then
    ts=$(tshark -r "$FIX/demo-tls13.pcapng" -o "tls.keylog_file:$FIX/demo-tls13.keys" -Y 'tls.alert_message.desc' \
        -T fields -e tls.alert_message.desc 2>/dev/null | head -1)
    is "$ts" 20 "tshark reads the same decrypted alert (bad_record_mac) in demo-tls13"
    "$BADMAC" --json --keylog "$FIX/demo-tls13.keys" "$FIX/demo-tls13.pcapng" >"$TMPD/j" 2>/dev/null
    got=$(python3 -c '
import json,sys
o=json.loads(open(sys.argv[1]).readline())
print([a["description"] for a in o["alerts"] if a["level"]=="fatal"][0])' "$TMPD/j")
    is "$got" "bad_record_mac" "badmac: demo-tls13 fatal alert decrypted"
fi
done_testing
