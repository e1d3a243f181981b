/*
 * rec_stream.c - NULL and RC4 suites: the fragment and its MAC, encrypted
 * as one stream (RFC 5246 6.2.3.1; SSL 3.0 MAC for version 0x0300).
 * RC4's keystream position is the carried state: every record advances it
 * by its full length, whatever the verdict, as the receiver's would.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "rec_int.h"

static BM_RESULT bm_stream_init(bm_rec *r)
{
    if (r->suite->cipher == BM_CIPHER_RC4_128) {
        const EVP_CIPHER *ci = bm_crypto_cipher(r->cc, BM_CIPHER_RC4_128);
        BM_ENSURE(ci, BM_ERR_UNSUPPORTED);
        BM_ENSURE(EVP_DecryptInit_ex(r->cctx, ci, NULL, r->keys.key, NULL) == 1, BM_ERR_CRYPTO);
    }
    if (r->suite->mac == BM_HASH_NONE)
        return BM_SUCCESS; /* TLS_NULL_WITH_NULL_NULL */
    return bm_mac_init(r);
}

static BM_RESULT bm_stream_open(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                                const uint8_t *in, size_t len, uint8_t *out, bm_open_result *res)
{
    size_t ml = r->mac_len;
    if (len && r->suite->cipher == BM_CIPHER_RC4_128) {
        int outl = 0;
        BM_ENSURE(EVP_DecryptUpdate(r->cctx, out, &outl, in, (int)len) == 1, BM_ERR_CRYPTO);
    } else if (out != in && len) {
        memmove(out, in, len);
    }
    res->decrypted_len = len;
    if (len < ml) {
        res->status = BM_REC_BAD_LENGTH;
        res->mac_ok = false;
        return BM_SUCCESS;
    }
    size_t n = len - ml;
    res->plain_len = n;
    res->mac_len = (uint8_t)ml;
    if (ml == 0) {
        res->mac_ok = true;
        return BM_SUCCESS;
    }
    uint8_t want[EVP_MAX_MD_SIZE];
    BM_GUARD(bm_mac_compute(r, seq, type, version, out, n, want));
    memcpy(res->got_mac, out + n, ml);
    memcpy(res->want_mac, want, ml);
    res->mac_ok = CRYPTO_memcmp(want, out + n, ml) == 0;
    res->status = res->mac_ok ? BM_REC_OK : BM_REC_BAD_MAC;
    OPENSSL_cleanse(want, sizeof want);
    return BM_SUCCESS;
}

static size_t bm_stream_min_len(const bm_rec *r)
{
    return r->mac_len;
}

const bm_rec_class bm_rec_stream_class = {
    "stream", bm_stream_init, bm_stream_open, bm_stream_min_len, NULL,
};
