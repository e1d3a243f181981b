/*
 * conn.h - what badmac knows about one TLS connection: the data model every
 * report (text, JSON) is written from. Plain data, fixed-size arrays, no
 * pointers to free: a bm_conn is valid only during the callback that hands
 * it out, and the library reuses its memory afterwards.
 */
#ifndef BADMAC_CONN_H
#define BADMAC_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "findings.h"
#include "frames.h"
#include "verdict_lines.h"

#define BM_MAX_CERTS 10
#define BM_MAX_ALERTS 16
#define BM_MAX_FLAGGED 8
#define BM_NAME_LEN 256

enum bm_role { BM_CLIENT = 0, BM_SERVER = 1 };

typedef struct bm_endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16];
    uint16_t port;
} bm_endpoint;


typedef struct bm_cert {
    char subject[BM_NAME_LEN];
    char issuer[BM_NAME_LEN];
    uint8_t sha256[32];
} bm_cert;

/* A record worth pointing at (oversized, suspect, ...). */
typedef struct bm_record_ref {
    uint64_t index;      /* record index in its direction, from 0 */
    uint64_t frame;      /* frame holding the record's last byte */
    uint64_t stream_off; /* offset of the record header in the TCP stream */
    uint32_t length;     /* record length field (excluding the 5-byte header) */
    uint32_t limit;      /* for flagged records: the limit it exceeds */
    uint8_t type;        /* content type */
    uint8_t direction;   /* BM_CLIENT or BM_SERVER: the side that SENT it */
    uint8_t protocol;    /* for flagged records: 'limit' is the protocol's, not a negotiated one */
} bm_record_ref;

/* TLS alert as seen on the wire. */
typedef struct bm_alert {
    uint8_t from;       /* BM_CLIENT or BM_SERVER */
    int16_t level;      /* 1 warning, 2 fatal, -1 unknown (encrypted) */
    int16_t desc;       /* AlertDescription, -1 unknown (encrypted) */
    bool encrypted;     /* sent under record protection */
    bool inferred;      /* level/desc or the very fact it is an alert are inferred */
    /* Keyless, an encrypted alert's level is inferred from what fits each
     * reading (src/tls/finish.c): fatal_why / close_why are the evidence
     * (bm_finding_why / bm_finding_close, 0 none). Level -1 with
     * level_unknown set: both readings fit, or the record's length fits no
     * 2-byte alert of the suite (misfit_length: its length). */
    uint8_t fatal_why;
    uint8_t close_why;
    bool level_unknown;
    uint32_t misfit_length;
    /* level unknown: the peer's last record before it, the one it would
     * have rejected were it fatal */
    bool has_before;
    bm_record_ref before;
    uint64_t frame;     /* frame holding the record's last byte */
    uint64_t index;     /* record index in its direction, from 0 */
} bm_alert;

typedef struct bm_dir_records {
    uint64_t count;
    uint64_t bytes;                 /* record payload bytes */
    uint32_t max_length;
    uint64_t max_length_frame;
    uint64_t by_type[5];            /* change_cipher_spec, alert, handshake, application_data, heartbeat */
    uint64_t other_type;            /* records of any other content type */
    int64_t ccs_index;              /* index of the ChangeCipherSpec record, -1 if none */
    uint64_t ccs_frame;
    uint64_t flagged;               /* records longer than the protocol or negotiated limit */
    uint32_t n_flagged_list;
    bm_record_ref flagged_list[BM_MAX_FLAGGED];
    uint64_t unparsed_bytes;        /* stream bytes skipped while resynchronising */
    uint64_t resyncs;
} bm_dir_records;

