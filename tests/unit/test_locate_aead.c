/* Bit-error location in AEAD records (GCM, ChaCha20-Poly1305; TLS 1.2 and
 * 1.3; CCM in depth in test_locate_ccm.c), and GF(2^128) arithmetic against
 * NIST GCM values. Records are sealed with raw EVP calls (seal_util.h),
 * damaged, then located. */
#include <openssl/provider.h>

#include "tap.h"
#include "seal_util.h"
#include "crypto/gf128.h"
#include "crypto/locate.h"
#include "crypto/rec.h"

static bm_crypto_ctx *cc;
static uint8_t data[20000], rec[20000], bad[20000];

static size_t unhex(const char *s, uint8_t *o)
{
    size_t n = 0;
    unsigned v;
    while (s[0] && s[1] && sscanf(s, "%2x", &v) == 1) {
        o[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

static void test_gf128(void)
{
    uint8_t h[16], c[16], want[16], got[16];
    /* SP 800-38D / McGrew-Viega test case 2: K = 0, P = 0^128. */
    unhex("66e94bd4ef8a2c3b884cfa59ca342b2e", h);
    unhex("0388dace60b6a392f328c2b971b2fe78", c);
    unhex("f38cbb1ad69223dcc3457ae5b6b0f885", want);
    bm_gf128 H = bm_gf128_load(h);
    bm_gf128_store(bm_ghash(H, NULL, 0, c, 16), got);
    is_mem(got, want, 16, "GHASH of NIST test case 2");
    /* Test case 4: 60-byte P, 20-byte AAD. */
    uint8_t aad[20], ct[60];
    unhex("b83b533708bf535d0aa6e52980d53b78", h);
    unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad);
    unhex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c"
          "7d8f6a5aac84aa051ba30b396a0aac973d58e091", ct);
    unhex("698e57f70e6ecc7fd9463b7260a9ae5f", want);
    bm_gf128_store(bm_ghash(bm_gf128_load(h), aad, 20, ct, 60), got);
    is_mem(got, want, 16, "GHASH of NIST test case 4 (AAD, partial block)");
    bm_gf128 x = bm_gf128_load(c), inv = bm_gf128_inv(x), one = bm_gf128_one();
    bm_gf128 p = bm_gf128_mul(x, inv);
    ok(p.hi == one.hi && p.lo == one.lo, "x * x^-1 = 1");
    bm_gf128 a = bm_gf128_mul(bm_gf128_mul(x, H), inv);
    ok(a.hi == H.hi && a.lo == H.lo, "x H x^-1 = H");
    is_int(bm_gf128_weight(one), 1, "weight of 1");
}

typedef struct tcase {
    const bm_suite *s;
    uint16_t ver;
    bm_rec *r;
    uint64_t seq;
    size_t len;
} tcase;

static bool tc_init(tcase *t, uint16_t id, uint16_t ver, size_t n, uint64_t seq)
{
    bm_dir_keys k;
    t->s = bm_suite_find(id);
    t->ver = ver;
    t->seq = seq;
    su_keys(t->s, &k, (uint8_t)id);
    bm_rec_params p = {t->s, ver, 0, &k};
    if (!bm_is_ok(bm_rec_new(cc, &p, &t->r)))
        return false;
    t->len = ver == 0x0304 ? su_seal13(t->s, &k, seq, 23, data, n, rec)
                           : su_seal12(t->s, &k, seq, 23, data, n, rec);
    return true;
}

static bm_locate_result loc_bad(tcase *t, uint8_t type)
{
    bm_locate_result res;
    if (!bm_is_ok(bm_locate(t->r, t->seq, type, 0x0303, bad, t->len, NULL, &res)))
        res.status = (bm_locate_status)-1;
    return res;
}

/* Flips bit b at pos; the locator must name exactly that bit. */
static void flip_one(tcase *t, size_t pos, int b, const char *what)
{
    char name[200];
    memcpy(bad, rec, t->len);
    bad[pos] ^= (uint8_t)(1u << b);
    bm_locate_result res = loc_bad(t, 23);
    snprintf(name, sizeof name, "%s: %s (byte %zu bit %d) located exactly", t->s->name, what, pos, b);
    bool exact = res.status == BM_LOC_FOUND && res.n == 1 && res.rep[0].where == BM_REP_BODY &&
                 res.rep[0].offset == pos && res.rep[0].bit == b && res.rep[0].len == 1;
    if (!ok(exact, name))
        printf("#   status %d n %zu off %zu bit %d\n", res.status, res.n, res.n ? res.rep[0].offset : 0,
               res.n ? res.rep[0].bit : -9);
    bm_open_result o;
    static uint8_t out[20000];
    ok(res.n == 1 && bm_repair_apply(&res.rep[0], bad, t->len, NULL) && memcmp(bad, rec, t->len) == 0 &&
       bm_is_ok(bm_rec_open(t->r, t->seq, 23, 0x0303, bad, t->len, out, sizeof out, &o)) &&
       o.status == BM_REC_OK, "repair restores the sent bytes, which open OK");
}

static void test_suite(uint16_t id, uint16_t ver, size_t n)
{
    tcase t;
    char name[200];
    snprintf(name, sizeof name, "suite %04x v%04x: keys", id, ver);
    if (!ok(tc_init(&t, id, ver, n, 1000 + n), name))
        return;
    size_t xl = ver == 0x0304 ? 0 : t.s->record_iv_len, tl = t.s->tag_len;
    size_t body = t.len - xl - tl;
    flip_one(&t, xl, 0, "first body byte");
    flip_one(&t, xl + body / 2, 5, "middle");
    flip_one(&t, xl + body - 1, 7, "last body byte");
    flip_one(&t, t.len - tl, 3, "first tag byte");
    flip_one(&t, t.len - 1, 0, "last tag byte");
    if (xl) {
        flip_one(&t, 0, 1, "explicit nonce byte 0");
        flip_one(&t, 7, 6, "explicit nonce byte 7");
    }
    /* Header: the content type the receiver saw differs in one bit. */
    memcpy(bad, rec, t.len);
    bm_locate_result res = loc_bad(&t, 23 ^ 0x10);
    ok(res.status == BM_LOC_FOUND && res.n == 1 && res.rep[0].where == BM_REP_HEADER &&
       res.rep[0].offset == 0 && res.rep[0].bit == 4, "flip in the header's type byte located");
    res = loc_bad(&t, 23);
    is_int(res.status, BM_LOC_RECORD_OK, "undamaged record: RECORD_OK");
    /* A burst of 3 bits inside one 16-byte block. */
    size_t at = xl + (body / 32) * 16 + 2;
    memcpy(bad, rec, t.len);
    bad[at] ^= 0x81;
    bad[at + 9] ^= 0x10;
    res = loc_bad(&t, 23);
    ok(res.status == BM_LOC_FOUND && res.n == 1 && res.rep[0].offset == at && res.rep[0].len == 10 &&
       res.rep[0].weight == 3 && res.rep[0].xor[0] == 0x81 && res.rep[0].xor[9] == 0x10 &&
       res.rep[0].bit == -1, "3-bit burst inside one block located as one burst");
    /* A dense burst (200 bytes, or what the body holds): no false repair. */
    memcpy(bad, rec, t.len);
    for (size_t i = t.len - tl; i < t.len; i++)
        bad[i] ^= 0x5a; /* and the tag, for records too short for a burst */
    for (size_t i = 0; i < 200 && xl + 10 + i < t.len - tl; i++)
        bad[xl + 10 + i] ^= (uint8_t)(0x5a + i);
    res = loc_bad(&t, 23);
    ok(res.status == BM_LOC_NONE && res.n == 0, "dense 200-byte burst: nothing located");
    ok(res.candidates < 40, "dense burst: few candidates even examined");
    bm_rec_free(t.r);
    /* The right record under the wrong keys. */
    bm_dir_keys wk;
    su_keys(t.s, &wk, 0x77);
    bm_rec_params p = {t.s, ver, 0, &wk};
    bm_rec *wr = NULL;
    memcpy(bad, rec, t.len);
    ok(bm_is_ok(bm_rec_new(cc, &p, &wr)) && bm_is_ok(bm_locate(wr, t.seq, 23, 0x0303, bad, t.len, NULL, &res)) &&
       res.status == BM_LOC_NONE && res.n == 0, "wrong keys: no repair");
    bm_rec_free(wr);
}

static void test_ccm(void)
{
    tcase t;
    if (!ok(tc_init(&t, 0xC09C, 0x0303, 300, 5), "CCM keys"))
        return;
    memcpy(bad, rec, t.len);
    bad[40] ^= 4;
    bm_locate_result res = loc_bad(&t, 23);
    /* CCM has its own search now (test_locate_ccm.c covers it in depth). */
    is_int(res.status, BM_LOC_FOUND, "CCM: single bit located");
    ok(res.n == 1 && res.rep[0].offset == 40 && res.rep[0].bit == 2, "CCM: the flipped bit");
    bm_rec_free(t.r);
}

int main(void)
{
    su_env env;
    cc = su_begin(&env, false, data, sizeof data, 29, 0, 7);
    if (!ok(cc != NULL, "crypto context"))
        return su_end(&env);
    test_gf128();
    test_suite(0xC02F, 0x0303, 300);   /* TLS 1.2 AES-128-GCM */
    test_suite(0xC02F, 0x0303, 16384);
    test_suite(0xC030, 0x0303, 1000);  /* AES-256-GCM */
    test_suite(0x1302, 0x0304, 16384); /* TLS 1.3 AES-256-GCM */
    test_suite(0x1301, 0x0304, 37);
    test_suite(0x1303, 0x0304, 16384); /* TLS 1.3 ChaCha20 */
    test_suite(0x1303, 0x0304, 1);
    test_suite(0xCCA8, 0x0303, 500);   /* TLS 1.2 ChaCha20 */
    test_suite(0xCCA8, 0x0303, 16384);
    test_ccm();
    return su_end(&env);
}
