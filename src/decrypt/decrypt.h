/*
 * decrypt.h - the decryption stage (issue [2/8]): a bm_tls_hook that opens
 * every protected record with the key material it can find, verifies both
 * Finished messages, reads the alerts hidden under encryption, and writes
 * its findings into bm_conn.crypto (and corrects alerts, failed, fatal_from
 * and the suspect record) when the connection closes.
 *
 * Keys, by connection: TLS <= 1.2 - key log CLIENT_RANDOM, else an RSA key
 * matching the server certificate (or the only RSA key loaded) decrypting
 * the ClientKeyExchange, else a key log "RSA" premaster line, else a PSK
 * (plain PSK suites), else a resumed session's master secret learnt earlier
 * in the run; TLS 1.3 - the key log's traffic secrets, else a PSK (--psk)
 * the ServerHello accepted without a key_share (psk_ke: the PSK and the
 * transcript give every secret; with (EC)DHE only a key log can).
 *
 * Memory: per connection a handshake transcript (at most
 * BM_DEC_TRANSCRIPT_CAP, freed once both Finished are checked) and one
 * bm_rec per direction and epoch; handshake messages, decrypted ones
 * included, are reassembled by the TLS stage. One plaintext buffer for the
 * whole stage (lent to the TLS stage until record_done): nothing is
 * allocated per record.
 * Single-threaded, like the TLS stage it hooks into.
 */
#ifndef BM_DECRYPT_DECRYPT_H
#define BM_DECRYPT_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/crypto.h"
#include "../crypto/rec.h"
#include "../crypto/rsa.h"
#include "../keys/keystore.h"
#include "../tls/hook.h"
#include "../util/diag.h"

#define BM_DEC_TRANSCRIPT_CAP (256u * 1024u)
/* Sequence numbers tried after a capture gap ("records lost in the gap"). */
#define BM_DEC_GAP_TRIES 16

typedef struct bm_decrypt bm_decrypt;

/*
 * An observer of what the stage opens (the export stage, src/export/): the
 * keys each connection is decrypted with and its application data. All
 * callbacks may be NULL. Sides are capture sides (BM_SIDE_A/B) until
 * conn_close says which one is the client.
 *
 * 'secret' hands out key material: the observer MUST write it only where
 * the user asked for it (--export-keylog, --write).
 */
typedef enum bm_dec_gap_kind {
    BM_DEC_GAP_FAILED = 0,   /* the record failed its integrity check */
    BM_DEC_GAP_UNDECRYPTABLE, /* bytes of it were not captured, or no keys for its epoch */
    BM_DEC_GAP_LOST          /* whole records lost in a capture gap before 'index' */
} bm_dec_gap_kind;

typedef struct bm_dec_observer {
    void *ud;
    /* One NSS key log entry a connection's keys came from or were derived
     * as (label e.g. "CLIENT_RANDOM", the 32-byte client random). */
    void (*secret)(void *ud, const char *label, const uint8_t client_random[32], const uint8_t *secret,
                   size_t len);
    /* Per-connection observer state (may return NULL). */
    void *(*conn_open)(void *ud);
    /* Verified application data that 'side' sent, record by record, in order. */
    void (*app_data)(void *oc, int side, uint64_t index, const uint8_t *p, size_t n);
    /* Application data that is not there: 'records' records (1 unless LOST),
     * 'bytes' their protected length (LOST: the stream bytes missing). */
    void (*app_gap)(void *oc, int side, uint64_t index, bm_dec_gap_kind kind, uint64_t records, uint64_t bytes);
    /* The connection closed: c is NULL when it was not TLS; frees oc. */
    void (*conn_close)(void *oc, const bm_conn *c, int client_side, bool have_keys);
} bm_dec_observer;

/*
 * The evidence the stage keeps about a connection's failures, for the
 * diagnosis (src/diagnose/, the next stage up, reads it; this stage never
 * calls it). Per direction, by role of the sender: a copy of the first
 * failing record, the frames that carried it, the reader state just
 * before it, whether the records after it still verify, and other key
 * sets to try on it.
 */
/* A TLS <= 1.2 connection whose Finished failed: the other master secrets
 * tried on it (src/decrypt/dec_stale.c). Resumed: those of the key store;
 * full handshake: the other key log lines for the client random and the
 * master from the RSA premaster with and without extended_master_secret. */
