/*
 * faults.c - what each fault does to one record: byte faults change the
 * record in place, placement faults only set flags that plan.c acts on.
 * Pure, like plan.c: every random choice is a hash of the seed (relay.h).
 */
#include "plan_int.h"

#include <string.h>

/* Random-draw slots of one (fault, record): k = 0 offset, 1 bit, 2.. data. */
enum { K_OFFSET = 0, K_BIT = 1, K_DATA = 2 };

static uint64_t draw(const bm_relay_dir *d, unsigned fi, uint64_t k)
{
    return bm_relay_hash(d->cfg->seed, d->conn, (uint64_t)d->dir, fi, d->records, k);
}

static bm_relay_event *new_event(const bm_relay_dir *d, bm_relay_work *w, const char *name)
{
    if (w->nev == BM_RELAY_EV_MAX)
        return NULL;
    bm_relay_event *ev = &w->ev[w->nev++];
    memset(ev, 0, sizeof *ev);
    ev->conn = d->conn;
    ev->dir = d->dir;
    ev->fault = name;
    ev->record_index = (int64_t)d->records;
    ev->type = w->type;
    ev->length = w->hdr_len;
    ev->record_offset = -1;
    ev->stream_offset = BM_RELAY_OFF_PENDING;
    ev->bit = -1;
    ev->value = -1;
    return ev;
}

static size_t body_len(const bm_relay_work *w) { return w->len - 5; }

/* The body offset a fault names, or -1 when it is outside the body. */
static int64_t resolve_offset(const bm_relay_dir *d, unsigned fi, const bm_relay_work *w)
{
    const bm_relay_fault *f = &d->cfg->faults[fi];
    int64_t blen = (int64_t)body_len(w);
    if (blen == 0)
        return -1;
    if (f->offset_rand)
        return (int64_t)(draw(d, fi, K_OFFSET) % (uint64_t)blen);
    int64_t o = f->offset < 0 ? blen + f->offset : f->offset;
    return (o >= 0 && o < blen) ? o : -1;
}

static void flip_one(bm_relay_work *w, bm_relay_event *ev, int64_t off, int bit)
{
    if (!ev)
        return;
    uint8_t *b = &w->rec[5 + off];
    ev->record_offset = off;
    ev->bit = bit;
    ev->n = 1;
    ev->orig[0] = *b;
    *b ^= (uint8_t)(1u << bit);
    ev->repl[0] = *b;
}

static void fault_flip_bits(const bm_relay_dir *d, unsigned fi, bm_relay_work *w)
{
    const bm_relay_fault *f = &d->cfg->faults[fi];
    uint64_t nbits = (uint64_t)body_len(w) * 8, chosen[BM_RELAY_MAX_BITS];
    unsigned have = 0;
    /* distinct positions, so no flip undoes another; bounded attempts */
    for (uint64_t k = 0; have < (uint64_t)f->n && have < nbits && k < 64 * BM_RELAY_MAX_BITS; k++) {
        uint64_t pos = draw(d, fi, K_DATA + k) % nbits;
        unsigned j;
        for (j = 0; j < have && chosen[j] != pos; j++)
            ;
        if (j < have)
            continue;
        chosen[have++] = pos;
        flip_one(w, new_event(d, w, "flip-bits"), (int64_t)(pos / 8), (int)(pos % 8));
    }
}

static void fault_burst(const bm_relay_dir *d, unsigned fi, bm_relay_work *w, int64_t off)
{
    const bm_relay_fault *f = &d->cfg->faults[fi];
    bm_relay_event *ev = new_event(d, w, "burst");
    if (!ev)
        return;
    size_t n = (size_t)f->n, avail = body_len(w) - (size_t)off;
    if (n > avail)
        n = avail;
    uint8_t *b = &w->rec[5 + off];
    ev->record_offset = off;
    ev->value = (int64_t)n;
    ev->n = n < BM_RELAY_HEX_MAX ? n : BM_RELAY_HEX_MAX;
    memcpy(ev->orig, b, ev->n);
    uint64_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0)
            r = draw(d, fi, K_DATA + i / 8);
        b[i] = (uint8_t)(r >> (8 * (i % 8)));
    }
    memcpy(ev->repl, b, ev->n);
}

static void fault_truncate(const bm_relay_dir *d, bm_relay_work *w, const bm_relay_fault *f)
{
    int keep = f->kind == BM_FAULT_TRUNCATE_KEEP;
    bm_relay_event *ev = new_event(d, w, keep ? "truncate-keep" : "truncate");
    if (!ev)
        return;
    size_t blen = body_len(w), n = (size_t)f->n < blen ? (size_t)f->n : blen;
    ev->record_offset = (int64_t)(blen - n);
    ev->value = (int64_t)n;
    ev->n = n < BM_RELAY_HEX_MAX ? n : BM_RELAY_HEX_MAX;
    memcpy(ev->orig, &w->rec[5 + blen - n], ev->n);
    w->len -= n;
    if (!keep) {
        w->rec[3] = (uint8_t)((blen - n) >> 8);
        w->rec[4] = (uint8_t)(blen - n);
    }
}

void bm_relay_apply_fault(const bm_relay_dir *d, unsigned fi, bm_relay_work *w)
{
    const bm_relay_fault *f = &d->cfg->faults[fi];
    const char *name = bm_relay_kind_name(f->kind);
    bm_relay_event *ev;
    int64_t off;
    switch (f->kind) {
    case BM_FAULT_FLIP:
    case BM_FAULT_BURST:
        off = resolve_offset(d, fi, w);
        if (off < 0) {
            if ((ev = new_event(d, w, name)) != NULL) {
                ev->note = "skipped: offset outside the record body";
                ev->stream_offset = -1;
            }
        } else if (f->kind == BM_FAULT_FLIP) {
            int bit = f->bit >= 0 ? f->bit : (int)(draw(d, fi, K_BIT) % 8);
            flip_one(w, new_event(d, w, name), off, bit);
        } else {
            fault_burst(d, fi, w, off);
        }
        return;
    case BM_FAULT_FLIP_BITS:
        fault_flip_bits(d, fi, w);
        return;
    case BM_FAULT_TRUNCATE:
    case BM_FAULT_TRUNCATE_KEEP:
        fault_truncate(d, w, f);
        return;
    case BM_FAULT_DROP:
        w->drop = 1;
        break;
    case BM_FAULT_DUP:
        w->dup = 1;
        break;
    case BM_FAULT_SWAP:
        w->swap = 1;
        break;
    case BM_FAULT_MERGE:
        w->merge = 1;
        break;
    case BM_FAULT_CUT:
        w->cut = 1;
        break;
    case BM_FAULT_SEGMENT:
        w->segment = f;
        break;
    case BM_FAULT_DELAY:
        w->delay_ms = f->n;
        break;
    default:
        return;
    }
    if ((ev = new_event(d, w, name)) != NULL && f->kind == BM_FAULT_DELAY)
        ev->value = f->n;
}
