/*
 * seal_util.h - record sealing for the locator and hypothesis tests, with
 * raw EVP/HMAC calls only (not the code under test): TLS 1.2 AEAD (GCM,
 * ChaCha20-Poly1305), TLS 1.3, CBC MtE/EtM (TLS >= 1.1, explicit IV) and
 * RC4/NULL with HMAC. Each returns the body length (header excluded).
 */
#ifndef BM_TESTS_SEAL_UTIL_H
#define BM_TESTS_SEAL_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>

#include "tap.h"
#include "crypto/crypto.h"
#include "crypto/suite.h"
#include "crypto/kdf.h"

/* The frame of a record-layer test's main(): OpenSSL's default provider
 * (and the legacy one for RC4/3DES), recognisable test bytes
 * data[i] = i * mul + add + (shift ? i >> shift : 0), and a crypto context
 * (NULL if it cannot be made). su_end frees it all and returns tap_done(). */
typedef struct su_env {
    OSSL_PROVIDER *leg, *def;
    bm_crypto_ctx *cc;
} su_env;

static inline bm_crypto_ctx *su_begin(su_env *e, bool legacy, uint8_t *data, size_t n, unsigned mul, unsigned add,
                                      unsigned shift)
{
    e->leg = legacy ? OSSL_PROVIDER_load(NULL, "legacy") : NULL;
    e->def = OSSL_PROVIDER_load(NULL, "default");
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * mul + add + (shift ? i >> shift : 0));
    e->cc = bm_crypto_new();
    return e->cc;
}

static inline int su_end(su_env *e)
{
    bm_crypto_free(e->cc);
    if (e->leg)
        OSSL_PROVIDER_unload(e->leg);
    if (e->def)
        OSSL_PROVIDER_unload(e->def);
    return tap_done();
}

static inline void su_keys(const bm_suite *s, bm_dir_keys *k, uint8_t seed)
{
    memset(k, 0, sizeof *k);
    for (int i = 0; i < 48; i++)
        k->mac_key[i] = (uint8_t)(seed + 7 * i);
    for (int i = 0; i < 32; i++)
        k->key[i] = (uint8_t)(seed ^ (0x31 + 5 * i));
    for (int i = 0; i < 16; i++)
        k->iv[i] = (uint8_t)(0x55 + 3 * i + seed);
    k->mac_key_len = s->mac_len;
    k->key_len = s->key_len;
    k->iv_len = s->fixed_iv_len;
}

static inline const char *su_aead_name(const bm_suite *s)
{
    switch (s->cipher) {
    case BM_CIPHER_AES_128_GCM: return "AES-128-GCM";
    case BM_CIPHER_AES_256_GCM: return "AES-256-GCM";
    case BM_CIPHER_AES_128_CCM: case BM_CIPHER_AES_128_CCM_8: return "AES-128-CCM";
    case BM_CIPHER_AES_256_CCM: case BM_CIPHER_AES_256_CCM_8: return "AES-256-CCM";
    case BM_CIPHER_ARIA_128_GCM: return "ARIA-128-GCM";
    default: return "ChaCha20-Poly1305";
    }
}

static inline void su_aead_raw(const bm_suite *s, const uint8_t *key, const uint8_t nonce[12],
                               const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t n,
                               uint8_t *ct_tag)
{
    bool ccm = strstr(su_aead_name(s), "CCM") != NULL;
    EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, su_aead_name(s), NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    EVP_EncryptInit_ex(x, ci, NULL, NULL, NULL);
    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
    if (ccm)
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, s->tag_len, NULL);
    EVP_EncryptInit_ex(x, NULL, NULL, key, nonce);
    if (ccm)
        EVP_EncryptUpdate(x, NULL, &l, NULL, (int)n);
    EVP_EncryptUpdate(x, NULL, &l, aad, (int)aad_len);
    if (n || ccm) /* CCM: the (empty) payload call is what computes the tag */
        EVP_EncryptUpdate(x, ct_tag, &l, pt, (int)n);
    EVP_EncryptFinal_ex(x, ct_tag + n, &l);
    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, s->tag_len, ct_tag + n);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(ci);
}

/* TLS 1.2 AEAD (RFC 5288 / 7905). */
static inline size_t su_seal12(const bm_suite *s, const bm_dir_keys *k, uint64_t seq, uint8_t type,
                               const uint8_t *d, size_t n, uint8_t *r)
{
    uint8_t nonce[12], aad[13];
    size_t off = 0;
    if (s->mode == BM_MODE_CHACHA) {
        memcpy(nonce, k->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    } else {
        memcpy(nonce, k->iv, 4);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] = (uint8_t)(0x3b * (i + 1) + seq);
        memcpy(r, nonce + 4, 8);
        off = 8;
    }
    for (int i = 0; i < 8; i++)
        aad[i] = (uint8_t)(seq >> (56 - 8 * i));
    aad[8] = type;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = (uint8_t)(n >> 8);
    aad[12] = (uint8_t)n;
    su_aead_raw(s, k->key, nonce, aad, 13, d, n, r + off);
    return off + n + s->tag_len;
}

/* TLS 1.3: content + inner type + pad zero bytes; header 17 03 03 len. */
static inline size_t su_seal13_pad(const bm_suite *s, const bm_dir_keys *k, uint64_t seq,
                                   uint8_t inner, const uint8_t *d, size_t n, size_t pad, uint8_t *r)
{
    static uint8_t pt[20000];
    uint8_t nonce[12], aad[5];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    memcpy(pt, d, n);
    pt[n] = inner;
    memset(pt + n + 1, 0, pad);
    size_t m = n + 1 + pad, len = m + s->tag_len;
    aad[0] = 23;
    aad[1] = 3;
    aad[2] = 3;
    aad[3] = (uint8_t)(len >> 8);
    aad[4] = (uint8_t)len;
    su_aead_raw(s, k->key, nonce, aad, 5, pt, m, r);
    return len;
}

