/* Robustness: plausible TCP conversations, reordered, duplicated, dropped,
 * cut and corrupted at random, through every link type with small caps.
 * Beyond "no crash" (run it under ASan/UBSan), the sink contract must hold:
 * each direction's data and gaps are contiguous from offset 0, no call
 * comes after close, close comes exactly once, and every buffer is
 * released at the end. */
#include "test_capture_pkt.h"
#include "capture/tcp_int.h"

typedef struct fz fz;

typedef struct fz_conn {
    fz *z;
    uint64_t next[2];
    int fins[2], rsts[2]; /* per side: a FIN may be followed by a RST, never two of either */
    bool broken;
} fz_conn;

struct fz {
    unsigned opens, closes, violations;
    uint64_t bytes, gap_bytes;
};

static void *fz_open(void *ud, const bm_tuple *t, const bm_seg_meta *m)
{
    fz *z = ud;
    z->opens++;
    fz_conn *c = calloc(1, sizeof *c);
    if (c)
        c->z = z;
    return c;
}

static void fz_data(void *conn, int dir, uint64_t off, const uint8_t *p, size_t n, const bm_seg_meta *m)
{
    fz_conn *c = conn;
    if (off != c->next[dir] || n == 0 || dir < 0 || dir > 1)
        c->broken = true;
    volatile uint8_t x = p[0]; /* the pointer must be readable for n bytes */
    x = p[n - 1];
    (void)x;
    c->next[dir] = off + n;
    c->z->bytes += n;
}

static void fz_gap(void *conn, int dir, uint64_t off, uint64_t len, const bm_seg_meta *m)
{
    fz_conn *c = conn;
    if (off != c->next[dir] || len == 0)
        c->broken = true;
    c->next[dir] = off + len;
    c->z->gap_bytes += len;
}

static void fz_fin(void *conn, int dir, bm_stream_end how, const bm_seg_meta *m)
{
    fz_conn *c = conn;
    if (dir < 0 || dir > 1) {
        c->broken = true;
        return;
    }
    if (++(how == BM_END_RST ? c->rsts : c->fins)[dir] > 1)
        c->broken = true;
}

