/* Bit-error location in HMAC-protected records: CBC MtE (SHA-1, SHA-384),
 * CBC EtM (SHA-256), truncated HMAC, RC4-SHA with carried state, NULL.
 * Records sealed with raw EVP/HMAC calls (seal_util.h). */
#include <openssl/provider.h>

#include "tap.h"
#include "seal_util.h"
#include "crypto/locate.h"
#include "crypto/rec.h"

static bm_crypto_ctx *cc;
static uint8_t data[20000], rec[20000], bad[20000], out[20000];

static bool located(bm_rec *r, uint64_t seq, size_t len, size_t pos, int b, bm_locate_result *res)
{
    memcpy(bad, rec, len);
    bad[pos] ^= (uint8_t)(1u << b);
    if (!bm_is_ok(bm_locate(r, seq, 23, 0x0303, bad, len, NULL, res)))
        return false;
    bool exact = res->status == BM_LOC_FOUND && res->n == 1 && res->rep[0].where == BM_REP_BODY &&
                 res->rep[0].offset == pos && res->rep[0].bit == b;
    if (!exact)
        printf("#   pos %zu bit %d: status %d n %zu off %zu bit %d\n", pos, b, res->status, res->n,
               res->n ? res->rep[0].offset : 0, res->n ? res->rep[0].bit : -9);
    return exact;
}

static void check(bm_rec *r, uint64_t seq, size_t len, size_t pos, int b, const char *what,
                  const bm_suite *s)
{
    char name[200];
    bm_locate_result res;
    snprintf(name, sizeof name, "%s: %s (byte %zu bit %d) located exactly", s->name, what, pos, b);
    ok(located(r, seq, len, pos, b, &res), name);
}

