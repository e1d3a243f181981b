/*
 * win.c - one direction of a pair, compared offset by offset as the two
 * captures deliver it, without holding either stream.
 *
 * Only one capture is ever ahead: its bytes beyond what the other has
 * delivered wait in a ring (with spans saying which frame brought them).
 * When the other capture delivers those offsets they are compared and
 * dropped. The ring is capped (opts.window per direction, opts.window_total
 * over all pairs): past the cap the direction is declared diverged and its
 * comparison stops there. Declared gaps travel as spans without bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"

static bm_cmp_span *sp_at(bm_cmp_win *w, uint32_t i) { return &w->sp[(w->sp_head + i) & (w->sp_cap - 1)]; }

void bm_cmp_win_free(bm_cmp *c, bm_cmp_win *w)
{
    if (c->window_used >= w->cap)
        c->window_used -= w->cap;
    else
        c->window_used = 0;
    free(w->buf);
    free(w->sp);
    w->buf = NULL;
    w->sp = NULL;
    w->cap = w->len = w->head = 0;
    w->sp_cap = w->sp_len = w->sp_head = 0;
}

static void stop(bm_cmp *c, bm_cmp_live *lv, int dir)
{
    bm_cmp_win *w = &lv->w[dir];
    if (w->stopped)
        return;
    w->stopped = true;
    lv->res.d[dir].diverged = true;
    lv->res.d[dir].diverged_at = w->base;
    bm_cmp_win_free(c, w);
}

/* Room for 'extra' more bytes and one more span; false over the caps. */
static bool reserve(bm_cmp *c, bm_cmp_win *w, uint64_t extra)
{
    if (w->len + extra > c->o.window)
        return false;
    if (w->len + extra > w->cap) {
        size_t n = w->cap ? w->cap : 4096;
        while (n < w->len + extra)
            n *= 2;
        if (c->window_used + (n - w->cap) > c->o.window_total)
            return false;
        uint8_t *nb = malloc(n);
        if (!nb)
            return false;
        for (size_t i = 0; i < w->len; i++)
            nb[i] = w->buf[(w->head + i) & (w->cap - 1)];
        free(w->buf);
        c->window_used += n - w->cap;
        w->buf = nb;
        w->cap = n;
        w->head = 0;
    }
    if (w->sp_len == w->sp_cap) {
        if (w->sp_cap >= BM_CMP_MAX_SPANS)
            return false;
        uint32_t n = w->sp_cap ? w->sp_cap * 2 : 64;
        bm_cmp_span *ns = malloc((size_t)n * sizeof *ns);
        if (!ns)
            return false;
        for (uint32_t i = 0; i < w->sp_len; i++)
            ns[i] = *sp_at(w, i);
        free(w->sp);
        w->sp = ns;
        w->sp_cap = n;
        w->sp_head = 0;
    }
    return true;
}

static void push(bm_cmp_win *w, uint64_t off, const uint8_t *p, uint64_t n, const bm_seg_meta *m)
{
    /* into the ring in at most two pieces (n <= cap - len: reserve()) */
    size_t at = n ? (w->head + w->len) & (w->cap - 1) : 0;
    size_t first = n < w->cap - at ? (size_t)n : w->cap - at;
    if (n && p) {
        memcpy(w->buf + at, p, first);
        memcpy(w->buf, p + first, (size_t)n - first);
    } else if (n) {
        memset(w->buf + at, 0, first);
        memset(w->buf, 0, (size_t)n - first);
    }
    w->len += n;
    bm_cmp_span *s = &w->sp[(w->sp_head + w->sp_len++) & (w->sp_cap - 1)];
    s->start = off;
    s->end = off + n;
    s->frame = m->frame;
    s->ts = m->ts_ns;
    s->gap = p == NULL;
}

static void pop(bm_cmp_win *w, uint64_t k)
{
    w->head = (w->head + k) & (w->cap ? w->cap - 1 : 0);
    w->len -= k;
    w->base += k;
    while (w->sp_len && sp_at(w, 0)->end <= w->base) {
        w->sp_head = (w->sp_head + 1) & (w->sp_cap - 1);
        w->sp_len--;
    }
}

static void close_diff(bm_cmp_live *lv, bm_cmp_win *w)
{
    if (!w->diff_open)
        return;
    w->diff_open = false;
    bm_cmp_diff *d = &w->cur;
    for (int i = 0; i < 2; i++)
        if (d->csum[i] == -2)
            d->csum[i] = -1;
    d->n_shown = d->length < BM_CMP_SHOW_BYTES ? (uint32_t)d->length : BM_CMP_SHOW_BYTES;
    bm_cmp_result *r = &lv->res;
    if (r->n_diffs < BM_CMP_MAX_DIFFS)
        r->diffs[r->n_diffs++] = *d;
    r->total_diffs++;
}

