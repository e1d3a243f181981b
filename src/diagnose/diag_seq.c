/*
 * diag_seq.c - the sequence hypotheses of the keyed diagnosis: the failing
 * record verifies under another sequence number (records dropped,
 * duplicated, replayed or reordered before the receiver); for RC4 and TLS
 * 1.0 chained CBC, whose state is carried from record to record, the
 * sender's state is rebuilt around a dropped or repeated record.
 */
#include <string.h>

#include "diag_int.h"
#include "../crypto/trial.h"

/* Where to look for records dropped (or else repeated) on the way. */
static void next_steps(bm_dg_rec *r, bool dropped)
{
    bm_vd_next(r->v, &(bm_vline){.code = dropped ? BM_V_NEXT_DROPPED : BM_V_NEXT_REPEATED});
    bm_dg_two_point(r->v, !r->dir);
}

bool bm_dg_try_seq(bm_dg_rec *r)
{
    bm_hyp_seq h;
    const bm_diag_dir *e = r->e;
    if (!bm_is_ok(bm_hyp_seq_window(e->rec, e->seq, BM_DG_SEQ_WINDOW, r->type, r->ver, e->body, e->len, &h)) ||
        h.kind == BM_SEQ_NOT_FOUND)
        return false;
    bm_verdict *v = r->v;
    bool ahead = h.kind == BM_SEQ_AHEAD;
    bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN,
              &(bm_vline){.code = BM_V_SEQ, BM_DG_REC(r), .arg = {(int64_t)h.seq, (int64_t)e->seq, ahead}});
    bm_dg_rec_common(r);
    bm_vd_ev(v, &(bm_vline){.code = BM_V_SEQ_OPENED, .arg = {(int64_t)h.seq, h.delta}});
    if (e->verified_after)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_SEQ_LATER_VERIFIED, .role = (uint8_t)r->dir,
                                .arg = {(int64_t)e->verified_after}});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_KEYS_BYTES_POSITION});
    next_steps(r, ahead);
    return true;
}

/* RC4 / TLS 1.0 chained CBC: a record dropped or repeated moves the
 * carried state, so the sender's state is rebuilt (bm_hyp_stateful_desync). */
bool bm_dg_try_stateful(bm_dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    /* Not r->local: after a swap the state is back in step, and the
     * records after the pair verify at their own numbers. */
    if (!bm_rec_stateful(e->rec))
        return false;
    bm_hyp_desync_in in;
    memset(&in, 0, sizeof in);
    in.rec = e->rec;
    in.expected = e->seq;
    in.type = r->type;
    in.version = r->ver;
    in.in = e->body;
    in.len = e->len;
    in.prev = e->prev;
    in.prev_len = e->prev_len;
    in.next = e->next;
    in.next_len = e->next_len;
    in.next_type = e->next_hdr[0];
    in.next_version = (uint16_t)((e->next_hdr[1] << 8) | e->next_hdr[2]);
    in.max_records = 2;
    bm_hyp_desync h;
    if (!bm_is_ok(bm_hyp_stateful_desync(&in, &h)) || h.kind == BM_DESYNC_NONE)
        return false;
    bm_verdict *v = r->v;
    bool rc4 = bm_rec_suite(e->rec)->mode == BM_MODE_STREAM;
    bool drop = h.kind == BM_DESYNC_DROP;
    r->local = false;
    bm_vline l = {BM_DG_REC(r)};
    if (h.kind == BM_DESYNC_SWAP) {
        l.code = BM_V_STATEFUL_SWAP;
        l.arg[0] = (int64_t)e->next_index, l.arg[1] = (int64_t)e->seq, l.arg[2] = rc4;
        bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN, &l);
    } else if (h.how == BM_DESYNC_BY_KEYSTREAM) {
        l.code = h.records == 1 ? BM_V_STATEFUL_KEYSTREAM_ONE : BM_V_STATEFUL_KEYSTREAM;
        l.arg[0] = (int64_t)h.skip, l.arg[1] = h.records == 1 ? (int64_t)h.mac_len : (int64_t)h.records;
        l.arg[2] = (int64_t)h.seq;
        bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN, &l);
    } else if (h.how == BM_DESYNC_BY_SAME_BYTES) {
        l.code = BM_V_STATEFUL_SAME_BYTES;
        l.arg[0] = (int64_t)e->prev_index, l.arg[1] = rc4;
        bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN, &l);
    } else if (drop) {
        l.code = BM_V_STATEFUL_DROP;
        l.arg[0] = (int64_t)h.records, l.arg[1] = (int64_t)e->next_index, l.arg[2] = (int64_t)h.seq;
        l.arg[3] = h.delta;
        bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN, &l);
    } else {
        l.code = BM_V_STATEFUL_EXTRA;
        l.arg[0] = (int64_t)e->next_index, l.arg[1] = (int64_t)h.seq, l.arg[2] = rc4;
        bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, rc4 ? BM_CONF_LIKELY : BM_CONF_PROVEN, &l);
    }
    bm_dg_rec_common(r);
    if (h.how == BM_DESYNC_BY_KEYSTREAM)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_STATEFUL_SEARCH,
                                .arg = {(int64_t)(in.max_skip ? in.max_skip : (size_t)(BM_REC_MAX_PLAINTEXT + 2048 + h.mac_len)),
                                        (int64_t)h.tried, (int64_t)h.skip, (int64_t)h.seq, h.delta}});
    else if (h.how == BM_DESYNC_BY_NEXT)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_STATEFUL_REBUILT, .arg = {rc4, (int64_t)h.tried}});
    if (drop)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_STATEFUL_OUT_OF_STEP, .role = (uint8_t)r->dir, .arg = {rc4}});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_KEYS_BYTES_MISSING});
    next_steps(r, drop);
    return true;
}
