/*
 * findings.h - what the stages noticed about a connection, as data.
 *
 * A finding is a code from the table below plus the fields and arguments
 * that code uses: no text. The stages (tls, decrypt) record findings by
 * code; a later stage supersedes an earlier finding by comparing codes and
 * fields, never words. Only the report stage turns a finding into words
 * (bm_finding_format, src/report/finding_text.c), so rewording a message
 * can change no verdict, count or other finding.
 *
 * The table: X(code, name, fields, a0, a1, a2, s)
 *   code    the enum constant (values follow table order; never stored
 *           outside a run, so codes may be added anywhere)
 *   name    stable identifier (lower case, digits, '_'); a code keeps its
 *           name once released, and no two codes share one
 *   fields  which common fields of bm_finding the code uses (BM_FK_*)
 *   a0..a2  names of the integer arguments arg[0..2], 0 when unused
 *   s       name of the string argument str, 0 when unused
 * Argument values that are enumerations use the types named in the
 * comments (bm_finding_msg, bm_finding_why, bm_finding_kx, bm_rec_reason,
 * bm_err from src/util/err.h, TLS code points).
 */
#ifndef BADMAC_FINDINGS_H
#define BADMAC_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "code_table.h" /* BM_FK_* */

#define BM_FINDINGS(X)                                                                                     \
    /* the list was full: findings after the last one were dropped */                                     \
    X(BM_F_MORE, "more_problems", 0, 0, 0, 0, 0)                                                           \
    /* TLS stage: framing */                                                                               \
    X(BM_F_CAPTURE_GAP, "capture_gap", BM_FK_RO, "bytes", 0, 0, 0)                                         \
    X(BM_F_CAPTURE_ENDS_IN_RECORD, "capture_ends_in_record", BM_FK_RO, "captured", "length", 0, 0)          \
    X(BM_F_CAPTURE_ENDS_IN_HEADER, "capture_ends_in_header", BM_FK_RO, 0, 0, 0, 0)                         \
    /* type, version (2 bytes, big endian), length of the header */                                        \
    X(BM_F_RECORD_HEADER_IMPOSSIBLE, "record_header_impossible", BM_FK_RO | BM_FK_FRAME, "type", "version", \
      "length", 0)                                                                                         \
    /* negotiated: 1 the negotiated limit, 0 the protocol's */                                             \
    X(BM_F_RECORD_OVER_LIMIT, "record_over_limit", BM_FK_RIF, "length", "limit", "negotiated", 0)           \
    X(BM_F_RECORD_ZERO_LENGTH, "record_zero_length", BM_FK_RIF, "type", 0, 0, 0)                           \
    X(BM_F_RECORD_OUT_OF_MEMORY, "record_out_of_memory", BM_FK_ROLE, 0, 0, 0, 0)                           \
    X(BM_F_RESYNC_OUT_OF_MEMORY, "resync_out_of_memory", BM_FK_ROLE, 0, 0, 0, 0)                           \
    /* TLS stage: handshake */                                                                             \
    X(BM_F_HANDSHAKE_BUFFER_EXHAUSTED, "handshake_buffer_exhausted", BM_FK_ROLE, 0, 0, 0, 0)               \
    X(BM_F_HANDSHAKE_OUT_OF_MEMORY, "handshake_out_of_memory", BM_FK_ROLE, 0, 0, 0, 0)                     \
    X(BM_F_HANDSHAKE_OVER_CAP, "handshake_over_cap", BM_FK_ROLE, "type", "length", "cap_kib", 0)           \
    X(BM_F_HANDSHAKE_TRUNCATED, "handshake_truncated", BM_FK_ROLE, "type", "captured", 0, 0)               \
    X(BM_F_CLIENT_HELLO_TRUNCATED, "client_hello_truncated", BM_FK_ROLE, "captured", "length", 0, 0)       \
    X(BM_F_CLIENT_HELLO_MALFORMED, "client_hello_malformed", 0, "length", 0, 0, 0)                         \
    X(BM_F_SERVER_HELLO_MALFORMED, "server_hello_malformed", 0, "length", 0, 0, 0)                         \
    /* version: a pre-standard TLS 1.3 version (proto.h), read but not decrypted */                        \
    X(BM_F_TLS13_DRAFT, "tls13_draft", 0, "version", 0, 0, 0)                                               \
    /* method: the CompressionMethod the ServerHello selected (1 DEFLATE, RFC 3749; 0 is never \
     * recorded): the records after ChangeCipherSpec are compressed */                                     \
    X(BM_F_SESSION_COMPRESSED, "session_compressed", 0, "method", 0, 0, 0)                                 \
    X(BM_F_SSL2_HELLO_MALFORMED, "sslv2_client_hello_malformed", BM_FK_ROLE, 0, 0, 0, 0)                   \
    /* extension: its type; message: bm_finding_msg */                                                     \
    X(BM_F_EXTENSION_MALFORMED, "extension_malformed", 0, "extension", "message", 0, 0)                    \
    X(BM_F_EXTENSIONS_MALFORMED, "extensions_malformed", 0, "message", 0, 0, 0)                            \
    X(BM_F_CERTIFICATE_MALFORMED, "certificate_malformed", 0, 0, 0, 0, 0)                                  \
    /* certificate: its number in the chain, from 1 (both stages) */                                       \
    X(BM_F_CERTIFICATE_OVERRUN, "certificate_overruns_list", 0, "certificate", 0, 0, 0)                    \
    X(BM_F_CERTIFICATE_NOT_X509, "certificate_not_x509", 0, "certificate", 0, 0, 0)                       \
    /* TLS stage: alerts and ChangeCipherSpec */                                                           \
    X(BM_F_ALERT_NOT_CAPTURED, "alert_not_captured", BM_FK_RIF, 0, 0, 0, 0)                                \
    X(BM_F_ALERT_INVALID_LEVEL, "alert_invalid_level", BM_FK_RIF, "level", 0, 0, 0)                        \
    X(BM_F_ALERT_PARTIAL, "alert_partial", BM_FK_RIF, 0, 0, 0, 0)                                          \
    X(BM_F_CCS_MALFORMED, "ccs_malformed", BM_FK_RIF, 0, 0, 0, 0)                                          \
    /* an encrypted alert judged fatal; reason: bm_finding_why. The       \
     * decryption stage removes it when it reads the alert or finds the \
     * record was no alert. */                                                                             \
    X(BM_F_ALERT_INFERRED_FATAL, "alert_inferred_fatal", BM_FK_RIF, "reason", 0, 0, 0)                     \
    /* an encrypted alert whose level cannot be told without keys: close_notify and a fatal alert both \
     * fit (fatal, close: what fits each reading, bm_finding_why / bm_finding_close), or its length    \
     * fits no 2-byte alert of the suite (length). Superseded like alert_inferred_fatal. */             \
    X(BM_F_ALERT_LEVEL_UNKNOWN, "alert_level_unknown", BM_FK_RIF, "fatal", "close", "length", 0)            \
    /* decryption stage; reason: bm_rec_reason */                                                          \
    X(BM_F_RECORD_FAILED, "record_failed", BM_FK_RIF, "reason", 0, 0, 0)                                   \
    X(BM_F_DECRYPTED_ALERT_LENGTH, "decrypted_alert_length", BM_FK_RI, "length", 0, 0, 0)                  \
    X(BM_F_FIRST_PROTECTED_NOT_FINISHED, "first_protected_not_finished", BM_FK_RI, 0, 0, 0, 0)             \
    /* TLS compression (RFC 3749): the record opened but its content cannot be inflated, nor that of \
     * the direction's later records. zlib_error: zlib's error code, or 0 when a record before it was  \
     * not opened (lost, failed): the sender's stream holds data this one never got */                   \
    X(BM_F_DECOMPRESSION_STOPPED, "decompression_stopped", BM_FK_RI, "zlib_error", 0, 0, 0)               \
    /* the record inflates to more than the 2^14 bytes a TLSPlaintext may hold (RFC 5246 6.2.2) */       \
    X(BM_F_DECOMPRESSED_OVER_LIMIT, "decompressed_over_limit", BM_FK_RI, "length", "limit", 0, 0)         \
    X(BM_F_RECORDS_LOST_IN_GAP, "records_lost_in_gap", BM_FK_RI, "records", 0, 0, 0)                       \
    X(BM_F_APP_KEYS_WITHOUT_FINISHED, "app_keys_without_finished", BM_FK_RI, 0, 0, 0, 0)                   \
    X(BM_F_RECORD_UNDER_OLD_KEYS, "record_under_old_keys", BM_FK_RI, 0, 0, 0, 0)                           \
    X(BM_F_FINISHED_UNDECRYPTABLE, "finished_undecryptable", BM_FK_ROLE, 0, 0, 0, 0)                       \
    X(BM_F_FINISHED_UNCHECKED, "finished_unchecked", BM_FK_ROLE, 0, 0, 0, 0)                               \
    X(BM_F_FINISHED_MISMATCH, "finished_mismatch", BM_FK_ROLE, 0, 0, 0, 0)                                 \
    X(BM_F_TRANSCRIPT_OVER_CAP, "transcript_over_cap", 0, "cap_kib", 0, 0, 0)                              \
    X(BM_F_ENCRYPTED_EXTENSIONS_MALFORMED, "encrypted_extensions_malformed", 0, 0, 0, 0, 0)                \
    X(BM_F_TLS13_CERTIFICATE_MALFORMED, "tls13_certificate_malformed", 0, 0, 0, 0, 0)                      \
    X(BM_F_EARLY_DATA_NO_SECRET, "early_data_no_secret", BM_FK_RI, 0, 0, 0, 0)                             \
    X(BM_F_EARLY_DATA_REJECTED, "early_data_rejected", BM_FK_RI, 0, 0, 0, 0)                               \
    X(BM_F_EARLY_SECRET_NO_SUITE, "early_secret_no_suite", 0, 0, 0, 0, 0)                                  \
    /* decryption stage: keys; error: bm_err */                                                            \
    X(BM_F_DECRYPTION_UNSUPPORTED, "decryption_unsupported", 0, "suite", "version", 0, 0)                  \
    X(BM_F_RECORD_KEYS_FAILED, "record_keys_failed", 0, "error", 0, 0, 0)                                  \
    X(BM_F_TLS13_KEYS_FAILED, "tls13_keys_failed", BM_FK_ROLE, 0, 0, 0, 0)                                 \
    X(BM_F_EMS_TRANSCRIPT_INCOMPLETE, "ems_transcript_incomplete", 0, 0, 0, 0, 0)                          \
    X(BM_F_RSA_NO_MATCHING_KEY, "rsa_no_matching_key", 0, 0, 0, 0, 0)                                      \
    X(BM_F_RSA_PREMASTER_VERSION, "rsa_premaster_version", 0, 0, 0, 0, 0)                                  \
    /* message: bm_finding_msg; key: where the RSA key came from */                                        \
    X(BM_F_RSA_DECRYPT_FAILED, "rsa_decrypt_failed", 0, "message", "error", 0, "key")                      \
    X(BM_F_PSK_WITH_DHE, "psk_with_dhe", 0, 0, 0, 0, 0)                                                    \
    X(BM_F_PSK_TRANSCRIPT_INCOMPLETE, "psk_transcript_incomplete", 0, 0, 0, 0, 0)                          \
    X(BM_F_PSK_KEYS_FAILED, "psk_keys_failed", 0, "error", 0, 0, 0)                                        \
    X(BM_F_PSK_APP_KEYS_FAILED, "psk_app_keys_failed", 0, "error", 0, 0, 0)                                \
    /* kx: bm_finding_kx; identity: printable copy of the PSK identity */                                  \
    X(BM_F_PSK_KX_MALFORMED, "psk_client_key_exchange_malformed", 0, "kx", 0, 0, 0)                        \
    X(BM_F_PSK_KX_DH_SECRET, "psk_kx_dh_secret", 0, "kx", 0, 0, 0)                                         \
    X(BM_F_PSK_IDENTITY_UNKNOWN, "psk_identity_unknown", 0, "kx", 0, 0, "identity")                        \
    X(BM_F_RSA_PSK_NEEDS_RSA_KEY, "rsa_psk_needs_rsa_key", 0, 0, 0, 0, 0)                                  \
    /* key_source: where the PSK came from */                                                              \
    X(BM_F_PSK_NO_RECORD_VERIFIES, "psk_no_record_verifies", 0, 0, 0, 0, "key_source")                     \
    /* decryption stage: renegotiation */                                                                  \
    X(BM_F_RENEG_OUT_OF_MEMORY, "renegotiation_out_of_memory", 0, 0, 0, 0, 0)                              \
    X(BM_F_RENEG_SERVER_HELLO_MALFORMED, "renegotiation_server_hello_malformed", 0, 0, 0, 0, 0)            \
    X(BM_F_RENEG_NO_KEYS, "renegotiation_no_keys", 0, 0, 0, 0, 0)                                          \
    X(BM_F_CCS_WITHOUT_RENEG, "encrypted_ccs_without_renegotiation", BM_FK_ROLE, 0, 0, 0, 0)

