/*
 * ip.c - IPv4 and IPv6 headers, down to the TCP segment.
 *
 * Lengths: the IP header's length is trusted over the frame's captured
 * length when the frame is longer (Ethernet pads short frames to 60
 * bytes). When the frame is shorter and libpcap says bytes were cut by the
 * snaplen, the segment goes on to TCP with caplen < len (TCP treats the
 * missing bytes as a gap). A shorter frame that was NOT cut means the
 * header lies: reported and skipped. A length of 0 on a complete frame is
 * what TSO/GSO offload puts in captures taken on the sender: the captured
 * length is used.
 */
#include "capture_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPPROTO_TCP_ 6
#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_AH 51
#define IP6_NONE 59
#define IP6_DSTOPTS 60
#define IP6_MAX_EXT 16 /* extension headers walked before giving up */

static void bad(bm_capture_ctx *cx, const bm_pkt_info *pi, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(bm_capture_ctx *cx, const bm_pkt_info *pi, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cx->st->skipped++;
    bm_diag_frame(cx->diag, pi->frame, "%s", msg);
}

/* The verdict for cx->csum: only a segment that came whole in frame pi
 * (not reassembled from fragments, no IPv6 extension headers: a routing
 * header changes the pseudo-header's destination) and was not cut is
 * judged. */
static void frame_csum(bm_capture_ctx *cx, const bm_ip_addr *src, const bm_ip_addr *dst, const uint8_t *seg,
                       uint32_t caplen, uint32_t len, bool whole, const bm_pkt_info *pi)
{
    int v = -1;
    if (whole && pi->caplen >= pi->len && caplen >= len && len >= 20) {
        bm_csum_verdict cv = bm_tcp_checksum(src, dst, seg, len);
        v = cv == BM_CSUM_OK ? 1 : cv == BM_CSUM_BAD ? 0 : -1;
    }
    cx->csum_told = true;
    cx->csum(cx->csum_ud, pi->frame, v);
}

/* 'seg' holds the captured part of a TCP segment whose length per the IP
 * layer is 'len'; 'whole': it came in this frame alone (see frame_csum). */
static void to_tcp(bm_capture_ctx *cx, const bm_ip_addr *src, const bm_ip_addr *dst, bm_cur seg,
                   uint32_t len, const bm_seg_meta *m, const bm_pkt_info *pi, bool whole)
{
    bm_tcp_pkt pk;
    pk.src = *src;
    pk.dst = *dst;
    pk.caplen = (uint32_t)bm_cur_left(&seg);
    pk.seg = bm_get_bytes(&seg, pk.caplen);
    pk.len = len < pk.caplen ? pk.caplen : len;
    pk.frame_caplen = pi->caplen;
    pk.frame_len = pi->len;
    pk.meta = *m;
    if (cx->csum)
        frame_csum(cx, src, dst, pk.seg, pk.caplen, pk.len, whole, pi);
    cx->st->tcp_segments++;
    bm_tcp_segment(cx->tcp, &pk);
}

/* A tunnel packet rebuilt from fragments: the reassembly buffer is reused
 * by the next fragment (the inner packet may be fragmented too), so the
 * datagram is copied first. False when it is no tunnel badmac decodes. */
static bool reassembled_tunnel(bm_capture_ctx *cx, uint8_t proto, const uint8_t *p, size_t n, const bm_pkt_info *pi)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return false;
    memcpy(copy, p, n);
    bool done = bm_tunnel_ip(cx, proto, bm_cur_make(copy, n), pi);
    free(copy);
    if (!done) {
        bm_carried_ip(cx, proto, bm_cur_make(p, n), pi->frame);
        cx->st->skipped++;
    }
    return true;
}

