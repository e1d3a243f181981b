/*
 * jobs.h - badmac -j N: the run's captures analysed by N threads, thread i
 * analysing shard i of N of the connections (bm_analysis_opts.shard); the
 * connections handed to on_conn in the calling thread, in the order one
 * analysis reports them (bm_conn.capture_index, report_frame, then
 * last_frame, first_frame at the end of a capture), with ids 1, 2, ... in
 * that order: the report is the one of -j 1, byte for byte, as long as no
 * connection had to be closed early (each thread has 1/N of --max-state)
 * and the bit-search budget was not spent (each thread has its own).
 */
#ifndef BM_CLI_JOBS_H
#define BM_CLI_JOBS_H

#include <stdbool.h>

#include "../../include/badmac/badmac.h"

/* What one run reads: captures merged as one, or each on its own. */
typedef struct bm_jobs_input {
    const char *const *files;
    int n_files;
    bool separate;
} bm_jobs_input;

/* 'base' as for one analysis (on_conn, on_diag, ud are the caller's:
 * on_conn is called in this thread only, on_diag from any thread but one
 * at a time; a base.shard of base.shards is cut again among the threads).
 * Totals as one analysis would count them. 0, or -1 (out of memory or no
 * thread: one line on stderr). */
int bm_jobs_run(const bm_analysis_opts *base, unsigned n, const bm_jobs_input *in, bm_totals *out);

/* The number of processors online (at least 1). */
unsigned bm_jobs_cores(void);

#endif
