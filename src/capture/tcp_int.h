/*
 * tcp_int.h - the TCP table's internals, shared by tcp.c (connection
 * table, flags, life cycle) and tcp_dir.c (per-direction reassembly).
 *
 * Stream offsets are 64-bit and count from the first byte after the SYN
 * (or the first byte seen mid-stream); 32-bit sequence numbers are
 * unwrapped against the direction's next expected offset (serial number
 * arithmetic, RFC 1982), so a stream may pass 2^32 any number of times.
 *
 * A connection that closed stays in the table (a "tombstone" without
 * buffers) so late ACKs and retransmitted FINs do not open a new
 * connection mid-stream; a new SYN with another ISN reuses it. Tombstones
 * are on a list of their own, least recently active first, and leave the
 * table BM_TOMB_TTL_NS of capture time after their last packet, or when
 * they take a quarter of the state limit: memory follows the connections
 * open at once, not the capture's total. A connection closed early to stay
 * within the limit becomes a tombstone too (its later packets are counted,
 * not taken for a new connection).
 */
#ifndef BM_CAPTURE_TCP_INT_H
#define BM_CAPTURE_TCP_INT_H

#include "capture_int.h"

/* An out-of-order segment, copied. A 'gap' entry has no data: its bytes
 * are known to be missing (packet cut by the snaplen).
 * The queue is a skip list sorted by offset: next[0] links every segment,
 * next[i] the segments of level > i (a quarter of those of level > i-1), so
 * finding where a segment goes takes O(log n) steps whatever order the
 * segments arrive in (a flood of one-byte segments at random offsets). */
#define BM_OOO_LEVELS 8
typedef struct bm_ooo_seg {
    struct bm_ooo_seg *next[BM_OOO_LEVELS];
    uint8_t level;       /* 1..BM_OOO_LEVELS: next[0..level) are in use */
    uint64_t off;
    uint32_t len;
    bool gap;
    bm_seg_meta meta;
    uint8_t data[];
} bm_ooo_seg;

/* Which frame delivered which recent bytes, to name the first copy of a
 * conflicting retransmission. */
typedef struct bm_ring_seg {
    uint64_t start, end, frame;
} bm_ring_seg;
#define BM_RING_SEGS 256u
#define BM_RING_MIN 4096u /* first ring size; it doubles up to the retrans window */

typedef struct bm_dir_counters {
    uint64_t segments, bytes, gaps, gap_bytes, retransmissions, conflicting_retransmissions;
    uint64_t out_of_order, snaplen_cut, bad_checksums, bad_checksum_frame_first, offloaded_checksums;
    uint8_t ttl_first, ttl_last;
    bool ttl_seen, ttl_changed;
    uint32_t n_conflicts;
    uint64_t acked;    /* highest stream offset the peer acknowledged (0: no ACK of a data byte) */
} bm_dir_counters;

typedef struct bm_tcp_dir {
    bool base_known;   /* 'base' is set */
    bool syn;          /* this side sent a SYN */
    bool fin_seen, fin_done; /* FIN received / passed to the sink */
    bool rst;
    uint32_t isn;      /* SYN sequence number */
    uint32_t alt_isn[4]; /* other ISNs this side's SYNs carried before any data (several SYN-ACKs) */
    uint8_t n_alt;
    uint32_t base;     /* sequence number of stream offset 0 */
    uint64_t next_off; /* every byte below was delivered or declared a gap */
    uint64_t fin_off;
    uint64_t ack_hint; /* the peer acknowledged up to here (not yet acted on) */
    bm_ooo_seg *ooo[BM_OOO_LEVELS]; /* skip list heads; ooo[0]: the first queued segment */
    bm_ooo_seg *ooo_tail;           /* the last */
    size_t ooo_bytes;
    uint64_t ooo_inserts;           /* drives the level of the next segment */
    uint8_t *ring;     /* ring[off & (ring_cap-1)]: recent delivered bytes */
    size_t ring_cap;   /* power of two, 0 before the first payload */
    uint64_t ring_valid_from; /* ring bytes below this are not real data (a gap) */
    bm_ring_seg *rsegs;
    uint32_t rseg_next;
    bm_tcp_conflict *conflicts; /* BM_MAX_CONFLICTS entries, lazily allocated */
    uint32_t max_good_len; /* largest segment with a verified checksum */
    bm_dir_counters c;
} bm_tcp_dir;

/* Connections are on one of three LRU lists: open without content (a SYN,
 * handshake ACKs: ~1 KB), open holding content (the sink's state: what
 * eviction frees), tombstones. Over the state limit the least recently
 * active holding content goes first. */
enum { BM_LIST_QUIET, BM_LIST_CONTENT, BM_LIST_TOMB, BM_LISTS };
typedef struct bm_conn_list {
    struct bm_tcp_conn *newest, *oldest;
    unsigned n;
} bm_conn_list;

typedef struct bm_tcp_conn {
    struct bm_tcp_conn *hnext;        /* hash chain */
    struct bm_tcp_conn *newer, *older; /* LRU list */
    uint64_t hash;
    bm_tuple tuple;
    void *user;                       /* the sink's state */
    bool ignored;                     /* sink->open returned NULL */
    bool closed;                      /* sink->close done: a tombstone */
    bool syn_seen;
    bool snaplen_told;
    bool content;                     /* the sink got data or a gap: its content_bytes are charged */
    uint8_t list;                     /* the LRU list it is on (BM_LIST_*) */
    uint64_t touched;                 /* when it was last active (the table's touch count) */
    bool evicted;                     /* closed early to stay within the limits (a tombstone) */
    bm_stream_end end;
    int end_by;
    uint64_t first_frame, last_frame, first_ts_ns, last_ts_ns;
    bm_seg_meta last_meta;
    bm_tcp_dir d[2];
} bm_tcp_conn;

