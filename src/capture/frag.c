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

/* FNV-1a over the key's fields (not its padding). */
static uint32_t key_hash(const bm_frag_key *k)
{
    uint32_t h = 2166136261u;
    uint8_t head[6] = {k->family, k->proto, (uint8_t)(k->id >> 24), (uint8_t)(k->id >> 16),
                       (uint8_t)(k->id >> 8), (uint8_t)k->id};
    for (size_t i = 0; i < sizeof head; i++)
        h = (h ^ head[i]) * 16777619u;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ k->src[i]) * 16777619u;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ k->dst[i]) * 16777619u;
    return h;
}

/* Unlinks 'g' from the age list and its hash chain, frees it. */
static void dgram_remove(bm_frag *f, bm_frag_dgram *g)
{
    if (g->older)
        g->older->newer = g->newer;
    else
        f->oldest = g->newer;
    if (g->newer)
        g->newer->older = g->older;
    else
        f->newest = g->older;
    bm_frag_dgram **pp = &f->buckets[g->hash & (BM_FRAG_BUCKETS - 1)];
    while (*pp && *pp != g)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = g->hnext;
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

static void dgram_drop(bm_frag *f, bm_frag_dgram *g, const char *why, bm_frag_drop_cb drop, void *ud)
{
    f->dropped++;
    if (drop)
        drop(ud, &g->key, g->first_frame, why);
    dgram_remove(f, g);
}

/* The oldest datagrams that waited too long. Datagrams are kept in arrival
 * order, so only the oldest is looked at (a capture whose clock steps back
 * expires the others when they become the oldest, or by the caps). */
static void expire(bm_frag *f, const bm_seg_meta *m, bm_frag_drop_cb drop, void *ud)
{
    while (f->oldest) {
        const bm_frag_dgram *g = f->oldest;
        bool old_ts = m->ts_ns > g->first_ts_ns && m->ts_ns - g->first_ts_ns > BM_FRAG_TIMEOUT_NS;
        bool old_fr = m->frame > g->first_frame && m->frame - g->first_frame > BM_FRAG_TIMEOUT_FRAMES;
        if (!old_ts && !old_fr)
            return;
        dgram_drop(f, f->oldest, "incomplete (timed out)", drop, ud);
    }
}

/* Drops the oldest datagram other than 'keep'; false when there is none. */
static bool drop_oldest(bm_frag *f, const bm_frag_dgram *keep, const char *why, bm_frag_drop_cb drop,
                        void *ud)
{
    bm_frag_dgram *g = f->oldest;
    if (g && g == keep)
        g = g->newer;
    if (!g)
        return false;
    dgram_drop(f, g, why, drop, ud);
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
                                  bm_frag_drop_cb drop, void *ud)
{
    if (!f->buckets && !(f->buckets = calloc(BM_FRAG_BUCKETS, sizeof *f->buckets)))
        return NULL;
    uint32_t h = key_hash(k);
    for (bm_frag_dgram *g = f->buckets[h & (BM_FRAG_BUCKETS - 1)]; g; g = g->hnext)
        if (g->hash == h && key_eq(&g->key, k))
            return g;
    if (f->pending >= BM_FRAG_MAX_PENDING)
        (void)drop_oldest(f, NULL, "incomplete (too many datagrams pending)", drop, ud);
    bm_frag_dgram *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->key = *k;
    g->hash = h;
    g->first_frame = m->frame;
    g->first_ts_ns = m->ts_ns;
    g->bytes = sizeof *g;
    f->bytes += g->bytes;
    f->pending++;
    g->older = f->newest;
    if (f->newest)
        f->newest->newer = g;
    else
        f->oldest = g;
    f->newest = g;
    bm_frag_dgram **b = &f->buckets[h & (BM_FRAG_BUCKETS - 1)];
    g->hnext = *b;
    *b = g;
    return g;
}

static void insert_piece(bm_frag_dgram *g, bm_frag_piece *np)
{
    bm_frag_piece **pp = &g->pieces;
    while (*pp && (*pp)->off <= np->off)
        pp = &(*pp)->next;
    np->next = *pp;
    *pp = np;
    g->n_pieces++;
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
    bm_frag_dgram *g = find_or_add(f, k, m, drop, ud);
    if (!g)
        return false;
    if (g->n_pieces >= BM_FRAG_MAX_PIECES) {
        dgram_drop(f, g, "incomplete (too many fragments)", drop, ud);
        return false;
    }

    size_t need = sizeof(bm_frag_piece) + len;
    while (f->bytes + need > f->cap && drop_oldest(f, g, "incomplete (fragment memory cap)", drop, ud))
        ;
    if (f->bytes + need > f->cap) {
        dgram_drop(f, g, "incomplete (fragment memory cap)", drop, ud);
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
    dgram_remove(f, g);
    return true;
}

void bm_frag_fini(bm_frag *f, bm_frag_drop_cb drop, void *ud)
{
    while (f->oldest)
        dgram_drop(f, f->oldest, "incomplete at end of capture", drop, ud);
    free(f->buf);
    f->buf = NULL;
    free(f->buckets);
    f->buckets = NULL;
}
