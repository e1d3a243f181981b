/*
 * intercept.c - one intercepted connection (see intercept.h).
 *
 * The client leg's SSL (the relay as server) exists from the start; the
 * server leg's SSL (the relay as client) is made when the client leg's
 * handshake is done, with the client leg's version, suite and SNI, and the
 * same encrypt_then_mac / extended_master_secret offers as the client's.
 * While the server leg's handshake runs the client's socket is not read,
 * so nothing piles up; afterwards every SSL_read on one leg becomes an
 * SSL_write on the other. All I/O is through memory BIOs: conn.c writes
 * what it reads into the read BIO of that leg, and whatever an SSL writes
 * is moved at once into the record planner of the direction towards its
 * peer (drain), so the queues of conn.c stay the only buffers that grow,
 * and they are bounded by conn.c's backpressure.
 *
 * A close_notify or FIN on one leg becomes SSL_shutdown (close_notify) and
 * then FIN on the other. A TLS failure on a leg (an alert received, a
 * record that fails to decrypt, a handshake the peer rejects) is logged as
 * intercept_error; conn.c then writes what is queued (OpenSSL's own alert
 * to that leg, if any) and resets the other leg.
 */
#include "intercept.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/tls1.h>
#include <openssl/x509.h>

#include "../crypto/x509.h"
#include "../report/json_str.h"

enum { HS_IDLE, HS_RUNNING, HS_OPEN };

struct bm_icpt_conn {
    SSL *ssl[2];        /* [BM_LEG_CLIENT] the relay as server, [BM_LEG_SERVER] as client */
    int hs[2];          /* HS_* of each leg */
    int eof[2];         /* the leg's socket sent FIN */
    int in_done[2];     /* the leg's TLS input ended: close_notify, or FIN */
    int no_etm, no_ems; /* the client offered no encrypt_then_mac / extended_master_secret */
};

static const char *leg_name(unsigned leg)
{
    return leg == BM_LEG_CLIENT ? "client" : "server";
}

int bm_icpt_on_client_hello(SSL *s, int *alert, void *arg)
{
    struct bm_icpt_conn *t = SSL_get_app_data(s);
    const unsigned char *ext;
    size_t len;
    (void)alert;
    (void)arg;
    if (t) {
        t->no_etm = !SSL_client_hello_get0_ext(s, TLSEXT_TYPE_encrypt_then_mac, &ext, &len);
        t->no_ems = !SSL_client_hello_get0_ext(s, TLSEXT_TYPE_extended_master_secret, &ext, &len);
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

bm_result bm_icpt_conn_start(bm_relay_opts *o, bm_relay_conn *c)
{
    struct bm_icpt_conn *t = calloc(1, sizeof *t);
    BM_ENSURE(t != NULL, BM_ERR_NOMEM);
    c->tls = t;
    t->ssl[BM_LEG_CLIENT] = bm_icpt_ssl_new(o->icpt, BM_LEG_CLIENT, t);
    BM_ENSURE(t->ssl[BM_LEG_CLIENT] != NULL, BM_ERR_NOMEM);
    t->hs[BM_LEG_CLIENT] = HS_RUNNING;
    return BM_SUCCESS;
}

void bm_icpt_conn_free(struct bm_icpt_conn *t)
{
    if (!t)
        return;
    SSL_free(t->ssl[BM_LEG_CLIENT]);
    SSL_free(t->ssl[BM_LEG_SERVER]);
    free(t);
}

int bm_icpt_conn_may_read(const bm_relay_conn *c, unsigned leg)
{
    const struct bm_icpt_conn *t = c->tls;
    if (c->failed_leg >= 0)
        return 0;
    /* the client waits in its socket while the server leg's handshake runs;
     * the server has nothing to say before the relay's ClientHello */
    if (leg == BM_LEG_CLIENT ? t->hs[BM_LEG_SERVER] == HS_RUNNING
                             : t->hs[BM_LEG_SERVER] == HS_IDLE)
        return 0;
    /* what a leg reads can make its own SSL answer (alerts, key updates) */
    return c->flow[1 - leg].out.len < BM_RELAY_OUT_CAP;
}

/* OpenSSL's reason for the last failure, then a clean error queue. */
static void ssl_why(int code, char *buf, size_t n)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    if (r)
        snprintf(buf, n, "%s", r);
    else if (e)
        ERR_error_string_n(e, buf, n);
    else if (code == SSL_ERROR_SYSCALL)
        snprintf(buf, n, "unexpected end of the TLS stream");
    else
        snprintf(buf, n, "TLS error (SSL_get_error %d)", code);
    ERR_clear_error();
}

static void fail(bm_relay_opts *o, bm_relay_conn *c, unsigned leg, const char *why)
{
    struct bm_icpt_conn *t = c->tls;
    if (c->failed_leg >= 0)
        return;
    c->failed_leg = (int)leg;
    c->fail_reset_other = t->hs[1 - leg] != HS_IDLE;
    c->fail_reason = leg == BM_LEG_CLIENT ? "tls failed on the client leg"
                                          : "tls failed on the server leg";
    bm_relay_log_json(&o->log, json_pack("{sIssssssss}", "conn", (json_int_t)c->id, "event",
                                         "intercept_error", "leg", leg_name(leg), "stage",
                                         t->hs[leg] == HS_OPEN ? "data" : "handshake", "error",
                                         why));
}

/* Moves what the SSL of 'leg' wrote into the planner of the flow that
 * writes to that leg's socket (flow[1 - leg]). */
static bm_result drain(bm_relay_opts *o, bm_relay_conn *c, unsigned leg)
{
    SSL *s = c->tls->ssl[leg];
    BIO *w = s ? SSL_get_wbio(s) : NULL;
    bm_relay_flow *f = &c->flow[1 - leg];
    char *p = NULL;
    long n = w ? BIO_get_mem_data(w, &p) : 0;
    if (n <= 0 || !p)
        return BM_SUCCESS;
    bm_result r = bm_relay_dir_feed(&f->plan, (const uint8_t *)p, (size_t)n, &f->out,
                                    bm_relay_log_event, &o->log);
    (void)BIO_reset(w); /* a read-write memory BIO: discards its data */
    return r;
}

/* Runs the handshake of 'leg': 1 done, 0 waiting for input, -1 failed. */
static int handshake(bm_relay_opts *o, bm_relay_conn *c, unsigned leg)
{
    SSL *s = c->tls->ssl[leg];
    ERR_clear_error();
    int rc = SSL_do_handshake(s);
    if (rc == 1) {
        c->tls->hs[leg] = HS_OPEN;
        return 1;
    }
    int code = SSL_get_error(s, rc);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return 0;
    }
    char why[256];
    ssl_why(code, why, sizeof why);
    fail(o, c, leg, why);
    return -1;
}

