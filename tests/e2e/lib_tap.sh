# lib_tap.sh - tiny TAP helpers for e2e shell tests (sourced).
# BADMAC: the binary under test (default build/badmac).
: "${BADMAC:=$(cd "$(dirname "$0")/../.." && pwd)/build/badmac}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FIX="$TOP/tests/fixtures"
T_N=0
T_FAIL=0
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
ok() { # ok COND_EXIT_STATUS NAME
    T_N=$((T_N + 1))
    if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; T_FAIL=$((T_FAIL + 1)); fi
}
is() { # is GOT WANT NAME
    T_N=$((T_N + 1))
    if [ "$1" = "$2" ]; then echo "ok $T_N - $3"; else
        echo "not ok $T_N - $3"; echo "#   got: '$1'"; echo "#   want: '$2'"; T_FAIL=$((T_FAIL + 1)); fi
}
like() { # like TEXT REGEX NAME
    T_N=$((T_N + 1))
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then echo "ok $T_N - $3"; else
        echo "not ok $T_N - $3"; echo "#   '$1' does not match /$2/"; T_FAIL=$((T_FAIL + 1)); fi
}
done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; }
