/*
 * trial.h - trial decryption: hypothesis testers for a record that failed
 * authentication (bm_hyp_*). They sit beside the record layer (rec.h)
 * because they are record-layer work: the decryption stage uses them while
 * it reads (realigning after a failure, other master secrets on a
 * Finished) and the diagnosis uses them to prove a cause.
 *
 * Each tester re-opens the failing record's bytes under one changed
 * assumption (another sequence number, other keys, another MAC
 * construction) and reports the first assumption under which it
 * authenticates. They work on clones: the caller's bm_rec is never
 * changed. A hypothesis is "proven" only by a BM_REC_OK open; nothing here
 * guesses.
 *
 * Carried state (RC4's keystream position, the SSL 3.0/TLS 1.0 chained
 * CBC IV) is taken from the bm_rec given, i.e. the receiver's state just
 * before the failing record. So for those modes an alternative sequence
 * number can only be proven if the bytes before this record were all seen
 * (the sender skipped or reused a number): a record that really went
 * missing from the stream moves RC4's keystream (everything decrypts to
 * garbage) or the chained IV (the first block is garbled), and nothing
 * verifies. For RC4 the test is in effect "the MAC under seq N over the
 * plaintext as decrypted", the only one that is valid there. Records that
 * went missing, came twice or swapped places in those modes are the job of
 * bm_hyp_stateful_desync below, which rebuilds the sender's state.
 */
#ifndef BM_CRYPTO_TRIAL_H
#define BM_CRYPTO_TRIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rec.h"
#include "../util/err.h"

/* ---- sequence number ---- */

typedef enum bm_seq_kind {
    BM_SEQ_NOT_FOUND = 0,
    BM_SEQ_AHEAD,   /* seq > expected: records dropped, or the sender skipped numbers */
    BM_SEQ_BEHIND   /* seq < expected: a duplicate, replay or reordered record */
} bm_seq_kind;

typedef struct bm_hyp_seq {
    bm_seq_kind kind;
    uint64_t seq;     /* the sequence number that verifies */
    int64_t delta;    /* seq - expected */
    unsigned tried;
} bm_hyp_seq;

/* Tries expected +1, -1, +2, -2, ... up to +-window (expected itself is
 * skipped; numbers below 0 or above 2^64-1 are not tried). */
BM_RESULT bm_hyp_seq_window(const bm_rec *r, uint64_t expected, unsigned window, uint8_t type,
                            uint16_t version, const uint8_t *in, size_t len, bm_hyp_seq *out);

/* ---- stateful modes: whole records missing or repeated ---- */

/*
 * RC4 and the TLS 1.0 chained CBC IV carry state from record to record, so
 * bm_hyp_seq_window cannot see a record that went missing or came twice
 * (see above). bm_hyp_stateful_desync rebuilds the sender's state instead:
 *
 *  - RC4, dropped records: the sender's keystream is ahead of the
 *    receiver's by the dropped records' bytes L. The keystream after the
 *    receiver's position is generated once; for every L in 1..max_skip the
 *    failing record is decrypted at offset L and its MAC checked under
 *    expected+k (k = 1..max_records records of at least the MAC length
 *    each). A verified MAC proves it, with L.
 *  - the next record of the direction (when given): its true state follows
 *    the failing record's own bytes (the chained IV is that record's last
 *    ciphertext block; for RC4 a duplicate took no keystream of the
 *    sender's). It is opened under expected+1+d (d in -3..+3, not 0) from
 *    the state after the failing record (CBC) or under expected from the
 *    state before it (RC4); a verified MAC proves the shift d.
 *  - the previous record (when given): byte-identical bytes prove a
 *    duplicate of it.
 *  - a swap: the next record verifies from the state before the failing
 *    one under the expected number (and, for RC4, the failing record
 *    verifies with the keystream skipped by exactly the next record).
 * Only a verified MAC or identical bytes give a result; nothing is guessed.
 */
typedef enum bm_desync_kind {
    BM_DESYNC_NONE = 0,
    BM_DESYNC_DROP,   /* records missing before the failing one */
    BM_DESYNC_DUP,    /* the failing record is a copy of one already received */
    BM_DESYNC_SWAP    /* the failing record and the next one arrived in reverse order */
} bm_desync_kind;

typedef enum bm_desync_how {
    BM_DESYNC_BY_NONE = 0,
    BM_DESYNC_BY_KEYSTREAM,  /* RC4: the record verifies with the keystream skipped */
    BM_DESYNC_BY_NEXT,       /* the next record verifies once the state is rebuilt */
    BM_DESYNC_BY_SAME_BYTES  /* identical to the previous (verified) record */
} bm_desync_how;

typedef struct bm_hyp_desync_in {
    const bm_rec *rec;       /* receiver's state just before the failing record */
    uint64_t expected;       /* the sequence number the receiver expected */
    uint8_t type;
    uint16_t version;
    const uint8_t *in;       /* the failing record's body */
    size_t len;
    const uint8_t *prev;     /* the record before it as received; NULL: unknown */
    size_t prev_len;
    const uint8_t *next;     /* the record after it; NULL: unknown */
    size_t next_len;
    uint8_t next_type;
    uint16_t next_version;
    size_t max_skip;         /* RC4 keystream bytes tried; 0: 16384 + 2048 + MAC */
    unsigned max_records;    /* RC4: records that may make up the skip; 0: 1 */
} bm_hyp_desync_in;

