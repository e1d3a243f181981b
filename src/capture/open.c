/*
 * open.c - opening a capture for reading: a file, standard input ("-"),
 * or a compressed file (gzip, zstd or xz, recognised by their first bytes,
 * as tshark reads them), decompressed as it is read behind a stdio stream
 * (fopencookie) so that libpcap and badmac's pcapng walker see plain bytes.
 */
#define _GNU_SOURCE /* fopencookie */
#include "capture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <lzma.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

static ssize_t gz_read(void *cookie, char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) { /* gzread takes an unsigned int */
        unsigned chunk = n - done > (1u << 30) ? (1u << 30) : (unsigned)(n - done);
        int got = gzread(cookie, buf + done, chunk);
        if (got < 0) {
            errno = EIO;
            return -1;
        }
        if (got == 0)
            break;
        done += (size_t)got;
    }
    return (ssize_t)done;
}

/* Forward seeks only (the pcapng walker skips blocks): zlib reads on. */
static int gz_seek(void *cookie, off64_t *off, int whence)
{
    z_off_t to = gzseek(cookie, (z_off_t)*off, whence);
    if (to < 0) {
        errno = ESPIPE;
        return -1;
    }
    *off = to;
    return 0;
}

static int gz_close(void *cookie) { return gzclose(cookie) == Z_OK ? 0 : EOF; }

/* A stream decoder over the raw file: zstd and xz files; standard input
 * in any of the formats (its first bytes, read to tell which, are handed
 * on: gzip through zlib's inflate, an uncompressed capture as it is). */
#define DEC_IN (64u << 10)
#define DEC_HIST (128u << 10)
typedef enum dec_kind { DEC_PLAIN, DEC_GZ, DEC_ZSTD, DEC_XZ } dec_kind;
typedef struct dec {
    FILE *raw;
    dec_kind kind;
    ZSTD_DStream *zs;
    lzma_stream lz;
    z_stream gz;
    uint8_t in[DEC_IN];
    size_t in_pos, in_len;
    bool in_eof, done, bad;
    bool frame_end;     /* zstd: the last call ended a frame (the input may end there) */
    uint64_t pos;       /* decompressed bytes made */
    uint64_t rpos;      /* the next byte handed out: pos, or less after a seek back into hist */
    uint8_t hist[DEC_HIST]; /* the last DEC_HIST bytes made (stdio seeks back over its buffer) */
} dec;

static bool dec_fill(dec *d)
{
    if (d->in_pos < d->in_len || d->in_eof)
        return d->in_pos < d->in_len;
    d->in_len = fread(d->in, 1, sizeof d->in, d->raw);
    d->in_pos = 0;
    if (d->in_len == 0)
        d->in_eof = true;
    return d->in_len > 0;
}

/* Up to n new decompressed bytes into buf (0: the end; -1: corrupt or cut,
 * what came before stands). */
