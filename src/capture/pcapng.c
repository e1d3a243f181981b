/*
 * pcapng.c - a minimal pcapng block walker that finds Decryption Secrets
 * Blocks (libpcap reads packets but drops DSBs).
 *
 * Only block headers are read for other blocks (they are skipped with a
 * seek); a DSB is read whole, one at a time, up to BM_DSB_MAX bytes. Each
 * Section Header Block sets the byte order of the section that follows it.
 */
#include "capture_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_DSB 0x0000000Au
#define PCAPNG_MAGIC 0x1A2B3C4Du
#define BM_DSB_MAX ((uint32_t)16 << 20)

typedef struct scan {
    FILE *f;
    bm_diag *diag;
    bool big;         /* byte order of the current section */
    uint64_t off;     /* offset of the block being read */
    uint8_t *buf;
    size_t buf_cap;
} scan;

static void complain(scan *s, const char *what, uint32_t v)
{
    char where[48];
    snprintf(where, sizeof where, "offset %" PRIu64, s->off);
    bm_diag_at(s->diag, where, "%s (%" PRIu32 ")", what, v);
}

static uint32_t rd32(bm_cur *c, bool big) { return big ? bm_get_u32(c) : bm_get_u32le(c); }

/* Reads a DSB's body (everything after type and length) and reports it.
 * Returns false to stop the scan. */
static bool read_dsb(scan *s, uint32_t len, bm_secrets_cb cb, void *ud)
{
    size_t body = (size_t)len - 8;
    if (body > s->buf_cap) {
        uint8_t *nb = realloc(s->buf, body);
        if (!nb) {
            complain(s, "out of memory for a decryption secrets block", len);
            return false;
        }
        s->buf = nb;
        s->buf_cap = body;
    }
    if (fread(s->buf, 1, body, s->f) != body) {
        complain(s, "decryption secrets block truncated; block length", len);
        return false;
    }
    bm_cur c = bm_cur_make(s->buf, body);
    uint32_t type = rd32(&c, s->big);
    uint32_t slen = rd32(&c, s->big);
    if (!bm_cur_ok(&c) || bm_cur_left(&c) < 4 || slen > bm_cur_left(&c) - 4) {
        complain(s, "secrets length exceeds its block", slen);
        return false;
    }
    const uint8_t *data = bm_get_bytes(&c, slen);
    bm_cur tail = bm_cur_make(s->buf + body - 4, 4);
    if (rd32(&tail, s->big) != len) {
        complain(s, "trailing block length differs from the leading one", len);
        return false;
    }
    if (cb)
        cb(ud, type, data, slen, s->off);
    return true;
}

bm_result bm_pcapng_scan_secrets(const char *path, bm_secrets_cb cb, void *ud, bm_diag *diag)
{
    bm_diag quiet;
    if (!diag) {
        memset(&quiet, 0, sizeof quiet);
        diag = &quiet;
    }
    bm_capture_diag_file(diag, path);
    scan s = {.diag = diag};
    s.f = fopen(path, "rb");
    if (!s.f) {
        bm_diag_frame(diag, 0, "cannot read capture: %s", strerror(errno));
        return bm_res(BM_ERR_IO);
    }
    bool first = true;
    for (;;) {
        uint8_t h[12];
        size_t got = fread(h, 1, 8, s.f);
        if (got == 0)
            break;
        if (got < 8) {
            if (!first)
                complain(&s, "block header truncated; bytes", (uint32_t)got);
            break;
        }
        bm_cur c = bm_cur_make(h, 4);
        uint32_t type = bm_get_u32(&c); /* the SHB type reads the same either way */
        if (type != PCAPNG_SHB) {
            c = bm_cur_make(h, 4);
            type = rd32(&c, s.big);
        }
        if (first && type != PCAPNG_SHB)
            break; /* pcap or something else: no secrets to find */
        uint32_t skipped = 8;
        if (type == PCAPNG_SHB) {
            if (fread(h + 8, 1, 4, s.f) != 4) {
                complain(&s, "section header truncated; bytes", 8);
                break;
            }
            bm_cur m = bm_cur_make(h + 8, 4);
            uint32_t magic = bm_get_u32(&m);
            if (magic == PCAPNG_MAGIC)
                s.big = true;
            else if (magic == 0x4D3C2B1Au)
                s.big = false;
            else {
                complain(&s, "bad byte-order magic", magic);
                break;
            }
            skipped = 12;
        }
        first = false;
        bm_cur lc = bm_cur_make(h + 4, 4);
        uint32_t len = rd32(&lc, s.big);
        if (len < 12 || len % 4 != 0 || len < skipped + 4) {
            complain(&s, "impossible block length", len);
            break;
        }
        if (type == PCAPNG_DSB && len <= BM_DSB_MAX) {
            if (!read_dsb(&s, len, cb, ud))
                break;
        } else {
            if (type == PCAPNG_DSB)
                complain(&s, "decryption secrets block over the 16 MiB cap skipped; length", len);
            if (fseeko(s.f, (off_t)(len - skipped), SEEK_CUR) != 0) {
                complain(&s, "cannot skip block of length", len);
                break;
            }
        }
        s.off += len;
    }
    free(s.buf);
    fclose(s.f);
    return BM_SUCCESS;
}
