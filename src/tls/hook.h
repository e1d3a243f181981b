/*
 * hook.h - the seam where record protection plugs in (internal).
 *
 * The TLS stage owns all framing and all handshake reassembly and parsing;
 * a later stage (decryption, issue [2/8]) registers a bm_tls_hook to open
 * protected records and to keep what is keyed (the transcript, Finished
 * checks, key schedules). The contract, per connection:
 *
 *  - conn_open when the TCP connection carries its first byte (or gap:
 *    a connection of no byte costs the hook nothing), conn_close before the bm_conn
 *    is handed out.
 *  - record for every framed record, in capture order, BEFORE the TLS stage
 *    parses it, with the index the sender's sequence number derives from.
 *    For a protected record the hook may hand back what it opened (*out,
 *    cleared by the TLS stage before the call): the content type (TLS 1.3:
 *    the inner one) and the plaintext. Decrypted handshake bytes then go
 *    through the same per-direction reassembly and parsers as handshake
 *    records in the clear: what TLS 1.3 hides (EncryptedExtensions, the
 *    server Certificate, NewSessionTicket) lands in the bm_handshake while
 *    the connection is live. The plaintext MUST stay valid and unchanged
 *    until record_done returns; alerts and ChangeCipherSpec the hook
 *    decrypted remain the hook's.
 *  - hs_msg for every complete handshake message of that record, clear or
 *    decrypted, in order, after the TLS stage parsed it (the bm_handshake
 *    already holds what it says): the raw message for a transcript and a
 *    parsed view of what key derivation reads, so that the hook never
 *    parses handshake bytes itself.
 *  - record_done once the TLS stage has finished with the record (every
 *    message of it delivered): where state changes announced by those
 *    messages take effect (TLS 1.3 epoch switch, KeyUpdate).
 *
 * With want_payload the TLS stage buffers application data too so that
 * 'payload' is never NULL except for bytes the capture lost; without it,
 * application data is only counted (no copy), and payload is NULL for it.
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
/* TLS 1.3 suites of the first ClientHello remembered (bm_tls_record_ev). */
#define BM_TLS_OFFERED13 8

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
     * known). The pointer stays the same and valid until conn_close; its
     * contents change as the TLS stage parses. */
    const bm_handshake *hs;
    int client_side;
    /* The TLS 1.3 suites (0x13xx) of the first ClientHello that offered
     * any, in its order: what 0-RTT is sent under. Valid during the call. */
    const uint16_t *offered13;
    unsigned n_offered13;
    /* The frames that carried the record, header first, in stream order
     * (n_segs == 0: not known). Valid only during the call. */
    const bm_tls_seg *segs;
    unsigned n_segs;
    /* Nonzero: the record is longer than the protocol allows for it
     * (2^14+256 in TLS 1.3, 2^14+2048 before), and this is that limit. No
     * receiver accepts it; the hook need not try to open it. */
    uint32_t oversized_limit;
} bm_tls_record_ev;

/* What the hook made of a protected record (record's out parameter). */
typedef struct bm_tls_opened {
    bool opened;            /* it verified: plain holds its content */
    uint8_t inner_type;     /* its content type (TLS 1.3: the inner one) */
    const uint8_t *plain;   /* valid until record_done returns */
    size_t plain_len;
} bm_tls_opened;

/* One complete handshake message and the TLS stage's reading of it.
 * Pointers point into raw (or into the TLS stage's state) and are valid
 * only during the call. Fields of other message types are zero / NULL,
 * and so is what a message that does not parse did not yield. */
typedef struct bm_tls_hs_msg {
    int side;               /* the sender */
    int client_side;        /* side that sent the ClientHello, -1 not known */
    bool prot;              /* decrypted: it came in a record the hook opened */
    uint8_t type;           /* HandshakeType */
    uint32_t len;           /* body length from its header */
    /* The message, header included, as it enters a transcript. NULL: the
     * TLS stage could not reassemble it (longer than its cap, or out of
     * memory): the handshake lacks it. */
    const uint8_t *raw;
    size_t raw_len;
    const uint8_t *body;    /* raw + 4: the len bytes after the header */
    /* An SSLv2-format ClientHello (hs->record_version BM_SSL2) has no
     * 4-byte header: raw is its CLIENT-HELLO from msg_type to the
     * challenge (what the peers hash), body raw + 1; random is the
     * challenge right-aligned in 32 zero bytes (RFC 5246 E.2). */
    const bm_handshake *hs; /* the connection's handshake, this message parsed (as ev->hs) */
    bool parsed;            /* hellos: the message is well-formed */

    /* ClientHello and ServerHello: the 32-byte random, NULL if not read */
    const uint8_t *random;
    /* ClientHello: the session_ticket extension's body (possibly empty);
     * NewSessionTicket (TLS <= 1.2): the ticket */
    bool has_ticket;
    const uint8_t *ticket;
    size_t ticket_len;
    /* ClientHello: pre_shared_key's identities<7..2^16-1> (the vector's content) */
    bool has_psk_ids;
    const uint8_t *psk_ids;
    size_t psk_ids_len;
    /* ServerHello */
    bool hrr;               /* it is a HelloRetryRequest */
    uint16_t suite;
    bool psk_selected;      /* pre_shared_key: the server selected identity psk_identity */
    uint16_t psk_identity;
    bool key_share;         /* a key_share extension is present */
    /* Hellos of a renegotiation (decrypted, TLS <= 1.2): that handshake,
     * parsed like the first one into a bm_handshake of its own (client
     * fields from its ClientHello, server fields once its ServerHello is
     * parsed); the connection's bm_handshake keeps the first handshake. */
    const bm_handshake *reneg;
    /* EncryptedExtensions: early_data (the server accepted 0-RTT) */
    bool early_data;
    /* Certificate from the server, TLS <= 1.2: the first certificate's DER */
    const uint8_t *cert;
    size_t cert_len;
} bm_tls_hs_msg;

typedef struct bm_tls_hook {
    void *ud;
    bool want_payload;
    /* Per-connection hook state, or NULL. May be NULL. */
    void *(*conn_open)(void *ud, const bm_tuple *t);
    /* About what conn_open's state holds (for the cap on connection state). */
    size_t conn_bytes;
    void (*record)(void *hook_conn, const bm_tls_record_ev *ev, bm_tls_opened *out);
    /* Before the conn is handed out: the hook may add its findings to c
     * (roles are final; c is NULL when the connection was not TLS). May be
     * NULL. */
    void (*conn_close)(void *hook_conn, bm_conn *c);
    /* May be NULL. */
    void (*hs_msg)(void *hook_conn, const bm_tls_hs_msg *m);
    void (*record_done)(void *hook_conn, int side);
    /* After the conn sink returned (bm_conn_sink.conn gets hook_conn, so
     * that the stage that installed the hook can read what it kept): frees
     * hook_conn. May be NULL. */
    void (*conn_free)(void *hook_conn);
} bm_tls_hook;

typedef struct bm_tls bm_tls;
/* Install the hook for connections opened from now on (copied). */
void bm_tls_set_hook(bm_tls *t, const bm_tls_hook *h);

#endif
