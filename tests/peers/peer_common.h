/* peer_common.h - shared options, sockets and HTTP-ish framing of the test
 * peers (mbedtls_peer, wolfssl_peer). Test-only code: never use it to
 * protect anything. */
#ifndef PEER_COMMON_H
#define PEER_COMMON_H

#include <stddef.h>
#include <stdio.h>

struct peer_opts {
    int server;             /* 1: server mode, 0: client */
    const char *host;       /* client: where to connect */
    int port;
    const char *version;    /* "1.0" "1.1" "1.2" "1.3" or NULL: library default */
    const char *suite;      /* library suite name or NULL */
    int mfl;                /* max_fragment_length in bytes, 0 = none */
    int trunc_hmac;
    int etm;                /* -1 default, 0 off, 1 on */
    long send;              /* client: request bytes; server: response body bytes */
    long write_size;        /* chunk size of each write */
    const char *request;    /* "get" or "post" */
    const char *path;       /* request path */
    const char *keylog;     /* NSS key log to append to */
    const char *cert, *key, *ca;
    const char *sni;        /* expected server name (client) */
    int accept;             /* server: connections to serve (default 1) */
    const char *sess_in, *sess_out;   /* client: session file to resume / save */
    const char *store;      /* server: session store directory */
    const char *fault;      /* peer-side fault mode, see the peer's --help */
    long fault_after;       /* fault applies from this write number (0 = first) */
    int quiet;
};

/* Parses the command line (every option of both peers; a peer rejects the
 * values it cannot do itself); exits 2 with a message and 'usage' on an
 * unknown option or a bad value. */
void peer_parse(int argc, char **argv, struct peer_opts *o, const char *usage);

/* Blocking TCP helpers. */
int peer_listen(int port);          /* on 127.0.0.1, SO_REUSEADDR */
int peer_accept(int lfd);
int peer_connect(const char *host, int port);

/* Builds the request the client sends (exactly o->send bytes when
 * o->send is larger than the minimal request). Caller frees. */
char *peer_request(const struct peer_opts *o, size_t *len);

/* Request parser state of the server: feed it bytes, it says when the
 * whole request (headers and Content-Length body) has arrived. */
struct peer_req {
    char head[8192];
    size_t head_len;
    int head_done;
    long body_left;
};
int peer_req_feed(struct peer_req *r, const unsigned char *p, size_t n);

/* The response header the servers send before o->send body bytes. */
size_t peer_response_head(char *buf, size_t cap, long body);
/* Deterministic body bytes (64-byte text lines), at stream offset off. */
void peer_body(unsigned char *buf, size_t n, long off);

/* Appends "CLIENT_RANDOM <cr> <ms>" to the key log file. */
int peer_keylog_ms(const char *file, const unsigned char cr[32],
                   const unsigned char *ms, size_t mslen);

/* Prints the final "result: ..." line and returns the exit status. */
int peer_result_ok(void);
int peer_result_alert(const char *desc, const char *who);
int peer_result_error(const char *fmt, ...);

const char *peer_alert_name(int code);

#endif
