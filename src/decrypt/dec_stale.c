/*
 * dec_stale.c - stale resumption evidence for the diagnosis (issue [4/8]):
 * a resumed TLS <= 1.2 connection whose first protected record of one
 * side (its Finished) fails under the master secret in use is re-opened
 * under every other master secret the key store holds: the session id's
 * stored one (the earlier full handshake), the alternatives logged for
 * this client random, then those of other connections. The first that
 * opens it names the master secret that side really resumed with.
 *
 * A resumed connection whose Finished verified under the master secret in
 * use (the sender's key log) gets a view of the key store instead
 * (bm_dec_session_view): the session's stored master and the other lines
 * logged for this client random, which are the rejecting side's.
 *
 * A full handshake whose side's Finished fails gets the obvious
 * alternatives before the diagnosis says key_mismatch: the other key log
 * lines for this client random, and (RSA key exchange, with --rsa-key or
 * a key log RSA line) the master secret from the premaster computed with
 * and without extended_master_secret.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "../crypto/trial.h"
#include "../keys/keystore.h"
#include "../wire/cur.h"
#include "dec_int.h"

/* Master secrets tried at most (bounded work with a huge key log). */
#define DEC_STALE_MAX 512

static void describe(const bm_key_entry *e, bool same_random, char *out, size_t cap)
{
    char where[96];
    if (e->line)
        snprintf(where, sizeof where, "%s line %" PRIu64, e->source ? e->source : "?", e->line);
    else
        snprintf(where, sizeof where, "%s", e->source ? e->source : "?");
    if (e->label == BM_KEY_SESSION_ID)
        snprintf(out, cap, "the master secret session id %02x%02x%02x%02x... was established with (%s)",
                 e->id_len > 0 ? e->id[0] : 0, e->id_len > 1 ? e->id[1] : 0, e->id_len > 2 ? e->id[2] : 0,
                 e->id_len > 3 ? e->id[3] : 0, where);
    else if (same_random)
        snprintf(out, cap, "another master secret logged for this client random (%s)", where);
    else
        snprintf(out, cap, "the master secret of another session (client random %02x%02x%02x%02x..., %s)",
                 e->id[0], e->id[1], e->id[2], e->id[3], where);
}

/* Does master secret ms open the kept record of direction side (role)? */
static bool opens(dec_conn *k, const bm_handshake *hs, int side, int role, const uint8_t *ms)
{
    dec_dir *d = &k->dir[side];
    bm_key_block kb;
    memset(&kb, 0, sizeof kb);
    bm_rec *rec = NULL;
    bool ok = false;
    if (bm_is_ok(bm_key_block_derive(k->d->cc, k->version, k->suite, ms, k->client_random, hs->server_random, &kb)) &&
        bm_is_ok(bm_dec_make_rec(k, &kb.dir[role], &rec))) {
        bm_hyp_key_cand cand = {rec, d->bad_seq, "alt"};
        bm_hyp_keys h;
        uint16_t ver = (uint16_t)((d->bad_hdr[1] << 8) | d->bad_hdr[2]);
        ok = bm_is_ok(bm_hyp_other_keys(&cand, 1, 0, d->bad_hdr[0], ver, d->bad_body, d->bad_len, &h)) && h.found;
    }
    bm_rec_free(rec);
    OPENSSL_cleanse(&kb, sizeof kb);
    return ok;
}

static bool try_entry(dec_conn *k, const bm_handshake *hs, int side, int role, const bm_key_entry *e,
                      bool same_random, bm_diag_stale *out)
{
    if (!e || e->secret_len != BM_MASTER_SECRET_LEN || out->tried >= DEC_STALE_MAX ||
        !CRYPTO_memcmp(e->secret, k->ms, BM_MASTER_SECRET_LEN))
        return false;
    out->tried++;
    if (!opens(k, hs, side, role, e->secret))
        return false;
    out->found = true;
    describe(e, same_random, out->found_label, sizeof out->found_label);
    return true;
}

/* The RSA-encrypted premaster of the ClientKeyExchange, from a key log RSA
 * line or the --rsa-key key; no problem lines (the key setup said them). */
static bool rsa_pms(dec_conn *k, uint8_t pms[48], const char **src)
{
    if (!k->cke || k->suite->kx != BM_KX_RSA)
        return false;
    const uint8_t *known = bm_dec_logged_rsa_pms(k, NULL);
    if (known) {
        memcpy(pms, known, 48);
        *src = "the key log's RSA line";
        return true;
    }
    *src = "the RSA key";
    return bm_is_ok(bm_dec_rsa_decrypt(k, k->cke, k->cke_len, 0, pms, NULL));
}

/* Full handshake: the master secret from the premaster, computed the way
 * the handshake says and the other way (with / without EMS). */
