/*
 * kdf13.c - the TLS 1.3 key schedule (RFC 8446 section 7.1) as small named
 * steps: extract, expand-label, derive-secret, then the three stages.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include "crypto_int.h"
#include "kdf.h"

static const char *bm_hkdf_md(bm_hash h)
{
    return h == BM_HASH_SHA256 ? "SHA2-256" : h == BM_HASH_SHA384 ? "SHA2-384" : NULL;
}

static BM_RESULT bm_hkdf_run(bm_crypto_ctx *c, bm_hash h, int mode, const uint8_t *key,
                             size_t key_len, const uint8_t *salt, size_t salt_len,
                             const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    const char *mdname = bm_hkdf_md(h);
    BM_ENSURE(mdname, BM_ERR_UNSUPPORTED);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(c->hkdf);
    BM_ENSURE(k, BM_ERR_NOMEM);
    OSSL_PARAM p[6], *q = p;
    *q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)mdname, 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
    if (salt)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    if (info && info_len)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *q = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(k, out, out_len, p);
    EVP_KDF_CTX_free(k);
    BM_ENSURE(ok == 1, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

BM_RESULT bm_hkdf_extract(bm_crypto_ctx *c, bm_hash h, const uint8_t *salt, size_t salt_len,
                          const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
    static const uint8_t zeros[BM_MAX_HASH_LEN];
    size_t hl = bm_hash_len(h);
    BM_ENSURE(hl && hl <= BM_MAX_HASH_LEN, BM_ERR_UNSUPPORTED);
    /* RFC 5869: no salt is hash-length zeros, which HMAC treats alike. */
    if (!salt || !salt_len) {
        salt = zeros;
        salt_len = hl;
    }
    if (!ikm || !ikm_len) {
        ikm = zeros;
        ikm_len = hl;
    }
    return bm_hkdf_run(c, h, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, ikm_len, salt, salt_len,
                       NULL, 0, prk, hl);
}

BM_RESULT bm_hkdf_expand(bm_crypto_ctx *c, bm_hash h, const uint8_t *prk, size_t prk_len,
                         const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    BM_ENSURE(out_len > 0 && out_len <= 255 * bm_hash_len(h), BM_ERR_USAGE);
    return bm_hkdf_run(c, h, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, prk_len, NULL, 0, info,
                       info_len, out, out_len);
}

BM_RESULT bm_hkdf_expand_label(bm_crypto_ctx *c, bm_hash h, const uint8_t *secret,
                               const char *label, const uint8_t *context, size_t context_len,
                               uint8_t *out, size_t out_len)
{
    static const char prefix[] = "tls13 ";
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t ll = strlen(label), pl = sizeof prefix - 1;
    BM_ENSURE(pl + ll <= 255 && context_len <= 255 && out_len <= 0xffff, BM_ERR_USAGE);
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(pl + ll);
    memcpy(info + n, prefix, pl);
    n += pl;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = (uint8_t)context_len;
    if (context_len)
        memcpy(info + n, context, context_len);
    n += context_len;
    return bm_hkdf_expand(c, h, secret, bm_hash_len(h), info, n, out, out_len);
}

BM_RESULT bm_tls13_derive_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *secret,
                                 const char *label, const uint8_t *thash, uint8_t *out)
{
    uint8_t empty[BM_MAX_HASH_LEN];
    size_t hl = bm_hash_len(h);
    BM_ENSURE(hl && hl <= BM_MAX_HASH_LEN, BM_ERR_UNSUPPORTED);
    if (!thash) {
        BM_GUARD(bm_hash_bytes(c, h, (const uint8_t *)"", 0, empty));
        thash = empty;
    }
    return bm_hkdf_expand_label(c, h, secret, label, thash, hl, out, hl);
}

BM_RESULT bm_tls13_early_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *psk,
                                size_t psk_len, uint8_t out[BM_MAX_HASH_LEN])
{
    return bm_hkdf_extract(c, h, NULL, 0, psk, psk ? psk_len : 0, out);
}

/* Extract(Derive-Secret(prev, "derived", ""), ikm): the step between stages. */
static BM_RESULT bm_tls13_next_stage(bm_crypto_ctx *c, bm_hash h, const uint8_t *prev,
                                     const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
    uint8_t derived[BM_MAX_HASH_LEN];
    bm_result r = bm_tls13_derive_secret(c, h, prev, "derived", NULL, derived);
    if (bm_is_ok(r))
        r = bm_hkdf_extract(c, h, derived, bm_hash_len(h), ikm, ikm ? ikm_len : 0, out);
    OPENSSL_cleanse(derived, sizeof derived);
    return r;
}

