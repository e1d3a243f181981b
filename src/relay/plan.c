/*
 * plan.c - TLS record framing of one direction and the placement of each
 * record in the outgoing stream (the faults themselves are in faults.c).
 * Pure: no sockets, no clock, no global state (see relay.h).
 *
 * Order inside one record: byte faults (flip, flip-bits, burst, truncate)
 * in command-line order, then placement (cut, drop, swap, dup, delay,
 * segment). Log entries are emitted when the record is placed in the
 * outgoing stream, because only then is its stream offset known.
 */
#include "plan_int.h"

#include <string.h>

#include "../proto/proto.h"
#include "../wire/cur.h"

void bm_relay_dir_init(bm_relay_dir *d, const bm_relay_cfg *cfg, uint64_t conn, int dir)
{
    memset(d, 0, sizeof *d);
    d->cfg = cfg;
    d->conn = conn;
    d->dir = dir;
}

static void report(bm_relay_event *ev, unsigned nev, uint64_t start, bm_relay_event_fn fn, void *ud)
{
    for (unsigned i = 0; i < nev; i++) {
        if (ev[i].stream_offset != BM_RELAY_OFF_PENDING)
            ; /* skipped or not sent: already final */
        else if (ev[i].record_offset >= 0)
            ev[i].stream_offset = (int64_t)(start + 5 + (uint64_t)ev[i].record_offset);
        else
            ev[i].stream_offset = (int64_t)start;
        if (fn)
            fn(ud, &ev[i]);
    }
}

/* Place one record in the outgoing stream, with its pacing marks. */
static bm_result place(bm_relay_out *out, const uint8_t *rec, size_t len, int64_t delay_ms,
                       const bm_relay_fault *seg)
{
    uint64_t start = bm_relay_out_end(out);
    if (delay_ms >= 0)
        BM_GUARD(bm_relay_out_mark(out, start, (uint32_t)delay_ms, 0));
    if (seg) {
        /* a pause before the record too, so it does not share a segment */
        BM_GUARD(bm_relay_out_mark(out, start, BM_RELAY_SEG_PAUSE_MS, 0));
        uint64_t pos = start;
        for (unsigned i = 0; i < seg->nsizes; i++) {
            pos += seg->sizes[i];
            if (pos >= start + len)
                break;
            BM_GUARD(bm_relay_out_mark(out, pos, BM_RELAY_SEG_PAUSE_MS, 0));
        }
        /* and after it, so its last piece leaves alone too */
        BM_GUARD(bm_relay_out_mark(out, start + len, BM_RELAY_SEG_PAUSE_MS, 0));
    }
    return bm_relay_out_append(out, rec, len);
}

static bm_result release_held(bm_relay_dir *d, bm_relay_out *out, bm_relay_event_fn fn, void *ud)
{
    bm_relay_held *h = &d->held;
    if (!h->used)
        return BM_SUCCESS;
    h->used = 0;
    report(h->ev, h->nev, bm_relay_out_end(out), fn, ud);
    return bm_relay_out_append(out, h->rec, h->len);
}

/* The record after a --merge: one header (the held record's type and
 * version, the two bodies' length) over both bodies, as a path that
 * coalesces records would send it: longer than the protocol allows when
 * the bodies are large. Bodies that would not fit the 16-bit length field
 * go out as they came. */
