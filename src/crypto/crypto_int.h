/*
 * crypto_int.h - private to src/crypto: the context's fetched algorithms.
 * This and the .c files next to it are the only places that include
 * OpenSSL headers.
 */
#ifndef BM_CRYPTO_CRYPTO_INT_H
#define BM_CRYPTO_CRYPTO_INT_H

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/provider.h>

#include "crypto.h"

struct bm_crypto_ctx {
    OSSL_LIB_CTX *lib;
    OSSL_PROVIDER *prov_default;
    OSSL_PROVIDER *prov_legacy;             /* NULL when not installed */
    EVP_CIPHER *cipher[BM_CIPHER_COUNT_];   /* NULL when unavailable */
    EVP_MD *md[BM_HASH_COUNT_];
    EVP_KDF *tls1_prf;
    EVP_KDF *hkdf;
};

static inline const EVP_CIPHER *bm_crypto_cipher(const bm_crypto_ctx *c, bm_cipher id)
{
    return (unsigned)id < BM_CIPHER_COUNT_ ? c->cipher[id] : NULL;
}

static inline const EVP_MD *bm_crypto_md(const bm_crypto_ctx *c, bm_hash h)
{
    return (unsigned)h < BM_HASH_COUNT_ ? c->md[h] : NULL;
}

#endif
