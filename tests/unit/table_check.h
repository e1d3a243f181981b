/*
 * table_check.h - checks shared by the unit tests of the X-macro code
 * tables that report/ words (findings and verdict lines,
 * test_word_tables.c): names are identifiers and unique, argument names
 * identifiers distinct within a code, fields only BM_FK_* bits, pinned
 * names, unknown codes named, and a formatter never writes beyond its
 * buffer.
 */
#ifndef BM_TESTS_TABLE_CHECK_H
#define BM_TESTS_TABLE_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../include/badmac/findings.h"
#include "tap.h"

static inline int tc_is_ident(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* A table's accessors: codes 1 .. count - 1; argument names 0 .. n_args - 1. */
typedef struct tc_table {
    const char *(*name)(unsigned code);
    unsigned (*fields)(unsigned code);
    const char *(*arg_name)(unsigned code, unsigned i);
    unsigned count, n_args;
} tc_table;

/* A name that is a contract (machine readers, reword.t). */
typedef struct tc_pin {
    unsigned code;
    const char *name;
} tc_pin;

/* One tap line per pinned name: a rename fails here. */
static inline void tc_check_pinned(const tc_table *t, const tc_pin *pin, size_t n)
{
    for (size_t i = 0; i < n; i++)
        is_str(t->name(pin[i].code), pin[i].name, pin[i].name);
}

/* Four tap lines: names, uniqueness, argument names, fields. */
static inline void tc_check_table(const tc_table *t)
{
    int named = 1, unique = 1, args = 1, fields = 1;
    for (unsigned c = 1; c < t->count; c++) {
        const char *n = t->name(c);
        if (!tc_is_ident(n)) {
            named = 0;
            printf("#   code %u: bad name\n", c);
            continue;
        }
        for (unsigned d = 1; d < c; d++)
            if (t->name(d) && !strcmp(t->name(d), n)) {
                unique = 0;
                printf("#   codes %u and %u are both \"%s\"\n", d, c, n);
            }
        if (t->fields(c) & ~(unsigned)(BM_FK_ROLE | BM_FK_INDEX | BM_FK_FRAME | BM_FK_OFF))
            fields = 0;
        for (unsigned i = 0; i < t->n_args; i++) {
            const char *a = t->arg_name(c, i);
            if (a && !tc_is_ident(a))
                args = 0;
            for (unsigned j = 0; a && j < i; j++)
                if (t->arg_name(c, j) && !strcmp(t->arg_name(c, j), a)) {
                    args = 0;
                    printf("#   code %u: argument \"%s\" twice\n", c, a);
                }
        }
    }
    ok(named, "every code has a name of [a-z0-9_]");
    ok(unique, "no two codes share a name");
    ok(args, "argument names are identifiers, distinct within a code");
    ok(fields, "fields use only the BM_FK_* bits");
}

#define TC_MAX_CAP 1024

/* fmt(item) into a buffer of cap bytes (cap at most TC_MAX_CAP): nothing
 * written beyond cap, the result NUL-terminated, the length returned. */
static inline int tc_check_one(size_t (*fmt)(const void *, char *, size_t), const void *item, size_t cap)
{
    static uint8_t mem[TC_MAX_CAP + 64];
    memset(mem, 0xA5, sizeof mem);
    char *buf = (char *)mem;
    size_t n = fmt(item, buf, cap);
    for (size_t i = cap; i < sizeof mem; i++)
        if (mem[i] != 0xA5)
            return 0;
    if (cap == 0)
        return n == 0;
    size_t len = strnlen(buf, cap);
    return len < cap && len == n;
}

/* A table's formatters (words and raw form) on its item type, and the
 * text length the reports pass. */
typedef struct tc_fmt {
    size_t (*words)(const void *item, char *buf, size_t cap);
    size_t (*raw)(const void *item, char *buf, size_t cap);
    size_t text_len;
} tc_fmt;

/* Seven tap lines: codes 0, count and 0xffff have no name, an unknown
 * code no fields, no argument name for an unknown code or past n_args
 * (asked of code 'known'), and an unknown item (code 0xfffe) shows its
 * number in words and as "[unknown code=65534]" raw. */
static inline void tc_check_unknown(const tc_table *t, const tc_fmt *f, unsigned known, const void *unknown)
{
    char buf[TC_MAX_CAP];
    ok(t->name(0) == NULL, "code 0 has no name");
    ok(t->name(t->count) == NULL, "code past the table has no name");
    ok(t->name(0xffff) == NULL, "code 0xffff has no name");
    is_int(t->fields(t->count), 0, "unknown code: no fields");
    ok(t->arg_name(t->count, 0) == NULL && t->arg_name(known, t->n_args) == NULL,
       "unknown code or argument: no argument name");
    f->words(unknown, buf, f->text_len);
    ok(strstr(buf, "65534") != NULL, "unknown code: its number is shown");
    f->raw(unknown, buf, f->text_len);
    is_str(buf, "[unknown code=65534]", "unknown code, raw");
}

/* The cases test_bounds tries for every code, in an array v[TC_CASES] of
 * items with nargs integer arguments: all zero; maxima and a long string;
 * minima, role 255 and a string not even terminated; -1 and format
 * characters in the string. */
#define TC_CASES 4
#define TC_FILL_CASES(v, nargs)                                                                               \
    do {                                                                                                      \
        memset(v, 0, sizeof v);                                                                               \
        v[1].role = 1;                                                                                        \
        v[1].index = v[1].frame = v[1].stream_off = UINT64_MAX;                                               \
        for (int i_ = 0; i_ < (nargs); i_++)                                                                  \
            v[1].arg[i_] = INT64_MAX;                                                                         \
        memset(v[1].str, 'x', sizeof v[1].str - 1);                                                           \
        v[2].role = 255;                                                                                      \
        for (int i_ = 0; i_ < (nargs); i_++)                                                                  \
            v[2].arg[i_] = INT64_MIN;                                                                         \
        memset(v[2].str, '%', sizeof v[2].str);                                                               \
        for (int i_ = 0; i_ < (nargs); i_++)                                                                  \
            v[3].arg[i_] = -1;                                                                                \
        memcpy(v[3].str, "%s%n\n\x1b", 7);                                                                    \
    } while (0)

/* Defines fn, the item callback of tc_check_bounds for items of type T. */
#define TC_DEFINE_ITEM(fn, T)                                                                                 \
    static const void *fn(void *cases, int k, unsigned code)                                                  \
    {                                                                                                         \
        T *v_ = cases;                                                                                        \
        v_[k].code = (uint16_t)code;                                                                          \
        return &v_[k];                                                                                        \
    }

/* Three tap lines (labels: bounded, english, raw). For every code from 0
 * to count + 1, every case k (item(cases, k, code) sets the code of
 * cases[k] and returns it) and every capacity in caps: both formatters write at most
 * cap bytes, NUL-terminate and return strlen; for every code in the
 * table, case 0 has its own words (not starting with 'unknown') and a raw
 * form starting with [name]. */
static inline void tc_check_bounds(const tc_table *t, const tc_fmt *f,
                                   const void *(*item)(void *cases, int k, unsigned code), void *cases,
                                   const size_t *caps, size_t n_caps, const char *unknown, const char *const label[3])
{
    int bounded = 1, english = 1, raw = 1;
    for (unsigned c = 0; c <= t->count + 1; c++) {
        for (int k = 0; k < TC_CASES; k++) {
            const void *v = item(cases, k, c);
            for (size_t i = 0; i < n_caps; i++) {
                if (!tc_check_one(f->words, v, caps[i]) || !tc_check_one(f->raw, v, caps[i])) {
                    bounded = 0;
                    printf("#   code %u, case %d, cap %zu\n", c, k, caps[i]);
                }
            }
        }
        if (c == 0 || c >= t->count)
            continue;
        char buf[TC_MAX_CAP];
        const void *v = item(cases, 0, c);
        f->words(v, buf, f->text_len);
        if (!buf[0] || strstr(buf, unknown)) {
            english = 0;
            printf("#   code %u (%s) has no words\n", c, t->name(c));
        }
        f->raw(v, buf, f->text_len);
        if (buf[0] != '[' || strncmp(buf + 1, t->name(c), strlen(t->name(c))))
            raw = 0;
    }
    ok(bounded, label[0]);
    ok(english, label[1]);
    ok(raw, label[2]);
}

#endif
