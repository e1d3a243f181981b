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

void bm_patterns_add_keys(bm_patterns *p, const bm_pat_keys *k)
{
    p->total++;
    p->failed += k->failed;
    for (unsigned g = 0; g < BM_PAT_GROUPS; g++)
        count(&p->g[g], k->key[g] ? k->key[g] : "unknown", k->failed);
}

const char *bm_pattern_cause_key(const char *cause) { return cause ? cause : "not diagnosed"; }

void bm_patterns_add(bm_patterns *p, const bm_conn *c)
{
    int failed = c->status.status == BM_STATUS_FAILED;
    char client[BM_PAT_KEY_LEN], server[BM_PAT_KEY_LEN], ttl[BM_PAT_KEY_LEN];
    bm_format_ip(&c->client, client, sizeof client);
    bm_format_ip(&c->server, server, sizeof server);
    bm_pattern_ttl_key(c->tcp.ttl[BM_CLIENT], ttl, sizeof ttl);
    bm_pat_keys k = {.failed = failed != 0};
    k.key[BM_PAT_CLIENT] = client;
    k.key[BM_PAT_SERVER] = server;
    k.key[BM_PAT_PATH] = ttl;
    k.key[BM_PAT_SUITE] = c->hs.server_hello_seen ? bm_tls_suite_name(c->hs.cipher_suite) : NULL;
    k.key[BM_PAT_VERSION] = c->hs.version ? bm_tls_version_name(c->hs.version) : NULL;
    k.key[BM_PAT_RESUMED] = c->hs.resumed ? "resumed" : "full";
    k.key[BM_PAT_SIZE] = bm_pattern_size_bucket(size_of(c, failed));
    k.key[BM_PAT_CAUSE] = bm_pattern_cause_key(bm_cause_name(c->verdict.cause));
    bm_patterns_add_keys(p, &k);
}

void bm_pattern_ttl_key(unsigned ttl, char *buf, size_t cap) { snprintf(buf, cap, "ttl=%u", ttl); }
