/* Hypothesis testers: sequence window, other key sets, MAC construction,
 * damage shape. Records sealed with raw EVP/HMAC calls (seal_util.h). */
#include <openssl/provider.h>

#include "tap.h"
#include "seal_util.h"
#include "crypto/rec.h"
#include "crypto/trial.h"

static bm_crypto_ctx *cc;
static uint8_t data[20000], rec[20000], out[20000], ref[20000];

static bm_rec *mk(uint16_t id, uint16_t ver, unsigned flags, const bm_dir_keys *k)
{
    bm_rec_params p = {bm_suite_find(id), ver, flags, k};
    bm_rec *r = NULL;
    if (!bm_is_ok(bm_rec_new(cc, &p, &r)))
        return NULL;
    return r;
}

static void test_seq(void)
{
    const bm_suite *g = bm_suite_find(0xC02F);
    bm_dir_keys k;
    su_keys(g, &k, 3);
    bm_rec *r = mk(0xC02F, 0x0303, 0, &k);
    bm_hyp_seq h;
    size_t len = su_seal12(g, &k, 7, 23, data, 500, rec);
    ok(bm_is_ok(bm_hyp_seq_window(r, 5, 4, 23, 0x0303, rec, len, &h)) && h.kind == BM_SEQ_AHEAD &&
       h.seq == 7 && h.delta == 2, "GCM: sealed with seq 7, expected 5 -> 7 (two records dropped)");
    is_int(h.tried, 3, "tried 6, 4, 7");
    len = su_seal12(g, &k, 3, 23, data, 500, rec);
    ok(bm_is_ok(bm_hyp_seq_window(r, 5, 4, 23, 0x0303, rec, len, &h)) && h.kind == BM_SEQ_BEHIND &&
       h.seq == 3 && h.delta == -2, "GCM: seq 3 when 5 expected -> replayed/duplicate");
    ok(bm_is_ok(bm_hyp_seq_window(r, 9, 4, 23, 0x0303, rec, len, &h)) && h.kind == BM_SEQ_NOT_FOUND &&
       h.tried == 8, "outside the window: not found after 8 tries");
    len = su_seal12(g, &k, 0, 23, data, 50, rec);
    ok(bm_is_ok(bm_hyp_seq_window(r, 1, 3, 23, 0x0303, rec, len, &h)) && h.kind == BM_SEQ_BEHIND &&
       h.seq == 0 && h.tried == 2, "no sequence number below 0 is tried");
    ok(bm_is_ok(bm_hyp_seq_window(r, 0, 3, 23, 0x0303, rec, len, &h)) && h.kind == BM_SEQ_NOT_FOUND,
       "the expected number itself is skipped");
    bm_rec_free(r);

    const bm_suite *c = bm_suite_find(0x002F);
    su_keys(c, &k, 4);
    r = mk(0x002F, 0x0303, 0, &k);
    len = su_seal_cbc(c, &k, false, 20, 9, 23, data, 300, rec);
    ok(bm_is_ok(bm_hyp_seq_window(r, 6, 5, 23, 0x0303, rec, len, &h)) && h.seq == 9 && h.delta == 3,
       "CBC MtE: seq 9 when 6 expected");
    bm_rec_free(r);

    const bm_suite *t13 = bm_suite_find(0x1303);
    su_keys(t13, &k, 5);
    r = mk(0x1303, 0x0304, 0, &k);
    len = su_seal13(t13, &k, 12, 23, data, 800, rec);
    ok(bm_is_ok(bm_hyp_seq_window(r, 13, 2, 23, 0x0303, rec, len, &h)) && h.seq == 12 &&
       h.kind == BM_SEQ_BEHIND, "TLS 1.3 ChaCha20: reordered record (12 after 12)");
    bm_rec_free(r);

    /* RC4: the keystream position is the receiver's. */
    const bm_suite *rc = bm_suite_find(0x0005);
    su_keys(rc, &k, 6);
    r = mk(0x0005, 0x0303, 0, &k);
    if (!r) {
        ok(1, "# SKIP RC4 unavailable");
        return;
    }
    EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, "RC4", NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex(x, ci, NULL, k.key, NULL);
    uint8_t r0[200], r1[200], r2[200];
    size_t l0 = su_seal_stream(rc, &k, x, 0, 23, data, 100, r0);
    size_t l1 = su_seal_stream(rc, &k, x, 2, 23, data + 1, 100, r1); /* sender skipped seq 1 */
    size_t l2 = su_seal_stream(rc, &k, x, 3, 23, data + 2, 100, r2);
    bm_open_result o;
    ok(bm_is_ok(bm_rec_open(r, 0, 23, 0x0303, r0, l0, out, sizeof out, &o)) && o.status == BM_REC_OK,
       "RC4 record 0 opens");
    ok(bm_is_ok(bm_hyp_seq_window(r, 1, 3, 23, 0x0303, r1, l1, &h)) && h.seq == 2,
       "RC4: the sender skipped a number -> seq 2 proven (MAC over the decrypted bytes)");
    ok(bm_is_ok(bm_hyp_seq_window(r, 1, 3, 23, 0x0303, r2, l2, &h)) && h.kind == BM_SEQ_NOT_FOUND,
       "RC4: a record missing from the stream cannot be proven (keystream moved)");
    ok(bm_is_ok(bm_rec_open(r, 1, 23, 0x0303, r1, l1, out, sizeof out, &o)) && o.status == BM_REC_BAD_MAC &&
       bm_is_ok(bm_rec_open(r, 3, 23, 0x0303, r2, l2, out, sizeof out, &o)) && o.status == BM_REC_OK,
       "the caller's RC4 state was not advanced by the hypotheses");
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(ci);
    bm_rec_free(r);
}

