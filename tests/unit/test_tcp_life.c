/* TCP connection life cycle: reuse, RST, eviction, refusal, odd openings,
 * garbage headers. */
#include "test_capture_pkt.h"
#include "capture/tcp_int.h"

static void test_reuse(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK | F_FIN, "bye");
    h_seg(h, &p.s, SI + 1, CI + 5, F_ACK | F_FIN, NULL);
    h_seg(h, &p.c, CI + 5, SI + 2, F_ACK, NULL);
    h_seg(h, &p.c, CI, 0, F_SYN, NULL); /* the old SYN again: ignored */
    is_int(h->r->n, 1, "a retransmitted old SYN opens nothing");
    h_seg(h, &p.c, 90000, 0, F_SYN, NULL);
    h_seg(h, &p.s, 70000, 90001, F_SYN | F_ACK, NULL);
    h_seg(h, &p.c, 90001, 70001, F_ACK, "new");
    is_int(h->r->n, 2, "a SYN with a new ISN opens a new connection");
    is_int(h->r->c[0].closes, 1, "old connection closed once");
    is_mem(h->r->c[1].data[0], "new", 3, "new connection's stream from offset 0");
    /* Reuse while the old one only half-closed. */
    h_seg(h, &p.c, 90004, 70001, F_ACK | F_FIN, NULL);
    h_seg(h, &p.c, 123456, 0, F_SYN, NULL);
    is_int(h->r->n, 3, "SYN after a FIN opens a new connection");
    is_int(h->r->c[1].closes, 1, "half-closed connection closed first");
    is_int(h->r->c[1].sum.end, BM_END_FIN, "its end is the FIN");
    bm_tcp_flush(h->t);
    is_int(h->r->c[2].closes, 1, "flush closes the third");
    h_free(h);
}

static void test_rst(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "1111");
    h_seg(h, &p.c, CI + 9, SI + 1, F_ACK, "3333");         /* hole at 4..8 */
    h_seg(h, &p.s, SI + 1, CI + 5, F_RST | F_ACK, NULL);    /* server resets */
    rec_conn *c = &h->r->c[0];
    const rec_event *f = rec_find(c, 'F', 0);
    ok(f && f->how == BM_END_RST && f->dir == BM_SIDE_B, "fin event with BM_END_RST");
    is_int(c->closes, 0, "still open for what the client had in flight");
    h_seg(h, &p.c, CI + 13, SI + 1, F_ACK, "late");         /* in flight when the server reset */
    h_seg(h, &p.s, SI + 1, CI + 5, F_ACK, "ignored");        /* the reset side sends nothing more */
    is_int(h->r->n, 1, "packets after the RST open nothing new");
    bm_tcp_flush(h->t);
    is_int(c->closes, 1, "closed once at the end");
    is_int(c->sum.end, BM_END_RST, "end RST");
    is_int(c->sum.end_by, BM_SIDE_B, "reset by side B");
    is_mem(c->data[0], "1111????3333late", 16, "the client's data in flight after the RST delivered, the hole a gap");
    is_int(c->next[1], 0, "nothing of the reset side after its RST");
    h_free(h);

    /* The other side resets too: the connection is over at once. */
    h = h_new();
    p = hs(h, CI, SI);
    h_seg(h, &p.s, SI + 1, CI + 1, F_RST | F_ACK, NULL);
    h_seg(h, &p.c, CI + 1, SI + 1, F_RST, NULL);
    is_int(h->r->c[0].closes, 1, "both sides reset: closed");
    h_free(h);
}

/* A FIN the capture missed but the peer acknowledged takes one sequence
 * number: it is not a byte of data "not captured". Two missing numbers are
 * a real gap. */
/* The first SYN draws a stray ACK, the client resets, then sends the same
 * SYN again and the connection goes on: it is one connection, analysed. */
static void test_syn_again_after_rst(void)
{
    harness *h = h_new();
    pk_spec cl = pk_v4(0x0a000001, 40000, 0x0a000002, 443), sv = pk_rev(&cl);
    h_seg(h, &cl, CI, 0, F_SYN, NULL);
    h_seg(h, &sv, 777777, CI + 999, F_ACK, NULL); /* stray ACK of an old connection */
    h_seg(h, &cl, CI + 999, 0, F_RST, NULL);
    h_seg(h, &cl, CI, 0, F_SYN, NULL);            /* the same SYN again */
    h_seg(h, &sv, SI, CI + 1, F_SYN | F_ACK, NULL);
    h_seg(h, &cl, CI + 1, SI + 1, F_ACK, "hello");
    h_seg(h, &sv, SI + 1, CI + 6, F_ACK, "world");
    bm_tcp_flush(h->t);
    int found = -1;
    for (int i = 0; i < h->r->n; i++)
        if (h->r->c[i].next[0] == 5 && h->r->c[i].next[1] == 5)
            found = i;
    ok(found >= 0 && !memcmp(h->r->c[found].data[0], "hello", 5) && !memcmp(h->r->c[found].data[1], "world", 5),
       "the SYN sent again after a reset opens the connection that carries the data");
    h_free(h);
}

