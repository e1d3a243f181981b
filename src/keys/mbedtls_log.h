/*
 * mbedtls_log.h - key material and records from an mbedTLS (2.x, PolarSSL
 * 1.3) debug log, the only "key log" many embedded devices can produce.
 *
 * mbedtls_debug_print_buf() writes, at the debug level of the call:
 *     dumping 'TITLE' (N bytes)
 *     0000:  16 03 03 00 2c 01 00 00 28 03 03 5b 9a 2f 11 40  ....,...(..[./.@
 *     0010:  ...
 * (at most 4096 bytes are dumped), each line behind whatever prefix the
 * application's debug callback adds ("ssl_tls.c:1234: |3| "). Used titles:
 *   level 3 'client hello, random bytes' (32), 'master secret' (48),
 *           'server hello, random bytes' (32);
 *   level 4 'random bytes' (64: server random || client random, dumped
 *           right after 'master secret'), 'output record sent to network',
 *           'input record from network'.
 * Each master secret becomes a CLIENT_RANDOM entry (client random from the
 * following 'random bytes' dump, else the latest ClientHello random), with
 * provenance "LOG line N" (the line of the 'dumping' header). Records are
 * kept, bounded, for the diagnosis to compare the device's own view of what
 * it sent with what crossed the wire.
 *
 * Not handled: logs of several threads interleaved (the connection pointer
 * prefix of MBEDTLS_THREADING_C builds is not used to separate them) and
 * mbedTLS 3.x TLS 1.3 secrets.
 */
#ifndef BM_KEYS_MBEDTLS_LOG_H
#define BM_KEYS_MBEDTLS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/diag.h"
#include "../util/err.h"
#include "keystore.h"

#define BM_MBEDTLS_MAX_RECORDS 16384
#define BM_MBEDTLS_MAX_RECORD_BYTES (32u << 20) /* over all records */
#define BM_MBEDTLS_DUMP_MAX 4096                /* mbedTLS never dumps more */

typedef enum bm_mbedtls_dir { BM_MBEDTLS_SENT = 0, BM_MBEDTLS_RECEIVED = 1 } bm_mbedtls_dir;

typedef struct bm_mbedtls_record {
    bm_mbedtls_dir dir;
    uint64_t line;            /* of the 'dumping' header */
    uint32_t declared_len;    /* N of "(N bytes)": header + protected payload */
    uint32_t len;             /* bytes in data */
    bool truncated;           /* len < declared_len (4096-byte cap or cut log) */
    bool has_client_random;   /* the latest ClientHello random seen before it */
    uint8_t client_random[32];
    uint8_t *data;            /* the record as it was sent or received, header included */
} bm_mbedtls_record;

typedef struct bm_mbedtls_log bm_mbedtls_log;

bm_mbedtls_log *bm_mbedtls_log_new(void);
void bm_mbedtls_log_free(bm_mbedtls_log *log);

/* Parse a log, adding master secrets to ks (may be NULL) and records to
 * log (may be NULL). Problems are diagnostics ("dev.log: line 40: dump of
 * 'master secret' is incomplete (skipped)"). Errors: BM_ERR_IO after
 * "PATH: cannot open mbedTLS log: <strerror>", BM_ERR_NOMEM. */
BM_RESULT bm_mbedtls_log_load_file(bm_mbedtls_log *log, bm_keystore *ks, const char *path,
                                   bm_diag *d);
BM_RESULT bm_mbedtls_log_load_mem(bm_mbedtls_log *log, bm_keystore *ks, const uint8_t *data,
                                  size_t len, const char *source_name, bm_diag *d);

size_t bm_mbedtls_log_n_records(const bm_mbedtls_log *log);
const bm_mbedtls_record *bm_mbedtls_log_record(const bm_mbedtls_log *log, size_t i);
/* Records not kept because of the limits above. */
uint64_t bm_mbedtls_log_dropped(const bm_mbedtls_log *log);
/* Master secrets found (stored or duplicates). */
uint64_t bm_mbedtls_log_secrets(const bm_mbedtls_log *log);

#endif
