/*
 * tcp.c - one TCP segment: header, connection life cycle (sides, SYN, FIN,
 * RST, port reuse), sequence numbers to stream offsets, checksum and TTL
 * evidence. Per-packet work is one table lookup, a few field updates and,
 * for payload, one sink call with a pointer into the packet: no malloc.
 */
#include "tcp_int.h"

#include <stdlib.h>
#include <string.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

/* (Re)initialises 'c' for a connection whose first packet is 'pk' and
 * opens it in the sink. Hash and LRU links are kept. */
static void conn_init(bm_tcp_table *t, bm_tcp_conn *c, const bm_tcp_pkt *pk, uint16_t sp, uint16_t dp,
                      uint8_t flags, int *dir)
{
    bm_tcp_conn keep = *c;
    memset(c, 0, sizeof *c);
    c->hnext = keep.hnext;
    c->newer = keep.newer;
    c->older = keep.older;
    c->list = keep.list; /* the list it is on: bm_conn_touch moves it */
    c->touched = keep.touched;
    c->hash = keep.hash;
    c->end_by = -1;
    /* A SYN-ACK seen first still tells who opened the connection. */
    bool from_b = (flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK);
    *dir = from_b ? BM_SIDE_B : BM_SIDE_A;
    c->syn_seen = (flags & TH_SYN) != 0;
    c->tuple.addr[*dir] = pk->src;
    c->tuple.port[*dir] = sp;
    c->tuple.addr[!*dir] = pk->dst;
    c->tuple.port[!*dir] = dp;
    c->first_frame = pk->meta.frame;
    c->first_ts_ns = pk->meta.ts_ns;
    c->user = t->sink.open ? t->sink.open(t->sink.ud, &c->tuple, &pk->meta) : NULL;
    c->ignored = c->user == NULL;
    if (!c->ignored)
        t->state_bytes += t->sink.open_bytes;
}

/* Stream offset of sequence number 'seq' (may be negative: before the
 * stream's first byte). Serial arithmetic around next_off. */
static int64_t seq_off(const bm_tcp_dir *d, uint32_t seq)
{
    uint32_t ref = d->base + (uint32_t)d->next_off;
    return (int64_t)d->next_off + (int32_t)(seq - ref);
}

/* Returns true when the segment is to be dropped, as the receiver's kernel
 * would: its checksum is wrong, and it is no larger than a segment whose
 * checksum verified (so it is a wire-sized segment, not a packet merged by
 * GRO on the capturing host, whose checksum field no longer fits). The
 * retransmission then supplies the bytes the receiver really used. */
static bool note_packet(bm_tcp_table *t, bm_tcp_conn *c, int dir, const bm_tcp_pkt *pk, bool cut)
{
    bm_dir_counters *k = &c->d[dir].c;
    const bm_seg_meta *m = &pk->meta;
    c->last_frame = m->frame;
    c->last_ts_ns = m->ts_ns;
    c->last_meta = *m;
    if (!k->ttl_seen) {
        k->ttl_seen = true;
        k->ttl_first = m->ttl;
    } else if (m->ttl != k->ttl_last) {
        k->ttl_changed = true;
    }
    k->ttl_last = m->ttl;
    if (cut) {
        k->snaplen_cut++;
        if (!c->snaplen_told) {
            c->snaplen_told = true;
            bm_diag_frame(t->diag, m->frame, "packet cut by snaplen (caplen %u of %u)", pk->frame_caplen,
                          pk->frame_len);
        }
    } else if (t->o.verify_checksums) {
        bm_csum_verdict v = bm_tcp_checksum(&pk->src, &pk->dst, pk->seg, pk->len);
        if (v == BM_CSUM_BAD) {
            if (!k->bad_checksums++)
                k->bad_checksum_frame_first = m->frame;
            return pk->len <= c->d[dir].max_good_len;
        }
        if (v == BM_CSUM_OFFLOADED)
            k->offloaded_checksums++;
        else if (pk->len > c->d[dir].max_good_len)
            c->d[dir].max_good_len = pk->len;
    }
    return false;
}

