#!/bin/sh
# run.sh [--slice] [--rows REGEX] [--faults F,F] - the interop matrix: real
# TLS peers (OpenSSL s_server/s_client, GnuTLS gnutls-serv/gnutls-cli,
# tests/peers mbedtls_peer and wolfssl_peer) talk through `badmac relay` on
# 127.0.0.1, the relay injects one fault per cell (none, flip, burst, drop,
# dup, swap, truncate, oversized) and badmac, given the key log, must name
# the broken record; in the intercept cell the relay terminates TLS with its
# own CA and `badmac compare` must name the interception.  Application
# peers (Python ssl, curl, Java JSSE clients; nginx, HAProxy, Python
# servers; matrix.APP_PAIRS) get rows of their own, a section of
# docs/interop.md with each peer's reaction (alert, silent FIN, RST, hang);
# every cell also records badmac's verdict without keys (badmac-nokeys.json).
#
#   sh tests/matrix/run.sh           full matrix -> docs/interop.md (~12 min)
#   sh tests/matrix/run.sh --slice   4 pairs x TLS 1.2/1.3 x none/flip/drop,
#                                    + 1 intercept cell, + python/openssl 1.3
#                                    and openssl/nginx 1.2 none/flip (CI)
#   sh tests/matrix/run.sh --rows 'gnutls-gnutls_tls1.2' --faults flip,intercept
#                                    rows whose id matches, those columns
#                                    ('none' always runs) -> out/partial/
#   sh tests/matrix/run.sh --rows '^(python|curl|java)[-+]|-(nginx|haproxy|python)_'
#   python3 tests/matrix/app_doc.py  the application peers' rows (~4 min),
#                                    then their section of docs/interop.md
#
# stdout: one line per cell "PASS|FAIL|SKIP ROW FAULT VERDICT -- DETAIL";
# stderr: progress.  Files: tests/matrix/out/full.{md,json} and
# tests/matrix/out/cells/ROW/FAULT/ (capture.pcapng, keys.log, relay.jsonl,
# client.*, server.*, badmac.json; intercept: relay.keys, compare.json);
# the slice: tests/matrix/out/slice/, a filtered run: tests/matrix/out/partial/.
# `python3 tests/matrix/matrix.py --rejudge` re-evaluates the saved cells
# (e.g. after a badmac change) without running the peers again.  MATRIX_OUT overrides the output
# directory, BADMAC the binary.  Exit 0 when no cell failed.  Reads no stdin.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${BADMAC:=$TOP/build/badmac}"
export BADMAC
OUT=${MATRIX_OUT:-$TOP/tests/matrix/out}
if [ ! -x "$BADMAC" ] && [ -x "$OUT/bin/badmac" ]; then
    echo "run.sh: $BADMAC missing, using the copy of the last run" >&2
    BADMAC=$OUT/bin/badmac.last
    cp "$OUT/bin/badmac" "$BADMAC"
fi
[ -x "$BADMAC" ] || { echo "run.sh: $BADMAC missing (make)" >&2; exit 2; }
for t in python3 openssl gnutls-serv gnutls-cli; do
    command -v "$t" >/dev/null || { echo "run.sh: $t missing" >&2; exit 2; }
done
sh "$TOP/tests/peers/build.sh" >&2
# A private copy: other builds may relink build/badmac while the matrix runs.
mkdir -p "$OUT/bin"
cp "$BADMAC" "$OUT/bin/badmac.tmp" && mv "$OUT/bin/badmac.tmp" "$OUT/bin/badmac"
BADMAC=$OUT/bin/badmac
exec python3 "$HERE/matrix.py" "$@" </dev/null
