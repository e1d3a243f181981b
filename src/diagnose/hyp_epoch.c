/*
 * hyp_epoch.c - hypothesis "epoch": the decryption stage found that the
 * failing record opens under the sender's keys from before its last key
 * change (reason wrong_epoch): proven sender_fault.
 */
#include <stdbool.h>

#include "diag_int.h"

/* The record authenticates under the sender's keys from before its last
 * key change (KeyUpdate, end of the handshake epoch, renegotiation): only
 * the sender holds those keys, so it wrote the record with old keys. */
bool bm_dg_try_epoch(bm_dg_rec *r)
{
    if (r->b->reason != BM_REASON_WRONG_EPOCH)
        return false;
    bm_vd_set(r->v, BM_CAUSE_SENDER_FAULT, BM_CONF_PROVEN, &(bm_vline){.code = BM_V_EPOCH, BM_DG_REC(r)});
    bm_dg_rec_common(r);
    bm_vd_ex(r->v, &(bm_vline){.code = BM_V_EX_OTHER_KEYS});
    bm_vd_next(r->v, &(bm_vline){.code = BM_V_NEXT_KEY_UPDATE, .role = (uint8_t)r->dir});
    return true;
}
