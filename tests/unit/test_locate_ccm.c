/* Bit-error location in AES-CCM and CCM_8 records (TLS 1.2 RFC 6655, and
 * TLS 1.3). Records are sealed with raw EVP AES-CCM calls (seal_util.h),
 * one bit is flipped, and the locator must name exactly that bit, verified
 * by a full open. */
#include <openssl/provider.h>

#include "tap.h"
#include "seal_util.h"
#include "crypto/locate.h"
#include "crypto/rec.h"

static bm_crypto_ctx *cc;
static uint8_t data[20000], rec[20000], bad[20000];

typedef struct tcase {
    const bm_suite *s;
    uint16_t ver;
    bm_rec *r;
    uint64_t seq;
    size_t len;
} tcase;

static bool tc_init(tcase *t, uint16_t id, uint16_t ver, size_t n, uint64_t seq, uint8_t seed)
{
    bm_dir_keys k;
    t->s = bm_suite_find(id);
    t->ver = ver;
    t->seq = seq;
    t->r = NULL;
    if (!t->s)
        return false;
    su_keys(t->s, &k, seed);
    bm_rec_params p = {t->s, ver, 0, &k};
    if (!bm_is_ok(bm_rec_new(cc, &p, &t->r)))
        return false;
    t->len = ver == 0x0304 ? su_seal13(t->s, &k, seq, 23, data, n, rec)
                           : su_seal12(t->s, &k, seq, 23, data, n, rec);
    return true;
}

static bm_locate_result loc_bad(const bm_rec *r, const tcase *t, uint8_t type)
{
    bm_locate_result res;
    if (!bm_is_ok(bm_locate(r, t->seq, type, 0x0303, bad, t->len, NULL, &res)))
        res.status = (bm_locate_status)-1;
    return res;
}

static void flip_one(tcase *t, size_t pos, int b, const char *what)
{
    char name[200];
    memcpy(bad, rec, t->len);
    bad[pos] ^= (uint8_t)(1u << b);
    bm_locate_result res = loc_bad(t->r, t, 23);
    snprintf(name, sizeof name, "%s v%04x len %zu: %s (byte %zu bit %d) located exactly",
             t->s->name, t->ver, t->len, what, pos, b);
    bool exact = res.status == BM_LOC_FOUND && res.n == 1 && res.rep[0].where == BM_REP_BODY &&
                 res.rep[0].offset == pos && res.rep[0].bit == b && res.rep[0].len == 1 &&
                 res.rep[0].weight == 1;
    if (!ok(exact, name))
        printf("#   status %d n %zu off %zu bit %d\n", res.status, res.n,
               res.n ? res.rep[0].offset : 0, res.n ? res.rep[0].bit : -9);
    bm_open_result o;
    static uint8_t out[20000];
    ok(res.n == 1 && bm_repair_apply(&res.rep[0], bad, t->len, NULL) &&
       memcmp(bad, rec, t->len) == 0 &&
       bm_is_ok(bm_rec_open(t->r, t->seq, 23, 0x0303, bad, t->len, out, sizeof out, &o)) &&
       o.status == BM_REC_OK, "repair restores the sent bytes, which open OK");
}

