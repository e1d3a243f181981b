/*
 * diag_int.h - private to the diagnosis: building a verdict line by line,
 * and the circumstantial evidence (TCP, vantage point, alerts) shared by
 * the keyed and the keyless paths.
 */
#ifndef BM_DIAGNOSE_DIAG_INT_H
#define BM_DIAGNOSE_DIAG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diagnose.h"

/* Verdict lines are data (include/badmac/verdict_lines.h): a code and its
 * fields, never words; src/report/ words them. bm_vd_set writes the cause,
 * the confidence and the summary line; bm_vd_ev / _ex / _next append a
 * copy of l to the evidence, exonerations or next steps, and drop it when
 * the list is full. Each returns the stored line (NULL when dropped), for
 * bm_vd_str. */
bm_vline *bm_vd_set(bm_verdict *v, bm_cause cause, bm_confidence conf, const bm_vline *l);
bm_vline *bm_vd_ev(bm_verdict *v, const bm_vline *l);
bm_vline *bm_vd_ex(bm_verdict *v, const bm_vline *l);
bm_vline *bm_vd_next(bm_verdict *v, const bm_vline *l);
/* The line's string argument: a bounded, NUL-terminated copy of s (NULL:
 * empty). l may be NULL (a dropped line). */
void bm_vd_str(bm_vline *l, const char *s);
void bm_vd_record(bm_verdict *v, const bm_record_ref *r);

/* Designated initialisers naming the failing record of a bm_dg_rec r in a
 * bm_vline: its sender, index and frame (the report words them
 * "server record #8 (frame 43)"). */
#define BM_DG_REC(r) .role = (uint8_t)(r)->dir, .index = (r)->b->index, .frame = (r)->b->frame

/* The first fatal alert, or NULL. */
const bm_alert *bm_dg_fatal(const bm_conn *c);
/* A fatal alert that says "a record failed its check" (or cannot be read). */
bool bm_dg_mac_alert(const bm_alert *a);

/* Vantage point, from the TCP stage: the capture was taken on the host
 * that sent direction dir (its checksums were left to the NIC). */
bool bm_dg_captured_at(const bm_conn *c, int role);
/* Evidence lines about the TCP segments of direction dir around
 * [off, off + len): conflicting retransmissions (true if one overlaps),
 * checksums, TTL. */
bool bm_dg_tcp_evidence(const bm_conn *c, bm_verdict *v, int dir, uint64_t off, uint64_t len);
/* "what to export next" lines for a connection without keys. */
void bm_dg_key_steps(const bm_conn *c, bm_verdict *v);
void bm_dg_two_point(bm_verdict *v, int receiver);

/* Sequence numbers tried either side of the expected one. */
#define BM_DG_SEQ_WINDOW 8

/* One failing record and what is known about it (keyed diagnosis). */
typedef struct bm_dg_rec {
    const bm_diag_evidence *ev;
    const bm_diag_dir *e;
    const bm_bad_record *b;
    bm_conn *c;
    bm_verdict *v;
    int dir;             /* sender role */
    uint8_t type;
    uint16_t ver;
    bool local;          /* later records verified at their own numbers */
    bm_record_ref ref;   /* the record, for the verdict */
    bm_search_budget *budget; /* NULL: no limit */
    bool search_incomplete;   /* the bit search was cut short or not run (budget spent) */
    uint64_t search_examined; /* candidates it examined */
} bm_dg_rec;

/* The evidence lines every verdict about a failing record starts with. */
void bm_dg_rec_common(bm_dg_rec *r);

