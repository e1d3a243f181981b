/* Capture files: pcap written with libpcap and read back, truncated and
 * garbage files, unsupported link types, pcapng decryption secrets, pcapng
 * with interfaces of different link types. */
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_capture_pkt.h"

static char dir[64];

static void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

/* Writes 'count' frames of a small TCP exchange; returns the file size. */
static long write_pcap(const char *path, int linktype, int count)
{
    pcap_t *pd = pcap_open_dead_with_tstamp_precision(linktype, 65535, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t *d = pcap_dump_open(pd, path);
    pk_spec c = pk_v4(0x0a000001, 40000, 0x0a000002, 443);
    for (int i = 0; i < count; i++) {
        uint8_t l3[200], f[300];
        c.seq = 1000 + (uint32_t)(i - 1) * 10;
        c.flags = i == 0 ? F_SYN : F_ACK;
        c.pl = i == 0 ? NULL : "0123456789";
        c.n = i == 0 ? 0 : 10;
        if (i == 0)
            c.seq = 999;
        size_t n = pk_ip(l3, &c);
        size_t fl = pk_eth(f, 0x0800, l3, n);
        struct pcap_pkthdr h;
        h.ts.tv_sec = 1700000000 + i;
        h.ts.tv_usec = 123456789; /* nanoseconds in a nano-precision file */
        h.caplen = h.len = (bpf_u_int32)fl;
        pcap_dump((u_char *)d, &h, f);
    }
    pcap_dump_close(d);
    pcap_close(pd);
    FILE *fp = fopen(path, "rb");
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fclose(fp);
    return sz;
}

static void test_roundtrip(void)
{
    char p[128];
    path_of(p, sizeof p, "rt.pcap");
    write_pcap(p, DLT_EN10MB, 4);
    harness *h = h_new();
    bm_capture_stats st;
    bm_result r = bm_capture_read_file(p, h->t, &h->diag, &st);
    ok(bm_is_ok(r), "pcap read");
    is_int(st.frames, 4, "four frames");
    is_int(st.tcp_segments, 4, "four TCP segments");
    is_int(st.linktype, DLT_EN10MB, "link type");
    ok(!st.read_error, "read to the end");
    bm_tcp_flush(h->t);
    rec_conn *c = &h->r->c[0];
    ok(c->next[0] == 30 && memcmp(c->data[0], "012345678901234567890123456789", 30) == 0, "stream read from file");
    is_int(c->sum.first_ts_ns, 1700000000ull * 1000000000ull + 123456789ull, "nanosecond timestamps");
    is_int(c->sum.last_frame, 4, "frames numbered from 1");
    is_str(h->diag.file, p, "diag names the file");
    h_free(h);
}

static void test_truncated(void)
{
    char p[128];
    path_of(p, sizeof p, "trunc.pcap");
    long sz = write_pcap(p, DLT_EN10MB, 4);
    ok(truncate(p, sz - 20) == 0, "file cut inside the last record");
    harness *h = h_new();
    bm_capture_stats st;
    bm_result r = bm_capture_read_file(p, h->t, &h->diag, &st);
    ok(bm_is_ok(r), "truncated file still analysed");
    is_int(st.frames, 3, "three whole frames");
    ok(st.read_error, "read_error set");
    char want[200];
    snprintf(want, sizeof want, "%s: frame 4: cannot read further: truncated dump file", p);
    ok(strstr(h->r->diag, want) != NULL, "diag names the file and the frame after the last good one");
    bm_tcp_flush(h->t);
    is_int(h->r->c[0].next[0], 20, "data of the whole frames delivered");
    h_free(h);
}

static void test_garbage(void)
{
    char p[128];
    path_of(p, sizeof p, "garbage.txt");
    FILE *f = fopen(p, "wb");
    fputs("this is not a capture file at all, just text\n", f);
    fclose(f);
    harness *h = h_new();
    bm_capture_stats st;
    bm_result r = bm_capture_read_file(p, h->t, &h->diag, &st);
    is_int(r.code, BM_ERR_CAPTURE_OPEN, "not a capture: BM_ERR_CAPTURE_OPEN");
    char want[200];
    snprintf(want, sizeof want, "%s: cannot read capture: ", p);
    ok(strstr(h->r->diag, want) != NULL, "one line naming the file");
    is_int(h->r->ndiag, 1, "exactly one line");
    r = bm_capture_read_file("/nonexistent/x.pcap", h->t, &h->diag, &st);
    is_int(r.code, BM_ERR_CAPTURE_OPEN, "missing file");

    /* A valid pcap header followed by random records: decoded, never crashes. */
    path_of(p, sizeof p, "random.pcap");
    pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(pd, p);
    uint32_t seed = 7;
    uint8_t buf[1600];
    for (int i = 0; i < 3000; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 8) % 1500;
        for (size_t j = 0; j < n; j++) {
            seed = seed * 1103515245u + 12345u;
            buf[j] = (uint8_t)(seed >> 16);
        }
        if (n > 14 && i % 2) { /* half of them look like IPv4 to go deeper */
            buf[12] = 0x08;
            buf[13] = 0;
            buf[14] = 0x45;
            buf[23] = 6;
        }
        struct pcap_pkthdr ph = {{i, 0}, (bpf_u_int32)n, (bpf_u_int32)(n + (i % 3 ? 0 : 7))};
        pcap_dump((u_char *)d, &ph, buf);
    }
    pcap_dump_close(d);
    pcap_close(pd);
    bm_diag_begin_file(&h->diag, "other");
    r = bm_capture_read_file(p, h->t, &h->diag, &st);
    ok(bm_is_ok(r) && st.frames == 3000, "random frames read");
    ok(st.skipped > 0 && h->diag.errors > 0, "garbage counted and reported");
    ok(strstr(h->r->diag, "random.pcap: frame ") != NULL, "messages name the file and frame");
    bm_tcp_flush(h->t);
    h_free(h);
}

