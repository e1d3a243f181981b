/*
 * tunnel.c - encapsulations decoded to the connection inside, as if it had
 * been captured directly (what SPAN and cloud mirror ports deliver):
 *
 *   IP protocol 4 (IP in IP), 41 (IPv6 in IP)
 *   IP protocol 47, GRE version 0 (RFC 2784/2890): IPv4, IPv6, Ethernet
 *     (0x6558, as NVGRE and gretap carry it), ERSPAN type I and II (0x88be:
 *     without, with the 8-byte ERSPAN header) and III (0x22eb: 12 bytes,
 *     plus the 8-byte platform subheader when O is set)
 *   UDP port 4789 (VXLAN, RFC 7348): Ethernet after 8 bytes
 *   UDP port 6081 (Geneve, RFC 8926): Ethernet, IPv4 or IPv6 after 8 bytes
 *     plus its options
 *   UDP port 2152 (GTP-U, 3GPP TS 29.281): the T-PDU (IPv4/IPv6) of a G-PDU,
 *     after the optional fields and extension headers
 *   EtherType 0x8847/0x8848 (MPLS): the label stack, then IPv4, IPv6, or an
 *     Ethernet pseudowire behind a control word
 *   EtherType 0x8864 (PPPoE session): PPP protocol 0x0021 (IPv4), 0x0057 (IPv6)
 *   EtherType 0x88e7 (802.1ah PBB): the I-TAG, then the customer frame
 *
 * The inner packet goes through the same decoders with the frame's number
 * and time; nesting is bounded (BM_TUNNEL_MAX_DEPTH). A tunnel packet that
 * does not parse is left to the "not decoded" notice (carried.c).
 */
#include "capture_int.h"

#define BM_TUNNEL_MAX_DEPTH 4

/* A copy of pi one level deeper; false when too deep. */
static bool deeper(const bm_pkt_info *pi, bm_pkt_info *in)
{
    if (pi->depth >= BM_TUNNEL_MAX_DEPTH)
        return false;
    *in = *pi;
    in->depth++;
    return true;
}

/* The inner packet by its first nibble (IP version). */
static bool inner_ip(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *in)
{
    uint8_t v;
    if (!bm_peek_u8(&c, 0, &v))
        return false;
    if (v >> 4 == 4)
        bm_ip4_decode(cx, c, in);
    else if (v >> 4 == 6)
        bm_ip6_decode(cx, c, in);
    else
        return false;
    return true;
}

/* An inner packet of EtherType 'type' (IP, or Ethernet for 0x6558). */
static bool inner_by_type(bm_capture_ctx *cx, uint16_t type, bm_cur c, const bm_pkt_info *in)
{
    switch (type) {
    case 0x0800: bm_ip4_decode(cx, c, in); return true;
    case 0x86dd: bm_ip6_decode(cx, c, in); return true;
    case 0x6558: bm_link_ether(cx, c, in); return true;
    default: return false;
    }
}

static bool gre(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *in)
{
    uint16_t fl = bm_get_u16(&c), type = bm_get_u16(&c);
    if (!bm_cur_ok(&c) || (fl & 7) != 0) /* version 0 only (1 is PPTP) */
        return false;
    bool seq = fl & 0x1000;
    bm_skip(&c, ((fl & 0x8000) ? 4u : 0u) + ((fl & 0x2000) ? 4u : 0u) + (seq ? 4u : 0u));
    if (!bm_cur_ok(&c))
        return false;
    if (type == 0x88be) { /* ERSPAN: type II carries a sequence number and an 8-byte header */
        if (seq)
            bm_skip(&c, 8);
        if (!bm_cur_ok(&c))
            return false;
        bm_link_ether(cx, c, in);
        return true;
    }
    if (type == 0x22eb) { /* ERSPAN type III */
        const uint8_t *h = bm_get_bytes(&c, 12);
        if (!h)
            return false;
        if (h[11] & 1) /* O: platform-specific subheader */
            bm_skip(&c, 8);
        if (!bm_cur_ok(&c))
            return false;
        bm_link_ether(cx, c, in);
        return true;
    }
    return inner_by_type(cx, type, c, in);
}

