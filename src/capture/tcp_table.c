/*
 * tcp_table.c - the TCP connection table: a chained hash table on the
 * 4-tuple (the hash is symmetric, so both directions land in the same
 * bucket) and two LRU lists, open connections and tombstones (tcp_int.h);
 * over the state limit (or max_conns) tombstones go first, then the least
 * recently active open connections are closed early, counted and told.
 */
#include "tcp_int.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS_MIN 1024u

const bm_capture_opts *bm_tcp_opts(const bm_tcp_table *t) { return &t->o; }

bm_tcp_table *bm_tcp_new(const bm_capture_opts *o, const bm_stream_sink *sink, bm_diag *diag)
{
    bm_tcp_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (o)
        t->o = *o;
    else
        bm_capture_opts_default(&t->o);
    if (sink)
        t->sink = *sink;
    t->diag = diag ? diag : &t->own_diag;
    t->shared_diag = t->diag;
    /* The ring is indexed with a mask: the largest power of two that fits. */
    size_t w = t->o.retrans_window > ((size_t)1 << 30) ? ((size_t)1 << 30) : t->o.retrans_window;
    for (t->ring_max = w ? 1 : 0; t->ring_max && t->ring_max * 2 <= w;)
        t->ring_max *= 2;
    t->nbuckets = BUCKETS_MIN;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    return t;
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 32;
    return h;
}

static uint64_t ep_hash(const bm_ip_addr *a, uint16_t port)
{
    uint64_t w0, w1;
    memcpy(&w0, a->ip, 8);
    memcpy(&w1, a->ip + 8, 8);
    return mix64(w0 * 0x9e3779b97f4a7c15ull + mix64(w1 ^ ((uint64_t)a->family << 16 | port)));
}

uint64_t bm_conn_hash(const bm_ip_addr *src, uint16_t sp, const bm_ip_addr *dst, uint16_t dp)
{
    /* A sum is symmetric: both directions of a connection hash alike. */
    return mix64(ep_hash(src, sp) + ep_hash(dst, dp));
}

static bool ep_eq(const bm_ip_addr *a, uint16_t pa, const bm_ip_addr *b, uint16_t pb)
{
    return pa == pb && a->family == b->family && memcmp(a->ip, b->ip, 16) == 0;
}

/* Finds the connection of a segment; *dir is the sender's side. */
bm_tcp_conn *bm_conn_lookup(const bm_tcp_table *t, const bm_tcp_pkt *pk, uint16_t sp, uint16_t dp,
                           uint64_t h, int *dir)
{
    for (bm_tcp_conn *c = t->buckets[h & (t->nbuckets - 1)]; c; c = c->hnext) {
        if (c->hash != h)
            continue;
        const bm_tuple *u = &c->tuple;
        if (ep_eq(&u->addr[0], u->port[0], &pk->src, sp) && ep_eq(&u->addr[1], u->port[1], &pk->dst, dp)) {
            *dir = BM_SIDE_A;
            return c;
        }
        if (ep_eq(&u->addr[1], u->port[1], &pk->src, sp) && ep_eq(&u->addr[0], u->port[0], &pk->dst, dp)) {
            *dir = BM_SIDE_B;
            return c;
        }
    }
    return NULL;
}

static int list_of(const bm_tcp_conn *c)
{
    return c->closed ? BM_LIST_TOMB : c->content && !c->ignored ? BM_LIST_CONTENT : BM_LIST_QUIET;
}

static void lru_unlink(bm_tcp_table *t, bm_tcp_conn *c)
{
    bm_conn_list *l = &t->lists[c->list];
    if (c->newer)
        c->newer->older = c->older;
    else
        l->newest = c->older;
    if (c->older)
        c->older->newer = c->newer;
    else
        l->oldest = c->newer;
    c->newer = c->older = NULL;
    l->n--;
}

/* The newest of the list its state says. */
static void lru_push(bm_tcp_table *t, bm_tcp_conn *c)
{
    c->list = (uint8_t)list_of(c);
    c->touched = ++t->touches;
    bm_conn_list *l = &t->lists[c->list];
    c->older = l->newest;
    c->newer = NULL;
    if (l->newest)
        l->newest->newer = c;
    l->newest = c;
    if (!l->oldest)
        l->oldest = c;
    l->n++;
}

