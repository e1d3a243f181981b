/*
 * compare_out.h - the compare reports: JSON Lines (docs/compare.md, an
 * extension of the v1 contract: new object types only) and text.
 */
#ifndef BM_COMPARE_OUT_H
#define BM_COMPARE_OUT_H

#include <stdio.h>

#include "compare.h"
#include "ends.h"

/* The server's first certificate of one connection at one point: in the
 * clear (the fingerprint), else decrypted by that point's analysis (TLS 1.3
 * with keys). Pointers borrow from the fingerprint or the bm_cmp_end. */
typedef struct bm_cmp_leaf {
    const char *subject, *issuer;
    const uint8_t *sha256;    /* 32 bytes */
    bool decrypted;
} bm_cmp_leaf;

/* A certificate check (--expect-cert) of one connection. */
typedef struct bm_cmp_certcheck {
    const bm_cmp_fp *fp;
    const char *capture;
    const char *expected_hex; /* 64 hex digits */
    int match;                /* 1 the leaf is the expected one, 0 it is not, -1 cannot tell */
    const char *note;         /* why -1, or NULL */
    bool has_leaf;
    bm_cmp_leaf leaf;         /* the certificate checked (with has_leaf) */
} bm_cmp_certcheck;

/* x: the connection's verdict at that point (may be NULL). false: no
 * certificate known. */
bool bm_cmp_leaf_of(const bm_cmp_fp *f, const bm_cmp_end *x, bm_cmp_leaf *out);
/* Fills k->match, note and leaf of k->fp against 'want' (32 bytes). x as
 * above; 'keylog': key files were given. */
void bm_cmp_certcheck_fill(bm_cmp_certcheck *k, const bm_cmp_end *x, bool keylog, const uint8_t *want);

/* c: the conclusion with the single-capture verdicts, or NULL (not asked). */
void bm_cmp_json_pair(FILE *f, const bm_cmp_result *r, const bm_cmp_conclusion *c);
void bm_cmp_json_unpaired(FILE *f, int cap, const bm_cmp_fp *fp, const char *capture);
void bm_cmp_json_cert(FILE *f, const bm_cmp_certcheck *k);
void bm_cmp_json_summary(FILE *f, const bm_cmp_totals *t, int two);

void bm_cmp_text_pair(FILE *f, const bm_cmp_result *r, uint64_t n, const bm_cmp_conclusion *c);
void bm_cmp_text_unpaired(FILE *f, int cap, const bm_cmp_fp *fp, const char *capture);
void bm_cmp_text_cert(FILE *f, const bm_cmp_certcheck *k);
void bm_cmp_text_summary(FILE *f, const bm_cmp_totals *t, int two);

/* One sentence on what the verdict means, for both reports (c: the
 * conclusion, or NULL: names a TLS 1.3 interceptor from the decrypted
 * certificate). */
void bm_cmp_explain(const bm_cmp_result *r, const bm_cmp_conclusion *c, char *buf, size_t cap);
/* The issuer (or subject) of the server's first certificate at capture
 * 'cap': in the clear, else decrypted by that point's analysis (c, with
 * keys); NULL: unknown. *decrypted (may be NULL) says which. */
const char *bm_cmp_leg_issuer(const bm_cmp_result *r, const bm_cmp_conclusion *c, int cap, bool *decrypted);
const char *bm_cmp_leg_subject(const bm_cmp_result *r, const bm_cmp_conclusion *c, int cap);
void bm_cmp_hex(const uint8_t *p, size_t n, char *buf, size_t cap);
const char *bm_cmp_dir_name(int dir); /* "client" / "server" (the sender) */

#endif
