/*
 * diag_damage.c - the failing record is damaged, not misnumbered or
 * mis-keyed: the bit-error search looks for the flip that makes its
 * tag/MAC verify (a verified repair proves in-path corruption, or a sender
 * fault when the capture was taken on the sender); when no repair is
 * found, the shape of the damage and the vantage point decide.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../crypto/locate.h"
#include "diag_int.h"
#include "../crypto/trial.h"

/* The frame that carried stream offset 'off' of the record, and the
 * offset of that byte in the frame's TCP payload; false when the record's
 * frames are not known. */
static bool frame_of(const bm_diag_dir *e, uint64_t off, uint64_t *frame, int64_t *in_frame)
{
    for (unsigned i = 0; e->segs && i < e->n_segs; i++) {
        if (off >= e->segs[i].end)
            continue;
        int64_t k = (int64_t)off - e->segs[i].start;
        *frame = e->segs[i].frame;
        *in_frame = k >= 0 ? k : -1;
        return true;
    }
    return false;
}

bool bm_dg_try_locate(bm_dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    bm_locate_result res;
    bm_locate_opts lo = {.max_work = r->budget ? r->budget->left : 0};
    if (r->budget && !r->budget->left) {
        r->budget->skipped++;
        r->search_incomplete = true;
        return false;
    }
    bm_result rc = bm_locate(e->rec, e->seq, r->type, r->ver, e->body, e->len, &lo, &res);
    if (r->budget && bm_is_ok(rc)) {
        r->budget->left -= res.work < r->budget->left ? res.work : r->budget->left;
        if (res.stopped) {
            r->budget->stopped++;
            r->budget->left = 0;
        }
    }
    r->search_examined = res.candidates;
    if (bm_is_ok(rc) && res.stopped && res.status != BM_LOC_FOUND)
        r->search_incomplete = true;
    if (!bm_is_ok(rc) || res.status != BM_LOC_FOUND || !res.n)
        return false;
    const bm_repair *p = &res.rep[0];
    bm_verdict *v = r->v;
    bm_repair_ref *q = &v->repair;
    v->has_repair = true;
    q->direction = (uint8_t)r->dir;
    q->index = r->b->index;
    q->in_header = p->where == BM_REP_HEADER;
    q->record_offset = p->offset;
    q->stream_offset = r->b->stream_off + (q->in_header ? 0 : 5) + p->offset;
    q->frame = r->b->frame;
    q->byte_frame = 0;
    q->frame_offset = -1;
    bool mapped = frame_of(e, q->stream_offset, &q->byte_frame, &q->frame_offset);
    q->bit = p->bit;
    q->bits = p->weight;
    q->len = p->len;
    memcpy(q->xor_mask, p->xor, p->len <= 16 ? p->len : 16);
    /* the repair: bit (or -1), in_header, offset, bits, len */
    int64_t rep[5] = {p->bit >= 0 ? p->bit : -1, q->in_header, (int64_t)p->offset, p->weight, p->len};
    bool at_sender = bm_dg_captured_at(r->c, r->dir);
    if (at_sender)
        bm_vd_set(v, BM_CAUSE_SENDER_FAULT, BM_CONF_LIKELY,
                  &(bm_vline){.code = BM_V_REPAIR_AT_SENDER, BM_DG_REC(r), .arg = {rep[0], rep[1], rep[2], rep[3], rep[4]}});
    else
        bm_vd_set(v, BM_CAUSE_IN_PATH_CORRUPTION, BM_CONF_PROVEN,
                  &(bm_vline){.code = BM_V_REPAIR_IN_PATH, BM_DG_REC(r), .stream_off = q->stream_offset,
                              .arg = {rep[0], rep[1], rep[2], rep[3], rep[4], r->b->reason == BM_REASON_TAG_MISMATCH}});
    bm_dg_rec_common(r);
    bm_vd_ev(v, &(bm_vline){.code = BM_V_REPAIR, .role = (uint8_t)r->dir, .index = r->b->index,
                            .frame = mapped ? q->byte_frame : 0, .stream_off = q->stream_offset,
                            .arg = {rep[0], rep[1], rep[2], rep[3], rep[4], mapped, q->frame_offset, (int64_t)res.n,
                                    (int64_t)res.candidates}});
    bm_dg_tcp_evidence(r->c, v, r->dir, r->b->stream_off, (uint64_t)r->b->length + 5);
    uint8_t other = (uint8_t)!r->dir;
    if (at_sender) {
        bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_NETWORK_AND_RECEIVER, .role = other});
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_SENDER_OFFLOADS, .role = (uint8_t)r->dir});
    } else {
        bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_BOTH_CRYPTO, .role = (uint8_t)r->dir});
        bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_RECEIVER_RIGHT_DAMAGED, .role = other});
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_FIND_DEVICE});
        bm_dg_two_point(v, !r->dir);
    }
    return true;
}

