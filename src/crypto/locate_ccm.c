/*
 * locate_ccm.c - single-bit errors in a CCM or CCM_8 record (RFC 3610,
 * NIST SP 800-38C; TLS 1.2 RFC 6655 and TLS 1.3).
 *
 * CCM is CTR encryption plus a CBC-MAC over B0, the formatted AAD and the
 * plaintext; the MAC is sent encrypted with the counter block A_0. CTR
 * makes a ciphertext bit flip the same plaintext bit flip, so: decrypt the
 * received ciphertext once, run the CBC-MAC once keeping the chaining
 * state before every 16-byte block, then for each bit of plaintext block k
 * restart the chain from the state at k with that bit flipped and compare
 * the end with the received tag decrypted with S_0. The 128 bits of a
 * block run as 128 lanes through one AES-ECB call per later block, so the
 * cost is about n^2/2 * 8 / 16 AES blocks (16 KB: 67 M blocks).
 *
 * A flip in the tag leaves the computed MAC alone: received MAC xor
 * computed MAC is the error. The TLS 1.2 explicit nonce changes every
 * counter block: its 64 bits get a full open each. Every candidate is
 * verified with bm_rec_open (bm_loc_try).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "locate_int.h"

#define BM_CCM_LANES 128

typedef struct bm_ccm {
    bm_loc *L;
    EVP_CIPHER_CTX *x;   /* AES-ECB, encryption, the record key */
    size_t off, n, nb;   /* ciphertext offset and length in the body; blocks */
    size_t m;            /* tag length: 16 or 8 */
    uint8_t *pt;         /* decrypted plaintext, zero-padded to nb * 16 */
    uint8_t *st;         /* (nb + 1) chaining states: st[k] before plaintext block k */
    uint8_t *lanes;      /* BM_CCM_LANES * 16 */
    uint8_t want[16];    /* the received tag xor S_0 (first m bytes) */
} bm_ccm;

static bool bm_ecb(EVP_CIPHER_CTX *x, uint8_t *io, size_t len)
{
    int l = 0;
    return EVP_EncryptUpdate(x, io, &l, io, (int)len) == 1 && (size_t)l == len;
}

static const char *bm_ccm_ecb_name(int cipher)
{
    switch (cipher) {
    case BM_CIPHER_AES_128_CCM: case BM_CIPHER_AES_128_CCM_8: return "AES-128-ECB";
    case BM_CIPHER_AES_256_CCM: case BM_CIPHER_AES_256_CCM_8: return "AES-256-ECB";
    default: return NULL;
    }
}

static void bm_xor16(uint8_t *d, const uint8_t *a)
{
    for (int i = 0; i < 16; i++)
        d[i] ^= a[i];
}

static BM_RESULT bm_ccm_report(bm_loc *L, size_t off, const uint8_t *x, size_t n)
{
    bm_repair rep;
    bool v = false;
    if (bm_repair_make(&rep, BM_REP_BODY, off, x, n, L->max_w))
        BM_GUARD(bm_loc_try(L, &rep, &v));
    return BM_SUCCESS;
}

/* CTR decryption, B0 + AAD, and the chaining states. */
static BM_RESULT bm_ccm_prepare(bm_ccm *C, const uint8_t nonce[12], const uint8_t *aad,
                                size_t aad_len)
{
    const uint8_t *ct = C->L->in + C->off;
    uint8_t a[16], b[16];
    /* Counter blocks A_i = flags (L' = 2) || nonce || i (3 bytes). */
    a[0] = 2;
    memcpy(a + 1, nonce, 12);
    for (size_t i = 0; i < C->nb; i++) {
        uint8_t *p = C->pt + 16 * i;
        size_t c = i + 1;
        memcpy(p, a, 13);
        p[13] = (uint8_t)(c >> 16);
        p[14] = (uint8_t)(c >> 8);
        p[15] = (uint8_t)c;
    }
    BM_ENSURE(!C->nb || bm_ecb(C->x, C->pt, 16 * C->nb), BM_ERR_CRYPTO);
    for (size_t i = 0; i < 16 * C->nb; i++)
        C->pt[i] = i < C->n ? C->pt[i] ^ ct[i] : 0;
    /* S_0 decrypts the received tag. */
    a[13] = a[14] = a[15] = 0;
    BM_ENSURE(bm_ecb(C->x, a, 16), BM_ERR_CRYPTO);
    const uint8_t *tag = ct + C->n;
    for (size_t i = 0; i < C->m; i++)
        C->want[i] = tag[i] ^ a[i];
    OPENSSL_cleanse(a, sizeof a);
    /* B0: flags (Adata, M', L') || nonce || message length (3 bytes). */
    b[0] = (uint8_t)(0x40 | ((C->m - 2) / 2) << 3 | 2);
    memcpy(b + 1, nonce, 12);
    b[13] = (uint8_t)(C->n >> 16);
    b[14] = (uint8_t)(C->n >> 8);
    b[15] = (uint8_t)C->n;
    BM_ENSURE(bm_ecb(C->x, b, 16), BM_ERR_CRYPTO);
    /* The AAD (at most 13 bytes) with its 2-byte length: one block. */
    uint8_t f[16] = {(uint8_t)(aad_len >> 8), (uint8_t)aad_len};
    memcpy(f + 2, aad, aad_len);
    bm_xor16(b, f);
    BM_ENSURE(bm_ecb(C->x, b, 16), BM_ERR_CRYPTO);
    memcpy(C->st, b, 16);
    for (size_t k = 0; k < C->nb; k++) {
        memcpy(b, C->st + 16 * k, 16);
        bm_xor16(b, C->pt + 16 * k);
        BM_ENSURE(bm_ecb(C->x, b, 16), BM_ERR_CRYPTO);
        memcpy(C->st + 16 * (k + 1), b, 16);
    }
    OPENSSL_cleanse(b, sizeof b);
    return BM_SUCCESS;
}