static void try_premaster(dec_conn *k, const bm_handshake *hs, int side, int role, bm_diag_stale *out)
{
    uint8_t pms[48], ms[BM_MASTER_SECRET_LEN], sh[BM_MAX_HASH_LEN];
    size_t shl = 0;
    const char *src = NULL;
    if (!rsa_pms(k, pms, &src)) {
        OPENSSL_cleanse(pms, sizeof pms);
        return;
    }
    /* The session hash kept at the ClientKeyExchange: the transcript itself
     * is gone once both Finished were checked. */
    bool have_sh = k->sess_hash_len > 0 && k->sess_hash_len <= sizeof sh;
    if (have_sh) {
        memcpy(sh, k->sess_hash, k->sess_hash_len);
        shl = k->sess_hash_len;
    }
    for (int ems = hs->ems ? 1 : 0, n = 0; n < 2 && !out->found; n++, ems = !ems) {
        bm_result r = ems ? (have_sh ? bm_extended_master_secret(k->d->cc, k->version, k->suite, pms, 48, sh, shl, ms)
                                     : bm_res(BM_ERR_TRUNCATED))
                          : bm_master_secret(k->d->cc, k->version, k->suite, pms, 48, k->client_random,
                                             hs->server_random, ms);
        if (!bm_is_ok(r) || !CRYPTO_memcmp(ms, k->ms, BM_MASTER_SECRET_LEN) || out->tried >= DEC_STALE_MAX)
            continue;
        out->tried++;
        if (opens(k, hs, side, role, ms)) {
            out->found = true;
            out->found_ems = (ems != 0) != hs->ems;
            const char *neg = !out->found_ems ? "" : hs->ems ? " (negotiated)" : " (not negotiated)";
            snprintf(out->found_label, sizeof out->found_label,
                     "the premaster from %s with the master secret computed %s extended_master_secret%s", src,
                     ems ? "with" : "without", neg);
        }
    }
    OPENSSL_cleanse(pms, sizeof pms);
    OPENSSL_cleanse(ms, sizeof ms);
}

/* The stored master of the session a resumption names: its ticket's, else
 * its session id's (what session_master in dec_keys.c resumes with). */
static const bm_key_entry *session_entry(dec_conn *k, const bm_handshake *hs)
{
    const bm_keystore *ks = k->d->ks;
    const bm_key_entry *e = NULL;
    uint8_t id[32];
    if (k->ticket_offered_len &&
        bm_is_ok(bm_hash_bytes(k->d->cc, BM_HASH_SHA256, k->ticket_offered, k->ticket_offered_len, id)))
        e = bm_keystore_find(ks, BM_KEY_TICKET, id, 32);
    if (!e && hs->session_id_len)
        e = bm_keystore_find(ks, BM_KEY_SESSION_ID, hs->session_id, hs->session_id_len);
    return e;
}

void bm_dec_session_view(dec_conn *k, const bm_handshake *hs, bm_diag_session *out)
{
    memset(out, 0, sizeof *out);
    if (!k->have_keys || !hs->resumed || k->version >= BM_TLS13 || !k->suite || !k->client_random)
        return;
    out->applies = true;
    const bm_key_entry *s = session_entry(k, hs);
    if (s && s->secret_len == BM_MASTER_SECRET_LEN) {
        out->session_known = true;
        out->session_same = !CRYPTO_memcmp(s->secret, k->ms, BM_MASTER_SECRET_LEN);
        snprintf(out->session_src, sizeof out->session_src, "%s", s->source ? s->source : "?");
    }
    const bm_key_entry *e = bm_keystore_find(k->d->ks, BM_KEY_CLIENT_RANDOM, k->client_random, 32);
    for (; e; e = e->alt) {
        if (e->secret_len != BM_MASTER_SECRET_LEN)
            continue;
        if (!CRYPTO_memcmp(e->secret, k->ms, BM_MASTER_SECRET_LEN)) {
            out->in_use_logged = true;
            continue;
        }
        if (!out->other_logged++)
            bm_key_entry_where(e, out->other_src, sizeof out->other_src);
    }
}

void bm_dec_stale(dec_conn *k, const bm_handshake *hs, int side, int role, bm_diag_stale *out)
{
    memset(out, 0, sizeof *out);
    dec_dir *d = &k->dir[side];
    if (!k->have_keys || k->version >= BM_TLS13 || !k->suite || !d->has_bad || !d->bad_body || d->bad_seq != 0)
        return;
    out->applies = true;
    if (!hs->resumed) {
        for (const bm_key_entry *e = bm_keystore_find(k->d->ks, BM_KEY_CLIENT_RANDOM, k->client_random, 32); e;
             e = e->alt)
            if (try_entry(k, hs, side, role, e, true, out))
                return;
        try_premaster(k, hs, side, role, out);
        return;
    }
    const bm_keystore *ks = k->d->ks;
    const bm_key_entry *s = session_entry(k, hs);
    if (s && s->secret_len == BM_MASTER_SECRET_LEN) {
        out->session_known = true;
        out->session_same = !CRYPTO_memcmp(s->secret, k->ms, BM_MASTER_SECRET_LEN);
        snprintf(out->session_src, sizeof out->session_src, "%s", s->source ? s->source : "?");
    }
    for (const bm_key_entry *e = s; e; e = e->alt)
        if (try_entry(k, hs, side, role, e, false, out))
            return;
    for (const bm_key_entry *e = bm_keystore_find(ks, BM_KEY_CLIENT_RANDOM, k->client_random, 32); e; e = e->alt)
        if (try_entry(k, hs, side, role, e, true, out))
            return;
    for (const bm_key_entry *e = bm_keystore_first(ks); e && out->tried < DEC_STALE_MAX; e = bm_keystore_next(e)) {
        if (e->label != BM_KEY_CLIENT_RANDOM || (e->id_len == 32 && !memcmp(e->id, k->client_random, 32)))
            continue;
        if (try_entry(k, hs, side, role, e, false, out))
            return;
    }
}