typedef struct bm_handshake {
    bool client_hello_seen, server_hello_seen;
    uint16_t record_version;        /* version field of the first ClientHello record */
    uint16_t client_version;        /* ClientHello.legacy_version */
    uint16_t server_version;        /* ServerHello.legacy_version */
    uint16_t version;               /* negotiated (supported_versions if present), 0 unknown */
    uint16_t cipher_suite;          /* 0 when unknown */
    uint8_t compression;
    uint8_t client_random[32], server_random[32];
    uint8_t session_id_len;         /* the ServerHello's session id */
    uint8_t session_id[32];
    uint8_t client_session_id_len;  /* the ClientHello's session id */
    uint8_t client_session_id[32];
    bool resumption_offered;        /* non-empty session id, ticket, or pre_shared_key offered */
    bool ticket_offered;
    bool psk_offered;
    bool resumed;                   /* abbreviated handshake / PSK accepted */
    bool hello_retry_request;
    bool new_session_ticket;        /* the server issued a ticket */
    /* Extensions that matter for MAC failures: offered by the client /
     * accepted by the server. */
    bool etm_offered, etm;
    bool ems_offered, ems;
    bool truncated_hmac_offered, truncated_hmac;
    uint8_t max_fragment_length_offered, max_fragment_length; /* RFC 6066 code 1..4, 0 none */
    uint16_t record_size_limit_client, record_size_limit_server; /* 0 none */
    uint16_t key_share_group;       /* server's selected group (TLS 1.3), 0 none */
    bool early_data_offered, early_data_accepted;
    bool sni_present, alpn_present;
    char sni[BM_NAME_LEN];
    char alpn[64];                  /* the protocol the server selected, else the client's first */
    uint8_t n_certs;
    bm_cert certs[BM_MAX_CERTS];    /* server chain sent in the clear (TLS <= 1.2) */
    bool certs_truncated;           /* more certificates than BM_MAX_CERTS */
    bool client_finished_seen, server_finished_seen; /* in the clear (only SSL-less / NULL cases) */
} bm_handshake;

typedef struct bm_tcp_info {
    uint64_t gaps, gap_bytes;
    uint64_t retransmissions, conflicting_retransmissions;
    uint64_t out_of_order;
    uint64_t snaplen_cut;
    uint64_t bad_checksums;
    uint64_t offloaded_checksums;   /* left for the NIC to fill in: sent by the capturing host */
    bool ttl_changed[2];            /* per TLS role of the sender */
    uint8_t ttl[2];
    uint64_t bad_checksums_by[2];   /* by role of the sender (additive; sums to bad_checksums) */
    uint64_t offloaded_by[2];       /* by role of the sender: that side is the capturing host */
    uint32_t n_conflicts;           /* conflicting retransmissions kept as evidence */
    struct bm_conflict_ref {
        uint8_t direction;          /* role of the sender */
        uint64_t stream_off;        /* first differing byte */
        uint32_t length, differing;
        uint64_t first_frame, second_frame;
    } conflicts[8];
} bm_tcp_info;

/* Decryption and integrity checks (issue [2/8]). */
typedef enum bm_keys_source {
    BM_KEYS_NONE = 0, BM_KEYS_KEYLOG, BM_KEYS_DSB, BM_KEYS_RSA, BM_KEYS_PSK, BM_KEYS_SESSION
} bm_keys_source;

typedef enum bm_finished_status { BM_FIN_UNSEEN = 0, BM_FIN_OK, BM_FIN_FAILED } bm_finished_status;

/*
 * Why a record failed its check: one X-macro row per reason, in enum
 * order, with every spelling of it: X(ID, JSON name, text, diagnosis
 * wording). The JSON name is the v1 contract (docs/json.md); the text is
 * what the text report and the problem lines say; the diagnosis wording
 * ends its evidence line ("...: <wording> under the expected sequence
 * number"). Names come from bm_reason_name (src/util/names.h).
 *   TAG_MISMATCH     AEAD tag
 *   MAC_MISMATCH     HMAC (or SSL 3.0 MAC)
 *   BAD_PADDING      CBC padding
 *   BAD_LENGTH       length impossible for the suite
 *   WRONG_EPOCH      verifies only under keys of another epoch
 *   NO_CONTENT_TYPE  TLS 1.3: all-zero inner plaintext
 */
#define BM_REC_REASONS(X)                                                                       \
    X(BM_REASON_TAG_MISMATCH, "tag_mismatch", "tag mismatch", "tag mismatch")                   \
    X(BM_REASON_MAC_MISMATCH, "mac_mismatch", "MAC mismatch", "MAC mismatch")                   \
    X(BM_REASON_BAD_PADDING, "bad_padding", "bad padding", "bad padding")                       \
    X(BM_REASON_BAD_LENGTH, "bad_length", "impossible length", "impossible length")             \
    X(BM_REASON_WRONG_EPOCH, "wrong_epoch", "keys of another epoch", "keys of another epoch")   \
    X(BM_REASON_NO_CONTENT_TYPE, "no_content_type", "no inner content type", "no content type")            \
    X(BM_REASON_OVERSIZED, "oversized", "longer than the protocol allows", "oversized")

