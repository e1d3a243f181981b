/* Link layers: every supported type carries a TCP segment to the table;
 * non-IP frames are skipped silently; short headers are reported. */
#include "test_capture_pkt.h"

/* An IPv4 (or IPv6) TCP segment "ping" from source port 'sp'. */
static size_t l3_ping(uint8_t *out, uint16_t sp, int v6)
{
    pk_spec s = pk_v4(0x0a000001, sp, 0x0a000002, 443);
    if (v6) {
        memset(s.src, 0, 32);
        s.src[0] = 0x20;
        s.src[15] = 1;
        s.dst[0] = 0x20;
        s.dst[15] = 2;
        s.v6 = 1;
    }
    s.seq = 100;
    s.flags = F_ACK;
    s.pl = "ping";
    s.n = 4;
    return pk_ip(out, &s);
}

/* Feeds the frame and checks that a new connection from port 'sp' got "ping". */
static void expect_ping(harness *h, int lt, const uint8_t *f, size_t n, uint16_t sp, const char *name)
{
    int before = h->r->n;
    h_frame(h, lt, f, n, n);
    bool got = h->r->n == before + 1 && h->r->c[before].tuple.port[0] == sp &&
               memcmp(h->r->c[before].data[0], "ping", 4) == 0;
    ok(got, name);
}

static size_t vlan_frame(uint8_t *f, const uint16_t *tags, int ntags, uint16_t inner, const uint8_t *l3, size_t n)
{
    memset(f, 0, 12);
    size_t at = 12;
    for (int i = 0; i < ntags; i++) {
        put16(f + at, tags[i]);
        put16(f + at + 2, 0x0064); /* VID 100 */
        at += 4;
    }
    put16(f + at, inner);
    memcpy(f + at + 2, l3, n);
    return at + 2 + n;
}

static void test_ethernet(harness *h)
{
    uint8_t l3[200], f[300];
    size_t n = l3_ping(l3, 1001, 0);
    expect_ping(h, DLT_EN10MB, f, pk_eth(f, 0x0800, l3, n), 1001, "Ethernet II IPv4");
    n = l3_ping(l3, 1002, 1);
    expect_ping(h, DLT_EN10MB, f, pk_eth(f, 0x86dd, l3, n), 1002, "Ethernet II IPv6");

    n = l3_ping(l3, 1003, 0);
    uint16_t q[] = {0x8100};
    expect_ping(h, DLT_EN10MB, f, vlan_frame(f, q, 1, 0x0800, l3, n), 1003, "802.1Q");
    uint16_t qq[] = {0x88a8, 0x8100};
    n = l3_ping(l3, 1004, 1);
    expect_ping(h, DLT_EN10MB, f, vlan_frame(f, qq, 2, 0x86dd, l3, n), 1004, "802.1ad QinQ");
    uint16_t old[] = {0x9100, 0x9100, 0x8100};
    n = l3_ping(l3, 1005, 0);
    expect_ping(h, DLT_EN10MB, f, vlan_frame(f, old, 3, 0x0800, l3, n), 1005, "0x9100 stack of three");
    uint16_t deep[9] = {0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100};
    int before = h->r->n;
    size_t fl = vlan_frame(f, deep, 9, 0x0800, l3, n);
    h_frame(h, DLT_EN10MB, f, fl, fl);
    ok(h->r->n == before && strstr(h->r->diag, "more than 8 VLAN tags"), "nine tags refused");
    h_frame(h, DLT_EN10MB, f, 16, 16); /* cut inside the 9-tag stack */
    ok(strstr(h->r->diag, "VLAN tag truncated") != NULL, "truncated tag reported");

    /* Ethernet pads short frames: trust the IP total length. */
    n = l3_ping(l3, 1006, 0);
    fl = pk_eth(f, 0x0800, l3, n);
    memset(f + fl, 'P', 8);
    before = h->r->n;
    h_frame(h, DLT_EN10MB, f, fl + 8, fl + 8);
    ok(h->r->n == before + 1 && h->r->c[before].next[0] == 4, "padding is not payload");
    bm_tcp_flush(h->t);
    is_int(h->r->c[before].sum.dir[0].bad_checksums, 0, "padding not checksummed");
}

