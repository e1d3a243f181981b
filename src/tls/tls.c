/*
 * tls.c - the TLS stage as a bm_stream_sink: per-connection state, the
 * capture stage's callbacks, and the decision whether a connection was TLS
 * at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_int.h"

static bool conn_alloc(bm_tls_conn *c)
{
    if (c->conn)
        return true;
    c->conn = calloc(1, sizeof *c->conn);
    if (!c->conn)
        return false;
    c->conn->rec[0].ccs_index = -1;
    c->conn->rec[1].ccs_index = -1;
    c->conn->fatal_from = -1;
    c->conn->end_by = -1;
    return true;
}

/* What the TLS stage keeps of a TCP connection until its first byte: a
 * SYN flood or a port scan costs this much per connection, not a
 * bm_tls_conn, a bm_conn and the hook's state (tens of KiB). The full state
 * is made when the connection carries content (data or a gap). */
typedef struct tls_lazy {
    bm_tls *t;
    bm_tuple tuple;
    bm_tls_conn *c;           /* NULL until the first byte */
    bool fin[2];              /* ends seen before any byte */
    bm_stream_end how[2];
    uint64_t fin_frame[2];
} tls_lazy;

static void *tls_open(void *ud, const bm_tuple *t, const bm_seg_meta *m)
{
    (void)m;
    tls_lazy *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->t = ud;
    z->tuple = *t;
    return z;
}

/* The full state of a connection that carries content; NULL when out of
 * memory (the connection is then left out of the analysis). */
static bm_tls_conn *full_open(bm_tls *tls, const bm_tuple *t)
{
    bm_tls_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->t = tls;
    c->tuple = *t;
    c->capture = tls->capture;
    c->client_side = -1;
    c->first_side = -1;
    for (int i = 0; i < 2; i++)
        c->dir[i].last_hs_type = -1;
    if (tls->has_hook && tls->hook.conn_open)
        c->hook_conn = tls->hook.conn_open(tls->hook.ud, t);
    return c;
}

/* The full state, made on the first content with the ends seen before it. */
static bm_tls_conn *full(tls_lazy *z)
{
    if (z->c)
        return z->c;
    if (!(z->c = full_open(z->t, &z->tuple)))
        return NULL;
    for (int i = 0; i < 2; i++) {
        z->c->dir[i].fin = z->fin[i];
        z->c->dir[i].how = z->how[i];
        z->c->dir[i].fin_frame = z->fin_frame[i];
    }
    return z->c;
}

static bool side_ok(int dir) { return dir == BM_SIDE_A || dir == BM_SIDE_B; }

/* Allocates the bm_conn on the first event that carries stream content.
 * On allocation failure the connection is dropped from the analysis. */
static bool ready(bm_tls_conn *c)
{
    if (conn_alloc(c))
        return true;
    c->dir[0].state = BM_FS_OFF;
    c->dir[1].state = BM_FS_OFF;
    return false;
}

static void tls_data(void *conn, int dir, uint64_t stream_off, const uint8_t *p, size_t n,
                     const bm_seg_meta *m)
{
    if (!side_ok(dir) || n == 0 || !p)
        return;
    bm_tls_conn *c = full(conn);
    if (!c || c->dir[dir].state == BM_FS_OFF || !ready(c))
        return;
    if (c->first_side < 0) {
        c->first_side = dir;
        c->first_frame = m->frame;
    }
    if (c->first_side == dir && c->n_first < sizeof c->first_bytes && stream_off == c->n_first) {
        size_t k = sizeof c->first_bytes - c->n_first;
        if (k > n)
            k = n;
        memcpy(c->first_bytes + c->n_first, p, k);
        c->n_first += (unsigned)k;
    }
    bm_tls_frame_data(c, dir, stream_off, p, n, m);
}

static void tls_gap(void *conn, int dir, uint64_t stream_off, uint64_t len, const bm_seg_meta *m)
{
    if (!side_ok(dir))
        return;
    bm_tls_conn *c = full(conn);
    if (!c || c->dir[dir].state == BM_FS_OFF || !ready(c))
        return;
    bm_tls_frame_gap(c, dir, stream_off, len, m);
}

