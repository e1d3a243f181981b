/*
 * rec_tls13.c - TLS 1.3 record protection (RFC 8446 5.2-5.4), all five
 * suites: nonce = iv xor seq, AAD = the record header itself, and the
 * plaintext is content + inner content type + zero padding.
 */
#include <string.h>

#include "rec_int.h"

static bool bm_tls13_frame(const bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                           const uint8_t *in, size_t len, uint8_t nonce[12], uint8_t aad[13],
                           size_t *aad_len, size_t *ct_off, size_t *ct_len)
{
    size_t tl = r->suite->tag_len;
    /* At least the inner content type byte. */
    if (len < tl + 1)
        return false;
    bm_xor_nonce(nonce, r->keys.iv, 12, seq);
    aad[0] = type;
    aad[1] = (uint8_t)(version >> 8);
    aad[2] = (uint8_t)version;
    aad[3] = (uint8_t)(len >> 8);
    aad[4] = (uint8_t)len;
    *aad_len = 5;
    *ct_off = 0;
    *ct_len = len - tl;
    return true;
}

static BM_RESULT bm_tls13_open(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                               const uint8_t *in, size_t len, uint8_t *out, bm_open_result *res)
{
    uint8_t nonce[12], aad[13];
    size_t aad_len = 0, off = 0, n = 0, tl = r->suite->tag_len;
    if (!bm_tls13_frame(r, seq, type, version, in, len, nonce, aad, &aad_len, &off, &n)) {
        res->status = BM_REC_BAD_LENGTH;
        return BM_SUCCESS;
    }
    res->mac_len = (uint8_t)tl;
    memcpy(res->got_mac, in + n, tl);
    bool tag_ok = false, decrypted = false;
    BM_GUARD(bm_aead_decrypt(r, nonce, aad, aad_len, in, n, res->got_mac, out, &tag_ok, &decrypted));
    res->decrypted_len = decrypted ? n : 0;
    res->mac_ok = tag_ok;
    if (!tag_ok) {
        res->status = BM_REC_BAD_TAG;
        res->plain_len = 0;
        return BM_SUCCESS;
    }
    size_t i = n;
    while (i > 0 && out[i - 1] == 0)
        i--;
    if (i == 0) {
        res->status = BM_REC_NO_CONTENT_TYPE;
        res->pad_len = n;
        return BM_SUCCESS;
    }
    res->inner_type = out[i - 1];
    res->plain_len = i - 1;
    res->pad_len = n - i;
    res->status = BM_REC_OK;
    return BM_SUCCESS;
}

static size_t bm_tls13_min_len(const bm_rec *r)
{
    return (size_t)r->suite->tag_len + 1;
}

const bm_rec_class bm_rec_tls13_class = {
    "tls13", bm_aead_init, bm_tls13_open, bm_tls13_min_len, bm_tls13_frame,
};
