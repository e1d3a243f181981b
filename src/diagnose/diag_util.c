/*
 * diag_util.c - verdict building and the circumstantial evidence: the TCP
 * stage's segments, the vantage point, the alerts, and the verdicts that
 * need no keys (misleading alert, oversized record, keyless, healthy).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../proto/proto.h"
#include "../tls/tls.h"
#include "diag_int.h"

static void put_line(char *dst, const char *fmt, va_list ap)
{
    vsnprintf(dst, BM_VERDICT_LINE, fmt, ap);
}

void bm_vd_set(bm_verdict *v, bm_cause cause, bm_confidence conf, const char *fmt, ...)
{
    va_list ap;
    v->cause = cause;
    v->confidence = conf;
    va_start(ap, fmt);
    put_line(v->summary, fmt, ap);
    va_end(ap);
}

#define ADD_LINE(arr, n, max)                                                                                 \
    do {                                                                                                      \
        if (v->n >= (max))                                                                                    \
            return;                                                                                           \
        va_list ap;                                                                                           \
        va_start(ap, fmt);                                                                                    \
        put_line(v->arr[v->n++], fmt, ap);                                                                    \
        va_end(ap);                                                                                           \
    } while (0)

void bm_vd_ev(bm_verdict *v, const char *fmt, ...) { ADD_LINE(evidence, n_evidence, BM_VERDICT_MAX_EVIDENCE); }
void bm_vd_ex(bm_verdict *v, const char *fmt, ...) { ADD_LINE(exonerates, n_exonerates, BM_VERDICT_MAX_EXONERATES); }
void bm_vd_next(bm_verdict *v, const char *fmt, ...) { ADD_LINE(next_steps, n_next_steps, BM_VERDICT_MAX_STEPS); }

void bm_vd_record(bm_verdict *v, const bm_record_ref *r)
{
    v->has_record = true;
    v->record = *r;
}

const char *bm_dg_role(int role) { return role == BM_CLIENT ? "client" : "server"; }

const bm_alert *bm_dg_fatal(const bm_conn *c)
{
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS; i++)
        if (c->alerts[i].level == BM_ALERT_FATAL || (c->alerts[i].level < 0 && c->alerts[i].inferred))
            return &c->alerts[i];
    return NULL;
}

/* bad_record_mac (20), decryption_failed (21), or unreadable. */
bool bm_dg_mac_alert(const bm_alert *a) { return !a || a->desc < 0 || a->desc == BM_ALERT_BAD_RECORD_MAC || a->desc == BM_ALERT_DECRYPTION_FAILED; }

/* Only one side's segments offloaded: the capture ran on that side's host.
 * Both (loopback, or everything on one machine) says nothing. */
bool bm_dg_captured_at(const bm_conn *c, int role)
{
    return c->tcp.offloaded_by[role & 1] > 0 && c->tcp.offloaded_by[!(role & 1)] == 0;
}

bool bm_dg_tcp_evidence(const bm_conn *c, bm_verdict *v, int dir, uint64_t off, uint64_t len)
{
    const bm_tcp_info *t = &c->tcp;
    bool overlap = false;
    for (uint32_t i = 0; i < t->n_conflicts && i < 8; i++) {
        const struct bm_conflict_ref *r = &t->conflicts[i];
        /* "near" the record: within it, or within one full segment of it */
        if (r->direction != dir || r->stream_off + r->length + 1500 < off || r->stream_off > off + len + 1500)
            continue;
        overlap = true;
        bm_vd_ev(v, "the capture saw two different copies of %s stream bytes at offset %" PRIu64
                    " (frames %" PRIu64 " and %" PRIu64 ", %u of %u bytes differ): the bytes changed between "
                    "transmissions",
                 bm_dg_role(dir), r->stream_off, r->first_frame, r->second_frame, r->differing, r->length);
    }
    if (t->bad_checksums_by[dir])
        bm_vd_ev(v, "%" PRIu64 " %s segment%s had a bad TCP checksum (dropped by the receiver's TCP, and here)",
                 t->bad_checksums_by[dir], bm_dg_role(dir), t->bad_checksums_by[dir] == 1 ? "" : "s");
    else if (bm_dg_captured_at(c, dir))
        bm_vd_ev(v, "the %s's segments carry checksums left to the NIC (offload): the capture was taken on the "
                    "%s's own host, before the wire",
                 bm_dg_role(dir), bm_dg_role(dir));
    else
        bm_vd_ev(v, "every %s segment had a valid TCP checksum: damage made in transit either slipped past "
                    "TCP's checksum or was made by a device that recomputed it (a middlebox, proxy or NIC)",
                 bm_dg_role(dir));
    if (t->ttl_changed[dir])
        bm_vd_ev(v, "the TTL of the %s's segments changed during the connection (first %u): the path changed",
                 bm_dg_role(dir), t->ttl[dir]);
    if (t->gaps)
        bm_vd_ev(v, "the capture lost %" PRIu64 " bytes in %" PRIu64 " gaps", t->gap_bytes, t->gaps);
    return overlap;
}

