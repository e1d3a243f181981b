/*
 * dec_msg.c - one complete handshake message, plaintext or decrypted, as
 * the TLS stage hands it over once it has parsed it (hook.h hs_msg): the
 * transcript, the copies key derivation needs later (ClientKeyExchange,
 * server certificate, tickets, PSK identities), the 0-RTT verdict, and the
 * Finished checks. No handshake byte is parsed here: what a message says
 * comes from the TLS stage's view of it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "../wire/cur.h"
#include "dec_int.h"

static void keep_copy(uint8_t **dst, size_t *dlen, const uint8_t *p, size_t n)
{
    free(*dst);
    *dst = NULL;
    *dlen = 0;
    if (n == 0 || !(*dst = malloc(n)))
        return;
    memcpy(*dst, p, n);
    *dlen = n;
}

/* The random (and version) are read where the TLS stage parsed them:
 * k->hello, the connection's bm_handshake or a renegotiation's. */
static void client_hello(dec_conn *k, const bm_tls_hs_msg *m)
{
    if (!k->hello)
        k->hello = m->hs;
    if (!m->random)
        return;
    k->client_random = k->hello->client_random;
    if (m->has_ticket)
        keep_copy(&k->ticket_offered, &k->ticket_offered_len, m->ticket, m->ticket_len);
    if (m->has_psk_ids)
        keep_copy(&k->psk_ids, &k->psk_ids_len, m->psk_ids, m->psk_ids_len);
}

/* A HelloRetryRequest turns ClientHello1 into a synthetic message_hash
 * (RFC 8446 4.4.1); the suite (hence the hash) comes from the HRR itself. */
static void server_hello(dec_conn *k, const bm_tls_hs_msg *m)
{
    const bm_suite *s = bm_suite_find(m->suite);
    if (m->random && !m->hrr) { /* the ServerHello proper: PSK and key_share */
        k->sh_psk = m->psk_selected;
        k->sh_psk_selected = m->psk_identity;
        k->sh_key_share = m->key_share;
    }
    if (m->hrr && s && !k->ts_broken && !k->ts_done) {
        uint8_t mh[4 + BM_MAX_HASH_LEN];
        size_t hl = bm_hash_len((bm_hash)s->prf);
        if (hl && bm_is_ok(bm_hash_bytes(k->d->cc, (bm_hash)s->prf, k->ts, k->ts_len, mh + 4))) {
            mh[0] = BM_HS_MESSAGE_HASH;
            mh[1] = 0;
            mh[2] = 0;
            mh[3] = (uint8_t)hl;
            k->ts_len = 0;
            (void)bm_dec_ts_append(k, mh, 4 + hl);
        } else {
            k->ts_broken = true;
        }
    }
    (void)bm_dec_ts_append(k, m->raw, m->raw_len);
}

static void finished(dec_conn *k, int side, const uint8_t *body, size_t n)
{
    dec_dir *d = &k->dir[side];
    bool is13 = k->version == BM_TLS13;
    if (is13)
        d->want_switch = true;
    if (d->finished != BM_FIN_UNSEEN || k->client_side < 0 || !k->have_keys)
        return;
    int sender = side == k->client_side ? 0 : 1;
    if (is13 && !k->have_hs_secret[sender])
        return;
    uint8_t want[BM_MAX_HASH_LEN];
    size_t wl = 0;
    if (k->ts_broken) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_FINISHED_UNCHECKED, .role = (uint8_t)side});
        return;
    }
    bm_result r;
    if (is13) {
        uint8_t th[BM_MAX_HASH_LEN];
        bm_hash h = (bm_hash)k->suite->prf;
        wl = bm_hash_len(h);
        r = bm_hash_bytes(k->d->cc, h, k->ts, k->ts_len, th);
        if (bm_is_ok(r))
            r = bm_tls13_finished(k->d->cc, h, sender ? k->s_hs : k->c_hs, th, want);
    } else {
        uint8_t out[BM_FINISHED_MAX];
        r = bm_finished_verify_data(k->d->cc, k->version, k->suite, k->ms, sender, k->ts, k->ts_len, out, &wl);
        memcpy(want, out, wl);
    }
    if (!bm_is_ok(r))
        return;
    d->finished = (n == wl && CRYPTO_memcmp(want, body, wl) == 0) ? BM_FIN_OK : BM_FIN_FAILED;
    OPENSSL_cleanse(want, sizeof want);
    if (d->finished == BM_FIN_FAILED) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_FINISHED_MISMATCH, .role = (uint8_t)side});
        if (!k->fin_failed_any)
            for (int i = 0; i < 2; i++)
                k->fin_fail_off[i] = k->dir[i].off_known ? k->dir[i].next_off : 0;
        k->fin_failed_any = true;
    }
}

