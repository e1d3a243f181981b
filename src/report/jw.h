/*
 * jw.h - a JSON writer straight into one growable buffer: no tree, one
 * allocation reused for every line. Output is what jansson's
 * json_dumps(JSON_COMPACT) gives for the same values (tests/unit/test_jw.c
 * checks it against jansson): strings escaped the same way, reals as "%.17g"
 * with ".0" added when needed. Strings from the wire go through jw_wire,
 * which writes invalid UTF-8 as ASCII with \xNN for the other bytes, as
 * bm_json_wire_str does.
 */
#ifndef BM_REPORT_JW_H
#define BM_REPORT_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct bm_jw {
    char *buf;
    size_t len, cap;
    bool comma; /* a value was written at this level: the next one needs ',' */
    bool oom;   /* an allocation failed: the line is incomplete, not written */
} bm_jw;

void bm_jw_reset(bm_jw *w);
void bm_jw_free(bm_jw *w);

void bm_jw_obj(bm_jw *w);        /* '{' */
void bm_jw_obj_end(bm_jw *w);    /* '}' */
void bm_jw_arr(bm_jw *w);        /* '[' */
void bm_jw_arr_end(bm_jw *w);    /* ']' */
/* "k": (k is a name of ours: not escaped); its length is folded at compile
 * time for a literal. */
void bm_jw_keyn(bm_jw *w, const char *k, size_t n);
#define bm_jw_key(w, k) bm_jw_keyn((w), (k), strlen(k))
void bm_jw_eol(bm_jw *w);               /* '\n': the end of a JSON line */

void bm_jw_null(bm_jw *w);
void bm_jw_bool(bm_jw *w, bool v);
void bm_jw_int(bm_jw *w, int64_t v);
void bm_jw_u64(bm_jw *w, uint64_t v); /* as jansson's json_int_t, i.e. int64_t */
void bm_jw_real(bm_jw *w, double v);
/* A string of ours (valid UTF-8); NULL: null. */
void bm_jw_str(bm_jw *w, const char *s);
/* A string from the wire: valid UTF-8 as is, else ASCII with \xNN; NULL: null. */
void bm_jw_wire(bm_jw *w, const char *s);
/* Lowercase hex of at most 64 bytes, as a string. */
void bm_jw_hex(bm_jw *w, const uint8_t *p, size_t n);

/* Key and value in one call. */
#define BM_JW_KV(w, k, fn, ...) (bm_jw_key((w), (k)), fn((w), __VA_ARGS__))

/* Whether s is UTF-8 as jansson accepts it (no overlong forms, surrogates or
 * code points past U+10FFFF). */
bool bm_jw_utf8_ok(const char *s);

#endif
