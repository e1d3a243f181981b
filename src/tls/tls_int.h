/*
 * tls_int.h - the TLS stage's private state, shared by its files.
 *
 * While a connection is live everything is indexed by capture SIDE (A/B):
 * which side is the TLS client is only certain once a ClientHello is seen,
 * and may never be. Fields of the bm_conn that carry a role (rec[], alert
 * 'from', record_ref 'direction', finding 'role') hold sides until bm_tls_finish() remaps
 * them to roles just before the connection is handed out.
 *
 * Memory per connection: this struct, the bm_conn (allocated at the first
 * payload byte), one record buffer (at most BM_TLS_RBUF_CAP) and one
 * handshake buffer (at most BM_TLS_HS_CAP) per direction, each allocated
 * lazily and only as large as needed; the frame map of the record being
 * framed (BM_TLS_RSEG entries) lives in the direction; a bm_handshake for
 * a renegotiation's hellos, allocated at the first one.
 *
 * Handshake messages come from records in the clear and from protected
 * records the hook opened (decrypted); both go through the one reassembly
 * per direction and the same parsers, and every complete message goes to
 * the hook (hook.h).
 */
#ifndef BM_TLS_TLS_INT_H
#define BM_TLS_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/x509.h"
#include "../wire/cur.h"
#include "hook.h"
#include "tls.h"

/* Largest record length the protocol allows (TLS <= 1.2; 1.3 allows
 * less): a resync believes no header beyond it. In a stream in sync, a
 * header of a valid type and version with a longer length (up to the
 * field's maximum) is a record its sender sent oversized (merged in the
 * path, a broken stack): it is framed as a record and flagged, not
 * resynchronised over. */
#define BM_TLS_MAX_RECORD_LEN BM_TLS12_MAX_CIPHERTEXT
#define BM_TLS_MAX_FIELD_LEN 65535u
/* The largest record plus the next header: what a resync needs to hold to
 * confirm a candidate header by the one that follows it, and what an
 * oversized record needs. */
#define BM_TLS_RBUF_CAP (5u + BM_TLS_MAX_FIELD_LEN + 5u)
#define BM_TLS_HS_CAP (256u * 1024u)
/* Bytes of a direction scanned without finding any plausible record
 * before the direction is declared not to be TLS. */
#define BM_TLS_DETECT_LIMIT (64u * 1024u)
/* Chunk boundaries remembered while resynchronising, to know which frame
 * held a buffered record's last byte. */
#define BM_TLS_BMAP 64

enum bm_tls_fstate {
    BM_FS_HDR = 0, /* collecting a record header (the start state) */
    BM_FS_BODY,    /* inside a record's payload */
    BM_FS_RESYNC,  /* looking for a plausible header in buffered bytes */
    BM_FS_OFF      /* not TLS: bytes are ignored */
};

/* The padding a TLS 1.3 record taken for an alert may carry (OpenJDK's
 * JSSE pads every alert by 16: 35-byte records with AES-GCM). */
#define BM_TLS13_ALERT_PAD 32

/* What was true when a record completed: the evidence an alert (seen or
 * inferred) is judged with at close time. */
typedef struct bm_tls_snap {
    uint64_t seq;            /* processing order of the record */
    bool has_other;
    bm_record_ref other;     /* the peer's last completed record (side-indexed) */
    bool has_other_data, has_other_data2;
    bm_record_ref other_data; /* the peer's last record that was not an alert */
    bm_record_ref other_data2; /* and the one before it (TLS 1.3: other_data may be an alert found at close) */
    uint64_t other_nonalert; /* non-alert records the peer had sent */
    uint64_t other_alerts;   /* alert records the peer had sent */
    bool hs_done;            /* both sides had sent a protected record */
    bool appdata;            /* application data had been exchanged */
    bool has_own;
    bm_record_ref own;       /* the sender's own previous record */
    uint64_t own_appdata;    /* application data records the sender had sent */
} bm_tls_snap;

