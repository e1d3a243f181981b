/*
 * dec_keys.c - finding a connection's key material and turning it into
 * record-protection state: TLS <= 1.2 master secrets (key log, RSA, PSK,
 * resumed session), TLS 1.3 traffic secrets (key log, or an external PSK
 * without (EC)DHE), and the resumption
 * tables this run fills for later connections.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "../keys/psk.h"
#include "../tls/tls.h"
#include "../wire/cur.h"
#include "dec_int.h"

static void set_source(dec_conn *k, int kind, const bm_key_entry *e, const char *text)
{
    k->key_kind = kind;
    if (e)
        bm_key_entry_where(e, k->key_source, sizeof k->key_source);
    else
        snprintf(k->key_source, sizeof k->key_source, "%s", text ? text : "");
}

static int entry_kind(const bm_key_entry *e)
{
    return e && e->source && !strncmp(e->source, "DSB ", 4) ? BM_KEYS_DSB : BM_KEYS_KEYLOG;
}

BM_RESULT bm_dec_make_rec(dec_conn *k, const bm_dir_keys *keys, bm_rec **out)
{
    bm_rec_params p = {k->suite, k->version, k->flags, keys};
    return bm_rec_new(k->d->cc, &p, out);
}

BM_RESULT bm_dec_rec13(dec_conn *k, const uint8_t *secret, bm_rec **out)
{
    bm_dir_keys dk;
    memset(&dk, 0, sizeof dk);
    bm_result r = bm_tls13_traffic_keys(k->d->cc, k->suite, secret, &dk);
    if (bm_is_ok(r))
        r = bm_dec_make_rec(k, &dk, out);
    bm_dir_keys_clear(&dk);
    return r;
}

static const uint8_t *secret13(dec_conn *k, bm_key_label l, const bm_key_entry **first)
{
    const bm_key_entry *e = bm_keystore_find(k->d->ks, l, k->client_random, 32);
    if (!e || e->secret_len != bm_hash_len((bm_hash)k->suite->prf))
        return NULL;
    if (!*first)
        *first = e;
    return e->secret;
}

/* The PSK the ServerHello selected, by the identity the ClientHello
 * offered at that index (the "any identity" PSK when the identities were
 * not captured). */
static const bm_key_entry *selected_psk13(dec_conn *k)
{
    bm_cur ids = bm_cur_make(k->psk_ids, k->psk_ids_len);
    for (unsigned i = 0; k->psk_ids && bm_cur_ok(&ids) && bm_cur_left(&ids) > 0; i++) {
        bm_cur id = bm_cur_vec16(&ids);
        (void)bm_get_u32(&ids); /* obfuscated_ticket_age */
        if (bm_cur_ok(&ids) && i == k->sh_psk_selected)
            return bm_keystore_get_psk(k->d->ks, id.p, bm_cur_left(&id));
    }
    return bm_keystore_get_psk(k->d->ks, NULL, 0);
}

/* TLS 1.3 external PSK without (EC)DHE (psk_ke): the PSK and the
 * transcript determine every secret. Called at the first protected record,
 * when the transcript ends with the ServerHello. */
