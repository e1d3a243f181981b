/*
 * hyp_foreign.c - hypothesis "foreign": nothing opens the failing record,
 * and the next failing record opens one sequence number early: the sender
 * never counted it, something inserted it (likely foreign_record).
 */
#include <inttypes.h>

#include "diag_int.h"

/* The record took a sequence number the sender never gave it. */
bool bm_dg_try_foreign(bm_dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    if (!e->later_delta_found || e->later_delta != -1 || e->realigned != 1)
        return false;
    bm_verdict *v = r->v;
    bm_vd_set(v, BM_CAUSE_FOREIGN_RECORD, BM_CONF_LIKELY,
              &(bm_vline){.code = BM_V_FOREIGN, BM_DG_REC(r), .arg = {(int64_t)e->later_index}});
    bm_dg_rec_common(r);
    bm_vd_ev(v, &(bm_vline){.code = BM_V_FOREIGN_LATER, .role = (uint8_t)r->dir, .index = e->later_index,
                            .arg = {(int64_t)e->verified_after}});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_STACK_IN_SEQUENCE, .role = (uint8_t)r->dir});
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_INJECTOR});
    bm_dg_two_point(v, !r->dir);
    return true;
}
