/* TCP reassembly: ordering, retransmissions, conflicts, gaps, caps, snaplen, checksums. */
#include "test_capture_pkt.h"
#include "capture/tcp_int.h"

static void test_in_order(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "hello");        /* 4 */
    h_seg(h, &p.s, SI + 1, CI + 6, F_ACK, "world!");       /* 5 */
    h_seg(h, &p.c, CI + 6, SI + 7, F_ACK | F_FIN, NULL);   /* 6 */
    h_seg(h, &p.s, SI + 7, CI + 7, F_ACK | F_FIN, NULL);   /* 7 */
    h_seg(h, &p.c, CI + 7, SI + 8, F_ACK, NULL);           /* 8: late ACK */
    rec_conn *c = &h->r->c[0];
    is_int(h->r->n, 1, "in order: one connection");
    is_int(c->closes, 1, "closed when both FINs were delivered");
    is_mem(c->data[0], "hello", 5, "client stream");
    is_mem(c->data[1], "world!", 6, "server stream");
    ok(c->contiguous, "offsets contiguous from 0");
    ok(c->sum.syn_seen, "syn seen");
    is_int(c->sum.end, BM_END_FIN, "ended by FIN");
    is_int(c->sum.end_by, BM_SIDE_A, "client sent the first FIN");
    is_int(c->sum.first_frame, 1, "first frame");
    is_int(c->sum.last_frame, 7, "last frame");
    is_int(rec_count(c, 'F'), 2, "two FIN events");
    const rec_event *d = rec_find(c, 'D', 0);
    ok(d && d->frame == 4 && d->off == 0 && d->len == 5, "data event carries its frame");
    ok(c->tuple.port[0] == 40000 && c->tuple.port[1] == 443, "side A is the SYN sender");
    is_int(c->sum.dir[0].bytes, 5, "bytes counted");
    is_int(c->sum.dir[0].segments, 1, "segments with payload");
    ok(rec_count(c, 'T') >= 3, "ticks for packets without payload");
    bm_tcp_flush(h->t);
    is_int(c->closes, 1, "flush does not close twice");
    h_free(h);
}

static void test_out_of_order(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    h_seg(h, &p.c, CI + 5, SI + 1, F_ACK, "BBBB"); /* 4: ahead of a hole */
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "AAAA"); /* 5: fills it */
    rec_conn *c = &h->r->c[0];
    is_mem(c->data[0], "AAAABBBB", 8, "reordered");
    const rec_event *a = rec_find(c, 'D', 0), *b = rec_find(c, 'D', 1);
    ok(a && a->frame == 5 && a->off == 0, "first piece with its own frame");
    ok(b && b->frame == 4 && b->off == 4, "queued piece keeps its frame");
    bm_tcp_flush(h->t);
    is_int(c->sum.dir[0].out_of_order, 1, "out_of_order counted");
    is_int(c->sum.dir[0].gaps, 0, "no gap");
    h_free(h);
}

static void test_retrans(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "hello");  /* 4 */
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "hello");  /* 5: identical */
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "hXllo");  /* 6: differs */
    h_seg(h, &p.c, CI + 5, SI + 1, F_ACK, "Z");      /* 7: keep-alive with a garbage byte */
    rec_conn *c = &h->r->c[0];
    bm_tcp_flush(h->t);
    const bm_tcp_dir_stats *ds = &c->sum.dir[0];
    is_int(ds->retransmissions, 2, "two retransmissions");
    is_int(ds->conflicting_retransmissions, 1, "one conflicting");
    is_int(ds->n_conflicts, 1, "conflict kept");
    const bm_tcp_conflict *k = &ds->conflicts[0];
    is_int(k->stream_off, 1, "offset of the first differing byte");
    is_int(k->differing, 1, "one byte differs");
    is_int(k->length, 5, "five bytes compared");
    is_int(k->first_frame, 4, "first copy's frame");
    is_int(k->second_frame, 6, "retransmission's frame");
    is_int(k->saved, 4, "bytes saved from the first difference");
    ok(k->first[0] == 'e' && k->second[0] == 'X', "both copies kept");
    is_mem(c->data[0], "hello", 5, "the first copy is the stream");
    is_int(c->sum.dir[0].bytes, 5, "retransmissions are not delivered again");
    h_free(h);
}

