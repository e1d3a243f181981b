/*
 * diagnose.c - the keyed diagnosis: the first failing record of the
 * direction the alerting side received is re-opened under every
 * hypothesis, cheapest first (another sequence number, other keys,
 * another MAC construction, then the bit-error search); the first that
 * authenticates it is the proven cause. When none does, the shape of the
 * damage, the vantage point and the records around it decide between
 * sender fault, in-path corruption and undetermined. A failure no record
 * explains (everything verifies) points at the receiver.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../crypto/locate.h"
#include "diag_int.h"
#include "hyp.h"

#define DG_SEQ_WINDOW 8

const char *bm_cause_name(bm_cause c)
{
    static const char *const n[] = {NULL, "healthy", "in_path_corruption", "sequence_desync", "wrong_keys",
                                    "mac_construction_mismatch", "key_mismatch", "stale_resumption",
                                    "record_too_large", "receiver_fault", "sender_fault", "foreign_record",
                                    "misleading_alert", "undetermined"};
    return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : NULL;
}

const char *bm_confidence_name(bm_confidence c)
{
    static const char *const n[] = {NULL, "proven", "likely", "possible"};
    return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : NULL;
}

/* One failing record and what is known about it. */
typedef struct dg_rec {
    const bm_diag_evidence *ev;
    const bm_diag_dir *e;
    const bm_bad_record *b;
    bm_conn *c;
    bm_verdict *v;
    int dir;             /* sender role */
    uint8_t type;
    uint16_t ver;
    char name[96];       /* "server record #8 (frame 43)" */
    bool local;          /* later records verified at their own numbers */
} dg_rec;

static void common_evidence(dg_rec *r)
{
    const bm_bad_record *b = r->b;
    const char *why[] = {"fails", "tag mismatch", "MAC mismatch", "bad padding", "impossible length",
                         "keys of another epoch", "no content type"};
    bm_vd_ev(r->v, "%s, stream offset %" PRIu64 ", %u bytes: %s under the expected sequence number %" PRIu64,
             r->name, b->stream_off, b->length, b->reason <= BM_REASON_NO_CONTENT_TYPE ? why[b->reason] : "fails",
             r->e->seq);
    if (r->local)
        bm_vd_ev(r->v, "%" PRIu64 " later %s records verified at their own sequence numbers: the failure is local "
                       "to this record, not a desync",
                 r->e->verified_after, bm_dg_role(r->dir));
    else if (r->e->failed > 1)
        bm_vd_ev(r->v, "%" PRIu64 " %s records failed in all", r->e->failed, bm_dg_role(r->dir));
}

static bool try_seq(dg_rec *r)
{
    bm_hyp_seq h;
    const bm_diag_dir *e = r->e;
    if (!bm_is_ok(bm_hyp_seq_window(e->rec, e->seq, DG_SEQ_WINDOW, r->type, r->ver, e->body, e->len, &h)) ||
        h.kind == BM_SEQ_NOT_FOUND)
        return false;
    bm_verdict *v = r->v;
    bool ahead = h.kind == BM_SEQ_AHEAD;
    bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN,
              "%s verifies with sequence number %" PRIu64 " instead of %" PRIu64 ": %s", r->name, h.seq, e->seq,
              ahead ? "records were dropped between the sender's TLS stack and the receiver's"
                    : "a record was duplicated, replayed or reordered (or two writers share the session)");
    common_evidence(r);
    bm_vd_ev(v, "opened with sequence number %" PRIu64 " (%+" PRId64 "): tag/MAC verifies", h.seq, h.delta);
    if (e->verified_after)
        bm_vd_ev(v, "%" PRIu64 " later %s records verified once the numbering was adjusted", e->verified_after,
                 bm_dg_role(r->dir));
    bm_vd_ex(v, "the keys and the record bytes: the record is intact, only its position in the sequence is wrong");
    bm_vd_next(v, ahead ? "look for something that discards whole TLS records in the path (a proxy, IDS, a "
                          "userspace relay) or a sender writing from two threads without a lock"
                        : "look for something that re-sends TLS records (a proxy replaying after a reconnect) or "
                          "two writers on one TLS session");
    bm_dg_two_point(v, !r->dir);
    return true;
}

