/*
 * fuzz_pipeline.c - libFuzzer harness for the whole analysis as `badmac`
 * runs it: a capture, a key configuration chosen by the first input byte,
 * every connection reported as text and as JSON, the patterns and the
 * summary, exactly the calls of src/cli/main.c.
 *
 * Input: [config:1][keylen:2 big-endian][keys:keylen][capture...].
 * config % 5: 0 no keys; 1 the keys as a key log file (NSS, mbedTLS or JSSE
 * log); 2 the fixtures' RSA server key (tests/fixtures/pki/server.key, the
 * key of every RSA key-exchange fixture); 3 the keys as a --psk argument
 * (IDENTITY:HEX); 4 all: the keys up to a NUL as a key log, after it a
 * --psk argument, plus the RSA key. Seeds: fuzz/corpus/pipeline, made from
 * the fixtures by fuzz/seeds.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/badmac/badmac.h"
#include "../src/report/report.h"
#include "fuzz_util.h"

#ifndef FZ_FIXTURES
#define FZ_FIXTURES "tests/fixtures"
#endif

typedef struct fz_out {
    FILE *null;
    bm_patterns patterns;
} fz_out;

static void on_conn(void *ud, const bm_conn *c)
{
    fz_out *o = ud;
    bm_patterns_add(&o->patterns, c);
    char line[512];
    bm_text_failed_line(c, line, sizeof line);
    bm_text_conn(o->null, c);
    bm_json_conn(o->null, c, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz_out out;
    if (!out.null && !(out.null = fopen("/dev/null", "w")))
        return 0;
    if (size < 3)
        return 0;
    unsigned config = data[0] % 5;
    size_t keylen = (size_t)data[1] << 8 | data[2];
    if (keylen > size - 3)
        keylen = size - 3;
    const uint8_t *keys = data + 3;
    const char *cap = fz_to_file("fuzz_pipeline_cap", keys + keylen, size - 3 - keylen);
    if (!cap)
        return 0;
    size_t logged = keylen;
    const uint8_t *nul = memchr(keys, 0, keylen);
    if (config == 4 && nul)
        logged = (size_t)(nul - keys);
    char psk[1024];
    const char *psk_src = (const char *)keys;
    size_t psk_len = keylen;
    if (config == 4) {
        psk_src = nul ? (const char *)nul + 1 : "";
        psk_len = nul ? keylen - logged - 1 : 0;
    }
    psk_len = psk_len < sizeof psk - 1 ? psk_len : sizeof psk - 1;
    memcpy(psk, psk_src, psk_len);
    psk[psk_len] = 0;

    static char keylog_path[128];
    const char *kl = NULL;
    if (config == 1 || config == 4) {
        kl = fz_to_file("fuzz_pipeline_keys", keys, logged);
        if (!kl)
            return 0;
        snprintf(keylog_path, sizeof keylog_path, "%s", kl);
    }
    const char *keylogs[1] = {keylog_path};
    const char *rsa[1] = {FZ_FIXTURES "/pki/server.key"};
    const char *psks[1] = {psk};

    bm_patterns_init(&out.patterns);
    bm_analysis_opts o;
    memset(&o, 0, sizeof o);
    o.on_conn = on_conn;
    o.on_diag = fz_drop_line;
    o.ud = &out;
    if (kl) {
        o.keylogs = keylogs;
        o.n_keylogs = 1;
    }
    if (config == 2 || config == 4) {
        o.rsa_keys = rsa;
        o.n_rsa_keys = 1;
    }
    if (config == 3 || config == 4) {
        o.psks = psks;
        o.n_psks = 1;
    }
    bm_analysis *a = bm_analysis_new(&o);
    if (!a)
        return 0;
    bm_analysis_add_capture(a, cap);
    bm_totals t;
    bm_analysis_finish(a, &t);
    bm_analysis_free(a);
    bm_text_summary_line(out.null, &t);
    bm_text_patterns(out.null, &out.patterns);
    bm_json_summary(out.null, &t);
    bm_json_patterns(out.null, &out.patterns);
    return 0;
}