static void test_overlap(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "abcdefghij");
    h_seg(h, &p.c, CI + 6, SI + 1, F_ACK, "fghijKLMNO"); /* half old, half new */
    h_seg(h, &p.c, CI + 12, SI + 1, F_ACK, "LMzO");      /* 8: all old, one byte differs */
    rec_conn *c = &h->r->c[0];
    is_mem(c->data[0], "abcdefghijKLMNO", 15, "overlap trimmed");
    ok(c->contiguous, "no double delivery");
    bm_tcp_flush(h->t);
    is_int(c->sum.dir[0].retransmissions, 2, "overlaps count as retransmissions");
    is_int(c->sum.dir[0].conflicting_retransmissions, 1, "conflict in the old part");
    is_int(c->sum.dir[0].conflicts[0].stream_off, 13, "conflict offset");
    is_int(c->sum.dir[0].conflicts[0].first_frame, 5, "first copy came in frame 5");
    h_free(h);
}

static void test_wrap(void)
{
    harness *h = h_new();
    uint32_t ci = 0xfffffff0u;
    pair p = hs(h, ci, SI);
    const char *a = "0123456789abcdef", *b = "ghijklmnopqrstuv", *cc = "wxyzWXYZ!@#$%^&*";
    h_seg(h, &p.c, ci + 1, SI + 1, F_ACK, a);       /* crosses 2^32 */
    h_seg(h, &p.c, ci + 33, SI + 1, F_ACK, cc);     /* ahead, after the wrap */
    h_seg(h, &p.c, ci + 17, SI + 1, F_ACK, b);      /* fills */
    rec_conn *c = &h->r->c[0];
    ok(memcmp(c->data[0], a, 16) == 0 && memcmp(c->data[0] + 16, b, 16) == 0 &&
           memcmp(c->data[0] + 32, cc, 16) == 0, "stream across the 2^32 wrap");
    is_int(c->next[0], 48, "48 bytes at offsets 0..47");
    ok(c->contiguous, "contiguous across the wrap");
    h_seg(h, &p.s, SI + 1, ci + 49, F_ACK, NULL);   /* ACK number past the wrap: no gap */
    bm_tcp_flush(h->t);
    is_int(c->sum.dir[0].gaps, 0, "no gap from the wrapped ACK");
    h_free(h);
}

static void test_midstream(void)
{
    harness *h = h_new();
    pk_spec cl = pk_v4(0x0a000001, 40000, 0x0a000002, 443), sv = pk_rev(&cl);
    h_seg(h, &sv, 7777, 100, F_ACK, "SRV");      /* first packet: from the server */
    h_seg(h, &cl, 100, 7780, F_ACK, "CLI");
    h_seg(h, &sv, 7773, 103, F_ACK, "xxxx");     /* wholly before the first byte seen */
    h_seg(h, &sv, 7775, 103, F_ACK, "xxSRV");    /* straddles it; the old part differs */
    rec_conn *c = &h->r->c[0];
    bm_tcp_flush(h->t);
    ok(!c->sum.syn_seen, "mid-stream: no SYN");
    is_int(c->tuple.port[0], 443, "side A is the first packet's source");
    is_mem(c->data[0], "SRV", 3, "side A stream");
    is_mem(c->data[1], "CLI", 3, "side B stream");
    is_int(c->sum.dir[0].retransmissions, 2, "segments before the start are retransmissions");
    is_int(c->sum.dir[0].bytes, 3, "nothing delivered twice");
    h_free(h);
}

static void test_ack_gap(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "1111");
    h_seg(h, &p.c, CI + 9, SI + 1, F_ACK, "3333");  /* 5: 4..8 never captured */
    rec_conn *c = &h->r->c[0];
    is_int(rec_count(c, 'G'), 0, "no gap before the ACK");
    h_seg(h, &p.s, SI + 1, CI + 13, F_ACK, "resp");  /* 6: server got all 12 bytes */
    const rec_event *g = rec_find(c, 'G', 0);
    ok(g && g->off == 4 && g->len == 4 && g->frame == 6, "gap declared by the peer's ACK");
    is_mem(c->data[0], "1111????3333", 12, "buffered data delivered after the gap");
    const rec_event *d = rec_find(c, 'D', 1);
    ok(d && d->frame == 5, "buffered data keeps its frame");
    int gi = -1, ri = -1;
    for (int i = 0; i < c->nev; i++) {
        if (c->ev[i].kind == 'D' && c->ev[i].dir == 0 && c->ev[i].off == 8)
            gi = i;
        if (c->ev[i].kind == 'D' && c->ev[i].dir == 1)
            ri = i;
    }
    ok(gi >= 0 && ri > gi, "client bytes reach the sink before the server's reply");

    /* ACK beyond everything captured: acted on when later data shows the hole. */
    h_seg(h, &p.s, SI + 5, CI + 21, F_ACK, NULL);
    is_int(rec_count(c, 'G'), 1, "an ACK past all data waits");
    h_seg(h, &p.c, CI + 21, SI + 5, F_ACK, "5555");
    const rec_event *g2 = rec_find(c, 'G', 1);
    ok(g2 && g2->off == 12 && g2->len == 8, "gap up to the ACK once later data arrives");
    is_mem(c->data[0] + 20, "5555", 4, "then the data");
    h_seg(h, &p.s, SI + 5, CI + 40, F_ACK, NULL); /* tail lost: settled at close */
    bm_tcp_flush(h->t);
    const rec_event *g3 = rec_find(c, 'G', 2);
    ok(g3 && g3->off == 24 && g3->len == 15, "acknowledged tail declared at close");
    is_int(c->sum.dir[0].gaps, 3, "three gaps");
    is_int(c->sum.dir[0].acked, 39, "summary: the server acknowledged the client's stream up to offset 39");
    is_int(c->sum.dir[1].acked, 4, "summary: the client acknowledged the server's 4 bytes");
    is_int(c->sum.dir[0].gap_bytes, 4 + 8 + 15, "gap bytes");
    h_free(h);
}

