/*
 * diag_seq.c - the sequence hypotheses of the keyed diagnosis: the failing
 * record verifies under another sequence number (records dropped,
 * duplicated, replayed or reordered before the receiver); for RC4 and TLS
 * 1.0 chained CBC, whose state is carried from record to record, the
 * sender's state is rebuilt around a dropped or repeated record.
 */
#include <inttypes.h>
#include <string.h>

#include "diag_int.h"
#include "../crypto/trial.h"

/* Where to look for records dropped (or else repeated) on the way. */
static void next_steps(bm_dg_rec *r, bool dropped)
{
    bm_vd_next(r->v, dropped ? "look for something that discards whole TLS records in the path (a proxy, IDS, a "
                               "userspace relay) or a sender writing from two threads without a lock"
                             : "look for something that re-sends TLS records (a proxy replaying after a reconnect) or "
                               "two writers on one TLS session");
    bm_dg_two_point(r->v, !r->dir);
}

bool bm_dg_try_seq(bm_dg_rec *r)
{
    bm_hyp_seq h;
    const bm_diag_dir *e = r->e;
    if (!bm_is_ok(bm_hyp_seq_window(e->rec, e->seq, BM_DG_SEQ_WINDOW, r->type, r->ver, e->body, e->len, &h)) ||
        h.kind == BM_SEQ_NOT_FOUND)
        return false;
    bm_verdict *v = r->v;
    bool ahead = h.kind == BM_SEQ_AHEAD;
    bm_vd_set(v, BM_CAUSE_SEQUENCE_DESYNC, BM_CONF_PROVEN,
              "%s verifies with sequence number %" PRIu64 " instead of %" PRIu64 ": %s", r->name, h.seq, e->seq,
              ahead ? "records were dropped between the sender's TLS stack and the receiver's"
                    : "a record was duplicated, replayed or reordered (or two writers share the session)");
    bm_dg_rec_common(r);
    bm_vd_ev(v, "opened with sequence number %" PRIu64 " (%+" PRId64 "): tag/MAC verifies", h.seq, h.delta);
    if (e->verified_after)
        bm_vd_ev(v, "%" PRIu64 " later %s records verified once the numbering was adjusted", e->verified_after,
                 bm_dg_role(r->dir));
    bm_vd_ex(v, "the keys and the record bytes: the record is intact, only its position in the sequence is wrong");
    next_steps(r, ahead);
    return true;
}

/* RC4 / TLS 1.0 chained CBC: a record dropped or repeated moves the
 * carried state, so the sender's state is rebuilt (bm_hyp_stateful_desync). */
bool bm_dg_try_stateful(bm_dg_rec *r)
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
    bm_dg_rec_common(r);
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
    next_steps(r, drop);
    return true;
}
