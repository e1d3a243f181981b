/*
 * rec_mac.c - the record MAC of the HMAC modes: HMAC (TLS) or the SSL 3.0
 * MAC, keyed once. Per record: two context copies and two short hashes on
 * top of the data itself.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "rec_int.h"

void bm_mac_free(bm_mac *m)
{
    EVP_MD_CTX_free(m->inner);
    EVP_MD_CTX_free(m->outer);
    EVP_MD_CTX_free(m->work);
    memset(m, 0, sizeof *m);
}

BM_RESULT bm_mac_init(bm_rec *r)
{
    bm_mac *m = &r->mac;
    const EVP_MD *md = bm_crypto_md(r->cc, (bm_hash)r->suite->mac);
    BM_ENSURE(md, BM_ERR_UNSUPPORTED);
    m->inner = EVP_MD_CTX_new();
    m->outer = EVP_MD_CTX_new();
    m->work = EVP_MD_CTX_new();
    BM_ENSURE(m->inner && m->outer && m->work, BM_ERR_NOMEM);
    m->len = (size_t)EVP_MD_get_size(md);
    m->ssl3 = r->version == BM_SSL3;
    const uint8_t *key = r->keys.mac_key;
    size_t klen = r->keys.mac_key_len;
    uint8_t ipad[128], opad[128];
    size_t n;
    if (m->ssl3) {
        /* RFC 6101 5.2.3.1: hash(secret + pad_1 ...), pads 48 (MD5) / 40 (SHA). */
        n = r->suite->mac == BM_HASH_MD5 ? 48 : 40;
        memset(ipad, 0x36, n);
        memset(opad, 0x5c, n);
    } else {
        /* RFC 2104; TLS MAC keys are never longer than the hash block. */
        n = (size_t)EVP_MD_get_block_size(md);
        BM_ENSURE(n <= sizeof ipad && klen <= n, BM_ERR_UNSUPPORTED);
        memset(ipad, 0x36, n);
        memset(opad, 0x5c, n);
        for (size_t i = 0; i < klen; i++) {
            ipad[i] ^= key[i];
            opad[i] ^= key[i];
        }
        klen = 0; /* the key is folded into the pads */
    }
    int ok = EVP_DigestInit_ex(m->inner, md, NULL) && EVP_DigestUpdate(m->inner, key, klen) &&
             EVP_DigestUpdate(m->inner, ipad, n) && EVP_DigestInit_ex(m->outer, md, NULL) &&
             EVP_DigestUpdate(m->outer, key, klen) && EVP_DigestUpdate(m->outer, opad, n);
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
    BM_ENSURE(ok, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

BM_RESULT bm_mac_compute(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                         const uint8_t *data, size_t len, uint8_t *out)
{
    bm_mac *m = &r->mac;
    uint8_t hdr[13], ih[EVP_MAX_MD_SIZE];
    size_t n = 0;
    bm_put_u64(hdr, seq);
    n = 8;
    hdr[n++] = type;
    if (!m->ssl3) {
        hdr[n++] = (uint8_t)(version >> 8);
        hdr[n++] = (uint8_t)version;
    }
    hdr[n++] = (uint8_t)(len >> 8);
    hdr[n++] = (uint8_t)len;
    int ok = EVP_MD_CTX_copy_ex(m->work, m->inner) && EVP_DigestUpdate(m->work, hdr, n) &&
             EVP_DigestUpdate(m->work, data, len) && EVP_DigestFinal_ex(m->work, ih, NULL) &&
             EVP_MD_CTX_copy_ex(m->work, m->outer) && EVP_DigestUpdate(m->work, ih, m->len) &&
             EVP_DigestFinal_ex(m->work, out, NULL);
    OPENSSL_cleanse(ih, sizeof ih);
    BM_ENSURE(ok, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}
