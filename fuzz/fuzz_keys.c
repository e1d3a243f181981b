/*
 * fuzz_keys.c - libFuzzer harness for the key files a user hands badmac:
 * the input is written to a file and loaded as --keylog loads it (NSS key
 * log, mbedTLS or JSSE debug log, sniffed from its head) and as --rsa-key
 * loads it (PEM or DER RSA private key). Lines that do not parse are
 * complaints, never a crash; every secret is cleansed at the end.
 * Build: make fuzz; run: mkdir -p build-fuzz/corpus-keys &&
 * build-fuzz/fuzz_keys -max_total_time=180 build-fuzz/corpus-keys tests/fixtures
 * (tests/fixtures: *.keys, and pki/ for the PEM keys).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../src/crypto/rsa.h"
#include "../src/keys/keyfile.h"
#include "fuzz_util.h"

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
        (void)bm_keyfile_load(ks, NULL, path, &d, &kind);
        bm_keystore_free(ks);
    }
    bm_rsa_keys *rk = bm_rsa_keys_new();
    if (rk) {
        (void)bm_rsa_keys_load(rk, path, &d);
        bm_rsa_keys_free(rk);
    }
    return 0;
}
