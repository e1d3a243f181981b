/*
 * diagnose.c - the keyed diagnosis: the first failing record of the
 * direction the alerting side received is re-opened under every
 * hypothesis of the table (BM_DG_HYPOTHESES, diag_int.h), cheapest first
 * (another sequence number, diag_seq.c; other keys; another MAC
 * construction; then the bit-error search, diag_damage.c); the first that
 * authenticates it is the proven cause.
 * When none does, the shape of the damage, the vantage point and the
 * records around it decide between sender fault, in-path corruption and
 * undetermined (diag_damage.c). A failure no record explains (everything
 * verifies) points at the receiver (diag_receiver.c).
 */
#include <string.h>

#include "diag_int.h"

const char *bm_cause_name(bm_cause c)
{
    static const char *const n[] = {
#define BM_CAUSE_NAME(id, name) [id] = name,
        BM_CAUSES(BM_CAUSE_NAME)
#undef BM_CAUSE_NAME
    };
    return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : NULL;
}

const char *bm_confidence_name(bm_confidence c)
{
    static const char *const n[] = {NULL, "proven", "likely", "possible"};
    return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : NULL;
}

void bm_dg_rec_common(bm_dg_rec *r)
{
    const bm_bad_record *b = r->b;
    bm_vd_ev(r->v, &(bm_vline){.code = BM_V_RECORD_FAILS, BM_DG_REC(r), .stream_off = b->stream_off,
                               .arg = {b->length, b->reason, (int64_t)r->e->seq}});
    if (r->local)
        bm_vd_ev(r->v, &(bm_vline){.code = BM_V_FAILURE_LOCAL, .role = (uint8_t)r->dir,
                                   .arg = {(int64_t)r->e->verified_after}});
    else if (r->e->failed > 1)
        bm_vd_ev(r->v, &(bm_vline){.code = BM_V_RECORDS_FAILED, .role = (uint8_t)r->dir, .arg = {(int64_t)r->e->failed}});
}

/* A failed connection whose failing record is over the receiver's limit. */
bool bm_dg_try_too_large(bm_dg_rec *r)
{
    return r->c->status.status == BM_STATUS_FAILED && r->c->status.receiver >= 0 && bm_dg_too_large(r->c, &r->ref);
}

static const bm_dg_hyp hypotheses[] = {
#define BM_DG_ROW(name, cause) {#name, bm_dg_try_##name, cause},
    BM_DG_HYPOTHESES(BM_DG_ROW)
#undef BM_DG_ROW
};

const bm_dg_hyp *bm_dg_hypotheses(size_t *n)
{
    *n = sizeof hypotheses / sizeof hypotheses[0];
    return hypotheses;
}

static void diagnose_record(const bm_diag_evidence *ev, bm_conn *c, int dir, bm_search_budget *budget)
{
    bm_dg_rec r;
    memset(&r, 0, sizeof r);
    r.ev = ev;
    r.budget = budget;
    r.e = &ev->dir[dir];
    r.b = &c->crypto.first_bad[dir];
    r.c = c;
    r.v = &c->verdict;
    r.dir = dir;
    r.type = r.e->hdr[0];
    r.ver = (uint16_t)((r.e->hdr[1] << 8) | r.e->hdr[2]);
    r.local = r.e->verified_after > 0 && r.e->realigned == 0;
    r.ref = (bm_record_ref){r.b->index, r.b->frame, r.b->stream_off, r.b->length, 0, r.type, (uint8_t)dir, 0};
    /* Longer than the protocol allows: the size is the cause, whatever
     * the bytes (record_overflow from the receiver proves it). */
    if (r.b->reason == BM_REASON_OVERSIZED && (bm_dg_misleading(c) || bm_dg_too_large(c, &r.ref))) {
        if (c->verdict.cause == BM_CAUSE_RECORD_TOO_LARGE)
            return;
        memset(&c->verdict, 0, sizeof c->verdict);
    }
    if (!r.e->body || !r.e->rec) {
        bm_vd_set(r.v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE, &(bm_vline){.code = BM_V_RECORD_NOT_CAPTURED, BM_DG_REC(&r)});
        bm_dg_rec_common(&r);
        bm_dg_tcp_evidence(c, r.v, dir, r.b->stream_off, (uint64_t)r.b->length + 5);
        bm_vd_next(r.v, &(bm_vline){.code = BM_V_NEXT_RECAPTURE_LOSSLESS});
        bm_vd_record(r.v, &r.ref);
        return;
    }
    size_t i = 0, n = sizeof hypotheses / sizeof hypotheses[0];
    while (i < n && !hypotheses[i].test(&r))
        i++;
    if (i == n)
        bm_dg_shape_verdict(&r);
    bm_vd_record(r.v, &r.ref);
}

/* The direction whose first failure the refusing side received (the
 * sender of the fatal alert, or the side that aborted), else the earliest. */
static int pick_dir(const bm_conn *c)
{
    const bm_crypto_info *ci = &c->crypto;
    int r = c->status.receiver;
    if (c->status.status == BM_STATUS_FAILED && r >= 0 && ci->has_bad[!r])
        return !r;
    const bm_bad_record *b = bm_first_bad(c);
    return b ? (int)(b == &ci->first_bad[BM_SERVER]) : -1;
}

void bm_diagnose_conn(const bm_diag_evidence *ev, bm_conn *c, bm_search_budget *budget)
{
    memset(&c->verdict, 0, sizeof c->verdict);
    bm_diagnose_status(c);
    if (!ev || !ev->keyed) {
        bm_dg_keyless(c);
        return;
    }
    int dir = pick_dir(c);
    if (dir < 0 && bm_dg_aborted_handshake(c))
        return;
    const bm_alert *a = bm_dg_fatal(c);
    /* An alert about something else that came before any failing record. */
    if (a && !bm_dg_mac_alert(a) && (dir < 0 || a->frame <= c->crypto.first_bad[dir].frame)) {
        bm_dg_misleading(c);
        return;
    }
    if (dir >= 0) {
        diagnose_record(ev, c, dir, budget);
        return;
    }
    if (c->status.status != BM_STATUS_FAILED) {
        if (!bm_dg_unknown_end(c))
            bm_dg_healthy(c, ev);
        return;
    }
    bm_dg_no_bad_record(ev, c);
}
