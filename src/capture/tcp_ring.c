/*
 * tcp_ring.c - the window of recently delivered bytes of a direction, and
 * the comparison of retransmitted bytes with it.
 *
 * The ring is indexed by stream offset (ring[off & (cap-1)]); it starts at
 * BM_RING_MIN bytes on the first payload and doubles up to the table's
 * ring_max, so short connections stay small. A side table remembers which
 * frame delivered which recent range, to name the first copy of a
 * conflicting retransmission.
 */
#include "tcp_int.h"

#include <stdlib.h>
#include <string.h>

/* Copies n bytes at stream offset 'off' into a ring of 'cap' bytes; the
 * caller guarantees n <= cap. */
static void ring_write(uint8_t *ring, size_t cap, uint64_t off, const uint8_t *p, size_t n)
{
    size_t pos = (size_t)(off & (cap - 1));
    size_t first = cap - pos < n ? cap - pos : n;
    memcpy(ring + pos, p, first);
    if (n > first)
        memcpy(ring, p + first, n - first);
}

/* Lowest offset whose byte the ring still holds. */
static uint64_t ring_low(const bm_tcp_dir *d)
{
    uint64_t lo = d->ring_valid_from;
    if (d->next_off > d->ring_cap && d->next_off - d->ring_cap > lo)
        lo = d->next_off - d->ring_cap;
    return lo;
}

/* Makes the ring hold at least 'need' bytes (up to the table's maximum).
 * On allocation failure the ring keeps its size: comparisons just reach
 * less far back. */
static void ring_reserve(bm_tcp_table *t, bm_tcp_dir *d, uint64_t need)
{
    if (d->ring_cap >= t->ring_max || need <= d->ring_cap)
        return;
    size_t cap = d->ring_cap ? d->ring_cap : BM_RING_MIN;
    while (cap < need && cap < t->ring_max)
        cap *= 2;
    if (cap > t->ring_max)
        cap = t->ring_max;
    if (!d->rsegs) {
        d->rsegs = calloc(BM_RING_SEGS, sizeof *d->rsegs);
        if (!d->rsegs)
            return;
        t->state_bytes += BM_RING_SEGS * sizeof *d->rsegs;
    }
    uint8_t *nr = malloc(cap);
    if (!nr)
        return;
    if (d->ring) {
        for (uint64_t x = ring_low(d); x < d->next_off;) {
            size_t pos = (size_t)(x & (d->ring_cap - 1));
            size_t chunk = d->ring_cap - pos;
            if (chunk > d->next_off - x)
                chunk = (size_t)(d->next_off - x);
            ring_write(nr, cap, x, d->ring + pos, chunk);
            x += chunk;
        }
        free(d->ring);
    }
    t->state_bytes += cap - d->ring_cap;
    d->ring = nr;
    d->ring_cap = cap;
}

void bm_ring_store(bm_tcp_table *t, bm_tcp_dir *d, uint64_t off, const uint8_t *p, uint32_t n,
                       uint64_t frame)
{
    if (!t->ring_max)
        return;
    ring_reserve(t, d, off + n - d->ring_valid_from);
    if (!d->ring)
        return;
    d->rsegs[d->rseg_next++ % BM_RING_SEGS] = (bm_ring_seg){off, off + n, frame};
    if (n > d->ring_cap) {
        p += n - d->ring_cap;
        off += n - d->ring_cap;
        n = (uint32_t)d->ring_cap;
    }
    ring_write(d->ring, d->ring_cap, off, p, n);
}

static uint64_t ring_frame_of(const bm_tcp_dir *d, uint64_t off)
{
    for (uint32_t i = 1; i <= BM_RING_SEGS; i++) {
        const bm_ring_seg *s = &d->rsegs[(d->rseg_next - i) % BM_RING_SEGS];
        if (s->end > s->start && off >= s->start && off < s->end)
            return s->frame;
    }
    return 0;
}

static void conflict_add(bm_tcp_dir *d, const bm_tcp_conflict *k)
{
    d->c.conflicting_retransmissions++;
    if (d->c.n_conflicts >= BM_MAX_CONFLICTS)
        return;
    if (!d->conflicts) {
        d->conflicts = calloc(BM_MAX_CONFLICTS, sizeof *d->conflicts);
        if (!d->conflicts)
            return;
    }
    d->conflicts[d->c.n_conflicts++] = *k;
}

/* Bytes [off, off+n) of 'p' were all delivered before: compare them with
 * the ring where it still holds them. */
void bm_ring_compare(bm_tcp_dir *d, uint64_t off, const uint8_t *p, uint32_t n, uint64_t frame)
{
    if (!d->ring || !n)
        return;
    uint64_t s = off > ring_low(d) ? off : ring_low(d);
    uint64_t e = off + n;
    if (e > d->next_off)
        e = d->next_off;
    if (s >= e)
        return;
    uint64_t first = UINT64_MAX;
    uint32_t differing = 0;
    size_t mask = d->ring_cap - 1;
    for (uint64_t x = s; x < e;) {
        size_t pos = (size_t)(x & mask);
        size_t chunk = d->ring_cap - pos;
        if (chunk > e - x)
            chunk = (size_t)(e - x);
        const uint8_t *a = d->ring + pos, *b = p + (x - off);
        if (memcmp(a, b, chunk) != 0) {
            for (size_t i = 0; i < chunk; i++) {
                if (a[i] != b[i]) {
                    if (first == UINT64_MAX)
                        first = x + i;
                    differing++;
                }
            }
        }
        x += chunk;
    }
    if (!differing)
        return;
    bm_tcp_conflict k;
    memset(&k, 0, sizeof k);
    k.stream_off = first;
    k.length = (uint32_t)(e - s);
    k.differing = differing;
    k.first_frame = ring_frame_of(d, first);
    k.second_frame = frame;
    k.saved = (uint32_t)(e - first < BM_CONFLICT_BYTES ? e - first : BM_CONFLICT_BYTES);
    for (uint32_t i = 0; i < k.saved; i++) {
        k.first[i] = d->ring[(size_t)((first + i) & mask)];
        k.second[i] = p[first - off + i];
    }
    conflict_add(d, &k);
}

/* Two queued copies of the same bytes: a = first copy, b = the new one. */
void bm_compare_copies(bm_tcp_dir *d, uint64_t off, const uint8_t *a, const uint8_t *b, uint32_t n,
                           uint64_t f1, uint64_t f2)
{
    if (memcmp(a, b, n) == 0)
        return;
    bm_tcp_conflict k;
    memset(&k, 0, sizeof k);
    uint32_t i = 0;
    while (a[i] == b[i])
        i++;
    k.stream_off = off + i;
    k.length = n;
    for (uint32_t j = i; j < n; j++)
        k.differing += a[j] != b[j];
    k.first_frame = f1;
    k.second_frame = f2;
    k.saved = n - i < BM_CONFLICT_BYTES ? n - i : BM_CONFLICT_BYTES;
    memcpy(k.first, a + i, k.saved);
    memcpy(k.second, b + i, k.saved);
    conflict_add(d, &k);
}
