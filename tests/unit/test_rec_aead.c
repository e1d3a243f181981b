/* TLS 1.2 AEAD (GCM, CCM, CCM_8, ChaCha20-Poly1305, ARIA-GCM) and stream
 * (RC4, NULL) record protection: records sealed here with raw EVP calls,
 * opened with bm_rec_open, then tampered with. Sealing: seal_util.h. */
#include <openssl/provider.h>

#include "tap.h"
#include "seal_util.h"
#include "crypto/rec.h"

static bm_crypto_ctx *cc;
static uint8_t data[20000], rec[20000], out[20000];

static int open_clone(bm_rec *base, uint64_t seq, uint8_t type, uint16_t ver, const uint8_t *in,
                      size_t len, bm_open_result *res)
{
    bm_rec *c = NULL;
    if (!bm_is_ok(bm_rec_clone(base, &c)))
        return -1;
    int st = bm_is_ok(bm_rec_open(c, seq, type, ver, in, len, out, sizeof out, res)) ? (int)res->status : -1;
    bm_rec_free(c);
    return st;
}

static int flip_open(bm_rec *base, uint64_t seq, size_t len, size_t pos, bm_open_result *res)
{
    static uint8_t copy[20000];
    memcpy(copy, rec, len);
    copy[pos] ^= 0x01;
    return open_clone(base, seq, 23, 0x0303, copy, len, res);
}

static void test_aead(uint16_t id)
{
    const bm_suite *s = bm_suite_find(id);
    char name[200];
    bm_dir_keys k;
    su_keys(s, &k, (uint8_t)id);
    bm_rec *r = NULL;
    bm_rec_params p = {s, 0x0303, 0, &k};
    bm_open_result res;
    snprintf(name, sizeof name, "%s: bm_rec_new", s->name);
    if (!ok(bm_is_ok(bm_rec_new(cc, &p, &r)), name))
        return;
    size_t xl = s->record_iv_len, tl = s->tag_len;
    size_t sizes[] = {0, 1, 100, 16384};
    for (size_t i = 0; i < 4; i++) {
        size_t len = su_seal12(s, &k, 40 + i, 23, data, sizes[i], rec);
        snprintf(name, sizeof name, "%s: %zu-byte record opens OK", s->name, sizes[i]);
        is_int(open_clone(r, 40 + i, 23, 0x0303, rec, len, &res), BM_REC_OK, name);
        ok(res.plain_len == sizes[i] && memcmp(out, data, sizes[i]) == 0 && res.mac_ok,
           "identical plaintext");
    }
    size_t len = su_seal12(s, &k, 7, 23, data, 300, rec);
    if (xl)
        is_int(flip_open(r, 7, len, 3, &res), BM_REC_BAD_TAG, "flip in explicit nonce -> BAD_TAG");
    is_int(flip_open(r, 7, len, xl + 150, &res), BM_REC_BAD_TAG, "flip in ciphertext -> BAD_TAG");
    ok(!res.mac_ok, "mac_ok false");
    is_int(flip_open(r, 7, len, len - 1, &res), BM_REC_BAD_TAG, "flip in tag -> BAD_TAG");
    if (strstr(su_aead_name(s), "CCM") == NULL) {
        ok(res.decrypted_len == 300 && memcmp(out, data, 300) == 0,
           "bad tag: unauthenticated plaintext still available for diagnosis");
        uint8_t tag[16];
        size_t tlen = 0;
        static uint8_t copy[20000];
        memcpy(copy, rec, len);
        copy[len - 1] ^= 0x01;
        ok(bm_is_ok(bm_rec_expected_tag(r, 7, 23, 0x0303, copy, len, tag, &tlen)) && tlen == tl &&
           memcmp(tag, rec + len - tl, tl) == 0, "expected tag = the tag the sender attached");
    } else {
        is_int(res.decrypted_len, 0, "CCM: no unauthenticated plaintext");
    }
    is_int(open_clone(r, 8, 23, 0x0303, rec, len, &res), BM_REC_BAD_TAG, "wrong sequence number -> BAD_TAG");
    is_int(open_clone(r, 7, 22, 0x0303, rec, len, &res), BM_REC_BAD_TAG, "wrong content type -> BAD_TAG");
    is_int(open_clone(r, 7, 23, 0x0302, rec, len, &res), BM_REC_BAD_TAG, "wrong version -> BAD_TAG");
    /* In place: the explicit nonce precedes the ciphertext. */
    static uint8_t ip[20000];
    memcpy(ip, rec, len);
    ok(bm_is_ok(bm_rec_open(r, 7, 23, 0x0303, ip, len, ip, sizeof ip, &res)) && res.status == BM_REC_OK &&
       memcmp(ip, data, 300) == 0, "in-place open");
    int bad = 0;
    for (size_t l = 0; l < xl + tl + 4; l++) {
        if (!bm_is_ok(bm_rec_open(r, 1, 23, 0x0303, rec, l, out, sizeof out, &res)))
            bad++;
        else if ((l < xl + tl) != (res.status == BM_REC_BAD_LENGTH))
            bad++;
        else if (l >= xl + tl && res.status != BM_REC_BAD_TAG)
            bad++;
    }
    is_int(bad, 0, "short records: BAD_LENGTH below nonce+tag, BAD_TAG above");
    bm_rec_free(r);
}

