/*
 * fuzz_compare.c - libFuzzer harness for `badmac compare`: two captures of
 * the same traffic, both scanned, paired (ClientHello random, payload hash,
 * time + SNI + server port), the clock offset estimated and every pair
 * diffed in lockstep, as compare_main.c runs it (default window).
 *
 * Input: [lenA:4 big-endian][capture A:lenA][capture B...]. Seeds:
 * fuzz/corpus/compare, the pairs of tests/fixtures/compare (client side,
 * server side) made by fuzz/seeds.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../src/compare/compare.h"
#include "fuzz_util.h"

static void on_pair(void *ud, const bm_cmp_result *r)
{
    (void)ud;
    volatile uint64_t x = r->verdict + r->n_diffs + r->n_missing + r->d[0].compared + r->d[1].compared;
    (void)x;
}

static void on_unpaired(void *ud, int cap, const bm_cmp_fp *f, const char *capture)
{
    (void)ud;
    (void)capture;
    volatile uint64_t x = (uint64_t)cap + f->bytes[0] + f->bytes[1];
    (void)x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    size_t la = (size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
    if (la > size - 4)
        la = size - 4;
    char a[96], b[96];
    const char *p = fz_to_file("fuzz_compare_a", data + 4, la);
    if (!p)
        return 0;
    snprintf(a, sizeof a, "%s", p);
    if (!(p = fz_to_file("fuzz_compare_b", data + 4 + la, size - 4 - la)))
        return 0;
    snprintf(b, sizeof b, "%s", p);
    bm_cmp_opts o;
    bm_cmp_opts_default(&o);
    o.client_side = -1;
    o.on_pair = on_pair;
    o.on_unpaired = on_unpaired;
    bm_cmp *c = bm_cmp_new(&o);
    if (!c)
        return 0;
    bm_diag d;
    memset(&d, 0, sizeof d);
    d.emit = fz_drop_line;
    (void)bm_cmp_run_files(c, a, b, &d);
    bm_cmp_free(c);
    return 0;
}