/* Four SYN-ACKs of different ISNs; the client acknowledges the third: the
 * server's stream counts from that one (was: from the first, and its data
 * landed megabytes away, 0 records). */
static void test_synacks(void)
{
    harness *h = h_new();
    pk_spec cl = pk_v4(0x0a000001, 40000, 0x0a000002, 443), sv = pk_rev(&cl);
    h_seg(h, &cl, CI, 0, F_SYN, NULL);
    h_seg(h, &sv, 100000, CI + 1, F_SYN | F_ACK, NULL);
    h_seg(h, &sv, 5000000, CI + 1, F_SYN | F_ACK, NULL);
    h_seg(h, &sv, 90000000, CI + 1, F_SYN | F_ACK, NULL);
    h_seg(h, &sv, 300000000, CI + 1, F_SYN | F_ACK, NULL);
    h_seg(h, &cl, CI + 1, 90000001, F_ACK, "req");
    h_seg(h, &sv, 90000001, CI + 4, F_ACK, "reply");
    bm_tcp_flush(h->t);
    rec_conn *c = &h->r->c[0];
    ok(h->r->n == 1 && c->next[1] == 5 && !memcmp(c->data[1], "reply", 5) && rec_count(c, 'G') == 0,
       "the SYN-ACK the client acknowledged gives the server's stream its start");
    h_free(h);
}

static void test_fin_not_captured(void)
{
    for (int extra = 1; extra <= 2; extra++) {
        harness *h = h_new();
        pair p = hs(h, CI, SI);
        h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "abc");
        h_seg(h, &p.s, SI + 1, CI + 4 + (uint32_t)extra, F_ACK, NULL); /* acknowledges past the data */
        bm_tcp_flush(h->t);
        rec_conn *c = &h->r->c[0];
        if (extra == 1)
            ok(rec_count(c, 'G') == 0 && c->sum.dir[0].gap_bytes == 0 && c->next[0] == 3,
               "the peer acknowledged the data and an uncaptured FIN: no byte declared missing");
        else
            ok(rec_count(c, 'G') == 1 && c->sum.dir[0].gap_bytes == 2,
               "acknowledged two numbers past the data: a gap of two bytes");
        h_free(h);
    }
}

static void test_tfo_synack_first(void)
{
    harness *h = h_new();
    pk_spec cl = pk_v4(0x0a000001, 40000, 0x0a000002, 443), sv = pk_rev(&cl);
    h_seg(h, &cl, 10, 0, F_SYN, "tfo");
    h_seg(h, &sv, 20, 14, F_SYN | F_ACK, NULL);
    h_seg(h, &cl, 14, 21, F_ACK, "more");
    rec_conn *c = &h->r->c[0];
    is_mem(c->data[0], "tfomore", 7, "SYN payload is stream data at offset 0");
    h_free(h);

    h = h_new();
    h_seg(h, &sv, 20, 11, F_SYN | F_ACK, NULL);  /* the SYN was not captured */
    h_seg(h, &cl, 11, 21, F_ACK, "hi");
    c = &h->r->c[0];
    is_int(c->tuple.port[0], 40000, "SYN-ACK first: side A is its destination");
    is_mem(c->data[0], "hi", 2, "client data on side A");
    bm_tcp_flush(h->t);
    ok(c->sum.syn_seen, "opener known");
    h_free(h);
}

static void test_lru_refuse(void)
{
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    o.max_conns = 2;
    harness *h = h_new_opts(&o);
    for (int i = 0; i < 3; i++) {
        pk_spec s = pk_v4(0x0a000001, (uint16_t)(50000 + i), 0x0a000002, 443);
        h_seg(h, &s, 1, 0, F_SYN, NULL);
        h_seg(h, &s, 2, 0, F_ACK, "x");
    }
    is_int(h->r->n, 3, "three connections");
    is_int(h->r->c[0].closes, 1, "least recently used evicted");
    is_int(h->r->c[1].closes, 0, "others stay");
    is_int(h->r->c[0].sum.end, BM_END_OPEN, "evicted while open");
    bm_tcp_flush(h->t);
    ok(h->r->c[1].closes == 1 && h->r->c[2].closes == 1, "flush closes the rest");
    h_free(h);

    h = h_new();
    h->r->refuse = true;
    pk_spec s = pk_v4(0x0a000001, 50000, 0x0a000002, 443);
    h_seg(h, &s, 1, 0, F_SYN, NULL);
    h_seg(h, &s, 2, 0, F_ACK, "x");
    h_seg(h, &s, 3, 0, F_ACK | F_FIN, NULL);
    is_int(h->r->opens, 1, "a refused connection is asked once");
    h_seg(h, &s, 777, 0, F_SYN, NULL); /* new ISN after a FIN: asked again */
    is_int(h->r->opens, 2, "reuse of a refused tuple asks again");
    h_free(h);
}

