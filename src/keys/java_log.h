/*
 * java_log.h - master secrets from a JSSE debug log (-Djavax.net.debug=all
 * or =ssl:keygen, JDK 8 and older, whose sun.security.ssl.Handshaker prints
 * the connection keys; JDK 11+ no longer does).
 *
 * The block written for every full or resumed handshake:
 *     CONNECTION KEYGEN:
 *     Client Nonce:
 *     0000: 4E C3 2B F4 63 40 A6 71   C6 5E 7D 0E 55 3E 0E B6  N.+.c@.q.^}.U>..
 *     0010: ...
 *     Server Nonce:
 *     ...
 *     Master Secret:
 *     0000: ... (48 bytes, three lines)
 * (sun.misc.HexDumpEncoder: 4 hex digits of offset, 16 bytes a line, then
 * the bytes as text). Each Master Secret with the Client Nonce before it
 * becomes a CLIENT_RANDOM entry, provenance "LOG line N" (the line of
 * "Master Secret:"). Titles may follow a logging prefix; "PreMaster
 * Secret:" is not "Master Secret:".
 */
#ifndef BM_KEYS_JAVA_LOG_H
#define BM_KEYS_JAVA_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "../util/diag.h"
#include "../util/err.h"
#include "keystore.h"

/* Errors: BM_ERR_IO after "PATH: cannot open Java debug log: <strerror>",
 * BM_ERR_NOMEM. Incomplete blocks are diagnostics, not errors. */
BM_RESULT bm_java_log_load_file(bm_keystore *ks, const char *path, bm_diag *d);
BM_RESULT bm_java_log_load_mem(bm_keystore *ks, const uint8_t *data, size_t len,
                               const char *source_name, bm_diag *d);

#endif
