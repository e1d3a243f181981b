/* compare: pairing, byte diffs, gaps, segmentation, divergence, interception,
 * through the sink API with hand-made streams (no capture files). */
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "compare/compare.h"
#include "compare/frame_csum.h"
#include "tap.h"

#define MAX_EV 64
#define MAX_RES 8

/* One connection as a script of deliveries (dir: TCP side; p NULL = gap). */
typedef struct ev {
    int dir;
    const uint8_t *p;
    size_t n;
    uint64_t ts;
} ev;

typedef struct script {
    bm_tuple t;
    ev e[MAX_EV];
    int n;
    uint64_t acked[2];           /* by TCP side: the peer's ACKs as captured (0: none) */
} script;

typedef struct got {
    int n;
    bm_cmp_result r[MAX_RES];
    int unpaired[2];
} got;

static void on_pair(void *ud, const bm_cmp_result *r)
{
    got *g = ud;
    if (g->n < MAX_RES)
        g->r[g->n++] = *r;
}

static void on_unpaired(void *ud, int cap, const bm_cmp_fp *f, const char *capture)
{
    got *g = ud;
    (void)f;
    (void)capture;
    g->unpaired[cap & 1]++;
}

static bm_tuple tup(uint8_t a, uint16_t pa, uint8_t b, uint16_t pb)
{
    bm_tuple t;
    memset(&t, 0, sizeof t);
    t.addr[0].family = t.addr[1].family = 4;
    t.addr[0].ip[0] = 10;
    t.addr[0].ip[3] = a;
    t.addr[1].ip[0] = 10;
    t.addr[1].ip[3] = b;
    t.port[0] = pa;
    t.port[1] = pb;
    return t;
}

static void add(script *s, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
    if (s->n < MAX_EV)
        s->e[s->n++] = (ev){dir, p, n, ts};
}

/* Feeds one connection to a sink: open, deliveries, close. */
static void play(const bm_stream_sink *k, const script *s, uint64_t *frame)
{
    bm_seg_meta m = {.frame = ++*frame, .ts_ns = s->n ? s->e[0].ts : 1};
    void *c = k->open(k->ud, &s->t, &m);
    uint64_t off[2] = {0, 0};
    bm_tcp_summary sum;
    memset(&sum, 0, sizeof sum);
    for (int i = 0; i < s->n; i++) {
        const ev *e = &s->e[i];
        m.frame = ++*frame;
        m.ts_ns = e->ts;
        if (c && e->p)
            k->data(c, e->dir, off[e->dir], e->p, e->n, &m);
        else if (c)
            k->gap(c, e->dir, off[e->dir], e->n, &m);
        off[e->dir] += e->n;
        sum.dir[e->dir].bytes += e->p ? e->n : 0;
        sum.dir[e->dir].segments++;
    }
    for (int d = 0; d < 2; d++)
        sum.dir[d].acked = s->acked[d];
    sum.first_frame = 1;
    sum.last_frame = *frame;
    if (c)
        k->close(c, &sum);
}

/* Both passes over scripts a[0..na) and b[0..nb). */
static bm_cmp *run(got *g, const script *a, int na, const script *b, int nb, size_t window)
{
    memset(g, 0, sizeof *g);
    bm_cmp_opts o;
    bm_cmp_opts_default(&o);
    o.on_pair = on_pair;
    o.on_unpaired = on_unpaired;
    o.ud = g;
    if (window)
        o.window = window;
    bm_cmp *c = bm_cmp_new(&o);
    bm_cmp_set_capture(c, BM_CAP_A, "a.pcap");
    bm_cmp_set_capture(c, BM_CAP_B, "b.pcap");
    uint64_t fa = 0, fb = 0;
    for (int i = 0; i < na; i++)
        play(bm_cmp_scan_sink(c, BM_CAP_A), &a[i], &fa);
    for (int i = 0; i < nb; i++)
        play(bm_cmp_scan_sink(c, BM_CAP_B), &b[i], &fb);
    bm_cmp_pair(c);
    fa = fb = 0;
    for (int i = 0; i < na; i++)
        play(bm_cmp_diff_sink(c, BM_CAP_A), &a[i], &fa);
    for (int i = 0; i < nb; i++)
        play(bm_cmp_diff_sink(c, BM_CAP_B), &b[i], &fb);
    bm_cmp_finish(c, NULL);
    return c;
}

