/*
 * ends.c - the single-capture verdicts at both vantage points (one
 * bm_analysis per capture: the same pipeline as `badmac --keylog K CAP`),
 * and what they mean together with the comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/badmac/badmac.h"
#include "../diagnose/diagnose.h"
#include "ends.h"

struct bm_cmp_ends {
    bm_cmp_keys keys;
    unsigned key_errors;
    bm_cmp_end *tab[2];
    size_t n[2], cap[2];
    int scanning;             /* capture being analysed */
    bool quiet;               /* the analysis's complaints already went out once */
};

const char *bm_cmp_cause_name(bm_cause c)
{
    const char *s = bm_cause_name(c);
    return s ? s : "not_diagnosed";
}

const char *bm_cmp_confidence_name(bm_confidence c)
{
    const char *s = bm_confidence_name(c);
    return s ? s : "none";
}

bm_cmp_ends *bm_cmp_ends_new(const bm_cmp_keys *k)
{
    bm_cmp_ends *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (k)
        e->keys = *k;
    for (int i = 0; i < BM_CMP_KEY_KINDS; i++)
        if (e->keys.n[i] > BM_CMP_ENDS_KEYS)
            e->keys.n[i] = BM_CMP_ENDS_KEYS;
    return e;
}

void bm_cmp_ends_free(bm_cmp_ends *e)
{
    if (!e)
        return;
    free(e->tab[0]);
    free(e->tab[1]);
    free(e);
}

unsigned bm_cmp_ends_key_errors(const bm_cmp_ends *e) { return e->key_errors; }

static void on_conn(void *ud, const bm_conn *c)
{
    bm_cmp_ends *e = ud;
    int k = e->scanning;
    if (!c->hs.client_hello_seen || e->n[k] >= BM_CMP_ENDS_MAX)
        return;
    if (e->n[k] == e->cap[k]) {
        size_t nc = e->cap[k] ? e->cap[k] * 2 : 16;
        bm_cmp_end *t = realloc(e->tab[k], nc * sizeof *t);
        if (!t)
            return; /* out of memory: this verdict is not kept */
        e->tab[k] = t;
        e->cap[k] = nc;
    }
    bm_cmp_end *x = &e->tab[k][e->n[k]++];
    memset(x, 0, sizeof *x);
    memcpy(x->random, c->hs.client_random, 32);
    x->cause = c->verdict.cause;
    x->confidence = c->verdict.confidence;
    x->keyed = c->crypto.keys != BM_KEYS_NONE;
    x->failed = c->status.status == BM_STATUS_FAILED; /* the one definition (docs/diagnoses.md) */
    x->unknown = c->status.status == BM_STATUS_UNKNOWN;
    x->aborted_only = x->failed && c->status.aborted && c->status.reason == c->status.abort_reason;
    x->fatal_from = c->fatal_from;
    bm_vline_format(&c->verdict.summary, x->summary, sizeof x->summary);
    if (c->hs.n_certs) {
        x->has_cert = true;
        snprintf(x->cert_subject, sizeof x->cert_subject, "%s", c->hs.certs[0].subject);
        snprintf(x->cert_issuer, sizeof x->cert_issuer, "%s", c->hs.certs[0].issuer);
        memcpy(x->cert_sha256, c->hs.certs[0].sha256, sizeof x->cert_sha256);
    }
}

static void on_diag(void *ud, const char *line)
{
    const bm_cmp_ends *e = ud;
    if (!e->quiet)
        fprintf(stderr, "badmac: diagnose: %s\n", line);
}

int bm_cmp_ends_scan(bm_cmp_ends *e, int cap, const char *path)
{
    bm_analysis_opts o;
    memset(&o, 0, sizeof o);
    o.on_conn = on_conn;
    o.on_diag = on_diag;
    o.ud = e;
    o.keylogs = e->keys.v[BM_CMP_KEYLOG];
    o.n_keylogs = e->keys.n[BM_CMP_KEYLOG];
    o.rsa_keys = e->keys.v[BM_CMP_RSA_KEY];
    o.n_rsa_keys = e->keys.n[BM_CMP_RSA_KEY];
    o.psks = e->keys.v[BM_CMP_PSK];
    o.n_psks = e->keys.n[BM_CMP_PSK];
    e->scanning = cap & 1;
    bm_analysis *a = bm_analysis_new(&o);
    if (!a)
        return -1;
    int rc = bm_analysis_add_capture(a, path);
    bm_totals t;
    bm_analysis_finish(a, &t);
    bm_analysis_free(a);
    if (!e->quiet)
        e->key_errors = t.key_errors;
    e->quiet = true; /* pass 1 of the comparison reports the input's problems */
    return rc;
}

