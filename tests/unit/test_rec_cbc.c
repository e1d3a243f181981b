/* CBC record protection: records sealed here with raw EVP/HMAC calls (not
 * the code under test; keys and MAC digests from seal_util.h), opened with
 * bm_rec_open, then tampered with. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>

#include "tap.h"
#include "seal_util.h"
#include "crypto/rec.h"

static const EVP_CIPHER *cbc_cipher(const bm_suite *s)
{
    switch (s->cipher) {
    case BM_CIPHER_3DES_EDE_CBC: return EVP_des_ede3_cbc();
    case BM_CIPHER_AES_256_CBC: return EVP_aes_256_cbc();
    case BM_CIPHER_CAMELLIA_128_CBC: return EVP_camellia_128_cbc();
    default: return EVP_aes_128_cbc();
    }
}

/* RFC 2246 6.2.3.1 / RFC 6101 5.2.3.1 MAC, spelled out. */
static size_t ref_mac(const bm_suite *s, uint16_t ver, const bm_dir_keys *k, uint64_t seq,
                      uint8_t type, const uint8_t *d, size_t n, uint8_t *out)
{
    uint8_t buf[13 + 20000];
    size_t h = 0;
    for (int i = 7; i >= 0; i--)
        buf[h++] = (uint8_t)(seq >> (8 * i));
    buf[h++] = type;
    if (ver != 0x0300) {
        buf[h++] = (uint8_t)(ver >> 8);
        buf[h++] = (uint8_t)ver;
    }
    buf[h++] = (uint8_t)(n >> 8);
    buf[h++] = (uint8_t)n;
    memcpy(buf + h, d, n);
    unsigned ml = 0;
    if (ver != 0x0300) {
        HMAC(su_md(s), k->mac_key, k->mac_key_len, buf, h + n, out, &ml);
        return ml;
    }
    size_t np = s->mac == BM_HASH_MD5 ? 48 : 40;
    uint8_t p1[48], p2[48], in[64];
    memset(p1, 0x36, 48);
    memset(p2, 0x5c, 48);
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    EVP_DigestInit_ex(x, su_md(s), NULL);
    EVP_DigestUpdate(x, k->mac_key, k->mac_key_len);
    EVP_DigestUpdate(x, p1, np);
    EVP_DigestUpdate(x, buf, h + n);
    EVP_DigestFinal_ex(x, in, &ml);
    EVP_DigestInit_ex(x, su_md(s), NULL);
    EVP_DigestUpdate(x, k->mac_key, k->mac_key_len);
    EVP_DigestUpdate(x, p2, np);
    EVP_DigestUpdate(x, in, ml);
    EVP_DigestFinal_ex(x, out, &ml);
    EVP_MD_CTX_free(x);
    return ml;
}

static void cbc_encrypt(const bm_suite *s, const bm_dir_keys *k, const uint8_t *iv,
                        const uint8_t *pt, size_t n, uint8_t *ct)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    EVP_EncryptInit_ex(x, cbc_cipher(s), NULL, k->key, iv);
    EVP_CIPHER_CTX_set_padding(x, 0);
    EVP_EncryptUpdate(x, ct, &l, pt, (int)n);
    EVP_CIPHER_CTX_free(x);
}

typedef struct sealer {
    const bm_suite *s;
    uint16_t ver;
    bool etm;
    size_t mac_len;   /* on the wire */
    bm_dir_keys k;
    uint8_t chain[16];
    int extra_pad;    /* padding blocks added beyond the minimum */
    int pad_fill;     /* -1: TLS padding; else the byte written into padding (SSL 3.0 style) */
} sealer;

