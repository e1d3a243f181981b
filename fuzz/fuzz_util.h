/*
 * fuzz_util.h - what the libFuzzer harnesses share: a diag sink that drops
 * every line, the touch of a finished connection (every field a report
 * reads), and the input written to a file of this process for the readers
 * that take a path (captures, key files).
 */
#ifndef BM_FUZZ_UTIL_H
#define BM_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "../include/badmac/conn.h"

static inline void fz_drop_line(void *ud, const char *line)
{
    (void)ud;
    (void)line;
}

static inline void fz_touch_conn(const bm_conn *c)
{
    volatile uint64_t x = c->rec[0].count + c->rec[1].count + c->n_alerts + c->n_findings + c->status.status;
    (void)x;
}

/* data written to /tmp/NAME.PID; the path, or NULL when it cannot be. */
static inline const char *fz_to_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[96];
    snprintf(path, sizeof path, "/tmp/%s.%d", name, (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    size_t put = size ? fwrite(data, 1, size, f) : 0;
    if (fclose(f) != 0 || put != size)
        return NULL;
    return path;
}

#endif
