#include "java_log.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lines.h"

typedef enum jl_kind { JL_NONE = 0, JL_CLIENT_NONCE, JL_MASTER } jl_kind;

typedef struct jl_ctx {
    bm_keystore *ks;
    bm_diag *d;
    const char *src;
    bm_result res;
    jl_kind kind;
    const char *title;
    uint64_t dump_line;
    size_t want, got;
    uint8_t buf[48];
    bool have_nonce;
    uint8_t nonce[32];
} jl_ctx;

static void diag_line(jl_ctx *c, uint64_t line, const char *msg, const char *title)
{
    char where[40];
    snprintf(where, sizeof where, "line %" PRIu64, line);
    if (title)
        bm_diag_at(c->d, where, "%s %s (skipped)", title, msg);
    else
        bm_diag_at(c->d, where, "%s (skipped)", msg);
}

/* The trimmed line is 'title', possibly after a prefix that does not end
 * in a letter (so "PreMaster Secret:" is not "Master Secret:"). */
static bool is_title(const char *s, size_t n, const char *title)
{
    bm_trim(&s, &n);
    size_t tn = strlen(title);
    if (n < tn || memcmp(s + n - tn, title, tn) != 0)
        return false;
    if (n == tn)
        return true;
    char before = s[n - tn - 1];
    return !((before >= 'a' && before <= 'z') || (before >= 'A' && before <= 'Z'));
}

static void finish(void *ud)
{
    jl_ctx *c = ud;
    jl_kind k = c->kind;
    c->kind = JL_NONE;
    if (k == JL_NONE)
        return;
    if (c->got != c->want) {
        diag_line(c, c->dump_line, "dump is incomplete", c->title);
    } else if (k == JL_CLIENT_NONCE) {
        memcpy(c->nonce, c->buf, 32);
        c->have_nonce = true;
    } else if (!c->have_nonce) {
        diag_line(c, c->dump_line, "Master Secret without a Client Nonce", NULL);
    } else if (bm_is_ok(c->res)) {
        c->res = bm_keystore_put(c->ks, BM_KEY_CLIENT_RANDOM, c->nonce, 32, c->buf, 48, c->src,
                                 c->dump_line, NULL);
    }
    OPENSSL_cleanse(c->buf, sizeof c->buf);
}

static void start(jl_ctx *c, jl_kind k, const char *title, size_t want, uint64_t lineno)
{
    c->kind = k;
    c->title = title;
    c->want = want;
    c->got = 0;
    c->dump_line = lineno;
}

static bool on_line(void *ud, uint64_t lineno, const char *line, size_t len, bool too_long)
{
    jl_ctx *c = ud;
    if (c->kind != JL_NONE && !too_long) {
        size_t n = c->want - c->got < 16 ? c->want - c->got : 16;
        if (bm_hexdump_line(line, len, c->got, n, c->buf + c->got)) {
            c->got += n;
            if (c->got == c->want)
                finish(c);
            return bm_is_ok(c->res);
        }
    }
    /* JSSE prints a dump in one synchronized block: any other line ends it */
    finish(c);
    if (too_long)
        return bm_is_ok(c->res);
    if (is_title(line, len, "CONNECTION KEYGEN:")) {
        c->have_nonce = false;
    } else if (is_title(line, len, "Client Nonce:")) {
        c->have_nonce = false;
        start(c, JL_CLIENT_NONCE, "Client Nonce", 32, lineno);
    } else if (is_title(line, len, "Master Secret:")) {
        start(c, JL_MASTER, "Master Secret", 48, lineno);
    }
    return bm_is_ok(c->res);
}

static bm_result load(bm_keystore *ks, const char *name, bm_diag *d, const uint8_t *data,
                      size_t len, bool from_file)
{
    BM_ENSURE(ks && d && name, BM_ERR_USAGE);
    const char *src = bm_keystore_intern(ks, name);
    BM_ENSURE(src, BM_ERR_NOMEM);
    jl_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return bm_res(BM_ERR_NOMEM);
    c->ks = ks;
    c->d = d;
    c->src = src;
    c->res = BM_SUCCESS;
    bm_result res = bm_lines_run(name, src, "Java debug log", from_file, data, len, on_line, finish, c, d);
    if (bm_is_ok(res))
        res = c->res;
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
    return res;
}

bm_result bm_java_log_load_file(bm_keystore *ks, const char *path, bm_diag *d)
{
    BM_ENSURE(path, BM_ERR_USAGE);
    return load(ks, path, d, NULL, 0, true);
}

bm_result bm_java_log_load_mem(bm_keystore *ks, const uint8_t *data, size_t len,
                               const char *source_name, bm_diag *d)
{
    BM_ENSURE(data || len == 0, BM_ERR_USAGE);
    return load(ks, source_name ? source_name : "-", d, data, len, false);
}
