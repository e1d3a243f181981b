#include "mbedtls_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lines.h"

struct bm_mbedtls_log {
    bm_mbedtls_record *recs;
    size_t n, cap;
    uint64_t bytes;
    uint64_t dropped;
    uint64_t secrets;
};

typedef enum ml_kind {
    ML_NONE = 0,
    ML_CLIENT_RANDOM,
    ML_SERVER_RANDOM,
    ML_MASTER,
    ML_RANDBYTES,
    ML_OUT_RECORD,
    ML_IN_RECORD
} ml_kind;

static const struct {
    const char *title;
    ml_kind kind;
    size_t len; /* required length, 0 = any */
} titles[] = {
    {"client hello, random bytes", ML_CLIENT_RANDOM, 32},
    {"server hello, random bytes", ML_SERVER_RANDOM, 32},
    {"master secret", ML_MASTER, 48},
    {"random bytes", ML_RANDBYTES, 64},
    {"output record sent to network", ML_OUT_RECORD, 0},
    {"input record from network", ML_IN_RECORD, 0},
};

typedef struct ml_ctx {
    bm_mbedtls_log *log;
    bm_keystore *ks;
    bm_diag *d;
    const char *src;
    bm_result res;
    /* the dump being read */
    ml_kind kind;
    const char *title;
    uint64_t dump_line;
    size_t declared, want, got;
    uint8_t buf[BM_MBEDTLS_DUMP_MAX];
    /* the connection being read */
    bool have_cr;
    uint8_t cr[32];
    bool pending; /* a master secret waiting for its client random */
    uint8_t pend_ms[48];
    uint64_t pend_line;
    bool pend_have_cr;
    uint8_t pend_cr[32];
} ml_ctx;

bm_mbedtls_log *bm_mbedtls_log_new(void)
{
    return calloc(1, sizeof(bm_mbedtls_log));
}

void bm_mbedtls_log_free(bm_mbedtls_log *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->n; i++)
        free(log->recs[i].data);
    free(log->recs);
    free(log);
}

size_t bm_mbedtls_log_n_records(const bm_mbedtls_log *log)
{
    return log ? log->n : 0;
}

const bm_mbedtls_record *bm_mbedtls_log_record(const bm_mbedtls_log *log, size_t i)
{
    return (log && i < log->n) ? &log->recs[i] : NULL;
}

uint64_t bm_mbedtls_log_dropped(const bm_mbedtls_log *log)
{
    return log ? log->dropped : 0;
}

uint64_t bm_mbedtls_log_secrets(const bm_mbedtls_log *log)
{
    return log ? log->secrets : 0;
}

/* what: "dump of 'TITLE' is incomplete"; titles are ours, never input. */
static void diag_line(ml_ctx *c, uint64_t line, const char *what, const char *title)
{
    char where[40];
    snprintf(where, sizeof where, "line %" PRIu64, line);
    if (title)
        bm_diag_at(c->d, where, "dump of '%s' %s (skipped)", title, what);
    else
        bm_diag_at(c->d, where, "%s (skipped)", what);
}

static void emit_secret(ml_ctx *c, const uint8_t cr[32])
{
    if (c->log)
        c->log->secrets++;
    if (c->ks && bm_is_ok(c->res))
        c->res = bm_keystore_put(c->ks, BM_KEY_CLIENT_RANDOM, cr, 32, c->pend_ms, 48, c->src,
                                 c->pend_line, NULL);
    OPENSSL_cleanse(c->pend_ms, sizeof c->pend_ms);
    c->pending = false;
}

static void flush_pending(ml_ctx *c)
{
    if (!c->pending)
        return;
    if (c->pend_have_cr) {
        emit_secret(c, c->pend_cr);
        return;
    }
    diag_line(c, c->pend_line, "master secret without a client random", NULL);
    OPENSSL_cleanse(c->pend_ms, sizeof c->pend_ms);
    c->pending = false;
}

static void add_record(ml_ctx *c)
{
    bm_mbedtls_log *log = c->log;
    if (!log)
        return;
    if (log->n >= BM_MBEDTLS_MAX_RECORDS || log->bytes + c->got > BM_MBEDTLS_MAX_RECORD_BYTES) {
        log->dropped++;
        return;
    }
    if (log->n == log->cap) {
        size_t nc = log->cap ? log->cap * 2 : 64;
        bm_mbedtls_record *nr = realloc(log->recs, nc * sizeof *nr);
        if (!nr) {
            c->res = bm_res(BM_ERR_NOMEM);
            return;
        }
        log->recs = nr;
        log->cap = nc;
    }
    bm_mbedtls_record *r = &log->recs[log->n];
    memset(r, 0, sizeof *r);
    r->data = malloc(c->got ? c->got : 1);
    if (!r->data) {
        c->res = bm_res(BM_ERR_NOMEM);
        return;
    }
    memcpy(r->data, c->buf, c->got);
    r->dir = c->kind == ML_OUT_RECORD ? BM_MBEDTLS_SENT : BM_MBEDTLS_RECEIVED;
    r->line = c->dump_line;
    r->declared_len = (uint32_t)c->declared;
    r->len = (uint32_t)c->got;
    r->truncated = c->got < c->declared;
    r->has_client_random = c->have_cr;
    memcpy(r->client_random, c->cr, 32);
    log->n++;
    log->bytes += c->got;
}

