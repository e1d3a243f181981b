/*
 * sel.c - parsing of record selectors and fault options, and the seeded
 * decisions made from them.
 */
#include "relay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[BM_FAULT_KIND_COUNT_] = {
    "flip", "flip-bits", "burst", "drop", "dup", "swap",
    "truncate", "truncate-keep", "cut", "segment", "delay", "merge",
};

const char *bm_relay_kind_name(bm_relay_kind k)
{
    if ((unsigned)k >= (unsigned)BM_FAULT_KIND_COUNT_)
        return "?";
    return kind_names[k];
}

/* splitmix64 finaliser: cheap, well mixed, and the same on every platform. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t bm_relay_hash(uint64_t seed, uint64_t conn, uint64_t dir, uint64_t fault,
                       uint64_t record, uint64_t k)
{
    uint64_t h = mix64(seed);
    h = mix64(h ^ conn);
    h = mix64(h ^ (dir << 32 | fault));
    h = mix64(h ^ record);
    return mix64(h ^ k);
}

/* A decimal integer filling [s, s+n) exactly, within [lo, hi]. */
static int parse_int(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static int key_is(const char *s, size_t n, const char *key, const char **val, size_t *vlen)
{
    size_t k = strlen(key);
    if (n <= k || memcmp(s, key, k) != 0 || s[k] != '=')
        return 0;
    *val = s + k + 1;
    *vlen = n - k - 1;
    return 1;
}

static int parse_rate(const char *v, size_t n, bm_relay_sel *s)
{
    const char *slash = memchr(v, '/', n);
    int64_t num, den;
    if (!slash)
        return 0;
    if (!parse_int(v, (size_t)(slash - v), 0, UINT32_MAX, &num) ||
        !parse_int(slash + 1, n - (size_t)(slash - v) - 1, 1, UINT32_MAX, &den) || num > den)
        return 0;
    s->rate_num = (uint32_t)num;
    s->rate_den = (uint32_t)den;
    return 1;
}

static int parse_term(const char *t, size_t n, bm_relay_sel *s)
{
    const char *v;
    size_t vn;
    int64_t x;
    if (n == 3 && memcmp(t, "c2s", 3) == 0) {
        s->dirs |= 1u << BM_RELAY_C2S;
        return 1;
    }
    if (n == 3 && memcmp(t, "s2c", 3) == 0) {
        s->dirs |= 1u << BM_RELAY_S2C;
        return 1;
    }
    if (n == 3 && memcmp(t, "any", 3) == 0)
        return 1;
    if (key_is(t, n, "index", &v, &vn))
        return parse_int(v, vn, 0, INT64_MAX, &s->index);
    if (key_is(t, n, "minlen", &v, &vn))
        return parse_int(v, vn, 0, INT64_MAX, &s->minlen);
    if (key_is(t, n, "nth-app", &v, &vn))
        return parse_int(v, vn, 0, INT64_MAX, &s->nth_app);
    if (key_is(t, n, "conn", &v, &vn))
        return parse_int(v, vn, 0, INT64_MAX, &s->conn);
    if (key_is(t, n, "type", &v, &vn)) {
        if (!parse_int(v, vn, 0, 255, &x))
            return 0;
        s->type = (int)x;
        return 1;
    }
    if (key_is(t, n, "rate", &v, &vn))
        return parse_rate(v, vn, s);
    return 0;
}

bm_result bm_relay_sel_parse(const char *text, bm_relay_sel *s)
{
    memset(s, 0, sizeof *s);
    s->index = s->minlen = s->nth_app = s->conn = -1;
    s->type = -1;
    const char *p = text;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        BM_ENSURE(n > 0 && parse_term(p, n, s), BM_ERR_USAGE);
        p += n;
        if (*p == ',')
            p++;
    }
    if (s->dirs == 0)
        s->dirs = (1u << BM_RELAY_C2S) | (1u << BM_RELAY_S2C);
    return BM_SUCCESS;
}

/* Split "a:b:c" into at most 'max' fields; returns the count or -1. */
static int split_colon(const char *arg, char *buf, size_t bufsz, char **fields, int max)
{
    size_t n = strlen(arg);
    if (n >= bufsz)
        return -1;
    memcpy(buf, arg, n + 1);
    int nf = 0;
    char *p = buf;
    for (;;) {
        if (nf == max)
            return -1;
        fields[nf++] = p;
        char *c = strchr(p, ':');
        if (!c)
            return nf;
        *c = '\0';
        p = c + 1;
    }
}

static int parse_offset(const char *s, bm_relay_fault *f)
{
    if (strcmp(s, "rand") == 0) {
        f->offset_rand = 1;
        return 1;
    }
    return parse_int(s, strlen(s), -BM_RELAY_BODY_MAX, BM_RELAY_BODY_MAX - 1, &f->offset);
}