static bool geneve(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *in)
{
    uint8_t vo = bm_get_u8(&c);
    bm_skip(&c, 1);
    uint16_t type = bm_get_u16(&c);
    bm_skip(&c, 4 + 4u * (vo & 0x3f)); /* VNI, reserved, options */
    if (!bm_cur_ok(&c) || (vo >> 6) != 0)
        return false;
    return inner_by_type(cx, type, c, in);
}

static bool gtpu(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *in)
{
    uint8_t fl = bm_get_u8(&c), type = bm_get_u8(&c);
    bm_skip(&c, 6); /* length, TEID */
    if (!bm_cur_ok(&c) || (fl >> 5) != 1 || !(fl & 0x10) || type != 0xff) /* GTPv1, G-PDU */
        return false;
    if (fl & 0x07) { /* sequence number, N-PDU number, next extension header type */
        bm_skip(&c, 3);
        uint8_t next = bm_get_u8(&c);
        for (int i = 0; next && i < 16 && bm_cur_ok(&c); i++) {
            uint8_t words = bm_get_u8(&c);
            if (!words)
                return false;
            bm_skip(&c, 4u * words - 2);
            next = bm_get_u8(&c);
        }
        if (next || !bm_cur_ok(&c))
            return false;
    }
    return inner_ip(cx, c, in);
}

bool bm_tunnel_ip(bm_capture_ctx *cx, uint8_t proto, bm_cur c, const bm_pkt_info *pi)
{
    bm_pkt_info in;
    if ((proto != 4 && proto != 41 && proto != 47 && proto != 17) || !deeper(pi, &in))
        return false;
    if (proto == 4 || proto == 41)
        return inner_ip(cx, c, &in);
    if (proto == 47)
        return gre(cx, c, &in);
    uint16_t sp = bm_get_u16(&c), dp = bm_get_u16(&c);
    bm_skip(&c, 4); /* length, checksum */
    if (!bm_cur_ok(&c))
        return false;
    if (dp == 4789) {
        uint8_t flags = bm_get_u8(&c);
        bm_skip(&c, 7);
        if (!bm_cur_ok(&c) || !(flags & 0x08))
            return false;
        bm_link_ether(cx, c, &in);
        return true;
    }
    if (dp == 6081)
        return geneve(cx, c, &in);
    if (dp == 2152 || sp == 2152)
        return gtpu(cx, c, &in);
    return false;
}

bool bm_tunnel_ethertype(bm_capture_ctx *cx, uint16_t type, bm_cur c, const bm_pkt_info *pi)
{
    bm_pkt_info in;
    if ((type != 0x8847 && type != 0x8848 && type != 0x8864 && type != 0x88e7) || !deeper(pi, &in))
        return false;
    if (type == 0x8864) { /* PPPoE session: ver/type, code, session, length; PPP protocol */
        uint8_t vt = bm_get_u8(&c), code = bm_get_u8(&c);
        bm_skip(&c, 4);
        uint16_t ppp = bm_get_u16(&c);
        if (!bm_cur_ok(&c) || vt != 0x11 || code != 0)
            return false;
        if (ppp == 0x0021)
            bm_ip4_decode(cx, c, &in);
        else if (ppp == 0x0057)
            bm_ip6_decode(cx, c, &in);
        else
            return false;
        return true;
    }
    if (type == 0x88e7) { /* PBB: I-TAG, then the customer's MACs and EtherType */
        bm_skip(&c, 4);
        if (!bm_cur_ok(&c))
            return false;
        bm_link_ether(cx, c, &in);
        return true;
    }
    for (int i = 0; i < 16; i++) { /* MPLS labels up to the bottom of the stack */
        uint32_t label = bm_get_u32(&c);
        if (!bm_cur_ok(&c))
            return false;
        if (label & 0x100)
            break;
        if (i == 15)
            return false;
    }
    uint8_t v;
    if (!bm_peek_u8(&c, 0, &v))
        return false;
    if (v >> 4 == 0) { /* a pseudowire control word, then Ethernet */
        bm_skip(&c, 4);
        bm_link_ether(cx, c, &in);
        return true;
    }
    return inner_ip(cx, c, &in);
}
