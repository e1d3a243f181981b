/*
 * diag_damage.c - the failing record is damaged, not misnumbered or
 * mis-keyed: the bit-error search looks for the flip that makes its
 * tag/MAC verify (a verified repair proves in-path corruption, or a sender
 * fault when the capture was taken on the sender); when no repair is
 * found, the shape of the damage and the vantage point decide.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../crypto/locate.h"
#include "diag_int.h"
#include "../crypto/trial.h"

/* The frame that carried stream offset 'off' of the record, and the
 * offset of that byte in the frame's TCP payload; false when the record's
 * frames are not known. */
static bool frame_of(const bm_diag_dir *e, uint64_t off, uint64_t *frame, int64_t *in_frame)
{
    for (unsigned i = 0; e->segs && i < e->n_segs; i++) {
        if (off >= e->segs[i].end)
            continue;
        int64_t k = (int64_t)off - e->segs[i].start;
        *frame = e->segs[i].frame;
        *in_frame = k >= 0 ? k : -1;
        return true;
    }
    return false;
}

bool bm_dg_try_locate(bm_dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    bm_locate_result res;
    if (!bm_is_ok(bm_locate(e->rec, e->seq, r->type, r->ver, e->body, e->len, NULL, &res)) ||
        res.status != BM_LOC_FOUND || !res.n)
        return false;
    const bm_repair *p = &res.rep[0];
    bm_verdict *v = r->v;
    bm_repair_ref *q = &v->repair;
    v->has_repair = true;
    q->direction = (uint8_t)r->dir;
    q->index = r->b->index;
    q->in_header = p->where == BM_REP_HEADER;
    q->record_offset = p->offset;
    q->stream_offset = r->b->stream_off + (q->in_header ? 0 : 5) + p->offset;
    q->frame = r->b->frame;
    q->byte_frame = 0;
    q->frame_offset = -1;
    bool mapped = frame_of(e, q->stream_offset, &q->byte_frame, &q->frame_offset);
    q->bit = p->bit;
    q->bits = p->weight;
    q->len = p->len;
    memcpy(q->xor_mask, p->xor, p->len <= 16 ? p->len : 16);
    char what[96];
    if (p->bit >= 0)
        snprintf(what, sizeof what, "flip bit %d of %s byte %zu", p->bit, q->in_header ? "header" : "body", p->offset);
    else
        snprintf(what, sizeof what, "undo %u flipped bits in %s bytes %zu..%zu", p->weight,
                 q->in_header ? "header" : "body", p->offset, p->offset + p->len - 1);
    bool at_sender = bm_dg_captured_at(r->c, r->dir);
    if (at_sender)
        bm_vd_set(v, BM_CAUSE_SENDER_FAULT, BM_CONF_LIKELY,
                  "%s: %s back and it verifies; the capture was taken on the %s's host, so the bits were wrong "
                  "before they reached the wire",
                  r->name, what, bm_dg_role(r->dir));
    else
        bm_vd_set(v, BM_CAUSE_IN_PATH_CORRUPTION, BM_CONF_PROVEN,
                  "%s: %s (stream offset %" PRIu64 ") back and the %s verifies: the record was damaged in transit",
                  r->name, what, q->stream_offset, r->b->reason == BM_REASON_TAG_MISMATCH ? "tag" : "MAC");
    bm_dg_rec_common(r);
    char where[80] = "";
    if (mapped && q->frame_offset >= 0)
        snprintf(where, sizeof where, ", in frame %" PRIu64 " at byte %" PRId64 " of its TCP payload",
                 q->byte_frame, q->frame_offset);
    else if (mapped)
        snprintf(where, sizeof where, ", in frame %" PRIu64, q->byte_frame);
    bm_vd_ev(v, "verified repair: %s of %s record #%" PRIu64 " (stream offset %" PRIu64 "%s), %zu candidate%s, "
                "%" PRIu64 " examined",
             what, bm_dg_role(r->dir), r->b->index, q->stream_offset, where, res.n, res.n == 1 ? "" : "s",
             res.candidates);
    bm_dg_tcp_evidence(r->c, v, r->dir, r->b->stream_off, (uint64_t)r->b->length + 5);
    if (at_sender) {
        bm_vd_ex(v, "the network and the %s: the record was already damaged on the sending host",
                 bm_dg_role(!r->dir));
        bm_vd_next(v, "check the %s's NIC offloads (TSO/checksum/crypto), its memory and DMA path", bm_dg_role(r->dir));
    } else {
        bm_vd_ex(v, "both endpoints' cryptography: the %s's keys and sequence number are right (the repaired record "
                    "verifies)",
                 bm_dg_role(r->dir));
        bm_vd_ex(v, "the %s: it rightly rejected a damaged record", bm_dg_role(!r->dir));
        bm_vd_next(v, "find the device between the endpoints that changes payload bytes (proxy, TLS inspection, "
                      "NIC, switch, link with bad memory); its TCP checksums were recomputed or the error was "
                      "undetectable");
        bm_dg_two_point(v, !r->dir);
    }
    return true;
}

