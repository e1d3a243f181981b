/* Key derivation: RFC 5869 HKDF, NIST CAVP TLS 1.0/1.2 PRF vectors, the
 * RFC 8448 TLS 1.3 schedule, SSL 3.0 against an independent computation. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tap.h"
#include "crypto/crypto.h"
#include "crypto/kdf.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (s[0] && s[1] && n < cap) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

#define HEX(name, str)                                                         \
    uint8_t name[sizeof(str) / 2];                                             \
    size_t name##_len = unhex(str, name, sizeof name);                         \
    (void)name##_len

static void test_hkdf(bm_crypto_ctx *c)
{
    uint8_t ikm[80], salt[80], info[80], prk[48], okm[82];
    memset(ikm, 0x0b, 22);
    HEX(salt1, "000102030405060708090a0b0c");
    HEX(info1, "f0f1f2f3f4f5f6f7f8f9");
    HEX(prk1, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    HEX(okm1, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    ok(bm_is_ok(bm_hkdf_extract(c, BM_HASH_SHA256, salt1, salt1_len, ikm, 22, prk)), "hkdf 1 extract");
    is_mem(prk, prk1, prk1_len, "RFC 5869 case 1 PRK");
    ok(bm_is_ok(bm_hkdf_expand(c, BM_HASH_SHA256, prk, 32, info1, info1_len, okm, 42)), "hkdf 1 expand");
    is_mem(okm, okm1, okm1_len, "RFC 5869 case 1 OKM");

    for (int i = 0; i < 80; i++) {
        ikm[i] = (uint8_t)i;
        salt[i] = (uint8_t)(0x60 + i);
        info[i] = (uint8_t)(0xb0 + i);
    }
    HEX(okm2, "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
    ok(bm_is_ok(bm_hkdf_extract(c, BM_HASH_SHA256, salt, 80, ikm, 80, prk)) &&
       bm_is_ok(bm_hkdf_expand(c, BM_HASH_SHA256, prk, 32, info, 80, okm, 82)), "hkdf 2");
    is_mem(okm, okm2, okm2_len, "RFC 5869 case 2 OKM (long inputs, 82 bytes)");

    memset(ikm, 0x0b, 22);
    HEX(prk3, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
    HEX(okm3, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    ok(bm_is_ok(bm_hkdf_extract(c, BM_HASH_SHA256, NULL, 0, ikm, 22, prk)) &&
       bm_is_ok(bm_hkdf_expand(c, BM_HASH_SHA256, prk, 32, NULL, 0, okm, 42)), "hkdf 3");
    is_mem(prk, prk3, prk3_len, "RFC 5869 case 3 PRK (empty salt)");
    is_mem(okm, okm3, okm3_len, "RFC 5869 case 3 OKM (empty info)");
    ok(!bm_is_ok(bm_hkdf_expand(c, BM_HASH_SHA256, prk, 32, NULL, 0, okm, 0)), "zero-length expand refused");
    ok(!bm_is_ok(bm_hkdf_extract(c, BM_HASH_MD5, NULL, 0, ikm, 22, prk)), "HKDF-MD5 unsupported");
}

/* NIST CAVP SP 800-135 TLS vectors (also in OpenSSL's evpkdf_tls1*_prf.txt). */
static void test_tls10_prf(bm_crypto_ctx *c)
{
    const bm_suite *s = bm_suite_find(0x002F); /* RSA_WITH_AES_128_CBC_SHA: 104-byte key block */
    HEX(pms, "bded7fa5c1699c010be23dd06ada3a48349f21e5f86263d512c0c5cc379f0e780ec55d9844b2f1db02a96453513568d0");
    HEX(chr, "e5acaf549cd25c22d964c0d930fa4b5261d2507fad84c33715b7b9a864020693");
    HEX(shr, "135e4d557fdf3aa6406d82975d5c606a9734c9334b42136e96990fbd5358cdb2");
    HEX(ms_want, "2f6962dfbc744c4b2138bb6b3d33054c5ecc14f24851d9896395a44ab3964efc2090c5bf51a0891209f46c1e1e998f62");
    HEX(sr, "67267e650eb32444119d222a368c191af3082888dc35afe8368e638c828874be");
    HEX(cr, "d58a7b1cd4fedaa232159df652ce188f9d997e061b9bf48e83b62990440931f6");
    HEX(kb_want, "3088825988e77fce68d19f756e18e43eb7fe672433504feaf99b3c503d9091b164f166db301d70c9fc0870b4a94563907bee1a61fb786cb717576890bcc51cb9ead97e01d0a2fea99c953377b195205ff07b369589178796edc963fd80fdbe518a2fc1c35c18ae8d");
    uint8_t ms[48];
    bm_key_block kb;
    for (uint16_t v = 0x0301; v <= 0x0302; v++) {
        ok(bm_is_ok(bm_master_secret(c, v, s, pms, 48, chr, shr, ms)), "TLS 1.0/1.1 master secret");
        is_mem(ms, ms_want, ms_want_len, v == 0x0301 ? "TLS 1.0 PRF master secret (CAVP)" : "TLS 1.1 same PRF");
    }
    ok(bm_is_ok(bm_key_block_derive(c, 0x0301, s, ms, cr, sr, &kb)), "TLS 1.0 key block");
    is_mem(kb.dir[0].mac_key, kb_want, 20, "client MAC key = key block[0..20)");
    is_mem(kb.dir[1].mac_key, kb_want + 20, 20, "server MAC key = [20..40)");
    is_mem(kb.dir[0].key, kb_want + 40, 16, "client key = [40..56)");
    is_mem(kb.dir[1].key, kb_want + 56, 16, "server key = [56..72)");
    is_mem(kb.dir[0].iv, kb_want + 72, 16, "client IV = [72..88)");
    is_mem(kb.dir[1].iv, kb_want + 88, 16, "server IV = [88..104)");
    is_int(kb.dir[1].mac_key_len + kb.dir[1].key_len + kb.dir[1].iv_len, 52, "lengths from the suite");
}

