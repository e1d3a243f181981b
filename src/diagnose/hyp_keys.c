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
    size_t n = 0;
    if (e->other_dir)
        cands[n++] = (bm_hyp_key_cand){e->other_dir, e->other_seq, "the other direction's keys"};
    if (e->prev_epoch)
        cands[n++] = (bm_hyp_key_cand){e->prev_epoch, e->seq, "the handshake keys (previous epoch)"};
    if (e->next_epoch)
        cands[n++] = (bm_hyp_key_cand){e->next_epoch, 0, "the next epoch's keys (a KeyUpdate not seen)"};
    bm_hyp_keys h;
    if (!n || !bm_is_ok(bm_hyp_other_keys(cands, n, BM_DG_SEQ_WINDOW, r->type, r->ver, e->body, e->len, &h)) ||
        !h.found)
        return false;
    bm_verdict *v = r->v;
    bm_vd_set(v, BM_CAUSE_WRONG_KEYS, BM_CONF_PROVEN, "%s verifies under %s: the %s used the wrong keys", r->name,
              cands[h.index].label, bm_dg_role(r->dir));
    bm_dg_rec_common(r);
    bm_vd_ev(v, "opened under %s with sequence number %" PRIu64, cands[h.index].label, h.seq);
    bm_vd_ex(v, "the network: the record is intact");
    bm_vd_next(v, "check the %s's key schedule (epoch changes, KeyUpdate, renegotiation) and shared TLS state "
                  "between threads/connections",
               bm_dg_role(r->dir));
    return true;
}