static void setup13_psk(dec_conn *k)
{
    if (!k->sh_psk)
        return;
    const bm_key_entry *e = selected_psk13(k);
    if (!e)
        return;
    if (k->sh_key_share) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_PSK_WITH_DHE});
        return;
    }
    if (k->ts_broken || !k->ts_len) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_PSK_TRANSCRIPT_INCOMPLETE});
        return;
    }
    bm_hash h = (bm_hash)k->suite->prf;
    size_t hl = bm_hash_len(h);
    uint8_t th[BM_MAX_HASH_LEN];
    bm_tls13_schedule sc;
    memset(&sc, 0, sizeof sc);
    bm_result r = bm_hash_bytes(k->d->cc, h, k->ts, k->ts_len, th);
    if (bm_is_ok(r))
        r = bm_tls13_schedule_run(k->d->cc, k->suite, e->secret, e->secret_len, NULL, 0, th, NULL, &sc);
    for (int side = 0; bm_is_ok(r) && side < 2; side++) {
        dec_dir *d = &k->dir[side];
        r = bm_dec_rec13(k, side == k->client_side ? sc.c_hs : sc.s_hs, &d->rec);
        d->epoch = BM_EP_HS;
    }
    if (!bm_is_ok(r)) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_PSK_KEYS_FAILED, .arg = {r.code}});
        bm_tls13_schedule_clear(&sc);
        return;
    }
    k->have_keys = true;
    set_source(k, BM_KEYS_PSK, e, NULL);
    memcpy(k->c_hs, sc.c_hs, hl);
    memcpy(k->s_hs, sc.s_hs, hl);
    memcpy(k->master13, sc.master, hl);
    k->have_hs_secret[0] = k->have_hs_secret[1] = true;
    k->psk_pending = true;
    bm_dec_obs_secret(k, bm_key_label_name(BM_KEY_CLIENT_HANDSHAKE_TRAFFIC_SECRET), sc.c_hs, hl);
    bm_dec_obs_secret(k, bm_key_label_name(BM_KEY_SERVER_HANDSHAKE_TRAFFIC_SECRET), sc.s_hs, hl);
    bm_tls13_schedule_clear(&sc);
}

void bm_dec_psk13_app(dec_conn *k)
{
    k->psk_pending = false;
    if (k->ts_broken || !k->ts)
        return;
    bm_hash h = (bm_hash)k->suite->prf;
    size_t hl = bm_hash_len(h);
    uint8_t th[BM_MAX_HASH_LEN], ap[2][BM_MAX_HASH_LEN];
    bm_result r = bm_hash_bytes(k->d->cc, h, k->ts, k->ts_len, th);
    if (bm_is_ok(r))
        r = bm_tls13_derive_secret(k->d->cc, h, k->master13, "c ap traffic", th, ap[0]);
    if (bm_is_ok(r))
        r = bm_tls13_derive_secret(k->d->cc, h, k->master13, "s ap traffic", th, ap[1]);
    OPENSSL_cleanse(k->master13, sizeof k->master13);
    for (int side = 0; bm_is_ok(r) && side < 2; side++) {
        dec_dir *d = &k->dir[side];
        const uint8_t *sec = ap[side == k->client_side ? 0 : 1];
        bm_rec_free(d->next);
        d->next = NULL;
        r = bm_dec_rec13(k, sec, &d->next);
        memcpy(d->secret, sec, hl);
        d->has_secret = bm_is_ok(r);
    }
    if (bm_is_ok(r)) {
        bm_dec_obs_secret(k, bm_key_label_name(BM_KEY_CLIENT_TRAFFIC_SECRET_0), ap[0], hl);
        bm_dec_obs_secret(k, bm_key_label_name(BM_KEY_SERVER_TRAFFIC_SECRET_0), ap[1], hl);
    } else {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_PSK_APP_KEYS_FAILED, .arg = {r.code}});
    }
    OPENSSL_cleanse(ap, sizeof ap);
}

