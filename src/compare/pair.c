/*
 * pair.c - which connection of capture A is which of capture B, and how
 * far apart the two capture clocks are.
 *
 * Addresses and ports are never used alone: NAT rewrites them. In order:
 *  1. the ClientHello random (32 bytes chosen by the client: unique);
 *  2. for connections without a ClientHello, the hash of the first
 *     BM_CMP_HASH_BYTES bytes of both directions;
 *  3. what is left with a ClientHello on both sides is a candidate for
 *     interception: the client's handshake ended at a middlebox which made
 *     its own to the server (which it opens at once: within a second).
 *     Paired by start time (clocks aligned with the offset from 1 and 2),
 *     same SNI and, preferably, same server port; never when both legs show
 *     the same certificate (that is two connections to one server).
 * The clock offset is the median over pairs of the mean of the two
 * directions' first-byte time differences: the one-way delay between the
 * vantage points adds to one direction and subtracts from the other, so
 * the mean cancels it, and the half difference estimates it (its sign
 * tells which capture is nearer the client).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compare_int.h"

#define PAIR_MAX_LEFTOVER 4096      /* interception candidates compared pairwise per side */
#define PAIR_SLACK_NS 1000000000ll  /* time overlap tolerance */

typedef struct fp_table {
    uint64_t *key;
    uint64_t *idx;  /* fingerprint index + 1; 0 = empty */
    size_t mask;
} fp_table;

static bool table_init(fp_table *t, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    t->key = calloc(cap, sizeof *t->key);
    t->idx = calloc(cap, sizeof *t->idx);
    t->mask = cap - 1;
    return t->key && t->idx;
}

static void table_free(fp_table *t)
{
    free(t->key);
    free(t->idx);
}

static void table_put(fp_table *t, uint64_t key, uint64_t idx)
{
    size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull) & t->mask;
    while (t->idx[i])
        i = (i + 1) & t->mask;
    t->key[i] = key;
    t->idx[i] = idx + 1;
}

static uint64_t random_key(const bm_cmp_fp *f)
{
    uint64_t k;
    memcpy(&k, f->client_random + 8, sizeof k); /* bytes 0..3 were once a timestamp */
    return k;
}

static uint64_t payload_key(const bm_cmp_fp *f)
{
    return f->hash[BM_CLIENT] ^ (f->hash[BM_SERVER] * 31) ^ ((uint64_t)f->hashed[BM_CLIENT] << 32) ^
           f->hashed[BM_SERVER];
}

static bool add_pair(bm_cmp *c, size_t ia, size_t ib, bm_cmp_method m)
{
    bm_cmp_pairrec *np = realloc(c->pairs, (c->npairs + 1) * sizeof *np);
    if (!np)
        return false;
    c->pairs = np;
    bm_cmp_pairrec *p = &np[c->npairs];
    memset(p, 0, sizeof *p);
    p->fi[BM_CAP_A] = ia;
    p->fi[BM_CAP_B] = ib;
    p->method = m;
    p->intercepted = m == BM_PAIR_HANDSHAKE;
    c->fps[BM_CAP_A][ia].pair = (int64_t)c->npairs;
    c->fps[BM_CAP_B][ib].pair = (int64_t)c->npairs;
    c->npairs++;
    return true;
}

typedef bool (*match_fn)(const bm_cmp_fp *a, const bm_cmp_fp *b);
typedef bool (*want_fn)(const bm_cmp_fp *f);
typedef uint64_t (*key_fn)(const bm_cmp_fp *f);

static bool want_random(const bm_cmp_fp *f) { return f->used && f->pair < 0 && f->hello; }
static bool match_random(const bm_cmp_fp *a, const bm_cmp_fp *b)
{
    return memcmp(a->client_random, b->client_random, 32) == 0;
}
static bool want_payload(const bm_cmp_fp *f)
{
    return f->used && f->pair < 0 && !f->hello && f->hashed[BM_CLIENT] + f->hashed[BM_SERVER] > 0;
}
static bool match_payload(const bm_cmp_fp *a, const bm_cmp_fp *b)
{
    for (int d = 0; d < 2; d++)
        if (a->hashed[d] != b->hashed[d] || a->hash[d] != b->hash[d])
            return false;
    return true;
}

