/*
 * hyp_finished.c - hypothesis "finished": the failing record is the
 * sender's Finished (the first protected record). The two sides derived
 * different keys (key_mismatch), resumed with different master secrets
 * (stale_resumption), or the key material is not this connection's
 * (undetermined); the other master secrets the decryption stage tried
 * (bm_diag_stale) decide which, and how sure.
 */
#include "diag_int.h"

/* Full handshake: what the other master secrets did on the Finished. */
static void full_alternatives(bm_dg_rec *r, const bm_diag_stale *st)
{
    if (!st || r->c->hs.resumed)
        return;
    if (st->found)
        bm_vd_str(bm_vd_ev(r->v, &(bm_vline){.code = BM_V_FINISHED_OPENS_UNDER, .role = (uint8_t)r->dir}),
                  st->found_label);
    else if (st->tried)
        bm_vd_ev(r->v, &(bm_vline){.code = BM_V_NO_OTHER_MASTER_FULL, .arg = {st->tried}});
}

/* The Finished (first protected record) fails: the two sides derived
 * different keys, or our key material is not this connection's. */
bool bm_dg_try_finished(bm_dg_rec *r)
{
    bm_conn *c = r->c;
    if (c->crypto.finished[r->dir] != BM_FIN_FAILED)
        return false;
    bm_verdict *v = r->v;
    bool other_ok = c->crypto.finished[!r->dir] == BM_FIN_OK;
    bool resumed = c->hs.resumed;
    const bm_diag_stale *st = r->e->stale;
    bool alt = !resumed && st && st->found; /* another master secret opens it */
    uint8_t role = (uint8_t)r->dir, peer = (uint8_t)!r->dir;
    if (!other_ok && !c->failed) {
        if (alt)
            bm_vd_str(bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
                                &(bm_vline){.code = BM_V_NOT_THIS_SESSION, .role = role}),
                      st->found_label);
        else
            bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE, &(bm_vline){.code = BM_V_ANOTHER_CONNECTION});
        bm_dg_rec_common(r);
        full_alternatives(r, st);
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_CHECK_KEYLOG,
                                  .arg = {c->hs.client_random[0], c->hs.client_random[1]}});
        return true;
    }
    if (alt) {
        bm_vd_str(bm_vd_set(v, BM_CAUSE_KEY_MISMATCH, other_ok ? BM_CONF_PROVEN : BM_CONF_LIKELY,
                            &(bm_vline){.code = BM_V_KEY_MISMATCH_ALT, .role = role, .arg = {other_ok, st->found_ems}}),
                  st->found_label);
        bm_dg_rec_common(r);
        full_alternatives(r, st);
        if (other_ok)
            bm_vd_ev(v, &(bm_vline){.code = BM_V_PEER_FINISHED_GIVEN, .role = peer});
        bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_FINISHED_INTACT});
        bm_vd_next(v, &(bm_vline){.code = st->found_ems ? BM_V_NEXT_EMS : BM_V_NEXT_COMPARE_MASTER});
        return true;
    }
    if (resumed && st && st->found)
        bm_vd_str(bm_vd_set(v, BM_CAUSE_STALE_RESUMPTION, BM_CONF_PROVEN,
                            &(bm_vline){.code = BM_V_STALE_FOUND, .role = role, .arg = {other_ok}}),
                  st->found_label);
    else
        bm_vd_set(v, resumed ? BM_CAUSE_STALE_RESUMPTION : BM_CAUSE_KEY_MISMATCH,
                  other_ok || (resumed && st && st->session_same) ? BM_CONF_LIKELY : BM_CONF_POSSIBLE,
                  &(bm_vline){.code = resumed ? BM_V_STALE : BM_V_KEY_MISMATCH, .role = role, .arg = {other_ok}});
    if (resumed && st) {
        if (st->session_known)
            bm_vd_str(bm_vd_ev(v, &(bm_vline){.code = BM_V_SESSION_MASTER, .arg = {st->session_same}}),
                      st->session_src);
        if (st->found)
            bm_vd_str(bm_vd_ev(v, &(bm_vline){.code = BM_V_FINISHED_OPENS_UNDER, .role = role}), st->found_label);
        else
            bm_vd_ev(v, &(bm_vline){.code = BM_V_NO_OTHER_MASTER_RESUMED, .role = role, .arg = {st->tried}});
    }
    full_alternatives(r, st);
    bm_dg_rec_common(r);
    if (other_ok)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_PEER_FINISHED_SAME, .role = peer});
    if (resumed)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_ABBREVIATED});
    else if (c->hs.ems_offered != c->hs.ems || c->hs.etm_offered != c->hs.etm)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_EMS_ETM,
                                .arg = {c->hs.ems, c->hs.ems_offered, c->hs.etm, c->hs.etm_offered}});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_VERIFIED_INTACT});
    bm_vd_next(v, &(bm_vline){.code = resumed ? BM_V_NEXT_FIX_SESSION_CACHE : BM_V_NEXT_COMPARE_MASTER});
    return true;
}
