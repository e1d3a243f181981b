/*
 * rec.c - the bm_rec object: validation of the parameters, choice of the
 * mode's vtable, cloning of carried state, and the checks every mode shares.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "rec_int.h"

const char *bm_rec_status_name(bm_rec_status s)
{
    switch (s) {
    case BM_REC_OK: return "ok";
    case BM_REC_BAD_MAC: return "bad MAC";
    case BM_REC_BAD_TAG: return "bad AEAD tag";
    case BM_REC_BAD_PADDING: return "bad CBC padding";
    case BM_REC_BAD_LENGTH: return "impossible length";
    case BM_REC_NO_CONTENT_TYPE: return "no inner content type";
    }
    return "unknown";
}

/* The implementation that opens the records of each record class (the
 * suite registry row's rec_class); NULL where there is none. */
static const bm_rec_class *const bm_rec_impls[] = {
    [BM_RC_NULL] = &bm_rec_stream_class,
    [BM_RC_STREAM] = &bm_rec_stream_class,
    [BM_RC_CBC] = &bm_rec_cbc_class,
    [BM_RC_AEAD] = &bm_rec_aead_class,
    [BM_RC_CHACHA] = &bm_rec_aead_class,
    [BM_RC_TLS13] = &bm_rec_tls13_class,
};

static const bm_rec_class *bm_rec_impl(const bm_suite *s)
{
    return s->rec_class < sizeof bm_rec_impls / sizeof bm_rec_impls[0] ? bm_rec_impls[s->rec_class] : NULL;
}

static BM_RESULT bm_rec_check(const bm_crypto_ctx *c, const bm_rec_params *p)
{
    const bm_suite *s = p->suite;
    const bm_dir_keys *k = p->keys;
    BM_ENSURE(s && k, BM_ERR_USAGE);
    /* Only the registry rows badmac decrypts have a cipher and sizes. */
    BM_ENSURE(s->decrypt && bm_rec_impl(s), BM_ERR_UNSUPPORTED);
    BM_ENSURE(p->version >= BM_SSL3 && p->version <= BM_TLS13, BM_ERR_UNSUPPORTED);
    /* TLS 1.3 suites exist only in TLS 1.3 and vice versa. */
    BM_ENSURE((s->kx == BM_KX_TLS13) == (p->version == BM_TLS13), BM_ERR_UNSUPPORTED);
    BM_ENSURE(!(p->flags & ~(BM_REC_ETM | BM_REC_TRUNC_HMAC)), BM_ERR_USAGE);
    bool hmac = s->mode == BM_MODE_STREAM || s->mode == BM_MODE_CBC;
    BM_ENSURE(!(p->flags & BM_REC_ETM) || (s->mode == BM_MODE_CBC && p->version > BM_SSL3),
              BM_ERR_UNSUPPORTED);
    BM_ENSURE(!(p->flags & BM_REC_TRUNC_HMAC) || (hmac && s->mac_len > 10 && p->version > BM_SSL3),
              BM_ERR_UNSUPPORTED);
    BM_ENSURE(bm_crypto_has_cipher(c, (bm_cipher)s->cipher) &&
              bm_crypto_has_hash(c, (bm_hash)s->mac), BM_ERR_UNSUPPORTED);
    BM_ENSURE(k->key_len == s->key_len && k->key_len <= BM_MAX_KEY_LEN, BM_ERR_USAGE);
    BM_ENSURE(!hmac || k->mac_key_len == s->mac_len, BM_ERR_USAGE);
    /* CBC from TLS 1.1 on carries its IV in each record. */
    bool iv_needed = !(s->mode == BM_MODE_CBC && p->version >= BM_TLS11);
    BM_ENSURE(!iv_needed || k->iv_len == s->fixed_iv_len, BM_ERR_USAGE);
    BM_ENSURE(k->iv_len <= BM_MAX_IV_LEN && k->mac_key_len <= BM_MAX_MAC_KEY_LEN, BM_ERR_USAGE);
    return BM_SUCCESS;
}

BM_RESULT bm_rec_new(bm_crypto_ctx *c, const bm_rec_params *p, bm_rec **out)
{
    *out = NULL;
    BM_GUARD(bm_rec_check(c, p));
    bm_rec *r = calloc(1, sizeof *r);
    BM_ENSURE(r, BM_ERR_NOMEM);
    r->cc = c;
    r->suite = p->suite;
    r->version = p->version;
    r->flags = p->flags;
    r->keys = *p->keys;
    r->mac_len = (p->flags & BM_REC_TRUNC_HMAC) ? 10 : p->suite->mac_len;
    r->vt = bm_rec_impl(p->suite);
    r->cctx = EVP_CIPHER_CTX_new();
    bm_result res = r->cctx ? r->vt->init(r) : bm_res(BM_ERR_NOMEM);
    if (!bm_is_ok(res)) {
        bm_rec_free(r);
        return res;
    }
    *out = r;
    return BM_SUCCESS;
}