/* RC4 / TLS 1.0 chained CBC: a record dropped or repeated moves the
 * carried state, so the sender's state is rebuilt (bm_hyp_stateful_desync). */
static bool try_stateful(dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    /* Not r->local: after a swap the state is back in step, and the
     * records after the pair verify at their own numbers. */
    if (!bm_rec_stateful(e->rec))
        return false;
    bm_hyp_desync_in in;
    memset(&in, 0, sizeof in);
    in.rec = e->rec;
    in.expected = e->seq;
    in.type = r->type;
    in.version = r->ver;
    in.in = e->body;
    in.len = e->len;
    in.prev = e->prev;
    in.prev_len = e->prev_len;
    in.next = e->next;
    in.next_len = e->next_len;
    in.next_type = e->next_hdr[0];
    in.next_version = (uint16_t)((e->next_hdr[1] << 8) | e->next_hdr[2]);
    in.max_records = 2;
    bm_hyp_desync h;
    if (!bm_is_ok(bm_hyp_stateful_desync(&in, &h)) || h.kind == BM_DESYNC_NONE)
        return false;
    bm_verdict *v = r->v;
    bool rc4 = bm_rec_suite(e->rec)->mode == BM_MODE_STREAM;
    const char *role = bm_dg_role(r->dir);
    bool drop = h.kind == BM_DESYNC_DROP;
    r->local = false;
    if (h.kind == BM_DESYNC_SWAP) {
        bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN,
                  "%s and the next %s record #%" PRIu64 " arrived in reverse order: record #%" PRIu64 " verifies "
                  "at sequence number %" PRIu64 " from the %s before %s%s",
                  r->name, role, e->next_index, e->next_index, e->seq, rc4 ? "keystream position" : "chained IV",
                  r->name,
                  rc4 ? ", and this one verifies at the next number with that record's keystream skipped" : "");
    } else if (h.how == BM_DESYNC_BY_KEYSTREAM) {
        if (h.records == 1)
            bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN,
                      "the %s's RC4 keystream is %zu bytes ahead: one record of %zu bytes + %zu-byte MAC was "
                      "dropped before %s; with it skipped the MAC verifies at sequence number %" PRIu64,
                      role, h.skip, h.skip - h.mac_len, h.mac_len, r->name, h.seq);
        else
            bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN,
                      "the %s's RC4 keystream is %zu bytes ahead: %u records (%zu bytes with their MACs) were "
                      "dropped before %s; with them skipped the MAC verifies at sequence number %" PRIu64,
                      role, h.skip, h.records, h.skip, r->name, h.seq);
    } else if (h.how == BM_DESYNC_BY_SAME_BYTES) {
        bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN,
                  "%s is byte for byte the %s record #%" PRIu64 " that verified just before it: a duplicated or "
                  "replayed record (the receiver's %s had already moved past it)",
                  r->name, role, e->prev_index, rc4 ? "RC4 keystream" : "chained IV");
    } else if (drop) {
        bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN,
                  "%" PRIu64 " %s record%s missing before %s: the next record #%" PRIu64 " verifies at sequence "
                  "number %" PRIu64 " (%+" PRId64 ") with the IV chained from this record's last block",
                  (uint64_t)h.records, role, h.records == 1 ? " is" : "s are", r->name, e->next_index, h.seq,
                  h.delta);
    } else {
        bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, rc4 ? BM_CONF_LIKELY : BM_CONF_PROVEN,
                  "%s took %s and no sequence number of the %s's: the next record #%" PRIu64 " verifies at "
                  "sequence number %" PRIu64 " %s; a duplicated or replayed record%s",
                  r->name, rc4 ? "no RC4 keystream" : "the place of an earlier record", role, e->next_index, h.seq,
                  rc4 ? "from the keystream position before it" : "with the IV chained from its last block",
                  rc4 ? " (or one injected)" : "");
    }
    common_evidence(r);
    if (h.how == BM_DESYNC_BY_KEYSTREAM)
        bm_vd_ev(v, "keystream searched %zu bytes ahead, %lu MAC checks: decrypted from keystream offset %zu the "
                    "record's HMAC verifies under sequence number %" PRIu64 " (%+" PRId64 ")",
                 in.max_skip ? in.max_skip : (size_t)(BM_REC_MAX_PLAINTEXT + 2048 + h.mac_len), h.tried, h.skip,
                 h.seq, h.delta);
    else if (h.how == BM_DESYNC_BY_NEXT)
        bm_vd_ev(v, "the state carried from record to record (%s) was rebuilt from this record's bytes; %lu "
                    "sequence numbers tried on the next record",
                 rc4 ? "RC4 keystream" : "TLS 1.0 chained CBC IV", h.tried);
    if (drop)
        bm_vd_ev(v, "every later %s record fails for the receiver: its %s is out of step with the sender's", role,
                 rc4 ? "keystream" : "sequence number");
    bm_vd_ex(v, "the keys and the record bytes: the records are intact, only records are missing or repeated");
    bm_vd_next(v, drop ? "look for something that discards whole TLS records in the path (a proxy, IDS, a "
                         "userspace relay) or a sender writing from two threads without a lock"
                       : "look for something that re-sends TLS records (a proxy replaying after a reconnect) or "
                         "two writers on one TLS session");
    bm_dg_two_point(v, !r->dir);
    return true;
}