static void test_keys(void)
{
    const bm_suite *s = bm_suite_find(0x1301);
    bm_dir_keys ka, kb, kc;
    su_keys(s, &ka, 10);
    su_keys(s, &kb, 11);
    su_keys(s, &kc, 12);
    bm_rec *a = mk(0x1301, 0x0304, 0, &ka), *b = mk(0x1301, 0x0304, 0, &kb), *c = mk(0x1301, 0x0304, 0, &kc);
    size_t len = su_seal13(s, &kb, 2, 22, data, 64, rec);
    bm_hyp_key_cand cands[] = {{a, 40, "other direction"}, {NULL, 0, "absent"}, {b, 0, "handshake keys"},
                               {c, 0, "next epoch"}};
    bm_hyp_keys h;
    ok(bm_is_ok(bm_hyp_other_keys(cands, 4, 3, 23, 0x0303, rec, len, &h)) && h.found && h.index == 2 &&
       h.seq == 2, "record under the handshake keys, seq 2: found (index 2)");
    ok(bm_is_ok(bm_hyp_other_keys(cands, 4, 1, 23, 0x0303, rec, len, &h)) && !h.found,
       "seq window too small: not found");
    is_int(h.tried, 7, "40,41,39 then 0,1 twice (no seq below 0)");
    bm_rec_free(a);
    bm_rec_free(b);
    bm_rec_free(c);
}

/* SSL 3.0 MAC (RFC 6101 5.2.3.1) with SHA-1, spelled out. */
static void ssl3_mac(const bm_dir_keys *k, uint64_t seq, uint8_t type, const uint8_t *d, size_t n, uint8_t *mac)
{
    uint8_t h[11], p1[40], p2[40], in[20];
    for (int i = 0; i < 8; i++)
        h[i] = (uint8_t)(seq >> (56 - 8 * i));
    h[8] = type;
    h[9] = (uint8_t)(n >> 8);
    h[10] = (uint8_t)n;
    memset(p1, 0x36, 40);
    memset(p2, 0x5c, 40);
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    EVP_DigestInit_ex(x, EVP_sha1(), NULL);
    EVP_DigestUpdate(x, k->mac_key, 20);
    EVP_DigestUpdate(x, p1, 40);
    EVP_DigestUpdate(x, h, 11);
    EVP_DigestUpdate(x, d, n);
    EVP_DigestFinal_ex(x, in, NULL);
    EVP_DigestInit_ex(x, EVP_sha1(), NULL);
    EVP_DigestUpdate(x, k->mac_key, 20);
    EVP_DigestUpdate(x, p2, 40);
    EVP_DigestUpdate(x, in, 20);
    EVP_DigestFinal_ex(x, mac, NULL);
    EVP_MD_CTX_free(x);
}

static void test_mac(void)
{
    const bm_suite *s = bm_suite_find(0x002F);
    bm_dir_keys k;
    su_keys(s, &k, 20);
    bm_rec_params mte = {s, 0x0303, 0, &k}, etm = {s, 0x0303, BM_REC_ETM, &k};
    bm_hyp_mac h;
    size_t len = su_seal_cbc(s, &k, true, 20, 4, 23, data, 333, rec);
    ok(bm_is_ok(bm_hyp_mac_construction(cc, &mte, NULL, 4, 23, 0x0303, rec, len, &h)) && h.found &&
       !h.negotiated_ok && h.flags == BM_REC_ETM, "sealed EtM, MtE negotiated -> EtM");
    is_str(h.label, "EtM", "label EtM");
    len = su_seal_cbc(s, &k, false, 20, 4, 23, data, 333, rec);
    ok(bm_is_ok(bm_hyp_mac_construction(cc, &etm, NULL, 4, 23, 0x0303, rec, len, &h)) && h.found &&
       !h.negotiated_ok && h.flags == 0, "sealed MtE, EtM negotiated (the ESP8266 case) -> MtE");
    is_str(h.label, "MtE", "label MtE");
    ok(bm_is_ok(bm_hyp_mac_construction(cc, &mte, NULL, 4, 23, 0x0303, rec, len, &h)) && h.found &&
       h.negotiated_ok && h.tried == 1, "negotiated construction verifies: said so, nothing else tried");
    len = su_seal_cbc(s, &k, false, 10, 4, 23, data, 333, rec);
    ok(bm_is_ok(bm_hyp_mac_construction(cc, &mte, NULL, 4, 23, 0x0303, rec, len, &h)) && h.found &&
       h.flags == BM_REC_TRUNC_HMAC, "sealed with a 10-byte HMAC -> truncated HMAC");
    is_str(h.label, "MtE, truncated HMAC", "label truncated");
    ok(bm_is_ok(bm_hyp_mac_construction(cc, &mte, NULL, 5, 23, 0x0303, rec, len, &h)) && !h.found &&
       h.tried == 4, "wrong sequence number: no construction verifies (4 tried, no SSL 3.0 for TLS 1.2 CBC)");
    /* NULL-SHA with the SSL 3.0 MAC. */
    const bm_suite *ns = bm_suite_find(0x0002);
    su_keys(ns, &k, 21);
    bm_rec_params tls = {ns, 0x0303, 0, &k};
    memcpy(rec, data, 90);
    ssl3_mac(&k, 6, 23, data, 90, rec + 90);
    ok(bm_is_ok(bm_hyp_mac_construction(cc, &tls, NULL, 6, 23, 0x0303, rec, 110, &h)) && h.found && h.ssl3,
       "NULL-SHA record MACed the SSL 3.0 way -> SSL 3.0 MAC");
    bm_rec_params gcm = {bm_suite_find(0xC02F), 0x0303, 0, &k};
    ok(bm_hyp_mac_construction(cc, &gcm, NULL, 0, 23, 0x0303, rec, 100, &h).code == BM_ERR_UNSUPPORTED,
       "AEAD suite: unsupported");
}

