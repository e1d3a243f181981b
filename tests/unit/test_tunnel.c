/* Encapsulations decoded to the TCP connection inside (tunnel.c): each one
 * wraps the same client segment "hello" (10.0.0.1:40000 -> 10.0.0.2:443),
 * built here byte by byte; the inner connection must come out with that
 * tuple and those bytes. Real kernel tunnels: tests/e2e/tunnels.t. */
#include "test_capture_pkt.h"

static uint8_t inner[200]; /* the inner IPv4 packet */
static size_t inner_n;

/* An outer IPv4 packet of protocol 'proto' around body[0..n), in Ethernet. */
static size_t outer4(uint8_t *f, uint8_t proto, const uint8_t *body, size_t n)
{
    uint8_t ip[600];
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(20 + n));
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, 0xc0a80001);
    put32(ip + 16, 0xc0a80002);
    memcpy(ip + 20, body, n);
    return pk_eth(f, 0x0800, ip, 20 + n);
}

/* A UDP datagram to port 'dp' carrying hdr[0..hn) then p[0..n). */
static size_t udp(uint8_t *out, uint16_t dp, const uint8_t *hdr, size_t hn, const uint8_t *p, size_t n)
{
    put16(out, 55555);
    put16(out + 2, dp);
    put16(out + 4, (uint32_t)(8 + hn + n));
    put16(out + 6, 0);
    memcpy(out + 8, hdr, hn);
    memcpy(out + 8 + hn, p, n);
    return 8 + hn + n;
}

static void expect(const char *what, int lt, const uint8_t *f, size_t n)
{
    harness *h = h_new();
    h_frame(h, lt, f, n, n);
    bm_tcp_flush(h->t);
    char name[160];
    snprintf(name, sizeof name, "%s: the inner connection and its bytes", what);
    const rec_conn *c = &h->r->c[0];
    ok(h->r->n == 1 && c->tuple.port[0] == 40000 && c->tuple.port[1] == 443 && c->next[0] == 5 &&
           !memcmp(c->data[0], "hello", 5),
       name);
    h_free(h);
}

