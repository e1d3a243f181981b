/*
 * loop.h - the relay's event loop: one thread, poll(), non-blocking sockets.
 *
 * Each accepted connection gets a bm_relay_conn with two flows: C2S reads
 * the client socket and writes the server socket, S2C the other way round.
 * A flow stops reading while BM_RELAY_OUT_CAP bytes wait to be written
 * (backpressure), so memory per connection is bounded by about
 * 2 * (BM_RELAY_OUT_CAP + 3 records), whatever the peers do.
 */
#ifndef BM_RELAY_LOOP_H
#define BM_RELAY_LOOP_H

#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>

#include "pcapng.h"
#include "relay.h"

#define BM_RELAY_OUT_CAP (256 * 1024)
#define BM_RELAY_READ_SIZE 16384
#define BM_RELAY_POLL_MAX_MS 200 /* bounds how late a signal is noticed */

typedef struct bm_relay_opts {
    bm_relay_cfg cfg;
    struct sockaddr_storage listen_addr, to_addr;
    socklen_t listen_len, to_len;
    FILE *log;                   /* JSON lines; NULL = no log */
    bm_pcapng *pcap;             /* NULL = no capture */
    FILE *info;                  /* "listening on ..." line; NULL = none */
    int connect_timeout_ms;
    int idle_timeout_ms;
    unsigned max_conns;
    int once;                    /* stop after the first connection */
    volatile sig_atomic_t *stop; /* set by the SIGINT/SIGTERM handler */
} bm_relay_opts;

typedef struct bm_relay_flow {
    bm_relay_dir plan;
    bm_relay_out out;
    int src_eof;                 /* the source sent FIN */
    int shut;                    /* FIN passed on to the destination */
    uint64_t wait_until;         /* pacing: no writes before (ms) */
    uint64_t bytes_in, bytes_out;
} bm_relay_flow;

typedef struct bm_relay_conn {
    uint64_t id;
    int fd[2];                   /* [0] client, [1] server */
    int connecting;
    uint64_t connect_deadline, last_active;
    bm_relay_flow flow[2];       /* [BM_RELAY_C2S], [BM_RELAY_S2C] */
    bm_tcpflow leg[2];           /* [BM_LEG_CLIENT], [BM_LEG_SERVER] */
} bm_relay_conn;

/* Runs until a signal sets *o->stop (or --once is satisfied). Takes the
 * listening socket 'lfd'. Returns 0, or 1 after an internal error. */
int bm_relay_run(bm_relay_opts *o, int lfd);

/* conn.c: one connection's life. The loop owns the conn array. */
uint64_t bm_relay_now_ms(void);
/* Accepted socket -> new connection with a non-blocking connect started;
 * NULL (socket closed) on failure. */
bm_relay_conn *bm_relay_conn_new(bm_relay_opts *o, int cfd, uint64_t id);
/* Handles readiness and timers; returns 0 when the connection is over
 * (it is then logged and freed). */
int bm_relay_conn_step(bm_relay_opts *o, bm_relay_conn *c, short rev0, short rev1, uint64_t now);
/* poll() events and the earliest timer (ms, absolute) this connection needs. */
void bm_relay_conn_want(const bm_relay_opts *o, const bm_relay_conn *c, short ev[2],
                        uint64_t *deadline);
/* Ends a connection (graceful close), logging 'why'; frees it. */
void bm_relay_conn_end(bm_relay_opts *o, bm_relay_conn *c, const char *why, int rst);

#endif