/* A TLS 1.2 ClientHello record with 'rnd' as the random and an SNI. */
static size_t client_hello(uint8_t *out, uint8_t rnd, const char *sni)
{
    uint8_t body[256];
    size_t n = 0, sl = strlen(sni);
    body[n++] = 3;
    body[n++] = 3;
    for (int i = 0; i < 32; i++)
        body[n++] = (uint8_t)(rnd + i * 7);
    body[n++] = 0;                                  /* session id */
    body[n++] = 0, body[n++] = 2, body[n++] = 0xc0, body[n++] = 0x2f; /* one suite */
    body[n++] = 1, body[n++] = 0;                   /* null compression */
    size_t ext = sl + 9;
    body[n++] = (uint8_t)(ext >> 8), body[n++] = (uint8_t)ext;
    body[n++] = 0, body[n++] = 0;                   /* server_name */
    body[n++] = (uint8_t)((sl + 5) >> 8), body[n++] = (uint8_t)(sl + 5);
    body[n++] = (uint8_t)((sl + 3) >> 8), body[n++] = (uint8_t)(sl + 3);
    body[n++] = 0;
    body[n++] = (uint8_t)(sl >> 8), body[n++] = (uint8_t)sl;
    memcpy(body + n, sni, sl);
    n += sl;
    size_t o = 0;
    out[o++] = 22, out[o++] = 3, out[o++] = 1;
    out[o++] = (uint8_t)((n + 4) >> 8), out[o++] = (uint8_t)(n + 4);
    out[o++] = 1, out[o++] = 0, out[o++] = (uint8_t)(n >> 8), out[o++] = (uint8_t)n;
    memcpy(out + o, body, n);
    return o + n;
}

static uint8_t ch1[300], ch2[300], srv[4000], srv_flip[4000], srv_zero[4000], srv_burst[4000];
static size_t ch1_n, ch2_n;

static void fill(void)
{
    ch1_n = client_hello(ch1, 1, "shop.example");
    ch2_n = client_hello(ch2, 99, "shop.example");
    srv[0] = 23, srv[1] = 3, srv[2] = 3, srv[3] = (sizeof srv - 5) >> 8, srv[4] = (sizeof srv - 5) & 0xff;
    for (size_t i = 5; i < sizeof srv; i++)
        srv[i] = (uint8_t)(i * 31 + 7);
    memcpy(srv_flip, srv, sizeof srv);
    srv_flip[1234] ^= 0x08;
    memcpy(srv_zero, srv, sizeof srv);
    memset(srv_zero + 2000, 0, 40);
    memcpy(srv_burst, srv, sizeof srv);
    for (int i = 0; i < 1000; i++)
        srv_burst[3000 + i] ^= (uint8_t)(0x5a + i);
}

/* client: ClientHello; server: srv in 4 segments of 1000 bytes (or 'segs'). */
static script conn(bm_tuple t, const uint8_t *ch, size_t chn, const uint8_t *s, int segs, uint64_t ts)
{
    script c;
    memset(&c, 0, sizeof c);
    c.t = t;
    add(&c, BM_SIDE_A, ch, chn, ts);
    size_t per = sizeof srv / (size_t)segs;
    for (int i = 0; i < segs; i++)
        add(&c, BM_SIDE_B, s + per * (size_t)i, i == segs - 1 ? sizeof srv - per * (size_t)i : per,
            ts + 1000 + (uint64_t)i);
    return c;
}

static void test_identical_nat(void)
{
    got g;
    script a = conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv, 4, 1000000);
    script b = conn(tup(7, 1234, 8, 8443), ch1, ch1_n, srv, 4, 1000050); /* NAT, 50 ns later */
    bm_cmp *c = run(&g, &a, 1, &b, 1, 0);
    is_int(g.n, 1, "identical: one pair across NAT");
    is_int(g.r[0].method, BM_PAIR_RANDOM, "paired by the ClientHello random");
    is_int(g.r[0].verdict, BM_V_IDENTICAL, "verdict identical");
    is_int(g.r[0].d[BM_SERVER].compared, sizeof srv, "every server byte compared");
    is_int(g.r[0].d[BM_CLIENT].compared, ch1_n, "every client byte compared");
    is_str(g.r[0].fp[0]->sni, "shop.example", "SNI from the ClientHello");
    ok(g.r[0].clock_offset_s > 4e-8 && g.r[0].clock_offset_s < 6e-8, "clock offset 50 ns");
    is_int(g.unpaired[0] + g.unpaired[1], 0, "nothing unpaired");
    bm_cmp_free(c);
}

