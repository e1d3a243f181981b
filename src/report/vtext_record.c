/*
 * vtext_record.c - the English of the verdict lines about a failing
 * record and the hypotheses tried on it (part of verdict_text.c's
 * formatter): sequence numbers, carried state, keys, MAC construction,
 * epochs, inserted records, bit repairs, the shape of the damage, and the
 * Finished messages. A record is named from the line's role, index and
 * frame ("server record #8 (frame 43)"). The texts are the report's
 * contract with its readers (tests/golden/out): change them only on
 * purpose.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../util/names.h"
#include "words.h"

#define U64(x) ((uint64_t)(x))
#define SZ(x) ((size_t)(x))

/* "server record #8 (frame 43)", into name (at least 96 bytes). */
static const char *rec_name(const bm_vline *l, char *name, size_t cap)
{
    snprintf(name, cap, "%s record #%" PRIu64 " (frame %" PRIu64 ")", bm_words_role(l->role), l->index, l->frame);
    return name;
}

/* The repair of arg[0..4] (bit, in_header, offset, bits, len). */
static const char *repair_what(const int64_t *a, char *what, size_t cap)
{
    const char *part = a[1] ? "header" : "body";
    if (a[0] >= 0)
        snprintf(what, cap, "flip bit %d of %s byte %zu", (int)a[0], part, SZ(a[2]));
    else
        snprintf(what, cap, "undo %u flipped bits in %s bytes %zu..%zu", (unsigned)a[3], part, SZ(a[2]),
                 SZ(a[2]) + SZ(a[4]) - 1);
    return what;
}

static const char *keyset_label(int64_t k)
{
    switch (k) {
    case BM_VK_OTHER_DIRECTION: return "the other direction's keys";
    case BM_VK_PREVIOUS_EPOCH: return "the handshake keys (previous epoch)";
    case BM_VK_NEXT_EPOCH: return "the next epoch's keys (a KeyUpdate not seen)";
    default: return "other keys";
    }
}

static int slen(const bm_vline *l) { return (int)strnlen(l->str, sizeof l->str); }

/* Bit repairs and the shape of the damage. */
static bool damage(const bm_vline *l, const char *name, char *buf, size_t cap, size_t *o)
{
    const char *r = bm_words_role(l->role);
    const int64_t *a = l->arg;
    char what[96], where[80] = "";
    switch ((bm_vline_code)l->code) {
    case BM_V_REPAIR_AT_SENDER:
        bm_words_put(buf, cap, o,
                     "%s: %s back and it verifies; the capture was taken on the %s's host, so the bits were wrong "
                     "before they reached the wire",
                     name, repair_what(a, what, sizeof what), r);
        return true;
    case BM_V_REPAIR_IN_PATH:
        bm_words_put(buf, cap, o, "%s: %s (stream offset %" PRIu64 ") back and the %s verifies: the record was damaged in transit",
                     name, repair_what(a, what, sizeof what), l->stream_off, a[5] ? "tag" : "MAC");
        return true;
    case BM_V_REPAIR: /* frame: the frame that carried the repaired byte */
        if (a[5] && a[6] >= 0)
            snprintf(where, sizeof where, ", in frame %" PRIu64 " at byte %" PRId64 " of its TCP payload", l->frame,
                     a[6]);
        else if (a[5])
            snprintf(where, sizeof where, ", in frame %" PRIu64, l->frame);
        bm_words_put(buf, cap, o,
                     "verified repair: %s of %s record #%" PRIu64 " (stream offset %" PRIu64 "%s), %zu candidate%s, "
                     "%" PRIu64 " examined",
                     repair_what(a, what, sizeof what), r, l->index, l->stream_off, where, SZ(a[7]),
                     SZ(a[7]) == 1 ? "" : "s", U64(a[8]));
        return true;
    case BM_V_SHAPE_SENDER:
        bm_words_put(buf, cap, o, "%s fails under every hypothesis and %s: the %s sent it damaged", name,
                     a[0] ? "the capture was taken on the sender's host" : "its MAC/tag or body is all zeros", r);
        return true;
    case BM_V_SHAPE_IN_PATH:
        bm_words_put(buf, cap, o,
                     "%s is damaged %s (more than the repair search covers); from this vantage point a sender fault "
                     "cannot be ruled out",
                     name, a[0] ? "where the capture saw two different copies" : "in a confined burst");
        return true;
    case BM_V_SHAPE_SENDER_POSSIBLE:
        bm_words_put(buf, cap, o,
                     "%s fails under every hypothesis (sequence numbers, keys, MAC construction, bit repairs): most "
                     "likely the %s produced it wrong",
                     name, r);
        return true;
    case BM_V_SHAPE_GARBLED:
        bm_words_put(buf, cap, o, "decrypted without authentication: %zu of %zu 16-byte blocks garbled (blocks %zu..%zu)%s",
                     SZ(a[0]), SZ(a[1]), SZ(a[2]), SZ(a[3]), a[4] ? "; the rest reads as plausible plaintext" : "");
        return true;
    case BM_V_SHAPE_TAG_ZERO: bm_words_put(buf, cap, o, "the MAC/tag bytes are all zero: never computed"); return true;
    case BM_V_SHAPE_ZERO_RUN:
        bm_words_put(buf, cap, o, "a run of %zu zero bytes at body offset %zu", SZ(a[0]), SZ(a[1]));
        return true;
    case BM_V_SEARCH_INCOMPLETE:
        if (a[0])
            bm_words_put(buf, cap, o,
                         "%s fails; the search for the bits that would repair it stopped after %" PRIu64
                         " candidates: the run's budget for bit searches is spent (--search-budget)",
                         name, U64(a[0]));
        else
            bm_words_put(buf, cap, o,
                         "%s fails; no bit search was run for it: the run's budget for bit searches is spent "
                         "(--search-budget)",
                         name);
        return true;
    default:
        return false;
    }
}

