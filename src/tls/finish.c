/*
 * finish.c - the close path: decide roles, judge encrypted alerts by what
 * followed them, pick the suspect record, and turn the side-indexed state
 * into the role-indexed bm_conn the reports read.
 */
#include <string.h>

#include "../proto/proto.h"
#include "suite_info.h"
#include "tls_int.h"

/* TLS 1.3 hides alerts in application_data records. A short protected
 * record (2 alert bytes + type + tag, up to BM_TLS13_ALERT_PAD bytes of
 * padding) that is the last one a side sent before its FIN/RST, or that the
 * peer answered with RST, is taken for an alert. Its meaning is then judged
 * like any encrypted one: a short final request (a 35-byte GET) and a
 * padded alert look the same, and fits() leaves such a record's level
 * unknown unless only one reading fits. */
bool bm_tls_may_be_alert13(const bm_tls_conn *c, uint32_t len, bool *padded)
{
    const bm_handshake *h = &c->conn->hs;
    if (h->version != 0 && !bm_tls_is13(c))
        return false;
    bm_suite_info si;
    uint32_t tag = bm_suite_info_get(h->cipher_suite, &si) && si.tag_len ? si.tag_len : 16;
    *padded = len > 3 + tag;
    return len >= 3 + tag && len <= 3 + tag + BM_TLS13_ALERT_PAD;
}

static void infer_tls13_alerts(bm_tls_conn *c)
{
    bm_conn *k = c->conn;
    /* TLS 1.3, or a version nobody saw (the handshake not captured): then
     * a short final application_data record may be a TLS 1.3 alert too. */
    bool unknown_version = k->hs.version == 0;
    if (!bm_tls_is13(c) && !unknown_version)
        return;
    bool cand[2] = {false, false};
    for (int side = 0; side < 2; side++) {
        const bm_tls_dir *d = &c->dir[side], *o = &c->dir[!side];
        if (!d->has_last || (!d->last_prot && !unknown_version) || d->last.type != BM_CT_APPLICATION_DATA)
            continue;
        /* Opened by the decryption stage as something else. */
        if (d->last_inner && d->last_inner != BM_CT_ALERT)
            continue;
        /* 2 alert bytes + the inner type + the tag, and the padding some
         * stacks add (OpenJDK's JSSE: 16 bytes, close_notify and
         * bad_record_mac alike, docs/interop.md). A padded one must also
         * be the sender's last word: nothing of the peer's after it (a
         * short request answered by the peer's data is not an alert). */
        bool padded;
        if (!bm_tls_may_be_alert13(c, d->last.length, &padded))
            continue;
        if (padded && o->has_last && o->last.frame > d->last.frame)
            continue;
        if (!(d->fin || (o->fin && o->how == BM_END_RST)))
            continue;
        cand[side] = true;
    }
    for (int side = 0; side < 2; side++) {
        if (!cand[side] || k->n_alerts >= BM_MAX_ALERTS)
            continue;
        bm_tls_dir *d = &c->dir[side];
        /* Now believed an alert: it no longer counts as "more records". */
        d->nonalert--;
        d->alerts++;
        unsigned i = k->n_alerts++;
        bm_alert *a = &k->alerts[i];
        memset(a, 0, sizeof *a);
        a->from = (uint8_t)side;
        a->level = -1;
        a->desc = -1;
        a->encrypted = true;
        a->inferred = true;
        a->frame = d->last.frame;
        a->index = d->last.index;
        c->alert_snap[i] = d->last_snap;
        c->alert_pending[i] = true;
        c->alert_len[i] = d->last.length;
    }
    /* Keep the list in capture order (the new ones may precede others). */
    for (unsigned i = 1; i < k->n_alerts; i++) {
        for (unsigned j = i; j > 0 && c->alert_snap[j - 1].seq > c->alert_snap[j].seq; j--) {
            bm_alert ta = k->alerts[j];
            k->alerts[j] = k->alerts[j - 1];
            k->alerts[j - 1] = ta;
            bm_tls_snap ts = c->alert_snap[j];
            c->alert_snap[j] = c->alert_snap[j - 1];
            c->alert_snap[j - 1] = ts;
            bool tp = c->alert_pending[j];
            c->alert_pending[j] = c->alert_pending[j - 1];
            c->alert_pending[j - 1] = tp;
            uint32_t tl = c->alert_len[j];
            c->alert_len[j] = c->alert_len[j - 1];
            c->alert_len[j - 1] = tl;
        }
    }
}