static bool try_keys(dg_rec *r)
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
    if (!n || !bm_is_ok(bm_hyp_other_keys(cands, n, DG_SEQ_WINDOW, r->type, r->ver, e->body, e->len, &h)) ||
        !h.found)
        return false;
    bm_verdict *v = r->v;
    bm_vd_set(v, BM_CAUSE_WRONG_KEYS, BM_CONF_PROVEN, "%s verifies under %s: the %s used the wrong keys", r->name,
              cands[h.index].label, bm_dg_role(r->dir));
    common_evidence(r);
    bm_vd_ev(v, "opened under %s with sequence number %" PRIu64, cands[h.index].label, h.seq);
    bm_vd_ex(v, "the network: the record is intact");
    bm_vd_next(v, "check the %s's key schedule (epoch changes, KeyUpdate, renegotiation) and shared TLS state "
                  "between threads/connections",
               bm_dg_role(r->dir));
    return true;
}

static bool try_mac(dg_rec *r)
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
    common_evidence(r);
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

static bool try_locate(dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    bm_locate_result res;
    if (!bm_is_ok(bm_locate(e->rec, e->seq, r->type, r->ver, e->body, e->len, NULL, &res)) ||
        res.status != BM_LOC_FOUND || !res.n)
        return false;
    const bm_repair *p = &res.rep[0];
    bm_verdict *v = r->v;
    bm_repair_ref *q = &v->repair;
    v->has_repair = true;
    q->direction = (uint8_t)r->dir;
    q->index = r->b->index;
    q->in_header = p->where == BM_REP_HEADER;
    q->record_offset = p->offset;
    q->stream_offset = r->b->stream_off + (q->in_header ? 0 : 5) + p->offset;
    q->frame = r->b->frame;
    q->bit = p->bit;
    q->bits = p->weight;
    q->len = p->len;
    memcpy(q->xor_mask, p->xor, p->len <= 16 ? p->len : 16);
    char what[96];
    if (p->bit >= 0)
        snprintf(what, sizeof what, "flip bit %d of %s byte %zu", p->bit, q->in_header ? "header" : "body", p->offset);
    else
        snprintf(what, sizeof what, "undo %u flipped bits in %s bytes %zu..%zu", p->weight,
                 q->in_header ? "header" : "body", p->offset, p->offset + p->len - 1);
    bool at_sender = bm_dg_captured_at(r->c, r->dir);
    if (at_sender)
        bm_vd_set(v, BM_CAUSE_SENDER_FAULT, BM_CONF_LIKELY,
                  "%s: %s back and it verifies; the capture was taken on the %s's host, so the bits were wrong "
                  "before they reached the wire",
                  r->name, what, bm_dg_role(r->dir));
    else
        bm_vd_set(v, BM_CAUSE_IN_PATH_CORRUPTION, BM_CONF_PROVEN,
                  "%s: %s (stream offset %" PRIu64 ") back and the %s verifies: the record was damaged in transit",
                  r->name, what, q->stream_offset, r->b->reason == BM_REASON_TAG_MISMATCH ? "tag" : "MAC");
    common_evidence(r);
    bm_vd_ev(v, "verified repair: %s of %s record #%" PRIu64 " (stream offset %" PRIu64 "), %zu candidate%s, "
                "%" PRIu64 " examined",
             what, bm_dg_role(r->dir), r->b->index, q->stream_offset, res.n, res.n == 1 ? "" : "s", res.candidates);
    bm_dg_tcp_evidence(r->c, v, r->dir, r->b->stream_off, (uint64_t)r->b->length + 5);
    if (at_sender) {
        bm_vd_ex(v, "the network and the %s: the record was already damaged on the sending host",
                 bm_dg_role(!r->dir));
        bm_vd_next(v, "check the %s's NIC offloads (TSO/checksum/crypto), its memory and DMA path", bm_dg_role(r->dir));
    } else {
        bm_vd_ex(v, "both endpoints' cryptography: the %s's keys and sequence number are right (the repaired record "
                    "verifies)",
                 bm_dg_role(r->dir));
        bm_vd_ex(v, "the %s: it rightly rejected a damaged record", bm_dg_role(!r->dir));
        bm_vd_next(v, "find the device between the endpoints that changes payload bytes (proxy, TLS inspection, "
                      "NIC, switch, link with bad memory); its TCP checksums were recomputed or the error was "
                      "undetectable");
        bm_dg_two_point(v, !r->dir);
    }
    return true;
}

