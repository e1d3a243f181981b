/*
 * tcp_dir.c - reassembly of one direction of a TCP connection.
 *
 * In-order payload goes to the sink straight from the packet (no copy);
 * only segments that arrive ahead of a hole are copied into the
 * direction's queue. The last bytes delivered are also kept in a ring
 * (grown by doubling up to the retransmission window) so a retransmission
 * can be compared with what was delivered: when the bytes differ, both
 * copies are kept as evidence. A hole becomes a gap (sink->gap) when the
 * receiver acknowledged past it, when buffering would exceed a cap, or
 * when the connection ends.
 */
#include "tcp_int.h"

#include <stdlib.h>
#include <string.h>

#define ACK_MAX_AHEAD (1ull << 30) /* larger jumps are not believable ACKs */

static size_t seg_cost(const bm_ooo_seg *s) { return sizeof *s + (s->gap ? 0 : s->len); }

/* The queue (a skip list, tcp_int.h). */

/* Unlinks and returns the first segment (the queue is not empty). */
static bm_ooo_seg *q_pop(bm_tcp_table *t, bm_tcp_dir *d)
{
    bm_ooo_seg *s = d->ooo[0];
    for (unsigned i = 0; i < s->level; i++) /* the first segment is first on each of its levels */
        d->ooo[i] = s->next[i];
    if (!d->ooo[0])
        d->ooo_tail = NULL;
    d->ooo_bytes -= seg_cost(s);
    t->ooo_total -= seg_cost(s);
    return s;
}

/* The last segment at each level whose offset is <= off (NULL: the head)
 * in upd[]; returns upd[0], the segment a new one at 'off' follows. */
static bm_ooo_seg *q_find(bm_tcp_dir *d, uint64_t off, bm_ooo_seg **upd)
{
    bm_ooo_seg *x = NULL;
    for (int i = BM_OOO_LEVELS - 1; i >= 0; i--) {
        for (;;) {
            bm_ooo_seg *nx = x ? x->next[i] : d->ooo[i];
            if (!nx || nx->off > off)
                break;
            x = nx;
        }
        upd[i] = x;
    }
    return x;
}

/* Links 's' after the places q_find() found. Its level comes from a fixed
 * pseudo-random sequence (splitmix64 of the insert count): deterministic,
 * independent of the bytes of the capture. */
