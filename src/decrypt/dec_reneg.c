/*
 * dec_reneg.c - TLS <= 1.2 renegotiation: a second handshake carried inside
 * the protected records of the first (RFC 5246 7.4.1, RFC 5746).
 *
 * Its hellos arrive decrypted; the TLS stage parses them into a
 * bm_handshake of their own (hook.h: bm_tls_hs_msg.reneg), which gives the
 * new randoms, version, suite and extensions. The new keys are made at the first encrypted
 * ChangeCipherSpec (the ClientKeyExchange has been seen by then: it is what
 * RSA key exchange and the extended master secret need) and each direction
 * switches at its own ChangeCipherSpec, with sequence numbers from 0. The
 * Finished of every handshake is checked against its own transcript; the
 * connection's Finished status is the worst of them.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "../wire/cur.h"
#include "dec_int.h"

typedef struct dec_reneg {
    bool active;             /* a renegotiation handshake is under way */
    bool sh_seen;            /* ... and its ServerHello was read */
    bool keys_made;
    int first_fin[2];        /* the Finished status before it (by side) */
    bm_handshake hs;         /* its hellos, as the TLS stage parsed them (k->hello from its ClientHello on) */
} dec_reneg;

static int worse(int a, int b)
{
    if (a == BM_FIN_FAILED || b == BM_FIN_FAILED)
        return BM_FIN_FAILED;
    return a == BM_FIN_UNSEEN ? b : a;
}

/* Fold a finished renegotiation's Finished statuses into the connection's. */
static void merge_finished(dec_conn *k)
{
    dec_reneg *g = k->reneg;
    for (int s = 0; s < 2; s++) {
        k->dir[s].finished = worse(g->first_fin[s], k->dir[s].finished);
        g->first_fin[s] = k->dir[s].finished;
    }
}

static void start(dec_conn *k)
{
    if (!k->reneg && !(k->reneg = calloc(1, sizeof *k->reneg))) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_RENEG_OUT_OF_MEMORY});
        return;
    }
    dec_reneg *g = k->reneg;
    if (g->active)
        merge_finished(k); /* the previous one never completed */
    memset(&g->hs, 0, sizeof g->hs);
    /* its keys are found under its client random */
    k->hello = &g->hs;
    k->client_random = g->hs.client_random;
    g->active = true;
    g->sh_seen = g->keys_made = false;
    k->ms_stored = false; /* its session is another one */
    for (int s = 0; s < 2; s++) {
        g->first_fin[s] = k->dir[s].finished;
        k->dir[s].finished = BM_FIN_UNSEEN;
    }
    /* A fresh transcript for the new handshake. */
    k->ts_done = k->ts_broken = false;
    k->ts_len = 0;
    k->ems_len = 0;
    k->sess_hash_len = 0;
    free(k->cke);
    k->cke = NULL;
    k->cke_len = 0;
}

static void server_hello(dec_conn *k, const bm_tls_hs_msg *m)
{
    if (!m->parsed || !m->reneg) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_RENEG_SERVER_HELLO_MALFORMED});
        return;
    }
    k->reneg->hs = *m->reneg;
    k->reneg->sh_seen = true;
}

bool bm_dec_reneg_msg(dec_conn *k, const bm_tls_hs_msg *m)
{
    switch (m->type) {
    case BM_HS_HELLO_REQUEST: /* HelloRequest: not part of any transcript */
        return true;
    case BM_HS_CLIENT_HELLO:
        start(k);
        if (k->reneg && m->reneg)
            k->reneg->hs = *m->reneg;
        return false;
    case BM_HS_SERVER_HELLO:
        if (k->reneg && k->reneg->active)
            server_hello(k, m);
        return false;
    default:
        return false;
    }
}

/* An abbreviated renegotiation: does it resume the session this connection
 * made? With a ticket, it must be the ticket this connection received;
 * with a session id, the client offers the session it has, which within
 * one connection is the connection's own (a wrong guess shows as a failed
 * Finished, never as a silent pass). */
static bool same_session(const dec_conn *k)
{
    if (k->ticket_offered_len)
        return k->ticket_new_len == k->ticket_offered_len &&
               !memcmp(k->ticket_new, k->ticket_offered, k->ticket_new_len);
    return k->reneg->hs.session_id_len > 0;
}

/* Derive the renegotiated keys into each direction's pending state. The
 * current states stay: each side switches at its own ChangeCipherSpec. */
static void make_keys(dec_conn *k)
{
    dec_reneg *g = k->reneg;
    g->keys_made = true;
    bm_rec *cur[2] = {k->dir[0].rec, k->dir[1].rec};
    bm_dir_keys wk[2] = {k->dir[0].wkeys, k->dir[1].wkeys};
    bool hw[2] = {k->dir[0].has_wkeys, k->dir[1].has_wkeys};
    int kind = k->key_kind;
    char src[sizeof k->key_source];
    memcpy(src, k->key_source, sizeof src);
    k->dir[0].rec = k->dir[1].rec = NULL;
    k->have_keys = false;
    g->hs.resumed = g->hs.session_id_len > 0 && !k->cke;
    bm_dec_setup_keys(k, &g->hs);
    if (!k->have_keys && g->hs.resumed && k->suite && same_session(k)) {
        /* No key log line: an abbreviated renegotiation resumes the
         * connection's own session, whose master secret is known. */
        bm_dec_keys12(k, &g->hs);
    }
    bool ok = k->have_keys;
    for (int s = 0; s < 2; s++) {
        dec_dir *d = &k->dir[s];
        bm_rec_free(d->next);
        d->next = ok ? d->rec : NULL;
        if (!ok)
            bm_rec_free(d->rec);
        d->rec = cur[s];
        if (d->has_bad) { /* the diagnosis of a failure before keeps its keys */
            OPENSSL_cleanse(&d->wkeys, sizeof d->wkeys);
            d->wkeys = wk[s];
            d->has_wkeys = hw[s];
        }
    }
    OPENSSL_cleanse(wk, sizeof wk);
    k->have_keys = true;
    k->key_kind = kind;
    memcpy(k->key_source, src, sizeof src);
    if (!ok)
        bm_dec_finding(k, &(bm_finding){.code = BM_F_RENEG_NO_KEYS});
}

void bm_dec_reneg_ccs(dec_conn *k, int side)
{
    dec_reneg *g = k->reneg;
    dec_dir *d = &k->dir[side];
    if (!g || !g->active || !g->sh_seen) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_CCS_WITHOUT_RENEG, .role = (uint8_t)side});
        bm_rec_free(d->rec);
        d->rec = NULL;
        return;
    }
    if (!g->keys_made)
        make_keys(k);
    bm_dec_retire_rec(d);
    d->rec = d->next;
    d->next = NULL;
    d->seq = 0;
    d->prot_seen = true;
    bm_dec_z_start(d, d->comp_next); /* a new cipher state: a new zlib stream */
}

void bm_dec_reneg_finished(dec_conn *k)
{
    dec_reneg *g = k->reneg;
    if (g && g->active && k->dir[0].finished != BM_FIN_UNSEEN && k->dir[1].finished != BM_FIN_UNSEEN) {
        merge_finished(k);
        g->active = false;
    }
}

void bm_dec_reneg_close(dec_conn *k)
{
    if (k->reneg && k->reneg->active) {
        merge_finished(k);
        k->reneg->active = false;
    }
}

void bm_dec_reneg_free(dec_conn *k)
{
    if (k->reneg) {
        OPENSSL_cleanse(k->reneg, sizeof *k->reneg);
        free(k->reneg);
        k->reneg = NULL;
    }
}