/* Seals data into rec (body, no header); returns the body length. */
static size_t seal(sealer *z, uint64_t seq, uint8_t type, const uint8_t *d, size_t n, uint8_t *rec)
{
    size_t bs = z->s->block_len, ml = z->mac_len;
    bool explicit_iv = z->ver >= 0x0302;
    uint8_t pt[20000], mac[64], iv[16];
    for (size_t i = 0; i < bs; i++)
        iv[i] = (uint8_t)(0xA0 + i + seq);
    if (!explicit_iv)
        memcpy(iv, z->chain, bs);
    size_t off = 0;
    memcpy(pt, d, n);
    size_t m = n;
    if (!z->etm) {
        ref_mac(z->s, z->ver, &z->k, seq, type, d, n, mac);
        memcpy(pt + m, mac, ml);
        m += ml;
    }
    size_t pad = bs - (m + 1) % bs;
    if (pad == bs)
        pad = 0;
    pad += (size_t)z->extra_pad * bs;
    for (size_t i = 0; i <= pad; i++)
        pt[m + i] = z->pad_fill < 0 ? (uint8_t)pad : (uint8_t)z->pad_fill;
    pt[m + pad] = (uint8_t)pad;
    m += pad + 1;
    if (explicit_iv) {
        memcpy(rec, iv, bs);
        off = bs;
    }
    cbc_encrypt(z->s, &z->k, iv, pt, m, rec + off);
    if (!explicit_iv)
        memcpy(z->chain, rec + off + m - bs, bs);
    size_t len = off + m;
    if (z->etm) {
        ref_mac(z->s, z->ver, &z->k, seq, type, rec, len, mac);
        memcpy(rec + len, mac, ml);
        len += ml;
    }
    return len;
}

static bm_crypto_ctx *cc;
static uint8_t data[3000], rec[20000], out[20000];

static bm_rec *mk(const sealer *z, unsigned flags)
{
    bm_rec *r = NULL;
    bm_rec_params p = {z->s, z->ver, flags, &z->k};
    bm_result e = bm_rec_new(cc, &p, &r);
    if (!bm_is_ok(e))
        printf("# bm_rec_new: %s\n", bm_strerror(e.code));
    return r;
}

static int open1(bm_rec *r, uint64_t seq, uint8_t type, uint16_t ver, const uint8_t *in, size_t len,
                 bm_open_result *res)
{
    if (!bm_is_ok(bm_rec_open(r, seq, type, ver, in, len, out, sizeof out, res)))
        return -1;
    return (int)res->status;
}

/* Flip one bit at pos in a copy of the sealed record, open with a clone. */
static int tamper_mask(bm_rec *base, uint64_t seq, uint16_t ver, size_t len, size_t pos, uint8_t mask,
                       bm_open_result *res)
{
    uint8_t copy[20000];
    memcpy(copy, rec, len);
    copy[pos] ^= mask;
    bm_rec *c = NULL;
    if (!bm_is_ok(bm_rec_clone(base, &c)))
        return -1;
    int st = open1(c, seq, 23, ver, copy, len, res);
    bm_rec_free(c);
    return st;
}

static int tamper(bm_rec *base, uint64_t seq, uint16_t ver, size_t len, size_t pos, bm_open_result *res)
{
    return tamper_mask(base, seq, ver, len, pos, 0x04, res);
}

