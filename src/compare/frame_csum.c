/*
 * frame_csum.c - the TCP checksum verdict of one captured frame, for the
 * question "was the corrupted segment's checksum valid where it arrived?".
 *
 * The capture stage counts bad checksums per direction but does not say
 * which frame had one, so the packet reader of pass 2 asks here before
 * feeding each frame, and keeps the verdicts of recent frames in a ring.
 * A minimal decode: the link layers the capture stage reads, IPv4 without
 * fragmentation, IPv6 without extension headers; anything else is
 * "unknown" (-1), as is a checksum left to the NIC (offload).
 */
#include <pcap/pcap.h>
#include <stdlib.h>

#include "../capture/capture_int.h"
#include "frame_csum.h"

#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static int tcp_verdict(const bm_ip_addr *s, const bm_ip_addr *d, bm_cur c, uint32_t seglen)
{
    const uint8_t *seg = bm_get_bytes(&c, seglen);
    if (!seg || seglen < 20)
        return -1;
    bm_csum_verdict v = bm_tcp_checksum(s, d, seg, seglen);
    return v == BM_CSUM_OK ? 1 : v == BM_CSUM_BAD ? 0 : -1;
}

static int ip_verdict(bm_cur c)
{
    uint8_t v0;
    if (!bm_peek_u8(&c, 0, &v0))
        return -1;
    bm_ip_addr s = {0}, d = {0};
    if (v0 >> 4 == 4) {
        bm_cur h = c;
        uint32_t ihl = (uint32_t)(bm_get_u8(&h) & 15) * 4;
        bm_skip(&h, 1);
        uint32_t total = bm_get_u16(&h);
        bm_skip(&h, 2);
        uint16_t frag = bm_get_u16(&h);
        bm_skip(&h, 1);
        uint8_t proto = bm_get_u8(&h);
        bm_skip(&h, 2);
        s.family = d.family = 4;
        bm_get_copy(&h, s.ip, 4);
        bm_get_copy(&h, d.ip, 4);
        if (!bm_cur_ok(&h) || ihl < 20 || total < ihl || proto != 6 || (frag & 0x3fff))
            return -1;
        if (!bm_skip(&c, ihl))
            return -1;
        return tcp_verdict(&s, &d, c, total - ihl);
    }
    if (v0 >> 4 == 6) {
        bm_skip(&c, 4);
        uint32_t plen = bm_get_u16(&c);
        uint8_t next = bm_get_u8(&c);
        bm_skip(&c, 1);
        s.family = d.family = 6;
        bm_get_copy(&c, s.ip, 16);
        bm_get_copy(&c, d.ip, 16);
        if (!bm_cur_ok(&c) || next != 6)
            return -1;
        return tcp_verdict(&s, &d, c, plen);
    }
    return -1;
}

static int by_ethertype(bm_cur c, uint16_t type)
{
    for (int depth = 0; depth < 8 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); depth++) {
        bm_skip(&c, 2);
        type = bm_get_u16(&c);
    }
    if (!bm_cur_ok(&c) || (type != 0x0800 && type != 0x86dd))
        return -1;
    return ip_verdict(c);
}

int bm_cmp_frame_csum(int lt, const uint8_t *p, uint32_t caplen, uint32_t len)
{
    if (caplen < len)
        return -1; /* cut by the snaplen: nothing to verify */
    bm_cur c = bm_cur_make(p, caplen);
    switch (lt) {
    case DLT_EN10MB:
        bm_skip(&c, 12);
        return by_ethertype(c, bm_get_u16(&c));
    case DLT_LINUX_SLL:
        bm_skip(&c, 14);
        return by_ethertype(c, bm_get_u16(&c));
    case DLT_LINUX_SLL2: {
        uint16_t type = bm_get_u16(&c);
        bm_skip(&c, 18);
        return by_ethertype(c, type);
    }
    case DLT_NULL:
    case DLT_LOOP:
        bm_skip(&c, 4);
        return ip_verdict(c);
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return ip_verdict(c);
    default:
        return -1;
    }
}

bm_cmp_csum_ring *bm_cmp_csum_ring_new(void)
{
    return calloc(1, sizeof(bm_cmp_csum_ring));
}

void bm_cmp_csum_ring_put(bm_cmp_csum_ring *r, uint64_t frame, int v)
{
    r->v[frame & (BM_CMP_CSUM_RING - 1)] = (int8_t)v;
    if (frame > r->last)
        r->last = frame;
}

int bm_cmp_csum_ring_get(void *ud, uint64_t frame)
{
    bm_cmp_csum_ring *r = ud;
    if (!frame || frame > r->last || r->last - frame >= BM_CMP_CSUM_RING)
        return -1;
    return r->v[frame & (BM_CMP_CSUM_RING - 1)];
}
