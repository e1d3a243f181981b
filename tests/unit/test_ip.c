/* IPv4/IPv6: header checks, fragment reassembly, extension headers, the
 * TCP checksum. */
#include "test_capture_pkt.h"

static uint8_t payload[120];

/* A complete IPv4 datagram carrying TCP with 'payload'; returns its length. */
static size_t dgram4(uint8_t *out, uint16_t sp)
{
    pk_spec s = pk_v4(0x0a000001, sp, 0x0a000002, 443);
    s.seq = 1;
    s.flags = F_ACK;
    s.pl = payload;
    s.n = sizeof payload;
    s.ttl = 77;
    s.ipid = 0x1234;
    return pk_ip(out, &s);
}

static void frag4(harness *h, const uint8_t *dg, uint32_t off, uint32_t len, bool more, uint16_t id)
{
    uint8_t ip[1600], f[1700];
    memcpy(ip, dg, 20);
    put16(ip + 2, 20 + len);
    put16(ip + 4, id);
    put16(ip + 6, (more ? 0x2000u : 0) | off / 8);
    /* Fragments past the datagram's end (limit tests) reuse its first bytes. */
    memcpy(ip + 20, dg + 20 + (off + len <= 140 ? off : 0), len);
    size_t fl = pk_eth(f, 0x0800, ip, 20 + len);
    h_frame(h, DLT_EN10MB, f, fl, fl);
}

static bool got_payload(const harness *h, int conn)
{
    return h->r->n > conn && h->r->c[conn].next[0] == sizeof payload &&
           memcmp(h->r->c[conn].data[0], payload, sizeof payload) == 0;
}

static void test_frag4(void)
{
    uint8_t dg[200];
    size_t n = dgram4(dg, 3001); /* 20 IP + 20 TCP + 120 = 160; fragment payload 140 */
    (void)n;
    harness *h = h_new();
    frag4(h, dg, 0, 56, true, 1);
    frag4(h, dg, 56, 56, true, 1);
    is_int(h->r->n, 0, "nothing before the last fragment");
    frag4(h, dg, 112, 28, false, 1);
    ok(got_payload(h, 0), "in-order fragments reassembled");
    const rec_event *d = rec_find(&h->r->c[0], 'D', 0);
    ok(d && d->frame == 3, "delivered with the last fragment's frame");
    bm_tcp_flush(h->t);
    is_int(h->r->c[0].sum.dir[0].ttl_first, 77, "TTL of the first fragment");
    is_int(h->r->c[0].sum.dir[0].bad_checksums, 0, "checksum over the reassembled segment");

    n = dgram4(dg, 3002);
    frag4(h, dg, 112, 28, false, 2);
    frag4(h, dg, 56, 56, true, 2);
    frag4(h, dg, 0, 56, true, 2);
    ok(got_payload(h, 1), "reversed fragments reassembled");

    n = dgram4(dg, 3003);
    frag4(h, dg, 0, 64, true, 3);
    frag4(h, dg, 48, 64, true, 3);  /* overlaps both neighbours */
    frag4(h, dg, 104, 36, false, 3);
    frag4(h, dg, 0, 64, true, 3);   /* a late duplicate starts a new (incomplete) datagram */
    ok(got_payload(h, 2), "overlapping fragments reassembled");
    is_int(h->cx.frag.reassembled, 3, "three datagrams rebuilt");

    n = dgram4(dg, 3004);
    frag4(h, dg, 0, 56, true, 4);
    frag4(h, dg, 112, 28, false, 4); /* the middle one never comes */
    is_int(h->r->n, 3, "missing fragment: nothing delivered");
    ok(h->cx.frag.bytes > 0 && h->cx.frag.pending == 2, "two datagrams waiting");
    uint8_t icmp[200];
    memcpy(icmp, dg, 160);
    icmp[9] = 1; /* ICMP carries no TCP (UDP, GRE and IP in IP may: tunnels) */
    frag4(h, icmp, 0, 56, true, 5);
    is_int(h->cx.frag.pending, 2, "fragments of a protocol that carries no TCP are not buffered");
    bm_capture_ctx_fini(&h->cx);
    is_int(h->cx.frag.bytes, 0, "all fragment memory released");
    is_int(h->st.frag_dropped, 2, "incomplete datagrams counted");
    ok(strstr(h->r->diag, "IPv4 fragments of datagram id 0x4 dropped: incomplete at end of capture"),
       "and reported");
    bm_capture_ctx_init(&h->cx, h->t, &h->diag, &h->st);
    h_free(h);
}