typedef enum bm_rec_reason {
    BM_REASON_NONE = 0,
#define BM_REASON_ENUM(id, json, text, wording) id,
    BM_REC_REASONS(BM_REASON_ENUM)
#undef BM_REASON_ENUM
} bm_rec_reason;

typedef struct bm_bad_record {
    uint8_t direction;   /* role of the sender */
    uint64_t index, frame, stream_off;
    uint32_t length;
    bm_rec_reason reason;
} bm_bad_record;

typedef struct bm_crypto_info {
    bm_keys_source keys;            /* BM_KEYS_NONE: no key material for this connection */
    char key_source[128];           /* where the keys came from ("keys.log line 12"), never the keys */
    bm_finished_status finished[2]; /* by role of the sender */
    uint64_t verified[2];           /* records that verified, by role of the sender */
    uint64_t failed[2];             /* records that failed their check */
    uint64_t undecryptable[2];      /* protected records not checked (no keys for that epoch, lost bytes) */
    bool has_bad[2];
    bm_bad_record first_bad[2];     /* first failing record per direction */
} bm_crypto_info;

/* The diagnosis (issue [4/8], docs/diagnoses.md): one verdict per
 * connection, with the evidence that establishes it. One X-macro row per
 * cause, X(ID, stable name), in enum order (append: the values are part
 * of the API); the names come from bm_cause_name (src/diagnose/). */
#define BM_CAUSES(X)                                                  \
    X(BM_CAUSE_HEALTHY, "healthy")                                    \
    X(BM_CAUSE_IN_PATH_CORRUPTION, "in_path_corruption")              \
    X(BM_CAUSE_SEQUENCE_DESYNC, "sequence_desync")                    \
    X(BM_CAUSE_WRONG_KEYS, "wrong_keys")                              \
    X(BM_CAUSE_MAC_CONSTRUCTION_MISMATCH, "mac_construction_mismatch") \
    X(BM_CAUSE_KEY_MISMATCH, "key_mismatch")                          \
    X(BM_CAUSE_STALE_RESUMPTION, "stale_resumption")                  \
    X(BM_CAUSE_RECORD_TOO_LARGE, "record_too_large")                  \
    X(BM_CAUSE_RECEIVER_FAULT, "receiver_fault")                      \
    X(BM_CAUSE_SENDER_FAULT, "sender_fault")                          \
    X(BM_CAUSE_FOREIGN_RECORD, "foreign_record")                      \
    X(BM_CAUSE_MISLEADING_ALERT, "misleading_alert")                  \
    X(BM_CAUSE_UNDETERMINED, "undetermined")

typedef enum bm_cause {
    BM_CAUSE_NONE = 0, /* not diagnosed (never in a report) */
#define BM_CAUSE_ENUM(id, name) id,
    BM_CAUSES(BM_CAUSE_ENUM)
#undef BM_CAUSE_ENUM
} bm_cause;

typedef enum bm_confidence { BM_CONF_NONE = 0, BM_CONF_PROVEN, BM_CONF_LIKELY, BM_CONF_POSSIBLE } bm_confidence;

#define BM_VERDICT_MAX_EVIDENCE 8
#define BM_VERDICT_MAX_EXONERATES 4
#define BM_VERDICT_MAX_STEPS 5

/* A verified repair: XOR xor[0..len) into the bytes at record_offset (of
 * the record body, or of the header when in_header) to get the sent
 * record back. */
typedef struct bm_repair_ref {
    uint8_t direction;              /* role of the sender */
    uint64_t index;                 /* record index in that direction */
    bool in_header;
    uint64_t record_offset;
    uint64_t stream_offset;         /* of the first repaired byte in that direction's TCP stream */
    uint64_t frame;                 /* frame that completed the record */
    uint64_t byte_frame;            /* frame that carried the first repaired byte, 0: not known */
    int64_t frame_offset;           /* that byte's offset in byte_frame's TCP payload, -1: not known */
    int bit;                        /* single-bit repair: 0..7 (0 = least significant), else -1 */
    unsigned bits;                  /* bits flipped */
    uint8_t len;
    uint8_t xor_mask[16];
} bm_repair_ref;

