/*
 * rec_cbc.c - block cipher suites (RFC 5246 6.2.3.2, RFC 2246, RFC 6101):
 *
 *   MAC-then-encrypt:  [IV] E(fragment + MAC + padding + padding_length)
 *   encrypt-then-MAC (RFC 7366):  [IV] E(fragment + padding + padding_length) + MAC
 *
 * The IV is explicit from TLS 1.1 on; SSL 3.0 and TLS 1.0 chain it from
 * the last ciphertext block of the previous record (the carried state).
 * TLS padding is padding_length + 1 bytes all equal to padding_length;
 * SSL 3.0 only requires padding_length < block size.
 *
 * Padding and MAC are both checked for every record, and both verdicts are
 * reported: the status names the first check a receiver makes (padding for
 * MtE, MAC for EtM). This is an offline analyser, so there is no timing
 * oracle to hide; still, comparisons use CRYPTO_memcmp.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "rec_int.h"

static BM_RESULT bm_cbc_init(bm_rec *r)
{
    const EVP_CIPHER *ci = bm_crypto_cipher(r->cc, (bm_cipher)r->suite->cipher);
    BM_ENSURE(ci, BM_ERR_UNSUPPORTED);
    BM_ENSURE((size_t)EVP_CIPHER_get_block_size(ci) == r->suite->block_len &&
              r->suite->block_len <= BM_MAX_IV_LEN, BM_ERR_UNSUPPORTED);
    BM_ENSURE(EVP_DecryptInit_ex(r->cctx, ci, NULL, r->keys.key, NULL) == 1 &&
              EVP_CIPHER_CTX_set_padding(r->cctx, 0) == 1, BM_ERR_CRYPTO);
    memcpy(r->chain_iv, r->keys.iv, r->keys.iv_len);
    return bm_mac_init(r);
}

static bool bm_cbc_explicit_iv(const bm_rec *r)
{
    return r->version >= BM_TLS11;
}

/* Decrypts ct[0..n) (N a multiple of the block size, > 0) under iv into
 * out; the chained IV moves to the last ciphertext block. */
static BM_RESULT bm_cbc_decrypt(bm_rec *r, const uint8_t *iv, const uint8_t *ct, size_t n,
                                uint8_t *out)
{
    size_t bs = r->suite->block_len;
    uint8_t next[BM_MAX_IV_LEN], ivc[BM_MAX_IV_LEN];
    memcpy(next, ct + n - bs, bs);
    memcpy(ivc, iv, bs);
    /* EVP refuses partially overlapping buffers: decrypt in place at the
     * ciphertext's own offset, then slide the plaintext down. */
    uintptr_t o = (uintptr_t)out, c = (uintptr_t)ct;
    uint8_t *dst = (o <= c && c < o + n) ? out + (c - o) : out;
    int outl = 0;
    BM_ENSURE(EVP_DecryptInit_ex(r->cctx, NULL, NULL, NULL, ivc) == 1 &&
              EVP_DecryptUpdate(r->cctx, dst, &outl, ct, (int)n) == 1 && (size_t)outl == n,
              BM_ERR_CRYPTO);
    if (dst != out)
        memmove(out, dst, n);
    if (!bm_cbc_explicit_iv(r))
        memcpy(r->chain_iv, next, bs);
    return BM_SUCCESS;
}

/* Checks the padding at the end of pt[0..n); returns the padding length
 * byte and sets *ok. ROOM is the bytes that precede padding (the MAC for
 * MtE, 0 for EtM). */
static size_t bm_cbc_padding(const bm_rec *r, const uint8_t *pt, size_t n, size_t room, bool *ok)
{
    size_t pad = pt[n - 1];
    bool fits = pad + 1 + room <= n;
    if (r->version == BM_SSL3) {
        *ok = fits && pad < r->suite->block_len;
        return pad;
    }
    unsigned diff = fits ? 0 : 1;
    size_t check = fits ? pad + 1 : 0;
    for (size_t i = 0; i < check; i++)
        diff |= pt[n - 1 - i] ^ (unsigned)pad;
    *ok = diff == 0;
    return pad;
}

