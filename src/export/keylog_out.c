/*
 * keylog_out.c - writes NSS key log lines (the SSLKEYLOGFILE format that
 * Wireshark reads) and skips lines it has already written.
 *
 * Dedupe keeps a 64-bit FNV-1a fingerprint of each line (label, client
 * random, secret) in an open-addressing table that grows up to
 * BM_EXPORT_DEDUPE_MAX entries; past that a repeat may be written twice,
 * which is harmless. The line is built in a stack buffer that is cleansed
 * after use: it holds a secret.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "export.h"

struct bm_keylog_out {
    FILE *f;
    uint64_t *tab;  /* 0 = empty slot */
    size_t cap, used;
    uint64_t lines;
};

bm_keylog_out *bm_keylog_out_new(FILE *f)
{
    bm_keylog_out *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->f = f;
    return o;
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void tab_insert(uint64_t *tab, size_t cap, uint64_t fp)
{
    size_t i = (size_t)(fp & (cap - 1));
    while (tab[i] && tab[i] != fp)
        i = (i + 1) & (cap - 1);
    tab[i] = fp;
}

static bool tab_has(const bm_keylog_out *o, uint64_t fp)
{
    if (!o->cap)
        return false;
    size_t i = (size_t)(fp & (o->cap - 1));
    while (o->tab[i]) {
        if (o->tab[i] == fp)
            return true;
        i = (i + 1) & (o->cap - 1);
    }
    return false;
}

/* Remember fp; false when the table is full (then nothing is remembered). */
static bool tab_add(bm_keylog_out *o, uint64_t fp)
{
    if ((o->used + 1) * 4 > o->cap * 3) {
        size_t ncap = o->cap ? o->cap * 2 : 1024;
        if (ncap > BM_EXPORT_DEDUPE_MAX)
            return false;
        uint64_t *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            return false;
        for (size_t i = 0; i < o->cap; i++)
            if (o->tab[i])
                tab_insert(nt, ncap, o->tab[i]);
        if (o->tab) /* hashes of lines that hold secrets */
            OPENSSL_cleanse(o->tab, o->cap * sizeof *o->tab);
        free(o->tab);
        o->tab = nt;
        o->cap = ncap;
    }
    tab_insert(o->tab, o->cap, fp);
    o->used++;
    return true;
}

static size_t hex(char *dst, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = digits[p[i] >> 4];
        dst[2 * i + 1] = digits[p[i] & 15];
    }
    return 2 * n;
}

int bm_keylog_out_add(bm_keylog_out *o, const char *label, const uint8_t client_random[32], const uint8_t *secret,
                      size_t len)
{
    /* Longest label (CLIENT_HANDSHAKE_TRAFFIC_SECRET) + 2 spaces + 64 + 128 hex. */
    char line[64 + 2 + 64 + 2 * 64 + 2];
    size_t ll = strlen(label);
    if (!o || !o->f || ll == 0 || ll > 63 || len == 0 || len > 64)
        return -1;
    uint64_t fp = fnv(0xcbf29ce484222325ull, (const uint8_t *)label, ll + 1);
    fp = fnv(fp, client_random, 32);
    fp = fnv(fp, secret, len);
    if (!fp)
        fp = 1;
    if (tab_has(o, fp))
        return 0;
    (void)tab_add(o, fp);
    size_t n = 0;
    memcpy(line, label, ll);
    n += ll;
    line[n++] = ' ';
    n += hex(line + n, client_random, 32);
    line[n++] = ' ';
    n += hex(line + n, secret, len);
    line[n++] = '\n';
    size_t w = fwrite(line, 1, n, o->f);
    OPENSSL_cleanse(line, sizeof line);
    if (w != n)
        return -1;
    o->lines++;
    return 1;
}

uint64_t bm_keylog_out_lines(const bm_keylog_out *o) { return o ? o->lines : 0; }

void bm_keylog_out_free(bm_keylog_out *o)
{
    if (!o)
        return;
    if (o->tab)
        OPENSSL_cleanse(o->tab, o->cap * sizeof *o->tab);
    free(o->tab);
    free(o);
}
