/*
 * live.c - capturing from a network interface (libpcap): the frames go to
 * the same decoders as a file's, as they arrive; connections are reported
 * as they end (FIN or RST), or when idle longer than lo->idle_s, so a
 * capture that runs for days holds only the connections still alive.
 * It stops on *lo->stop (SIGINT/SIGTERM), after lo->duration_s or lo->count
 * packets; the kernel's drop count is said in one notice at the end.
 */
#include "tcp_int.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bm_tcp_expire_idle(bm_tcp_table *t, uint64_t now_ns, uint64_t idle_ns)
{
    /* least recently active first: stop at the first one still active */
    for (int l = BM_LIST_QUIET; l <= BM_LIST_CONTENT; l++)
        while (t->lists[l].oldest && t->lists[l].oldest->last_ts_ns + idle_ns < now_ns)
            bm_conn_remove(t, t->lists[l].oldest);
}

/* Packets held for lo->delay_s before they are decoded: a FIFO. */
typedef struct held_pkt {
    struct held_pkt *next;
    double arrived;          /* monotonic seconds */
    uint64_t ts_ns;
    uint32_t caplen, len;
    uint8_t data[];
} held_pkt;

typedef struct held_q {
    held_pkt *head, *tail;
    size_t bytes;
} held_q;

static void hold(held_q *q, const struct pcap_pkthdr *h, const u_char *data, double now)
{
    held_pkt *p = malloc(sizeof *p + h->caplen);
    if (!p)
        return; /* out of memory: this packet is lost, as a kernel drop would lose it */
    p->next = NULL;
    p->arrived = now;
    p->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
    p->caplen = h->caplen;
    p->len = h->len;
    memcpy(p->data, data, h->caplen);
    if (q->tail)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
    q->bytes += sizeof *p + h->caplen;
}

/* Decodes the held packets that have waited long enough (all with
 * 'all'), the oldest first; the hold is kept under BM_LIVE_HOLD_BYTES. */
static bool releasable(const held_q *q, const bm_live_opts *lo, double now, bool all)
{
    return q->head && (all || q->bytes > BM_LIVE_HOLD_BYTES || q->head->arrived + lo->delay_s <= now);
}

static void release(held_q *q, const bm_live_opts *lo, bm_capture_ctx *cx, int lt, double now, bool all)
{
    /* once per batch, not per packet: every packet released arrived before
     * this call, so what its peer wrote before sending it is read now */
    if (lo->before_packet && releasable(q, lo, now, all))
        lo->before_packet(lo->ud);
    while (releasable(q, lo, now, all)) {
        held_pkt *p = q->head;
        q->head = p->next;
        if (!q->head)
            q->tail = NULL;
        q->bytes -= sizeof *p + p->caplen;
        bm_capture_feed_packet(cx, lt, p->data, p->caplen, p->len, p->ts_ns);
        free(p);
    }
}

static pcap_t *open_iface(const bm_live_opts *lo, bm_diag *diag)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_create(lo->iface, err);
    if (!pc) {
        bm_diag_frame(diag, 0, "cannot capture: %s", err);
        return NULL;
    }
    /* Not immediate mode: on Linux it makes libpcap use TPACKET_V2, a ring
     * of fixed slots each as big as the interface's largest frame (64 KiB
     * on loopback), so 32 MiB held only ~500 packets, 100 ms of a busy
     * link: a stall that short dropped packets. Without it TPACKET_V3
     * packs packets by their size into blocks handed over when full or
     * after the timeout; 100 ms of delay is nothing beside a verdict. */
    (void)pcap_set_snaplen(pc, 262144);
    (void)pcap_set_timeout(pc, 100);
    size_t buf = lo->buffer_bytes ? lo->buffer_bytes : BM_LIVE_BUFFER_BYTES;
    (void)pcap_set_buffer_size(pc, buf > INT_MAX ? INT_MAX : (int)buf);
    (void)pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(pc);
    if (rc < 0) {
        bm_diag_frame(diag, 0, "cannot capture: %s", pcap_geterr(pc));
        pcap_close(pc);
        return NULL;
    }
    return pc;
}

