/* Sequence desync in the stateful modes (RC4, TLS 1.0 chained CBC):
 * bm_hyp_stateful_desync. Streams sealed with raw EVP/HMAC calls
 * (seal_util.h), then a record dropped, duplicated or damaged. */
#include <time.h>

#include <openssl/provider.h>

#include "tap.h"
#include "seal_util.h"
#include "crypto/rec.h"
#include "crypto/trial.h"

static bm_crypto_ctx *cc;
static uint8_t data[20000], out[20000];
#define NREC 6
static uint8_t recs[NREC][20000];
static size_t lens[NREC];

static bm_rec *mk(uint16_t id, uint16_t ver, const bm_dir_keys *k)
{
    bm_rec_params p = {bm_suite_find(id), ver, 0, k};
    bm_rec *r = NULL;
    if (!bm_is_ok(bm_rec_new(cc, &p, &r)))
        return NULL;
    return r;
}

/* The receiver's state after opening records 0..n-1 at their numbers. */
static bm_rec *receiver(uint16_t id, uint16_t ver, const bm_dir_keys *k, int n)
{
    bm_rec *r = mk(id, ver, k);
    bm_open_result o;
    for (int i = 0; r && i < n; i++)
        if (!bm_is_ok(bm_rec_open(r, (uint64_t)i, 23, ver, recs[i], lens[i], out, sizeof out, &o)) ||
            o.status != BM_REC_OK) {
            bm_rec_free(r);
            return NULL;
        }
    return r;
}

static bm_hyp_desync_in din(const bm_rec *r, uint64_t expected, uint16_t ver, const uint8_t *in, size_t len)
{
    bm_hyp_desync_in x;
    memset(&x, 0, sizeof x);
    x.rec = r;
    x.expected = expected;
    x.type = 23;
    x.version = ver;
    x.in = in;
    x.len = len;
    x.next_type = 23;
    x.next_version = ver;
    return x;
}

static void test_rc4(uint16_t id, const size_t *sizes, const char *name)
{
    const bm_suite *s = bm_suite_find(id);
    bm_dir_keys k;
    su_keys(s, &k, 21);
    bm_rec *probe = mk(id, 0x0303, &k);
    if (!probe) {
        ok(1, "# SKIP RC4 unavailable");
        return;
    }
    bm_rec_free(probe);
    EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, "RC4", NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex(x, ci, NULL, k.key, NULL);
    for (int i = 0; i < NREC; i++)
        lens[i] = su_seal_stream(s, &k, x, (uint64_t)i, 23, data + i, sizes[i], recs[i]);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(ci);
    char msg[160];
    bm_hyp_desync h;

    /* Record 2 dropped: the receiver expects seq 2 and gets record 3. */
    bm_rec *r = receiver(id, 0x0303, &k, 2);
    bm_hyp_desync_in in = din(r, 2, 0x0303, recs[3], lens[3]);
    in.prev = recs[1];
    in.prev_len = lens[1];
    clock_t t0 = clock();
    bool got = bm_is_ok(bm_hyp_stateful_desync(&in, &h));
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    snprintf(msg, sizeof msg, "%s: record 2 (%zu bytes) dropped -> proven by the keystream, skip %zu, seq 3 (%.2f s)",
             name, lens[2], h.skip, secs);
    ok(got && h.kind == BM_DESYNC_DROP && h.how == BM_DESYNC_BY_KEYSTREAM && h.skip == lens[2] && h.seq == 3 &&
       h.delta == 1 && h.records == 1 && h.mac_len == s->mac_len, msg);
    ok(secs < 5.0, "keystream search bounded in time");

    /* Two records (1 and 2) dropped: seq + 2 with the sum of both. */
    bm_rec_free(r);
    r = receiver(id, 0x0303, &k, 1);
    in = din(r, 1, 0x0303, recs[3], lens[3]);
    in.max_records = 2;
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_DROP && h.skip == lens[1] + lens[2] &&
           h.seq == 3 && h.records == 2,
       "two records dropped -> skip = both lengths, seq + 2");

    /* Record 1 received twice. */
    bm_rec_free(r);
    r = receiver(id, 0x0303, &k, 2);
    in = din(r, 2, 0x0303, recs[1], lens[1]);
    in.prev = recs[1];
    in.prev_len = lens[1];
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_DUP && h.how == BM_DESYNC_BY_SAME_BYTES &&
           h.delta == -1,
       "duplicate of the previous record: identical bytes");
    in.prev = NULL;
    in.prev_len = 0;
    in.next = recs[2];
    in.next_len = lens[2];
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_DUP && h.how == BM_DESYNC_BY_NEXT &&
           h.seq == 2,
       "duplicate, previous record not kept: the next record verifies from the state before it");

    /* Records 2 and 3 swapped: 3 arrives first. */
    in = din(r, 2, 0x0303, recs[3], lens[3]);
    in.prev = recs[1];
    in.prev_len = lens[1];
    in.next = recs[2];
    in.next_len = lens[2];
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_SWAP && h.skip == lens[2] && h.seq == 3,
       "records 2 and 3 swapped -> swap proven (3 past 2's keystream, 2 from the position before)");

    /* A damaged record, nothing missing: no desync claimed. */
    static uint8_t bad[20000];
    memcpy(bad, recs[2], lens[2]);
    bad[lens[2] / 2] ^= 0x10;
    in = din(r, 2, 0x0303, bad, lens[2]);
    in.prev = recs[1];
    in.prev_len = lens[1];
    in.next = recs[3];
    in.next_len = lens[3];
    in.max_records = 2;
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_NONE && h.tried > 1000,
       "bit-flipped record: no desync (no false positive)");
    bm_rec_free(r);
}

