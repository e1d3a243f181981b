/*
 * frame_csum.h - per-frame TCP checksum verdicts for the compare stage:
 * the capture stage judges each frame as it decodes it (bm_capture_feed,
 * capture.h); pass 2 keeps the verdicts of recent frames in a ring.
 */
#ifndef BM_COMPARE_FRAME_CSUM_H
#define BM_COMPARE_FRAME_CSUM_H

#include <stdint.h>

#define BM_CMP_CSUM_RING (1u << 20) /* verdicts of the last 2^20 frames */
typedef struct bm_cmp_csum_ring {
    uint64_t last;
    int8_t v[BM_CMP_CSUM_RING];
} bm_cmp_csum_ring;

bm_cmp_csum_ring *bm_cmp_csum_ring_new(void);
/* A bm_frame_csum_cb (capture.h); ud is the ring. v: 1 the TCP checksum
 * verifies, 0 it does not, -1 not verifiable. */
void bm_cmp_csum_ring_put(void *ud, uint64_t frame, int v);
/* A bm_cmp_csum_fn: -1 for frames not (or no longer) in the ring. */
int bm_cmp_csum_ring_get(void *ud, uint64_t frame);

#endif