void bm_ip4_decode(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *pi)
{
    bool cut = pi->caplen < pi->len;
    size_t avail = bm_cur_left(&c);
    bm_cur h = c;
    uint8_t vihl = bm_get_u8(&h);
    bm_skip(&h, 1);
    uint32_t total = bm_get_u16(&h);
    uint16_t id = bm_get_u16(&h);
    uint16_t fl = bm_get_u16(&h);
    uint8_t ttl = bm_get_u8(&h);
    uint8_t proto = bm_get_u8(&h);
    bm_skip(&h, 2);
    const uint8_t *sa = bm_get_bytes(&h, 4);
    const uint8_t *da = bm_get_bytes(&h, 4);
    if (!bm_cur_ok(&h)) {
        bad(cx, pi, cut ? "IPv4 header cut by snaplen (%u of %u bytes)" : "IPv4 header truncated (%u of %u bytes)",
            (unsigned)avail, 20);
        return;
    }
    if ((vihl >> 4) != 4) {
        bad(cx, pi, "IPv4 header with version %u", vihl >> 4);
        return;
    }
    uint32_t hlen = (uint32_t)(vihl & 0x0f) * 4;
    if (hlen < 20) {
        bad(cx, pi, "IPv4 header length %u below 20", hlen);
        return;
    }
    if (avail < hlen) {
        bad(cx, pi, "IPv4 header truncated (%u of %u bytes)", (unsigned)avail, hlen);
        return;
    }
    if (total == 0 && !cut)
        total = avail > 0xffffffffu ? 0xffffffffu : (uint32_t)avail;
    if (total < hlen) {
        bad(cx, pi, "IPv4 total length %u shorter than its header (%u)", total, hlen);
        return;
    }
    size_t ipcap = total;
    if (avail < total) {
        if (!cut) {
            bad(cx, pi, "IPv4 total length %u exceeds the %u bytes captured", total, (unsigned)avail);
            return;
        }
        ipcap = avail;
    }
    bm_skip(&c, hlen);
    bm_cur pay = bm_cur_sub(&c, ipcap - hlen);

    bm_ip_addr src = {.family = 4}, dst = {.family = 4};
    memcpy(src.ip, sa, 4);
    memcpy(dst.ip, da, 4);
    bm_seg_meta m = {.frame = pi->frame, .ts_ns = pi->ts_ns, .ttl = ttl, .ip_id = id};

    bool more = (fl & 0x2000) != 0;
    uint32_t foff = (uint32_t)(fl & 0x1fff) * 8;
    /* every IPv4 fragment names its protocol: TCP and what may be a tunnel
     * (a VXLAN or GRE underlay with a small MTU fragments) are reassembled */
    bool tunnel = proto == 4 || proto == 41 || proto == 47 || proto == 17;
    if (proto != IPPROTO_TCP_ && (!tunnel || !(more || foff))) {
        if (!more && !foff && tunnel && bm_tunnel_ip(cx, proto, pay, pi))
            return;
        if (!foff)
            bm_carried_ip(cx, proto, pay, pi->frame);
        cx->st->skipped++;
        return;
    }
    if (more || foff) {
        if (ipcap < total) {
            bad(cx, pi, "IPv4 fragment cut by snaplen (%u of %u bytes)", (unsigned)ipcap, total);
            return;
        }
        bm_frag_key k = {.family = 4, .proto = proto, .id = id};
        memcpy(k.src, sa, 4);
        memcpy(k.dst, da, 4);
        bm_frag_out out;
        uint32_t plen = total - hlen;
        if (!bm_frag_add(&cx->frag, &k, foff, more, 0, bm_get_bytes(&pay, plen), plen, &m, &out,
                         bm_capture_frag_dropped, cx))
            return;
        if (proto == IPPROTO_TCP_)
            to_tcp(cx, &src, &dst, bm_cur_make(out.p, out.len), out.len, &out.meta, pi, false);
        else
            reassembled_tunnel(cx, proto, out.p, out.len, pi);
        return;
    }
    to_tcp(cx, &src, &dst, pay, total - hlen, &m, pi, true);
}

/* Walks IPv6 extension headers from 'nh' over 'c' (whose stated length,
 * snaplen cut included, is 'stated'). 'reassembled' forbids a second
 * fragment header inside a reassembled datagram. */
