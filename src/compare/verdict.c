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

void bm_cmp_classify_pair(const bm_cmp *c, const bm_cmp_pairrec *pr, bm_cmp_result *r)
{
    vantage(c, pr, r);
    bool lost = false, diverged = false, reseg = false;
    for (int d = 0; d < 2; d++) {
        if (r->d[d].missing[bm_cmp_receiver(r, d)])
            lost = true;
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
    else if (reseg)
        r->verdict = BM_V_RESEGMENTED;
    else
        r->verdict = BM_V_IDENTICAL;
}
