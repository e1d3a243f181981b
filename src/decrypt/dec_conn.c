/*
 * dec_conn.c - the stage object, per-connection state, the handshake
 * transcript and the reassembly of handshake messages (plaintext ones and
 * those the stage decrypts alike).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../wire/cur.h"
#include "dec_int.h"

void bm_dec_problem(dec_conn *k, const char *fmt, ...)
{
    if (k->n_problems >= BM_DEC_MAX_PROBLEMS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->problems[k->n_problems++], BM_PROBLEM_LEN, fmt, ap);
    va_end(ap);
}

const char *bm_dec_side_name(const dec_conn *k, int side)
{
    if (k->client_side < 0)
        return side == BM_SIDE_A ? "first side" : "second side";
    return side == k->client_side ? "client" : "server";
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
        bm_dec_problem(k, "handshake transcript longer than %u KiB: Finished messages not checked",
                       BM_DEC_TRANSCRIPT_CAP / 1024);
        return false;
    }
    memcpy(k->ts + k->ts_len, msg, n);
    k->ts_len += n;
    return true;
}

void bm_dec_hs_feed(dec_conn *k, int side, const uint8_t *p, size_t n, bool prot)
{
    dec_dir *d = &k->dir[side];
    if (d->hs_broken || n == 0)
        return;
    if (!reserve(&d->hs, &d->hs_cap, d->hs_have + n, BM_DEC_TRANSCRIPT_CAP + BM_DEC_BUF)) {
        d->hs_broken = true;
        k->ts_broken = true;
        return;
    }
    memcpy(d->hs + d->hs_have, p, n);
    d->hs_have += n;
    size_t pos = 0;
    while (d->hs_have - pos >= 4) {
        bm_cur c = bm_cur_make(d->hs + pos, d->hs_have - pos);
        (void)bm_get_u8(&c);
        uint32_t mlen = bm_get_u24(&c);
        if (mlen > BM_DEC_TRANSCRIPT_CAP) {
            d->hs_broken = true;
            k->ts_broken = true;
            d->hs_have = 0;
            return;
        }
        if (d->hs_have - pos - 4 < mlen)
            break;
        bm_dec_handle_msg(k, side, d->hs + pos, 4 + (size_t)mlen, prot);
        pos += 4 + (size_t)mlen;
    }
    memmove(d->hs, d->hs + pos, d->hs_have - pos);
    d->hs_have -= pos;
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
    if (k->d->has_obs && k->d->obs.secret && k->have_random)
        k->d->obs.secret(k->d->obs.ud, label, k->client_random, secret, len);
}

void bm_dec_obs_gap(dec_conn *k, int side, const bm_tls_record_ev *ev, bm_dec_gap_kind kind, uint64_t records,
                    uint64_t bytes)
{
    /* Only application data is exported; under TLS 1.3 every protected
     * record says 23 outside, and a failed one's inner type is unknown. */
    if (k->d->has_obs && k->d->obs.app_gap && k->obs_conn && ev->hdr[0] == 23)
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
        free(k->dir[s].hs);
        bm_dec_evidence_free(&k->dir[s]);
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
    d->hook.record = bm_dec_record;
    d->hook.conn_close = bm_dec_close;
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
