/*
 * export_int.h - the export stage's private state, shared by export.c (the
 * stage, the key log) and plain_out.c (the plaintext files).
 */
#ifndef BM_EXPORT_EXPORT_INT_H
#define BM_EXPORT_EXPORT_INT_H

#include "export.h"

struct bm_export {
    char *dir;                 /* plaintext directory, NULL: no plaintext export */
    bm_keylog_out *kl;         /* NULL: no key log */
    bool kl_failed;            /* the key log write error was reported */
    void (*emit)(void *ud, const char *line);
    void *ud;
    unsigned errors;
    uint64_t next_tmp;         /* names of the files of live connections */
    bm_evidence *ev;           /* --keep-failures: gets every secret used (borrowed), NULL: none */
    bm_dec_observer obs;
};

/* One line about a write error (counted). */
void bm_export_error(bm_export *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* plain_out.c: the observer's per-connection callbacks */
void *bm_plain_conn_open(void *ud);
void bm_plain_app_data(void *oc, int side, uint64_t index, const uint8_t *p, size_t n);
void bm_plain_app_gap(void *oc, int side, uint64_t index, bm_dec_gap_kind kind, uint64_t records, uint64_t bytes);
void bm_plain_conn_close(void *oc, const bm_conn *c, int client_side, bool have_keys);

#endif
