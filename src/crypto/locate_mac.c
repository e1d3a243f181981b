/*
 * locate_mac.c - single-bit errors in HMAC-protected records (NULL, RC4,
 * CBC MtE and EtM; TLS HMAC, truncated HMAC, SSL 3.0 MAC).
 *
 * No algebra helps here: every bit is a candidate and each costs one MAC
 * over the data after it. The inner hash state is carried along the data
 * (one hash block at a time) so a candidate rehashes only from the block
 * it touches; the total is about n^2/2 bytes of hashing per n-byte record
 * (16 KB: 1 GB, 1.4-1.8 s with SHA-NI; bench/locate_speed.c). What a
 * bit flip does in each mode:
 *   stream: a ciphertext bit flip is the same plaintext bit flip;
 *   EtM: the MAC covers IV + ciphertext, so the flip is in the MAC input;
 *   MtE CBC: a flip in ciphertext block c garbles plaintext block c and
 *     flips the same bit of plaintext block c + 1 (a flip in the explicit
 *     IV flips a bit of block 0 only): one block decryption per candidate.
 * Flips that reach the MAC, the padding or the padding length change what
 * the receiver takes as data; those few blocks get a full open per bit.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "locate_int.h"

typedef struct bm_msearch {
    bm_loc *L;
    const bm_mac *m;
    EVP_MD_CTX *run, *tmp;
    size_t hblock;        /* hash block size */
    const uint8_t *d;     /* the MAC'd data as received */
    size_t dlen;
    const uint8_t *target; /* the MAC as received */
    size_t ml;
    size_t a;             /* bytes of d absorbed by run */
} bm_msearch;