static int merge_held(bm_relay_dir *d, bm_relay_work *w, bm_relay_out *out, bm_relay_event_fn fn, void *ud)
{
    bm_relay_held *h = &d->held;
    if (!h->used || !h->merge || w->cut || w->drop || h->len + w->len - 10 > 0xffff)
        return 0;
    size_t body = h->len - 5 + w->len - 5;
    uint8_t hdr[5] = {h->rec[0], h->rec[1], h->rec[2], (uint8_t)(body >> 8), (uint8_t)body};
    uint64_t start = bm_relay_out_end(out);
    for (unsigned i = 0; i < h->nev; i++)
        if (strcmp(h->ev[i].fault, "merge") == 0)
            h->ev[i].value = (int64_t)body;
    h->used = h->merge = 0;
    if (!bm_is_ok(bm_relay_out_append(out, hdr, 5)) || !bm_is_ok(bm_relay_out_append(out, h->rec + 5, h->len - 5)) ||
        !bm_is_ok(bm_relay_out_append(out, w->rec + 5, w->len - 5)))
        return 0;
    report(h->ev, h->nev, start, fn, ud);
    for (unsigned i = 0; i < w->nev; i++)
        w->ev[i].note = "merged into the previous record";
    report(w->ev, w->nev, start + h->len - 5, fn, ud);
    return 1;
}

static bm_result finish_record(bm_relay_dir *d, bm_relay_work *w, bm_relay_out *out,
                               bm_relay_event_fn fn, void *ud)
{
    if (merge_held(d, w, out, fn, ud))
        return BM_SUCCESS;
    if (w->cut) {
        BM_GUARD(release_held(d, out, fn, ud));
        report(w->ev, w->nev, bm_relay_out_end(out), fn, ud);
        d->cut = 1;
        return bm_relay_out_mark(out, bm_relay_out_end(out), 0, 1);
    }
    if (w->drop) {
        /* nothing of it is sent: the drop entry gives where it would have
         * started, changes made to it before the drop have no offset */
        for (unsigned i = 0; i < w->nev; i++) {
            bm_relay_event *ev = &w->ev[i];
            ev->stream_offset = strcmp(ev->fault, "drop") == 0 ? (int64_t)bm_relay_out_end(out) : -1;
            ev->note = "record not sent";
        }
        report(w->ev, w->nev, 0, fn, ud);
        return release_held(d, out, fn, ud);
    }
    if ((w->swap || w->merge) && !d->held.used) {
        bm_relay_held *h = &d->held;
        h->used = 1;
        h->merge = w->merge;
        h->len = w->len;
        memcpy(h->rec, w->rec, w->len);
        memcpy(h->ev, w->ev, w->nev * sizeof w->ev[0]);
        h->nev = w->nev;
        return BM_SUCCESS;
    }
    if (w->swap) {
        for (unsigned i = 0; i < w->nev; i++)
            if (strcmp(w->ev[i].fault, "swap") == 0)
                w->ev[i].note = "ignored: this record completes the previous swap";
    }
    uint64_t start = bm_relay_out_end(out);
    BM_GUARD(place(out, w->rec, w->len, w->delay_ms, w->segment));
    report(w->ev, w->nev, start, fn, ud);
    if (w->dup) {
        bm_relay_event ev = w->ev[0];
        ev.fault = "dup-copy";
        ev.record_offset = -1;
        ev.bit = -1;
        ev.value = -1;
        ev.n = 0;
        ev.note = NULL;
        ev.stream_offset = BM_RELAY_OFF_PENDING;
        report(&ev, 1, bm_relay_out_end(out), fn, ud);
        BM_GUARD(bm_relay_out_append(out, w->rec, w->len));
    }
    return release_held(d, out, fn, ud);
}

static bm_result process_record(bm_relay_dir *d, bm_relay_out *out, bm_relay_event_fn fn, void *ud)
{
    bm_relay_work w;
    w.rec = d->in;
    w.len = d->inlen;
    w.type = d->in[0];
    w.hdr_len = (int64_t)(d->inlen - 5);
    w.nev = 0;
    w.drop = w.dup = w.swap = w.cut = w.merge = 0;
    w.delay_ms = -1;
    w.segment = NULL;
    int64_t app = w.type == BM_CT_APPLICATION_DATA ? (int64_t)d->app_records : -1;
    for (unsigned fi = 0; fi < d->cfg->nfaults; fi++)
        if (bm_relay_sel_match(d->cfg, fi, d->conn, d->dir, d->records, w.type,
                               (size_t)w.hdr_len, app))
            bm_relay_apply_fault(d, fi, &w);
    /* placement of a record without events needs no report */
    bm_result r = finish_record(d, &w, out, fn, ud);
    d->records++;
    if (w.type == BM_CT_APPLICATION_DATA)
        d->app_records++;
    d->inlen = 0;
    return r;
}

