/*
 * lines.h - bounded line reading and hex-dump parsing for the text key
 * importers (NSS key log, mbedTLS and Java debug logs).
 *
 * Key files are untrusted: any bytes, NUL included, no final newline, CRLF,
 * lines of any length. The reader streams its input (a file is read in
 * fixed chunks, never whole) and hands out lines of at most BM_LINE_MAX
 * bytes; a longer line is reported once as too long and its bytes dropped,
 * so memory stays bounded whatever the input.
 */
#ifndef BM_KEYS_LINES_H
#define BM_KEYS_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/diag.h"
#include "../util/err.h"

#define BM_LINE_MAX 4096

/* One line without its "\n" or "\r\n" (it may contain NUL bytes; line[len]
 * is a NUL for convenience). When too_long is set, line is empty. Return
 * false to stop reading. */
typedef bool (*bm_line_fn)(void *ud, uint64_t lineno, const char *line, size_t len, bool too_long);

typedef struct bm_line_reader {
    bm_line_fn fn;
    void *ud;
    uint64_t lineno;
    size_t len;
    bool too_long;
    bool stopped;
    char buf[BM_LINE_MAX + 1];
} bm_line_reader;

void bm_lines_init(bm_line_reader *r, bm_line_fn fn, void *ud);
void bm_lines_feed(bm_line_reader *r, const uint8_t *data, size_t n);
/* Delivers a last line that had no final newline. */
void bm_lines_finish(bm_line_reader *r);

/* Streams a whole file through r (then bm_lines_finish). On failure emits
 * "PATH: cannot open WHAT: strerror" (or "cannot read") on d, whose current
 * file name is temporarily PATH, and returns BM_ERR_IO. */
BM_RESULT bm_lines_file(bm_line_reader *r, const char *path, const char *what, bm_diag *d);

/* Reads one whole input through a line reader of its own: the file 'name'
 * when from_file, else data[0..len) labelled 'name'. While it runs, d
 * names the input 'src'. The reader held secret lines: it is cleansed and
 * freed before returning. 'done' (may be NULL) runs after the last line,
 * while d still names the input, so end-of-input complaints name it too.
 * Returns BM_ERR_IO / BM_ERR_NOMEM, else success (what the callbacks found
 * is the caller's to report). */
BM_RESULT bm_lines_run(const char *name, const char *src, const char *what, bool from_file,
                       const uint8_t *data, size_t len, bm_line_fn fn, void (*done)(void *ud), void *ud,
                       bm_diag *d);

/* Diagnostics about an input other than the one d is reading now: switch d
 * to 'name' (with its own per-file cap), then back. */
typedef struct bm_diag_saved {
    const char *file;
    unsigned in_file, suppressed;
} bm_diag_saved;
void bm_diag_push_file(bm_diag *d, const char *name, bm_diag_saved *s);
void bm_diag_pop_file(bm_diag *d, const bm_diag_saved *s);

/* Trim spaces, tabs and CRs at both ends (in place on the [*s, *s+*n) view). */
void bm_trim(const char **s, size_t *n);

/* One line of a hex dump "...OOOO: xx xx xx ...": finds the offset field
 * equal to 'off' (4 hex digits, any case; a prefix such as "ssl_tls.c:0016: "
 * is skipped because every candidate is tried), then reads exactly 'want'
 * (1..16) whitespace-separated byte pairs into out. Returns 1 on success. */
int bm_hexdump_line(const char *s, size_t n, size_t off, size_t want, uint8_t *out);

/* Value of a hex digit, or -1. */
int bm_hexval(int c);

#endif