static void test_cooked_loop_raw(harness *h)
{
    uint8_t l3[200], f[300];
    size_t n = l3_ping(l3, 2001, 0);
    memset(f, 0, 16);
    put16(f + 2, 1);      /* ARPHRD_ETHER */
    put16(f + 4, 6);
    put16(f + 14, 0x0800);
    memcpy(f + 16, l3, n);
    expect_ping(h, DLT_LINUX_SLL, f, 16 + n, 2001, "Linux SLL");

    n = l3_ping(l3, 2002, 1);
    memset(f, 0, 20);
    put16(f, 0x86dd);
    put16(f + 8, 1);
    memcpy(f + 20, l3, n);
    expect_ping(h, DLT_LINUX_SLL2, f, 20 + n, 2002, "Linux SLL2");

    n = l3_ping(l3, 2003, 0);
    uint8_t le2[4] = {2, 0, 0, 0}, be2[4] = {0, 0, 0, 2};
    memcpy(f, le2, 4);
    memcpy(f + 4, l3, n);
    expect_ping(h, DLT_NULL, f, 4 + n, 2003, "DLT_NULL little-endian AF_INET");
    n = l3_ping(l3, 2004, 0);
    memcpy(f, be2, 4);
    memcpy(f + 4, l3, n);
    expect_ping(h, DLT_LOOP, f, 4 + n, 2004, "DLT_LOOP AF_INET");
    uint32_t af6[3] = {24, 28, 30};
    for (int i = 0; i < 3; i++) {
        n = l3_ping(l3, (uint16_t)(2005 + i), 1);
        memset(f, 0, 4);
        if (i == 1)
            f[0] = (uint8_t)af6[i]; /* host order on a little-endian box */
        else
            f[3] = (uint8_t)af6[i];
        memcpy(f + 4, l3, n);
        expect_ping(h, i == 1 ? DLT_NULL : DLT_LOOP, f, 4 + n, (uint16_t)(2005 + i), "loopback AF_INET6 variant");
    }

    n = l3_ping(l3, 2010, 0);
    expect_ping(h, DLT_RAW, l3, n, 2010, "DLT_RAW IPv4");
    n = l3_ping(l3, 2011, 1);
    expect_ping(h, DLT_RAW, l3, n, 2011, "DLT_RAW IPv6");
    n = l3_ping(l3, 2012, 0);
    expect_ping(h, 228, l3, n, 2012, "DLT_IPV4");
    n = l3_ping(l3, 2013, 1);
    expect_ping(h, 229, l3, n, 2013, "DLT_IPV6");
}

static void test_skipped(void)
{
    harness *h = h_new();
    uint8_t f[100];
    memset(f, 0, sizeof f);
    put16(f + 12, 0x0806); /* ARP */
    h_frame(h, DLT_EN10MB, f, 60, 60);
    put16(f + 12, 0x0040); /* 802.3 length */
    h_frame(h, DLT_EN10MB, f, 60, 60);
    f[0] = 7;              /* AF 7 */
    h_frame(h, DLT_NULL, f, 60, 60);
    f[0] = 0x10;           /* version 1 */
    h_frame(h, DLT_RAW, f, 60, 60);
    h_frame(h, 105, f, 60, 60); /* 802.11: not decoded */
    is_int(h->st.skipped, 5, "non-IP frames skipped");
    is_int(h->r->ndiag, 0, "silently");
    h_frame(h, DLT_EN10MB, f, 10, 10);
    h_frame(h, DLT_LINUX_SLL, f, 15, 15);
    h_frame(h, DLT_LINUX_SLL2, f, 19, 19);
    h_frame(h, DLT_NULL, f, 3, 3);
    h_frame(h, DLT_RAW, f, 0, 0);
    is_int(h->r->ndiag, 5, "short link headers reported");
    ok(strstr(h->r->diag, "test.pcap: frame 6: Ethernet header truncated") != NULL, "names file and frame");
    ok(strstr(h->r->diag, "frame 8: Linux cooked (SLL2) header truncated") != NULL, "SLL2 message");
    is_int(h->st.frames, 10, "frames counted");
    is_int(h->st.skipped, 10, "all skipped");
    ok(bm_linktype_supported(DLT_EN10MB) && !bm_linktype_supported(105), "supported link types");
    h_free(h);
}

