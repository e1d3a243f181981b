/*
 * dec_psk12.c - the TLS <= 1.2 premaster secret of the PSK key exchanges
 * (RFC 4279, RFC 5489), from --psk (and --rsa-key for RSA_PSK), and, when
 * the given keys cannot give it, why.
 *
 * Every variant's ClientKeyExchange opens with psk_identity<0..2^16-1>; the
 * PSK is looked up by it. What follows it, and the premaster
 * (uint16 len(other) || other || uint16 len(psk) || psk):
 *   PSK        nothing                        other = len(psk) zero bytes
 *   RSA_PSK    EncryptedPreMasterSecret       other = the 48 bytes it holds
 *   DHE_PSK    ClientDiffieHellmanPublic      other = the DH shared secret
 *   ECDHE_PSK  ClientECDiffieHellmanPublic    other = the ECDH shared secret
 * A passive observer never has an (EC)DH shared secret: DHE_PSK and
 * ECDHE_PSK need a key log, and the report says so.
 *
 * Called only when no key log entry gave the master secret.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../keys/psk.h"
#include "../wire/cur.h"
#include "dec_int.h"

/* The identity as a finding's string: printable ASCII, anything else as '?',
 * cut to fit. Identities travel in the clear: no secret here. */
static void identity_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap; i++)
        out[o++] = (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"') ? (char)p[i] : '?';
    if (o < n && o + 4 >= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static bool have_rsa_keys(const dec_conn *k)
{
    return k->d->rsa && bm_rsa_keys_count(k->d->rsa) > 0;
}

/* RSA_PSK: the rest of the ClientKeyExchange is the RSA-encrypted
 * premaster (2-byte length first, as in RSA key exchange). */
static bool rsa_psk(dec_conn *k, const bm_key_entry *e, const uint8_t *enc, size_t el, uint8_t *pms,
                    size_t cap, size_t *pl)
{
    const bm_rsa_key *key = NULL;
    uint8_t rpms[48];
    bm_result r = bm_dec_rsa_decrypt(k, enc, el, BM_FM_RSA_PSK_CLIENT_KEY_EXCHANGE, rpms, &key);
    if (r.code == BM_ERR_PMS_VERSION)
        r = BM_SUCCESS;
    if (bm_is_ok(r))
        r = bm_psk_premaster(e->secret, e->secret_len, rpms, sizeof rpms, pms, cap, pl);
    OPENSSL_cleanse(rpms, sizeof rpms);
    if (!bm_is_ok(r))
        return false;
    char where[64];
    bm_key_entry_where(e, where, sizeof where);
    k->key_kind = BM_KEYS_PSK;
    snprintf(k->key_source, sizeof k->key_source, "%s + RSA key %s", where, bm_rsa_key_source(key));
    return true;
}

bool bm_dec_psk12_premaster(dec_conn *k, uint8_t *pms, size_t cap, size_t *pl)
{
    int kx = k->suite->kx;
    if ((kx != BM_KX_PSK && kx != BM_KX_RSA_PSK && kx != BM_KX_DHE_PSK && kx != BM_KX_ECDHE_PSK) || !k->cke)
        return false;
    static const uint8_t fkx[] = {[BM_KX_PSK] = BM_FKX_PSK, [BM_KX_RSA_PSK] = BM_FKX_RSA_PSK,
                                  [BM_KX_DHE_PSK] = BM_FKX_DHE_PSK, [BM_KX_ECDHE_PSK] = BM_FKX_ECDHE_PSK};
    int fk = fkx[kx];
    bm_cur c = bm_cur_make(k->cke, k->cke_len);
    bm_cur id = bm_cur_vec16(&c);
    if (!bm_cur_ok(&c) || (kx == BM_KX_PSK && !bm_cur_done(&c)) || (kx != BM_KX_PSK && bm_cur_left(&c) == 0)) {
        bm_dec_finding(k, &(bm_finding){.code = BM_F_PSK_KX_MALFORMED, .arg = {fk}});
        return false;
    }
    const bm_key_entry *e = bm_keystore_get_psk(k->d->ks, id.p, bm_cur_left(&id));
    bool any_psk = bm_keystore_get_stats(k->d->ks)->by_label[BM_KEY_PSK] > 0;
    char who[80];
    identity_text(id.p, bm_cur_left(&id), who, sizeof who);
    if (kx == BM_KX_DHE_PSK || kx == BM_KX_ECDHE_PSK) {
        if (any_psk)
            bm_dec_finding(k, &(bm_finding){.code = BM_F_PSK_KX_DH_SECRET, .arg = {fk}});
        return false;
    }
    if (!e) {
        if (any_psk || (kx == BM_KX_RSA_PSK && have_rsa_keys(k))) {
            bm_finding f = {.code = BM_F_PSK_IDENTITY_UNKNOWN, .arg = {fk}};
            snprintf(f.str, sizeof f.str, "%s", who);
            bm_dec_finding(k, &f);
        }
        return false;
    }
    if (kx == BM_KX_RSA_PSK) {
        if (!have_rsa_keys(k)) {
            bm_dec_finding(k, &(bm_finding){.code = BM_F_RSA_PSK_NEEDS_RSA_KEY});
            return false;
        }
        return rsa_psk(k, e, c.p, bm_cur_left(&c), pms, cap, pl);
    }
    if (!bm_is_ok(bm_psk_premaster(e->secret, e->secret_len, NULL, 0, pms, cap, pl)))
        return false;
    bm_key_entry_where(e, k->key_source, sizeof k->key_source);
    k->key_kind = BM_KEYS_PSK;
    return true;
}
