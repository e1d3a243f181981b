/*
 * rec_int.h - private to the record layer: the bm_rec object, the per-mode
 * vtable and helpers shared by the mode files.
 */
#ifndef BM_CRYPTO_REC_INT_H
#define BM_CRYPTO_REC_INT_H

#include <string.h>

#include "crypto_int.h"
#include "rec.h"

typedef struct bm_rec_class {
    const char *name;
    /* Sets up r->cctx (and r->mac) from r->keys. */
    BM_RESULT (*init)(bm_rec *r);
    /* Called with 0 <= len <= BM_REC_MAX_INPUT, res zeroed except
     * inner_type = type, pad_ok = true. */
    BM_RESULT (*open)(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                      const uint8_t *in, size_t len, uint8_t *out, bm_open_result *res);
    size_t (*min_len)(const bm_rec *r);
    /* AEAD modes: the nonce, additional data and ciphertext span of a
     * record; false when the length is impossible. NULL for HMAC modes. */
    bool (*aead_frame)(const bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                       const uint8_t *in, size_t len, uint8_t nonce[12], uint8_t aad[13],
                       size_t *aad_len, size_t *ct_off, size_t *ct_len);
} bm_rec_class;

/* A keyed MAC whose key-dependent first block is hashed once: HMAC (inner
 * and outer pads) or the SSL 3.0 MAC (key + pad_1 / key + pad_2). Each
 * record copies the templates instead of rehashing the key. */
typedef struct bm_mac {
    EVP_MD_CTX *inner, *outer, *work;
    size_t len;  /* full digest length */
    bool ssl3;   /* SSL 3.0 MAC: no version in the pseudo-header */
} bm_mac;

struct bm_rec {
    const bm_rec_class *vt;
    bm_crypto_ctx *cc;
    const bm_suite *suite;
    uint16_t version;
    unsigned flags;
    size_t mac_len;        /* MAC bytes on the wire (10 when truncated) */
    bm_dir_keys keys;
    EVP_CIPHER_CTX *cctx;  /* decryption, keyed once */
    EVP_CIPHER_CTX *ectx;  /* encryption, made on demand for expected tags */
    bm_mac mac;
    uint8_t chain_iv[BM_MAX_IV_LEN]; /* CBC IV carried between records (SSL 3.0, TLS 1.0) */
};

extern const bm_rec_class bm_rec_stream_class;
extern const bm_rec_class bm_rec_cbc_class;
extern const bm_rec_class bm_rec_aead_class;
extern const bm_rec_class bm_rec_tls13_class;

BM_RESULT bm_mac_init(bm_rec *r);
/* MAC over seq, type, [version,] length = len, then data[0..len). out gets
 * r->mac.len bytes. */
BM_RESULT bm_mac_compute(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                         const uint8_t *data, size_t len, uint8_t *out);
void bm_mac_free(bm_mac *m);

/* AEAD decryption with the key already in r->cctx. *tag_ok reports the
 * verdict; returns an error only when libcrypto itself fails. On a tag
 * failure out holds the unauthenticated plaintext for GCM/ChaCha and is
 * zeroed for CCM (*decrypted tells which). */
BM_RESULT bm_aead_decrypt(bm_rec *r, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                          const uint8_t *ct, size_t ct_len, const uint8_t *tag, uint8_t *out,
                          bool *tag_ok, bool *decrypted);
/* Keys r->cctx for AEAD decryption (shared by rec_aead.c and rec_tls13.c). */
BM_RESULT bm_aead_init(bm_rec *r);
/* The tag sealing pt would produce. */
BM_RESULT bm_aead_seal_tag(bm_rec *r, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                           const uint8_t *pt, size_t pt_len, uint8_t *tag);
bool bm_aead_is_ccm(const bm_suite *s);

static inline void bm_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* nonce = iv xor (seq left-padded to iv_len); IV_LEN MUST be >= 8. */
static inline void bm_xor_nonce(uint8_t *nonce, const uint8_t *iv, size_t iv_len, uint64_t seq)
{
    memcpy(nonce, iv, iv_len);
    for (size_t i = 0; i < 8; i++)
        nonce[iv_len - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

#endif
