/*
 * capture_int.h - the capture stage's internal seams: a per-file decoding
 * context (link layer -> IP -> fragments -> TCP), the packet handed to the
 * TCP table, and the entry point unit tests use to feed hand-made packets
 * without a capture file.
 *
 * Layering: bm_capture_feed_packet() (read.c) -> bm_link_decode() (link.c)
 * -> bm_ip4_decode()/bm_ip6_decode() (ip.c, frag.c) -> bm_tcp_segment()
 * (tcp.c, tcp_dir.c). Every layer reads untrusted bytes only through a
 * bm_cur and borrows the packet buffer: nothing on the in-order path copies.
 */
#ifndef BM_CAPTURE_INT_H
#define BM_CAPTURE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../wire/cur.h"
#include "capture.h"
#include "frag.h"

/* Where the current frame came from; the IP layers need the frame's
 * captured/original length to tell a snaplen cut from a lying header. */
typedef struct bm_pkt_info {
    uint64_t frame;
    uint64_t ts_ns;
    uint32_t caplen; /* bytes captured of the frame */
    uint32_t len;    /* bytes on the wire (>= caplen) */
    uint8_t depth;   /* encapsulations around the packet being decoded (tunnel.c) */
} bm_pkt_info;

/* One TCP segment as the IP layer hands it over. 'seg' points into the
 * packet (or the fragment reassembly buffer) and is valid only during
 * bm_tcp_segment(). */
typedef struct bm_tcp_pkt {
    bm_ip_addr src, dst;
    const uint8_t *seg; /* TCP header + payload, as captured */
    uint32_t caplen;    /* bytes of 'seg' captured */
    uint32_t len;       /* TCP header + payload length according to IP (>= caplen) */
    uint32_t frame_caplen, frame_len; /* for the snaplen message */
    bm_seg_meta meta;
} bm_tcp_pkt;

/* Per capture file decoding state. All fields are owned by the context. */
/* Encapsulations badmac does not decode (carried.c). */
typedef enum bm_carrier {
    BM_CAR_MPLS, BM_CAR_PPPOE, BM_CAR_PBB, BM_CAR_MACSEC, BM_CAR_NSH, BM_CAR_GRE, BM_CAR_IPIP, BM_CAR_IP6IP,
    BM_CAR_ESP, BM_CAR_VXLAN, BM_CAR_GENEVE, BM_CAR_GTPU, BM_CAR_COUNT
} bm_carrier;

typedef struct bm_capture_ctx {
    bm_tcp_table *tcp;
    bm_diag *diag;
    bm_capture_stats *st;
    uint64_t frame;     /* frame number of the packet being decoded (from 1) */
    bm_frag frag;       /* IPv4/IPv6 fragment reassembly */
    /* Per-frame TCP checksum verdicts (bm_capture_feed; NULL: none): the
     * IP layer gives one for the frame whose segment it hands to TCP
     * (ip.c), feed.c gives -1 to a frame that had none. */
    bm_frame_csum_cb csum;
    void *csum_ud;
    bool csum_told;     /* this frame's verdict was given */
    const struct bpf_program *filter;     /* the capture's compiled filter, or NULL (read.c) */
    uint64_t carried[BM_CAR_COUNT];       /* frames per encapsulation not decoded */
    uint64_t carried_first[BM_CAR_COUNT]; /* the first such frame */
} bm_capture_ctx;

/* 'st' MUST be non-NULL; it is not reset (the caller zeroes it). */
void bm_capture_ctx_init(bm_capture_ctx *cx, bm_tcp_table *t, bm_diag *diag, bm_capture_stats *st);
/* Drops (and reports) fragments that never completed; one notice for the
 * frames in encapsulations not decoded. */
void bm_capture_ctx_fini(bm_capture_ctx *cx);
/* carried.c: counts a frame skipped for its EtherType, or an IP datagram
 * of protocol 'proto' (payload: from its transport header); the notice. */
