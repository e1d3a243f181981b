/*
 * dec_early.c - TLS 1.3 0-RTT early data (RFC 8446 2.3, 4.2.10).
 *
 * The client sends early records right after its ClientHello, before the
 * ServerHello has named a suite, and the server says only later (in the
 * encrypted EncryptedExtensions) whether it read them. So the early key is
 * set up from the key log's CLIENT_EARLY_TRAFFIC_SECRET (or derived from
 * the external PSK the ClientHello offers first, --psk) with the suite
 * found by trial among the ClientHello's TLS 1.3 suites (the PSK's suite is
 * one of them), and the early records wait in
 * early_pending for the server's verdict: accepted, they are verified;
 * rejected, they are skipped, as the server skipped them.
 *
 * May assume: k->client_side and k->client_random are known (the caller
 * checks that a ClientHello offering early_data was seen).
 */
#include <inttypes.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "../wire/cur.h"
#include "dec_int.h"

/* The early record state under suite s, or NULL. */
static bm_rec *early_rec(dec_conn *k, const bm_suite *s, const uint8_t *secret)
{
    bm_dir_keys dk;
    bm_rec *r = NULL;
    memset(&dk, 0, sizeof dk);
    if (bm_is_ok(bm_tls13_traffic_keys(k->d->cc, s, secret, &dk))) {
        bm_rec_params p = {s, BM_TLS13, 0, &dk};
        if (!bm_is_ok(bm_rec_new(k->d->cc, &p, &r)))
            r = NULL;
    }
    bm_dir_keys_clear(&dk);
    return r;
}

/* The first PSK the ClientHello offered: 0-RTT is always under it (RFC
 * 8446 4.2.10). NULL: not offered, or not given (--psk). */
static const bm_key_entry *first_psk(dec_conn *k)
{
    if (!k->psk_ids)
        return NULL;
    bm_cur ids = bm_cur_make(k->psk_ids, k->psk_ids_len);
    bm_cur id = bm_cur_vec16(&ids);
    return bm_cur_ok(&ids) ? bm_keystore_get_psk(k->d->ks, id.p, bm_cur_left(&id)) : NULL;
}

/* client_early_traffic_secret under suite s: from the key log, or derived
 * from an external PSK and the ClientHello (the transcript so far), which
 * needs no (EC)DHE share even when the handshake uses one. */
static bool early_secret(dec_conn *k, const bm_suite *s, const bm_key_entry *logged, const bm_key_entry *psk,
                         uint8_t out[BM_MAX_HASH_LEN])
{
    bm_hash h = (bm_hash)s->prf;
    size_t hl = bm_hash_len(h);
    if (logged) {
        if (logged->secret_len != hl)
            return false;
        memcpy(out, logged->secret, hl);
        return true;
    }
    if (!psk || k->ts_broken || !k->ts_len)
        return false;
    uint8_t es[BM_MAX_HASH_LEN], th[BM_MAX_HASH_LEN];
    bm_result r = bm_tls13_early_secret(k->d->cc, h, psk->secret, psk->secret_len, es);
    if (bm_is_ok(r))
        r = bm_hash_bytes(k->d->cc, h, k->ts, k->ts_len, th);
    if (bm_is_ok(r))
        r = bm_tls13_derive_secret(k->d->cc, h, es, "c e traffic", th, out);
    OPENSSL_cleanse(es, sizeof es);
    return bm_is_ok(r);
}

void bm_dec_early_keys(dec_conn *k, int side, const bm_tls_record_ev *ev)
{
    dec_dir *d = &k->dir[side];
    if (d->early || d->early_seen || !k->client_random)
        return;
    d->early_seen = true;
    d->early_first = ev->index;
    const bm_key_entry *logged = bm_keystore_find(k->d->ks, BM_KEY_CLIENT_EARLY_TRAFFIC_SECRET, k->client_random, 32);
    const bm_key_entry *psk = logged ? NULL : first_psk(k);
    if (!logged && !psk)
        return;
    const bm_suite *pick = NULL;
    bm_rec *first = NULL;
    uint8_t sec[BM_MAX_HASH_LEN], pick_sec[BM_MAX_HASH_LEN];
    for (unsigned i = 0; i < ev->n_offered13; i++) {
        const bm_suite *s = bm_suite_find(ev->offered13[i]);
        if (!s || !early_secret(k, s, logged, psk, sec))
            continue;
        bm_rec *r = early_rec(k, s, sec);
        if (!r)
            continue;
        bm_open_result res;
        uint16_t ver = (uint16_t)((ev->hdr[1] << 8) | ev->hdr[2]);
        bool opens = ev->payload && bm_is_ok(bm_rec_open(r, 0, ev->hdr[0], ver, ev->payload, ev->len, k->d->buf,
                                                         sizeof k->d->buf, &res)) &&
                     res.status == BM_REC_OK;
        /* None opens (a damaged first record): the client's preferred one. */
        if (opens || !first) {
            bm_rec_free(first);
            first = r;
            pick = s;
            memcpy(pick_sec, sec, sizeof sec);
        } else {
            bm_rec_free(r);
        }
        if (opens)
            break;
    }
    OPENSSL_cleanse(sec, sizeof sec);
    if (!first) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_EARLY_SECRET_NO_SUITE});
        return;
    }
    d->early = first;
    if (psk)
        bm_dec_obs_secret(k, bm_key_label_name(BM_KEY_CLIENT_EARLY_TRAFFIC_SECRET), pick_sec,
                          bm_hash_len((bm_hash)pick->prf));
    OPENSSL_cleanse(pick_sec, sizeof pick_sec);
    /* Until the ServerHello: what the early records are judged under. */
    k->version = BM_TLS13;
    k->suite = pick;
}

void bm_dec_early_decide(dec_conn *k, bool accepted)
{
    if (k->client_side < 0)
        return;
    if (k->early_state == BM_EARLY_UNDECIDED)
        k->early_state = accepted ? BM_EARLY_ACCEPTED : BM_EARLY_REJECTED;
    dec_dir *d = &k->dir[k->client_side];
    if (k->early_state == BM_EARLY_REJECTED && d->early_failed) {
        /* The server skipped what its handshake key did not open: early
         * records that failed were never read, not failures. */
        d->failed -= d->early_failed;
        d->undecryptable += d->early_failed;
        d->early_failed = 0;
        if (d->has_bad && d->bad_early) {
            d->has_bad = false;
            bm_dec_evidence_free(d);
            d->bad_has_secret = false;
            d->bad_len = 0;
            d->verified_after = 0;
            d->realigned = 0;
            d->later_found = false;
        }
        d->bad_early = false;
    }
    if (!d->early_pending)
        return;
    if (k->early_state == BM_EARLY_ACCEPTED) {
        d->verified += d->early_pending;
    } else {
        d->undecryptable += d->early_pending;
        if (!d->early_noted)
            bm_dec_finding(k, &(bm_finding){.code = BM_F_EARLY_DATA_REJECTED, .role = (uint8_t)k->client_side,
                                            .index = d->early_first});
        d->early_noted = true;
    }
    d->early_pending = 0;
}
