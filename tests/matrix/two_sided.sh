#!/bin/sh
# two_sided.sh - the two-vantage-point corpus: real peers through `badmac
# relay`, whose pcapng holds both legs (interface 0 client side, 1 server
# side), compared with `badmac compare --split-interfaces --keylog`.
#
#   cells: openssl s_server/s_client, TLS 1.2 and 1.3 (AES-GCM), faults
#          none, flip, burst, drop, dup, truncate (matrix.py's, on the 2nd
#          large server record: injected BETWEEN the two points);
#          outside-s2c / outside-c2s: a second relay outside the points flips
#          a bit after (s2c) / before (c2s) both of them (TLS 1.3);
#          sender: mbedtls_peer server --fault etm-flip (TLS 1.2 CBC, EtM),
#          a sender fault at an endpoint;
#          nat: s_client and s_server in their own network namespaces behind
#          a kernel NAT (nftables masquerade + dnat), tcpdump at both ends
#          (skipped when ip netns / nft are not usable).
#
# Output: $TWO_SIDED_OUT (default tests/matrix/out/two_sided)/CELL/ with the
# captures, keys.log, relay.jsonl, compare.json (JSON Lines) and compare.rc;
# cells.json lists them.  stdout: one line per cell.  BADMAC overrides the
# binary.  Exit 0 unless the harness itself failed.  ~20 s.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${BADMAC:=$TOP/build/badmac}"
: "${TWO_SIDED_OUT:=$TOP/tests/matrix/out/two_sided}"
export BADMAC TWO_SIDED_OUT
[ -x "$BADMAC" ] || { echo "two_sided.sh: $BADMAC missing (make)" >&2; exit 2; }
exec python3 "$HERE/two_sided.py" "$@" </dev/null
