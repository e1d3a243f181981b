/*
 * compare.h - two vantage points: the same connections seen by two
 * captures (client side and server side), compared byte for byte, keyless.
 *
 * Two passes, both streaming:
 *  1. scan: each capture through its own capture stage (bm_tcp table) and a
 *     sink that fingerprints every connection (ClientHello random, SNI,
 *     server certificate via the TLS stage, hash of the first payload bytes
 *     per direction, first-data timestamps). bm_cmp_pair() then pairs the
 *     connections (random, then payload hash, then time overlap + SNI +
 *     server port for interceptions) and estimates the clock offset.
 *  2. diff: both captures again, through two capture stages fed in lockstep
 *     by timestamp (adjusted by the clock offset), each direction of each
 *     pair compared offset by offset with a bounded window of the bytes one
 *     side has delivered and the other not yet.
 * A connection is known in pass 2 by its open order in its capture, which
 * the deterministic capture stage reproduces exactly.
 *
 * Memory: pass 1 keeps one fingerprint per connection (about 1.2 KiB, at most
 * BM_CMP_MAX_CONNS per capture); pass 2 keeps per live pair and direction at
 * most opts.window bytes (default 8 MiB), and opts.window_total over all.
 */
#ifndef BM_COMPARE_COMPARE_H
#define BM_COMPARE_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../include/badmac/conn.h"
#include "../capture/stream.h"
#include "../util/diag.h"

#define BM_CMP_HASH_BYTES 256       /* payload bytes hashed per direction for pairing */
#define BM_CMP_MAX_CONNS (1u << 18) /* fingerprints kept per capture */
#define BM_CMP_MAX_DIFFS 32         /* differing ranges kept per pair (all are counted) */
#define BM_CMP_MAX_MISSING 16       /* one-sided gaps kept per pair */
#define BM_CMP_MAX_BITS 16
#define BM_CMP_MAX_FRAMES 8
#define BM_CMP_SHOW_BYTES 32
#define BM_CMP_SAMPLES 64           /* timestamp differences kept per pair and direction */
#define BM_CMP_MERGE_GAP 16         /* differences closer than this are one range */

enum { BM_CAP_A = 0, BM_CAP_B = 1 };

/* One connection of one capture, as the scan saw it. Directions are TLS
 * roles (BM_CLIENT: bytes the client sent). */
typedef struct bm_cmp_fp {
    uint64_t index;              /* open order in its capture, from 0 */
    bm_tuple tuple;
    int client_dir;              /* TCP side (BM_SIDE_A/B) that is the client */
    bool used;                   /* slot filled */
    bool tls;                    /* the TLS stage recognised it */
    bool hello;                  /* ClientHello seen */
    bool server_hello;
    uint8_t client_random[32], server_random[32];
    uint16_t version;            /* negotiated, 0 unknown */
    char sni[BM_NAME_LEN];
    uint8_t n_certs;
    bm_cert leaf;                /* first certificate of the server chain, in the clear */
    uint64_t first_frame, last_frame, first_ts, last_ts;
    uint64_t data_ts[2];         /* by role: timestamp of the first payload byte, 0 none */
    uint64_t data_frame[2];
    uint64_t bytes[2];
    uint64_t hash[2];            /* FNV-1a of the first BM_CMP_HASH_BYTES bytes, by role */
    uint32_t hashed[2];
    int64_t pair;                /* index of its pair, -1 none */
} bm_cmp_fp;

typedef enum bm_cmp_method { BM_PAIR_RANDOM = 0, BM_PAIR_PAYLOAD, BM_PAIR_HANDSHAKE } bm_cmp_method;

typedef enum bm_cmp_verdict {
    BM_V_IDENTICAL = 0,
    BM_V_RESEGMENTED,
    BM_V_LOST_BETWEEN,
    BM_V_DIVERGED,
    BM_V_CORRUPTION,
    BM_V_INTERCEPTION,
    BM_V_CAPTURE_LOSS,           /* bytes one capture lacks that provably reached the receiver */
    BM_V_AFTER_CLOSE,            /* only bytes sent after the receiver had closed never arrived */
    BM_V_COUNT
} bm_cmp_verdict;

