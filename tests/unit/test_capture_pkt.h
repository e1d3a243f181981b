/*
 * test_capture_pkt.h - hand-made packets and a recording stream sink for
 * the capture stage's unit tests. Checksums are computed here with a
 * plain 16-bit-word RFC 1071 loop, independent of src/capture/csum.c.
 */
#ifndef BM_TEST_CAPTURE_PKT_H
#define BM_TEST_CAPTURE_PKT_H

#include <pcap/dlt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture_int.h"
#include "tap.h"

/* ---------------------------------------------------------------- packets */

typedef struct pk_spec {
    int v6;
    uint8_t src[16], dst[16];
    uint16_t sp, dp;
    uint32_t seq, ack;
    uint8_t flags; /* FIN 1, SYN 2, RST 4, PSH 8, ACK 16 */
    const void *pl;
    size_t n;
    uint8_t ttl;
    uint16_t ipid;
    int bad_csum;
    int offload_csum; /* leave the pseudo-header sum, as a sender with offload does */
    uint8_t doff; /* TCP data offset override (0: 5) */
} pk_spec;

#define F_FIN 1
#define F_SYN 2
#define F_RST 4
#define F_ACK 16

static inline uint16_t pk_csum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static inline void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

/* TCP header + payload at 'out'; returns its length. */
static inline size_t pk_tcp(uint8_t *out, const pk_spec *s)
{
    size_t hl = 20;
    memset(out, 0, hl);
    put16(out, s->sp);
    put16(out + 2, s->dp);
    put32(out + 4, s->seq);
    put32(out + 8, s->ack);
    out[12] = (uint8_t)((s->doff ? s->doff : 5) << 4);
    out[13] = s->flags;
    put16(out + 14, 65535);
    if (s->n)
        memcpy(out + hl, s->pl, s->n);
    size_t len = hl + s->n;
    uint8_t ph[40];
    size_t phn;
    memset(ph, 0, sizeof ph);
    if (s->v6) {
        memcpy(ph, s->src, 16);
        memcpy(ph + 16, s->dst, 16);
        put32(ph + 32, (uint32_t)len);
        ph[39] = 6;
        phn = 40;
    } else {
        memcpy(ph, s->src, 4);
        memcpy(ph + 4, s->dst, 4);
        ph[9] = 6;
        put16(ph + 10, (uint32_t)len);
        phn = 12;
    }
    uint32_t sum = 0;
    for (size_t i = 0; i < phn; i += 2)
        sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
    uint16_t c = pk_csum(out, len, sum);
    put16(out + 16, (uint32_t)(s->bad_csum ? c ^ 0x5a5a : c));
    if (s->offload_csum) {
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        put16(out + 16, sum);
    }
    return len;
}

/* IPv4 or IPv6 header + TCP; returns the IP datagram's length. */
static inline size_t pk_ip(uint8_t *out, const pk_spec *s)
{
    if (s->v6) {
        memset(out, 0, 40);
        out[0] = 0x60;
        size_t tl = pk_tcp(out + 40, s);
        put16(out + 4, (uint32_t)tl);
        out[6] = 6;
        out[7] = s->ttl ? s->ttl : 64;
        memcpy(out + 8, s->src, 16);
        memcpy(out + 24, s->dst, 16);
        return 40 + tl;
    }
    memset(out, 0, 20);
    size_t tl = pk_tcp(out + 20, s);
    out[0] = 0x45;
    put16(out + 2, (uint32_t)(20 + tl));
    put16(out + 4, s->ipid);
    out[8] = s->ttl ? s->ttl : 64;
    out[9] = 6;
    memcpy(out + 12, s->src, 4);
    memcpy(out + 16, s->dst, 4);
    put16(out + 10, pk_csum(out, 20, 0));
    return 20 + tl;
}