/* What an encrypted alert fits, from evidence that holds for every
 * implementation: its length for the suite, its position, what the peer did
 * next, who closed first. Both close_notify and bad_record_mac are two bytes,
 * so the length only says whether the record can be an alert at all.
 *
 * close_notify fits when the peer answered it with an alert of its own, when
 * the peer had closed first (its alert or its FIN came before), or when the
 * sender's previous record was its own application data, with no record of
 * the peer since (the peer's records crossing it change nothing).
 * A fatal alert needs a record that failed: it fits whenever a record of the
 * peer (not an alert) came since the sender's own last record. That alone
 * does not tell: a client closing after the response looks the same.
 *
 * The level is close_notify only when nothing fits a fatal alert, fatal
 * only when the sender had not completed its handshake (then the
 * connection failed whatever the alert says); otherwise unknown. A peer
 * that kept sending after the alert does not make it fatal: its records
 * were under way, and a side may close in the middle of the peer's data
 * with close_notify (Python's ssl unwrap() mid-download, tests/e2e/aborts.t). Both fitting is common on real peers: servers answer a
 * fatal bad_record_mac with close_notify (fixture demo); mbedTLS clients
 * send bad_record_mac after the server's close_notify when the record before
 * it was damaged (the matrix), looking just like the answer to a close. */
typedef struct alert_fit {
    int fatal;      /* bm_finding_why, 0: a fatal alert does not fit */
    int close;      /* bm_finding_close, 0: close_notify does not fit */
    uint32_t misfit; /* the record's length when it cannot hold a 2-byte alert */
} alert_fit;

static alert_fit fits(const bm_tls_conn *c, unsigned i)
{
    const bm_conn *k = c->conn;
    const bm_alert *a = &k->alerts[i];
    const bm_tls_snap *s = &c->alert_snap[i];
    const bm_tls_dir *o = &c->dir[!a->from];
    const bm_handshake *h = &k->hs;
    alert_fit f = {0, 0, 0};
    /* The length: TLS 1.3 candidates were chosen by it (infer_tls13_alerts);
     * a compressed session's plaintext is deflate bytes, of any length. */
    if (!bm_tls_is13(c) && h->compression == 0 && h->cipher_suite &&
        !bm_suite_can_hold(h->cipher_suite, h->version, h->truncated_hmac, h->etm, c->alert_len[i], 2)) {
        f.misfit = c->alert_len[i] ? c->alert_len[i] : 1;
        return f;
    }
    bool peer_alert_before = false, peer_alert_after = false;
    for (unsigned j = 0; j < k->n_alerts; j++) {
        if (j == i || k->alerts[j].from == a->from)
            continue;
        if (c->alert_snap[j].seq < s->seq)
            peer_alert_before = true;
        else
            peer_alert_after = true;
    }
    bool peer_fin_before = o->fin && o->fin_frame && o->fin_frame < a->frame;
    /* A record of the peer since the sender's own last one: what a fatal
     * alert could be about. The peer's own alerts do not count. */
    bool has_data = s->has_other_data;
    bm_record_ref data = s->other_data;
    for (unsigned j = 0; j < k->n_alerts && has_data; j++)
        if (k->alerts[j].from != a->from && k->alerts[j].index == data.index) {
            has_data = s->has_other_data2; /* a TLS 1.3 alert, inferred at close */
            data = s->other_data2;
            break;
        }
    bool trigger = has_data && (!s->has_own || data.frame > s->own.frame);
    bool own_data = s->has_own && s->own.type == BM_CT_APPLICATION_DATA && s->own_appdata > 0;
    bool kept = o->nonalert > s->other_nonalert;
    if (peer_alert_after)
        f.close = BM_FC_ANSWERED;
    else if (peer_alert_before || peer_fin_before)
        f.close = BM_FC_AFTER_PEER_CLOSE;
    else if (!trigger && own_data)
        f.close = BM_FC_AFTER_OWN_DATA;
    /* The sender had not finished its handshake (TLS 1.3: the alert
     * stands where its Finished should be; TLS <= 1.2: the peer never sent
     * a protected record): the handshake was abandoned. */
    if (!s->hs_done && s->has_other)
        f.fatal = BM_FW_BEFORE_HANDSHAKE;
    else if (trigger)
        f.fatal = kept ? BM_FW_PEER_KEPT_SENDING : BM_FW_AFTER_PEER_RECORD;
    /* A close after the peer's last record, the exchange complete; or in
     * the middle of the peer's data: any implementation may close so
     * (a cancelled download), and the peer's records already under way
     * keep coming just as after a fatal alert. */
    if (f.fatal == BM_FW_AFTER_PEER_RECORD && !f.close)
        f.close = BM_FC_PEER_DONE;
    else if (f.fatal == BM_FW_PEER_KEPT_SENDING && !f.close)
        f.close = BM_FC_MID_STREAM;
    return f;
}