static void test_bit_flip(void)
{
    got g;
    script a = conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv_flip, 4, 1000000); /* client side */
    script b = conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv, 4, 1000000);
    bm_cmp *c = run(&g, &a, 1, &b, 1, 0);
    is_int(g.n, 1, "flip: one pair");
    const bm_cmp_result *r = &g.r[0];
    is_int(r->verdict, BM_V_CORRUPTION, "verdict in-path corruption");
    is_int(r->total_diffs, 1, "one differing range");
    const bm_cmp_diff *d = &r->diffs[0];
    is_int(d->dir, BM_SERVER, "in the server's stream");
    is_int(d->offset, 1234, "at offset 1234");
    is_int(d->length, 1, "one byte");
    is_int(d->n_bits, 1, "one bit");
    is_int(d->bits[0].bit, 3, "bit 3");
    is_str(bm_cmp_pattern(d, BM_CAP_A), "single_bit", "pattern single_bit");
    is_int(d->frames[0][0], 4, "frame of the segment at a (second server segment)");
    is_int(d->csum[0], -1, "no checksum verdict without a packet reader");
    is_int(d->shown[0][0] ^ d->shown[1][0], 0x08, "the bytes shown differ in bit 3");
    bm_cmp_free(c);
}

static void test_patterns(void)
{
    got g;
    script a[2] = {conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv_zero, 4, 1000000),
                   conn(tup(1, 40001, 2, 443), ch2, ch2_n, srv_burst, 4, 2000000)};
    script b[2] = {conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv, 4, 1000000),
                   conn(tup(1, 40001, 2, 443), ch2, ch2_n, srv, 4, 2000000)};
    bm_cmp *c = run(&g, a, 2, b, 2, 0);
    is_int(g.n, 2, "patterns: two pairs");
    is_str(bm_cmp_pattern(&g.r[0].diffs[0], BM_CAP_A), "zeroed", "40 zeroed bytes");
    is_int(g.r[0].diffs[0].offset, 2000, "zeroed range starts at 2000");
    is_str(bm_cmp_pattern(&g.r[1].diffs[0], BM_CAP_A), "segment_block", "a segment's worth replaced");
    ok(g.r[1].total_diffs == 1 && g.r[1].diffs[0].length == 1000, "one 1000-byte range (close bytes merge)");
    is_int(g.r[1].diffs[0].n_frames[0], 1, "within one segment at a");
    bm_cmp_free(c);
}

static void test_resegmented(void)
{
    got g;
    script a = conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv, 4, 1000000);
    script b = conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv, 3, 1000000);
    bm_cmp *c = run(&g, &a, 1, &b, 1, 0);
    is_int(g.r[0].verdict, BM_V_RESEGMENTED, "same bytes, other segments: resegmented");
    ok(g.r[0].d[BM_SERVER].resegmented && !g.r[0].d[BM_CLIENT].resegmented, "in the server direction only");
    is_int(g.r[0].d[BM_SERVER].reseg_at, 1000, "from the first differing boundary");
    bm_cmp_free(c);
}

