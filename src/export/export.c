/*
 * export.c - the export stage: a decryption observer that writes the key
 * log (here) and the plaintext files (plain_out.c), and reports its own
 * write errors as one line each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export_int.h"

void bm_export_error(bm_export *e, const char *fmt, ...)
{
    char line[BM_EXPORT_PATH_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    e->errors++;
    if (e->emit)
        e->emit(e->ud, line);
}

static void on_secret(void *ud, const char *label, const uint8_t cr[32], const uint8_t *secret, size_t len)
{
    bm_export *e = ud;
    if (e->ev)
        bm_evidence_secret(e->ev, label, cr, secret, len);
    if (!e->kl || e->kl_failed)
        return;
    if (bm_keylog_out_add(e->kl, label, cr, secret, len) < 0) {
        e->kl_failed = true;
        bm_export_error(e, "cannot write the key log: %s", strerror(errno));
    }
}

bm_export *bm_export_new(const char *plain_dir, FILE *keylog, void (*emit)(void *ud, const char *line), void *ud)
{
    bm_export *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->emit = emit;
    e->ud = ud;
    if (plain_dir && strlen(plain_dir) + 64 > BM_EXPORT_PATH_MAX) {
        free(e);
        errno = ENAMETOOLONG;
        return NULL;
    }
    if ((plain_dir && !(e->dir = strdup(plain_dir))) || (keylog && !(e->kl = bm_keylog_out_new(keylog)))) {
        bm_export_free(e);
        return NULL;
    }
    e->obs.ud = e;
    e->obs.secret = on_secret;
    if (e->dir) {
        e->obs.conn_open = bm_plain_conn_open;
        e->obs.app_data = bm_plain_app_data;
        e->obs.app_gap = bm_plain_app_gap;
        e->obs.conn_close = bm_plain_conn_close;
    }
    return e;
}

const bm_dec_observer *bm_export_observer(bm_export *e) { return &e->obs; }

void bm_export_set_evidence(bm_export *e, bm_evidence *ev) { e->ev = ev; }

unsigned bm_export_errors(const bm_export *e) { return e ? e->errors : 0; }

void bm_export_free(bm_export *e)
{
    if (!e)
        return;
    bm_keylog_out_free(e->kl);
    free(e->dir);
    free(e);
}

FILE *bm_export_open_private(const char *path, bool read_too)
{
    int fd = open(path, (read_too ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return NULL;
    FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, read_too ? "w+b" : "wb") : NULL;
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

FILE *bm_export_create(const char *path, bool read_too, char *tmp, size_t cap)
{
    struct stat st;
    tmp[0] = 0;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            errno = ELOOP;
            return NULL;
        }
        if (!S_ISREG(st.st_mode))
            return bm_export_open_private(path, read_too);
    }
    int n = snprintf(tmp, cap, "%s.badmac-XXXXXX", path);
    if (n < 0 || (size_t)n >= cap) {
        tmp[0] = 0;
        errno = ENAMETOOLONG;
        return NULL;
    }
    int fd = mkstemp(tmp); /* O_EXCL, mode 0600 */
    if (fd < 0) {
        tmp[0] = 0;
        return NULL;
    }
    FILE *f = fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 ? fdopen(fd, read_too ? "w+b" : "wb") : NULL;
    if (!f) {
        int e = errno;
        close(fd);
        (void)unlink(tmp);
        tmp[0] = 0;
        errno = e;
    }
    return f;
}

int bm_export_commit(FILE *f, const char *tmp, const char *path)
{
    int ok = fflush(f) == 0 && (!tmp[0] || fsync(fileno(f)) == 0);
    int e = errno;
    ok = fclose(f) == 0 && ok;
    if (ok && tmp[0] && rename(tmp, path) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        if (tmp[0])
            (void)unlink(tmp);
        errno = e ? e : EIO;
        return -1;
    }
    return 0;
}

void bm_export_discard(FILE *f, const char *tmp)
{
    if (f)
        (void)fclose(f);
    if (tmp && tmp[0])
        (void)unlink(tmp);
}

int bm_export_mkdir_p(const char *dir)
{
    char p[BM_EXPORT_PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char save = p[i];
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return -1;
        p[i] = save;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}
