/*
 * pcapng.c - a minimal pcapng writer (SHB, IDB, EPB) for the relay's
 * two-leg capture. libpcap's pcap_dump writes one interface per file only,
 * so the blocks are written here; libpcap and tshark read them back.
 */
#include "pcapng.h"

#include <netinet/in.h>
#include <string.h>
#include <time.h>

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define SEG_MAX 16384 /* payload per synthesized segment */
#define HDRS_MAX (14 + 40 + 20) /* Ethernet, IPv6, TCP */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

static void wr(bm_pcapng *p, const void *b, size_t n)
{
    if (n && !p->failed && fwrite(b, 1, n, p->f) != n)
        p->failed = 1;
}

/* Block fields are in host order: readers use the SHB magic to tell. */
static void wr32(bm_pcapng *p, uint32_t v) { wr(p, &v, 4); }
static void wr16(bm_pcapng *p, uint16_t v) { wr(p, &v, 2); }

static void write_idb(bm_pcapng *p, const char *name)
{
    size_t nlen = strlen(name), padded = (nlen + 3) & ~(size_t)3;
    uint32_t total = (uint32_t)(20 + 4 + padded + 4);
    static const uint8_t zero[4];
    wr32(p, 1);
    wr32(p, total);
    wr16(p, 1);        /* LINKTYPE_ETHERNET */
    wr16(p, 0);
    wr32(p, 262144);   /* snaplen */
    wr16(p, 2);        /* if_name */
    wr16(p, (uint16_t)nlen);
    wr(p, name, nlen);
    wr(p, zero, padded - nlen);
    wr32(p, 0);        /* opt_endofopt */
    wr32(p, total);
}

bm_result bm_pcapng_open(bm_pcapng *p, const char *path)
{
    memset(p, 0, sizeof *p);
    p->f = fopen(path, "wb");
    BM_ENSURE(p->f != NULL, BM_ERR_IO);
    wr32(p, 0x0A0D0D0A);
    wr32(p, 28);
    wr32(p, 0x1A2B3C4D);
    wr16(p, 1);
    wr16(p, 0);
    wr32(p, 0xffffffffu); /* section length unknown */
    wr32(p, 0xffffffffu);
    wr32(p, 28);
    write_idb(p, "client-leg");
    write_idb(p, "server-leg");
    BM_ENSURE(!p->failed && fflush(p->f) == 0, BM_ERR_IO);
    return BM_SUCCESS;
}

bm_result bm_pcapng_close(bm_pcapng *p)
{
    if (!p->f)
        return BM_SUCCESS;
    int bad = fclose(p->f) != 0 || p->failed;
    p->f = NULL;
    BM_ENSURE(!bad, BM_ERR_IO);
    return BM_SUCCESS;
}

static uint32_t sum16(const uint8_t *b, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        s += (uint32_t)(b[n - 1] << 8);
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* The IP header of a segment with 'n' payload bytes; returns its length.
 * 'pseudo' gets the TCP checksum's pseudo-header, '*plen' its length. */
static size_t ip_header(bm_pcapng *p, const bm_tcpflow *fl, int from, size_t n, uint8_t *ip,
                        uint8_t pseudo[40], size_t *plen)
{
    int to = !from;
    if (fl->v6) {
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)(20 + n));
        ip[6] = 6;
        ip[7] = 64;
        memcpy(ip + 8, fl->ip[from], 16);
        memcpy(ip + 24, fl->ip[to], 16);
        memcpy(pseudo, ip + 8, 32);
        put32(pseudo + 32, (uint32_t)(20 + n));
        pseudo[36] = pseudo[37] = pseudo[38] = 0;
        pseudo[39] = 6;
        *plen = 40;
        return 40;
    }
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(40 + n));
    put16(ip + 4, p->ip_id++);
    put16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, fl->ip[from], 4);
    memcpy(ip + 16, fl->ip[to], 4);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (uint16_t)(20 + n));
    *plen = 12;
    return 20;
}

