#include "keylog.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lines.h"

typedef struct kl_ctx {
    bm_keystore *ks;
    bm_diag *d;
    const char *src; /* interned */
    bm_result res;
} kl_ctx;

typedef struct kl_tok {
    const char *p;
    size_t n;
} kl_tok;

/* Messages name the label (one of ours) and the field, never an input
 * byte, so no secret can reach a diagnostic. */
static void bad_hex(kl_ctx *c, const char *where, const char *label, const char *field, int why)
{
    bm_keystore_count_bad(c->ks);
    bm_diag_at(c->d, where, "%s: %s %s (skipped)", label, field,
               why == 'N' ? "is not hex" : "has an odd number of hex digits");
}

static bool label_shaped(const kl_tok *t)
{
    if (t->n == 0 || t->n > 64)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        char ch = t->p[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return false;
    }
    return true;
}

/* 0 ok, 'N' not hex, 'O' odd length. */
static int hex_check(const kl_tok *t)
{
    for (size_t i = 0; i < t->n; i++) {
        if (bm_hexval((unsigned char)t->p[i]) < 0)
            return 'N';
    }
    return (t->n % 2) ? 'O' : 0;
}

static void hex_decode(const kl_tok *t, uint8_t *out)
{
    for (size_t i = 0; i < t->n / 2; i++)
        out[i] = (uint8_t)(bm_hexval((unsigned char)t->p[2 * i]) << 4 |
                           bm_hexval((unsigned char)t->p[2 * i + 1]));
}

static size_t tokenize(const char *s, size_t n, kl_tok *tok, size_t max)
{
    size_t count = 0, i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n)
            break;
        size_t start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        if (count < max) {
            tok[count].p = s + start;
            tok[count].n = i - start;
        }
        count++;
    }
    return count;
}

static bool secret_len_ok(bm_key_label l, size_t n)
{
    if (l == BM_KEY_CLIENT_RANDOM || l == BM_KEY_RSA_PMS)
        return n == 48;
    return n == 32 || n == 48 || n == 64;
}

static bool on_line(void *ud, uint64_t lineno, const char *line, size_t len, bool too_long)
{
    kl_ctx *c = ud;
    char where[40];
    snprintf(where, sizeof where, "line %" PRIu64, lineno);
    if (too_long) {
        bm_keystore_count_bad(c->ks);
        bm_diag_at(c->d, where, "line longer than %d bytes (skipped)", BM_KEYLOG_MAX_LINE);
        return true;
    }
    if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
        line += 3;
        len -= 3;
    }
    bm_trim(&line, &len);
    if (len == 0 || line[0] == '#')
        return true;

    kl_tok tok[3];
    size_t nt = tokenize(line, len, tok, 3);
    if (!label_shaped(&tok[0])) {
        bm_keystore_count_bad(c->ks);
        bm_diag_at(c->d, where, "not a key log line (skipped)");
        return true;
    }
    bm_key_label label;
    if (!bm_key_label_parse(tok[0].p, tok[0].n, &label)) {
        bm_keystore_count_unknown(c->ks);
        return true;
    }
    const char *ln = bm_key_label_name(label);
    if (nt != 3) {
        bm_keystore_count_bad(c->ks);
        bm_diag_at(c->d, where, "%s: expected 3 fields, got %zu (skipped)", ln, nt);
        return true;
    }
    bool rsa = label == BM_KEY_RSA_PMS;
    const char *id_name = rsa ? "encrypted premaster prefix" : "client random";
    const char *sec_name = rsa ? "premaster secret" : "secret";
    int h = hex_check(&tok[1]);
    if (h) {
        bad_hex(c, where, ln, id_name, h);
        return true;
    }
    h = hex_check(&tok[2]);
    if (h) {
        bad_hex(c, where, ln, sec_name, h);
        return true;
    }
    size_t id_len = tok[1].n / 2, sec_len = tok[2].n / 2;
    size_t id_want = rsa ? 8 : 32;
    if (id_len != id_want) {
        bm_keystore_count_bad(c->ks);
        bm_diag_at(c->d, where, "%s: %s is %zu bytes, expected %zu (skipped)", ln, id_name, id_len,
                   id_want);
        return true;
    }
    if (!secret_len_ok(label, sec_len)) {
        bm_keystore_count_bad(c->ks);
        bm_diag_at(c->d, where, "%s: %s is %zu bytes, expected %s (skipped)", ln, sec_name, sec_len,
                   (label == BM_KEY_CLIENT_RANDOM || rsa) ? "48" : "32, 48 or 64");
        return true;
    }
    uint8_t id[32], secret[64];
    hex_decode(&tok[1], id);
    hex_decode(&tok[2], secret);
    bm_result r = bm_keystore_put(c->ks, label, id, id_len, secret, sec_len, c->src, lineno, NULL);
    OPENSSL_cleanse(secret, sizeof secret);
    if (!bm_is_ok(r)) {
        c->res = r;
        return false;
    }
    return true;
}

static bm_result load(bm_keystore *ks, const char *name, bm_diag *d, const uint8_t *data,
                      size_t len, bool from_file)
{
    BM_ENSURE(ks && d && name, BM_ERR_USAGE);
    const char *src = bm_keystore_intern(ks, name);
    BM_ENSURE(src, BM_ERR_NOMEM);
    kl_ctx c = {ks, d, src, BM_SUCCESS};
    bm_result res = bm_lines_run(name, src, "key log", from_file, data, len, on_line, NULL, &c, d);
    return bm_is_ok(res) ? c.res : res;
}

bm_result bm_keylog_load_file(bm_keystore *ks, const char *path, bm_diag *d)
{
    BM_ENSURE(path, BM_ERR_USAGE);
    bm_diag_saved saved;
    bm_diag_push_file(d, path, &saved);
    bm_result r = load(ks, path, d, NULL, 0, true);
    bm_diag_pop_file(d, &saved);
    return r;
}

bm_result bm_keylog_load_mem(bm_keystore *ks, const uint8_t *data, size_t len,
                             const char *source_name, bm_diag *d)
{
    BM_ENSURE(data || len == 0, BM_ERR_USAGE);
    return load(ks, source_name ? source_name : "-", d, data, len, false);
}

const char *bm_keylog_default_path(void)
{
    const char *p = getenv("SSLKEYLOGFILE");
    return (p && p[0]) ? p : NULL;
}

void bm_keys_dsb_cb(void *ud, uint32_t type, const uint8_t *data, size_t len, uint64_t off)
{
    bm_keys_dsb_ctx *x = ud;
    if (!x || !x->ks || !x->diag)
        return;
    const char *cap = x->capture_name ? x->capture_name : "-";
    if (type != BM_DSB_TLS_KEYLOG) {
        bm_diag_saved saved;
        char where[48];
        snprintf(where, sizeof where, "offset %" PRIu64, off);
        bm_diag_push_file(x->diag, cap, &saved);
        bm_diag_notice_at(x->diag, where, "unsupported secrets type 0x%08" PRIx32 " (skipped)", type);
        bm_diag_pop_file(x->diag, &saved);
        return;
    }
    char name[600];
    snprintf(name, sizeof name, "DSB in %s at offset %" PRIu64, cap, off);
    if (bm_is_ok(bm_keylog_load_mem(x->ks, data, len, name, x->diag)))
        x->loaded++;
    else
        x->failed++;
}