/* The server leg, mirroring the client leg: version, suite, SNI. */
static void start_server_leg(bm_relay_opts *o, bm_relay_conn *c)
{
    struct bm_icpt_conn *t = c->tls;
    SSL *cs = t->ssl[BM_LEG_CLIENT];
    int v = SSL_version(cs);
    const SSL_CIPHER *suite = SSL_get_current_cipher(cs);
    const char *sni = SSL_get_servername(cs, TLSEXT_NAMETYPE_host_name);
    SSL *s = bm_icpt_ssl_new(o->icpt, BM_LEG_SERVER, t);
    t->hs[BM_LEG_SERVER] = HS_RUNNING;
    if (!s || !suite) {
        fail(o, c, BM_LEG_SERVER, s ? "no suite on the client leg" : "out of memory");
        SSL_free(s);
        return;
    }
    t->ssl[BM_LEG_SERVER] = s;
    char list[160];
    int ok = SSL_set_min_proto_version(s, v) && SSL_set_max_proto_version(s, v);
    if (v == TLS1_3_VERSION) {
        ok = ok && SSL_set_ciphersuites(s, SSL_CIPHER_get_name(suite));
    } else {
        snprintf(list, sizeof list, "%s:@SECLEVEL=0", SSL_CIPHER_get_name(suite));
        ok = ok && SSL_set_cipher_list(s, list);
    }
    if (t->no_etm)
        SSL_set_options(s, SSL_OP_NO_ENCRYPT_THEN_MAC);
    if (t->no_ems)
        SSL_set_options(s, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    if (sni)
        ok = ok && SSL_set_tlsext_host_name(s, sni);
    if (!ok) {
        char why[256];
        ssl_why(SSL_ERROR_SSL, why, sizeof why);
        fail(o, c, BM_LEG_SERVER, why);
    }
}

static const char *version_name(int v)
{
    switch (v) {
    case TLS1_VERSION:
        return "TLS 1.0";
    case TLS1_1_VERSION:
        return "TLS 1.1";
    case TLS1_2_VERSION:
        return "TLS 1.2";
    case TLS1_3_VERSION:
        return "TLS 1.3";
    default:
        return "other";
    }
}

static json_t *leg_json(const SSL *s)
{
    const SSL_CIPHER *suite = SSL_get_current_cipher(s);
    return json_pack("{ssss}", "version", version_name(SSL_version(s)), "suite",
                     suite ? SSL_CIPHER_standard_name(suite) : "(none)");
}

/* Subject, issuer and SHA-256 of a certificate, as the analysis sees them. */
static int describe(X509 *x, bm_cert *out)
{
    unsigned char *der = NULL;
    int n = x ? i2d_X509(x, &der) : -1;
    int ok = n > 0 && bm_is_ok(bm_x509_describe(der, (size_t)n, out));
    OPENSSL_free(der);
    return ok;
}

static void log_intercept(bm_relay_opts *o, bm_relay_conn *c)
{
    struct bm_icpt_conn *t = c->tls;
    SSL *cs = t->ssl[BM_LEG_CLIENT], *ss = t->ssl[BM_LEG_SERVER];
    bm_cert leaf, real;
    const char *sni = SSL_get_servername(cs, TLSEXT_NAMETYPE_host_name);
    int have_leaf = describe(SSL_get_certificate(cs), &leaf);
    int have_real = describe(SSL_get0_peer_certificate(ss), &real);
    json_t *j = json_object();
    if (!j)
        return;
    json_object_set_new(j, "conn", json_integer((json_int_t)c->id));
    json_object_set_new(j, "event", json_string("intercept"));
    json_object_set_new(j, "sni", bm_json_wire_str(sni));
    json_object_set_new(j, "client_leg", leg_json(cs));
    json_object_set_new(j, "server_leg", leg_json(ss));
    json_object_set_new(j, "leaf_subject", bm_json_wire_str(have_leaf ? leaf.subject : NULL));
    json_object_set_new(j, "leaf_issuer", bm_json_wire_str(have_leaf ? leaf.issuer : NULL));
    json_object_set_new(j, "leaf_sha256",
                        have_leaf ? bm_relay_json_hex(leaf.sha256, 32) : json_null());
    json_object_set_new(j, "server_cert_sha256",
                        have_real ? bm_relay_json_hex(real.sha256, 32) : json_null());
    bm_relay_log_json(&o->log, j);
    ERR_clear_error();
}

/* The TLS input of leg 'from' ended: close_notify, then FIN, to the other. */
static void end_input(bm_relay_conn *c, unsigned from)
{
    struct bm_icpt_conn *t = c->tls;
    t->in_done[from] = 1;
    if (t->hs[1 - from] == HS_OPEN) {
        ERR_clear_error();
        (void)SSL_shutdown(t->ssl[1 - from]);
        ERR_clear_error();
    }
    c->flow[from].ended = 1; /* flow[from] writes to the other leg */
}

/* Plaintext from leg 'from' to the other leg, as much as there is. */
static void move(bm_relay_opts *o, bm_relay_conn *c, unsigned from)
{
    struct bm_icpt_conn *t = c->tls;
    unsigned to = 1 - from;
    uint8_t buf[BM_RELAY_READ_SIZE];
    char why[256];
    while (!t->in_done[from] && c->failed_leg < 0) {
        ERR_clear_error();
        int n = SSL_read(t->ssl[from], buf, sizeof buf);
        if (n > 0) {
            /* memory BIOs take everything: a short write is a failure */
            ERR_clear_error();
            int w = SSL_write(t->ssl[to], buf, n);
            if (w != n) {
                ssl_why(SSL_get_error(t->ssl[to], w), why, sizeof why);
                fail(o, c, to, why);
            }
            continue;
        }
        int code = SSL_get_error(t->ssl[from], n);
        if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            return;
        }
        if (code == SSL_ERROR_ZERO_RETURN) {
            ERR_clear_error();
            end_input(c, from);
            return;
        }
        ssl_why(code, why, sizeof why);
        fail(o, c, from, why);
    }
}

