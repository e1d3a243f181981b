/* Certificate description: a certificate made at test time with the
 * openssl tool, compared with what the tool says; truncated DER fails
 * safely; certificates in a TLS 1.2 Certificate message. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/x509.h"
#include "test_tls_harness.h"

static char dir[64];

static int run(const char *cmd) { return system(cmd); }

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* "sha256 Fingerprint=AA:BB:..." -> 32 bytes */
static int read_fingerprint(const char *path, uint8_t out[32])
{
    char line[256] = "";
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f)) {
        if (f)
            fclose(f);
        return 0;
    }
    fclose(f);
    char *p = strchr(line, '=');
    if (!p)
        return 0;
    p++;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(p + 3 * i, "%2x", &v) != 1)
            return 0;
        out[i] = (uint8_t)v;
    }
    return 1;
}

static void test_describe(const uint8_t *der, size_t n)
{
    uint8_t want[32];
    char path[128];
    snprintf(path, sizeof path, "%s/fp", dir);
    ok(read_fingerprint(path, want), "openssl printed a fingerprint");
    bm_cert c;
    ok(bm_is_ok(bm_x509_describe(der, n, &c)), "describe succeeds");
    ok(strstr(c.subject, "CN=test.example") != NULL, "subject has the CN");
    ok(strstr(c.issuer, "test.example") != NULL, "self-signed: issuer too");
    is_mem(c.sha256, want, 32, "fingerprint equals openssl's");

    bm_cert t;
    bm_result r = bm_x509_describe(der, n / 2, &t);
    ok(!bm_is_ok(r), "truncated DER fails");
    ok(t.subject[0] == '\0' && t.issuer[0] == '\0', "no names from truncated DER");
    uint8_t junk[40];
    memset(junk, 0x30, sizeof junk);
    ok(!bm_is_ok(bm_x509_describe(junk, sizeof junk, &t)), "garbage fails");
    ok(!bm_is_ok(bm_x509_describe(der, 0, &t)), "empty input fails");
    /* trailing bytes: the cert parses but the input was not exactly it */
    uint8_t *more = malloc(n + 3);
    memcpy(more, der, n);
    memset(more + n, 0, 3);
    r = bm_x509_describe(more, n + 3, &t);
    ok(!bm_is_ok(r) && strstr(t.subject, "test.example") && memcmp(t.sha256, want, 32) == 0,
       "trailing bytes: names and fingerprint of the cert, but an error");
    free(more);
}

/* A TLS 1.2 handshake whose server sends 'ncerts' copies of the cert. */
static void test_in_handshake(const uint8_t *der, size_t n, unsigned ncerts)
{
    th *h = th_new();
    th_conn c = th_open(h, 40000, 443);
    tb *body = calloc(1, sizeof(tb)), *w = calloc(1, sizeof(tb)), *m = calloc(1, sizeof(tb));
    tb_client_hello(body, 0x0303, NULL, 0, NULL);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    body->n = 0;
    tb_server_hello(body, 0x0303, NULL, NULL, 0, 0xc02f, NULL);
    tb_hs(m, 2, body);
    body->n = 0;
    tb_u24(body, (unsigned)((n + 3) * ncerts));
    for (unsigned i = 0; i < ncerts; i++) {
        tb_u24(body, (unsigned)n);
        tb_put(body, der, n);
    }
    tb_hs(m, 11, body);
    /* split the flight over records of 1000 bytes */
    w->n = 0;
    for (size_t off = 0; off < m->n; off += 1000)
        tb_rec(w, 22, 0x0303, m->b + off, m->n - off < 1000 ? m->n - off : 1000);
    th_data_split(&c, 1, w->b, w->n, 1448);
    const bm_conn *k = th_close(&c, true);
    unsigned want = ncerts > BM_MAX_CERTS ? BM_MAX_CERTS : ncerts;
    is_int(k ? k->hs.n_certs : 0, want, "certificates kept");
    ok(k && strstr(k->hs.certs[want - 1].subject, "test.example"), "last kept certificate described");
    ok(k && k->hs.certs_truncated == (ncerts > BM_MAX_CERTS), "truncation flag");
    is_int(k ? k->n_findings : 9, 0, "no problems");
    free(body);
    free(w);
    free(m);
    th_free(h);
}

