/*
 * diag_util.c - verdict building (lines as data, verdict_lines.h) and the circumstantial evidence: the TCP
 * stage's segments, the vantage point, the alerts, and the verdicts that
 * need no keys (misleading alert, oversized record, keyless, healthy).
 */
#include <inttypes.h>
#include <string.h>

#include "../proto/proto.h"
#include "../tls/tls.h"
#include "diag_int.h"

bm_vline *bm_vd_set(bm_verdict *v, bm_cause cause, bm_confidence conf, const bm_vline *l)
{
    v->cause = cause;
    v->confidence = conf;
    v->summary = *l;
    return &v->summary;
}

static bm_vline *add_line(bm_vline *arr, uint8_t *n, unsigned max, const bm_vline *l)
{
    if (*n >= max)
        return NULL;
    arr[*n] = *l;
    return &arr[(*n)++];
}

bm_vline *bm_vd_ev(bm_verdict *v, const bm_vline *l)
{
    return add_line(v->evidence, &v->n_evidence, BM_VERDICT_MAX_EVIDENCE, l);
}

bm_vline *bm_vd_ex(bm_verdict *v, const bm_vline *l)
{
    return add_line(v->exonerates, &v->n_exonerates, BM_VERDICT_MAX_EXONERATES, l);
}

bm_vline *bm_vd_next(bm_verdict *v, const bm_vline *l)
{
    return add_line(v->next_steps, &v->n_next_steps, BM_VERDICT_MAX_STEPS, l);
}

void bm_vd_str(bm_vline *l, const char *s)
{
    if (!l)
        return;
    size_t n = s ? strnlen(s, sizeof l->str - 1) : 0;
    memcpy(l->str, s ? s : "", n);
    l->str[n] = '\0';
}

void bm_vd_record(bm_verdict *v, const bm_record_ref *r)
{
    v->has_record = true;
    v->record = *r;
}

const bm_alert *bm_dg_fatal(const bm_conn *c)
{
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS; i++)
        if (c->alerts[i].level == BM_ALERT_FATAL)
            return &c->alerts[i];
    return NULL;
}

/* bad_record_mac (20), decryption_failed (21), or unreadable. */
bool bm_dg_mac_alert(const bm_alert *a) { return !a || a->desc < 0 || a->desc == BM_ALERT_BAD_RECORD_MAC || a->desc == BM_ALERT_DECRYPTION_FAILED; }

/* Only one side's segments offloaded: the capture ran on that side's host.
 * Both (loopback, or everything on one machine) says nothing. */
bool bm_dg_captured_at(const bm_conn *c, int role)
{
    return c->tcp.offloaded_by[role & 1] > 0 && c->tcp.offloaded_by[!(role & 1)] == 0;
}

bool bm_dg_tcp_evidence(const bm_conn *c, bm_verdict *v, int dir, uint64_t off, uint64_t len)
{
    const bm_tcp_info *t = &c->tcp;
    uint8_t role = (uint8_t)dir;
    bool overlap = false;
    for (uint32_t i = 0; i < t->n_conflicts && i < 8; i++) {
        const struct bm_conflict_ref *r = &t->conflicts[i];
        /* "near" the record: within it, or within one full segment of it */
        if (r->direction != dir || r->stream_off + r->length + 1500 < off || r->stream_off > off + len + 1500)
            continue;
        overlap = true;
        bm_vd_ev(v, &(bm_vline){.code = BM_V_TCP_CONFLICT, .role = role, .stream_off = r->stream_off,
                                .arg = {(int64_t)r->first_frame, (int64_t)r->second_frame, r->differing, r->length}});
    }
    if (t->bad_checksums_by[dir])
        bm_vd_ev(v, &(bm_vline){.code = BM_V_TCP_BAD_CHECKSUMS, .role = role, .arg = {(int64_t)t->bad_checksums_by[dir]}});
    else if (bm_dg_captured_at(c, dir))
        bm_vd_ev(v, &(bm_vline){.code = BM_V_TCP_OFFLOADED, .role = role});
    else
        bm_vd_ev(v, &(bm_vline){.code = BM_V_TCP_CHECKSUMS_OK, .role = role});
    if (t->ttl_changed[dir])
        bm_vd_ev(v, &(bm_vline){.code = BM_V_TCP_TTL_CHANGED, .role = role, .arg = {t->ttl[dir]}});
    if (t->gaps)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_TCP_GAPS, .arg = {(int64_t)t->gap_bytes, (int64_t)t->gaps}});
    return overlap;
}

