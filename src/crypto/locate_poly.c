/*
 * locate_poly.c - bit errors in a ChaCha20-Poly1305 record, in linear time.
 *
 * Poly1305 over the AEAD's 16-byte blocks c_1..c_q (AAD, ciphertext, the
 * lengths; each padded, each + 2^128) is acc = sum c_j r^(q-j+1) mod p,
 * p = 2^130 - 5, and tag = (acc + s) mod 2^128. With one AAD block and n
 * ciphertext blocks, q = n + 2 and ciphertext block i is c_(i+1): changing
 * it by d (an integer, |d| < 2^128) changes acc by d r^(n-i+2). The tag
 * fixes acc_orig mod 2^128, so acc_orig is one of four values; for each,
 * D = acc_recv - acc_orig and x = D r^-(n-i+2) mod p is the only d block i
 * could carry: a small |d| that turns the received block into one a few
 * bits away is a candidate. Arithmetic: poly1305-donna-64 limbs 44/44/42.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "locate_int.h"

typedef unsigned __int128 bm_u128;

#define M44 ((UINT64_C(1) << 44) - 1)
#define M42 ((UINT64_C(1) << 42) - 1)

typedef struct bm_fe {
    uint64_t l[3];
} bm_fe;

static bm_fe bm_fe_from(uint64_t lo, uint64_t hi, uint64_t top)
{
    bm_fe f;
    f.l[0] = lo & M44;
    f.l[1] = (lo >> 44 | hi << 20) & M44;
    f.l[2] = (hi >> 24 | top << 40) & M42;
    return f;
}

static uint64_t bm_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static bm_fe bm_fe_mul(bm_fe a, bm_fe b)
{
    uint64_t s1 = b.l[1] * 20, s2 = b.l[2] * 20;
    bm_u128 d0 = (bm_u128)a.l[0] * b.l[0] + (bm_u128)a.l[1] * s2 + (bm_u128)a.l[2] * s1;
    bm_u128 d1 = (bm_u128)a.l[0] * b.l[1] + (bm_u128)a.l[1] * b.l[0] + (bm_u128)a.l[2] * s2;
    bm_u128 d2 = (bm_u128)a.l[0] * b.l[2] + (bm_u128)a.l[1] * b.l[1] + (bm_u128)a.l[2] * b.l[0];
    bm_fe r;
    uint64_t c = (uint64_t)(d0 >> 44);
    r.l[0] = (uint64_t)d0 & M44;
    d1 += c;
    c = (uint64_t)(d1 >> 44);
    r.l[1] = (uint64_t)d1 & M44;
    d2 += c;
    c = (uint64_t)(d2 >> 42);
    r.l[2] = (uint64_t)d2 & M42;
    r.l[0] += c * 5;
    c = r.l[0] >> 44;
    r.l[0] &= M44;
    r.l[1] += c;
    return r;
}

static bm_fe bm_fe_add(bm_fe a, bm_fe b)
{
    for (int i = 0; i < 3; i++)
        a.l[i] += b.l[i];
    return a;
}

/* The canonical representative in [0, p). */
static bm_fe bm_fe_freeze(bm_fe h)
{
    uint64_t c;
    for (int k = 0; k < 2; k++) {
        c = h.l[0] >> 44; h.l[0] &= M44; h.l[1] += c;
        c = h.l[1] >> 44; h.l[1] &= M44; h.l[2] += c;
        c = h.l[2] >> 42; h.l[2] &= M42; h.l[0] += c * 5;
    }
    c = h.l[0] >> 44; h.l[0] &= M44; h.l[1] += c;
    c = h.l[1] >> 44; h.l[1] &= M44; h.l[2] += c;
    uint64_t g0 = h.l[0] + 5;
    c = g0 >> 44;
    g0 &= M44;
    uint64_t g1 = h.l[1] + c;
    c = g1 >> 44;
    g1 &= M44;
    uint64_t g2 = h.l[2] + c - (UINT64_C(1) << 42);
    if (!(g2 >> 63)) {
        h.l[0] = g0;
        h.l[1] = g1;
        h.l[2] = g2;
    }
    return h;
}

