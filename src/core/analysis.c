/*
 * analysis.c - wires the stages together: capture -> TLS -> (report, via the
 * caller's callback). Owns one instance of each stage; no globals.
 */
#include "../../include/badmac/badmac.h"

#include <stdlib.h>
#include <string.h>

#include "../capture/capture.h"
#include "../tls/tls.h"
#include "../util/diag.h"

struct bm_analysis {
    bm_analysis_opts opts;
    bm_diag diag;
    bm_tls *tls;
    bm_tcp_table *tcp;
    bm_capture_opts cap_opts;
    bm_totals totals;
    char *current;         /* copy of the capture path being read */
};

static void analysis_on_conn(void *ud, const bm_conn *c)
{
    bm_analysis *a = ud;
    a->totals.connections++;
    if (c->failed)
        a->totals.failed++;
    if (a->opts.on_conn)
        a->opts.on_conn(a->opts.ud, c);
}

bm_analysis *bm_analysis_new(const bm_analysis_opts *o)
{
    bm_analysis *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->opts = *o;
    a->diag.emit = o->on_diag;
    a->diag.ud = o->ud;
    bm_conn_sink sink = {.ud = a, .conn = analysis_on_conn};
    a->tls = bm_tls_new(&sink, &a->diag);
    bm_capture_opts_default(&a->cap_opts);
    a->tcp = a->tls ? bm_tcp_new(&a->cap_opts, bm_tls_stream_sink(a->tls), &a->diag) : NULL;
    if (!a->tls || !a->tcp) {
        bm_analysis_free(a);
        return NULL;
    }
    return a;
}

int bm_analysis_add_capture(bm_analysis *a, const char *path)
{
    free(a->current);
    a->current = strdup(path);
    if (!a->current)
        return -1;
    bm_diag_begin_file(&a->diag, a->current);
    bm_tls_set_capture(a->tls, a->current);
    bm_capture_stats st;
    memset(&st, 0, sizeof st);
    bm_result r = bm_capture_read_file(a->current, a->tcp, &a->diag, &st);
    /* Connections never outlive their file: frame numbers are per file. */
    bm_tcp_flush(a->tcp);
    bm_diag_end_file(&a->diag);
    a->totals.frames += st.frames;
    a->totals.bytes += st.bytes;
    if (!bm_is_ok(r)) {
        a->totals.unreadable++;
        return -1;
    }
    return 0;
}

void bm_analysis_finish(bm_analysis *a, bm_totals *out)
{
    a->totals.input_errors = a->diag.errors;
    if (out)
        *out = a->totals;
}

void bm_analysis_free(bm_analysis *a)
{
    if (!a)
        return;
    if (a->tcp)
        bm_tcp_free(a->tcp);
    if (a->tls)
        bm_tls_free(a->tls);
    free(a->current);
    free(a);
}