void bm_rec_free(bm_rec *r)
{
    if (!r)
        return;
    EVP_CIPHER_CTX_free(r->cctx);
    EVP_CIPHER_CTX_free(r->ectx);
    bm_mac_free(&r->mac);
    OPENSSL_cleanse(r, sizeof *r);
    free(r);
}

BM_RESULT bm_rec_copy_state(bm_rec *dst, const bm_rec *src)
{
    BM_ENSURE(dst->suite == src->suite, BM_ERR_USAGE);
    /* Only RC4 keeps state inside the cipher context; AEAD and CBC
     * contexts are re-initialised with a fresh IV for every record. */
    if (src->suite->cipher == BM_CIPHER_RC4_128)
        BM_ENSURE(EVP_CIPHER_CTX_copy(dst->cctx, src->cctx) == 1, BM_ERR_CRYPTO);
    memcpy(dst->chain_iv, src->chain_iv, sizeof dst->chain_iv);
    return BM_SUCCESS;
}

BM_RESULT bm_rec_clone(const bm_rec *r, bm_rec **out)
{
    bm_rec_params p = {r->suite, r->version, r->flags, &r->keys};
    BM_GUARD(bm_rec_new(r->cc, &p, out));
    bm_result res = bm_rec_copy_state(*out, r);
    if (!bm_is_ok(res)) {
        bm_rec_free(*out);
        *out = NULL;
    }
    return res;
}

BM_RESULT bm_rec_open(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                      const uint8_t *in, size_t len, uint8_t *out, size_t out_cap,
                      bm_open_result *res)
{
    memset(res, 0, sizeof *res);
    res->inner_type = type;
    res->pad_ok = true;
    BM_ENSURE(len <= BM_REC_MAX_INPUT, BM_ERR_LIMIT);
    BM_ENSURE(out_cap >= len && (in || !len) && out, BM_ERR_USAGE);
    return r->vt->open(r, seq, type, version, in, len, out, res);
}

size_t bm_rec_min_len(const bm_rec *r)
{
    return r->vt->min_len(r);
}

const bm_suite *bm_rec_suite(const bm_rec *r)
{
    return r->suite;
}

uint16_t bm_rec_version(const bm_rec *r)
{
    return r->version;
}

size_t bm_rec_mac_len(const bm_rec *r)
{
    return r->mac_len;
}

bool bm_rec_stateful(const bm_rec *r)
{
    return (r->suite->mode == BM_MODE_STREAM && r->suite->cipher == BM_CIPHER_RC4_128) ||
           (r->suite->mode == BM_MODE_CBC && r->version <= BM_TLS10);
}

BM_RESULT bm_rec_mac(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version, const uint8_t *data,
                     size_t len, uint8_t out[BM_REC_MAX_MAC])
{
    BM_ENSURE((r->suite->mode == BM_MODE_STREAM || r->suite->mode == BM_MODE_CBC) && r->mac_len &&
              r->mac.inner, BM_ERR_UNSUPPORTED);
    BM_ENSURE(len <= BM_REC_MAX_INPUT && (data || !len), BM_ERR_USAGE);
    uint8_t full[EVP_MAX_MD_SIZE];
    BM_GUARD(bm_mac_compute(r, seq, type, version, data, len, full));
    memcpy(out, full, r->mac_len);
    OPENSSL_cleanse(full, sizeof full);
    return BM_SUCCESS;
}

BM_RESULT bm_rec_expected_tag(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                              const uint8_t *in, size_t len, uint8_t tag[16], size_t *tag_len)
{
    uint8_t nonce[12], aad[13], dummy[16] = {0};
    size_t aad_len = 0, off = 0, ct_len = 0;
    *tag_len = 0;
    BM_ENSURE(r->vt->aead_frame && !bm_aead_is_ccm(r->suite), BM_ERR_UNSUPPORTED);
    BM_ENSURE(len <= BM_REC_MAX_INPUT, BM_ERR_LIMIT);
    BM_ENSURE(r->vt->aead_frame(r, seq, type, version, in, len, nonce, aad, &aad_len, &off, &ct_len),
              BM_ERR_MALFORMED);
    uint8_t *pt = malloc(ct_len ? ct_len : 1);
    BM_ENSURE(pt, BM_ERR_NOMEM);
    bool tag_ok = false, decrypted = false;
    bm_result res = bm_aead_decrypt(r, nonce, aad, aad_len, in + off, ct_len, dummy, pt, &tag_ok,
                                    &decrypted);
    if (bm_is_ok(res) && !decrypted)
        res = bm_res(BM_ERR_CRYPTO);
    if (bm_is_ok(res))
        res = bm_aead_seal_tag(r, nonce, aad, aad_len, pt, ct_len, tag);
    if (bm_is_ok(res))
        *tag_len = r->suite->tag_len;
    OPENSSL_cleanse(pt, ct_len);
    free(pt);
    return res;
}
