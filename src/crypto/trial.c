/*
 * trial.c - hypothesis testers: re-open the failing record on clones under
 * one changed assumption at a time (see trial.h).
 */
#include <stdlib.h>
#include <string.h>

#include "../proto/proto.h"
#include "trial.h"

/* One reusable trial: a clone of the caller's state, reset before each
 * open so every hypothesis starts from the receiver's state. */
typedef struct bm_trial {
    const bm_rec *base;
    bm_rec *work;
    uint8_t *out;
    size_t cap;
} bm_trial;

static BM_RESULT bm_trial_init(bm_trial *t, const bm_rec *base, size_t len)
{
    memset(t, 0, sizeof *t);
    t->base = base;
    t->cap = len ? len : 1;
    t->out = malloc(t->cap);
    BM_ENSURE(t->out, BM_ERR_NOMEM);
    return bm_rec_clone(base, &t->work);
}

static void bm_trial_free(bm_trial *t)
{
    bm_rec_free(t->work);
    if (t->out)
        explicit_bzero(t->out, t->cap);
    free(t->out);
    t->work = NULL;
    t->out = NULL;
}

static BM_RESULT bm_trial_open(bm_trial *t, uint64_t seq, uint8_t type, uint16_t version,
                               const uint8_t *in, size_t len, bool *ok)
{
    bm_open_result o;
    BM_GUARD(bm_rec_copy_state(t->work, t->base));
    BM_GUARD(bm_rec_open(t->work, seq, type, version, in, len, t->out, t->cap, &o));
    *ok = o.status == BM_REC_OK || o.status == BM_REC_NO_CONTENT_TYPE;
    return BM_SUCCESS;
}

/* The k-th number of the walk expected+1, expected-1, expected+2, ...;
 * false when it falls outside 0..2^64-1. */
static bool bm_seq_step(uint64_t expected, unsigned k, uint64_t *seq, int64_t *delta)
{
    uint64_t d = k / 2 + 1;
    if (k % 2 == 0) {
        if (expected > UINT64_MAX - d)
            return false;
        *seq = expected + d;
        *delta = (int64_t)d;
    } else {
        if (expected < d)
            return false;
        *seq = expected - d;
        *delta = -(int64_t)d;
    }
    return true;
}

static BM_RESULT bm_seq_walk(bm_trial *t, uint64_t expected, unsigned window, bool include_expected,
                             uint8_t type, uint16_t version, const uint8_t *in, size_t len,
                             bool *found, uint64_t *seq, int64_t *delta, unsigned *tried)
{
    bool ok = false;
    *found = false;
    if (include_expected) {
        (*tried)++;
        BM_GUARD(bm_trial_open(t, expected, type, version, in, len, &ok));
        if (ok) {
            *found = true;
            *seq = expected;
            *delta = 0;
            return BM_SUCCESS;
        }
    }
    for (unsigned k = 0; k < 2 * window; k++) {
        uint64_t s;
        int64_t d;
        if (!bm_seq_step(expected, k, &s, &d))
            continue;
        (*tried)++;
        BM_GUARD(bm_trial_open(t, s, type, version, in, len, &ok));
        if (ok) {
            *found = true;
            *seq = s;
            *delta = d;
            return BM_SUCCESS;
        }
    }
    return BM_SUCCESS;
}

BM_RESULT bm_hyp_seq_window(const bm_rec *r, uint64_t expected, unsigned window, uint8_t type,
                            uint16_t version, const uint8_t *in, size_t len, bm_hyp_seq *out)
{
    memset(out, 0, sizeof *out);
    BM_ENSURE(r && (in || !len), BM_ERR_USAGE);
    BM_ENSURE(len <= BM_REC_MAX_INPUT, BM_ERR_LIMIT);
    bm_trial t;
    bool found = false;
    bm_result e = bm_trial_init(&t, r, len);
    if (bm_is_ok(e))
        e = bm_seq_walk(&t, expected, window, false, type, version, in, len, &found, &out->seq,
                        &out->delta, &out->tried);
    bm_trial_free(&t);
    BM_GUARD(e);
    out->kind = !found ? BM_SEQ_NOT_FOUND : out->delta > 0 ? BM_SEQ_AHEAD : BM_SEQ_BEHIND;
    return BM_SUCCESS;
}

