/*
 * kdf.c - key derivation for SSL 3.0 .. TLS 1.2 (RFC 6101, 2246, 4346,
 * 5246, 7627): master secret, key block, Finished.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "crypto_int.h"
#include "kdf.h"

void bm_dir_keys_clear(bm_dir_keys *k)
{
    OPENSSL_cleanse(k, sizeof *k);
}

BM_RESULT bm_hash_bytes(bm_crypto_ctx *c, bm_hash h, const uint8_t *data, size_t len, uint8_t *out)
{
    const EVP_MD *md = bm_crypto_md(c, h);
    unsigned n = 0;
    BM_ENSURE(md, BM_ERR_UNSUPPORTED);
    BM_ENSURE(EVP_Digest(data, len, out, &n, md, NULL) == 1, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

bm_hash bm_prf_hash(uint16_t version, const bm_suite *s)
{
    if (version < BM_TLS12)
        return BM_HASH_MD5_SHA1;
    return (bm_hash)s->prf;
}

static const char *bm_md_param_name(bm_hash h)
{
    switch (h) {
    case BM_HASH_MD5_SHA1: return "MD5-SHA1";
    case BM_HASH_SHA256: return "SHA2-256";
    case BM_HASH_SHA384: return "SHA2-384";
    case BM_HASH_SHA1: return "SHA1";
    default: return NULL;
    }
}

BM_RESULT bm_prf(bm_crypto_ctx *c, bm_hash prf, const uint8_t *secret, size_t secret_len,
                 const char *label, const uint8_t *seed1, size_t seed1_len,
                 const uint8_t *seed2, size_t seed2_len, uint8_t *out, size_t out_len)
{
    const char *mdname = bm_md_param_name(prf);
    BM_ENSURE(mdname && bm_crypto_md(c, prf), BM_ERR_UNSUPPORTED);
    BM_ENSURE(out_len > 0 && label, BM_ERR_USAGE);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(c->tls1_prf);
    BM_ENSURE(k, BM_ERR_NOMEM);
    OSSL_PARAM p[6], *q = p;
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)mdname, 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
    if (seed1 && seed1_len)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed1, seed1_len);
    if (seed2 && seed2_len)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed2, seed2_len);
    *q = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(k, out, out_len, p);
    EVP_KDF_CTX_free(k);
    BM_ENSURE(ok == 1, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

/* SSL 3.0 (RFC 6101 6.1, 6.2.2): out = MD5(s + SHA1("A" + s + r1 + r2)) +
 * MD5(s + SHA1("BB" + s + r1 + r2)) + ... OUT_LEN MUST be <= 26 * 16. */
