/*
 * names.h - the spellings of the data model's failure reasons
 * (include/badmac/conn.h BM_REC_REASONS), for every stage that prints one:
 * the decryption stage's problem lines, the diagnosis' evidence lines, the
 * text and JSON reports. One row per reason holds all its spellings, so
 * they cannot drift apart.
 */
#ifndef BM_UTIL_NAMES_H
#define BM_UTIL_NAMES_H

#include "../../include/badmac/conn.h"

typedef enum bm_name_form {
    BM_NAME_JSON = 0, /* "tag_mismatch": the JSON contract */
    BM_NAME_TEXT,     /* "tag mismatch": text report, problem lines */
    BM_NAME_WORDING   /* the diagnosis' evidence line */
} bm_name_form;

/* NULL for BM_REASON_NONE and values outside the enum. */
const char *bm_reason_name(bm_rec_reason r, bm_name_form f);

#endif