void bm_dg_shape_verdict(bm_dg_rec *r)
{
    const bm_diag_dir *e = r->e;
    bm_verdict *v = r->v;
    bm_shape sh;
    memset(&sh, 0, sizeof sh);
    bm_rec *w = NULL;
    uint8_t *out = malloc(e->len ? e->len : 1);
    bm_open_result o;
    memset(&o, 0, sizeof o);
    if (out && bm_is_ok(bm_rec_clone(e->rec, &w)) &&
        bm_is_ok(bm_rec_open(w, e->seq, r->type, r->ver, e->body, e->len, out, e->len ? e->len : 1, &o))) {
        bm_shape_input in = {.body = e->body, .body_len = e->len, .plain = out, .plain_len = o.decrypted_len,
                             .tag = o.got_mac, .tag_len = o.mac_len, .block = 16};
        bm_hyp_shape(&in, &sh);
    }
    bm_rec_free(w);
    if (out)
        OPENSSL_cleanse(out, e->len ? e->len : 1);
    free(out);
    bool at_sender = bm_dg_captured_at(r->c, r->dir);
    bool confined = (sh.flags & BM_SHAPE_GARBLED) && sh.garbled < sh.blocks;
    bool near = false;
    bm_verdict probe = *v;
    near = bm_dg_tcp_evidence(r->c, &probe, r->dir, r->b->stream_off, (uint64_t)r->b->length + 5);
    if (at_sender || (sh.flags & (BM_SHAPE_TAG_ZERO | BM_SHAPE_BODY_ZERO))) {
        bm_vd_set(v, BM_CAUSE_SENDER_FAULT, BM_CONF_LIKELY,
                  "%s fails under every hypothesis and %s: the %s sent it damaged", r->name,
                  at_sender ? "the capture was taken on the sender's host" : "its MAC/tag or body is all zeros",
                  bm_dg_role(r->dir));
    } else if (near || (confined && r->local)) {
        bm_vd_set(v, BM_CAUSE_IN_PATH_CORRUPTION, near ? BM_CONF_LIKELY : BM_CONF_POSSIBLE,
                  "%s is damaged %s (more than the repair search covers); from this vantage point a sender fault "
                  "cannot be ruled out",
                  r->name, near ? "where the capture saw two different copies" : "in a confined burst");
    } else {
        bm_vd_set(v, BM_CAUSE_SENDER_FAULT, BM_CONF_POSSIBLE,
                  "%s fails under every hypothesis (sequence numbers, keys, MAC construction, bit repairs): "
                  "most likely the %s produced it wrong",
                  r->name, bm_dg_role(r->dir));
    }
    bm_dg_rec_common(r);
    if (sh.flags & BM_SHAPE_GARBLED)
        bm_vd_ev(v, "decrypted without authentication: %zu of %zu 16-byte blocks garbled (blocks %zu..%zu)%s",
                 sh.garbled, sh.blocks, sh.first_garbled, sh.last_garbled,
                 confined ? "; the rest reads as plausible plaintext" : "");
    if (sh.flags & BM_SHAPE_TAG_ZERO)
        bm_vd_ev(v, "the MAC/tag bytes are all zero: never computed");
    if (sh.flags & BM_SHAPE_ZERO_RUN)
        bm_vd_ev(v, "a run of %zu zero bytes at body offset %zu", sh.zero_run_len, sh.zero_run_off);
    bm_dg_tcp_evidence(r->c, v, r->dir, r->b->stream_off, (uint64_t)r->b->length + 5);
    bm_vd_ex(v, "the %s: it rightly rejected a record that does not verify", bm_dg_role(!r->dir));
    if (confined)
        bm_vd_next(v, "damage confined to some 16-byte blocks points at DMA/alignment/crypto offload on the sender "
                      "or a device in the path");
    bm_dg_two_point(v, !r->dir);
}