static ssize_t dec_make(dec *d, char *buf, size_t n)
{
    size_t done = 0;
    while (done < n && !d->done && !d->bad) {
        bool more = dec_fill(d);
        if (d->kind == DEC_PLAIN) {
            size_t k = d->in_len - d->in_pos < n - done ? d->in_len - d->in_pos : n - done;
            memcpy(buf + done, d->in + d->in_pos, k);
            d->in_pos += k;
            done += k;
            d->done = !more;
        } else if (d->kind == DEC_GZ) {
            d->gz.next_in = d->in + d->in_pos;
            d->gz.avail_in = (uInt)(d->in_len - d->in_pos);
            d->gz.next_out = (Bytef *)buf + done;
            d->gz.avail_out = (uInt)(n - done);
            int r = inflate(&d->gz, Z_NO_FLUSH);
            d->in_pos = d->in_len - d->gz.avail_in;
            done = n - d->gz.avail_out;
            if (r == Z_STREAM_END) /* another member may follow (gzip files concatenated) */
                d->done = !dec_fill(d) || inflateReset(&d->gz) != Z_OK;
            else if (r != Z_OK && !(r == Z_BUF_ERROR && more))
                d->bad = true; /* corrupt, or the input ends inside a member */
        } else if (d->kind == DEC_XZ) {
            d->lz.next_in = d->in + d->in_pos;
            d->lz.avail_in = d->in_len - d->in_pos;
            d->lz.next_out = (uint8_t *)buf + done;
            d->lz.avail_out = n - done;
            lzma_ret r = lzma_code(&d->lz, more ? LZMA_RUN : LZMA_FINISH);
            d->in_pos = d->in_len - d->lz.avail_in;
            done = n - d->lz.avail_out;
            if (r == LZMA_STREAM_END)
                d->done = true;
            else if (r != LZMA_OK)
                d->bad = true; /* corrupt or cut: what was decoded stands */
        } else {
            ZSTD_inBuffer ib = {d->in + d->in_pos, d->in_len - d->in_pos, 0};
            ZSTD_outBuffer ob = {buf + done, n - done, 0};
            size_t r = ZSTD_decompressStream(d->zs, &ob, &ib);
            d->in_pos += ib.pos;
            done += ob.pos;
            if (ZSTD_isError(r)) {
                d->bad = true;
            } else {
                if (ob.pos || ib.pos)
                    d->frame_end = r == 0;
                if (!more && ob.pos == 0) { /* the input ends: cleanly only at a frame's end */
                    d->bad = !d->frame_end;
                    d->done = true;
                }
            }
        }
    }
    /* into the history: its last DEC_HIST bytes, in at most two pieces */
    size_t keep = done < DEC_HIST ? done : DEC_HIST;
    uint64_t from = d->pos + (done - keep);
    size_t at = (size_t)(from % DEC_HIST), first = keep < DEC_HIST - at ? keep : DEC_HIST - at;
    memcpy(d->hist + at, buf + (done - keep), first);
    memcpy(d->hist, buf + (done - keep) + first, keep - first);
    d->pos += done;
    if (done == 0 && d->bad) {
        errno = EIO;
        return -1;
    }
    return (ssize_t)done;
}

static ssize_t dec_read(void *cookie, char *buf, size_t n)
{
    dec *d = cookie;
    if (d->rpos < d->pos) { /* after a seek back: from the history */
        size_t k = d->pos - d->rpos < n ? (size_t)(d->pos - d->rpos) : n;
        size_t at = (size_t)(d->rpos % DEC_HIST), first = k < DEC_HIST - at ? k : DEC_HIST - at;
        memcpy(buf, d->hist + at, first);
        memcpy(buf + first, d->hist, k - first);
        d->rpos += k;
        return (ssize_t)k;
    }
    ssize_t got = dec_make(d, buf, n);
    if (got > 0)
        d->rpos = d->pos;
    return got;
}

/* Seeks forward (the pcapng walker skips blocks: decoded and dropped) and
 * back over the last DEC_HIST bytes (stdio's own buffer). */
static int dec_seek(void *cookie, off64_t *off, int whence)
{
    dec *d = cookie;
    int64_t rel = *off;
    uint64_t base = whence == SEEK_SET ? 0 : d->rpos;
    if (whence == SEEK_END || (rel < 0 && (uint64_t)-rel > base)) {
        errno = ESPIPE;
        return -1;
    }
    uint64_t to = rel < 0 ? base - (uint64_t)-rel : base + (uint64_t)rel;
    if (to < d->pos && d->pos - to > DEC_HIST) {
        errno = ESPIPE;
        return -1;
    }
    char junk[16384];
    while (d->pos < to) {
        size_t want = to - d->pos < sizeof junk ? (size_t)(to - d->pos) : sizeof junk;
        if (dec_make(d, junk, want) <= 0)
            break; /* past the end: the next read says so */
    }
    d->rpos = to < d->pos ? to : d->pos;
    *off = (off64_t)d->rpos;
    return 0;
}