/* A certificate whose subject and issuer are empty names (public captures
 * hold such certificates): the empty RFC 2253 text once reached memcpy as
 * a NULL source (undefined; the sanitized build aborted). */
static void test_empty_names(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    uint8_t *der = NULL;
    int n = -1;
    if (k && x && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
        X509_gmtime_adj(X509_getm_notBefore(x), 0) && X509_gmtime_adj(X509_getm_notAfter(x), 86400) &&
        X509_set_pubkey(x, k) && X509_sign(x, k, EVP_sha256()))
        n = i2d_X509(x, &der);
    ok(n > 0, "a certificate with empty subject and issuer made");
    bm_cert c;
    memset(&c, 0x55, sizeof c);
    bm_result r = n > 0 ? bm_x509_describe(der, (size_t)n, &c) : bm_res(BM_ERR_MALFORMED);
    ok(bm_is_ok(r) && c.subject[0] == '\0' && c.issuer[0] == '\0', "empty subject and issuer described as empty");
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* The cache answers as bm_x509_describe does: the same names, fingerprint
 * and result for a certificate seen again, for garbage, for a prefix of
 * the certificate (a different key), and with no cache at all. */
static bool same_cert(const bm_cert *a, const bm_cert *b)
{
    return strcmp(a->subject, b->subject) == 0 && strcmp(a->issuer, b->issuer) == 0 &&
           memcmp(a->sha256, b->sha256, 32) == 0;
}

static void test_cache(const uint8_t *der, size_t n)
{
    bm_x509_cache *c = bm_x509_cache_new();
    ok(c != NULL, "cache made");
    static const uint8_t junk[] = {0x30, 0x82, 0x01, 0x00, 0xde, 0xad};
    const struct {
        const uint8_t *p;
        size_t n;
        const char *what;
    } in[] = {{der, n, "the certificate"}, {der, n - 1, "its prefix"}, {junk, sizeof junk, "garbage"}, {der, 0, "nothing"}};
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
            bm_cert want, got, none;
            memset(&got, 0x5a, sizeof got);
            bm_result rw = bm_x509_describe(in[i].p, in[i].n, &want);
            bm_result rg = bm_x509_describe_cached(c, in[i].p, in[i].n, &got);
            bm_result rn = bm_x509_describe_cached(NULL, in[i].p, in[i].n, &none);
            char name[96];
            snprintf(name, sizeof name, "cached description of %s, %s: as described afresh", in[i].what,
                     round ? "seen again" : "first seen");
            ok(rw.code == rg.code && same_cert(&want, &got) && rw.code == rn.code && same_cert(&want, &none), name);
        }
    }
    bm_x509_cache_free(c);
    bm_x509_cache_free(NULL);
}

int main(void)
{
    test_empty_names();
    snprintf(dir, sizeof dir, "/tmp/bm_x509_XXXXXX");
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return tap_done();
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test.example -days 2 "
             "-keyout %s/k -out %s/c.pem >/dev/null 2>&1",
             dir, dir);
    int rc = run(cmd);
    snprintf(cmd, sizeof cmd,
             "openssl x509 -in %s/c.pem -outform DER -out %s/c.der && "
             "openssl x509 -in %s/c.pem -noout -fingerprint -sha256 > %s/fp",
             dir, dir, dir, dir);
    rc |= run(cmd);
    ok(rc == 0, "openssl made a certificate");
    static uint8_t der[8192];
    char path[128];
    snprintf(path, sizeof path, "%s/c.der", dir);
    size_t n = slurp(path, der, sizeof der);
    ok(n > 100, "DER read");
    if (n > 100) {
        test_describe(der, n);
        test_cache(der, n);
        test_in_handshake(der, n, 2);
        test_in_handshake(der, n, 11);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)run(cmd);
    return tap_done();
}