void bm_carried_ethertype(bm_capture_ctx *cx, uint16_t type, uint64_t frame);
void bm_carried_ip(bm_capture_ctx *cx, uint8_t proto, bm_cur payload, uint64_t frame);
void bm_carried_report(bm_capture_ctx *cx);
/* False after a line naming the link type (and 'path', unless NULL) when
 * badmac does not decode it. */
bool bm_capture_linktype_ok(int lt, const char *path, bm_diag *diag);
/* One notice for the connections closed early to stay within the limits. */
void bm_capture_tell_evicted(bm_tcp_table *t, bm_diag *diag);
/* A frame the filter rejected: numbered and counted, not decoded. */
void bm_capture_filtered_packet(bm_capture_ctx *cx);

/* Decode one frame: increments the frame number first, so the first call
 * is frame 1. 'linktype' is a DLT_* value. */
void bm_capture_feed_packet(bm_capture_ctx *cx, int linktype, const uint8_t *p, uint32_t caplen,
                            uint32_t len, uint64_t ts_ns);

/* Reports a fragmented datagram given up (a bm_frag_drop_cb; ud is the ctx). */
void bm_capture_frag_dropped(void *ud, const bm_frag_key *k, uint64_t first_frame, const char *why);

/* Points 'd' at 'path' (bm_diag_begin_file) unless it already names it,
 * so a caller that began the file keeps its message counters. */
void bm_capture_diag_file(bm_diag *d, const char *path);

/* pcapng.c: the packets of a pcapng file after the first 'skip' (those
 * libpcap delivered already), each with its interface's link type: for the
 * files libpcap refuses, interfaces of different link types.
 * BM_ERR_CAPTURE_OPEN: not a pcapng file (nothing said); a malformed block
 * is said through cx->diag and ends the reading (st->read_error). */
BM_RESULT bm_pcapng_read_packets(const char *path, bm_capture_ctx *cx, uint64_t skip);

/* link.c: true for the link types bm_link_decode() understands. */
bool bm_linktype_supported(int linktype);
void bm_link_decode(bm_capture_ctx *cx, int linktype, const uint8_t *p, const bm_pkt_info *pi);

/* ip.c: 'c' covers the captured bytes from the IP header on. */
void bm_ip4_decode(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *pi);
/* link.c: an Ethernet header (MACs, EtherType, VLAN tags) and what it carries. */
void bm_link_ether(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *pi);
/* tunnel.c: the connection inside an encapsulation, decoded; false when
 * 'proto' / 'type' is none badmac decodes or the packet does not parse. */
bool bm_tunnel_ip(bm_capture_ctx *cx, uint8_t proto, bm_cur payload, const bm_pkt_info *pi);
bool bm_tunnel_ethertype(bm_capture_ctx *cx, uint16_t type, bm_cur c, const bm_pkt_info *pi);
void bm_ip6_decode(bm_capture_ctx *cx, bm_cur c, const bm_pkt_info *pi);

/* tcp.c */
void bm_tcp_segment(bm_tcp_table *t, const bm_tcp_pkt *pk);
const bm_capture_opts *bm_tcp_opts(const bm_tcp_table *t);

/* csum.c: the TCP checksum over the pseudo-header and 'seg' (the
 * complete segment, checksum field included). */
typedef enum bm_csum_verdict {
    BM_CSUM_OK = 0,
    BM_CSUM_BAD,
    BM_CSUM_OFFLOADED /* left for the NIC to fill in: nothing to verify */
} bm_csum_verdict;
bm_csum_verdict bm_tcp_checksum(const bm_ip_addr *src, const bm_ip_addr *dst, const uint8_t *seg, uint32_t len);
/* Ones' complement sum of p[0..n) in memory order, folded to 16 bits only
 * by the caller; exposed for tests. */
uint64_t bm_csum_partial(const uint8_t *p, size_t n);

#endif