/* Why a header is not TLS, or NULL when it is plausible. */
static const char *bad_header(const uint8_t *h, size_t *body)
{
    bm_cur c = bm_cur_make(h, 5);
    uint8_t type = bm_get_u8(&c);
    uint16_t version = bm_get_u16(&c);
    uint16_t len = bm_get_u16(&c);
    *body = len;
    if (!bm_cur_done(&c))
        return "short header";
    if (type < BM_CT_CHANGE_CIPHER_SPEC || type > BM_CT_HEARTBEAT)
        return "not a TLS content type";
    if (version < BM_SSL3 || version > BM_TLS13)
        return "not a TLS record version";
    if (len > BM_RELAY_BODY_MAX)
        return "record length over 2^14+2048";
    return NULL;
}

static bm_result go_passthrough(bm_relay_dir *d, const char *why, bm_relay_out *out,
                                bm_relay_event_fn fn, void *ud)
{
    bm_relay_event ev;
    memset(&ev, 0, sizeof ev);
    ev.conn = d->conn;
    ev.dir = d->dir;
    ev.fault = "passthrough";
    ev.record_index = (int64_t)d->records;
    ev.type = d->in[0];
    ev.length = -1;
    ev.record_offset = -1;
    ev.stream_offset = (int64_t)bm_relay_out_end(out);
    ev.bit = -1;
    ev.value = -1;
    ev.note = why;
    ev.n = d->inlen < BM_RELAY_HEX_MAX ? d->inlen : BM_RELAY_HEX_MAX;
    memcpy(ev.orig, d->in, ev.n);
    memcpy(ev.repl, d->in, ev.n);
    if (fn)
        fn(ud, &ev);
    d->passthrough = 1;
    BM_GUARD(release_held(d, out, fn, ud));
    bm_result r = bm_relay_out_append(out, d->in, d->inlen);
    d->inlen = 0;
    return r;
}

bm_result bm_relay_dir_feed(bm_relay_dir *d, const uint8_t *p, size_t n, bm_relay_out *out,
                            bm_relay_event_fn fn, void *ud)
{
    while (n > 0) {
        if (d->cut)
            return BM_SUCCESS;
        if (d->passthrough)
            return bm_relay_out_append(out, p, n);
        size_t body = 0, want = 5;
        if (d->inlen >= 5) {
            (void)bad_header(d->in, &body);
            want = 5 + body;
        }
        size_t take = want - d->inlen < n ? want - d->inlen : n;
        memcpy(d->in + d->inlen, p, take);
        d->inlen += take;
        p += take;
        n -= take;
        if (d->inlen == 5) {
            const char *why = bad_header(d->in, &body);
            if (why) {
                BM_GUARD(go_passthrough(d, why, out, fn, ud));
                continue;
            }
        }
        if (d->inlen >= 5) {
            (void)bad_header(d->in, &body);
            if (d->inlen == 5 + body)
                BM_GUARD(process_record(d, out, fn, ud));
        }
    }
    return BM_SUCCESS;
}

bm_result bm_relay_dir_eof(bm_relay_dir *d, bm_relay_out *out, bm_relay_event_fn fn, void *ud)
{
    if (d->cut)
        return BM_SUCCESS;
    BM_GUARD(release_held(d, out, fn, ud));
    /* a record cut short by the sender is forwarded as it came */
    bm_result r = bm_relay_out_append(out, d->in, d->inlen);
    d->inlen = 0;
    return r;
}
