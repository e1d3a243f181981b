/*
 * crypto.h - the crypto context: one per analysis run, owned by the caller.
 *
 * It holds a private OSSL_LIB_CTX with the default and (when installed)
 * legacy providers loaded, and every algorithm badmac uses, fetched once:
 * nothing touches libcrypto's global default context. A bm_crypto_ctx is
 * read-only after bm_crypto_new(), so any number of bm_rec objects (rec.h)
 * may share it; it MUST outlive them.
 */
#ifndef BM_CRYPTO_CRYPTO_H
#define BM_CRYPTO_CRYPTO_H

#include <stdbool.h>

#include "suite.h"

typedef struct bm_crypto_ctx bm_crypto_ctx;

/* NULL when libcrypto cannot even provide the default algorithms. */
bm_crypto_ctx *bm_crypto_new(void);
void bm_crypto_free(bm_crypto_ctx *c);

/* Whether records under this cipher / MAC hash can be processed here
 * (RC4, DES and SEED need OpenSSL's legacy provider). */
bool bm_crypto_has_cipher(const bm_crypto_ctx *c, bm_cipher id);
bool bm_crypto_has_hash(const bm_crypto_ctx *c, bm_hash h);

#endif