/* Every bit of plaintext block k, as lanes run to the end of the chain. */
static BM_RESULT bm_ccm_block(bm_ccm *C, size_t k)
{
    size_t blen = k + 1 == C->nb ? C->n - 16 * k : 16, nl = 8 * blen;
    uint8_t in[16];
    memcpy(in, C->st + 16 * k, 16);
    bm_xor16(in, C->pt + 16 * k);
    for (size_t l = 0; l < nl; l++) {
        uint8_t *p = C->lanes + 16 * l;
        memcpy(p, in, 16);
        p[l / 8] ^= (uint8_t)(1u << (l % 8));
    }
    BM_GUARD(bm_loc_work(C->L, 16 * nl * (C->nb - k)));
    C->L->res->candidates += nl;
    BM_ENSURE(bm_ecb(C->x, C->lanes, 16 * nl), BM_ERR_CRYPTO);
    for (size_t j = k + 1; j < C->nb; j++) {
        uint64_t pw[2];
        memcpy(pw, C->pt + 16 * j, 16);
        for (size_t l = 0; l < nl; l++) {
            uint64_t v[2];
            memcpy(v, C->lanes + 16 * l, 16);
            v[0] ^= pw[0];
            v[1] ^= pw[1];
            memcpy(C->lanes + 16 * l, v, 16);
        }
        BM_ENSURE(bm_ecb(C->x, C->lanes, 16 * nl), BM_ERR_CRYPTO);
    }
    for (size_t l = 0; l < nl; l++)
        if (CRYPTO_memcmp(C->lanes + 16 * l, C->want, C->m) == 0) {
            uint8_t x = (uint8_t)(1u << (l % 8));
            BM_GUARD(bm_ccm_report(C->L, C->off + 16 * k + l / 8, &x, 1));
        }
    OPENSSL_cleanse(in, sizeof in);
    return BM_SUCCESS;
}

static BM_RESULT bm_ccm_search(bm_ccm *C, const uint8_t nonce[12], const uint8_t *aad,
                               size_t aad_len)
{
    BM_GUARD(bm_ccm_prepare(C, nonce, aad, aad_len));
    /* The tag: the computed MAC is right, the received one is off. */
    uint8_t d[16] = {0};
    for (size_t i = 0; i < C->m; i++)
        d[i] = C->want[i] ^ C->st[16 * C->nb + i];
    bm_result r = bm_ccm_report(C->L, C->off + C->n, d, C->m);
    OPENSSL_cleanse(d, sizeof d);
    BM_GUARD(r);
    for (size_t k = 0; k < C->nb; k++)
        BM_GUARD(bm_ccm_block(C, k));
    /* TLS 1.2 explicit nonce: every counter block moves; a full open per bit. */
    if (C->off == 8)
        BM_GUARD(bm_loc_brute_bits(C->L, BM_REP_BODY, 0, 8));
    return BM_SUCCESS;
}

BM_RESULT bm_locate_ccm(bm_loc *L)
{
    bm_rec *w = L->work;
    uint8_t nonce[12], aad[13];
    bm_ccm C = {.L = L, .m = w->suite->tag_len};
    size_t aad_len = 0;
    const char *name = bm_ccm_ecb_name(w->suite->cipher);
    if (!name || (C.m != 16 && C.m != 8) || !w->vt->aead_frame ||
        !w->vt->aead_frame(w, L->seq, L->type, L->version, L->in, L->len, nonce, aad, &aad_len,
                           &C.off, &C.n) ||
        aad_len > 14 || C.n >= (1u << 24))
        return BM_SUCCESS;
    C.nb = (C.n + 15) / 16;
    EVP_CIPHER *ci = EVP_CIPHER_fetch(w->cc->lib, name, NULL);
    C.x = EVP_CIPHER_CTX_new();
    C.pt = malloc(16 * C.nb + 16);
    C.st = malloc(16 * C.nb + 16);
    C.lanes = malloc(16 * BM_CCM_LANES);
    bm_result res = BM_SUCCESS;
    if (!ci)
        res = bm_res(BM_ERR_UNSUPPORTED);
    else if (!C.x || !C.pt || !C.st || !C.lanes)
        res = bm_res(BM_ERR_NOMEM);
    else if (EVP_EncryptInit_ex(C.x, ci, NULL, w->keys.key, NULL) != 1 ||
             EVP_CIPHER_CTX_set_padding(C.x, 0) != 1)
        res = bm_res(BM_ERR_CRYPTO);
    else
        res = bm_ccm_search(&C, nonce, aad, aad_len);
    if (C.pt)
        OPENSSL_cleanse(C.pt, 16 * C.nb + 16);
    if (C.st)
        OPENSSL_cleanse(C.st, 16 * C.nb + 16);
    if (C.lanes)
        OPENSSL_cleanse(C.lanes, 16 * BM_CCM_LANES);
    OPENSSL_cleanse(C.want, sizeof C.want);
    free(C.pt);
    free(C.st);
    free(C.lanes);
    EVP_CIPHER_CTX_free(C.x);
    EVP_CIPHER_free(ci);
    return res;
}