/* Ethernet II frame around an L3 packet. */
static inline size_t pk_eth(uint8_t *out, uint16_t type, const uint8_t *l3, size_t n)
{
    memset(out, 0, 12);
    out[0] = 0x02;
    out[6] = 0x02;
    out[11] = 1;
    put16(out + 12, type);
    memcpy(out + 14, l3, n);
    return 14 + n;
}

static inline pk_spec pk_v4(uint32_t a, uint16_t sp, uint32_t b, uint16_t dp)
{
    pk_spec s;
    memset(&s, 0, sizeof s);
    put32(s.src, a);
    put32(s.dst, b);
    s.sp = sp;
    s.dp = dp;
    return s;
}

static inline pk_spec pk_rev(const pk_spec *s)
{
    pk_spec r = *s;
    memcpy(r.src, s->dst, 16);
    memcpy(r.dst, s->src, 16);
    r.sp = s->dp;
    r.dp = s->sp;
    return r;
}

/* ------------------------------------------------------- recording sink */

#define REC_CONNS 32
#define REC_EVENTS 256
#define REC_BYTES 65536

typedef struct rec_event {
    char kind; /* 'D' data, 'G' gap, 'F' fin, 'T' tick */
    int dir;
    uint64_t off, len, frame;
    int how;
} rec_event;

typedef struct rec_conn {
    bm_tuple tuple;
    uint64_t open_frame;
    uint8_t data[2][REC_BYTES]; /* stream bytes; gap bytes are '?' */
    uint64_t next[2];
    bool contiguous;            /* every data/gap call started where the last ended */
    rec_event ev[REC_EVENTS];
    int nev;
    int closes;
    bm_tcp_summary sum;
} rec_conn;

typedef struct rec {
    rec_conn c[REC_CONNS];
    int n;
    bool refuse;                /* open returns NULL */
    int opens;
    char diag[4096];
    int ndiag;
} rec;

static inline void rec_event_add(rec_conn *c, char kind, int dir, uint64_t off, uint64_t len, const bm_seg_meta *m, int how)
{
    if (c->nev < REC_EVENTS)
        c->ev[c->nev++] = (rec_event){kind, dir, off, len, m ? m->frame : 0, how};
}

static inline void *rec_open(void *ud, const bm_tuple *t, const bm_seg_meta *m)
{
    rec *r = ud;
    r->opens++;
    if (r->refuse || r->n == REC_CONNS)
        return NULL;
    rec_conn *c = &r->c[r->n++];
    memset(c, 0, sizeof *c);
    c->tuple = *t;
    c->open_frame = m->frame;
    c->contiguous = true;
    return c;
}

static inline void rec_data(void *conn, int dir, uint64_t off, const uint8_t *p, size_t n, const bm_seg_meta *m)
{
    rec_conn *c = conn;
    if (off != c->next[dir])
        c->contiguous = false;
    for (size_t i = 0; i < n; i++)
        if (off + i < REC_BYTES)
            c->data[dir][off + i] = p[i];
    c->next[dir] = off + n;
    rec_event_add(c, 'D', dir, off, n, m, 0);
}

static inline void rec_gap(void *conn, int dir, uint64_t off, uint64_t len, const bm_seg_meta *m)
{
    rec_conn *c = conn;
    if (off != c->next[dir])
        c->contiguous = false;
    for (uint64_t i = 0; i < len; i++)
        if (off + i < REC_BYTES)
            c->data[dir][off + i] = '?';
    c->next[dir] = off + len;
    rec_event_add(c, 'G', dir, off, len, m, 0);
}

static inline void rec_fin(void *conn, int dir, bm_stream_end how, const bm_seg_meta *m)
{
    rec_event_add(conn, 'F', dir, 0, 0, m, (int)how);
}

static inline void rec_tick(void *conn, int dir, const bm_seg_meta *m) { rec_event_add(conn, 'T', dir, 0, 0, m, 0); }

static inline void rec_close(void *conn, const bm_tcp_summary *s)
{
    rec_conn *c = conn;
    c->closes++;
    c->sum = *s;
}

