/*
 * hyp_mac.c - hypothesis "mac" (TLS <= 1.2, MAC suites): the failing record
 * opens under another MAC construction than the negotiated one (MtE vs
 * EtM, truncated HMAC, the SSL 3.0 MAC): proven
 * mac_construction_mismatch.
 */
#include <inttypes.h>

#include "../crypto/trial.h"
#include "diag_int.h"

bool bm_dg_try_mac(bm_dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    bm_hyp_mac h;
    if (!e->params || e->params->suite->mode == BM_MODE_AEAD || e->params->suite->mode == BM_MODE_CHACHA)
        return false;
    if (!bm_is_ok(bm_hyp_mac_construction(r->ev->cc, e->params, e->rec, e->seq, r->type, r->ver, e->body, e->len,
                                          &h)) ||
        !h.found || h.negotiated_ok)
        return false;
    bm_verdict *v = r->v;
    bool etm = (e->params->flags & BM_REC_ETM) != 0;
    bool labelled = h.label != NULL;
    bm_vd_str(bm_vd_set(v, BM_CAUSE_MAC_CONSTRUCTION_MISMATCH, BM_CONF_PROVEN,
                        &(bm_vline){.code = BM_V_MAC_CONSTRUCTION, BM_DG_REC(r), .arg = {etm, labelled}}),
              h.label);
    bm_dg_rec_common(r);
    bm_vd_str(bm_vd_ev(v, &(bm_vline){.code = BM_V_MAC_COUNTS, .role = (uint8_t)r->dir, .index = r->b->index,
                                      .arg = {(int64_t)e->verified, etm, (int64_t)e->failed, labelled}}),
              h.label);
    if (e->verified)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_MAC_FLIPS});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_NETWORK_KEYS});
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_LIBRARY_BUILD, .role = (uint8_t)r->dir});
    return true;
}