/* An IPv4 datagram of protocol 'proto' whose payload starts with the
 * ports sp, dp (a UDP header when proto is 17), in an Ethernet frame. */
static size_t eth_ip4(uint8_t *f, uint8_t proto, uint16_t sp, uint16_t dp)
{
    uint8_t ip[48];
    memset(ip, 0, sizeof ip);
    ip[0] = 0x45;
    put16(ip + 2, sizeof ip);
    ip[8] = 64;
    ip[9] = proto;
    put16(ip + 20, sp);
    put16(ip + 22, dp);
    put16(ip + 24, sizeof ip - 20);
    return pk_eth(f, 0x0800, ip, sizeof ip);
}

/* Frames in an encapsulation badmac does not decode are counted and said
 * in one notice at the end of the capture; ordinary non-TCP traffic is not. */
static void test_carried(void)
{
    harness *h = h_new();
    uint8_t f[200];
    memset(f, 0, sizeof f);
    put16(f + 12, 0x8847); /* MPLS, twice */
    h_frame(h, DLT_EN10MB, f, 60, 60);
    h_frame(h, DLT_EN10MB, f, 60, 60);
    put16(f + 12, 0x0806); /* ARP: ordinary */
    h_frame(h, DLT_EN10MB, f, 60, 60);
    size_t n = eth_ip4(f, 47, 0, 0); /* GRE */
    h_frame(h, DLT_EN10MB, f, n, n);
    n = eth_ip4(f, 17, 40000, 4789); /* VXLAN */
    h_frame(h, DLT_EN10MB, f, n, n);
    n = eth_ip4(f, 17, 2152, 2152); /* GTP-U */
    h_frame(h, DLT_EN10MB, f, n, n);
    n = eth_ip4(f, 17, 40000, 53); /* DNS: ordinary */
    h_frame(h, DLT_EN10MB, f, n, n);
    is_int(h->r->ndiag, 0, "nothing said while reading");
    bm_capture_ctx_fini(&h->cx);
    ok(strstr(h->r->diag,
              "test.pcap: notice: 5 frames carry traffic in an encapsulation badmac does not decode: MPLS (ethertype "
              "0x8847/0x8848) 2 from frame 1; GRE/ERSPAN (IP protocol 47) 1 from frame 4; VXLAN (UDP port "
              "4789/4790) 1 from frame 5; GTP-U (UDP port 2152) 1 from frame 6; the connections inside them are not "
              "analysed") != NULL,
       "one notice: each encapsulation, its count and first frame");
    is_int(h->r->ndiag, 1, "one line");
    bm_capture_ctx_init(&h->cx, h->t, &h->diag, &h->st);
    h_free(h);

    h = h_new();
    n = eth_ip4(f, 17, 40000, 53);
    h_frame(h, DLT_EN10MB, f, n, n);
    put16(f + 12, 0x0806);
    h_frame(h, DLT_EN10MB, f, 60, 60);
    bm_capture_ctx_fini(&h->cx);
    is_int(h->r->ndiag, 0, "ARP and DNS only: no notice");
    bm_capture_ctx_init(&h->cx, h->t, &h->diag, &h->st);
    h_free(h);
}

int main(void)
{
    harness *h = h_new();
    test_ethernet(h);
    test_cooked_loop_raw(h);
    is_int(h->r->ndiag, 2, "only the deliberate link messages");
    h_free(h);
    test_skipped();
    test_carried();
    return tap_done();
}
