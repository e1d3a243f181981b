/*
 * dec_zlib.c - TLS compression (RFC 3749 DEFLATE, what OpenSSL 1.0.x peers
 * negotiated): the content of a record that opened is inflated before
 * anything reads it (the TLS stage's handshake parsing, the alerts, the
 * export observer). The MAC covers the compressed bytes (RFC 5246 6.2.3),
 * so a record verifies first and is inflated after.
 *
 * RFC 3749 2: one zlib stream (RFC 1950, with its header: OpenSSL's
 * COMP_zlib used deflateInit/inflateInit) per direction for the whole
 * cipher state, each record's data ending on a Z_SYNC_FLUSH boundary. A
 * new cipher state (the ChangeCipherSpec of a renegotiation) starts a new
 * stream. So every direction keeps one z_stream (zlib's state and its
 * 32 KiB window: about 40 KiB, made at its first compressed record, freed
 * with the connection); records inflate into the stage's zbuf, no
 * allocation per record.
 *
 * zlib reads the decrypted record as a pointer and a length: it is the
 * decoder of those bytes, as libcrypto is of the ciphertext.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "../proto/proto.h"
#include "dec_int.h"

/* zlib allocates through calloc/free: its own, bounded state. */
static void zl_free(dec_dir *d)
{
    if (d->z) {
        inflateEnd(d->z);
        free(d->z);
        d->z = NULL;
    }
}

void bm_dec_z_free(dec_dir *d) { zl_free(d); }

void bm_dec_z_start(dec_dir *d, uint8_t method)
{
    d->comp = method;
    d->z_stopped = false;
    /* the next compressed record begins a new zlib stream (header first) */
    if (d->z && inflateReset(d->z) != Z_OK)
        zl_free(d);
}

static void stop(dec_conn *k, int side, const bm_tls_record_ev *ev, int zerr)
{
    dec_dir *d = &k->dir[side];
    if (d->z_stopped)
        return;
    d->z_stopped = true;
    bm_dec_finding(k, &(bm_finding){.code = BM_F_DECOMPRESSION_STOPPED, .role = (uint8_t)side, .index = ev->index,
                                    .arg = {zerr}});
}

void bm_dec_z_skip(dec_conn *k, int side, const bm_tls_record_ev *ev)
{
    dec_dir *d = &k->dir[side];
    if (d->comp != 0 && k->version != BM_TLS13)
        d->z_lost = true;
}

/* Inflate in (n bytes) into zbuf (cap bytes, more than BM_DEC_MAX_PLAIN);
 * *out_n: the bytes produced, counting those beyond the buffer (drained
 * through its last KiB so that the stream stays in step with the
 * sender's), but draining stops after BM_DEC_ZDRAIN bytes (*cut: the
 * stream can no longer be followed). Z_OK, or zlib's error. */
static int inflate_record(z_stream *z, const uint8_t *in, size_t n, uint8_t *zbuf, size_t cap, uint64_t *out_n,
                          bool *cut)
{
    *cut = false;
    /* zlib does not write through next_in; its API is not const */
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)n;
    uint64_t total = 0;
    for (;;) {
        size_t start = total < cap ? (size_t)total : cap - 1024;
        z->next_out = zbuf + start;
        z->avail_out = (uInt)(cap - start);
        int r = inflate(z, Z_SYNC_FLUSH);
        total += (cap - start) - z->avail_out;
        if (r == Z_BUF_ERROR && z->avail_in == 0)
            r = Z_OK; /* no progress possible: the record is all read */
        if (r == Z_STREAM_END && z->avail_in > 0)
            r = Z_DATA_ERROR; /* data after the end of the stream */
        if (r != Z_OK && r != Z_STREAM_END)
            return r;
        if (z->avail_in == 0 && z->avail_out > 0)
            break;
        if (r == Z_STREAM_END)
            break;
        if (total > BM_DEC_ZDRAIN) {
            *cut = true;
            break;
        }
    }
    *out_n = total;
    return Z_OK;
}

bool bm_dec_z_expand(dec_conn *k, int side, const bm_tls_record_ev *ev, const uint8_t **p, size_t *n)
{
    dec_dir *d = &k->dir[side];
    if (d->comp == 0 || k->version == BM_TLS13)
        return true;
    if (d->comp != 1 || d->z_stopped)
        return false; /* an unknown method: the TLS stage's finding says so */
    if (d->z_lost) {
        stop(k, side, ev, 0);
        return false;
    }
    if (!d->z) {
        d->z = calloc(1, sizeof *d->z);
        if (!d->z || inflateInit(d->z) != Z_OK) {
            free(d->z);
            d->z = NULL;
            stop(k, side, ev, Z_MEM_ERROR);
            return false;
        }
    }
    uint64_t out = 0;
    bool cut = false;
    int r = inflate_record(d->z, *p, *n, k->d->zbuf, sizeof k->d->zbuf, &out, &cut);
    if (r != Z_OK) {
        stop(k, side, ev, r);
        return false;
    }
    if (out > BM_DEC_MAX_PLAIN) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_DECOMPRESSED_OVER_LIMIT, .role = (uint8_t)side,
                                        .index = ev->index, .arg = {(int64_t)out, BM_DEC_MAX_PLAIN}});
        d->z_stopped = d->z_stopped || cut; /* said once: the length is then "at least" */
        return false;
    }
    *p = k->d->zbuf;
    *n = (size_t)out;
    return true;
}
