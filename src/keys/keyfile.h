/*
 * keyfile.h - one entry point for "--keylog FILE" whatever FILE is: an NSS
 * key log, an mbedTLS debug log or a JSSE debug log. The kind is guessed
 * from the first 64 KiB (the titles only debug logs print), so a device's
 * debug output can be handed over as it is.
 */
#ifndef BM_KEYS_KEYFILE_H
#define BM_KEYS_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/diag.h"
#include "../util/err.h"
#include "keystore.h"
#include "mbedtls_log.h"

typedef enum bm_keyfile_kind {
    BM_KEYFILE_NSS = 0, /* SSLKEYLOGFILE format (the default guess) */
    BM_KEYFILE_MBEDTLS,
    BM_KEYFILE_JAVA
} bm_keyfile_kind;

#define BM_KEYFILE_SNIFF 65536

bm_keyfile_kind bm_keyfile_sniff(const uint8_t *head, size_t n);
const char *bm_keyfile_kind_name(bm_keyfile_kind k); /* "NSS key log", ... */

/* Load with the loader for the guessed kind; mlog (may be NULL) receives
 * the records of an mbedTLS log; *kind (may be NULL) tells the guess.
 * Errors as the loaders' (BM_ERR_IO after "PATH: cannot open key log: ..."). */
BM_RESULT bm_keyfile_load(bm_keystore *ks, bm_mbedtls_log *mlog, const char *path, bm_diag *d,
                          bm_keyfile_kind *kind);

#endif