bm_result bm_capture_read_live(const bm_live_opts *lo, bm_tcp_table *t, bm_diag *diag, bm_capture_stats *st)
{
    memset(st, 0, sizeof *st);
    pcap_t *pc = open_iface(lo, diag);
    if (!pc)
        return bm_res(BM_ERR_CAPTURE_OPEN);
    int lt = pcap_datalink(pc);
    st->linktype = lt;
    if (!bm_capture_linktype_ok(lt, NULL, diag)) {
        pcap_close(pc);
        return bm_res(BM_ERR_LINKTYPE);
    }
    const char *expr = bm_tcp_opts(t)->filter;
    struct bpf_program prog;
    if (expr) { /* live, the kernel filters: rejected packets are never numbered */
        if (pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0 || pcap_setfilter(pc, &prog) != 0) {
            bm_diag_frame(diag, 0, "cannot apply the filter: %s", pcap_geterr(pc));
            pcap_close(pc);
            return bm_res(BM_ERR_USAGE);
        }
        pcap_freecode(&prog);
    }
    /* non-blocking, with our own wait: the read timeout is not honoured
     * everywhere (it may never fire on an idle link), and the loop must see *stop,
     * --duration and the idle expiry even when nothing arrives */
    char nb_err[PCAP_ERRBUF_SIZE];
    int fd = pcap_get_selectable_fd(pc);
    if (fd < 0 || pcap_setnonblock(pc, 1, nb_err) != 0) {
        bm_diag_frame(diag, 0, "cannot capture: no selectable descriptor for %s", lo->iface);
        pcap_close(pc);
        return bm_res(BM_ERR_CAPTURE_OPEN);
    }
    bm_capture_ctx cx;
    bm_capture_ctx_init(&cx, t, diag, st);
    double start = mono_s(), last_expiry = start;
    held_q q = {0};
    uint64_t idle_ns = (uint64_t)(lo->idle_s ? lo->idle_s : 300) * 1000000000ull;
    bm_result res = BM_SUCCESS;
    while (!(lo->stop && *lo->stop)) {
        if (lo->duration_s > 0 && mono_s() - start >= lo->duration_s)
            break;
        if (lo->count && st->frames >= lo->count)
            break;
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(pc, &h, &data);
        if (rc == 1 && lo->delay_s > 0) {
            hold(&q, h, data, mono_s());
        } else if (rc == 1) {
            if (lo->before_packet)
                lo->before_packet(lo->ud);
            uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
            bm_capture_feed_packet(&cx, lt, data, h->caplen, h->len, ts);
        } else if (rc < 0) {
            bm_diag_frame(diag, cx.frame + 1, "capture stopped: %s", pcap_geterr(pc));
            res = bm_res(BM_ERR_IO);
            break;
        } else {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            (void)poll(&p, 1, 200);
        }
        release(&q, lo, &cx, lt, mono_s(), false);
        if (mono_s() - last_expiry >= 1.0) { /* once a second: connections idle too long are reported */
            bm_tcp_expire_idle(t, wall_ns(), idle_ns);
            last_expiry = mono_s();
        }
    }
    release(&q, lo, &cx, lt, mono_s(), true);
    struct pcap_stat ps;
    if (pcap_stats(pc, &ps) == 0 && (ps.ps_drop || ps.ps_ifdrop))
        bm_diag_notice(diag, 0, "the kernel dropped %u packets (%u at the interface): connections around them "
                       "have gaps", ps.ps_drop, ps.ps_ifdrop);
    bm_capture_ctx_fini(&cx);
    bm_capture_tell_evicted(t, diag);
    pcap_close(pc);
    return res;
}