static void test_tls12_prf(bm_crypto_ctx *c)
{
    const bm_suite *s = bm_suite_find(0x003C); /* RSA_WITH_AES_128_CBC_SHA256: 128-byte key block */
    HEX(pms, "f8938ecc9edebc5030c0c6a441e213cd24e6f770a50dda07876f8d55da062bcadb386b411fd4fe4313a604fce6c17fbc");
    HEX(chr, "36c129d01a3200894b9179faac589d9835d58775f9b5ea3587cb8fd0364cae8c");
    HEX(shr, "f6c9575ed7ddd73e1f7d16eca115415812a43c2b747daaaae043abfb50053fce");
    HEX(ms_want, "202c88c00f84a17a20027079604787461176455539e705be730890602c289a5001e34eeb3a043e5d52a65e66125188bf");
    HEX(sr, "ae6c806f8ad4d80784549dff28a4b58fd837681a51d928c3e30ee5ff14f39868");
    HEX(cr, "62e1fd91f23f558a605f28478c58cf72637b89784d959df7e946d3f07bd1b616");
    HEX(kb_want, "d06139889fffac1e3a71865f504aa5d0d2a2e89506c6f2279b670c3e1b74f531016a2530c51a3a0f7e1d6590d0f0566b2f387f8d11fd4f731cdd572d2eae927f6f2f81410b25e6960be68985add6c38445ad9f8c64bf8068bf9a6679485d966f1ad6f68b43495b10a683755ea2b858d70ccac7ec8b053c6bd41ca299d4e51928");
    uint8_t ms[48];
    bm_key_block kb;
    ok(bm_is_ok(bm_master_secret(c, 0x0303, s, pms, 48, chr, shr, ms)), "TLS 1.2 master secret");
    is_mem(ms, ms_want, ms_want_len, "TLS 1.2 PRF-SHA256 master secret (CAVP)");
    ok(bm_is_ok(bm_key_block_derive(c, 0x0303, s, ms, cr, sr, &kb)), "TLS 1.2 key block");
    is_mem(kb.dir[0].mac_key, kb_want, 32, "client MAC key (SHA-256, 32 bytes)");
    is_mem(kb.dir[1].mac_key, kb_want + 32, 32, "server MAC key");
    is_mem(kb.dir[0].key, kb_want + 64, 16, "client key");
    is_mem(kb.dir[1].key, kb_want + 80, 16, "server key");
    is_mem(kb.dir[1].iv, kb_want + 112, 16, "server IV is the last 16 bytes");
    uint8_t raw[128];
    ok(bm_is_ok(bm_prf(c, BM_HASH_SHA256, ms, 48, "key expansion", sr, 32, cr, 32, raw, 128)) &&
       memcmp(raw, kb_want, 128) == 0, "bm_prf SHA-256, 128 bytes");
}

