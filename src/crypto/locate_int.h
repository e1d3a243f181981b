/*
 * locate_int.h - private to the bit-error locators: the search context,
 * candidate verification and the per-mode searches.
 */
#ifndef BM_CRYPTO_LOCATE_INT_H
#define BM_CRYPTO_LOCATE_INT_H

#include "locate.h"
#include "rec_int.h"

typedef struct bm_loc {
    const bm_rec *orig;   /* the caller's state before the record */
    bm_rec *work;         /* clone; its carried state is reset before each trial */
    uint64_t seq;
    uint8_t type;
    uint16_t version;
    const uint8_t *in;
    size_t len;
    uint8_t *buf;         /* scratch copy of the record (len bytes) */
    uint8_t *out;         /* scratch for bm_rec_open (BM_REC_BUFSIZE or len) */
    size_t out_cap;
    unsigned max_w;
    uint64_t max_work;    /* 0: no limit */
    bm_locate_result *res;
} bm_loc;

/* Charges 'n' bytes of work; BM_ERR_LIMIT once max_work is spent (the
 * searches return it at once, bm_locate turns it into BM_LOC_BUDGET). */
BM_RESULT bm_loc_work(bm_loc *L, uint64_t n);

/* Opens the record with rep applied; if BM_REC_OK, appends rep to the
 * result (duplicates ignored). *verified tells the verdict. */
BM_RESULT bm_loc_try(bm_loc *L, const bm_repair *rep, bool *verified);

/* A repair from the XOR pattern x[0..n) laid over the body (or header) at
 * off: leading/trailing zero bytes trimmed. False when x is all zero,
 * spans more than BM_REPAIR_MAX_SPAN bytes or flips more than max_w bits. */
bool bm_repair_make(bm_repair *rep, uint8_t where, size_t off, const uint8_t *x, size_t n,
                    unsigned max_w);

/* Tries every single bit of body[from..to) (or header bytes when where is
 * BM_REP_HEADER) with a full open each: for short areas only. */
BM_RESULT bm_loc_brute_bits(bm_loc *L, uint8_t where, size_t from, size_t to);

BM_RESULT bm_locate_gcm(bm_loc *L);
BM_RESULT bm_locate_poly(bm_loc *L);
BM_RESULT bm_locate_mac(bm_loc *L);
BM_RESULT bm_locate_ccm(bm_loc *L);

#endif
