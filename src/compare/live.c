/*
 * live.c - pass 2: the sink each capture stage calls while both captures
 * are read in lockstep. A connection is found again by its open order in
 * its capture; connections without a pair (or intercepted: their bytes
 * cannot match) are ignored, so the capture stage drops them at once.
 * A pair is reported when both of its connections have closed.
 */
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"

static bool same_tuple(const bm_tuple *x, const bm_tuple *y)
{
    for (int i = 0; i < 2; i++) {
        size_t n = x->addr[i].family == 6 ? 16 : 4;
        if (x->port[i] != y->port[i] || x->addr[i].family != y->addr[i].family ||
            memcmp(x->addr[i].ip, y->addr[i].ip, n) != 0)
            return false;
    }
    return true;
}

static void result_init(bm_cmp *c, bm_cmp_pairrec *pr, bm_cmp_result *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 2; i++) {
        r->fp[i] = &c->fps[i][pr->fi[i]];
        r->capture[i] = c->capture[i];
    }
    r->method = pr->method;
    r->intercepted = pr->intercepted;
    r->clock_offset_s = pr->offset;
    r->one_way_delay_s = pr->delay;
}

static void *diff_open(void *ud, const bm_tuple *t, const bm_seg_meta *m)
{
    bm_cmp_sinkud *su = ud;
    bm_cmp *c = su->c;
    int cap = su->cap;
    (void)m;
    uint64_t idx = c->next_diff[cap]++;
    if (idx >= c->nfps[cap] || !c->fps[cap][idx].used)
        return NULL;
    bm_cmp_fp *f = &c->fps[cap][idx];
    if (f->pair < 0 || !same_tuple(&f->tuple, t))
        return NULL;
    bm_cmp_pairrec *pr = &c->pairs[f->pair];
    if (pr->intercepted || pr->reported)
        return NULL;
    if (!pr->live) {
        bm_cmp_live *lv = calloc(1, sizeof *lv);
        if (!lv)
            return NULL;
        lv->pr = pr;
        lv->owner = c;
        for (int i = 0; i < 2; i++) {
            lv->h[i].lv = lv;
            lv->h[i].cap = i;
        }
        result_init(c, pr, &lv->res);
        pr->live = lv;
    }
    bm_cmp_live *lv = pr->live;
    if (lv->open[cap])
        return NULL;
    lv->open[cap] = true;
    return &lv->h[cap];
}

static int role_of(const bm_cmp_handle *h, int tcpdir)
{
    const bm_cmp_fp *f = h->lv->res.fp[h->cap];
    return tcpdir == f->client_dir ? BM_CLIENT : BM_SERVER;
}

static bm_cmp *cmp_of(const bm_cmp_handle *h) { return h->lv->owner; }

static void diff_data(void *conn, int dir, uint64_t off, const uint8_t *p, size_t n, const bm_seg_meta *m)
{
    bm_cmp_handle *h = conn;
    if ((dir != BM_SIDE_A && dir != BM_SIDE_B) || !n)
        return;
    bm_cmp_win_feed(cmp_of(h), h->lv, role_of(h, dir), h->cap, off, p, n, m);
}

static void diff_gap(void *conn, int dir, uint64_t off, uint64_t len, const bm_seg_meta *m)
{
    bm_cmp_handle *h = conn;
    if ((dir != BM_SIDE_A && dir != BM_SIDE_B) || !len)
        return;
    bm_cmp_win_feed(cmp_of(h), h->lv, role_of(h, dir), h->cap, off, NULL, len, m);
}

/* When each capture saw each sender's FIN: bytes a sender sends after the
 * receiver's FIN, which never reach the receiver's point, were not read by
 * a peer that had closed (not a loss). */
static void diff_fin(void *conn, int dir, bm_stream_end how, const bm_seg_meta *m)
{
    bm_cmp_handle *h = conn;
    if ((dir != BM_SIDE_A && dir != BM_SIDE_B) || how != BM_END_FIN || !m)
        return;
    uint64_t *t = &h->lv->res.d[role_of(h, dir)].fin_ts[h->cap];
    if (!*t)
        *t = m->ts_ns ? m->ts_ns : 1;
}

void bm_cmp_live_report(bm_cmp *c, bm_cmp_pairrec *pr)
{
    bm_cmp_live *lv = pr->live;
    bm_cmp_result tmp;
    bm_cmp_result *r = &tmp;
    if (lv) {
        for (int d = 0; d < 2; d++)
            bm_cmp_win_finish(c, lv, d);
        r = &lv->res;
    } else {
        result_init(c, pr, r);
        for (int d = 0; d < 2; d++)
            for (int i = 0; i < 2; i++)
                r->d[d].bytes[i] = r->fp[i]->bytes[d];
    }
    bm_cmp_classify_pair(c, pr, r);
    c->tot.by_verdict[r->verdict]++;
    if (c->o.on_pair)
        c->o.on_pair(c->o.ud, r);
    pr->reported = true;
    pr->live = NULL;
    free(lv);
}

static void diff_close(void *conn, const bm_tcp_summary *s)
{
    bm_cmp_handle *h = conn;
    bm_cmp_live *lv = h->lv;
    int cap = h->cap;
    for (int side = 0; side < 2; side++) {
        bm_cmp_dirinfo *di = &lv->res.d[role_of(h, side)];
        const bm_tcp_dir_stats *st = &s->dir[side];
        di->bytes[cap] = st->bytes;
        di->segments[cap] = st->segments;
        di->retrans[cap] = st->retransmissions;
        di->gaps[cap] = st->gaps;
        di->gap_bytes[cap] = st->gap_bytes;
        di->bad_csum[cap] = st->bad_checksums;
        di->acked[cap] = st->acked;
    }
    lv->closed[cap] = true;
    if (lv->closed[!cap])
        bm_cmp_live_report(lv->owner, lv->pr);
}

void bm_cmp_diff_init(bm_cmp *c, int cap)
{
    bm_stream_sink *k = &c->diff[cap];
    k->ud = &c->sud[cap];
    k->open = diff_open;
    k->data = diff_data;
    k->gap = diff_gap;
    k->fin = diff_fin;
    k->tick = NULL;
    k->close = diff_close;
}

void bm_cmp_finish(bm_cmp *c, bm_cmp_totals *t)
{
    for (size_t i = 0; i < c->npairs; i++)
        if (!c->pairs[i].reported)
            bm_cmp_live_report(c, &c->pairs[i]);
    for (int cap = 0; cap < 2; cap++) {
        for (size_t i = 0; i < c->nfps[cap]; i++) {
            const bm_cmp_fp *f = &c->fps[cap][i];
            if (!f->used || f->pair >= 0)
                continue;
            c->tot.unpaired[cap]++;
            if (c->o.on_unpaired)
                c->o.on_unpaired(c->o.ud, cap, f, c->capture[cap]);
        }
        c->tot.untracked[cap] = c->untracked[cap];
    }
    if (t)
        *t = c->tot;
}