static void test_shape(void)
{
    const bm_suite *s = bm_suite_find(0x002F);
    bm_dir_keys k;
    su_keys(s, &k, 30);
    bm_rec *r = mk(0x002F, 0x0303, 0, &k);
    static const char line[] = "GET /index.html HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n";
    uint8_t txt[600];
    for (size_t i = 0; i < sizeof txt; i++)
        txt[i] = (uint8_t)line[i % (sizeof line - 1)];
    size_t len = su_seal_cbc(s, &k, false, 20, 1, 23, txt, sizeof txt, rec);
    bm_open_result o;
    ok(bm_is_ok(bm_rec_open(r, 1, 23, 0x0303, rec, len, ref, sizeof ref, &o)) && o.status == BM_REC_OK,
       "text record opens");
    size_t n = o.decrypted_len;
    rec[16 + 3 * 16 + 5] ^= 0x20; /* ciphertext block 3 */
    ok(bm_is_ok(bm_rec_open(r, 1, 23, 0x0303, rec, len, out, sizeof out, &o)) && o.status != BM_REC_OK &&
       o.decrypted_len == n, "damaged: fails, decrypted bytes kept");
    bm_shape sh;
    bm_shape_input in = {.body = rec, .body_len = len, .plain = out, .plain_len = n, .ref = ref, .ref_len = n};
    bm_hyp_shape(&in, &sh);
    ok((sh.flags & BM_SHAPE_REF_COMPARED) && (sh.flags & BM_SHAPE_GARBLED) && sh.garbled == 1 &&
       sh.first_garbled == 3, "vs a second copy: plaintext block 3 garbled, nothing else");
    ok((sh.flags & BM_SHAPE_BIT_DAMAGE) && sh.last_diff == 4 * 16 + 5, "and one bit flipped in block 4");
    in.ref = NULL;
    bm_hyp_shape(&in, &sh);
    ok((sh.flags & BM_SHAPE_TEXT) && sh.garbled >= 1 && sh.first_garbled == 3,
       "no copy: text heuristics point at block 3 first");
    /* Tags, zeros. */
    uint8_t zeros[300] = {0}, tag[16] = {0}, prev[16];
    memset(prev, 0xab, 16);
    bm_shape_input z = {.body = zeros, .body_len = 300, .tag = tag, .tag_len = 16, .prev_tag = prev};
    bm_hyp_shape(&z, &sh);
    ok((sh.flags & BM_SHAPE_BODY_ZERO) && (sh.flags & BM_SHAPE_TAG_ZERO) && !(sh.flags & BM_SHAPE_TAG_REPEATS),
       "all-zero body and tag");
    memcpy(zeros, data, 100);
    memcpy(zeros + 200, data, 100);
    memcpy(tag, prev, 16);
    bm_hyp_shape(&z, &sh);
    ok((sh.flags & BM_SHAPE_ZERO_RUN) && !(sh.flags & BM_SHAPE_BODY_ZERO) && sh.zero_run_off >= 100 &&
       sh.zero_run_len >= 100 && sh.zero_run_off + sh.zero_run_len <= 200 && (sh.flags & BM_SHAPE_TAG_REPEATS),
       "a zero-filled hole of ~100 bytes and a repeated tag");
    bm_hyp_shape(NULL, &sh);
    is_int(sh.flags, 0, "NULL input: nothing claimed");
    bm_rec_free(r);
}

int main(void)
{
    su_env env;
    cc = su_begin(&env, true, data, sizeof data, 11, 3, 0);
    if (!ok(cc != NULL, "crypto context"))
        return su_end(&env);
    test_seq();
    test_keys();
    test_mac();
    test_shape();
    return su_end(&env);
}