/* P_hash spelled out with one-shot HMAC from the default library context. */
static void p_hash(const EVP_MD *md, const uint8_t *secret, size_t slen, const uint8_t *seed,
                   size_t seed_len, uint8_t *out, size_t n)
{
    uint8_t a[64], buf[64 + 256], t[64];
    unsigned al = 0, tl = 0;
    HMAC(md, secret, (int)slen, seed, seed_len, a, &al);
    for (size_t done = 0; done < n;) {
        memcpy(buf, a, al);
        memcpy(buf + al, seed, seed_len);
        HMAC(md, secret, (int)slen, buf, al + seed_len, t, &tl);
        size_t k = n - done < tl ? n - done : tl;
        memcpy(out + done, t, k);
        done += k;
        HMAC(md, secret, (int)slen, a, al, a, &al);
    }
}

static void test_prf_sha384_and_ems(bm_crypto_ctx *c)
{
    const bm_suite *s = bm_suite_find(0xC030); /* ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
    uint8_t secret[48], seed[13 + 64], want[100], got[100];
    for (int i = 0; i < 48; i++)
        secret[i] = (uint8_t)(i * 7 + 1);
    memcpy(seed, "master secret", 13);
    for (int i = 0; i < 64; i++)
        seed[13 + i] = (uint8_t)(255 - i);
    p_hash(EVP_sha384(), secret, 48, seed, sizeof seed, want, sizeof want);
    ok(bm_is_ok(bm_prf(c, BM_HASH_SHA384, secret, 48, "master secret", seed + 13, 32, seed + 45, 32,
                       got, sizeof got)), "PRF-SHA384 runs");
    is_mem(got, want, sizeof want, "PRF-SHA384 equals HMAC-SHA384 P_hash spelled out");
    ok(bm_is_ok(bm_master_secret(c, 0x0303, s, secret, 48, seed + 13, seed + 45, got)) &&
       memcmp(got, want, 48) == 0, "SHA384 suite master secret uses P_SHA384");

    /* TLS 1.0 PRF = P_MD5(S1) xor P_SHA1(S2), halves overlapping for odd lengths. */
    uint8_t md5o[40], sha1o[40];
    p_hash(EVP_md5(), secret, 24, seed, sizeof seed, md5o, 40);
    p_hash(EVP_sha1(), secret + 24, 24, seed, sizeof seed, sha1o, 40);
    for (int i = 0; i < 40; i++)
        want[i] = md5o[i] ^ sha1o[i];
    ok(bm_is_ok(bm_prf(c, BM_HASH_MD5_SHA1, secret, 48, "master secret", seed + 13, 64, NULL, 0, got, 40)),
       "PRF MD5/SHA1 runs");
    is_mem(got, want, 40, "TLS 1.0 PRF equals P_MD5 xor P_SHA1 spelled out");

    /* RFC 7627: label "extended master secret", seed = session hash only. */
    uint8_t sh[48], ems[48];
    size_t shl = 0;
    ok(bm_is_ok(bm_session_hash(c, 0x0303, s, seed, sizeof seed, sh, &shl)) && shl == 48,
       "TLS 1.2 SHA384 session hash is 48 bytes");
    memcpy(seed, "extended master secret", 22);
    uint8_t ems_seed[22 + 48];
    memcpy(ems_seed, "extended master secret", 22);
    memcpy(ems_seed + 22, sh, 48);
    p_hash(EVP_sha384(), secret, 48, ems_seed, sizeof ems_seed, want, 48);
    ok(bm_is_ok(bm_extended_master_secret(c, 0x0303, s, secret, 48, sh, 48, ems)), "EMS runs");
    is_mem(ems, want, 48, "extended master secret spelled out");
    ok(!bm_is_ok(bm_extended_master_secret(c, 0x0300, s, secret, 48, sh, 48, ems)), "no EMS for SSL 3.0");
    ok(bm_is_ok(bm_session_hash(c, 0x0301, s, secret, 10, sh, &shl)) && shl == 36,
       "TLS 1.0 session hash is MD5||SHA1");
}