/* The record took a sequence number the sender never gave it. */
static bool try_foreign(dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    if (!e->later_delta_found || e->later_delta != -1 || e->realigned != 1)
        return false;
    bm_verdict *v = r->v;
    bm_vd_set(v, BM_CAUSE_FOREIGN_RECORD, BM_CONF_LIKELY,
              "%s verifies under no sequence number or key, and the next failing record #%" PRIu64 " verifies "
              "one number earlier: the sender never counted it, something inserted it",
              r->name, e->later_index);
    common_evidence(r);
    bm_vd_ev(v, "%s record #%" PRIu64 " opens with sequence number expected-1; %" PRIu64 " records verified after it",
             bm_dg_role(r->dir), e->later_index, e->verified_after);
    bm_vd_ex(v, "the %s's TLS stack: its own records are intact and in sequence", bm_dg_role(r->dir));
    bm_vd_next(v, "look for a proxy or middlebox that injects data into the TCP stream");
    bm_dg_two_point(v, !r->dir);
    return true;
}

/* The Finished (first protected record) fails: the two sides derived
 * different keys, or our key material is not this connection's. */
static bool try_finished(dg_rec *r)
{
    bm_conn *c = r->c;
    if (c->crypto.finished[r->dir] != BM_FIN_FAILED)
        return false;
    bm_verdict *v = r->v;
    bool other_ok = c->crypto.finished[!r->dir] == BM_FIN_OK;
    bool resumed = c->hs.resumed;
    if (!other_ok && !c->failed) {
        bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
                  "no record of either side opens with the key material given: it belongs to another connection");
        common_evidence(r);
        bm_vd_next(v, "check that the key log was written by this very session (client random %02x%02x...)",
                   c->hs.client_random[0], c->hs.client_random[1]);
        return true;
    }
    const bm_diag_stale *st = r->e->stale;
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
    common_evidence(r);
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

