/*
 * relay.h - the fault-injecting TLS relay: selectors, faults and the pure
 * record planner.
 *
 * The relay splits each direction of a TCP connection into TLS records and
 * runs every complete record through the configured faults. That step is a
 * pure function of (configuration, seed, connection number, direction,
 * bytes): bm_relay_dir_feed() takes input bytes and appends the bytes to send
 * (plus write pacing marks) to a bm_relay_out, and reports what it changed
 * through a callback. The event loop (loop.c) only moves bytes between
 * sockets and this planner, so everything the relay does to a stream can be
 * tested without sockets (tests/unit/test_relay_sel.c).
 *
 * Randomness never comes from a stateful generator: every random choice is
 * bm_relay_hash(seed, conn, dir, fault, record, k), so a run with the same
 * seed makes the same choices whatever the interleaving of connections.
 */
#ifndef BM_RELAY_RELAY_H
#define BM_RELAY_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

enum { BM_RELAY_C2S = 0, BM_RELAY_S2C = 1 };

/* TLS 1.2 allows 2^14 + 2048 bytes of ciphertext; anything longer is not TLS. */
#define BM_RELAY_BODY_MAX (16384 + 2048)
#define BM_RELAY_REC_MAX (5 + BM_RELAY_BODY_MAX)
#define BM_RELAY_MAX_FAULTS 64
#define BM_RELAY_MAX_SIZES 16   /* pieces of one --segment */
#define BM_RELAY_MAX_BITS 64    /* N of --flip-bits */
#define BM_RELAY_HEX_MAX 64     /* bytes of original/new kept in a log entry */
#define BM_RELAY_EV_MAX (BM_RELAY_MAX_BITS + 8)
#define BM_RELAY_SEG_PAUSE_MS 5 /* pause between the pieces of --segment */

typedef enum bm_relay_kind {
    BM_FAULT_FLIP,
    BM_FAULT_FLIP_BITS,
    BM_FAULT_BURST,
    BM_FAULT_DROP,
    BM_FAULT_DUP,
    BM_FAULT_SWAP,
    BM_FAULT_TRUNCATE,
    BM_FAULT_TRUNCATE_KEEP,
    BM_FAULT_CUT,
    BM_FAULT_SEGMENT,
    BM_FAULT_DELAY,
    BM_FAULT_MERGE,
    BM_FAULT_KIND_COUNT_
} bm_relay_kind;

/* Which records a fault applies to; every set field must match. */
typedef struct bm_relay_sel {
    unsigned dirs;       /* bit (1 << BM_RELAY_C2S) and/or (1 << BM_RELAY_S2C) */
    int64_t index;       /* record index in its direction, from 0; -1 = any */
    int type;            /* content type; -1 = any */
    int64_t minlen;      /* body length at least this; -1 = any */
    int64_t nth_app;     /* Nth application_data record, from 0; -1 = any */
    int64_t conn;        /* accepted connection number, from 0; -1 = any */
    uint32_t rate_num;   /* probability rate_num/rate_den; rate_den 0 = always */
    uint32_t rate_den;
} bm_relay_sel;

typedef struct bm_relay_fault {
    bm_relay_kind kind;
    bm_relay_sel sel;
    int64_t offset;      /* body offset; negative counts from the end */
    int offset_rand;     /* OFFSET was "rand" */
    int bit;             /* 0..7, or -1 for "rand" */
    int64_t n;           /* bits, bytes (burst length, truncate) or ms */
    uint32_t sizes[BM_RELAY_MAX_SIZES];
    unsigned nsizes;
} bm_relay_fault;

typedef struct bm_relay_cfg {
    bm_relay_fault faults[BM_RELAY_MAX_FAULTS];
    unsigned nfaults;
    uint64_t seed;
    int64_t only_conn;   /* --conn N; -1 = all connections */
} bm_relay_cfg;

/* One thing the relay did, logged as one JSON line (log.c). */
typedef struct bm_relay_event {
    uint64_t conn;
    int dir;
    const char *fault;      /* "flip", "drop", ..., "passthrough" (static) */
    int64_t record_index;   /* -1 when not about a record */
    int type;               /* content type; -1 unknown */
    int64_t length;         /* body length in the record header as received */
    int64_t record_offset;  /* from the first body byte; -1 = whole record */
    int64_t stream_offset;  /* in the outgoing stream; -1 = never sent */
    int bit;                /* -1 = none */
    int64_t value;          /* ms, byte count, ...; -1 = none */
    const char *note;       /* static text or NULL */
    size_t n;               /* bytes in orig/repl */
    uint8_t orig[BM_RELAY_HEX_MAX];
    uint8_t repl[BM_RELAY_HEX_MAX];
} bm_relay_event;

