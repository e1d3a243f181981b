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
    const char *neg = (e->params->flags & BM_REC_ETM) ? "encrypt-then-MAC" : "MAC-then-encrypt";
    bm_vd_set(v, BM_CAUSE_MAC_CONSTRUCTION_MISMATCH, BM_CONF_PROVEN,
              "%s verifies only as %s, but %s was negotiated: the %s protected it with the wrong construction",
              r->name, h.label ? h.label : "another construction", neg, bm_dg_role(r->dir));
    bm_dg_rec_common(r);
    bm_vd_ev(v, "%" PRIu64 " %s records before #%" PRIu64 " verified as negotiated (%s); record #%" PRIu64
                " and %" PRIu64 " failing record%s in all: this one opens as %s",
             e->verified, bm_dg_role(r->dir), r->b->index, neg, r->b->index, e->failed, e->failed == 1 ? "" : "s",
             h.label ? h.label : "?");
    if (e->verified)
        bm_vd_ev(v, "the construction changes from record to record: the session's flag flips at run time "
                    "(memory corruption of the TLS context, cf. mbedTLS on ESP8266)");
    bm_vd_ex(v, "the network and the keys: the record is intact and the keys are right");
    bm_vd_next(v, "check the %s's TLS library build (encrypt_then_mac / truncated_hmac options) and look for "
                  "memory corruption of its session state",
               bm_dg_role(r->dir));
    return true;
}