static void bm_cbc_verdict(bm_open_result *res, const uint8_t *want, const uint8_t *got, size_t ml)
{
    res->mac_len = (uint8_t)ml;
    memcpy(res->want_mac, want, ml);
    memcpy(res->got_mac, got, ml);
    res->mac_ok = CRYPTO_memcmp(want, got, ml) == 0;
}

static BM_RESULT bm_cbc_open_mte(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                                 const uint8_t *in, size_t len, uint8_t *out, bm_open_result *res)
{
    size_t bs = r->suite->block_len, ml = r->mac_len;
    size_t ivl = bm_cbc_explicit_iv(r) ? bs : 0;
    if (len < ivl || len % bs || len - ivl < ml + 1 || len - ivl == 0) {
        res->status = BM_REC_BAD_LENGTH;
        return BM_SUCCESS;
    }
    size_t n = len - ivl;
    BM_GUARD(bm_cbc_decrypt(r, ivl ? in : r->chain_iv, in + ivl, n, out));
    res->decrypted_len = n;
    bool pad_ok = false;
    size_t pad = bm_cbc_padding(r, out, n, ml, &pad_ok);
    /* The MAC sits before the padding the length byte announces when that
     * fits, even if the padding bytes are wrong: a MAC that still verifies
     * then proves the sender's padding content, not its keys, is at fault. */
    size_t eff = pad + 1 + ml <= n ? pad : 0;
    size_t dl = n - 1 - eff - ml;
    uint8_t want[EVP_MAX_MD_SIZE];
    BM_GUARD(bm_mac_compute(r, seq, type, version, out, dl, want));
    bm_cbc_verdict(res, want, out + dl, ml);
    res->pad_ok = pad_ok;
    res->pad_len = pad;
    res->plain_len = dl;
    res->status = !pad_ok ? BM_REC_BAD_PADDING : !res->mac_ok ? BM_REC_BAD_MAC : BM_REC_OK;
    return BM_SUCCESS;
}

static BM_RESULT bm_cbc_open_etm(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                                 const uint8_t *in, size_t len, uint8_t *out, bm_open_result *res)
{
    size_t bs = r->suite->block_len, ml = r->mac_len;
    size_t ivl = bm_cbc_explicit_iv(r) ? bs : 0;
    if (len < ivl + ml + bs || (len - ivl - ml) % bs) {
        res->status = BM_REC_BAD_LENGTH;
        return BM_SUCCESS;
    }
    size_t n = len - ivl - ml;
    /* MAC over IV + ciphertext, taken before an in-place decryption. */
    uint8_t want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
    BM_GUARD(bm_mac_compute(r, seq, type, version, in, len - ml, want));
    memcpy(got, in + len - ml, ml);
    BM_GUARD(bm_cbc_decrypt(r, ivl ? in : r->chain_iv, in + ivl, n, out));
    res->decrypted_len = n;
    bm_cbc_verdict(res, want, got, ml);
    bool pad_ok = false;
    size_t pad = bm_cbc_padding(r, out, n, 0, &pad_ok);
    res->pad_ok = pad_ok;
    res->pad_len = pad;
    res->plain_len = pad_ok ? n - 1 - pad : n - 1;
    res->status = !res->mac_ok ? BM_REC_BAD_MAC : !pad_ok ? BM_REC_BAD_PADDING : BM_REC_OK;
    return BM_SUCCESS;
}

static BM_RESULT bm_cbc_open(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                             const uint8_t *in, size_t len, uint8_t *out, bm_open_result *res)
{
    if (r->flags & BM_REC_ETM)
        return bm_cbc_open_etm(r, seq, type, version, in, len, out, res);
    return bm_cbc_open_mte(r, seq, type, version, in, len, out, res);
}

static size_t bm_cbc_min_len(const bm_rec *r)
{
    size_t bs = r->suite->block_len, ml = r->mac_len;
    size_t ivl = bm_cbc_explicit_iv(r) ? bs : 0;
    if (r->flags & BM_REC_ETM)
        return ivl + bs + ml;
    return ivl + (ml + 1 + bs - 1) / bs * bs;
}

const bm_rec_class bm_rec_cbc_class = {
    "cbc", bm_cbc_init, bm_cbc_open, bm_cbc_min_len, NULL,
};
