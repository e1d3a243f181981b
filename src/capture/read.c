/*
 * read.c - reading a capture file with libpcap and feeding its frames to
 * the decoders.
 */
#include "tcp_int.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void bm_capture_opts_default(bm_capture_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ooo_bytes_per_dir = (size_t)4 << 20;
    o->ooo_bytes_total = (size_t)256 << 20;
    o->retrans_window = (size_t)64 << 10;
    o->frag_bytes_total = (size_t)16 << 20;
    o->max_conns = 0;
    o->state_bytes_total = (size_t)1 << 30;
    o->verify_checksums = true;
}

void bm_capture_ctx_init(bm_capture_ctx *cx, bm_tcp_table *t, bm_diag *diag, bm_capture_stats *st)
{
    memset(cx, 0, sizeof *cx);
    cx->tcp = t;
    cx->diag = diag;
    cx->st = st;
    bm_frag_init(&cx->frag, bm_tcp_opts(t)->frag_bytes_total);
}

void bm_capture_frag_dropped(void *ud, const bm_frag_key *k, uint64_t first_frame, const char *why)
{
    bm_capture_ctx *cx = ud;
    bm_diag_frame(cx->diag, first_frame, "IPv%u fragments of datagram id 0x%x dropped: %s", (unsigned)k->family,
                  (unsigned)k->id, why);
}

void bm_capture_ctx_fini(bm_capture_ctx *cx)
{
    bm_frag_fini(&cx->frag, bm_capture_frag_dropped, cx);
    bm_carried_report(cx);
    cx->st->frag_reassembled += cx->frag.reassembled;
    cx->st->frag_dropped += cx->frag.dropped;
}

bool bm_capture_linktype_ok(int lt, const char *path, bm_diag *diag)
{
    if (bm_linktype_supported(lt))
        return true;
    const char *name = pcap_datalink_val_to_name(lt);
    bm_diag_frame(diag, 0, "%s%sunsupported link-layer type %d (%s)", path ? path : "", path ? ": " : "", lt,
                  name ? name : "unknown");
    return false;
}

void bm_capture_filtered_packet(bm_capture_ctx *cx)
{
    ++cx->frame;
    cx->st->frames++;
    cx->st->filtered++;
}

int bm_capture_filter_check(const char *expr, char *err, size_t cap)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    struct bpf_program prog;
    int rc = dead ? pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) : -1;
    if (rc == 0)
        pcap_freecode(&prog);
    else
        snprintf(err, cap, "%s", dead ? pcap_geterr(dead) : "out of memory");
    if (dead)
        pcap_close(dead);
    return rc == 0 ? 0 : -1;
}

void bm_capture_feed_packet(bm_capture_ctx *cx, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len,
                            uint64_t ts_ns)
{
    bm_pkt_info pi;
    pi.frame = ++cx->frame;
    /* A capture's timestamps are untrusted (a pcapng may claim 2^64 units):
     * clamped, so that every sum and difference of two of them, and of a
     * clock offset made from them, fits in int64. */
    pi.ts_ns = ts_ns < BM_TS_MAX_NS ? ts_ns : BM_TS_MAX_NS;
    pi.caplen = caplen;
    pi.depth = 0;
    pi.len = len < caplen ? caplen : len; /* a lying record header: trust what is there */
    cx->st->frames++;
    cx->st->bytes += caplen;
    const bm_packet_tap *tap = &bm_tcp_opts(cx->tcp)->tap;
    if (tap->packet && linktype >= 0)
        tap->packet(tap->ud, pi.frame, pi.ts_ns, linktype, p, caplen, pi.len);
    bm_link_decode(cx, linktype, p, &pi);
}

/* The diag context names the file being read; keep the caller's counters
 * when it already did so. */
void bm_capture_diag_file(bm_diag *d, const char *path)
{
    if (!d->file || strcmp(d->file, path) != 0)
        bm_diag_begin_file(d, path);
}

#define BM_CAPTURE_IOBUF (1u << 20)

/* One notice per file for the connections closed early to stay within the
 * limits: their reports cover only what was seen until then. On the TCP
 * table's diag (a shard's own: each shard counts its connections). */
void bm_capture_tell_evicted(bm_tcp_table *t, bm_diag *diag)
{
    (void)diag;
    diag = t->diag;
    if (t->evicted == t->evicted_told)
        return;
    char count[48] = "";
    if (t->o.max_conns)
        snprintf(count, sizeof count, "%u connections, ", t->o.max_conns);
    bm_diag_notice_always(diag,
                          "%llu connections still open were closed early to stay within the limits (%s%zu MiB of "
                          "connection state at once, --max-state); each is reported with what was seen until then, "
                          "%llu later packets of theirs were not analysed",
                          (unsigned long long)(t->evicted - t->evicted_told), count, t->o.state_bytes_total >> 20,
                          (unsigned long long)(t->evicted_packets - t->evicted_packets_told));
    t->evicted_told = t->evicted;
    t->evicted_packets_told = t->evicted_packets;
}