/* a - b mod p for canonical b: a + 2p - b keeps every limb positive. */
static bm_fe bm_fe_sub(bm_fe a, bm_fe b)
{
    a.l[0] += (UINT64_C(1) << 45) - 10 - b.l[0];
    a.l[1] += (UINT64_C(1) << 45) - 2 - b.l[1];
    a.l[2] += (UINT64_C(1) << 43) - 2 - b.l[2];
    return bm_fe_freeze(a);
}

/* A canonical value as 128 low bits and the 2 bits above. */
static void bm_fe_split(bm_fe f, bm_u128 *low, uint64_t *top)
{
    uint64_t lo = f.l[0] | f.l[1] << 44;
    uint64_t hi = f.l[1] >> 20 | f.l[2] << 24;
    *low = (bm_u128)hi << 64 | lo;
    *top = f.l[2] >> 40;
}

static bm_fe bm_fe_inv(bm_fe a)
{
    /* a^(p-2), p - 2 = 2^130 - 7: binary ...11111001. */
    bm_fe r = bm_fe_from(1, 0, 0), base = a;
    for (int i = 0; i < 130; i++) {
        bool bit = i < 3 ? (0x1u >> i) & 1 : true; /* low bits of ...1001 are 1,0,0 */
        if (bit)
            r = bm_fe_mul(r, base);
        base = bm_fe_mul(base, base);
    }
    return bm_fe_freeze(r);
}

static bm_fe bm_fe_block(const uint8_t *p, size_t n)
{
    uint8_t b[16] = {0};
    memcpy(b, p, n);
    return bm_fe_from(bm_le64(b), bm_le64(b + 8), 1);
}

static bm_fe bm_poly_acc(bm_fe r, const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t n)
{
    bm_fe h = {{0, 0, 0}};
    for (size_t i = 0; i < aad_len; i += 16)
        h = bm_fe_mul(bm_fe_add(h, bm_fe_block(aad + i, aad_len - i < 16 ? aad_len - i : 16)), r);
    for (size_t i = 0; i < n; i += 16)
        h = bm_fe_mul(bm_fe_add(h, bm_fe_block(ct + i, n - i < 16 ? n - i : 16)), r);
    h = bm_fe_mul(bm_fe_add(h, bm_fe_from(aad_len, n, 1)), r);
    return bm_fe_freeze(h);
}

static void bm_u128_le(bm_u128 v, uint8_t out[16])
{
    for (int i = 0; i < 16; i++, v >>= 8)
        out[i] = (uint8_t)v;
}

/* Block i's received content m and the candidate difference x: a repair
 * when m - d for d = x (or x - p) is a 128-bit value few bits from m. */
static BM_RESULT bm_poly_candidate(bm_loc *L, size_t at, const uint8_t *blk, size_t blen,
                                   bm_fe x)
{
    bm_u128 xl, m, orig;
    uint64_t xt;
    bm_fe_split(x, &xl, &xt);
    uint8_t b[16] = {0}, pat[16];
    memcpy(b, blk, blen);
    m = (bm_u128)bm_le64(b + 8) << 64 | bm_le64(b);
    if (xt == 0) {
        if (xl > m)
            return BM_SUCCESS;
        orig = m - xl;
    } else {
        /* x - p = -(p - x), needing p - x < 2^128 */
        bm_fe p_minus = bm_fe_sub(bm_fe_from(0, 0, 0), x);
        bm_u128 nl;
        uint64_t nt;
        bm_fe_split(p_minus, &nl, &nt);
        if (nt || nl > ~m)
            return BM_SUCCESS;
        orig = m + nl;
    }
    bm_u128 diff = m ^ orig;
    unsigned w = (unsigned)(__builtin_popcountll((uint64_t)diff) +
                            __builtin_popcountll((uint64_t)(diff >> 64)));
    if (w == 0 || w > L->max_w)
        return BM_SUCCESS;
    bm_u128_le(diff, pat);
    for (size_t k = blen; k < 16; k++)
        if (pat[k])
            return BM_SUCCESS;
    bm_repair rep;
    bool v = false;
    if (bm_repair_make(&rep, BM_REP_BODY, at, pat, blen, L->max_w))
        BM_GUARD(bm_loc_try(L, &rep, &v));
    return BM_SUCCESS;
}

