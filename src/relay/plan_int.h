/*
 * plan_int.h - what plan.c (framing, placement) and faults.c (the faults
 * applied to one record) share: the record being worked on.
 */
#ifndef BM_RELAY_PLAN_INT_H
#define BM_RELAY_PLAN_INT_H

#include "relay.h"

/* stream_offset of an event whose record is not placed yet */
#define BM_RELAY_OFF_PENDING (-2)

typedef struct bm_relay_work {
    uint8_t *rec;          /* header + body, modified in place */
    size_t len;            /* bytes to send (header included) */
    int type;
    int64_t hdr_len;       /* body length as received */
    bm_relay_event ev[BM_RELAY_EV_MAX];
    unsigned nev;
    int drop, dup, swap, cut, merge;
    int64_t delay_ms;      /* -1: none */
    const bm_relay_fault *segment;
} bm_relay_work;

/* Applies fault 'fi' (which selects the record) to 'w': changes its bytes
 * or sets its placement flags, and adds its log entries to w->ev. */
void bm_relay_apply_fault(const bm_relay_dir *d, unsigned fi, bm_relay_work *w);

#endif
