/*
 * capture.h - reading capture files and turning packets into TCP streams.
 *
 * bm_capture_read_file() opens a pcap or pcapng file with libpcap
 * (nanosecond timestamps), decodes the link layer (Ethernet with VLAN/QinQ,
 * Linux SLL and SLL2, BSD null/loopback, raw IPv4/IPv6), IPv4 (with fragment
 * reassembly) and IPv6 (with extension headers), and feeds TCP segments to a
 * bm_tcp table, which reassembles each direction and calls the stream sink.
 *
 * Memory is bounded: out-of-order data, IPv4 fragments and the window of
 * recently delivered bytes kept to compare retransmissions are capped by
 * bm_capture_opts (documented defaults below). Nothing reads the whole file.
 */
#ifndef BM_CAPTURE_CAPTURE_H
#define BM_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "../../include/badmac/frames.h"
#include "../util/diag.h"
#include "../util/err.h"
#include "stream.h"

/* Timestamps past this (year 2116) are taken as this: differences and sums
 * of two stay within int64. */
#define BM_TS_MAX_NS (1ull << 62)

/* A tap on the packets read (NULL functions: none): each packet as it is
 * read, then, once the TCP layer has found its segment, that segment's
 * endpoints (the inner ones of a tunnelled packet); what an evidence writer
 * keeps (src/export/evidence.c). Not called for packets a filter rejects. */
typedef struct bm_packet_tap {
    void *ud;
    void (*packet)(void *ud, uint64_t frame, uint64_t ts_ns, int linktype, const uint8_t *p, uint32_t caplen,
                   uint32_t len);
    void (*segment)(void *ud, uint64_t frame, const bm_ip_addr *src, uint16_t sport, const bm_ip_addr *dst,
                    uint16_t dport);
} bm_packet_tap;

typedef struct bm_capture_opts {
    size_t ooo_bytes_per_dir;  /* out-of-order bytes buffered per direction (default 4 MiB) */
    size_t ooo_bytes_total;    /* over all connections (default 256 MiB) */
    size_t retrans_window;     /* recent bytes kept per direction to compare retransmissions (default 64 KiB) */
    size_t frag_bytes_total;   /* IPv4 fragments buffered (default 16 MiB) */
    unsigned max_conns;        /* TCP connections tracked at once, 0: no count (the default: the table
                                  grows until state_bytes_total, then evicts, counted and told) */
    size_t state_bytes_total;  /* connection state over all live connections: the TCP stage's (table
                                  entries, retransmission rings, out-of-order queues) and what the
                                  sink declares (bm_stream_sink.open_bytes, content_bytes); over it,
                                  the least recently active connections are closed early, reported
                                  with what was seen, and counted (default 1 GiB) */
    bool verify_checksums;     /* check TCP checksums (default true) */
    unsigned shard, shards;    /* shards > 1: only the connections of shard 'shard' (0-based) of 'shards'
                                  (bm_tuple_shard: by the two addresses, so both directions, both vantage
                                  points and every connection between two hosts in one shard) */
    const char *filter;        /* BPF expression (tcpdump's syntax), borrowed; NULL: every packet. Packets
                                  it rejects keep their frame numbers (as in Wireshark) and are counted
                                  in bm_capture_stats.filtered */
    bm_packet_tap tap;
} bm_capture_opts;

/* Whether 'expr' compiles as a BPF filter (for Ethernet captures); 0, or
 * -1 with libpcap's message in err. */
int bm_capture_filter_check(const char *expr, char *err, size_t cap);

void bm_capture_opts_default(bm_capture_opts *o);

typedef struct bm_capture_stats {
    uint64_t frames;           /* packets read */
    uint64_t bytes;            /* captured bytes read */
    uint64_t tcp_segments;
    uint64_t skipped;          /* not IP/TCP, or undecodable */
    uint64_t filtered;         /* rejected by bm_capture_opts.filter */
    int linktype;              /* DLT_* of the file */
    uint64_t frag_reassembled; /* IP datagrams rebuilt from fragments */
    uint64_t frag_dropped;     /* fragmented datagrams given up (incomplete, over the cap) */
    bool read_error;           /* reading stopped early (truncated file); what was read is analysed */
} bm_capture_stats;