typedef struct bm_tls_dir {
    int state;
    uint64_t next_off;   /* stream offset of the next byte expected */
    bool started;        /* a record was framed: this side speaks TLS */
    uint64_t scanned;    /* bytes looked at before 'started' */

    /* the record being framed */
    uint8_t hdr[5];
    unsigned hdr_have;
    uint64_t rec_off;    /* stream offset of its header */
    uint32_t rec_len;
    uint32_t rec_got;    /* payload bytes accounted for */
    bool rec_keep;       /* payload is copied into buf */
    bool rec_lost;       /* part of the payload fell into a gap */
    bool rec_v2;         /* an SSLv2 ClientHello (2-byte header) */
    /* the frames that carried it (frame.c); rseg_lost: map not known */
    unsigned n_rseg;
    bool rseg_lost;
    bm_tls_seg rseg[BM_TLS_RSEG];

    /* partial record payload, or (RESYNC) the bytes being scanned */
    uint8_t *buf;
    size_t buf_cap, buf_have;
    uint64_t buf_off;    /* RESYNC: stream offset of buf[0] */
    unsigned n_bmap;
    struct { uint64_t end; uint64_t frame; } bmap[BM_TLS_BMAP];

    /* handshake reassembly (clear and decrypted records alike) */
    uint8_t *hs;
    size_t hs_cap, hs_have;
    uint64_t hs_skip;    /* bytes of an oversized message still to drop */
    int last_hs_type;    /* type of the last complete message, -1 none */

    /* protection and accounting */
    bool protected_;     /* records from now on are encrypted */
    uint16_t last_version;
    uint64_t post_prot;  /* protected, non-CCS records sent */
    uint64_t nonalert;   /* records sent that were not alerts */
    uint64_t alerts;     /* alert records sent (inferred ones included at close) */
    uint64_t appdata;    /* protected records beyond the handshake's */
    bool has_last;
    bm_record_ref last;  /* the last record completed */
    bool has_last_data, has_last_data2;
    bm_record_ref last_data; /* the last record completed that was not an alert */
    bm_record_ref last_data2; /* the one before it */
    bool last_prot;
    bool tail_lost;     /* bytes not captured since the last complete record */
    uint64_t data_after_peer_fin; /* records after the peer's FIN that cannot be an alert */
    uint8_t last_inner; /* the last record's content type as the decryption stage read it, 0: not opened */
    bm_tls_snap last_snap;

    bool fin;
    bm_stream_end how;
    uint64_t fin_frame;  /* frame of the FIN/RST (0: not known) */
} bm_tls_dir;

typedef struct bm_tls_conn bm_tls_conn;

struct bm_tls {
    bm_stream_sink sink;
    bm_conn_sink out;
    bm_diag *diag;
    const char *capture;
    uint64_t next_id;
    bm_tls_hook hook;
    bool has_hook;
    bm_x509_cache *x509; /* certificate descriptions, made at the first certificate */
};

struct bm_tls_conn {
    bm_tls *t;
    bm_tuple tuple;
    const char *capture;
    bm_conn *conn;       /* allocated at the first payload byte */
    bm_tls_dir dir[2];
    int client_side;     /* side that sent the ClientHello, -1 unknown */
    uint64_t seq;        /* records processed, both directions */
    bm_tls_snap alert_snap[BM_MAX_ALERTS];
    bool alert_pending[BM_MAX_ALERTS]; /* encrypted: meaning decided at close */
    uint32_t alert_len[BM_MAX_ALERTS];  /* the alert record's length */
    uint8_t first_bytes[4];
    unsigned n_first;
    int first_side;
    uint64_t first_frame;
    void *hook_conn;
    /* the TLS 1.3 suites of the first ClientHello offering any (hook.h) */
    uint16_t offered13[BM_TLS_OFFERED13];
    unsigned n_offered13;
    bm_handshake *reneg; /* a renegotiation's hellos (decrypted), NULL before one */
};

/* util.c */
/* Record a finding (include/badmac/findings.h): f->role is a capture
 * SIDE here, remapped to a role by bm_tls_finish. */
void bm_tls_finding(bm_tls_conn *c, const bm_finding *f);
int bm_tls_role_of_side(const bm_tls_conn *c, int side);
const char *bm_tls_dir_name(const bm_tls_conn *c, int side); /* "client->server" */
int bm_tls_guess_server_side(const bm_tuple *t);
bool bm_tls_wellknown_port(uint16_t port);
/* Printable copy of untrusted bytes: non-printables as \xNN, truncated. */
void bm_tls_sanitize(char *dst, size_t cap, const uint8_t *src, size_t n);
bool bm_tls_is13(const bm_tls_conn *c);
/* Whether an application_data record of 'len' bytes can be a TLS 1.3 alert
 * (2 bytes + inner type + the suite's tag, or 16 when it is not known, +
 * up to BM_TLS13_ALERT_PAD of padding): TLS 1.3, or a version nobody saw
 * (the handshake not captured). *padded: longer than an unpadded one. */
