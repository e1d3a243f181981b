#include "rsa.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "../wire/cur.h"

struct bm_rsa_key {
    EVP_PKEY *pkey;
    char *source;
};

struct bm_rsa_keys {
    size_t n;
    bm_rsa_key keys[BM_RSA_MAX_KEYS];
};

bm_rsa_keys *bm_rsa_keys_new(void)
{
    return calloc(1, sizeof(bm_rsa_keys));
}

void bm_rsa_keys_free(bm_rsa_keys *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++) {
        EVP_PKEY_free(k->keys[i].pkey); /* libcrypto clears the key's bignums */
        free(k->keys[i].source);
    }
    free(k);
}

size_t bm_rsa_keys_count(const bm_rsa_keys *k)
{
    return k ? k->n : 0;
}

const bm_rsa_key *bm_rsa_keys_at(const bm_rsa_keys *k, size_t i)
{
    return (k && i < k->n) ? &k->keys[i] : NULL;
}

const char *bm_rsa_key_source(const bm_rsa_key *key)
{
    return key ? key->source : "";
}

size_t bm_rsa_key_size(const bm_rsa_key *key)
{
    int n = key ? EVP_PKEY_get_size(key->pkey) : 0;
    return n > 0 ? (size_t)n : 0;
}

/* Takes ownership of pkey. 'what' names the object for diagnostics. */
static bm_result add_key(bm_rsa_keys *k, EVP_PKEY *pkey, const char *path, unsigned *nfile,
                         bm_diag *d, const char *what)
{
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        bm_diag_at(d, what, "not an RSA key (skipped)");
        EVP_PKEY_free(pkey);
        return BM_SUCCESS;
    }
    if (k->n >= BM_RSA_MAX_KEYS) {
        bm_diag_at(d, what, "more than %d RSA keys (skipped)", BM_RSA_MAX_KEYS);
        EVP_PKEY_free(pkey);
        return bm_res(BM_ERR_LIMIT);
    }
    size_t sn = strlen(path) + 32;
    char *src = malloc(sn);
    if (!src) {
        EVP_PKEY_free(pkey);
        return bm_res(BM_ERR_NOMEM);
    }
    (*nfile)++;
    snprintf(src, sn, "%s key %u", path, *nfile);
    k->keys[k->n].pkey = pkey;
    k->keys[k->n].source = src;
    k->n++;
    return BM_SUCCESS;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bm_result load_pem(bm_rsa_keys *k, const uint8_t *buf, size_t len, const char *path,
                          unsigned *nfile, bm_diag *d)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    BM_ENSURE(bio, BM_ERR_NOMEM);
    bm_result res = BM_SUCCESS;
    for (unsigned block = 1; bm_is_ok(res); block++) {
        char *name = NULL, *header = NULL;
        unsigned char *data = NULL;
        long dlen = 0;
        if (!PEM_read_bio(bio, &name, &header, &data, &dlen)) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
                char what[48];
                snprintf(what, sizeof what, "PEM block %u", block);
                bm_diag_at(d, what, "cannot parse PEM (skipped)");
            }
            ERR_clear_error();
            break;
        }
        char what[120];
        snprintf(what, sizeof what, "PEM block %u (%.80s)", block, name);
        if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0 || (header && strstr(header, "ENCRYPTED"))) {
            bm_diag_at(d, what, "encrypted keys are not supported (skipped)");
        } else if (ends_with(name, "PRIVATE KEY")) {
            const unsigned char *p = data;
            EVP_PKEY *pkey = dlen > 0 ? d2i_AutoPrivateKey(NULL, &p, dlen) : NULL;
            if (!pkey) {
                bm_diag_at(d, what, "cannot decode the key (skipped)");
                ERR_clear_error();
            } else {
                res = add_key(k, pkey, path, nfile, d, what);
            }
        }
        /* certificates and other objects are not ours: skipped silently */
        OPENSSL_free(name);
        OPENSSL_free(header);
        if (data)
            OPENSSL_clear_free(data, (size_t)(dlen > 0 ? dlen : 0));
    }
    BIO_free(bio);
    return res;
}

bm_result bm_rsa_keys_load(bm_rsa_keys *k, const char *path, bm_diag *d)
{
    BM_ENSURE(k && path && d, BM_ERR_USAGE);
    const char *saved_file = d->file;
    unsigned saved_in = d->in_file, saved_supp = d->suppressed;
    bm_diag_begin_file(d, path);
    bm_result res = BM_SUCCESS;
    uint8_t *buf = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        bm_diag_at(d, NULL, "cannot open RSA key file: %s", strerror(errno));
        res = bm_res(BM_ERR_IO);
        goto out;
    }
    /* one byte more than the cap tells a file over it; a small key file
     * gets a small buffer */
    struct stat st;
    size_t want = BM_RSA_MAX_FILE + 1;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < want)
        want = (size_t)st.st_size + 1;
    buf = malloc(want);
    if (!buf) {
        res = bm_res(BM_ERR_NOMEM);
        goto out;
    }
    len = fread(buf, 1, want, f);
    if (ferror(f)) {
        bm_diag_at(d, NULL, "cannot read RSA key file: %s", strerror(errno));
        res = bm_res(BM_ERR_IO);
        goto out;
    }
    if (len > BM_RSA_MAX_FILE) {
        bm_diag_at(d, NULL, "RSA key file larger than %u bytes", BM_RSA_MAX_FILE);
        res = bm_res(BM_ERR_LIMIT);
        goto out;
    }
    unsigned nfile = 0;
    bm_cur c = bm_cur_make(buf, len);
    int pem = 0;
    for (size_t i = 0; i + 11 <= bm_cur_left(&c) && !pem; i++)
        pem = memcmp(c.p + i, "-----BEGIN ", 11) == 0;
    if (pem) {
        res = load_pem(k, buf, len, path, &nfile, d);
    } else if (len > 0) {
        const unsigned char *p = buf;
        EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
        ERR_clear_error();
        if (pkey)
            res = add_key(k, pkey, path, &nfile, d, "DER");
    }
    if (bm_is_ok(res) && nfile == 0) {
        bm_diag_at(d, NULL, "no RSA private key found");
        res = bm_res(BM_ERR_KEYFILE);
    }
