/*
 * hyp.c - hypothesis testers: re-open the failing record on clones under
 * one changed assumption at a time (see hyp.h).
 */
#include <stdlib.h>
#include <string.h>

#include "hyp.h"

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
        if (p->suite->mode == BM_MODE_CBC && p->version > 0x0301)
            return BM_SUCCESS;
        q.version = 0x0300;
    } else if (p->version == 0x0300) {
        q.version = 0x0301; /* the TLS MAC over the SSL 3.0 layout */
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
    bool nego_ssl3 = p->version == 0x0300;
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

/* ---- stateful modes: whole records missing or repeated ---- */

/* The next record under seq, from a fresh copy of state. */
static BM_RESULT bm_desync_try_next(bm_rec *work, const bm_rec *state, const bm_hyp_desync_in *in, uint64_t seq,
                                    uint8_t *buf, bool *ok)
{
    bm_open_result o;
    BM_GUARD(bm_rec_copy_state(work, state));
    BM_GUARD(bm_rec_open(work, seq, in->next_type, in->next_version, in->next, in->next_len, buf, in->next_len,
                         &o));
    *ok = o.status == BM_REC_OK;
    return BM_SUCCESS;
}

static BM_RESULT bm_desync_next(const bm_hyp_desync_in *in, bool rc4, uint8_t *buf, bm_hyp_desync *out)
{
    bm_rec *after = NULL, *work = NULL;
    bm_result e = bm_rec_clone(in->rec, &after);
    if (bm_is_ok(e))
        e = bm_rec_clone(in->rec, &work);
    bool ok = false;
    if (bm_is_ok(e) && rc4) {
        /* A copy took none of the sender's keystream nor a number: the
         * next record follows on from the state before it. */
        out->tried++;
        e = bm_desync_try_next(work, in->rec, in, in->expected, buf, &ok);
        if (bm_is_ok(e) && ok) {
            out->kind = BM_DESYNC_DUP;
            out->how = BM_DESYNC_BY_NEXT;
            out->seq = in->expected;
            out->delta = -1;
        }
    } else if (bm_is_ok(e)) {
        /* The chained IV of the next record is the failing record's last
         * ciphertext block, whatever that record was: open it as the
         * receiver did, then the next one under each number. */
        bm_open_result o;
        e = bm_rec_open(after, in->expected, in->type, in->version, in->in, in->len, buf, in->len, &o);
        for (int d = 1; bm_is_ok(e) && !ok && d <= 3; d++) {
            for (int sgn = 1; sgn >= -1 && !ok; sgn -= 2) {
                int64_t dd = sgn * d;
                if (dd < 0 && in->expected + 1 < (uint64_t)-dd)
                    continue;
                if (dd > 0 && in->expected > UINT64_MAX - 1 - (uint64_t)dd)
                    continue;
                uint64_t s = in->expected + 1 + (uint64_t)dd;
                out->tried++;
                e = bm_desync_try_next(work, after, in, s, buf, &ok);
                if (bm_is_ok(e) && ok) {
                    out->kind = dd > 0 ? BM_DESYNC_DROP : BM_DESYNC_DUP;
                    out->how = BM_DESYNC_BY_NEXT;
                    out->seq = s;
                    out->delta = dd;
                    out->records = dd > 0 ? (unsigned)dd : 0;
                }
            }
        }
        /* A swap: the next record is the one that was due, chained from
         * the record before (tried last: a duplicate of that record ends
         * with the same block and verifies above as d = -1). */
        if (bm_is_ok(e) && !ok) {
            out->tried++;
            e = bm_desync_try_next(work, in->rec, in, in->expected, buf, &ok);
            if (bm_is_ok(e) && ok) {
                out->kind = BM_DESYNC_SWAP;
                out->how = BM_DESYNC_BY_NEXT;
                out->seq = in->expected;
                out->delta = 1;
            }
        }
    }
    bm_rec_free(after);
    bm_rec_free(work);
    return e;
}

/* RC4: the failing record decrypted with the keystream skipped by L. */
static BM_RESULT bm_desync_keystream(const bm_hyp_desync_in *in, uint8_t *ks, size_t ks_len, size_t max_skip,
                                     uint8_t *plain, bm_hyp_desync *out)
{
    size_t ml = out->mac_len, n = in->len - ml;
    unsigned maxk = in->max_records ? in->max_records : 1;
    bm_rec *work = NULL;
    BM_GUARD(bm_rec_clone(in->rec, &work));
    bm_open_result o;
    /* Keystream = RC4 of zeros from the receiver's position. */
    memset(ks, 0, ks_len);
    bm_result e = bm_rec_open(work, in->expected, in->type, in->version, ks, ks_len, ks, ks_len, &o);
    uint8_t mac[BM_REC_MAX_MAC];
    for (size_t L = ml ? ml : 1; bm_is_ok(e) && L <= max_skip && !out->kind; L++) {
        const uint8_t *k = ks + L;
        for (size_t i = 0; i < in->len; i++)
            plain[i] = in->in[i] ^ k[i];
        for (unsigned r = 1; r <= maxk && (size_t)r * ml <= L; r++) {
            if (in->expected > UINT64_MAX - r)
                break;
            out->tried++;
            e = bm_rec_mac(work, in->expected + r, in->type, in->version, plain, n, mac);
            if (!bm_is_ok(e))
                break;
            if (memcmp(mac, plain + n, ml) == 0) {
                out->kind = BM_DESYNC_DROP;
                out->how = BM_DESYNC_BY_KEYSTREAM;
                out->skip = L;
                out->records = r;
                out->seq = in->expected + r;
                out->delta = (int64_t)r;
                break;
            }
        }
    }
    explicit_bzero(mac, sizeof mac);
    bm_rec_free(work);
    return e;
}

BM_RESULT bm_hyp_stateful_desync(const bm_hyp_desync_in *in, bm_hyp_desync *out)
{
    memset(out, 0, sizeof *out);
    BM_ENSURE(in && out && in->rec && (in->in || !in->len), BM_ERR_USAGE);
    BM_ENSURE(in->len <= BM_REC_BUFSIZE && in->next_len <= BM_REC_BUFSIZE, BM_ERR_LIMIT);
    BM_ENSURE(bm_rec_stateful(in->rec), BM_ERR_UNSUPPORTED);
    const bm_suite *s = bm_rec_suite(in->rec);
    bool rc4 = s->mode == BM_MODE_STREAM;
    out->mac_len = bm_rec_mac_len(in->rec);
    if (in->prev && in->prev_len == in->len && in->len && memcmp(in->prev, in->in, in->len) == 0) {
        out->kind = BM_DESYNC_DUP;
        out->how = BM_DESYNC_BY_SAME_BYTES;
        out->seq = in->expected ? in->expected - 1 : 0;
        out->delta = -1;
        return BM_SUCCESS;
    }
    size_t max_skip = in->max_skip ? in->max_skip : BM_REC_MAX_PLAINTEXT + 2048 + out->mac_len;
    size_t cap = in->len + in->next_len + (rc4 ? max_skip : 0) + 1;
    uint8_t *buf = malloc(cap), *plain = malloc(in->len + 1);
    bm_result e = bm_res(buf && plain ? BM_OK : BM_ERR_NOMEM);
    if (bm_is_ok(e) && rc4 && in->len >= out->mac_len && out->mac_len && max_skip + in->len <= BM_REC_MAX_INPUT)
        e = bm_desync_keystream(in, buf, max_skip + in->len, max_skip, plain, out);
    if (bm_is_ok(e) && in->next && in->next_len) {
        bm_hyp_desync n = *out;
        memset(&n, 0, sizeof n);
        n.mac_len = out->mac_len;
        e = bm_desync_next(in, rc4, buf, &n);
        n.tried += out->tried;
        if (bm_is_ok(e) && !out->kind) {
            *out = n;
        } else if (bm_is_ok(e) && rc4 && out->kind == BM_DESYNC_DROP && out->records == 1 &&
                   out->skip == in->next_len && n.kind == BM_DESYNC_DUP) {
            /* Record k+1 verifies past record k's keystream, and record k
             * from the position before: they came in reverse order. */
            out->kind = BM_DESYNC_SWAP;
            out->records = 0;
            out->tried = n.tried;
        }
    }
    if (buf)
        explicit_bzero(buf, cap);
    if (plain)
        explicit_bzero(plain, in->len + 1);
    free(buf);
    free(plain);
    return e;
}
