#include "lines.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

void bm_lines_init(bm_line_reader *r, bm_line_fn fn, void *ud)
{
    r->fn = fn;
    r->ud = ud;
    r->lineno = 0;
    r->len = 0;
    r->too_long = false;
    r->stopped = false;
    r->buf[0] = '\0';
}

static void deliver(bm_line_reader *r)
{
    r->lineno++;
    size_t n = r->too_long ? 0 : r->len;
    if (n && r->buf[n - 1] == '\r')
        n--;
    r->buf[n] = '\0';
    if (!r->fn(r->ud, r->lineno, r->buf, n, r->too_long))
        r->stopped = true;
    r->len = 0;
    r->too_long = false;
}

static void append(bm_line_reader *r, const uint8_t *p, size_t n)
{
    if (r->too_long)
        return;
    if (n > BM_LINE_MAX - r->len) {
        r->too_long = true;
        r->len = 0;
        return;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
}

void bm_lines_feed(bm_line_reader *r, const uint8_t *data, size_t n)
{
    while (n && !r->stopped) {
        const uint8_t *nl = memchr(data, '\n', n);
        size_t seg = nl ? (size_t)(nl - data) : n;
        append(r, data, seg);
        if (!nl)
            return;
        deliver(r);
        data += seg + 1;
        n -= seg + 1;
    }
}

void bm_lines_finish(bm_line_reader *r)
{
    if (!r->stopped && (r->len || r->too_long))
        deliver(r);
}

void bm_diag_push_file(bm_diag *d, const char *name, bm_diag_saved *s)
{
    s->file = d->file;
    s->in_file = d->in_file;
    s->suppressed = d->suppressed;
    bm_diag_begin_file(d, name);
}

void bm_diag_pop_file(bm_diag *d, const bm_diag_saved *s)
{
    bm_diag_end_file(d);
    d->file = s->file;
    d->in_file = s->in_file;
    d->suppressed = s->suppressed;
}

bm_result bm_lines_file(bm_line_reader *r, const char *path, const char *what, bm_diag *d)
{
    bm_diag_saved saved;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        bm_diag_push_file(d, path, &saved);
        bm_diag_at(d, NULL, "cannot open %s: %s", what, strerror(e));
        bm_diag_pop_file(d, &saved);
        return bm_res(BM_ERR_IO);
    }
    /* unbuffered: no copy of the secrets left in a stdio buffer */
    setvbuf(f, NULL, _IONBF, 0);
    uint8_t chunk[65536];
    size_t got;
    while (!r->stopped && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        bm_lines_feed(r, chunk, got);
    int failed = ferror(f);
    int e = errno;
    fclose(f);
    OPENSSL_cleanse(chunk, sizeof chunk);
    if (failed) {
        bm_diag_push_file(d, path, &saved);
        bm_diag_at(d, NULL, "cannot read %s: %s", what, strerror(e));
        bm_diag_pop_file(d, &saved);
        return bm_res(BM_ERR_IO);
    }
    bm_lines_finish(r);
    return BM_SUCCESS;
}

void bm_trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t k = *n;
    while (k && (*p == ' ' || *p == '\t' || *p == '\r')) {
        p++;
        k--;
    }
    while (k && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\r'))
        k--;
    *s = p;
    *n = k;
}

int bm_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_sp(char c)
{
    return c == ' ' || c == '\t';
}

static int bytes_after(const char *p, const char *end, size_t want, uint8_t *out)
{
    for (size_t k = 0; k < want; k++) {
        const char *q = p;
        while (p < end && is_sp(*p))
            p++;
        if (p == q || end - p < 2)
            return 0;
        int hi = bm_hexval((unsigned char)p[0]), lo = bm_hexval((unsigned char)p[1]);
        if (hi < 0 || lo < 0)
            return 0;
        p += 2;
        if (p < end && !is_sp(*p))
            return 0;
        out[k] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

int bm_hexdump_line(const char *s, size_t n, size_t off, size_t want, uint8_t *out)
{
    if (want == 0 || want > 16 || off > 0xffff || n < 5)
        return 0;
    char tag[5];
    snprintf(tag, sizeof tag, "%04zx", off);
    const char *end = s + n;
    for (const char *p = s; end - p >= 5; p++) {
        if (p > s && bm_hexval((unsigned char)p[-1]) >= 0)
            continue;
        if (p[4] != ':')
            continue;
        int same = 1;
        for (int i = 0; i < 4 && same; i++) {
            char c = p[i];
            if (c >= 'A' && c <= 'F')
                c = (char)(c - 'A' + 'a');
            same = c == tag[i];
        }
        if (same && bytes_after(p + 5, end, want, out))
            return 1;
    }
    return 0;
}

bm_result bm_lines_run(const char *name, const char *src, const char *what, bool from_file,
                       const uint8_t *data, size_t len, bm_line_fn fn, void (*done)(void *ud), void *ud,
                       bm_diag *d)
{
    bm_line_reader *r = malloc(sizeof *r);
    BM_ENSURE(r, BM_ERR_NOMEM);
    bm_lines_init(r, fn, ud);
    bm_diag_saved saved;
    bm_diag_push_file(d, src, &saved);
    bm_result res = BM_SUCCESS;
    if (from_file) {
        res = bm_lines_file(r, name, what, d);
    } else {
        bm_lines_feed(r, data, len);
        bm_lines_finish(r);
    }
    if (bm_is_ok(res) && done)
        done(ud);
    bm_diag_pop_file(d, &saved);
    OPENSSL_cleanse(r, sizeof *r);
    free(r);
    return res;
}