static void setup13(dec_conn *k)
{
    const bm_key_entry *first = NULL;
    const uint8_t *chs = secret13(k, BM_KEY_CLIENT_HANDSHAKE_TRAFFIC_SECRET, &first);
    const uint8_t *shs = secret13(k, BM_KEY_SERVER_HANDSHAKE_TRAFFIC_SECRET, &first);
    const uint8_t *cap = secret13(k, BM_KEY_CLIENT_TRAFFIC_SECRET_0, &first);
    const uint8_t *sap = secret13(k, BM_KEY_SERVER_TRAFFIC_SECRET_0, &first);
    const uint8_t *early = secret13(k, BM_KEY_CLIENT_EARLY_TRAFFIC_SECRET, &first);
    if (!first) {
        setup13_psk(k);
        return;
    }
    size_t hl = bm_hash_len((bm_hash)k->suite->prf);
    k->have_keys = true;
    const struct {
        bm_key_label l;
        const uint8_t *s;
    } used[] = {{BM_KEY_CLIENT_EARLY_TRAFFIC_SECRET, early}, {BM_KEY_CLIENT_HANDSHAKE_TRAFFIC_SECRET, chs},
                {BM_KEY_SERVER_HANDSHAKE_TRAFFIC_SECRET, shs}, {BM_KEY_CLIENT_TRAFFIC_SECRET_0, cap},
                {BM_KEY_SERVER_TRAFFIC_SECRET_0, sap}};
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        if (used[i].s)
            bm_dec_obs_secret(k, bm_key_label_name(used[i].l), used[i].s, hl);
    set_source(k, entry_kind(first), first, NULL);
    if (chs)
        memcpy(k->c_hs, chs, hl);
    if (shs)
        memcpy(k->s_hs, shs, hl);
    k->have_hs_secret[0] = chs != NULL;
    k->have_hs_secret[1] = shs != NULL;
    for (int side = 0; side < 2; side++) {
        dec_dir *d = &k->dir[side];
        bool client = side == k->client_side;
        const uint8_t *hs = client ? chs : shs, *ap = client ? cap : sap;
        bool ok = true;
        if (hs) {
            ok = bm_is_ok(bm_dec_rec13(k, hs, &d->rec));
            d->epoch = BM_EP_HS;
        }
        if (ap) {
            ok = ok && bm_is_ok(bm_dec_rec13(k, ap, hs ? &d->next : &d->rec));
            if (!hs)
                d->epoch = BM_EP_AP;
            memcpy(d->secret, ap, hl);
            d->has_secret = true;
        }
        if (client && early && !d->early) /* else set up at the 0-RTT record (dec_early.c) */
            ok = ok && bm_is_ok(bm_dec_rec13(k, early, &d->early));
        if (!ok)
            bm_dec_finding(k, &(bm_finding){.code = BM_F_TLS13_KEYS_FAILED, .role = (uint8_t)side});
    }
}

const uint8_t *bm_dec_logged_rsa_pms(dec_conn *k, const bm_key_entry **entry)
{
    if (!k->cke)
        return NULL;
    /* TLS: a vector; SSL 3.0: the bare ciphertext. */
    bm_cur c = bm_cur_make(k->cke, k->cke_len);
    bm_cur enc = bm_cur_vec16(&c);
    bool vec = bm_cur_done(&c);
    const uint8_t *e = vec ? enc.p : k->cke;
    size_t el = vec ? bm_cur_left(&enc) : k->cke_len;
    const uint8_t *known = bm_keystore_get_rsa_pms(k->d->ks, e, el);
    if (known && entry)
        *entry = bm_keystore_find(k->d->ks, BM_KEY_RSA_PMS, e, 8);
    return known;
}

bm_result bm_dec_rsa_decrypt(dec_conn *k, const uint8_t *enc, size_t el, int what, uint8_t pms[48],
                             const bm_rsa_key **used)
{
    const bm_rsa_keys *rk = k->d->rsa;
    const bm_rsa_key *key = k->cert && rk ? bm_rsa_keys_match_cert(rk, k->cert, k->cert_len) : NULL;
    if (!key && rk)
        key = bm_rsa_keys_only(rk);
    if (used)
        *used = key;
    if (!key) {
        if (what && rk)
            bm_dec_finding(k, &(bm_finding){.code = BM_F_RSA_NO_MATCHING_KEY});
        return bm_res(BM_ERR_NO_KEYS);
    }
    bm_result r = bm_rsa_decrypt_cke(key, enc, el, k->hello->client_version, pms, NULL);
    if (what && r.code == BM_ERR_PMS_VERSION)
        bm_dec_finding(k, &(bm_finding){.code = BM_F_RSA_PREMASTER_VERSION});
    else if (what && !bm_is_ok(r)) {
        bm_finding f = {.code = BM_F_RSA_DECRYPT_FAILED, .arg = {what, r.code}};
        snprintf(f.str, sizeof f.str, "%s", bm_rsa_key_source(key));
        bm_dec_finding(k, &f);
    }
    return r;
}