static void tls_fin(void *conn, int dir, bm_stream_end how, const bm_seg_meta *m)
{
    tls_lazy *z = conn;
    if (!side_ok(dir))
        return;
    bm_tls_conn *c = z->c;
    if (!c) { /* no byte yet: only the end is kept */
        if (!z->fin[dir] && m)
            z->fin_frame[dir] = m->frame;
        z->fin[dir] = true;
        z->how[dir] = how;
        return;
    }
    /* The first end of this side: what was under way at that moment is
     * the evidence of an abort (bm_diagnose_status). Side-indexed until
     * bm_tls_finish remaps it to roles. */
    if (!c->dir[dir].fin && c->conn) {
        bm_conn_close *e = &c->conn->close[dir];
        const bm_tls_dir *o = &c->dir[!dir];
        e->ended = true;
        e->rst = how == BM_END_RST;
        e->frame = m ? m->frame : 0;
        e->peer_in_record = o->state == BM_FS_BODY || (o->state == BM_FS_HDR && o->hdr_have > 0);
        e->hs_done = c->dir[0].post_prot > 0 && c->dir[1].post_prot > 0;
        e->client_hello_seen = c->conn->hs.client_hello_seen;
        e->peer_last_hs = (int16_t)o->last_hs_type;
        e->peer_records = c->conn->rec[!dir].count;
        e->has_peer_last = o->has_last;
        if (o->has_last)
            e->peer_last = o->last;
        e->peer_spoke_last = o->has_last && (!c->dir[dir].has_last || o->last.frame > c->dir[dir].last.frame);
    }
    if (!c->dir[dir].fin && m)
        c->dir[dir].fin_frame = m->frame;
    c->dir[dir].fin = true;
    c->dir[dir].how = how;
}

static void note_not_tls(bm_tls_conn *c)
{
    uint16_t port = 0;
    if (bm_tls_wellknown_port(c->tuple.port[BM_SIDE_B]))
        port = c->tuple.port[BM_SIDE_B];
    else if (bm_tls_wellknown_port(c->tuple.port[BM_SIDE_A]))
        port = c->tuple.port[BM_SIDE_A];
    if (!port || c->n_first == 0 || !c->t->diag)
        return;
    char hex[16] = "";
    size_t o = 0;
    for (unsigned i = 0; i < c->n_first; i++)
        o += (size_t)snprintf(hex + o, sizeof hex - o, "%s%02x", i ? " " : "", c->first_bytes[i]);
    bm_diag_notice(c->t->diag, c->first_frame, "TCP port %u carries no TLS (first bytes %s)", port, hex);
}

static void tls_close(void *conn, const bm_tcp_summary *s)
{
    tls_lazy *z = conn;
    bm_tls_conn *c = z->c;
    free(z);
    if (!c)
        return; /* no byte: not TLS, nothing to say */
    bm_tls *t = c->t;
    if (c->conn) {
        bm_tls_frame_end(c, BM_SIDE_A);
        bm_tls_frame_end(c, BM_SIDE_B);
    }
    bool is_tls = c->conn && (c->dir[0].started || c->dir[1].started);
    if (is_tls) {
        bm_tls_finish(c, s);
        c->conn->id = ++t->next_id;
        c->conn->capture = c->capture;
    } else {
        note_not_tls(c);
    }
    if (t->has_hook && t->hook.conn_close)
        t->hook.conn_close(c->hook_conn, is_tls ? c->conn : NULL);
    if (is_tls && t->out.conn)
        t->out.conn(t->out.ud, c->conn, c->hook_conn);
    if (t->has_hook && t->hook.conn_free)
        t->hook.conn_free(c->hook_conn);
    for (int i = 0; i < 2; i++) {
        free(c->dir[i].buf);
        free(c->dir[i].hs);
    }
    free(c->reneg);
    free(c->conn);
    free(c);
}

bm_tls *bm_tls_new(const bm_conn_sink *out, bm_diag *diag)
{
    bm_tls *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (out)
        t->out = *out;
    t->diag = diag;
    t->sink.ud = t;
    t->sink.open = tls_open;
    t->sink.data = tls_data;
    t->sink.gap = tls_gap;
    t->sink.fin = tls_fin;
    t->sink.tick = NULL;
    t->sink.close = tls_close;
    t->sink.open_bytes = sizeof(tls_lazy);
    t->sink.content_bytes = sizeof(bm_tls_conn) + sizeof(bm_conn);
    return t;
}

const bm_stream_sink *bm_tls_stream_sink(bm_tls *t) { return &t->sink; }

void bm_tls_set_capture(bm_tls *t, const char *file) { t->capture = file; }

void bm_tls_set_hook(bm_tls *t, const bm_tls_hook *h)
{
    t->has_hook = h != NULL;
    if (h)
        t->hook = *h;
    t->sink.content_bytes = sizeof(bm_tls_conn) + sizeof(bm_conn) + (h ? h->conn_bytes : 0);
}

void bm_tls_free(bm_tls *t)
{
    if (t)
        bm_x509_cache_free(t->x509);
    free(t);
}
