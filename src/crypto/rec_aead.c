/*
 * rec_aead.c - TLS 1.2 AEAD suites, and the AEAD primitives TLS 1.3 shares.
 *
 *   GCM/CCM (RFC 5288, RFC 6655): nonce = salt[4] + explicit[8], the
 *     explicit part leading the record; record = explicit + ciphertext + tag.
 *   ChaCha20-Poly1305 (RFC 7905): nonce = iv[12] xor seq; record =
 *     ciphertext + tag.
 *   AAD = seq[8] + type + version + plaintext length (RFC 5246 6.2.3.3).
 *
 * The key is set once; each record only re-initialises the nonce.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "rec_int.h"

bool bm_aead_is_ccm(const bm_suite *s)
{
    return s->locator == BM_LOCATOR_CCM; /* the registry row's authenticator */
}

static BM_RESULT bm_aead_key(const bm_rec *r, EVP_CIPHER_CTX *x, int enc)
{
    const EVP_CIPHER *ci = bm_crypto_cipher(r->cc, (bm_cipher)r->suite->cipher);
    BM_ENSURE(ci, BM_ERR_UNSUPPORTED);
    int ok = EVP_CipherInit_ex(x, ci, NULL, NULL, NULL, enc) == 1 &&
             EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1;
    if (ok && bm_aead_is_ccm(r->suite))
        ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, r->suite->tag_len, NULL) == 1;
    ok = ok && EVP_CipherInit_ex(x, NULL, NULL, r->keys.key, NULL, enc) == 1;
    BM_ENSURE(ok, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

BM_RESULT bm_aead_init(bm_rec *r)
{
    return bm_aead_key(r, r->cctx, 0);
}

BM_RESULT bm_aead_decrypt(bm_rec *r, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                          const uint8_t *ct, size_t ct_len, const uint8_t *tag, uint8_t *out,
                          bool *tag_ok, bool *decrypted)
{
    EVP_CIPHER_CTX *x = r->cctx;
    uint8_t t[16];
    int tl = r->suite->tag_len, outl = 0, fin = 0;
    memcpy(t, tag, (size_t)tl);
    *tag_ok = false;
    *decrypted = false;
    if (bm_aead_is_ccm(r->suite)) {
        /* CCM needs the tag and the total length before any data, and
         * reports the verdict from the update that decrypts. */
        BM_ENSURE(EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce) == 1 &&
                  EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, tl, t) == 1 &&
                  EVP_DecryptUpdate(x, NULL, &outl, NULL, (int)ct_len) == 1 &&
                  EVP_DecryptUpdate(x, NULL, &outl, aad, (int)aad_len) == 1, BM_ERR_CRYPTO);
        *tag_ok = EVP_DecryptUpdate(x, out, &outl, ct, (int)ct_len) > 0;
        *decrypted = *tag_ok;
        return BM_SUCCESS;
    }
    BM_ENSURE(EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce) == 1 &&
              EVP_DecryptUpdate(x, NULL, &outl, aad, (int)aad_len) == 1, BM_ERR_CRYPTO);
    if (ct_len)
        BM_ENSURE(EVP_DecryptUpdate(x, out, &outl, ct, (int)ct_len) == 1, BM_ERR_CRYPTO);
    *decrypted = true;
    BM_ENSURE(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, tl, t) == 1, BM_ERR_CRYPTO);
    fin = EVP_DecryptFinal_ex(x, out + ct_len, &outl);
    *tag_ok = fin > 0;
    return BM_SUCCESS;
}

BM_RESULT bm_aead_seal_tag(bm_rec *r, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                           const uint8_t *pt, size_t pt_len, uint8_t *tag)
{
    if (!r->ectx) {
        r->ectx = EVP_CIPHER_CTX_new();
        BM_ENSURE(r->ectx, BM_ERR_NOMEM);
        bm_result res = bm_aead_key(r, r->ectx, 1);
        if (!bm_is_ok(res)) {
            EVP_CIPHER_CTX_free(r->ectx);
            r->ectx = NULL;
            return res;
        }
    }
    EVP_CIPHER_CTX *x = r->ectx;
    uint8_t *ct = malloc(pt_len + 16);
    BM_ENSURE(ct, BM_ERR_NOMEM);
    int outl = 0;
    int ok = EVP_EncryptInit_ex(x, NULL, NULL, NULL, nonce) == 1 &&
             EVP_EncryptUpdate(x, NULL, &outl, aad, (int)aad_len) == 1 &&
             (!pt_len || EVP_EncryptUpdate(x, ct, &outl, pt, (int)pt_len) == 1) &&
             EVP_EncryptFinal_ex(x, ct + pt_len, &outl) == 1 &&
             EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, r->suite->tag_len, tag) == 1;
    free(ct);
    BM_ENSURE(ok, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

static bool bm_aead12_frame(const bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                            const uint8_t *in, size_t len, uint8_t nonce[12], uint8_t aad[13],
                            size_t *aad_len, size_t *ct_off, size_t *ct_len)
{
    size_t tl = r->suite->tag_len, xl = r->suite->record_iv_len;
    if (len < xl + tl)
        return false;
    if (r->suite->mode == BM_MODE_CHACHA) {
        bm_xor_nonce(nonce, r->keys.iv, 12, seq);
    } else {
        memcpy(nonce, r->keys.iv, 4);
        memcpy(nonce + 4, in, 8);
    }
    *ct_off = xl;
    *ct_len = len - xl - tl;
    bm_put_u64(aad, seq);
    aad[8] = type;
    aad[9] = (uint8_t)(version >> 8);
    aad[10] = (uint8_t)version;
    aad[11] = (uint8_t)(*ct_len >> 8);
    aad[12] = (uint8_t)*ct_len;
    *aad_len = 13;
    return true;
}

static BM_RESULT bm_aead12_open(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                                const uint8_t *in, size_t len, uint8_t *out, bm_open_result *res)
{
    uint8_t nonce[12], aad[13];
    size_t aad_len = 0, off = 0, n = 0, tl = r->suite->tag_len;
    if (!bm_aead12_frame(r, seq, type, version, in, len, nonce, aad, &aad_len, &off, &n)) {
        res->status = BM_REC_BAD_LENGTH;
        return BM_SUCCESS;
    }
    res->mac_len = (uint8_t)tl;
    memcpy(res->got_mac, in + len - tl, tl);
    /* Same pointer or disjoint for EVP: when in place, decrypt where the
     * ciphertext lies and slide it over the explicit nonce afterwards. */
    uint8_t *dst = out == in ? out + off : out;
    bool tag_ok = false, decrypted = false;
    BM_GUARD(bm_aead_decrypt(r, nonce, aad, aad_len, in + off, n, res->got_mac, dst, &tag_ok,
                             &decrypted));
    if (decrypted && dst != out)
        memmove(out, dst, n);
    res->decrypted_len = decrypted ? n : 0;
    res->plain_len = n;
    res->mac_ok = tag_ok;
    res->status = tag_ok ? BM_REC_OK : BM_REC_BAD_TAG;
    return BM_SUCCESS;
}

static size_t bm_aead12_min_len(const bm_rec *r)
{
    return r->suite->record_iv_len + r->suite->tag_len;
}

const bm_rec_class bm_rec_aead_class = {
    "aead", bm_aead_init, bm_aead12_open, bm_aead12_min_len, bm_aead12_frame,
};