static void grow_buckets(bm_tcp_table *t)
{
    size_t n = t->nbuckets * 2;
    bm_tcp_conn **b = calloc(n, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < t->nbuckets; i++) {
        bm_tcp_conn *c = t->buckets[i];
        while (c) {
            bm_tcp_conn *next = c->hnext;
            c->hnext = b[c->hash & (n - 1)];
            b[c->hash & (n - 1)] = c;
            c = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

static void fill_summary(const bm_tcp_table *t, const bm_tcp_conn *c, bm_tcp_summary *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 2; i++) {
        const bm_dir_counters *k = &c->d[i].c;
        bm_tcp_dir_stats *o = &s->dir[i];
        o->segments = k->segments;
        o->bytes = k->bytes;
        o->gaps = k->gaps;
        o->gap_bytes = k->gap_bytes;
        o->retransmissions = k->retransmissions;
        o->conflicting_retransmissions = k->conflicting_retransmissions;
        o->out_of_order = k->out_of_order;
        o->snaplen_cut = k->snaplen_cut;
        o->bad_checksums = k->bad_checksums;
        o->bad_checksum_frame_first = k->bad_checksum_frame_first;
        o->offloaded_checksums = k->offloaded_checksums;
        o->ttl_first = k->ttl_first;
        o->ttl_last = k->ttl_last;
        o->ttl_changed = k->ttl_changed;
        o->acked = k->acked;
        if (c->d[i].conflicts) {
            o->n_conflicts = k->n_conflicts;
            memcpy(o->conflicts, c->d[i].conflicts, k->n_conflicts * sizeof *o->conflicts);
        }
    }
    s->syn_seen = c->syn_seen;
    s->first_frame = c->first_frame;
    s->last_frame = c->last_frame;
    s->first_ts_ns = c->first_ts_ns;
    s->last_ts_ns = c->last_ts_ns;
    s->report_frame = t->cur_frame;
    s->end = c->end;
    s->end_by = c->end_by;
}

/* Settles both directions and hands the summary to the sink; the
 * connection stays in the table as a tombstone without buffers. */
void bm_conn_close(bm_tcp_table *t, bm_tcp_conn *c)
{
    if (c->closed)
        return;
    if (!c->ignored) {
        bm_dir_flush(t, c, BM_SIDE_A, &c->last_meta);
        bm_dir_flush(t, c, BM_SIDE_B, &c->last_meta);
        fill_summary(t, c, &t->scratch);
        if (t->sink.close)
            t->sink.close(c->user, &t->scratch);
        t->state_bytes -= t->sink.open_bytes + (c->content ? t->sink.content_bytes : 0);
    }
    bm_dir_release(t, &c->d[0]);
    bm_dir_release(t, &c->d[1]);
    c->closed = true;
    lru_unlink(t, c); /* onto the tombstone list, keeping its time */
    uint64_t touched = c->touched;
    lru_push(t, c);
    c->touched = touched;
}

void bm_conn_remove(bm_tcp_table *t, bm_tcp_conn *c)
{
    bm_conn_close(t, c);
    t->state_bytes -= sizeof *c;
    bm_tcp_conn **pp = &t->buckets[c->hash & (t->nbuckets - 1)];
    while (*pp && *pp != c)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = c->hnext;
    lru_unlink(t, c);
    t->nconns--;
    if (!t->spare)
        t->spare = c;
    else
        free(c);
}

/* Tombstones may take a quarter of the state limit (~900 bytes each: about
 * 290,000 in the default 1 GiB); past it the oldest go. */
static bool tombs_full(const bm_tcp_table *t)
{
    return (size_t)t->lists[BM_LIST_TOMB].n * sizeof(bm_tcp_conn) > t->o.state_bytes_total / 4;
}

/* What goes next to make room: the oldest tombstone when they are many,
 * nothing is open or a count is over (max_conns); else the least recently
 * active open connection holding content (what frees memory), else the
 * least recently active one. */
static bm_tcp_conn *victim(const bm_tcp_table *t, bool count)
{
    const bm_conn_list *l = t->lists;
    bool open = l[BM_LIST_QUIET].oldest || l[BM_LIST_CONTENT].oldest;
    if (l[BM_LIST_TOMB].oldest && (count || !open || tombs_full(t)))
        return l[BM_LIST_TOMB].oldest;
    return l[BM_LIST_CONTENT].oldest ? l[BM_LIST_CONTENT].oldest : l[BM_LIST_QUIET].oldest;
}

/* Removes a tombstone, or closes an open connection early (counted: it is
 * reported with what was seen) and keeps it as a tombstone, so that its
 * later packets are counted, not taken for new connections met
 * mid-stream. */
static void evict(bm_tcp_table *t, bm_tcp_conn *o)
{
    if (o->closed) {
        bm_conn_remove(t, o);
        return;
    }
    if (!o->ignored && !o->d[0].rst && !o->d[1].rst) { /* a reset one has ended */
        t->evicted++;
        o->evicted = true;
    }
    bm_conn_close(t, o);
}

void bm_conn_enforce_cap(bm_tcp_table *t, const bm_tcp_conn *keep)
{
    while (t->state_bytes + t->ooo_total > t->o.state_bytes_total) {
        bm_tcp_conn *o = victim(t, false);
        if (!o || o == keep)
            break;
        evict(t, o);
    }
}

void bm_conn_expire_tombs(bm_tcp_table *t)
{
    bm_tcp_conn *o;
    while ((o = t->lists[BM_LIST_TOMB].oldest) && (tombs_full(t) || o->last_ts_ns + BM_TOMB_TTL_NS < t->now_ns))
        bm_conn_remove(t, o);
}

void bm_conn_charge_content(bm_tcp_table *t, bm_tcp_conn *c)
{
    if (c->content)
        return;
    c->content = true;
    if (!c->ignored)
        t->state_bytes += t->sink.content_bytes;
    bm_conn_touch(t, c); /* onto the list of connections holding content */
}

bm_tcp_conn *bm_conn_new(bm_tcp_table *t, uint64_t h)
{
    while (t->o.max_conns && t->nconns >= t->o.max_conns) {
        bm_tcp_conn *o = victim(t, true);
        if (!o)
            break;
        bool open = !o->closed; /* a tombstone is removed (and may be freed) by evict() */
        evict(t, o);
        if (open && t->nconns >= t->o.max_conns) /* it became a tombstone: it goes too */
            bm_conn_remove(t, o);
    }
    bm_tcp_conn *c = t->spare;
    t->spare = NULL;
    if (!c)
        c = malloc(sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    t->state_bytes += sizeof *c;
    c->hash = h;
    c->hnext = t->buckets[h & (t->nbuckets - 1)];
    t->buckets[h & (t->nbuckets - 1)] = c;
    lru_push(t, c);
    t->nconns++;
    if (t->nconns > t->nbuckets && (!t->o.max_conns || t->nbuckets < (size_t)t->o.max_conns * 2))
        grow_buckets(t);
    return c;
}

void bm_conn_touch(bm_tcp_table *t, bm_tcp_conn *c)
{
    if (c->list != list_of(c) || c != t->lists[c->list].newest) {
        lru_unlink(t, c);
        lru_push(t, c);
    }
}

uint64_t bm_tcp_evicted(const bm_tcp_table *t) { return t->evicted; }

void bm_tcp_set_shared_diag(bm_tcp_table *t, bm_diag *d) { t->shared_diag = d ? d : t->diag; }

unsigned bm_tuple_shard(const bm_ip_addr *a, uint16_t pa, const bm_ip_addr *b, uint16_t pb, unsigned shards)
{
    /* The two addresses only: every connection between two hosts in one
     * shard, so what links connections (a session resumed from an earlier
     * one, the stale-session search, the pieces of a rotated capture) is
     * seen by the shard as by one run. */
    (void)pa;
    (void)pb;
    return shards > 1 ? (unsigned)((bm_conn_hash(a, 0, b, 0) >> 32) % shards) : 0;
}

static int flush_cmp(const void *x, const void *y)
{
    const bm_tcp_conn *a = *(bm_tcp_conn *const *)x, *b = *(bm_tcp_conn *const *)y;
    if (a->last_frame != b->last_frame)
        return a->last_frame < b->last_frame ? -1 : 1;
    if (a->first_frame != b->first_frame)
        return a->first_frame < b->first_frame ? -1 : 1;
    return a->touched < b->touched ? -1 : a->touched > b->touched;
}

void bm_tcp_flush(bm_tcp_table *t)
{
    /* Open connections by their last frame (then first): the order they
     * were last active, defined by the frames alone, so that shards of one
     * capture (bm_capture_opts.shard) report them in the same order. */
    t->cur_frame = 0;
    bm_conn_list *q = &t->lists[BM_LIST_QUIET], *k = &t->lists[BM_LIST_CONTENT];
    size_t n = (size_t)q->n + k->n, i = 0;
    bm_tcp_conn **all = n ? malloc(n * sizeof *all) : NULL;
    if (all) {
        for (int l = BM_LIST_QUIET; l <= BM_LIST_CONTENT; l++)
            for (bm_tcp_conn *c = t->lists[l].oldest; c; c = c->newer)
                all[i++] = c;
        qsort(all, n, sizeof *all, flush_cmp);
        for (i = 0; i < n; i++)
            bm_conn_remove(t, all[i]);
        free(all);
    }
    while (q->oldest || k->oldest) { /* out of memory for the sort: by activity */
        bool quiet = q->oldest && (!k->oldest || q->oldest->touched < k->oldest->touched);
        bm_conn_remove(t, quiet ? q->oldest : k->oldest);
    }
    while (t->lists[BM_LIST_TOMB].oldest)
        bm_conn_remove(t, t->lists[BM_LIST_TOMB].oldest);
}

void bm_tcp_free(bm_tcp_table *t)
{
    if (!t)
        return;
    bm_tcp_flush(t);
    free(t->spare);
    free(t->buckets);
    free(t);
}
