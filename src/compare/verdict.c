/*
 * verdict.c - what a pair's comparison means: which capture is nearer the
 * client, the clock offset, the pattern of each differing range, and one
 * verdict per pair.
 */
#include <string.h>

#include "compare_int.h"

const char *bm_cmp_verdict_name(bm_cmp_verdict v)
{
    switch (v) {
    case BM_V_IDENTICAL: return "identical";
    case BM_V_RESEGMENTED: return "resegmented";
    case BM_V_LOST_BETWEEN: return "lost_between";
    case BM_V_DIVERGED: return "diverged";
    case BM_V_CORRUPTION: return "in_path_corruption";
    case BM_V_INTERCEPTION: return "interception";
    case BM_V_CAPTURE_LOSS: return "capture_loss";
    case BM_V_AFTER_CLOSE: return "not_delivered_after_close";
    case BM_V_COUNT: break;
    }
    return "unknown";
}

bool bm_cmp_verdict_ok(bm_cmp_verdict v)
{
    return v == BM_V_IDENTICAL || v == BM_V_RESEGMENTED || v == BM_V_CAPTURE_LOSS || v == BM_V_AFTER_CLOSE;
}

const char *bm_cmp_miss_state_name(bm_cmp_miss_state s)
{
    switch (s) {
    case BM_MS_LOST_BETWEEN: return "lost_between";
    case BM_MS_CAPTURE_LOSS: return "capture_loss";
    case BM_MS_AFTER_CLOSE: return "not_delivered_after_close";
    case BM_MS_AT_SENDER: return "missing_at_sender";
    }
    return "unknown";
}

const char *bm_cmp_method_name(bm_cmp_method m)
{
    switch (m) {
    case BM_PAIR_RANDOM: return "client_random";
    case BM_PAIR_PAYLOAD: return "payload_hash";
    case BM_PAIR_HANDSHAKE: return "time_sni_port";
    }
    return "unknown";
}

int bm_cmp_receiver(const bm_cmp_result *r, int dir)
{
    return dir == BM_CLIENT ? !r->client_side : r->client_side;
}

const char *bm_cmp_pattern(const bm_cmp_diff *d, int rx)
{
    rx &= 1;
    if (d->differing_bits == 1)
        return "single_bit";
    if (d->all_zero[rx] && !d->all_zero[!rx])
        return "zeroed";
    if (d->differing_bytes == d->differing_bits && d->differing_bits <= 8)
        return "bit_flips";
    if (d->length >= 64 && d->seg_len[rx] && d->length * 4 >= (uint64_t)d->seg_len[rx] * 3)
        return "segment_block";
    return "burst";
}

void bm_cmp_endpoints(const bm_cmp_fp *f, bm_endpoint *client, bm_endpoint *server)
{
    int cd = f->client_dir == BM_SIDE_B ? BM_SIDE_B : BM_SIDE_A;
    bm_endpoint *e[2] = {client, server};
    int side[2] = {cd, !cd};
    for (int i = 0; i < 2; i++) {
        memset(e[i], 0, sizeof *e[i]);
        e[i]->family = f->tuple.addr[side[i]].family;
        memcpy(e[i]->ip, f->tuple.addr[side[i]].ip, 16);
        e[i]->port = f->tuple.port[side[i]];
    }
}

const char *bm_cmp_issuer(const bm_cmp_fp *f)
{
    return f->n_certs > 0 && f->leaf.issuer[0] ? f->leaf.issuer : NULL;
}

static void vantage(const bm_cmp *c, const bm_cmp_pairrec *pr, bm_cmp_result *r)
{
    uint32_t nc = r->d[BM_CLIENT].n_samples, ns = r->d[BM_SERVER].n_samples;
    int64_t sc[BM_CMP_SAMPLES], ss[BM_CMP_SAMPLES];
    memcpy(sc, r->d[BM_CLIENT].samples, sizeof sc);
    memcpy(ss, r->d[BM_SERVER].samples, sizeof ss);
    bool have_delay = pr->has_est;
    r->clock_offset_s = pr->offset;
    r->one_way_delay_s = pr->delay;
    if (nc && ns) {
        double mc = bm_cmp_median(sc, nc), ms = bm_cmp_median(ss, ns);
        r->clock_offset_s = (mc + ms) / 2 / 1e9;
        r->one_way_delay_s = (mc - ms) / 2 / 1e9;
        have_delay = true;
    } else if (nc || ns) {
        r->clock_offset_s = (nc ? bm_cmp_median(sc, nc) : bm_cmp_median(ss, ns)) / 1e9;
    }
    r->vantage_guessed = false;
    if (c->o.client_side >= 0) {
        r->client_side = c->o.client_side & 1;
        return;
    }
    if (pr->intercepted) {
        /* A terminating middlebox: the client's connection starts first. */
        if (c->vote) {
            r->client_side = c->vote > 0 ? BM_CAP_A : BM_CAP_B;
        } else {
            double a0 = (double)r->fp[BM_CAP_A]->first_ts + c->offset * 1e9;
            r->client_side = a0 <= (double)r->fp[BM_CAP_B]->first_ts ? BM_CAP_A : BM_CAP_B;
        }
        r->vantage_guessed = true;
        return;
    }
    if (have_delay && r->one_way_delay_s != 0) {
        r->client_side = r->one_way_delay_s > 0 ? BM_CAP_A : BM_CAP_B;
        return;
    }
    r->client_side = c->vote < 0 ? BM_CAP_B : BM_CAP_A;
    r->vantage_guessed = true;
}

