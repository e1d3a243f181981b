/*
 * run.c - both passes over two capture files.
 *
 * Pass 2 reads the two files in lockstep: one packet at a time from
 * whichever file is earlier (its timestamp moved by the clock offset found
 * in pass 1), each through its own capture stage. The same bytes therefore
 * reach the compare windows from both sides at about the same time, and
 * the windows only hold what is in flight between the vantage points.
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/capture.h"
#include "compare_int.h"
#include "frame_csum.h"

int bm_cmp_scan_file(bm_cmp *c, int cap, const char *path, bm_diag *diag)
{
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    bm_tcp_table *t = bm_tcp_new(&o, bm_cmp_scan_sink(c, cap), diag);
    if (!t)
        return -1;
    bm_capture_stats st;
    memset(&st, 0, sizeof st);
    bm_result r = bm_capture_read_file(path, t, diag, &st);
    bm_tcp_flush(t);
    bm_tcp_free(t);
    if (diag)
        bm_diag_end_file(diag);
    return bm_is_ok(r) ? 0 : -1;
}

typedef struct src {
    pcap_t *pc;
    bm_pcap_map *map; /* classic pcap: read from a memory map */
    int lt;
    bm_tcp_table *t;
    bm_capture_feed *feed;
    bm_cmp_csum_ring *ring;
    struct pcap_pkthdr *h;
    const u_char *data;
    bool have;
} src;

static void src_next(src *s)
{
    s->have = bm_pcap_map_next(s->map, s->pc, &s->h, &s->data) == 1;
}

static uint64_t src_ts(const src *s)
{
    uint64_t t = (uint64_t)s->h->ts.tv_sec * 1000000000ull + (uint64_t)s->h->ts.tv_usec;
    return t < BM_TS_MAX_NS ? t : BM_TS_MAX_NS; /* as the capture stage takes it */
}

/* The capture stage puts each frame's checksum verdict in the ring before
 * the frame's bytes reach the compare sinks. */
static void src_feed(src *s)
{
    bm_capture_feed_frame(s->feed, s->lt, s->data, s->h->caplen, s->h->len, src_ts(s));
}

/* The connections still open at the end. Flushing one capture's may
 * complete a pair that reads the checksum verdicts of the OTHER capture's
 * frames (its ring), so both captures are flushed before either is closed. */
static void src_flush(src *s)
{
    if (s->t)
        bm_tcp_flush(s->t);
}

static void src_close(src *s)
{
    bm_capture_feed_free(s->feed);
    if (s->t)
        bm_tcp_free(s->t);
    bm_pcap_map_close(s->map);
    if (s->pc)
        pcap_close(s->pc);
    free(s->ring);
}

static bool src_open(src *s, bm_cmp *c, int cap, const char *path, bm_diag *quiet)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = 0;
    FILE *f = bm_capture_open(path);
    s->pc = f ? pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf) : NULL;
    if (!s->pc) {
        if (f)
            fclose(f);
        return false;
    }
    s->lt = pcap_datalink(s->pc);
    s->map = bm_pcap_map_open(f);
    s->ring = bm_cmp_csum_ring_new();
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    s->t = bm_tcp_new(&o, bm_cmp_diff_sink(c, cap), quiet);
    if (!s->ring || !s->t)
        return false;
    s->feed = bm_capture_feed_new(s->t, quiet, bm_cmp_csum_ring_put, s->ring);
    if (!s->feed)
        return false;
    bm_cmp_set_csum(c, cap, bm_cmp_csum_ring_get, s->ring);
    src_next(s);
    return true;
}

static int lockstep(bm_cmp *c, const char *a, const char *b)
{
    bm_diag quiet; /* pass 1 said everything there is to say about the input */
    memset(&quiet, 0, sizeof quiet);
    src s[2];
    memset(s, 0, sizeof s);
    int rc = 0;
    if (!src_open(&s[0], c, BM_CAP_A, a, &quiet) || !src_open(&s[1], c, BM_CAP_B, b, &quiet)) {
        rc = -1;
        goto out;
    }
    /* The offset comes from the captures' timestamps, which may be garbage:
     * clamped before the conversion, compared in 128 bits. */
    double off_ns = bm_cmp_clock_offset(c) * 1e9;
    const double lim = 4.0e18;
    __int128 off = (__int128)(off_ns != off_ns ? 0.0 : off_ns > lim ? lim : off_ns < -lim ? -lim : off_ns);
    while (s[0].have || s[1].have) {
        int pick;
        if (!s[1].have)
            pick = 0;
        else if (!s[0].have)
            pick = 1;
        else
            pick = (__int128)src_ts(&s[0]) + off <= (__int128)src_ts(&s[1]) ? 0 : 1;
        src_feed(&s[pick]);
        src_next(&s[pick]);
    }
out:
    src_flush(&s[0]);
    src_flush(&s[1]);
    bm_cmp_set_csum(c, BM_CAP_A, NULL, NULL);
    bm_cmp_set_csum(c, BM_CAP_B, NULL, NULL);
    src_close(&s[0]);
    src_close(&s[1]);
    return rc;
}

int bm_cmp_run_files(bm_cmp *c, const char *a, const char *b, bm_diag *diag)
{
    bm_cmp_set_capture(c, BM_CAP_A, a);
    bm_cmp_set_capture(c, BM_CAP_B, b);
    return bm_cmp_run_paths(c, a, b, diag);
}

int bm_cmp_run_paths(bm_cmp *c, const char *a, const char *b, bm_diag *diag)
{
    int ra = bm_cmp_scan_file(c, BM_CAP_A, a, diag);
    int rb = bm_cmp_scan_file(c, BM_CAP_B, b, diag);
    if (ra || rb)
        return -1;
    bm_cmp_pair(c);
    return lockstep(c, a, b);
}