static void q_insert(bm_tcp_table *t, bm_tcp_dir *d, bm_ooo_seg *s, bm_ooo_seg **upd)
{
    uint64_t z = (d->ooo_inserts++ + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    s->level = 1;
    while (s->level < BM_OOO_LEVELS && (z & 3) == 0) { /* one in four goes up a level */
        s->level++;
        z >>= 2;
    }
    for (unsigned i = 0; i < BM_OOO_LEVELS; i++)
        s->next[i] = NULL;
    for (unsigned i = 0; i < s->level; i++) {
        bm_ooo_seg **slot = upd[i] ? &upd[i]->next[i] : &d->ooo[i];
        s->next[i] = *slot;
        *slot = s;
    }
    if (!s->next[0])
        d->ooo_tail = s;
    d->ooo_bytes += seg_cost(s);
    t->ooo_total += seg_cost(s);
}

/* Preconditions for both: the bytes start at next_off. */
static void deliver(bm_tcp_table *t, bm_tcp_conn *c, int dir, const uint8_t *p, uint32_t n,
                    const bm_seg_meta *m)
{
    bm_tcp_dir *d = &c->d[dir];
    if (d->fin_seen && d->next_off + n > d->fin_off)
        n = d->fin_off > d->next_off ? (uint32_t)(d->fin_off - d->next_off) : 0;
    if (!n)
        return;
    bm_conn_charge_content(t, c);
    if (t->sink.data)
        t->sink.data(c->user, dir, d->next_off, p, n, m);
    bm_ring_store(t, d, d->next_off, p, n, m->frame);
    d->c.bytes += n;
    d->next_off += n;
}

static void gap(bm_tcp_table *t, bm_tcp_conn *c, int dir, uint64_t n, const bm_seg_meta *m)
{
    bm_tcp_dir *d = &c->d[dir];
    if (d->fin_seen && d->next_off + n > d->fin_off)
        n = d->fin_off > d->next_off ? d->fin_off - d->next_off : 0;
    if (!n)
        return;
    bm_conn_charge_content(t, c);
    if (t->sink.gap)
        t->sink.gap(c->user, dir, d->next_off, n, m);
    d->c.gaps++;
    d->c.gap_bytes += n;
    d->next_off += n;
    d->ring_valid_from = d->next_off;
}

static void discard_queue(bm_tcp_table *t, bm_tcp_dir *d)
{
    while (d->ooo[0])
        free(q_pop(t, d));
}

/* Takes the queue's head (which starts at or before next_off) and delivers
 * whatever of it is new. */
static void pop_deliver(bm_tcp_table *t, bm_tcp_conn *c, int dir)
{
    bm_tcp_dir *d = &c->d[dir];
    bm_ooo_seg *s = q_pop(t, d);
    uint32_t old = s->off + s->len <= d->next_off ? s->len : (uint32_t)(d->next_off - s->off);
    if (old) {
        d->c.retransmissions++;
        if (!s->gap)
            bm_ring_compare(d, s->off, s->data, old, s->meta.frame);
    }
    if (old < s->len) {
        if (s->gap)
            gap(t, c, dir, s->len - old, &s->meta);
        else
            deliver(t, c, dir, s->data + old, s->len - old, &s->meta);
    }
    free(s);
}

static void drain(bm_tcp_table *t, bm_tcp_conn *c, int dir)
{
    bm_tcp_dir *d = &c->d[dir];
    while (d->ooo[0] && d->ooo[0]->off <= d->next_off)
        pop_deliver(t, c, dir);
}

/* Everything below 'target' is settled: queued data is delivered, the
 * holes between are declared gaps (with the meta 'm' of the packet that
 * made the decision). */
static void skip_to(bm_tcp_table *t, bm_tcp_conn *c, int dir, uint64_t target, const bm_seg_meta *m)
{
    bm_tcp_dir *d = &c->d[dir];
    while (d->next_off < target) {
        bm_ooo_seg *h = d->ooo[0];
        if (h && h->off <= d->next_off) {
            pop_deliver(t, c, dir);
            continue;
        }
        uint64_t ge = h && h->off < target ? h->off : target;
        uint64_t before = d->next_off;
        gap(t, c, dir, ge - d->next_off, m);
        if (d->next_off == before) { /* clipped at the FIN: what is queued lies beyond it */
            discard_queue(t, d);
            return;
        }
    }
    drain(t, c, dir);
}

/* Makes room for 'need' queued bytes by settling the queue from its head.
 * Returns false when the caps cannot be met even with an empty queue. */
static bool make_room(bm_tcp_table *t, bm_tcp_conn *c, int dir, size_t need, const bm_seg_meta *m)
{
    bm_tcp_dir *d = &c->d[dir];
    for (;;) {
        bool fits = d->ooo_bytes + need <= t->o.ooo_bytes_per_dir && t->ooo_total + need <= t->o.ooo_bytes_total;
        if (fits)
            return true;
        if (!d->ooo[0])
            return false;
        skip_to(t, c, dir, d->ooo[0]->off, m);
    }
}

/* Queues a segment that starts beyond next_off (after make_room). */
static void enqueue(bm_tcp_table *t, bm_tcp_dir *d, uint64_t off, const uint8_t *p, uint32_t n,
                    const bm_seg_meta *m)
{
    bm_ooo_seg *upd[BM_OOO_LEVELS];
    bm_ooo_seg *prev = q_find(d, off, upd);
    if (prev && prev->off + prev->len >= off + n) {
        /* Already queued: a retransmission of data still waiting. */
        d->c.retransmissions++;
        if (p && !prev->gap)
            bm_compare_copies(d, off, prev->data + (off - prev->off), p, n, prev->meta.frame, m->frame);
        return;
    }
    bm_ooo_seg *s = malloc(sizeof *s + (p ? n : 0));
    if (!s)
        return; /* the bytes will surface as a gap */
    s->off = off;
    s->len = n;
    s->gap = p == NULL;
    s->meta = *m;
    if (p)
        memcpy(s->data, p, n);
    q_insert(t, d, s, upd);
}

static void payload(bm_tcp_table *t, bm_tcp_conn *c, int dir, uint64_t off, const uint8_t *p, uint32_t n,
                    const bm_seg_meta *m)
{
    bm_tcp_dir *d = &c->d[dir];
    if (!n)
        return;
    d->c.segments++;
    /* A keep-alive probe (some stacks send one garbage byte just below the
     * next sequence number) is neither data nor a conflicting copy. */
    if (n == 1 && off + 1 == d->next_off)
        return;
    if (d->fin_seen) {
        if (off >= d->fin_off)
            return;
        if (off + n > d->fin_off)
            n = (uint32_t)(d->fin_off - off);
    }
    if (off > d->next_off) {
        d->c.out_of_order++;
        /* The peer acknowledged bytes we never saw, and later bytes are
         * here: the hole is real (not an ACK captured before its data). */
        if (d->ack_hint > d->next_off)
            skip_to(t, c, dir, d->ack_hint < off ? d->ack_hint : off, m);
    }
    for (;;) {
        if (off < d->next_off) {
            uint32_t old = off + n <= d->next_off ? n : (uint32_t)(d->next_off - off);
            d->c.retransmissions++;
            if (p)
                bm_ring_compare(d, off, p, old, m->frame);
            if (old == n)
                return;
            if (p)
                p += old;
            n -= old;
            off = d->next_off;
        }
        if (off == d->next_off)
            break;
        size_t need = sizeof(bm_ooo_seg) + (p ? n : 0);
        if (make_room(t, c, dir, need, m)) {
            if (off <= d->next_off)
                continue;
            enqueue(t, d, off, p, n, m);
            return;
        }
        skip_to(t, c, dir, off, m);
        if (off > d->next_off) /* clipped by a FIN */
            return;
    }
    if (p)
        deliver(t, c, dir, p, n, m);
    else
        gap(t, c, dir, n, m);
    drain(t, c, dir);
}

void bm_dir_payload(bm_tcp_table *t, bm_tcp_conn *c, int dir, uint64_t off, const uint8_t *p,
                    uint32_t n, const bm_seg_meta *m)
{
    payload(t, c, dir, off, p, n, m);
    /* Any path above may have reached a FIN seen earlier. */
    bm_dir_check_fin(t, c, dir, m);
}

void bm_dir_acked(bm_tcp_table *t, bm_tcp_conn *c, int dir, uint64_t ack_off, const bm_seg_meta *m)
{
    bm_tcp_dir *d = &c->d[dir];
    if (d->fin_seen && ack_off > d->fin_off)
        ack_off = d->fin_off;
    if (ack_off > d->c.acked && (ack_off <= d->next_off || ack_off - d->next_off <= ACK_MAX_AHEAD))
        d->c.acked = ack_off;
    if (ack_off <= d->next_off || ack_off - d->next_off > ACK_MAX_AHEAD)
        return;
    if (d->ooo[0] && d->ooo[0]->off < ack_off) {
        uint64_t qend = d->ooo_tail->off + d->ooo_tail->len;
        skip_to(t, c, dir, qend < ack_off ? qend : ack_off, m);
        bm_dir_check_fin(t, c, dir, m);
    }
    if (ack_off > d->ack_hint)
        d->ack_hint = ack_off;
}

void bm_dir_flush(bm_tcp_table *t, bm_tcp_conn *c, int dir, const bm_seg_meta *m)
{
    bm_tcp_dir *d = &c->d[dir];
    uint64_t target = d->next_off;
    for (const bm_ooo_seg *s = d->ooo[0]; s; s = s->next[0])
        if (s->off + s->len > target)
            target = s->off + s->len;
    /* The peer acknowledged one sequence number past every byte and no FIN
     * was captured: that number is the FIN's (it takes one), not a lost
     * byte of data. */
    if (d->ack_hint > target && !(!d->fin_seen && d->ack_hint == target + 1))
        target = d->ack_hint;
    if (d->fin_seen && d->fin_off > target)
        target = d->fin_off;
    skip_to(t, c, dir, target, m);
    bm_dir_check_fin(t, c, dir, m);
}

void bm_dir_check_fin(bm_tcp_table *t, bm_tcp_conn *c, int dir, const bm_seg_meta *m)
{
    bm_tcp_dir *d = &c->d[dir];
    if (!d->fin_seen || d->fin_done || d->next_off < d->fin_off)
        return;
    d->fin_done = true;
    if (c->end == BM_END_OPEN) {
        c->end = BM_END_FIN;
        c->end_by = dir;
    }
    if (t->sink.fin)
        t->sink.fin(c->user, dir, BM_END_FIN, m);
}

size_t bm_dir_state_bytes(const bm_tcp_dir *d)
{
    return d->ring_cap + (d->rsegs ? BM_RING_SEGS * sizeof *d->rsegs : 0);
}

void bm_dir_release(bm_tcp_table *t, bm_tcp_dir *d)
{
    discard_queue(t, d);
    t->state_bytes -= bm_dir_state_bytes(d);
    free(d->ring);
    free(d->rsegs);
    free(d->conflicts);
    d->ring = NULL;
    d->rsegs = NULL;
    d->conflicts = NULL;
    d->ring_cap = 0;
}
