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

/* -DBM_REWORD_FINDINGS: every finding, verdict line and status in other words,
 * the raw form (tests/e2e/reword.t). Both formatters are compiled either
 * way. */
#ifdef BM_REWORD_FINDINGS
#define BM_REWORD 1
#else
#define BM_REWORD 0
#endif

/* The most integer arguments a table entry names (verdict lines). */
#define BM_WORDS_ARGS BM_VLINE_ARGS

/* One entry of a code table (findings.h, verdict_lines.h): its stable
 * name, its BM_FK_* fields, the names of its string and integer
 * arguments (NULL when unused). */
typedef struct bm_words_def {
    const char *name;
    unsigned fields;
    const char *str;
    const char *arg[BM_WORDS_ARGS];
} bm_words_def;

/* A code table: defs[code] for 0 < code < count; nargs integer
 * arguments, then the string argument (arg_name index nargs). */
typedef struct bm_words_table {
    const bm_words_def *defs;
    unsigned count;
    unsigned nargs;
} bm_words_table;

/* The table's entry for code, NULL when the code is not in it. */
const bm_words_def *bm_words_def_of(const bm_words_table *t, unsigned code);
/* The accessors behind bm_finding_name / bm_vline_name etc. */
const char *bm_words_name(const bm_words_table *t, unsigned code);
unsigned bm_words_fields(const bm_words_table *t, unsigned code);
const char *bm_words_arg_name(const bm_words_table *t, unsigned code, unsigned i);

/* A finding or a verdict line as the raw form reads it. */
typedef struct bm_words_item {
    unsigned code;
    int64_t role;
    uint64_t index, frame, stream_off;
    const int64_t *arg; /* t->nargs of them */
    const char *str;    /* not necessarily terminated within str_cap */
    size_t str_cap;
} bm_words_item;

/* The item view of a bm_finding or bm_vline x. */
#define BM_WORDS_ITEM(x)                                                                                      \
    {(x)->code, (x)->role, (x)->index, (x)->frame, (x)->stream_off, (x)->arg, (x)->str, sizeof (x)->str}

/* A formatter's English: appends the words of item x at *o. */
typedef void bm_words_english(const void *x, char *buf, size_t cap, size_t *o);

/* bm_finding_format / bm_vline_format: the English of x, or under
 * BM_REWORD the raw form of it (item view of x). */
size_t bm_words_format(const bm_words_table *t, const bm_words_item *it, bm_words_english *english, const void *x,
                       char *buf, size_t cap);

/* "[name] role=client index=3 length=517" (bm_finding_format_raw,
 * bm_vline_format_raw): same contract as those. */
size_t bm_words_format_raw(const bm_words_table *t, const bm_words_item *it, char *buf, size_t cap);

/* Defines the five public functions of a worded code table (code_table.h's
 * BM_CODE_TABLE_FUNCS(P, T)) on the file's TABLE() and its ENGLISH
 * (a bm_words_english). */
#define BM_WORDS_TABLE_DEFS(P, T, TABLE, ENGLISH)                                                             \
    const char *P##_name(unsigned code) { return bm_words_name(TABLE(), code); }                              \
    unsigned P##_fields(unsigned code) { return bm_words_fields(TABLE(), code); }                             \
    const char *P##_arg_name(unsigned code, unsigned i) { return bm_words_arg_name(TABLE(), code, i); }       \
    size_t P##_format_raw(const T *x, char *buf, size_t cap)                                                  \
    {                                                                                                         \
        const bm_words_item it_ = BM_WORDS_ITEM(x);                                                           \
        return bm_words_format_raw(TABLE(), &it_, buf, cap);                                                  \
    }                                                                                                         \
    size_t P##_format(const T *x, char *buf, size_t cap)                                                      \
    {                                                                                                         \
        const bm_words_item it_ = BM_WORDS_ITEM(x);                                                           \
        return bm_words_format(TABLE(), &it_, ENGLISH, x, buf, cap);                                          \
    }

/* A fixed sentence: before, something chosen by style (the formatter's
 * own enum), after. */
typedef struct bm_words_sentence {
    uint16_t code;
    uint8_t style;
    const char *before, *after;
} bm_words_sentence;

/* The sentence of code among s[0..n), NULL when it has none. */
const bm_words_sentence *bm_words_sentence_of(const bm_words_sentence *s, size_t n, unsigned code);

/* Start a formatter's output: false when cap is 0, else buf is "". */
bool bm_words_begin(char *buf, size_t cap);

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