static void test_lost(void)
{
    got g;
    script a = conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv, 4, 1000000);
    script b = a;
    b.e[2].p = NULL; /* the second server segment never captured at b */
    bm_cmp *c = run(&g, &a, 1, &b, 1, 0);
    const bm_cmp_result *r = &g.r[0];
    is_int(r->d[BM_SERVER].missing[BM_CAP_B], 1000, "1000 bytes missing at b");
    ok(r->n_missing == 1 && r->missing[0].declared && r->missing[0].offset == 1000, "as a declared gap at 1000");
    /* Equal times give no vantage: a is taken as the client side, so b is
     * the server's side, the sender of these bytes: its capture missed them,
     * the network between the points did not lose them. */
    is_int(r->verdict, BM_V_CAPTURE_LOSS, "missing at the sender's side only: capture loss, not lost between");
    is_int(r->missing[0].state, BM_MS_CAPTURE_LOSS, "the range: capture loss");
    ok(r->d[BM_SERVER].capture_loss[BM_CAP_B] == 1000 && r->d[BM_SERVER].lost_between == 0,
       "1000 bytes of capture loss at b, none lost between");
    bm_cmp_free(c);
    script a2 = a;
    a2.e[2].p = NULL; /* now missing at a, the server stream's receiver */
    a2.acked[BM_SIDE_B] = 1000; /* whose ACKs stop before the hole */
    c = run(&g, &a2, 1, &a, 1, 0);
    is_int(g.r[0].verdict, BM_V_LOST_BETWEEN, "missing at the receiver, never acknowledged: lost between");
    is_int(g.r[0].missing[0].state, BM_MS_LOST_BETWEEN, "the range: lost between");
    bm_cmp_free(c);
    a2.acked[BM_SIDE_B] = 4000; /* the receiver acknowledged past the hole */
    c = run(&g, &a2, 1, &a, 1, 0);
    is_int(g.r[0].verdict, BM_V_CAPTURE_LOSS, "missing at the receiver, its ACK covers them: capture loss");
    ok(g.r[0].missing[0].state == BM_MS_CAPTURE_LOSS && g.r[0].missing[0].at == BM_CAP_A &&
           g.r[0].missing[0].offset == 1000 && g.r[0].d[BM_SERVER].capture_loss[BM_CAP_A] == 1000,
       "capture loss at a, offset 1000, 1000 bytes");
    bm_cmp_free(c);
    a2.acked[BM_SIDE_B] = 0; /* no ACKs captured: the stream went on at both points, no retransmission */
    c = run(&g, &a2, 1, &a, 1, 0);
    is_int(g.r[0].verdict, BM_V_CAPTURE_LOSS, "no ACKs captured, later bytes at both: capture loss");
    bm_cmp_free(c);
    /* the receiver's stream ends early: never delivered */
    script a3 = a;
    a3.n = 3;
    c = run(&g, &a3, 1, &a, 1, 0);
    ok(g.r[0].n_missing == 1 && !g.r[0].missing[0].declared && g.r[0].missing[0].length == 2000,
       "tail never delivered: 2000 bytes");
    is_int(g.r[0].verdict, BM_V_LOST_BETWEEN, "tail lost between");
    bm_cmp_free(c);
    a3.acked[BM_SIDE_B] = 4000; /* yet the receiver acknowledged the tail: the capture at a stopped early */
    c = run(&g, &a3, 1, &a, 1, 0);
    is_int(g.r[0].verdict, BM_V_CAPTURE_LOSS, "tail acknowledged by the receiver: capture loss");
    bm_cmp_free(c);
}

static void test_diverged(void)
{
    got g;
    script a = conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv, 4, 1000000);
    script b = conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv, 4, 1000000);
    b.n = 2; /* b saw only the first server segment */
    bm_cmp *c = run(&g, &a, 1, &b, 1, 2048);
    is_int(g.r[0].verdict, BM_V_DIVERGED, "window of 2 KiB overflows: diverged");
    ok(g.r[0].d[BM_SERVER].diverged, "server direction diverged");
    ok(g.r[0].d[BM_SERVER].diverged_at <= 1000, "stopped at the matched offset");
    bm_cmp_free(c);
}

static void test_payload_pairing(void)
{
    got g;
    static const uint8_t req[] = "GET / HTTP/1.0\r\n\r\n", resp[] = "HTTP/1.0 200 OK\r\n\r\nhello";
    script a, b, other;
    memset(&a, 0, sizeof a);
    a.t = tup(1, 5555, 2, 80);
    add(&a, BM_SIDE_A, req, sizeof req - 1, 10);
    add(&a, BM_SIDE_B, resp, sizeof resp - 1, 20);
    b = a;
    b.t = tup(9, 6666, 2, 8080);
    other = a;
    other.t = tup(3, 5556, 2, 80);
    other.e[1].n = 4; /* another response: another connection */
    script bs[2] = {other, b};
    bm_cmp *c = run(&g, &a, 1, bs, 2, 0);
    is_int(g.n, 1, "payload: one pair");
    is_int(g.r[0].method, BM_PAIR_PAYLOAD, "paired by payload hash");
    is_int(g.r[0].fp[1]->tuple.port[0], 6666, "with the right connection");
    is_int(g.r[0].verdict, BM_V_IDENTICAL, "identical");
    is_int(g.unpaired[1], 1, "the other connection of b is unpaired");
    bm_cmp_free(c);
}

