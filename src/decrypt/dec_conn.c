/*
 * dec_conn.c - the stage object, per-connection state and the handshake
 * transcript (the TLS stage reassembles the messages that go into it).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "../wire/cur.h"
#include "dec_int.h"

void bm_dec_finding(dec_conn *k, const bm_finding *f)
{
    if (k->n_findings >= BM_DEC_MAX_FINDINGS)
        return;
    k->findings[k->n_findings++] = *f;
}

/* Grow *buf to hold need bytes, never beyond cap. */
static bool reserve(uint8_t **buf, size_t *have_cap, size_t need, size_t cap)
{
    if (need <= *have_cap)
        return true;
    if (need > cap)
        return false;
    size_t n = *have_cap ? *have_cap : 2048;
    while (n < need)
        n *= 2;
    if (n > cap)
        n = cap;
    uint8_t *nb = realloc(*buf, n);
    if (!nb)
        return false;
    *buf = nb;
    *have_cap = n;
    return true;
}

bool bm_dec_ts_append(dec_conn *k, const uint8_t *msg, size_t n)
{
    if (k->ts_broken || k->ts_done)
        return false;
    if (!reserve(&k->ts, &k->ts_cap, k->ts_len + n, BM_DEC_TRANSCRIPT_CAP)) {
        k->ts_broken = true;
        bm_dec_finding(k, &(bm_finding){.code = BM_F_TRANSCRIPT_OVER_CAP, .arg = {BM_DEC_TRANSCRIPT_CAP / 1024}});
        return false;
    }
    memcpy(k->ts + k->ts_len, msg, n);
    k->ts_len += n;
    return true;
}

static void *dec_open(void *ud, const bm_tuple *t)
{
    dec_conn *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->d = ud;
    k->tuple = *t;
    k->client_side = -1;
    if (k->d->has_obs && k->d->obs.conn_open)
        k->obs_conn = k->d->obs.conn_open(k->d->obs.ud);
    return k;
}

void bm_dec_obs_secret(dec_conn *k, const char *label, const uint8_t *secret, size_t len)
{
    if (k->d->has_obs && k->d->obs.secret && k->client_random)
        k->d->obs.secret(k->d->obs.ud, label, k->client_random, secret, len);
}

void bm_dec_obs_gap(dec_conn *k, int side, const bm_tls_record_ev *ev, bm_dec_gap_kind kind, uint64_t records,
                    uint64_t bytes)
{
    /* Only application data is exported; under TLS 1.3 every protected
     * record says 23 outside, and a failed one's inner type is unknown. */
    if (k->d->has_obs && k->d->obs.app_gap && k->obs_conn && ev->hdr[0] == BM_CT_APPLICATION_DATA)
        k->d->obs.app_gap(k->obs_conn, side, ev->index, kind, records, bytes);
}

void bm_dec_conn_free(dec_conn *k)
{
    if (!k)
        return;
    for (int s = 0; s < 2; s++) {
        bm_rec_free(k->dir[s].rec);
        bm_rec_free(k->dir[s].next);
        bm_rec_free(k->dir[s].early);
        bm_rec_free(k->dir[s].prev);
        bm_dec_evidence_free(&k->dir[s]);
        bm_dec_z_free(&k->dir[s]);
    }
    bm_dec_extra_free(k);
    free(k->ts);
    free(k->cke);
    free(k->cert);
    free(k->ticket_offered);
    free(k->ticket_new);
    free(k->psk_ids);
    bm_dec_reneg_free(k);
    OPENSSL_cleanse(k, sizeof *k);
    free(k);
}

static void dec_free(void *hook_conn) { bm_dec_conn_free(hook_conn); }

bm_decrypt *bm_decrypt_new(bm_crypto_ctx *cc, bm_keystore *ks, const bm_rsa_keys *rsa, bm_diag *diag)
{
    if (!cc || !ks)
        return NULL;
    bm_decrypt *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cc = cc;
    d->ks = ks;
    d->rsa = rsa;
    d->diag = diag;
    d->hook.ud = d;
    d->hook.want_payload = true;
    d->hook.conn_open = dec_open;
    /* the state, and about as much again in OpenSSL contexts, transcript
     * and record buffers (records are released as they are verified) */
    d->hook.conn_bytes = 2 * sizeof(dec_conn);
    d->hook.record = bm_dec_record;
    d->hook.conn_close = bm_dec_close;
    d->hook.hs_msg = bm_dec_hs_msg;
    d->hook.record_done = bm_dec_record_done;
    d->hook.conn_free = dec_free;
    return d;
}

const bm_tls_hook *bm_decrypt_hook(bm_decrypt *d) { return &d->hook; }

void bm_decrypt_set_observer(bm_decrypt *d, const bm_dec_observer *o)
{
    d->has_obs = o != NULL;
    if (o)
        d->obs = *o;
}

void bm_decrypt_free(bm_decrypt *d)
{
    if (d)
        OPENSSL_cleanse(d->buf, sizeof d->buf);
    free(d);
}
