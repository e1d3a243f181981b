/* mbedtls_store.c - file-backed mbedTLS session cache (see mbedtls_store.h).
 * Files: DIR/<hex id>.sess (mbedtls_ssl_session_save), DIR/<hex id>.prev (the
 * master secret of the session stored just before it), DIR/last.master. */
#include "mbedtls_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mbedtls_store_init(struct mbedtls_store *s, const char *dir, int stale)
{
    s->dir = dir;
    s->stale = stale;
}

static void path(char *out, size_t cap, const char *dir, const unsigned char *id,
                 size_t idlen, const char *ext)
{
    size_t n = (size_t)snprintf(out, cap, "%s/", dir), i;
    for (i = 0; i < idlen && n + 3 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%02x", id[i]);
    snprintf(out + n, cap - n, "%s", ext);
}

static int write_file(const char *file, const unsigned char *p, size_t n)
{
    FILE *f = fopen(file, "wb");
    if (!f)
        return -1;
    if (fwrite(p, 1, n, f) != n) {
        fclose(f);
        return -1;
    }
    return fclose(f) ? -1 : 0;
}

static long read_file(const char *file, unsigned char *p, size_t cap)
{
    FILE *f = fopen(file, "rb");
    size_t n;
    if (!f)
        return -1;
    n = fread(p, 1, cap, f);
    fclose(f);
    return (long)n;
}

int mbedtls_store_save_file(const char *file, const mbedtls_ssl_session *session)
{
    unsigned char buf[8192];
    size_t n;
    if (mbedtls_ssl_session_save(session, buf, sizeof buf, &n))
        return -1;
    return write_file(file, buf, n);
}

int mbedtls_store_load_file(const char *file, mbedtls_ssl_session *session)
{
    unsigned char buf[8192];
    long n = read_file(file, buf, sizeof buf);
    if (n <= 0)
        return -1;
    return mbedtls_ssl_session_load(session, buf, (size_t)n) ? -1 : 0;
}

int mbedtls_store_set(void *ctx, const mbedtls_ssl_session *session)
{
    struct mbedtls_store *s = ctx;
    char p[1024];
    unsigned char last[48];
    if (session->id_len == 0)
        return 0;
    snprintf(p, sizeof p, "%s/last.master", s->dir);
    if (read_file(p, last, sizeof last) == 48) {
        char q[1024];
        path(q, sizeof q, s->dir, session->id, session->id_len, ".prev");
        write_file(q, last, 48);
    }
    write_file(p, session->master, 48);
    path(p, sizeof p, s->dir, session->id, session->id_len, ".sess");
    return mbedtls_store_save_file(p, session);
}

int mbedtls_store_get(void *ctx, mbedtls_ssl_session *session)
{
    struct mbedtls_store *s = ctx;
    char p[1024];
    unsigned char id[32], prev[48];
    size_t idlen = session->id_len;
    if (idlen == 0 || idlen > sizeof id)
        return 1;
    memcpy(id, session->id, idlen);
    path(p, sizeof p, s->dir, id, idlen, ".sess");
    if (mbedtls_store_load_file(p, session))
        return 1;
    if (s->stale) {
        path(p, sizeof p, s->dir, id, idlen, ".prev");
        if (read_file(p, prev, sizeof prev) == 48) {
            memcpy(session->master, prev, 48);
            fprintf(stderr, "mbedtls_peer: fault stale-master: resuming with the master "
                            "secret of the previously stored session\n");
        }
    }
    return 0;
}