/* Exact-key pairing: B's candidates in a table, A's looked up in order. */
static void pair_by_key(bm_cmp *c, want_fn want, key_fn key, match_fn match, bm_cmp_method m)
{
    fp_table t;
    if (!table_init(&t, c->nfps[BM_CAP_B])) {
        table_free(&t);
        return;
    }
    for (size_t i = 0; i < c->nfps[BM_CAP_B]; i++)
        if (want(&c->fps[BM_CAP_B][i]))
            table_put(&t, key(&c->fps[BM_CAP_B][i]), i);
    for (size_t i = 0; i < c->nfps[BM_CAP_A]; i++) {
        const bm_cmp_fp *a = &c->fps[BM_CAP_A][i];
        if (!want(a))
            continue;
        uint64_t k = key(a);
        for (size_t s = (size_t)(k * 0x9e3779b97f4a7c15ull) & t.mask; t.idx[s]; s = (s + 1) & t.mask) {
            const bm_cmp_fp *b = &c->fps[BM_CAP_B][t.idx[s] - 1];
            if (t.key[s] == k && b->pair < 0 && match(a, b)) {
                if (!add_pair(c, i, t.idx[s] - 1, m))
                    goto out;
                break;
            }
        }
    }
out:
    table_free(&t);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

double bm_cmp_median(int64_t *v, uint32_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    if (n & 1)
        return (double)v[n / 2];
    return ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

/* Pass-1 estimates per pair, the global offset (median) and vote. */
static void estimate(bm_cmp *c)
{
    int64_t *v = malloc((c->npairs ? c->npairs : 1) * sizeof *v);
    uint32_t n = 0;
    for (size_t i = 0; i < c->npairs; i++) {
        bm_cmp_pairrec *p = &c->pairs[i];
        const bm_cmp_fp *a = &c->fps[BM_CAP_A][p->fi[0]], *b = &c->fps[BM_CAP_B][p->fi[1]];
        if (!a->data_ts[BM_CLIENT] || !b->data_ts[BM_CLIENT])
            continue;
        double dc = (double)((int64_t)(b->data_ts[BM_CLIENT] - a->data_ts[BM_CLIENT]));
        double o = dc;
        if (a->data_ts[BM_SERVER] && b->data_ts[BM_SERVER]) {
            double ds = (double)((int64_t)(b->data_ts[BM_SERVER] - a->data_ts[BM_SERVER]));
            o = (dc + ds) / 2;
            p->delay = (dc - ds) / 2 / 1e9;
            p->has_est = true;
            c->vote += p->delay > 0 ? 1 : p->delay < 0 ? -1 : 0;
        }
        p->offset = o / 1e9;
        if (v && !p->intercepted)
            v[n++] = (int64_t)o;
    }
    c->offset_samples = n;
    c->offset = v ? bm_cmp_median(v, n) / 1e9 : 0;
    free(v);
}

static int64_t overlap_ns(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    int64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi - lo;
}

static uint16_t server_port(const bm_cmp_fp *f) { return f->tuple.port[!f->client_dir]; }

/* Interception candidates: best B for each A by score, then closeness. */
static void pair_intercepted(bm_cmp *c)
{
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < c->nfps[BM_CAP_A]; i++)
        na += want_random(&c->fps[BM_CAP_A][i]);
    for (size_t i = 0; i < c->nfps[BM_CAP_B]; i++)
        nb += want_random(&c->fps[BM_CAP_B][i]);
    if (!na || !nb || na > PAIR_MAX_LEFTOVER || nb > PAIR_MAX_LEFTOVER)
        return;
    int64_t off = (int64_t)(c->offset * 1e9);
    for (size_t i = 0; i < c->nfps[BM_CAP_A]; i++) {
        const bm_cmp_fp *a = &c->fps[BM_CAP_A][i];
        if (!want_random(a))
            continue;
        int64_t a0 = (int64_t)a->first_ts + off - PAIR_SLACK_NS, a1 = (int64_t)a->last_ts + off + PAIR_SLACK_NS;
        int best_score = -1;
        int64_t best_dist = 0;
        size_t best = 0;
        for (size_t j = 0; j < c->nfps[BM_CAP_B]; j++) {
            const bm_cmp_fp *b = &c->fps[BM_CAP_B][j];
            if (!want_random(b))
                continue;
            if (overlap_ns(a0, a1, (int64_t)b->first_ts, (int64_t)b->last_ts) < 0)
                continue;
            int64_t dist = llabs((int64_t)b->first_ts - ((int64_t)a->first_ts + off));
            if (dist > PAIR_SLACK_NS)
                continue;
            if (a->sni[0] && b->sni[0] && strcasecmp(a->sni, b->sni) != 0)
                continue;
            /* the same certificate on both legs: two connections to the
             * same server, not one seen through an interceptor */
            if (a->n_certs && b->n_certs && memcmp(a->leaf.sha256, b->leaf.sha256, 32) == 0)
                continue;
            int score = (server_port(a) == server_port(b)) * 2 + (a->sni[0] && b->sni[0]);
            if (score > best_score || (score == best_score && dist < best_dist)) {
                best_score = score;
                best_dist = dist;
                best = j;
            }
        }
        if (best_score >= 0 && !add_pair(c, i, best, BM_PAIR_HANDSHAKE))
            return;
    }
}

void bm_cmp_pair(bm_cmp *c)
{
    pair_by_key(c, want_random, random_key, match_random, BM_PAIR_RANDOM);
    pair_by_key(c, want_payload, payload_key, match_payload, BM_PAIR_PAYLOAD);
    estimate(c);
    size_t before = c->npairs;
    pair_intercepted(c);
    /* Interceptions get the pass-1 timing estimate too (not in the median). */
    for (size_t i = before; i < c->npairs; i++) {
        bm_cmp_pairrec *p = &c->pairs[i];
        const bm_cmp_fp *a = &c->fps[BM_CAP_A][p->fi[0]], *b = &c->fps[BM_CAP_B][p->fi[1]];
        if (a->data_ts[BM_CLIENT] && b->data_ts[BM_CLIENT] && a->data_ts[BM_SERVER] && b->data_ts[BM_SERVER]) {
            double dc = (double)((int64_t)(b->data_ts[BM_CLIENT] - a->data_ts[BM_CLIENT]));
            double ds = (double)((int64_t)(b->data_ts[BM_SERVER] - a->data_ts[BM_SERVER]));
            p->delay = (dc - ds) / 2 / 1e9;
            p->has_est = true;
        }
        p->offset = c->offset;
    }
    c->tot.pairs = c->npairs;
    c->tot.clock_offset_s = c->offset;
    c->tot.offset_samples = c->offset_samples;
}