/* Sequence numbers and the state carried from record to record. */
static bool sequence(const bm_vline *l, const char *name, char *buf, size_t cap, size_t *o)
{
    const char *r = bm_words_role(l->role);
    const int64_t *a = l->arg;
    switch ((bm_vline_code)l->code) {
    case BM_V_SEQ:
        bm_words_put(buf, cap, o, "%s verifies with sequence number %" PRIu64 " instead of %" PRIu64 ": %s", name,
                     U64(a[0]), U64(a[1]),
                     a[2] ? "records were dropped between the sender's TLS stack and the receiver's"
                          : "a record was duplicated, replayed or reordered (or two writers share the session)");
        return true;
    case BM_V_SEQ_OPENED:
        bm_words_put(buf, cap, o, "opened with sequence number %" PRIu64 " (%+" PRId64 "): tag/MAC verifies", U64(a[0]),
                     a[1]);
        return true;
    case BM_V_SEQ_LATER_VERIFIED:
        bm_words_put(buf, cap, o, "%" PRIu64 " later %s records verified once the numbering was adjusted", U64(a[0]), r);
        return true;
    case BM_V_STATEFUL_SWAP:
        bm_words_put(buf, cap, o,
                     "%s and the next %s record #%" PRIu64 " arrived in reverse order: record #%" PRIu64 " verifies "
                     "at sequence number %" PRIu64 " from the %s before %s%s",
                     name, r, U64(a[0]), U64(a[0]), U64(a[1]), a[2] ? "keystream position" : "chained IV", name,
                     a[2] ? ", and this one verifies at the next number with that record's keystream skipped" : "");
        return true;
    case BM_V_STATEFUL_KEYSTREAM_ONE:
        bm_words_put(buf, cap, o,
                     "the %s's RC4 keystream is %zu bytes ahead: one record of %zu bytes + %zu-byte MAC was dropped "
                     "before %s; with it skipped the MAC verifies at sequence number %" PRIu64,
                     r, SZ(a[0]), SZ(a[0]) - SZ(a[1]), SZ(a[1]), name, U64(a[2]));
        return true;
    case BM_V_STATEFUL_KEYSTREAM:
        bm_words_put(buf, cap, o,
                     "the %s's RC4 keystream is %zu bytes ahead: %u records (%zu bytes with their MACs) were dropped "
                     "before %s; with them skipped the MAC verifies at sequence number %" PRIu64,
                     r, SZ(a[0]), (unsigned)a[1], SZ(a[0]), name, U64(a[2]));
        return true;
    case BM_V_STATEFUL_SAME_BYTES:
        bm_words_put(buf, cap, o,
                     "%s is byte for byte the %s record #%" PRIu64 " that verified just before it: a duplicated or "
                     "replayed record (the receiver's %s had already moved past it)",
                     name, r, U64(a[0]), a[1] ? "RC4 keystream" : "chained IV");
        return true;
    case BM_V_STATEFUL_DROP:
        bm_words_put(buf, cap, o,
                     "%" PRIu64 " %s record%s missing before %s: the next record #%" PRIu64 " verifies at sequence "
                     "number %" PRIu64 " (%+" PRId64 ") with the IV chained from this record's last block",
                     U64(a[0]), r, U64(a[0]) == 1 ? " is" : "s are", name, U64(a[1]), U64(a[2]), a[3]);
        return true;
    case BM_V_STATEFUL_EXTRA:
        bm_words_put(buf, cap, o,
                     "%s took %s and no sequence number of the %s's: the next record #%" PRIu64 " verifies at "
                     "sequence number %" PRIu64 " %s; a duplicated or replayed record%s",
                     name, a[2] ? "no RC4 keystream" : "the place of an earlier record", r, U64(a[0]), U64(a[1]),
                     a[2] ? "from the keystream position before it" : "with the IV chained from its last block",
                     a[2] ? " (or one injected)" : "");
        return true;
    case BM_V_STATEFUL_SEARCH:
        bm_words_put(buf, cap, o,
                     "keystream searched %zu bytes ahead, %lu MAC checks: decrypted from keystream offset %zu the "
                     "record's HMAC verifies under sequence number %" PRIu64 " (%+" PRId64 ")",
                     SZ(a[0]), (unsigned long)a[1], SZ(a[2]), U64(a[3]), a[4]);
        return true;
    case BM_V_STATEFUL_REBUILT:
        bm_words_put(buf, cap, o,
                     "the state carried from record to record (%s) was rebuilt from this record's bytes; %lu "
                     "sequence numbers tried on the next record",
                     a[0] ? "RC4 keystream" : "TLS 1.0 chained CBC IV", (unsigned long)a[1]);
        return true;
    case BM_V_STATEFUL_OUT_OF_STEP:
        bm_words_put(buf, cap, o, "every later %s record fails for the receiver: its %s is out of step with the sender's",
                     r, a[0] ? "keystream" : "sequence number");
        return true;
    default:
        return false;
    }
}

