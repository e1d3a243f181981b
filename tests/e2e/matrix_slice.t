#!/bin/sh
# The interop matrix slice: real peers (OpenSSL, GnuTLS, mbedTLS, wolfSSL)
# through `badmac relay`, TLS 1.2 + 1.3, faults none/flip/drop, and one
# interception cell (openssl/openssl TLS 1.2: `badmac relay --intercept`,
# judged by `badmac compare`; skipped while the relay has no --intercept);
# one TAP line per cell (tests/matrix/run.sh --slice).  Needs python3,
# openssl, gnutls-bin, libmbedtls-dev, libwolfssl-dev.
. "$(dirname "$0")/lib_tap.sh"
for t in python3 openssl gnutls-serv gnutls-cli cc; do
    command -v "$t" >/dev/null || { echo "1..0 # SKIP $t missing"; exit 0; }
done
[ -x "$BADMAC" ] || { echo "1..0 # SKIP $BADMAC not built"; exit 0; }
MATRIX_OUT=$TMPD/matrix BADMAC=$BADMAC sh "$TOP/tests/matrix/run.sh" --slice \
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
is "$rc" 0 "run.sh --slice exits 0"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMPD/err" | tail -20
done_testing