void bm_dg_key_steps(const bm_conn *c, bm_verdict *v)
{
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_KEYLOG});
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_KEYLOG_EMBEDDED});
    if (c->hs.version && c->hs.version < BM_TLS13)
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_RSA_KEY});
}

void bm_dg_two_point(bm_verdict *v, int receiver)
{
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_TWO_POINT, .role = (uint8_t)(receiver == BM_CLIENT ? BM_CLIENT : BM_SERVER)});
}

/* A fatal alert that is not about a record's integrity. */
/* record_overflow read from the receiver, and the peer sent a record over
 * the negotiated limit before it: the alert itself names the cause. */
static bool overflow_proven(bm_conn *c, const bm_alert *a)
{
    const bm_dir_records *dr = &c->rec[a->from == BM_CLIENT ? BM_SERVER : BM_CLIENT];
    for (uint32_t i = 0; i < dr->n_flagged_list && i < BM_MAX_FLAGGED; i++) {
        const bm_record_ref *f = &dr->flagged_list[i];
        if (f->frame > a->frame || !f->limit)
            continue;
        bm_verdict *v = &c->verdict;
        bm_vd_set(v, BM_CAUSE_RECORD_TOO_LARGE, BM_CONF_PROVEN,
                  &(bm_vline){.code = BM_V_OVERFLOW_PROVEN, .role = f->direction, .index = f->index,
                              .arg = {f->length, f->limit, a->from, f->protocol}});
        bm_vd_ev(v, &(bm_vline){.code = BM_V_RECORD_OVER_LIMIT, .role = f->direction, .index = f->index,
                                .frame = f->frame, .arg = {f->length, f->limit, f->protocol}});
        bm_vd_ev(v, &(bm_vline){.code = BM_V_ALERT_OVERFLOW, .role = a->from, .frame = a->frame,
                                .arg = {a->encrypted}});
        bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_REFUSED_SIZE});
        bm_vd_record(v, f);
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_HONOUR_LIMIT_FRAGMENT, .role = f->direction, .arg = {a->from}});
        return true;
    }
    return false;
}

bool bm_dg_misleading(bm_conn *c)
{
    const bm_alert *a = bm_dg_fatal(c);
    if (!a || bm_dg_mac_alert(a))
        return false;
    bm_verdict *v = &c->verdict;
    if (a->desc == BM_ALERT_RECORD_OVERFLOW && overflow_proven(c, a))
        return true;
    bm_vd_set(v, BM_CAUSE_MISLEADING_ALERT, BM_CONF_PROVEN,
              &(bm_vline){.code = BM_V_MISLEADING, .role = a->from, .arg = {a->desc}});
    bm_vd_ev(v, &(bm_vline){.code = BM_V_ALERT_FATAL, .role = a->from, .index = a->index, .frame = a->frame,
                            .arg = {a->desc, a->encrypted}});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_ALERT_OTHER_CAUSE});
    uint16_t next;
    if (a->desc == BM_ALERT_CERTIFICATE_REQUIRED)
        next = BM_V_NEXT_CLIENT_CERT;
    else if (a->desc == BM_ALERT_BAD_CERTIFICATE || (a->desc >= BM_ALERT_UNSUPPORTED_CERTIFICATE && a->desc <= BM_ALERT_CERTIFICATE_UNKNOWN) || a->desc == BM_ALERT_UNKNOWN_CA)
        next = BM_V_NEXT_CERT_REJECTED;
    else if (a->desc == BM_ALERT_HANDSHAKE_FAILURE || a->desc == BM_ALERT_PROTOCOL_VERSION || a->desc == BM_ALERT_INSUFFICIENT_SECURITY)
        next = BM_V_NEXT_NEGOTIATION;
    else if (a->desc == BM_ALERT_RECORD_OVERFLOW)
        next = BM_V_NEXT_OVERFLOW;
    else
        next = BM_V_NEXT_ALERT_LOGS;
    bm_vd_next(v, &(bm_vline){.code = next, .role = a->from, .arg = {a->desc}});
    return true;
}

/* The record the receiver choked on is longer than negotiated, or than
 * common embedded buffers. */