static void close_miss(bm_cmp_live *lv, bm_cmp_win *w)
{
    if (!w->miss_open)
        return;
    w->miss_open = false;
    bm_cmp_result *r = &lv->res;
    if (r->n_missing < BM_CMP_MAX_MISSING)
        r->missing[r->n_missing++] = w->miss;
    r->total_missing++;
}

/* Capture 'at' lacks [off, off+n); the other capture has them, first in
 * 'frame' at time 'ts'. What that means is decided with the pair's ACKs
 * and FINs, once both captures are done (bm_cmp_classify_pair). */
static void missing(bm_cmp_live *lv, int dir, int at, uint64_t off, uint64_t n, bool declared, uint64_t frame,
                    uint64_t ts)
{
    bm_cmp_win *w = &lv->w[dir];
    bm_cmp_dirinfo *di = &lv->res.d[dir];
    di->missing[at] += n;
    di->miss_end[at] = off + n;
    bm_cmp_missing *k = &w->miss;
    if (w->miss_open && k->at == at && k->declared == declared && k->offset + k->length == off) {
        k->length += n;
        return;
    }
    close_miss(lv, w);
    di->miss_ts = ts;
    w->miss_open = true;
    memset(k, 0, sizeof *k);
    k->dir = dir;
    k->at = at;
    k->offset = off;
    k->length = n;
    k->declared = declared;
    k->frame = frame;
    k->ts = ts;
}

static void add_frame(bm_cmp *c, bm_cmp_diff *d, int cap, uint64_t frame)
{
    if (d->n_frames[cap] && d->frames[cap][d->n_frames[cap] - 1] == frame)
        return;
    if (d->n_frames[cap] < BM_CMP_MAX_FRAMES)
        d->frames[cap][d->n_frames[cap]++] = frame;
    int v = c->csum[cap] ? c->csum[cap](c->csum_ud[cap], frame) : -1;
    int *s = &d->csum[cap];
    if (*s == -2)
        *s = v;
    else if (v == 0 || *s == 0)
        *s = 0;
    else if (v < 0 || *s < 0)
        *s = -1;
}

/* One byte position seen by both captures: v[cap], frame[cap], seglen[cap]. */
static void byte_pair(bm_cmp *c, bm_cmp_live *lv, int dir, uint64_t off, const uint8_t v[2],
                      const uint64_t frame[2], const uint32_t seglen[2])
{
    bm_cmp_win *w = &lv->w[dir];
    bm_cmp_diff *d = &w->cur;
    if (v[0] == v[1]) {
        if (w->diff_open && off - d->offset < BM_CMP_SHOW_BYTES)
            for (int i = 0; i < 2; i++)
                d->shown[i][off - d->offset] = v[i];
        return;
    }
    if (w->diff_open && off >= d->offset + d->length + BM_CMP_MERGE_GAP)
        close_diff(lv, w);
    if (!w->diff_open) {
        w->diff_open = true;
        memset(d, 0, sizeof *d);
        d->dir = dir;
        d->offset = off;
        for (int i = 0; i < 2; i++) {
            d->all_zero[i] = true;
            d->csum[i] = -2;
            d->seg_len[i] = seglen[i];
        }
    }
    d->length = off + 1 - d->offset;
    d->differing_bytes++;
    uint8_t x = v[0] ^ v[1];
    for (uint8_t b = 0; b < 8; b++) {
        if (!(x >> b & 1))
            continue;
        d->differing_bits++;
        if (d->n_bits < BM_CMP_MAX_BITS) {
            d->bits[d->n_bits].offset = off;
            d->bits[d->n_bits++].bit = b;
        }
    }
    for (int i = 0; i < 2; i++) {
        d->all_zero[i] = d->all_zero[i] && v[i] == 0;
        add_frame(c, d, i, frame[i]);
        if (off - d->offset < BM_CMP_SHOW_BYTES)
            d->shown[i][off - d->offset] = v[i];
    }
}

static void sample(bm_cmp_dirinfo *di, int lagger, uint64_t ts_lag, uint64_t ts_lead)
{
    if (di->n_samples >= BM_CMP_SAMPLES || !ts_lag || !ts_lead)
        return;
    int64_t d = (int64_t)(ts_lag - ts_lead);
    di->samples[di->n_samples++] = lagger == BM_CAP_B ? d : -d;
}

/* The lagger delivers [base, base+k) (p NULL: declared lost); the window
 * holds the leader's bytes there. 'cstart', 'clen': the whole delivery. */