static void ip6_walk(bm_capture_ctx *cx, uint8_t nh, bm_cur c, uint32_t stated, const bm_ip_addr *src,
                     const bm_ip_addr *dst, const bm_seg_meta *m, const bm_pkt_info *pi, bool reassembled)
{
    for (int i = 0; i < IP6_MAX_EXT; i++) {
        size_t before = bm_cur_left(&c);
        switch (nh) {
        case IPPROTO_TCP_:
            to_tcp(cx, src, dst, c, stated, m, pi, i == 0 && !reassembled);
            return;
        case IP6_HOPOPTS:
        case IP6_ROUTING:
        case IP6_DSTOPTS:
        case IP6_AH: {
            uint8_t next = bm_get_u8(&c);
            uint32_t l = bm_get_u8(&c);
            l = nh == IP6_AH ? (l + 2) * 4 : (l + 1) * 8;
            bm_skip(&c, l - 2);
            if (!bm_cur_ok(&c)) {
                bad(cx, pi, "IPv6 extension header %u truncated (%u bytes left)", nh, (unsigned)before);
                return;
            }
            nh = next;
            break;
        }
        case IP6_FRAGMENT: {
            uint8_t next = bm_get_u8(&c);
            bm_skip(&c, 1);
            uint16_t offm = bm_get_u16(&c);
            uint32_t id = bm_get_u32(&c);
            if (!bm_cur_ok(&c)) {
                bad(cx, pi, "IPv6 fragment header truncated (%u bytes left)", (unsigned)before);
                return;
            }
            uint32_t foff = offm & 0xfff8u;
            bool more = offm & 1u;
            if (foff == 0 && !more) { /* atomic fragment (RFC 6946) */
                nh = next;
                break;
            }
            if (reassembled) {
                bad(cx, pi, "IPv6 fragment header inside a reassembled datagram");
                return;
            }
            /* 'stated' still counts this 8-byte header; it is never below
             * the captured bytes, so stated >= 8 here. */
            if (bm_cur_left(&c) + 8 < stated) {
                bad(cx, pi, "IPv6 fragment cut by snaplen (%u of %u bytes)", (unsigned)bm_cur_left(&c) + 8,
                    stated);
                return;
            }
            bm_frag_key k = {.family = 6, .proto = 0, .id = id};
            memcpy(k.src, src->ip, 16);
            memcpy(k.dst, dst->ip, 16);
            bm_frag_out out;
            uint32_t n = (uint32_t)bm_cur_left(&c);
            if (!bm_frag_add(&cx->frag, &k, foff, more, next, bm_get_bytes(&c, n), n, m, &out,
                             bm_capture_frag_dropped, cx))
                return;
            ip6_walk(cx, out.next_header, bm_cur_make(out.p, out.len), out.len, src, dst, &out.meta, pi, true);
            return;
        }
        default: /* IP6_NONE, ESP, UDP, ICMPv6, ...; tunnels */
            if (reassembled ? reassembled_tunnel(cx, nh, c.p, bm_cur_left(&c), pi) : bm_tunnel_ip(cx, nh, c, pi))
                return;
            bm_carried_ip(cx, nh, c, pi->frame);
            cx->st->skipped++;
            return;
        }
        uint32_t used = (uint32_t)(before - bm_cur_left(&c));
        if (used > stated) {
            bad(cx, pi, "IPv6 extension headers exceed the payload length %u", stated);
            return;
        }
        stated -= used;
    }
    bad(cx, pi, "more than %u IPv6 extension headers", IP6_MAX_EXT);
}

void bm_ip6_decode(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *pi)
{
    bool cut = pi->caplen < pi->len;
    size_t avail = bm_cur_left(&c);
    uint32_t vtf = bm_get_u32(&c);
    uint32_t plen = bm_get_u16(&c);
    uint8_t nh = bm_get_u8(&c);
    uint8_t hlim = bm_get_u8(&c);
    const uint8_t *sa = bm_get_bytes(&c, 16);
    const uint8_t *da = bm_get_bytes(&c, 16);
    if (!bm_cur_ok(&c)) {
        bad(cx, pi, cut ? "IPv6 header cut by snaplen (%u of %u bytes)" : "IPv6 header truncated (%u of %u bytes)",
            (unsigned)avail, 40);
        return;
    }
    if ((vtf >> 28) != 6) {
        bad(cx, pi, "IPv6 header with version %u", vtf >> 28);
        return;
    }
    size_t left = bm_cur_left(&c);
    if (plen == 0 && !cut) /* jumbogram or a TSO/GSO capture: trust the frame */
        plen = left > 0xffffffffu ? 0xffffffffu : (uint32_t)left;
    if (left > plen)
        c = bm_cur_sub(&c, plen);
    else if (left < plen && !cut) {
        bad(cx, pi, "IPv6 payload length %u exceeds the %u bytes captured", plen, (unsigned)left);
        return;
    }
    bm_ip_addr src = {.family = 6}, dst = {.family = 6};
    memcpy(src.ip, sa, 16);
    memcpy(dst.ip, da, 16);
    bm_seg_meta m = {.frame = pi->frame, .ts_ns = pi->ts_ns, .ttl = hlim, .ip_id = 0};
    ip6_walk(cx, nh, c, plen, &src, &dst, &m, pi, false);
}