typedef enum bm_finding_code {
    BM_F_INVALID = 0, /* never recorded: a zeroed finding */
    BM_FINDINGS(BM_CODE_ENUM)
    BM_F_COUNT_
} bm_finding_code;

/* Argument values. */
typedef enum bm_finding_msg {
    BM_FM_CLIENT_HELLO = 1,
    BM_FM_SERVER_HELLO,
    BM_FM_HELLO_RETRY_REQUEST,
    BM_FM_CLIENT_KEY_EXCHANGE,
    BM_FM_RSA_PSK_CLIENT_KEY_EXCHANGE
} bm_finding_msg;

/* What makes an encrypted alert fit a fatal alert (keyless). Only
 * BM_FW_PEER_KEPT_SENDING, with nothing that fits close_notify, makes the
 * level fatal (src/tls/finish.c). */
typedef enum bm_finding_why {
    BM_FW_PEER_KEPT_SENDING = 1, /* sent after a record of the peer, which kept sending records after it */
    BM_FW_BEFORE_HANDSHAKE,      /* it came before the handshake completed */
    BM_FW_RESET,                 /* the connection was then reset */
    BM_FW_NO_APPDATA,            /* no application data, no alert from the peer */
    BM_FW_AFTER_PEER_RECORD      /* sent right after a record of the peer (it may have rejected it) */
} bm_finding_why;