out:
    if (f)
        fclose(f);
    if (buf) {
        OPENSSL_cleanse(buf, len);
        free(buf);
    }
    bm_diag_end_file(d);
    d->file = saved_file;
    d->in_file = saved_in;
    d->suppressed = saved_supp;
    return res;
}

const bm_rsa_key *bm_rsa_keys_match_cert(const bm_rsa_keys *k, const uint8_t *cert_der,
                                         size_t len)
{
    if (!k || !cert_der || len == 0 || len > 0x7fffffff)
        return NULL;
    const unsigned char *p = cert_der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x) {
        ERR_clear_error();
        return NULL;
    }
    const bm_rsa_key *found = NULL;
    EVP_PKEY *pub = X509_get0_pubkey(x);
    for (size_t i = 0; pub && i < k->n && !found; i++) {
        if (EVP_PKEY_eq(k->keys[i].pkey, pub) == 1)
            found = &k->keys[i];
    }
    ERR_clear_error();
    X509_free(x);
    return found;
}

const bm_rsa_key *bm_rsa_keys_only(const bm_rsa_keys *k)
{
    return (k && k->n == 1) ? &k->keys[0] : NULL;
}

bm_result bm_rsa_decrypt_pms(const bm_rsa_key *key, const uint8_t *enc, size_t len,
                             uint16_t client_version, uint8_t pms[48])
{
    BM_ENSURE(key && enc && pms, BM_ERR_USAGE);
    memset(pms, 0, 48);
    size_t size = bm_rsa_key_size(key);
    BM_ENSURE(len > 0 && len <= size, BM_ERR_MALFORMED);

    uint8_t *out = malloc(size);
    BM_ENSURE(out, BM_ERR_NOMEM);
    bm_result res = bm_res(BM_ERR_CRYPTO);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (!ctx || EVP_PKEY_decrypt_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
        goto done;
    /* OpenSSL >= 3.2 would otherwise return a random "premaster" for a wrong
     * key; 3.0 does not know the parameter and ignores it. */
    unsigned int zero = 0;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_uint("implicit-rejection", &zero);
    params[1] = OSSL_PARAM_construct_end();
    (void)EVP_PKEY_CTX_set_params(ctx, params);
    ERR_clear_error();

    size_t outlen = size;
    if (EVP_PKEY_decrypt(ctx, out, &outlen, enc, len) <= 0 || outlen != 48) {
        res = bm_res(BM_ERR_WRONG_KEY);
        goto done;
    }
    memcpy(pms, out, 48);
    if (pms[0] != (uint8_t)(client_version >> 8) || pms[1] != (uint8_t)client_version)
        res = bm_res(BM_ERR_PMS_VERSION);
    else
        res = BM_SUCCESS;
done:
    ERR_clear_error();
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_clear_free(out, size);
    return res;
}

bm_result bm_rsa_decrypt_cke(const bm_rsa_key *key, const uint8_t *body, size_t len,
                             uint16_t client_version, uint8_t pms[48], int *prefixed)
{
    BM_ENSURE(key && body && pms, BM_ERR_USAGE);
    if (prefixed)
        *prefixed = 0;
    bm_cur c = bm_cur_make(body, len);
    bm_cur v = bm_cur_vec16(&c);
    bm_result r = bm_res(BM_ERR_MALFORMED);
    if (bm_cur_ok(&v) && bm_cur_left(&c) == 0 && bm_cur_left(&v) > 0) {
        r = bm_rsa_decrypt_pms(key, v.p, bm_cur_left(&v), client_version, pms);
        if (r.code == BM_OK || r.code == BM_ERR_PMS_VERSION) {
            if (prefixed)
                *prefixed = 1;
            return r;
        }
    }
    /* SSL 3.0 framing: the whole body is the ciphertext */
    if (len == bm_rsa_key_size(key)) {
        bm_result r2 = bm_rsa_decrypt_pms(key, body, len, client_version, pms);
        if (r2.code == BM_OK || r2.code == BM_ERR_PMS_VERSION || r.code == BM_ERR_MALFORMED)
            return r2;
    }
    return r;
}
