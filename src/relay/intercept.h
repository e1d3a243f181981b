/*
 * intercept.h - interception mode of the relay (--intercept): the relay
 * terminates the client's TLS itself, with a leaf certificate it makes per
 * connection and signs with its own CA, then opens its own TLS session to
 * the server that mirrors the client's (same version, same suite, same
 * SNI), and moves the plaintext between the two. Both legs then carry
 * different handshakes, which is what `badmac compare` detects.
 *
 * These files are the only users of libssl (docs/style.md):
 * intercept_ca.c holds what lives for the whole run (a private library
 * context, the CA, the leaf keys, both SSL_CTXs, the key log) and makes the
 * leaf certificates; intercept.c is one connection: two SSL objects over
 * memory BIOs, driven by the event loop (conn.c), no threads, no blocking.
 *
 * Bytes flow as in the plain relay, with a TLS step in the middle: what
 * conn.c reads from leg L goes into the SSL of leg L; what the SSL of leg L
 * writes goes through the record planner of the direction towards L's peer
 * (client leg: s2c, server leg: c2s), so the faults corrupt the relay's own
 * records on either leg.
 */
#ifndef BM_RELAY_INTERCEPT_H
#define BM_RELAY_INTERCEPT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "../util/err.h"
#include "loop.h" /* bm_icpt_new, BM_LEG_CLIENT, BM_LEG_SERVER */

/* Run-wide interception state (intercept_ca.c; made by bm_icpt_new, which
 * loop.h declares for relay_main.c, so that only these files see libssl). */
typedef struct bm_icpt bm_icpt;

/* A new SSL for one leg (client leg: the relay is the server), over a pair
 * of memory BIOs; 'app' is its SSL app data (the connection). NULL when out
 * of memory. */
SSL *bm_icpt_ssl_new(bm_icpt *ic, unsigned leg, void *app);

/* The client-hello callback of the client-leg context, implemented by
 * intercept.c: notes what the client offered, for the mirror. */
int bm_icpt_on_client_hello(SSL *s, int *alert, void *arg);

#endif
