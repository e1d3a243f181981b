/*
 * stream.h - what the capture stage hands to the next stage.
 *
 * The capture stage (pcap/pcapng reading, link layers, IP, TCP reassembly)
 * turns packets into per-connection, per-direction ordered byte streams and
 * calls a bm_stream_sink. Data flows one way: the sink never calls back into
 * the capture stage. Pointers passed to a callback are valid only during the
 * call (they point into libpcap's buffer or the reassembly queue).
 *
 * Directions: BM_SIDE_A is the side that opened the connection (sent the
 * SYN), or, for a connection picked up mid-stream, the source of the first
 * packet seen; BM_SIDE_B is the other. The TLS stage decides which of them
 * is the TLS client.
 */
#ifndef BM_CAPTURE_STREAM_H
#define BM_CAPTURE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { BM_SIDE_A = 0, BM_SIDE_B = 1 };

typedef struct bm_ip_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16]; /* IPv4 in the first 4 bytes */
} bm_ip_addr;

typedef struct bm_tuple {
    bm_ip_addr addr[2]; /* [BM_SIDE_A], [BM_SIDE_B] */
    uint16_t port[2];
} bm_tuple;

/* Where a piece of stream data (or an event) came from. */
typedef struct bm_seg_meta {
    uint64_t frame; /* frame number in its capture file, from 1 (as Wireshark numbers) */
    uint64_t ts_ns; /* capture timestamp, ns since the epoch */
    uint8_t ttl;    /* IPv4 TTL or IPv6 hop limit of the segment */
    uint16_t ip_id; /* IPv4 identification (0 for IPv6) */
    /* Stream data only: stream offset of the segment's first TCP payload
     * byte (negative when the segment began before the stream's start),
     * so that a byte's offset in its frame's TCP payload is known even
     * when only the new tail of a retransmission is delivered. */
    int64_t seg_off;
} bm_seg_meta;

/* A retransmission whose bytes differ from the first copy. Both copies are
 * kept (up to BM_CONFLICT_BYTES of each) as evidence for the diagnosis. */
#define BM_CONFLICT_BYTES 64
typedef struct bm_tcp_conflict {
    uint64_t stream_off;   /* offset of the first differing byte in the direction's stream */
    uint32_t length;       /* number of bytes compared in this overlap */
    uint32_t differing;    /* how many of them differ */
    uint64_t first_frame;  /* frame that delivered the first copy */
    uint64_t second_frame; /* frame of the retransmission */
    uint8_t first[BM_CONFLICT_BYTES];
    uint8_t second[BM_CONFLICT_BYTES];
    uint32_t saved;        /* bytes saved in first[]/second[], from stream_off */
} bm_tcp_conflict;

#define BM_MAX_CONFLICTS 8

/* TCP evidence per direction (the direction of the segments concerned). */
typedef struct bm_tcp_dir_stats {
    uint64_t segments;         /* segments with payload */
    uint64_t bytes;            /* stream bytes delivered (excluding gaps) */
    uint64_t gaps;             /* holes never captured */
    uint64_t gap_bytes;
    uint64_t retransmissions;  /* segments carrying bytes seen before (wholly or in part) */
    uint64_t conflicting_retransmissions;
    uint64_t out_of_order;     /* segments that arrived ahead of a hole */
    uint64_t snaplen_cut;      /* packets cut by the capture's snaplen */
    uint64_t bad_checksums;    /* TCP checksum did not verify */
    uint64_t bad_checksum_frame_first;
    uint64_t offloaded_checksums; /* checksum left to the NIC (captured on the sender or on
                                   * loopback): not verifiable, not counted as bad */
    uint8_t ttl_first, ttl_last;
    bool ttl_changed;
    uint64_t acked;            /* highest stream offset of this direction the peer acknowledged,
                                * as captured (0: no ACK of a data byte seen): bytes below it
                                * reached the peer even where this capture lacks them */
    uint32_t n_conflicts;      /* entries used in conflicts[] (at most BM_MAX_CONFLICTS) */
    bm_tcp_conflict conflicts[BM_MAX_CONFLICTS];
} bm_tcp_dir_stats;

typedef enum bm_stream_end { BM_END_OPEN = 0, BM_END_FIN, BM_END_RST } bm_stream_end;

typedef struct bm_tcp_summary {
    bm_tcp_dir_stats dir[2];
    bool syn_seen;             /* three-way handshake seen: side A is the opener */
    uint64_t first_frame, last_frame;
    uint64_t first_ts_ns, last_ts_ns;
    uint64_t report_frame;     /* the frame whose packet closed it; 0: closed at the end of the capture */
    bm_stream_end end;         /* how the connection ended */
    int end_by;                /* BM_SIDE_A/B, or -1 */
} bm_tcp_summary;

typedef struct bm_stream_sink {
    void *ud;
    /* A new TCP connection. Returns the sink's per-connection state (NULL:
     * ignore this connection; no further calls are made for it). */
    void *(*open)(void *ud, const bm_tuple *t, const bm_seg_meta *m);
    /* In-order bytes of one direction; stream_off counts from the first byte
     * after the SYN (or the first byte seen, mid-stream). */
    void (*data)(void *conn, int dir, uint64_t stream_off, const uint8_t *p, size_t n,
                 const bm_seg_meta *m);
    /* Bytes [stream_off, stream_off+len) of a direction were never captured. */
    void (*gap)(void *conn, int dir, uint64_t stream_off, uint64_t len, const bm_seg_meta *m);
    /* FIN or RST from side dir. */
    void (*fin)(void *conn, int dir, bm_stream_end how, const bm_seg_meta *m);
    /* Packet-level event without payload, for timing (e.g. pure ACKs). May be NULL. */
    void (*tick)(void *conn, int dir, const bm_seg_meta *m);
    /* The connection is over (closed, reused, evicted, or end of capture);
     * the sink frees its state. Called exactly once per successful open. */
    void (*close)(void *conn, const bm_tcp_summary *s);
    /* What the sink holds per connection, for the capture stage's cap on
     * connection state (bm_capture_opts.state_bytes_total): bytes from open,
     * and bytes added once the connection carried content (data or a gap).
     * Estimates; 0 when the sink holds (almost) nothing. */
    size_t open_bytes, content_bytes;
} bm_stream_sink;

#endif
