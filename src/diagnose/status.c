/*
 * status.c - did the connection fail? The one definition
 * (docs/diagnoses.md "Failed"), computed once per connection before the
 * verdict and stored in c->status; the text headline, the exit status,
 * JSON "failed", the summary counts and the patterns all read it.
 *
 * A connection failed when a fatal alert was seen (in the clear,
 * decrypted, or an encrypted one judged fatal by what followed it), a
 * record or a Finished is proven bad (it failed its check while the key
 * material opens other records), or a side aborted it: RST, or FIN
 * without close_notify while the peer's data or the handshake was still
 * in flight, or a FIN/RST inside its own record. Unknown: the evidence
 * does not decide (an encrypted alert whose level is unknown without
 * keys; records that fail while none verifies; without records that
 * verify, a side that ended with FIN and no close_notify right after a
 * record of its peer, as a silent receiver rejecting it does). Ok
 * otherwise.
 */
#include <string.h>

#include "../proto/proto.h"
#include "diag_int.h"

/* Frames grow with capture order; the index breaks ties between the two
 * directions only approximately, which is all a tie in one frame allows. */
const bm_bad_record *bm_first_bad(const bm_conn *c)
{
    const bm_crypto_info *ci = &c->crypto;
    if (ci->has_bad[BM_CLIENT] && ci->has_bad[BM_SERVER])
        return ci->first_bad[BM_SERVER].frame < ci->first_bad[BM_CLIENT].frame ? &ci->first_bad[BM_SERVER]
                                                                               : &ci->first_bad[BM_CLIENT];
    if (ci->has_bad[BM_CLIENT])
        return &ci->first_bad[BM_CLIENT];
    if (ci->has_bad[BM_SERVER])
        return &ci->first_bad[BM_SERVER];
    return NULL;
}

/* A close_notify, or an encrypted alert that may be one (level unknown),
 * sent by either side at or before 'frame'. *maybe: only a candidate. */
static bool close_announced(const bm_conn *c, uint64_t frame, bool *maybe)
{
    bool sure = false;
    *maybe = false;
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS; i++) {
        const bm_alert *a = &c->alerts[i];
        if (a->frame > frame)
            continue;
        if (a->desc == BM_ALERT_CLOSE_NOTIFY)
            sure = true;
        else if (a->level < 0)
            *maybe = true;
    }
    return sure;
}

/* Whether role r's end was an abort: the reason, or BM_SR_NONE. *maybe:
 * an encrypted alert of unknown level before it may be its close_notify. */
static bm_status_reason abort_of(const bm_conn *c, int r, bool *maybe)
{
    const bm_conn_close *e = &c->close[r];
    *maybe = false;
    if (!e->ended)
        return BM_SR_NONE;
    if (e->mid_record)
        return BM_SR_ABORT_MID_RECORD;
    if (close_announced(c, e->frame, maybe))
        return BM_SR_NONE;
    if (*maybe)
        return BM_SR_NONE;
    if (e->client_hello_seen && !e->hs_done)
        return BM_SR_ABORT_HANDSHAKE;
    /* Its last bytes were not captured: a close_notify may be among them.
     * Not an abort, not ok: the caller makes it unknown. */
    if (e->tail_lost)
        return BM_SR_END_NOT_CAPTURED;
    if (e->rst)
        return BM_SR_ABORT_RESET;
    /* The peer's records after the end that cannot be alerts (TLS 1.3 or
     * an unknown version: a short one may be its close_notify answer). */
    if (e->peer_in_record || e->peer_data_after > 0)
        return BM_SR_ABORT_PEER_SENDING;
    return BM_SR_NONE;
}

/* Whether role r itself sent a close_notify, or an alert that may be one,
 * at or before 'frame'. */
static bool closed_by(const bm_conn *c, int r, uint64_t frame)
{
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS; i++) {
        const bm_alert *a = &c->alerts[i];
        if (a->from == r && a->frame <= frame && (a->desc == BM_ALERT_CLOSE_NOTIFY || a->level < 0))
            return true;
    }
    return false;
}

/* The first side that ended (FIN or RST) after a complete handshake,
 * right after a record of its peer, without a close_notify (or a
 * candidate) of its own: a receiver that rejects that record silently
 * (GnuTLS, many embedded stacks) ends the same way as one that is done,
 * also after the peer's close_notify (gnutls-cli in the matrix). -1: none. */
static int quiet_close(const bm_conn *c)
{
    int first = -1;
    for (int r = 0; r < 2; r++) {
        const bm_conn_close *e = &c->close[r];
        if (!e->ended || e->mid_record || !e->hs_done || !e->peer_spoke_last || closed_by(c, r, e->frame))
            continue;
        if (first < 0 || e->frame < c->close[first].frame)
            first = r;
    }
    return first;
}

/* An encrypted alert whose level nobody could tell (no keys). */
static const bm_alert *unknown_alert(const bm_conn *c)
{
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS; i++)
        if (c->alerts[i].level < 0)
            return &c->alerts[i];
    return NULL;
}

static void set(bm_status_info *s, bm_status st, bm_status_reason why, int by, uint64_t frame)
{
    s->status = st;
    s->reason = (uint8_t)why;
    s->by = by;
    s->frame = frame;
}

/* Proven bad: a record failed while the key material opens others (or a
 * Finished), so it is this connection's. */
