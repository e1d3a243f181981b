/*
 * diag_int.h - private to the diagnosis: building a verdict line by line,
 * and the circumstantial evidence (TCP, vantage point, alerts) shared by
 * the keyed and the keyless paths.
 */
#ifndef BM_DIAGNOSE_DIAG_INT_H
#define BM_DIAGNOSE_DIAG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "diagnose.h"

#define BM_FMT(a, b) __attribute__((format(printf, a, b)))

void bm_vd_set(bm_verdict *v, bm_cause cause, bm_confidence conf, const char *fmt, ...) BM_FMT(4, 5);
void bm_vd_ev(bm_verdict *v, const char *fmt, ...) BM_FMT(2, 3);
void bm_vd_ex(bm_verdict *v, const char *fmt, ...) BM_FMT(2, 3);
void bm_vd_next(bm_verdict *v, const char *fmt, ...) BM_FMT(2, 3);
void bm_vd_record(bm_verdict *v, const bm_record_ref *r);

const char *bm_dg_role(int role); /* "client" / "server" */
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
    char name[96];       /* "server record #8 (frame 43)" */
    bool local;          /* later records verified at their own numbers */
} bm_dg_rec;

/* The evidence lines every verdict about a failing record starts with. */
void bm_dg_rec_common(bm_dg_rec *r);
/* Hypotheses: each writes the verdict and returns true when it explains
 * the record. diag_seq.c: another sequence number, or (RC4, TLS 1.0 CBC)
 * records dropped or repeated under carried state. */
bool bm_dg_try_seq(bm_dg_rec *r);
bool bm_dg_try_stateful(bm_dg_rec *r);
/* diag_damage.c: a verified bit repair; else (always writes a verdict)
 * what the shape of the damage and the vantage point say. */
bool bm_dg_try_locate(bm_dg_rec *r);
void bm_dg_shape_verdict(bm_dg_rec *r);

/* Verdicts that do not need keys; bm_dg_keyless also serves keyed
 * connections whose failure no record explains. */
bool bm_dg_misleading(bm_conn *c);
bool bm_dg_too_large(bm_conn *c, const bm_record_ref *r);
void bm_dg_keyless(bm_conn *c);
void bm_dg_healthy(bm_conn *c, const bm_diag_evidence *ev);
/* Keyed, failed, yet no record failed its check (diag_receiver.c). */
void bm_dg_no_bad_record(const bm_diag_evidence *ev, bm_conn *c);

#endif