static int dec_close(void *cookie)
{
    dec *d = cookie;
    if (d->kind == DEC_XZ)
        lzma_end(&d->lz);
    else if (d->kind == DEC_ZSTD)
        ZSTD_freeDStream(d->zs);
    else if (d->kind == DEC_GZ)
        inflateEnd(&d->gz);
    int rc = fclose(d->raw);
    free(d);
    return rc;
}

static const unsigned char zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd}, xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};

static dec_kind sniff(const unsigned char *m, size_t n)
{
    if (n >= 4 && memcmp(m, zstd_magic, 4) == 0)
        return DEC_ZSTD;
    if (n >= 6 && memcmp(m, xz_magic, 6) == 0)
        return DEC_XZ;
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
        return DEC_GZ;
    return DEC_PLAIN;
}

/* A decoder over raw (owned): of 'kind', or (sniff_first) of the kind its
 * first bytes say, those bytes kept for the decoder. */
static FILE *dec_open(FILE *raw, dec_kind kind, bool sniff_first)
{
    dec *d = calloc(1, sizeof *d);
    if (!d) {
        fclose(raw);
        return NULL;
    }
    d->raw = raw;
    if (sniff_first) {
        while (d->in_len < 6 && !d->in_eof) { /* a pipe may give the first bytes in pieces */
            size_t got = fread(d->in + d->in_len, 1, 6 - d->in_len, raw);
            d->in_len += got;
            d->in_eof = got == 0;
        }
        kind = sniff(d->in, d->in_len);
    }
    d->kind = kind;
    bool ok = true;
    if (kind == DEC_XZ) {
        d->lz = (lzma_stream)LZMA_STREAM_INIT;
        ok = lzma_stream_decoder(&d->lz, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
    } else if (kind == DEC_ZSTD) {
        d->zs = ZSTD_createDStream();
        ok = d->zs && !ZSTD_isError(ZSTD_initDStream(d->zs));
    } else if (kind == DEC_GZ) {
        ok = inflateInit2(&d->gz, 16 + MAX_WBITS) == Z_OK; /* gzip wrapper */
        if (!ok)
            d->kind = DEC_PLAIN; /* nothing to end in dec_close */
    }
    d->in_eof = false; /* the rest is read by dec_fill */
    cookie_io_functions_t io = {.read = dec_read, .write = NULL, .seek = dec_seek, .close = dec_close};
    FILE *g = ok ? fopencookie(d, "rb", io) : NULL;
    if (!g) {
        dec_close(d);
        errno = ENOMEM;
    }
    return g;
}

bool bm_capture_is_stdin(const char *path) { return strcmp(path, "-") == 0; }

FILE *bm_capture_open(const char *path)
{
    if (bm_capture_is_stdin(path)) { /* compressed or not, told by its first bytes */
        int fd = dup(STDIN_FILENO);
        FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
        if (!f && fd >= 0)
            close(fd);
        return f ? dec_open(f, DEC_PLAIN, true) : NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char m[6];
    size_t n = fread(m, 1, sizeof m, f);
    dec_kind kind = sniff(m, n);
    if (kind == DEC_ZSTD || kind == DEC_XZ) {
        if (fseek(f, 0, SEEK_SET) != 0) {
            fclose(f);
            errno = ESPIPE;
            return NULL;
        }
        return dec_open(f, kind, false);
    }
    if (kind == DEC_GZ) {
        fclose(f);
        gzFile z = gzopen(path, "rb");
        if (!z)
            return NULL;
        gzbuffer(z, 256u << 10);
        cookie_io_functions_t io = {.read = gz_read, .write = NULL, .seek = gz_seek, .close = gz_close};
        FILE *g = fopencookie(z, "rb", io);
        if (!g)
            gzclose(z);
        return g;
    }
    if (fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        errno = ESPIPE;
        return NULL;
    }
    return f;
}
