/*
 * out_common.c - what both compare reports say the same way.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../proto/proto.h"
#include "compare_out.h"

const char *bm_cmp_dir_name(int dir) { return dir == BM_CLIENT ? "client" : "server"; }

void bm_cmp_hex(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 <= cap; i++) {
        buf[o++] = hx[p[i] >> 4];
        buf[o++] = hx[p[i] & 15];
    }
    if (cap)
        buf[o < cap ? o : cap - 1] = '\0';
}

static const char *cap_name(int cap) { return cap == BM_CAP_A ? "a" : "b"; }

bool bm_cmp_leaf_of(const bm_cmp_fp *f, const bm_cmp_end *x, bm_cmp_leaf *out)
{
    memset(out, 0, sizeof *out);
    if (f && f->n_certs) {
        out->subject = f->leaf.subject;
        out->issuer = f->leaf.issuer;
        out->sha256 = f->leaf.sha256;
        return true;
    }
    if (x && x->has_cert) {
        out->subject = x->cert_subject;
        out->issuer = x->cert_issuer;
        out->sha256 = x->cert_sha256;
        out->decrypted = true;
        return true;
    }
    return false;
}

const char *bm_cmp_leg_issuer(const bm_cmp_result *r, const bm_cmp_conclusion *c, int cap, bool *decrypted)
{
    bm_cmp_leaf l;
    bool known = bm_cmp_leaf_of(r->fp[cap], c ? c->end[cap] : NULL, &l) && l.issuer[0];
    if (decrypted)
        *decrypted = known && l.decrypted;
    return known ? l.issuer : NULL;
}

const char *bm_cmp_leg_subject(const bm_cmp_result *r, const bm_cmp_conclusion *c, int cap)
{
    bm_cmp_leaf l;
    return bm_cmp_leaf_of(r->fp[cap], c ? c->end[cap] : NULL, &l) && l.subject[0] ? l.subject : NULL;
}

void bm_cmp_certcheck_fill(bm_cmp_certcheck *k, const bm_cmp_end *x, bool keylog, const uint8_t *want)
{
    const bm_cmp_fp *f = k->fp;
    k->has_leaf = bm_cmp_leaf_of(f, x, &k->leaf);
    k->match = -1;
    k->note = NULL;
    if (k->has_leaf)
        k->match = memcmp(k->leaf.sha256, want, 32) == 0;
    else if (f->version != BM_TLS13)
        k->note = "no certificate in the capture (resumed session, or not captured)";
    else if (!keylog)
        k->note = "TLS 1.3: the certificates are encrypted; give the key log (--keylog FILE) to decrypt them";
    else if (!x || !x->keyed)
        k->note = "TLS 1.3: the certificates are encrypted and the key log has no keys for this connection";
    else
        k->note = "TLS 1.3: no certificate among the decrypted handshake messages (resumed session, or "
                  "the handshake could not be decrypted)";
}

static void explain_diff(const bm_cmp_result *r, char *buf, size_t cap)
{
    const bm_cmp_diff *d = &r->diffs[0];
    int rx = bm_cmp_receiver(r, d->dir);
    const char *how;
    if (d->csum[rx] == 1)
        how = "the receiving side's TCP checksum was valid, so whatever changed the bytes recomputed the "
              "checksum (a middlebox, proxy or offloading NIC), not the wire";
    else if (d->csum[rx] == 0)
        how = "the receiving side's TCP checksum was invalid: damaged on the wire after the last device "
              "that computes checksums";
    else
        how = "the receiving side's TCP checksum could not be verified (offloaded or not captured)";
    snprintf(buf, cap,
             "in-path corruption: %" PRIu64 " range(s) of the stream the %s sent differ between the capture "
             "points, first at offset %" PRIu64 " (%" PRIu64 " byte(s), %s); %s",
             r->total_diffs, bm_cmp_dir_name(d->dir), d->offset, d->length, bm_cmp_pattern(d, rx), how);
}

void bm_cmp_explain(const bm_cmp_result *r, const bm_cmp_conclusion *c, char *buf, size_t cap)
{
    switch (r->verdict) {
    case BM_V_IDENTICAL:
        snprintf(buf, cap, "identical: both directions carry the same bytes at both capture points: "
                           "the network between them is exonerated");
        return;
    case BM_V_RESEGMENTED:
        for (int d = 0; d < 2; d++)
            if (r->d[d].resegmented) {
                snprintf(buf, cap,
                         "resegmented: the same bytes, cut into different TCP segments (the %s's stream, "
                         "from offset %" PRIu64 "): something between the points re-segments (a proxy, "
                         "a load balancer, segmentation offload); no byte changed",
                         bm_cmp_dir_name(d), r->d[d].reseg_at);
                return;
            }
        break;
    case BM_V_LOST_BETWEEN:
        for (int d = 0; d < 2; d++) {
            int rx = bm_cmp_receiver(r, d);
            if (r->d[d].lost_between) {
                snprintf(buf, cap,
                         "lost between the points: %" PRIu64 " byte(s) the %s sent were captured at %s "
                         "but never arrived at %s (the receiver did not acknowledge them)",
                         r->d[d].lost_between, bm_cmp_dir_name(d), cap_name(!rx), cap_name(rx));
                return;
            }
        }
        break;
    case BM_V_CAPTURE_LOSS:
        for (unsigned i = 0; i < r->n_missing; i++) {
            const bm_cmp_missing *m = &r->missing[i];
            if (m->state != BM_MS_CAPTURE_LOSS)
                continue;
            uint64_t all = 0;
            for (int d = 0; d < 2; d++)
                all += r->d[d].capture_loss[0] + r->d[d].capture_loss[1];
            snprintf(buf, cap,
                     "capture loss, not a network fault: capture %s lacks %" PRIu64 " byte(s) the %s sent "
                     "(stream offset %" PRIu64 "; %" PRIu64 " byte(s) in all) that %s, so they reached the "
                     "receiver: the capture at that point dropped them; every byte both captures hold is "
                     "the same",
                     cap_name(m->at), m->length, bm_cmp_dir_name(m->dir), m->offset, all,
                     r->d[m->dir].acked[m->at] >= m->offset + m->length
                         ? "the receiver acknowledged there"
                         : "the other capture holds, and the stream went on at both points");
            return;
        }
        snprintf(buf, cap, "capture loss, not a network fault: a capture dropped bytes that reached the receiver");
        return;
    case BM_V_AFTER_CLOSE:
        for (int d = 0; d < 2; d++) {
            int rx = bm_cmp_receiver(r, d);
            if (r->d[d].after_close) {
                snprintf(buf, cap,
                         "not delivered after close, not a fault: %" PRIu64 " byte(s) the %s sent after the "
                         "%s had closed (its FIN came first) never reached %s: a peer that has closed does not "
                         "read them; every byte before is the same at both points",
                         r->d[d].after_close, bm_cmp_dir_name(d), bm_cmp_dir_name(!d), cap_name(rx));
                return;
            }
        }
        break;
    case BM_V_COUNT:
        break;
    case BM_V_DIVERGED:
        for (int d = 0; d < 2; d++)
            if (r->d[d].diverged) {
                snprintf(buf, cap,
                         "streams diverged: the %s's stream at one point ran more than the window ahead of "
                         "the other; comparison stopped at offset %" PRIu64,
                         bm_cmp_dir_name(d), r->d[d].diverged_at);
                return;
            }
        break;
    case BM_V_CORRUPTION:
        explain_diff(r, buf, cap);
        return;
    case BM_V_INTERCEPTION: {
        const bm_cmp_fp *cf = r->fp[r->client_side];
        bool dec = false;
        const char *iss = bm_cmp_leg_issuer(r, c, r->client_side, &dec);
        const char *siss = bm_cmp_leg_issuer(r, c, !r->client_side, NULL);
        if (iss)
            snprintf(buf, cap,
                     "TLS interception: the client's handshake (seen at %s) and the server's (seen at %s) are "
                     "different handshakes; intercepted by \"%s\" (issuer of the certificate the client was "
                     "shown%s%s%s%s)",
                     cap_name(r->client_side), cap_name(!r->client_side), iss,
                     dec ? ", decrypted with the client leg's keys" : "",
                     siss ? "; the server's certificate is issued by \"" : "", siss ? siss : "",
                     siss ? "\"" : "");
        else
            snprintf(buf, cap,
                     "TLS interception: the client's handshake (seen at %s) and the server's (seen at %s) are "
                     "different handshakes (different ClientHello randoms); %s",
                     cap_name(r->client_side), cap_name(!r->client_side),
                     cf->version == BM_TLS13 ? "TLS 1.3: the certificates are encrypted, the interceptor's "
                                             "issuer cannot be named without keys"
                                           : "no certificate was captured in the clear");
        return;
    }
    }
    snprintf(buf, cap, "%s", bm_cmp_verdict_name(r->verdict));
}