static void write_segment(bm_pcapng *p, bm_tcpflow *fl, int from, uint8_t flags,
                          const uint8_t *data, size_t n)
{
    uint8_t h[HDRS_MAX], pseudo[40];
    size_t plen;
    int to = !from;
    memset(h, 0, sizeof h);
    /* locally administered MACs: 02:00:00:00:<leg>:<side> */
    h[0] = 0x02, h[4] = (uint8_t)fl->leg, h[5] = (uint8_t)to;
    h[6] = 0x02, h[10] = (uint8_t)fl->leg, h[11] = (uint8_t)from;
    put16(h + 12, fl->v6 ? 0x86DD : 0x0800);
    size_t hdrs = 14 + ip_header(p, fl, from, n, h + 14, pseudo, &plen) + 20;
    uint8_t *tcp = h + hdrs - 20;
    put16(tcp, fl->port[from]);
    put16(tcp + 2, fl->port[to]);
    put32(tcp + 4, fl->seq[from]);
    put32(tcp + 8, (flags & TCP_ACK) ? fl->seq[to] : 0);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    put16(tcp + 16, fold(sum16(data, n, sum16(tcp, 20, sum16(pseudo, plen, 0)))));

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    size_t caplen = hdrs + n, pad = (4 - caplen % 4) % 4;
    static const uint8_t zero[4];
    uint32_t total = (uint32_t)(28 + caplen + pad + 4);
    wr32(p, 6);
    wr32(p, total);
    wr32(p, fl->leg);
    wr32(p, (uint32_t)(us >> 32));
    wr32(p, (uint32_t)us);
    wr32(p, (uint32_t)caplen);
    wr32(p, (uint32_t)caplen);
    wr(p, h, hdrs);
    wr(p, data, n);
    wr(p, zero, pad);
    wr32(p, total);
    fl->seq[from] += (uint32_t)n + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
}

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* The address as 16 bytes, IPv4 as ::ffff:a.b.c.d; returns 1 for real IPv6. */
static int addr_of(const struct sockaddr *sa, uint16_t *port, uint8_t ip[16])
{
    memset(ip, 0, 16);
    *port = 0;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(ip, s->sin6_addr.s6_addr, 16);
        *port = ntohs(s->sin6_port);
        return memcmp(ip, v4_mapped, 12) != 0;
    }
    memcpy(ip, v4_mapped, 12);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)sa;
        memcpy(ip + 12, &s->sin_addr, 4);
        *port = ntohs(s->sin_port);
    }
    return 0;
}

void bm_pcapng_flow_open(bm_pcapng *p, bm_tcpflow *fl, unsigned leg, const struct sockaddr *a,
                         const struct sockaddr *b, uint64_t isn_seed)
{
    memset(fl, 0, sizeof *fl);
    fl->leg = leg;
    fl->v6 = addr_of(a, &fl->port[0], fl->ip[0]) | addr_of(b, &fl->port[1], fl->ip[1]);
    /* IPv4 (and v4-mapped) flows are written as IPv4 */
    if (!fl->v6)
        for (int s = 0; s < 2; s++)
            memmove(fl->ip[s], fl->ip[s] + 12, 4);
    fl->seq[0] = (uint32_t)(isn_seed * 2654435761u + leg * 7919u);
    fl->seq[1] = (uint32_t)(fl->seq[0] * 40503u + 12345u);
    fl->open = 1;
    if (!p)
        return;
    write_segment(p, fl, 0, TCP_SYN, NULL, 0);
    write_segment(p, fl, 1, TCP_SYN | TCP_ACK, NULL, 0);
    write_segment(p, fl, 0, TCP_ACK, NULL, 0);
}

void bm_pcapng_flow_data(bm_pcapng *p, bm_tcpflow *fl, int from, const uint8_t *data, size_t n)
{
    if (!p || !fl->open)
        return;
    while (n > 0) {
        size_t k = n < SEG_MAX ? n : SEG_MAX;
        write_segment(p, fl, from, TCP_PSH | TCP_ACK, data, k);
        data += k;
        n -= k;
    }
}

void bm_pcapng_flow_fin(bm_pcapng *p, bm_tcpflow *fl, int from)
{
    if (p && fl->open)
        write_segment(p, fl, from, TCP_FIN | TCP_ACK, NULL, 0);
}

void bm_pcapng_flow_rst(bm_pcapng *p, bm_tcpflow *fl, int from)
{
    if (p && fl->open) {
        write_segment(p, fl, from, TCP_RST | TCP_ACK, NULL, 0);
        fl->open = 0;
    }
}
