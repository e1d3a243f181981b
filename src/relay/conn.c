/*
 * conn.c - one relayed connection: connect, move bytes through the planner
 * in both directions (with --intercept, through the TLS step of
 * intercept.c first), pass on half-closes and resets, pace writes, end.
 */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t bm_relay_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void addr_text(int fd, int peer, char *out, size_t n)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rc != 0 || getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, serv, sizeof serv,
                               NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(out, n, "?");
        return;
    }
    snprintf(out, n, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, serv);
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    int one = 1;
    /* small records must leave at once, and --segment pieces separately */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static void close_rst(int fd)
{
    struct linger lg = {1, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

static void pcap_open_leg(bm_relay_opts *o, bm_relay_conn *c, unsigned leg, int fd)
{
    struct sockaddr_storage a, b;
    socklen_t al = sizeof a, bl = sizeof b;
    /* side 0 is the end nearer the client: the client, or the relay */
    int ok = leg == BM_LEG_CLIENT
                 ? getpeername(fd, (struct sockaddr *)&a, &al) == 0 &&
                       getsockname(fd, (struct sockaddr *)&b, &bl) == 0
                 : getsockname(fd, (struct sockaddr *)&a, &al) == 0 &&
                       getpeername(fd, (struct sockaddr *)&b, &bl) == 0;
    if (ok)
        bm_pcapng_flow_open(o->pcap, &c->leg[leg], leg, (struct sockaddr *)&a,
                            (struct sockaddr *)&b, c->id);
}

bm_relay_conn *bm_relay_conn_new(bm_relay_opts *o, int cfd, uint64_t id)
{
    int sfd = -1;
    bm_relay_conn *c = NULL;
    if (!set_nonblock(cfd))
        goto fail;
    sfd = socket(o->to_addr.ss_family, SOCK_STREAM, 0);
    if (sfd < 0 || !set_nonblock(sfd))
        goto fail;
    if (connect(sfd, (struct sockaddr *)&o->to_addr, o->to_len) != 0 && errno != EINPROGRESS)
        goto fail;
    c = calloc(1, sizeof *c);
    if (!c)
        goto fail;
    c->id = id;
    c->fd[0] = cfd;
    c->fd[1] = sfd;
    c->connecting = 1;
    c->last_active = bm_relay_now_ms();
    c->connect_deadline = c->last_active + (uint64_t)o->connect_timeout_ms;
    c->failed_leg = -1;
    for (int d = 0; d < 2; d++) {
        bm_relay_dir_init(&c->flow[d].plan, &o->cfg, id, d);
        bm_relay_out_init(&c->flow[d].out);
    }
    if (o->icpt && !bm_is_ok(bm_icpt_conn_start(o, c))) {
        bm_icpt_conn_free(c->tls);
        free(c);
        errno = ENOMEM;
        goto fail;
    }
    pcap_open_leg(o, c, BM_LEG_CLIENT, cfd);
    return c;
fail:;
    int e = errno; /* the caller backs off when it is EMFILE, ENFILE, ENOBUFS or ENOMEM */
    bm_relay_log_json(&o->log, json_pack("{sIssss}", "conn", (json_int_t)id, "event",
                                         "connect_failed", "reason", strerror(e)));
    close_rst(cfd);
    if (sfd >= 0)
        close(sfd);
    errno = e;
    return NULL;
}

void bm_relay_conn_end(bm_relay_opts *o, bm_relay_conn *c, const char *why, int rst)
{
    /* the relay's own side of each leg: 1 on the client leg, 0 on the server leg */
    for (unsigned leg = 0; leg < 2; leg++) {
        int relay_side = leg == BM_LEG_CLIENT ? 1 : 0;
        if (rst)
            bm_pcapng_flow_rst(o->pcap, &c->leg[leg], relay_side);
        else if (!c->flow[leg == BM_LEG_CLIENT ? BM_RELAY_S2C : BM_RELAY_C2S].shut)
            bm_pcapng_flow_fin(o->pcap, &c->leg[leg], relay_side);
    }
    for (int i = 0; i < 2; i++) {
        if (c->fd[i] < 0)
            continue;
        if (rst)
            close_rst(c->fd[i]);
        else
            close(c->fd[i]);
    }
    const bm_relay_flow *f = c->flow;
    bm_relay_log_json(&o->log,
                      json_pack("{sIsssssIsIsIsIsIsI}", "conn", (json_int_t)c->id, "event", "close",
                                "reason", why, "c2s_records", (json_int_t)f[0].plan.records,
                                "s2c_records", (json_int_t)f[1].plan.records,
                                "c2s_bytes_in", (json_int_t)f[0].bytes_in,
                                "c2s_bytes_out", (json_int_t)f[0].bytes_out,
                                "s2c_bytes_in", (json_int_t)f[1].bytes_in,
                                "s2c_bytes_out", (json_int_t)f[1].bytes_out));
    for (int d = 0; d < 2; d++)
        bm_relay_out_free(&c->flow[d].out);
    bm_icpt_conn_free(c->tls);
    free(c);
}

static int has_work(const bm_relay_flow *f)
{
    const bm_relay_mark *m = bm_relay_out_next_mark(&f->out);
    return f->out.len > 0 || (m && m->at <= f->out.base);
}

/* Whether the source of flow d may be read now. */
static int may_read(const bm_relay_conn *c, int d)
{
    const bm_relay_flow *f = &c->flow[d];
    return !f->src_eof && !f->plan.cut && f->out.len < BM_RELAY_OUT_CAP &&
           (!c->tls || bm_icpt_conn_may_read(c, (unsigned)d));
}

void bm_relay_conn_want(const bm_relay_opts *o, const bm_relay_conn *c, short ev[2],
                        uint64_t *deadline)
{
    ev[0] = ev[1] = 0;
    if (c->connecting) {
        ev[1] = POLLOUT;
        if (c->connect_deadline < *deadline)
            *deadline = c->connect_deadline;
        return;
    }
    for (int d = 0; d < 2; d++) {
        const bm_relay_flow *f = &c->flow[d];
        if (may_read(c, d))
            ev[d] |= POLLIN;
        if (f->wait_until) {
            if (f->wait_until < *deadline)
                *deadline = f->wait_until;
        } else if (has_work(f)) {
            ev[1 - d] |= POLLOUT;
        }
    }
    uint64_t idle = c->last_active + (uint64_t)o->idle_timeout_ms;
    if (idle < *deadline)
        *deadline = idle;
}

/* Reads what the source of flow d has; -1 when the connection ended. */
static int do_read(bm_relay_opts *o, bm_relay_conn *c, int d, uint64_t now)
{
    bm_relay_flow *f = &c->flow[d];
    uint8_t buf[BM_RELAY_READ_SIZE];
    /* a few reads per wakeup, so one busy connection cannot starve others */
    for (int i = 0; i < 4 && may_read(c, d); i++) {
        ssize_t n = recv(c->fd[d], buf, sizeof buf, 0);
        if (n > 0) {
            f->bytes_in += (uint64_t)n;
            c->last_active = now;
            bm_pcapng_flow_data(o->pcap, &c->leg[d], d, buf, (size_t)n);
            if (!bm_is_ok(c->tls ? bm_icpt_conn_input(o, c, (unsigned)d, buf, (size_t)n)
                                 : bm_relay_dir_feed(&f->plan, buf, (size_t)n, &f->out,
                                                     bm_relay_log_event, &o->log))) {
                bm_relay_conn_end(o, c, "out of memory", 1);
                return -1;
            }
        } else if (n == 0) {
            f->src_eof = 1;
            f->ended |= !c->tls; /* with TLS, intercept.c decides */
            bm_pcapng_flow_fin(o->pcap, &c->leg[d], d);
            if (!bm_is_ok(c->tls ? bm_icpt_conn_input(o, c, (unsigned)d, NULL, 0)
                                 : bm_relay_dir_eof(&f->plan, &f->out, bm_relay_log_event,
                                                    &o->log))) {
                bm_relay_conn_end(o, c, "out of memory", 1);
                return -1;
            }
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        } else {
            bm_pcapng_flow_rst(o->pcap, &c->leg[d], d);
            bm_relay_conn_end(o, c, d == BM_RELAY_C2S ? "reset by client" : "reset by server", 1);
            return -1;
        }
    }
    return 0;
}

/* Writes what flow d has, honouring its marks; -1 when the connection ended. */
static int do_write(bm_relay_opts *o, bm_relay_conn *c, int d, uint64_t now)
{
    bm_relay_flow *f = &c->flow[d];
    if (f->wait_until) {
        if (now < f->wait_until)
            return 0;
        f->wait_until = 0;
    }
    for (;;) {
        const bm_relay_mark *m = bm_relay_out_next_mark(&f->out);
        if (m && m->at <= f->out.base) {
            uint32_t ms = m->ms;
            if (m->cut) {
                bm_relay_conn_end(o, c, "cut", 0);
                return -1;
            }
            bm_relay_out_pop_mark(&f->out);
            if (ms) {
                f->wait_until = now + ms;
                return 0;
            }
            continue;
        }
        if (f->out.len == 0)
            return 0;
        size_t lim = f->out.len;
        if (m && m->at - f->out.base < lim)
            lim = (size_t)(m->at - f->out.base);
        ssize_t n = send(c->fd[1 - d], f->out.buf + f->out.head, lim, MSG_NOSIGNAL);
        if (n > 0) {
            bm_pcapng_flow_data(o->pcap, &c->leg[1 - d], d, f->out.buf + f->out.head, (size_t)n);
            bm_relay_out_consume(&f->out, (size_t)n);
            f->bytes_out += (uint64_t)n;
            c->last_active = now;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            bm_pcapng_flow_rst(o->pcap, &c->leg[1 - d], 1 - d);
            bm_relay_conn_end(o, c, d == BM_RELAY_C2S ? "reset by server" : "reset by client", 1);
            return -1;
        }
    }
}

static int connected(bm_relay_opts *o, bm_relay_conn *c, short rev1, uint64_t now)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (!(rev1 & (POLLOUT | POLLERR | POLLHUP))) {
        if (now < c->connect_deadline)
            return 1;
        bm_relay_conn_end(o, c, "connect timeout", 1);
        return 0;
    }
    if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        char why[160];
        snprintf(why, sizeof why, "connect failed: %s", strerror(err ? err : errno));
        bm_relay_log_json(&o->log, json_pack("{sIssss}", "conn", (json_int_t)c->id, "event",
                                             "connect_failed", "reason", why));
        bm_relay_conn_end(o, c, why, 1);
        return 0;
    }
    c->connecting = 0;
    c->last_active = now;
    pcap_open_leg(o, c, BM_LEG_SERVER, c->fd[1]);
    char a[80], b[80], s[80];
    addr_text(c->fd[0], 1, a, sizeof a);
    addr_text(c->fd[0], 0, b, sizeof b);
    addr_text(c->fd[1], 1, s, sizeof s);
    bm_relay_log_json(&o->log, json_pack("{sIssssssss}", "conn", (json_int_t)c->id, "event", "open",
                                         "client", a, "listen", b, "server", s));
    return 1;
}