/* The record itself; keys, MAC construction, epochs, inserted records. */
static bool hypotheses(const bm_vline *l, const char *name, char *buf, size_t cap, size_t *o)
{
    const char *r = bm_words_role(l->role);
    const int64_t *a = l->arg;
    const char *neg = a[0] ? "encrypt-then-MAC" : "MAC-then-encrypt";
    switch ((bm_vline_code)l->code) {
    case BM_V_RECORD_FAILS: {
        const char *why = a[1] >= 0 && a[1] <= 0xff ? bm_reason_name((bm_rec_reason)a[1], BM_NAME_WORDING) : NULL;
        bm_words_put(buf, cap, o, "%s, stream offset %" PRIu64 ", %u bytes: %s under the expected sequence number %" PRIu64,
                     name, l->stream_off, (unsigned)a[0], why ? why : "fails", U64(a[2]));
        return true;
    }
    case BM_V_FAILURE_LOCAL:
        bm_words_put(buf, cap, o,
                     "%" PRIu64 " later %s records verified at their own sequence numbers: the failure is local to "
                     "this record, not a desync",
                     U64(a[0]), r);
        return true;
    case BM_V_RECORDS_FAILED: bm_words_put(buf, cap, o, "%" PRIu64 " %s records failed in all", U64(a[0]), r); return true;
    case BM_V_RECORD_NOT_CAPTURED:
        bm_words_put(buf, cap, o, "%s fails its check but its bytes were not all captured: it cannot be examined", name);
        return true;
    case BM_V_WRONG_KEYS:
        bm_words_put(buf, cap, o, "%s verifies under %s: the %s used the wrong keys", name, keyset_label(a[0]), r);
        return true;
    case BM_V_OPENED_UNDER_KEYS:
        bm_words_put(buf, cap, o, "opened under %s with sequence number %" PRIu64, keyset_label(a[0]), U64(a[1]));
        return true;
    case BM_V_MAC_CONSTRUCTION:
        bm_words_put(buf, cap, o, "%s verifies only as %.*s, but %s was negotiated: the %s protected it with the wrong construction",
                     name, a[1] ? slen(l) : (int)strlen("another construction"), a[1] ? l->str : "another construction",
                     neg, r);
        return true;
    case BM_V_MAC_COUNTS:
        bm_words_put(buf, cap, o,
                     "%" PRIu64 " %s records before #%" PRIu64 " verified as negotiated (%s); record #%" PRIu64
                     " and %" PRIu64 " failing record%s in all: this one opens as %.*s",
                     U64(a[0]), r, l->index, a[1] ? "encrypt-then-MAC" : "MAC-then-encrypt", l->index, U64(a[2]),
                     U64(a[2]) == 1 ? "" : "s", a[3] ? slen(l) : 1, a[3] ? l->str : "?");
        return true;
    case BM_V_MAC_FLIPS:
        bm_words_put(buf, cap, o,
                     "the construction changes from record to record: the session's flag flips at run time (memory "
                     "corruption of the TLS context, cf. mbedTLS on ESP8266)");
        return true;
    case BM_V_EPOCH:
        bm_words_put(buf, cap, o,
                     "%s authenticates only under the %s's keys from before its last key change (KeyUpdate, the end "
                     "of the handshake, or a renegotiation): the %s kept writing with old keys",
                     name, r, r);
        return true;
    case BM_V_FOREIGN:
        bm_words_put(buf, cap, o,
                     "%s verifies under no sequence number or key, and the next failing record #%" PRIu64 " verifies "
                     "one number earlier: the sender never counted it, something inserted it",
                     name, U64(a[0]));
        return true;
    case BM_V_FOREIGN_LATER:
        bm_words_put(buf, cap, o,
                     "%s record #%" PRIu64 " opens with sequence number expected-1; %" PRIu64 " records verified after it",
                     r, l->index, U64(a[0]));
        return true;
    default:
        return false;
    }
}