BM_RESULT bm_tls13_handshake_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *early,
                                    const uint8_t *ecdhe, size_t ecdhe_len,
                                    uint8_t out[BM_MAX_HASH_LEN])
{
    return bm_tls13_next_stage(c, h, early, ecdhe, ecdhe_len, out);
}

BM_RESULT bm_tls13_master_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *handshake,
                                 uint8_t out[BM_MAX_HASH_LEN])
{
    return bm_tls13_next_stage(c, h, handshake, NULL, 0, out);
}

BM_RESULT bm_tls13_traffic_keys(bm_crypto_ctx *c, const bm_suite *s, const uint8_t *secret,
                                bm_dir_keys *k)
{
    memset(k, 0, sizeof *k);
    BM_ENSURE(s->key_len <= BM_MAX_KEY_LEN && s->fixed_iv_len <= BM_MAX_IV_LEN, BM_ERR_USAGE);
    bm_hash h = (bm_hash)s->prf;
    BM_GUARD(bm_hkdf_expand_label(c, h, secret, "key", NULL, 0, k->key, s->key_len));
    BM_GUARD(bm_hkdf_expand_label(c, h, secret, "iv", NULL, 0, k->iv, s->fixed_iv_len));
    k->key_len = s->key_len;
    k->iv_len = s->fixed_iv_len;
    return BM_SUCCESS;
}

BM_RESULT bm_tls13_update_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *secret,
                                 uint8_t out[BM_MAX_HASH_LEN])
{
    return bm_hkdf_expand_label(c, h, secret, "traffic upd", NULL, 0, out, bm_hash_len(h));
}

BM_RESULT bm_tls13_finished(bm_crypto_ctx *c, bm_hash h, const uint8_t *base_key,
                            const uint8_t *thash, uint8_t out[BM_MAX_HASH_LEN])
{
    uint8_t fk[BM_MAX_HASH_LEN];
    size_t hl = bm_hash_len(h);
    const EVP_MD *md = bm_crypto_md(c, h);
    BM_ENSURE(md && hl <= BM_MAX_HASH_LEN, BM_ERR_UNSUPPORTED);
    BM_GUARD(bm_hkdf_expand_label(c, h, base_key, "finished", NULL, 0, fk, hl));
    EVP_MAC *mac = EVP_MAC_fetch(c->lib, "HMAC", NULL);
    EVP_MAC_CTX *m = mac ? EVP_MAC_CTX_new(mac) : NULL;
    const char *mdname = bm_hkdf_md(h);
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)mdname, 0),
                       OSSL_PARAM_construct_end()};
    size_t outl = 0;
    int ok = m && EVP_MAC_init(m, fk, hl, p) && EVP_MAC_update(m, thash, hl) &&
             EVP_MAC_final(m, out, &outl, BM_MAX_HASH_LEN);
    EVP_MAC_CTX_free(m);
    EVP_MAC_free(mac);
    OPENSSL_cleanse(fk, sizeof fk);
    BM_ENSURE(ok && outl == hl, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

BM_RESULT bm_tls13_schedule_run(bm_crypto_ctx *c, const bm_suite *s, const uint8_t *psk,
                                size_t psk_len, const uint8_t *ecdhe, size_t ecdhe_len,
                                const uint8_t *th_hello, const uint8_t *th_server_fin,
                                bm_tls13_schedule *o)
{
    memset(o, 0, sizeof *o);
    o->hash = (bm_hash)s->prf;
    o->hash_len = bm_hash_len(o->hash);
    BM_ENSURE(th_hello, BM_ERR_USAGE);
    bm_hash h = o->hash;
    BM_GUARD(bm_tls13_early_secret(c, h, psk, psk_len, o->early));
    BM_GUARD(bm_tls13_handshake_secret(c, h, o->early, ecdhe, ecdhe_len, o->handshake));
    BM_GUARD(bm_tls13_derive_secret(c, h, o->handshake, "c hs traffic", th_hello, o->c_hs));
    BM_GUARD(bm_tls13_derive_secret(c, h, o->handshake, "s hs traffic", th_hello, o->s_hs));
    BM_GUARD(bm_tls13_master_secret(c, h, o->handshake, o->master));
    if (th_server_fin) {
        BM_GUARD(bm_tls13_derive_secret(c, h, o->master, "c ap traffic", th_server_fin, o->c_ap));
        BM_GUARD(bm_tls13_derive_secret(c, h, o->master, "s ap traffic", th_server_fin, o->s_ap));
    }
    return BM_SUCCESS;
}

void bm_tls13_schedule_clear(bm_tls13_schedule *s)
{
    OPENSSL_cleanse(s, sizeof *s);
}
