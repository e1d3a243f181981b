#!/bin/sh
# run.sh OUTDIR [BADMAC] - run every golden case (cases.sh) and write
# OUTDIR/NAME: badmac's stdout, then its stderr and exit status.  Run from
# anywhere; badmac runs from the top of the repository so that the paths
# it prints are the relative ones of cases.sh.  Reads no stdin.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=$1
BADMAC=${2:-${BADMAC:-$TOP/build/badmac}}
mkdir -p "$OUT"
cd "$TOP"
sh "$HERE/cases.sh" | while IFS="$(printf '\t')" read -r name args; do
    # shellcheck disable=SC2086
    set +e
    "$BADMAC" $args </dev/null >"$OUT/$name" 2>"$OUT/$name.err"
    rc=$?
    set -e
    { printf -- '--- stderr\n'; cat "$OUT/$name.err"; printf -- '--- exit %d\n' "$rc"; } >>"$OUT/$name"
    rm -f "$OUT/$name.err"
done
