/*
 * diag.h - one-line messages about bad input.
 *
 * Every complaint about an input names the file and the position in it
 * ("cap.pcap: frame 17: IPv4 header truncated"). Messages go to a sink the
 * caller provides (the CLI prints them on stderr); nothing here is global.
 * After BM_DIAG_MAX_PER_FILE messages for one file the rest are counted and
 * summarised in one line by bm_diag_end_file(), so a garbage capture cannot
 * flood the terminal.
 *
 * Two levels. An ERROR is input badmac cannot read (a corrupt or truncated
 * capture, a key file line it cannot parse): counted in 'errors', which
 * makes the command exit 2. A NOTICE is readable input that carries
 * something badmac does not analyse (non-TLS bytes on a TLS port, a
 * decryption secrets block of another secrets type): one line too, marked
 * "notice:", counted in 'notices' and never an input error.
 */
#ifndef BM_UTIL_DIAG_H
#define BM_UTIL_DIAG_H

#include <stdbool.h>
#include <stdint.h>

#define BM_DIAG_MAX_PER_FILE 50

typedef struct bm_diag {
    void (*emit)(void *ud, const char *line); /* may be NULL: messages are only counted */
    void *ud;
    const char *file;    /* name of the input being read (borrowed) */
    unsigned in_file;    /* messages for the current file */
    unsigned suppressed; /* messages not printed for the current file */
    unsigned errors;     /* input errors over the whole run */
    unsigned notices;    /* notices over the whole run (not errors) */
    bool always;         /* the message being emitted is never suppressed (bm_diag_notice_always) */
    /* Several captures read as one: which file and frame of it a frame
     * number is (false: unknown); NULL for one capture. */
    int (*locate)(const void *ud, uint64_t frame, const char **file, uint64_t *file_frame);
    const void *locate_ud;
} bm_diag;

/* "FILE: frame N: message". frame 0 means "no frame": "FILE: message".
 * With 'locate' set: "FILE: frame N (merged frame M): message". */
void bm_diag_frame(bm_diag *d, uint64_t frame, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "FILE: WHERE: message", e.g. WHERE = "line 12" or "offset 4096". */
void bm_diag_at(bm_diag *d, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same places, as a notice: "FILE: frame N: notice: message". */
void bm_diag_notice(bm_diag *d, uint64_t frame, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void bm_diag_notice_at(bm_diag *d, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A notice about the whole file that must be seen whatever came before it
 * (connections closed early): printed even past BM_DIAG_MAX_PER_FILE. */
void bm_diag_notice_always(bm_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bm_diag_begin_file(bm_diag *d, const char *file);
void bm_diag_end_file(bm_diag *d);

#endif