/* TLS <= 1.2 premaster from an RSA-encrypted ClientKeyExchange: a key
 * log's "RSA" line, else the --rsa-key. A premaster whose version differs
 * from the ClientHello's is used all the same (and said). */
static bool rsa_premaster(dec_conn *k, uint8_t pms[48])
{
    const bm_key_entry *ke = NULL;
    const uint8_t *known = bm_dec_logged_rsa_pms(k, &ke);
    if (known) {
        memcpy(pms, known, 48);
        set_source(k, entry_kind(ke), ke, "key log RSA line");
        return true;
    }
    if (!k->cke || !k->d->rsa)
        return false;
    const bm_rsa_key *key = NULL;
    bm_result r = bm_dec_rsa_decrypt(k, k->cke, k->cke_len, BM_FM_CLIENT_KEY_EXCHANGE, pms, &key);
    if (!bm_is_ok(r) && r.code != BM_ERR_PMS_VERSION)
        return false;
    k->key_kind = BM_KEYS_RSA;
    snprintf(k->key_source, sizeof k->key_source, "%s", bm_rsa_key_source(key));
    return true;
}

static bool session_master(dec_conn *k, const bm_handshake *hs)
{
    const uint8_t *ms = NULL;
    const bm_key_entry *e = NULL;
    if (k->ticket_offered_len) {
        ms = bm_keystore_get_ticket(k->d->ks, k->ticket_offered, k->ticket_offered_len);
        uint8_t id[32];
        if (ms && bm_is_ok(bm_hash_bytes(k->d->cc, BM_HASH_SHA256, k->ticket_offered, k->ticket_offered_len, id)))
            e = bm_keystore_find(k->d->ks, BM_KEY_TICKET, id, 32);
    }
    if (!ms && hs->session_id_len) {
        ms = bm_keystore_get_session(k->d->ks, hs->session_id, hs->session_id_len);
        e = bm_keystore_find(k->d->ks, BM_KEY_SESSION_ID, hs->session_id, hs->session_id_len);
    }
    if (!ms)
        return false;
    memcpy(k->ms, ms, 48);
    set_source(k, BM_KEYS_SESSION, e, "session of an earlier connection");
    k->key_kind = BM_KEYS_SESSION;
    return true;
}

static bool master12(dec_conn *k, const bm_handshake *hs)
{
    const bm_key_entry *e = bm_keystore_find(k->d->ks, BM_KEY_CLIENT_RANDOM, k->client_random, 32);
    if (e && e->secret_len == 48) {
        memcpy(k->ms, e->secret, 48);
        set_source(k, entry_kind(e), e, NULL);
        return true;
    }
    if (hs->resumed)
        return session_master(k, hs);
    uint8_t pms[4 + 2 * BM_PSK_MAX];
    size_t pl = 0;
    if (k->suite->kx == BM_KX_RSA && rsa_premaster(k, pms))
        pl = 48;
    else if (!bm_dec_psk12_premaster(k, pms, sizeof pms, &pl))
        return false;
    bm_result r;
    if (hs->ems && k->ems_len && (k->sess_hash_len || k->ts)) {
        uint8_t sh[BM_MAX_HASH_LEN];
        size_t shl = k->sess_hash_len;
        if (shl && shl <= sizeof sh) {
            memcpy(sh, k->sess_hash, shl);
            r = BM_SUCCESS;
        } else {
            r = bm_session_hash(k->d->cc, k->version, k->suite, k->ts, k->ems_len, sh, &shl);
        }
        if (bm_is_ok(r))
            r = bm_extended_master_secret(k->d->cc, k->version, k->suite, pms, pl, sh, shl, k->ms);
    } else if (hs->ems) {
        r = bm_res(BM_ERR_TRUNCATED);
        bm_dec_finding(k, &(bm_finding){.code = BM_F_EMS_TRANSCRIPT_INCOMPLETE});
    } else {
        r = bm_master_secret(k->d->cc, k->version, k->suite, pms, pl, k->client_random, hs->server_random, k->ms);
    }
    OPENSSL_cleanse(pms, sizeof pms);
    return bm_is_ok(r);
}