bool bm_dg_too_large(bm_conn *c, const bm_record_ref *r)
{
    const bm_dir_records *dr = &c->rec[r->direction & 1];
    bm_verdict *v = &c->verdict;
    for (uint32_t i = 0; i < dr->n_flagged_list && i < BM_MAX_FLAGGED; i++) {
        const bm_record_ref *f = &dr->flagged_list[i];
        if (f->index > r->index)
            continue;
        bm_vd_set(v, BM_CAUSE_RECORD_TOO_LARGE, BM_CONF_LIKELY,
                  &(bm_vline){.code = BM_V_TOO_LARGE, .role = f->direction, .index = f->index,
                              .arg = {f->length, f->limit, f->protocol}});
        bm_vd_ev(v, &(bm_vline){.code = BM_V_RECORD_OVER_LIMIT, .role = f->direction, .index = f->index,
                                .frame = f->frame, .arg = {f->length, f->limit, f->protocol}});
        bm_vd_record(v, f);
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_HONOUR_LIMIT, .role = f->direction});
        return true;
    }
    return false;
}

/* "the client aborted with FIN (frame 40) after server record #7 without
 * an alert": the evidence line of an abort (status.c). */
void bm_dg_abort_evidence(const bm_conn *c, bm_verdict *v)
{
    const bm_status_info *st = &c->status;
    if (!st->aborted || st->abort_by < 0)
        return;
    const bm_conn_close *e = &c->close[st->abort_by & 1];
    bm_vd_ev(v, &(bm_vline){.code = BM_V_ABORTED_AFTER, .role = (uint8_t)st->abort_by, .frame = st->abort_frame,
                            .arg = {st->abort_rst, st->abort_reason, e->has_peer_last,
                                    e->has_peer_last ? (int64_t)e->peer_last.index : 0}});
}

/* The side that aborted left the handshake unfinished, without an alert. */
bool bm_dg_aborted_handshake(bm_conn *c)
{
    const bm_status_info *st = &c->status;
    if (st->status != BM_STATUS_FAILED || !st->aborted || st->abort_reason != BM_SR_ABORT_HANDSHAKE)
        return false;
    bm_verdict *v = &c->verdict;
    const bm_conn_close *e = &c->close[st->abort_by & 1];
    bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
              &(bm_vline){.code = BM_V_ABORTED_HANDSHAKE, .role = (uint8_t)st->abort_by, .arg = {e->peer_last_hs}});
    bm_dg_abort_evidence(c, v);
    if (e->has_peer_last)
        bm_vd_record(v, &e->peer_last);
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_ABORT_LOGS, .role = (uint8_t)st->abort_by});
    return true;
}