/* Where capture 'cap' delivered or declared direction 'dir' up to. */
static uint64_t stream_end(const bm_cmp_dirinfo *di, int cap) { return di->bytes[cap] + di->gap_bytes[cap]; }

/* What capture 'at' lacking [.., end) of direction 'dir' means (the other
 * capture has it, first at time 'ts'). 'declared': a hole inside the
 * stream at 'at' (else the stream ended before it there). In order:
 *  - the receiver acknowledged past it, as seen at the capture lacking it:
 *    the bytes reached the receiver, that capture dropped them;
 *  - the tail the sender sent after the receiver's FIN (both as seen at the
 *    capture that has the bytes): not read by a peer that had closed;
 *  - a hole with later bytes at both points, where the receiver's ACKs say
 *    nothing (none captured there, or the capture is the sender's), and no
 *    retransmission at the point that has the bytes (a sender retransmits
 *    what was not received): the stream went on, that capture dropped them;
 *  - else, at the receiver's point, lost between the points. */
static bm_cmp_miss_state miss_state(const bm_cmp_result *r, int dir, int at, uint64_t end, bool declared,
                                    uint64_t ts)
{
    const bm_cmp_dirinfo *di = &r->d[dir];
    int rx = bm_cmp_receiver(r, dir);
    if (di->acked[at] >= end)
        return BM_MS_CAPTURE_LOSS;
    uint64_t rfin = r->d[!dir].fin_ts[!at];
    if (at == rx && !declared && rfin && ts && rfin <= ts)
        return BM_MS_AFTER_CLOSE;
    if (declared && (at != rx || !di->acked[at]) && !di->retrans[!at] && stream_end(di, at) > end &&
        stream_end(di, !at) > end)
        return BM_MS_CAPTURE_LOSS;
    return at == rx ? BM_MS_LOST_BETWEEN : BM_MS_AT_SENDER;
}

static void miss_count(bm_cmp_dirinfo *di, int at, bm_cmp_miss_state st, uint64_t n)
{
    if (st == BM_MS_CAPTURE_LOSS)
        di->capture_loss[at] += n;
    else if (st == BM_MS_LOST_BETWEEN)
        di->lost_between += n;
    else if (st == BM_MS_AFTER_CLOSE)
        di->after_close += n;
}

/* Every lacking range gets its state; ranges beyond the BM_CMP_MAX_MISSING
 * listed are judged together by the last one of their direction and capture. */
static void judge_missing(bm_cmp_result *r)
{
    uint64_t listed[2][2] = {{0, 0}, {0, 0}};
    for (unsigned i = 0; i < r->n_missing; i++) {
        bm_cmp_missing *m = &r->missing[i];
        m->state = miss_state(r, m->dir, m->at, m->offset + m->length, m->declared, m->ts);
        miss_count(&r->d[m->dir], m->at, m->state, m->length);
        listed[m->dir][m->at] += m->length;
    }
    for (int d = 0; d < 2; d++)
        for (int at = 0; at < 2; at++) {
            bm_cmp_dirinfo *di = &r->d[d];
            if (di->missing[at] <= listed[d][at])
                continue;
            bool declared = stream_end(di, at) > di->miss_end[at];
            miss_count(di, at, miss_state(r, d, at, di->miss_end[at], declared, di->miss_ts),
                       di->missing[at] - listed[d][at]);
        }
}

void bm_cmp_classify_pair(const bm_cmp *c, const bm_cmp_pairrec *pr, bm_cmp_result *r)
{
    vantage(c, pr, r);
    judge_missing(r);
    bool lost = false, diverged = false, reseg = false, closs = false, after = false;
    for (int d = 0; d < 2; d++) {
        lost |= r->d[d].lost_between > 0;
        closs |= r->d[d].capture_loss[0] + r->d[d].capture_loss[1] > 0;
        after |= r->d[d].after_close > 0;
        diverged |= r->d[d].diverged;
        reseg |= r->d[d].resegmented;
    }
    if (r->intercepted)
        r->verdict = BM_V_INTERCEPTION;
    else if (r->total_diffs)
        r->verdict = BM_V_CORRUPTION;
    else if (lost)
        r->verdict = BM_V_LOST_BETWEEN;
    else if (diverged)
        r->verdict = BM_V_DIVERGED;
    else if (closs)
        r->verdict = BM_V_CAPTURE_LOSS;
    else if (after)
        r->verdict = BM_V_AFTER_CLOSE;
    else if (reseg)
        r->verdict = BM_V_RESEGMENTED;
    else
        r->verdict = BM_V_IDENTICAL;
}
