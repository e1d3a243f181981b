/* peer_common.c - options, sockets, request/response framing, key log and
 * result line shared by the test peers. */
#include "peer_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void bad(const char *usage, const char *what, const char *arg)
{
    fprintf(stderr, "error: %s '%s'\n%s", what, arg ? arg : "", usage);
    exit(2);
}

static long num(const char *usage, const char *opt, const char *s)
{
    char *end;
    long v;
    if (!s)
        bad(usage, "missing value of", opt);
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < 0)
        bad(usage, "bad number for", opt);
    return v;
}

void peer_parse(int argc, char **argv, struct peer_opts *o, const char *usage)
{
    int i;
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->etm = -1;
    o->send = -1;
    o->write_size = 16384;
    o->request = "get";
    o->path = "/";
    o->accept = 1;
    o->sni = "server.badmac.test";
    if (argc < 2)
        bad(usage, "need a mode:", "client|server");
    if (!strcmp(argv[1], "server"))
        o->server = 1;
    else if (strcmp(argv[1], "client"))
        bad(usage, "unknown mode", argv[1]);
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--host")) { o->host = v; i++; }
        else if (!strcmp(a, "--port")) { o->port = (int)num(usage, a, v); i++; }
        else if (!strcmp(a, "--version")) { o->version = v; i++; }
        else if (!strcmp(a, "--suite")) { o->suite = v; i++; }
        else if (!strcmp(a, "--mfl")) { o->mfl = (int)num(usage, a, v); i++; }
        else if (!strcmp(a, "--trunc-hmac")) o->trunc_hmac = 1;
        else if (!strcmp(a, "--etm")) {
            if (!v || (strcmp(v, "on") && strcmp(v, "off")))
                bad(usage, "--etm takes on|off, not", v);
            o->etm = !strcmp(v, "on");
            i++;
        }
        else if (!strcmp(a, "--send")) { o->send = num(usage, a, v); i++; }
        else if (!strcmp(a, "--write-size")) { o->write_size = num(usage, a, v); i++; }
        else if (!strcmp(a, "--request")) { o->request = v; i++; }
        else if (!strcmp(a, "--path")) { o->path = v; i++; }
        else if (!strcmp(a, "--keylog")) { o->keylog = v; i++; }
        else if (!strcmp(a, "--cert")) { o->cert = v; i++; }
        else if (!strcmp(a, "--key")) { o->key = v; i++; }
        else if (!strcmp(a, "--ca")) { o->ca = v; i++; }
        else if (!strcmp(a, "--sni")) { o->sni = v; i++; }
        else if (!strcmp(a, "--accept")) { o->accept = (int)num(usage, a, v); i++; }
        else if (!strcmp(a, "--sess-in")) { o->sess_in = v; i++; }
        else if (!strcmp(a, "--sess-out")) { o->sess_out = v; i++; }
        else if (!strcmp(a, "--store")) { o->store = v; i++; }
        else if (!strcmp(a, "--fault")) { o->fault = v; i++; }
        else if (!strcmp(a, "--fault-after")) { o->fault_after = num(usage, a, v); i++; }
        else if (!strcmp(a, "--quiet")) o->quiet = 1;
        else {
            fprintf(stderr, "error: unknown option\n%s", usage);
            exit(2);
        }
        if (i >= argc)
            bad(usage, "missing value of", a);
    }
    if (o->write_size < 1)
        o->write_size = 16384;
    if (o->request && strcmp(o->request, "get") && strcmp(o->request, "post"))
        bad(usage, "--request takes get|post, not", o->request);
    if (!o->server && !o->port)
        bad(usage, "client needs", "--port");
}

static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int peer_listen(int port)
{
    struct sockaddr_in sa;
    int one = 1;
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 16)) {
        close(fd);
        return -1;
    }
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        fprintf(stderr, "listening on 127.0.0.1 port %d\n", ntohs(sa.sin_port));
    return fd;
}

int peer_accept(int lfd)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd >= 0)
        nodelay(fd);
    return fd;
}

int peer_connect(const char *host, int port)
{
    struct addrinfo hints, *res, *ai;
    char ps[16];
    int fd = -1;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    snprintf(ps, sizeof ps, "%d", port);
    if (getaddrinfo(host, ps, &hints, &res))
        return -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0)
        nodelay(fd);
    return fd;
}

