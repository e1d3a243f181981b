/*
 * out.c - the queue of bytes (and pacing marks) waiting to be written in
 * one direction. Its size is bounded by the event loop, which stops reading
 * from the source while the queue is over BM_RELAY_OUT_CAP (loop.h).
 */
#include "relay.h"

#include <stdlib.h>
#include <string.h>

void bm_relay_out_init(bm_relay_out *o)
{
    memset(o, 0, sizeof *o);
}

void bm_relay_out_free(bm_relay_out *o)
{
    free(o->buf);
    free(o->marks);
    memset(o, 0, sizeof *o);
}

bm_result bm_relay_out_append(bm_relay_out *o, const uint8_t *p, size_t n)
{
    if (n == 0)
        return BM_SUCCESS;
    if (o->head + o->len + n > o->cap) {
        /* slide the pending bytes down before growing */
        if (o->head) {
            memmove(o->buf, o->buf + o->head, o->len);
            o->head = 0;
        }
        if (o->len + n > o->cap) {
            size_t cap = o->cap ? o->cap : 16384;
            while (cap < o->len + n)
                cap *= 2;
            uint8_t *b = realloc(o->buf, cap);
            BM_ENSURE(b != NULL, BM_ERR_NOMEM);
            o->buf = b;
            o->cap = cap;
        }
    }
    memcpy(o->buf + o->head + o->len, p, n);
    o->len += n;
    return BM_SUCCESS;
}

bm_result bm_relay_out_mark(bm_relay_out *o, uint64_t at, uint32_t ms, int cut)
{
    if (o->nmarks == o->markcap) {
        if (o->markhead) {
            memmove(o->marks, o->marks + o->markhead,
                    (o->nmarks - o->markhead) * sizeof *o->marks);
            o->nmarks -= o->markhead;
            o->markhead = 0;
        }
        if (o->nmarks == o->markcap) {
            size_t cap = o->markcap ? o->markcap * 2 : 16;
            bm_relay_mark *m = realloc(o->marks, cap * sizeof *m);
            BM_ENSURE(m != NULL, BM_ERR_NOMEM);
            o->marks = m;
            o->markcap = cap;
        }
    }
    bm_relay_mark *m = &o->marks[o->nmarks++];
    m->at = at;
    m->ms = ms;
    m->cut = cut;
    return BM_SUCCESS;
}

const bm_relay_mark *bm_relay_out_next_mark(const bm_relay_out *o)
{
    return o->markhead < o->nmarks ? &o->marks[o->markhead] : NULL;
}

void bm_relay_out_pop_mark(bm_relay_out *o)
{
    if (o->markhead < o->nmarks)
        o->markhead++;
    if (o->markhead == o->nmarks)
        o->markhead = o->nmarks = 0;
}

void bm_relay_out_consume(bm_relay_out *o, size_t n)
{
    if (n > o->len)
        n = o->len;
    o->head += n;
    o->len -= n;
    o->base += n;
    if (o->len == 0)
        o->head = 0;
}
