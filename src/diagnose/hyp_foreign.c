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
              "%s verifies under no sequence number or key, and the next failing record #%" PRIu64 " verifies "
              "one number earlier: the sender never counted it, something inserted it",
              r->name, e->later_index);
    bm_dg_rec_common(r);
    bm_vd_ev(v, "%s record #%" PRIu64 " opens with sequence number expected-1; %" PRIu64 " records verified after it",
             bm_dg_role(r->dir), e->later_index, e->verified_after);
    bm_vd_ex(v, "the %s's TLS stack: its own records are intact and in sequence", bm_dg_role(r->dir));
    bm_vd_next(v, "look for a proxy or middlebox that injects data into the TCP stream");
    bm_dg_two_point(v, !r->dir);
    return true;
}
