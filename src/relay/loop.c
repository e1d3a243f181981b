/*
 * loop.c - accept connections and drive them with poll().
 *
 * The pollfd array is rebuilt on every turn from the connections' wishes
 * (bm_relay_conn_want), which keeps the per-connection logic in one place
 * at a cost linear in --max-conns, small for a test tool.
 *
 * Load is shed, never spun on: when accept() fails for want of descriptors
 * or memory the listening socket is left alone for BM_RELAY_ACCEPT_PAUSE_MS
 * (one stderr line says so); when every slot is taken, a connection idle
 * for BM_RELAY_RECLAIM_IDLE_MS is ended (logged) to admit a new one, else
 * the new one waits in the backlog.
 */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Out of file descriptors or memory: the listening socket stays readable,
 * so accepting again at once would spin. */
static bool accept_starved(int e) { return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM; }

/* Every slot is taken: ends the connection idle the longest, if it has been
 * idle BM_RELAY_RECLAIM_IDLE_MS, so that idle clients cannot lock real
 * ones out for the whole idle timeout. True when a slot was freed. */
static bool reclaim_idle(bm_relay_opts *o, bm_relay_conn **conns, unsigned *n, uint64_t now)
{
    unsigned best = *n;
    for (unsigned i = 0; i < *n; i++)
        if (!conns[i]->connecting && (best == *n || conns[i]->last_active < conns[best]->last_active))
            best = i;
    if (best == *n || now < conns[best]->last_active + BM_RELAY_RECLAIM_IDLE_MS)
        return false;
    bm_relay_conn_end(o, conns[best], "idle slot reclaimed for a new connection", 1);
    conns[best] = conns[--*n];
    return true;
}

/* Accepts what is pending. Returns the time (ms) before which accept()
 * must not be tried again (0: no pause). */
static uint64_t accept_some(bm_relay_opts *o, int *lfd, bm_relay_conn **conns, unsigned *n, uint64_t *next_id,
                            uint64_t now, bool *told)
{
    while (*lfd >= 0) {
        if (*n >= o->max_conns && !reclaim_idle(o, conns, n, now))
            return now + BM_RELAY_ACCEPT_PAUSE_MS; /* full of busy connections: the backlog waits */
        int cfd = accept(*lfd, NULL, NULL);
        if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (cfd < 0 && !accept_starved(errno))
            return 0; /* EAGAIN: nothing pending */
        bm_relay_conn *c = cfd >= 0 ? bm_relay_conn_new(o, cfd, (*next_id)++) : NULL;
        if (!c && accept_starved(errno)) { /* accept() itself, or the socket to the server */
            if (!*told)
                fprintf(stderr, "badmac relay: %s: %s: new connections wait (tried again every %d ms)\n",
                        cfd < 0 ? "accept" : "socket", strerror(errno), BM_RELAY_ACCEPT_PAUSE_MS);
            *told = true;
            return now + BM_RELAY_ACCEPT_PAUSE_MS;
        }
        if (c) {
            conns[(*n)++] = c;
            *told = false;
        }
        if (o->once) {
            close(*lfd);
            *lfd = -1;
        }
    }
    return 0;
}

int bm_relay_run(bm_relay_opts *o, int lfd)
{
    bm_relay_conn **conns = calloc(o->max_conns, sizeof *conns);
    struct pollfd *pfd = calloc(1 + 2 * (size_t)o->max_conns, sizeof *pfd);
    unsigned n = 0;
    uint64_t next_id = 0, accept_after = 0;
    bool starved_told = false;
    int rc = 0;
    if (!conns || !pfd) {
        rc = 1;
        goto out;
    }
    while (!*o->stop) {
        uint64_t now = bm_relay_now_ms(), deadline = now + BM_RELAY_POLL_MAX_MS;
        nfds_t nfds = 0, base;
        /* the listening socket is watched even when every slot is taken (an
         * idle one may be reclaimed), not while accept() is paused */
        int listening = lfd >= 0 && now >= accept_after;
        if (lfd >= 0 && !listening && accept_after < deadline)
            deadline = accept_after;
        if (listening) {
            pfd[0].fd = lfd;
            pfd[0].events = POLLIN;
            pfd[0].revents = 0;
            nfds = 1;
        }
        base = nfds;
        for (unsigned i = 0; i < n; i++) {
            short ev[2];
            bm_relay_conn_want(o, conns[i], ev, &deadline);
            for (int k = 0; k < 2; k++) {
                pfd[nfds].fd = conns[i]->fd[k];
                pfd[nfds].events = ev[k];
                pfd[nfds].revents = 0;
                nfds++;
            }
        }
        int timeout = deadline > now ? (int)(deadline - now) : 0;
        int ready = poll(pfd, nfds, timeout);
        if (ready < 0 && errno != EINTR) {
            perror("badmac relay: poll");
            rc = 1;
            break;
        }
        now = bm_relay_now_ms();
        unsigned w = 0;
        for (unsigned i = 0; i < n; i++) {
            short r0 = ready > 0 ? pfd[base + 2 * i].revents : 0;
            short r1 = ready > 0 ? pfd[base + 2 * i + 1].revents : 0;
            if (bm_relay_conn_step(o, conns[i], r0, r1, now))
                conns[w++] = conns[i];
        }
        n = w;
        if (listening && ready > 0 && (pfd[0].revents & POLLIN))
            accept_after = accept_some(o, &lfd, conns, &n, &next_id, now, &starved_told);
        if (o->once && lfd < 0 && n == 0)
            break;
    }
out:
    /* SIGINT/SIGTERM or --once: close politely, so logs end with "close" */
    for (unsigned i = 0; i < n; i++)
        bm_relay_conn_end(o, conns[i], "relay stopped", 0);
    if (lfd >= 0)
        close(lfd);
    free(conns);
    free(pfd);
    return rc;
}
