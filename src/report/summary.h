/*
 * summary.h - failure patterns across connections (issue [4/8]): how many
 * connections failed, grouped by client address, server address, path
 * (TTL of the client's segments, i.e. as the server would see them), suite,
 * version, resumed or not, size of the failing record, and cause.
 *
 * Bounded memory: a fixed table per group; the first BM_PAT_KEYS distinct
 * keys get a row, the rest are counted in "other".
 */
#ifndef BM_REPORT_SUMMARY_H
#define BM_REPORT_SUMMARY_H

#include <stdint.h>

#include "../../include/badmac/conn.h"

#define BM_PAT_KEYS 32
#define BM_PAT_KEY_LEN 64

enum {
    BM_PAT_CLIENT = 0, BM_PAT_SERVER, BM_PAT_PATH, BM_PAT_SUITE, BM_PAT_VERSION, BM_PAT_RESUMED,
    BM_PAT_SIZE, BM_PAT_CAUSE, BM_PAT_GROUPS
};

typedef struct bm_pat_row {
    char key[BM_PAT_KEY_LEN];
    uint64_t total, failed;
} bm_pat_row;

typedef struct bm_pat_group {
    unsigned n;
    bm_pat_row rows[BM_PAT_KEYS];
    uint64_t other_total, other_failed;
} bm_pat_group;

typedef struct bm_patterns {
    uint64_t total, failed;
    bm_pat_group g[BM_PAT_GROUPS];
} bm_patterns;

void bm_patterns_init(bm_patterns *p);
/* A connection counts as failed when it has a fatal alert or a record that
 * failed its check. */
void bm_patterns_add(bm_patterns *p, const bm_conn *c);
/* One connection's key in every group (NULL: "unknown"), as bm_patterns_add
 * takes them from a bm_conn; badmac merge takes them from JSON lines. */
typedef struct bm_pat_keys {
    const char *key[BM_PAT_GROUPS];
    bool failed;
} bm_pat_keys;
void bm_patterns_add_keys(bm_patterns *p, const bm_pat_keys *k);
/* The path key of a client TTL ("ttl=64"); the cause key of a cause name
 * (NULL: "not diagnosed"). */
void bm_pattern_ttl_key(unsigned ttl, char *buf, size_t cap);
const char *bm_pattern_cause_key(const char *cause);
/* "client", "server", "path", "suite", "version", "resumed", "record_size", "cause" */
const char *bm_pattern_group_name(unsigned g);
/* Size bucket of a record length: "<=1K", "<=4K", "<=16K", ">16K" (with
 * room for the record's protection overhead). */
const char *bm_pattern_size_bucket(uint32_t len);

#endif
