/*
 * summary.c - failure patterns across connections: fixed-size tables, one
 * per group (see summary.h). Part of the report stage: it groups by the
 * report's own names (addresses, suites, causes), so the arrow runs
 * report -> diagnose only.
 */
#include <stdio.h>
#include <string.h>

#include "../diagnose/diagnose.h"
#include "../tls/tls.h"
#include "report.h"
#include "summary.h"

void bm_patterns_init(bm_patterns *p) { memset(p, 0, sizeof *p); }

const char *bm_pattern_group_name(unsigned g)
{
    static const char *const n[BM_PAT_GROUPS] = {"client", "server", "path", "suite", "version", "resumed",
                                                 "record_size", "cause"};
    return g < BM_PAT_GROUPS ? n[g] : NULL;
}

const char *bm_pattern_size_bucket(uint32_t len)
{
    /* Buckets by plaintext size; a record adds up to 256 bytes (AEAD,
     * CBC + HMAC) or, at the top, up to 2048 (the protocol's allowance). */
    if (len <= 1024 + 256)
        return "<=1K";
    if (len <= 4096 + 256)
        return "<=4K";
    if (len <= 16384 + 2048)
        return "<=16K";
    return ">16K";
}

static void count(bm_pat_group *g, const char *key, int failed)
{
    for (unsigned i = 0; i < g->n; i++) {
        if (strcmp(g->rows[i].key, key))
            continue;
        g->rows[i].total++;
        g->rows[i].failed += failed != 0;
        return;
    }
    if (g->n < BM_PAT_KEYS) {
        bm_pat_row *r = &g->rows[g->n++];
        snprintf(r->key, sizeof r->key, "%s", key);
        r->total = 1;
        r->failed = failed != 0;
        return;
    }
    g->other_total++;
    g->other_failed += failed != 0;
}

/* The failing record's length, else the longest record of the connection. */
static uint32_t size_of(const bm_conn *c, int failed)
{
    if (failed && c->verdict.has_record)
        return c->verdict.record.length;
    if (failed && c->status.prime_why != BM_PRIME_NONE)
        return c->status.prime.length;
    return c->rec[0].max_length > c->rec[1].max_length ? c->rec[0].max_length : c->rec[1].max_length;
}

void bm_patterns_add(bm_patterns *p, const bm_conn *c)
{
    int failed = c->status.status == BM_STATUS_FAILED;
    char key[BM_PAT_KEY_LEN];
    const char *s;
    p->total++;
    p->failed += failed != 0;
    bm_format_ip(&c->client, key, sizeof key);
    count(&p->g[BM_PAT_CLIENT], key, failed);
    bm_format_ip(&c->server, key, sizeof key);
    count(&p->g[BM_PAT_SERVER], key, failed);
    snprintf(key, sizeof key, "ttl=%u", c->tcp.ttl[BM_CLIENT]);
    count(&p->g[BM_PAT_PATH], key, failed);
    s = c->hs.server_hello_seen ? bm_tls_suite_name(c->hs.cipher_suite) : NULL;
    count(&p->g[BM_PAT_SUITE], s ? s : "unknown", failed);
    s = c->hs.version ? bm_tls_version_name(c->hs.version) : NULL;
    count(&p->g[BM_PAT_VERSION], s ? s : "unknown", failed);
    count(&p->g[BM_PAT_RESUMED], c->hs.resumed ? "resumed" : "full", failed);
    count(&p->g[BM_PAT_SIZE], bm_pattern_size_bucket(size_of(c, failed)), failed);
    s = bm_cause_name(c->verdict.cause);
    count(&p->g[BM_PAT_CAUSE], s ? s : "not diagnosed", failed);
}
