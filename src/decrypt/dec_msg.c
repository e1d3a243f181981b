/*
 * dec_msg.c - one complete handshake message, plaintext or decrypted: the
 * transcript, what key derivation needs (randoms, ClientKeyExchange,
 * server certificate, tickets), the fields TLS 1.3 hides
 * (EncryptedExtensions, Certificate), and the Finished checks.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "../crypto/x509.h"
#include "../wire/cur.h"
#include "dec_int.h"

static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

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

static void client_hello(dec_conn *k, int side, bm_cur *c)
{
    if (k->client_side < 0)
        k->client_side = side;
    k->client_version = bm_get_u16(c);
    if (!bm_get_copy(c, k->client_random, 32))
        return;
    k->have_random = true;
    bm_cur sid = bm_cur_vec8(c), suites = bm_cur_vec16(c), comp = bm_cur_vec8(c);
    (void)sid, (void)comp;
    /* TLS 1.3 suites (0x13xx) of the first ClientHello: 0-RTT uses one of them */
    bool first = k->n_offered13 == 0;
    while (first && bm_cur_ok(&suites) && bm_cur_left(&suites) >= 2) {
        uint16_t cs = bm_get_u16(&suites);
        if ((cs >> 8) == 0x13 && k->n_offered13 < sizeof k->offered13 / sizeof k->offered13[0])
            k->offered13[k->n_offered13++] = cs;
    }
    if (bm_cur_left(c) == 0)
        return;
    bm_cur exts = bm_cur_vec16(c);
    while (bm_cur_ok(&exts) && bm_cur_left(&exts) >= 4) {
        uint16_t type = bm_get_u16(&exts);
        bm_cur body = bm_cur_vec16(&exts);
        if (type == BM_EXT_SESSION_TICKET && bm_cur_ok(&body))
            keep_copy(&k->ticket_offered, &k->ticket_offered_len, body.p, bm_cur_left(&body));
        if (type == BM_EXT_PRE_SHARED_KEY && bm_cur_ok(&body)) { /* pre_shared_key: identities<7..2^16-1>, binders */
            bm_cur ids = bm_cur_vec16(&body);
            if (bm_cur_ok(&ids))
                keep_copy(&k->psk_ids, &k->psk_ids_len, ids.p, bm_cur_left(&ids));
        }
    }
}

/* A HelloRetryRequest turns ClientHello1 into a synthetic message_hash
 * (RFC 8446 4.4.1); the suite (hence the hash) comes from the HRR itself. */
