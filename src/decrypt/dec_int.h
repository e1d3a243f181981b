/*
 * dec_int.h - the decryption stage's private state, shared by its files.
 *
 * Like the TLS stage, everything is indexed by capture SIDE (A/B) while the
 * connection is live; dec_close.c maps sides to roles when it writes the
 * bm_conn.
 */
#ifndef BM_DECRYPT_DEC_INT_H
#define BM_DECRYPT_DEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/kdf.h"
#include "../crypto/rec.h"
#include "decrypt.h"

#define BM_DEC_BUF (BM_REC_BUFSIZE + 512u)
#define BM_DEC_MAX_ALERTS 16
#define BM_DEC_MAX_FINDINGS 8
#define BM_DEC_RING 8
/* TLS compression (dec_zlib.c): what a record may inflate to (2^14,
 * RFC 5246 6.2.2), and how much more is drained to measure an oversized
 * one before its direction is given up. */
#define BM_DEC_MAX_PLAIN 16384u
#define BM_DEC_ZDRAIN (1024u * 1024u)

struct z_stream_s; /* zlib's, in dec_zlib.c only */

struct bm_decrypt {
    bm_crypto_ctx *cc;
    bm_keystore *ks;
    const bm_rsa_keys *rsa;
    bm_diag *diag;
    bm_tls_hook hook;
    bm_dec_observer obs;
    bool has_obs;
    uint8_t buf[BM_DEC_BUF]; /* plaintext of the record being opened */
    uint8_t zbuf[BM_DEC_MAX_PLAIN + 1024u]; /* ... inflated (compressed sessions) */
};

/* TLS 1.3 epochs of one direction. */
enum { BM_EP_NONE = 0, BM_EP_EARLY, BM_EP_HS, BM_EP_AP };

typedef struct dec_alert {
    int side;
    uint64_t index, frame, order;
    int level, desc;
    bool has_other;
    bm_record_ref other;     /* the peer's last record before it (side-indexed) */
} dec_alert;

typedef struct dec_dir {
    bm_rec *rec;             /* current read state, NULL: none */
    bm_rec *next;            /* TLS 1.3: the application epoch's, before it starts */
    bm_rec *early;           /* TLS 1.3 client: 0-RTT keys */
    bm_rec *prev;            /* the keys before the last switch (KeyUpdate, end of the handshake
                              * epoch, renegotiation): a failing record that opens under them
                              * fails with BM_REASON_WRONG_EPOCH */
    uint64_t prev_seq;       /* the next sequence number under them */
    bool old_keys_noted;
    uint64_t seq, early_seq;
    int epoch;
    uint8_t secret[BM_MAX_HASH_LEN]; /* TLS 1.3: current application traffic secret */
    bool has_secret;
    bool prot_seen;          /* TLS <= 1.2: a protected record was seen */
    bool gap_before;         /* bytes were lost before the next record */
    bool stream_lost;        /* RC4: bytes lost where no count of records fits: the keystream
                                position is unknown, later records cannot be checked */
    bool iv_lost;            /* TLS 1.0 CBC: the last record's body was not captured: the next
                                record's IV (that body's last block) is unknown */
    bool has_last;
    bm_record_ref last;      /* last record sent, and when */
    uint64_t last_order;
    uint64_t next_off;       /* where the next record header should start */
    bool off_known;
    /* the last verified records: index and content type */
    uint64_t ring_idx[BM_DEC_RING];
    uint8_t ring_type[BM_DEC_RING];
    unsigned ring_n;
    /* counters and the first failure (side-indexed copies of crypto info) */
    uint64_t verified, failed, undecryptable;
    bool has_bad;
    bm_bad_record bad;
    uint64_t bad_order;
    int finished;            /* bm_finished_status */
    bool want_update;        /* TLS 1.3: a KeyUpdate ended the current record */
    bool want_switch;        /* TLS 1.3: the Finished ended the handshake epoch */
    bool early_noted;
    /* TLS 1.3 client 0-RTT: records opened under the early key until the
     * EndOfEarlyData (accepted) or the first handshake-key record
     * (rejected) ends the early phase; their fate waits for the server's
     * EncryptedExtensions (early_pending) */
    bool early_done;
    bool early_seen;
    uint64_t early_pending, early_first;
    uint64_t early_failed;   /* failures counted while the verdict was open */
    bool bad_early;          /* the first failure is one of them */
    /* diagnosis evidence (issue [4/8]): the first failing record */
    bm_rec *shadow;          /* stateful modes: reader state before the record being opened */
    uint8_t *bad_body;       /* copy of its body (at most BM_REC_BUFSIZE bytes), NULL if longer */
    size_t bad_len;
    uint8_t bad_hdr[5];
    bm_tls_seg bad_segs[BM_TLS_RSEG]; /* the frames that carried it */
    unsigned bad_n_segs;     /* 0: not known */
    uint64_t bad_seq;        /* the sequence number it was expected to carry */
    bm_rec *bad_rec;         /* reader state just before it */
    int bad_epoch;
    uint8_t bad_secret[BM_MAX_HASH_LEN]; /* TLS 1.3: that epoch's traffic secret */
    bool bad_has_secret;
    uint64_t verified_after; /* records that verified after it */
    /* stateful modes (RC4, TLS 1.0 CBC): the records either side of it */
    uint8_t *prev_body;      /* the last record that verified before it (BM_REC_BUFSIZE buffer) */
    size_t prev_len;
    bool prev_valid;
    uint64_t prev_index;
    uint8_t *next_body;      /* the record right after it, when it failed too */
    size_t next_len;
    uint8_t next_hdr[5];
    uint64_t next_index;
    uint64_t realigned;      /* failures that opened with another sequence number (adopted) */
    bool later_found;        /* ... the first such failure after the first failure */
    int64_t later_delta;
    uint64_t later_index;
    bm_dir_keys wkeys;       /* TLS <= 1.2: the sender's write keys (MAC construction test) */
    bool has_wkeys;
    uint64_t gap_bytes;      /* stream bytes missing before the next record (export) */
    /* TLS <= 1.2 compression (dec_zlib.c): the method of the current
     * cipher state (0 none, 1 DEFLATE), that of the renegotiation's keys
     * waiting for their ChangeCipherSpec, the inflate stream (NULL until
     * the first compressed record), whether a record of the stream was
     * not opened (lost, failed) and whether inflating stopped */
    uint8_t comp, comp_next;
    struct z_stream_s *z;
    bool z_lost, z_stopped;
} dec_dir;