/* Flags-only bookkeeping for connections the sink ignores: enough to
 * notice the end, so the tuple can be reused. */
static void ignored_packet(bm_tcp_conn *c, int dir, uint8_t flags)
{
    if (flags & TH_FIN)
        c->d[dir].fin_seen = true;
    if (flags & TH_RST)
        c->d[dir].rst = true;
    if ((flags & TH_RST) || (c->d[0].fin_seen && c->d[1].fin_seen))
        c->closed = true;
}

/* Side 'dir' is over (RST, or its FIN delivered) for TCP's purposes. */
static bool side_over(const bm_tcp_dir *d) { return d->rst || d->fin_done; }

/* A reset from side 'dir': what that side sent is all there is (its queue
 * is settled); the connection stays open for the segments the peer had in
 * flight, which arrive after the RST and are real (the receiver's kernel
 * drops them, but the capture shows what the peer sent), until the peer
 * ends too, the tuple is reused, or the capture ends. */
static void reset_packet(bm_tcp_table *t, bm_tcp_conn *c, int dir, const bm_seg_meta *m)
{
    if (c->d[dir].rst)
        return; /* a second RST */
    c->d[dir].rst = true;
    bm_dir_flush(t, c, dir, m);
    if (c->end != BM_END_RST) {
        c->end = BM_END_RST;
        c->end_by = dir;
    }
    if (t->sink.fin)
        t->sink.fin(c->user, dir, BM_END_RST, m);
    if (side_over(&c->d[!dir]))
        bm_conn_close(t, c);
}