static void test_frag_limits(void)
{
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    o.frag_bytes_total = 1000;
    harness *h = h_new_opts(&o);
    uint8_t dg[200];
    dgram4(dg, 3100);
    size_t peak = 0;
    for (uint16_t id = 100; id < 200; id++) {
        frag4(h, dg, 0, 56, true, id);
        if (h->cx.frag.bytes > peak)
            peak = h->cx.frag.bytes;
    }
    ok(peak <= 1000, "fragment memory stays under frag_bytes_total");
    ok(h->cx.frag.dropped >= 90, "oldest datagrams dropped for room");
    bm_diag_begin_file(&h->diag, "test.pcap"); /* past the per-file message cap */
    h->r->diag[0] = 0;
    frag4(h, dg, 65528, 56, true, 999);
    ok(strstr(h->r->diag, "fragment ends beyond 65535 bytes") != NULL, "fragment past 64 KiB refused");
    /* Timeout: a datagram older than 30 s is given up. */
    frag4(h, dg, 0, 56, true, 500);
    h->ts += 31ull * 1000000000ull;
    frag4(h, dg, 0, 56, true, 501);
    ok(strstr(h->r->diag, "id 0x1f4 dropped: incomplete (timed out)") != NULL, "time-out");
    is_int(h->r->n, 0, "nothing delivered");
    h_free(h);
}

/* A flood that never completes: one datagram's pieces are capped (work per
 * fragment bounded), thousands of datagrams stay within the pending cap, and
 * a real datagram after the flood is still rebuilt. */
static void test_frag_flood(void)
{
    harness *h = h_new();
    uint8_t dg[200];
    dgram4(dg, 3200);
    for (unsigned i = 0; i < 3 * BM_FRAG_MAX_PIECES; i++)
        frag4(h, dg, 8, 8, true, 7); /* the same piece again and again: never a first fragment */
    ok(strstr(h->r->diag, "id 0x7 dropped: incomplete (too many fragments)") != NULL,
       "a datagram of too many pieces is given up");
    unsigned most = 0;
    for (const bm_frag_dgram *g = h->cx.frag.oldest; g; g = g->newer)
        most = g->n_pieces > most ? g->n_pieces : most;
    ok(most <= BM_FRAG_MAX_PIECES, "no datagram holds more than BM_FRAG_MAX_PIECES pieces");
    unsigned peak = 0;
    for (uint32_t id = 0; id < 20000; id++) {
        frag4(h, dg, 0, 56, true, (uint16_t)(1000 + id % 60000));
        peak = h->cx.frag.pending > peak ? h->cx.frag.pending : peak;
    }
    ok(peak <= BM_FRAG_MAX_PENDING, "20,000 half datagrams: at most BM_FRAG_MAX_PENDING wait at once");
    frag4(h, dg, 112, 28, false, 61000);
    frag4(h, dg, 0, 56, true, 61000);
    frag4(h, dg, 56, 56, true, 61000);
    ok(got_payload(h, 0), "the datagram after the flood is rebuilt");
    bm_frag_fini(&h->cx.frag, NULL, NULL);
    ok(h->cx.frag.bytes == 0 && h->cx.frag.pending == 0 && !h->cx.frag.oldest, "every fragment released");
    h_free(h);
}

/* IPv6 + chain of extension headers + TCP from a base datagram. */
static size_t v6_with_ext(uint8_t *out, uint16_t sp, const uint8_t *ext, size_t elen, uint8_t first_nh)
{
    pk_spec s = pk_v4(0, sp, 0, 443);
    s.v6 = 1;
    s.src[0] = 0xfe;
    s.src[15] = 1;
    s.dst[0] = 0xfe;
    s.dst[15] = 2;
    s.seq = 1;
    s.flags = F_ACK;
    s.pl = payload;
    s.n = sizeof payload;
    uint8_t base[300];
    size_t n = pk_ip(base, &s);
    memcpy(out, base, 40);
    out[6] = first_nh;
    put16(out + 4, (uint32_t)(n - 40 + elen));
    memcpy(out + 40, ext, elen);
    memcpy(out + 40 + elen, base + 40, n - 40);
    return n + elen;
}

static void send_l3(harness *h, uint16_t type, const uint8_t *l3, size_t n)
{
    uint8_t f[2000];
    size_t fl = pk_eth(f, type, l3, n);
    h_frame(h, DLT_EN10MB, f, fl, fl);
}