static inline void rec_emit(void *ud, const char *line)
{
    rec *r = ud;
    size_t have = strlen(r->diag);
    snprintf(r->diag + have, sizeof r->diag - have, "%s\n", line);
    r->ndiag++;
}

static inline int rec_count(const rec_conn *c, char kind)
{
    int n = 0;
    for (int i = 0; i < c->nev; i++)
        n += c->ev[i].kind == kind;
    return n;
}

static inline const rec_event *rec_find(const rec_conn *c, char kind, int nth)
{
    for (int i = 0; i < c->nev; i++)
        if (c->ev[i].kind == kind && nth-- == 0)
            return &c->ev[i];
    return NULL;
}

/* ------------------------------------------------------ a whole harness */

typedef struct harness {
    rec *r;
    bm_diag diag;
    bm_capture_stats st;
    bm_tcp_table *t;
    bm_capture_ctx cx;
    uint64_t ts;
    uint8_t buf[70000];
} harness;

/* A harness whose sink declares what it holds per connection (the cap on
 * connection state counts it). */
static inline harness *h_new_costs(const bm_capture_opts *o, size_t open_bytes, size_t content_bytes)
{
    harness *h = calloc(1, sizeof *h);
    h->r = calloc(1, sizeof *h->r);
    h->diag.emit = rec_emit;
    h->diag.ud = h->r;
    bm_diag_begin_file(&h->diag, "test.pcap");
    bm_stream_sink sink = {h->r, rec_open, rec_data, rec_gap, rec_fin, rec_tick, rec_close, open_bytes,
                           content_bytes};
    h->t = bm_tcp_new(o, &sink, &h->diag);
    bm_capture_ctx_init(&h->cx, h->t, &h->diag, &h->st);
    h->ts = 1700000000ull * 1000000000ull;
    return h;
}

static inline harness *h_new_opts(const bm_capture_opts *o) { return h_new_costs(o, 0, 0); }

static inline harness *h_new(void)
{
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    return h_new_opts(&o);
}

static inline void h_frame(harness *h, int lt, const uint8_t *p, size_t caplen, size_t len)
{
    h->ts += 1000000;
    bm_capture_feed_packet(&h->cx, lt, p, (uint32_t)caplen, (uint32_t)len, h->ts);
}

/* One Ethernet/IPv4-or-6/TCP frame from a spec. */
static inline void h_send(harness *h, const pk_spec *s)
{
    uint8_t l3[70000];
    size_t n = pk_ip(l3, s);
    size_t fl = pk_eth(h->buf, s->v6 ? 0x86dd : 0x0800, l3, n);
    h_frame(h, DLT_EN10MB, h->buf, fl, fl);
}

/* Convenience: one segment with payload string. */
static inline void h_seg(harness *h, const pk_spec *base, uint32_t seq, uint32_t ack, uint8_t flags, const char *pl)
{
    pk_spec s = *base;
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.pl = pl;
    s.n = pl ? strlen(pl) : 0;
    h_send(h, &s);
}

static inline void h_free(harness *h)
{
    bm_capture_ctx_fini(&h->cx);
    bm_tcp_free(h->t);
    free(h->r);
    free(h);
}

/* ------------------------------------------- a handshaken connection */

#define CI 1000u
#define SI 5000u

typedef struct pair {
    harness *h;
    pk_spec c, s;
} pair;

/* A harness with a client 10.0.0.1:40000 and a server 10.0.0.2:443 that
 * completed the three-way handshake (frames 1-3). */
static inline pair hs(harness *h, uint32_t ci, uint32_t si)
{
    pair p = {h, pk_v4(0x0a000001, 40000, 0x0a000002, 443), {0}};
    p.s = pk_rev(&p.c);
    h_seg(h, &p.c, ci, 0, F_SYN, NULL);
    h_seg(h, &p.s, si, ci + 1, F_SYN | F_ACK, NULL);
    h_seg(h, &p.c, ci + 1, si + 1, F_ACK, NULL);
    return p;
}

#endif
