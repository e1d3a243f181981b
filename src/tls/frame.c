/*
 * frame.c - record framing of one direction's byte stream.
 *
 * Bytes arrive in order in chunks of any size. A record wholly inside a
 * chunk is handed on in place (no copy); only a record split across chunks
 * whose payload is needed (handshake, alert, CCS, or the hook wants it) is
 * copied, so application data costs O(records) per chunk, not O(bytes).
 *
 * After garbage, a gap, or a capture that starts mid-stream, the direction
 * is RESYNChronised: bytes are buffered (at most BM_TLS_RBUF_CAP) and
 * scanned for a plausible header that is confirmed by the plausible header
 * of the record after it (resync.c). Only that path is O(bytes).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/proto.h"
#include "tls_int.h"

uint32_t bm_tls_hdr_len(const uint8_t h[5]) { return ((uint32_t)h[3] << 8) | h[4]; }

bool bm_tls_hdr_plausible(const uint8_t h[5])
{
    uint32_t len = bm_tls_hdr_len(h);
    return h[0] >= BM_CT_CHANGE_CIPHER_SPEC && h[0] <= BM_CT_HEARTBEAT && h[1] == 3 && h[2] <= 4 && len >= 1 && len <= BM_TLS_MAX_RECORD_LEN;
}

/* SSLv2-compatible ClientHello: 2-byte length with the high bit set, then
 * msg_type 1 and a version of SSL 2.0 or 3.x. */
bool bm_tls_v2_hello_plausible(const uint8_t h[5])
{
    uint32_t len = ((uint32_t)(h[0] & 0x7f) << 8) | h[1];
    bool ver = (h[3] == 3 && h[4] <= 4) || (h[3] == 0 && h[4] == 2);
    return (h[0] & 0x80) && h[2] == BM_HS_CLIENT_HELLO && ver && len >= 9;
}

/* A header that cannot be a record even in a stream that was in sync: a
 * version that is not 3.x, or a length over the protocol's limit with a
 * content type or minor version no TLS record has. A valid type and
 * version with a length over the limit is an oversized record (framed,
 * flagged by the record layer's size check). */
bool bm_tls_hdr_impossible(const uint8_t h[5])
{
    if (h[1] != 3)
        return true;
    if (bm_tls_hdr_len(h) <= BM_TLS_MAX_RECORD_LEN)
        return false;
    return h[0] < BM_CT_CHANGE_CIPHER_SPEC || h[0] > BM_CT_HEARTBEAT || h[2] > 4;
}

bool bm_tls_want_payload(const bm_tls_conn *c, uint8_t type)
{
    return type == BM_CT_CHANGE_CIPHER_SPEC || type == BM_CT_ALERT || type == BM_CT_HANDSHAKE || (c->t->has_hook && c->t->hook.want_payload);
}

/* Grow the record buffer to hold 'need' bytes (need <= BM_TLS_RBUF_CAP). */
bool bm_tls_buf_reserve(bm_tls_dir *d, size_t need)
{
    if (need <= d->buf_cap)
        return true;
    if (need > BM_TLS_RBUF_CAP)
        return false;
    size_t cap = d->buf_cap ? d->buf_cap : 512;
    while (cap < need)
        cap *= 2;
    if (cap > BM_TLS_RBUF_CAP)
        cap = BM_TLS_RBUF_CAP;
    uint8_t *nb = realloc(d->buf, cap);
    if (!nb)
        return false;
    d->buf = nb;
    d->buf_cap = cap;
    return true;
}

void bm_tls_to_resync(bm_tls_conn *c, int side, uint64_t off)
{
    bm_tls_dir *d = &c->dir[side];
    d->state = BM_FS_RESYNC;
    d->buf_have = 0;
    d->buf_off = off;
    d->n_bmap = 0;
    d->hdr_have = 0;
}

void bm_tls_complain_header(bm_tls_conn *c, int side, const uint8_t h[5], uint64_t off, uint64_t frame)
{
    char what[160];
    snprintf(what, sizeof what,
             "impossible TLS record header (type %u, version 0x%02x%02x, length %" PRIu32
             ") at stream offset %" PRIu64 " (%s); resynchronising",
             h[0], h[1], h[2], bm_tls_hdr_len(h), off, bm_tls_dir_name(c, side));
    if (c->t->diag)
        bm_diag_notice(c->t->diag, frame, "%s", what);
    bm_tls_finding(c, &(bm_finding){.code = BM_F_RECORD_HEADER_IMPOSSIBLE, .role = (uint8_t)side, .frame = frame,
                                    .stream_off = off, .arg = {h[0], (h[1] << 8) | h[2], bm_tls_hdr_len(h)}});
}

