#!/bin/sh
# The interop matrix slice: real peers (OpenSSL, GnuTLS, mbedTLS, wolfSSL)
# through `badmac relay`, TLS 1.2 + 1.3, faults none/flip/drop, and one
# interception cell (openssl/openssl TLS 1.2: `badmac relay --intercept`,
# judged by `badmac compare`; skipped while the relay has no --intercept),
# and two application-peer rows (none + flip): a Python ssl client against
# openssl s_server (TLS 1.3) and openssl s_client against nginx (TLS 1.2);
# one TAP line per cell (tests/matrix/run.sh --slice).  Needs python3,
# openssl, gnutls-bin, libmbedtls-dev, libwolfssl-dev (nginx-light: else
# its cells are skipped).
. "$(dirname "$0")/lib_tap.sh"
for t in python3 openssl gnutls-serv gnutls-cli cc; do
    command -v "$t" >/dev/null || { echo "1..0 # SKIP $t missing"; exit 0; }
done
[ -x "$BADMAC" ] || { echo "1..0 # SKIP $BADMAC not built"; exit 0; }
MATRIX_OUT_DIR=$TMPD/matrix
MATRIX_OUT=$MATRIX_OUT_DIR BADMAC=$BADMAC sh "$TOP/tests/matrix/run.sh" --slice \
    >"$TMPD/cells" 2>"$TMPD/err"; rc=$?
n=0
while read -r st row fault verdict rest; do
    case $st in
    PASS) ok 0 "$row $fault: $verdict"; n=$((n + 1)) ;;
    FAIL) ok 1 "$row $fault: $verdict $rest"; n=$((n + 1)) ;;
    SKIP) T_N=$((T_N + 1)); echo "ok $T_N - $row $fault # SKIP $rest" ;;
    esac
done <"$TMPD/cells"
[ "$n" -ge 15 ]; ok $? "the slice ran at least 15 cells (ran $n)"
if "$BADMAC" relay --help 2>&1 | grep -q -- --intercept; then
    grep -q '^PASS [^ ]* intercept FOUND_interception ' "$TMPD/cells"
    ok $? "the relay has --intercept: the interception cell ran and passed"
fi
grep -q '^PASS python-openssl_tls1.3_AES-GCM flip FOUND_#[0-9]*_in_path_corruption ' "$TMPD/cells"
ok $? "python ssl client / openssl: the flipped record found, in_path_corruption"
if command -v nginx >/dev/null; then
    grep -q '^PASS openssl-nginx_tls1.2_AES-GCM flip FOUND_#[0-9]*_in_path_corruption ' "$TMPD/cells"
    ok $? "openssl / nginx: the flipped record found, in_path_corruption"
fi
# what the peers did and the keyless verdict, as recorded in slice.json:
# both clients (Python's ssl with a blocking socket, s_client) send a
# fatal bad_record_mac alert; without keys the cell is still judged
python3 - "$MATRIX_OUT_DIR/slice/slice.json" >"$TMPD/react" 2>&1 <<'PY'
import json, sys
rows = {r["row"]: r for r in json.load(open(sys.argv[1]))["rows"]}
for rid in ("python-openssl_tls1.3_AES-GCM", "openssl-nginx_tls1.2_AES-GCM"):
    c = rows.get(rid, {}).get("cells", {}).get("flip")
    if c is None or c["verdict"] == "n/a":
        continue
    print(rid, c["client_reaction"][0], "keyless" if c.get("keyless") else "no-keyless")
PY
like "$(cat "$TMPD/react")" '^python-openssl_tls1.3_AES-GCM alert bad_record_mac keyless$' \
    "python ssl client: alert bad_record_mac recorded, keyless verdict recorded"
if command -v nginx >/dev/null; then
    like "$(cat "$TMPD/react")" 'openssl-nginx_tls1.2_AES-GCM alert bad_record_mac keyless' \
        "openssl / nginx: the client's alert recorded, keyless verdict recorded"
fi
is "$rc" 0 "run.sh --slice exits 0"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMPD/err" | tail -20
done_testing