static void test_linktype(void)
{
    char p[128];
    path_of(p, sizeof p, "wifi.pcap");
    write_pcap(p, DLT_IEEE802_11, 1);
    harness *h = h_new();
    bm_result r = bm_capture_read_file(p, h->t, &h->diag, NULL);
    is_int(r.code, BM_ERR_LINKTYPE, "unsupported link type");
    ok(strstr(h->r->diag, "unsupported link-layer type 105 (IEEE802_11)") != NULL, "named in the message");
    h_free(h);
}

/* ------------------------------------------------------------- pcapng */

#define BM_TEST_IFACES 300 /* more than BM_PCAPNG_IFACES (256) */

typedef struct ng {
    uint8_t b[16384];
    size_t n;
    int big;
} ng;

static void ng32(ng *g, uint32_t v)
{
    if (g->big)
        put32(g->b + g->n, v);
    else
        for (int i = 0; i < 4; i++)
            g->b[g->n + (size_t)i] = (uint8_t)(v >> (8 * i));
    g->n += 4;
}

static void ng_block(ng *g, uint32_t type, const uint8_t *body, size_t len)
{
    size_t pad = (4 - len % 4) % 4;
    uint32_t total = (uint32_t)(12 + len + pad);
    ng32(g, type);
    ng32(g, total);
    memcpy(g->b + g->n, body, len);
    memset(g->b + g->n + len, 0, pad);
    g->n += len + pad;
    ng32(g, total);
}

