/*
 * fuzz_x509.c - libFuzzer harness for the certificate reader: the input is
 * one DER certificate as a Certificate message carries it (the TLS stage
 * and compare's --expect-cert describe every server certificate of every
 * capture with bm_x509_describe). The cached description (a cache made
 * per input, asked twice) must equal the fresh one. Seeds: the fixtures'
 * certificates in DER (fuzz/corpus/x509).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/crypto/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bm_cert c;
    memset(&c, 0, sizeof c);
    bm_result r = bm_x509_describe(data, size, &c);
    if (bm_is_ok(r)) {
        volatile size_t n = strlen(c.subject) + strlen(c.issuer);
        (void)n;
    }
    bm_x509_cache *cache = bm_x509_cache_new();
    for (int i = 0; cache && i < 2; i++) {
        bm_cert k;
        bm_result rk = bm_x509_describe_cached(cache, data, size, &k);
        if (rk.code != r.code || strcmp(k.subject, c.subject) || strcmp(k.issuer, c.issuer) ||
            memcmp(k.sha256, c.sha256, sizeof c.sha256))
            abort();
    }
    bm_x509_cache_free(cache);
    return 0;
}