struct bm_tcp_table {
    bm_capture_opts o;
    bm_stream_sink sink;
    bm_diag *diag;            /* the caller's, or own_diag when none was given */
    bm_diag own_diag;
    size_t ring_max;          /* retrans ring size: power of two <= retrans_window, 0 = off */
    bm_tcp_conn **buckets;
    size_t nbuckets;          /* power of two */
    unsigned nconns;
    bm_conn_list lists[BM_LISTS];
    uint64_t touches;
    uint64_t now_ns;          /* the latest packet time seen */
    uint64_t cur_frame;       /* the packet being handled (0: none: end of the capture) */
    bm_diag *shared_diag;     /* bm_tcp_set_shared_diag */
    bm_tcp_conn *spare;       /* one freed connection kept for reuse */
    size_t ooo_total;
    size_t state_bytes;       /* charged connection state, without ooo_total (bm_capture_opts) */
    uint64_t evicted;         /* connections closed before their end to stay within the limits */
    uint64_t evicted_told;    /* of them, already in a notice */
    uint64_t evicted_packets; /* packets that came for them after (their tombstones absorbed them) */
    uint64_t evicted_packets_told;
    bm_tcp_summary scratch;   /* built at close time */
};

/* tcp_dir.c. 'm' is the current packet's meta (used for gaps it causes). */
/* Payload [off, off+n) from direction 'dir'; p == NULL: the bytes are lost. */
void bm_dir_payload(bm_tcp_table *t, bm_tcp_conn *c, int dir, uint64_t off, const uint8_t *p,
                    uint32_t n, const bm_seg_meta *m);
/* The peer acknowledged up to 'ack_off' of direction 'dir'. */
void bm_dir_acked(bm_tcp_table *t, bm_tcp_conn *c, int dir, uint64_t ack_off, const bm_seg_meta *m);
/* Delivers what is buffered, declaring holes as gaps, and a pending FIN. */
void bm_dir_flush(bm_tcp_table *t, bm_tcp_conn *c, int dir, const bm_seg_meta *m);
/* Passes the FIN to the sink once every byte before it was delivered. */
void bm_dir_check_fin(bm_tcp_table *t, bm_tcp_conn *c, int dir, const bm_seg_meta *m);
/* tcp_table.c */
uint64_t bm_conn_hash(const bm_ip_addr *src, uint16_t sp, const bm_ip_addr *dst, uint16_t dp);
/* The connection of a segment with hash 'h'; *dir is the sender's side. */
bm_tcp_conn *bm_conn_lookup(const bm_tcp_table *t, const bm_tcp_pkt *pk, uint16_t sp, uint16_t dp, uint64_t h,
                            int *dir);
/* A zeroed connection linked into the table (evicting the LRU one at
 * max_conns); the caller fills it. NULL when out of memory. */
bm_tcp_conn *bm_conn_new(bm_tcp_table *t, uint64_t h);
/* Closes 'c' (the sink reports it) and removes it from the table. */
void bm_conn_remove(bm_tcp_table *t, bm_tcp_conn *c);
/* Marks 'c' most recently used (on the list its state says: open or closed). */
void bm_conn_touch(bm_tcp_table *t, bm_tcp_conn *c);
/* Removes tombstones past their time or over their count. */
void bm_conn_expire_tombs(bm_tcp_table *t);
#define BM_TOMB_TTL_NS (120ull * 1000000000ull) /* 2 MSL as RFC 9293 has it: late segments are gone by then */
/* Closes the least recently active connections other than 'keep' while
 * the state is over bm_capture_opts.state_bytes_total. */
void bm_conn_enforce_cap(bm_tcp_table *t, const bm_tcp_conn *keep);
/* The connection's first content: its sink's content_bytes are charged. */
void bm_conn_charge_content(bm_tcp_table *t, bm_tcp_conn *c);
/* The state of a direction's buffers (rings), as charged. */
size_t bm_dir_state_bytes(const bm_tcp_dir *d);
/* Settles both directions and calls sink->close once; 'c' stays in the
 * table as a tombstone without buffers. */
void bm_conn_close(bm_tcp_table *t, bm_tcp_conn *c);

/* tcp_ring.c */
/* Remembers bytes [off, off+n) just delivered (off == next_off). */
void bm_ring_store(bm_tcp_table *t, bm_tcp_dir *d, uint64_t off, const uint8_t *p, uint32_t n, uint64_t frame);
/* Bytes [off, off+n) of 'p' were delivered before: compare them with the
 * ring where it still holds them; record a conflict when they differ. */
void bm_ring_compare(bm_tcp_dir *d, uint64_t off, const uint8_t *p, uint32_t n, uint64_t frame);
/* Two copies of the same n bytes at 'off' (a first, from frame f1). */
void bm_compare_copies(bm_tcp_dir *d, uint64_t off, const uint8_t *a, const uint8_t *b, uint32_t n,
                       uint64_t f1, uint64_t f2);

/* Frees the direction's buffers (not its counters). */
void bm_dir_release(bm_tcp_table *t, bm_tcp_dir *d);

#endif