/* SHB + IDB + DSB("TLSK", text) + EPB(one TCP frame). */
static void make_ng(ng *g, int big, const char *text)
{
    memset(g, 0, sizeof *g);
    g->big = big;
    ng body = {.big = big};
    ng32(&body, 0x1A2B3C4D);
    body.b[4] = big ? 0 : 1; /* version 1.0, in the section's order */
    body.b[5] = big ? 1 : 0;
    body.n = 8;
    memset(body.b + 8, 0xff, 8);
    body.n = 16;
    ng_block(g, 0x0A0D0D0A, body.b, body.n);
    body.n = 0;
    ng32(&body, big ? 0x00010000u : 0x00000001u); /* linktype 1 (u16) + reserved */
    ng32(&body, 65535);
    ng_block(g, 1, body.b, body.n);
    body.n = 0;
    ng32(&body, 0x544c534b);
    ng32(&body, (uint32_t)strlen(text));
    memcpy(body.b + body.n, text, strlen(text));
    body.n += strlen(text);
    ng_block(g, 0x0000000A, body.b, body.n);
    uint8_t l3[200], f[300];
    pk_spec c = pk_v4(0x0a000001, 40000, 0x0a000002, 443);
    c.flags = F_ACK;
    c.pl = "ng";
    c.n = 2;
    size_t fl = pk_eth(f, 0x0800, l3, pk_ip(l3, &c));
    body.n = 0;
    ng32(&body, 0);
    ng32(&body, 0);
    ng32(&body, 0);
    ng32(&body, (uint32_t)fl);
    ng32(&body, (uint32_t)fl);
    memcpy(body.b + body.n, f, fl);
    body.n += fl;
    ng_block(g, 6, body.b, body.n);
}

