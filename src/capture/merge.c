/*
 * merge.c - several capture files read as one time-ordered capture, the
 * way mergecap merges them (the packet with the earliest timestamp next;
 * on a tie, the file given first), streaming: one packet per file is held.
 * The pieces of a rotated capture (tcpdump -C or -G, editcap -c) give the
 * connections that cross a file boundary back whole. Frames are numbered
 * in the merged order, as in the file `mergecap -w` would write.
 */
#include "tcp_int.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

typedef struct msrc {
    const char *path;
    pcap_t *pc;
    int lt;
    struct bpf_program prog;
    bool filtered;           /* prog compiled */
    struct pcap_pkthdr *h;
    const u_char *data;
    bool have;
} msrc;

static uint64_t msrc_ts(const msrc *s) { return (uint64_t)s->h->ts.tv_sec * 1000000000ull + (uint64_t)s->h->ts.tv_usec; }

/* The next packet of s; at the end or on a read error (one line naming
 * the file, the frames before it kept) it has none. */
static void msrc_next(msrc *s, bm_diag *diag, uint64_t frame, bm_capture_stats *st)
{
    int rc = pcap_next_ex(s->pc, &s->h, &s->data);
    s->have = rc == 1;
    if (rc != 1 && rc != PCAP_ERROR_BREAK) {
        bm_diag_frame(diag, frame, "%s: cannot read further: %s", s->path, pcap_geterr(s->pc));
        st->read_error = true;
    }
}

/* Opens one file of the merge; false after a line naming it. */
static bool msrc_open(msrc *s, const char *path, const char *filter, bm_diag *diag)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    memset(s, 0, sizeof *s);
    s->path = path;
    FILE *f = bm_capture_open(path);
    if (!f) {
        bm_diag_frame(diag, 0, "%s: cannot read capture: %s", path, strerror(errno));
        return false;
    }
    s->pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!s->pc) {
        fclose(f);
        bm_diag_frame(diag, 0, "%s: cannot read capture: %s%s", path, errbuf,
                      strstr(errbuf, "different from the type of the first interface")
                          ? " (interfaces of different link types: give this file alone)"
                          : "");
        return false;
    }
    s->lt = pcap_datalink(s->pc);
    if (!bm_capture_linktype_ok(s->lt, path, diag)) {
        pcap_close(s->pc);
        s->pc = NULL;
        return false;
    }
    if (filter) {
        if (pcap_compile(s->pc, &s->prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            bm_diag_frame(diag, 0, "%s: cannot apply the filter to this capture's link type: %s", path,
                          pcap_geterr(s->pc));
            pcap_close(s->pc);
            s->pc = NULL;
            return false;
        }
        s->filtered = true;
    }
    return true;
}

bm_result bm_capture_read_merged(const char *const *paths, unsigned n, bm_tcp_table *t, bm_diag *diag,
                                 bm_capture_stats *st)
{
    msrc *src = calloc(n ? n : 1, sizeof *src);
    if (!src)
        return bm_res(BM_ERR_NOMEM);
    memset(st, 0, sizeof *st);
    bm_result res = BM_SUCCESS;
    bm_capture_ctx cx;
    bm_capture_ctx_init(&cx, t, diag, st);
    const char *filter = bm_tcp_opts(t)->filter;
    for (unsigned i = 0; i < n; i++) {
        if (!msrc_open(&src[i], paths[i], filter, diag)) {
            res = bm_res(BM_ERR_CAPTURE_OPEN);
            continue;
        }
        if (!st->linktype)
            st->linktype = src[i].lt;
        msrc_next(&src[i], diag, 0, st);
    }
    for (;;) {
        msrc *pick = NULL;
        for (unsigned i = 0; i < n; i++)
            if (src[i].have && (!pick || msrc_ts(&src[i]) < msrc_ts(pick)))
                pick = &src[i];
        if (!pick)
            break;
        if (pick->filtered && !pcap_offline_filter(&pick->prog, pick->h, pick->data))
            bm_capture_filtered_packet(&cx);
        else
            bm_capture_feed_packet(&cx, pick->lt, pick->data, pick->h->caplen, pick->h->len, msrc_ts(pick));
        msrc_next(pick, diag, cx.frame, st);
    }
    bm_capture_ctx_fini(&cx);
    bm_capture_tell_evicted(t, diag);
    for (unsigned i = 0; i < n; i++) {
        if (src[i].filtered)
            pcap_freecode(&src[i].prog);
        if (src[i].pc)
            pcap_close(src[i].pc);
    }
    free(src);
    return res;
}
