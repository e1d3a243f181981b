/*
 * tls.h - the TLS stage: from TCP byte streams to TLS connections.
 *
 * It implements a bm_stream_sink (capture/stream.h). Per direction it frames
 * records (holding at most one partial record), resynchronises on the next
 * plausible record header after a gap or garbage, reassembles and parses
 * handshake messages, reads alerts, and builds the bm_conn that the report
 * stage prints. When the TCP connection closes the bm_conn is handed to the
 * bm_conn_sink and its memory is reused: memory is bounded by the number of
 * live connections, not by the capture's size.
 *
 * Record protection is a seam (hook.h): records after ChangeCipherSpec
 * (TLS <= 1.2) or after the ServerHello (TLS 1.3) are opaque here unless
 * the decryption stage, plugged in as the hook, hands their plaintext
 * back; decrypted handshake messages are then parsed like clear ones.
 */
#ifndef BM_TLS_TLS_H
#define BM_TLS_TLS_H

#include "../../include/badmac/conn.h"
#include "../capture/stream.h"
#include "../util/diag.h"

/* c is valid only during the call; the sink may complete it (the analysis
 * writes c->verdict there). hook_conn is the installed hook's state for
 * this connection (NULL: no hook when it opened), valid during the call;
 * only the stage that installed the hook knows what it is. */
typedef struct bm_conn_sink {
    void *ud;
    void (*conn)(void *ud, bm_conn *c, void *hook_conn);
} bm_conn_sink;

typedef struct bm_tls bm_tls;

bm_tls *bm_tls_new(const bm_conn_sink *out, bm_diag *diag);
/* The sink to give to the capture stage (valid as long as the bm_tls). */
const bm_stream_sink *bm_tls_stream_sink(bm_tls *t);
/* Name of the capture file now being read; connections opened from now on
 * carry it (borrowed: it MUST outlive those connections). */
void bm_tls_set_capture(bm_tls *t, const char *file);
void bm_tls_free(bm_tls *t);

/* Names for reports: NULL when unknown. */
const char *bm_tls_version_name(uint16_t v);     /* "TLS 1.2", "TLS 1.3 draft-18" */
/* A pre-standard TLS 1.3 version (a draft or an experiment, proto.h). */
bool bm_tls_version_draft13(uint16_t v);
const char *bm_tls_suite_name(uint16_t suite);   /* IANA name */
const char *bm_tls_alert_name(int desc);         /* "bad_record_mac" */
const char *bm_tls_content_type_name(int type);  /* "application_data" */
const char *bm_tls_group_name(uint16_t group);   /* "x25519" */
const char *bm_tls_extension_name(uint16_t type); /* "record_size_limit": the ones badmac parses */

/* Records are at most 2^14 bytes of plaintext; protected records may add up
 * to 2048 (TLS <= 1.2) or 256 (TLS 1.3) bytes of expansion. */
#define BM_TLS_MAX_PLAINTEXT 16384u
#define BM_TLS12_MAX_CIPHERTEXT (16384u + 2048u)
#define BM_TLS13_MAX_CIPHERTEXT (16384u + 256u)

#endif
