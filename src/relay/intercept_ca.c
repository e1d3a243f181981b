/*
 * intercept_ca.c - what interception mode keeps for the whole run (see
 * intercept.h): a private OpenSSL library context (default provider, and
 * the legacy one when present, so RC4/SEED/... suites can be offered), the
 * CA certificate and key (PEM), two leaf keys made at start (EC P-256, and
 * RSA 2048 so that RSA-authenticated suites work too), the two SSL_CTXs and
 * the key log; and the leaf certificates, made per connection in the
 * certificate callback of the client leg.
 *
 * Client leg (the relay as server): TLS 1.0 to 1.3, every suite OpenSSL
 * has ("ALL:COMPLEMENTOFALL" at security level 0, all five TLS 1.3 suites),
 * the client's preference order, no session resumption (every connection
 * shows a full handshake with the leaf). Server leg (the relay as client):
 * the same, narrowed per connection by intercept.c; no certificate
 * verification, since this is a test tool.
 */
#include "intercept.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define LEAF_DAYS 30
#define CN_MAX 64 /* ub-common-name */
#define TLS13_SUITES                                                                   \
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:" \
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"

struct bm_icpt {
    OSSL_LIB_CTX *lib;
    OSSL_PROVIDER *prov_default, *prov_legacy;
    SSL_CTX *ctx[2];        /* [BM_LEG_CLIENT] server side, [BM_LEG_SERVER] client side */
    X509 *ca;
    EVP_PKEY *ca_key;
    EVP_PKEY *leaf_key[2];  /* EC P-256, RSA 2048 */
    EVP_MD *md;             /* signs the leaves; NULL for an EdDSA CA */
    FILE *keylog;
    char name[256];         /* the leaf's name when the client sends no SNI */
};

/* NSS key log lines of both legs, flushed one by one so a test can read
 * them as soon as a connection ends. */
static void keylog_line(const SSL *s, const char *line)
{
    bm_icpt *ic = SSL_CTX_get_app_data(SSL_get_SSL_CTX(s));
    if (ic && ic->keylog) {
        /* a full disk must not stop the relay: the lines are lost */
        (void)fputs(line, ic->keylog);
        (void)fputc('\n', ic->keylog);
        (void)fflush(ic->keylog);
    }
}

/* The name for a leaf, from the SNI (the wire) or --to: printable ASCII. */
static void leaf_name(const char *in, char *out, size_t cap)
{
    size_t i = 0;
    for (; in[i] && i + 1 < cap; i++)
        out[i] = in[i] > 0x20 && in[i] < 0x7f ? in[i] : '?';
    out[i] = '\0';
}

/* subjectAltName: IP:name when the name is an address, else DNS:name.
 * Built directly (not from a config string), so no character in an SNI
 * can mean anything. */
static int add_san(X509 *x, const char *name)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(name);
    ASN1_IA5STRING *dns = ip ? NULL : ASN1_IA5STRING_new();
    int ok = gens && g && (ip || (dns && ASN1_STRING_set(dns, name, -1)));
    if (ok) {
        GENERAL_NAME_set0_value(g, ip ? GEN_IPADD : GEN_DNS, ip ? (void *)ip : (void *)dns);
        ip = NULL;
        dns = NULL;
        ok = sk_GENERAL_NAME_push(gens, g) > 0;
        if (ok)
            g = NULL;
    }
    ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1;
    ASN1_OCTET_STRING_free(ip);
    ASN1_IA5STRING_free(dns);
    GENERAL_NAME_free(g);
    GENERAL_NAMES_free(gens);
    return ok;
}

