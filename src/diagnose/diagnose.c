/*
 * diagnose.c - the keyed diagnosis: the first failing record of the
 * direction the alerting side received is re-opened under every
 * hypothesis, cheapest first (another sequence number, diag_seq.c; other
 * keys; another MAC construction; then the bit-error search,
 * diag_damage.c); the first that authenticates it is the proven cause.
 * When none does, the shape of the damage, the vantage point and the
 * records around it decide between sender fault, in-path corruption and
 * undetermined (diag_damage.c). A failure no record explains (everything
 * verifies) points at the receiver (diag_receiver.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../util/names.h"
#include "diag_int.h"
#include "../crypto/trial.h"

const char *bm_cause_name(bm_cause c)
{
    static const char *const n[] = {
#define BM_CAUSE_NAME(id, name) [id] = name,
        BM_CAUSES(BM_CAUSE_NAME)
#undef BM_CAUSE_NAME
    };
    return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : NULL;
}

const char *bm_confidence_name(bm_confidence c)
{
    static const char *const n[] = {NULL, "proven", "likely", "possible"};
    return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : NULL;
}

void bm_dg_rec_common(bm_dg_rec *r)
{
    const bm_bad_record *b = r->b;
    const char *why = bm_reason_name(b->reason, BM_NAME_WORDING);
    bm_vd_ev(r->v, "%s, stream offset %" PRIu64 ", %u bytes: %s under the expected sequence number %" PRIu64,
             r->name, b->stream_off, b->length, why ? why : "fails", r->e->seq);
    if (r->local)
        bm_vd_ev(r->v, "%" PRIu64 " later %s records verified at their own sequence numbers: the failure is local "
                       "to this record, not a desync",
                 r->e->verified_after, bm_dg_role(r->dir));
    else if (r->e->failed > 1)
        bm_vd_ev(r->v, "%" PRIu64 " %s records failed in all", r->e->failed, bm_dg_role(r->dir));
}

/* The record authenticates under the sender's keys from before its last
 * key change (KeyUpdate, end of the handshake epoch, renegotiation): only
 * the sender holds those keys, so it wrote the record with old keys. */
static bool try_epoch(bm_dg_rec *r)
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

static bool try_keys(bm_dg_rec *r)
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

static bool try_mac(bm_dg_rec *r)
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

/* The record took a sequence number the sender never gave it. */
static bool try_foreign(bm_dg_rec *r)
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
static bool try_finished(bm_dg_rec *r)
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

static void diagnose_record(const bm_diag_evidence *ev, bm_conn *c, int dir)
{
    bm_dg_rec r;
    memset(&r, 0, sizeof r);
    r.ev = ev;
    r.e = &ev->dir[dir];
    r.b = &c->crypto.first_bad[dir];
    r.c = c;
    r.v = &c->verdict;
    r.dir = dir;
    r.type = r.e->hdr[0];
    r.ver = (uint16_t)((r.e->hdr[1] << 8) | r.e->hdr[2]);
    r.local = r.e->verified_after > 0 && r.e->realigned == 0;
    snprintf(r.name, sizeof r.name, "%s record #%" PRIu64 " (frame %" PRIu64 ")", bm_dg_role(dir), r.b->index,
             r.b->frame);
    bm_record_ref ref = {r.b->index, r.b->frame, r.b->stream_off, r.b->length, 0, r.type, (uint8_t)dir};
    if (!r.e->body || !r.e->rec) {
        bm_vd_set(r.v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
                  "%s fails its check but its bytes were not all captured: it cannot be examined", r.name);
        bm_dg_rec_common(&r);
        bm_dg_tcp_evidence(c, r.v, dir, r.b->stream_off, (uint64_t)r.b->length + 5);
        bm_vd_next(r.v, "capture again without losses (full snaplen, bigger buffer: tcpdump -s 0 -B 65536)");
        bm_vd_record(r.v, &ref);
        return;
    }
    if (!try_epoch(&r) && !bm_dg_try_seq(&r) && !bm_dg_try_stateful(&r) && !try_keys(&r) && !try_mac(&r) && !bm_dg_try_locate(&r) &&
        !try_foreign(&r) && !try_finished(&r) && !(c->failed && bm_dg_too_large(c, &ref)))
        bm_dg_shape_verdict(&r);
    bm_vd_record(r.v, &ref);
}

/* The direction whose first failure the alerting side received. */
static int pick_dir(const bm_conn *c)
{
    const bm_crypto_info *ci = &c->crypto;
    if (c->failed && c->fatal_from >= 0 && ci->has_bad[!c->fatal_from])
        return !c->fatal_from;
    const bm_bad_record *b = NULL;
    if (ci->has_bad[BM_CLIENT] && ci->has_bad[BM_SERVER])
        b = ci->first_bad[BM_SERVER].frame < ci->first_bad[BM_CLIENT].frame ? &ci->first_bad[BM_SERVER]
                                                                           : &ci->first_bad[BM_CLIENT];
    else if (ci->has_bad[BM_CLIENT])
        b = &ci->first_bad[BM_CLIENT];
    else if (ci->has_bad[BM_SERVER])
        b = &ci->first_bad[BM_SERVER];
    return b ? (int)(b == &ci->first_bad[BM_SERVER]) : -1;
}

void bm_diagnose_conn(const bm_diag_evidence *ev, bm_conn *c)
{
    memset(&c->verdict, 0, sizeof c->verdict);
    if (!ev || !ev->keyed) {
        bm_dg_keyless(c);
        return;
    }
    int dir = pick_dir(c);
    const bm_alert *a = bm_dg_fatal(c);
    /* An alert about something else that came before any failing record. */
    if (a && !bm_dg_mac_alert(a) && (dir < 0 || a->frame <= c->crypto.first_bad[dir].frame)) {
        bm_dg_misleading(c);
        return;
    }
    if (dir >= 0) {
        diagnose_record(ev, c, dir);
        return;
    }
    if (!c->failed) {
        bm_dg_healthy(c, ev);
        return;
    }
    bm_dg_no_bad_record(ev, c);
}
