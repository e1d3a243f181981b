/*
 * jw.c - the JSON writer of jw.h.
 */
#include "jw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bm_jw_reset(bm_jw *w)
{
    w->len = 0;
    w->comma = false;
    w->oom = false;
}

void bm_jw_free(bm_jw *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

static bool reserve(bm_jw *w, size_t more)
{
    if (w->oom)
        return false;
    if (more <= w->cap - w->len)
        return true;
    size_t cap = w->cap ? w->cap : 4096;
    while (cap - w->len < more) {
        if (cap > SIZE_MAX / 2) {
            w->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->oom = true;
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

static void put(bm_jw *w, const char *s, size_t n)
{
    if (reserve(w, n)) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

static void putc1(bm_jw *w, char ch)
{
    if (reserve(w, 1))
        w->buf[w->len++] = ch;
}

/* Before a value: ',' when one came before it at this level. */
static void sep(bm_jw *w)
{
    if (w->comma)
        putc1(w, ',');
    w->comma = true;
}

void bm_jw_obj(bm_jw *w)
{
    sep(w);
    putc1(w, '{');
    w->comma = false;
}

void bm_jw_obj_end(bm_jw *w)
{
    putc1(w, '}');
    w->comma = true;
}

void bm_jw_arr(bm_jw *w)
{
    sep(w);
    putc1(w, '[');
    w->comma = false;
}

void bm_jw_arr_end(bm_jw *w)
{
    putc1(w, ']');
    w->comma = true;
}

void bm_jw_keyn(bm_jw *w, const char *k, size_t n)
{
    if (!reserve(w, n + 4))
        return;
    char *o = w->buf + w->len;
    if (w->comma)
        *o++ = ',';
    *o++ = '"';
    memcpy(o, k, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    w->len = (size_t)(o - w->buf);
    w->comma = false;
}

void bm_jw_eol(bm_jw *w)
{
    putc1(w, '\n');
    w->comma = false;
}

void bm_jw_null(bm_jw *w)
{
    sep(w);
    put(w, "null", 4);
}

void bm_jw_bool(bm_jw *w, bool v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void bm_jw_int(bm_jw *w, int64_t v)
{
    char b[24], *e = b + sizeof b, *p = e;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    sep(w);
    put(w, p, (size_t)(e - p));
}

void bm_jw_u64(bm_jw *w, uint64_t v) { bm_jw_int(w, (int64_t)v); }

/* jansson's jsonp_dtostr: "%.17g", ".0" when neither '.' nor 'e', no '+'
 * and no leading zeros in the exponent. Not finite: null (jansson makes no
 * value of it). */
void bm_jw_real(bm_jw *w, double v)
{
    if (v != v || v - v != 0) {
        bm_jw_null(w);
        return;
    }
    char b[48];
    int n = snprintf(b, sizeof b, "%.17g", v);
    if (n < 0 || (size_t)n >= sizeof b - 3) {
        bm_jw_null(w);
        return;
    }
    size_t len = (size_t)n;
    if (!strchr(b, '.') && !strchr(b, 'e')) {
        b[len++] = '.';
        b[len++] = '0';
        b[len] = '\0';
    }
    char *e = strchr(b, 'e');
    if (e) {
        char *start = e + 1, *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - b) + 1);
            len -= (size_t)(end - start);
        }
    }
    sep(w);
    put(w, b, len);
}

/* The length of the UTF-8 sequence at p as jansson's utf8_check_full
 * accepts it, 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    size_t n;
    uint32_t v;
    if (c < 0x80)
        return 1;
    if (c <= 0xC1)
        return 0; /* continuation byte or overlong 2-byte lead */
    if (c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
    } else if (c <= 0xF4) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
        return 0;
    return n;
}

bool bm_jw_utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_len(p);
        if (!n)
            return false;
        p += n;
    }
    return true;
}

/* A JSON string of 's' (n bytes of valid UTF-8), escaped as jansson does:
 * room for the worst case reserved once, then written in place. */
static void quoted(bm_jw *w, const char *s, size_t n)
{
    if (n > (SIZE_MAX - 16) / 6 || !reserve(w, 6 * n + 3))
        return;
    char *o = w->buf + w->len;
    if (w->comma)
        *o++ = ',';
    w->comma = true;
    *o++ = '"';
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hx[c >> 4];
            *o++ = hx[c & 15];
        }
    }
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
}

void bm_jw_str(bm_jw *w, const char *s)
{
    if (!s)
        bm_jw_null(w);
    else
        quoted(w, s, strlen(s));
}

void bm_jw_wire(bm_jw *w, const char *s)
{
    if (!s) {
        bm_jw_null(w);
        return;
    }
    size_t n = 0;
    while (s[n] && (unsigned char)s[n] < 0x80) /* ASCII: the common case, no UTF-8 to check */
        n++;
    if (!s[n] || bm_jw_utf8_ok(s + n)) {
        quoted(w, s, n + strlen(s + n));
        return;
    }
    /* Not valid UTF-8 (wire bytes): keep ASCII, mark the rest. */
    sep(w);
    putc1(w, '"');
    static const char hx[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p < 0x7f) {
            if (*p == '"' || *p == '\\')
                putc1(w, '\\');
            putc1(w, (char)*p);
        } else {
            char b[5] = {'\\', '\\', 'x', hx[*p >> 4], hx[*p & 15]};
            put(w, b, 5);
        }
    }
    putc1(w, '"');
}

void bm_jw_hex(bm_jw *w, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    char b[2 * 64 + 2];
    if (n > 64)
        n = 64;
    b[0] = '"';
    for (size_t i = 0; i < n; i++) {
        b[1 + 2 * i] = hx[p[i] >> 4];
        b[2 + 2 * i] = hx[p[i] & 15];
    }
    b[1 + 2 * n] = '"';
    sep(w);
    put(w, b, 2 * n + 2);
}