const bm_cmp_end *bm_cmp_ends_find(const bm_cmp_ends *e, int cap, const bm_cmp_fp *f)
{
    cap &= 1;
    if (!e || !f || !f->hello)
        return NULL;
    for (size_t i = 0; i < e->n[cap]; i++)
        if (!memcmp(e->tab[cap][i].random, f->client_random, 32))
            return &e->tab[cap][i];
    return NULL;
}

static const char *role(int r) { return r == BM_CLIENT ? "client" : "server"; }

static const char *verdict_of(const bm_cmp_end *x)
{
    return x ? bm_cmp_cause_name(x->cause) : "not diagnosed";
}

static bool bad(const bm_cmp_end *x)
{
    /* status unknown (an alert of unknown level, no keys): not a failure
     * this point saw; the verdict still says what is missing */
    return x && (x->failed || (!x->unknown && x->cause != BM_CAUSE_HEALTHY && x->cause != BM_CAUSE_NONE));
}

bool bm_cmp_end_bad(const bm_cmp_end *x) { return bad(x); }

static const char *leg_verdict(const bm_cmp_end *x, char *buf, size_t cap)
{
    if (!x)
        return "not diagnosed";
    snprintf(buf, cap, "%s (%s%s)", bm_cmp_cause_name(x->cause), bm_cmp_confidence_name(x->confidence),
             x->keyed ? "" : ", no keys");
    return buf;
}

static int alerted(const bm_cmp_conclusion *o, const bm_cmp_result *r)
{
    const bm_cmp_end *cl = o->end[r->client_side], *sv = o->end[!r->client_side];
    if (cl && cl->fatal_from >= 0)
        return cl->fatal_from;
    if (sv && sv->fatal_from >= 0)
        return sv->fatal_from;
    return -1;
}

/* Lost between the points, but only the tail of a stream towards the side
 * that had already alerted: what the failure cut off, not its cause. */
static bool lost_tail_only(const bm_cmp_conclusion *o, const bm_cmp_result *r)
{
    int rx = alerted(o, r);
    if (rx < 0 || r->total_diffs || r->n_missing != r->total_missing || !r->n_missing)
        return false;
    for (unsigned i = 0; i < r->n_missing; i++) {
        const bm_cmp_missing *m = &r->missing[i];
        if (m->state == BM_MS_LOST_BETWEEN && (m->declared || m->dir == rx))
            return false;
    }
    return true;
}

/* Same bytes at both points, a failure: the points place it. */
static void conclude_same(bm_cmp_conclusion *o, const bm_cmp_result *r, const char *net)
{
    const bm_cmp_end *cl = o->end[r->client_side], *sv = o->end[!r->client_side];
    int rx = alerted(o, r); /* role that alerted: the receiver of what it rejected */
    /* The verdict at the receiver's point says most about the receiver. */
    const bm_cmp_end *v = rx == BM_SERVER ? (sv ? sv : cl) : (cl ? cl : sv);
    if (!v || (!bad(cl) && !bad(sv))) {
        o->placement = "none";
        snprintf(o->text, sizeof o->text, "%s and neither point saw a failure", net);
        return;
    }
    const char *cause = bm_cmp_cause_name(v->cause), *conf = bm_cmp_confidence_name(v->confidence);
    if (v->cause == BM_CAUSE_RECEIVER_FAULT && rx >= 0) {
        o->placement = "receiver";
        snprintf(o->text, sizeof o->text,
                 "%s; the fault is at the receiver (receiver_fault): the %s alerted although the records it "
                 "was sent verify at both points, so they were damaged past the %s-side point (its last hop, "
                 "NIC, or crypto)",
                 net, role(rx), role(rx));
    } else if (v->cause == BM_CAUSE_IN_PATH_CORRUPTION) {
        o->placement = "before_sender_point";
        snprintf(o->text, sizeof o->text,
                 "%s; the records were already damaged at both points (in_path_corruption, %s, at each), so "
                 "the damage happened on the %s's side of both points: its host, NIC, or the path before the "
                 "first point",
                 net, conf, rx >= 0 ? role(!rx) : "sender");
    } else if (v->cause == BM_CAUSE_SENDER_FAULT) {
        o->placement = "endpoint";
        snprintf(o->text, sizeof o->text, "%s; the fault is at the sender (sender_fault, %s)%s%s", net, conf,
                 rx >= 0 ? ": the " : "", rx >= 0 ? role(!rx) : "");
    } else {
        o->placement = "endpoint";
        snprintf(o->text, sizeof o->text, "%s; the fault is at an endpoint: %s (%s)%s%s%s", net, cause, conf,
                 rx >= 0 ? ", the " : "", rx >= 0 ? role(rx) : "", rx >= 0 ? " alerted" : "");
    }
}