static void setup12(dec_conn *k, const bm_handshake *hs)
{
    if (master12(k, hs))
        bm_dec_keys12(k, hs);
}

void bm_dec_keys12(dec_conn *k, const bm_handshake *hs)
{
    bm_key_block kb;
    memset(&kb, 0, sizeof kb);
    k->flags = (hs->etm ? BM_REC_ETM : 0u) | (hs->truncated_hmac ? BM_REC_TRUNC_HMAC : 0u);
    if (k->suite->mode != BM_MODE_CBC)
        k->flags &= ~BM_REC_ETM;
    bm_result r = bm_key_block_derive(k->d->cc, k->version, k->suite, k->ms, k->client_random,
                                      hs->server_random, &kb);
    for (int side = 0; bm_is_ok(r) && side < 2; side++) {
        const bm_dir_keys *dk = &kb.dir[side == k->client_side ? BM_CLIENT : BM_SERVER];
        r = bm_dec_make_rec(k, dk, &k->dir[side].rec);
        /* Kept for the diagnosis (another MAC construction); cleansed at free. */
        k->dir[side].wkeys = *dk;
        k->dir[side].has_wkeys = bm_is_ok(r);
        /* The compression of these keys' cipher state: at once for the
         * first handshake, at its ChangeCipherSpec for a renegotiation's. */
        k->dir[side].comp_next = hs->compression;
        if (!k->reneg)
            bm_dec_z_start(&k->dir[side], hs->compression);
    }
    OPENSSL_cleanse(&kb, sizeof kb);
    if (!bm_is_ok(r)) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_RECORD_KEYS_FAILED, .arg = {r.code}});
        return;
    }
    k->have_keys = true;
    /* Whatever it came from (key log, RSA, PSK, resumed session), Wireshark
     * needs only the master secret under the client random. */
    bm_dec_obs_secret(k, "CLIENT_RANDOM", k->ms, sizeof k->ms);
}

void bm_dec_setup_keys(dec_conn *k, const bm_handshake *hs)
{
    k->keys_tried = true;
    k->version = hs->version;
    k->suite = bm_suite_find(hs->cipher_suite);
    if (!hs->server_hello_seen || !k->client_random || k->client_side < 0)
        return; /* the handshake was not captured: nothing to derive from */
    /* A TLS 1.3 draft: the TLS stage said that it is not decrypted. */
    if (bm_tls_version_draft13(k->version))
        return;
    if (!k->suite || k->version < BM_SSL3 || k->version > BM_TLS13) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_DECRYPTION_UNSUPPORTED, .arg = {hs->cipher_suite, hs->version}});
        return;
    }
    if (k->version == BM_TLS13)
        setup13(k);
    else
        setup12(k, hs);
}

void bm_dec_store_session(dec_conn *k, const bm_handshake *hs)
{
    if (!k->have_keys || k->version == BM_TLS13 || k->ms_stored || !hs)
        return;
    /* Named by the client's port: connection numbers are given at close,
     * and the session is stored as soon as its Finished verify. */
    char src[64];
    snprintf(src, sizeof src, "session from the connection of client port %u",
             k->client_side == BM_SIDE_A || k->client_side == BM_SIDE_B ? k->tuple.port[k->client_side] : 0u);
    /* Failing to remember a session only costs later resumptions. */
    bm_result r = BM_SUCCESS;
    if (hs->session_id_len)
        r = bm_keystore_put_session(k->d->ks, hs->session_id, hs->session_id_len, k->ms, src, 0);
    if (k->ticket_new_len && bm_is_ok(r))
        r = bm_keystore_put_ticket(k->d->ks, k->ticket_new, k->ticket_new_len, k->ms, src, 0);
    k->ms_stored = true;
}
