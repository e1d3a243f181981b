/*
 * test_tls_harness.h - drives the TLS stage's stream sink by hand and
 * builds TLS bytes, for the test_tls*, test_record* and test_handshake*
 * tests. The harness plays the capture stage: it numbers frames, tracks
 * stream offsets, and collects the bm_conns and diag lines that come out.
 */
#ifndef BM_TESTS_TLS_HARNESS_H
#define BM_TESTS_TLS_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tls/hook.h"
#include "tls/tls.h"

/* ---- byte builder ---- */

typedef struct tb {
    uint8_t b[40000];
    size_t n;
} tb;

static inline void tb_u8(tb *t, unsigned v) { t->b[t->n++] = (uint8_t)v; }
static inline void tb_u16(tb *t, unsigned v) { tb_u8(t, v >> 8); tb_u8(t, v & 0xff); }
static inline void tb_u24(tb *t, unsigned v) { tb_u8(t, (v >> 16) & 0xff); tb_u16(t, v & 0xffff); }
static inline void tb_put(tb *t, const void *p, size_t n) { memcpy(t->b + t->n, p, n); t->n += n; }
static inline void tb_fill(tb *t, unsigned v, size_t n) { memset(t->b + t->n, (int)v, n); t->n += n; }

/* An extension: type, then a 2-byte length and the body. */
static inline void tb_ext(tb *t, unsigned type, const void *body, size_t n)
{
    tb_u16(t, type);
    tb_u16(t, (unsigned)n);
    if (n)
        tb_put(t, body, n);
}

/* A handshake message: type, 3-byte length, body. */
static inline void tb_hs(tb *t, unsigned type, const tb *body)
{
    tb_u8(t, type);
    tb_u24(t, (unsigned)body->n);
    tb_put(t, body->b, body->n);
}

static inline void tb_rec(tb *t, unsigned type, unsigned version, const void *p, size_t n)
{
    tb_u8(t, type);
    tb_u16(t, version);
    tb_u16(t, (unsigned)n);
    if (n)
        tb_put(t, p, n);
}

/* ClientHello body: legacy_version, random (0x11...), session id, two
 * suites, null compression, then 'exts' (NULL: no extensions block). */
static inline void tb_client_hello(tb *t, unsigned ver, const uint8_t *sid, size_t sid_len, const tb *exts)
{
    tb_u16(t, ver);
    tb_fill(t, 0x11, 32);
    tb_u8(t, (unsigned)sid_len);
    if (sid_len)
        tb_put(t, sid, sid_len);
    tb_u16(t, 4);
    tb_u16(t, 0xc02f);
    tb_u16(t, 0x1301);
    tb_u8(t, 1);
    tb_u8(t, 0);
    if (exts) {
        tb_u16(t, (unsigned)exts->n);
        tb_put(t, exts->b, exts->n);
    }
}

static inline void tb_server_hello(tb *t, unsigned ver, const uint8_t *random, const uint8_t *sid, size_t sid_len,
                                   unsigned suite, const tb *exts)
{
    tb_u16(t, ver);
    if (random)
        tb_put(t, random, 32);
    else
        tb_fill(t, 0x22, 32);
    tb_u8(t, (unsigned)sid_len);
    if (sid_len)
        tb_put(t, sid, sid_len);
    tb_u16(t, suite);
    tb_u8(t, 0);
    if (exts) {
        tb_u16(t, (unsigned)exts->n);
        tb_put(t, exts->b, exts->n);
    }
}

/* The extensions of a TLS 1.3 ServerHello: supported_versions 0x0304 and
 * a key_share of 'group' whose key is key_len bytes of 'fill'; appended
 * to exts, ks is scratch. */
static inline void tb_sh13_exts(tb *exts, tb *ks, unsigned group, size_t key_len, uint8_t fill)
{
    tb_ext(exts, 43, "\x03\x04", 2);
    ks->n = 0;
    tb_u16(ks, group);
    tb_u16(ks, (unsigned)key_len);
    tb_fill(ks, fill, key_len);
    tb_ext(exts, 51, ks->b, ks->n);
}

/* An SSLv2-format ClientHello record (RFC 5246 E.2): 2-byte header, then
 * CLIENT-HELLO offering TLS 1.0: 3 cipher specs, no session id, the
 * 16-byte challenge a0..af. */
static inline void tb_v2_hello(tb *w)
{
    tb_u8(w, 0x80);
    tb_u8(w, 9 + 9 + 16);
    tb_u8(w, 1);
    tb_u16(w, 0x0301);
    tb_u16(w, 9);
    tb_u16(w, 0);
    tb_u16(w, 16);
    tb_put(w, "\x00\x00\x05\x00\x00\x2f\x01\x00\x80", 9);
    for (unsigned i = 0; i < 16; i++)
        tb_u8(w, 0xa0 + i);
}

/* A whole handshake record holding one message. */
static inline void tb_hs_record(tb *t, unsigned rec_version, unsigned type, const tb *body)
{
    tb *m = calloc(1, sizeof *m);
    tb_hs(m, type, body);
    tb_rec(t, 22, rec_version, m->b, m->n);
    free(m);
}

/* ---- the fake capture stage ---- */

#define TH_MAX_CONNS 16
#define TH_MAX_DIAG 16

typedef struct th {
    bm_tls *tls;
    bm_diag diag;
    int n_diag;
    char diag_lines[TH_MAX_DIAG][512];
    int n_conns;
    bm_conn conns[TH_MAX_CONNS];
} th;