BM_RESULT bm_hyp_other_keys(const bm_hyp_key_cand *cands, size_t n, unsigned seq_window,
                            uint8_t type, uint16_t version, const uint8_t *in, size_t len,
                            bm_hyp_keys *out)
{
    memset(out, 0, sizeof *out);
    BM_ENSURE((cands || !n) && (in || !len), BM_ERR_USAGE);
    BM_ENSURE(len <= BM_REC_MAX_INPUT, BM_ERR_LIMIT);
    for (size_t i = 0; i < n && !out->found; i++) {
        if (!cands[i].rec)
            continue;
        bm_trial t;
        int64_t delta = 0;
        bm_result e = bm_trial_init(&t, cands[i].rec, len);
        if (bm_is_ok(e))
            e = bm_seq_walk(&t, cands[i].seq, seq_window, true, type, version, in, len,
                            &out->found, &out->seq, &delta, &out->tried);
        bm_trial_free(&t);
        BM_GUARD(e);
        if (out->found)
            out->index = i;
    }
    return BM_SUCCESS;
}

typedef struct bm_mac_variant {
    unsigned flags;
    bool ssl3;
    const char *label;
} bm_mac_variant;

static const bm_mac_variant bm_mac_variants[] = {
    {0, false, "MtE"},
    {BM_REC_ETM, false, "EtM"},
    {BM_REC_TRUNC_HMAC, false, "MtE, truncated HMAC"},
    {BM_REC_ETM | BM_REC_TRUNC_HMAC, false, "EtM, truncated HMAC"},
    {0, true, "SSL 3.0 MAC"},
};

/* Opens under one variant; *ok false when the variant does not exist for
 * this suite/version (bm_rec_new refuses it). */
static BM_RESULT bm_mac_try(bm_crypto_ctx *c, const bm_rec_params *p, const bm_rec *state,
                            const bm_mac_variant *v, uint64_t seq, uint8_t type,
                            uint16_t version, const uint8_t *in, size_t len, bool *ok,
                            bool *tried)
{
    *ok = false;
    *tried = false;
    bm_rec_params q = *p;
    q.flags = v->flags;
    if (v->ssl3) {
        /* SSL 3.0 has no explicit CBC IV: only stream suites and chained-IV
         * CBC (TLS 1.0) lay records out the same way. */
        if (p->suite->mode == BM_MODE_CBC && p->version > BM_TLS10)
            return BM_SUCCESS;
        q.version = BM_SSL3;
    } else if (p->version == BM_SSL3) {
        q.version = BM_TLS10; /* the TLS MAC over the SSL 3.0 layout */
    }
    bm_rec *r = NULL;
    bm_result e = bm_rec_new(c, &q, &r);
    if (e.code == BM_ERR_UNSUPPORTED || e.code == BM_ERR_USAGE)
        return BM_SUCCESS;
    BM_GUARD(e);
    if (state)
        e = bm_rec_copy_state(r, state);
    bm_trial t;
    memset(&t, 0, sizeof t);
    if (bm_is_ok(e))
        e = bm_trial_init(&t, r, len);
    if (bm_is_ok(e)) {
        *tried = true;
        e = bm_trial_open(&t, seq, type, version, in, len, ok);
    }
    bm_trial_free(&t);
    bm_rec_free(r);
    return e;
}

