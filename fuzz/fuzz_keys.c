/*
 * fuzz_keys.c - libFuzzer harness for the key files a user hands badmac:
 * the input is written to a file and loaded as --keylog loads it (NSS key
 * log, mbedTLS or JSSE debug log, sniffed from its head), parsed as a --psk
 * argument (IDENTITY:HEX), and loaded as --rsa-key loads it (PEM or DER
 * RSA private key, when it can be one). Lines that do not parse are
 * complaints, never a crash; every secret is cleansed at the end.
 * Seeds: fuzz/corpus/keys (the fixtures' key logs, the unit tests' mbedTLS
 * and JSSE logs, the PEM and DER keys). Runs: docs/fuzzing.md.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../src/crypto/rsa.h"
#include "../src/keys/keyfile.h"
#include "../src/keys/psk.h"
#include "fuzz_util.h"

static bool has_pem_begin(const uint8_t *p, size_t n)
{
    static const char tag[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof tag - 1 <= n; i++)
        if (memcmp(p + i, tag, sizeof tag - 1) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_to_file("fuzz_keys", data, size);
    if (!path)
        return 0;
    bm_diag d;
    memset(&d, 0, sizeof d);
    d.emit = fz_drop_line;
    bm_keystore *ks = bm_keystore_new();
    if (ks) {
        bm_keyfile_kind kind;
        bm_result r = bm_keyfile_load(ks, NULL, path, &d, &kind);
        (void)r;
        bm_keystore_free(ks);
    }
    /* OpenSSL's key decoders take milliseconds a call: only what can be a
     * key (a PEM block somewhere, or a DER SEQUENCE) goes to the RSA loader */
    bool keyish = (size && data[0] == 0x30) || has_pem_begin(data, size);
    /* the input as a --psk argument (IDENTITY:HEX), cut at a NUL */
    char arg[2 * BM_PSK_MAX + 512];
    size_t n = size < sizeof arg - 1 ? size : sizeof arg - 1;
    memcpy(arg, data, n);
    arg[n] = 0;
    bm_keystore *pks = bm_keystore_new();
    if (pks) {
        bm_result r = bm_keys_add_psk(pks, arg, &d);
        (void)r;
        bm_keystore_free(pks);
    }
    bm_rsa_keys *rk = keyish ? bm_rsa_keys_new() : NULL;
    if (rk) {
        bm_result r = bm_rsa_keys_load(rk, path, &d);
        (void)r;
        bm_rsa_keys_free(rk);
    }
    return 0;
}