static void test_mte(uint16_t suite, uint16_t ver, const char *what)
{
    char name[160];
    sealer z = {.s = bm_suite_find(suite), .ver = ver, .pad_fill = -1};
    z.mac_len = z.s->mac_len;
    su_keys(z.s, &z.k, 1);
    memcpy(z.chain, z.k.iv, 16);
    bm_rec *r = mk(&z, 0);
    bm_open_result res;
    snprintf(name, sizeof name, "%s: bm_rec_new", what);
    if (!ok(r != NULL, name))
        return;
    size_t bs = z.s->block_len, ivl = ver >= 0x0302 ? bs : 0, ml = z.mac_len;
    /* Layout of a 37-byte record: data + MAC + padding fill whole blocks. */
    size_t n = 37, len = seal(&z, 5, 23, data, n, rec);
    bm_rec *saved = NULL;
    ok(bm_is_ok(bm_rec_clone(r, &saved)), "clone before the first record");
    is_int(open1(r, 5, 23, ver, rec, len, &res), BM_REC_OK, "round trip opens OK");
    is_int(res.plain_len, n, "plaintext length");
    is_mem(out, data, n, "plaintext identical");
    ok(res.pad_ok && res.mac_ok && res.mac_len == ml, "pad_ok, mac_ok, MAC length");
    is_mem(res.got_mac, res.want_mac, ml, "got MAC = expected MAC");
    size_t m = len - ivl; /* plaintext bytes: data + MAC + padding */
    size_t pad = (m - n - ml) - 1;
    is_int(res.pad_len, pad, "padding length reported");

    is_int(tamper(saved, 5, ver, len, ivl ? 0 : 0, &res), ivl ? BM_REC_BAD_MAC : BM_REC_BAD_MAC,
           "flip in explicit IV / first block -> BAD_MAC");
    is_int(tamper(saved, 5, ver, len, ivl + 2, &res), BM_REC_BAD_MAC, "flip in ciphertext body -> BAD_MAC");
    ok(res.pad_ok && !res.mac_ok, "body flip: padding still fine, MAC not");
    /* Flip plaintext byte m-1 (padding length) through the previous block. */
    is_int(tamper_mask(saved, 5, ver, len, ivl + m - 1 - bs, 0x80, &res), BM_REC_BAD_PADDING,
           "flip of the padding length byte -> BAD_PADDING");
    ok(!res.pad_ok, "pad_ok false");
    if (pad >= 1) {
        is_int(tamper(saved, 5, ver, len, ivl + m - 2 - bs, &res),
               ver == 0x0300 ? BM_REC_BAD_MAC : BM_REC_BAD_PADDING,
               ver == 0x0300 ? "SSL 3.0: padding bytes are not checked (garbled block -> BAD_MAC)"
                             : "flip of a padding byte -> BAD_PADDING");
    }
    /* A MAC byte: plaintext byte n (first MAC byte) via its previous block. */
    size_t macpos = n + ml - 1; /* last MAC byte */
    if (macpos >= bs) {
        is_int(tamper(saved, 5, ver, len, ivl + macpos - bs, &res), BM_REC_BAD_MAC,
               "flip of a MAC byte -> BAD_MAC");
        ok(res.pad_ok && !res.mac_ok && memcmp(res.got_mac, res.want_mac, ml) != 0,
           "got MAC differs from the expected one");
    }
    is_int(tamper(saved, 5, ver, len, len - 1, &res), BM_REC_BAD_PADDING,
           "flip in the last ciphertext block -> BAD_PADDING (garbled last block)");

    bm_rec *c = NULL;
    ok(bm_is_ok(bm_rec_clone(saved, &c)), "clone");
    is_int(open1(c, 6, 23, ver, rec, len, &res), BM_REC_BAD_MAC, "wrong sequence number -> BAD_MAC");
    bm_rec_free(c);
    ok(bm_is_ok(bm_rec_clone(saved, &c)), "clone");
    is_int(open1(c, 5, 22, ver, rec, len, &res), BM_REC_BAD_MAC, "wrong content type -> BAD_MAC");
    bm_rec_free(c);
    if (ver != 0x0300) {
        ok(bm_is_ok(bm_rec_clone(saved, &c)), "clone");
        is_int(open1(c, 5, 23, ver == 0x0303 ? 0x0302 : 0x0303, rec, len, &res), BM_REC_BAD_MAC,
               "wrong header version -> BAD_MAC");
        bm_rec_free(c);
    }

    /* Three records in order, then the state check (chained IV for TLS 1.0). */
    uint8_t r2[20000], r3[20000];
    size_t l2 = seal(&z, 6, 23, data + 100, 300, r2);
    size_t l3 = seal(&z, 7, 21, data + 7, 2, r3);
    is_int(open1(r, 6, 23, ver, r2, l2, &res), BM_REC_OK, "second record OK");
    is_mem(out, data + 100, 300, "second plaintext");
    ok(bm_is_ok(bm_rec_clone(r, &c)), "clone mid-stream");
    is_int(open1(c, 7, 21, ver, r3, l3, &res), BM_REC_OK, "third record on the clone OK");
    is_int(open1(r, 7, 21, ver, r3, l3, &res), BM_REC_OK, "third record on the original still OK");
    is_int(res.plain_len, 2, "third plaintext length");
    bm_rec_free(c);
    bm_rec *fresh = mk(&z, 0);
    int st = open1(fresh, 7, 21, ver, r3, l3, &res);
    if (ivl)
        is_int(st, BM_REC_OK, "explicit IV: a record opens without the earlier ones");
    else
        ok(st != BM_REC_OK, "chained IV: a record opened out of order fails");
    bm_rec_free(fresh);

    /* In place (out == in). */
    uint8_t inplace[20000];
    len = seal(&z, 8, 23, data, 1000, inplace);
    ok(bm_is_ok(bm_rec_open(r, 8, 23, ver, inplace, len, inplace, sizeof inplace, &res)) &&
       res.status == BM_REC_OK && memcmp(inplace, data, 1000) == 0, "in-place open");

    /* Maximum padding (TLS: up to 255). */
    if (ver != 0x0300) {
        z.extra_pad = (int)(240 / bs);
        len = seal(&z, 9, 23, data, 20, rec);
        is_int(open1(r, 9, 23, ver, rec, len, &res), BM_REC_OK, "long padding OK");
        ok(res.pad_len >= 240, "long padding length reported");
        z.extra_pad = 0;
    } else {
        /* SSL 3.0: random padding content is fine, a block or more is not. */
        z.pad_fill = 0xEE;
        len = seal(&z, 9, 23, data, 20, rec);
        is_int(open1(r, 9, 23, ver, rec, len, &res), BM_REC_OK, "SSL 3.0 arbitrary padding bytes OK");
        z.extra_pad = 1;
        len = seal(&z, 10, 23, data, 20, rec);
        is_int(open1(r, 10, 23, ver, rec, len, &res), BM_REC_BAD_PADDING,
               "SSL 3.0 padding of a whole block or more -> BAD_PADDING");
        ok(res.mac_ok, "... while its MAC is right");
        z.extra_pad = 0;
        z.pad_fill = -1;
    }

    /* Lengths 0 .. a few blocks of garbage: no crash, BAD_LENGTH when impossible. */
    size_t minl = bm_rec_min_len(r);
    int bad = 0;
    for (size_t l = 0; l <= minl + 3 * bs; l++) {
        for (size_t i = 0; i < l; i++)
            rec[i] = (uint8_t)(i * 31 + l);
        if (!bm_is_ok(bm_rec_open(r, 1, 23, ver, rec, l, out, sizeof out, &res)))
            bad++;
        else if ((l < minl || l % bs) != (res.status == BM_REC_BAD_LENGTH))
            bad++;
    }
    is_int(bad, 0, "lengths 0..min+3 blocks: BAD_LENGTH exactly when impossible");
    ok(!bm_is_ok(bm_rec_open(r, 1, 23, ver, rec, 100, out, 99, &res)), "out_cap < len refused");
    bm_rec_free(saved);
    bm_rec_free(r);
}