void bm_dg_key_steps(const bm_conn *c, bm_verdict *v)
{
    bm_vd_next(v, "export this connection's keys and run again with --keylog FILE: SSLKEYLOGFILE=FILE for "
                  "OpenSSL/BoringSSL/NSS/curl/browsers (openssl s_client -keylogfile FILE)");
    bm_vd_next(v, "embedded stacks: mbedTLS mbedtls_ssl_conf_export_keys_ext_cb (2.x) or "
                  "mbedtls_ssl_set_export_keys_cb (3.x); wolfSSL wolfSSL_CTX_set_keylog_callback "
                  "(HAVE_SECRET_CALLBACK); Java -Djavax.net.debug=ssl:handshake:keygen (its log is a --keylog)");
    if (c->hs.version && c->hs.version < BM_TLS13)
        bm_vd_next(v, "RSA key exchange: the server's private key decrypts it: --rsa-key server.key");
}

void bm_dg_two_point(bm_verdict *v, int receiver)
{
    bm_vd_next(v, "capture on the %s's and the %s's hosts at the same time and run badmac compare %s.pcap "
                  "%s.pcap: it shows where the bytes changed",
               bm_dg_role(!receiver), bm_dg_role(receiver), bm_dg_role(!receiver), bm_dg_role(receiver));
}

/* A fatal alert that is not about a record's integrity. */
/* record_overflow read from the receiver, and the peer sent a record over
 * the negotiated limit before it: the alert itself names the cause. */
static bool overflow_proven(bm_conn *c, const bm_alert *a)
{
    const bm_dir_records *dr = &c->rec[!a->from & 1];
    for (uint32_t i = 0; i < dr->n_flagged_list && i < BM_MAX_FLAGGED; i++) {
        const bm_record_ref *f = &dr->flagged_list[i];
        if (f->frame > a->frame || !f->limit)
            continue;
        bm_verdict *v = &c->verdict;
        bm_vd_set(v, BM_CAUSE_RECORD_TOO_LARGE, BM_CONF_PROVEN,
                  "%s record #%" PRIu64 " is %u bytes, over the negotiated limit %u, and the %s said so: fatal "
                  "record_overflow",
                  bm_dg_role(f->direction), f->index, f->length, f->limit, bm_dg_role(a->from));
        bm_vd_ev(v, "%s record #%" PRIu64 " (frame %" PRIu64 "): %u bytes, limit %u (max_fragment_length / "
                    "record_size_limit)",
                 bm_dg_role(f->direction), f->index, f->frame, f->length, f->limit);
        bm_vd_ev(v, "fatal alert record_overflow (22) from the %s at frame %" PRIu64 "%s", bm_dg_role(a->from),
                 a->frame, a->encrypted ? " (decrypted)" : " (in the clear)");
        bm_vd_ex(v, "the network and the keys: the record was refused for its size, not its integrity");
        bm_vd_record(v, f);
        bm_vd_next(v, "make the %s honour the negotiated limit (fragment every record, handshake messages "
                      "included, to it), or raise the %s's receive buffer",
                   bm_dg_role(f->direction), bm_dg_role(a->from));
        return true;
    }
    return false;
}