static void write_file(const char *p, const void *b, size_t n)
{
    FILE *f = fopen(p, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

typedef struct seen {
    int calls;
    uint32_t type;
    char text[256];
    uint64_t off;
} seen;

static void on_secret(void *ud, uint32_t type, const uint8_t *data, size_t len, uint64_t off)
{
    seen *s = ud;
    s->calls++;
    s->type = type;
    s->off = off;
    size_t n = len < sizeof s->text - 1 ? len : sizeof s->text - 1;
    memcpy(s->text, data, n);
    s->text[n] = 0;
}

static void test_pcapng(void)
{
    const char *keys = "CLIENT_RANDOM 00 11\n";
    char p[128];
    for (int big = 0; big < 2; big++) {
        ng g;
        make_ng(&g, big, keys);
        path_of(p, sizeof p, big ? "be.pcapng" : "le.pcapng");
        write_file(p, g.b, g.n);
        harness *h = h_new();
        seen s = {0};
        bm_result r = bm_pcapng_scan_secrets(p, on_secret, &s, &h->diag);
        ok(bm_is_ok(r) && s.calls == 1, big ? "big-endian DSB found" : "little-endian DSB found");
        is_int(s.type, 0x544c534b, "secrets type TLSK");
        is_str(s.text, keys, "key log text");
        is_int(s.off, 28 + 20, "offset of the block");
        bm_capture_stats st;
        r = bm_capture_read_file(p, h->t, &h->diag, &st);
        ok(bm_is_ok(r) && st.tcp_segments == 1, "libpcap reads the same pcapng's packets");
        is_int(h->r->ndiag, 0, "no complaints");
        h_free(h);
    }

    harness *h = h_new();
    seen s = {0};
    path_of(p, sizeof p, "rt.pcap");
    ok(bm_is_ok(bm_pcapng_scan_secrets(p, on_secret, &s, &h->diag)) && s.calls == 0, "pcap: no calls");
    ok(!bm_is_ok(bm_pcapng_scan_secrets("/nonexistent", on_secret, &s, &h->diag)), "missing file fails");

    ng g;
    make_ng(&g, 0, keys);
    g.b[48 + 12] = 0xff; /* secrets length low byte: far beyond the block */
    g.b[48 + 13] = 0x7f;
    path_of(p, sizeof p, "bad.pcapng");
    write_file(p, g.b, g.n);
    s.calls = 0;
    h->r->diag[0] = 0;
    ok(bm_is_ok(bm_pcapng_scan_secrets(p, on_secret, &s, &h->diag)) && s.calls == 0, "malformed DSB: no call");
    char want[200];
    snprintf(want, sizeof want, "%s: offset 48: secrets length exceeds its block", p);
    ok(strstr(h->r->diag, want) != NULL, "diag names file and offset");

    make_ng(&g, 0, keys);
    g.b[28 + 4] = 13; /* IDB length 13: not a multiple of 4 */
    write_file(p, g.b, g.n);
    h->r->diag[0] = 0;
    ok(bm_is_ok(bm_pcapng_scan_secrets(p, on_secret, &s, &h->diag)) && s.calls == 0, "bad length stops the scan");
    ok(strstr(h->r->diag, "offset 28: impossible block length (13)") != NULL, "reported");

    make_ng(&g, 0, keys);
    g.b[48 + 7] = 0x02; /* DSB length 32 MiB + 40: over the cap */
    write_file(p, g.b, g.n);
    h->r->diag[0] = 0;
    ok(bm_is_ok(bm_pcapng_scan_secrets(p, on_secret, &s, &h->diag)) && s.calls == 0, "oversized DSB skipped");
    ok(strstr(h->r->diag, "over the 16 MiB cap") != NULL, "and reported");

    make_ng(&g, 0, keys);
    write_file(p, g.b, 60); /* cut inside the DSB */
    h->r->diag[0] = 0;
    ok(bm_is_ok(bm_pcapng_scan_secrets(p, on_secret, &s, &h->diag)) && s.calls == 0, "truncated DSB");
    ok(strstr(h->r->diag, "offset 48: decryption secrets block truncated") != NULL, "reported");
    h_free(h);
}

/* IDB of LINKTYPE 'lt'; tsresol: the if_tsresol option's value, or -1. */
static void ng_idb(ng *g, uint16_t lt, int tsresol)
{
    ng body = {.big = g->big};
    ng32(&body, g->big ? (uint32_t)lt << 16 : lt);
    ng32(&body, 65535);
    if (tsresol >= 0) {
        ng32(&body, g->big ? 0x00090001u : 0x00010009u); /* if_tsresol, 1 byte */
        body.b[body.n] = (uint8_t)tsresol;
        body.n += 4;
        ng32(&body, 0); /* opt_endofopt */
    }
    ng_block(g, 1, body.b, body.n);
}

/* EPB of interface 'ifn': frame f of fl bytes at time ts (units of the
 * interface's resolution). */
static void ng_epb(ng *g, uint32_t ifn, uint64_t ts, const uint8_t *f, size_t fl)
{
    ng body = {.big = g->big};
    ng32(&body, ifn);
    ng32(&body, (uint32_t)(ts >> 32));
    ng32(&body, (uint32_t)ts);
    ng32(&body, (uint32_t)fl);
    ng32(&body, (uint32_t)fl);
    memcpy(body.b + body.n, f, fl);
    body.n += fl;
    ng_block(g, 6, body.b, body.n);
}

/* Interfaces of different link types in one section (dumpcap -i eth0 -i
 * lo): libpcap refuses the file at the second IDB; the pcapng walker reads
 * on, each packet with its own interface's link type and resolution. */
static void test_pcapng_mixed(void)
{
    char p[128];
    path_of(p, sizeof p, "mixed.pcapng");
    for (int big = 0; big < 2; big++) {
        ng g;
        make_ng(&g, big, "CLIENT_RANDOM x y\n"); /* SHB, IDB 0 Ethernet, DSB, EPB: "ng" at seq 0 */
        uint8_t l3[200], f[300];
        pk_spec c = pk_v4(0x0a000001, 40000, 0x0a000002, 443);
        c.flags = F_ACK;
        c.seq = 2;
        c.pl = "raw";
        c.n = 3;
        ng_idb(&g, 101, 9);                                            /* IDB 1: LINKTYPE_RAW, nanoseconds */
        ng_epb(&g, 1, 1700000000123456789ull, l3, pk_ip(l3, &c)); /* raw IPv4: "raw" */
        ng_idb(&g, 105, -1);                                           /* IDB 2: 802.11, unsupported */
        ng_epb(&g, 2, 0, f, 40);
        ng_epb(&g, 7, 0, f, 40); /* no such interface */
        c.seq = 5;
        c.pl = "eth";
        size_t fl = pk_eth(f, 0x0800, l3, pk_ip(l3, &c));
        ng_epb(&g, 0, 0, f, fl); /* Ethernet again: "eth" */
        write_file(p, g.b, g.n);
        harness *h = h_new();
        bm_capture_stats st;
        bm_result r = bm_capture_read_file(p, h->t, &h->diag, &st);
        const char *o = big ? "big-endian" : "little-endian";
        char t[160];
        snprintf(t, sizeof t, "mixed link types (%s): read whole", o);
        ok(bm_is_ok(r) && !st.read_error, t);
        snprintf(t, sizeof t, "mixed link types (%s): five packets, numbered as Wireshark does", o);
        is_int(st.frames, 5, t);
        bm_tcp_flush(h->t);
        snprintf(t, sizeof t, "mixed link types (%s): Ethernet, raw IP and Ethernet bytes in one stream", o);
        ok(h->r->n == 1 && h->r->c[0].next[0] == 8 && !memcmp(h->r->c[0].data[0], "ngraweth", 8), t);
        snprintf(t, sizeof t, "mixed link types (%s): the unsupported interface named", o);
        ok(strstr(h->r->diag, "notice: interface 2: link-layer type 105 (IEEE802_11) not analysed, its packets skipped") !=
               NULL,
           t);
        snprintf(t, sizeof t, "mixed link types (%s): the packet of an undescribed interface named", o);
        ok(strstr(h->r->diag, "packet of an interface not described; interface (7)") != NULL, t);
        h_free(h);
    }
}

/* More interfaces than BM_PCAPNG_IFACES (each IDB costs the walker a slot):
 * one notice, the packets of the interfaces kept are still read. */
static void test_pcapng_many_ifaces(void)
{
    char p[128];
    path_of(p, sizeof p, "ifaces.pcapng");
    ng g;
    make_ng(&g, 0, "CLIENT_RANDOM x y\n"); /* IDB 0 Ethernet, one EPB on it: "ng" */
    for (unsigned i = 1; i < BM_TEST_IFACES; i++)
        ng_idb(&g, 101, -1); /* raw IP: libpcap refuses the mix, the walker reads it */
    uint8_t l3[200];
    pk_spec c = pk_v4(0x0a000001, 40000, 0x0a000002, 443);
    c.flags = F_ACK;
    c.seq = 2;
    c.pl = "kept";
    c.n = 4;
    ng_epb(&g, 1, 0, l3, pk_ip(l3, &c));                 /* an interface kept */
    c.pl = "lost";
    ng_epb(&g, BM_TEST_IFACES - 1, 0, l3, pk_ip(l3, &c)); /* one past the cap */
    write_file(p, g.b, g.n);
    harness *h = h_new();
    bm_capture_stats st;
    bm_result r = bm_capture_read_file(p, h->t, &h->diag, &st);
    bm_tcp_flush(h->t);
    ok(bm_is_ok(r), "300 interfaces: read");
    ok(strstr(h->r->diag, "more interfaces than badmac keeps; the packets of the others are skipped") != NULL,
       "300 interfaces: one line says the others are skipped");
    ok(h->r->n == 1 && h->r->c[0].next[0] == 6 && !memcmp(h->r->c[0].data[0], "ngkept", 6),
       "300 interfaces: the packets of the interfaces kept are analysed");
    h_free(h);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/bm_capture_test.%d", (int)getpid());
    if (mkdir(dir, 0700) != 0) {
        printf("Bail out! cannot create %s\n", dir);
        return 1;
    }
    test_roundtrip();
    test_truncated();
    test_garbage();
    test_linktype();
    test_pcapng();
    test_pcapng_mixed();
    test_pcapng_many_ifaces();
    const char *names[] = {"rt.pcap", "trunc.pcap", "garbage.txt", "random.pcap", "wifi.pcap",
                           "le.pcapng", "be.pcapng", "bad.pcapng", "mixed.pcapng", "ifaces.pcapng"};
    char p[128];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        path_of(p, sizeof p, names[i]);
        unlink(p);
    }
    rmdir(dir);
    return tap_done();
}
