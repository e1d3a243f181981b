/* mbedtls_peer.c - a TLS 1.0-1.2 client/server on Debian's mbedTLS 2.28 for
 * the interop matrix. Prints "result: ok" or "result: alert DESC sent|received"
 * (or "result: error ...") on exit; exit 0 only for ok. Test-only code. */
#include "peer_common.h"
#include "mbedtls_store.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/debug.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_internal.h>
#include <mbedtls/x509_crt.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char usage[] =
    "usage: mbedtls_peer client|server [--host H] --port P [--version 1.0|1.1|1.2]\n"
    "  [--suite TLS-...] [--mfl 512|1024|2048|4096] [--trunc-hmac] [--etm on|off]\n"
    "  [--send N] [--write-size N] [--request get|post] [--path P] [--keylog FILE]\n"
    "  [--cert F --key F] [--ca F] [--sni NAME] [--accept N] [--sess-in F] [--sess-out F]\n"
    "  [--store DIR] [--fault etm-flip|mfl-ignore|stale-master] [--fault-after N]\n"
    "Faults (simulated bugs of the peer itself, for field-report reproductions):\n"
    "  etm-flip      overwrite the write transform's encrypt_then_mac flag (as memory\n"
    "                corruption would) before application write number --fault-after\n"
    "  mfl-ignore    server: after the handshake, forget the negotiated\n"
    "                max_fragment_length and send records up to 16 KB\n"
    "  stale-master  server with --store: resume a session with the master secret of\n"
    "                the session stored before it (a stale shared-cache entry)\n";

static int last_sent_alert = -1;

/* The debug hook is the only way to learn which alert mbedTLS sent. */
static void dbg(void *ctx, int level, const char *file, int line, const char *str)
{
    const char *p = strstr(str, "send alert level=");
    if (getenv("MBEDTLS_PEER_DEBUG") && strstr(str, "alert"))
        fprintf(stderr, "dbg %d: %s", level, str);
    unsigned lv, msg;
    (void)ctx; (void)level; (void)file; (void)line;
    if (p && sscanf(p, "send alert level=%u message=%u", &lv, &msg) == 2 && lv == 2)
        last_sent_alert = (int)msg;
}

static int export_keys(void *p, const unsigned char *ms, const unsigned char *kb,
                       size_t maclen, size_t keylen, size_t ivlen,
                       const unsigned char cr[32], const unsigned char sr[32],
                       mbedtls_tls_prf_types prf)
{
    const struct peer_opts *o = p;
    (void)kb; (void)maclen; (void)keylen; (void)ivlen; (void)sr; (void)prf;
    if (peer_keylog_ms(o->keylog, cr, ms, 48))
        fprintf(stderr, "mbedtls_peer: cannot write %s\n", o->keylog);
    return 0;
}

static int finish(mbedtls_ssl_context *ssl, int ret, const char *stage)
{
    char buf[160];
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
        return peer_result_alert(peer_alert_name(ssl->in_msg[1]), "received");
    if (last_sent_alert >= 0)
        return peer_result_alert(peer_alert_name(last_sent_alert), "sent");
    mbedtls_strerror(ret, buf, sizeof buf);
    return peer_result_error("%s: -0x%04x %s", stage, (unsigned)-ret, buf);
}

static void apply_fault(const struct peer_opts *o, mbedtls_ssl_context *ssl, long nwrite)
{
    if (!o->fault || nwrite != o->fault_after)
        return;
    if (!strcmp(o->fault, "etm-flip") && ssl->transform_out) {
        /* the garbage value of field report 05 */
        ssl->transform_out->encrypt_then_mac =
            ssl->transform_out->encrypt_then_mac ? 0 : 1701013878;
        fprintf(stderr, "mbedtls_peer: fault etm-flip before write %ld: encrypt_then_mac=%d\n",
                nwrite, ssl->transform_out->encrypt_then_mac);
    }
}

