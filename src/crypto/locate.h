/*
 * locate.h - bit-error location: given the keys of a record that failed
 * (bm_rec), its sequence number, header fields and the bytes received,
 * find the few bits whose flipping makes the record authenticate.
 *
 * Every repair returned has been VERIFIED: the repaired bytes (and header
 * fields) were opened with bm_rec_open on a clone of the caller's state and
 * came out BM_REC_OK. A candidate that does not verify is never reported.
 *
 *   GCM (TLS 1.2, TLS 1.3): GHASH is linear over GF(2^128), so the
 *     difference between the received tag and the tag the received bytes
 *     would carry, times the right power of H^-1, IS the error pattern of
 *     each 16-byte block (locate_gcm.c). Linear time. The TLS 1.2 explicit
 *     nonce is searched bit by bit (one AES block per candidate).
 *   ChaCha20-Poly1305: the same idea modulo 2^130 - 5 (locate_poly.c).
 *   HMAC suites (NULL, RC4, CBC MtE/EtM): one candidate per bit, each
 *     rehashing only from the 64/128-byte hash block it touches
 *     (locate_mac.c). Quadratic: 1.4-1.8 s for 16 KB HMAC-SHA256 (SHA-NI).
 *   CCM, CCM_8: CBC-MAC offers no algebra, but CTR makes a ciphertext bit
 *     flip a plaintext bit flip: one candidate per bit, each re-running the
 *     CBC-MAC from the cached chaining state of its block (locate_ccm.c).
 *     Quadratic, single bits only (and bursts inside the tag).
 *
 * The header's type and version bits are tried in every mode (the length
 * cannot be wrong without the record boundary moving, so it is not).
 */
#ifndef BM_CRYPTO_LOCATE_H
#define BM_CRYPTO_LOCATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "rec.h"

typedef enum bm_locate_status {
    BM_LOC_FOUND = 0,        /* at least one verified repair */
    BM_LOC_NONE,             /* searched everything, nothing verifies */
    BM_LOC_RECORD_OK,        /* the record authenticates as received */
    BM_LOC_NOT_LOCATABLE,    /* this mode cannot be searched (no longer returned) */
    BM_LOC_BAD_LENGTH,       /* the record length is impossible for the suite */
    BM_LOC_BUDGET            /* stopped when opts.max_work was spent, before any repair verified
                              * (a repair found before the budget ran out is BM_LOC_FOUND with
                              * res.stopped set) */
} bm_locate_status;

const char *bm_locate_status_name(bm_locate_status s);

typedef enum bm_repair_where {
    BM_REP_BODY = 0,  /* offset counts from the first byte after the header */
    BM_REP_HEADER     /* offset 0..4 in the 5-byte record header */
} bm_repair_where;

#define BM_REPAIR_MAX_SPAN 16

/* XOR xor[0..len) into the bytes at offset to get the sent record back. */
typedef struct bm_repair {
    uint8_t where;    /* bm_repair_where */
    size_t offset;    /* first byte changed */
    uint8_t len;      /* 1..BM_REPAIR_MAX_SPAN */
    uint8_t xor[BM_REPAIR_MAX_SPAN];
    int bit;          /* single-bit repair: 0..7 (0 = least significant); else -1 */
    unsigned weight;  /* number of bits flipped */
} bm_repair;

#define BM_LOCATE_MAX_REPAIRS 8

typedef struct bm_locate_opts {
    unsigned max_weight;  /* most bits one repair may flip (0 = default 8);
                           * the HMAC search only ever tries single bits */
    bool skip_header;     /* do not try the header's type/version bits */
    uint64_t max_work;    /* stop after this much work (bm_locate_result.work); 0 = no limit */
} bm_locate_opts;

typedef struct bm_locate_result {
    bm_locate_status status;
    size_t n;                                 /* repairs in rep[] */
    bm_repair rep[BM_LOCATE_MAX_REPAIRS];
    uint64_t candidates;                      /* candidates examined (for reports) */
    uint64_t verified_fail;                   /* candidates rejected by bm_rec_open */
    uint64_t work;                            /* bytes run through a MAC, a cipher or a full open
                                               * (what the search cost; a 16 KB HMAC record: ~1 GB) */
    bool stopped;                             /* max_work was spent before the search ended */
} bm_locate_result;

/*
 * Searches the record body in[0..len) (header excluded) received with
 * sequence number seq and header fields type, version. r is the reader's
 * state before this record; it is cloned, never changed. opts may be NULL.
 * Returns BM_OK with the verdict in *res, or BM_ERR_LIMIT / BM_ERR_NOMEM /
 * BM_ERR_CRYPTO.
 */
BM_RESULT bm_locate(const bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                    const uint8_t *in, size_t len, const bm_locate_opts *opts,
                    bm_locate_result *res);

/* Applies a repair to a copy of the record: body (len bytes) and hdr[5]
 * (either may be NULL when the repair does not touch it). False when the
 * repair lies outside. */
bool bm_repair_apply(const bm_repair *rep, uint8_t *body, size_t len, uint8_t hdr[5]);

#endif