static void md(const EVP_MD *m, const void *a, size_t al, const void *b, size_t bl,
               const void *c, size_t cl, const void *d, size_t dl, uint8_t *out)
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    EVP_DigestInit_ex(x, m, NULL);
    EVP_DigestUpdate(x, a, al);
    EVP_DigestUpdate(x, b, bl);
    EVP_DigestUpdate(x, c, cl);
    EVP_DigestUpdate(x, d, dl);
    EVP_DigestFinal_ex(x, out, NULL);
    EVP_MD_CTX_free(x);
}

/* RFC 6101 6.1/6.2.2/5.6.9 computed here step by step. */
static void test_ssl3(bm_crypto_ctx *c)
{
    if (!bm_crypto_has_hash(c, BM_HASH_MD5)) {
        ok(1, "# SKIP no MD5");
        return;
    }
    const bm_suite *s = bm_suite_find(0x000A); /* RSA 3DES SHA: 2*(20+24+8) = 104 */
    uint8_t pms[48], cr[32], sr[32], ms[48], want[112], inner[20];
    for (int i = 0; i < 48; i++)
        pms[i] = (uint8_t)(i ^ 0x5a);
    for (int i = 0; i < 32; i++) {
        cr[i] = (uint8_t)i;
        sr[i] = (uint8_t)(0x80 + i);
    }
    const char *salts[] = {"A", "BB", "CCC", "DDDD", "EEEEE", "FFFFFF", "GGGGGGG"};
    for (int i = 0; i < 3; i++) {
        md(EVP_sha1(), salts[i], strlen(salts[i]), pms, 48, cr, 32, sr, 32, inner);
        md(EVP_md5(), pms, 48, inner, 20, "", 0, "", 0, want + 16 * i);
    }
    ok(bm_is_ok(bm_master_secret(c, 0x0300, s, pms, 48, cr, sr, ms)), "SSL 3.0 master secret runs");
    is_mem(ms, want, 48, "SSL 3.0 master secret = MD5(pms + SHA1('A'.. + pms + cr + sr))...");
    for (int i = 0; i < 7; i++) {
        md(EVP_sha1(), salts[i], strlen(salts[i]), ms, 48, sr, 32, cr, 32, inner);
        md(EVP_md5(), ms, 48, inner, 20, "", 0, "", 0, want + 16 * i);
    }
    bm_key_block kb;
    ok(bm_is_ok(bm_key_block_derive(c, 0x0300, s, ms, cr, sr, &kb)), "SSL 3.0 key block runs");
    is_mem(kb.dir[0].mac_key, want, 20, "SSL 3.0 client MAC key");
    is_mem(kb.dir[1].key, want + 40 + 24, 24, "SSL 3.0 server 3DES key");
    is_mem(kb.dir[1].iv, want + 96, 8, "SSL 3.0 server IV (last 8 of 104)");

    /* Finished: MD5(ms + pad2 + MD5(msgs + sender + ms + pad1)) + SHA1(...). */
    const char msgs[] = "handshake messages, any bytes";
    uint8_t pad1[48], pad2[48], h5[16], fin[36], got[36];
    size_t gl = 0;
    memset(pad1, 0x36, 48);
    memset(pad2, 0x5c, 48);
    md(EVP_md5(), msgs, sizeof msgs, "SRVR", 4, ms, 48, pad1, 48, h5);
    md(EVP_md5(), ms, 48, pad2, 48, h5, 16, "", 0, fin);
    md(EVP_sha1(), msgs, sizeof msgs, "SRVR", 4, ms, 48, pad1, 40, inner);
    md(EVP_sha1(), ms, 48, pad2, 40, inner, 20, "", 0, fin + 16);
    ok(bm_is_ok(bm_finished_verify_data(c, 0x0300, s, ms, 1, (const uint8_t *)msgs, sizeof msgs, got, &gl)),
       "SSL 3.0 server Finished runs");
    is_int(gl, 36, "SSL 3.0 Finished is 36 bytes");
    is_mem(got, fin, 36, "SSL 3.0 server Finished spelled out");
    ok(bm_is_ok(bm_finished_verify_data(c, 0x0300, s, ms, 0, (const uint8_t *)msgs, sizeof msgs, got, &gl)) &&
       memcmp(got, fin, 36) != 0, "client Finished differs (sender CLNT)");
}

