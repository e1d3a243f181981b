/* --keylog FILE: the kind of key file is guessed and the right loader runs. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "keys/keyfile.h"

#define DATA "tests/unit/data/keys/"

static void count(void *ud, const char *line)
{
    (*(int *)ud)++;
    printf("# diag: %s\n", line);
}

int main(void)
{
    int n = 0;
    bm_diag d;
    memset(&d, 0, sizeof d);
    d.emit = count;
    d.ud = &n;

    is_int(bm_keyfile_sniff((const uint8_t *)"CLIENT_RANDOM a b\n", 18), BM_KEYFILE_NSS, "NSS");
    is_int(bm_keyfile_sniff((const uint8_t *)"x: dumping 'master secret' (48 bytes)", 37),
           BM_KEYFILE_MBEDTLS, "mbedTLS");
    is_int(bm_keyfile_sniff((const uint8_t *)"CONNECTION KEYGEN:\n", 19), BM_KEYFILE_JAVA, "JSSE");
    is_int(bm_keyfile_sniff(NULL, 0), BM_KEYFILE_NSS, "nothing -> NSS");

    bm_keystore *ks = bm_keystore_new();
    bm_mbedtls_log *log = bm_mbedtls_log_new();
    bm_keyfile_kind k = BM_KEYFILE_NSS;
    ok(bm_is_ok(bm_keyfile_load(ks, log, DATA "mbedtls_client.log", &d, &k)) &&
           k == BM_KEYFILE_MBEDTLS,
       "mbedTLS log recognised and loaded");
    is_int(bm_keystore_get_stats(ks)->entries, 2, "its two master secrets");
    is_int(bm_mbedtls_log_n_records(log), 3, "its three records");
    ok(bm_is_ok(bm_keyfile_load(ks, NULL, DATA "java_keygen.log", &d, &k)) && k == BM_KEYFILE_JAVA,
       "JSSE log recognised and loaded");
    is_int(bm_keystore_get_stats(ks)->entries, 2, "JSSE secret equals the mbedTLS one: duplicate");
    is_int(bm_keystore_get_stats(ks)->duplicates, 1, "counted as a duplicate");
    is_int(n, 1, "only the JSSE log's cut block is reported");
    n = 0;
    is_int(bm_keyfile_load(ks, NULL, "/nonexistent/k", &d, &k).code, BM_ERR_IO, "missing file");
    ok(k == BM_KEYFILE_NSS && n == 1, "missing file reported once, as a key log");
    is_str(bm_keyfile_kind_name(BM_KEYFILE_JAVA), "JSSE debug log", "kind name");
    bm_mbedtls_log_free(log);
    bm_keystore_free(ks);
    return tap_done();
}
