/*
 * frag.h - IPv4 and IPv6 fragment reassembly, bounded in memory.
 *
 * Fragments are kept per datagram (key: family, addresses, identification,
 * protocol) as a sorted list of copied pieces. A datagram is released when
 * every byte up to the last fragment's end is covered; it is dropped (and
 * counted) when it waits longer than BM_FRAG_TIMEOUT_NS or
 * BM_FRAG_TIMEOUT_FRAMES, when it has BM_FRAG_MAX_PIECES pieces without
 * completing, or when the byte cap needs room. Overlapping fragments are
 * accepted (the later offset wins where they overlap); every piece is
 * bounded by BM_FRAG_MAX_DATAGRAM, so assembly cannot overflow.
 *
 * Work per fragment is bounded whatever the input: datagrams are found
 * through a hash index, kept oldest first in a doubly linked list (expiry
 * looks at the oldest only, removal is O(1)), and a datagram's pieces are
 * at most BM_FRAG_MAX_PIECES (a flood of never-completed fragments costs
 * O(BM_FRAG_MAX_PIECES) per fragment, and at most frag_bytes_total bytes).
 */
#ifndef BM_CAPTURE_FRAG_H
#define BM_CAPTURE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream.h"

#define BM_FRAG_MAX_DATAGRAM 65535u         /* payload bytes after the IP header(s) */
#define BM_FRAG_TIMEOUT_NS (30ull * 1000000000ull)
#define BM_FRAG_TIMEOUT_FRAMES 100000u
#define BM_FRAG_MAX_PENDING 1024u           /* datagrams waiting at once */
#define BM_FRAG_MAX_PIECES 128u             /* pieces of one datagram (1500-byte MTU: 45 for 64 KiB) */
#define BM_FRAG_BUCKETS 2048u               /* hash index of the pending datagrams */

typedef struct bm_frag_key {
    uint8_t family; /* 4 or 6 */
    uint8_t proto;  /* IPv4 protocol; 0 for IPv6 (the next header comes with offset 0) */
    uint32_t id;
    uint8_t src[16], dst[16];
} bm_frag_key;

typedef struct bm_frag_piece {
    struct bm_frag_piece *next;
    uint32_t off, len;
    uint8_t data[];
} bm_frag_piece;

typedef struct bm_frag_dgram {
    struct bm_frag_dgram *older, *newer; /* age list */
    struct bm_frag_dgram *hnext;         /* hash chain */
    bm_frag_key key;
    uint32_t hash;
    uint32_t n_pieces;
    uint32_t total;       /* payload length, known once the last fragment arrived (0: unknown) */
    bool have_last;
    bool have_first;
    uint8_t next_header;  /* IPv6: next header of the offset-0 fragment */
    bm_seg_meta first;    /* meta of the offset-0 fragment (TTL, IP ID) */
    uint64_t first_frame; /* first fragment seen, for timeouts and messages */
    uint64_t first_ts_ns;
    size_t bytes;         /* accounted bytes (pieces + headers) */
    bm_frag_piece *pieces; /* sorted by offset */
} bm_frag_dgram;

typedef struct bm_frag {
    size_t cap;            /* frag_bytes_total */
    size_t bytes;          /* accounted over all datagrams */
    unsigned pending;
    bm_frag_dgram *oldest, *newest;
    bm_frag_dgram **buckets; /* BM_FRAG_BUCKETS chains, lazily allocated */
    uint8_t *buf;          /* assembly buffer, BM_FRAG_MAX_DATAGRAM bytes, lazily allocated */
    uint64_t reassembled, dropped;
} bm_frag;

/* A completed datagram: 'p' points into the reassembler's buffer and is
 * valid until the next bm_frag_add() or bm_frag_fini(). */
typedef struct bm_frag_out {
    const uint8_t *p;
    uint32_t len;
    uint8_t next_header;   /* IPv6 only */
    bm_seg_meta meta;      /* frame/ts of the last fragment, TTL/ID of the first */
} bm_frag_out;

/* Called for each datagram given up, so the caller can report it. */
typedef void (*bm_frag_drop_cb)(void *ud, const bm_frag_key *k, uint64_t first_frame, const char *why);

void bm_frag_init(bm_frag *f, size_t cap);
/* Add one fragment: 'off' in bytes, 'more' the MF flag, 'nh' the IPv6 next
 * header (ignored for IPv4). Returns true and fills 'out' when this
 * fragment completed its datagram. */
bool bm_frag_add(bm_frag *f, const bm_frag_key *k, uint32_t off, bool more, uint8_t nh,
                 const uint8_t *p, uint32_t len, const bm_seg_meta *m, bm_frag_out *out,
                 bm_frag_drop_cb drop, void *ud);
/* Gives up every pending datagram (reported through 'drop') and frees. */
void bm_frag_fini(bm_frag *f, bm_frag_drop_cb drop, void *ud);

#endif