static void test_stream(uint16_t id, uint16_t ver)
{
    const bm_suite *s = bm_suite_find(id);
    bm_dir_keys k;
    su_keys(s, &k, 3);
    bm_rec *r = NULL, *saved = NULL;
    bm_rec_params p = {s, ver, 0, &k};
    bm_open_result res;
    if (!ok(bm_is_ok(bm_rec_new(cc, &p, &r)), s->name))
        return;
    EVP_CIPHER *ci = s->cipher == BM_CIPHER_RC4_128 ? EVP_CIPHER_fetch(NULL, "RC4", NULL) : NULL;
    EVP_CIPHER_CTX *x = NULL;
    if (ci) {
        x = EVP_CIPHER_CTX_new();
        EVP_EncryptInit_ex(x, ci, NULL, k.key, NULL);
    }
    uint8_t r1[2000], r2[2000], r3[2000];
    size_t l1 = su_seal_stream_v(s, &k, x, ver, 0, 22, data, 40, r1);
    size_t l2 = su_seal_stream_v(s, &k, x, ver, 1, 23, data + 5, 1000, r2);
    size_t l3 = su_seal_stream_v(s, &k, x, ver, 2, 21, data + 9, 2, r3);
    is_int(open_clone(r, 0, 22, ver, r1, l1, &res), BM_REC_OK, "first record (on a clone) OK");
    ok(bm_is_ok(bm_rec_open(r, 0, 22, ver, r1, l1, out, sizeof out, &res)) && res.status == BM_REC_OK &&
       res.plain_len == 40 && memcmp(out, data, 40) == 0, "first record OK, plaintext identical");
    ok(bm_is_ok(bm_rec_clone(r, &saved)), "clone after record 1");
    ok(bm_is_ok(bm_rec_open(r, 1, 23, ver, r2, l2, out, sizeof out, &res)) && res.status == BM_REC_OK &&
       memcmp(out, data + 5, 1000) == 0, "second record OK");
    memcpy(rec, r2, l2);
    is_int(flip_open(saved, 1, l2, 10, &res), ci ? BM_REC_BAD_MAC : BM_REC_BAD_MAC, "flip in body -> BAD_MAC");
    is_int(flip_open(saved, 1, l2, l2 - 1, &res), BM_REC_BAD_MAC, "flip in MAC -> BAD_MAC");
    ok(memcmp(res.got_mac, res.want_mac, res.mac_len) != 0 && res.mac_len == s->mac_len, "got vs expected MAC");
    is_int(open_clone(saved, 2, 23, ver, r2, l2, &res), BM_REC_BAD_MAC, "wrong sequence number -> BAD_MAC");
    ok(bm_is_ok(bm_rec_open(r, 2, 21, ver, r3, l3, out, sizeof out, &res)) && res.status == BM_REC_OK &&
       res.plain_len == 2, "third record OK (keystream carried)");
    if (ci) {
        bm_rec *fresh = NULL;
        ok(bm_is_ok(bm_rec_new(cc, &p, &fresh)) &&
           bm_is_ok(bm_rec_open(fresh, 2, 21, ver, r3, l3, out, sizeof out, &res)) &&
           res.status == BM_REC_BAD_MAC, "RC4: a record opened without its predecessors fails");
        bm_rec_free(fresh);
    }
    is_int(open_clone(r, 0, 23, ver, rec, s->mac_len - 1, &res), BM_REC_BAD_LENGTH, "shorter than the MAC -> BAD_LENGTH");
    is_int(open_clone(r, 0, 23, ver, rec, 0, &res), BM_REC_BAD_LENGTH, "empty -> BAD_LENGTH");
    bm_rec_free(saved);
    bm_rec_free(r);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(ci);
}

int main(void)
{
    su_env env;
    cc = su_begin(&env, true, data, sizeof data, 13, 1, 0);
    if (!ok(cc != NULL, "crypto context"))
        return su_end(&env);
    const uint16_t aead[] = {0xC02F, 0xC030, 0x009C, 0xC09C, 0xC09D, 0xC0A0, 0xC0AF, 0xCCA8, 0xCCAB, 0xC050, 0xD001};
    for (size_t i = 0; i < sizeof aead / sizeof aead[0]; i++)
        test_aead(aead[i]);
    ok(bm_crypto_has_cipher(cc, BM_CIPHER_RC4_128), "legacy provider: RC4 available");
    test_stream(0x0005, 0x0303);
    test_stream(0x0004, 0x0301);
    test_stream(0x003B, 0x0303);
    test_stream(0x0002, 0x0302);
    return su_end(&env);
}