static bm_result pump(bm_relay_opts *o, bm_relay_conn *c)
{
    struct bm_icpt_conn *t = c->tls;
    if (t->hs[BM_LEG_CLIENT] == HS_RUNNING && handshake(o, c, BM_LEG_CLIENT) == 1)
        start_server_leg(o, c);
    if (c->failed_leg < 0 && t->hs[BM_LEG_SERVER] == HS_RUNNING &&
        handshake(o, c, BM_LEG_SERVER) == 1)
        log_intercept(o, c);
    if (c->failed_leg < 0 && t->hs[BM_LEG_CLIENT] == HS_OPEN && t->hs[BM_LEG_SERVER] == HS_OPEN) {
        move(o, c, BM_LEG_CLIENT);
        move(o, c, BM_LEG_SERVER);
    }
    /* a FIN counts once everything before it went through the SSL */
    for (unsigned leg = 0; leg < 2; leg++) {
        if (c->failed_leg >= 0 || !t->eof[leg] || t->in_done[leg])
            continue;
        if (t->hs[leg] != HS_OPEN)
            fail(o, c, leg, "connection closed during the handshake");
        else
            end_input(c, leg);
    }
    BM_GUARD(drain(o, c, BM_LEG_CLIENT));
    return drain(o, c, BM_LEG_SERVER);
}

bm_result bm_icpt_conn_input(bm_relay_opts *o, bm_relay_conn *c, unsigned leg, const uint8_t *p,
                             size_t n)
{
    struct bm_icpt_conn *t = c->tls;
    if (c->failed_leg >= 0 || !t->ssl[leg])
        return BM_SUCCESS;
    if (n == 0)
        t->eof[leg] = 1;
    else if (!t->in_done[leg]) /* bytes after a close_notify are dropped */
        BM_ENSURE(n <= BM_RELAY_READ_SIZE &&
                      BIO_write(SSL_get_rbio(t->ssl[leg]), p, (int)n) == (int)n,
                  BM_ERR_NOMEM);
    return pump(o, c);
}
