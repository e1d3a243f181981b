#!/bin/sh
# The TLS 1.2 PSK key exchanges (RFC 4279, RFC 5489) on real captures
# (tests/fixtures/tls12-*psk*, made by regen.sh; identity client12).
#
# RSA_PSK decrypts with --psk and --rsa-key together, without a key log;
# with only one of them it is not decrypted and a problem line says what is
# missing. DHE_PSK/ECDHE_PSK: --psk alone cannot decrypt them (the (EC)DH
# secret is in no capture): a problem line says a key log is needed; with
# the key log everything verifies. Plain PSK with an identity hint and the
# PSK suites seen in the field decrypt with --psk. --export-keylog of the
# RSA_PSK run is a key log tshark decrypts with, to the same bytes as
# badmac's --export-plaintext. Tamper twins (tests/fixtures/flip_pcap.py:
# one bit of an application_data record flipped, a TCP checksum that
# verified recomputed, an offloaded one left as captured: none counted bad)
# fail at exactly that record.
. "$(dirname "$0")/lib_tap.sh"
unset SSLKEYLOGFILE
PSK=client12:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809
RSA=$FIX/pki/server.key

# summ CAPTURE OPTIONS...: per connection "KEYS SUITE STATE": STATE is
# "clean" (every record verified, both Finished ok) or what is not: DIR:
# verified/failed/undecryptable, fin-DIR:STATUS, bad:DIR#INDEX@FRAME:REASON,
# badcsum:N. Exit status in $TMPD/rc, text problems from `probs`.
summ() {
    s_cap=$1; shift
    "$BADMAC" --json "$@" "$s_cap" >"$TMPD/j" 2>"$TMPD/e"; echo $? >"$TMPD/rc"
    python3 - "$TMPD/j" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] != "connection":
        continue
    r, bad = o["records"], []
    for d in ("client", "server"):
        if r[d]["failed"] or r[d]["undecryptable"] or not r[d]["verified"]:
            bad.append("%s:%d/%d/%d" % (d, r[d]["verified"], r[d]["failed"], r[d]["undecryptable"]))
        if o["finished"][d] != "ok":
            bad.append("fin-%s:%s" % (d, o["finished"][d]))
    b = o["first_bad_record"]
    if b:
        bad.append("bad:%s#%d@%d:%s" % (b["direction"], b["index"], b["frame"], b["reason"]))
    if o["tcp"]["bad_checksums"]:
        bad.append("badcsum:%d" % o["tcp"]["bad_checksums"])
    print(o["keys"], "0x%04x" % o["cipher_suite_id"], " ".join(bad) or "clean")
PY
}
probs() { "$BADMAC" "$@" 2>/dev/null | grep '^  problem: '; }
ND='client:0/0/[1-9][0-9]* fin-client:unseen server:0/0/[1-9][0-9]* fin-server:unseen' # not decrypted