static void keyless_failed(bm_conn *c)
{
    bm_verdict *v = &c->verdict;
    const bm_alert *a = bm_dg_fatal(c);
    int recv = c->status.receiver;
    const bm_record_ref *sus = c->status.prime_why != BM_PRIME_NONE ? &c->status.prime : NULL;
    if (sus) {
        const bm_record_ref *s = sus;
        bool near = false;
        bm_verdict probe = *v;
        near = bm_dg_tcp_evidence(c, &probe, s->direction, s->stream_off, (uint64_t)s->length + 5);
        if (near) {
            *v = probe;
            bm_vd_set(v, BM_CAUSE_IN_PATH_CORRUPTION, BM_CONF_LIKELY,
                      &(bm_vline){.code = BM_V_KEYLESS_TWO_VERSIONS, .role = s->direction, .index = s->index,
                                  .frame = s->frame});
            bm_vd_record(v, s);
            bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_RECEIVER_GOT_CHANGED, .role = (uint8_t)!s->direction});
            bm_dg_key_steps(c, v);
            return;
        }
        if (bm_dg_too_large(c, s))
            return;
        if (c->hs.resumed && c->rec[s->direction].ccs_index >= 0 &&
            s->index == (uint64_t)c->rec[s->direction].ccs_index + 1) {
            bm_vd_set(v, BM_CAUSE_STALE_RESUMPTION, BM_CONF_POSSIBLE,
                      &(bm_vline){.code = BM_V_KEYLESS_STALE, .role = s->direction,
                                  .arg = {recv == BM_CLIENT ? BM_CLIENT : BM_SERVER}});
            bm_vd_ev(v, &(bm_vline){.code = BM_V_KEYLESS_STALE_FOLLOWS, .role = s->direction, .index = s->index,
                                    .frame = s->frame});
            bm_vd_record(v, s);
            bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_RETRY_NO_RESUMPTION});
            bm_dg_key_steps(c, v);
            return;
        }
    }
    const bm_status_info *st = &c->status;
    int aborted = !a && st->aborted ? (st->abort_rst ? 2 : 1) : 0;
    bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
              &(bm_vline){.code = BM_V_KEYLESS_UNDETERMINED, .role = (uint8_t)(a ? a->from : aborted ? st->abort_by : 0),
                          .arg = {a != NULL, a && a->desc >= 0, aborted}});
    if (aborted) {
        bm_dg_abort_evidence(c, v);
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_ABORT_LOGS, .role = (uint8_t)st->abort_by});
    }
    if (sus) {
        bm_vd_ev(v, &(bm_vline){.code = BM_V_PRIME_SUSPECT, .role = sus->direction, .index = sus->index,
                                .frame = sus->frame, .arg = {sus->length, st->prime_why == BM_PRIME_BEFORE_ABORT}});
        bm_vd_record(v, sus);
    }
    const bm_tcp_info *t = &c->tcp;
    if (t->gaps || t->snaplen_cut) {
        bm_vd_ev(v, &(bm_vline){.code = BM_V_CAPTURE_LOSSES,
                                .arg = {(int64_t)t->gap_bytes, (int64_t)t->gaps, (int64_t)t->snaplen_cut}});
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_RECAPTURE_WHOLE});
    }
    bm_dg_key_steps(c, v);
}

/* An encrypted alert whose level the evidence leaves open (src/tls/finish.c):
 * the connection may have failed or closed cleanly. Neither healthy nor a
 * fatal alert from either side: say what fits each reading. */
static bool keyless_alert_unknown(bm_conn *c)
{
    const bm_alert *a = NULL;
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS && !a; i++)
        if (c->alerts[i].level_unknown && c->alerts[i].inferred)
            a = &c->alerts[i];
    if (!a)
        return false;
    bm_verdict *v = &c->verdict;
    bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
              &(bm_vline){.code = BM_V_KEYLESS_ALERT_UNKNOWN, .role = a->from, .index = a->index, .frame = a->frame});
    if (a->misfit_length)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_ALERT_FITS_NEITHER, .role = a->from, .frame = a->frame,
                                .arg = {a->misfit_length}});
    if (a->close_why)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_ALERT_FITS_CLOSE, .role = a->from, .frame = a->frame,
                                .arg = {a->close_why}});
    if (a->fatal_why)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_ALERT_FITS_FATAL, .role = a->from, .frame = a->frame,
                                .arg = {a->fatal_why}});
    if (a->has_before) {
        const bm_record_ref *s = &a->before;
        bm_vd_ev(v, &(bm_vline){.code = BM_V_ALERT_MAY_REJECT, .role = s->direction, .index = s->index,
                                .frame = s->frame, .arg = {s->length}});
        bm_vd_record(v, s);
    }
    const bm_tcp_info *t = &c->tcp;
    if (t->gaps || t->snaplen_cut)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_CAPTURE_LOSSES,
                                .arg = {(int64_t)t->gap_bytes, (int64_t)t->gaps, (int64_t)t->snaplen_cut}});
    bm_dg_key_steps(c, v);
    return true;
}

void bm_dg_keyless(bm_conn *c)
{
    c->verdict.keyless = true;
    if (bm_dg_aborted_handshake(c) || bm_dg_misleading(c))
        return;
    /* A record over the protocol's limit: no receiver accepts it, the
     * header alone says so (before the generic failed verdict: it names
     * the record and the limit). */
    for (int d = 0; d < 2; d++)
        for (uint32_t i = 0; i < c->rec[d].n_flagged_list && i < BM_MAX_FLAGGED; i++)
            if (c->rec[d].flagged_list[i].protocol && bm_dg_too_large(c, &c->rec[d].flagged_list[i]))
                return;
    if (c->status.status == BM_STATUS_FAILED) {
        keyless_failed(c);
        return;
    }
    if (keyless_alert_unknown(c) || bm_dg_unknown_end(c))
        return;
    bm_dg_healthy(c, NULL);
}

