/*
 * resync.c - finding records again after garbage, a gap, or a capture that
 * starts mid-stream.
 *
 * Bytes are buffered (at most BM_TLS_RBUF_CAP) and scanned for a plausible
 * header confirmed by the plausible header of the record after it (or, for
 * a ClientHello, by its own consistent length; at the end of the stream,
 * by the record ending exactly there). Confirmed records in the buffer are
 * framed in place. This is the only O(bytes) path of the framer.
 */
#include <string.h>

#include "../proto/proto.h"
#include "tls_int.h"

/* Chunk boundaries of the resync buffer: bmap[i].end is the stream offset
 * one past the last byte that came in frame bmap[i].frame. When the map is
 * full the two oldest entries merge (the later frame wins): only records
 * assembled from very many tiny segments lose frame precision. */
void bm_tls_bmap_add(bm_tls_dir *d, uint64_t end, uint64_t frame)
{
    if (d->n_bmap && d->bmap[d->n_bmap - 1].frame == frame) {
        d->bmap[d->n_bmap - 1].end = end;
        return;
    }
    if (d->n_bmap == BM_TLS_BMAP) {
        memmove(&d->bmap[0], &d->bmap[1], (BM_TLS_BMAP - 1) * sizeof d->bmap[0]);
        d->n_bmap--;
    }
    d->bmap[d->n_bmap].end = end;
    d->bmap[d->n_bmap].frame = frame;
    d->n_bmap++;
}

static uint64_t bmap_frame(const bm_tls_dir *d, uint64_t off)
{
    for (unsigned i = 0; i < d->n_bmap; i++)
        if (d->bmap[i].end > off)
            return d->bmap[i].frame;
    return d->n_bmap ? d->bmap[d->n_bmap - 1].frame : 0;
}

/* Forget the first k buffered bytes: they are not part of any record. */
static void buf_drop(bm_tls_conn *c, int side, size_t k)
{
    bm_tls_dir *d = &c->dir[side];
    if (k > d->buf_have)
        k = d->buf_have;
    if (k == 0)
        return;
    memmove(d->buf, d->buf + k, d->buf_have - k);
    d->buf_have -= k;
    d->buf_off += k;
    c->conn->rec[side].unparsed_bytes += k;
    unsigned j = 0;
    while (j < d->n_bmap && d->bmap[j].end <= d->buf_off)
        j++;
    memmove(&d->bmap[0], &d->bmap[j], (d->n_bmap - j) * sizeof d->bmap[0]);
    d->n_bmap -= j;
}

/* Frame the records at the front of the (just confirmed) resync buffer in
 * place, and keep the partial record that ends it. Returns false when an
 * impossible header sent the direction back to RESYNC. */
static bool drain_buffer(bm_tls_conn *c, int side)
{
    bm_tls_dir *d = &c->dir[side];
    size_t pos = 0, have = d->buf_have;
    d->rseg_lost = true; /* these records and the partial one: frames not mapped */
    while (have - pos >= 5) {
        const uint8_t *h = d->buf + pos;
        uint64_t off = d->buf_off + pos;
        if (bm_tls_hdr_impossible(h)) {
            bm_tls_complain_header(c, side, h, off, bmap_frame(d, off + 4));
            buf_drop(c, side, pos + 1);
            return false;
        }
        uint32_t len = bm_tls_hdr_len(h);
        if (have - pos - 5 < len)
            break;
        memcpy(d->hdr, h, 5);
        d->rec_off = off;
        d->rec_len = len;
        d->rec_v2 = false;
        d->rec_lost = false;
        d->rec_keep = true; /* the bytes are here anyway */
        bm_tls_complete_record(c, side, h + 5, bmap_frame(d, off + 5 + len - (len ? 1 : 0)));
        pos += 5 + (size_t)len;
    }
    size_t tail = have - pos;
    d->rec_off = d->buf_off + pos;
    d->n_bmap = 0;
    d->buf_have = 0;
    if (tail < 5) {
        memcpy(d->hdr, d->buf + pos, tail);
        d->hdr_have = (unsigned)tail;
        d->state = BM_FS_HDR;
        return true;
    }
    memcpy(d->hdr, d->buf + pos, 5);
    d->hdr_have = 5;
    d->rec_len = bm_tls_hdr_len(d->hdr);
    d->rec_got = (uint32_t)(tail - 5);
    d->rec_lost = false;
    d->rec_v2 = false;
    d->rec_keep = bm_tls_want_payload(c, d->hdr[0]);
    if (d->rec_keep)
        memmove(d->buf, d->buf + pos + 5, tail - 5);
    d->state = BM_FS_BODY;
    return true;
}

