/*
 * diagnose.h - one verdict per connection (issue [4/8], docs/diagnoses.md).
 *
 * bm_diagnose_conn() weighs every hypothesis that can explain a failed
 * connection and writes c->verdict: the cause, how sure (proven = a
 * record authenticated under the changed assumption, or a verified bit
 * repair; likely/possible = circumstantial), the evidence lines, what it
 * exonerates and what to do next. Clean connections get "healthy".
 *
 * The decryption stage calls it at close with the evidence it kept (a
 * copy of the first failing record per direction and the reader state
 * just before it); without keys the analysis calls it with ev == NULL and
 * the verdict rests on what the TLS and TCP stages saw.
 */
#ifndef BM_DIAGNOSE_DIAGNOSE_H
#define BM_DIAGNOSE_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../include/badmac/conn.h"
#include "../crypto/rec.h"
#include "../tls/hook.h"

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
} bm_diag_evidence;

/* ev may be NULL (keyless). Never fails: the worst verdict is undetermined. */
void bm_diagnose_conn(const bm_diag_evidence *ev, bm_conn *c);

/* Stable names (docs/diagnoses.md). */
const char *bm_cause_name(bm_cause c);
const char *bm_confidence_name(bm_confidence c);

#endif