static void test_ipv6(void)
{
    harness *h = h_new();
    uint8_t l3[600];
    /* hop-by-hop -> routing -> destination options -> AH -> TCP */
    uint8_t ext[8 + 8 + 16 + 16] = {
        43, 0, 1, 4, 0, 0, 0, 0,                  /* HBH, PadN */
        60, 0, 0, 0, 0, 0, 0, 0,                  /* routing type 0, segments left 0 */
        51, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* dest opts, 16 bytes */
        6, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,   /* AH: (2+2)*4 = 16 bytes */
    };
    size_t n = v6_with_ext(l3, 4001, ext, sizeof ext, 0);
    send_l3(h, 0x86dd, l3, n);
    ok(got_payload(h, 0), "IPv6 extension header chain walked");
    ext[0] = 59; /* HBH -> no next header */
    n = v6_with_ext(l3, 4002, ext, 8, 0);
    send_l3(h, 0x86dd, l3, n);
    is_int(h->r->n, 1, "no next header: skipped");
    n = v6_with_ext(l3, 4003, ext, 8, 0);
    put16(l3 + 4, 5); /* the 8-byte hop-by-hop header in a 5-byte payload */
    send_l3(h, 0x86dd, l3, 40 + 5);
    ok(strstr(h->r->diag, "IPv6 extension header 0 truncated (5 bytes left)") != NULL,
       "truncated extension header reported");

    /* Fragmented: two pieces of the TCP segment, then an atomic fragment. */
    uint8_t base[300];
    n = v6_with_ext(base, 4004, ext, 0, 6);
    size_t tcp_len = n - 40;
    uint32_t cut = 64;
    for (int i = 0; i < 2; i++) {
        uint32_t off = i ? cut : 0, len = i ? (uint32_t)tcp_len - cut : cut;
        memcpy(l3, base, 40);
        l3[6] = 44;
        put16(l3 + 4, 8 + len);
        uint8_t fh[8] = {6, 0, 0, 0, 0, 0, 0x12, 0x34};
        put16(fh + 2, off | (i ? 0 : 1));
        memcpy(l3 + 40, fh, 8);
        memcpy(l3 + 48, base + 40 + off, len);
        send_l3(h, 0x86dd, l3, 48 + len);
    }
    ok(got_payload(h, 1), "IPv6 fragments reassembled");
    n = v6_with_ext(base, 4005, ext, 0, 6);
    memcpy(l3, base, 40);
    l3[6] = 44;
    put16(l3 + 4, (uint32_t)(n - 40 + 8));
    uint8_t atomic[8] = {6, 0, 0, 0, 0, 0, 0, 9};
    memcpy(l3 + 40, atomic, 8);
    memcpy(l3 + 48, base + 40, n - 40);
    send_l3(h, 0x86dd, l3, n + 8);
    ok(got_payload(h, 2), "atomic fragment passes through");
    bm_tcp_flush(h->t);
    is_int(h->r->c[0].sum.dir[0].bad_checksums, 0, "IPv6 pseudo-header checksum verifies");
    is_int(h->r->c[1].sum.dir[0].bad_checksums, 0, "checksum over reassembled IPv6");
    h_free(h);
}

static void test_bad_ip(void)
{
    harness *h = h_new();
    uint8_t dg[200], x[200];
    size_t n = dgram4(dg, 5001);
    memcpy(x, dg, n);
    x[0] = 0x55;
    send_l3(h, 0x0800, x, n);
    ok(strstr(h->r->diag, "frame 1: IPv4 header with version 5") != NULL, "wrong version");
    memcpy(x, dg, n);
    x[0] = 0x44;
    send_l3(h, 0x0800, x, n);
    ok(strstr(h->r->diag, "frame 2: IPv4 header length 16 below 20") != NULL, "IHL < 5");
    memcpy(x, dg, n);
    put16(x + 2, 12);
    send_l3(h, 0x0800, x, n);
    ok(strstr(h->r->diag, "frame 3: IPv4 total length 12 shorter") != NULL, "total < header");
    memcpy(x, dg, n);
    put16(x + 2, 1000);
    send_l3(h, 0x0800, x, n);
    ok(strstr(h->r->diag, "frame 4: IPv4 total length 1000 exceeds the 160 bytes captured") != NULL,
       "total > captured without a snaplen cut");
    send_l3(h, 0x0800, dg, 12);
    ok(strstr(h->r->diag, "frame 5: IPv4 header truncated (12 of 20 bytes)") != NULL, "short header");
    memcpy(x, dg, n);
    x[0] = 0x4f; /* 60-byte header in a 20-byte... */
    send_l3(h, 0x0800, x, 40);
    ok(strstr(h->r->diag, "frame 6: IPv4 header truncated (40 of 60 bytes)") != NULL, "options beyond the data");
    uint8_t v6[100] = {0x60};
    send_l3(h, 0x86dd, v6, 30);
    ok(strstr(h->r->diag, "frame 7: IPv6 header truncated (30 of 40 bytes)") != NULL, "short IPv6");
    put16(v6 + 4, 500);
    v6[6] = 6;
    send_l3(h, 0x86dd, v6, 60);
    ok(strstr(h->r->diag, "frame 8: IPv6 payload length 500 exceeds the 20 bytes captured") != NULL,
       "IPv6 length lie");
    is_int(h->r->n, 0, "no connection from broken headers");

    /* TSO capture on the sender: total length 0, frame complete. */
    memcpy(x, dg, n);
    put16(x + 2, 0);
    send_l3(h, 0x0800, x, n);
    ok(got_payload(h, 0), "IPv4 total length 0 (TSO): captured length used");
    is_int(h->st.skipped, 8, "broken packets skipped");
    h_free(h);
}

