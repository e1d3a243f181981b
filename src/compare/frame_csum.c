/*
 * frame_csum.c - the TCP checksum verdict of each captured frame, for the
 * question "was the corrupted segment's checksum valid where it arrived?".
 *
 * The capture stage counts bad checksums per direction but does not say
 * which frame had one, so pass 2 reads its frames through a bm_capture_feed
 * that gives each frame's verdict (from the capture stage's own link and IP
 * decoding) before the frame's bytes reach the compare sinks, and keeps
 * the verdicts of recent frames in a ring.
 */
#include <stdlib.h>

#include "frame_csum.h"

bm_cmp_csum_ring *bm_cmp_csum_ring_new(void)
{
    return calloc(1, sizeof(bm_cmp_csum_ring));
}

void bm_cmp_csum_ring_put(void *ud, uint64_t frame, int v)
{
    bm_cmp_csum_ring *r = ud;
    r->v[frame & (BM_CMP_CSUM_RING - 1)] = (int8_t)v;
    if (frame > r->last)
        r->last = frame;
}

int bm_cmp_csum_ring_get(void *ud, uint64_t frame)
{
    bm_cmp_csum_ring *r = ud;
    if (!frame || frame > r->last || r->last - frame >= BM_CMP_CSUM_RING)
        return -1;
    return r->v[frame & (BM_CMP_CSUM_RING - 1)];
}
