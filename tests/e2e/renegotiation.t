#!/bin/sh
# TLS 1.2 renegotiation on real captures (tests/fixtures/tls12-renegotiation*,
# made by regen.sh with interactive openssl s_server / s_client):
# the second handshake travels inside the first one's protected records, its
# ChangeCipherSpec is encrypted, and each direction switches keys at its own
# CCS. Every record of both handshakes verifies (key log, or the RSA key
# alone for the full renegotiation with RSA key exchange), the Finished of
# both handshakes are checked, the data after the renegotiation is exported
# byte for byte, a key log missing the second handshake leaves the later
# records unchecked (not failed), and a flipped bit after the renegotiation
# fails at exactly that record.
. "$(dirname "$0")/lib_tap.sh"
unset SSLKEYLOGFILE
RSA=$FIX/pki/server.key

# summ CAPTURE OPTIONS...: "client V/F/U fin server V/F/U fin first_bad" of
# the first connection, and the problems in $TMPD/p
summ() {
    s_cap=$1; shift
    "$BADMAC" --json "$@" "$s_cap" >"$TMPD/j" 2>/dev/null
    python3 - "$TMPD/j" "$TMPD/p" <<'PY'
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if '"type":"connection"' in l][0]
open(sys.argv[2], "w").write("\n".join(c.get("problems", [])) + "\n")
out = []
for d in ("client", "server"):
    r = c["records"][d]
    out.append("%s %d/%d/%d %s" % (d, r["verified"], r["failed"], r["undecryptable"], c["finished"][d]))
b = c["first_bad_record"]
out.append("bad:%s#%d:%s" % (b["direction"], b["index"], b["reason"]) if b else "bad:none")
print(" ".join(out))
PY
}

# ---- server-initiated (HelloRequest), abbreviated: the client resumes its session
R=$FIX/tls12-renegotiation
is "$(summ "$R.pcap" --keylog "$R.keys")" "client 7/0/0 ok server 8/0/0 ok bad:none" \
    "server-initiated: every record of both handshakes verifies, Finished ok"
if grep -q -i "ChangeCipherSpec" "$TMPD/p"; then r=1; else r=0; fi
ok "$r" "server-initiated: the encrypted ChangeCipherSpec is not called malformed"
like "$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["diagnosis"]["cause"])' "$TMPD/j")" \
    '^healthy$' "server-initiated: healthy"
"$BADMAC" --keylog "$R.keys" --export-plaintext "$TMPD/x" "$R.pcap" >/dev/null 2>&1
is "$(cat "$TMPD/x/1-client.bin")" "$(printf "client 1: first handshake's keys\nclient 2: renegotiated keys")" \
    "server-initiated: the client's data of both handshakes exported"
is "$(cat "$TMPD/x/1-server.bin")" "$(printf "server 1: first handshake's keys\nserver 2: renegotiated keys")" \
    "server-initiated: the server's data of both handshakes exported"
# the same bytes as tshark decrypts (it follows renegotiations with the key log)
tsh=$(tshark -r "$R.pcap" -q -o "tls.keylog_file:$R.keys" -d tcp.port==443,tls -z follow,tls,raw,0 2>/dev/null \
    | python3 -c '
import sys
c, s = bytearray(), bytearray()
for line in sys.stdin:
    t = line.rstrip("\n")
    h = t.strip()
    if h and all(ch in "0123456789abcdef" for ch in h):
        (s if t.startswith("\t") else c).extend(bytes.fromhex(h))
print(c.hex(), s.hex())')
is "$tsh" "$(od -An -v -tx1 "$TMPD/x/1-client.bin" | tr -d ' \n') $(od -An -v -tx1 "$TMPD/x/1-server.bin" | tr -d ' \n')" \
    "server-initiated: exported data identical to tshark's decryption"

# ---- an abbreviated renegotiation resumes the connection's own session:
#      the first handshake's key log line is all it takes
grep -m1 '^CLIENT_RANDOM' "$R.keys" >"$TMPD/first.keys"
is "$(summ "$R.pcap" --keylog "$TMPD/first.keys")" "client 7/0/0 ok server 8/0/0 ok bad:none" \
    "abbreviated renegotiation, first handshake's keys only: the session's master secret carries on"

# ---- client-initiated full renegotiation, RSA key exchange, CBC + EtM + EMS
R2=$FIX/tls12-renegotiation-rsa
is "$(summ "$R2.pcap" --keylog "$R2.keys")" "client 8/0/0 ok server 9/0/0 ok bad:none" \
    "full renegotiation, key log: every record verifies, Finished ok"
is "$(summ "$R2.pcap" --rsa-key "$RSA")" "client 8/0/0 ok server 9/0/0 ok bad:none" \
    "full renegotiation, RSA key alone: both ClientKeyExchanges decrypted, every record verifies"
# a key log without the second handshake: its records are unchecked, not failed
grep -m1 '^CLIENT_RANDOM' "$R2.keys" >"$TMPD/first2.keys"
like "$(summ "$R2.pcap" --keylog "$TMPD/first2.keys")" \
    '^client [1-9][0-9]*/0/[1-9][0-9]* ok server [1-9][0-9]*/0/[1-9][0-9]* ok bad:none$' \
    "full renegotiation, first handshake's keys only: the records after each CCS unchecked, none failed"
like "$(cat "$TMPD/p")" 'renegotiation: no key material' "... and a problem line says the renegotiation's keys are missing"
"$BADMAC" --rsa-key "$RSA" --export-keylog "$TMPD/k" "$R2.pcap" >/dev/null 2>&1
is "$(grep -c '^CLIENT_RANDOM' "$TMPD/k")" 2 "full renegotiation: --export-keylog writes both handshakes' master secrets"

# ---- tamper twin: one bit of the server's record after the renegotiation
flip=$(python3 "$FIX/flip_pcap.py" "$R.pcap" "$TMPD/bad.pcap" --dir s2c --nth-app 1 --byte 10 --bit 3)
idx=${flip% *}
is "$(summ "$TMPD/bad.pcap" --keylog "$R.keys")" "client 7/0/0 ok server 7/1/0 ok bad:server#$idx:tag_mismatch" \
    "flipped bit after the renegotiation: exactly that record fails (tag), the rest verifies"
flip=$(python3 "$FIX/flip_pcap.py" "$R2.pcap" "$TMPD/bad2.pcap" --dir c2s --nth-app 1 --byte 30 --bit 0)
idx=${flip% *}
is "$(summ "$TMPD/bad2.pcap" --rsa-key "$RSA")" "client 7/1/0 ok server 9/0/0 ok bad:client#$idx:mac_mismatch" \
    "CBC: flipped bit after the renegotiation fails that record (MAC), the rest verifies"

done_testing
