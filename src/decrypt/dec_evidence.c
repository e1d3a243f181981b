/*
 * dec_evidence.c - what the decryption stage keeps for the diagnosis
 * (issue [4/8]): per direction a copy of the first failing record, the
 * frames that carried it, the reader state just before it, and whether
 * the records after it still verify. bm_decrypt_evidence hands all that,
 * by role, to whoever diagnoses the connection (the analysis, src/core/).
 *
 * Memory: at most one record body (<= BM_REC_BUFSIZE) and two bm_rec per
 * direction, whatever the number of failures.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "../crypto/trial.h"
#include "dec_int.h"

/* Sequence numbers tried around a failure before the next records are
 * judged: a dropped or duplicated record moves the count by one or two. */
#define DEC_REALIGN_WINDOW 3
/* Failures per direction for which the window is tried (bounded work when
 * every record fails, e.g. wrong keys). */
#define DEC_REALIGN_TRIES 4

/* RC4 and the TLS 1.0 chained CBC IV carry state from record to record:
 * the state before a record is gone once it has been opened. */
bool bm_dec_stateful(const dec_conn *k)
{
    if (!k->suite)
        return false;
    return k->suite->mode == BM_MODE_STREAM || (k->suite->mode == BM_MODE_CBC && k->version <= BM_TLS10);
}

void bm_dec_keep_state(dec_conn *k, int side)
{
    dec_dir *d = &k->dir[side];
    if (!d->rec || d->has_bad || !bm_dec_stateful(k))
        return;
    if (!d->shadow) {
        if (!bm_is_ok(bm_rec_clone(d->rec, &d->shadow)))
            d->shadow = NULL;
        return;
    }
    if (!bm_is_ok(bm_rec_copy_state(d->shadow, d->rec))) {
        bm_rec_free(d->shadow);
        d->shadow = NULL;
    }
}

static void keep_first(dec_conn *k, dec_dir *d, const bm_tls_record_ev *ev)
{
    const bm_rec *before = bm_dec_stateful(k) ? d->shadow : d->rec;
    memcpy(d->bad_hdr, ev->hdr, 5);
    d->bad_n_segs = ev->segs && ev->n_segs <= BM_TLS_RSEG ? ev->n_segs : 0;
    if (d->bad_n_segs)
        memcpy(d->bad_segs, ev->segs, d->bad_n_segs * sizeof d->bad_segs[0]);
    d->bad_seq = d->seq;
    d->bad_epoch = d->epoch;
    if (d->has_secret) {
        memcpy(d->bad_secret, d->secret, sizeof d->secret);
        d->bad_has_secret = true;
    }
    if (ev->payload && ev->len <= BM_REC_BUFSIZE && (d->bad_body = malloc(ev->len ? ev->len : 1)) != NULL) {
        memcpy(d->bad_body, ev->payload, ev->len);
        d->bad_len = ev->len;
    }
    if (before && !bm_is_ok(bm_rec_clone(before, &d->bad_rec)))
        d->bad_rec = NULL;
}

void bm_dec_keep_prev(dec_conn *k, int side, const bm_tls_record_ev *ev)
{
    dec_dir *d = &k->dir[side];
    if (d->has_bad || !bm_dec_stateful(k))
        return;
    d->prev_valid = false;
    if (!ev->payload || ev->len > BM_REC_BUFSIZE)
        return;
    if (!d->prev_body && (d->prev_body = malloc(BM_REC_BUFSIZE)) == NULL)
        return;
    memcpy(d->prev_body, ev->payload, ev->len);
    d->prev_len = ev->len;
    d->prev_index = ev->index;
    d->prev_valid = true;
}

/* The record right after the first failure, when nothing verified in
 * between: with the first one's bytes it rebuilds the sender's chained
 * state (bm_hyp_stateful_desync). */
static void keep_next(dec_conn *k, dec_dir *d, const bm_tls_record_ev *ev)
{
    if (d->next_body || d->failed != 2 || d->verified_after || !ev->payload || ev->len > BM_REC_BUFSIZE ||
        !bm_dec_stateful(k))
        return;
    if ((d->next_body = malloc(ev->len ? ev->len : 1)) == NULL)
        return;
    memcpy(d->next_body, ev->payload, ev->len);
    d->next_len = ev->len;
    memcpy(d->next_hdr, ev->hdr, 5);
    d->next_index = ev->index;
}

void bm_dec_note_failure(dec_conn *k, int side, const bm_tls_record_ev *ev)
{
    dec_dir *d = &k->dir[side];
    bool first = !d->has_bad;
    if (first)
        keep_first(k, d, ev);
    else
        keep_next(k, d, ev);
    if (!ev->payload || d->failed > DEC_REALIGN_TRIES || bm_dec_stateful(k))
        return;
    bm_hyp_seq h;
    uint16_t ver = (uint16_t)((ev->hdr[1] << 8) | ev->hdr[2]);
    if (!bm_is_ok(bm_hyp_seq_window(d->rec, d->seq, DEC_REALIGN_WINDOW, ev->hdr[0], ver, ev->payload, ev->len, &h)) ||
        h.kind == BM_SEQ_NOT_FOUND)
        return;
    /* Follow the sender's numbering from here, as a receiver that had
     * resynchronised would: what follows shows whether the rest is sound. */
    d->seq = h.seq;
    d->realigned++;
    if (!first && !d->later_found) {
        d->later_found = true;
        d->later_delta = h.delta;
        d->later_index = ev->index;
    }
}