static void fz_close(void *conn, const bm_tcp_summary *s)
{
    fz_conn *c = conn;
    c->z->closes++;
    if (c->broken || s->dir[0].bytes + s->dir[0].gap_bytes != c->next[0] ||
        s->dir[1].bytes + s->dir[1].gap_bytes != c->next[1])
        c->z->violations++;
    free(c);
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Wraps an IP packet in a random supported link layer. */
static size_t wrap(uint8_t *f, const uint8_t *l3, size_t n, int v6, int kind, int *lt)
{
    switch (kind) {
    case 0:
        *lt = DLT_EN10MB;
        return pk_eth(f, v6 ? 0x86dd : 0x0800, l3, n);
    case 1: {
        *lt = DLT_EN10MB;
        uint8_t tmp[2100];
        memcpy(tmp, l3, n);
        memset(f, 0, 12);
        put16(f + 12, 0x88a8);
        put16(f + 14, 5);
        put16(f + 16, 0x8100);
        put16(f + 18, 6);
        put16(f + 20, v6 ? 0x86dd : 0x0800);
        memcpy(f + 22, tmp, n);
        return 22 + n;
    }
    case 2:
        *lt = DLT_LINUX_SLL;
        memset(f, 0, 16);
        put16(f + 14, v6 ? 0x86dd : 0x0800);
        memcpy(f + 16, l3, n);
        return 16 + n;
    case 3:
        *lt = DLT_LINUX_SLL2;
        memset(f, 0, 20);
        put16(f, v6 ? 0x86dd : 0x0800);
        memcpy(f + 20, l3, n);
        return 20 + n;
    case 4:
        *lt = DLT_NULL;
        memset(f, 0, 4);
        f[0] = v6 ? 30 : 2;
        memcpy(f + 4, l3, n);
        return 4 + n;
    default:
        *lt = DLT_RAW;
        memcpy(f, l3, n);
        return n;
    }
}

/* IPv4 fragments of an IP datagram, fed one by one. */
static void feed_frags(bm_capture_ctx *cx, const uint8_t *l3, size_t n, uint32_t *seed, uint64_t *ts)
{
    uint8_t ip[2100];
    size_t pay = n - 20, off = 0;
    uint16_t id = (uint16_t)rnd(seed);
    while (off < pay) {
        size_t len = 8 * (1 + rnd(seed) % 40);
        if (off + len > pay)
            len = pay - off;
        memcpy(ip, l3, 20);
        put16(ip + 2, (uint32_t)(20 + len));
        put16(ip + 4, id);
        put16(ip + 6, (off + len < pay ? 0x2000u : 0) | (uint32_t)(off / 8));
        memcpy(ip + 20, l3 + 20 + off, len);
        if (rnd(seed) % 50 == 0)
            ip[20 + rnd(seed) % (len ? len : 1)] ^= 0xff;
        if (rnd(seed) % 30 != 0) /* sometimes lost */
            bm_capture_feed_packet(cx, DLT_RAW, ip, (uint32_t)(20 + len), (uint32_t)(20 + len), (*ts += 1000));
        off += len;
    }
}

static void run(uint32_t seed, bool small_caps, fz *z)
{
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    if (small_caps) {
        o.ooo_bytes_per_dir = 3000;
        o.ooo_bytes_total = 8000;
        o.retrans_window = 1000;
        o.frag_bytes_total = 3000;
        o.max_conns = 3;
    }
    bm_diag diag = {0};
    bm_stream_sink sink = {z, fz_open, fz_data, fz_gap, fz_fin, NULL, fz_close, 0, 0};
    bm_tcp_table *t = bm_tcp_new(&o, &sink, &diag);
    bm_capture_stats st = {0};
    bm_capture_ctx cx;
    bm_capture_ctx_init(&cx, t, &diag, &st);
    uint32_t seq[6][2];
    for (int c = 0; c < 6; c++)
        seq[c][0] = rnd(&seed), seq[c][1] = rnd(&seed);
    uint8_t pl[1500], l3[2100], f[2200];
    uint64_t ts = 1;
    for (int i = 0; i < 4000; i++) {
        int c = (int)(rnd(&seed) % 6), dir = (int)(rnd(&seed) % 2), v6 = c >= 4;
        pk_spec s = pk_v4(0x0a000001, (uint16_t)(1000 + c), 0x0a000002, 443);
        if (v6) {
            s.v6 = 1;
            s.src[0] = s.dst[0] = 0x20;
            s.src[15] = 1;
            s.dst[15] = 2;
        }
        if (dir)
            s = pk_rev(&s);
        uint32_t r = rnd(&seed) % 100;
        s.flags = F_ACK;
        if (r < 3)
            s.flags = F_SYN;
        else if (r < 5)
            s.flags = F_SYN | F_ACK;
        else if (r < 7)
            s.flags |= F_FIN;
        else if (r < 8)
            s.flags |= F_RST;
        s.n = rnd(&seed) % 4 ? rnd(&seed) % 1400 : 0;
        for (size_t k = 0; k < s.n; k++)
            pl[k] = (uint8_t)(k + (size_t)i);
        s.pl = pl;
        /* Mostly in order; sometimes back (retransmission) or ahead (loss). */
        uint32_t jitter = rnd(&seed) % 10;
        s.seq = seq[c][dir] - (jitter == 0 ? 700 : 0) + (jitter == 1 ? 1500 : 0);
        s.ack = seq[c][!dir] + (rnd(&seed) % 20 == 0 ? rnd(&seed) % 5000 : 0);
        if (jitter > 1)
            seq[c][dir] += (uint32_t)s.n + (s.flags & (F_SYN | F_FIN) ? 1 : 0);
        s.ttl = (uint8_t)(60 + rnd(&seed) % 2);
        size_t n = pk_ip(l3, &s);
        if (!v6 && rnd(&seed) % 20 == 0) {
            feed_frags(&cx, l3, n, &seed, &ts);
            continue;
        }
        int lt;
        size_t fl = wrap(f, l3, n, v6, (int)(rnd(&seed) % 6), &lt);
        uint32_t caplen = (uint32_t)fl, len = (uint32_t)fl;
        uint32_t m = rnd(&seed) % 100;
        if (m < 5)
            caplen = rnd(&seed) % (caplen + 1); /* snaplen cut */
        else if (m < 10)
            f[rnd(&seed) % fl] ^= (uint8_t)(1 + rnd(&seed) % 255); /* corruption */
        else if (m < 12)
            len = caplen = rnd(&seed) % (caplen + 1); /* truncated record, not a snaplen cut */
        bm_capture_feed_packet(&cx, lt, f, caplen, len, ts += 1000);
    }
    bm_capture_ctx_fini(&cx);
    bool frag_clean = cx.frag.bytes == 0 && cx.frag.pending == 0;
    bm_tcp_flush(t);
    bool ooo_clean = t->ooo_total == 0 && t->nconns == 0;
    bm_tcp_free(t);
    if (!frag_clean || !ooo_clean)
        z->violations++;
}

int main(void)
{
    fz z = {0};
    for (uint32_t seed = 1; seed <= 40; seed++)
        run(seed * 2654435761u, seed % 2 == 0, &z);
    ok(z.opens > 100, "connections opened");
    is_int(z.closes, z.opens, "every open closed exactly once");
    is_int(z.violations, 0, "data/gap offsets contiguous, one FIN per side, buffers released");
    ok(z.bytes > 1000000, "data delivered");
    ok(z.gap_bytes > 0, "gaps declared");
    printf("# opens %u, bytes %llu, gap bytes %llu\n", z.opens, (unsigned long long)z.bytes,
           (unsigned long long)z.gap_bytes);
    return tap_done();
}