/* A handshake record that starts with a ClientHello of a consistent length
 * needs no confirmation by the next header (the client waits for the
 * server before it sends more). */
static bool is_hello_record(const uint8_t *r, size_t have)
{
    if (have < 9 || r[0] != BM_CT_HANDSHAKE || r[5] != BM_HS_CLIENT_HELLO)
        return false;
    uint32_t mlen = ((uint32_t)r[6] << 16) | ((uint32_t)r[7] << 8) | r[8];
    return mlen >= 38 && (uint64_t)mlen + 4 <= 0x1000000u;
}

/* Scan the resync buffer for a confirmed header. 'final': the stream has
 * ended, so a candidate whose record ends the stream is accepted. */
void bm_tls_resync_scan(bm_tls_conn *c, int side, bool final)
{
    bm_tls_dir *d = &c->dir[side];
    for (;;) {
        size_t i = 0, have = d->buf_have;
        bool found = false, wait = false;
        while (i + 5 <= have) {
            const uint8_t *h = d->buf + i;
            if (!bm_tls_hdr_plausible(h)) {
                i++;
                continue;
            }
            size_t nxt = i + 5 + bm_tls_hdr_len(h);
            if (nxt + 5 <= have) {
                if (bm_tls_hdr_plausible(d->buf + nxt)) {
                    found = true;
                    break;
                }
            } else if (nxt <= have && (final || is_hello_record(h, have - i))) {
                found = true;
                break;
            } else if (!final) {
                wait = true;
                break;
            }
            i++;
        }
        if (!found) {
            if (final)
                buf_drop(c, side, have);
            else if (wait || i + 5 > have)
                buf_drop(c, side, i);
            return;
        }
        buf_drop(c, side, i);
        d->started = true;
        c->conn->rec[side].resyncs++;
        if (drain_buffer(c, side))
            return;
    }
}

size_t bm_tls_take_resync(bm_tls_conn *c, int side, const uint8_t *p, size_t n, uint64_t frame)
{
    bm_tls_dir *d = &c->dir[side];
    if (d->buf_have == BM_TLS_RBUF_CAP)
        buf_drop(c, side, 1); /* cannot happen with a consistent scan; stay safe */
    size_t k = BM_TLS_RBUF_CAP - d->buf_have;
    if (k > n)
        k = n;
    if (!bm_tls_buf_reserve(d, d->buf_have + k)) {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_RESYNC_OUT_OF_MEMORY, .role = (uint8_t)side});
        d->state = BM_FS_OFF;
        return n;
    }
    memcpy(d->buf + d->buf_have, p, k);
    d->buf_have += k;
    bm_tls_bmap_add(d, d->buf_off + d->buf_have, frame);
    if (!d->started)
        d->scanned += k;
    bm_tls_resync_scan(c, side, false);
    if (!d->started && d->state == BM_FS_RESYNC && d->scanned > BM_TLS_DETECT_LIMIT) {
        /* Nothing like TLS this far in: stop paying for the scan. */
        c->conn->rec[side].unparsed_bytes += d->buf_have;
        d->buf_have = 0;
        d->state = BM_FS_OFF;
    }
    return k;
}