/* --intercept: a TLS leg failed (intercept.c logged why). Nothing more is
 * read; what is queued is written (the failed leg's alert, if OpenSSL made
 * one); then the other leg gets a RST if its TLS had started, and the
 * connection closes. Returns 0 when it ended. */
static int tls_failed(bm_relay_opts *o, bm_relay_conn *c)
{
    if (has_work(&c->flow[0]) || has_work(&c->flow[1]) || c->flow[0].wait_until ||
        c->flow[1].wait_until)
        return 1;
    unsigned other = 1 - (unsigned)c->failed_leg;
    if (c->fail_reset_other && c->fd[other] >= 0) {
        bm_pcapng_flow_rst(o->pcap, &c->leg[other], other == BM_LEG_CLIENT ? 1 : 0);
        close_rst(c->fd[other]);
        c->fd[other] = -1; /* closed: conn_end leaves it */
    }
    bm_relay_conn_end(o, c, c->fail_reason, 0);
    return 0;
}

int bm_relay_conn_step(bm_relay_opts *o, bm_relay_conn *c, short rev0, short rev1, uint64_t now)
{
    if (c->connecting) {
        if (!connected(o, c, rev1, now))
            return 0;
        if (c->connecting)
            return 1;
    }
    short rev[2] = {rev0, rev1};
    for (int i = 0; i < 2; i++) {
        int err = 0;
        socklen_t len = sizeof err;
        /* a reset seen while not reading that side: pass it on */
        if ((rev[i] & POLLERR) && getsockopt(c->fd[i], SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
            err != 0) {
            bm_pcapng_flow_rst(o->pcap, &c->leg[i], i);
            bm_relay_conn_end(o, c, i == 0 ? "reset by client" : "reset by server", 1);
            return 0;
        }
    }
    for (int d = 0; d < 2; d++)
        if ((rev[d] & (POLLIN | POLLHUP | POLLERR)) && do_read(o, c, d, now) < 0)
            return 0;
    for (int d = 0; d < 2; d++)
        if (do_write(o, c, d, now) < 0)
            return 0;
    if (c->failed_leg >= 0 && !tls_failed(o, c))
        return 0;
    for (int d = 0; d < 2; d++) {
        bm_relay_flow *f = &c->flow[d];
        if (f->ended && !f->shut && !has_work(f) && !f->wait_until) {
            (void)shutdown(c->fd[1 - d], SHUT_WR);
            bm_pcapng_flow_fin(o->pcap, &c->leg[1 - d], d);
            f->shut = 1;
        }
    }
    if (c->flow[0].shut && c->flow[1].shut) {
        bm_relay_conn_end(o, c, "done", 0);
        return 0;
    }
    if (now >= c->last_active + (uint64_t)o->idle_timeout_ms) {
        bm_relay_conn_end(o, c, "idle timeout", 1);
        return 0;
    }
    return 1;
}
