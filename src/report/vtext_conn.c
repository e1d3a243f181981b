/*
 * vtext_conn.c - the English of the verdict lines about the connection
 * around the failing record (part of verdict_text.c's formatter): TCP and
 * capture circumstances, alerts, record sizes, the keyless and healthy
 * verdicts, and a failure no record explains. The texts are the report's
 * contract with its readers (tests/golden/out): change them only on
 * purpose.
 */
#include <inttypes.h>
#include <stdio.h>

#include "../tls/tls.h"
#include "words.h"

#define U64(x) ((uint64_t)(x))
#define U32(x) ((unsigned)(uint32_t)(x))
#define PL(n) (U64(n) == 1 ? "" : "s")

/* "LEAD ROLE record #I (frame F, N bytes), the last before the WHAT": the
 * record a silent or alerting receiver may have rejected (arg 0: length). */
static void rejected(const bm_vline *l, const char *lead, const char *what, char *buf, size_t cap, size_t *o)
{
    bm_words_put(buf, cap, o, "%s%s record #%" PRIu64 " (frame %" PRIu64 ", %u bytes), the last before the %s", lead,
                 bm_words_role(l->role), l->index, l->frame, U32(l->arg[0]), what);
}

/* One switch, by topic. */
bool bm_vtext_conn(const bm_vline *l, char *buf, size_t cap, size_t *o)
{
    const char *r = bm_words_role(l->role), *other = bm_words_other(l->role);
    const int64_t *a = l->arg;
    const char *how = a[1] ? " (decrypted)" : " (in the clear)";
    switch ((bm_vline_code)l->code) {
    /* TCP and the capture. */
    case BM_V_TCP_CONFLICT:
        bm_words_put(buf, cap, o,
                     "the capture saw two different copies of %s stream bytes at offset %" PRIu64 " (frames %" PRIu64
                     " and %" PRIu64 ", %u of %u bytes differ): the bytes changed between transmissions",
                     r, l->stream_off, U64(a[0]), U64(a[1]), U32(a[2]), U32(a[3]));
        return true;
    case BM_V_TCP_BAD_CHECKSUMS:
        bm_words_put(buf, cap, o, "%" PRIu64 " %s segment%s had a bad TCP checksum (dropped by the receiver's TCP, and here)",
                     U64(a[0]), r, PL(a[0]));
        return true;
    case BM_V_TCP_OFFLOADED:
        bm_words_put(buf, cap, o,
                     "the %s's segments carry checksums left to the NIC (offload): the capture was taken on the "
                     "%s's own host, before the wire",
                     r, r);
        return true;
    case BM_V_TCP_CHECKSUMS_OK:
        bm_words_put(buf, cap, o,
                     "every %s segment had a valid TCP checksum: damage made in transit either slipped past TCP's "
                     "checksum or was made by a device that recomputed it (a middlebox, proxy or NIC)",
                     r);
        return true;
    case BM_V_TCP_TTL_CHANGED:
        bm_words_put(buf, cap, o, "the TTL of the %s's segments changed during the connection (first %u): the path changed",
                     r, U32(a[0]));
        return true;
    case BM_V_TCP_GAPS:
        bm_words_put(buf, cap, o, "the capture lost %" PRIu64 " bytes in %" PRIu64 " gaps", U64(a[0]), U64(a[1]));
        return true;
    case BM_V_CAPTURE_LOSSES:
        bm_words_put(buf, cap, o,
                     "the capture lost %" PRIu64 " bytes in %" PRIu64 " gaps (%" PRIu64 " packets cut by the snaplen): "
                     "records over the gaps cannot be checked, even with keys",
                     U64(a[0]), U64(a[1]), U64(a[2]));
        return true;
    case BM_V_CAPTURED_AT_RECEIVER:
        bm_words_put(buf, cap, o, "the %s's own segments carry offloaded checksums: this capture was taken on the %s's host",
                     r, r);
        return true;
    case BM_V_INITIAL_TTL: /* role: the sender */
        bm_words_put(buf, cap, o,
                     "the %s's segments arrive with TTL %u, an initial value: this capture point is on or next to "
                     "the %s, not at the %s",
                     r, U32(a[0]), r, bm_words_other(l->role));
        return true;
    case BM_V_BAD_CHECKSUMS_IGNORED:
        bm_words_put(buf, cap, o,
                     "%" PRIu64 " %s segment%s with a bad TCP checksum ignored, as the receiver's TCP did; the "
                     "retransmission was used (a damaged copy on the wire, repaired by TCP)",
                     U64(a[0]), r, PL(a[0]));
        return true;
    case BM_V_CONFLICTS_HARMLESS:
        bm_words_put(buf, cap, o,
                     "%" PRIu64 " retransmissions carried bytes different from the first copy, without a TLS failure",
                     U64(a[0]));
        return true;
    /* Alerts and record sizes. */
    case BM_V_MISLEADING: {
        const char *name = bm_tls_alert_name((int)a[0]);
        bm_words_put(buf, cap, o, "the %s ended the connection with fatal %s, not bad_record_mac: not a MAC failure", r,
                     name ? name : "alert");
        return true;
    }
    case BM_V_ALERT_FATAL: {
        const char *name = bm_tls_alert_name((int)a[0]);
        bm_words_put(buf, cap, o, "fatal alert %s (%d) from the %s at frame %" PRIu64 ", record #%" PRIu64 "%s",
                     name ? name : "?", (int)a[0], r, l->frame, l->index, how);
        return true;
    }
    case BM_V_ALERT_OVERFLOW:
        bm_words_put(buf, cap, o, "fatal alert record_overflow (22) from the %s at frame %" PRIu64 "%s", r, l->frame,
                     a[0] ? " (decrypted)" : " (in the clear)");
        return true;
    case BM_V_ALERT_AT:
        bm_words_put(buf, cap, o, "fatal alert from the %s at frame %" PRIu64 " (record #%" PRIu64 ")", r, l->frame,
                     l->index);
        return true;
    case BM_V_ALERT_ONLY_INFERRED:
        bm_words_put(buf, cap, o,
                     "the encrypted alert from the %s at frame %" PRIu64 " was only inferred to be %s%s%s; keys would "
                     "show what it really says",
                     r, l->frame, a[0] ? "close_notify" : "an alert", a[1] ? ": " : "",
                     a[1] ? bm_words_close_fit(a[1]) : "");
        return true;
    case BM_V_KEYLESS_ALERT_UNKNOWN:
        bm_words_put(buf, cap, o,
                     "the %s sent an encrypted alert (record #%" PRIu64 ", frame %" PRIu64 ") that may be close_notify or "
                     "fatal: without keys badmac cannot tell whether this connection failed",
                     r, l->index, l->frame);
        return true;
    case BM_V_KEYLESS_QUIET_CLOSE:
        bm_words_put(buf, cap, o,
                     "the %s closed (frame %" PRIu64 ") without a close_notify of its own right after a record of the %s: a "
                     "receiver that rejects a record without an alert (GnuTLS, many embedded stacks) closes the same "
                     "way; without keys badmac cannot tell whether this connection failed",
                     r, l->frame, other);
        return true;
    case BM_V_END_NOT_CAPTURED:
        bm_words_put(buf, cap, o,
                     "the %s's last bytes before its close (frame %" PRIu64 ") were not captured: whether it sent "
                     "close_notify, a fatal alert or nothing cannot be told from this capture",
                     r, l->frame);
        return true;
    case BM_V_QUIET_CLOSE_AFTER:
        rejected(l, "the record it may have rejected: ", "close", buf, cap, o);
        return true;
    case BM_V_ALERT_FITS_CLOSE:
        bm_words_put(buf, cap, o, "fits close_notify: %s", bm_words_close_fit(a[0]));
        return true;
    case BM_V_ALERT_FITS_FATAL:
        bm_words_put(buf, cap, o, "fits a fatal alert from the %s: %s", r, bm_words_fatal_fit(a[0]));
        return true;
    case BM_V_ALERT_MAY_REJECT:
        rejected(l, "were it fatal, the record it rejected would be ", "alert", buf, cap, o);
        return true;
    case BM_V_ALERT_FITS_NEITHER:
        bm_words_put(buf, cap, o,
                     "the %s's alert record at frame %" PRIu64 " is %u bytes: it cannot hold a 2-byte alert under the "
                     "negotiated suite",
                     r, l->frame, U32(a[0]));
        return true;
    case BM_V_OVERFLOW_PROVEN:
        bm_words_put(buf, cap, o,
                     "%s record #%" PRIu64 " is %u bytes, over the %s limit %u, and the %s said so: fatal "
                     "record_overflow",
                     r, l->index, U32(a[0]), a[3] ? "protocol's" : "negotiated", U32(a[1]), bm_words_role(a[2]));
        return true;
    case BM_V_TOO_LARGE:
        bm_words_put(buf, cap, o,
                     "%s record #%" PRIu64 " is %u bytes, over the %s limit %u: the %s could not hold it", r,
                     l->index, U32(a[0]), a[2] ? "protocol's" : "negotiated", U32(a[1]), other);
        return true;
    case BM_V_RECORD_OVER_LIMIT:
        bm_words_put(buf, cap, o,
                     "%s record #%" PRIu64 " (frame %" PRIu64 "): %u bytes, limit %u (%s)",
                     r, l->index, l->frame, U32(a[0]), U32(a[1]),
                     a[2] ? "the protocol's maximum for this version and suite" : "max_fragment_length / record_size_limit");
        return true;
    case BM_V_BUFFER_TOO_SMALL:
        bm_words_put(buf, cap, o,
                     "%s record #%" PRIu64 " verifies, yet the %s rejected it: at %u bytes it is the largest so far, "
                     "beyond common receive buffers",
                     r, l->index, other, U32(a[0]));
        return true;
    case BM_V_LARGEST_VERIFIES:
        bm_words_put(buf, cap, o,
                     "%s record #%" PRIu64 " (frame %" PRIu64 ", %u bytes) verifies here; every earlier %s record "
                     "was smaller",
                     r, l->index, l->frame, U32(a[0]), r);
        return true;
    case BM_V_NO_LIMIT_NEGOTIATED:
        bm_words_put(buf, cap, o, "no max_fragment_length or record_size_limit was negotiated%s",
                     a[0] ? " (max_fragment_length was offered and refused)" : "");
        return true;
    case BM_V_OVER_LIMIT_ACCEPTED:
        bm_words_put(buf, cap, o,
                     "%" PRIu64 " %s record%s over the negotiated limit %u (first #%" PRIu64 ", %u bytes), yet the %s "
                     "accepted them: a stricter receiver would refuse them (record_too_large)",
                     U64(a[0]), r, PL(a[0]), U32(a[1]), l->index, U32(a[2]), other);
        return true;
    /* Keyless and healthy verdicts; a failure no record explains. */
    case BM_V_KEYLESS_TWO_VERSIONS:
        bm_words_put(buf, cap, o,
                     "%s record #%" PRIu64 " (frame %" PRIu64 ") arrived in two different versions: its bytes "
                     "changed in transit (keyless)",
                     r, l->index, l->frame);
        return true;
    case BM_V_KEYLESS_STALE:
        bm_words_put(buf, cap, o,
                     "resumed session: the %s rejected the %s's very first encrypted record (its Finished): the two "
                     "sides resumed with different master secrets (keyless)",
                     bm_words_role(a[0]), r);
        return true;
    case BM_V_KEYLESS_STALE_FOLLOWS:
        bm_words_put(buf, cap, o,
                     "abbreviated handshake; the fatal alert follows %s record #%" PRIu64 " (frame %" PRIu64
                     "), the first after its ChangeCipherSpec",
                     r, l->index, l->frame);
        return true;
    case BM_V_KEYLESS_UNDETERMINED:
        if (!a[0] && a[2])
            bm_words_put(buf, cap, o,
                         "the %s aborted the connection (%s) without an alert; without keys badmac cannot check "
                         "which record it refused or why",
                         r, a[2] == 2 ? "RST" : "FIN");
        else
            bm_words_put(buf, cap, o,
                         "the %s sent a fatal %s; without keys badmac cannot check which record failed or why",
                         a[0] ? r : "peer", a[1] ? "bad_record_mac" : "alert (encrypted)");
        return true;
    case BM_V_PRIME_SUSPECT:
        bm_words_put(buf, cap, o,
                     "prime suspect: %s record #%" PRIu64 " (frame %" PRIu64 ", %u bytes), the last before the %s",
                     r, l->index, l->frame, U32(a[0]), a[1] ? "abort" : "alert");
        return true;
    case BM_V_ABORTED_AFTER: /* role: the side that aborted; frame: its FIN/RST */
        if (a[2])
            bm_words_put(buf, cap, o,
                         "the %s aborted with %s (frame %" PRIu64 ") after %s record #%" PRIu64 " without an alert: %s",
                         r, a[0] ? "RST" : "FIN", l->frame, other, U64(a[3]), bm_words_abort(a[1]));
        else
            bm_words_put(buf, cap, o, "the %s aborted with %s (frame %" PRIu64 ") without an alert: %s", r,
                         a[0] ? "RST" : "FIN", l->frame, bm_words_abort(a[1]));
        return true;
    case BM_V_ABORTED_HANDSHAKE:
        bm_words_put(buf, cap, o,
                     "the %s abandoned the handshake without an alert%s%s: it refused something in the %s's flight "
                     "(certificate, parameters) or gave up; its own log says what",
                     r, a[0] >= 0 ? " after the " : "", a[0] >= 0 ? bm_words_hs(a[0]) : "", other);
        return true;
    case BM_V_HEALTHY_KEYED: bm_words_put(buf, cap, o, "no failure: every record checked verified"); return true;
    case BM_V_HEALTHY_KEYLESS: bm_words_put(buf, cap, o, "no failure seen (records not checked: no keys)"); return true;
    case BM_V_HEALTHY_COUNTS:
        bm_words_put(buf, cap, o,
                     "%" PRIu64 " client and %" PRIu64 " server records verified; Finished client %s, server %s",
                     U64(a[0]), U64(a[1]), a[2] ? "ok" : "unseen", a[3] ? "ok" : "unseen");
        return true;
    case BM_V_NO_FATAL_ALERT: bm_words_put(buf, cap, o, "no fatal alert"); return true;
    case BM_V_NOTHING_CHECKED: /* role: the side that alerted */
        bm_words_put(buf, cap, o, "the %s alerted but none of the %s's protected records could be checked", r, other);
        return true;
    case BM_V_NOT_CHECKED:
        bm_words_put(buf, cap, o, "%" PRIu64 " %s records not checked (no keys for their epoch, or lost bytes)",
                     U64(a[0]), r);
        return true;
    case BM_V_RECEIVER_FAULT_AT:
        bm_words_put(buf, cap, o,
                     "every record the %s received verifies on its own host, yet it %s%s: the fault is "
                     "inside the %s (crypto engine, offload, memory)",
                     r, a[1] ? "aborted the connection without an alert" : "sent a fatal ",
                     a[1] ? "" : a[0] ? "decryption_failed" : "bad_record_mac", r);
        return true;
    case BM_V_RECEIVER_FAULT_AFTER:
        bm_words_put(buf, cap, o,
                     "every record the %s received verifies at this capture point, yet it %s%s: the "
                     "damage happened after this point, on the way into the %s or inside it",
                     r, a[1] ? "aborted the connection without an alert" : "sent a fatal ",
                     a[1] ? "" : a[0] ? "decryption_failed" : "bad_record_mac", r);
        return true;
    case BM_V_RECEIVER_COUNTS: /* role: the sender */
        bm_words_put(buf, cap, o, "%" PRIu64 " %s records verified, 0 failed%s; %s Finished %s", U64(a[0]), r,
                     a[1] ? " (some not checked)" : "", r, a[2] ? "ok" : "not seen");
        return true;
    case BM_V_LAST_RECORD_VERIFIES:
        bm_words_put(buf, cap, o,
                     "the last %s record before it, #%" PRIu64 " (frame %" PRIu64 ", %u bytes), verifies here", r,
                     l->index, l->frame, U32(a[0]));
        return true;
    default:
        return false;
    }
}