# ---- RSA_PSK: --psk and --rsa-key, no key log
for x in tls12-rsa-psk:0x00ac tls12-rsa-psk-gnutls:0x00b6; do
    n=${x%:*} suite=${x#*:} cap=$FIX/${x%:*}.pcap
    is "$(summ "$cap" --psk "$PSK" --rsa-key "$RSA")" "psk $suite clean" \
        "$n --psk --rsa-key: keys psk, every record verified, both Finished ok"
    is "$(cat "$TMPD/rc")" 0 "$n --psk --rsa-key: exit 0"
    like "$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["key_source"])' "$TMPD/j")" \
        '^--psk \+ RSA key .*server\.key key 1$' "$n: key_source names the PSK and the RSA key"
    if grep -q "${PSK#*:}" "$TMPD/j"; then r=1; else r=0; fi
    ok "$r" "$n: the PSK is not printed"
    like "$(summ "$cap" --psk "$PSK")" "^None $suite $ND\$" "$n --psk only: not decrypted, nothing failed"
    like "$(probs --psk "$PSK" "$cap")" "RSA_PSK key exchange: the PSK is not enough.*give its private key with --rsa-key" \
        "$n --psk only: the problem says --rsa-key is needed"
    like "$(summ "$cap" --rsa-key "$RSA")" "^None $suite $ND\$" "$n --rsa-key only: not decrypted, nothing failed"
    like "$(probs --rsa-key "$RSA" "$cap")" 'RSA_PSK key exchange: no --psk for the identity "client12"' \
        "$n --rsa-key only: the problem names the identity that has no PSK"
    like "$(summ "$cap" --psk client12:00 --rsa-key "$RSA")" \
        "^psk $suite client:0/[1-9][0-9]*/0 fin-client:failed server:0/[1-9][0-9]*/0 fin-server:failed bad:" \
        "$n with a wrong PSK: keys psk, nothing verifies"
    like "$(probs --psk client12:00 --rsa-key "$RSA" "$cap")" "no record verifies under the keys derived from the PSK.*wrong PSK" \
        "$n with a wrong PSK: the problem says wrong PSK"
done

# ---- DHE_PSK, ECDHE_PSK: the PSK is not enough; the key log is
for x in tls12-dhe-psk:0x00aa:DHE_PSK tls12-ecdhe-psk:0xccac:ECDHE_PSK; do
    n=${x%%:*} kx=${x##*:} suite=${x#*:}; suite=${suite%:*}; cap=$FIX/$n.pcap
    like "$(summ "$cap" --psk "$PSK")" "^None $suite $ND\$" "$n --psk only: not decrypted, nothing failed"
    is "$(cat "$TMPD/rc")" 0 "$n --psk only: exit 0"
    like "$(probs --psk "$PSK" "$cap")" "problem: $kx key exchange: .*the PSK alone cannot decrypt it: export a key log" \
        "$n --psk only: the problem says a key log is needed"
    is "$(summ "$cap" --keylog "$FIX/$n.keys" --psk "$PSK")" "keylog $suite clean" \
        "$n with the key log: keys keylog, every record verified, both Finished ok"
    is "$(probs --keylog "$FIX/$n.keys" --psk "$PSK" "$cap")" "" "$n with the key log: no problem line"
done

# ---- plain PSK: identity hint in the ServerKeyExchange; the suites of the field
is "$(summ "$FIX/tls12-psk-hint.pcap" --psk "$PSK")" "psk 0xc0a4 clean" \
    "tls12-psk-hint (PSK-AES128-CCM) --psk: every record verified, both Finished ok"
is "$(summ "$FIX/tls12-psk-suites.pcap" --psk "$PSK" | tr '\n' ' ')" \
    "psk 0x008c clean psk 0x00ae clean psk 0x00a8 clean psk 0xccab clean psk 0xc0a8 clean " \
    "tls12-psk-suites --psk: CBC-SHA, CBC-SHA256, GCM, CHACHA20, CCM_8 all verified"
is "$(cat "$TMPD/rc")" 0 "tls12-psk-suites --psk: exit 0"
is "$(probs --psk someone-else:00 "$FIX/tls12-psk-suites.pcap" | grep -c 'PSK key exchange: no --psk for the identity "client12"$')" 5 \
    "tls12-psk-suites with another identity's PSK: each connection names the identity without a PSK"

# ---- --export-keylog of the RSA_PSK run: tshark decrypts with it, to the same bytes
hexof() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read().hex())' "$1" 2>/dev/null; }
"$BADMAC" --psk "$PSK" --rsa-key "$RSA" --export-keylog "$TMPD/k.log" --export-plaintext "$TMPD/pt" \
    "$FIX/tls12-rsa-psk.pcap" >/dev/null 2>&1
like "$(grep -v '^#' "$TMPD/k.log" | awk '{print $1, length($2), length($3)}' | tr '\n' ';')" '^CLIENT_RANDOM 64 96;$' \
    "tls12-rsa-psk --export-keylog: one CLIENT_RANDOM line"
if command -v tshark >/dev/null 2>&1; then
    tshark -r "$FIX/tls12-rsa-psk.pcap" -q -o "tls.keylog_file:$TMPD/k.log" -z follow,tls,raw,0 2>/dev/null >"$TMPD/follow"
    like "$(grep '^Node 0:' "$TMPD/follow")" '^Node 0: 127\.0\.0\.1:[0-9]+$' "tshark: node 0 is the client"
    node0=$(grep '^Node 0:' "$TMPD/follow" | sed 's/.*://')
    [ "$node0" != 443 ] || node0=
    c=$(grep -E '^[0-9a-f]+$' "$TMPD/follow" | tr -d '\n')
    s=$(grep -E '^	[0-9a-f]+$' "$TMPD/follow" | tr -d '\t\n')
    is "$(hexof "$TMPD/pt/1-client.bin")" "${node0:+$c}" "tls12-rsa-psk client data = tshark's with the exported key log"
    is "$(hexof "$TMPD/pt/1-server.bin")" "${node0:+$s}" "tls12-rsa-psk server data = tshark's with the exported key log"
    like "$c" '^474554202f70312e68746d6c' "tshark's client data is the GET /p1.html"
else
    for i in 1 2 3 4; do echo "ok $((T_N + i)) # SKIP tshark not installed"; done
    T_N=$((T_N + 4))
fi

# ---- tamper twins: one bit of the first server application_data record
for x in "tls12-rsa-psk:tag_mismatch:--psk $PSK --rsa-key $RSA" \
         "tls12-rsa-psk-gnutls:(mac_mismatch|bad_padding):--psk $PSK --rsa-key $RSA" \
         "tls12-psk-hint:tag_mismatch:--psk $PSK" "tls12-psk-suites:(mac_mismatch|bad_padding):--psk $PSK" \
         "tls12-ecdhe-psk:tag_mismatch:--keylog $FIX/tls12-ecdhe-psk.keys"; do
    n=${x%%:*} rest=${x#*:}; reason=${rest%%:*} opts=${rest#*:}
    at=$(python3 "$FIX/flip_pcap.py" "$FIX/$n.pcap" "$TMPD/$n-flip.pcap" --dir s2c --nth-app 0 --byte 20 --bit 2)
    idx=${at% *} frame=${at#* }
    # shellcheck disable=SC2086
    got=$(summ "$TMPD/$n-flip.pcap" $opts | grep -v ' clean$')
    like "$got" "^[a-z]+ 0x[0-9a-f]{4} server:[1-9][0-9]*/1/0 bad:server#$idx@$frame:$reason\$" \
        "$n flipped (server record #$idx, frame $frame): exactly that record fails, all else verifies, checksum valid"
    is "$(printf '%s\n' "$got" | wc -l | tr -d ' ')" 1 "$n flipped: one connection affected"
    # no alert (the capture is altered after the fact), but a record proven
    # bad: failed by the one definition (docs/diagnoses.md), exit 1
    is "$(cat "$TMPD/rc")" 1 "$n flipped: exit 1 (a record proven bad; no alert: the capture is altered after the fact)"
done
done_testing
