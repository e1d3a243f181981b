/* wolfssl_peer.c - a TLS 1.1-1.3 client/server on Debian's wolfSSL 5.5 for
 * the interop matrix. Prints "result: ok" or "result: alert DESC sent|received"
 * (or "result: error ...") on exit; exit 0 only for ok. Test-only code.
 *
 * Key export: Debian builds wolfSSL without HAVE_SECRET_CALLBACK (no
 * wolfSSL_set_tls13_secret_cb, no keylog callback), so --keylog works for
 * TLS <= 1.2 only (client random + wolfSSL_SESSION_get_master_key); for
 * TLS 1.3 the other peer must write the key log. The build has no static
 * RSA key exchange suites and no TLS 1.0. */
#include "peer_common.h"

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char usage[] =
    "usage: wolfssl_peer client|server [--host H] --port P [--version 1.1|1.2|1.3]\n"
    "  [--suite WOLFSSL-CIPHER-LIST] [--mfl 512|1024|2048|4096] [--trunc-hmac]\n"
    "  [--etm on|off] [--send N] [--write-size N] [--request get|post] [--path P]\n"
    "  [--keylog FILE (TLS <= 1.2)] [--cert F --key F] [--ca F] [--sni NAME] [--accept N]\n";

static int finish(WOLFSSL *ssl, int ret, const char *stage)
{
    WOLFSSL_ALERT_HISTORY h;
    int err = wolfSSL_get_error(ssl, ret);
    char buf[WOLFSSL_MAX_ERROR_SZ];
    memset(&h, 0, sizeof h);
    wolfSSL_get_alert_history(ssl, &h);
    if (h.last_rx.level == 2)
        return peer_result_alert(peer_alert_name(h.last_rx.code), "received");
    if (h.last_tx.level == 2)
        return peer_result_alert(peer_alert_name(h.last_tx.code), "sent");
    wolfSSL_ERR_error_string_n((unsigned long)err, buf, sizeof buf);
    return peer_result_error("%s: %d %s", stage, err, buf);
}

static void keylog(const struct peer_opts *o, WOLFSSL *ssl)
{
    unsigned char cr[32], ms[48];
    WOLFSSL_SESSION *s;
    if (!o->keylog)
        return;
    if (wolfSSL_version(ssl) == TLS1_3_VERSION) {
        fprintf(stderr, "wolfssl_peer: no TLS 1.3 key export in this wolfSSL build "
                        "(no HAVE_SECRET_CALLBACK); the other peer must log keys\n");
        return;
    }
    s = wolfSSL_get_session(ssl);
    if (!s || wolfSSL_get_client_random(ssl, cr, sizeof cr) != sizeof cr ||
        wolfSSL_SESSION_get_master_key(s, ms, sizeof ms) != (int)sizeof ms ||
        peer_keylog_ms(o->keylog, cr, ms, sizeof ms))
        fprintf(stderr, "wolfssl_peer: cannot export the keys\n");
}