/*
 * The hypotheses about a failing record, as a table: one row each,
 * X(NAME, CAUSE), tried in this order (cheapest and most specific first)
 * by diagnose.c until one returns true. Each row is a tester
 *     bool bm_dg_try_NAME(bm_dg_rec *r);
 * (the prototypes below are generated from the rows) that either returns
 * false and writes nothing, or writes the whole verdict (bm_vd_set, then
 * bm_dg_rec_common and its own evidence, exonerations and next steps) and
 * returns true. CAUSE is the cause the tester establishes; "locate" says
 * sender_fault instead when the repaired damage was captured where it was
 * sent, and "finished" says stale_resumption for a resumed session or
 * undetermined when the key material is not this connection's. When no row
 * holds, bm_dg_shape_verdict (diag_damage.c) judges the shape of the
 * damage.
 *
 * To add a cause: add it to BM_CAUSES (include/badmac/conn.h, at the end),
 * write src/diagnose/hyp_NAME.c defining bm_dg_try_NAME (include
 * "diag_int.h"; the Makefile builds every src file), and add its row here
 * where it belongs in the order. Document it in docs/diagnoses.md.
 */
#define BM_DG_HYPOTHESES(X)                                                                              \
    X(epoch, BM_CAUSE_SENDER_FAULT) /* hyp_epoch.c: wrong_epoch, the old keys open it */                 \
    X(seq, BM_CAUSE_SEQUENCE_DESYNC) /* diag_seq.c: another sequence number */                           \
    X(stateful, BM_CAUSE_SEQUENCE_DESYNC) /* diag_seq.c: RC4 / TLS 1.0 CBC records dropped, repeated */  \
    X(keys, BM_CAUSE_WRONG_KEYS) /* hyp_keys.c: other direction, other epoch */                          \
    X(mac, BM_CAUSE_MAC_CONSTRUCTION_MISMATCH) /* hyp_mac.c: MtE vs EtM, truncated HMAC */               \
    X(locate, BM_CAUSE_IN_PATH_CORRUPTION) /* diag_damage.c: a verified bit repair */                    \
    X(foreign, BM_CAUSE_FOREIGN_RECORD) /* hyp_foreign.c: an inserted record */                          \
    X(finished, BM_CAUSE_KEY_MISMATCH) /* hyp_finished.c: the Finished fails */                          \
    X(too_large, BM_CAUSE_RECORD_TOO_LARGE) /* diagnose.c: over the receiver's limit */

#define BM_DG_TESTER(name, cause) bool bm_dg_try_##name(bm_dg_rec *r);
BM_DG_HYPOTHESES(BM_DG_TESTER)
#undef BM_DG_TESTER

typedef struct bm_dg_hyp {
    const char *name;
    bool (*test)(bm_dg_rec *r);
    bm_cause cause;
} bm_dg_hyp;

/* The table, in order (for tests and docs). */
const bm_dg_hyp *bm_dg_hypotheses(size_t *n);

/* diag_damage.c: always writes a verdict: what the shape of the damage
 * and the vantage point say. */
void bm_dg_shape_verdict(bm_dg_rec *r);

/* Verdicts that do not need keys; bm_dg_keyless also serves keyed
 * connections whose failure no record explains. */
bool bm_dg_misleading(bm_conn *c);
bool bm_dg_too_large(bm_conn *c, const bm_record_ref *r);
void bm_dg_keyless(bm_conn *c);
void bm_dg_healthy(bm_conn *c, const bm_diag_evidence *ev);
/* Status unknown for a quiet close (BM_SR_QUIET_CLOSE: the record the
 * closer may have rejected) or an end not captured (BM_SR_END_NOT_CAPTURED):
 * the verdict undetermined (false: not those cases). */
bool bm_dg_unknown_end(bm_conn *c);
/* An abort (status.c) as an evidence line; a handshake a side abandoned
 * without an alert as the whole verdict (false: not that case). */
void bm_dg_abort_evidence(const bm_conn *c, bm_verdict *v);
bool bm_dg_aborted_handshake(bm_conn *c);
/* Keyed, failed, yet no record failed its check (diag_receiver.c). */
void bm_dg_no_bad_record(const bm_diag_evidence *ev, bm_conn *c);

#endif