static int write_all(const struct peer_opts *o, mbedtls_ssl_context *ssl,
                     const unsigned char *p, size_t n, long *nwrite)
{
    while (n > 0) {
        int r;
        apply_fault(o, ssl, *nwrite);
        r = mbedtls_ssl_write(ssl, p, n);
        if (r == MBEDTLS_ERR_SSL_WANT_WRITE || r == MBEDTLS_ERR_SSL_WANT_READ)
            continue;
        if (r < 0)
            return r;
        (*nwrite)++;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Client: request, then read the response to close_notify or EOF. */
static int run_client(const struct peer_opts *o, mbedtls_ssl_context *ssl)
{
    size_t len, off = 0;
    char *req = peer_request(o, &len);
    unsigned char buf[16384];
    long got = 0, nwrite = 0;
    int r;
    if (!req)
        return peer_result_error("out of memory");
    while (off < len) {
        size_t chunk = len - off < (size_t)o->write_size ? len - off : (size_t)o->write_size;
        r = write_all(o, ssl, (unsigned char *)req + off, chunk, &nwrite);
        if (r) {
            free(req);
            return finish(ssl, r, "write");
        }
        off += chunk;
    }
    free(req);
    for (;;) {
        r = mbedtls_ssl_read(ssl, buf, sizeof buf);
        if (r > 0) {
            got += r;
            continue;
        }
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
            r == MBEDTLS_ERR_NET_CONN_RESET) {
            if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
                mbedtls_ssl_close_notify(ssl);
            break;
        }
        return finish(ssl, r, "read");
    }
    if (!o->quiet)
        fprintf(stderr, "mbedtls_peer: received %ld bytes\n", got);
    if (got == 0)
        return peer_result_error("no response");
    return peer_result_ok();
}

/* Server: read the request, send the response, close_notify. */
static int run_server(const struct peer_opts *o, mbedtls_ssl_context *ssl, int fd)
{
    struct peer_req rq;
    unsigned char buf[16384];
    char head[128];
    long body = o->send < 0 ? 1024 : o->send, sent = 0, nwrite = 0;
    size_t hl;
    int r;
    struct timeval tv = { 5, 0 };
    memset(&rq, 0, sizeof rq);
    for (;;) {
        r = mbedtls_ssl_read(ssl, buf, sizeof buf);
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        if (r <= 0)
            return r == 0 ? peer_result_error("EOF before the request") : finish(ssl, r, "read");
        if (peer_req_feed(&rq, buf, (size_t)r))
            break;
    }
    if (o->fault && !strcmp(o->fault, "mfl-ignore"))
        ssl->session_out->mfl_code = MBEDTLS_SSL_MAX_FRAG_LEN_NONE;
    hl = peer_response_head(head, sizeof head, body);
    r = write_all(o, ssl, (unsigned char *)head, hl, &nwrite);
    while (!r && sent < body) {
        long n = body - sent < o->write_size ? body - sent : o->write_size;
        unsigned char *chunk = malloc((size_t)n);
        if (!chunk)
            return peer_result_error("out of memory");
        peer_body(chunk, (size_t)n, sent);
        r = write_all(o, ssl, chunk, (size_t)n, &nwrite);
        free(chunk);
        sent += n;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (!r) {
        mbedtls_ssl_close_notify(ssl);
        shutdown(fd, SHUT_WR);
    }
    /* Whatever happened while writing, an alert from the client says why. */
    for (;;) {
        int rr = mbedtls_ssl_read(ssl, buf, sizeof buf);
        if (rr > 0 || rr == MBEDTLS_ERR_SSL_WANT_READ)
            continue;
        if (rr == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE || (r && last_sent_alert >= 0))
            return finish(ssl, rr, "read");
        break;
    }
    if (r)
        return finish(ssl, r, "write");
    return peer_result_ok();
}

static int pick_minor(const char *v)
{
    if (!v) return -1;
    if (!strcmp(v, "1.0")) return MBEDTLS_SSL_MINOR_VERSION_1;
    if (!strcmp(v, "1.1")) return MBEDTLS_SSL_MINOR_VERSION_2;
    if (!strcmp(v, "1.2")) return MBEDTLS_SSL_MINOR_VERSION_3;
    return -2;
}

static int mfl_code(int mfl)
{
    switch (mfl) {
    case 0: return MBEDTLS_SSL_MAX_FRAG_LEN_NONE;
    case 512: return MBEDTLS_SSL_MAX_FRAG_LEN_512;
    case 1024: return MBEDTLS_SSL_MAX_FRAG_LEN_1024;
    case 2048: return MBEDTLS_SSL_MAX_FRAG_LEN_2048;
    case 4096: return MBEDTLS_SSL_MAX_FRAG_LEN_4096;
    default: return -1;
    }
}

int main(int argc, char **argv)
{
    struct peer_opts o;
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt crt, ca;
    mbedtls_pk_context pk;
    struct mbedtls_store store;
    int suites[2] = { 0, 0 };
    int minor, code, rc = 1, i, lfd = -1;

    peer_parse(argc, argv, &o, usage);
    minor = pick_minor(o.version);
    code = mfl_code(o.mfl);
    if (minor == -2 || code < 0) {
        fprintf(stderr, "error: bad --version or --mfl\n%s", usage);
        return 2;
    }
    if (o.suite && !(suites[0] = mbedtls_ssl_get_ciphersuite_id(o.suite))) {
        fprintf(stderr, "error: mbedTLS does not know suite %s\n", o.suite);
        return 2;
    }
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&crt);
    mbedtls_x509_crt_init(&ca);
    mbedtls_pk_init(&pk);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) ||
        mbedtls_ssl_config_defaults(&conf, o.server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT))
        return peer_result_error("mbedTLS init");
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_dbg(&conf, dbg, NULL);
    mbedtls_debug_set_threshold(3);   /* "send alert level=" is a level-3 message */
    if (minor >= 0) {
        mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, minor);
        mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, minor);
    } else {
        mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_1);
    }
    if (suites[0])
        mbedtls_ssl_conf_ciphersuites(&conf, suites);
    mbedtls_ssl_conf_arc4_support(&conf, MBEDTLS_SSL_ARC4_ENABLED);
    if (o.mfl)
        mbedtls_ssl_conf_max_frag_len(&conf, (unsigned char)code);
    mbedtls_ssl_conf_truncated_hmac(&conf, o.trunc_hmac ? MBEDTLS_SSL_TRUNC_HMAC_ENABLED
                                                       : MBEDTLS_SSL_TRUNC_HMAC_DISABLED);
    if (o.etm >= 0)
        mbedtls_ssl_conf_encrypt_then_mac(&conf, o.etm ? MBEDTLS_SSL_ETM_ENABLED
                                                      : MBEDTLS_SSL_ETM_DISABLED);
    mbedtls_ssl_conf_export_keys_ext_cb(&conf, export_keys, &o);
    if (o.ca) {
        if (mbedtls_x509_crt_parse_file(&ca, o.ca))
            return peer_result_error("cannot read CA %s", o.ca);
        mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
        mbedtls_ssl_conf_authmode(&conf, o.server ? MBEDTLS_SSL_VERIFY_NONE
                                                  : MBEDTLS_SSL_VERIFY_REQUIRED);
    } else {
        mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
    }
    if (o.server) {
        if (!o.cert || !o.key || mbedtls_x509_crt_parse_file(&crt, o.cert) ||
            mbedtls_pk_parse_keyfile(&pk, o.key, NULL) ||
            mbedtls_ssl_conf_own_cert(&conf, &crt, &pk))
            return peer_result_error("server needs a readable --cert and --key");
        if (o.store) {
            mbedtls_store_init(&store, o.store, o.fault && !strcmp(o.fault, "stale-master"));
            mbedtls_ssl_conf_session_cache(&conf, &store, mbedtls_store_get, mbedtls_store_set);
        }
        lfd = peer_listen(o.port);
        if (lfd < 0)
            return peer_result_error("cannot listen on port %d", o.port);
    }
    for (i = 0; i < (o.server ? o.accept : 1); i++) {
        mbedtls_ssl_context ssl;
        mbedtls_net_context net;
        mbedtls_ssl_session sess;
        int r;
        mbedtls_ssl_init(&ssl);
        mbedtls_net_init(&net);
        mbedtls_ssl_session_init(&sess);
        last_sent_alert = -1;
        net.fd = o.server ? peer_accept(lfd) : peer_connect(o.host, o.port);
        if (net.fd < 0) {
            rc = peer_result_error("cannot %s", o.server ? "accept" : "connect");
            break;
        }
        if (mbedtls_ssl_setup(&ssl, &conf)) {
            rc = peer_result_error("ssl_setup");
            break;
        }
        if (!o.server && o.sni)
            mbedtls_ssl_set_hostname(&ssl, o.sni);
        if (!o.server && o.sess_in) {
            if (mbedtls_store_load_file(o.sess_in, &sess) || mbedtls_ssl_set_session(&ssl, &sess)) {
                rc = peer_result_error("cannot resume from %s", o.sess_in);
                break;
            }
        }
        mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, NULL);
        while ((r = mbedtls_ssl_handshake(&ssl)) == MBEDTLS_ERR_SSL_WANT_READ ||
               r == MBEDTLS_ERR_SSL_WANT_WRITE)
            ;
        if (r) {
            rc = finish(&ssl, r, "handshake");
        } else {
            if (!o.quiet)
                fprintf(stderr, "mbedtls_peer: %s %s%s\n", mbedtls_ssl_get_version(&ssl),
                        mbedtls_ssl_get_ciphersuite(&ssl),
                        o.sess_in ? " (resumption offered)" : "");
            if (!o.server && o.sess_out) {
                mbedtls_ssl_session out;
                mbedtls_ssl_session_init(&out);
                if (mbedtls_ssl_get_session(&ssl, &out) ||
                    mbedtls_store_save_file(o.sess_out, &out))
                    fprintf(stderr, "mbedtls_peer: cannot save the session\n");
                mbedtls_ssl_session_free(&out);
            }
            rc = o.server ? run_server(&o, &ssl, net.fd) : run_client(&o, &ssl);
        }
        mbedtls_ssl_session_free(&sess);
        mbedtls_net_free(&net);
        mbedtls_ssl_free(&ssl);
    }
    if (lfd >= 0)
        close(lfd);
    mbedtls_x509_crt_free(&crt);
    mbedtls_x509_crt_free(&ca);
    mbedtls_pk_free(&pk);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    return rc;
}