bool bm_dg_unknown_end(bm_conn *c)
{
    const bm_status_info *s = &c->status;
    if (s->status != BM_STATUS_UNKNOWN || s->by < 0 ||
        (s->reason != BM_SR_QUIET_CLOSE && s->reason != BM_SR_END_NOT_CAPTURED))
        return false;
    const bm_conn_close *e = &c->close[s->by];
    bm_verdict *v = &c->verdict;
    if (s->reason == BM_SR_END_NOT_CAPTURED) {
        /* What the side sent before its close is in bytes the capture
         * lost: neither a failure nor a clean close can be told. */
        const bm_tcp_info *t = &c->tcp;
        bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
                  &(bm_vline){.code = BM_V_END_NOT_CAPTURED, .role = (uint8_t)s->by, .frame = e->frame});
        bm_vd_ev(v, &(bm_vline){.code = BM_V_CAPTURE_LOSSES,
                                .arg = {(int64_t)t->gap_bytes, (int64_t)t->gaps, (int64_t)t->snaplen_cut}});
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_RECAPTURE_WHOLE});
        return true;
    }
    bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
              &(bm_vline){.code = BM_V_KEYLESS_QUIET_CLOSE, .role = (uint8_t)s->by, .frame = e->frame});
    if (e->has_peer_last) {
        const bm_record_ref *p = &e->peer_last;
        bm_vd_ev(v, &(bm_vline){.code = BM_V_QUIET_CLOSE_AFTER, .role = p->direction, .index = p->index,
                                .frame = p->frame, .arg = {p->length}});
        bm_vd_record(v, p);
    }
    bm_dg_key_steps(c, v);
    return true;
}

void bm_dg_healthy(bm_conn *c, const bm_diag_evidence *ev)
{
    bm_verdict *v = &c->verdict;
    const bm_crypto_info *ci = &c->crypto;
    bool keyed = ev && ev->keyed;
    bm_vd_set(v, BM_CAUSE_HEALTHY, keyed ? BM_CONF_PROVEN : BM_CONF_LIKELY,
              &(bm_vline){.code = keyed ? BM_V_HEALTHY_KEYED : BM_V_HEALTHY_KEYLESS});
    if (keyed)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_HEALTHY_COUNTS,
                                .arg = {(int64_t)ci->verified[BM_CLIENT], (int64_t)ci->verified[BM_SERVER],
                                        ci->finished[BM_CLIENT] == BM_FIN_OK, ci->finished[BM_SERVER] == BM_FIN_OK}});
    else
        bm_vd_ev(v, &(bm_vline){.code = BM_V_NO_FATAL_ALERT});
    for (unsigned i = 0; !keyed && i < c->n_alerts && i < BM_MAX_ALERTS; i++) {
        const bm_alert *a = &c->alerts[i];
        if (!a->encrypted || !a->inferred)
            continue;
        /* An encrypted alert's level and description are guesses without keys. */
        v->confidence = BM_CONF_POSSIBLE;
        bm_vd_ev(v, &(bm_vline){.code = BM_V_ALERT_ONLY_INFERRED, .role = a->from, .frame = a->frame,
                                .arg = {a->level == BM_ALERT_WARNING, a->close_why}});
        bm_dg_key_steps(c, v);
        break;
    }
    for (int r = 0; r < 2; r++)
        if (c->tcp.bad_checksums_by[r])
            bm_vd_ev(v, &(bm_vline){.code = BM_V_BAD_CHECKSUMS_IGNORED, .role = (uint8_t)r,
                                    .arg = {(int64_t)c->tcp.bad_checksums_by[r]}});
    if (c->tcp.conflicting_retransmissions)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_CONFLICTS_HARMLESS, .arg = {(int64_t)c->tcp.conflicting_retransmissions}});
    for (int r = 0; r < 2; r++) {
        const bm_dir_records *dr = &c->rec[r];
        if (dr->n_flagged_list && dr->flagged_list[0].limit)
            bm_vd_ev(v, &(bm_vline){.code = BM_V_OVER_LIMIT_ACCEPTED, .role = (uint8_t)r,
                                    .index = dr->flagged_list[0].index,
                                    .arg = {(int64_t)dr->flagged, dr->flagged_list[0].limit,
                                            dr->flagged_list[0].length}});
    }
}