bool bm_dg_misleading(bm_conn *c)
{
    const bm_alert *a = bm_dg_fatal(c);
    if (!a || bm_dg_mac_alert(a))
        return false;
    bm_verdict *v = &c->verdict;
    if (a->desc == BM_ALERT_RECORD_OVERFLOW && overflow_proven(c, a))
        return true;
    const char *name = bm_tls_alert_name(a->desc);
    bm_vd_set(v, BM_CAUSE_MISLEADING_ALERT, BM_CONF_PROVEN,
              "the %s ended the connection with fatal %s, not bad_record_mac: not a MAC failure",
              bm_dg_role(a->from), name ? name : "alert");
    bm_vd_ev(v, "fatal alert %s (%d) from the %s at frame %" PRIu64 ", record #%" PRIu64 "%s", name ? name : "?",
             a->desc, bm_dg_role(a->from), a->frame, a->index, a->encrypted ? " (decrypted)" : " (in the clear)");
    bm_vd_ex(v, "the record layer: the alert names another cause");
    if (a->desc == BM_ALERT_CERTIFICATE_REQUIRED)
        bm_vd_next(v, "the %s requires a client certificate and got none: configure one on the %s",
                   bm_dg_role(a->from), bm_dg_role(!a->from));
    else if (a->desc == BM_ALERT_BAD_CERTIFICATE || (a->desc >= BM_ALERT_UNSUPPORTED_CERTIFICATE && a->desc <= BM_ALERT_CERTIFICATE_UNKNOWN) || a->desc == BM_ALERT_UNKNOWN_CA)
        bm_vd_next(v, "the %s rejected the %s's certificate: check the chain the %s sends and the %s's trust store",
                   bm_dg_role(a->from), bm_dg_role(!a->from), bm_dg_role(!a->from), bm_dg_role(a->from));
    else if (a->desc == BM_ALERT_HANDSHAKE_FAILURE || a->desc == BM_ALERT_PROTOCOL_VERSION || a->desc == BM_ALERT_INSUFFICIENT_SECURITY)
        bm_vd_next(v, "a negotiation problem: compare the versions, suites and groups both sides allow");
    else if (a->desc == BM_ALERT_RECORD_OVERFLOW)
        bm_vd_next(v, "record_overflow: a record exceeded what the %s accepts (max_fragment_length, "
                      "record_size_limit, buffer size)",
                   bm_dg_role(a->from));
    else
        bm_vd_next(v, "look up %s in the %s's logs: it states its own reason", name ? name : "the alert",
                   bm_dg_role(a->from));
    return true;
}

/* The record the receiver choked on is longer than negotiated, or than
 * common embedded buffers. */
bool bm_dg_too_large(bm_conn *c, const bm_record_ref *r)
{
    const bm_dir_records *dr = &c->rec[r->direction & 1];
    bm_verdict *v = &c->verdict;
    for (uint32_t i = 0; i < dr->n_flagged_list && i < BM_MAX_FLAGGED; i++) {
        const bm_record_ref *f = &dr->flagged_list[i];
        if (f->index > r->index)
            continue;
        bm_vd_set(v, BM_CAUSE_RECORD_TOO_LARGE, BM_CONF_LIKELY,
                  "%s record #%" PRIu64 " is %u bytes, over the negotiated limit %u: the %s could not hold it",
                  bm_dg_role(f->direction), f->index, f->length, f->limit, bm_dg_role(!f->direction));
        bm_vd_ev(v, "%s record #%" PRIu64 " (frame %" PRIu64 "): %u bytes, limit %u (max_fragment_length / "
                    "record_size_limit)",
                 bm_dg_role(f->direction), f->index, f->frame, f->length, f->limit);
        bm_vd_record(v, f);
        bm_vd_next(v, "make the %s honour the negotiated limit, or raise the %s's receive buffer",
                   bm_dg_role(f->direction), bm_dg_role(!f->direction));
        return true;
    }
    return false;
}

static void keyless_failed(bm_conn *c)
{
    bm_verdict *v = &c->verdict;
    const bm_alert *a = bm_dg_fatal(c);
    int recv = a ? a->from : c->fatal_from;
    if (c->has_suspect) {
        const bm_record_ref *s = &c->suspect;
        bool near = false;
        bm_verdict probe = *v;
        near = bm_dg_tcp_evidence(c, &probe, s->direction, s->stream_off, (uint64_t)s->length + 5);
        if (near) {
            *v = probe;
            bm_vd_set(v, BM_CAUSE_IN_PATH_CORRUPTION, BM_CONF_LIKELY,
                      "%s record #%" PRIu64 " (frame %" PRIu64 ") arrived in two different versions: its bytes "
                      "changed in transit (keyless)",
                      bm_dg_role(s->direction), s->index, s->frame);
            bm_vd_record(v, s);
            bm_vd_ex(v, "the %s's TLS stack: it received bytes the network had changed", bm_dg_role(!s->direction));
            bm_dg_key_steps(c, v);
            return;
        }
        if (bm_dg_too_large(c, s))
            return;
        if (c->hs.resumed && c->rec[s->direction].ccs_index >= 0 &&
            s->index == (uint64_t)c->rec[s->direction].ccs_index + 1) {
            bm_vd_set(v, BM_CAUSE_STALE_RESUMPTION, BM_CONF_POSSIBLE,
                      "resumed session: the %s rejected the %s's very first encrypted record (its Finished): the "
                      "two sides resumed with different master secrets (keyless)",
                      bm_dg_role(recv), bm_dg_role(s->direction));
            bm_vd_ev(v, "abbreviated handshake; the fatal alert follows %s record #%" PRIu64 " (frame %" PRIu64
                        "), the first after its ChangeCipherSpec",
                     bm_dg_role(s->direction), s->index, s->frame);
            bm_vd_record(v, s);
            bm_vd_next(v, "retry without resumption (new session) and see whether it works; clear the session "
                          "caches of both sides");
            bm_dg_key_steps(c, v);
            return;
        }
    }
    bm_vd_set(v, BM_CAUSE_UNDETERMINED, BM_CONF_NONE,
              "the %s sent a fatal %s; without keys badmac cannot check which record failed or why",
              a ? bm_dg_role(a->from) : "peer",
              a && a->desc >= 0 ? "bad_record_mac" : "alert (encrypted)");
    if (c->has_suspect) {
        bm_vd_ev(v, "prime suspect: %s record #%" PRIu64 " (frame %" PRIu64 ", %u bytes), the last before the alert",
                 bm_dg_role(c->suspect.direction), c->suspect.index, c->suspect.frame, c->suspect.length);
        bm_vd_record(v, &c->suspect);
    }
    const bm_tcp_info *t = &c->tcp;
    if (t->gaps || t->snaplen_cut) {
        bm_vd_ev(v, "the capture lost %" PRIu64 " bytes in %" PRIu64 " gaps (%" PRIu64 " packets cut by the snaplen): "
                    "records over the gaps cannot be checked, even with keys",
                 t->gap_bytes, t->gaps, t->snaplen_cut);
        bm_vd_next(v, "capture again whole and without drops: tcpdump -s 0 -B 65536 -w FILE");
    }
    bm_dg_key_steps(c, v);
}