static void test_cbc10(void)
{
    const uint16_t id = 0x002F;
    const bm_suite *s = bm_suite_find(id);
    bm_dir_keys k;
    su_keys(s, &k, 33);
    k.iv_len = 16;
    uint8_t chain[16];
    memcpy(chain, k.iv, 16);
    const size_t sizes[NREC] = {12, 300, 1000, 77, 500, 64};
    for (int i = 0; i < NREC; i++)
        lens[i] = su_seal_cbc10(s, &k, chain, (uint64_t)i, 23, data + i, sizes[i], recs[i]);
    bm_rec *r = receiver(id, 0x0301, &k, 2);
    if (!ok(r != NULL, "TLS 1.0 AES-CBC: records 0 and 1 open")) {
        return;
    }
    bm_hyp_desync h;
    /* Record 2 dropped: record 3 fails (first block), record 4 is the next. */
    bm_hyp_desync_in in = din(r, 2, 0x0301, recs[3], lens[3]);
    in.next = recs[4];
    in.next_len = lens[4];
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_DROP && h.how == BM_DESYNC_BY_NEXT &&
           h.delta == 1 && h.seq == 4 && h.records == 1,
       "TLS 1.0 CBC: record 2 dropped -> proven by record 4 at seq 4 (IV = record 3's last block)");
    in.next = NULL;
    in.next_len = 0;
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_NONE,
       "TLS 1.0 CBC: without the next record nothing is claimed");
    /* Record 1 twice, previous record not kept. */
    in = din(r, 2, 0x0301, recs[1], lens[1]);
    in.next = recs[2];
    in.next_len = lens[2];
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_DUP && h.how == BM_DESYNC_BY_NEXT &&
           h.delta == -1 && h.seq == 2,
       "TLS 1.0 CBC: record 1 duplicated -> record 2 verifies at seq 2");
    /* Records 2 and 3 swapped. */
    in = din(r, 2, 0x0301, recs[3], lens[3]);
    in.next = recs[2];
    in.next_len = lens[2];
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_SWAP && h.seq == 2,
       "TLS 1.0 CBC: records 2 and 3 swapped -> record 2 verifies chained from record 1");
    /* Record 2 damaged in a middle block. */
    static uint8_t bad[20000];
    memcpy(bad, recs[2], lens[2]);
    bad[100] ^= 0x01;
    in = din(r, 2, 0x0301, bad, lens[2]);
    in.next = recs[3];
    in.next_len = lens[3];
    ok(bm_is_ok(bm_hyp_stateful_desync(&in, &h)) && h.kind == BM_DESYNC_NONE,
       "TLS 1.0 CBC: bit-flipped record -> no desync");
    bm_rec_free(r);

    bm_dir_keys kg;
    su_keys(bm_suite_find(0xC02F), &kg, 34);
    bm_rec *g = mk(0xC02F, 0x0303, &kg);
    in = din(g, 2, 0x0303, recs[1], lens[1]);
    ok(g && !bm_is_ok(bm_hyp_stateful_desync(&in, &h)), "GCM: not a stateful mode, refused");
    bm_rec_free(g);
}

int main(void)
{
    su_env env;
    cc = su_begin(&env, true, data, sizeof data, 13, 5, 0);
    if (!ok(cc != NULL, "crypto context"))
        return su_end(&env);
    const size_t small[NREC] = {10, 200, 333, 150, 90, 40};
    test_rc4(0x0005, small, "RC4-SHA");
    test_rc4(0x0004, small, "RC4-MD5");
    const size_t big[NREC] = {100, 1000, 16384, 16384, 500, 60};
    test_rc4(0x0005, big, "RC4-SHA, 16 KB records");
    test_cbc10();
    return su_end(&env);
}
