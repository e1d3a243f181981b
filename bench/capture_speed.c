/*
 * capture_speed.c - times the capture stage alone over one capture file:
 * libpcap reading, link/IP decoding, TCP reassembly and checksums, with a
 * sink that only counts the bytes delivered.
 *
 *   cc ... -o capture_speed bench/capture_speed.c build/libbadmac.a -lpcap ...
 *   ./capture_speed CAP [--no-checksums]
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../src/capture/capture.h"

typedef struct counts {
    unsigned long long conns, bytes, gaps, gap_bytes, retrans, ooo, bad_csum, offloaded;
} counts;

static void *on_open(void *ud, const bm_tuple *t, const bm_seg_meta *m)
{
    counts *c = ud;
    c->conns++;
    return c;
}

static void on_data(void *conn, int dir, uint64_t off, const uint8_t *p, size_t n, const bm_seg_meta *m)
{
    counts *c = conn;
    c->bytes += n;
}

static void on_gap(void *conn, int dir, uint64_t off, uint64_t len, const bm_seg_meta *m)
{
    counts *c = conn;
    c->gaps++;
    c->gap_bytes += len;
}

static void on_close(void *conn, const bm_tcp_summary *s)
{
    counts *c = conn;
    for (int i = 0; i < 2; i++) {
        c->retrans += s->dir[i].retransmissions;
        c->ooo += s->dir[i].out_of_order;
        c->bad_csum += s->dir[i].bad_checksums;
        c->offloaded += s->dir[i].offloaded_checksums;
    }
}

static void on_diag(void *ud, const char *line)
{
    fprintf(stderr, "%s\n", line);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CAPTURE [--no-checksums]\n", argv[0]);
        return 2;
    }
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    if (argc > 2 && strcmp(argv[2], "--no-checksums") == 0)
        o.verify_checksums = false;
    counts c;
    memset(&c, 0, sizeof c);
    bm_stream_sink sink = {&c, on_open, on_data, on_gap, NULL, NULL, on_close};
    bm_diag diag;
    memset(&diag, 0, sizeof diag);
    diag.emit = on_diag;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bm_tcp_table *t = bm_tcp_new(&o, &sink, &diag);
    bm_capture_stats st;
    bm_result r = bm_capture_read_file(argv[1], t, &diag, &st);
    bm_tcp_flush(t);
    bm_tcp_free(t);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!bm_is_ok(r))
        return 1;
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("frames %llu, captured bytes %llu, connections %llu, stream bytes %llu, gaps %llu (%llu bytes), "
           "retransmissions %llu, out of order %llu, bad checksums %llu, offloaded checksums %llu\n",
           (unsigned long long)st.frames, (unsigned long long)st.bytes, c.conns, c.bytes, c.gaps, c.gap_bytes,
           c.retrans, c.ooo, c.bad_csum, c.offloaded);
    printf("%.3f s, %.0f MB/s of capture\n", s, (double)st.bytes / s / 1e6);
    return 0;
}