/* The cap on connection state: connections of no byte cost only their
 * table entry and the sink's open_bytes; once they carry content the
 * sink's content_bytes are charged, and past the cap the least recently
 * active connections are closed early (reported) and counted. */
static void test_state_cap(void)
{
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    size_t entry = sizeof(bm_tcp_conn) + 100;
    size_t with_content = entry + 20000 + BM_RING_MIN + BM_RING_SEGS * sizeof(bm_ring_seg);
    o.state_bytes_total = 4 * with_content + with_content / 2;
    harness *h = h_new_costs(&o, 100, 20000);
    pk_spec c[12];
    for (int i = 0; i < 12; i++) {
        c[i] = pk_v4(0x0a000001, (uint16_t)(41000 + i), 0x0a000002, 443);
        h_seg(h, &c[i], 1000, 0, F_SYN, NULL);
    }
    is_int(h->t->nconns, 12, "twelve SYNs: twelve connections");
    is_int(h->t->state_bytes, 12 * entry, "each charged only its entry and open_bytes");
    bm_tcp_flush(h->t);
    h_free(h);

    h = h_new_costs(&o, 100, 20000);
    for (int i = 0; i < 12; i++) {
        h_seg(h, &c[i], 1000, 0, F_SYN, NULL);
        h_seg(h, &c[i], 1001, 0, F_ACK, "hello, world");
    }
    is_int(h->r->n, 12, "twelve connections, none reopened");
    ok(h->t->evicted >= 6 && h->t->evicted <= 9, "past the cap the oldest were closed early");
    ok(h->t->state_bytes + h->t->ooo_total <= o.state_bytes_total + with_content,
       "state within the cap (plus one packet's growth)");
    int closed = 0;
    for (int i = 0; i < h->r->n; i++)
        closed += h->r->c[i].closes;
    is_int(closed, (int)h->t->evicted, "every connection closed early was handed to the sink");
    ok(h->r->c[0].closes == 1 && h->r->c[11].closes == 0, "the oldest closed, the newest still open");
    bm_tcp_flush(h->t);
    is_int(h->t->state_bytes, 0, "everything released after the flush");
    h_free(h);

    /* Connections that hold nothing yet (a SYN) are older than those with
     * content: those with content go first (they are what frees memory),
     * and the packets that come later for one closed early are counted,
     * not taken for a new connection met mid-stream. */
    h = h_new_costs(&o, 100, 20000);
    pk_spec q[6];
    for (int i = 0; i < 6; i++) {
        q[i] = pk_v4(0x0a000003, (uint16_t)(42000 + i), 0x0a000002, 443);
        h_seg(h, &q[i], 1000, 0, F_SYN, NULL);
    }
    for (int i = 0; i < 12; i++) {
        h_seg(h, &c[i], 1000, 0, F_SYN, NULL);
        h_seg(h, &c[i], 1001, 0, F_ACK, "hello, world");
    }
    int quiet_closed = 0;
    for (int i = 0; i < 6; i++)
        quiet_closed += h->r->c[i].closes;
    is_int(quiet_closed, 0, "the older connections without content stay open");
    ok(h->t->evicted >= 6 && h->r->c[6].closes == 1, "connections with content were closed early, oldest first");
    int n = h->r->n;
    h_seg(h, &c[0], 1013, 0, F_ACK, "more");
    is_int(h->r->n, n, "a later packet of a connection closed early opens no new one");
    is_int(h->t->evicted_packets, 1, "it is counted");
    bm_tcp_flush(h->t);
    h_free(h);
}