char *peer_request(const struct peer_opts *o, size_t *len)
{
    long want = o->send;
    size_t cap = (size_t)(want > 0 ? want : 0) + 512;
    char *b = malloc(cap);
    size_t n;
    if (!b)
        return NULL;
    if (!strcmp(o->request, "post")) {
        /* "POST path HTTP/1.0\r\nContent-Length: N\r\n\r\n" + N body bytes,
         * N chosen so the whole request is o->send bytes when possible. */
        long body = 0, hl;
        char head[256];
        hl = snprintf(head, sizeof head, "POST %s HTTP/1.0\r\nContent-Length: %06ld\r\n\r\n",
                      o->path, 0L);
        if (want > hl)
            body = want - hl;
        n = (size_t)snprintf(b, cap, "POST %s HTTP/1.0\r\nContent-Length: %06ld\r\n\r\n",
                             o->path, body);
        peer_body((unsigned char *)b + n, (size_t)body, 0);
        n += (size_t)body;
    } else {
        /* "GET path HTTP/1.0\r\n" [X-Pad: ...\r\n] "\r\n" */
        n = (size_t)snprintf(b, cap, "GET %s HTTP/1.0\r\n", o->path);
        if (want > (long)n + 2 + 10) {
            size_t pad = (size_t)want - n - 2 - 9;   /* "X-Pad: " + "\r\n" */
            memcpy(b + n, "X-Pad: ", 7);
            n += 7;
            memset(b + n, 'a', pad);
            n += pad;
            memcpy(b + n, "\r\n", 2);
            n += 2;
        }
        memcpy(b + n, "\r\n", 2);
        n += 2;
    }
    *len = n;
    return b;
}

int peer_req_feed(struct peer_req *r, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (!r->head_done && i < n) {
        if (r->head_len < sizeof r->head - 1)
            r->head[r->head_len++] = (char)p[i];
        r->head[r->head_len] = 0;
        i++;
        if (r->head_len >= 4 && !memcmp(r->head + r->head_len - 4, "\r\n\r\n", 4)) {
            const char *cl = strstr(r->head, "Content-Length:");
            r->head_done = 1;
            r->body_left = cl ? strtol(cl + 15, NULL, 10) : 0;
        }
    }
    if (r->head_done) {
        long rest = (long)(n - i);
        r->body_left -= rest < r->body_left ? rest : r->body_left;
    }
    return r->head_done && r->body_left <= 0;
}

size_t peer_response_head(char *buf, size_t cap, long body)
{
    int n = snprintf(buf, cap, "HTTP/1.0 200 OK\r\nContent-Length: %ld\r\n\r\n", body);
    return n < 0 ? 0 : (size_t)n;
}

void peer_body(unsigned char *buf, size_t n, long off)
{
    static const char line[] =
        "line ______: the quick brown fox jumps over the lazy dog 0123456\n";
    size_t i;
    for (i = 0; i < n; i++) {
        long o = off + (long)i;
        long ln = o / 64;
        int c = (int)(o % 64);
        if (c >= 5 && c < 11) {
            long d = ln;
            int k;
            for (k = 10; k > c; k--)
                d /= 10;
            buf[i] = (unsigned char)('0' + d % 10);
        } else {
            buf[i] = (unsigned char)line[c];
        }
    }
}

int peer_keylog_ms(const char *file, const unsigned char cr[32],
                   const unsigned char *ms, size_t mslen)
{
    FILE *f;
    size_t i;
    if (!file)
        return 0;
    f = fopen(file, "a");
    if (!f)
        return -1;
    fputs("CLIENT_RANDOM ", f);
    for (i = 0; i < 32; i++)
        fprintf(f, "%02x", cr[i]);
    fputc(' ', f);
    for (i = 0; i < mslen; i++)
        fprintf(f, "%02x", ms[i]);
    fputc('\n', f);
    return fclose(f);
}

int peer_result_ok(void)
{
    printf("result: ok\n");
    fflush(stdout);
    return 0;
}

int peer_result_alert(const char *desc, const char *who)
{
    printf("result: alert %s %s\n", desc, who);
    fflush(stdout);
    return 1;
}

int peer_result_error(const char *fmt, ...)
{
    va_list ap;
    printf("result: error ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return 1;
}

const char *peer_alert_name(int code)
{
    switch (code) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown_alert";
    }
}