static bool keys_hold(const bm_crypto_info *ci)
{
    return ci->verified[0] + ci->verified[1] > 0 || ci->finished[0] == BM_FIN_OK || ci->finished[1] == BM_FIN_OK;
}

/* The earliest record over the protocol's limit (not a negotiated one):
 * proven bad from its header alone, with or without keys. */
static const bm_record_ref *oversized(const bm_conn *c)
{
    const bm_record_ref *o = NULL;
    for (int r = 0; r < 2; r++)
        for (unsigned i = 0; i < c->rec[r].n_flagged_list && i < BM_MAX_FLAGGED; i++) {
            const bm_record_ref *f = &c->rec[r].flagged_list[i];
            if (f->protocol && (!o || f->frame < o->frame))
                o = f;
        }
    return o;
}

void bm_diagnose_status(bm_conn *c)
{
    bm_status_info *s = &c->status;
    memset(s, 0, sizeof *s);
    s->by = s->receiver = s->abort_by = -1;
    const bm_crypto_info *ci = &c->crypto;
    const bm_bad_record *bad = bm_first_bad(c);
    bool hold = ci->keys != BM_KEYS_NONE && keys_hold(ci);

    /* The earliest abort, when no fatal alert explains the end. */
    bool maybe_close = false;
    int lost = -1; /* the first side whose end was not captured */
    int quiet;
    const bm_alert *fatal = NULL;
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS && !fatal; i++)
        if (c->alerts[i].level == BM_ALERT_FATAL)
            fatal = &c->alerts[i];
    /* An abort before the first fatal alert is the failure (the alert
     * answers it: OpenSSL sends decode_error when the peer closes in the
     * handshake); after it, the alert explains the close. */
    {
        int first = -1;
        bm_status_reason why = BM_SR_NONE;
        for (int r = 0; r < 2; r++) {
            bool maybe;
            bm_status_reason w = abort_of(c, r, &maybe);
            maybe_close |= maybe;
            if (w == BM_SR_END_NOT_CAPTURED && (lost < 0 || c->close[r].frame < c->close[lost].frame))
                lost = r;
            if (w == BM_SR_NONE || w == BM_SR_END_NOT_CAPTURED)
                continue;
            if (first < 0 || c->close[r].frame < c->close[first].frame) {
                first = r;
                why = w;
            }
        }
        if (first >= 0 && fatal && fatal->frame <= c->close[first].frame)
            first = -1;
        if (first >= 0) {
            fatal = NULL;
            s->aborted = true;
            s->abort_reason = (uint8_t)why;
            s->abort_by = first;
            s->abort_frame = c->close[first].frame;
            s->abort_rst = c->close[first].rst;
            s->receiver = first;
        }
    }
    if (fatal)
        s->receiver = fatal->from;

    if (fatal)
        set(s, BM_STATUS_FAILED, fatal->inferred && fatal->encrypted ? BM_SR_FATAL_ALERT_INFERRED : BM_SR_FATAL_ALERT,
            fatal->from, fatal->frame);
    else if (bad && hold)
        set(s, BM_STATUS_FAILED, BM_SR_BAD_RECORD, bad->direction, bad->frame);
    else if (oversized(c))
        set(s, BM_STATUS_FAILED, BM_SR_OVERSIZED, oversized(c)->direction, oversized(c)->frame);
    else if (hold && (ci->finished[0] == BM_FIN_FAILED || ci->finished[1] == BM_FIN_FAILED))
        set(s, BM_STATUS_FAILED, BM_SR_BAD_FINISHED, ci->finished[0] == BM_FIN_FAILED ? BM_CLIENT : BM_SERVER, 0);
    else if (s->aborted)
        set(s, BM_STATUS_FAILED, s->abort_reason, s->abort_by, s->abort_frame);
    else if (bad)
        set(s, BM_STATUS_UNKNOWN, BM_SR_NOTHING_VERIFIES, bad->direction, bad->frame);
    else if (maybe_close || unknown_alert(c)) {
        const bm_alert *u = unknown_alert(c);
        set(s, BM_STATUS_UNKNOWN, BM_SR_ALERT_LEVEL_UNKNOWN, u ? u->from : -1, u ? u->frame : 0);
    } else if (lost >= 0) {
        set(s, BM_STATUS_UNKNOWN, BM_SR_END_NOT_CAPTURED, lost, c->close[lost].frame);
    } else if (!hold && (quiet = quiet_close(c)) >= 0) {
        /* Without records that verify, nothing shows that the record
         * before the close was accepted. */
        set(s, BM_STATUS_UNKNOWN, BM_SR_QUIET_CLOSE, quiet, c->close[quiet].frame);
    } else
        set(s, BM_STATUS_OK, BM_SR_NONE, -1, 0);

    /* The prime suspect: the proven first bad record, else the last record
     * the receiver's peer sent before the fatal alert or the abort. */
    if (bad && s->status == BM_STATUS_FAILED && hold) {
        s->prime_why = BM_PRIME_FIRST_BAD;
        s->prime = (bm_record_ref){.index = bad->index, .frame = bad->frame, .stream_off = bad->stream_off,
                                   .length = bad->length, .direction = bad->direction};
    } else if (fatal && c->has_suspect) {
        s->prime_why = BM_PRIME_BEFORE_ALERT;
        s->prime = c->suspect;
    } else if (s->aborted && c->close[s->abort_by].has_peer_last) {
        s->prime_why = BM_PRIME_BEFORE_ABORT;
        s->prime = c->close[s->abort_by].peer_last;
    }
}
