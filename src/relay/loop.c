/*
 * loop.c - accept connections and drive them with poll().
 *
 * The pollfd array is rebuilt on every turn from the connections' wishes
 * (bm_relay_conn_want), which keeps the per-connection logic in one place
 * at a cost linear in --max-conns, small for a test tool.
 */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void accept_some(bm_relay_opts *o, int *lfd, bm_relay_conn **conns, unsigned *n,
                        uint64_t *next_id)
{
    while (*lfd >= 0 && *n < o->max_conns) {
        int cfd = accept(*lfd, NULL, NULL);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; /* EAGAIN, or EMFILE: try again on the next turn */
        }
        bm_relay_conn *c = bm_relay_conn_new(o, cfd, (*next_id)++);
        if (c)
            conns[(*n)++] = c;
        if (o->once) {
            close(*lfd);
            *lfd = -1;
        }
    }
}

int bm_relay_run(bm_relay_opts *o, int lfd)
{
    bm_relay_conn **conns = calloc(o->max_conns, sizeof *conns);
    struct pollfd *pfd = calloc(1 + 2 * (size_t)o->max_conns, sizeof *pfd);
    unsigned n = 0;
    uint64_t next_id = 0;
    int rc = 0;
    if (!conns || !pfd) {
        rc = 1;
        goto out;
    }
    while (!*o->stop) {
        uint64_t now = bm_relay_now_ms(), deadline = now + BM_RELAY_POLL_MAX_MS;
        nfds_t nfds = 0, base;
        int listening = lfd >= 0 && n < o->max_conns;
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
            accept_some(o, &lfd, conns, &n, &next_id);
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
