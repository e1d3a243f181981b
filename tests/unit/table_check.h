/*
 * table_check.h - checks shared by the unit tests of the X-macro code
 * tables that report/ words (findings, test_findings.c; verdict lines,
 * test_vlines.c): names are identifiers and unique, argument names
 * identifiers distinct within a code, fields only BM_FK_* bits, and a
 * formatter never writes beyond its buffer. Include after tap.h.
 */
#ifndef BM_TESTS_TABLE_CHECK_H
#define BM_TESTS_TABLE_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../include/badmac/findings.h"

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

#endif