void bm_tcp_segment(bm_tcp_table *t, const bm_tcp_pkt *pk)
{
    bm_cur cur = bm_cur_make(pk->seg, pk->caplen);
    uint16_t sp = bm_get_u16(&cur), dp = bm_get_u16(&cur);
    uint32_t seq = bm_get_u32(&cur), ack = bm_get_u32(&cur);
    uint32_t hlen = (uint32_t)(bm_get_u8(&cur) >> 4) * 4;
    uint8_t flags = bm_get_u8(&cur);
    bm_skip(&cur, 6);
    if (!bm_cur_ok(&cur)) {
        bm_diag_frame(t->shared_diag, pk->meta.frame, "TCP header %s (%u of 20 bytes)",
                      pk->caplen < pk->len ? "cut by snaplen" : "truncated", pk->caplen);
        return;
    }
    if (hlen < 20 || hlen > pk->len) {
        bm_diag_frame(t->shared_diag, pk->meta.frame, "TCP header length %u impossible (segment of %u bytes)", hlen,
                      pk->len);
        return;
    }
    if (t->o.shards > 1 && bm_tuple_shard(&pk->src, sp, &pk->dst, dp, t->o.shards) != t->o.shard)
        return; /* another shard's connection */
    uint64_t h = bm_conn_hash(&pk->src, sp, &pk->dst, dp);
    if (t->o.tap.segment)
        t->o.tap.segment(t->o.tap.ud, pk->meta.frame, &pk->src, sp, &pk->dst, dp);
    uint32_t plen = pk->len - hlen;
    bool cut = pk->caplen < pk->len;
    const uint8_t *payload = NULL;
    if (!cut) {
        bm_skip(&cur, hlen - 20);
        payload = bm_get_bytes(&cur, plen);
    }

    if (pk->meta.ts_ns > t->now_ns)
        t->now_ns = pk->meta.ts_ns;
    t->cur_frame = pk->meta.frame; /* connections this packet closes: reported at this frame */
    if (t->lists[BM_LIST_TOMB].oldest)
        bm_conn_expire_tombs(t);
    int dir = BM_SIDE_A;
    bm_tcp_conn *c = bm_conn_lookup(t, pk, sp, dp, h, &dir);
    if (!c) {
        if (flags & TH_RST) /* a refusal or a stray reset: no connection to speak of */
            return;
        c = bm_conn_new(t, h);
        if (!c)
            return;
        conn_init(t, c, pk, sp, dp, flags, &dir);
    } else if ((flags & (TH_SYN | TH_ACK)) == TH_SYN) {
        bool reset = c->d[0].rst || c->d[1].rst;
        bool ended = c->closed || c->d[0].fin_seen || c->d[1].fin_seen || reset;
        /* A new SYN after the end is port reuse; after a reset even with
         * the old ISN: the opener tries again (a SYN answered by a stray
         * ACK, reset, sent again). After FINs the old SYN is a late copy. */
        if (ended && (reset || !(c->d[dir].syn && c->d[dir].isn == seq))) { /* port reuse */
            bm_conn_close(t, c);
            conn_init(t, c, pk, sp, dp, flags, &dir);
        }
    }
    bm_conn_touch(t, c);
    bm_conn_enforce_cap(t, c); /* what the previous packets added */
    if (c->ignored) {
        ignored_packet(c, dir, flags);
        bm_conn_touch(t, c); /* ended: onto the tombstone list */
        return;
    }
    if (c->closed) {
        t->evicted_packets += c->evicted;
        return;
    }

    const bm_seg_meta *m = &pk->meta;
    bm_tcp_dir *d = &c->d[dir];
    if (d->rst) { /* this side reset: nothing it sends counts any more */
        c->last_frame = m->frame;
        c->last_ts_ns = m->ts_ns;
        return;
    }
    if (note_packet(t, c, dir, pk, cut))
        return;
    uint32_t data_seq = seq;
    if (flags & TH_SYN) {
        data_seq++; /* the SYN takes one sequence number; TFO data follows */
        if (!d->syn) {
            d->syn = true;
            d->isn = seq;
            c->syn_seen = true;
        } else if (seq != d->isn && d->next_off == 0 && !d->ooo[0] && d->n_alt < 4) {
            d->alt_isn[d->n_alt++] = seq; /* the peer's ACK tells which one it took */
        }
    }
    if (!d->base_known) {
        d->base_known = true;
        d->base = data_seq;
    }
    bm_tcp_dir *peer = &c->d[!dir];
    /* Several SYN-ACKs of different ISNs: the connection goes on with the
     * one the other side acknowledges (while no byte of the peer's was
     * taken yet). */
    if ((flags & TH_ACK) && peer->n_alt && peer->next_off == 0 && !peer->ooo[0]) {
        for (unsigned i = 0; i < peer->n_alt; i++)
            if (ack == peer->alt_isn[i] + 1 && ack != peer->base) {
                peer->alt_isn[i] = peer->isn;
                peer->isn = ack - 1;
                peer->base = ack;
                break;
            }
    }
    if ((flags & TH_ACK) && peer->base_known) {
        int64_t a = seq_off(peer, ack);
        if (a > 0)
            bm_dir_acked(t, c, !dir, (uint64_t)a, m);
    }
    if (flags & TH_RST) {
        reset_packet(t, c, dir, m);
        return;
    }
    if (plen) {
        int64_t off = seq_off(d, data_seq);
        if (off < 0 && (uint64_t)-off >= plen) { /* wholly before the stream's start */
            d->c.segments++;
            d->c.retransmissions++;
        } else {
            uint32_t skip = off < 0 ? (uint32_t)-off : 0;
            bm_seg_meta pm = *m;
            pm.seg_off = off;
            bm_dir_payload(t, c, dir, (uint64_t)off + skip, payload ? payload + skip : NULL, plen - skip, &pm);
        }
    }
    if ((flags & TH_FIN) && !d->fin_seen) {
        int64_t f = seq_off(d, data_seq) + plen;
        d->fin_seen = true;
        d->fin_off = f > 0 ? (uint64_t)f : 0;
        bm_dir_check_fin(t, c, dir, m);
    }
    if (!plen && !(flags & (TH_FIN | TH_RST)) && t->sink.tick)
        t->sink.tick(c->user, dir, m);
    if (side_over(&c->d[0]) && side_over(&c->d[1]))
        bm_conn_close(t, c);
}