/* Closed connections stay as tombstones only for a while (late ACKs and
 * FINs), so memory follows the connections open at once: a capture of many
 * short connections in a row keeps a bounded table. No count limit by
 * default: only the state bytes evict. */
static void test_tombstones(void)
{
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    is_int(o.max_conns, 0, "no connection count limit by default (state bytes decide)");
    harness *h = h_new();
    for (int i = 0; i < 3; i++) {
        pk_spec s = pk_v4(0x0a000001, (uint16_t)(50000 + i), 0x0a000002, 443);
        pk_spec r = pk_v4(0x0a000002, 443, 0x0a000001, (uint16_t)(50000 + i));
        h_seg(h, &s, 1, 0, F_SYN, NULL);
        h_seg(h, &s, 2, 0, F_ACK | F_FIN, "x");
        h_seg(h, &r, 1, 4, F_ACK | F_FIN, NULL);
    }
    is_int(h->t->lists[BM_LIST_TOMB].n, 3, "three closed connections are tombstones");
    is_int(h->t->nconns, 3, "still in the table");
    pk_spec late = pk_v4(0x0a000001, 50000, 0x0a000002, 443);
    h_seg(h, &late, 4, 2, F_ACK, NULL); /* a late ACK: its tombstone absorbs it */
    is_int(h->r->n, 3, "a late ACK opens no new connection");
    h->ts += 121ull * 1000000000ull; /* past the tombstones' time */
    pk_spec s = pk_v4(0x0a000001, 60000, 0x0a000002, 443);
    h_seg(h, &s, 1, 0, F_SYN, NULL);
    is_int(h->t->lists[BM_LIST_TOMB].n, 0, "tombstones leave 2 MSL after their last packet");
    is_int(h->t->nconns, 1, "the open connection stays");
    is_int(h->t->evicted, 0, "leaving tombstones is not an eviction");
    h_free(h);

    o.max_conns = 2; /* a count limit, when asked: tombstones go before open connections */
    h = h_new_opts(&o);
    pk_spec a = pk_v4(0x0a000001, 50000, 0x0a000002, 443), ar = pk_v4(0x0a000002, 443, 0x0a000001, 50000);
    pk_spec b = pk_v4(0x0a000001, 50001, 0x0a000002, 443), c = pk_v4(0x0a000001, 50002, 0x0a000002, 443);
    h_seg(h, &b, 1, 0, F_SYN, NULL);
    h_seg(h, &a, 1, 0, F_SYN, NULL);
    h_seg(h, &a, 2, 0, F_ACK | F_FIN, "x");
    h_seg(h, &ar, 1, 4, F_ACK | F_FIN, NULL);
    h_seg(h, &c, 1, 0, F_SYN, NULL);
    is_int(h->t->evicted, 0, "the tombstone made room, though the open one was older");
    is_int(h->r->c[0].closes, 0, "the older open connection stays open");
    h_free(h);
}

static void test_bad_headers(void)
{
    harness *h = h_new();
    pk_spec s = pk_v4(0x0a000001, 50000, 0x0a000002, 443);
    s.doff = 2;
    s.flags = F_ACK;
    h_send(h, &s);
    ok(strstr(h->r->diag, "frame 1: TCP header length 8 impossible") != NULL, "data offset below 5");
    s.doff = 15; /* 60-byte header in a 20-byte segment */
    h_send(h, &s);
    ok(strstr(h->r->diag, "frame 2: TCP header length 60") != NULL, "header longer than the segment");
    s.doff = 0;
    uint8_t l3[100];
    size_t n = pk_ip(l3, &s);
    l3[3] = 30; /* IP total length: only 10 bytes of TCP */
    size_t fl = pk_eth(h->buf, 0x0800, l3, 30);
    h_frame(h, DLT_EN10MB, h->buf, fl, fl);
    (void)n;
    ok(strstr(h->r->diag, "frame 3: TCP header truncated (10 of 20 bytes)") != NULL, "truncated TCP header");
    is_int(h->r->n, 0, "no connection from garbage");
    /* A stray RST opens nothing. */
    h_seg(h, &s, 1, 0, F_RST, NULL);
    is_int(h->r->opens, 0, "stray RST ignored");
    h_free(h);
}

int main(void)
{
    test_reuse();
    test_rst();
    test_fin_not_captured();
    test_synacks();
    test_syn_again_after_rst();
    test_tfo_synack_first();
    test_lru_refuse();
    test_tombstones();
    test_bad_headers();
    return tap_done();
}