void bm_dg_shape_verdict(bm_dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    bm_verdict *v = r->v;
    bm_shape sh;
    memset(&sh, 0, sizeof sh);
    bm_rec *w = NULL;
    uint8_t *out = malloc(e->len ? e->len : 1);
    bm_open_result o;
    memset(&o, 0, sizeof o);
    if (out && bm_is_ok(bm_rec_clone(e->rec, &w)) &&
        bm_is_ok(bm_rec_open(w, e->seq, r->type, r->ver, e->body, e->len, out, e->len ? e->len : 1, &o))) {
        bm_shape_input in = {.body = e->body, .body_len = e->len, .plain = out, .plain_len = o.decrypted_len,
                             .tag = o.got_mac, .tag_len = o.mac_len, .block = 16};
        bm_hyp_shape(&in, &sh);
    }
    bm_rec_free(w);
    if (out)
        OPENSSL_cleanse(out, e->len ? e->len : 1);
    free(out);
    bool at_sender = bm_dg_captured_at(r->c, r->dir);
    bool confined = (sh.flags & BM_SHAPE_GARBLED) && sh.garbled < sh.blocks;
    bool near = false;
    bm_verdict probe = *v;
    near = bm_dg_tcp_evidence(r->c, &probe, r->dir, r->b->stream_off, (uint64_t)r->b->length + 5);
    if (at_sender || (sh.flags & (BM_SHAPE_TAG_ZERO | BM_SHAPE_BODY_ZERO)))
        bm_vd_set(v, BM_CAUSE_SENDER_FAULT, BM_CONF_LIKELY,
                  &(bm_vline){.code = BM_V_SHAPE_SENDER, BM_DG_REC(r), .arg = {at_sender}});
    else if (near || (confined && r->local))
        bm_vd_set(v, BM_CAUSE_IN_PATH_CORRUPTION, near ? BM_CONF_LIKELY : BM_CONF_POSSIBLE,
                  &(bm_vline){.code = BM_V_SHAPE_IN_PATH, BM_DG_REC(r), .arg = {near}});
    else if (r->search_incomplete) /* not "every hypothesis fails": one was not tested to the end */
        bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE, &(bm_vline){.code = BM_V_SEARCH_INCOMPLETE, BM_DG_REC(r),
                                                                    .arg = {(int64_t)r->search_examined}});
    else
        bm_vd_set(v, BM_CAUSE_SENDER_FAULT, BM_CONF_POSSIBLE, &(bm_vline){.code = BM_V_SHAPE_SENDER_POSSIBLE, BM_DG_REC(r)});
    bm_dg_rec_common(r);
    if (r->search_incomplete && v->cause != BM_CAUSE_UNDETERMINED)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_SEARCH_INCOMPLETE, BM_DG_REC(r), .arg = {(int64_t)r->search_examined}});
    if (sh.flags & BM_SHAPE_GARBLED)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_SHAPE_GARBLED,
                                .arg = {(int64_t)sh.garbled, (int64_t)sh.blocks, (int64_t)sh.first_garbled,
                                        (int64_t)sh.last_garbled, confined}});
    if (sh.flags & BM_SHAPE_TAG_ZERO)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_SHAPE_TAG_ZERO});
    if (sh.flags & BM_SHAPE_ZERO_RUN)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_SHAPE_ZERO_RUN, .arg = {(int64_t)sh.zero_run_len, (int64_t)sh.zero_run_off}});
    bm_dg_tcp_evidence(r->c, v, r->dir, r->b->stream_off, (uint64_t)r->b->length + 5);
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_RECEIVER_RIGHT_UNVERIFIED, .role = (uint8_t)!r->dir});
    if (confined)
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_CONFINED});
    bm_dg_two_point(v, !r->dir);
}
