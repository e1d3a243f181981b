/*
 * finish.c - the close path: decide roles, judge encrypted alerts by what
 * followed them, pick the suspect record, and turn the side-indexed state
 * into the role-indexed bm_conn the reports read.
 */
#include <string.h>

#include "../proto/proto.h"
#include "suite_info.h"
#include "tls_int.h"

static bool is_rst(const bm_tls_conn *c, const bm_tcp_summary *s)
{
    return s->end == BM_END_RST || (c->dir[0].fin && c->dir[0].how == BM_END_RST) ||
           (c->dir[1].fin && c->dir[1].how == BM_END_RST);
}

/* TLS 1.3 hides alerts in application_data records. A short protected
 * record (2 alert bytes + type + tag, little padding) that is the last one
 * a side sent before its FIN/RST, or that the peer answered with RST, is
 * taken for an alert. Its meaning is then judged like any encrypted one. */
static void infer_tls13_alerts(bm_tls_conn *c)
{
    bm_conn *k = c->conn;
    if (!bm_tls_is13(c))
        return;
    bm_suite_info si;
    unsigned tag = bm_suite_info_get(k->hs.cipher_suite, &si) && si.tag_len ? si.tag_len : 16;
    bool cand[2] = {false, false};
    for (int side = 0; side < 2; side++) {
        const bm_tls_dir *d = &c->dir[side], *o = &c->dir[!side];
        if (!d->has_last || !d->last_prot || d->last.type != BM_CT_APPLICATION_DATA)
            continue;
        /* 2 alert bytes + the inner type + the tag. Stacks do not pad
         * alerts by default; accepting padding made a short final request
         * (a 35-byte GET) look like an alert on real traffic. */
        if (d->last.length != 3 + tag)
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
        }
    }
}

/* An encrypted alert is taken for close_notify only when the close looks
 * graceful: no RST, the peer sent nothing but alerts afterwards, the
 * handshake had completed (both sides had sent a protected record), and
 * either application data had flowed or the peer sent an alert too (one
 * answering the other). Anything else is the way a fatal alert ends a
 * connection: the bm_finding_why, 0 for close_notify. */
static int judge(const bm_tls_conn *c, unsigned i, bool rst)
{
    const bm_alert *a = &c->conn->alerts[i];
    const bm_tls_snap *s = &c->alert_snap[i];
    const bm_tls_dir *o = &c->dir[!a->from];
    if (o->nonalert > s->other_nonalert)
        return BM_FW_PEER_KEPT_SENDING;
    if (!s->hs_done)
        return BM_FW_BEFORE_HANDSHAKE;
    /* Mutual alerts (either one answering the other) are a clean close,
     * even when a reset follows: servers such as gnutls-serv reset after
     * the close_notify exchange. */
    if (o->alerts > 0)
        return 0;
    if (rst)
        return BM_FW_RESET;
    if (!s->appdata)
        return BM_FW_NO_APPDATA;
    return 0;
}

static uint8_t role(int side, int client_side) { return side == client_side ? BM_CLIENT : BM_SERVER; }

static void judge_alerts(bm_tls_conn *c, const bm_tcp_summary *s)
{
    bm_conn *k = c->conn;
    bool rst = is_rst(c, s);
    for (unsigned i = 0; i < k->n_alerts; i++) {
        bm_alert *a = &k->alerts[i];
        if (!c->alert_pending[i])
            continue;
        int why = judge(c, i, rst);
        a->level = why ? 2 : 1;
        a->desc = why ? -1 : 0;
        a->inferred = true;
        /* The decryption stage removes it by code, role and index
         * (dec_close.c) when the alert or the record is read. */
        if (why)
            bm_tls_finding(c, &(bm_finding){.code = BM_F_ALERT_INFERRED_FATAL, .role = a->from, .index = a->index,
                                            .frame = a->frame, .arg = {why}});
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
    for (unsigned i = 0; i < k->n_alerts; i++)
        k->alerts[i].from = role(k->alerts[i].from, cs);
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
    judge_alerts(c, s);
    to_roles(c);
    fill_endpoint(&k->client, &c->tuple, c->client_side);
    fill_endpoint(&k->server, &c->tuple, !c->client_side);
    k->first_frame = s->first_frame;
    k->last_frame = s->last_frame;
    k->first_ts_ns = s->first_ts_ns;
    k->last_ts_ns = s->last_ts_ns;
    k->end = s->end == BM_END_RST ? BM_CONN_RST : s->end == BM_END_FIN ? BM_CONN_FIN : BM_CONN_OPEN;
    k->end_by = (s->end_by == BM_SIDE_A || s->end_by == BM_SIDE_B) ? role(s->end_by, c->client_side) : -1;
    fill_tcp(c, s);
}
