/* The cipher suite registry: sorted, ids unique, every row consistent with
 * its IANA name, and every decryptable row usable with this libcrypto. */
#include "tap.h"
#include "crypto/crypto_int.h"
#include "crypto/rec.h"

static bool has(const char *s, const char *part) { return strstr(s, part) != NULL; }

static bool ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A row against what its IANA name says (the rule the TLS stage used to
 * apply to the name per record). */
static bool name_consistent(const bm_suite *s)
{
    const char *n = s->name;
    const char *with = strstr(n, "_WITH_");
    const char *c = with ? with + 6 : n + 4;
    bool ok = n && strncmp(n, "TLS_", 4) == 0;
    /* the locator exists exactly for the suites badmac decrypts */
    ok &= (s->locator != BM_LOCATOR_NONE) == (s->decrypt != 0);
    if (has(n, "SCSV") || has(c, "GOST") || has(c, "MAGMA") || has(c, "KUZNYECHIK") || has(c, "28147") ||
        strncmp(n, "TLS_SHA", 7) == 0)
        return ok && s->rec_class == BM_RC_NONE && !s->decrypt;
    bool tls13 = !with;
    ok &= tls13 == (s->rec_class == BM_RC_TLS13) && tls13 == (s->kx == BM_KX_TLS13);
    if (has(c, "CHACHA20_POLY1305")) {
        ok &= s->rec_class == (tls13 ? BM_RC_TLS13 : BM_RC_CHACHA) && s->tag_len == 16 && s->record_iv_len == 0;
        ok &= !s->decrypt || s->locator == BM_LOCATOR_POLY1305;
    } else if (has(c, "_GCM") || has(c, "_CCM") || has(c, "AEGIS")) {
        ok &= s->rec_class == (tls13 ? BM_RC_TLS13 : BM_RC_AEAD) && s->mac == BM_HASH_NONE && s->mac_len == 0;
        ok &= s->tag_len == (has(c, "CCM_8") ? 8 : has(c, "AEGIS_256") ? 32 : 16);
        ok &= s->record_iv_len == (tls13 ? 0 : 8);
        ok &= !s->decrypt || s->locator == (has(c, "_CCM") ? BM_LOCATOR_CCM : BM_LOCATOR_GCM);
    } else {
        unsigned mac = ends(n, "_SHA384") ? 48 : ends(n, "_SHA256") ? 32 : ends(n, "_SHA") ? 20 : ends(n, "_MD5") ? 16 : 0;
        ok &= s->mac_len == mac && s->tag_len == 0 && (!s->decrypt || s->locator == BM_LOCATOR_HMAC);
        if (strncmp(c, "NULL", 4) == 0)
            ok &= s->rec_class == BM_RC_NULL && s->mode == BM_MODE_STREAM;
        else if (has(c, "RC4"))
            ok &= s->rec_class == BM_RC_STREAM && s->mode == BM_MODE_STREAM;
        else if (has(c, "CBC"))
            ok &= s->rec_class == BM_RC_CBC && s->mode == BM_MODE_CBC && s->record_iv_len == s->block_len &&
                  s->block_len == (has(c, "DES") || has(c, "IDEA") || has(c, "RC2") ? 8 : 16);
        else
            ok = false;
    }
    /* the coarse mode agrees with the class */
    switch (s->rec_class) {
    case BM_RC_CHACHA: ok &= s->mode == BM_MODE_CHACHA; break;
    case BM_RC_AEAD:
    case BM_RC_TLS13: ok &= s->mode == BM_MODE_AEAD; break;
    default: break;
    }
    return ok;
}