BM_RESULT bm_hyp_mac_construction(bm_crypto_ctx *c, const bm_rec_params *p, const bm_rec *state,
                                  uint64_t seq, uint8_t type, uint16_t version,
                                  const uint8_t *in, size_t len, bm_hyp_mac *out)
{
    memset(out, 0, sizeof *out);
    BM_ENSURE(c && p && p->suite && (in || !len), BM_ERR_USAGE);
    BM_ENSURE(len <= BM_REC_MAX_INPUT, BM_ERR_LIMIT);
    BM_ENSURE(p->suite->mode == BM_MODE_STREAM || p->suite->mode == BM_MODE_CBC,
              BM_ERR_UNSUPPORTED);
    bool nego_ssl3 = p->version == BM_SSL3;
    /* The negotiated construction first, then the others. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sizeof bm_mac_variants / sizeof bm_mac_variants[0]; i++) {
            const bm_mac_variant *v = &bm_mac_variants[i];
            bool nego = v->ssl3 ? nego_ssl3 : !nego_ssl3 && v->flags == p->flags;
            if (nego != (pass == 0))
                continue;
            bool ok = false, tried = false;
            BM_GUARD(bm_mac_try(c, p, state, v, seq, type, version, in, len, &ok, &tried));
            out->tried += tried;
            if (ok) {
                out->found = true;
                out->negotiated_ok = nego;
                out->flags = v->flags;
                out->ssl3 = v->ssl3;
                out->label = v->label;
                return BM_SUCCESS;
            }
        }
    return BM_SUCCESS;
}

static bool bm_is_text(uint8_t b)
{
    return (b >= 0x20 && b < 0x7f) || b == '\r' || b == '\n' || b == '\t';
}

static void bm_shape_blocks(const bm_shape_input *in, bm_shape *out, size_t bs)
{
    const uint8_t *p = in->plain;
    size_t n = in->plain_len, text = 0;
    bool ref = in->ref != NULL;
    if (ref) {
        out->flags |= BM_SHAPE_REF_COMPARED;
        n = n < in->ref_len ? n : in->ref_len;
    }
    for (size_t i = 0; i < in->plain_len; i++)
        text += bm_is_text(p[i]);
    bool textual = in->plain_len >= 32 && text * 10 >= in->plain_len * 9;
    if (textual)
        out->flags |= BM_SHAPE_TEXT;
    out->blocks = (n + bs - 1) / bs;
    for (size_t b = 0; b < out->blocks; b++) {
        size_t lo = b * bs, hi = lo + bs < n ? lo + bs : n, bad = 0;
        unsigned long bits = 0;
        for (size_t i = lo; i < hi; i++) {
            if (ref) {
                uint8_t x = p[i] ^ in->ref[i];
                if (x) {
                    bad++;
                    bits += (unsigned long)__builtin_popcount(x);
                    if (!out->diff_bytes++)
                        out->first_diff = i;
                    out->last_diff = i;
                }
            } else {
                bad += !bm_is_text(p[i]);
            }
        }
        out->diff_bits += bits;
        /* A garbled block differs (or is non-text) in most of its bytes;
         * a transmission error in a stream/CTR mode in one or two. */
        bool garbled = ref ? bad * 4 > hi - lo : textual && bad >= 4;
        if (ref && bad && !garbled)
            out->flags |= BM_SHAPE_BIT_DAMAGE;
        if (garbled) {
            if (!out->garbled++)
                out->first_garbled = b;
            out->last_garbled = b;
        }
    }
    if (out->garbled)
        out->flags |= BM_SHAPE_GARBLED;
    if (ref && !out->diff_bytes && in->plain_len == in->ref_len)
        out->flags |= BM_SHAPE_REF_SAME;
}

void bm_hyp_shape(const bm_shape_input *in, bm_shape *out)
{
    memset(out, 0, sizeof *out);
    if (!in)
        return;
    size_t bs = in->block ? in->block : 16;
    if (in->tag && in->tag_len) {
        bool zero = true;
        for (size_t i = 0; i < in->tag_len; i++)
            zero = zero && !in->tag[i];
        if (zero)
            out->flags |= BM_SHAPE_TAG_ZERO;
        if (in->prev_tag && memcmp(in->tag, in->prev_tag, in->tag_len) == 0)
            out->flags |= BM_SHAPE_TAG_REPEATS;
    }
    if (in->body) {
        size_t run = 0;
        for (size_t i = 0; i < in->body_len; i++) {
            run = in->body[i] ? 0 : run + 1;
            if (run > out->zero_run_len) {
                out->zero_run_len = run;
                out->zero_run_off = i + 1 - run;
            }
        }
        if (in->body_len && out->zero_run_len == in->body_len)
            out->flags |= BM_SHAPE_BODY_ZERO;
        else if (out->zero_run_len >= 32)
            out->flags |= BM_SHAPE_ZERO_RUN;
    }
    if (in->plain && in->plain_len)
        bm_shape_blocks(in, out, bs);
}