/* A record is complete: reset for the next header, then account for it. */
void bm_tls_complete_record(bm_tls_conn *c, int side, const uint8_t *payload, uint64_t frame)
{
    bm_tls_dir *d = &c->dir[side];
    uint8_t h[5];
    memcpy(h, d->hdr, 5);
    uint32_t len = d->rec_len;
    uint64_t off = d->rec_off;
    bool v2 = d->rec_v2, lost = d->rec_lost, keep = d->rec_keep;
    d->state = BM_FS_HDR;
    d->hdr_have = 0;
    d->rec_v2 = false;
    d->rec_off = off + (v2 ? 2u : 5u) + len;
    if (lost || !keep)
        payload = NULL;
    if (v2)
        bm_tls_record_v2(c, side, len, payload, frame);
    else
        bm_tls_record(c, side, h, len, payload, frame, off);
}

static void begin_body(bm_tls_conn *c, int side, uint64_t frame)
{
    bm_tls_dir *d = &c->dir[side];
    d->rec_len = bm_tls_hdr_len(d->hdr);
    d->rec_got = 0;
    d->rec_lost = false;
    d->rec_v2 = false;
    d->rec_keep = bm_tls_want_payload(c, d->hdr[0]);
    d->state = BM_FS_BODY;
    if (d->rec_len == 0)
        bm_tls_complete_record(c, side, NULL, frame);
}

static void header_complete(bm_tls_conn *c, int side, uint64_t frame)
{
    bm_tls_dir *d = &c->dir[side];
    const uint8_t *h = d->hdr;
    if (!d->started) {
        if (d->rec_off == 0 && !bm_tls_hdr_plausible(h) && bm_tls_v2_hello_plausible(h)) {
            d->started = true;
            d->rec_v2 = true;
            d->rec_len = ((uint32_t)(h[0] & 0x7f) << 8) | h[1];
            d->rec_keep = true;
            d->rec_lost = !bm_tls_buf_reserve(d, d->rec_len);
            if (!d->rec_lost)
                memcpy(d->buf, h + 2, 3);
            d->rec_got = 3;
            d->state = BM_FS_BODY;
            return;
        }
        if (d->rec_off != 0 || !bm_tls_hdr_plausible(h)) {
            /* Not a record start: scan these bytes again from the next one. */
            uint8_t keep[5];
            memcpy(keep, h, 5);
            bm_tls_to_resync(c, side, d->rec_off);
            if (bm_tls_buf_reserve(d, 5)) {
                memcpy(d->buf, keep, 5);
                d->buf_have = 5;
                bm_tls_bmap_add(d, d->buf_off + 5, frame);
            }
            return;
        }
        d->started = true;
    } else if (bm_tls_hdr_impossible(h)) {
        bm_tls_complain_header(c, side, h, d->rec_off, frame);
        uint8_t keep[4];
        memcpy(keep, h + 1, 4);
        c->conn->rec[side].unparsed_bytes += 1;
        bm_tls_to_resync(c, side, d->rec_off + 1);
        if (bm_tls_buf_reserve(d, 4)) {
            memcpy(d->buf, keep, 4);
            d->buf_have = 4;
            bm_tls_bmap_add(d, d->buf_off + 4, frame);
        }
        return;
    }
    begin_body(c, side, frame);
}

/* The record being framed got its bytes below stream offset 'end' from
 * the frame of m. A new record (nothing of its header yet) starts a new
 * map; one begun in the resync buffer has none. */
static void rseg_add(bm_tls_dir *d, uint64_t end, const bm_seg_meta *m)
{
    if (d->rseg_lost)
        return;
    if (d->n_rseg && d->rseg[d->n_rseg - 1].frame == m->frame) {
        d->rseg[d->n_rseg - 1].end = end;
        return;
    }
    if (d->n_rseg == BM_TLS_RSEG) {
        d->rseg_lost = true;
        return;
    }
    d->rseg[d->n_rseg++] = (bm_tls_seg){end, m->frame, m->seg_off};
}

static size_t take_hdr(bm_tls_conn *c, int side, const uint8_t *p, size_t n, const bm_seg_meta *m)
{
    bm_tls_dir *d = &c->dir[side];
    uint64_t frame = m->frame;
    size_t k = 5 - d->hdr_have;
    if (k > n)
        k = n;
    if (d->hdr_have == 0) {
        d->n_rseg = 0;
        d->rseg_lost = false;
    }
    rseg_add(d, d->rec_off + d->hdr_have + k, m);
    memcpy(d->hdr + d->hdr_have, p, k);
    d->hdr_have += (unsigned)k;
    if (d->hdr_have == 5)
        header_complete(c, side, frame);
    return k;
}