static int add_ext(X509 *x, X509 *ca, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = e && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

/* A leaf for 'name' with public key 'key', signed by the CA. */
static X509 *make_leaf(bm_icpt *ic, EVP_PKEY *key, const char *name)
{
    X509 *x = X509_new_ex(ic->lib, NULL);
    unsigned char serial[16];
    char cn[CN_MAX + 1];
    BIGNUM *bn = NULL;
    snprintf(cn, sizeof cn, "%.*s", CN_MAX, name);
    int ok = x && X509_set_version(x, X509_VERSION_3) &&
             RAND_bytes_ex(ic->lib, serial, sizeof serial, 0) == 1;
    if (ok) {
        serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40); /* positive, 16 bytes */
        ok = (bn = BN_bin2bn(serial, sizeof serial, NULL)) != NULL &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    }
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
         X509_time_adj_ex(X509_getm_notAfter(x), LEAF_DAYS, 0, NULL) && X509_set_pubkey(x, key) &&
         X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                    (const unsigned char *)cn, -1, -1, 0) &&
         X509_set_issuer_name(x, X509_get_subject_name(ic->ca)) && add_san(x, name) &&
         add_ext(x, ic->ca, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(x, ic->ca, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
         add_ext(x, ic->ca, NID_ext_key_usage, "serverAuth") &&
         add_ext(x, ic->ca, NID_subject_key_identifier, "hash") &&
         add_ext(x, ic->ca, NID_authority_key_identifier, "keyid") &&
         X509_sign(x, ic->ca_key, ic->md) > 0;
    BN_free(bn);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Certificate callback of the client leg: by now the SNI is known. */
static int on_cert(SSL *s, void *arg)
{
    bm_icpt *ic = arg;
    const char *sni = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    char name[256];
    leaf_name(sni && *sni ? sni : ic->name, name, sizeof name);
    for (int k = 0; k < 2; k++) {
        X509 *x = make_leaf(ic, ic->leaf_key[k], name);
        int ok = x && SSL_use_certificate(s, x) == 1 && SSL_use_PrivateKey(s, ic->leaf_key[k]) == 1;
        X509_free(x);
        if (!ok)
            return 0;
    }
    return 1;
}

static SSL_CTX *make_ctx(bm_icpt *ic, int server)
{
    SSL_CTX *x = SSL_CTX_new_ex(ic->lib, NULL, server ? TLS_server_method() : TLS_client_method());
    if (!x)
        return NULL;
    SSL_CTX_set_app_data(x, ic);
    SSL_CTX_set_security_level(x, 0);
    SSL_CTX_set_keylog_callback(x, keylog_line);
    SSL_CTX_set_session_cache_mode(x, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(x, SSL_OP_NO_TICKET | SSL_OP_LEGACY_SERVER_CONNECT);
    int ok = SSL_CTX_set_min_proto_version(x, TLS1_VERSION) &&
             SSL_CTX_set_max_proto_version(x, TLS1_3_VERSION) &&
             SSL_CTX_set_cipher_list(x, "ALL:COMPLEMENTOFALL:@SECLEVEL=0") &&
             SSL_CTX_set_ciphersuites(x, TLS13_SUITES);
    if (server) {
        ok = ok && SSL_CTX_set_num_tickets(x, 0) && SSL_CTX_set_dh_auto(x, 1);
        SSL_CTX_set_cert_cb(x, on_cert, ic);
        SSL_CTX_set_client_hello_cb(x, bm_icpt_on_client_hello, NULL);
    } else {
        SSL_CTX_set_verify(x, SSL_VERIFY_NONE, NULL);
    }
    if (!ok) {
        SSL_CTX_free(x);
        return NULL;
    }
    return x;
}

SSL *bm_icpt_ssl_new(bm_icpt *ic, unsigned leg, void *app)
{
    SSL *s = SSL_new(ic->ctx[leg]);
    BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());
    if (!s || !r || !w) {
        SSL_free(s);
        BIO_free(r);
        BIO_free(w);
        return NULL;
    }
    SSL_set_bio(s, r, w); /* the SSL owns both now */
    SSL_set_app_data(s, app);
    if (leg == BM_LEG_CLIENT)
        SSL_set_accept_state(s);
    else
        SSL_set_connect_state(s);
    return s;
}

/* Reads the CA certificate and key; NULL on success, else why (about the
 * file *what). */
static const char *load_ca(bm_icpt *ic, const char *cert, const char *key, const char **what)
{
    *what = cert;
    FILE *f = fopen(cert, "r");
    if (!f)
        return strerror(errno);
    ic->ca = X509_new_ex(ic->lib, NULL);
    X509 *got = ic->ca ? PEM_read_X509(f, &ic->ca, NULL, NULL) : NULL;
    fclose(f);
    if (!got)
        return "no PEM certificate";
    *what = key;
    if (!(f = fopen(key, "r")))
        return strerror(errno);
    ic->ca_key = PEM_read_PrivateKey_ex(f, NULL, NULL, NULL, ic->lib, NULL);
    fclose(f);
    if (!ic->ca_key)
        return "no PEM private key (or an encrypted one)";
    if (X509_check_private_key(ic->ca, ic->ca_key) != 1)
        return "the key does not match the CA certificate";
    return NULL;
}

bm_icpt *bm_icpt_new(const char *ca_cert, const char *ca_key, const char *keylog,
                     const char *default_name, char *err, size_t errlen)
{
    bm_icpt *ic = calloc(1, sizeof *ic);
    const char *why = "out of memory", *what = "interception";
    if (!ic)
        goto fail;
    snprintf(ic->name, sizeof ic->name, "%s", default_name);
    ic->lib = OSSL_LIB_CTX_new();
    if (!ic->lib || !(ic->prov_default = OSSL_PROVIDER_load(ic->lib, "default"))) {
        why = "cannot load the OpenSSL default provider";
        goto fail;
    }
    ic->prov_legacy = OSSL_PROVIDER_load(ic->lib, "legacy"); /* optional */
    if ((why = load_ca(ic, ca_cert, ca_key, &what)) != NULL)
        goto fail;
    what = "interception";
    why = "cannot make the leaf keys or TLS contexts";
    if (!EVP_PKEY_is_a(ic->ca_key, "ED25519") && !EVP_PKEY_is_a(ic->ca_key, "ED448") &&
        !(ic->md = EVP_MD_fetch(ic->lib, "SHA256", NULL)))
        goto fail;
    ic->leaf_key[0] = EVP_PKEY_Q_keygen(ic->lib, NULL, "EC", "P-256");
    ic->leaf_key[1] = EVP_PKEY_Q_keygen(ic->lib, NULL, "RSA", (size_t)2048);
    if (!ic->leaf_key[0] || !ic->leaf_key[1] || !(ic->ctx[BM_LEG_CLIENT] = make_ctx(ic, 1)) ||
        !(ic->ctx[BM_LEG_SERVER] = make_ctx(ic, 0)))
        goto fail;
    if (keylog) {
        /* Secrets: created 0600 as every export of the main command, never
         * through a symbolic link; appended to (a key log collects runs). */
        int fd = open(keylog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 || !(ic->keylog = fdopen(fd, "a"))) {
            what = keylog;
            why = strerror(errno);
            if (fd >= 0)
                close(fd);
            goto fail;
        }
    }
    ERR_clear_error();
    return ic;
fail:
    snprintf(err, errlen, "%s: %s", what, why);
    ERR_clear_error();
    bm_icpt_free(ic);
    return NULL;
}

void bm_icpt_free(bm_icpt *ic)
{
    if (!ic)
        return;
    for (int i = 0; i < 2; i++) {
        SSL_CTX_free(ic->ctx[i]);
        EVP_PKEY_free(ic->leaf_key[i]);
    }
    X509_free(ic->ca);
    EVP_PKEY_free(ic->ca_key);
    EVP_MD_free(ic->md);
    if (ic->keylog)
        fclose(ic->keylog);
    if (ic->prov_legacy)
        OSSL_PROVIDER_unload(ic->prov_legacy);
    if (ic->prov_default)
        OSSL_PROVIDER_unload(ic->prov_default);
    OSSL_LIB_CTX_free(ic->lib);
    free(ic);
}
