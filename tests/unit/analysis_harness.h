/*
 * analysis_harness.h - one whole analysis through the public API for the
 * unit tests that check the decryption stage and the diagnosis over the
 * real fixtures (header-only: each tests/unit/test_*.c is its own binary).
 * ah_analyse() runs a capture with an optional key log and RSA key and
 * keeps a copy of the first AH_MAX_CONNS connections; diagnostics are
 * printed as TAP comments and counted. The fixtures' truth files (what
 * the flipping proxy changed) are read with ah_truth_read/ah_truth_num.
 */
#ifndef BM_TESTS_ANALYSIS_HARNESS_H
#define BM_TESTS_ANALYSIS_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../include/badmac/badmac.h"
#include "tap.h"

#define AH_MAX_CONNS 8

typedef struct ah_run {
    unsigned n;
    bm_conn conns[AH_MAX_CONNS];
    unsigned diags;
} ah_run;

static inline void ah_on_conn(void *ud, const bm_conn *c)
{
    ah_run *r = ud;
    if (r->n < AH_MAX_CONNS)
        r->conns[r->n++] = *c;
}

static inline void ah_on_diag(void *ud, const char *line)
{
    ah_run *r = ud;
    r->diags++;
    printf("# diag: %s\n", line);
}

/* keylog and rsa may be NULL. The result is overwritten by the next call. */
static inline ah_run *ah_analyse(const char *cap, const char *keylog, const char *rsa)
{
    static ah_run r;
    memset(&r, 0, sizeof r);
    bm_analysis_opts o = {.on_conn = ah_on_conn, .on_diag = ah_on_diag, .ud = &r};
    if (keylog) {
        o.keylogs = &keylog;
        o.n_keylogs = 1;
    }
    if (rsa) {
        o.rsa_keys = &rsa;
        o.n_rsa_keys = 1;
    }
    bm_analysis *a = bm_analysis_new(&o);
    if (!a)
        return &r;
    (void)bm_analysis_add_capture(a, cap);
    bm_analysis_finish(a, NULL);
    bm_analysis_free(a);
    return &r;
}

/* tests/fixtures/NAME.truth.json into buf (NUL-terminated); its length, 0
 * when it cannot be read. */
static inline size_t ah_truth_read(const char *name, char *buf, size_t cap)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/%s.truth.json", name);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return n;
}

/* The number after "KEY": in a truth file, or -1. */
static inline long ah_truth_num(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(json, pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* One keyed fixture of tests/fixtures/TESTLIST. */
typedef struct ah_fixture {
    char name[128];
    char cap[300];  /* path of the capture, readable */
    char keys[300]; /* path of its key log */
} ah_fixture;

/* TESTLIST, opened (a test that it is readable), or NULL. */
static inline FILE *ah_testlist(void)
{
    FILE *f = fopen("tests/fixtures/TESTLIST", "r");
    ok(f != NULL, "TESTLIST readable");
    return f;
}

/* The next line of TESTLIST (f) with a key log whose capture is readable
 * and whose name is not in skip (NULL-terminated, may be NULL); false at
 * the end. */
static inline bool ah_next_keyed(FILE *f, const char *const *skip, ah_fixture *x)
{
    char line[1024], cap[256], keys[256];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || sscanf(line, "%127s %255s %255s", x->name, cap, keys) != 3 || !strcmp(keys, "-"))
            continue;
        bool skipped = false;
        for (int i = 0; skip && skip[i]; i++)
            skipped |= !strcmp(x->name, skip[i]);
        snprintf(x->cap, sizeof x->cap, "tests/fixtures/%s", cap);
        snprintf(x->keys, sizeof x->keys, "tests/fixtures/%s", keys);
        if (!skipped && access(x->cap, R_OK) == 0)
            return true;
    }
    return false;
}

#endif
