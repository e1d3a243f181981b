/*
 * diag_receiver.c - a fatal bad_record_mac although every record the
 * alerting side received verifies at this capture point. Then the damage
 * happened after the capture point: inside the receiver, or on the path
 * between the capture and the receiver when the capture was not taken on
 * the receiver's host. The vantage point decides the confidence.
 */
#include <inttypes.h>
#include <stdio.h>

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
              "the %s's Finished decrypts but does not match the handshake: the two sides %s", bm_dg_role(s),
              resumed ? "resumed with different sessions" : "saw different handshakes or derived different secrets");
    bm_vd_ev(v, "Finished client %s, server %s", c->crypto.finished[BM_CLIENT] == BM_FIN_OK ? "ok" : "failed/unseen",
             c->crypto.finished[BM_SERVER] == BM_FIN_OK ? "ok" : "failed/unseen");
    bm_vd_ex(v, "the record layer: the Finished record itself authenticates");
    bm_vd_next(v, "look for a device that rewrites handshake messages, and compare both sides' key logs");
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
              "%s record #%" PRIu64 " verifies, yet the %s rejected it: at %u bytes it is the largest so far, "
              "beyond common receive buffers",
              bm_dg_role(s->direction), s->index, bm_dg_role(!s->direction), s->length);
    bm_vd_ev(v, "%s record #%" PRIu64 " (frame %" PRIu64 ", %u bytes) verifies here; every earlier %s record "
                "was smaller",
             bm_dg_role(s->direction), s->index, s->frame, s->length, bm_dg_role(s->direction));
    bm_vd_ev(v, "no max_fragment_length or record_size_limit was negotiated%s",
             c->hs.max_fragment_length_offered ? " (max_fragment_length was offered and refused)" : "");
    bm_vd_record(v, s);
    bm_vd_ex(v, "the network and the %s's record protection: the record is intact", bm_dg_role(s->direction));
    bm_vd_next(v, "raise the %s's input buffer (mbedTLS MBEDTLS_SSL_IN_CONTENT_LEN, wolfSSL MAX_RECORD_SIZE) or "
                  "negotiate max_fragment_length / record_size_limit",
               bm_dg_role(!s->direction));
    return true;
}

void bm_dg_no_bad_record(const bm_diag_evidence *ev, bm_conn *c)
{
    (void)ev;
    bm_verdict *v = &c->verdict;
    const bm_crypto_info *ci = &c->crypto;
    const bm_alert *a = bm_dg_fatal(c);
    int r = a ? a->from : c->fatal_from;
    if (r < 0)
        r = BM_CLIENT;
    int s = !r;
    if (ci->finished[s] == BM_FIN_FAILED) {
        finished_mismatch(c, s);
        return;
    }
    const bm_record_ref *sus = c->has_suspect && c->suspect.direction == s ? &c->suspect : NULL;
    if (sus && (bm_dg_too_large(c, sus) || buffer_too_small(c, sus)))
        return;
    if (ci->verified[s] == 0) {
        bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
                  "the %s alerted but none of the %s's protected records could be checked", bm_dg_role(r),
                  bm_dg_role(s));
        bm_vd_ev(v, "%" PRIu64 " %s records not checked (no keys for their epoch, or lost bytes)",
                 ci->undecryptable[s], bm_dg_role(s));
        bm_dg_key_steps(c, v);
        return;
    }
    bool at_recv = bm_dg_captured_at(c, r);
    bm_vd_set(v, BM_CAUSE_RECEIVER_FAULT, at_recv ? BM_CONF_LIKELY : BM_CONF_POSSIBLE,
              at_recv ? "every record the %s received verifies on its own host, yet it sent a fatal %s: the fault is "
                        "inside the %s (crypto engine, offload, memory)"
                      : "every record the %s received verifies at this capture point, yet it sent a fatal %s: the "
                        "damage happened after this point, on the way into the %s or inside it",
              bm_dg_role(r), a && a->desc == BM_ALERT_DECRYPTION_FAILED ? "decryption_failed" : "bad_record_mac", bm_dg_role(r));
    bm_vd_ev(v, "%" PRIu64 " %s records verified, 0 failed%s; %s Finished %s", ci->verified[s], bm_dg_role(s),
             ci->undecryptable[s] ? " (some not checked)" : "", bm_dg_role(s),
             ci->finished[s] == BM_FIN_OK ? "ok" : "not seen");
    if (a)
        bm_vd_ev(v, "fatal alert from the %s at frame %" PRIu64 " (record #%" PRIu64 ")", bm_dg_role(r), a->frame,
                 a->index);
    if (sus) {
        bm_vd_ev(v, "the last %s record before it, #%" PRIu64 " (frame %" PRIu64 ", %u bytes), verifies here",
                 bm_dg_role(s), sus->index, sus->frame, sus->length);
        bm_vd_record(v, sus);
    }
    if (at_recv)
        bm_vd_ev(v, "the %s's own segments carry offloaded checksums: this capture was taken on the %s's host",
                 bm_dg_role(r), bm_dg_role(r));
    else if (initial_ttl(c->tcp.ttl[s]))
        bm_vd_ev(v, "the %s's segments arrive with TTL %u, an initial value: this capture point is on or next to "
                    "the %s, not at the %s",
                 bm_dg_role(s), c->tcp.ttl[s], bm_dg_role(s), bm_dg_role(r));
    bm_vd_ex(v, "the %s's TLS stack: every record it sent left intact", bm_dg_role(s));
    if (at_recv)
        bm_vd_ex(v, "the network: the records reached the %s's host intact", bm_dg_role(r));
    if (!at_recv)
        bm_dg_two_point(v, r);
    bm_vd_next(v, "on the %s: check hardware crypto / NIC offloads (disable them to test), memory errors, and the TLS "
                  "library's own error log",
               bm_dg_role(r));
}