/* What bytes one capture lacks mean (bm_cmp_classify_pair). */
typedef enum bm_cmp_miss_state {
    BM_MS_LOST_BETWEEN = 0,      /* the receiver's point never got them: not acknowledged, the stream
                                    stopped there */
    BM_MS_CAPTURE_LOSS,          /* that capture dropped them: the receiver acknowledged them (ACK seen
                                    at the capture lacking them), or, with no ACKs captured, later bytes
                                    flowed on at both points */
    BM_MS_AFTER_CLOSE,           /* the tail the sender sent after the receiver's FIN: not read by a
                                    peer that had closed */
    BM_MS_AT_SENDER              /* lacking at the sender's point, unexplained (bytes added between
                                    the points, or a capture that stopped early) */
} bm_cmp_miss_state;

/* One differing range. Offsets are the same in both streams: the
 * comparison is offset by offset (an insertion shows as a range that runs
 * to the end, or as "diverged"). */
typedef struct bm_cmp_diff {
    int dir;                     /* role of the sender */
    uint64_t offset, length;
    uint64_t differing_bytes, differing_bits;
    uint8_t n_bits;
    struct { uint64_t offset; uint8_t bit; } bits[BM_CMP_MAX_BITS]; /* bit 0 = least significant */
    uint8_t n_frames[2];
    uint64_t frames[2][BM_CMP_MAX_FRAMES]; /* per capture */
    uint32_t seg_len[2];         /* length of the segment holding the first differing byte */
    bool all_zero[2];            /* that capture's bytes in the range are all zero */
    int csum[2];                 /* per capture: 1 all frames' checksums verified, 0 one failed, -1 unknown */
    uint32_t n_shown;
    uint8_t shown[2][BM_CMP_SHOW_BYTES]; /* bytes from 'offset' */
} bm_cmp_diff;

/* Bytes one capture has and the other has not. */
typedef struct bm_cmp_missing {
    int dir;                     /* role of the sender */
    int at;                      /* capture that lacks the bytes */
    uint64_t offset, length;
    bool declared;               /* a declared gap there (else: never delivered before the end) */
    bm_cmp_miss_state state;     /* set by bm_cmp_classify_pair */
    uint64_t frame;              /* first frame holding them at the other capture */
    uint64_t ts;                 /* its timestamp (ns) */
} bm_cmp_missing;

typedef struct bm_cmp_dirinfo {
    uint64_t bytes[2], segments[2], retrans[2], gaps[2], gap_bytes[2], bad_csum[2];
    uint64_t compared;           /* bytes compared (present on both sides) */
    uint64_t missing[2];         /* bytes lacking at capture i but present at the other */
    uint64_t acked[2];           /* per capture: highest offset the receiver acknowledged there */
    uint64_t fin_ts[2];          /* per capture: when the sender's FIN was seen there (ns), 0 none */
    uint64_t miss_end[2];        /* per capture: end of the last range lacking there */
    uint64_t miss_ts;            /* time (ns, at the capture holding them) of the last lacking range */
    uint64_t capture_loss[2];    /* per capture: of missing[], bytes that capture dropped */
    uint64_t lost_between;       /* of missing[receiver]: never reached the receiver's point */
    uint64_t after_close;        /* of missing[receiver]: sent after the receiver's FIN */
    bool resegmented;
    uint64_t reseg_at;
    bool diverged;
    uint64_t diverged_at;
    uint32_t n_samples;
    int64_t samples[BM_CMP_SAMPLES]; /* ts_b - ts_a of segments that start at the same offset */
} bm_cmp_dirinfo;

typedef struct bm_cmp_result {
    const bm_cmp_fp *fp[2];
    const char *capture[2];
    bm_cmp_method method;
    int client_side;             /* capture nearer the client (BM_CAP_A/B) */
    bool vantage_guessed;        /* one-way delay too small to tell */
    double clock_offset_s;       /* ts_b - ts_a for the same event */
    double one_way_delay_s;      /* between the vantage points, from the same samples */
    bm_cmp_dirinfo d[2];         /* by role of the sender */
    uint32_t n_diffs;
    uint64_t total_diffs;
    bm_cmp_diff diffs[BM_CMP_MAX_DIFFS];
    uint32_t n_missing;
    uint64_t total_missing;
    bm_cmp_missing missing[BM_CMP_MAX_MISSING];
    bool intercepted;
    bm_cmp_verdict verdict;
} bm_cmp_result;