/* What bm_decrypt_evidence builds beyond the per-direction copies (by
 * capture side): other key sets and the stale-resumption trials. Owned by
 * the dec_conn, freed with it (or by the next bm_decrypt_evidence call). */
typedef struct dec_extra {
    bm_rec *prev[2], *next[2];
    bm_rec_params params[2];
    bm_diag_stale stale[2];
    bm_diag_session session;
} dec_extra;

typedef struct dec_conn {
    bm_decrypt *d;
    bm_tuple tuple;
    int client_side;         /* side that sent the ClientHello, -1 unknown */
    dec_dir dir[2];
    uint64_t order;          /* records seen, both directions */
    /* what the keys in use are for: version and suite (set with the keys) */
    uint16_t version;
    const bm_suite *suite;
    /* The hellos of the handshake whose keys are in use, as the TLS stage
     * parsed them: its bm_handshake (stable until conn_close), or a
     * renegotiation's (dec_reneg.c). client_random points into it, NULL
     * until a ClientHello's random was read. */
    const bm_handshake *hello;
    const uint8_t *client_random;
    /* transcript of handshake messages, in order */
    uint8_t *ts;
    size_t ts_len, ts_cap;
    bool ts_broken, ts_done;
    /* A Finished that failed its check: how far each direction's stream
     * had been read then. Bytes of a direction found missing later at or
     * before that point may be handshake messages the transcript lacks:
     * the check is then undecided, not failed (bm_dec_gap_vs_finished). */
    bool fin_failed_any;
    uint64_t fin_fail_off[2];
    size_t ems_len;          /* transcript length through the ClientKeyExchange */
    /* The session hash (RFC 7627) of that transcript, kept when it is cut:
     * the transcript is freed once both Finished are checked, and the
     * stale-session search at close (dec_stale.c) still needs it. */
    uint8_t sess_hash[BM_MAX_HASH_LEN];
    size_t sess_hash_len;    /* 0: not known */
    uint8_t *cke, *cert, *ticket_offered, *ticket_new;
    size_t cke_len, cert_len, ticket_offered_len, ticket_new_len;
    /* TLS 1.3 external PSK: the ClientHello's identities<..> (copy), and
     * what the ServerHello said (pre_shared_key selected, key_share sent) */
    uint8_t *psk_ids;
    size_t psk_ids_len;
    bool sh_psk, sh_key_share;
    uint16_t sh_psk_selected;
    bool psk_pending;        /* PSK keys: application secrets at the server Finished */
    uint8_t master13[BM_MAX_HASH_LEN];
    /* keys */
    bool keys_tried, have_keys;
    unsigned flags;          /* BM_REC_ETM | BM_REC_TRUNC_HMAC */
    uint8_t ms[BM_MASTER_SECRET_LEN];
    bool ms_stored;
    int key_kind;            /* bm_keys_source */
    char key_source[128];
    uint8_t c_hs[BM_MAX_HASH_LEN], s_hs[BM_MAX_HASH_LEN];
    bool have_hs_secret[2];  /* by sender: 0 client, 1 server */
    int early_state;         /* BM_EARLY_*: what the server did with 0-RTT */
    /* decrypted alerts, findings to add (role: a capture side) */
    unsigned n_alerts;
    dec_alert alerts[BM_DEC_MAX_ALERTS];
    unsigned n_findings;
    bm_finding findings[BM_DEC_MAX_FINDINGS];
    void *obs_conn;          /* the observer's per-connection state */
    bm_tls_opened *opened;   /* during bm_dec_record: where the record's plaintext is handed back */
    struct dec_reneg *reneg; /* TLS <= 1.2 renegotiation, NULL until one starts */
    dec_extra x;             /* bm_decrypt_evidence's key sets (dec_evidence.c) */
} dec_conn;

