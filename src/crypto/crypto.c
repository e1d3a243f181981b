/*
 * crypto.c - the crypto context: a private library context, its providers
 * and every algorithm fetched once (fetching per record would cost a
 * property-query lookup each time).
 */
#include <stdlib.h>

#include <openssl/err.h>

#include "crypto_int.h"

static const char *const bm_cipher_names[BM_CIPHER_COUNT_] = {
    [BM_CIPHER_NULL] = NULL,
    [BM_CIPHER_RC4_128] = "RC4",
    [BM_CIPHER_DES_CBC] = "DES-CBC",
    [BM_CIPHER_3DES_EDE_CBC] = "DES-EDE3-CBC",
    [BM_CIPHER_AES_128_CBC] = "AES-128-CBC",
    [BM_CIPHER_AES_256_CBC] = "AES-256-CBC",
    [BM_CIPHER_CAMELLIA_128_CBC] = "CAMELLIA-128-CBC",
    [BM_CIPHER_CAMELLIA_256_CBC] = "CAMELLIA-256-CBC",
    [BM_CIPHER_SEED_CBC] = "SEED-CBC",
    [BM_CIPHER_AES_128_GCM] = "AES-128-GCM",
    [BM_CIPHER_AES_256_GCM] = "AES-256-GCM",
    [BM_CIPHER_AES_128_CCM] = "AES-128-CCM",
    [BM_CIPHER_AES_256_CCM] = "AES-256-CCM",
    [BM_CIPHER_AES_128_CCM_8] = "AES-128-CCM",
    [BM_CIPHER_AES_256_CCM_8] = "AES-256-CCM",
    [BM_CIPHER_ARIA_128_GCM] = "ARIA-128-GCM",
    [BM_CIPHER_ARIA_256_GCM] = "ARIA-256-GCM",
    [BM_CIPHER_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
};

static const char *const bm_md_names[BM_HASH_COUNT_] = {
    [BM_HASH_NONE] = NULL,
    [BM_HASH_MD5] = "MD5",
    [BM_HASH_SHA1] = "SHA1",
    [BM_HASH_SHA256] = "SHA2-256",
    [BM_HASH_SHA384] = "SHA2-384",
    [BM_HASH_MD5_SHA1] = "MD5-SHA1",
};

bm_crypto_ctx *bm_crypto_new(void)
{
    bm_crypto_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->lib = OSSL_LIB_CTX_new();
    if (!c->lib)
        goto fail;
    c->prov_default = OSSL_PROVIDER_load(c->lib, "default");
    if (!c->prov_default)
        goto fail;
    /* Optional: without it RC4/DES/SEED suites are reported unsupported. */
    c->prov_legacy = OSSL_PROVIDER_load(c->lib, "legacy");
    for (int i = 0; i < BM_CIPHER_COUNT_; i++)
        if (bm_cipher_names[i])
            c->cipher[i] = EVP_CIPHER_fetch(c->lib, bm_cipher_names[i], NULL);
    for (int i = 0; i < BM_HASH_COUNT_; i++)
        if (bm_md_names[i])
            c->md[i] = EVP_MD_fetch(c->lib, bm_md_names[i], NULL);
    c->tls1_prf = EVP_KDF_fetch(c->lib, "TLS1-PRF", NULL);
    c->hkdf = EVP_KDF_fetch(c->lib, "HKDF", NULL);
    if (!c->tls1_prf || !c->hkdf || !c->md[BM_HASH_SHA256] || !c->md[BM_HASH_SHA1] ||
        !c->cipher[BM_CIPHER_AES_128_GCM])
        goto fail;
    /* Drain fetch failures (legacy names) so they do not surface later. */
    ERR_clear_error();
    return c;
fail:
    bm_crypto_free(c);
    return NULL;
}

void bm_crypto_free(bm_crypto_ctx *c)
{
    if (!c)
        return;
    for (int i = 0; i < BM_CIPHER_COUNT_; i++)
        EVP_CIPHER_free(c->cipher[i]);
    for (int i = 0; i < BM_HASH_COUNT_; i++)
        EVP_MD_free(c->md[i]);
    EVP_KDF_free(c->tls1_prf);
    EVP_KDF_free(c->hkdf);
    if (c->prov_legacy)
        OSSL_PROVIDER_unload(c->prov_legacy);
    if (c->prov_default)
        OSSL_PROVIDER_unload(c->prov_default);
    OSSL_LIB_CTX_free(c->lib);
    free(c);
}

bool bm_crypto_has_cipher(const bm_crypto_ctx *c, bm_cipher id)
{
    if (id == BM_CIPHER_NULL)
        return true;
    return bm_crypto_cipher(c, id) != NULL;
}

bool bm_crypto_has_hash(const bm_crypto_ctx *c, bm_hash h)
{
    if (h == BM_HASH_NONE)
        return true;
    return bm_crypto_md(c, h) != NULL;
}