typedef struct bm_cmp_opts {
    size_t window;               /* bytes held per pair and direction (default 8 MiB) */
    size_t window_total;         /* over all pairs (default 512 MiB) */
    int client_side;             /* -1: from the timing; else BM_CAP_A/B */
    void (*on_pair)(void *ud, const bm_cmp_result *r);       /* r valid only during the call */
    void (*on_unpaired)(void *ud, int cap, const bm_cmp_fp *f, const char *capture);
    void *ud;
} bm_cmp_opts;

typedef struct bm_cmp_totals {
    uint64_t conns[2], pairs, unpaired[2], untracked[2];
    uint64_t by_verdict[BM_V_COUNT];
    double clock_offset_s;
    uint64_t offset_samples;
} bm_cmp_totals;

typedef struct bm_cmp bm_cmp;

void bm_cmp_opts_default(bm_cmp_opts *o);
bm_cmp *bm_cmp_new(const bm_cmp_opts *o);
void bm_cmp_free(bm_cmp *c);
/* Capture names (borrowed; MUST outlive the bm_cmp). */
void bm_cmp_set_capture(bm_cmp *c, int cap, const char *name);

/* Pass 1: the sink for capture 'cap'. Every connection MUST be closed
 * (bm_tcp_flush) before bm_cmp_pair(). */
const bm_stream_sink *bm_cmp_scan_sink(bm_cmp *c, int cap);
/* Fingerprints of capture 'cap' (for single-capture checks), n entries. */
const bm_cmp_fp *bm_cmp_fps(const bm_cmp *c, int cap, size_t *n);
/* Pairs the fingerprints, estimates the clock offset. */
void bm_cmp_pair(bm_cmp *c);
double bm_cmp_clock_offset(const bm_cmp *c); /* seconds, ts_b - ts_a */

/* Pass 2: the sink for capture 'cap'. A pair is reported (on_pair) when
 * both of its connections have closed. */
const bm_stream_sink *bm_cmp_diff_sink(bm_cmp *c, int cap);
/* Checksum verdict of a frame, from the packet reader: 1 ok, 0 bad, -1 unknown. */
typedef int (*bm_cmp_csum_fn)(void *ud, uint64_t frame);
void bm_cmp_set_csum(bm_cmp *c, int cap, bm_cmp_csum_fn fn, void *ud);
/* Reports pairs never completed in pass 2, then every unpaired connection. */
void bm_cmp_finish(bm_cmp *c, bm_cmp_totals *t);

/* Both passes over two files (run.c). Returns 0, or -1 when a file cannot
 * be read at all (a message went to 'diag'). */
int bm_cmp_run_files(bm_cmp *c, const char *a, const char *b, bm_diag *diag);
/* The same, keeping the capture names set by bm_cmp_set_capture. */
int bm_cmp_run_paths(bm_cmp *c, const char *a, const char *b, bm_diag *diag);
/* Pass 1 only, over one file. */
int bm_cmp_scan_file(bm_cmp *c, int cap, const char *path, bm_diag *diag);

/* The `badmac compare` command (compare_main.c); argv[0] is "compare".
 * Returns the exit status. */
int bm_compare_main(int argc, char **argv);

/* Names and helpers (verdict.c). */
const char *bm_cmp_verdict_name(bm_cmp_verdict v);
const char *bm_cmp_method_name(bm_cmp_method m);
const char *bm_cmp_miss_state_name(bm_cmp_miss_state s);
/* Nothing wrong between the points: identical, resegmented, capture_loss,
 * not_delivered_after_close (exit status 0). */
bool bm_cmp_verdict_ok(bm_cmp_verdict v);
/* Pattern of a diff as seen at the receiving capture: "single_bit",
 * "bit_flips", "zeroed", "segment_block", "burst". */
const char *bm_cmp_pattern(const bm_cmp_diff *d, int receiver);
/* The capture that received direction 'dir' (the sender's opposite vantage). */
int bm_cmp_receiver(const bm_cmp_result *r, int dir);
/* Endpoints of a fingerprint as client/server. */
void bm_cmp_endpoints(const bm_cmp_fp *f, bm_endpoint *client, bm_endpoint *server);
/* The issuer the client of this connection was shown, or NULL. */
const char *bm_cmp_issuer(const bm_cmp_fp *f);

#endif
