/*
 * locate_gcm.c - bit errors in a GCM record, in linear time.
 *
 * GHASH over X_1..X_m = AAD || C || lengths is S = sum X_j H^(m-j+1), and
 * the tag is E_K(J0) xor S. With one AAD block and n ciphertext blocks,
 * m = n + 2 and ciphertext block i (1-based) is X_(i+1): an error e in it
 * changes the tag by e H^(n-i+2). So with Delta = received tag xor the tag
 * the received ciphertext would carry, e_i = Delta H^-(n-i+2) is the only
 * error pattern block i could hold; blocks whose e_i flips few bits are
 * the candidates. Delta itself is the pattern of an error in the tag. The
 * TLS 1.2 explicit nonce enters only through E_K(J0): one AES block per
 * nonce bit.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "gf128.h"
#include "locate_int.h"

static const char *bm_ecb_name(int cipher)
{
    switch (cipher) {
    case BM_CIPHER_AES_128_GCM: return "AES-128-ECB";
    case BM_CIPHER_AES_256_GCM: return "AES-256-ECB";
    case BM_CIPHER_ARIA_128_GCM: return "ARIA-128-ECB";
    case BM_CIPHER_ARIA_256_GCM: return "ARIA-256-ECB";
    default: return NULL;
    }
}

static bool bm_block_encrypt(EVP_CIPHER_CTX *x, const uint8_t in[16], uint8_t out[16])
{
    int l = 0;
    return EVP_EncryptUpdate(x, out, &l, in, 16) == 1 && l == 16;
}

static BM_RESULT bm_try_pattern(bm_loc *L, size_t off, const uint8_t *x, size_t n)
{
    bm_repair rep;
    bool v = false;
    if (bm_repair_make(&rep, BM_REP_BODY, off, x, n, L->max_w))
        BM_GUARD(bm_loc_try(L, &rep, &v));
    return BM_SUCCESS;
}

/* The search proper, with H, E_K(J0) and S ready. */
static BM_RESULT bm_gcm_search(bm_loc *L, EVP_CIPHER_CTX *ecb, const uint8_t nonce[12],
                               size_t off, size_t n, const bm_gf128 *hinv, bm_gf128 s,
                               const uint8_t ek0[16])
{
    const uint8_t *tag = L->in + off + n;
    uint8_t delta[16], blk[16];
    uint8_t sb[16];
    bm_gf128_store(s, sb);
    for (int i = 0; i < 16; i++)
        delta[i] = tag[i] ^ ek0[i] ^ sb[i];
    bm_gf128 d = bm_gf128_load(delta);
    if (!d.hi && !d.lo)
        return BM_SUCCESS;
    BM_GUARD(bm_try_pattern(L, off + n, delta, 16));
    size_t nb = (n + 15) / 16;
    bm_gf128 cur = bm_gf128_mul(bm_gf128_mul(d, *hinv), *hinv);
    for (size_t i = nb; i >= 1; i--) {
        if (bm_gf128_weight(cur) <= L->max_w) {
            size_t blen = i == nb ? n - 16 * (nb - 1) : 16;
            bm_gf128_store(cur, blk);
            bool inside = true;
            /* GHASH pads the last block with zeros: an error cannot be there. */
            for (size_t k = blen; k < 16; k++)
                inside = inside && !blk[k];
            if (inside)
                BM_GUARD(bm_try_pattern(L, off + 16 * (i - 1), blk, blen));
        }
        cur = bm_gf128_mul(cur, *hinv);
    }
    if (off != 8)
        return BM_SUCCESS;
    /* TLS 1.2 explicit nonce: the tag of the received ciphertext under a
     * nonce one bit away is E_K(J0') xor S. */
    for (int bit = 0; bit < 64; bit++) {
        uint8_t j0[16], e[16];
        memcpy(j0, nonce, 12);
        j0[12] = j0[13] = j0[14] = 0;
        j0[15] = 1;
        j0[4 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        BM_ENSURE(bm_block_encrypt(ecb, j0, e), BM_ERR_CRYPTO);
        int diff = 0;
        for (int i = 0; i < 16; i++)
            diff |= e[i] ^ sb[i] ^ tag[i];
        OPENSSL_cleanse(e, sizeof e);
        if (!diff) {
            uint8_t x = (uint8_t)(1u << (bit % 8));
            BM_GUARD(bm_try_pattern(L, (size_t)(bit / 8), &x, 1));
        }
    }
    return BM_SUCCESS;
}

BM_RESULT bm_locate_gcm(bm_loc *L)
{
    bm_rec *w = L->work;
    uint8_t nonce[12], aad[13];
    size_t aad_len = 0, off = 0, n = 0;
    const char *name = bm_ecb_name(w->suite->cipher);
    if (!name || w->suite->tag_len != 16 ||
        !w->vt->aead_frame(w, L->seq, L->type, L->version, L->in, L->len, nonce, aad, &aad_len,
                           &off, &n))
        return BM_SUCCESS;
    EVP_CIPHER *ci = EVP_CIPHER_fetch(w->cc->lib, name, NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    uint8_t zero[16] = {0}, hb[16], j0[16], ek0[16];
    memcpy(j0, nonce, 12);
    j0[12] = j0[13] = j0[14] = 0;
    j0[15] = 1;
    bool ok = ci && x && EVP_EncryptInit_ex(x, ci, NULL, w->keys.key, NULL) == 1 &&
              EVP_CIPHER_CTX_set_padding(x, 0) == 1 && bm_block_encrypt(x, zero, hb) &&
              bm_block_encrypt(x, j0, ek0);
    bm_result res = ok ? BM_SUCCESS : bm_res(ci ? BM_ERR_CRYPTO : BM_ERR_UNSUPPORTED);
    if (ok) {
        bm_gf128 h = bm_gf128_load(hb);
        bm_gf128 s = bm_ghash(h, aad, aad_len, L->in + off, n);
        bm_gf128 hinv = bm_gf128_inv(h);
        if (h.hi || h.lo)
            res = bm_gcm_search(L, x, nonce, off, n, &hinv, s, ek0);
        OPENSSL_cleanse(&h, sizeof h);
        OPENSSL_cleanse(&hinv, sizeof hinv);
        OPENSSL_cleanse(&s, sizeof s);
    }
    OPENSSL_cleanse(hb, sizeof hb);
    OPENSSL_cleanse(ek0, sizeof ek0);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(ci);
    return res;
}