void bm_dg_keyless(bm_conn *c)
{
    c->verdict.keyless = true;
    if (bm_dg_misleading(c))
        return;
    if (c->failed) {
        keyless_failed(c);
        return;
    }
    bm_dg_healthy(c, NULL);
}

void bm_dg_healthy(bm_conn *c, const bm_diag_evidence *ev)
{
    bm_verdict *v = &c->verdict;
    const bm_crypto_info *ci = &c->crypto;
    bool keyed = ev && ev->keyed;
    bm_vd_set(v, BM_CAUSE_HEALTHY, keyed ? BM_CONF_PROVEN : BM_CONF_LIKELY,
              keyed ? "no failure: every record checked verified" : "no failure seen (records not checked: no keys)");
    if (keyed)
        bm_vd_ev(v, "%" PRIu64 " client and %" PRIu64 " server records verified; Finished client %s, server %s",
                 ci->verified[BM_CLIENT], ci->verified[BM_SERVER],
                 ci->finished[BM_CLIENT] == BM_FIN_OK ? "ok" : "unseen",
                 ci->finished[BM_SERVER] == BM_FIN_OK ? "ok" : "unseen");
    else
        bm_vd_ev(v, "no fatal alert");
    for (unsigned i = 0; !keyed && i < c->n_alerts && i < BM_MAX_ALERTS; i++) {
        const bm_alert *a = &c->alerts[i];
        if (!a->encrypted || !a->inferred)
            continue;
        /* An encrypted alert's level and description are guesses without keys. */
        v->confidence = BM_CONF_POSSIBLE;
        bm_vd_ev(v, "the encrypted alert from the %s at frame %" PRIu64 " was only inferred (from its size) to be %s; "
                    "keys would show what it really says",
                 bm_dg_role(a->from), a->frame, a->level == BM_ALERT_WARNING ? "a warning" : "an alert");
        bm_dg_key_steps(c, v);
        break;
    }
    for (int r = 0; r < 2; r++)
        if (c->tcp.bad_checksums_by[r])
            bm_vd_ev(v, "%" PRIu64 " %s segment%s with a bad TCP checksum ignored, as the receiver's TCP did; "
                        "the retransmission was used (a damaged copy on the wire, repaired by TCP)",
                     c->tcp.bad_checksums_by[r], bm_dg_role(r), c->tcp.bad_checksums_by[r] == 1 ? "" : "s");
    if (c->tcp.conflicting_retransmissions)
        bm_vd_ev(v, "%" PRIu64 " retransmissions carried bytes different from the first copy, without a TLS "
                    "failure",
                 c->tcp.conflicting_retransmissions);
    for (int r = 0; r < 2; r++) {
        const bm_dir_records *dr = &c->rec[r];
        if (dr->n_flagged_list && dr->flagged_list[0].limit)
            bm_vd_ev(v, "%" PRIu64 " %s record%s over the negotiated limit %u (first #%" PRIu64 ", %u bytes), "
                        "yet the %s accepted them: a stricter receiver would refuse them (record_too_large)",
                     dr->flagged, bm_dg_role(r), dr->flagged == 1 ? "" : "s", dr->flagged_list[0].limit,
                     dr->flagged_list[0].index, dr->flagged_list[0].length, bm_dg_role(!r));
    }
}
