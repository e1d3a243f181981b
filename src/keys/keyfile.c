#include "keyfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "java_log.h"
#include "keylog.h"
#include "lines.h"

static int contains(const uint8_t *h, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (h[i] == (uint8_t)needle[0] && memcmp(h + i, needle, k) == 0)
            return 1;
    }
    return 0;
}

bm_keyfile_kind bm_keyfile_sniff(const uint8_t *head, size_t n)
{
    if (!head)
        return BM_KEYFILE_NSS;
    if (contains(head, n, "dumping '"))
        return BM_KEYFILE_MBEDTLS;
    if (contains(head, n, "CONNECTION KEYGEN:") || contains(head, n, "Client Nonce:"))
        return BM_KEYFILE_JAVA;
    return BM_KEYFILE_NSS;
}

const char *bm_keyfile_kind_name(bm_keyfile_kind k)
{
    switch (k) {
    case BM_KEYFILE_MBEDTLS:
        return "mbedTLS debug log";
    case BM_KEYFILE_JAVA:
        return "JSSE debug log";
    case BM_KEYFILE_NSS:
    default:
        return "NSS key log";
    }
}

bm_result bm_keyfile_load(bm_keystore *ks, bm_mbedtls_log *mlog, const char *path, bm_diag *d,
                          bm_keyfile_kind *kind)
{
    BM_ENSURE(ks && path && d, BM_ERR_USAGE);
    bm_keyfile_kind k = BM_KEYFILE_NSS;
    FILE *f = fopen(path, "rb");
    if (f) {
        uint8_t *head = malloc(BM_KEYFILE_SNIFF);
        if (!head) {
            fclose(f);
            return bm_res(BM_ERR_NOMEM);
        }
        setvbuf(f, NULL, _IONBF, 0);
        size_t n = fread(head, 1, BM_KEYFILE_SNIFF, f);
        fclose(f);
        k = bm_keyfile_sniff(head, n);
        OPENSSL_cleanse(head, BM_KEYFILE_SNIFF);
        free(head);
    }
    /* an unopenable file falls through to the key log loader's message */
    if (kind)
        *kind = k;
    switch (k) {
    case BM_KEYFILE_MBEDTLS:
        return bm_mbedtls_log_load_file(mlog, ks, path, d);
    case BM_KEYFILE_JAVA:
        return bm_java_log_load_file(ks, path, d);
    case BM_KEYFILE_NSS:
    default:
        return bm_keylog_load_file(ks, path, d);
    }
}