static BM_RESULT bm_ssl3_expand(bm_crypto_ctx *c, const uint8_t *s, size_t s_len,
                                const uint8_t *r1, const uint8_t *r2, uint8_t *out, size_t out_len)
{
    const EVP_MD *md5 = bm_crypto_md(c, BM_HASH_MD5), *sha1 = bm_crypto_md(c, BM_HASH_SHA1);
    BM_ENSURE(md5 && sha1, BM_ERR_UNSUPPORTED);
    BM_ENSURE(out_len <= 26 * 16, BM_ERR_USAGE);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    BM_ENSURE(m, BM_ERR_NOMEM);
    uint8_t salt[26], inner[20], block[16];
    int ok = 1;
    for (size_t i = 0, done = 0; ok && done < out_len; i++) {
        memset(salt, 'A' + (int)i, i + 1);
        ok = EVP_DigestInit_ex(m, sha1, NULL) && EVP_DigestUpdate(m, salt, i + 1) &&
             EVP_DigestUpdate(m, s, s_len) && EVP_DigestUpdate(m, r1, BM_RANDOM_LEN) &&
             EVP_DigestUpdate(m, r2, BM_RANDOM_LEN) && EVP_DigestFinal_ex(m, inner, NULL) &&
             EVP_DigestInit_ex(m, md5, NULL) && EVP_DigestUpdate(m, s, s_len) &&
             EVP_DigestUpdate(m, inner, sizeof inner) && EVP_DigestFinal_ex(m, block, NULL);
        size_t n = out_len - done < 16 ? out_len - done : 16;
        memcpy(out + done, block, n);
        done += n;
    }
    EVP_MD_CTX_free(m);
    OPENSSL_cleanse(inner, sizeof inner);
    OPENSSL_cleanse(block, sizeof block);
    BM_ENSURE(ok, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

BM_RESULT bm_master_secret(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                           const uint8_t *pms, size_t pms_len,
                           const uint8_t client_random[BM_RANDOM_LEN],
                           const uint8_t server_random[BM_RANDOM_LEN],
                           uint8_t ms[BM_MASTER_SECRET_LEN])
{
    if (version == BM_SSL3)
        return bm_ssl3_expand(c, pms, pms_len, client_random, server_random, ms,
                              BM_MASTER_SECRET_LEN);
    return bm_prf(c, bm_prf_hash(version, s), pms, pms_len, "master secret", client_random,
                  BM_RANDOM_LEN, server_random, BM_RANDOM_LEN, ms, BM_MASTER_SECRET_LEN);
}

BM_RESULT bm_extended_master_secret(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                                    const uint8_t *pms, size_t pms_len,
                                    const uint8_t *session_hash, size_t hash_len,
                                    uint8_t ms[BM_MASTER_SECRET_LEN])
{
    BM_ENSURE(version > BM_SSL3, BM_ERR_UNSUPPORTED);
    return bm_prf(c, bm_prf_hash(version, s), pms, pms_len, "extended master secret",
                  session_hash, hash_len, NULL, 0, ms, BM_MASTER_SECRET_LEN);
}

BM_RESULT bm_session_hash(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                          const uint8_t *msgs, size_t len,
                          uint8_t out[BM_MAX_HASH_LEN], size_t *out_len)
{
    bm_hash h = bm_prf_hash(version, s);
    *out_len = bm_hash_len(h);
    return bm_hash_bytes(c, h, msgs, len, out);
}

static void bm_take(uint8_t *dst, const uint8_t **src, size_t n)
{
    memcpy(dst, *src, n);
    *src += n;
}

BM_RESULT bm_key_block_derive(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                              const uint8_t ms[BM_MASTER_SECRET_LEN],
                              const uint8_t client_random[BM_RANDOM_LEN],
                              const uint8_t server_random[BM_RANDOM_LEN], bm_key_block *kb)
{
    uint8_t block[2 * (BM_MAX_MAC_KEY_LEN + BM_MAX_KEY_LEN + BM_MAX_IV_LEN)];
    size_t mk = s->mac_len, k = s->key_len, iv = s->fixed_iv_len;
    size_t n = 2 * (mk + k + iv);
    bm_result r;
    BM_ENSURE(mk <= BM_MAX_MAC_KEY_LEN && k <= BM_MAX_KEY_LEN && iv <= BM_MAX_IV_LEN, BM_ERR_USAGE);
    memset(kb, 0, sizeof *kb);
    if (n == 0)
        return BM_SUCCESS; /* TLS_NULL_WITH_NULL_NULL */
    /* The key block seed is server_random + client_random (the reverse of
     * the master secret's). */
    if (version == BM_SSL3)
        r = bm_ssl3_expand(c, ms, BM_MASTER_SECRET_LEN, server_random, client_random, block, n);
    else
        r = bm_prf(c, bm_prf_hash(version, s), ms, BM_MASTER_SECRET_LEN, "key expansion",
                   server_random, BM_RANDOM_LEN, client_random, BM_RANDOM_LEN, block, n);
    if (bm_is_ok(r)) {
        const uint8_t *p = block;
        bm_take(kb->dir[0].mac_key, &p, mk);
        bm_take(kb->dir[1].mac_key, &p, mk);
        bm_take(kb->dir[0].key, &p, k);
        bm_take(kb->dir[1].key, &p, k);
        bm_take(kb->dir[0].iv, &p, iv);
        bm_take(kb->dir[1].iv, &p, iv);
        for (int d = 0; d < 2; d++) {
            kb->dir[d].mac_key_len = (uint8_t)mk;
            kb->dir[d].key_len = (uint8_t)k;
            kb->dir[d].iv_len = (uint8_t)iv;
        }
    }
    OPENSSL_cleanse(block, sizeof block);
    return r;
}

/* SSL 3.0 Finished half (RFC 6101 5.6.9):
 * H(ms + pad2 + H(msgs + sender + ms + pad1)), pads 48 (MD5) / 40 (SHA-1). */
static BM_RESULT bm_ssl3_finished_half(bm_crypto_ctx *c, bm_hash h, const uint8_t *ms,
                                       const uint8_t sender[4], const uint8_t *msgs,
                                       size_t len, uint8_t *out)
{
    const EVP_MD *md = bm_crypto_md(c, h);
    BM_ENSURE(md, BM_ERR_UNSUPPORTED);
    size_t npad = h == BM_HASH_MD5 ? 48 : 40;
    uint8_t pad1[48], pad2[48], inner[20];
    memset(pad1, 0x36, sizeof pad1);
    memset(pad2, 0x5c, sizeof pad2);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    BM_ENSURE(m, BM_ERR_NOMEM);
    int ok = EVP_DigestInit_ex(m, md, NULL) && EVP_DigestUpdate(m, msgs, len) &&
             EVP_DigestUpdate(m, sender, 4) &&
             EVP_DigestUpdate(m, ms, BM_MASTER_SECRET_LEN) && EVP_DigestUpdate(m, pad1, npad) &&
             EVP_DigestFinal_ex(m, inner, NULL) && EVP_DigestInit_ex(m, md, NULL) &&
             EVP_DigestUpdate(m, ms, BM_MASTER_SECRET_LEN) && EVP_DigestUpdate(m, pad2, npad) &&
             EVP_DigestUpdate(m, inner, EVP_MD_get_size(md)) && EVP_DigestFinal_ex(m, out, NULL);
    EVP_MD_CTX_free(m);
    OPENSSL_cleanse(inner, sizeof inner);
    BM_ENSURE(ok, BM_ERR_CRYPTO);
    return BM_SUCCESS;
}

BM_RESULT bm_finished_verify_data(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                                  const uint8_t ms[BM_MASTER_SECRET_LEN], int sender,
                                  const uint8_t *msgs, size_t len,
                                  uint8_t out[BM_FINISHED_MAX], size_t *out_len)
{
    BM_ENSURE(sender == 0 || sender == 1, BM_ERR_USAGE);
    if (version == BM_SSL3) {
        static const uint8_t client[4] = {0x43, 0x4c, 0x4e, 0x54}, server[4] = {0x53, 0x52, 0x56, 0x52};
        const uint8_t *snd = sender ? server : client;
        BM_GUARD(bm_ssl3_finished_half(c, BM_HASH_MD5, ms, snd, msgs, len, out));
        BM_GUARD(bm_ssl3_finished_half(c, BM_HASH_SHA1, ms, snd, msgs, len, out + 16));
        *out_len = 36;
        return BM_SUCCESS;
    }
    uint8_t h[BM_MAX_HASH_LEN];
    size_t hl = 0;
    BM_GUARD(bm_session_hash(c, version, s, msgs, len, h, &hl));
    *out_len = 12;
    return bm_prf(c, bm_prf_hash(version, s), ms, BM_MASTER_SECRET_LEN,
                  sender ? "server finished" : "client finished", h, hl, NULL, 0, out, 12);
}