static BM_RESULT bm_ms_start(bm_msearch *S, const bm_mac *m)
{
    bm_loc *L = S->L;
    uint8_t hdr[13];
    size_t n = 0;
    bm_put_u64(hdr, L->seq);
    n = 8;
    hdr[n++] = L->type;
    if (!m->ssl3) {
        hdr[n++] = (uint8_t)(L->version >> 8);
        hdr[n++] = (uint8_t)L->version;
    }
    hdr[n++] = (uint8_t)(S->dlen >> 8);
    hdr[n++] = (uint8_t)S->dlen;
    S->m = m;
    S->a = 0;
    S->hblock = (size_t)EVP_MD_CTX_get_block_size(m->inner);
    BM_ENSURE(S->hblock > 0, BM_ERR_CRYPTO);
    BM_ENSURE(EVP_MD_CTX_copy_ex(S->run, m->inner) && EVP_DigestUpdate(S->run, hdr, n),
              BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

/* Whether the MAC of d with d[at..at+mlen) replaced by mod equals the
 * received one. AT MUST not decrease from one call to the next. */
static BM_RESULT bm_ms_test(bm_msearch *S, size_t at, const uint8_t *mod, size_t mlen, bool *match)
{
    uint8_t ih[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
    BM_GUARD(bm_loc_work(S->L, S->dlen - (at < S->a ? S->a : at) + S->hblock + 2 * S->m->len));
    S->L->res->candidates++;
    while (S->a + S->hblock <= at) {
        BM_ENSURE(EVP_DigestUpdate(S->run, S->d + S->a, S->hblock), BM_ERR_CRYPTO);
        S->a += S->hblock;
    }
    size_t end = at + mlen;
    int ok = EVP_MD_CTX_copy_ex(S->tmp, S->run) &&
             EVP_DigestUpdate(S->tmp, S->d + S->a, at - S->a) &&
             EVP_DigestUpdate(S->tmp, mod, mlen) &&
             EVP_DigestUpdate(S->tmp, S->d + end, S->dlen - end) &&
             EVP_DigestFinal_ex(S->tmp, ih, NULL) && EVP_MD_CTX_copy_ex(S->tmp, S->m->outer) &&
             EVP_DigestUpdate(S->tmp, ih, S->m->len) && EVP_DigestFinal_ex(S->tmp, mac, NULL);
    BM_ENSURE(ok, BM_ERR_CRYPTO);
    *match = CRYPTO_memcmp(mac, S->target, S->ml) == 0;
    OPENSSL_cleanse(ih, sizeof ih);
    return BM_SUCCESS;
}

static BM_RESULT bm_ms_report(bm_loc *L, size_t off, uint8_t x)
{
    bm_repair rep;
    bool v = false;
    if (bm_repair_make(&rep, BM_REP_BODY, off, &x, 1, 1))
        BM_GUARD(bm_loc_try(L, &rep, &v));
    return BM_SUCCESS;
}

/* Every bit of d[0..dlen), flipped in place; a match at d[j] is the
 * record byte base + j. */
static BM_RESULT bm_ms_direct(bm_msearch *S, size_t base)
{
    for (size_t j = 0; j < S->dlen; j++)
        for (unsigned b = 0; b < 8; b++) {
            uint8_t v = S->d[j] ^ (uint8_t)(1u << b);
            bool match = false;
            BM_GUARD(bm_ms_test(S, j, &v, 1, &match));
            if (match)
                BM_GUARD(bm_ms_report(S->L, base + j, (uint8_t)(1u << b)));
        }
    return BM_SUCCESS;
}

/* The received MAC a few bits away from the one the data produces. */
static BM_RESULT bm_ms_mac_bytes(bm_loc *L, const bm_open_result *o, size_t at)
{
    uint8_t x[BM_REC_MAX_MAC];
    for (size_t i = 0; i < o->mac_len; i++)
        x[i] = o->got_mac[i] ^ o->want_mac[i];
    for (size_t i = 0; i < o->mac_len; i += BM_REPAIR_MAX_SPAN) {
        size_t k = o->mac_len - i < BM_REPAIR_MAX_SPAN ? o->mac_len - i : BM_REPAIR_MAX_SPAN;
        bm_repair rep;
        bool v = false;
        if (bm_repair_make(&rep, BM_REP_BODY, at + i, x + i, k, L->max_w))
            BM_GUARD(bm_loc_try(L, &rep, &v));
    }
    return BM_SUCCESS;
}

/* MtE CBC: ciphertext blocks whose flip only touches data blocks. */
static BM_RESULT bm_ms_mte(bm_msearch *S, bm_rec *w, const uint8_t *pt, size_t ivl, size_t fast_blocks)
{
    bm_loc *L = S->L;
    size_t bs = w->suite->block_len;
    const uint8_t *ct = L->in + ivl;
    const uint8_t *iv0 = ivl ? L->in : L->orig->chain_iv;
    uint8_t mod[2 * BM_MAX_IV_LEN], blk[BM_MAX_IV_LEN];
    if (ivl && fast_blocks >= 1) {
        /* explicit IV: plaintext block 0 gets the same flip */
        for (size_t o = 0; o < bs; o++)
            for (unsigned b = 0; b < 8; b++) {
                uint8_t v = pt[o] ^ (uint8_t)(1u << b);
                bool match = false;
                BM_GUARD(bm_ms_test(S, o, &v, 1, &match));
                if (match)
                    BM_GUARD(bm_ms_report(L, o, (uint8_t)(1u << b)));
            }
    }
    for (size_t c = 0; c + 1 < fast_blocks; c++) {
        const uint8_t *prev = c ? ct + (c - 1) * bs : iv0;
        for (size_t o = 0; o < bs; o++)
            for (unsigned b = 0; b < 8; b++) {
                uint8_t x = (uint8_t)(1u << b);
                int outl = 0;
                memcpy(blk, ct + c * bs, bs);
                blk[o] ^= x;
                BM_ENSURE(EVP_DecryptInit_ex(w->cctx, NULL, NULL, NULL, prev) == 1 &&
                          EVP_DecryptUpdate(w->cctx, mod, &outl, blk, (int)bs) == 1 &&
                          (size_t)outl == bs, BM_ERR_CRYPTO);
                memcpy(mod + bs, pt + (c + 1) * bs, bs);
                mod[bs + o] ^= x;
                bool match = false;
                BM_GUARD(bm_ms_test(S, c * bs, mod, 2 * bs, &match));
                if (match)
                    BM_GUARD(bm_ms_report(L, ivl + c * bs + o, x));
            }
    }
    OPENSSL_cleanse(mod, sizeof mod);
    return BM_SUCCESS;
}

static BM_RESULT bm_ms_run(bm_msearch *S, bm_rec *w, uint8_t *pt)
{
    bm_loc *L = S->L;
    bm_open_result o;
    BM_GUARD(bm_rec_copy_state(w, L->orig));
    BM_GUARD(bm_rec_open(w, L->seq, L->type, L->version, L->in, L->len, pt, L->len, &o));
    if (o.status == BM_REC_BAD_LENGTH || w->mac_len == 0)
        return BM_SUCCESS;
    size_t ml = w->mac_len;
    S->ml = ml;
    if (w->vt == &bm_rec_stream_class) {
        S->d = pt;
        S->dlen = L->len - ml;
        S->target = pt + S->dlen;
        BM_GUARD(bm_ms_mac_bytes(L, &o, S->dlen));
        BM_GUARD(bm_ms_start(S, &w->mac));
        return bm_ms_direct(S, 0);
    }
    size_t bs = w->suite->block_len, ivl = w->version >= BM_TLS11 ? bs : 0;
    if (w->flags & BM_REC_ETM) {
        S->d = L->in;
        S->dlen = L->len - ml;
        S->target = L->in + S->dlen;
        BM_GUARD(bm_ms_mac_bytes(L, &o, S->dlen));
        BM_GUARD(bm_ms_start(S, &w->mac));
        return bm_ms_direct(S, 0);
    }
    /* MtE: blocks up to fast_blocks hold data only (when the padding as
     * received is sound); the rest, or the last 18 blocks when it is not
     * (padding reaches 256 bytes), get a full open per bit. */
    size_t nblocks = (L->len - ivl) / bs, fast = 0;
    if (o.pad_ok) {
        fast = o.plain_len / bs;
        S->d = pt;
        S->dlen = o.plain_len;
        S->target = o.got_mac;
        BM_GUARD(bm_ms_start(S, &w->mac));
        BM_GUARD(bm_ms_mte(S, w, pt, ivl, fast));
    } else {
        fast = nblocks > 18 ? nblocks - 18 : 0;
    }
    /* Block c (c >= 1 here) touches plaintext blocks c and c + 1; the IV
     * (c = -1) only block 0. */
    size_t first = fast ? ivl + (fast - 1) * bs : 0;
    return bm_loc_brute_bits(L, BM_REP_BODY, first, L->len);
}

BM_RESULT bm_locate_mac(bm_loc *L)
{
    bm_rec *w = L->work;
    bm_msearch S = {.L = L};
    uint8_t *pt = malloc(L->len ? L->len : 1);
    S.run = EVP_MD_CTX_new();
    S.tmp = EVP_MD_CTX_new();
    bm_result res = pt && S.run && S.tmp ? bm_ms_run(&S, w, pt) : bm_res(BM_ERR_NOMEM);
    EVP_MD_CTX_free(S.run);
    EVP_MD_CTX_free(S.tmp);
    if (pt)
        OPENSSL_cleanse(pt, L->len ? L->len : 1);
    free(pt);
    return res;
}
