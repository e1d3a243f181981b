/*
 * scan.c - pass 1: fingerprint every connection of a capture.
 *
 * The sink wraps the TLS stage (one per capture), which parses the
 * ClientHello (random, SNI), the ServerHello and the certificates sent in
 * the clear; what it hands out when the connection closes is copied into
 * the fingerprint. Alongside, the first BM_CMP_HASH_BYTES payload bytes of
 * each direction are hashed (for connections that are not TLS) and the
 * time of each direction's first byte is kept (for the clock offset).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"

typedef struct scan_conn {
    bm_cmp *c;
    int cap;
    void *tconn;        /* the TLS stage's state */
    bool hash_off[2];   /* hashing of that TCP side stopped (a gap) */
    bm_cmp_fp fp;       /* per TCP side until close, then per role */
} scan_conn;

void bm_cmp_opts_default(bm_cmp_opts *o)
{
    memset(o, 0, sizeof *o);
    o->window = (size_t)8 << 20;
    o->window_total = (size_t)512 << 20;
    o->client_side = -1;
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static bool same_endpoint(const bm_endpoint *e, const bm_ip_addr *a, uint16_t port)
{
    size_t n = a->family == 6 ? 16 : 4;
    return e->family == a->family && e->port == port && memcmp(e->ip, a->ip, n) == 0;
}

static void on_tls_conn(void *ud, bm_conn *k, void *hook_conn)
{
    (void)hook_conn;
    bm_cmp *c = ud;
    bm_cmp_fp *f = c->cur;
    if (!f)
        return;
    f->tls = true;
    const bm_handshake *h = &k->hs;
    f->hello = h->client_hello_seen;
    f->server_hello = h->server_hello_seen;
    memcpy(f->client_random, h->client_random, 32);
    memcpy(f->server_random, h->server_random, 32);
    f->version = h->version;
    if (h->sni_present)
        snprintf(f->sni, sizeof f->sni, "%s", h->sni);
    f->n_certs = h->n_certs;
    if (h->n_certs > 0)
        f->leaf = h->certs[0];
    if (same_endpoint(&k->client, &f->tuple.addr[BM_SIDE_A], f->tuple.port[BM_SIDE_A]))
        f->client_dir = BM_SIDE_A;
    else if (same_endpoint(&k->client, &f->tuple.addr[BM_SIDE_B], f->tuple.port[BM_SIDE_B]))
        f->client_dir = BM_SIDE_B;
}

static void *scan_open(void *ud, const bm_tuple *t, const bm_seg_meta *m)
{
    bm_cmp_sinkud *su = ud;
    bm_cmp *c = su->c;
    uint64_t idx = c->next_scan[su->cap]++;
    scan_conn *s = calloc(1, sizeof *s);
    if (!s)
        return NULL; /* the index was taken: pass 2 will skip it too (no fingerprint) */
    const bm_stream_sink *ts = bm_tls_stream_sink(c->tls[su->cap]);
    s->tconn = ts->open(ts->ud, t, m);
    if (!s->tconn) {
        free(s);
        return NULL;
    }
    s->c = c;
    s->cap = su->cap;
    s->fp.index = idx;
    s->fp.tuple = *t;
    s->fp.client_dir = BM_SIDE_A;
    s->fp.first_frame = s->fp.last_frame = m->frame;
    s->fp.first_ts = s->fp.last_ts = m->ts_ns;
    s->fp.pair = -1;
    for (int i = 0; i < 2; i++)
        s->fp.hash[i] = 0xcbf29ce484222325ull;
    return s;
}

static void touch(scan_conn *s, const bm_seg_meta *m)
{
    if (m->frame > s->fp.last_frame)
        s->fp.last_frame = m->frame;
    if (m->ts_ns > s->fp.last_ts)
        s->fp.last_ts = m->ts_ns;
}

static void scan_data(void *conn, int dir, uint64_t off, const uint8_t *p, size_t n, const bm_seg_meta *m)
{
    scan_conn *s = conn;
    const bm_stream_sink *ts = bm_tls_stream_sink(s->c->tls[s->cap]);
    ts->data(s->tconn, dir, off, p, n, m);
    if (dir != BM_SIDE_A && dir != BM_SIDE_B)
        return;
    bm_cmp_fp *f = &s->fp;
    touch(s, m);
    if (!f->data_ts[dir]) {
        f->data_ts[dir] = m->ts_ns ? m->ts_ns : 1;
        f->data_frame[dir] = m->frame;
    }
    f->bytes[dir] += n;
    if (!s->hash_off[dir] && off == f->hashed[dir] && f->hashed[dir] < BM_CMP_HASH_BYTES) {
        size_t k = BM_CMP_HASH_BYTES - f->hashed[dir];
        if (k > n)
            k = n;
        f->hash[dir] = fnv1a(f->hash[dir], p, k);
        f->hashed[dir] += (uint32_t)k;
    }
}

static void scan_gap(void *conn, int dir, uint64_t off, uint64_t len, const bm_seg_meta *m)
{
    scan_conn *s = conn;
    const bm_stream_sink *ts = bm_tls_stream_sink(s->c->tls[s->cap]);
    ts->gap(s->tconn, dir, off, len, m);
    if (dir == BM_SIDE_A || dir == BM_SIDE_B)
        s->hash_off[dir] = true;
    touch(s, m);
}

static void scan_fin(void *conn, int dir, bm_stream_end how, const bm_seg_meta *m)
{
    scan_conn *s = conn;
    const bm_stream_sink *ts = bm_tls_stream_sink(s->c->tls[s->cap]);
    ts->fin(s->tconn, dir, how, m);
    touch(s, m);
}

static void swap_u64(uint64_t *v)
{
    uint64_t t = v[0];
    v[0] = v[1];
    v[1] = t;
}

/* Stores 'f' at its index, growing the array; false when over the cap. */
static bool store(bm_cmp *c, int cap, const bm_cmp_fp *f)
{
    if (f->index >= BM_CMP_MAX_CONNS)
        return false;
    if (f->index >= c->capfps[cap]) {
        size_t n = c->capfps[cap] ? c->capfps[cap] : 64;
        while (n <= f->index)
            n *= 2;
        bm_cmp_fp *nf = realloc(c->fps[cap], n * sizeof *nf);
        if (!nf)
            return false;
        memset(nf + c->capfps[cap], 0, (n - c->capfps[cap]) * sizeof *nf);
        c->fps[cap] = nf;
        c->capfps[cap] = n;
    }
    c->fps[cap][f->index] = *f;
    c->fps[cap][f->index].used = true;
    if (f->index + 1 > c->nfps[cap])
        c->nfps[cap] = f->index + 1;
    return true;
}

static void scan_close(void *conn, const bm_tcp_summary *sum)
{
    scan_conn *s = conn;
    bm_cmp *c = s->c;
    const bm_stream_sink *ts = bm_tls_stream_sink(c->tls[s->cap]);
    c->cur = &s->fp;
    ts->close(s->tconn, sum);
    c->cur = NULL;
    bm_cmp_fp *f = &s->fp;
    if (sum->last_frame > f->last_frame)
        f->last_frame = sum->last_frame;
    if (sum->last_ts_ns > f->last_ts)
        f->last_ts = sum->last_ts_ns;
    if (f->client_dir == BM_SIDE_B) { /* per TCP side -> per role */
        swap_u64(f->data_ts);
        swap_u64(f->data_frame);
        swap_u64(f->bytes);
        swap_u64(f->hash);
        uint32_t t = f->hashed[0];
        f->hashed[0] = f->hashed[1];
        f->hashed[1] = t;
    }
    c->tot.conns[s->cap]++;
    if (!store(c, s->cap, f))
        c->untracked[s->cap]++;
    free(s);
}

void bm_cmp_scan_init(bm_cmp *c, int cap)
{
    bm_stream_sink *k = &c->scan[cap];
    k->ud = &c->sud[cap];
    k->open = scan_open;
    k->data = scan_data;
    k->gap = scan_gap;
    k->fin = scan_fin;
    k->tick = NULL;
    k->close = scan_close;
}

bm_cmp *bm_cmp_new(const bm_cmp_opts *o)
{
    bm_cmp *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->o = *o;
    if (!c->o.window)
        c->o.window = (size_t)8 << 20;
    if (!c->o.window_total)
        c->o.window_total = (size_t)512 << 20;
    bm_conn_sink cs = {.ud = c, .conn = on_tls_conn};
    for (int i = 0; i < 2; i++) {
        c->sud[i].c = c;
        c->sud[i].cap = i;
        c->tls[i] = bm_tls_new(&cs, NULL);
        if (!c->tls[i]) {
            bm_cmp_free(c);
            return NULL;
        }
        bm_cmp_scan_init(c, i);
        bm_cmp_diff_init(c, i);
    }
    return c;
}

void bm_cmp_free(bm_cmp *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->npairs; i++) {
        bm_cmp_live *lv = c->pairs[i].live;
        if (!lv)
            continue;
        for (int d = 0; d < 2; d++)
            bm_cmp_win_free(c, &lv->w[d]);
        free(lv);
    }
    free(c->pairs);
    for (int i = 0; i < 2; i++) {
        if (c->tls[i])
            bm_tls_free(c->tls[i]);
        free(c->fps[i]);
    }
    free(c);
}

void bm_cmp_set_capture(bm_cmp *c, int cap, const char *name)
{
    c->capture[cap] = name;
    bm_tls_set_capture(c->tls[cap], name);
}

const bm_stream_sink *bm_cmp_scan_sink(bm_cmp *c, int cap) { return &c->scan[cap & 1]; }
const bm_stream_sink *bm_cmp_diff_sink(bm_cmp *c, int cap) { return &c->diff[cap & 1]; }

const bm_cmp_fp *bm_cmp_fps(const bm_cmp *c, int cap, size_t *n)
{
    *n = c->nfps[cap & 1];
    return c->fps[cap & 1];
}

void bm_cmp_set_csum(bm_cmp *c, int cap, bm_cmp_csum_fn fn, void *ud)
{
    c->csum[cap & 1] = fn;
    c->csum_ud[cap & 1] = ud;
}

double bm_cmp_clock_offset(const bm_cmp *c) { return c->offset; }