typedef void (*bm_relay_event_fn)(void *ud, const bm_relay_event *ev);

/* A pacing mark in the outgoing stream: when every byte before 'at' has
 * been written, stop, wait 'ms', then go on (or close, for a cut). */
typedef struct bm_relay_mark {
    uint64_t at;
    uint32_t ms;
    int cut;
} bm_relay_mark;

/* Bytes waiting to be written in one direction. Owns buf and marks. */
typedef struct bm_relay_out {
    uint8_t *buf;
    size_t head, len, cap;   /* pending bytes are buf[head .. head+len) */
    uint64_t base;           /* stream offset of buf[head] */
    bm_relay_mark *marks;
    size_t nmarks, markcap, markhead;
} bm_relay_out;

void bm_relay_out_init(bm_relay_out *o);
void bm_relay_out_free(bm_relay_out *o);
/* Stream offset of the next byte appended. */
static inline uint64_t bm_relay_out_end(const bm_relay_out *o) { return o->base + o->len; }
BM_RESULT bm_relay_out_append(bm_relay_out *o, const uint8_t *p, size_t n);
BM_RESULT bm_relay_out_mark(bm_relay_out *o, uint64_t at, uint32_t ms, int cut);
/* First mark not yet reached, or NULL. */
const bm_relay_mark *bm_relay_out_next_mark(const bm_relay_out *o);
void bm_relay_out_pop_mark(bm_relay_out *o);
void bm_relay_out_consume(bm_relay_out *o, size_t n);

/* A record the planner holds back (the first half of a --swap, or of a
 * --merge: the next record's body is then sent under its header). */
typedef struct bm_relay_held {
    int used;
    int merge;
    size_t len;
    bm_relay_event ev[BM_RELAY_EV_MAX];
    unsigned nev;
    uint8_t rec[BM_RELAY_REC_MAX];
} bm_relay_held;

/* Planner state of one direction of one connection (about 60 KiB). */
typedef struct bm_relay_dir {
    const bm_relay_cfg *cfg;
    uint64_t conn;
    int dir;
    int passthrough;        /* stream stopped looking like TLS */
    int cut;                /* a --cut fired: input is discarded */
    uint64_t records;       /* complete records seen */
    uint64_t app_records;   /* application_data records seen */
    size_t inlen;
    uint8_t in[BM_RELAY_REC_MAX];
    bm_relay_held held;
} bm_relay_dir;

void bm_relay_dir_init(bm_relay_dir *d, const bm_relay_cfg *cfg, uint64_t conn, int dir);
/* Feed bytes received in this direction; appends what to send to 'out'. */
BM_RESULT bm_relay_dir_feed(bm_relay_dir *d, const uint8_t *p, size_t n, bm_relay_out *out,
                            bm_relay_event_fn fn, void *ud);
/* The source closed: flush a partial record and any held record. */
BM_RESULT bm_relay_dir_eof(bm_relay_dir *d, bm_relay_out *out, bm_relay_event_fn fn, void *ud);

/* `badmac relay ARGS...` (argv[0] = "relay"); returns the exit status. */
int bm_relay_main(int argc, char **argv);

/* sel.c */
uint64_t bm_relay_hash(uint64_t seed, uint64_t conn, uint64_t dir, uint64_t fault,
                       uint64_t record, uint64_t k);
const char *bm_relay_kind_name(bm_relay_kind k);
/* Parse "c2s,type=23,index=7" into 's'. */
BM_RESULT bm_relay_sel_parse(const char *text, bm_relay_sel *s);
/* Parse the argument of --flip, --drop, ... ('opt' without dashes). */
BM_RESULT bm_relay_fault_parse(const char *opt, const char *arg, bm_relay_fault *f);
/* True when fault 'fi' selects this record (rate decided from the seed). */
int bm_relay_sel_match(const bm_relay_cfg *cfg, unsigned fi, uint64_t conn, int dir,
                       uint64_t index, int type, size_t len, int64_t app_index);

/* log.c: one compact JSON object per line; flushed. */
BM_RESULT bm_relay_event_write(const bm_relay_event *ev, void *fp);
const char *bm_relay_dir_name(int dir);

#endif