typedef struct bm_verdict {
    bm_cause cause;
    bm_confidence confidence;
    bool keyless;                   /* reached without key material */
    /* The lines, as data (verdict_lines.h); bm_vline_format words them.
     * Lines past a list's maximum are dropped. */
    bm_vline summary;
    uint8_t n_evidence, n_exonerates, n_next_steps;
    bm_vline evidence[BM_VERDICT_MAX_EVIDENCE];
    bm_vline exonerates[BM_VERDICT_MAX_EXONERATES];
    bm_vline next_steps[BM_VERDICT_MAX_STEPS];
    bool has_repair;
    bm_repair_ref repair;
    bool has_record;                /* the record the verdict is about */
    bm_record_ref record;
} bm_verdict;

typedef enum bm_conn_end { BM_CONN_OPEN = 0, BM_CONN_FIN, BM_CONN_RST } bm_conn_end;

/* How one side ended its TCP stream, as the TLS stage saw it at that
 * moment: facts only, judged by bm_diagnose_status (src/diagnose/status.c,
 * docs/diagnoses.md "Failed"). Indexed by the role of the side that ended. */
typedef struct bm_conn_close {
    bool ended;                     /* it sent FIN or RST */
    bool rst;                       /* its first end was an RST */
    uint64_t frame;                 /* frame of that FIN/RST */
    bool mid_record;                /* its own stream ended inside a record (FIN/RST, not the capture's end) */
    bool peer_in_record;            /* the peer was inside a record at that moment */
    bool hs_done;                   /* the handshake had completed (both sides had sent a protected record) */
    bool client_hello_seen;         /* a handshake had begun */
    int16_t peer_last_hs;           /* last complete handshake message type the peer had sent, -1 none */
    uint64_t peer_records;          /* records the peer had sent by then (the next one's index) */
    bool has_peer_last;
    bm_record_ref peer_last;        /* the peer's last complete record before it */
    bool peer_spoke_last;           /* that record came after its own last record: it received and ended */
    bool tail_lost;                 /* bytes of its own stream after its last complete record were not captured */
    uint64_t peer_data_after;       /* records the peer sent after it that cannot be alerts */
} bm_conn_close;

/* Did the connection fail? One definition (docs/diagnoses.md "Failed"),
 * computed once per connection by bm_diagnose_status and read by every
 * report, the exit status and the patterns. */
typedef enum bm_status { BM_STATUS_OK = 0, BM_STATUS_FAILED, BM_STATUS_UNKNOWN } bm_status;

/* Why: X(ID, stable name). Worded only by src/report (status_text.c). */
#define BM_STATUS_REASONS(X)                                                  \
    X(BM_SR_NONE, "none")                       /* ok */                     \
    X(BM_SR_FATAL_ALERT, "fatal_alert")         /* read in the clear or decrypted */ \
    X(BM_SR_FATAL_ALERT_INFERRED, "fatal_alert_inferred") /* encrypted, judged fatal by what followed */ \
    X(BM_SR_BAD_RECORD, "bad_record")           /* a record failed its check */ \
    X(BM_SR_BAD_FINISHED, "bad_finished")       /* a Finished failed its check */ \
    X(BM_SR_OVERSIZED, "oversized_record")      /* a record over the protocol's limit (header alone) */ \
    X(BM_SR_ABORT_RESET, "aborted_reset")       /* RST, no close_notify before it */ \
    X(BM_SR_ABORT_PEER_SENDING, "aborted_peer_sending") /* FIN, no close_notify, the peer still sending */ \
    X(BM_SR_ABORT_HANDSHAKE, "aborted_handshake") /* FIN, no alert, handshake incomplete */ \
    X(BM_SR_ABORT_MID_RECORD, "aborted_mid_record") /* FIN/RST inside its own record */ \
    X(BM_SR_ALERT_LEVEL_UNKNOWN, "alert_level_unknown") /* unknown: encrypted alert, no keys */ \
    X(BM_SR_NOTHING_VERIFIES, "no_record_verifies") /* unknown: records fail, none verifies */ \
    X(BM_SR_QUIET_CLOSE, "closed_after_peer_record") /* unknown: FIN, no close_notify, right after a peer record, no keys */ \
    X(BM_SR_END_NOT_CAPTURED, "end_not_captured") /* unknown: a side's last bytes before its close not captured */

