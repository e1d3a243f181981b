/*
 * hyp_finished.c - hypothesis "finished": the failing record is the
 * sender's Finished (the first protected record). The two sides derived
 * different keys (key_mismatch), resumed with different master secrets
 * (stale_resumption), or the key material is not this connection's
 * (undetermined); the other master secrets the decryption stage tried
 * (bm_diag_stale) decide which, and how sure.
 */
#include <stdio.h>

#include "diag_int.h"

/* Full handshake: what the other master secrets did on the Finished. */
static void full_alternatives(bm_dg_rec *r, const bm_diag_stale *st)
{
    if (!st || r->c->hs.resumed)
        return;
    if (st->found)
        bm_vd_ev(r->v, "the %s's Finished opens and its MAC verifies under %s", bm_dg_role(r->dir), st->found_label);
    else if (st->tried)
        bm_vd_ev(r->v, "none of the %u other master secrets (other key log lines for this client random, the RSA "
                       "premaster with and without extended_master_secret) opens it",
                 st->tried);
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
    if (!other_ok && !c->failed) {
        if (alt)
            bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
                      "no record opens under the master secret given; the %s's Finished opens under %s: the key "
                      "material is not this session's",
                      bm_dg_role(r->dir), st->found_label);
        else
            bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
                      "no record of either side opens with the key material given: it belongs to another "
                      "connection");
        bm_dg_rec_common(r);
        full_alternatives(r, st);
        bm_vd_next(v, "check that the key log was written by this very session (client random %02x%02x...)",
                   c->hs.client_random[0], c->hs.client_random[1]);
        return true;
    }
    if (alt) {
        bm_vd_set(v, BM_CAUSE_KEY_MISMATCH, other_ok ? BM_CONF_PROVEN : BM_CONF_LIKELY,
                  "the %s's Finished does not verify under the master secret %s the key material, but under %s: "
                  "the %s derived a different master secret%s",
                  bm_dg_role(r->dir), other_ok ? "that opens the peer's records, from" : "from", st->found_label,
                  bm_dg_role(r->dir), st->found_ems ? " (extended_master_secret applied the other way)" : "");
        bm_dg_rec_common(r);
        full_alternatives(r, st);
        if (other_ok)
            bm_vd_ev(v, "the %s's Finished verifies with the master secret given", bm_dg_role(!r->dir));
        bm_vd_ex(v, "the network and the record layer: the Finished is intact");
        bm_vd_next(v, st->found_ems ? "check both sides' extended_master_secret support (RFC 7627): one side "
                                      "computed the master secret without the session hash"
                                    : "compare both sides' logs of the master secret (key logs from the client AND "
                                      "the server)");
        return true;
    }
    if (resumed && st && st->found)
        bm_vd_set(v, BM_CAUSE_STALE_RESUMPTION, BM_CONF_PROVEN,
                  "resumed session: the %s's Finished fails under the master secret %s the key material, and "
                  "verifies under %s: the %s resumed with a different (stale) master secret",
                  bm_dg_role(r->dir), other_ok ? "that opens the peer's records, from" : "from", st->found_label,
                  bm_dg_role(r->dir));
    else
        bm_vd_set(v, resumed ? BM_CAUSE_STALE_RESUMPTION : BM_CAUSE_KEY_MISMATCH,
                  other_ok || (resumed && st && st->session_same) ? BM_CONF_LIKELY : BM_CONF_POSSIBLE,
                  resumed ? "resumed session: the %s's Finished does not verify under the master secret %s the key "
                            "material: the two sides resumed with different master secrets"
                          : "the %s's Finished does not verify under the keys %s the key material: the two sides "
                            "derived different keys (or transcripts)",
                  bm_dg_role(r->dir), other_ok ? "that opens the peer's records, from" : "from");
    if (resumed && st) {
        if (st->session_known)
            bm_vd_ev(v, "the master secret in use %s the one the full handshake of this session id established "
                        "(%s)",
                     st->session_same ? "is" : "is NOT", st->session_src);
        if (st->found)
            bm_vd_ev(v, "the %s's Finished opens and its MAC verifies under %s", bm_dg_role(r->dir),
                     st->found_label);
        else
            bm_vd_ev(v, "none of the %u other master secrets in the key material (sessions, alternatives) opens "
                        "it: the %s's master secret is not in the keys given",
                     st->tried, bm_dg_role(r->dir));
    }
    full_alternatives(r, st);
    bm_dg_rec_common(r);
    if (other_ok)
        bm_vd_ev(v, "the %s's Finished verifies with the same master secret", bm_dg_role(!r->dir));
    if (resumed)
        bm_vd_ev(v, "abbreviated handshake: no key exchange, both sides reuse a cached master secret");
    else if (c->hs.ems_offered != c->hs.ems || c->hs.etm_offered != c->hs.etm)
        bm_vd_ev(v, "extended_master_secret %s, encrypt_then_mac %s: check both sides agree on them",
                 c->hs.ems ? "negotiated" : c->hs.ems_offered ? "offered, refused" : "not offered",
                 c->hs.etm ? "negotiated" : c->hs.etm_offered ? "offered, refused" : "not offered");
    bm_vd_ex(v, "the network and the record layer: every verified record is intact");
    bm_vd_next(v, resumed ? "disable resumption on one side to confirm, then fix the session cache (a session id "
                            "reused across servers, or a cache that outlived a key change)"
                          : "compare both sides' logs of the master secret (key logs from the client AND the server)");
    return true;
}
