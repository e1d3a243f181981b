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
#define BM_RELAY_ACCEPT_PAUSE_MS 100 /* no accept() for this long after EMFILE/ENFILE/ENOBUFS/ENOMEM */
#define BM_RELAY_RECLAIM_IDLE_MS 1000 /* when every slot is taken, a connection idle this long
                                       * makes room for a new one */

struct bm_icpt;      /* intercept.h */
struct bm_icpt_conn;
struct json_t;

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
    struct bm_icpt *icpt;        /* --intercept: CA and TLS contexts; NULL = plain relay */
    volatile sig_atomic_t *stop; /* set by the SIGINT/SIGTERM handler */
} bm_relay_opts;

typedef struct bm_relay_flow {
    bm_relay_dir plan;
    bm_relay_out out;
    int src_eof;                 /* the source sent FIN */
    int ended;                   /* nothing more will be queued: FIN once written */
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
    struct bm_icpt_conn *tls;    /* --intercept: both legs' TLS; NULL = plain relay */
    int failed_leg;              /* --intercept: the leg whose TLS failed, or -1 */
    int fail_reset_other;        /* ... and the other leg gets a RST (its TLS had started) */
    const char *fail_reason;     /* static text for the close line */
} bm_relay_conn;

/* Runs until a signal sets *o->stop (or --once is satisfied). Takes the
 * listening socket 'lfd'. Returns 0, or 1 after an internal error. */
int bm_relay_run(bm_relay_opts *o, int lfd);

/* conn.c: one connection's life. The loop owns the conn array. */
uint64_t bm_relay_now_ms(void);
/* Accepted socket -> new connection with a non-blocking connect started;
 * NULL (socket closed, errno set) on failure. */
bm_relay_conn *bm_relay_conn_new(bm_relay_opts *o, int cfd, uint64_t id);
/* Handles readiness and timers; returns 0 when the connection is over
 * (it is then logged and freed). */
int bm_relay_conn_step(bm_relay_opts *o, bm_relay_conn *c, short rev0, short rev1, uint64_t now);
/* poll() events and the earliest timer (ms, absolute) this connection needs. */
void bm_relay_conn_want(const bm_relay_opts *o, const bm_relay_conn *c, short ev[2],
                        uint64_t *deadline);
/* Ends a connection (graceful close), logging 'why'; frees it. */
void bm_relay_conn_end(bm_relay_opts *o, bm_relay_conn *c, const char *why, int rst);

/* log.c: JSON lines. A write error sets *log to NULL (logging stops, the
 * relay goes on). bm_relay_log_event is a bm_relay_event_fn (ud: FILE **);
 * bm_relay_log_json takes 'j' (NULL: nothing). */
void bm_relay_log_event(void *ud, const bm_relay_event *ev);
void bm_relay_log_json(FILE **log, struct json_t *j);
/* Hex string of at most BM_RELAY_HEX_MAX bytes. */
struct json_t *bm_relay_json_hex(const uint8_t *p, size_t n);

/* intercept_ca.c: loads the CA (PEM certificate and key), makes the leaf
 * keys and both TLS contexts, opens 'keylog' for appending when not NULL.
 * 'default_name' names the leaf when the client sends no SNI (the --to
 * host). NULL on failure, with one line of why in 'err'. */
struct bm_icpt *bm_icpt_new(const char *ca_cert, const char *ca_key, const char *keylog,
                            const char *default_name, char *err, size_t errlen);
void bm_icpt_free(struct bm_icpt *ic);

/* intercept.c: the TLS step of --intercept (intercept.h), per connection. */
/* Creates c->tls (client leg ready to accept). */
BM_RESULT bm_icpt_conn_start(bm_relay_opts *o, bm_relay_conn *c);
void bm_icpt_conn_free(struct bm_icpt_conn *t);
/* Whether conn.c may read leg 'leg' now (TLS state and backpressure). */
int bm_icpt_conn_may_read(const bm_relay_conn *c, unsigned leg);
/* Bytes read from leg 'leg' ('n' == 0: its FIN): runs both TLS legs and
 * queues what they write. A TLS failure is not an error: it is logged and
 * sets c->failed_leg. */
BM_RESULT bm_icpt_conn_input(bm_relay_opts *o, bm_relay_conn *c, unsigned leg, const uint8_t *p,
                             size_t n);

#endif