/* The level the evidence allows: fatal, warning (close_notify), or -1
 * (unknown: both fit, neither does, or the length fits no alert). */
static int level_of(const alert_fit *f)
{
    if (f->misfit || (f->fatal && f->close))
        return -1;
    if (f->fatal == BM_FW_BEFORE_HANDSHAKE)
        return BM_ALERT_FATAL;
    if (f->close && f->close != BM_FC_PEER_DONE)
        return BM_ALERT_WARNING;
    return -1;
}

static uint8_t role(int side, int client_side) { return side == client_side ? BM_CLIENT : BM_SERVER; }

static void judge_alerts(bm_tls_conn *c)
{
    bm_conn *k = c->conn;
    for (unsigned i = 0; i < k->n_alerts; i++) {
        bm_alert *a = &k->alerts[i];
        if (!c->alert_pending[i])
            continue;
        alert_fit f = fits(c, i);
        int level = level_of(&f);
        a->level = (int16_t)level;
        a->desc = level == BM_ALERT_WARNING ? BM_ALERT_CLOSE_NOTIFY : -1;
        a->inferred = true;
        a->fatal_why = (uint8_t)f.fatal;
        a->close_why = (uint8_t)f.close;
        a->level_unknown = level < 0;
        a->misfit_length = f.misfit;
        a->has_before = level < 0 && f.fatal && c->alert_snap[i].has_other;
        if (a->has_before)
            a->before = c->alert_snap[i].other;
        /* The decryption stage removes these by code, role and index
         * (dec_close.c) when the alert or the record is read. */
        if (level == BM_ALERT_FATAL)
            bm_tls_finding(c, &(bm_finding){.code = BM_F_ALERT_INFERRED_FATAL, .role = a->from, .index = a->index,
                                            .frame = a->frame, .arg = {f.fatal}});
        else if (level < 0)
            bm_tls_finding(c, &(bm_finding){.code = BM_F_ALERT_LEVEL_UNKNOWN, .role = a->from, .index = a->index,
                                            .frame = a->frame, .arg = {f.fatal, f.close, f.misfit}});
    }
    for (unsigned i = 0; i < k->n_alerts; i++) {
        const bm_alert *a = &k->alerts[i];
        if (a->level != BM_ALERT_FATAL)
            continue;
        k->failed = true;
        k->fatal_from = a->from;
        k->has_suspect = c->alert_snap[i].has_other;
        if (k->has_suspect)
            k->suspect = c->alert_snap[i].other;
        break;
    }
}