static size_t take_body(bm_tls_conn *c, int side, const uint8_t *p, size_t n, const bm_seg_meta *m)
{
    bm_tls_dir *d = &c->dir[side];
    uint64_t frame = m->frame;
    size_t k = d->rec_len - d->rec_got;
    if (k > n)
        k = n;
    rseg_add(d, d->rec_off + (d->rec_v2 ? 2u : 5u) + d->rec_got + k, m);
    if (d->rec_keep && d->rec_got == 0 && k == d->rec_len) {
        /* The whole payload is in this chunk: hand it on in place. */
        d->rec_got = d->rec_len;
        bm_tls_complete_record(c, side, p, frame);
        return k;
    }
    if (d->rec_keep && !d->rec_lost) {
        if (bm_tls_buf_reserve(d, d->rec_len)) {
            memcpy(d->buf + d->rec_got, p, k);
        } else {
            d->rec_lost = true;
            bm_tls_finding(c, &(bm_finding){.code = BM_F_RECORD_OUT_OF_MEMORY, .role = (uint8_t)side});
        }
    }
    d->rec_got += (uint32_t)k;
    if (d->rec_got == d->rec_len)
        bm_tls_complete_record(c, side, d->buf, frame);
    return k;
}

void bm_tls_frame_data(bm_tls_conn *c, int side, uint64_t off, const uint8_t *p, size_t n,
                       const bm_seg_meta *m)
{
    bm_tls_dir *d = &c->dir[side];
    if (off < d->next_off) {
        /* Overlap with bytes already framed: the capture stage resolved
         * retransmissions; only the new tail matters. */
        uint64_t dup = d->next_off - off;
        if (dup >= n)
            return;
        p += dup;
        n -= (size_t)dup;
        off = d->next_off;
    } else if (off > d->next_off) {
        bm_tls_frame_gap(c, side, d->next_off, off - d->next_off, m);
    }
    d->next_off = off + n;
    while (n > 0) {
        size_t used;
        switch (d->state) {
        case BM_FS_HDR:
            used = take_hdr(c, side, p, n, m);
            break;
        case BM_FS_BODY:
            used = take_body(c, side, p, n, m);
            break;
        case BM_FS_RESYNC:
            used = bm_tls_take_resync(c, side, p, n, m->frame);
            break;
        default:
            return;
        }
        p += used;
        n -= used;
    }
}

void bm_tls_frame_gap(bm_tls_conn *c, int side, uint64_t off, uint64_t len, const bm_seg_meta *m)
{
    bm_tls_dir *d = &c->dir[side];
    if (off + len > d->next_off)
        d->next_off = off + len;
    if (d->state == BM_FS_OFF || len == 0)
        return;
    d->tail_lost = true; /* until a record completes after it */
    bm_tls_finding(c, &(bm_finding){.code = BM_F_CAPTURE_GAP, .role = (uint8_t)side, .stream_off = off,
                                    .arg = {(int64_t)len}});
    if (d->state == BM_FS_BODY && !d->rec_v2) {
        /* Inside a record whose header we have: its end is known, so
         * framing survives and only this record's payload is lost. */
        uint64_t pos = d->rec_off + 5 + d->rec_got;
        uint64_t end = d->rec_off + 5 + d->rec_len;
        if (off == pos && len <= end - pos) {
            d->rec_lost = true;
            d->rec_got += (uint32_t)len;
            if (d->rec_got == d->rec_len)
                bm_tls_complete_record(c, side, NULL, m->frame);
            return;
        }
    }
    bm_dir_records *r = &c->conn->rec[side];
    if (d->state == BM_FS_BODY)
        r->unparsed_bytes += (d->rec_v2 ? 2u : 5u) + d->rec_got;
    else if (d->state == BM_FS_HDR)
        r->unparsed_bytes += d->hdr_have;
    else
        r->unparsed_bytes += d->buf_have;
    /* Handshake messages across the gap are lost with it. */
    d->hs_have = 0;
    d->hs_skip = 0;
    bm_tls_to_resync(c, side, off + len);
}

void bm_tls_frame_end(bm_tls_conn *c, int side)
{
    bm_tls_dir *d = &c->dir[side];
    if (d->state == BM_FS_RESYNC)
        bm_tls_resync_scan(c, side, true);
    /* The side itself ended (FIN/RST) inside a record: it cut its own record. */
    if (d->fin && c->conn->close[side].ended &&
        (d->state == BM_FS_BODY || (d->state == BM_FS_HDR && d->hdr_have > 0 && d->started)))
        c->conn->close[side].mid_record = true;
    /* Its last bytes were not captured: what it sent before its end (a
     * close_notify?) is not known. */
    if (c->conn->close[side].ended) {
        c->conn->close[side].tail_lost = d->tail_lost;
        c->conn->close[side].peer_data_after = c->dir[!side].data_after_peer_fin;
    }
    if (d->state == BM_FS_BODY) {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_CAPTURE_ENDS_IN_RECORD, .role = (uint8_t)side,
                                        .stream_off = d->rec_off, .arg = {d->rec_got, d->rec_len}});
    } else if (d->state == BM_FS_HDR && d->hdr_have > 0 && d->started) {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_CAPTURE_ENDS_IN_HEADER, .role = (uint8_t)side,
                                        .stream_off = d->rec_off});
    }
    if (d->state != BM_FS_OFF)
        bm_tls_hs_end(c, side);
    d->state = BM_FS_OFF;
}