void bm_dec_gap_vs_finished(dec_conn *k, int side, uint64_t from)
{
    if (!k->fin_failed_any || from > k->fin_fail_off[side])
        return;
    /* what was missing may be a handshake message the transcript needed:
     * a mismatch proves nothing; the findings say unchecked */
    k->fin_failed_any = false;
    for (int i = 0; i < 2; i++)
        if (k->dir[i].finished == BM_FIN_FAILED)
            k->dir[i].finished = BM_FIN_UNSEEN;
    for (unsigned i = 0; i < k->n_findings; i++)
        if (k->findings[i].code == BM_F_FINISHED_MISMATCH)
            k->findings[i].code = BM_F_FINISHED_UNCHECKED;
}

static void handle_msg(dec_conn *k, int side, const bm_tls_hs_msg *m)
{
    uint8_t type = m->type;
    bool prot = m->prot;
    bool is13 = k->version == BM_TLS13;
    bool from_server = k->client_side >= 0 && side != k->client_side;
    if (prot && !is13 && bm_dec_reneg_msg(k, m))
        return;
    switch (type) {
    case BM_HS_CLIENT_HELLO:
        client_hello(k, m);
        break;
    case BM_HS_SERVER_HELLO:
        server_hello(k, m);
        return;
    case BM_HS_NEW_SESSION_TICKET:
        if (is13 && prot)
            return; /* post-handshake: not in the transcript */
        if (m->has_ticket && m->ticket_len > 0)
            keep_copy(&k->ticket_new, &k->ticket_new_len, m->ticket, m->ticket_len);
        break;
    case BM_HS_ENCRYPTED_EXTENSIONS:
        bm_dec_early_decide(k, m->early_data);
        break;
    case BM_HS_CERTIFICATE:
        if (from_server && !is13 && m->cert)
            keep_copy(&k->cert, &k->cert_len, m->cert, m->cert_len);
        break;
    case BM_HS_CLIENT_KEY_EXCHANGE:
        keep_copy(&k->cke, &k->cke_len, m->body, m->len);
        if (bm_dec_ts_append(k, m->raw, m->raw_len)) {
            k->ems_len = k->ts_len;
            /* The suite and version the ServerHello chose (keys may not be
             * set up yet). */
            const bm_suite *s = k->hello ? bm_suite_find(k->hello->cipher_suite) : NULL;
            k->sess_hash_len = 0;
            if (s && !bm_is_ok(bm_session_hash(k->d->cc, k->hello->version, s, k->ts, k->ts_len, k->sess_hash,
                                               &k->sess_hash_len)))
                k->sess_hash_len = 0;
        }
        return;
    case BM_HS_FINISHED:
        finished(k, side, m->body, m->len);
        break;
    case BM_HS_END_OF_EARLY_DATA: /* EndOfEarlyData: the client's early phase ends with this record */
        if (is13 && prot)
            k->dir[side].early_done = true;
        break;
    case BM_HS_KEY_UPDATE:
        if (is13 && prot)
            k->dir[side].want_update = true;
        return;
    default:
        break;
    }
    (void)bm_dec_ts_append(k, m->raw, m->raw_len);
    if (type == BM_HS_FINISHED && from_server && k->psk_pending)
        bm_dec_psk13_app(k);
    /* Both Finished verify: the session (the first handshake's or a
     * renegotiation's) can be resumed at once, by a connection that opens
     * while this one is still open (rsasnakeoil2.pcap of Wireshark's tests). */
    if (type == BM_HS_FINISHED && !is13 && k->dir[0].finished == BM_FIN_OK && k->dir[1].finished == BM_FIN_OK)
        bm_dec_store_session(k, k->hello);
    if (type == BM_HS_FINISHED && !is13)
        bm_dec_reneg_finished(k);
    if (k->dir[0].finished != BM_FIN_UNSEEN && k->dir[1].finished != BM_FIN_UNSEEN && !k->ts_done) {
        /* Both checked: the transcript is no longer needed. */
        k->ts_done = true;
        free(k->ts);
        k->ts = NULL;
        k->ts_len = k->ts_cap = 0;
    }
}

void bm_dec_hs_msg(void *hook_conn, const bm_tls_hs_msg *m)
{
    dec_conn *k = hook_conn;
    if (!k || (m->side != BM_SIDE_A && m->side != BM_SIDE_B))
        return;
    if (k->client_side < 0 && m->client_side >= 0)
        k->client_side = m->client_side;
    if (!m->raw) { /* too long for the TLS stage's reassembly: the transcript lacks it */
        k->ts_broken = true;
        return;
    }
    handle_msg(k, m->side, m);
}