static BM_RESULT bm_poly_search(bm_loc *L, const uint8_t *aad, size_t aad_len, size_t off,
                                size_t n, const uint8_t otk[32])
{
    const uint8_t *ct = L->in + off, *tag = L->in + off + n;
    bm_fe r = bm_fe_from(bm_le64(otk) & UINT64_C(0x0ffffffc0fffffff),
                         bm_le64(otk + 8) & UINT64_C(0x0ffffffc0ffffffc), 0);
    bm_u128 s = (bm_u128)bm_le64(otk + 24) << 64 | bm_le64(otk + 16);
    bm_u128 t = (bm_u128)bm_le64(tag + 8) << 64 | bm_le64(tag);
    bm_fe acc = bm_poly_acc(r, aad, aad_len, ct, n);
    bm_u128 al;
    uint64_t atop;
    bm_fe_split(acc, &al, &atop);
    uint8_t delta[16];
    bm_u128_le((al + s) ^ t, delta);
    bm_repair rep;
    bool v = false;
    if (bm_repair_make(&rep, BM_REP_BODY, off + n, delta, 16, L->max_w))
        BM_GUARD(bm_loc_try(L, &rep, &v));
    if (!r.l[0] && !r.l[1] && !r.l[2])
        return BM_SUCCESS;
    /* acc_orig = (t - s) mod 2^128 + k 2^128, below p. */
    bm_u128 a0 = t - s;
    bm_fe cur[4];
    int nk = 0;
    for (uint64_t k = 0; k < 4; k++) {
        if (k == 3 && a0 > ~(bm_u128)0 - 5)
            break;
        bm_fe orig = bm_fe_from((uint64_t)a0, (uint64_t)(a0 >> 64), k);
        cur[nk++] = bm_fe_sub(acc, orig);
    }
    bm_fe rinv = bm_fe_inv(r), rinv2 = bm_fe_mul(rinv, rinv);
    for (int k = 0; k < nk; k++)
        cur[k] = bm_fe_mul(cur[k], rinv2);
    size_t nb = (n + 15) / 16;
    for (size_t i = nb; i >= 1; i--) {
        size_t blen = i == nb ? n - 16 * (nb - 1) : 16;
        for (int k = 0; k < nk; k++) {
            BM_GUARD(bm_poly_candidate(L, off + 16 * (i - 1), ct + 16 * (i - 1), blen,
                                       bm_fe_freeze(cur[k])));
            cur[k] = bm_fe_mul(cur[k], rinv);
        }
    }
    OPENSSL_cleanse(&r, sizeof r);
    OPENSSL_cleanse(&rinv, sizeof rinv);
    OPENSSL_cleanse(&rinv2, sizeof rinv2);
    OPENSSL_cleanse(&s, sizeof s);
    return BM_SUCCESS;
}

BM_RESULT bm_locate_poly(bm_loc *L)
{
    bm_rec *w = L->work;
    uint8_t nonce[12], aad[13];
    size_t aad_len = 0, off = 0, n = 0;
    if (w->suite->tag_len != 16 ||
        !w->vt->aead_frame(w, L->seq, L->type, L->version, L->in, L->len, nonce, aad, &aad_len,
                           &off, &n))
        return BM_SUCCESS;
    /* The one-time key is ChaCha20 block 0 (RFC 8439 2.6); OpenSSL's IV
     * is the 32-bit little-endian counter followed by the nonce. */
    EVP_CIPHER *ci = EVP_CIPHER_fetch(w->cc->lib, "ChaCha20", NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    uint8_t iv[16] = {0}, zero[32] = {0}, otk[32];
    memcpy(iv + 4, nonce, 12);
    int l = 0;
    bool ok = ci && x && EVP_EncryptInit_ex(x, ci, NULL, w->keys.key, iv) == 1 &&
              EVP_EncryptUpdate(x, otk, &l, zero, 32) == 1 && l == 32;
    bm_result res = ok ? bm_poly_search(L, aad, aad_len, off, n, otk)
                       : bm_res(ci ? BM_ERR_CRYPTO : BM_ERR_UNSUPPORTED);
    OPENSSL_cleanse(otk, sizeof otk);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(ci);
    return res;
}