static void test_suite(uint16_t id, uint16_t ver, size_t n, bool full)
{
    tcase t;
    char name[200];
    snprintf(name, sizeof name, "suite %04x v%04x n %zu: keys", id, ver, n);
    if (!ok(tc_init(&t, id, ver, n, 77 + n, (uint8_t)id), name)) {
        bm_rec_free(t.r);
        return;
    }
    size_t xl = ver == 0x0304 ? 0 : t.s->record_iv_len, tl = t.s->tag_len;
    size_t body = t.len - xl - tl;
    bm_locate_result res;
    memcpy(bad, rec, t.len);
    res = loc_bad(t.r, &t, 23);
    is_int(res.status, BM_LOC_RECORD_OK, "undamaged record: RECORD_OK");
    flip_one(&t, xl, 0, "first body byte");
    flip_one(&t, xl + body / 2, 5, "middle");
    flip_one(&t, xl + body - 1, 7, "last body byte");
    flip_one(&t, t.len - tl, 3, "first tag byte");
    flip_one(&t, t.len - 1, 6, "last tag byte");
    if (xl) {
        flip_one(&t, 0, 1, "explicit nonce byte 0");
        flip_one(&t, 7, 6, "explicit nonce byte 7");
    }
    if (!full) {
        bm_rec_free(t.r);
        return;
    }
    if (body > 40)
        flip_one(&t, xl + 17, 2, "second block");
    /* Header type byte. */
    memcpy(bad, rec, t.len);
    res = loc_bad(t.r, &t, 23 ^ 0x10);
    ok(res.status == BM_LOC_FOUND && res.n == 1 && res.rep[0].where == BM_REP_HEADER &&
       res.rep[0].offset == 0 && res.rep[0].bit == 4, "flip in the header's type byte located");
    /* Two bits of the tag: one burst repair. */
    memcpy(bad, rec, t.len);
    bad[t.len - tl + 1] ^= 0x21;
    res = loc_bad(t.r, &t, 23);
    ok(res.status == BM_LOC_FOUND && res.n == 1 && res.rep[0].offset == t.len - tl + 1 &&
       res.rep[0].len == 1 && res.rep[0].xor[0] == 0x21 && res.rep[0].weight == 2,
       "2-bit error inside the tag located");
    /* Dense 200-byte burst (and the tag): nothing verifies. */
    memcpy(bad, rec, t.len);
    for (size_t i = t.len - tl; i < t.len; i++)
        bad[i] ^= 0x5a;
    for (size_t i = 0; i < 200 && xl + 10 + i < t.len - tl; i++)
        bad[xl + 10 + i] ^= (uint8_t)(0x5a + i);
    res = loc_bad(t.r, &t, 23);
    ok(res.status == BM_LOC_NONE && res.n == 0, "dense 200-byte burst: nothing located");
    /* Only the brute-forced nonce and header bits reach a full open: the
     * CBC-MAC search itself proposes nothing. */
    is_int(res.verified_fail, (xl ? 64 : 0) + 24, "dense burst: no CBC-MAC candidate opened");
    /* Single body flip read under the wrong keys. */
    bm_dir_keys wk;
    su_keys(t.s, &wk, 0x77);
    bm_rec_params p = {t.s, ver, 0, &wk};
    bm_rec *wr = NULL;
    memcpy(bad, rec, t.len);
    bad[xl + body / 3] ^= 0x08;
    ok(bm_is_ok(bm_rec_new(cc, &p, &wr)) &&
       bm_is_ok(bm_locate(wr, t.seq, 23, 0x0303, bad, t.len, NULL, &res)) &&
       res.status == BM_LOC_NONE && res.n == 0, "wrong keys: no repair");
    bm_rec_free(wr);
    bm_rec_free(t.r);
}

int main(void)
{
    su_env env;
    cc = su_begin(&env, false, data, sizeof data, 29, 0, 7);
    if (!ok(cc != NULL, "crypto context"))
        return su_end(&env);
    test_suite(0xC09C, 0x0303, 300, true);   /* TLS 1.2 AES-128-CCM */
    test_suite(0xC0A0, 0x0303, 300, true);   /* TLS 1.2 AES-128-CCM_8 */
    test_suite(0xC09D, 0x0303, 1000, true);  /* AES-256-CCM */
    test_suite(0xC0A1, 0x0303, 37, true);    /* AES-256-CCM_8, partial last block */
    test_suite(0xC0A0, 0x0303, 1, false);
    test_suite(0xC09C, 0x0303, 16384, false);
    test_suite(0x1304, 0x0304, 500, true);   /* TLS 1.3 AES-128-CCM */
    test_suite(0x1305, 0x0304, 64, true);    /* TLS 1.3 AES-128-CCM_8 */
    return su_end(&env);
}
