/* mbedtls_store.h - a file-backed session cache for mbedtls_peer (one file
 * per session id in a directory, so several server processes can share it),
 * with an optional "stale master secret" fault. */
#ifndef MBEDTLS_STORE_H
#define MBEDTLS_STORE_H

#include <mbedtls/ssl.h>

struct mbedtls_store {
    const char *dir;
    int stale;      /* resume with the master secret of the previously stored session */
};

void mbedtls_store_init(struct mbedtls_store *s, const char *dir, int stale);
int mbedtls_store_get(void *ctx, mbedtls_ssl_session *session);
int mbedtls_store_set(void *ctx, const mbedtls_ssl_session *session);
int mbedtls_store_save_file(const char *file, const mbedtls_ssl_session *session);
int mbedtls_store_load_file(const char *file, mbedtls_ssl_session *session);

#endif
