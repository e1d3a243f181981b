/* x509.c - certificate subject, issuer and fingerprint with libcrypto. */
#include "x509.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* One-line RFC 2253 name into dst (always terminated). */
static bool name_line(const X509_NAME *name, char *dst, size_t cap)
{
    dst[0] = '\0';
    if (!name)
        return false;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return false;
    bool ok = X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0;
    if (ok) {
        char *data = NULL;
        long n = BIO_get_mem_data(b, &data);
        if (n < 0 || !data)
            n = 0;
        size_t k = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        if (k) /* an empty name: data may be NULL, and memcpy(dst, NULL, 0) is undefined */
            memcpy(dst, data, k);
        dst[k] = '\0';
    }
    BIO_free(b);
    return ok;
}

static bool sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    unsigned int olen = 0;
    return EVP_Digest(p, n, out, &olen, EVP_sha256(), NULL) == 1 && olen == 32;
}

bm_result bm_x509_describe(const uint8_t *der, size_t len, bm_cert *out)
{
    memset(out, 0, sizeof *out);
    if (!der || len == 0 || len > (size_t)LONG_MAX) {
        if (der && len)
            (void)sha256(der, len, out->sha256);
        return bm_res(BM_ERR_MALFORMED);
    }
    const unsigned char *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)len);
    if (!x) {
        (void)sha256(der, len, out->sha256);
        return bm_res(BM_ERR_MALFORMED);
    }
    /* Fingerprint what d2i consumed: trailing bytes are not the cert. */
    size_t used = (size_t)(q - der);
    bool ok = sha256(der, used, out->sha256);
    ok = name_line(X509_get_subject_name(x), out->subject, sizeof out->subject) && ok;
    ok = name_line(X509_get_issuer_name(x), out->issuer, sizeof out->issuer) && ok;
    X509_free(x);
    if (!ok)
        return bm_res(BM_ERR_CRYPTO);
    return used == len ? BM_SUCCESS : bm_res(BM_ERR_MALFORMED);
}

typedef struct {
    uint8_t key[32]; /* SHA-256 of the bytes described */
    size_t len;
    bool used;
    bm_result res;
    bm_cert cert;
} x509_slot;

struct bm_x509_cache {
    EVP_MD *md; /* fetched once: an implicit fetch per digest takes the provider store's lock */
    x509_slot slot[BM_X509_CACHE_SLOTS];
};

bm_x509_cache *bm_x509_cache_new(void)
{
    bm_x509_cache *c = calloc(1, sizeof *c);
    if (c && !(c->md = EVP_MD_fetch(NULL, "SHA256", NULL))) {
        free(c);
        c = NULL;
    }
    return c;
}

void bm_x509_cache_free(bm_x509_cache *c)
{
    if (!c)
        return;
    EVP_MD_free(c->md);
    free(c);
}

bm_result bm_x509_describe_cached(bm_x509_cache *c, const uint8_t *der, size_t len, bm_cert *out)
{
    uint8_t key[32];
    unsigned int klen = 0;
    if (!c || !der || len == 0 || EVP_Digest(der, len, key, &klen, c->md, NULL) != 1 || klen != sizeof key)
        return bm_x509_describe(der, len, out);
    x509_slot *s = &c->slot[(key[0] | (unsigned)key[1] << 8) % BM_X509_CACHE_SLOTS];
    if (s->used && s->len == len && memcmp(s->key, key, sizeof key) == 0) {
        *out = s->cert;
        return s->res;
    }
    bm_result r = bm_x509_describe(der, len, out);
    if (r.code != BM_ERR_CRYPTO) { /* a libcrypto failure (memory) is not the certificate's */
        memcpy(s->key, key, sizeof key);
        s->len = len;
        s->res = r;
        s->cert = *out;
        s->used = true;
    }
    return r;
}