int main(void)
{
    pk_spec s = pk_v4(0x0a000001, 40000, 0x0a000002, 443);
    s.seq = 1000;
    s.flags = F_ACK;
    s.pl = "hello";
    s.n = 5;
    inner_n = pk_ip(inner, &s);
    uint8_t eth[300], f[700], b[600], h[64];
    size_t eth_n = pk_eth(eth, 0x0800, inner, inner_n);

    expect("IP in IP", DLT_EN10MB, f, outer4(f, 4, inner, inner_n));

    /* GRE: plain, with key and sequence number, carrying Ethernet */
    memset(h, 0, 4);
    put16(h + 2, 0x0800);
    memcpy(b, h, 4);
    memcpy(b + 4, inner, inner_n);
    expect("GRE (IPv4)", DLT_EN10MB, f, outer4(f, 47, b, 4 + inner_n));
    put16(h, 0x3000); /* K, S */
    put16(h + 2, 0x6558);
    put32(h + 4, 77);
    put32(h + 8, 1);
    memcpy(b, h, 12);
    memcpy(b + 12, eth, eth_n);
    expect("GRE (Ethernet, key, sequence)", DLT_EN10MB, f, outer4(f, 47, b, 12 + eth_n));

    /* ERSPAN type II (GRE with S, 8-byte header) and III (12 bytes) */
    put16(h, 0x1000);
    put16(h + 2, 0x88be);
    put32(h + 4, 9);
    memset(h + 8, 0, 8);
    put16(h + 8, 0x1001); /* version 1 (type II), VLAN */
    memcpy(b, h, 16);
    memcpy(b + 16, eth, eth_n);
    expect("ERSPAN type II", DLT_EN10MB, f, outer4(f, 47, b, 16 + eth_n));
    put16(h + 2, 0x22eb);
    memset(h + 8, 0, 12);
    put16(h + 8, 0x2001); /* version 2 (type III) */
    memcpy(b, h, 20);
    memcpy(b + 20, eth, eth_n);
    expect("ERSPAN type III", DLT_EN10MB, f, outer4(f, 47, b, 20 + eth_n));

    /* VXLAN, Geneve (with one 8-byte option), GTP-U (with a sequence number) */
    uint8_t vx[8] = {0x08, 0, 0, 0, 0, 0, 42, 0};
    expect("VXLAN", DLT_EN10MB, f, outer4(f, 17, b, udp(b, 4789, vx, 8, eth, eth_n)));
    uint8_t gv[16] = {0x02, 0, 0x65, 0x58, 0, 0, 42, 0, 0x01, 0x02, 0x03, 0x01, 1, 2, 3, 4};
    expect("Geneve", DLT_EN10MB, f, outer4(f, 17, b, udp(b, 6081, gv, 16, eth, eth_n)));
    uint8_t gt[12] = {0x32, 0xff, 0, (uint8_t)(inner_n + 4), 0, 0, 0, 7, 0, 1, 0, 0};
    expect("GTP-U", DLT_EN10MB, f, outer4(f, 17, b, udp(b, 2152, gt, 12, inner, inner_n)));

    /* MPLS: two labels then IPv4; one label, control word, Ethernet */
    uint8_t mp[8] = {0, 0x01, 0x00, 64, 0, 0x02, 0x01, 64};
    memcpy(b, mp, 8);
    memcpy(b + 8, inner, inner_n);
    expect("MPLS (IPv4)", DLT_EN10MB, f, pk_eth(f, 0x8847, b, 8 + inner_n));
    uint8_t pw[8] = {0, 0x03, 0x01, 64, 0, 0, 0, 0};
    memcpy(b, pw, 8);
    memcpy(b + 8, eth, eth_n);
    expect("MPLS (Ethernet pseudowire)", DLT_EN10MB, f, pk_eth(f, 0x8847, b, 8 + eth_n));

    /* PPPoE session, 802.1ah */
    uint8_t pp[8] = {0x11, 0, 0, 1, 0, (uint8_t)(inner_n + 2), 0x00, 0x21};
    memcpy(b, pp, 8);
    memcpy(b + 8, inner, inner_n);
    expect("PPPoE", DLT_EN10MB, f, pk_eth(f, 0x8864, b, 8 + inner_n));
    uint8_t it[4] = {0, 0, 0, 5};
    memcpy(b, it, 4);
    memcpy(b + 4, eth, eth_n);
    expect("802.1ah (PBB)", DLT_EN10MB, f, pk_eth(f, 0x88e7, b, 4 + eth_n));

    /* A VXLAN packet the underlay fragmented (its MTU below the inner
     * frame's): reassembled, then decoded */
    {
        size_t on = outer4(f, 17, b, udp(b, 4789, vx, 8, eth, eth_n)); /* f: Ethernet + IPv4 + UDP + VXLAN */
        uint8_t *ip = f + 14;
        size_t pay = on - 14 - 20, cut = 48; /* first fragment: 48 bytes of the UDP datagram */
        harness *fh = h_new();
        uint8_t fr[700];
        for (int part = 0; part < 2; part++) {
            size_t off = part ? cut : 0, len = part ? pay - cut : cut;
            uint8_t l3[700];
            memcpy(l3, ip, 20);
            put16(l3 + 2, (uint32_t)(20 + len));
            put16(l3 + 4, 0x4242);
            put16(l3 + 6, (part ? 0 : 0x2000u) | (uint32_t)(off / 8));
            memcpy(l3 + 20, ip + 20 + off, len);
            size_t fl = pk_eth(fr, 0x0800, l3, 20 + len);
            h_frame(fh, DLT_EN10MB, fr, fl, fl);
        }
        bm_tcp_flush(fh->t);
        const rec_conn *c = &fh->r->c[0];
        ok(fh->r->n == 1 && c->next[0] == 5 && !memcmp(c->data[0], "hello", 5),
           "VXLAN over a fragmenting underlay: reassembled, the inner connection decoded");
        h_free(fh);
    }

    /* Nesting is bounded: IP in IP five times deep is not decoded (and said) */
    memcpy(b, inner, inner_n);
    size_t n = inner_n;
    for (int i = 0; i < 5; i++) {
        uint8_t w[700];
        size_t m = outer4(w, 4, b, n);
        memcpy(b, w + 14, m - 14);
        n = m - 14;
    }
    harness *hh = h_new();
    size_t fl = pk_eth(f, 0x0800, b, n);
    h_frame(hh, DLT_EN10MB, f, fl, fl);
    bm_tcp_flush(hh->t);
    bm_capture_ctx_fini(&hh->cx);
    ok(hh->r->n == 0 && strstr(hh->r->diag, "IP in IP (IP protocol 4) 1 from frame 1") != NULL,
       "five IP-in-IP layers: beyond the nesting bound, not decoded, said in the notice");
    bm_capture_ctx_init(&hh->cx, hh->t, &hh->diag, &hh->st);
    h_free(hh);
    return tap_done();
}