static void test_etm(uint16_t suite, uint16_t ver)
{
    sealer z = {.s = bm_suite_find(suite), .ver = ver, .etm = true, .pad_fill = -1};
    z.mac_len = z.s->mac_len;
    su_keys(z.s, &z.k, 9);
    memcpy(z.chain, z.k.iv, 16);
    bm_rec *r = mk(&z, BM_REC_ETM), *mte = mk(&z, 0), *saved = NULL;
    bm_open_result res;
    if (!ok(r && mte, "EtM and MtE bm_rec"))
        return;
    ok(bm_is_ok(bm_rec_clone(r, &saved)), "clone");
    size_t len = seal(&z, 3, 23, data, 50, rec), bs = z.s->block_len, ivl = ver >= 0x0302 ? bs : 0;
    is_int(open1(r, 3, 23, ver, rec, len, &res), BM_REC_OK, "EtM round trip OK");
    is_mem(out, data, 50, "EtM plaintext");
    is_int(res.plain_len, 50, "EtM plaintext length");
    int st = open1(mte, 3, 23, ver, rec, len, &res);
    ok(st == BM_REC_BAD_MAC || st == BM_REC_BAD_PADDING || st == BM_REC_BAD_LENGTH,
       "EtM record opened as MtE fails");
    ok(!res.mac_ok, "... and its MAC does not verify");
    if (ivl)
        is_int(tamper(saved, 3, ver, len, 1, &res), BM_REC_BAD_MAC, "EtM: flip in IV -> BAD_MAC (MAC covers IV)");
    is_int(tamper(saved, 3, ver, len, ivl + 3, &res), BM_REC_BAD_MAC, "EtM: flip in ciphertext -> BAD_MAC");
    is_int(tamper(saved, 3, ver, len, len - 1, &res), BM_REC_BAD_MAC, "EtM: flip in MAC -> BAD_MAC");
    ok(res.decrypted_len > 0, "EtM: decrypted despite the bad MAC (unauthenticated, for diagnosis)");
    /* Authentic but badly padded: the sender's bug, not the channel's. */
    uint8_t pt[64], iv[16], mac[64];
    memset(pt, 0x11, sizeof pt);
    pt[63] = 3; /* padding length 3 but the bytes before are 0x11 */
    for (size_t i = 0; i < bs; i++)
        iv[i] = (uint8_t)i;
    size_t off = 0;
    if (ivl) {
        memcpy(rec, iv, bs);
        off = bs;
    } else {
        bm_rec *tmp = NULL;
        ok(bm_is_ok(bm_rec_clone(saved, &tmp)), "clone");
        bm_rec_free(tmp);
        memcpy(iv, z.k.iv, bs); /* first record of a fresh TLS 1.0 state */
    }
    cbc_encrypt(z.s, &z.k, iv, pt, 64, rec + off);
    ref_mac(z.s, ver, &z.k, 4, 23, rec, off + 64, mac);
    memcpy(rec + off + 64, mac, z.mac_len);
    bm_rec *c = mk(&z, BM_REC_ETM);
    is_int(open1(c, 4, 23, ver, rec, off + 64 + z.mac_len, &res), BM_REC_BAD_PADDING,
           "EtM: valid MAC, malformed padding -> BAD_PADDING");
    ok(res.mac_ok && !res.pad_ok, "... with mac_ok and !pad_ok");
    bm_rec_free(c);
    /* MtE record opened as EtM. */
    sealer y = z;
    y.etm = false;
    memcpy(y.chain, y.k.iv, 16);
    len = seal(&y, 3, 23, data, 50, rec);
    c = mk(&z, BM_REC_ETM);
    st = open1(c, 3, 23, ver, rec, len, &res);
    ok(st == BM_REC_BAD_MAC || st == BM_REC_BAD_LENGTH, "MtE record opened as EtM -> BAD_MAC (or BAD_LENGTH)");
    bm_rec_free(c);
    bm_rec_free(saved);
    bm_rec_free(mte);
    bm_rec_free(r);
}