bool bm_tls_may_be_alert13(const bm_tls_conn *c, uint32_t len, bool *padded);

/* frame.c: framing of one direction's byte stream */
void bm_tls_frame_data(bm_tls_conn *c, int side, uint64_t off, const uint8_t *p, size_t n,
                       const bm_seg_meta *m);
void bm_tls_frame_gap(bm_tls_conn *c, int side, uint64_t off, uint64_t len, const bm_seg_meta *m);
/* End of the stream: confirm or drop pending candidates, note truncation. */
void bm_tls_frame_end(bm_tls_conn *c, int side);
/* Header checks. 'plausible' is the strict test used to find TLS. */
bool bm_tls_hdr_plausible(const uint8_t h[5]);
bool bm_tls_v2_hello_plausible(const uint8_t h[5]);

/* frame.c / resync.c internals */
uint32_t bm_tls_hdr_len(const uint8_t h[5]);
bool bm_tls_hdr_impossible(const uint8_t h[5]);
bool bm_tls_want_payload(const bm_tls_conn *c, uint8_t type);
bool bm_tls_buf_reserve(bm_tls_dir *d, size_t need);
void bm_tls_to_resync(bm_tls_conn *c, int side, uint64_t off);
void bm_tls_complain_header(bm_tls_conn *c, int side, const uint8_t h[5], uint64_t off, uint64_t frame);
void bm_tls_complete_record(bm_tls_conn *c, int side, const uint8_t *payload, uint64_t frame);
void bm_tls_bmap_add(bm_tls_dir *d, uint64_t end, uint64_t frame);
size_t bm_tls_take_resync(bm_tls_conn *c, int side, const uint8_t *p, size_t n, uint64_t frame);
void bm_tls_resync_scan(bm_tls_conn *c, int side, bool final);

/* record.c: one complete record */
void bm_tls_record(bm_tls_conn *c, int side, const uint8_t hdr[5], uint32_t len, const uint8_t *payload,
                   uint64_t frame, uint64_t stream_off);
void bm_tls_record_v2(bm_tls_conn *c, int side, uint32_t len, const uint8_t *payload, uint64_t frame);
/* Limit a record of this direction and type must not exceed, and whether
 * it is the negotiated (rather than the protocol) limit. */
uint32_t bm_tls_record_limit(const bm_tls_conn *c, int side, uint8_t type, bool prot, bool *negotiated);

/* handshake.c: prot: the bytes are a protected record's plaintext, which
 * the hook decrypted */
void bm_tls_hs_feed(bm_tls_conn *c, int side, uint16_t rec_version, const uint8_t *p, size_t n, bool prot);
void bm_tls_hs_end(bm_tls_conn *c, int side);
void bm_tls_parse_v2_hello(bm_tls_conn *c, int side, const uint8_t *p, size_t n);
/* One certificate (DER) of the server chain into the bm_handshake: at
 * most BM_MAX_CERTS, beyond them certs_truncated. */
void bm_tls_add_cert(bm_tls_conn *c, const bm_cur *der);

/* hello.c: exact-consumption parsers; on failure a finding is noted and
 * whatever was read before the failure is kept. They write into h (the
 * connection's bm_handshake, or a renegotiation's) and what the hook
 * reads into m. */
bool bm_tls_parse_client_hello(bm_tls_conn *c, int side, bm_handshake *h, const uint8_t *p, size_t n,
                               bool complete, bm_tls_hs_msg *m);
bool bm_tls_parse_server_hello(bm_tls_conn *c, int side, bm_handshake *h, const uint8_t *p, size_t n,
                               bm_tls_hs_msg *m);

/* hs13.c: a TLS 1.3 handshake message the hook decrypted (body without
 * the header): what it says that the bm_handshake holds, and m. */
void bm_tls_hs13_msg(bm_tls_conn *c, int side, uint8_t type, const uint8_t *body, size_t len, bm_tls_hs_msg *m);

/* finish.c: roles, alert inference, the conn handed out */
void bm_tls_finish(bm_tls_conn *c, const bm_tcp_summary *s);

#endif