/* The Finished messages and the master secrets tried on them. */
static bool finished(const bm_vline *l, char *buf, size_t cap, size_t *o)
{
    const char *r = bm_words_role(l->role);
    const int64_t *a = l->arg;
    const char *from = a[0] ? "that opens the peer's records, from" : "from";
    switch ((bm_vline_code)l->code) {
    case BM_V_FINISHED_NO_MATCH:
        bm_words_put(buf, cap, o, "the %s's Finished decrypts but does not match the handshake: the two sides %s", r,
                     a[0] ? "resumed with different sessions" : "saw different handshakes or derived different secrets");
        return true;
    case BM_V_FINISHED_STATUS:
        bm_words_put(buf, cap, o, "Finished client %s, server %s", a[0] ? "ok" : "failed/unseen",
                     a[1] ? "ok" : "failed/unseen");
        return true;
    case BM_V_FINISHED_OPENS_UNDER:
        bm_words_put(buf, cap, o, "the %s's Finished opens and its MAC verifies under %.*s", r, slen(l), l->str);
        return true;
    case BM_V_NO_OTHER_MASTER_FULL:
        bm_words_put(buf, cap, o,
                     "none of the %u other master secrets (other key log lines for this client random, the RSA "
                     "premaster with and without extended_master_secret) opens it",
                     (unsigned)a[0]);
        return true;
    case BM_V_NOT_THIS_SESSION:
        bm_words_put(buf, cap, o,
                     "no record opens under the master secret given; the %s's Finished opens under %.*s: the key "
                     "material is not this session's",
                     r, slen(l), l->str);
        return true;
    case BM_V_ANOTHER_CONNECTION:
        bm_words_put(buf, cap, o,
                     "no record of either side opens with the key material given: it belongs to another connection");
        return true;
    case BM_V_KEY_MISMATCH_ALT:
        bm_words_put(buf, cap, o,
                     "the %s's Finished does not verify under the master secret %s the key material, but under %.*s: "
                     "the %s derived a different master secret%s",
                     r, from, slen(l), l->str, r, a[1] ? " (extended_master_secret applied the other way)" : "");
        return true;
    case BM_V_PEER_FINISHED_GIVEN:
        bm_words_put(buf, cap, o, "the %s's Finished verifies with the master secret given", r);
        return true;
    case BM_V_STALE_FOUND:
        bm_words_put(buf, cap, o,
                     "resumed session: the %s's Finished fails under the master secret %s the key material, and "
                     "verifies under %.*s: the %s resumed with a different (stale) master secret",
                     r, from, slen(l), l->str, r);
        return true;
    case BM_V_STALE:
        bm_words_put(buf, cap, o,
                     "resumed session: the %s's Finished does not verify under the master secret %s the key "
                     "material: the two sides resumed with different master secrets",
                     r, from);
        return true;
    case BM_V_STALE_IN_USE:
        bm_words_put(buf, cap, o,
                     "resumed session: the %s's Finished verifies under the master secret from %.*s, yet the %s "
                     "rejected it: the %s resumed with another master secret",
                     r, slen(l), l->str, bm_words_role(!l->role), bm_words_role(!l->role));
        return true;
    case BM_V_STALE_HOLDER:
        if (a[0] == BM_VS_HOLDER_SESSION)
            bm_words_put(buf, cap, o,
                         "the %s resumed this session, whose master secret (%.*s) is another: the %s holds that "
                         "one, the %s resumed with a stale one",
                         r, slen(l), l->str, r, bm_words_role(!l->role));
        else if (a[0] == BM_VS_HOLDER_LOGGED)
            bm_words_put(buf, cap, o,
                         "another master secret is logged for this client random (%.*s): the %s's, under which the "
                         "%s's Finished cannot verify",
                         slen(l), l->str, r, bm_words_role(!l->role));
        else
            bm_words_put(buf, cap, o,
                         "the %s's master secret is not in the keys given: it holds another one, or none (a session "
                         "it no longer has)",
                         r);
        return true;
    case BM_V_KEY_MISMATCH:
        bm_words_put(buf, cap, o,
                     "the %s's Finished does not verify under the keys %s the key material: the two sides derived "
                     "different keys (or transcripts)",
                     r, from);
        return true;
    case BM_V_SESSION_MASTER:
        bm_words_put(buf, cap, o,
                     "the master secret in use %s the one the full handshake of this session id established (%.*s)",
                     a[0] ? "is" : "is NOT", slen(l), l->str);
        return true;
    case BM_V_NO_OTHER_MASTER_RESUMED:
        bm_words_put(buf, cap, o,
                     "none of the %u other master secrets in the key material (sessions, alternatives) opens it: the "
                     "%s's master secret is not in the keys given",
                     (unsigned)a[0], r);
        return true;
    case BM_V_PEER_FINISHED_SAME:
        bm_words_put(buf, cap, o, "the %s's Finished verifies with the same master secret", r);
        return true;
    case BM_V_ABBREVIATED:
        bm_words_put(buf, cap, o, "abbreviated handshake: no key exchange, both sides reuse a cached master secret");
        return true;
    case BM_V_EMS_ETM:
        bm_words_put(buf, cap, o, "extended_master_secret %s, encrypt_then_mac %s: check both sides agree on them",
                     a[0] ? "negotiated" : a[1] ? "offered, refused" : "not offered",
                     a[2] ? "negotiated" : a[3] ? "offered, refused" : "not offered");
        return true;
    default:
        return false;
    }
}

bool bm_vtext_record(const bm_vline *l, char *buf, size_t cap, size_t *o)
{
    char name[96];
    rec_name(l, name, sizeof name);
    return damage(l, name, buf, cap, o) || sequence(l, name, buf, cap, o) || hypotheses(l, name, buf, cap, o) ||
           finished(l, buf, cap, o);
}
