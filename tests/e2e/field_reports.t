#!/bin/sh
# The five field reports (/work/shared/field-reports): each reproduction in
# tests/matrix/field/*.sh runs (real peers through `badmac relay`, ~40 s in
# all) and tests/matrix/field/check.py asserts badmac's verdict is the
# report's true cause.  Needs python3, openssl, gnutls-bin, the peers.
. "$(dirname "$0")/lib_tap.sh"
for t in python3 openssl gnutls-serv gnutls-cli cc; do
    command -v "$t" >/dev/null || { echo "1..0 # SKIP $t missing"; exit 0; }
done
[ -x "$BADMAC" ] || { echo "1..0 # SKIP $BADMAC not built"; exit 0; }
export BADMAC
F=$TOP/tests/matrix/field
for n in office-path-tls13 stale-resumption-tls10 big-record-flip post-vs-get-mbedtls etm-flag-corruption; do
    FIELD_OUT=$TMPD sh "$F/$n.sh" >"$TMPD/$n.out" 2>"$TMPD/$n.err"
    ok $? "$n: the failure is reproduced"
    python3 "$F/check.py" "$n" "$TMPD/$n" >"$TMPD/$n.tap" 2>&1
    while IFS= read -r line; do
        case $line in
        "ok "*) T_N=$((T_N + 1)); echo "ok $T_N - ${line#ok * - }" ;;
        "not ok "*) T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - ${line#not ok * - }" ;;
        *) echo "$line" ;;
        esac
    done <"$TMPD/$n.tap"
done
done_testing
