/*
 * words.h - private to the report stage: appending words to a bounded
 * buffer, shared by the finding and the verdict line formatters, and the
 * verdict line wording split by topic (vtext_*.c).
 */
#ifndef BM_REPORT_WORDS_H
#define BM_REPORT_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../include/badmac/conn.h"

/* snprintf that appends at *o and never moves *o past cap - 1. cap MUST
 * be > 0 and buf NUL-terminated at *o. */
void bm_words_put(char *buf, size_t cap, size_t *o, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "client" / "server": BM_CLIENT is the client, any other value the server. */
const char *bm_words_role(int64_t role);
/* The other role's name: "server" for BM_CLIENT, else "client". */
const char *bm_words_other(int64_t role);

/* status_text.c: what an abort was (a BM_SR_ABORT_* reason), a handshake
 * message type's name. */
const char *bm_words_abort(int64_t why);
const char *bm_words_hs(int64_t type);
/* What makes an encrypted alert fit a fatal alert (bm_finding_why) /
 * close_notify (bm_finding_close), as a clause. */
const char *bm_words_fatal_fit(int64_t why);
const char *bm_words_close_fit(int64_t why);

/* The English of one verdict line, by topic: false when the code is not
 * the file's (verdict_text.c tries them in turn). */
bool bm_vtext_conn(const bm_vline *l, char *buf, size_t cap, size_t *o);
bool bm_vtext_record(const bm_vline *l, char *buf, size_t cap, size_t *o);
bool bm_vtext_steps(const bm_vline *l, char *buf, size_t cap, size_t *o);

#endif