typedef struct bm_diag_stale {
    bool applies;               /* this side's Finished failed */
    unsigned tried;             /* other master secrets tried */
    bool found;                 /* one of them opens the Finished */
    bool found_ems;             /* ... the premaster's, with EMS the other way than negotiated */
    char found_label[192];      /* which one */
    bool session_known;         /* the session id's master was stored (earlier full handshake) */
    bool session_same;          /* ... and it is the one in use here */
    char session_src[64];
} bm_diag_stale;

/* A resumed TLS <= 1.2 connection: what the key store holds for the
 * session it resumed, beside the master secret in use (dec_stale.c). Read
 * when the sender's Finished verified and the peer still rejected it: the
 * peer holds another master secret, and this says which one if known. */
typedef struct bm_diag_session {
    bool applies;               /* resumed, TLS <= 1.2, keys */
    bool in_use_logged;         /* the master in use is a key log line for this client random */
    bool session_known;         /* the session id's / ticket's master was stored (earlier full handshake) */
    bool session_same;          /* ... and it is the one in use here */
    char session_src[64];
    unsigned other_logged;      /* other master secrets logged for this client random */
    char other_src[96];         /* where the first of them is ("keys.log line 1") */
} bm_diag_session;

/* What the decryption stage kept about one direction (by role of the
 * sender). Pointers are borrowed for the call. */
typedef struct bm_diag_dir {
    bool has_bad;
    uint8_t hdr[5];
    const uint8_t *body;        /* the first failing record's body, NULL if not kept */
    size_t len;
    const bm_tls_seg *segs;     /* the frames that carried it, header first */
    unsigned n_segs;            /* 0: not known */
    uint64_t seq;               /* the sequence number the receiver expected */
    const bm_rec *rec;          /* reader state just before that record */
    /* RC4 / TLS 1.0 CBC only (NULL: not kept): the record that verified
     * just before it and the record just after it (failed too). */
    const uint8_t *prev;
    size_t prev_len;
    uint64_t prev_index;
    const uint8_t *next;
    size_t next_len;
    uint8_t next_hdr[5];
    uint64_t next_index;
    /* Other key sets to try (NULL: not available). */
    const bm_rec *other_dir;    /* the other direction's keys */
    uint64_t other_seq;
    const bm_rec *prev_epoch;   /* TLS 1.3: handshake keys */
    const bm_rec *next_epoch;   /* TLS 1.3: the epoch after a KeyUpdate (or the application keys) */
    const bm_rec_params *params;/* TLS <= 1.2: for the MAC construction test, or NULL */
    uint64_t failed;            /* records of this direction that failed */
    uint64_t verified;
    uint64_t verified_after;    /* records verified after the first failure */
    uint64_t realigned;         /* failures after which a later sequence number was adopted */
    bool later_delta_found;     /* a later failing record opened with another seq */
    int64_t later_delta;
    uint64_t later_index;
    const bm_diag_stale *stale; /* NULL: not a resumed Finished failure */
} bm_diag_dir;

typedef struct bm_diag_evidence {
    bm_crypto_ctx *cc;
    bool keyed;                 /* key material was found for this connection */
    bm_diag_dir dir[2];         /* by role of the sender */
    const bm_diag_session *session; /* NULL: not a resumed TLS <= 1.2 connection with keys */
} bm_diag_evidence;

/*
 * The evidence for the connection of hook_conn (as handed to the conn sink,
 * bm_conn_sink.conn, after the hook's conn_close; c is that connection).
 * Fills *out; its pointers are borrowed from hook_conn and valid until the
 * TLS stage frees it (after the sink returns). false, *out zeroed, when
 * hook_conn is NULL (the connection opened before the stage joined).
 */
bool bm_decrypt_evidence(void *hook_conn, const bm_conn *c, bm_diag_evidence *out);

/* cc, ks and diag are borrowed and MUST outlive the stage; rsa may be NULL.
 * NULL on allocation failure. */
bm_decrypt *bm_decrypt_new(bm_crypto_ctx *cc, bm_keystore *ks, const bm_rsa_keys *rsa, bm_diag *diag);
/* The hook to install with bm_tls_set_hook (valid as long as the stage). */
const bm_tls_hook *bm_decrypt_hook(bm_decrypt *d);
void bm_decrypt_free(bm_decrypt *d);
/* Install an observer (copied) for connections opened from now on; NULL removes it. */
void bm_decrypt_set_observer(bm_decrypt *d, const bm_dec_observer *o);

#endif
