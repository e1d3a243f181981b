/*
 * feed.c - the capture stage frame by frame (capture.h bm_capture_feed):
 * the per-file decoding context of bm_capture_read_file behind a public
 * handle, plus each frame's TCP checksum verdict for the caller.
 */
#include <stdlib.h>

#include "capture_int.h"

struct bm_capture_feed {
    bm_capture_ctx cx;
    bm_capture_stats st; /* the context counts here; nobody reads them */
};

bm_capture_feed *bm_capture_feed_new(bm_tcp_table *t, bm_diag *diag, bm_frame_csum_cb csum, void *ud)
{
    bm_capture_feed *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    bm_capture_ctx_init(&f->cx, t, diag, &f->st);
    f->cx.csum = csum;
    f->cx.csum_ud = ud;
    return f;
}

void bm_capture_feed_frame(bm_capture_feed *f, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len,
                           uint64_t ts_ns)
{
    f->cx.csum_told = false;
    bm_capture_feed_packet(&f->cx, linktype, p, caplen, len, ts_ns);
    if (f->cx.csum && !f->cx.csum_told)
        f->cx.csum(f->cx.csum_ud, f->cx.frame, -1);
}

void bm_capture_feed_free(bm_capture_feed *f)
{
    if (!f)
        return;
    bm_capture_ctx_fini(&f->cx);
    free(f);
}