static void test_checksum(void)
{
    uint8_t buf[300];
    uint32_t seed = 12345;
    int bad = 0;
    for (size_t len = 0; len < 130; len++) {
        for (size_t align = 0; align < 4; align++) {
            for (size_t i = 0; i < len; i++) {
                seed = seed * 1103515245u + 12345u;
                buf[align + i] = (uint8_t)(seed >> 16);
            }
            uint64_t s = bm_csum_partial(buf + align, len);
            while (s >> 16)
                s = (s & 0xffff) + (s >> 16);
            uint16_t want = (uint16_t)~pk_csum(buf + align, len, 0);
            /* The fast sum is in host byte order (RFC 1071 2(B)). */
            uint16_t one = 1;
            uint8_t little;
            memcpy(&little, &one, 1);
            if (little)
                want = (uint16_t)(want << 8 | want >> 8);
            /* 0x0000 and 0xffff are both zero in ones' complement. */
            if (s != want && !((s == 0 || s == 0xffff) && (want == 0 || want == 0xffff)))
                bad++;
        }
    }
    is_int(bad, 0, "64-bit checksum equals the 16-bit reference for lengths 0..129 and any alignment");

    pk_spec s = pk_v4(0xc0a80001, 1, 0xc0a80002, 2);
    s.pl = "abc";
    s.n = 3;
    uint8_t seg[100];
    size_t n = pk_tcp(seg, &s);
    bm_ip_addr a = {4, {0xc0, 0xa8, 0, 1}}, b = {4, {0xc0, 0xa8, 0, 2}};
    is_int(bm_tcp_checksum(&a, &b, seg, (uint32_t)n), BM_CSUM_OK, "IPv4 odd-length segment verifies");
    seg[21] ^= 1;
    is_int(bm_tcp_checksum(&a, &b, seg, (uint32_t)n), BM_CSUM_BAD, "a flipped bit fails");
    seg[21] ^= 1;
    bm_ip_addr other = {4, {0xc0, 0xa8, 0, 3}};
    is_int(bm_tcp_checksum(&a, &other, seg, (uint32_t)n), BM_CSUM_BAD, "another address fails");
    /* Offload: the field holds the pseudo-header sum, as Linux leaves it. */
    uint32_t ps = 0xc0a8 + 0x0001 + 0xc0a8 + 0x0002 + 6 + (uint32_t)n;
    while (ps >> 16)
        ps = (ps & 0xffff) + (ps >> 16);
    put16(seg + 16, ps);
    is_int(bm_tcp_checksum(&a, &b, seg, (uint32_t)n), BM_CSUM_OFFLOADED, "offloaded checksum recognised");
    seg[22] ^= 1;
    is_int(bm_tcp_checksum(&a, &b, seg, (uint32_t)n), BM_CSUM_OFFLOADED, "(its payload cannot be checked)");
    put16(seg + 16, ps ^ 1);
    is_int(bm_tcp_checksum(&a, &b, seg, (uint32_t)n), BM_CSUM_BAD, "near miss is bad");
}

int main(void)
{
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    test_frag4();
    test_frag_limits();
    test_frag_flood();
    test_ipv6();
    test_bad_ip();
    test_checksum();
    return tap_done();
}