static void test_cbc(uint16_t id, bool etm, bool trunc, size_t n)
{
    const bm_suite *s = bm_suite_find(id);
    bm_dir_keys k;
    su_keys(s, &k, (uint8_t)(id + etm));
    size_t ml = trunc ? 10 : s->mac_len, bs = s->block_len;
    unsigned flags = (etm ? BM_REC_ETM : 0) | (trunc ? BM_REC_TRUNC_HMAC : 0);
    bm_rec_params p = {s, 0x0303, flags, &k};
    bm_rec *r = NULL;
    char name[200];
    snprintf(name, sizeof name, "%s %s%s: bm_rec_new", s->name, etm ? "EtM" : "MtE", trunc ? " trunc" : "");
    if (!ok(bm_is_ok(bm_rec_new(cc, &p, &r)), name))
        return;
    uint64_t seq = 77;
    size_t len = su_seal_cbc(s, &k, etm, ml, seq, 23, data, n, rec);
    bm_open_result o;
    ok(bm_is_ok(bm_rec_open(r, seq, 23, 0x0303, rec, len, out, sizeof out, &o)) && o.status == BM_REC_OK,
       "sealed record opens OK");
    check(r, seq, len, 0, 2, "explicit IV byte 0", s);
    check(r, seq, len, bs - 1, 7, "explicit IV last byte", s);
    check(r, seq, len, bs, 0, "first ciphertext byte", s);
    check(r, seq, len, bs + n / 2, 4, "middle", s);
    check(r, seq, len, bs + n - 1, 1, "last data byte", s);
    size_t end = etm ? len - ml : len;
    check(r, seq, len, end - 1, 6, "last encrypted byte (padding)", s);
    check(r, seq, len, end - bs - 1, 0, "block before the last (flips the padding length)", s);
    if (etm) {
        check(r, seq, len, len - ml, 5, "first MAC byte", s);
        check(r, seq, len, len - 1, 3, "last MAC byte", s);
    } else {
        check(r, seq, len, bs + n + 1, 2, "inside the encrypted MAC", s);
    }
    /* Two flips in different blocks: no single bit verifies. */
    memcpy(bad, rec, len);
    bad[bs + 3] ^= 1;
    bad[bs + n / 2 + 40] ^= 8;
    bm_locate_result res;
    ok(bm_is_ok(bm_locate(r, seq, 23, 0x0303, bad, len, NULL, &res)) && res.status == BM_LOC_NONE &&
       res.n == 0, "two flips far apart: nothing located, no false repair");
    ok(res.candidates > 8 * n, "every bit was examined");
    uint64_t full = res.work;
    /* A budget of work: the search stops, says so, invents nothing. */
    bm_locate_opts lo = {.max_work = full / 10};
    ok(bm_is_ok(bm_locate(r, seq, 23, 0x0303, bad, len, &lo, &res)) && res.status == BM_LOC_BUDGET &&
       res.stopped && res.n == 0 && res.candidates < 8 * n, "a tenth of the work allowed: stopped, nothing claimed");
    lo.max_work = full;
    ok(bm_is_ok(bm_locate(r, seq, 23, 0x0303, bad, len, &lo, &res)) && res.status == BM_LOC_NONE && !res.stopped,
       "the whole work allowed: the same answer as without a budget");
    memcpy(bad, rec, len);
    bad[bs + 2] ^= 16; /* early in the record: found before a budget that cannot finish */
    lo.max_work = full / 2;
    ok(bm_is_ok(bm_locate(r, seq, 23, 0x0303, bad, len, &lo, &res)) && res.status == BM_LOC_FOUND &&
       res.n == 1 && res.rep[0].offset == bs + 2, "a repair found before the budget ran out still counts");
    /* Undamaged record under the wrong sequence number: no repair. */
    ok(bm_is_ok(bm_locate(r, seq + 1, 23, 0x0303, rec, len, NULL, &res)) && res.status == BM_LOC_NONE,
       "wrong sequence number: no repair");
    ok(bm_is_ok(bm_locate(r, seq, 23, 0x0303, rec, len, NULL, &res)) && res.status == BM_LOC_RECORD_OK,
       "undamaged: RECORD_OK");
    memcpy(bad, rec, len);
    ok(bm_is_ok(bm_locate(r, seq, 21, 0x0303, bad, len, NULL, &res)) && res.status == BM_LOC_FOUND &&
       res.n == 1 && res.rep[0].where == BM_REP_HEADER && res.rep[0].offset == 0 && res.rep[0].bit == 1,
       "type 21 instead of 23: header bit 1 located");
    bm_rec_free(r);
}

static void test_stream(uint16_t id, size_t n)
{
    const bm_suite *s = bm_suite_find(id);
    bm_dir_keys k;
    su_keys(s, &k, 9);
    bm_rec_params p = {s, 0x0303, 0, &k};
    bm_rec *r = NULL;
    if (!ok(bm_is_ok(bm_rec_new(cc, &p, &r)), s->name))
        return;
    EVP_CIPHER *ci = s->cipher == BM_CIPHER_RC4_128 ? EVP_CIPHER_fetch(NULL, "RC4", NULL) : NULL;
    EVP_CIPHER_CTX *x = NULL;
    if (ci) {
        x = EVP_CIPHER_CTX_new();
        EVP_EncryptInit_ex(x, ci, NULL, k.key, NULL);
    }
    uint8_t first[400];
    size_t l0 = su_seal_stream(s, &k, x, 0, 23, data + 50, 333, first);
    size_t len = su_seal_stream(s, &k, x, 1, 23, data, n, rec);
    bm_open_result o;
    ok(bm_is_ok(bm_rec_open(r, 0, 23, 0x0303, first, l0, out, sizeof out, &o)) && o.status == BM_REC_OK,
       "first record opens (state carried)");
    check(r, 1, len, 0, 0, "first byte", s);
    check(r, 1, len, n / 3, 6, "data", s);
    check(r, 1, len, n - 1, 7, "last data byte", s);
    check(r, 1, len, n, 1, "first MAC byte", s);
    check(r, 1, len, len - 1, 4, "last MAC byte", s);
    ok(bm_is_ok(bm_rec_open(r, 1, 23, 0x0303, rec, len, out, sizeof out, &o)) && o.status == BM_REC_OK,
       "the caller's state was left alone: record 1 opens OK after the searches");
    bm_rec_free(r);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(ci);
}