typedef struct th_conn {
    th *h;
    void *st;
    bm_tuple tuple;
    uint64_t off[2];
    uint64_t frame;
    bm_stream_end end;
    int end_by;
} th_conn;

static inline void th_on_diag(void *ud, const char *line)
{
    th *h = ud;
    if (h->n_diag < TH_MAX_DIAG)
        snprintf(h->diag_lines[h->n_diag], sizeof h->diag_lines[0], "%s", line);
    h->n_diag++;
}

static inline void th_on_conn(void *ud, bm_conn *c, void *hook_conn)
{
    th *h = ud;
    if (h->n_conns < TH_MAX_CONNS)
        h->conns[h->n_conns] = *c;
    h->n_conns++;
}

static inline th *th_new(void)
{
    th *h = calloc(1, sizeof *h);
    h->diag.emit = th_on_diag;
    h->diag.ud = h;
    bm_diag_begin_file(&h->diag, "test.pcap");
    bm_conn_sink out = {h, th_on_conn};
    h->tls = bm_tls_new(&out, &h->diag);
    bm_tls_set_capture(h->tls, "test.pcap");
    return h;
}

static inline void th_free(th *h)
{
    bm_tls_free(h->tls);
    free(h);
}

/* Side A = 10.0.0.1:port_a (the SYN sender), side B = 10.0.0.2:port_b. */
static inline th_conn th_open(th *h, uint16_t port_a, uint16_t port_b)
{
    th_conn c;
    memset(&c, 0, sizeof c);
    c.h = h;
    c.end_by = -1;
    for (int i = 0; i < 2; i++) {
        c.tuple.addr[i].family = 4;
        c.tuple.addr[i].ip[0] = 10;
        c.tuple.addr[i].ip[3] = (uint8_t)(i + 1);
    }
    c.tuple.port[0] = port_a;
    c.tuple.port[1] = port_b;
    bm_seg_meta m = {1, 1000, 64, 0, 0};
    c.frame = 1;
    const bm_stream_sink *s = bm_tls_stream_sink(h->tls);
    c.st = s->open(s->ud, &c.tuple, &m);
    return c;
}

/* Bytes in one segment, in the next frame. */
static inline void th_data(th_conn *c, int dir, const void *p, size_t n)
{
    const bm_stream_sink *s = bm_tls_stream_sink(c->h->tls);
    bm_seg_meta m = {++c->frame, 1000 + c->frame, 64, 0, 0};
    s->data(c->st, dir, c->off[dir], p, n, &m);
    c->off[dir] += n;
}

/* Bytes in segments of 'chunk' bytes, one frame each. */
static inline void th_data_split(th_conn *c, int dir, const void *p, size_t n, size_t chunk)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i += chunk)
        th_data(c, dir, b + i, n - i < chunk ? n - i : chunk);
}

static inline void th_data_tb(th_conn *c, int dir, const tb *t) { th_data(c, dir, t->b, t->n); }

static inline void th_gap(th_conn *c, int dir, uint64_t len)
{
    const bm_stream_sink *s = bm_tls_stream_sink(c->h->tls);
    bm_seg_meta m = {++c->frame, 1000 + c->frame, 64, 0, 0};
    s->gap(c->st, dir, c->off[dir], len, &m);
    c->off[dir] += len;
}

static inline void th_fin(th_conn *c, int dir, bm_stream_end how)
{
    const bm_stream_sink *s = bm_tls_stream_sink(c->h->tls);
    bm_seg_meta m = {++c->frame, 1000 + c->frame, 64, 0, 0};
    s->fin(c->st, dir, how, &m);
    if (c->end == BM_END_OPEN || how == BM_END_RST) {
        c->end = how;
        c->end_by = dir;
    }
}

/* Close; returns the conn handed out, or NULL when none was. */
static inline const bm_conn *th_close(th_conn *c, bool syn_seen)
{
    const bm_stream_sink *s = bm_tls_stream_sink(c->h->tls);
    bm_tcp_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.syn_seen = syn_seen;
    sum.first_frame = 1;
    sum.last_frame = c->frame;
    sum.first_ts_ns = 1001;
    sum.last_ts_ns = 1000 + c->frame;
    sum.end = c->end;
    sum.end_by = c->end_by;
    sum.dir[0].ttl_first = 64;
    sum.dir[1].ttl_first = 50;
    int before = c->h->n_conns;
    s->close(c->st, &sum);
    if (c->h->n_conns == before || before >= TH_MAX_CONNS)
        return NULL;
    return &c->h->conns[before];
}

/* Does any finding of c, in the report's words, contain 'needle'? (Tests
 * the stage and the wording together.) */
static inline int th_has_problem(const bm_conn *c, const char *needle)
{
    char line[BM_FINDING_TEXT_LEN];
    for (unsigned i = 0; i < c->n_findings; i++) {
        bm_finding_format(&c->findings[i], line, sizeof line);
        if (strstr(line, needle))
            return 1;
    }
    return 0;
}

/* The first finding of c with this code, or NULL. */
static inline const bm_finding *th_finding(const bm_conn *c, unsigned code)
{
    for (unsigned i = 0; i < c->n_findings; i++)
        if (c->findings[i].code == code)
            return &c->findings[i];
    return NULL;
}

static inline void th_dump_problems(const bm_conn *c)
{
    char line[BM_FINDING_TEXT_LEN];
    for (unsigned i = 0; i < c->n_findings; i++) {
        bm_finding_format(&c->findings[i], line, sizeof line);
        printf("#   problem: %s\n", line);
    }
}

#endif