static void test_ooo_cap(void)
{
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    o.ooo_bytes_per_dir = 2 * (sizeof(bm_ooo_seg) + 100);
    harness *h = h_new_opts(&o);
    pair p = hs(h, CI, SI);
    char a[101];
    memset(a, 'a', 100);
    a[100] = 0;
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, a);
    a[0] = 'c';
    h_seg(h, &p.c, CI + 201, SI + 1, F_ACK, a);
    a[0] = 'd';
    h_seg(h, &p.c, CI + 301, SI + 1, F_ACK, a);
    rec_conn *c = &h->r->c[0];
    is_int(rec_count(c, 'G'), 0, "two segments fit under the cap");
    a[0] = 'e';
    h_seg(h, &p.c, CI + 401, SI + 1, F_ACK, a);
    const rec_event *g = rec_find(c, 'G', 0);
    ok(g && g->off == 100 && g->len == 100, "cap hit: the hole becomes a gap");
    is_int(c->next[0], 500, "everything after it delivered");
    ok(c->data[0][200] == 'c' && c->data[0][300] == 'd' && c->data[0][400] == 'e', "in order");
    bm_tcp_flush(h->t);
    is_int(c->sum.dir[0].out_of_order, 3, "three out-of-order segments");
    h_free(h);

    /* Data queued beyond a FIN that arrived later, then the cap: the queue
     * is dropped (it lies past the end of the stream), no endless loop. */
    bm_capture_opts_default(&o);
    o.ooo_bytes_per_dir = sizeof(bm_ooo_seg) + 100;
    h = h_new_opts(&o);
    p = hs(h, CI, SI);
    memset(a, 'q', 100);
    h_seg(h, &p.c, CI + 101, SI + 1, F_ACK, a);          /* queued at 100..199 */
    h_seg(h, &p.c, CI + 51, SI + 1, F_ACK | F_FIN, NULL); /* FIN at 50 */
    h_seg(h, &p.c, CI + 11, SI + 1, F_ACK, "abcdefghij"); /* needs room */
    c = &h->r->c[0];
    g = rec_find(c, 'G', 0);
    ok(g && g->off == 0 && g->len == 50, "gap stops at the FIN");
    ok(c->nev > 0 && c->ev[c->nev - 1].kind == 'F', "FIN delivered once the bytes before it are settled");
    is_int(c->next[0], 50, "nothing past the FIN");
    h_free(h);

    bm_capture_opts_default(&o);
    o.ooo_bytes_total = 10; /* nothing can be queued anywhere */
    h = h_new_opts(&o);
    p = hs(h, CI, SI);
    h_seg(h, &p.c, CI + 11, SI + 1, F_ACK, "later");
    c = &h->r->c[0];
    g = rec_find(c, 'G', 0);
    ok(g && g->off == 0 && g->len == 10, "total cap: gap at once");
    is_mem(c->data[0] + 10, "later", 5, "segment delivered after the gap");
    h_free(h);
}

static void test_snaplen(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    char big[201];
    memset(big, 'z', 200);
    big[200] = 0;
    pk_spec s = p.c;
    s.seq = CI + 1;
    s.ack = SI + 1;
    s.flags = F_ACK;
    s.pl = big;
    s.n = 200;
    uint8_t l3[400];
    size_t n = pk_ip(l3, &s);
    size_t fl = pk_eth(h->buf, 0x0800, l3, n);
    h_frame(h, DLT_EN10MB, h->buf, 96, fl);                       /* frame 4 */
    s.seq = CI + 201;
    n = pk_ip(l3, &s);
    fl = pk_eth(h->buf, 0x0800, l3, n);
    h_frame(h, DLT_EN10MB, h->buf, 96, fl);                       /* frame 5 */
    h_seg(h, &p.c, CI + 401, SI + 1, F_ACK, "whole");
    rec_conn *c = &h->r->c[0];
    const rec_event *g = rec_find(c, 'G', 0);
    ok(g && g->off == 0 && g->len == 200 && g->frame == 4, "cut segment is a gap");
    is_int(rec_count(c, 'G'), 2, "each cut segment");
    is_mem(c->data[0] + 400, "whole", 5, "stream continues");
    ok(strstr(h->r->diag, "test.pcap: frame 4: packet cut by snaplen (caplen 96 of 254)") != NULL,
       "diag names file, frame and lengths");
    is_int(h->r->ndiag, 1, "one message per connection");
    bm_tcp_flush(h->t);
    is_int(c->sum.dir[0].snaplen_cut, 2, "snaplen_cut counted");
    is_int(c->sum.dir[0].bad_checksums, 0, "cut packets are not checksummed");
    h_free(h);
}