static void test_interception(void)
{
    got g;
    /* the client's handshake ends at the proxy; the proxy's own goes on */
    script a = conn(tup(1, 40000, 2, 443), ch1, ch1_n, srv, 4, 1000000);
    script b = conn(tup(3, 50000, 2, 443), ch2, ch2_n, srv, 4, 1200000);
    script far = conn(tup(1, 40002, 2, 443), ch1, ch1_n, srv, 4, 900000000000ull); /* another time */
    far.e[0].p = ch2; /* same SNI, another random, but 15 minutes later */
    script as[1] = {a}, bs[2] = {b, far};
    bm_cmp *c = run(&g, as, 1, bs, 2, 0);
    is_int(g.n, 1, "interception: one pair");
    is_int(g.r[0].method, BM_PAIR_HANDSHAKE, "paired by time, SNI and port");
    is_int(g.r[0].verdict, BM_V_INTERCEPTION, "verdict interception");
    ok(g.r[0].intercepted, "flagged intercepted");
    is_int(g.r[0].client_side, BM_CAP_A, "the capture whose connection started first is the client's");
    is_int(g.unpaired[1], 1, "the later connection stays unpaired");
    bm_cmp_free(c);
}

static void last_verdict(void *ud, uint64_t frame, int v)
{
    (void)frame;
    *(int *)ud = v;
}

/* One Ethernet frame through the capture stage's decoding: its verdict. */
static int frame_csum(const uint8_t *f, uint32_t caplen, uint32_t len)
{
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    bm_stream_sink none;
    memset(&none, 0, sizeof none);
    bm_diag quiet;
    memset(&quiet, 0, sizeof quiet);
    bm_tcp_table *t = bm_tcp_new(&o, &none, &quiet);
    int v = -2;
    bm_capture_feed *feed = bm_capture_feed_new(t, &quiet, last_verdict, &v);
    bm_capture_feed_frame(feed, 1, f, caplen, len, 1000);
    bm_capture_feed_free(feed);
    bm_tcp_free(t);
    return v;
}

static void test_frame_csum(void)
{
    /* Ethernet + IPv4 + TCP with 4 payload bytes, checksum filled in below */
    uint8_t f[14 + 20 + 20 + 4];
    memset(f, 0, sizeof f);
    f[12] = 0x08;
    uint8_t *ip = f + 14, *tcp = f + 34;
    ip[0] = 0x45, ip[3] = 44, ip[8] = 64, ip[9] = 6;
    ip[12] = 10, ip[15] = 1, ip[16] = 10, ip[19] = 2;
    tcp[0] = 0x9c, tcp[1] = 0x40, tcp[3] = 80, tcp[12] = 0x50, tcp[13] = 0x18;
    memcpy(tcp + 20, "abcd", 4);
    uint32_t s = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 24; /* pseudo-header */
    for (int i = 0; i < 24; i += 2)
        s += (uint32_t)(tcp[i] << 8 | tcp[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    uint16_t ck = (uint16_t)~s;
    tcp[16] = (uint8_t)(ck >> 8), tcp[17] = (uint8_t)ck;
    is_int(frame_csum(f, sizeof f, sizeof f), 1, "valid TCP checksum");
    tcp[22] ^= 1;
    is_int(frame_csum(f, sizeof f, sizeof f), 0, "one bit off: invalid");
    is_int(frame_csum(f, sizeof f - 2, sizeof f), -1, "cut by the snaplen: unknown");
    is_int(frame_csum(f, 20, 20), -1, "truncated frame: unknown, no overrun");
    bm_cmp_csum_ring *r = bm_cmp_csum_ring_new();
    bm_cmp_csum_ring_put(r, 5, 1);
    bm_cmp_csum_ring_put(r, 6, 0);
    ok(bm_cmp_csum_ring_get(r, 5) == 1 && bm_cmp_csum_ring_get(r, 6) == 0, "ring keeps verdicts");
    is_int(bm_cmp_csum_ring_get(r, 7), -1, "future frame unknown");
    free(r);
}

int main(void)
{
    fill();
    test_identical_nat();
    test_bit_flip();
    test_patterns();
    test_resegmented();
    test_lost();
    test_diverged();
    test_payload_pairing();
    test_interception();
    test_frame_csum();
    return tap_done();
}
