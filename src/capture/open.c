/*
 * open.c - opening a capture for reading: a file, standard input ("-"),
 * or a gzip-compressed file (tshark reads .gz too), read transparently
 * through zlib behind a stdio stream so that libpcap and badmac's pcapng
 * walker see plain bytes.
 */
#define _GNU_SOURCE /* fopencookie */
#include "capture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

static ssize_t gz_read(void *cookie, char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) { /* gzread takes an unsigned int */
        unsigned chunk = n - done > (1u << 30) ? (1u << 30) : (unsigned)(n - done);
        int got = gzread(cookie, buf + done, chunk);
        if (got < 0) {
            errno = EIO;
            return -1;
        }
        if (got == 0)
            break;
        done += (size_t)got;
    }
    return (ssize_t)done;
}

/* Forward seeks only (the pcapng walker skips blocks): zlib reads on. */
static int gz_seek(void *cookie, off64_t *off, int whence)
{
    z_off_t to = gzseek(cookie, (z_off_t)*off, whence);
    if (to < 0) {
        errno = ESPIPE;
        return -1;
    }
    *off = to;
    return 0;
}

static int gz_close(void *cookie) { return gzclose(cookie) == Z_OK ? 0 : EOF; }

bool bm_capture_is_stdin(const char *path) { return strcmp(path, "-") == 0; }

FILE *bm_capture_open(const char *path)
{
    if (bm_capture_is_stdin(path)) {
        int fd = dup(STDIN_FILENO);
        FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
        if (!f && fd >= 0)
            close(fd);
        return f;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char m[2];
    size_t n = fread(m, 1, 2, f);
    if (n == 2 && m[0] == 0x1f && m[1] == 0x8b) {
        fclose(f);
        gzFile z = gzopen(path, "rb");
        if (!z)
            return NULL;
        gzbuffer(z, 256u << 10);
        cookie_io_functions_t io = {.read = gz_read, .write = NULL, .seek = gz_seek, .close = gz_close};
        FILE *g = fopencookie(z, "rb", io);
        if (!g)
            gzclose(z);
        return g;
    }
    if (fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        errno = ESPIPE;
        return NULL;
    }
    return f;
}