bm_result bm_capture_read_file(const char *path, bm_tcp_table *t, bm_diag *diag, bm_capture_stats *st)
{
    bm_capture_stats local;
    bm_diag quiet;
    if (!st)
        st = &local;
    if (!diag) {
        memset(&quiet, 0, sizeof quiet);
        diag = &quiet;
    }
    memset(st, 0, sizeof *st);
    bm_capture_diag_file(diag, path);
    if (t->diag != diag) /* TCP-level messages name the file too */
        bm_capture_diag_file(t->diag, path);
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = 0;
    /* libpcap reads through stdio with its default 4 KiB buffer: half the
     * time of a pass went into read(2) calls. A 1 MiB buffer cuts them 256
     * times. It MUST outlive the FILE, which pcap_close() closes. */
    FILE *fp = bm_capture_open(path);
    if (!fp) {
        bm_diag_frame(diag, 0, "cannot read capture: %s", strerror(errno));
        return bm_res(BM_ERR_CAPTURE_OPEN);
    }
    /* no bigger than the file (a regular file's size; else the whole 1 MiB) */
    struct stat fst;
    size_t iosize = BM_CAPTURE_IOBUF;
    if (fstat(fileno(fp), &fst) == 0 && S_ISREG(fst.st_mode) && (uint64_t)fst.st_size < iosize)
        iosize = (size_t)fst.st_size + 1;
    char *iobuf = malloc(iosize);
    if (iobuf)
        setvbuf(fp, iobuf, _IOFBF, iosize);
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pc) {
        fclose(fp);
        free(iobuf);
        /* A pcapng file libpcap refuses (interfaces of different link
         * types): read with the pcapng walker, each packet with its
         * interface's link type. */
        bm_capture_ctx cx;
        bm_capture_ctx_init(&cx, t, diag, st);
        bm_result r = bm_capture_is_stdin(path) ? bm_res(BM_ERR_CAPTURE_OPEN) : bm_pcapng_read_packets(path, &cx, 0);
        bm_capture_ctx_fini(&cx);
        bm_capture_tell_evicted(t, diag);
        if (bm_is_ok(r))
            return r;
        bm_diag_frame(diag, 0, "cannot read capture: %s", errbuf);
        return bm_res(BM_ERR_CAPTURE_OPEN);
    }
    int lt = pcap_datalink(pc);
    st->linktype = lt;
    if (!bm_capture_linktype_ok(lt, NULL, diag)) {
        pcap_close(pc);
        free(iobuf);
        return bm_res(BM_ERR_LINKTYPE);
    }
    /* The filter is applied here, not by pcap_setfilter: a packet it
     * rejects keeps its number, so frame numbers stay Wireshark's. */
    struct bpf_program prog;
    const char *expr = bm_tcp_opts(t)->filter;
    if (expr && pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        bm_diag_frame(diag, 0, "cannot apply the filter to this capture's link type: %s", pcap_geterr(pc));
        pcap_close(pc);
        free(iobuf);
        return bm_res(BM_ERR_USAGE);
    }
    bm_capture_ctx cx;
    bm_capture_ctx_init(&cx, t, diag, st);
    cx.filter = expr ? &prog : NULL;
    bm_pcap_map *map = bm_pcap_map_open(fp);
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = bm_pcap_map_next(map, pc, &h, &data);
        if (rc == PCAP_ERROR_BREAK)
            break;
        if (rc != 1 && !bm_capture_is_stdin(path) &&
            strstr(pcap_geterr(pc), "different from the type of the first interface")) {
            /* An interface of another link type: the pcapng walker goes
             * on from the next packet, each with its own link type. */
            if (bm_is_ok(bm_pcapng_read_packets(path, &cx, cx.frame)))
                break;
        }
        if (rc != 1) {
            /* Most often "truncated dump file": the capture was cut in the
             * middle of a record. What was read is still analysed. */
            bm_diag_frame(diag, cx.frame + 1, "cannot read further: %s", pcap_geterr(pc));
            st->read_error = true;
            break;
        }
        if (cx.filter && !pcap_offline_filter(cx.filter, h, data)) {
            bm_capture_filtered_packet(&cx);
            continue;
        }
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
        bm_capture_feed_packet(&cx, lt, data, h->caplen, h->len, ts);
    }
    bm_pcap_map_close(map);
    bm_capture_ctx_fini(&cx);
    if (expr)
        pcap_freecode(&prog);
    pcap_close(pc);
    free(iobuf);
    bm_capture_tell_evicted(t, diag);
    return BM_SUCCESS;
}
