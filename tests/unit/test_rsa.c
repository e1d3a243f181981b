/* RSA private keys: PEM PKCS#1 / PKCS#8 / DER loading, certificate match,
 * premaster decryption, and explicit failure on a wrong key. Keys and a
 * self-signed certificate are generated at test time into /tmp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tap.h"
#include "crypto/rsa.h"

#include "loader_harness.h"

static char tmpdir[128];

static const char *tmp(const char *name)
{
    static char path[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof path[i], "%s/%s", tmpdir, name);
    return path[i];
}

typedef enum { PEM_PKCS1, PEM_PKCS8, DER_PKCS1, DER_PKCS8 } key_form;

static int write_key(EVP_PKEY *k, const char *path, key_form form)
{
    BIO *b = BIO_new_file(path, "wb");
    if (!b)
        return 0;
    int r = 0;
    switch (form) {
    case PEM_PKCS1:
        r = PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL);
        break;
    case PEM_PKCS8:
        r = PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
        break;
    case DER_PKCS1:
        r = i2d_PrivateKey_bio(b, k);
        break;
    case DER_PKCS8:
        r = i2d_PKCS8PrivateKey_bio(b, k, NULL, NULL, 0, NULL, NULL);
        break;
    }
    BIO_free(b);
    return r;
}

static int make_cert(EVP_PKEY *k, uint8_t **der, size_t *len)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, k);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"badmac test", -1, -1,
                               0);
    X509_set_issuer_name(x, nm);
    int ok_ = X509_sign(x, k, EVP_sha256()) > 0;
    unsigned char *p = NULL;
    int n = i2d_X509(x, &p);
    X509_free(x);
    if (!ok_ || n <= 0)
        return 0;
    *der = p;
    *len = (size_t)n;
    return 1;
}

static size_t encrypt_pms(EVP_PKEY *k, const uint8_t *pms, size_t pms_len, uint8_t *out)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    size_t n = 512;
    if (!c || EVP_PKEY_encrypt_init(c) <= 0 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_encrypt(c, out, &n, pms, pms_len) <= 0)
        n = 0;
    EVP_PKEY_CTX_free(c);
    return n;
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/bm_test_rsa_%d", (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", tmpdir);
    if (system(cmd) != 0)
        return 1;

    EVP_PKEY *k1 = EVP_RSA_gen(2048), *k2 = EVP_RSA_gen(2048);
    ok(k1 && k2, "two 2048-bit keys generated");
    if (!k1 || !k2)
        return tap_done();
    ok(write_key(k1, tmp("k1.pem"), PEM_PKCS1), "PKCS#1 PEM written");
    ok(write_key(k1, tmp("k1p8.pem"), PEM_PKCS8), "PKCS#8 PEM written");
    ok(write_key(k1, tmp("k1.der"), DER_PKCS1), "PKCS#1 DER written");
    ok(write_key(k1, tmp("k1p8.der"), DER_PKCS8), "PKCS#8 DER written");
    ok(write_key(k2, tmp("k2.pem"), PEM_PKCS8), "second key written");

    uint8_t *cert = NULL;
    size_t cert_len = 0;
    ok(make_cert(k1, &cert, &cert_len), "self-signed certificate for key 1");

    uint8_t pms[48], enc[512], cke[514], out[48];
    for (int i = 0; i < 48; i++)
        pms[i] = (uint8_t)(i * 7 + 1);
    pms[0] = 0x03;
    pms[1] = 0x03;
    size_t enc_len = encrypt_pms(k1, pms, 48, enc);
    is_int(enc_len, 256, "premaster encrypted to 256 bytes");

    static const struct {
        const char *file, *form;
    } forms[] = {{"k1.pem", "PEM PKCS#1"}, {"k1p8.pem", "PEM PKCS#8"}, {"k1.der", "DER PKCS#1"},
                 {"k1p8.der", "DER PKCS#8"}};
    for (size_t f = 0; f < 4; f++) {
        sink s;
        bm_diag d = make_diag(&s);
        bm_rsa_keys *ks = bm_rsa_keys_new();
        char name[100];
        bm_result r = bm_rsa_keys_load(ks, tmp(forms[f].file), &d);
        snprintf(name, sizeof name, "%s loads without diagnostics", forms[f].form);
        ok(bm_is_ok(r) && s.n == 0 && bm_rsa_keys_count(ks) == 1, name);
        const bm_rsa_key *key = bm_rsa_keys_only(ks);
        memset(out, 0, sizeof out);
        r = key ? bm_rsa_decrypt_pms(key, enc, enc_len, 0x0303, out) : bm_res(BM_ERR_USAGE);
        snprintf(name, sizeof name, "%s decrypts the premaster", forms[f].form);
        ok(bm_is_ok(r) && memcmp(out, pms, 48) == 0, name);
        bm_rsa_keys_free(ks);
    }

    /* several keys: match by certificate */
    sink s;
    bm_diag d = make_diag(&s);
    bm_rsa_keys *ks = bm_rsa_keys_new();
    ok(bm_is_ok(bm_rsa_keys_load(ks, tmp("k2.pem"), &d)), "key 2 loaded");
    ok(bm_is_ok(bm_rsa_keys_load(ks, tmp("k1.pem"), &d)), "key 1 loaded");
    is_int(bm_rsa_keys_count(ks), 2, "two keys");
    ok(bm_rsa_keys_only(ks) == NULL, "no single-key fallback with two keys");
    const bm_rsa_key *key = bm_rsa_keys_match_cert(ks, cert, cert_len);
    ok(key == bm_rsa_keys_at(ks, 1), "certificate matches key 1, not key 2");
    char want[300];
    snprintf(want, sizeof want, "%s key 1", tmp("k1.pem"));
    is_str(bm_rsa_key_source(key), want, "key source names file and index");
    ok(bm_rsa_keys_match_cert(ks, cert, cert_len - 1) == NULL, "truncated certificate: no match");
    ok(bm_rsa_keys_match_cert(ks, (const uint8_t *)"garbage", 7) == NULL, "garbage certificate");

    /* wrong key: an explicit error, never a random premaster */
    const bm_rsa_key *wrong = bm_rsa_keys_at(ks, 0);
    memset(out, 0x77, sizeof out);
    bm_result r = bm_rsa_decrypt_pms(wrong, enc, enc_len, 0x0303, out);
    is_int(r.code, BM_ERR_WRONG_KEY, "wrong key -> BM_ERR_WRONG_KEY");
    uint8_t zero[48] = {0};
    ok(memcmp(out, zero, 48) == 0, "premaster zeroed on failure");
    int wrong_ok = 0;
    for (int i = 0; i < 50; i++) { /* many tries: no silent success */
        uint8_t p2[48];
        memcpy(p2, pms, 48);
        p2[47] = (uint8_t)i;
        uint8_t e2[512];
        size_t n2 = encrypt_pms(k1, p2, 48, e2);
        wrong_ok += bm_is_ok(bm_rsa_decrypt_pms(wrong, e2, n2, 0x0303, out));
    }
    is_int(wrong_ok, 0, "50 premasters under the wrong key: all rejected");

    /* version mismatch, bad lengths */
    r = bm_rsa_decrypt_pms(key, enc, enc_len, 0x0301, out);
    ok(r.code == BM_ERR_PMS_VERSION && memcmp(out, pms, 48) == 0,
       "client version mismatch reported, premaster still given");
    is_int(bm_rsa_decrypt_pms(key, enc, 257, 0x0303, out).code, BM_ERR_MALFORMED,
           "ciphertext longer than the modulus");
    is_int(bm_rsa_decrypt_pms(key, enc, 0, 0x0303, out).code, BM_ERR_MALFORMED, "empty ciphertext");
    uint8_t tamper[512];
    memcpy(tamper, enc, enc_len);
    tamper[100] ^= 1;
    ok(!bm_is_ok(bm_rsa_decrypt_pms(key, tamper, enc_len, 0x0303, out)), "tampered ciphertext fails");
    uint8_t p47[47];
    memcpy(p47, pms, 47);
    size_t n47 = encrypt_pms(k1, p47, 47, tamper);
    is_int(bm_rsa_decrypt_pms(key, tamper, n47, 0x0303, out).code, BM_ERR_WRONG_KEY,
           "47-byte plaintext rejected");

    /* ClientKeyExchange framings */
    cke[0] = (uint8_t)(enc_len >> 8);
    cke[1] = (uint8_t)enc_len;
    memcpy(cke + 2, enc, enc_len);
    int prefixed = -1;
    r = bm_rsa_decrypt_cke(key, cke, enc_len + 2, 0x0303, out, &prefixed);
    ok(bm_is_ok(r) && prefixed == 1 && memcmp(out, pms, 48) == 0, "TLS CKE (length prefix)");
    r = bm_rsa_decrypt_cke(key, enc, enc_len, 0x0303, out, &prefixed);
    ok(bm_is_ok(r) && prefixed == 0 && memcmp(out, pms, 48) == 0, "SSL 3.0 CKE (no prefix)");
    r = bm_rsa_decrypt_cke(key, cke, 3, 0x0303, out, &prefixed);
    ok(!bm_is_ok(r), "truncated CKE fails");
    r = bm_rsa_decrypt_cke(wrong, cke, enc_len + 2, 0x0303, out, &prefixed);
    is_int(r.code, BM_ERR_WRONG_KEY, "CKE under the wrong key");
    bm_rsa_keys_free(ks);

    /* bad files */
    FILE *f = fopen(tmp("garbage.pem"), "wb");
    fputs("-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n", f);
    fclose(f);
    f = fopen(tmp("garbage.bin"), "wb");
    for (int i = 0; i < 3000; i++)
        fputc((i * 131) & 0xff, f);
    fclose(f);
    f = fopen(tmp("enc.pem"), "wb");
    fputs("-----BEGIN ENCRYPTED PRIVATE KEY-----\nbm90IGEga2V5\n-----END ENCRYPTED PRIVATE KEY-----\n", f);
    fclose(f);
    ks = bm_rsa_keys_new();
    d = make_diag(&s);
    r = bm_rsa_keys_load(ks, tmp("garbage.pem"), &d);
    snprintf(want, sizeof want, "%s: no RSA private key found", tmp("garbage.pem"));
    ok(r.code == BM_ERR_KEYFILE && s.n == 2 && strcmp(s.last, want) == 0,
       "garbage PEM key: diagnostics + BM_ERR_KEYFILE");
    d = make_diag(&s);
    r = bm_rsa_keys_load(ks, tmp("garbage.bin"), &d);
    snprintf(want, sizeof want, "%s: no RSA private key found", tmp("garbage.bin"));
    ok(r.code == BM_ERR_KEYFILE && s.n == 1 && strcmp(s.last, want) == 0,
       "binary garbage: diagnostic + BM_ERR_KEYFILE");
    d = make_diag(&s);
    r = bm_rsa_keys_load(ks, tmp("enc.pem"), &d);
    ok(r.code == BM_ERR_KEYFILE && s.n == 2, "encrypted key: not supported");
    d = make_diag(&s);
    r = bm_rsa_keys_load(ks, "/nonexistent/key.pem", &d);
    ok(r.code == BM_ERR_IO &&
           strcmp(s.last, "/nonexistent/key.pem: cannot open RSA key file: No such file or directory") == 0,
       "missing key file");
    /* a key file over the cap (1 MiB) is refused without being parsed */
    f = fopen(tmp("huge.pem"), "wb");
    for (unsigned i = 0; f && i <= BM_RSA_MAX_FILE / 64; i++)
        fputs("-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", f);
    if (f)
        fclose(f);
    d = make_diag(&s);
    r = bm_rsa_keys_load(ks, tmp("huge.pem"), &d);
    snprintf(want, sizeof want, "%s: RSA key file larger than %u bytes", tmp("huge.pem"), BM_RSA_MAX_FILE);
    ok(r.code == BM_ERR_LIMIT && s.n == 1 && strcmp(s.last, want) == 0, "key file over 1 MiB: one line, refused");
    is_int(bm_rsa_keys_count(ks), 0, "nothing loaded from bad files");
    bm_rsa_keys_free(ks);

    /* a PEM bundle: certificate + two keys */
    {
        const unsigned char *cp = cert;
        X509 *x = d2i_X509(NULL, &cp, (long)cert_len);
        BIO *b = BIO_new_file(tmp("cert.pem"), "wb");
        ok(x && b && PEM_write_bio_X509(b, x), "certificate PEM written");
        BIO_free(b);
        X509_free(x);
    }
    snprintf(cmd, sizeof cmd, "cat %s %s %s > %s", tmp("cert.pem"), tmp("k2.pem"), tmp("k1.pem"),
             tmp("both.pem"));
    ok(system(cmd) == 0, "bundle written");
    ks = bm_rsa_keys_new();
    d = make_diag(&s);
    ok(bm_is_ok(bm_rsa_keys_load(ks, tmp("both.pem"), &d)) && bm_rsa_keys_count(ks) == 2,
       "two keys from one PEM file, certificate skipped");
    is_int(s.n, 0, "no diagnostic for the certificate");
    key = bm_rsa_keys_match_cert(ks, cert, cert_len);
    snprintf(want, sizeof want, "%s key 2", tmp("both.pem"));
    is_str(key ? bm_rsa_key_source(key) : NULL, want, "second key of the bundle matches");
    bm_rsa_keys_free(ks);

    OPENSSL_free(cert);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmpdir);
    return tap_done();
}
