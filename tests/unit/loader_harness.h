/*
 * loader_harness.h - for the unit tests of the key and key file loaders: a
 * bm_diag that keeps the first SINK_MAX_LINES lines it is given (define it
 * before the #include for more) and the last one, and counts them all, so
 * a test can assert on the exact diagnostics, each line also printed as a
 * TAP comment; and the recognisable byte runs of the test data.
 * Header-only (each tests/unit/test_*.c is its own binary).
 */
#ifndef BM_TESTS_LOADER_HARNESS_H
#define BM_TESTS_LOADER_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "util/diag.h"

#ifndef SINK_MAX_LINES
#define SINK_MAX_LINES 32
#endif

typedef struct sink {
    int n;                           /* lines given, kept or not */
    char lines[SINK_MAX_LINES][800]; /* the first SINK_MAX_LINES */
    char last[800];                  /* the last one ("" before any) */
} sink;

static inline void sink_emit(void *ud, const char *line)
{
    sink *s = ud;
    if (s->n < SINK_MAX_LINES)
        snprintf(s->lines[s->n], sizeof s->lines[0], "%s", line);
    snprintf(s->last, sizeof s->last, "%s", line);
    s->n++;
    printf("# diag: %s\n", line);
}

/* Empties s and returns a bm_diag writing into it. */
static inline bm_diag make_diag(sink *s)
{
    memset(s, 0, sizeof *s);
    bm_diag d;
    memset(&d, 0, sizeof d);
    d.emit = sink_emit;
    d.ud = s;
    return d;
}

/* 1 if one of the kept lines is exactly `line`. */
static inline int sink_has(const sink *s, const char *line)
{
    for (int i = 0; i < s->n && i < SINK_MAX_LINES; i++)
        if (strcmp(s->lines[i], line) == 0)
            return 1;
    return 0;
}

/* 1 if one of the kept lines contains `needle`. */
static inline int sink_contains(const sink *s, const char *needle)
{
    for (int i = 0; i < s->n && i < SINK_MAX_LINES; i++)
        if (strstr(s->lines[i], needle))
            return 1;
    return 0;
}

/* b[i] = first + i: the recognisable bytes of the key log test data. */
static inline void seq(uint8_t *b, size_t n, uint8_t first)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(first + i);
}

#endif