/* What makes an encrypted alert fit close_notify (keyless). */
typedef enum bm_finding_close {
    BM_FC_ANSWERED = 1,   /* the peer answered it with an alert of its own: nobody answers a fatal alert */
    BM_FC_AFTER_PEER_CLOSE, /* the peer had closed first (its own alert, or its FIN) */
    BM_FC_AFTER_OWN_DATA, /* sent after the sender's own application data, no record of the peer since:
                             nothing it received could have failed */
    BM_FC_PEER_DONE,      /* the peer sent no more records after it: the exchange may have been complete */
    BM_FC_MID_STREAM      /* in the middle of the peer's data: a side may stop reading and close (a cancelled
                             download); the peer's records in flight keep coming as after a fatal alert */
} bm_finding_close;

/* TLS <= 1.2 PSK key exchanges. */
typedef enum bm_finding_kx { BM_FKX_PSK = 1, BM_FKX_RSA_PSK, BM_FKX_DHE_PSK, BM_FKX_ECDHE_PSK } bm_finding_kx;

#define BM_MAX_FINDINGS 24
/* The string argument, NUL included: as long as the longest part of a
 * file name a rendered finding showed when findings were text. */
#define BM_FINDING_STR 192
/* A rendered finding, NUL included: what the reports show at most. */
#define BM_FINDING_TEXT_LEN 200

/* Plain data; fields and arguments a code does not use are zero. While a
 * stage is live, 'role' holds a capture side; it is a role (BM_CLIENT /
 * BM_SERVER) in every bm_conn handed out. */
typedef struct bm_finding {
    BM_CODE_ITEM_FIELDS /* code: bm_finding_code */
    int64_t arg[3];
    char str[BM_FINDING_STR]; /* NUL-terminated; escaped by the reports like any wire string */
} bm_finding;

/* The table (src/report/finding_text.c): bm_finding_name,
 * bm_finding_fields, bm_finding_arg_name (i in 0..2, or 3 for the string
 * argument), bm_finding_format (the reports pass BM_FINDING_TEXT_LEN) and
 * bm_finding_format_raw, as code_table.h describes. */
BM_CODE_TABLE_FUNCS(bm_finding, bm_finding)

#endif
