/*
 * hook.h - the seam where record protection plugs in (internal).
 *
 * The keyless TLS stage treats protected records as opaque. A later stage
 * (decryption, issue [2/8]) registers a bm_tls_hook: it is told about every
 * connection and sees every framed record, in capture order, with the
 * index the sender's sequence number derives from. With want_payload the
 * TLS stage buffers application data too so that 'payload' is never NULL
 * except for bytes the capture lost; without it, application data is only
 * counted (no copy), and payload is NULL for it.
 */
#ifndef BM_TLS_HOOK_H
#define BM_TLS_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../include/badmac/conn.h"
#include "../capture/stream.h"

/* One frame's share of a record: the frame carried the record's bytes
 * below stream offset 'end' (from the previous entry's end, or from the
 * record's header); 'start' is the stream offset of that frame's first
 * TCP payload byte (bm_seg_meta.seg_off). */
typedef struct bm_tls_seg {
    uint64_t end;
    uint64_t frame;
    int64_t start;
} bm_tls_seg;
/* Frames remembered per record; a record that came in more pieces (or
 * was framed while resynchronising) has no map. */
#define BM_TLS_RSEG 48

typedef struct bm_tls_record_ev {
    int side;               /* BM_SIDE_A or BM_SIDE_B: the sender */
    uint64_t index;         /* record index in this direction, from 0 */
    uint8_t hdr[5];         /* the record header as on the wire */
    const uint8_t *payload; /* NULL: not kept, or lost in a capture gap */
    size_t len;             /* payload length from the header */
    uint64_t frame;         /* frame holding the record's last byte */
    uint64_t stream_off;    /* offset of the header in the stream */
    bool protected_;        /* the TLS stage judged it encrypted */
    /* The handshake as parsed so far (hellos, suite, version, extensions;
     * role-independent), and the side that sent the ClientHello (-1 not
     * known). Valid only during the call. */
    const bm_handshake *hs;
    int client_side;
    /* The frames that carried the record, header first, in stream order
     * (n_segs == 0: not known). Valid only during the call. */
    const bm_tls_seg *segs;
    unsigned n_segs;
} bm_tls_record_ev;

typedef struct bm_tls_hook {
    void *ud;
    bool want_payload;
    /* Per-connection hook state, or NULL. May be NULL. */
    void *(*conn_open)(void *ud, const bm_tuple *t);
    void (*record)(void *hook_conn, const bm_tls_record_ev *ev);
    /* Before the conn is handed out: the hook may add its findings to c
     * (roles are final; c is NULL when the connection was not TLS). May be
     * NULL. */
    void (*conn_close)(void *hook_conn, bm_conn *c);
    /* After the conn sink returned (bm_conn_sink.conn gets hook_conn, so
     * that the stage that installed the hook can read what it kept): frees
     * hook_conn. May be NULL. */
    void (*conn_free)(void *hook_conn);
} bm_tls_hook;

typedef struct bm_tls bm_tls;
/* Install the hook for connections opened from now on (copied). */
void bm_tls_set_hook(bm_tls *t, const bm_tls_hook *h);

#endif
