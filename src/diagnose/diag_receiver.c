/*
 * diag_receiver.c - a fatal bad_record_mac although every record the
 * alerting side received verifies at this capture point. Then the damage
 * happened after the capture point: inside the receiver, or on the path
 * between the capture and the receiver when the capture was not taken on
 * the receiver's host. The vantage point decides the confidence. A
 * resumed session whose receiver rejects a Finished that verifies is a
 * stale resumption instead: the receiver holds another master secret.
 */
#include "../proto/proto.h"
#include "diag_int.h"

/* Typical receive buffers of embedded stacks (plaintext bytes). */
#define DG_SMALL_BUFFER 4096u

static bool initial_ttl(uint8_t t) { return t == 64 || t == 128 || t == 255; }

static void finished_mismatch(bm_conn *c, int s)
{
    bm_verdict *v = &c->verdict;
    bool resumed = c->hs.resumed;
    bm_vd_set(v, resumed ? BM_CAUSE_STALE_RESUMPTION : BM_CAUSE_KEY_MISMATCH, BM_CONF_LIKELY,
              &(bm_vline){.code = BM_V_FINISHED_NO_MATCH, .role = (uint8_t)s, .arg = {resumed}});
    bm_vd_ev(v, &(bm_vline){.code = BM_V_FINISHED_STATUS,
                            .arg = {c->crypto.finished[BM_CLIENT] == BM_FIN_OK, c->crypto.finished[BM_SERVER] == BM_FIN_OK}});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_FINISHED_AUTHENTICATES});
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_REWRITTEN_HANDSHAKE});
}

static bool buffer_too_small(bm_conn *c, const bm_record_ref *s)
{
    const bm_dir_records *dr = &c->rec[s->direction & 1];
    /* The first record ever to reach that size, and past a common buffer:
     * records as large were never accepted before it. */
    if (s->length <= DG_SMALL_BUFFER + 256 || dr->max_length != s->length || dr->max_length_frame != s->frame)
        return false;
    bm_verdict *v = &c->verdict;
    bm_vd_set(v, BM_CAUSE_RECORD_TOO_LARGE, BM_CONF_LIKELY,
              &(bm_vline){.code = BM_V_BUFFER_TOO_SMALL, .role = s->direction, .index = s->index, .arg = {s->length}});
    bm_vd_ev(v, &(bm_vline){.code = BM_V_LARGEST_VERIFIES, .role = s->direction, .index = s->index, .frame = s->frame,
                            .arg = {s->length}});
    bm_vd_ev(v, &(bm_vline){.code = BM_V_NO_LIMIT_NEGOTIATED, .arg = {c->hs.max_fragment_length_offered}});
    bm_vd_record(v, s);
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_NETWORK_PROTECTION, .role = s->direction});
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_RAISE_BUFFER, .role = (uint8_t)!s->direction});
    return true;
}

/* A resumed session whose sender's Finished verifies under the master
 * secret in use (the sender's key log), rejected by a receiver that never
 * sent a Finished of its own: the receiver resumed with another master.
 * Proven when the key material holds that other master (the session's
 * stored one, or another line logged for this client random); likely when
 * it does not. */
static bool stale_accepted(const bm_diag_evidence *ev, bm_conn *c, int r, const bm_record_ref *sus)
{
    const bm_diag_session *ss = ev ? ev->session : NULL;
    const bm_crypto_info *ci = &c->crypto;
    int s = !r;
    if (!ss || !c->hs.resumed || ci->finished[s] != BM_FIN_OK || ci->finished[r] == BM_FIN_OK)
        return false;
    bm_verdict *v = &c->verdict;
    uint8_t rr = (uint8_t)r, sr = (uint8_t)s;
    bool other_session = ss->session_known && !ss->session_same;
    bool proven = other_session || ss->other_logged;
    bm_vd_str(bm_vd_set(v, BM_CAUSE_STALE_RESUMPTION, proven ? BM_CONF_PROVEN : BM_CONF_LIKELY,
                        &(bm_vline){.code = BM_V_STALE_IN_USE, .role = sr}),
              c->crypto.key_source);
    if (other_session)
        bm_vd_str(bm_vd_ev(v, &(bm_vline){.code = BM_V_STALE_HOLDER, .role = rr, .arg = {BM_VS_HOLDER_SESSION}}),
                  ss->session_src);
    else if (ss->session_known)
        bm_vd_str(bm_vd_ev(v, &(bm_vline){.code = BM_V_SESSION_MASTER, .arg = {1}}), ss->session_src);
    if (ss->other_logged)
        bm_vd_str(bm_vd_ev(v, &(bm_vline){.code = BM_V_STALE_HOLDER, .role = rr, .arg = {BM_VS_HOLDER_LOGGED}}),
                  ss->other_src);
    else if (!other_session)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_STALE_HOLDER, .role = rr, .arg = {BM_VS_HOLDER_UNKNOWN}});
    bm_vd_ev(v, &(bm_vline){.code = BM_V_RECEIVER_COUNTS, .role = sr,
                            .arg = {(int64_t)ci->verified[s], ci->undecryptable[s] != 0, 1}});
    const bm_alert *a = bm_dg_fatal(c);
    if (a)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_ALERT_AT, .role = rr, .index = a->index, .frame = a->frame});
    if (sus)
        bm_vd_record(v, sus);
    bm_vd_ev(v, &(bm_vline){.code = BM_V_ABBREVIATED});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_VERIFIED_INTACT});
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_FIX_SESSION_CACHE});
    return true;
}

