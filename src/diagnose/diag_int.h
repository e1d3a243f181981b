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

/* Verdicts that do not need keys; bm_dg_keyless also serves keyed
 * connections whose failure no record explains. */
bool bm_dg_misleading(bm_conn *c);
bool bm_dg_too_large(bm_conn *c, const bm_record_ref *r);
void bm_dg_keyless(bm_conn *c);
void bm_dg_healthy(bm_conn *c, const bm_diag_evidence *ev);
/* Keyed, failed, yet no record failed its check (diag_receiver.c). */
void bm_dg_no_bad_record(const bm_diag_evidence *ev, bm_conn *c);

#endif
