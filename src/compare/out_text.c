/*
 * out_text.c - compare results for people: one block per pair, a line per
 * unpaired connection, a summary line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../proto/proto.h"
#include "../report/report.h"
#include "../tls/tls.h"
#include "compare_out.h"

static void conn_line(FILE *f, const bm_cmp_fp *fp)
{
    bm_endpoint c, s;
    char ci[64], si[64];
    bm_cmp_endpoints(fp, &c, &s);
    bm_format_ip(&c, ci, sizeof ci);
    bm_format_ip(&s, si, sizeof si);
    fprintf(f, "%s%s%s:%u -> %s%s%s:%u (frames %" PRIu64 "-%" PRIu64 ")", c.family == 6 ? "[" : "", ci,
            c.family == 6 ? "]" : "", c.port, s.family == 6 ? "[" : "", si, s.family == 6 ? "]" : "", s.port,
            fp->first_frame, fp->last_frame);
}

static void printable(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < cap; p++) {
        if (*p >= 0x20 && *p < 0x7f)
            out[o++] = (char)*p;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
    }
    out[o] = '\0';
}

static void frames(FILE *f, const bm_cmp_diff *d, int cap)
{
    for (unsigned k = 0; k < d->n_frames[cap]; k++)
        fprintf(f, "%s%" PRIu64, k ? "," : "", d->frames[cap][k]);
    if (!d->n_frames[cap])
        fputs("?", f);
}

static void diff_line(FILE *f, const bm_cmp_result *r, const bm_cmp_diff *d)
{
    int rx = bm_cmp_receiver(r, d->dir);
    char ha[2 * BM_CMP_SHOW_BYTES + 1], hb[2 * BM_CMP_SHOW_BYTES + 1];
    bm_cmp_hex(d->shown[0], d->n_shown, ha, sizeof ha);
    bm_cmp_hex(d->shown[1], d->n_shown, hb, sizeof hb);
    fprintf(f, "  DIFF %s->%s stream offset %" PRIu64 ", %" PRIu64 " byte(s), %s", bm_cmp_dir_name(d->dir),
            bm_cmp_dir_name(!d->dir), d->offset, d->length, bm_cmp_pattern(d, rx));
    if (d->differing_bits <= BM_CMP_MAX_BITS && d->n_bits) {
        fputs(" (bit", f);
        for (unsigned k = 0; k < d->n_bits; k++)
            fprintf(f, "%s %u of byte %" PRIu64, k ? "," : "", d->bits[k].bit, d->bits[k].offset);
        fputs(")", f);
    }
    fputs("\n       a frame ", f);
    frames(f, d, BM_CAP_A);
    fprintf(f, ": %s%s\n       b frame ", ha, d->length > d->n_shown ? "..." : "");
    frames(f, d, BM_CAP_B);
    fprintf(f, ": %s%s\n", hb, d->length > d->n_shown ? "..." : "");
    fprintf(f, "       receiver (%s) TCP checksum: %s\n", rx == BM_CAP_A ? "a" : "b",
            d->csum[rx] == 1 ? "valid" : d->csum[rx] == 0 ? "INVALID" : "not verifiable");
}

static void dir_line(FILE *f, const bm_cmp_dirinfo *d, int dir)
{
    fprintf(f, "  %s->%s: %" PRIu64 " bytes at a, %" PRIu64 " at b, %" PRIu64 " compared", bm_cmp_dir_name(dir),
            bm_cmp_dir_name(!dir), d->bytes[0], d->bytes[1], d->compared);
    fprintf(f, "; segments %" PRIu64 "/%" PRIu64, d->segments[0], d->segments[1]);
    if (d->retrans[0] || d->retrans[1])
        fprintf(f, "; retransmissions %" PRIu64 "/%" PRIu64 "%s", d->retrans[0], d->retrans[1],
                (d->retrans[0] == 0) != (d->retrans[1] == 0) ? " (one side only)" : "");
    if (d->gaps[0] || d->gaps[1])
        fprintf(f, "; gaps %" PRIu64 "/%" PRIu64, d->gaps[0], d->gaps[1]);
    if (d->missing[0] || d->missing[1])
        fprintf(f, "; missing at a %" PRIu64 ", at b %" PRIu64, d->missing[0], d->missing[1]);
    if (d->capture_loss[0] || d->capture_loss[1])
        fprintf(f, "; capture loss at a %" PRIu64 ", at b %" PRIu64, d->capture_loss[0], d->capture_loss[1]);
    if (d->after_close)
        fprintf(f, "; not delivered after close %" PRIu64, d->after_close);
    if (d->resegmented)
        fprintf(f, "; segmented differently from offset %" PRIu64, d->reseg_at);
    if (d->diverged)
        fprintf(f, "; diverged, comparison stopped at offset %" PRIu64, d->diverged_at);
    fputc('\n', f);
}

static const char *miss_words(const bm_cmp_missing *m)
{
    switch (m->state) {
    case BM_MS_CAPTURE_LOSS: return "capture loss at this point (the bytes reached the receiver), not a fault";
    case BM_MS_AFTER_CLOSE: return "not delivered after close (sent after the receiver's FIN), not a fault";
    case BM_MS_AT_SENDER: return "lacking at the sender's point only";
    case BM_MS_LOST_BETWEEN: break;
    }
    return "lost between the points (never acknowledged by the receiver)";
}

void bm_cmp_text_pair(FILE *f, const bm_cmp_result *r, uint64_t n, const bm_cmp_conclusion *c)
{
    fprintf(f, "pair %" PRIu64 ":\n  a ", n);
    conn_line(f, r->fp[0]);
    fputs("\n  b ", f);
    conn_line(f, r->fp[1]);
    char sni[BM_NAME_LEN * 4];
    printable(r->fp[0]->sni[0] ? r->fp[0]->sni : r->fp[1]->sni, sni, sizeof sni);
    fprintf(f, "\n  paired by %s%s%s; %s is nearer the client%s; clock offset b-a %+.6f s, one-way delay %.6f s\n",
            bm_cmp_method_name(r->method), sni[0] ? ", SNI " : "", sni, r->client_side == BM_CAP_A ? "a" : "b",
            r->vantage_guessed ? " (guessed)" : "", r->clock_offset_s, r->one_way_delay_s);
    if (!r->intercepted)
        for (int d = 0; d < 2; d++)
            dir_line(f, &r->d[d], d);
    for (unsigned i = 0; i < r->n_diffs; i++)
        diff_line(f, r, &r->diffs[i]);
    if (r->total_diffs > r->n_diffs)
        fprintf(f, "  ... %" PRIu64 " differing ranges in all\n", r->total_diffs);
    for (unsigned i = 0; i < r->n_missing; i++) {
        const bm_cmp_missing *m = &r->missing[i];
        fprintf(f, "  MISSING at %s: %s->%s offset %" PRIu64 ", %" PRIu64 " byte(s)%s: %s (%s frame %" PRIu64 ")\n",
                m->at == BM_CAP_A ? "a" : "b", bm_cmp_dir_name(m->dir), bm_cmp_dir_name(!m->dir), m->offset,
                m->length, m->declared ? " (declared gap)" : " (never delivered)", miss_words(m),
                m->at == BM_CAP_A ? "b" : "a", m->frame);
    }
    for (int i = 0; i < 2 && r->intercepted; i++) {
        const bm_cmp_fp *fp = r->fp[i];
        char iss[BM_NAME_LEN * 4];
        bool dec = false;
        const char *is = bm_cmp_leg_issuer(r, c, i, &dec);
        printable(is ? is : "", iss, sizeof iss);
        fprintf(f, "  %s: %s, certificate issuer: %s%s\n", i ? "b" : "a",
                bm_tls_version_name(fp->version) ? bm_tls_version_name(fp->version) : "version unknown",
                iss[0] ? iss : fp->version == BM_TLS13 ? "(encrypted: TLS 1.3)" : "(none in the clear)",
                dec ? " (decrypted with the keys)" : "");
    }
    char why[1024], pw[1024 * 4];
    bm_cmp_explain(r, c, why, sizeof why);
    printable(why, pw, sizeof pw);
    fprintf(f, "  VERDICT: %s\n", pw);
    for (int i = 0; c && i < 2; i++) {
        const bm_cmp_end *x = c->end[i];
        if (!x) {
            fprintf(f, "  DIAGNOSIS at %s: not diagnosed (no ClientHello there)\n", i ? "b" : "a");
            continue;
        }
        printable(x->summary, pw, sizeof pw);
        fprintf(f, "  DIAGNOSIS at %s (%s side): %s (%s)%s%s\n", i ? "b" : "a",
                i == r->client_side ? "client" : "server", bm_cmp_cause_name(x->cause),
                bm_cmp_confidence_name(x->confidence), pw[0] ? " - " : "", pw);
    }
    if (c) {
        printable(c->text, pw, sizeof pw);
        fprintf(f, "  CONCLUSION (%s): %s\n", c->placement, pw);
    }
    fputc('\n', f);
}

void bm_cmp_text_unpaired(FILE *f, int cap, const bm_cmp_fp *fp, const char *capture)
{
    char sni[BM_NAME_LEN * 4];
    printable(fp->sni, sni, sizeof sni);
    fprintf(f, "unpaired in %s (%s): ", cap == BM_CAP_A ? "a" : "b", capture ? capture : "?");
    conn_line(f, fp);
    fprintf(f, "%s%s%s: no counterpart in %s\n", fp->tls ? ", TLS" : "", sni[0] ? ", SNI " : "", sni,
            cap == BM_CAP_A ? "b" : "a");
}

void bm_cmp_text_cert(FILE *f, const bm_cmp_certcheck *k)
{
    char iss[BM_NAME_LEN * 4];
    printable(k->has_leaf ? k->leaf.issuer : "", iss, sizeof iss);
    bool dec = k->has_leaf && k->leaf.decrypted;
    fprintf(f, "certificate check (%s): ", k->capture ? k->capture : "?");
    conn_line(f, k->fp);
    if (k->match == 1)
        fprintf(f, ": the expected certificate%s\n", dec ? " (decrypted with the key log)" : "");
    else if (k->match == 0)
        fprintf(f, ": NOT the expected certificate (issuer \"%s\"%s): interception or a different server\n", iss,
                dec ? ", decrypted with the key log" : "");
    else
        fprintf(f, ": cannot tell (%s)\n", k->note ? k->note : "no certificate");
}

void bm_cmp_text_summary(FILE *f, const bm_cmp_totals *t, int two)
{
    if (!two) {
        fprintf(f, "%" PRIu64 " connection(s)\n", t->conns[0]);
        return;
    }
    fprintf(f, "%" PRIu64 " connection(s) in a, %" PRIu64 " in b; %" PRIu64 " pair(s)", t->conns[0], t->conns[1],
            t->pairs);
    for (int i = 0; i < BM_V_COUNT; i++)
        if (t->by_verdict[i])
            fprintf(f, ", %" PRIu64 " %s", t->by_verdict[i], bm_cmp_verdict_name((bm_cmp_verdict)i));
    fprintf(f, "; unpaired %" PRIu64 " in a, %" PRIu64 " in b; clock offset b-a %+.6f s (%" PRIu64 " pair(s))\n",
            t->unpaired[0], t->unpaired[1], t->clock_offset_s, t->offset_samples);
}