typedef struct bm_tcp_table bm_tcp_table;

/* The table calls 'sink' for every connection; 'diag' receives complaints
 * (NULL: none are shown). 'diag' MUST outlive the table. */
bm_tcp_table *bm_tcp_new(const bm_capture_opts *o, const bm_stream_sink *sink, bm_diag *diag);
/* Close every connection still open (end of a capture file). */
void bm_tcp_flush(bm_tcp_table *t);
void bm_tcp_free(bm_tcp_table *t);
/* A classic pcap file read from a memory map (pcap_fast.c): 'fp' as
 * libpcap reads it (pcap_fopen_offline done: past the file header). NULL
 * when the file is not one it reads (pcapng, compressed, a pipe, ...):
 * then libpcap reads it alone. */
typedef struct bm_pcap_map bm_pcap_map;
bm_pcap_map *bm_pcap_map_open(FILE *fp);
/* pcap_next_ex's contract (1: a packet, valid until the next call;
 * PCAP_ERROR_BREAK: the end; else an error in pcap_geterr(pc)), time stamps
 * in nanoseconds as with PCAP_TSTAMP_PRECISION_NANO. From the first record
 * the map leaves to libpcap (cut, over the snapshot length) on, and with m
 * NULL, it is pcap_next_ex(pc). */
int bm_pcap_map_next(bm_pcap_map *m, pcap_t *pc, struct pcap_pkthdr **h, const uint8_t **data);
void bm_pcap_map_close(bm_pcap_map *m);

/* Connections closed early (still open) to stay within the limits, so far. */
uint64_t bm_tcp_evicted(const bm_tcp_table *t);
/* Where messages about packets not yet tied to a connection go (headers
 * that cannot be read, before the shard is known); by default the table's
 * diag. A shard other than the first mutes them: the first prints them. */
void bm_tcp_set_shared_diag(bm_tcp_table *t, bm_diag *d);
/* The shard (0..shards-1) of a connection: a hash of its two addresses
 * (not the ports), so both directions and every connection between the
 * same two hosts fall in one shard. */
unsigned bm_tuple_shard(const bm_ip_addr *a, uint16_t pa, const bm_ip_addr *b, uint16_t pb, unsigned shards);

/* A capture opened for reading: a file, "-" for standard input, or a
 * gzip-compressed file (read through zlib); NULL with errno set. Every
 * reader of captures (the analysis, compare, --write) opens through it. */
FILE *bm_capture_open(const char *path);
bool bm_capture_is_stdin(const char *path);

/* Live capture (live.c). */
typedef struct bm_live_opts {
    const char *iface;           /* as tcpdump -i takes it ("any" too) */
    double duration_s;           /* stop after this long; 0: no limit */
    uint64_t count;              /* stop after this many packets; 0: no limit */
    unsigned idle_s;             /* a connection idle this long is reported (default 300) */
    volatile const int *stop;    /* set (by a signal handler) to stop; may be NULL */
    void (*before_packet)(void *ud); /* called before packets are decoded (once per batch of held
                                        packets when delay_s > 0); may be NULL */
    void *ud;
    double delay_s;              /* packets are decoded this long after they arrive (a peer writes its key
                                    log lines after the packets they open have crossed the wire); the
                                    packets waiting are held up to BM_LIVE_HOLD_BYTES */
    size_t buffer_bytes;         /* the kernel's capture buffer; 0: BM_LIVE_BUFFER_BYTES */
} bm_live_opts;
#define BM_LIVE_BUFFER_BYTES (64u << 20)
typedef struct bm_frame_runs bm_frame_runs;
#define BM_LIVE_HOLD_BYTES (64u << 20)
BM_RESULT bm_capture_read_live(const bm_live_opts *lo, bm_tcp_table *t, bm_diag *diag, bm_capture_stats *st);
/* Reports (closes) the connections idle longer than idle_ns at now_ns. */
void bm_tcp_expire_idle(bm_tcp_table *t, uint64_t now_ns, uint64_t idle_ns);

