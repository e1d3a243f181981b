/*
 * fuzz_x509.c - libFuzzer harness for the certificate reader: the input is
 * one DER certificate as a Certificate message carries it (the TLS stage
 * and compare's --expect-cert describe every server certificate of every
 * capture with bm_x509_describe). Seeds: the fixtures' certificates in DER
 * (fuzz/corpus/x509).
 */
#include <stdint.h>
#include <string.h>

#include "../src/crypto/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bm_cert c;
    memset(&c, 0, sizeof c);
    if (bm_is_ok(bm_x509_describe(data, size, &c))) {
        volatile size_t n = strlen(c.subject) + strlen(c.issuer);
        (void)n;
    }
    return 0;
}