/* TLS 1.0: the IV of record 1 is record 0's last ciphertext block, taken
 * from the caller's state. */
static void test_tls10(void)
{
    const bm_suite *s = bm_suite_find(0x002F);
    bm_dir_keys k;
    su_keys(s, &k, 40);
    bm_rec_params p = {s, 0x0301, 0, &k};
    bm_rec *r = NULL;
    if (!ok(bm_is_ok(bm_rec_new(cc, &p, &r)), "TLS 1.0 AES128-SHA"))
        return;
    uint8_t chain[16], first[200];
    memcpy(chain, k.iv, 16);
    size_t l0 = su_seal_cbc10(s, &k, chain, 0, 23, data + 9, 100, first);
    size_t len = su_seal_cbc10(s, &k, chain, 1, 23, data, 400, rec);
    bm_open_result o;
    ok(bm_is_ok(bm_rec_open(r, 0, 23, 0x0301, first, l0, out, sizeof out, &o)) && o.status == BM_REC_OK,
       "TLS 1.0 record 0 opens (chained IV carried)");
    bm_locate_result res;
    memcpy(bad, rec, len);
    bad[5] ^= 0x40;
    ok(bm_is_ok(bm_locate(r, 1, 23, 0x0301, bad, len, NULL, &res)) && res.status == BM_LOC_FOUND &&
       res.n == 1 && res.rep[0].offset == 5 && res.rep[0].bit == 6, "TLS 1.0: flip in block 0 located");
    memcpy(bad, rec, len);
    bad[200] ^= 0x01;
    ok(bm_is_ok(bm_locate(r, 1, 23, 0x0301, bad, len, NULL, &res)) && res.status == BM_LOC_FOUND &&
       res.n == 1 && res.rep[0].offset == 200 && res.rep[0].bit == 0, "TLS 1.0: flip in the middle located");
    ok(bm_is_ok(bm_rec_open(r, 1, 23, 0x0301, rec, len, out, sizeof out, &o)) && o.status == BM_REC_OK,
       "TLS 1.0: the caller's chained IV was left alone");
    bm_rec_free(r);
}

int main(void)
{
    OSSL_PROVIDER *leg = OSSL_PROVIDER_load(NULL, "legacy");
    OSSL_PROVIDER *def = OSSL_PROVIDER_load(NULL, "default");
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 5));
    cc = bm_crypto_new();
    if (!ok(cc != NULL, "crypto context"))
        return tap_done();
    test_cbc(0x002F, false, false, 300);  /* AES128-SHA MtE */
    test_cbc(0x002F, false, false, 1500);
    test_cbc(0x003C, true, false, 400);   /* AES128-SHA256 EtM */
    test_cbc(0x002F, true, true, 200);    /* EtM, truncated HMAC */
    test_cbc(0x002F, false, true, 250);   /* MtE, truncated HMAC */
    test_cbc(0xC028, false, false, 500);  /* AES256-SHA384 MtE (128-byte hash blocks) */
    if (bm_crypto_has_cipher(cc, BM_CIPHER_RC4_128))
        test_stream(0x0005, 700);         /* RC4-SHA */
    else
        ok(1, "# SKIP RC4 (no legacy provider)");
    test_stream(0x003B, 300);             /* NULL-SHA256 */
    test_tls10();
    bm_crypto_free(cc);
    if (leg)
        OSSL_PROVIDER_unload(leg);
    if (def)
        OSSL_PROVIDER_unload(def);
    return tap_done();
}