typedef struct bm_hyp_desync {
    bm_desync_kind kind;
    bm_desync_how how;
    size_t skip;             /* RC4 drop: keystream bytes the sender was ahead */
    size_t mac_len;
    unsigned records;        /* records dropped (drop) */
    uint64_t seq;            /* the number that verifies (failing record for
                              * BY_KEYSTREAM, the next record for BY_NEXT) */
    int64_t delta;           /* the failing record's true number - expected */
    unsigned long tried;     /* MAC checks made */
} bm_hyp_desync;

/* BM_ERR_UNSUPPORTED when in->rec is not a stateful mode. */
BM_RESULT bm_hyp_stateful_desync(const bm_hyp_desync_in *in, bm_hyp_desync *out);

/* ---- other key sets ---- */

typedef struct bm_hyp_key_cand {
    const bm_rec *rec;  /* e.g. the other direction, handshake keys, the
                         * previous epoch, the epoch after a KeyUpdate */
    uint64_t seq;       /* the sequence number to try first under these keys */
    const char *label;
} bm_hyp_key_cand;

typedef struct bm_hyp_keys {
    bool found;
    size_t index;       /* into the candidate list */
    uint64_t seq;
    unsigned tried;
} bm_hyp_keys;

/* For each candidate in order: its seq, then seq +-1 .. +-seq_window. */
BM_RESULT bm_hyp_other_keys(const bm_hyp_key_cand *cands, size_t n, unsigned seq_window,
                            uint8_t type, uint16_t version, const uint8_t *in, size_t len,
                            bm_hyp_keys *out);

/* ---- MAC construction ---- */

typedef struct bm_hyp_mac {
    bool found;
    bool negotiated_ok;  /* the record verifies as negotiated: not a MAC question */
    unsigned flags;      /* BM_REC_ETM | BM_REC_TRUNC_HMAC that verify */
    bool ssl3;           /* the SSL 3.0 MAC verifies */
    const char *label;   /* "MtE", "EtM", "MtE, truncated HMAC", ..., "SSL 3.0 MAC" */
    unsigned tried;
} bm_hyp_mac;

/*
 * Tries the negotiated construction (p), then MtE vs EtM, full vs 10-byte
 * HMAC and, where the record layout allows (stream ciphers, and CBC with a
 * chained IV, i.e. TLS 1.0), the SSL 3.0 MAC. state, when not NULL, gives
 * the carried state (same suite). E.g. the ESP8266 case: EtM negotiated,
 * but some records MACed MtE -> found, label "MtE".
 */
BM_RESULT bm_hyp_mac_construction(bm_crypto_ctx *c, const bm_rec_params *p, const bm_rec *state,
                                  uint64_t seq, uint8_t type, uint16_t version,
                                  const uint8_t *in, size_t len, bm_hyp_mac *out);

/* ---- the shape of the damage (when nothing verifies) ---- */

#define BM_SHAPE_TAG_ZERO 0x001u       /* MAC/tag bytes all zero */
#define BM_SHAPE_TAG_REPEATS 0x002u    /* same MAC/tag as the previous record */
#define BM_SHAPE_BODY_ZERO 0x004u      /* record body all zero */
#define BM_SHAPE_ZERO_RUN 0x008u       /* a run of >= 32 zero bytes in the body */
#define BM_SHAPE_TEXT 0x010u           /* decrypted data is mostly text */
#define BM_SHAPE_GARBLED 0x020u        /* some plaintext blocks judged garbled */
#define BM_SHAPE_REF_COMPARED 0x040u   /* judged against a second copy */
#define BM_SHAPE_REF_SAME 0x080u       /* decrypted bytes identical to the second copy */
#define BM_SHAPE_BIT_DAMAGE 0x100u     /* vs the copy: only a few bits differ in some block */

typedef struct bm_shape_input {
    const uint8_t *body;      /* the record body as received */
    size_t body_len;
    const uint8_t *plain;     /* decrypted, unauthenticated bytes (bm_open_result
                               * decrypted_len); may be NULL */
    size_t plain_len;
    const uint8_t *ref;       /* the same record decrypted from another copy
                               * (retransmission, other capture point); may be NULL */
    size_t ref_len;
    const uint8_t *tag;       /* the MAC/tag received; may be NULL */
    size_t tag_len;
    const uint8_t *prev_tag;  /* the previous record's MAC/tag; may be NULL */
    size_t block;             /* plaintext block size for the block map; 0 = 16 */
} bm_shape_input;

typedef struct bm_shape {
    unsigned flags;
    size_t zero_run_off, zero_run_len; /* longest run of zero bytes in the body */
    size_t blocks;                     /* plaintext blocks examined */
    size_t garbled;                    /* of which judged garbled */
    size_t first_garbled, last_garbled;/* block indexes (valid when garbled > 0) */
    size_t diff_bytes;                 /* bytes differing from the copy */
    unsigned long diff_bits;
    size_t first_diff, last_diff;      /* byte offsets (valid when diff_bytes > 0) */
} bm_shape;

/* Pure description of the evidence; never fails. */
void bm_hyp_shape(const bm_shape_input *in, bm_shape *out);

#endif