/* dec_conn.c */
/* Record a finding for the bm_conn: f->role is a capture SIDE, mapped to a
 * role at close. Beyond BM_DEC_MAX_FINDINGS they are dropped. */
void bm_dec_finding(dec_conn *k, const bm_finding *f);
bool bm_dec_ts_append(dec_conn *k, const uint8_t *msg, size_t n);

/* Tell the observer (if any) about a secret / missing application data. */
void bm_dec_obs_secret(dec_conn *k, const char *label, const uint8_t *secret, size_t len);
void bm_dec_obs_gap(dec_conn *k, int side, const bm_tls_record_ev *ev, bm_dec_gap_kind kind, uint64_t records,
                    uint64_t bytes);

/* dec_msg.c: the hook's hs_msg - one complete handshake message, as the
 * TLS stage parsed it */
void bm_dec_hs_msg(void *hook_conn, const bm_tls_hs_msg *m);

/* dec_keys.c */
void bm_dec_setup_keys(dec_conn *k, const bm_handshake *hs);
/* TLS <= 1.2: the record states of both directions from k->ms. */
void bm_dec_keys12(dec_conn *k, const bm_handshake *hs);
BM_RESULT bm_dec_make_rec(dec_conn *k, const bm_dir_keys *keys, bm_rec **out);
/* TLS 1.3: derive a direction's record state from a traffic secret. */
BM_RESULT bm_dec_rec13(dec_conn *k, const uint8_t *secret, bm_rec **out);
void bm_dec_store_session(dec_conn *k, const bm_handshake *hs);
/* The RSA-encrypted premaster a key log's "RSA" line gives for this
 * connection's ClientKeyExchange, or NULL; *entry: that line. */
const uint8_t *bm_dec_logged_rsa_pms(dec_conn *k, const bm_key_entry **entry);
/* Bytes of direction 'side' from stream offset 'from' were not captured. */
void bm_dec_gap_vs_finished(dec_conn *k, int side, uint64_t from);
/* Decrypt the premaster in enc (an EncryptedPreMasterSecret, with or
 * without its 2-byte length) with the --rsa-key matching the server
 * certificate (*used). what: the message (bm_finding_msg), for the
 * findings; 0: quiet (the diagnosis' trials). BM_ERR_PMS_VERSION still
 * fills pms. k->hello MUST be set (its client_version is checked). */
bm_result bm_dec_rsa_decrypt(dec_conn *k, const uint8_t *enc, size_t el, int what, uint8_t pms[48],
                             const bm_rsa_key **used);

/* dec_psk12.c: TLS <= 1.2 PSK key exchanges (PSK, RSA_PSK; DHE_PSK and
 * ECDHE_PSK only say why not). true: pms holds *pl bytes, the key source
 * is set. cap MUST be at least 4 + 2 * BM_PSK_MAX. */