static int parse_sizes(const char *s, bm_relay_fault *f)
{
    f->nsizes = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        int64_t v;
        if (f->nsizes == BM_RELAY_MAX_SIZES || !parse_int(s, n, 1, BM_RELAY_REC_MAX, &v))
            return 0;
        f->sizes[f->nsizes++] = (uint32_t)v;
        s += n;
        if (*s == ',')
            s++;
    }
    return f->nsizes > 0;
}

static const struct {
    const char *opt;
    bm_relay_kind kind;
    int nparams;
} fault_opts[] = {
    {"flip", BM_FAULT_FLIP, 2},          {"flip-bits", BM_FAULT_FLIP_BITS, 1},
    {"burst", BM_FAULT_BURST, 2},        {"drop", BM_FAULT_DROP, 0},
    {"dup", BM_FAULT_DUP, 0},            {"swap", BM_FAULT_SWAP, 0},
    {"truncate", BM_FAULT_TRUNCATE, 1},  {"truncate-keep", BM_FAULT_TRUNCATE_KEEP, 1},
    {"cut", BM_FAULT_CUT, 0},            {"segment", BM_FAULT_SEGMENT, 1},
    {"delay", BM_FAULT_DELAY, 1},        {"merge", BM_FAULT_MERGE, 0},
};

bm_result bm_relay_fault_parse(const char *opt, const char *arg, bm_relay_fault *f)
{
    memset(f, 0, sizeof *f);
    f->bit = -1;
    size_t i, nopts = sizeof fault_opts / sizeof fault_opts[0];
    for (i = 0; i < nopts; i++)
        if (strcmp(opt, fault_opts[i].opt) == 0)
            break;
    BM_ENSURE(i < nopts, BM_ERR_USAGE);
    f->kind = fault_opts[i].kind;
    char buf[256], *fld[4];
    int nf = split_colon(arg, buf, sizeof buf, fld, 4);
    BM_ENSURE(nf == fault_opts[i].nparams + 1, BM_ERR_USAGE);
    BM_GUARD(bm_relay_sel_parse(fld[0], &f->sel));
    int64_t v;
    switch (f->kind) {
    case BM_FAULT_FLIP:
        BM_ENSURE(parse_offset(fld[1], f), BM_ERR_USAGE);
        if (strcmp(fld[2], "rand") != 0) {
            BM_ENSURE(parse_int(fld[2], strlen(fld[2]), 0, 7, &v), BM_ERR_USAGE);
            f->bit = (int)v;
        }
        break;
    case BM_FAULT_FLIP_BITS:
        BM_ENSURE(parse_int(fld[1], strlen(fld[1]), 1, BM_RELAY_MAX_BITS, &f->n), BM_ERR_USAGE);
        break;
    case BM_FAULT_BURST:
        BM_ENSURE(parse_offset(fld[1], f), BM_ERR_USAGE);
        BM_ENSURE(parse_int(fld[2], strlen(fld[2]), 1, BM_RELAY_BODY_MAX, &f->n), BM_ERR_USAGE);
        break;
    case BM_FAULT_TRUNCATE:
    case BM_FAULT_TRUNCATE_KEEP:
        BM_ENSURE(parse_int(fld[1], strlen(fld[1]), 1, BM_RELAY_BODY_MAX, &f->n), BM_ERR_USAGE);
        break;
    case BM_FAULT_DELAY:
        BM_ENSURE(parse_int(fld[1], strlen(fld[1]), 0, 600000, &f->n), BM_ERR_USAGE);
        break;
    case BM_FAULT_SEGMENT:
        BM_ENSURE(parse_sizes(fld[1], f), BM_ERR_USAGE);
        break;
    default:
        break;
    }
    return BM_SUCCESS;
}

int bm_relay_sel_match(const bm_relay_cfg *cfg, unsigned fi, uint64_t conn, int dir,
                       uint64_t index, int type, size_t len, int64_t app_index)
{
    if (fi >= cfg->nfaults)
        return 0;
    const bm_relay_sel *s = &cfg->faults[fi].sel;
    if (cfg->only_conn >= 0 && (uint64_t)cfg->only_conn != conn)
        return 0;
    if (!(s->dirs & (1u << dir)))
        return 0;
    if (s->conn >= 0 && (uint64_t)s->conn != conn)
        return 0;
    if (s->index >= 0 && (uint64_t)s->index != index)
        return 0;
    if (s->type >= 0 && s->type != type)
        return 0;
    if (s->minlen >= 0 && (uint64_t)s->minlen > len)
        return 0;
    if (s->nth_app >= 0 && s->nth_app != app_index)
        return 0;
    if (s->rate_den) {
        /* k = ~0: a key no other random choice of this record uses */
        uint64_t h = bm_relay_hash(cfg->seed, conn, (uint64_t)dir, fi, index, ~0ULL);
        if (h % s->rate_den >= s->rate_num)
            return 0;
    }
    return 1;
}
