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
    bm_vd_set(r->v, BM_CAUSE_SENDER_FAULT, BM_CONF_PROVEN,
              "%s authenticates only under the %s's keys from before its last key change (KeyUpdate, the end of "
              "the handshake, or a renegotiation): the %s kept writing with old keys",
              r->name, bm_dg_role(r->dir), bm_dg_role(r->dir));
    bm_dg_rec_common(r);
    bm_vd_ex(r->v, "the network: the record is intact, it was written under other keys");
    bm_vd_next(r->v, "look at the %s's key update / renegotiation handling (a known class of TLS stack bugs: the "
                     "write keys switched late or not at all)",
               bm_dg_role(r->dir));
    return true;
}
