/*
 * cur.h - the one bounds-checked reader for untrusted bytes.
 *
 * Every byte that comes from a capture, a key file or the network is read
 * through a bm_cur. A cursor is a [p, end) window plus a sticky error flag:
 * a read past the end sets 'err', returns 0 (or NULL) and leaves the cursor
 * at its end, so a parser may do several reads and check bm_cur_ok() once.
 * Sub-cursors (bm_cur_sub, bm_cur_vec8/16/24) give exact-consumption
 * decoding of nested TLS vectors: check bm_cur_done() on the sub-cursor to
 * reject both overruns and leftover bytes (picotls' ptls_decode_block).
 *
 * Nothing here allocates; a cursor only borrows the caller's buffer, which
 * MUST outlive it.
 */
#ifndef BM_WIRE_CUR_H
#define BM_WIRE_CUR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct bm_cur {
    const uint8_t *p;   /* next byte to read */
    const uint8_t *end; /* one past the last readable byte */
    int err;            /* sticky: set by the first read that overran */
} bm_cur;

static inline bm_cur bm_cur_make(const void *p, size_t n)
{
    bm_cur c;
    c.p = (const uint8_t *)p;
    c.end = n ? c.p + n : c.p; /* p may be NULL when n is 0: no arithmetic on it */
    c.err = 0;
    return c;
}

static inline size_t bm_cur_left(const bm_cur *c) { return (size_t)(c->end - c->p); }
static inline int bm_cur_ok(const bm_cur *c) { return !c->err; }
/* True when the cursor had no error AND every byte was consumed. */
static inline int bm_cur_done(const bm_cur *c) { return !c->err && c->p == c->end; }

static inline void bm_cur_fail(bm_cur *c)
{
    c->err = 1;
    c->p = c->end;
}

/* Reserve n bytes; returns a pointer to them or NULL (and sets err). */
static inline const uint8_t *bm_get_bytes(bm_cur *c, size_t n)
{
    if (c->err || bm_cur_left(c) < n) {
        bm_cur_fail(c);
        return NULL;
    }
    const uint8_t *r = c->p;
    c->p += n;
    return r;
}

static inline int bm_skip(bm_cur *c, size_t n) { return bm_get_bytes(c, n) != NULL; }

/* Copy n bytes out; on overrun the destination is zero-filled. */
static inline int bm_get_copy(bm_cur *c, void *dst, size_t n)
{
    const uint8_t *s = bm_get_bytes(c, n);
    if (!s) {
        memset(dst, 0, n);
        return 0;
    }
    memcpy(dst, s, n);
    return 1;
}

static inline uint8_t bm_get_u8(bm_cur *c)
{
    const uint8_t *s = bm_get_bytes(c, 1);
    return s ? s[0] : 0;
}

static inline uint16_t bm_get_u16(bm_cur *c)
{
    const uint8_t *s = bm_get_bytes(c, 2);
    return s ? (uint16_t)((s[0] << 8) | s[1]) : 0;
}

static inline uint32_t bm_get_u24(bm_cur *c)
{
    const uint8_t *s = bm_get_bytes(c, 3);
    return s ? ((uint32_t)s[0] << 16) | ((uint32_t)s[1] << 8) | s[2] : 0;
}

static inline uint32_t bm_get_u32(bm_cur *c)
{
    const uint8_t *s = bm_get_bytes(c, 4);
    return s ? ((uint32_t)s[0] << 24) | ((uint32_t)s[1] << 16) | ((uint32_t)s[2] << 8) | s[3] : 0;
}

static inline uint64_t bm_get_u64(bm_cur *c)
{
    uint64_t hi = bm_get_u32(c);
    return (hi << 32) | bm_get_u32(c);
}

static inline uint16_t bm_get_u16le(bm_cur *c)
{
    const uint8_t *s = bm_get_bytes(c, 2);
    return s ? (uint16_t)(s[0] | (s[1] << 8)) : 0;
}

static inline uint32_t bm_get_u32le(bm_cur *c)
{
    const uint8_t *s = bm_get_bytes(c, 4);
    return s ? (uint32_t)s[0] | ((uint32_t)s[1] << 8) | ((uint32_t)s[2] << 16) | ((uint32_t)s[3] << 24) : 0;
}

/* A sub-cursor over the next n bytes; the parent skips them. */
static inline bm_cur bm_cur_sub(bm_cur *c, size_t n)
{
    const uint8_t *s = bm_get_bytes(c, n);
    bm_cur r;
    if (!s) {
        r = bm_cur_make(c->end, 0);
        r.err = 1;
        return r;
    }
    return bm_cur_make(s, n);
}

/* Length-prefixed vectors: <0..2^8-1>, <0..2^16-1>, <0..2^24-1>. */
static inline bm_cur bm_cur_vec8(bm_cur *c) { size_t n = bm_get_u8(c); return bm_cur_sub(c, c->err ? (size_t)-1 : n); }
static inline bm_cur bm_cur_vec16(bm_cur *c) { size_t n = bm_get_u16(c); return bm_cur_sub(c, c->err ? (size_t)-1 : n); }
static inline bm_cur bm_cur_vec24(bm_cur *c) { size_t n = bm_get_u24(c); return bm_cur_sub(c, c->err ? (size_t)-1 : n); }

/* Peek without consuming; returns 0 on overrun WITHOUT setting err. */
static inline int bm_peek_u8(const bm_cur *c, size_t at, uint8_t *out)
{
    if (c->err || bm_cur_left(c) <= at)
        return 0;
    *out = c->p[at];
    return 1;
}

#endif