static void test_tls12_finished(bm_crypto_ctx *c)
{
    const bm_suite *s = bm_suite_find(0xC02F);
    uint8_t ms[48], h[32], want[12], got[36], seed[15 + 32];
    size_t gl = 0;
    const char msgs[] = "ClientHello..ClientKeyExchange";
    for (int i = 0; i < 48; i++)
        ms[i] = (uint8_t)(3 * i);
    EVP_Digest(msgs, sizeof msgs, h, NULL, EVP_sha256(), NULL);
    memcpy(seed, "client finished", 15);
    memcpy(seed + 15, h, 32);
    p_hash(EVP_sha256(), ms, 48, seed, sizeof seed, want, 12);
    ok(bm_is_ok(bm_finished_verify_data(c, 0x0303, s, ms, 0, (const uint8_t *)msgs, sizeof msgs, got, &gl)),
       "TLS 1.2 client Finished runs");
    is_int(gl, 12, "verify_data is 12 bytes");
    is_mem(got, want, 12, "TLS 1.2 Finished = PRF(ms, 'client finished', SHA256(msgs))");
}

/* RFC 8448 section 3, "Simple 1-RTT Handshake". */
static void test_rfc8448(bm_crypto_ctx *c)
{
    const bm_suite *s = bm_suite_find(0x1301);
    HEX(ecdhe, "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
    HEX(th_hello, "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");
    HEX(th_sfin, "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13");
    HEX(early, "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
    HEX(hs, "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
    HEX(c_hs, "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
    HEX(s_hs, "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
    HEX(master, "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");
    HEX(c_ap, "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
    HEX(s_ap, "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
    HEX(s_hs_key, "3fce516009c21727d0f2e4e86ee403bc");
    HEX(s_hs_iv, "5d313eb2671276ee13000b30");
    HEX(c_hs_key, "dbfaa693d1762c5b666af5d950258d01");
    HEX(c_hs_iv, "5bd3c71b836e0b76bb73265f");
    HEX(s_ap_key, "9f02283b6c9c07efc26bb9f2ac92e356");
    HEX(s_ap_iv, "cf782b88dd83549aadf1e984");
    HEX(c_fin, "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61");
    bm_tls13_schedule ks;
    ok(bm_is_ok(bm_tls13_schedule_run(c, s, NULL, 0, ecdhe, 32, th_hello, th_sfin, &ks)), "schedule runs");
    is_int(ks.hash_len, 32, "SHA-256 schedule");
    is_mem(ks.early, early, early_len, "early secret (no PSK)");
    is_mem(ks.handshake, hs, hs_len, "handshake secret");
    is_mem(ks.c_hs, c_hs, c_hs_len, "client handshake traffic secret");
    is_mem(ks.s_hs, s_hs, s_hs_len, "server handshake traffic secret");
    is_mem(ks.master, master, master_len, "master secret");
    is_mem(ks.c_ap, c_ap, c_ap_len, "client application traffic secret 0");
    is_mem(ks.s_ap, s_ap, s_ap_len, "server application traffic secret 0");
    bm_dir_keys k;
    ok(bm_is_ok(bm_tls13_traffic_keys(c, s, ks.s_hs, &k)), "server hs keys");
    is_mem(k.key, s_hs_key, s_hs_key_len, "server handshake key");
    is_mem(k.iv, s_hs_iv, s_hs_iv_len, "server handshake iv");
    is_int(k.key_len * 100 + k.iv_len, 1612, "key 16, iv 12");
    ok(bm_is_ok(bm_tls13_traffic_keys(c, s, ks.c_hs, &k)), "client hs keys");
    is_mem(k.key, c_hs_key, c_hs_key_len, "client handshake key");
    is_mem(k.iv, c_hs_iv, c_hs_iv_len, "client handshake iv");
    ok(bm_is_ok(bm_tls13_traffic_keys(c, s, ks.s_ap, &k)), "server ap keys");
    is_mem(k.key, s_ap_key, s_ap_key_len, "server application key");
    is_mem(k.iv, s_ap_iv, s_ap_iv_len, "server application iv");
    uint8_t fin[48];
    ok(bm_is_ok(bm_tls13_finished(c, BM_HASH_SHA256, ks.c_hs, th_sfin, fin)), "client Finished runs");
    is_mem(fin, c_fin, c_fin_len, "client Finished verify_data");
    bm_dir_keys_clear(&k);
    ok(k.key[0] == 0 && k.key_len == 0, "keys cleared");

    /* PSK-only: the handshake secret is Extract(derived, zeros); a NULL ECDHE
     * and an explicit all-zero one must agree. */
    bm_tls13_schedule a, b;
    uint8_t zeros[32] = {0}, psk[32];
    memset(psk, 0x42, sizeof psk);
    ok(bm_is_ok(bm_tls13_schedule_run(c, s, psk, 32, NULL, 0, th_hello, NULL, &a)) &&
       bm_is_ok(bm_tls13_schedule_run(c, s, psk, 32, zeros, 32, th_hello, NULL, &b)) &&
       memcmp(a.c_hs, b.c_hs, 32) == 0 && memcmp(a.early, ks.early, 32) != 0,
       "PSK-only schedule: NULL ECDHE = zeros, PSK changes the early secret");
    uint8_t upd[48], upd2[48];
    ok(bm_is_ok(bm_tls13_update_secret(c, BM_HASH_SHA256, ks.c_ap, upd)) &&
       bm_is_ok(bm_hkdf_expand_label(c, BM_HASH_SHA256, ks.c_ap, "traffic upd", NULL, 0, upd2, 32)) &&
       memcmp(upd, upd2, 32) == 0 && memcmp(upd, ks.c_ap, 32) != 0, "KeyUpdate secret = Expand-Label 'traffic upd'");
    bm_tls13_schedule_clear(&ks);
    bm_tls13_schedule_clear(&a);
    bm_tls13_schedule_clear(&b);
}

int main(void)
{
    bm_crypto_ctx *c = bm_crypto_new();
    ok(c != NULL, "crypto context");
    if (!c)
        return tap_done();
    test_hkdf(c);
    test_tls10_prf(c);
    test_tls12_prf(c);
    test_prf_sha384_and_ems(c);
    test_ssl3(c);
    test_tls12_finished(c);
    test_rfc8448(c);
    bm_crypto_free(c);
    return tap_done();
}