/* Several capture files read as one, merged by timestamp as mergecap
 * merges them (merge.c); frames numbered in the merged order. A file that
 * cannot be read is one line naming it (the others are read) and makes the
 * result an error. alone[i] (n entries): file i is a pcapng whose
 * interfaces have different link types, which libpcap cannot merge; none
 * of it was read: the caller reads it on its own (bm_capture_read_file). */
BM_RESULT bm_capture_read_merged(const char *const *paths, unsigned n, bm_tcp_table *t, bm_diag *diag,
                                 bm_capture_stats *st, bm_frame_runs *runs, bool *alone);

/* Which file and frame of it each merged frame number is: runs of
 * consecutive frames of one file, the last BM_FRAME_RUNS_KEPT of them
 * (a rotated capture has one per file; files captured side by side
 * interleave, and connections long gone lose their names first). */
#define BM_FRAME_RUNS_KEPT 65536u
bm_frame_runs *bm_frame_runs_new(const char *const *paths, unsigned n);
void bm_frame_runs_free(bm_frame_runs *r);
/* The runs that cover merged frames first..last into out (names borrowed
 * from the paths given to bm_frame_runs_new): the first and the last cap-1
 * of them, *skipped the number left out between out[0] and out[1]; their
 * count. *partial when the oldest are no longer kept. */
unsigned bm_frame_runs_spans(const bm_frame_runs *r, uint64_t first, uint64_t last, bm_file_span *out, unsigned cap,
                             bool *partial, uint64_t *skipped);
/* bm_diag's locate (ud: the bm_frame_runs): the file and frame of merged
 * frame f; 0 when no longer known. */
int bm_frame_runs_locate(const void *ud, uint64_t f, const char **file, uint64_t *file_frame);

/* Read one capture file to the end, feeding 't'. Bad packets are reported
 * through 'diag' and skipped. Returns an error only when the file cannot be
 * opened or read at all (then a one-line message has been emitted too). */
BM_RESULT bm_capture_read_file(const char *path, bm_tcp_table *t, bm_diag *diag, bm_capture_stats *st);

/*
 * Frame by frame, for a caller that reads the capture file itself (badmac
 * compare reads two in lockstep): the decoding of bm_capture_read_file
 * (link layer, IPv4/IPv6, fragments, TCP into 't'), one frame per call,
 * frames numbered from 1. 'diag' MUST NOT be NULL (a zeroed bm_diag is
 * quiet); 't' and 'diag' MUST outlive the feed.
 *
 * 'csum' (may be NULL) hears each frame's TCP checksum verdict as the IP
 * layer decoded it, before the frame's segment reaches 't' (so a stream
 * sink may already ask about the frame that delivers its bytes): 1 it
 * verifies, 0 it does not, -1 not verifiable (no TCP segment, a piece of a
 * fragmented datagram, IPv6 extension headers, cut by the snaplen, left to
 * the NIC). NULL on allocation failure.
 */
typedef void (*bm_frame_csum_cb)(void *ud, uint64_t frame, int verdict);
typedef struct bm_capture_feed bm_capture_feed;
bm_capture_feed *bm_capture_feed_new(bm_tcp_table *t, bm_diag *diag, bm_frame_csum_cb csum, void *ud);
/* 'linktype' is a DLT_* value; 'len' the frame's length on the wire. */
void bm_capture_feed_frame(bm_capture_feed *f, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len,
                           uint64_t ts_ns);
/* Reports the fragments that never completed; NULL is a no-op. */
void bm_capture_feed_free(bm_capture_feed *f);

/* pcapng decryption-secrets blocks (libpcap does not expose them): a
 * separate pass over the file's block headers calls 'cb' for each DSB
 * (secrets_type is e.g. 0x544c534b "TLSK", data is the key log text).
 * A pcap (not pcapng) file has none: returns success without calls. */
typedef void (*bm_secrets_cb)(void *ud, uint32_t secrets_type, const uint8_t *data, size_t len,
                              uint64_t file_offset);
BM_RESULT bm_pcapng_scan_secrets(const char *path, bm_secrets_cb cb, void *ud, bm_diag *diag);

#endif
