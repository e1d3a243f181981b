/*
 * compare_int.h - the compare stage's internals, shared by scan.c (pass 1),
 * pair.c (pairing, clock offset), live.c (pass 2 sink), win.c (the
 * per-direction window and byte comparison) and verdict.c.
 */
#ifndef BM_COMPARE_INT_H
#define BM_COMPARE_INT_H

#include "../tls/tls.h"
#include "compare.h"

/* Bytes [start, end) of one capture's stream came in frame 'frame' (or
 * were declared lost: 'gap'). */
typedef struct bm_cmp_span {
    uint64_t start, end, frame, ts;
    bool gap;
} bm_cmp_span;

#define BM_CMP_MAX_SPANS 65536u /* beyond: spans merge, frame numbers get coarse */

/* One direction of a live pair. The leader is the capture that delivered
 * more of the stream; its bytes [base, base+len) wait in a ring for the
 * other capture (the lagger, whose next offset is 'base'). */
typedef struct bm_cmp_win {
    uint64_t next[2];        /* per capture: every byte below was delivered or declared lost */
    int leader;              /* capture whose bytes are held, -1 none */
    uint64_t base;
    uint8_t *buf;            /* ring, power-of-two capacity */
    size_t cap, head, len;
    bm_cmp_span *sp;         /* ring of spans covering [base, base+len) */
    uint32_t sp_cap, sp_head, sp_len;
    bool stopped;            /* diverged: no more comparison */
    bool diff_open;
    bm_cmp_diff cur;
    bool miss_open;
    bm_cmp_missing miss;
} bm_cmp_win;

typedef struct bm_cmp_pairrec bm_cmp_pairrec;
typedef struct bm_cmp_live bm_cmp_live;

/* The pass-2 sink's per-connection state: which pair, which capture. */
typedef struct bm_cmp_handle {
    bm_cmp_live *lv;
    int cap;
} bm_cmp_handle;

struct bm_cmp_live {
    bm_cmp *owner;
    bm_cmp_pairrec *pr;
    bm_cmp_handle h[2];
    bool open[2], closed[2];
    bm_cmp_win w[2];         /* by role of the sender */
    bm_cmp_result res;
};

struct bm_cmp_pairrec {
    uint64_t fi[2];          /* fingerprint index per capture */
    bm_cmp_method method;
    bool intercepted;
    bool has_est;            /* pass-1 offset/delay estimate from both directions */
    double offset, delay;    /* pass-1 estimate, seconds */
    bm_cmp_live *live;
    bool reported;
};

typedef struct bm_cmp_sinkud {
    bm_cmp *c;
    int cap;
} bm_cmp_sinkud;

struct bm_cmp {
    bm_cmp_opts o;
    const char *capture[2];
    bm_tls *tls[2];
    bm_cmp_sinkud sud[2];
    bm_stream_sink scan[2], diff[2];
    uint64_t next_scan[2], next_diff[2];
    bm_cmp_fp *fps[2];
    size_t nfps[2], capfps[2];
    uint64_t untracked[2];
    bm_cmp_fp *cur;          /* fingerprint being completed by the TLS stage */
    bm_cmp_pairrec *pairs;
    size_t npairs;
    double offset;
    uint64_t offset_samples;
    int vote;                /* pass-1 majority: >0 capture A is nearer the client */
    size_t window_used;
    bm_cmp_csum_fn csum[2];
    void *csum_ud[2];
    bm_cmp_totals tot;
};

/* scan.c */
void bm_cmp_scan_init(bm_cmp *c, int cap);
/* live.c */
void bm_cmp_diff_init(bm_cmp *c, int cap);
void bm_cmp_live_report(bm_cmp *c, bm_cmp_pairrec *pr);
/* win.c: capture 'cap' delivered [off, off+n) of direction 'dir' (p NULL:
 * declared lost). 'seg_len' is the whole delivery's length. */
void bm_cmp_win_feed(bm_cmp *c, bm_cmp_live *lv, int dir, int cap, uint64_t off, const uint8_t *p, uint64_t n,
                     const bm_seg_meta *m);
/* End of both streams: flush the open diff, report what one side never got. */
void bm_cmp_win_finish(bm_cmp *c, bm_cmp_live *lv, int dir);
void bm_cmp_win_free(bm_cmp *c, bm_cmp_win *w);
/* pair.c */
double bm_cmp_median(int64_t *v, uint32_t n); /* sorts v */
/* verdict.c: vantage, clock offset from the samples, verdict. */
void bm_cmp_classify_pair(const bm_cmp *c, const bm_cmp_pairrec *pr, bm_cmp_result *r);

#endif
