/*
 * diagnose_bench.c - time to diagnose one failed connection whose 16 KB
 * server record has one bit flipped: TLS 1.2 AES-128-GCM (target well under
 * 50 ms) and AES128-SHA256 CBC MtE, i.e. HMAC-SHA256 (target < 2 s). The
 * whole bm_diagnose_conn runs (sequence window, other keys, MAC
 * construction, bit search); median of several runs, in ms. Exits 1 if a
 * verdict is not in_path_corruption proven at the flipped bit.
 *
 * Build and run (from the repository root, after `make -s all`):
 *   cc -std=c11 -D_DEFAULT_SOURCE -O2 -Iinclude -Isrc -Itests/unit \
 *      bench/diagnose_bench.c build/libbadmac.a -lpcap -lcrypto -ljansson -lz -lm \
 *      -o build/diagnose_bench && build/diagnose_bench
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"
#include "seal_util.h"
#include "crypto/rec.h"
#include "diagnose/diagnose.h"

static uint8_t data[20000], rec[20000], bad[20000];

static int run(bm_crypto_ctx *cc, const char *what, uint16_t id, int runs)
{
    const bm_suite *s = bm_suite_find(id);
    bm_dir_keys k, other;
    su_keys(s, &k, 1);
    su_keys(s, &other, 2);
    bm_rec_params p = {s, 0x0303, 0, &k}, po = {s, 0x0303, 0, &other};
    bm_rec *r = NULL, *ro = NULL;
    if (!bm_is_ok(bm_rec_new(cc, &p, &r)) || !bm_is_ok(bm_rec_new(cc, &po, &ro))) {
        printf("%-32s unsupported\n", what);
        return 0;
    }
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)('a' + i % 26);
    size_t len = s->mode == BM_MODE_CBC ? su_seal_cbc(s, &k, false, s->mac_len, 5, 23, data, 16384, rec)
                                        : su_seal12(s, &k, 5, 23, data, 16384, rec);
    size_t pos = len / 2;
    bm_conn *c = calloc(1, sizeof *c);
    double t[9];
    int good = 1;
    for (int i = 0; i < runs && c; i++) {
        memcpy(bad, rec, len);
        bad[pos] ^= 0x10;
        memset(c, 0, sizeof *c);
        c->failed = true;
        c->fatal_from = BM_CLIENT;
        c->crypto.keys = BM_KEYS_KEYLOG;
        c->crypto.has_bad[BM_SERVER] = true;
        c->crypto.failed[BM_SERVER] = 1;
        c->crypto.first_bad[BM_SERVER] = (bm_bad_record){BM_SERVER, 8, 40, 17000, (uint32_t)len,
                                                         BM_REASON_TAG_MISMATCH};
        bm_diag_evidence ev;
        memset(&ev, 0, sizeof ev);
        ev.cc = cc;
        ev.keyed = true;
        bm_diag_dir *d = &ev.dir[BM_SERVER];
        d->has_bad = true;
        d->hdr[0] = 23;
        d->hdr[1] = 3;
        d->hdr[2] = 3;
        d->hdr[3] = (uint8_t)(len >> 8);
        d->hdr[4] = (uint8_t)len;
        d->body = bad;
        d->len = len;
        d->seq = 5;
        d->rec = r;
        d->other_dir = ro;
        d->params = &p;
        d->failed = 1;
        d->verified_after = 2;
        double t0 = now_ms();
        bm_diagnose_conn(&ev, c, NULL);
        t[i] = now_ms() - t0;
        const bm_verdict *v = &c->verdict;
        good &= v->cause == BM_CAUSE_IN_PATH_CORRUPTION && v->confidence == BM_CONF_PROVEN && v->has_repair &&
                v->repair.record_offset == pos && v->repair.bit == 4;
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_d);
    printf("%-32s %6zu bytes  %9.2f ms (median of %d)  %s\n", what, len, t[runs / 2], runs,
           good ? "in_path_corruption proven at the flipped bit" : "WRONG VERDICT");
    free(c);
    bm_rec_free(r);
    bm_rec_free(ro);
    return good;
}

int main(void)
{
    bm_crypto_ctx *cc = bm_crypto_new();
    if (!cc)
        return 2;
    int ok = run(cc, "TLS 1.2 AES-128-GCM", 0xC02F, 9);
    ok &= run(cc, "TLS 1.2 AES128-SHA256 (HMAC, MtE)", 0xC027, 3);
    bm_crypto_free(cc);
    return ok ? 0 : 1;
}
