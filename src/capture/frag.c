#include "frag.h"

#include <stdlib.h>
#include <string.h>

void bm_frag_init(bm_frag *f, size_t cap)
{
    memset(f, 0, sizeof *f);
    f->cap = cap;
}

static bool key_eq(const bm_frag_key *a, const bm_frag_key *b)
{
    return a->family == b->family && a->proto == b->proto && a->id == b->id &&
           memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0;
}

static void dgram_free(bm_frag *f, bm_frag_dgram *g)
{
    bm_frag_piece *p = g->pieces;
    while (p) {
        bm_frag_piece *n = p->next;
        free(p);
        p = n;
    }
    f->bytes -= g->bytes;
    f->pending--;
    free(g);
}

/* Unlinks 'g' (whose predecessor is 'prev', NULL for the head) and frees it. */
static void dgram_remove(bm_frag *f, bm_frag_dgram *prev, bm_frag_dgram *g)
{
    if (prev)
        prev->next = g->next;
    else
        f->list = g->next;
    dgram_free(f, g);
}

static void dgram_drop(bm_frag *f, bm_frag_dgram *prev, bm_frag_dgram *g, const char *why,
                       bm_frag_drop_cb drop, void *ud)
{
    f->dropped++;
    if (drop)
        drop(ud, &g->key, g->first_frame, why);
    dgram_remove(f, prev, g);
}

static void expire(bm_frag *f, const bm_seg_meta *m, bm_frag_drop_cb drop, void *ud)
{
    bm_frag_dgram *prev = NULL, *g = f->list;
    while (g) {
        bm_frag_dgram *next = g->next;
        bool old_ts = m->ts_ns > g->first_ts_ns && m->ts_ns - g->first_ts_ns > BM_FRAG_TIMEOUT_NS;
        bool old_fr = m->frame > g->first_frame && m->frame - g->first_frame > BM_FRAG_TIMEOUT_FRAMES;
        if (old_ts || old_fr)
            dgram_drop(f, prev, g, "incomplete (timed out)", drop, ud);
        else
            prev = g;
        g = next;
    }
}

/* Drops the oldest datagram other than 'keep'; false when there is none. */
static bool drop_oldest(bm_frag *f, const bm_frag_dgram *keep, const char *why, bm_frag_drop_cb drop,
                        void *ud)
{
    bm_frag_dgram *prev = NULL, *g = f->list;
    while (g && g == keep) {
        prev = g;
        g = g->next;
    }
    if (!g)
        return false;
    dgram_drop(f, prev, g, why, drop, ud);
    return true;
}

static bool complete(const bm_frag_dgram *g)
{
    if (!g->have_last || !g->have_first)
        return false;
    uint32_t covered = 0;
    for (const bm_frag_piece *p = g->pieces; p; p = p->next) {
        if (p->off > covered)
            return false;
        if (p->off + p->len > covered)
            covered = p->off + p->len;
        if (covered >= g->total)
            return true;
    }
    return covered >= g->total;
}

static bm_frag_dgram *find_or_add(bm_frag *f, const bm_frag_key *k, const bm_seg_meta *m,
                                  bm_frag_drop_cb drop, void *ud, bm_frag_dgram **prevp)
{
    bm_frag_dgram *prev = NULL, *tail = NULL;
    for (bm_frag_dgram *g = f->list; g; g = g->next) {
        if (key_eq(&g->key, k)) {
            *prevp = prev;
            return g;
        }
        prev = g;
    }
    if (f->pending >= BM_FRAG_MAX_PENDING)
        (void)drop_oldest(f, NULL, "incomplete (too many datagrams pending)", drop, ud);
    bm_frag_dgram *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->key = *k;
    g->first_frame = m->frame;
    g->first_ts_ns = m->ts_ns;
    g->bytes = sizeof *g;
    f->bytes += g->bytes;
    f->pending++;
    /* Append: the list stays oldest first. */
    for (tail = f->list; tail && tail->next; tail = tail->next)
        ;
    if (tail)
        tail->next = g;
    else
        f->list = g;
    *prevp = tail;
    return g;
}

static void insert_piece(bm_frag_dgram *g, bm_frag_piece *np)
{
    bm_frag_piece **pp = &g->pieces;
    while (*pp && (*pp)->off <= np->off)
        pp = &(*pp)->next;
    np->next = *pp;
    *pp = np;
}

bool bm_frag_add(bm_frag *f, const bm_frag_key *k, uint32_t off, bool more, uint8_t nh,
                 const uint8_t *p, uint32_t len, const bm_seg_meta *m, bm_frag_out *out,
                 bm_frag_drop_cb drop, void *ud)
{
    expire(f, m, drop, ud);
    if (off > BM_FRAG_MAX_DATAGRAM || len > BM_FRAG_MAX_DATAGRAM - off) {
        if (drop)
            drop(ud, k, m->frame, "fragment ends beyond 65535 bytes");
        f->dropped++;
        return false;
    }
    if (!f->buf) {
        f->buf = malloc(BM_FRAG_MAX_DATAGRAM);
        if (!f->buf)
            return false;
    }
    bm_frag_dgram *prev = NULL;
    bm_frag_dgram *g = find_or_add(f, k, m, drop, ud, &prev);
    if (!g)
        return false;

    size_t need = sizeof(bm_frag_piece) + len;
    while (f->bytes + need > f->cap && drop_oldest(f, g, "incomplete (fragment memory cap)", drop, ud))
        ;
    /* The list may have changed: find our predecessor again. */
    prev = NULL;
    for (bm_frag_dgram *x = f->list; x && x != g; x = x->next)
        prev = x;
    if (f->bytes + need > f->cap) {
        dgram_drop(f, prev, g, "incomplete (fragment memory cap)", drop, ud);
        return false;
    }
    bm_frag_piece *np = malloc(need);
    if (!np)
        return false;
    np->off = off;
    np->len = len;
    if (len)
        memcpy(np->data, p, len);
    insert_piece(g, np);
    g->bytes += need;
    f->bytes += need;

    /* A second "last" fragment that disagrees keeps the first one's end. */
    if (!more && !g->have_last) {
        g->have_last = true;
        g->total = off + len;
    }
    if (off == 0 && !g->have_first) {
        g->have_first = true;
        g->first = *m;
        g->next_header = nh;
    }
    if (!complete(g))
        return false;

    for (const bm_frag_piece *pc = g->pieces; pc; pc = pc->next) {
        if (pc->off >= g->total)
            break;
        uint32_t n = pc->len;
        if (n > g->total - pc->off)
            n = g->total - pc->off;
        memcpy(f->buf + pc->off, pc->data, n);
    }
    out->p = f->buf;
    out->len = g->total;
    out->next_header = g->next_header;
    out->meta = *m;
    out->meta.ttl = g->first.ttl;
    out->meta.ip_id = g->first.ip_id;
    f->reassembled++;
    dgram_remove(f, prev, g);
    return true;
}

void bm_frag_fini(bm_frag *f, bm_frag_drop_cb drop, void *ud)
{
    while (f->list)
        dgram_drop(f, NULL, f->list, "incomplete at end of capture", drop, ud);
    free(f->buf);
    f->buf = NULL;
}
