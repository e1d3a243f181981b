/*
 * loader_harness.h - for the unit tests of the key file loaders: a bm_diag
 * that keeps the first SINK_MAX_LINES lines it is given (and counts them
 * all) so a test can assert on the exact diagnostics, each line also
 * printed as a TAP comment; and the recognisable byte runs of the test
 * data. Header-only (each tests/unit/test_*.c is its own binary).
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
    int n;
    char lines[SINK_MAX_LINES][800];
} sink;

static inline void sink_emit(void *ud, const char *line)
{
    sink *s = ud;
    if (s->n < SINK_MAX_LINES)
        snprintf(s->lines[s->n], sizeof s->lines[0], "%s", line);
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

/* b[i] = first + i: the recognisable bytes of the key log test data. */
static inline void seq(uint8_t *b, size_t n, uint8_t first)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(first + i);
}

#endif