typedef enum bm_status_reason {
#define BM_SR_ENUM(id, name) id,
    BM_STATUS_REASONS(BM_SR_ENUM)
#undef BM_SR_ENUM
    BM_SR_COUNT_
} bm_status_reason;

/* Which record is the prime suspect. */
typedef enum bm_prime_why { BM_PRIME_NONE = 0, BM_PRIME_FIRST_BAD, BM_PRIME_BEFORE_ALERT, BM_PRIME_BEFORE_ABORT } bm_prime_why;

typedef struct bm_status_info {
    bm_status status;
    uint8_t reason;                 /* bm_status_reason */
    int by;                         /* the side the reason is about: who alerted, aborted, sent the bad
                                     * record or the unknown alert; -1 none */
    uint64_t frame;                 /* the alert's, the abort's or the bad record's frame, 0 none */
    int receiver;                   /* the side that refused: fatal alert sender, or who aborted; -1 */
    bool aborted;                   /* no fatal alert, and a side aborted (see reason) */
    uint8_t abort_reason;           /* BM_SR_ABORT_* when aborted */
    int abort_by;                   /* who aborted, -1 */
    uint64_t abort_frame;
    bool abort_rst;
    uint8_t prime_why;              /* bm_prime_why */
    bm_record_ref prime;            /* the first bad record, else the last record of the receiver's peer
                                     * before the fatal alert or the abort */
} bm_status_info;

typedef struct bm_conn {
    uint64_t id;                    /* 1, 2, ... over the whole run */
    const char *capture;            /* file it was read from (borrowed) */
    bm_endpoint client, server;     /* the client sent the ClientHello (or is guessed, see role_guessed) */
    bool role_guessed;              /* no ClientHello seen: client/server guessed from ports */
    bool midstream;                 /* TCP handshake not seen */
    uint64_t first_frame, last_frame;
    uint64_t first_ts_ns, last_ts_ns;
    /* When it was reported, which orders the report: the capture (0, 1, ...
     * in the order of the run) and the frame whose packet ended it (0: the
     * end of that capture, where connections still open are reported by
     * last_frame, then first_frame). Shards of a run (-j, --shard) and
     * badmac merge put connections back in this order. */
    uint32_t capture_index;
    uint64_t report_frame;
    bm_conn_end end;
    int end_by;                     /* BM_CLIENT, BM_SERVER or -1 */
    bm_handshake hs;
    bm_dir_records rec[2];          /* by the role of the sender */
    uint8_t n_alerts;
    bm_alert alerts[BM_MAX_ALERTS];
    bool failed;                    /* a fatal alert (seen or inferred); the connection's failure is status */
    int fatal_from;                 /* side that sent the first fatal alert, -1 none */
    bool has_suspect;
    bm_record_ref suspect;          /* last record of the other side before the fatal alert */
    bm_tcp_info tcp;
    bm_crypto_info crypto;          /* filled when key material was given */
    uint8_t n_findings;             /* the report's "problems": bm_finding_format() words them */
    bm_finding findings[BM_MAX_FINDINGS];
    bm_conn_close close[2];         /* how each side ended its stream (TLS stage), by role */
    bm_status_info status;          /* failed / ok / unknown (the diagnosis, bm_diagnose_status) */
    bm_verdict verdict;             /* the diagnosis; cause BM_CAUSE_NONE only before it ran */
    struct {                        /* --keep-failures: the evidence file written for it */
        const char *file;           /* NULL: none (borrowed, valid during the callback) */
        uint64_t packets, key_lines;
        bool partial;               /* its first packets were no longer kept */
    } evidence;
    uint8_t n_spans;                /* merged captures only: the files of frames first_frame..last_frame, */
    uint64_t spans_skipped;         /* the first and the last ones: this many left out after spans[0] */
    bool spans_partial;             /* the frames before spans[0] no longer known (bm_frame_runs) */
    bm_file_span spans[BM_CONN_SPANS];
} bm_conn;

#endif