void bm_dg_no_bad_record(const bm_diag_evidence *ev, bm_conn *c)
{
    bm_verdict *v = &c->verdict;
    const bm_crypto_info *ci = &c->crypto;
    const bm_alert *a = bm_dg_fatal(c);
    int r = a ? a->from : c->status.receiver;
    if (r < 0)
        r = BM_CLIENT;
    int s = !r;
    if (ci->finished[s] == BM_FIN_FAILED) {
        finished_mismatch(c, s);
        return;
    }
    if (!a && bm_dg_aborted_handshake(c))
        return;
    const bm_status_info *st = &c->status;
    const bm_record_ref *sus = st->prime_why != BM_PRIME_NONE && st->prime.direction == s ? &st->prime : NULL;
    int aborted = !a && st->aborted ? (st->abort_rst ? 2 : 1) : 0;
    if (sus && (bm_dg_too_large(c, sus) || buffer_too_small(c, sus)))
        return;
    if (stale_accepted(ev, c, r, sus))
        return;
    uint8_t rr = (uint8_t)r, sr = (uint8_t)s;
    if (ci->verified[s] == 0) {
        bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE, &(bm_vline){.code = BM_V_NOTHING_CHECKED, .role = rr});
        bm_vd_ev(v, &(bm_vline){.code = BM_V_NOT_CHECKED, .role = sr, .arg = {(int64_t)ci->undecryptable[s]}});
        bm_dg_key_steps(c, v);
        return;
    }
    bool at_recv = bm_dg_captured_at(c, r);
    bm_vd_set(v, BM_CAUSE_RECEIVER_FAULT, at_recv ? BM_CONF_LIKELY : BM_CONF_POSSIBLE,
              &(bm_vline){.code = at_recv ? BM_V_RECEIVER_FAULT_AT : BM_V_RECEIVER_FAULT_AFTER, .role = rr,
                          .arg = {a && a->desc == BM_ALERT_DECRYPTION_FAILED, aborted}});
    bm_vd_ev(v, &(bm_vline){.code = BM_V_RECEIVER_COUNTS, .role = sr,
                            .arg = {(int64_t)ci->verified[s], ci->undecryptable[s] != 0, ci->finished[s] == BM_FIN_OK}});
    if (a)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_ALERT_AT, .role = rr, .index = a->index, .frame = a->frame});
    else
        bm_dg_abort_evidence(c, v);
    if (sus) {
        bm_vd_ev(v, &(bm_vline){.code = BM_V_LAST_RECORD_VERIFIES, .role = sr, .index = sus->index, .frame = sus->frame,
                                .arg = {sus->length}});
        bm_vd_record(v, sus);
    }
    if (at_recv)
        bm_vd_ev(v, &(bm_vline){.code = BM_V_CAPTURED_AT_RECEIVER, .role = rr});
    else if (initial_ttl(c->tcp.ttl[s]))
        bm_vd_ev(v, &(bm_vline){.code = BM_V_INITIAL_TTL, .role = sr, .arg = {c->tcp.ttl[s]}});
    bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_SENDER_STACK, .role = sr});
    if (at_recv)
        bm_vd_ex(v, &(bm_vline){.code = BM_V_EX_NETWORK_REACHED, .role = rr});
    if (!at_recv)
        bm_dg_two_point(v, r);
    if (aborted)
        bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_ABORT_LOGS, .role = rr});
    bm_vd_next(v, &(bm_vline){.code = BM_V_NEXT_RECEIVER_CHECK, .role = rr});
}
