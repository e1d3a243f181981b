/*
 * hyp_keys.c - hypothesis "keys": the failing record opens under another
 * key set the decryption stage kept (the other direction's, the previous
 * epoch's, the epoch after a KeyUpdate nobody saw): proven wrong_keys.
 */
#include <inttypes.h>
#include <stddef.h>

#include "../crypto/trial.h"
#include "diag_int.h"

bool bm_dg_try_keys(bm_dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    bm_hyp_key_cand cands[3];
    int64_t kind[3]; /* bm_vline_keyset of each candidate */
    size_t n = 0;
    if (e->other_dir) {
        kind[n] = BM_VK_OTHER_DIRECTION;
        cands[n++] = (bm_hyp_key_cand){e->other_dir, e->other_seq, "other_direction"};
    }
    if (e->prev_epoch) {
        kind[n] = BM_VK_PREVIOUS_EPOCH;
        cands[n++] = (bm_hyp_key_cand){e->prev_epoch, e->seq, "previous_epoch"};
    }
    if (e->next_epoch) {
        kind[n] = BM_VK_NEXT_EPOCH;
        cands[n++] = (bm_hyp_key_cand){e->next_epoch, 0, "next_epoch"};
    }
    bm_hyp_keys h;
    if (!n || !bm_is_ok(bm_hyp_other_keys(cands, n, BM_DG_SEQ_WINDOW, r->type, r->ver, e->body, e->len, &h)) ||
        !h.found)
        return false;
    bm_verdict *v = r->v;
    bm_vd_set(v, BM_CAUSE_WRONG_KEYS, BM_CONF_PROVEN,
              &(bm_vline){.code = BM_V_WRONG_KEYS, BM_DG_REC(r), .arg = {kind[h.index]}});
    bm_dg_rec_common(r);
    bm_vd_ev(v, &(bm_vline){.code = BM_V_OPENED_UNDER_KEYS, .arg = {kind[h.index], (int64_t)h.seq}});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_NETWORK_INTACT});
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_KEY_SCHEDULE, .role = (uint8_t)r->dir});
    return true;
}
