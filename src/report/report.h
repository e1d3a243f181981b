/*
 * report.h - the report stage: bm_conn -> text or JSON Lines.
 *
 * JSON follows the v1 contract in docs/json.md (one object per line; later
 * versions add fields, never remove or change them). The text report is
 * streamed: connection blocks go to a temporary file while the capture is
 * read, so that the summary can be printed first without holding every
 * connection in memory.
 */
#ifndef BM_REPORT_REPORT_H
#define BM_REPORT_REPORT_H

#include <stdio.h>

#include "../../include/badmac/badmac.h"
#include "../util/names.h"
#include "summary.h"

typedef struct bm_jw bm_jw;
/* One connection's line; scratch: a buffer reused from line to line (jw.h), NULL: one of its own. */
void bm_json_conn(FILE *out, const bm_conn *c, bm_jw *scratch);
void bm_json_summary(FILE *out, const bm_totals *t);
/* {"type": "patterns"}: failure rates by group (printed before the summary). */
void bm_json_patterns(FILE *out, const bm_patterns *p);

/* Text: format one connection block into 'out'. */
void bm_text_conn(FILE *out, const bm_conn *c);
/* One line of the list of failed connections under the summary. */
void bm_text_failed_line(const bm_conn *c, char *buf, size_t cap);
/* The one-line human summary: "3 connections, 1 failed: #2 (...)". */
void bm_text_summary_line(FILE *out, const bm_totals *t);
/* "failures by record size: <=1K 0/40, <=16K 12/20" and the other groups. */
void bm_text_patterns(FILE *out, const bm_patterns *p);

/* Helpers shared by both reports. */
void bm_format_ip(const bm_endpoint *e, char *buf, size_t cap);
const char *bm_role_name(int role); /* "client", "server", or NULL for -1 */
/* Decryption results: "keylog", "dsb", ... (NULL for none); "ok" /
 * "failed" / "unseen". Failure reasons: bm_reason_name (util/names.h). */
const char *bm_keys_source_name(bm_keys_source k);
const char *bm_finished_name(bm_finished_status f);
/* status_text.c: "failed" / "ok" / "unknown"; a BM_SR_* stable name (JSON);
 * the reason in words (the text headline), same contract as
 * bm_vline_format. */
const char *bm_status_name(int st);
const char *bm_status_reason_name(unsigned why);
size_t bm_status_format(const bm_status_info *s, char *buf, size_t cap);

#endif
