/*
 * locate_speed.c - how long bit-error location takes on 16 KB records:
 * TLS 1.2 AES-128-GCM, TLS 1.3 ChaCha20-Poly1305, AES128-SHA256 CBC (MtE
 * and EtM), TLS 1.2 AES-128-CCM and CCM_8, one flipped bit in the middle; median of several runs, in ms.
 *
 * Build and run (from the repository root, after `make -s all`):
 *   cc -std=c11 -D_DEFAULT_SOURCE -O2 -Iinclude -Isrc -Itests/unit \
 *      bench/locate_speed.c build/libbadmac.a -lpcap -lcrypto -ljansson -lz -lm \
 *      -o build/locate_speed && build/locate_speed
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/provider.h>

#include "bench_util.h"
#include "seal_util.h"
#include "crypto/locate.h"
#include "crypto/rec.h"

static uint8_t data[20000], rec[20000], bad[20000];

static void run(bm_crypto_ctx *cc, const char *what, uint16_t id, uint16_t ver, unsigned flags, int runs)
{
    const bm_suite *s = bm_suite_find(id);
    bm_dir_keys k;
    su_keys(s, &k, 1);
    bm_rec_params p = {s, ver, flags, &k};
    bm_rec *r = NULL;
    if (!bm_is_ok(bm_rec_new(cc, &p, &r))) {
        printf("%-34s unsupported\n", what);
        return;
    }
    size_t n = 16384, len;
    if (ver == 0x0304)
        len = su_seal13(s, &k, 5, 23, data, n - 1, rec);
    else if (s->mode == BM_MODE_CBC)
        len = su_seal_cbc(s, &k, flags & BM_REC_ETM, s->mac_len, 5, 23, data, n, rec);
    else
        len = su_seal12(s, &k, 5, 23, data, n, rec);
    size_t pos = len / 2;
    double t[9];
    bm_locate_result res = {0};
    for (int i = 0; i < runs; i++) {
        memcpy(bad, rec, len);
        bad[pos] ^= 0x10;
        double t0 = now_ms();
        if (!bm_is_ok(bm_locate(r, 5, 23, 0x0303, bad, len, NULL, &res)))
            res.status = BM_LOC_NONE;
        t[i] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_d);
    bool found = res.status == BM_LOC_FOUND && res.n == 1 && res.rep[0].offset == pos && res.rep[0].bit == 4;
    printf("%-34s %6zu bytes  median %9.2f ms  (min %.2f, max %.2f, %d runs)  %s\n", what, len,
           t[runs / 2], t[0], t[runs - 1], runs, found ? "located" : "NOT LOCATED");
    bm_rec_free(r);
}

int main(void)
{
    OSSL_PROVIDER *def = OSSL_PROVIDER_load(NULL, "default");
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    bm_crypto_ctx *cc = bm_crypto_new();
    if (!cc)
        return 1;
    run(cc, "TLS 1.2 AES-128-GCM", 0xC02F, 0x0303, 0, 9);
    run(cc, "TLS 1.3 AES-256-GCM", 0x1302, 0x0304, 0, 9);
    run(cc, "TLS 1.3 ChaCha20-Poly1305", 0x1303, 0x0304, 0, 9);
    run(cc, "TLS 1.2 AES128-SHA256 CBC MtE", 0x003C, 0x0303, 0, 5);
    run(cc, "TLS 1.2 AES128-SHA256 CBC EtM", 0x003C, 0x0303, BM_REC_ETM, 5);
    run(cc, "TLS 1.2 AES-128-CCM", 0xC09C, 0x0303, 0, 5);
    run(cc, "TLS 1.2 AES-128-CCM_8", 0xC0A0, 0x0303, 0, 5);
    run(cc, "TLS 1.2 AES-256-CCM", 0xC09D, 0x0303, 0, 5);
    bm_crypto_free(cc);
    if (def)
        OSSL_PROVIDER_unload(def);
    return 0;
}
