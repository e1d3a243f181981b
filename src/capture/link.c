/*
 * link.c - link-layer headers: from a captured frame to the IP header.
 *
 * Non-IP frames (ARP, LLDP, 802.3 LLC, ...) are skipped silently and only
 * counted; a frame too short for its link header gets a diag line.
 */
#include "capture_int.h"

#include <pcap/dlt.h>

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100  /* 802.1Q */
#define ETH_QINQ 0x88a8  /* 802.1ad */
#define ETH_QINQ_OLD 0x9100
#define MAX_VLAN_TAGS 8  /* deeper stacks are not real traffic */

/* libpcap maps LINKTYPE_RAW (101) to DLT_RAW, which is 12 or 14 depending
 * on the platform (the macro has this platform's value; the other number
 * is a different link type here), plus the version-specific raw types. */
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

bool bm_linktype_supported(int lt)
{
    switch (lt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return true;
    default:
        return false;
    }
}

static void skip_frame(bm_capture_ctx *cx)
{
    cx->st->skipped++;
}

static void bad_frame(bm_capture_ctx *cx, const bm_pkt_info *pi, const char *what)
{
    cx->st->skipped++;
    bm_diag_frame(cx->diag, pi->frame, "%s", what);
}

/* Dispatch on an EtherType, walking any stack of VLAN tags first. */
static void by_ethertype(bm_capture_ctx *cx, uint16_t type, bm_cur c, const bm_pkt_info *pi)
{
    for (int depth = 0; type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD; depth++) {
        if (depth == MAX_VLAN_TAGS) {
            bad_frame(cx, pi, "more than 8 VLAN tags");
            return;
        }
        bm_skip(&c, 2); /* PCP/DEI/VID */
        type = bm_get_u16(&c);
        if (!bm_cur_ok(&c)) {
            bad_frame(cx, pi, "VLAN tag truncated");
            return;
        }
    }
    if (type == ETH_IPV4) {
        bm_ip4_decode(cx, c, pi);
    } else if (type == ETH_IPV6) {
        bm_ip6_decode(cx, c, pi);
    } else if (!bm_tunnel_ethertype(cx, type, c, pi)) {
        bm_carried_ethertype(cx, type, pi->frame);
        skip_frame(cx);
    }
}

void bm_link_ether(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *pi)
{
    bm_skip(&c, 12);
    uint16_t type = bm_get_u16(&c);
    if (!bm_cur_ok(&c)) {
        bad_frame(cx, pi, "Ethernet header truncated");
        return;
    }
    if (type < 0x0600) { /* 802.3 length field: LLC, never IP here */
        skip_frame(cx);
        return;
    }
    by_ethertype(cx, type, c, pi);
}

/* By the IP version nibble, for link types without a protocol field. */
static void by_version(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *pi)
{
    uint8_t v0;
    if (!bm_peek_u8(&c, 0, &v0)) {
        bad_frame(cx, pi, "empty raw IP frame");
        return;
    }
    if ((v0 >> 4) == 4)
        bm_ip4_decode(cx, c, pi);
    else if ((v0 >> 4) == 6)
        bm_ip6_decode(cx, c, pi);
    else
        skip_frame(cx);
}

/* BSD AF_ values: AF_INET is 2 everywhere, AF_INET6 is 24 (NetBSD, OpenBSD),
 * 28 (FreeBSD) or 30 (macOS). DLT_NULL stores it in the capturing host's
 * byte order, DLT_LOOP in network order: accept either. */
static int af_family(uint32_t be, uint32_t le)
{
    uint32_t v[2] = {be, le};
    for (int i = 0; i < 2; i++) {
        if (v[i] == 2)
            return 4;
        if (v[i] == 24 || v[i] == 28 || v[i] == 30)
            return 6;
    }
    return 0;
}

void bm_link_decode(bm_capture_ctx *cx, int lt, const uint8_t *p, const bm_pkt_info *pi)
{
    bm_cur c = bm_cur_make(p, pi->caplen);
    switch (lt) {
    case DLT_EN10MB:
        bm_link_ether(cx, c, pi);
        return;
    case DLT_LINUX_SLL: {
        bm_skip(&c, 14);
        uint16_t type = bm_get_u16(&c);
        if (!bm_cur_ok(&c)) {
            bad_frame(cx, pi, "Linux cooked (SLL) header truncated");
            return;
        }
        by_ethertype(cx, type, c, pi);
        return;
    }
    case DLT_LINUX_SLL2: {
        uint16_t type = bm_get_u16(&c);
        bm_skip(&c, 18);
        if (!bm_cur_ok(&c)) {
            bad_frame(cx, pi, "Linux cooked (SLL2) header truncated");
            return;
        }
        by_ethertype(cx, type, c, pi);
        return;
    }
    case DLT_NULL:
    case DLT_LOOP: {
        bm_cur h = c;
        uint32_t be = bm_get_u32(&c);
        uint32_t le = bm_get_u32le(&h);
        if (!bm_cur_ok(&c)) {
            bad_frame(cx, pi, "loopback header truncated");
            return;
        }
        int fam = af_family(be, le);
        if (fam == 4)
            bm_ip4_decode(cx, c, pi);
        else if (fam == 6)
            bm_ip6_decode(cx, c, pi);
        else
            skip_frame(cx);
        return;
    }
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        by_version(cx, c, pi);
        return;
    default:
        skip_frame(cx);
        return;
    }
}