static void compare(bm_cmp *c, bm_cmp_live *lv, int dir, int lag, const uint8_t *p, uint64_t k, uint64_t cstart,
                    uint64_t clen, const bm_seg_meta *m)
{
    bm_cmp_win *w = &lv->w[dir];
    bm_cmp_dirinfo *di = &lv->res.d[dir];
    int ld = !lag;
    uint64_t pos = w->base, end = w->base + k;
    bm_cmp_span *s0 = sp_at(w, 0);
    if (pos == cstart && s0->start == pos)
        sample(di, lag, m->ts_ns, s0->ts);
    if (pos == cstart && s0->start != pos && !di->resegmented) {
        di->resegmented = true;
        di->reseg_at = pos;
    }
    for (uint32_t j = 0; j < w->sp_len && pos < end; j++) {
        bm_cmp_span *s = sp_at(w, j);
        uint64_t se = s->end < end ? s->end : end;
        if (s->start == pos && pos > cstart && !di->resegmented) {
            di->resegmented = true;
            di->reseg_at = pos;
        }
        if (s->gap && p) {
            missing(lv, dir, ld, pos, se - pos, true, m->frame, m->ts_ns);
        } else if (!s->gap && !p) {
            missing(lv, dir, lag, pos, se - pos, true, s->frame, s->ts);
        } else if (!s->gap && p) {
            di->compared += se - pos;
            uint64_t frame[2], seglen[2];
            frame[lag] = m->frame;
            frame[ld] = s->frame;
            seglen[lag] = clen;
            seglen[ld] = s->end - s->start;
            uint32_t sl[2] = {seglen[0] > UINT32_MAX ? UINT32_MAX : (uint32_t)seglen[0],
                              seglen[1] > UINT32_MAX ? UINT32_MAX : (uint32_t)seglen[1]};
            while (pos < se) {
                /* contiguous piece of the ring */
                size_t at = (w->head + (pos - w->base)) & (w->cap - 1);
                uint64_t n = se - pos;
                if (n > w->cap - at)
                    n = w->cap - at;
                if (n > 4096)
                    n = 4096;
                const uint8_t *lp = w->buf + at, *gp = p + (pos - w->base);
                bool near = w->diff_open && pos < w->cur.offset + BM_CMP_SHOW_BYTES;
                if (near || memcmp(lp, gp, n) != 0) {
                    for (uint64_t i = 0; i < n; i++) {
                        uint8_t v[2];
                        v[lag] = gp[i];
                        v[ld] = lp[i];
                        byte_pair(c, lv, dir, pos + i, v, frame, sl);
                    }
                }
                pos += n;
            }
        }
        pos = se;
    }
    pop(w, k);
    /* the delivery ended inside one of the leader's segments */
    if (cstart + clen == end && w->sp_len && sp_at(w, 0)->start != w->base && !di->resegmented) {
        di->resegmented = true;
        di->reseg_at = w->base;
    }
}

void bm_cmp_win_feed(bm_cmp *c, bm_cmp_live *lv, int dir, int cap, uint64_t off, const uint8_t *p, uint64_t n,
                     const bm_seg_meta *m)
{
    bm_cmp_win *w = &lv->w[dir];
    if (off > w->next[cap]) /* not from the capture stage, which declares every hole */
        bm_cmp_win_feed(c, lv, dir, cap, w->next[cap], NULL, off - w->next[cap], m);
    if (off + n <= w->next[cap])
        return;
    uint64_t cstart = off, clen = n;
    if (off < w->next[cap]) {
        uint64_t skip = w->next[cap] - off;
        off += skip;
        n -= skip;
        if (p)
            p += skip;
        cstart = UINT64_MAX; /* a partial delivery says nothing about segmentation */
    }
    if (w->stopped) {
        w->next[cap] = off + n;
        return;
    }
    if (w->leader == !cap && w->len > 0) {
        uint64_t k = n < w->len ? n : w->len;
        compare(c, lv, dir, cap, p, k, cstart, clen, m);
        w->next[cap] += k;
        off += k;
        n -= k;
        if (p)
            p += k;
        if (!n)
            return;
    }
    if (w->len == 0) {
        w->leader = cap;
        w->base = off;
    }
    if (!reserve(c, w, n)) {
        w->next[cap] = off + n;
        stop(c, lv, dir);
        return;
    }
    push(w, off, p, n, m);
    w->next[cap] = off + n;
}

void bm_cmp_win_finish(bm_cmp *c, bm_cmp_live *lv, int dir)
{
    bm_cmp_win *w = &lv->w[dir];
    close_diff(lv, w);
    if (!w->stopped && w->len > 0) {
        for (uint32_t j = 0; j < w->sp_len; j++) {
            bm_cmp_span *s = sp_at(w, j);
            uint64_t st = s->start > w->base ? s->start : w->base;
            if (!s->gap && s->end > st)
                missing(lv, dir, !w->leader, st, s->end - st, false, s->frame, s->ts);
        }
    }
    close_miss(lv, w);
    bm_cmp_win_free(c, w);
}