void bm_cmp_conclude(const bm_cmp_ends *e, const bm_cmp_result *r, bm_cmp_conclusion *o)
{
    memset(o, 0, sizeof *o);
    o->failed_leg = -1;
    for (int k = 0; k < 2; k++)
        o->end[k] = bm_cmp_ends_find(e, k, r->fp[k]);
    const char *cs = r->client_side == BM_CAP_A ? "a" : "b", *ss = r->client_side == BM_CAP_A ? "b" : "a";
    const char *vc = verdict_of(o->end[r->client_side]), *vs = verdict_of(o->end[!r->client_side]);
    switch (r->verdict) {
    case BM_V_IDENTICAL:
    case BM_V_RESEGMENTED:
        conclude_same(o, r, "the network between the points is exonerated (the same bytes at both)");
        return;
    case BM_V_CAPTURE_LOSS:
        conclude_same(o, r, "the network between the points is exonerated (the same bytes at both; what one "
                            "capture lacks reached the receiver: capture loss)");
        return;
    case BM_V_AFTER_CLOSE:
        conclude_same(o, r, "the network between the points is exonerated (the same bytes at both; only what "
                            "was sent after the receiver had closed never arrived)");
        return;
    case BM_V_LOST_BETWEEN:
        if (lost_tail_only(o, r)) {
            conclude_same(o, r, "the network between the points is exonerated (the same bytes at both up to "
                                "the failure; only the tail after the receiver's alert never arrived, cut off "
                                "by the failure)");
            return;
        }
        /* fall through */
    case BM_V_CORRUPTION:
        o->placement = "between_points";
        snprintf(o->text, sizeof o->text,
                 "the fault is between the vantage points (%s, from the bytes themselves); single-capture "
                 "verdicts: client side (%s) %s, server side (%s) %s; a point before the damage sees intact "
                 "records, so its receiver_fault or healthy verdict only says the damage came later",
                 bm_cmp_verdict_name(r->verdict), cs, vc, ss, vs);
        return;
    case BM_V_INTERCEPTION: {
        o->placement = "between_points";
        const bm_cmp_end *cl = o->end[r->client_side], *sv = o->end[!r->client_side];
        bool bc = bad(cl), bs = bad(sv);
        /* A leg the proxy merely aborted because the other leg failed (no
         * alert, no bad record of its own) is the consequence, not the
         * failure: the leg with its own failure is the failed one. */
        if (bc && bs && cl->aborted_only != sv->aborted_only) {
            bc = !cl->aborted_only;
            bs = !sv->aborted_only;
        }
        o->failed_leg = bc && bs ? 2 : bc ? BM_CLIENT : bs ? BM_SERVER : -1;
        char b1[160], b2[160];
        const char *where = bc && bs ? "both legs failed, each at its own point"
                            : bc     ? "the failure is on the client->proxy leg"
                            : bs     ? "the failure is on the proxy->server leg"
                            : cl && sv ? "neither leg failed"
                                       : "a leg was not diagnosed";
        snprintf(o->text, sizeof o->text,
                 "a middlebox between the points terminates TLS, each leg analysed on its own (with its own "
                 "keys): client leg (%s): %s; server leg (%s): %s: %s",
                 cs, leg_verdict(cl, b1, sizeof b1), ss, leg_verdict(sv, b2, sizeof b2), where);
        (void)vc;
        (void)vs;
        return;
    }
    case BM_V_DIVERGED:
    case BM_V_COUNT:
        break;
    }
    o->placement = "unknown";
    snprintf(o->text, sizeof o->text,
             "the comparison stopped (diverged), nothing is placed; single-capture verdicts: client side (%s) "
             "%s, server side (%s) %s",
             cs, vc, ss, vs);
}
