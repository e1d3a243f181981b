/*
 * diagnose.h - one verdict per connection (issue [4/8], docs/diagnoses.md).
 *
 * bm_diagnose_conn() weighs every hypothesis that can explain a failed
 * connection and writes c->verdict: the cause, how sure (proven = a
 * record authenticated under the changed assumption, or a verified bit
 * repair; likely/possible = circumstantial), the evidence lines, what it
 * exonerates and what to do next. Clean connections get "healthy".
 *
 * The analysis (src/core/) calls it once per connection, when the TLS
 * stage hands the connection over: with the evidence the decryption stage
 * kept (bm_decrypt_evidence: a copy of the first failing record per
 * direction and the reader state just before it), or, without keys, with
 * ev == NULL: then the verdict rests on what the TLS and TCP stages saw.
 */
#ifndef BM_DIAGNOSE_DIAGNOSE_H
#define BM_DIAGNOSE_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../include/badmac/conn.h"
#include "../decrypt/decrypt.h"

/* The bit-error searches of a whole run share one budget of work
 * (bm_locate_result.work: bytes through a MAC or cipher), so that a capture
 * of many failed connections of a quadratic suite (HMAC, CCM) cannot take
 * hours: once it is spent, a record's search stops (or is not run) and its
 * verdict says so (search_incomplete) instead of "every hypothesis fails". */
typedef struct bm_search_budget {
    uint64_t left;      /* work still allowed */
    uint64_t stopped;   /* searches cut short */
    uint64_t skipped;   /* searches not run at all */
} bm_search_budget;

#define BM_SEARCH_BUDGET_DEFAULT (8ull << 30) /* ~8 records of 16 KB under HMAC-SHA256, a few seconds */

/* ev may be NULL (keyless); budget may be NULL (no limit). Never fails: the
 * worst verdict is undetermined. */
void bm_diagnose_conn(const bm_diag_evidence *ev, bm_conn *c, bm_search_budget *budget);

/* Did the connection fail (docs/diagnoses.md "Failed"): writes c->status.
 * bm_diagnose_conn calls it first; every reader uses c->status. */
void bm_diagnose_status(bm_conn *c);
/* The earliest first_bad record of the connection (capture order), or NULL. */
const bm_bad_record *bm_first_bad(const bm_conn *c);

/* Stable names (docs/diagnoses.md). */
const char *bm_cause_name(bm_cause c);
const char *bm_confidence_name(bm_confidence c);

#endif