bool bm_dec_psk12_premaster(dec_conn *k, uint8_t *pms, size_t cap, size_t *pl);
/* TLS 1.3 external PSK (psk_ke): the application secrets, once the
 * transcript holds the server Finished. */
void bm_dec_psk13_app(dec_conn *k);

/* dec_reneg.c: TLS <= 1.2 renegotiation. A decrypted handshake message:
 * true when it is not part of any transcript (HelloRequest). */
bool bm_dec_reneg_msg(dec_conn *k, const bm_tls_hs_msg *m);
/* A decrypted ChangeCipherSpec: that direction moves to the new keys. */
void bm_dec_reneg_ccs(dec_conn *k, int side);
/* After a Finished was checked; at close; at free. */
void bm_dec_reneg_finished(dec_conn *k);
void bm_dec_reneg_close(dec_conn *k);
void bm_dec_reneg_free(dec_conn *k);

/* dec_record.c */
void bm_dec_record(void *hook_conn, const bm_tls_record_ev *ev, bm_tls_opened *out);
/* The hook's record_done: TLS 1.3 epoch changes the record's messages
 * announced take effect. */
void bm_dec_record_done(void *hook_conn, int side);
/* A direction leaves its current read state: keep it as d->prev (taking ownership of d->rec). */
void bm_dec_retire_rec(dec_dir *d);

/* dec_evidence.c */
bool bm_dec_stateful(const dec_conn *k);
/* Before an open: keep the reader state for stateful modes. */
void bm_dec_keep_state(dec_conn *k, int side);
/* A failure: keep the first one; try nearby sequence numbers and adopt the
 * one that opens (then the record counts as failed, later ones verify). */
void bm_dec_note_failure(dec_conn *k, int side, const bm_tls_record_ev *ev);
/* Stateful modes: keeps a copy of a record that verified (until the first
 * failure), for the duplicate test. */
void bm_dec_keep_prev(dec_conn *k, int side, const bm_tls_record_ev *ev);
/* dec_stale.c: other master secrets tried on a resumed side's failing Finished */
void bm_dec_stale(dec_conn *k, const bm_handshake *hs, int side, int role, bm_diag_stale *out);
/* dec_stale.c: a resumed connection's session in the key store */
void bm_dec_session_view(dec_conn *k, const bm_handshake *hs, bm_diag_session *out);
void bm_dec_evidence_free(dec_dir *d);
/* Frees what bm_decrypt_evidence built (k->x). */
void bm_dec_extra_free(dec_conn *k);

/* dec_zlib.c: TLS compression (RFC 3749). A new cipher state of the
 * direction starts a new stream under 'method'. */
void bm_dec_z_start(dec_dir *d, uint8_t method);
/* A record of the direction was not opened (lost, failed, no keys): the
 * stream cannot be followed past it. */
void bm_dec_z_skip(dec_conn *k, int side, const bm_tls_record_ev *ev);
/* The opened record's content (*p, *n) made readable: unchanged without
 * compression; inflated into the stage's zbuf under DEFLATE. false: it
 * cannot be read (unknown method, a broken or oversized stream: a finding
 * says so). */
bool bm_dec_z_expand(dec_conn *k, int side, const bm_tls_record_ev *ev, const uint8_t **p, size_t *n);
void bm_dec_z_free(dec_dir *d);

/* dec_early.c: TLS 1.3 0-RTT */
enum { BM_EARLY_UNDECIDED = 0, BM_EARLY_ACCEPTED, BM_EARLY_REJECTED };
/* Before the ServerHello: the client's early key (suite found by trial
 * among the offered ones), from the record ev. */
void bm_dec_early_keys(dec_conn *k, int side, const bm_tls_record_ev *ev);
/* The server's verdict on 0-RTT: pending early records become verified
 * (accepted) or skipped (rejected). Only the first call counts. */
void bm_dec_early_decide(dec_conn *k, bool accepted);

/* dec_close.c: the hook's conn_close (frees nothing: the TLS stage calls
 * the hook's conn_free, bm_dec_conn_free, after the conn sink). */
void bm_dec_close(void *hook_conn, bm_conn *c);
void bm_dec_conn_free(dec_conn *k);

#endif