int main(void)
{
    size_t n = 0;
    const bm_suite *t = bm_suite_table(&n);
    ok(n >= 340, "the whole IANA registry");
    int unsorted = 0, incons = 0, missing = 0, keylen = 0, lookups = 0, newfail = 0, misnamed = 0;
    size_t ndec = 0;
    bm_crypto_ctx *c = bm_crypto_new();
    if (!ok(c != NULL, "crypto context"))
        return tap_done();
    for (size_t i = 0; i < n; i++) {
        const bm_suite *s = &t[i];
        if (i && t[i - 1].id >= s->id) {
            printf("# unsorted at 0x%04x\n", s->id);
            unsorted++;
        }
        if (bm_suite_row(s->id) != s || bm_suite_find(s->id) != (s->decrypt ? s : NULL))
            lookups++;
        if (!name_consistent(s)) {
            printf("# row does not match its name: 0x%04x %s\n", s->id, s->name);
            misnamed++;
        }
        if (!s->decrypt)
            continue;
        ndec++;
        bool aead = s->mode == BM_MODE_AEAD || s->mode == BM_MODE_CHACHA || s->kx == BM_KX_TLS13;
        bool bad = false;
        bad |= aead != (s->mac == BM_HASH_NONE && s->tag_len > 0);
        bad |= !aead && s->id != 0 && s->mac_len != bm_hash_len((bm_hash)s->mac);
        bad |= s->mode == BM_MODE_CBC && (s->block_len < 8 || s->fixed_iv_len != s->block_len ||
                                          s->record_iv_len != s->block_len);
        bad |= s->mode == BM_MODE_AEAD && s->kx != BM_KX_TLS13 && (s->fixed_iv_len != 4 || s->record_iv_len != 8);
        bad |= (s->mode == BM_MODE_CHACHA || s->kx == BM_KX_TLS13) && s->fixed_iv_len != 12;
        bad |= (s->kx == BM_KX_TLS13) != (s->min_version == 0x0304);
        bad |= (aead || s->mac >= BM_HASH_SHA256) && s->min_version < 0x0303;
        bad |= s->prf != BM_HASH_SHA256 && s->prf != BM_HASH_SHA384;
        bad |= s->name == NULL || strncmp(s->name, "TLS_", 4) != 0;
        if (bad) {
            printf("# inconsistent 0x%04x %s\n", s->id, s->name);
            incons++;
        }
        if (!bm_crypto_has_cipher(c, (bm_cipher)s->cipher) || !bm_crypto_has_hash(c, (bm_hash)s->mac)) {
            printf("# not available here: %s\n", s->name);
            missing++;
            continue;
        }
        const EVP_CIPHER *ci = bm_crypto_cipher(c, (bm_cipher)s->cipher);
        if (ci && (size_t)EVP_CIPHER_get_key_length(ci) != s->key_len) {
            printf("# key length 0x%04x\n", s->id);
            keylen++;
        }
        /* Every suite can be instantiated at its first version. */
        bm_dir_keys k;
        memset(&k, 0x5a, sizeof k);
        k.key_len = s->key_len;
        k.mac_key_len = s->mac_len;
        k.iv_len = s->fixed_iv_len;
        bm_rec *r = NULL;
        bm_rec_params p = {s, s->min_version == 0x0300 ? 0x0301 : s->min_version, 0, &k};
        if (!bm_is_ok(bm_rec_new(c, &p, &r))) {
            printf("# bm_rec_new failed: %s\n", s->name);
            newfail++;
        }
        bm_rec_free(r);
    }
    is_int(unsorted, 0, "table sorted by id, ids unique (binary search works)");
    is_int(lookups, 0, "bm_suite_row finds every row, bm_suite_find the decryptable ones");
    is_int(misnamed, 0, "record class, locator, tag and MAC sizes match every name");
    ok(ndec >= 200, "at least 200 decryptable suites");
    is_int(incons, 0, "lengths, modes and versions consistent");
    is_int(keylen, 0, "key lengths match libcrypto's");
    is_int(missing, 0, "every suite's cipher and MAC available (legacy provider loaded)");
    is_int(newfail, 0, "every suite instantiates a bm_rec");
    ok(bm_suite_find(0x0003) == NULL && bm_suite_row(0x0003) != NULL, "export suite: named, not decryptable");
    ok(bm_suite_find(0xFFFF) == NULL && bm_suite_find(0x1306) == NULL, "unknown ids -> NULL");
    ok(bm_suite_row(0xFFFF) == NULL && bm_suite_row(0x0A0A) == NULL && bm_suite_row(0xD004) == NULL,
       "unassigned, GREASE -> no row");
    const bm_suite *s = bm_suite_find(0xC030);
    ok(s && s->cipher == BM_CIPHER_AES_256_GCM && s->prf == BM_HASH_SHA384 && s->kx == BM_KX_ECDHE,
       "ECDHE-RSA-AES256-GCM-SHA384");
    s = bm_suite_find(0xCCA8);
    ok(s && s->mode == BM_MODE_CHACHA && s->key_len == 32 && s->tag_len == 16, "ChaCha20 TLS 1.2");
    s = bm_suite_find(0x1305);
    ok(s && s->tag_len == 8 && s->cipher == BM_CIPHER_AES_128_CCM_8, "TLS_AES_128_CCM_8_SHA256");
    s = bm_suite_find(0x00B1);
    ok(s && s->cipher == BM_CIPHER_NULL && s->mac == BM_HASH_SHA384 && s->kx == BM_KX_PSK, "PSK NULL SHA384");
    s = bm_suite_find(0x0004);
    ok(s && s->mac == BM_HASH_MD5 && s->cipher == BM_CIPHER_RC4_128, "RC4-MD5");
    is_str(bm_suite_find(0x002F)->name, "TLS_RSA_WITH_AES_128_CBC_SHA", "names");
    /* The record layer takes its implementation from the row: a row known
     * by name only has none, even with sizes that would fit. */
    bm_dir_keys k0;
    memset(&k0, 0x5a, sizeof k0);
    k0.key_len = k0.iv_len = 0;
    k0.mac_key_len = 20;
    bm_rec *r0 = NULL;
    bm_rec_params p0 = {bm_suite_row(0x0007), 0x0303, 0, &k0};
    ok(p0.suite && bm_rec_new(c, &p0, &r0).code == BM_ERR_UNSUPPORTED && !r0,
       "IDEA-CBC-SHA (named only): no record implementation");
    bm_rec_free(r0);
    is_str(bm_rec_status_name(BM_REC_BAD_PADDING), "bad CBC padding", "status names");
    bm_crypto_free(c);
    return tap_done();
}