static void to_roles(bm_tls_conn *c)
{
    bm_conn *k = c->conn;
    int cs = c->client_side;
    if (cs == BM_SIDE_B) {
        bm_dir_records t = k->rec[0];
        k->rec[0] = k->rec[1];
        k->rec[1] = t;
    }
    for (int r = 0; r < 2; r++)
        for (uint32_t i = 0; i < k->rec[r].n_flagged_list; i++)
            k->rec[r].flagged_list[i].direction = role(k->rec[r].flagged_list[i].direction, cs);
    for (unsigned i = 0; i < k->n_alerts; i++) {
        k->alerts[i].from = role(k->alerts[i].from, cs);
        if (k->alerts[i].has_before)
            k->alerts[i].before.direction = role(k->alerts[i].before.direction, cs);
    }
    if (k->fatal_from >= 0)
        k->fatal_from = role(k->fatal_from, cs);
    if (k->has_suspect)
        k->suspect.direction = role(k->suspect.direction, cs);
    for (unsigned i = 0; i < k->n_findings; i++)
        k->findings[i].role = role(k->findings[i].role, cs);
    if (cs == BM_SIDE_B) {
        bm_conn_close t = k->close[0];
        k->close[0] = k->close[1];
        k->close[1] = t;
    }
    for (int r = 0; r < 2; r++)
        if (k->close[r].has_peer_last)
            k->close[r].peer_last.direction = role(k->close[r].peer_last.direction, cs);
}

static void fill_endpoint(bm_endpoint *e, const bm_tuple *t, int side)
{
    e->family = t->addr[side].family;
    memcpy(e->ip, t->addr[side].ip, sizeof e->ip);
    e->port = t->port[side];
}

static void fill_tcp(bm_tls_conn *c, const bm_tcp_summary *s)
{
    bm_tcp_info *ti = &c->conn->tcp;
    for (int side = 0; side < 2; side++) {
        const bm_tcp_dir_stats *d = &s->dir[side];
        uint8_t r = role(side, c->client_side);
        ti->gaps += d->gaps;
        ti->gap_bytes += d->gap_bytes;
        ti->retransmissions += d->retransmissions;
        ti->conflicting_retransmissions += d->conflicting_retransmissions;
        ti->out_of_order += d->out_of_order;
        ti->snaplen_cut += d->snaplen_cut;
        ti->bad_checksums += d->bad_checksums;
        ti->offloaded_checksums += d->offloaded_checksums;
        ti->bad_checksums_by[r] += d->bad_checksums;
        ti->offloaded_by[r] += d->offloaded_checksums;
        ti->ttl[r] = d->ttl_first;
        ti->ttl_changed[r] = d->ttl_changed;
        uint32_t n = d->n_conflicts < BM_MAX_CONFLICTS ? d->n_conflicts : BM_MAX_CONFLICTS;
        for (uint32_t i = 0; i < n && ti->n_conflicts < 8; i++) {
            struct bm_conflict_ref *cr = &ti->conflicts[ti->n_conflicts++];
            cr->direction = r;
            cr->stream_off = d->conflicts[i].stream_off;
            cr->length = d->conflicts[i].length;
            cr->differing = d->conflicts[i].differing;
            cr->first_frame = d->conflicts[i].first_frame;
            cr->second_frame = d->conflicts[i].second_frame;
        }
    }
}

void bm_tls_finish(bm_tls_conn *c, const bm_tcp_summary *s)
{
    bm_conn *k = c->conn;
    k->role_guessed = c->client_side < 0;
    if (c->client_side < 0) {
        /* No ClientHello: the TCP opener is the client when the SYN was
         * seen; otherwise the side not on the server-looking port. */
        c->client_side = s->syn_seen ? BM_SIDE_A : !bm_tls_guess_server_side(&c->tuple);
    }
    k->midstream = !s->syn_seen;
    infer_tls13_alerts(c);
    judge_alerts(c);
    to_roles(c);
    fill_endpoint(&k->client, &c->tuple, c->client_side);
    fill_endpoint(&k->server, &c->tuple, !c->client_side);
    k->first_frame = s->first_frame;
    k->last_frame = s->last_frame;
    k->report_frame = s->report_frame;
    k->first_ts_ns = s->first_ts_ns;
    k->last_ts_ns = s->last_ts_ns;
    k->end = s->end == BM_END_RST ? BM_CONN_RST : s->end == BM_END_FIN ? BM_CONN_FIN : BM_CONN_OPEN;
    k->end_by = (s->end_by == BM_SIDE_A || s->end_by == BM_SIDE_B) ? role(s->end_by, c->client_side) : -1;
    fill_tcp(c, s);
}