void bm_dec_evidence_free(dec_dir *d)
{
    bm_rec_free(d->shadow);
    bm_rec_free(d->bad_rec);
    d->shadow = d->bad_rec = NULL;
    if (d->bad_body)
        OPENSSL_cleanse(d->bad_body, d->bad_len);
    free(d->bad_body);
    d->bad_body = NULL;
    if (d->prev_body)
        OPENSSL_cleanse(d->prev_body, BM_REC_BUFSIZE);
    free(d->prev_body);
    d->prev_body = NULL;
    d->prev_valid = false;
    if (d->next_body)
        OPENSSL_cleanse(d->next_body, d->next_len);
    free(d->next_body);
    d->next_body = NULL;
    OPENSSL_cleanse(&d->wkeys, sizeof d->wkeys);
    OPENSSL_cleanse(d->bad_secret, sizeof d->bad_secret);
}

void bm_dec_extra_free(dec_conn *k)
{
    for (int side = 0; side < 2; side++) {
        bm_rec_free(k->x.prev[side]);
        bm_rec_free(k->x.next[side]);
    }
    memset(&k->x, 0, sizeof k->x);
}

static void extra_keys13(dec_conn *k, int side, int role, dec_extra *x)
{
    dec_dir *d = &k->dir[side];
    /* The handshake keys, when the failure happened under application keys. */
    if (d->bad_epoch == BM_EP_AP && k->have_hs_secret[role]) {
        if (!bm_is_ok(bm_dec_rec13(k, role == 0 ? k->c_hs : k->s_hs, &x->prev[side])))
            x->prev[side] = NULL;
    }
    /* The epoch after a KeyUpdate nobody saw. */
    if (d->bad_has_secret && k->suite) {
        uint8_t ns[BM_MAX_HASH_LEN];
        if (bm_is_ok(bm_tls13_update_secret(k->d->cc, (bm_hash)k->suite->prf, d->bad_secret, ns)) &&
            d->bad_epoch == BM_EP_AP) {
            if (!bm_is_ok(bm_dec_rec13(k, ns, &x->next[side])))
                x->next[side] = NULL;
        }
        OPENSSL_cleanse(ns, sizeof ns);
    }
    if (!x->next[side] && d->bad_epoch == BM_EP_HS && d->next && !bm_is_ok(bm_rec_clone(d->next, &x->next[side])))
        x->next[side] = NULL;
}

bool bm_decrypt_evidence(void *hook_conn, const bm_conn *c, bm_diag_evidence *out)
{
    dec_conn *k = hook_conn;
    memset(out, 0, sizeof *out);
    if (!k)
        return false;
    /* bm_dec_close (the hook's conn_close, which ran first) settled the roles. */
    int cs = k->client_side >= 0 ? k->client_side : BM_SIDE_A;
    bm_dec_extra_free(k);
    dec_extra *x = &k->x;
    out->cc = k->d->cc;
    out->keyed = k->have_keys;
    bm_dec_session_view(k, &c->hs, &x->session);
    if (x->session.applies)
        out->session = &x->session;
    for (int side = 0; side < 2 && k->have_keys; side++) {
        dec_dir *d = &k->dir[side];
        int role = side == cs ? BM_CLIENT : BM_SERVER;
        bm_diag_dir *e = &out->dir[role];
        e->failed = d->failed;
        e->verified = d->verified;
        e->verified_after = d->verified_after;
        e->realigned = d->realigned;
        e->later_delta_found = d->later_found;
        e->later_delta = d->later_delta;
        e->later_index = d->later_index;
        if (!d->has_bad)
            continue;
        e->has_bad = true;
        memcpy(e->hdr, d->bad_hdr, 5);
        e->body = d->bad_body;
        e->len = d->bad_len;
        e->seq = d->bad_seq;
        e->rec = d->bad_rec;
        e->segs = d->bad_segs;
        e->n_segs = d->bad_n_segs;
        if (d->prev_valid) {
            e->prev = d->prev_body;
            e->prev_len = d->prev_len;
            e->prev_index = d->prev_index;
        }
        if (d->next_body) {
            e->next = d->next_body;
            e->next_len = d->next_len;
            memcpy(e->next_hdr, d->next_hdr, 5);
            e->next_index = d->next_index;
        }
        e->other_dir = k->dir[!side].rec;
        e->other_seq = k->dir[!side].seq;
        if (k->version == BM_TLS13) {
            extra_keys13(k, side, role, x);
            e->prev_epoch = x->prev[side];
            e->next_epoch = x->next[side];
        } else if (d->has_wkeys && k->suite) {
            x->params[side] = (bm_rec_params){k->suite, k->version, k->flags, &d->wkeys};
            e->params = &x->params[side];
            bm_dec_stale(k, &c->hs, side, role, &x->stale[side]);
            if (x->stale[side].applies)
                e->stale = &x->stale[side];
        }
    }
    return true;
}