static void shape_verdict(dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    bm_verdict *v = r->v;
    bm_shape sh;
    memset(&sh, 0, sizeof sh);
    bm_rec *w = NULL;
    uint8_t *out = malloc(e->len ? e->len : 1);
    bm_open_result o;
    memset(&o, 0, sizeof o);
    if (out && bm_is_ok(bm_rec_clone(e->rec, &w)) &&
        bm_is_ok(bm_rec_open(w, e->seq, r->type, r->ver, e->body, e->len, out, e->len ? e->len : 1, &o))) {
        bm_shape_input in = {.body = e->body, .body_len = e->len, .plain = out, .plain_len = o.decrypted_len,
                             .tag = o.got_mac, .tag_len = o.mac_len, .block = 16};
        bm_hyp_shape(&in, &sh);
    }
    bm_rec_free(w);
    if (out)
        OPENSSL_cleanse(out, e->len ? e->len : 1);
    free(out);
    bool at_sender = bm_dg_captured_at(r->c, r->dir);
    bool confined = (sh.flags & BM_SHAPE_GARBLED) && sh.garbled < sh.blocks;
    bool near = false;
    bm_verdict probe = *v;
    near = bm_dg_tcp_evidence(r->c, &probe, r->dir, r->b->stream_off, (uint64_t)r->b->length + 5);
    if (at_sender || (sh.flags & (BM_SHAPE_TAG_ZERO | BM_SHAPE_BODY_ZERO))) {
        bm_vd_set(v, BM_CAUSE_SENDER_FAULT, BM_CONF_LIKELY,
                  "%s fails under every hypothesis and %s: the %s sent it damaged", r->name,
                  at_sender ? "the capture was taken on the sender's host" : "its MAC/tag or body is all zeros",
                  bm_dg_role(r->dir));
    } else if (near || (confined && r->local)) {
        bm_vd_set(v, BM_CAUSE_IN_PATH_CORRUPTION, near ? BM_CONF_LIKELY : BM_CONF_POSSIBLE,
                  "%s is damaged %s (more than the repair search covers); from this vantage point a sender fault "
                  "cannot be ruled out",
                  r->name, near ? "where the capture saw two different copies" : "in a confined burst");
    } else {
        bm_vd_set(v, BM_CAUSE_SENDER_FAULT, BM_CONF_POSSIBLE,
                  "%s fails under every hypothesis (sequence numbers, keys, MAC construction, bit repairs): "
                  "most likely the %s produced it wrong",
                  r->name, bm_dg_role(r->dir));
    }
    common_evidence(r);
    if (sh.flags & BM_SHAPE_GARBLED)
        bm_vd_ev(v, "decrypted without authentication: %zu of %zu 16-byte blocks garbled (blocks %zu..%zu)%s",
                 sh.garbled, sh.blocks, sh.first_garbled, sh.last_garbled,
                 confined ? "; the rest reads as plausible plaintext" : "");
    if (sh.flags & BM_SHAPE_TAG_ZERO)
        bm_vd_ev(v, "the MAC/tag bytes are all zero: never computed");
    if (sh.flags & BM_SHAPE_ZERO_RUN)
        bm_vd_ev(v, "a run of %zu zero bytes at body offset %zu", sh.zero_run_len, sh.zero_run_off);
    bm_dg_tcp_evidence(r->c, v, r->dir, r->b->stream_off, (uint64_t)r->b->length + 5);
    bm_vd_ex(v, "the %s: it rightly rejected a record that does not verify", bm_dg_role(!r->dir));
    if (confined)
        bm_vd_next(v, "damage confined to some 16-byte blocks points at DMA/alignment/crypto offload on the sender "
                      "or a device in the path");
    bm_dg_two_point(v, !r->dir);
}

static void diagnose_record(const bm_diag_evidence *ev, bm_conn *c, int dir)
{
    dg_rec r;
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
        common_evidence(&r);
        bm_dg_tcp_evidence(c, r.v, dir, r.b->stream_off, (uint64_t)r.b->length + 5);
        bm_vd_next(r.v, "capture again without losses (full snaplen, bigger buffer: tcpdump -s 0 -B 65536)");
        bm_vd_record(r.v, &ref);
        return;
    }
    if (!try_seq(&r) && !try_stateful(&r) && !try_keys(&r) && !try_mac(&r) && !try_locate(&r) && !try_foreign(&r) &&
        !try_finished(&r) && !(c->failed && bm_dg_too_large(c, &ref)))
        shape_verdict(&r);
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