static void test_checksum_ttl(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    pk_spec s = p.c;
    s.seq = CI + 1;
    s.ack = SI + 1;
    s.flags = F_ACK;
    s.pl = "odd";
    s.n = 3;
    s.bad_csum = 1;
    s.ttl = 63;
    h_send(h, &s); /* frame 4 */
    s.seq = CI + 4;
    s.pl = "even";
    s.n = 4;
    s.bad_csum = 0;
    h_send(h, &s);
    s.seq = CI + 8;
    s.pl = "!";
    s.n = 1;
    s.offload_csum = 1;
    h_send(h, &s);
    rec_conn *c = &h->r->c[0];
    bm_tcp_flush(h->t);
    is_int(c->sum.dir[0].offloaded_checksums, 1, "offloaded checksum counted apart");
    is_int(c->sum.dir[0].bad_checksums, 1, "bad checksum counted");
    is_int(c->sum.dir[0].bad_checksum_frame_first, 4, "first bad frame");
    is_mem(c->data[0], "oddeven!", 8, "a bad segment is still used");
    is_int(c->sum.dir[0].ttl_first, 64, "ttl first");
    is_int(c->sum.dir[0].ttl_last, 63, "ttl last");
    ok(c->sum.dir[0].ttl_changed, "ttl change noticed");
    ok(!c->sum.dir[1].ttl_changed, "server ttl steady");
    h_free(h);

    /* A wire-sized segment with a bad checksum is dropped, as the
     * receiver's kernel drops it; its retransmission supplies the bytes. */
    h = h_new();
    p = hs(h, CI, SI);
    s = p.c;
    s.seq = CI + 1;
    s.ack = SI + 1;
    s.flags = F_ACK;
    s.pl = "goodgood";
    s.n = 8;
    h_send(h, &s);
    s.seq = CI + 9;
    s.pl = "bXd!";
    s.n = 4;
    s.bad_csum = 1;
    h_send(h, &s);
    s.pl = "bad!";
    s.bad_csum = 0;
    h_send(h, &s);
    c = &h->r->c[0];
    bm_tcp_flush(h->t);
    is_int(c->sum.dir[0].bad_checksums, 1, "dropped segment still counted");
    is_mem(c->data[0], "goodgoodbad!", 12, "the retransmission, not the corrupted copy, is used");
    is_int(c->sum.dir[0].conflicting_retransmissions, 0, "a dropped copy is no conflict");
    h_free(h);

    bm_capture_opts o;
    bm_capture_opts_default(&o);
    o.verify_checksums = false;
    h = h_new_opts(&o);
    p = hs(h, CI, SI);
    s = p.c;
    s.seq = CI + 1;
    s.flags = F_ACK;
    s.pl = "x";
    s.n = 1;
    s.bad_csum = 1;
    h_send(h, &s);
    bm_tcp_flush(h->t);
    is_int(h->r->c[0].sum.dir[0].bad_checksums, 0, "verify_checksums=false");
    h_free(h);
}

static void test_close_hole_and_fin_order(void)
{
    harness *h = h_new();
    pair p = hs(h, CI, SI);
    h_seg(h, &p.c, CI + 1, SI + 1, F_ACK, "aa");
    h_seg(h, &p.c, CI + 5, SI + 1, F_ACK | F_FIN, "cc"); /* FIN ahead of a hole */
    rec_conn *c = &h->r->c[0];
    is_int(rec_count(c, 'F'), 0, "FIN waits for the bytes before it");
    h_seg(h, &p.c, CI + 3, SI + 1, F_ACK, "bb");
    is_mem(c->data[0], "aabbcc", 6, "hole filled");
    ok(c->ev[c->nev - 1].kind == 'F', "FIN after the data");
    h_seg(h, &p.s, SI + 1, CI + 8, F_ACK, "r1");
    h_seg(h, &p.s, SI + 9, CI + 8, F_ACK, "r3");
    bm_tcp_flush(h->t);
    is_mem(c->data[1], "r1??????r3", 10, "hole at close becomes a gap");
    is_int(c->sum.end, BM_END_FIN, "half-closed: FIN");
    is_int(c->sum.end_by, BM_SIDE_A, "by A");
    is_int(c->closes, 1, "closed by flush");
    h_free(h);
}

int main(void)
{
    test_in_order();
    test_out_of_order();
    test_retrans();
    test_overlap();
    test_wrap();
    test_midstream();
    test_ack_gap();
    test_ooo_cap();
    test_state_cap();
    test_snaplen();
    test_checksum_ttl();
    test_close_hole_and_fin_order();
    return tap_done();
}
