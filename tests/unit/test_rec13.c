/* TLS 1.3 record protection: the RFC 8448 server flight, then every suite
 * with records sealed here with raw EVP calls (seal_util.h), tampered with. */
#include <openssl/evp.h>

#include "tap.h"
#include "seal_util.h"
#include "crypto/rec.h"

static bm_crypto_ctx *cc;
static uint8_t data[20000], rec[20000], out[20000];

static size_t unhex(const char *s, uint8_t *o, size_t cap)
{
    size_t n = 0;
    unsigned v;
    while (s[0] && s[1] && n < cap && sscanf(s, "%2x", &v) == 1) {
        o[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

/* RFC 8448 section 3: ClientHello and ServerHello records, the server's
 * protected flight (EE, Certificate, CertificateVerify, Finished). */
static const char ch_rec[] =
    "16030100c4010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001";
static const char sh_rec[] =
    "160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";
static const char flight_rec[] =
    "17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e750edc53370d2b";

static void test_rfc8448(void)
{
    const bm_suite *s = bm_suite_find(0x1301);
    uint8_t ch[300], sh[100], fl[700], ecdhe[32], th[32], msgs[2000];
    size_t chl = unhex(ch_rec, ch, sizeof ch), shl = unhex(sh_rec, sh, sizeof sh);
    size_t fll = unhex(flight_rec, fl, sizeof fl);
    unhex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d", ecdhe, 32);
    is_int(fll, 679, "RFC 8448 flight record is 679 bytes");
    /* Transcript = handshake messages without record headers. */
    size_t m = 0;
    memcpy(msgs, ch + 5, chl - 5);
    m += chl - 5;
    memcpy(msgs + m, sh + 5, shl - 5);
    m += shl - 5;
    ok(bm_is_ok(bm_hash_bytes(cc, BM_HASH_SHA256, msgs, m, th)), "hash CH..SH");
    bm_tls13_schedule ks;
    bm_dir_keys k;
    ok(bm_is_ok(bm_tls13_schedule_run(cc, s, NULL, 0, ecdhe, 32, th, NULL, &ks)) &&
       bm_is_ok(bm_tls13_traffic_keys(cc, s, ks.s_hs, &k)), "schedule from the ECDHE secret");
    bm_rec *r = NULL;
    bm_rec_params p = {s, 0x0304, 0, &k};
    bm_open_result res;
    if (!ok(bm_is_ok(bm_rec_new(cc, &p, &r)), "bm_rec for the server handshake keys"))
        return;
    ok(bm_is_ok(bm_rec_open(r, 0, fl[0], (uint16_t)(fl[1] << 8 | fl[2]), fl + 5, fll - 5, out, sizeof out, &res)),
       "open runs");
    is_int(res.status, BM_REC_OK, "RFC 8448 server flight decrypts and authenticates");
    is_int(res.inner_type, 22, "inner type handshake");
    is_int(res.plain_len, 657, "657 bytes of handshake messages");
    is_int(res.pad_len, 0, "no padding");
    ok(out[0] == 0x08 && out[1] == 0 && out[2] == 0 && out[3] == 0x24, "starts with EncryptedExtensions(36)");
    /* The flight ends with the server Finished: 14 00 00 20 + verify_data
     * over CH..CertificateVerify. */
    size_t fin_at = res.plain_len - 36;
    ok(out[fin_at] == 0x14 && out[fin_at + 3] == 0x20, "server Finished header");
    memcpy(msgs + m, out, fin_at);
    uint8_t th_cv[32], vd[48], th_sf[32], want_sf[32];
    ok(bm_is_ok(bm_hash_bytes(cc, BM_HASH_SHA256, msgs, m + fin_at, th_cv)) &&
       bm_is_ok(bm_tls13_finished(cc, BM_HASH_SHA256, ks.s_hs, th_cv, vd)), "server Finished computed");
    is_mem(vd, out + fin_at + 4, 32, "server Finished verifies against the decrypted flight");
    memcpy(msgs + m, out, res.plain_len);
    unhex("9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13", want_sf, 32);
    ok(bm_is_ok(bm_hash_bytes(cc, BM_HASH_SHA256, msgs, m + res.plain_len, th_sf)), "hash CH..server Finished");
    is_mem(th_sf, want_sf, 32, "transcript hash CH..server Finished matches RFC 8448");
    fl[5 + 100] ^= 0x80;
    ok(bm_is_ok(bm_rec_open(r, 0, 23, 0x0303, fl + 5, fll - 5, out, sizeof out, &res)) &&
       res.status == BM_REC_BAD_TAG, "one flipped bit -> BAD_TAG");
    fl[5 + 100] ^= 0x80;
    ok(bm_is_ok(bm_rec_open(r, 1, 23, 0x0303, fl + 5, fll - 5, out, sizeof out, &res)) &&
       res.status == BM_REC_BAD_TAG, "sequence number 1 -> BAD_TAG");
    ok(bm_is_ok(bm_rec_open(r, 0, 23, 0x0303, fl + 5, fll - 6, out, sizeof out, &res)) &&
       res.status == BM_REC_BAD_TAG, "header length one short -> BAD_TAG");
    bm_rec_free(r);
    bm_tls13_schedule_clear(&ks);
    bm_dir_keys_clear(&k);
}

static int open13(bm_rec *r, uint64_t seq, uint8_t type, uint16_t ver, const uint8_t *in, size_t len,
                  bm_open_result *res)
{
    return bm_is_ok(bm_rec_open(r, seq, type, ver, in, len, out, sizeof out, res)) ? (int)res->status : -1;
}

static void test_suite13(uint16_t id)
{
    const bm_suite *s = bm_suite_find(id);
    uint8_t secret[48];
    bm_dir_keys k;
    char name[160];
    for (int i = 0; i < 48; i++)
        secret[i] = (uint8_t)(id + i);
    bm_rec *r = NULL;
    bm_open_result res;
    bm_rec_params p = {s, 0x0304, 0, &k};
    snprintf(name, sizeof name, "%s: keys and bm_rec", s->name);
    if (!ok(bm_is_ok(bm_tls13_traffic_keys(cc, s, secret, &k)) && bm_is_ok(bm_rec_new(cc, &p, &r)), name))
        return;
    size_t len = su_seal13_pad(s, &k, 3, 23, data, 16384, 0, rec);
    is_int(open13(r, 3, 23, 0x0303, rec, len, &res), BM_REC_OK, "16 KB record OK");
    ok(res.plain_len == 16384 && res.inner_type == 23 && memcmp(out, data, 16384) == 0, "plaintext identical");
    len = su_seal13_pad(s, &k, 4, 21, data, 2, 40, rec);
    is_int(open13(r, 4, 23, 0x0303, rec, len, &res), BM_REC_OK, "padded alert record OK");
    ok(res.inner_type == 21 && res.plain_len == 2 && res.pad_len == 40, "inner type 21, 2 bytes, 40 zeros stripped");
    rec[10] ^= 2;
    is_int(open13(r, 4, 23, 0x0303, rec, len, &res), BM_REC_BAD_TAG, "flip in ciphertext -> BAD_TAG");
    rec[10] ^= 2;
    rec[len - 1] ^= 2;
    is_int(open13(r, 4, 23, 0x0303, rec, len, &res), BM_REC_BAD_TAG, "flip in tag -> BAD_TAG");
    rec[len - 1] ^= 2;
    is_int(open13(r, 5, 23, 0x0303, rec, len, &res), BM_REC_BAD_TAG, "wrong sequence number -> BAD_TAG");
    is_int(open13(r, 4, 22, 0x0303, rec, len, &res), BM_REC_BAD_TAG, "header type is authenticated");
    is_int(open13(r, 4, 23, 0x0301, rec, len, &res), BM_REC_BAD_TAG, "header version is authenticated");
    is_int(open13(r, 4, 23, 0x0303, rec, len, &res), BM_REC_OK, "the original still opens (AEAD is stateless)");
    len = su_seal13_pad(s, &k, 6, 0, data, 0, 5, rec);
    is_int(open13(r, 6, 23, 0x0303, rec, len, &res), BM_REC_NO_CONTENT_TYPE, "all-zero inner plaintext");
    int bad = 0;
    for (size_t l = 0; l <= s->tag_len + 2u; l++) {
        int st = open13(r, 1, 23, 0x0303, rec, l, &res);
        if (st < 0 || (l <= s->tag_len) != (st == BM_REC_BAD_LENGTH))
            bad++;
    }
    is_int(bad, 0, "records up to tag+2 bytes: BAD_LENGTH iff no room for the inner type");
    if (id != 0x1304 && id != 0x1305) {
        uint8_t tag[16];
        size_t tl = 0;
        len = su_seal13_pad(s, &k, 9, 23, data, 500, 3, rec);
        uint8_t real[16];
        memcpy(real, rec + len - 16, 16);
        memset(rec + len - 16, 0, 16);
        ok(bm_is_ok(bm_rec_expected_tag(r, 9, 23, 0x0303, rec, len, tag, &tl)) && tl == 16 &&
           memcmp(tag, real, 16) == 0, "expected tag recomputed for a record with a zeroed tag");
    }
    bm_rec_free(r);
}

int main(void)
{
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 11 + 5);
    cc = bm_crypto_new();
    if (!ok(cc != NULL, "crypto context"))
        return tap_done();
    test_rfc8448();
    for (uint16_t id = 0x1301; id <= 0x1305; id++)
        test_suite13(id);
    bm_crypto_free(cc);
    return tap_done();
}