static void server_hello(dec_conn *k, bm_cur *c, const uint8_t *msg, size_t n)
{
    (void)bm_get_u16(c);
    const uint8_t *rnd = bm_get_bytes(c, 32);
    bm_cur sid = bm_cur_vec8(c);
    uint16_t suite = bm_get_u16(c);
    (void)sid;
    const bm_suite *s = bm_suite_find(suite);
    if (rnd && memcmp(rnd, hrr_random, 32)) { /* the ServerHello proper: PSK and key_share */
        (void)bm_get_u8(c);
        bm_cur exts = bm_cur_vec16(c);
        k->sh_psk = k->sh_key_share = false;
        while (bm_cur_ok(&exts) && bm_cur_left(&exts) >= 4) {
            uint16_t type = bm_get_u16(&exts);
            bm_cur body = bm_cur_vec16(&exts);
            if (!bm_cur_ok(&exts))
                break;
            if (type == BM_EXT_PRE_SHARED_KEY && bm_cur_left(&body) == 2) {
                k->sh_psk = true;
                k->sh_psk_selected = bm_get_u16(&body);
            } else if (type == BM_EXT_KEY_SHARE) {
                k->sh_key_share = true;
            }
        }
    }
    if (rnd && !memcmp(rnd, hrr_random, 32) && s && !k->ts_broken && !k->ts_done) {
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
    (void)bm_dec_ts_append(k, msg, n);
}

static void encrypted_extensions(dec_conn *k, bm_cur *c)
{
    k->ee_seen = true;
    bm_cur exts = bm_cur_vec16(c);
    while (bm_cur_ok(&exts) && bm_cur_left(&exts) >= 4) {
        uint16_t type = bm_get_u16(&exts);
        bm_cur b = bm_cur_vec16(&exts);
        if (type == BM_EXT_ALPN) { /* ALPN: a list holding the one selected protocol */
            bm_cur list = bm_cur_vec16(&b);
            bm_cur name = bm_cur_vec8(&list);
            size_t nl = bm_cur_left(&name);
            if (bm_cur_ok(&name) && nl > 0) {
                if (nl >= sizeof k->alpn)
                    nl = sizeof k->alpn - 1;
                for (size_t i = 0; i < nl; i++)
                    k->alpn[i] = (name.p[i] >= 0x20 && name.p[i] < 0x7f) ? (char)name.p[i] : '?';
                k->alpn[nl] = '\0';
                k->alpn_present = true;
            }
        } else if (type == BM_EXT_RECORD_SIZE_LIMIT) {
            k->rsl = bm_get_u16(&b);
        } else if (type == BM_EXT_MAX_FRAGMENT_LENGTH) {
            k->mfl = bm_get_u8(&b);
        } else if (type == BM_EXT_EARLY_DATA) {
            k->early_accepted = true;
        }
    }
    if (!bm_cur_done(c) || !bm_cur_ok(&exts))
        bm_dec_finding(k, &(bm_finding){.code = BM_F_ENCRYPTED_EXTENSIONS_MALFORMED});
    bm_dec_early_decide(k, k->early_accepted);
}

static void certificate13(dec_conn *k, bm_cur *c)
{
    bm_cur ctx = bm_cur_vec8(c);
    bm_cur list = bm_cur_vec24(c);
    (void)ctx;
    while (bm_cur_ok(&list) && bm_cur_left(&list) > 0) {
        bm_cur der = bm_cur_vec24(&list);
        bm_cur ext = bm_cur_vec16(&list);
        (void)ext;
        if (!bm_cur_ok(&list))
            break;
        if (k->n_certs >= BM_MAX_CERTS) {
            k->certs_truncated = true;
            continue;
        }
        bm_cert *ce = &k->certs[k->n_certs++];
        if (!bm_is_ok(bm_x509_describe(der.p, bm_cur_left(&der), ce)))
            bm_dec_finding(k, &(bm_finding){.code = BM_F_CERTIFICATE_NOT_X509, .arg = {k->n_certs}});
    }
    if (!bm_cur_done(c) || !bm_cur_ok(&list))
        bm_dec_finding(k, &(bm_finding){.code = BM_F_TLS13_CERTIFICATE_MALFORMED});
}

static void certificate12(dec_conn *k, bm_cur *c)
{
    bm_cur list = bm_cur_vec24(c);
    bm_cur der = bm_cur_vec24(&list);
    if (bm_cur_ok(&der) && bm_cur_left(&der) > 0)
        keep_copy(&k->cert, &k->cert_len, der.p, bm_cur_left(&der));
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
    if (d->finished == BM_FIN_FAILED)
        bm_dec_finding(k, &(bm_finding){.code = BM_F_FINISHED_MISMATCH, .role = (uint8_t)side});
}

void bm_dec_handle_msg(dec_conn *k, int side, const uint8_t *msg, size_t n, bool prot)
{
    uint8_t type = msg[0];
    bm_cur c = bm_cur_make(msg + 4, n - 4);
    bool is13 = k->version == BM_TLS13;
    bool from_server = k->client_side >= 0 && side != k->client_side;
    if (prot && !is13 && bm_dec_reneg_msg(k, msg, n))
        return;
    switch (type) {
    case BM_HS_CLIENT_HELLO:
        client_hello(k, side, &c);
        break;
    case BM_HS_SERVER_HELLO:
        server_hello(k, &c, msg, n);
        return;
    case BM_HS_NEW_SESSION_TICKET:
        if (is13 && prot) {
            k->nst13 = true;
            return; /* post-handshake: not in the transcript */
        }
        (void)bm_get_u32(&c);
        {
            bm_cur t = bm_cur_vec16(&c);
            if (bm_cur_ok(&t) && bm_cur_left(&t) > 0)
                keep_copy(&k->ticket_new, &k->ticket_new_len, t.p, bm_cur_left(&t));
        }
        break;
    case BM_HS_ENCRYPTED_EXTENSIONS:
        encrypted_extensions(k, &c);
        break;
    case BM_HS_CERTIFICATE:
        if (from_server && is13 && prot)
            certificate13(k, &c);
        else if (from_server && !is13)
            certificate12(k, &c);
        break;
    case BM_HS_CLIENT_KEY_EXCHANGE:
        keep_copy(&k->cke, &k->cke_len, msg + 4, n - 4);
        if (bm_dec_ts_append(k, msg, n))
            k->ems_len = k->ts_len;
        return;
    case BM_HS_FINISHED:
        finished(k, side, msg + 4, n - 4);
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
    (void)bm_dec_ts_append(k, msg, n);
    if (type == BM_HS_FINISHED && from_server && k->psk_pending)
        bm_dec_psk13_app(k);
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