/* TLS 1.3 without padding. */
static inline size_t su_seal13(const bm_suite *s, const bm_dir_keys *k, uint64_t seq,
                               uint8_t inner, const uint8_t *d, size_t n, uint8_t *r)
{
    return su_seal13_pad(s, k, seq, inner, d, n, 0, r);
}

static inline const EVP_MD *su_md(const bm_suite *s)
{
    switch (s->mac) {
    case BM_HASH_MD5: return EVP_md5();
    case BM_HASH_SHA1: return EVP_sha1();
    case BM_HASH_SHA256: return EVP_sha256();
    default: return EVP_sha384();
    }
}

/* TLS HMAC over seq, type, version, length, data. */
static inline void su_hmac_v(const bm_suite *s, const bm_dir_keys *k, uint64_t seq, uint8_t type,
                             uint16_t ver, const uint8_t *d, size_t n, uint8_t *mac)
{
    static uint8_t buf[20000 + 13];
    size_t h = 0;
    for (int i = 7; i >= 0; i--)
        buf[h++] = (uint8_t)(seq >> (8 * i));
    buf[h++] = type;
    buf[h++] = (uint8_t)(ver >> 8);
    buf[h++] = (uint8_t)ver;
    buf[h++] = (uint8_t)(n >> 8);
    buf[h++] = (uint8_t)n;
    memcpy(buf + h, d, n);
    unsigned ml = 0;
    HMAC(su_md(s), k->mac_key, k->mac_key_len, buf, h + n, mac, &ml);
}

static inline void su_hmac(const bm_suite *s, const bm_dir_keys *k, uint64_t seq, uint8_t type,
                           const uint8_t *d, size_t n, uint8_t *mac)
{
    su_hmac_v(s, k, seq, type, 0x0303, d, n, mac);
}

/* TLS 1.0 CBC MtE: the IV chained from *chain (updated), no explicit IV. */
static inline size_t su_seal_cbc10(const bm_suite *s, const bm_dir_keys *k, uint8_t chain[16],
                                   uint64_t seq, uint8_t type, const uint8_t *d, size_t n,
                                   uint8_t *r)
{
    static uint8_t pt[20000];
    size_t bs = s->block_len, m = n;
    memcpy(pt, d, n);
    su_hmac_v(s, k, seq, type, 0x0301, d, n, pt + m);
    m += s->mac_len;
    size_t pad = bs - 1 - m % bs;
    memset(pt + m, (int)pad, pad + 1);
    m += pad + 1;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    EVP_EncryptInit_ex(x, s->key_len == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc(), NULL, k->key, chain);
    EVP_CIPHER_CTX_set_padding(x, 0);
    EVP_EncryptUpdate(x, r, &l, pt, (int)m);
    EVP_CIPHER_CTX_free(x);
    memcpy(chain, r + m - bs, bs);
    return m;
}

/* TLS 1.2 CBC, explicit IV; mac_len is the MAC bytes sent (10 when truncated). */
static inline size_t su_seal_cbc(const bm_suite *s, const bm_dir_keys *k, bool etm, size_t mac_len,
                                 uint64_t seq, uint8_t type, const uint8_t *d, size_t n, uint8_t *r)
{
    static uint8_t pt[20000];
    uint8_t mac[64];
    size_t bs = s->block_len, m = n;
    for (size_t i = 0; i < bs; i++)
        r[i] = (uint8_t)(0xc4 + 11 * i + seq);
    memcpy(pt, d, n);
    if (!etm) {
        su_hmac(s, k, seq, type, d, n, mac);
        memcpy(pt + m, mac, mac_len);
        m += mac_len;
    }
    size_t pad = bs - 1 - m % bs;
    memset(pt + m, (int)pad, pad + 1);
    m += pad + 1;
    const EVP_CIPHER *ci = s->key_len == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    EVP_EncryptInit_ex(x, ci, NULL, k->key, r);
    EVP_CIPHER_CTX_set_padding(x, 0);
    EVP_EncryptUpdate(x, r + bs, &l, pt, (int)m);
    EVP_CIPHER_CTX_free(x);
    size_t len = bs + m;
    if (etm) {
        su_hmac(s, k, seq, type, r, len, mac);
        memcpy(r + len, mac, mac_len);
        len += mac_len;
    }
    return len;
}

/* RC4 (rc4 keyed by the caller, state carried) or NULL with HMAC, for
 * record version ver. */
static inline size_t su_seal_stream_v(const bm_suite *s, const bm_dir_keys *k, EVP_CIPHER_CTX *rc4,
                                      uint16_t ver, uint64_t seq, uint8_t type, const uint8_t *d,
                                      size_t n, uint8_t *r)
{
    static uint8_t buf[20000];
    uint8_t mac[64];
    su_hmac_v(s, k, seq, type, ver, d, n, mac);
    memcpy(buf, d, n);
    memcpy(buf + n, mac, s->mac_len);
    int l = 0;
    if (rc4)
        EVP_EncryptUpdate(rc4, r, &l, buf, (int)(n + s->mac_len));
    else
        memcpy(r, buf, n + s->mac_len);
    return n + s->mac_len;
}

static inline size_t su_seal_stream(const bm_suite *s, const bm_dir_keys *k, EVP_CIPHER_CTX *rc4,
                                    uint64_t seq, uint8_t type, const uint8_t *d, size_t n,
                                    uint8_t *r)
{
    return su_seal_stream_v(s, k, rc4, 0x0303, seq, type, d, n, r);
}

#endif