static int write_all(WOLFSSL *ssl, const unsigned char *p, size_t n)
{
    while (n > 0) {
        int r = wolfSSL_write(ssl, p, (int)n);
        if (r <= 0)
            return r ? r : -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int run_client(const struct peer_opts *o, WOLFSSL *ssl)
{
    size_t len, off = 0;
    char *req = peer_request(o, &len);
    unsigned char buf[16384];
    long got = 0;
    int r;
    if (!req)
        return peer_result_error("out of memory");
    while (off < len) {
        size_t chunk = len - off < (size_t)o->write_size ? len - off : (size_t)o->write_size;
        r = write_all(ssl, (unsigned char *)req + off, chunk);
        if (r) {
            free(req);
            return finish(ssl, r, "write");
        }
        off += chunk;
    }
    free(req);
    for (;;) {
        r = wolfSSL_read(ssl, buf, sizeof buf);
        if (r > 0) {
            got += r;
            continue;
        }
        {
            int err = wolfSSL_get_error(ssl, r);
            if (err == WOLFSSL_ERROR_ZERO_RETURN || err == SOCKET_PEER_CLOSED_E) {
                if (err == WOLFSSL_ERROR_ZERO_RETURN)
                    wolfSSL_shutdown(ssl);
                break;
            }
        }
        return finish(ssl, r, "read");
    }
    if (!o->quiet)
        fprintf(stderr, "wolfssl_peer: received %ld bytes\n", got);
    if (got == 0)
        return peer_result_error("no response");
    return peer_result_ok();
}

static int run_server(const struct peer_opts *o, WOLFSSL *ssl, int fd)
{
    struct peer_req rq;
    unsigned char buf[16384];
    char head[128];
    long body = o->send < 0 ? 1024 : o->send, sent = 0;
    size_t hl;
    int r;
    struct timeval tv = { 5, 0 };
    memset(&rq, 0, sizeof rq);
    for (;;) {
        r = wolfSSL_read(ssl, buf, sizeof buf);
        if (r <= 0)
            return finish(ssl, r, "read");
        if (peer_req_feed(&rq, buf, (size_t)r))
            break;
    }
    hl = peer_response_head(head, sizeof head, body);
    r = write_all(ssl, (unsigned char *)head, hl);
    while (!r && sent < body) {
        long n = body - sent < o->write_size ? body - sent : o->write_size;
        unsigned char *chunk = malloc((size_t)n);
        if (!chunk)
            return peer_result_error("out of memory");
        peer_body(chunk, (size_t)n, sent);
        r = write_all(ssl, chunk, (size_t)n);
        free(chunk);
        sent += n;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (!r) {
        wolfSSL_shutdown(ssl);
        shutdown(fd, SHUT_WR);
    }
    for (;;) {
        int rr = wolfSSL_read(ssl, buf, sizeof buf);
        WOLFSSL_ALERT_HISTORY h;
        if (rr > 0)
            continue;
        memset(&h, 0, sizeof h);
        wolfSSL_get_alert_history(ssl, &h);
        if (h.last_rx.level == 2 || r)
            return finish(ssl, r ? r : rr, r ? "write" : "read");
        break;
    }
    return peer_result_ok();
}

static WOLFSSL_METHOD *method(const struct peer_opts *o)
{
    const char *v = o->version;
    if (!v)
        return o->server ? wolfSSLv23_server_method() : wolfSSLv23_client_method();
    if (!strcmp(v, "1.1"))
        return o->server ? wolfTLSv1_1_server_method() : wolfTLSv1_1_client_method();
    if (!strcmp(v, "1.2"))
        return o->server ? wolfTLSv1_2_server_method() : wolfTLSv1_2_client_method();
    if (!strcmp(v, "1.3"))
        return o->server ? wolfTLSv1_3_server_method() : wolfTLSv1_3_client_method();
    return NULL;
}

static int mfl_code(int mfl)
{
    switch (mfl) {
    case 512: return WOLFSSL_MFL_2_9;
    case 1024: return WOLFSSL_MFL_2_10;
    case 2048: return WOLFSSL_MFL_2_11;
    case 4096: return WOLFSSL_MFL_2_12;
    default: return -1;
    }
}

int main(int argc, char **argv)
{
    struct peer_opts o;
    WOLFSSL_CTX *ctx;
    WOLFSSL_METHOD *m;
    int rc = 1, i, lfd = -1;

    peer_parse(argc, argv, &o, usage);
    if (o.mfl && mfl_code(o.mfl) < 0) {
        fprintf(stderr, "error: bad --mfl\n%s", usage);
        return 2;
    }
    if (o.fault) {
        fprintf(stderr, "error: wolfssl_peer has no --fault modes\n");
        return 2;
    }
    wolfSSL_Init();
    m = method(&o);
    if (!m) {
        fprintf(stderr, "error: bad --version %s (wolfSSL here: 1.1, 1.2, 1.3)\n", o.version);
        return 2;
    }
    ctx = wolfSSL_CTX_new(m);
    if (!ctx)
        return peer_result_error("CTX_new");
    if (o.suite && wolfSSL_CTX_set_cipher_list(ctx, o.suite) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "error: wolfSSL does not know suite %s\n", o.suite);
        return 2;
    }
    if (o.ca && !o.server) {
        if (wolfSSL_CTX_load_verify_locations(ctx, o.ca, NULL) != WOLFSSL_SUCCESS)
            return peer_result_error("cannot read CA %s", o.ca);
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    } else {
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    }
    if (o.server) {
        if (!o.cert || !o.key ||
            wolfSSL_CTX_use_certificate_chain_file(ctx, o.cert) != WOLFSSL_SUCCESS ||
            wolfSSL_CTX_use_PrivateKey_file(ctx, o.key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
            return peer_result_error("server needs a readable --cert and --key");
        lfd = peer_listen(o.port);
        if (lfd < 0)
            return peer_result_error("cannot listen on port %d", o.port);
    }
    for (i = 0; i < (o.server ? o.accept : 1); i++) {
        WOLFSSL *ssl = wolfSSL_new(ctx);
        int fd, r;
        if (!ssl) {
            rc = peer_result_error("wolfSSL_new");
            break;
        }
        fd = o.server ? peer_accept(lfd) : peer_connect(o.host, o.port);
        if (fd < 0) {
            wolfSSL_free(ssl);
            rc = peer_result_error("cannot %s", o.server ? "accept" : "connect");
            break;
        }
        wolfSSL_set_fd(ssl, fd);
        if (!o.server && o.mfl)
            wolfSSL_UseMaxFragment(ssl, (unsigned char)mfl_code(o.mfl));
        if (o.trunc_hmac)
            wolfSSL_UseTruncatedHMAC(ssl);
        if (o.etm >= 0)
            wolfSSL_AllowEncryptThenMac(ssl, o.etm);
        if (!o.server && o.sni) {
            wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, o.sni, (unsigned short)strlen(o.sni));
            if (o.ca)
                wolfSSL_check_domain_name(ssl, o.sni);
        }
        wolfSSL_KeepArrays(ssl);
        r = o.server ? wolfSSL_accept(ssl) : wolfSSL_connect(ssl);
        if (r != WOLFSSL_SUCCESS) {
            rc = finish(ssl, r, "handshake");
        } else {
            keylog(&o, ssl);
            if (!o.quiet)
                fprintf(stderr, "wolfssl_peer: %s %s\n", wolfSSL_get_version(ssl),
                        wolfSSL_get_cipher(ssl));
            rc = o.server ? run_server(&o, ssl, fd) : run_client(&o, ssl);
        }
        wolfSSL_free(ssl);
        close(fd);
    }
    if (lfd >= 0)
        close(lfd);
    wolfSSL_CTX_free(ctx);
    wolfSSL_Cleanup();
    return rc;
}
