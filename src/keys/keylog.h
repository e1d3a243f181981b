/*
 * keylog.h - NSS key log files (SSLKEYLOGFILE) and pcapng decryption-secrets
 * blocks, into a bm_keystore.
 *
 * Format: one "LABEL <client random hex> <secret hex>" per line, fields
 * separated by spaces or tabs, in any order; '#' comments and blank lines
 * are ignored; CRLF, trailing blanks, a UTF-8 BOM and upper- or lowercase
 * hex are accepted. Labels badmac does not use are counted
 * (stats.unknown_labels) but not complained about. Besides the key log
 * labels of keystore.h, the old "RSA <8 bytes of the encrypted premaster>
 * <48-byte premaster>" form is read.
 *
 * A bad line produces one diagnostic "FILE: line N: <what> (skipped)" and
 * loading goes on: an open/read failure is the only error.
 */
#ifndef BM_KEYS_KEYLOG_H
#define BM_KEYS_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

#include "../util/diag.h"
#include "../util/err.h"
#include "keystore.h"

/* Lines longer than this are skipped ("line longer than 4096 bytes"). */
#define BM_KEYLOG_MAX_LINE 4096

/* Streams the file (never read whole). Errors: BM_ERR_IO after the diag
 * "PATH: cannot open key log: <strerror>"; BM_ERR_NOMEM. */
BM_RESULT bm_keylog_load_file(bm_keystore *ks, const char *path, bm_diag *d);

/* The same for text in memory; source_name names it in diagnostics and in
 * the entries' provenance (it is copied). */
BM_RESULT bm_keylog_load_mem(bm_keystore *ks, const uint8_t *data, size_t len,
                             const char *source_name, bm_diag *d);

/* getenv("SSLKEYLOGFILE"), or NULL when unset or empty. */
const char *bm_keylog_default_path(void);

/* pcapng decryption secrets: the bm_secrets_cb of capture/capture.h with
 * ud = a bm_keys_dsb_ctx. TLS key logs ("TLSK") are loaded with the source
 * "DSB in CAPTURE at offset N"; other secret types get one diagnostic. */
typedef struct bm_keys_dsb_ctx {
    bm_keystore *ks;
    bm_diag *diag;
    const char *capture_name;
    unsigned loaded;    /* TLSK blocks loaded */
    unsigned failed;    /* blocks that could not be loaded (out of memory) */
} bm_keys_dsb_ctx;

#define BM_DSB_TLS_KEYLOG 0x544c534bu /* "TLSK" */

void bm_keys_dsb_cb(void *ud, uint32_t type, const uint8_t *data, size_t len, uint64_t off);

#endif