/* Called when a dump ends: complete, or cut by the next header or the end. */
static void finish_dump(ml_ctx *c)
{
    ml_kind k = c->kind;
    c->kind = ML_NONE;
    if (k == ML_NONE)
        return;
    bool complete = c->got == c->want;
    if (k == ML_OUT_RECORD || k == ML_IN_RECORD) {
        c->kind = k;
        add_record(c);
        c->kind = ML_NONE;
    } else if (!complete) {
        diag_line(c, c->dump_line, "is incomplete", c->title);
    } else if (k == ML_CLIENT_RANDOM) {
        flush_pending(c);
        memcpy(c->cr, c->buf, 32);
        c->have_cr = true;
    } else if (k == ML_MASTER) {
        flush_pending(c);
        memcpy(c->pend_ms, c->buf, 48);
        c->pend_line = c->dump_line;
        c->pend_have_cr = c->have_cr;
        memcpy(c->pend_cr, c->cr, 32);
        c->pending = true;
    } else if (k == ML_RANDBYTES && c->pending) {
        /* the key expansion input: server random || client random */
        emit_secret(c, c->buf + 32);
    }
    OPENSSL_cleanse(c->buf, c->got);
}

/* "dumping 'TITLE' (N bytes)" anywhere in the line. 1 when found. */
static int parse_header(const char *s, size_t n, const char **title, size_t *tlen, size_t *count)
{
    static const char key[] = "dumping '";
    const size_t kn = sizeof key - 1;
    for (size_t i = 0; i + kn <= n; i++) {
        if (memcmp(s + i, key, kn) != 0)
            continue;
        const char *t = s + i + kn, *end = s + n;
        const char *q = t;
        while (q + 2 < end && !(q[0] == '\'' && q[1] == ' ' && q[2] == '('))
            q++;
        if (q + 2 >= end)
            return 0;
        const char *p = q + 3;
        size_t v = 0, digits = 0;
        while (p < end && *p >= '0' && *p <= '9' && digits < 9) {
            v = v * 10 + (size_t)(*p - '0');
            p++;
            digits++;
        }
        if (!digits || end - p < 7 || memcmp(p, " bytes)", 7) != 0)
            return 0;
        *title = t;
        *tlen = (size_t)(q - t);
        *count = v;
        return 1;
    }
    return 0;
}

static bool on_line(void *ud, uint64_t lineno, const char *line, size_t len, bool too_long)
{
    ml_ctx *c = ud;
    if (too_long) {
        if (c->kind != ML_NONE)
            finish_dump(c);
        return bm_is_ok(c->res);
    }
    const char *t;
    size_t tn, count;
    if (parse_header(line, len, &t, &tn, &count)) {
        finish_dump(c);
        for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
            if (strlen(titles[i].title) != tn || memcmp(titles[i].title, t, tn) != 0)
                continue;
            if (titles[i].len && titles[i].len != count) {
                diag_line(c, lineno, "has an unexpected length", titles[i].title);
                break;
            }
            c->kind = titles[i].kind;
            c->title = titles[i].title;
            c->dump_line = lineno;
            c->declared = count;
            c->want = count < BM_MBEDTLS_DUMP_MAX ? count : BM_MBEDTLS_DUMP_MAX;
            c->got = 0;
            if (c->want == 0)
                finish_dump(c);
            break;
        }
        return bm_is_ok(c->res);
    }
    if (c->kind == ML_NONE)
        return true;
    size_t n = c->want - c->got < 16 ? c->want - c->got : 16;
    /* lines that are not the next dump line (other messages) are ignored */
    if (bm_hexdump_line(line, len, c->got, n, c->buf + c->got)) {
        c->got += n;
        if (c->got == c->want)
            finish_dump(c);
    }
    return bm_is_ok(c->res);
}

/* End of input: a dump cut short and a secret still waiting for its random. */
static void at_end(void *ud)
{
    ml_ctx *c = ud;
    finish_dump(c);
    flush_pending(c);
}

static bm_result load(bm_mbedtls_log *log, bm_keystore *ks, const char *name, bm_diag *d,
                      const uint8_t *data, size_t len, bool from_file)
{
    BM_ENSURE(d && name, BM_ERR_USAGE);
    const char *src = name;
    if (ks) {
        src = bm_keystore_intern(ks, name);
        BM_ENSURE(src, BM_ERR_NOMEM);
    }
    ml_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return bm_res(BM_ERR_NOMEM);
    c->log = log;
    c->ks = ks;
    c->d = d;
    c->src = src;
    c->res = BM_SUCCESS;
    bm_result res = bm_lines_run(name, src, "mbedTLS log", from_file, data, len, on_line, at_end, c, d);
    if (bm_is_ok(res))
        res = c->res;
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
    return res;
}

bm_result bm_mbedtls_log_load_file(bm_mbedtls_log *log, bm_keystore *ks, const char *path,
                                   bm_diag *d)
{
    BM_ENSURE(path, BM_ERR_USAGE);
    return load(log, ks, path, d, NULL, 0, true);
}

bm_result bm_mbedtls_log_load_mem(bm_mbedtls_log *log, bm_keystore *ks, const uint8_t *data,
                                  size_t len, const char *source_name, bm_diag *d)
{
    BM_ENSURE(data || len == 0, BM_ERR_USAGE);
    return load(log, ks, source_name ? source_name : "-", d, data, len, false);
}