static void test_truncated(void)
{
    sealer z = {.s = bm_suite_find(0x002F), .ver = 0x0302, .mac_len = 10, .pad_fill = -1};
    su_keys(z.s, &z.k, 4);
    bm_rec *t = mk(&z, BM_REC_TRUNC_HMAC), *full = mk(&z, 0);
    bm_open_result res;
    size_t len = seal(&z, 1, 23, data, 70, rec);
    is_int(open1(t, 1, 23, 0x0302, rec, len, &res), BM_REC_OK, "truncated HMAC (RFC 6066) round trip");
    is_int(res.mac_len, 10, "10-byte MAC on the wire");
    is_int(open1(full, 1, 23, 0x0302, rec, len, &res), BM_REC_BAD_MAC, "truncated record read with a full MAC fails");
    z.mac_len = 20;
    len = seal(&z, 1, 23, data, 70, rec);
    is_int(open1(t, 1, 23, 0x0302, rec, len, &res), BM_REC_BAD_MAC, "full-MAC record read as truncated fails");
    bm_rec_free(t);
    bm_rec_free(full);
}

static void test_params(void)
{
    const bm_suite *s = bm_suite_find(0x002F);
    bm_dir_keys k;
    su_keys(s, &k, 0);
    bm_rec *r = NULL;
    bm_rec_params p = {s, 0x0304, 0, &k};
    ok(!bm_is_ok(bm_rec_new(cc, &p, &r)) && !r, "CBC suite under TLS 1.3 refused");
    p.version = 0x0303;
    p.flags = BM_REC_ETM;
    p.suite = bm_suite_find(0xC02F);
    k.key_len = 16;
    k.iv_len = 4;
    k.mac_key_len = 0;
    ok(!bm_is_ok(bm_rec_new(cc, &p, &r)), "EtM with GCM refused");
    p.suite = s;
    p.version = 0x0300;
    su_keys(s, &k, 0);
    ok(!bm_is_ok(bm_rec_new(cc, &p, &r)), "EtM with SSL 3.0 refused");
    p.flags = 0;
    k.key_len = 15;
    ok(!bm_is_ok(bm_rec_new(cc, &p, &r)), "wrong key length refused");
}

int main(void)
{
    su_env env;
    cc = su_begin(&env, true, data, sizeof data, 7, 3, 0);
    if (!ok(cc != NULL, "crypto context"))
        return su_end(&env);
    test_mte(0x002F, 0x0303, "AES128-SHA TLS 1.2");
    test_mte(0x002F, 0x0301, "AES128-SHA TLS 1.0 (chained IV)");
    test_mte(0xC028, 0x0303, "ECDHE-RSA-AES256-SHA384 TLS 1.2");
    test_mte(0x000A, 0x0302, "3DES-SHA TLS 1.1");
    test_mte(0x000A, 0x0300, "3DES-SHA SSL 3.0");
    test_mte(0x0041, 0x0303, "CAMELLIA128-SHA TLS 1.2");
    test_etm(0x003C, 0x0303);
    test_etm(0x002F, 0x0301);
    test_truncated();
    test_params();
    return su_end(&env);
}
