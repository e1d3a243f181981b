#!/bin/sh
# build.sh - build the interop test peers into tests/peers/out/:
#   mbedtls_peer  (libmbedtls-dev, mbedTLS 2.28)
#   wolfssl_peer  (libwolfssl-dev, wolfSSL 5.5)
#   JsseClient.class  (openjdk-17-jdk-headless: javac, OpenJDK 17 JSSE)
# (py_peer.py needs no build; nginx, HAProxy and curl are Debian's.)
# A peer whose headers are missing is skipped with a message (exit 0 if at
# least one was built, 3 if none). CC, CFLAGS may be overridden.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/out
CC=${CC:-cc}
CFLAGS=${CFLAGS:-"-O2 -g"}
WARN="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla"
mkdir -p "$OUT"
built=0
have_header() { printf '#include <%s>\n' "$1" | $CC -E - >/dev/null 2>&1; }

if have_header mbedtls/ssl.h; then
    # shellcheck disable=SC2086
    $CC $WARN $CFLAGS -o "$OUT/mbedtls_peer.tmp" "$HERE/mbedtls_peer.c" "$HERE/mbedtls_store.c" \
        "$HERE/peer_common.c" -lmbedtls -lmbedx509 -lmbedcrypto
    mv "$OUT/mbedtls_peer.tmp" "$OUT/mbedtls_peer"
    echo "built $OUT/mbedtls_peer"
    built=$((built + 1))
else
    echo "skip mbedtls_peer: <mbedtls/ssl.h> missing (apt-get install libmbedtls-dev)"
fi
if have_header wolfssl/options.h; then
    # shellcheck disable=SC2086
    $CC $WARN $CFLAGS -o "$OUT/wolfssl_peer.tmp" "$HERE/wolfssl_peer.c" \
        "$HERE/peer_common.c" -lwolfssl
    mv "$OUT/wolfssl_peer.tmp" "$OUT/wolfssl_peer"
    echo "built $OUT/wolfssl_peer"
    built=$((built + 1))
else
    echo "skip wolfssl_peer: <wolfssl/options.h> missing (apt-get install libwolfssl-dev)"
fi
if command -v javac >/dev/null 2>&1; then
    if [ ! -f "$OUT/JsseClient.class" ] || [ "$HERE/JsseClient.java" -nt "$OUT/JsseClient.class" ]; then
        javac -nowarn -d "$OUT" "$HERE/JsseClient.java"
        echo "built $OUT/JsseClient.class"
    fi
    built=$((built + 1))
else
    echo "skip JsseClient: javac missing (apt-get install openjdk-17-jdk-headless)"
fi
[ "$built" -gt 0 ] || exit 3
