/*
 * text.c - the human report. One block per connection, most important line
 * first; the caller prints the summary line before the blocks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/proto.h"
#include "../diagnose/diagnose.h"
#include "../tls/tls.h"
#include "report.h"

/* " max_fragment_length=BYTES": codes 1..4 (RFC 6066); another code, as a
 * peer may send, is shown as it came. */
static void put_mfl(FILE *out, uint8_t code, const char *tail)
{
    if (code >= 1 && code <= 4)
        fprintf(out, " max_fragment_length=%d%s", 1 << (8 + code), tail);
    else
        fprintf(out, " max_fragment_length=invalid(%u)%s", (unsigned)code, tail);
}

static const char *nz(const char *s, const char *dflt) { return s ? s : dflt; }

/* Wire strings (SNI, names) are printed with control bytes escaped. */
static void put_safe(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != 0x7f)
            fputc(*p, out);
        else
            fprintf(out, "\\x%02x", *p);
    }
}

static void put_endpoint(FILE *out, const bm_endpoint *e)
{
    char ip[64];
    bm_format_ip(e, ip, sizeof ip);
    if (e->family == 6)
        fprintf(out, "[%s]:%u", ip, e->port);
    else
        fprintf(out, "%s:%u", ip, e->port);
}

static void put_alert(FILE *out, const bm_alert *a)
{
    const char *level = a->level == BM_ALERT_FATAL ? "fatal" : a->level == BM_ALERT_WARNING ? "warning" : "alert";
    fprintf(out, "%s %s %s", bm_role_name(a->from), level,
            a->desc >= 0 ? nz(bm_tls_alert_name(a->desc), "unknown") : "(encrypted)");
    fprintf(out, " at frame %" PRIu64 ", record #%" PRIu64, a->frame, a->index);
    if (a->inferred)
        fputs(" [inferred]", out);
}

static void put_records(FILE *out, const char *label, const bm_dir_records *r)
{
    static const char *const names[5] = {"change_cipher_spec", "alert", "handshake", "application_data",
                                         "heartbeat"};
    fprintf(out, "  %s: %" PRIu64 " records (", label, r->count);
    int first = 1;
    for (int i = 0; i < 5; i++) {
        if (!r->by_type[i])
            continue;
        fprintf(out, "%s%s %" PRIu64, first ? "" : ", ", names[i], r->by_type[i]);
        first = 0;
    }
    if (r->other_type)
        fprintf(out, "%sother %" PRIu64, first ? "" : ", ", r->other_type);
    fprintf(out, "), largest %u bytes", r->max_length);
    if (r->count)
        fprintf(out, " (frame %" PRIu64 ")", r->max_length_frame);
    if (r->ccs_index >= 0)
        fprintf(out, ", ChangeCipherSpec at record #%" PRId64 " (frame %" PRIu64 ")", r->ccs_index, r->ccs_frame);
    fputc('\n', out);
    for (uint32_t i = 0; i < r->n_flagged_list && i < BM_MAX_FLAGGED; i++)
        fprintf(out, "    OVERSIZED record #%" PRIu64 " (frame %" PRIu64 "): %u bytes, limit %u\n",
                r->flagged_list[i].index, r->flagged_list[i].frame, r->flagged_list[i].length,
                r->flagged_list[i].limit);
    if (r->flagged > r->n_flagged_list)
        fprintf(out, "    ... %" PRIu64 " oversized records in all\n", r->flagged);
}

static void put_extensions(FILE *out, const bm_handshake *h)
{
    fputs("  extensions:", out);
    if (h->etm)
        fputs(" encrypt_then_mac", out);
    else if (h->etm_offered)
        fputs(" encrypt_then_mac(offered, refused)", out);
    if (h->ems)
        fputs(" extended_master_secret", out);
    else if (h->ems_offered)
        fputs(" extended_master_secret(offered, refused)", out);
    if (h->truncated_hmac)
        fputs(" truncated_hmac", out);
    else if (h->truncated_hmac_offered)
        fputs(" truncated_hmac(offered, refused)", out);
    if (h->max_fragment_length)
        put_mfl(out, h->max_fragment_length, "");
    else if (h->max_fragment_length_offered)
        put_mfl(out, h->max_fragment_length_offered, "(offered, refused)");
    if (h->record_size_limit_client)
        fprintf(out, " record_size_limit(client)=%u", h->record_size_limit_client);
    if (h->record_size_limit_server)
        fprintf(out, " record_size_limit(server)=%u", h->record_size_limit_server);
    if (h->key_share_group)
        fprintf(out, " key_share=%s", nz(bm_tls_group_name(h->key_share_group), "?"));
    if (h->hello_retry_request)
        fputs(" hello_retry_request", out);
    if (h->early_data_accepted)
        fputs(" early_data(accepted)", out);
    else if (h->early_data_offered)
        fputs(" early_data(offered)", out);
    if (h->sni_present) {
        fputs(" sni=", out);
        put_safe(out, h->sni);
    }
    if (h->alpn_present) {
        fputs(" alpn=", out);
        put_safe(out, h->alpn);
    }
    fputc('\n', out);
}

static void put_dir_counts(FILE *out, const char *label, const bm_crypto_info *ci, int r)
{
    fprintf(out, "; %s %" PRIu64 " verified, %" PRIu64 " %s", label, ci->verified[r], ci->failed[r],
            ci->failed[r] ? "FAILED" : "failed");
    if (ci->undecryptable[r])
        fprintf(out, ", %" PRIu64 " not checked", ci->undecryptable[r]);
}

/* "keys: ...; Finished ...; counts" and the FIRST BAD RECORD line. */
static void put_crypto(FILE *out, const bm_conn *c)
{
    const bm_crypto_info *ci = &c->crypto;
    uint64_t undec = ci->undecryptable[0] + ci->undecryptable[1];
    if (ci->keys == BM_KEYS_NONE) {
        if (undec)
            fprintf(out, "  keys: none found for this connection (%" PRIu64 " protected records not checked)\n",
                    undec);
        return;
    }
    /* The DSB and session sources name themselves ("DSB in ...", "session from ..."). */
    static const char *const kind[] = {"", "keylog ", "", "RSA key ", "PSK ", ""};
    fputs("  keys: ", out);
    fputs(ci->keys <= BM_KEYS_SESSION ? kind[ci->keys] : "", out);
    put_safe(out, ci->key_source[0] ? ci->key_source : "?");
    fprintf(out, "; Finished client %s, server %s", bm_finished_name(ci->finished[BM_CLIENT]),
            bm_finished_name(ci->finished[BM_SERVER]));
    put_dir_counts(out, "client->server", ci, BM_CLIENT);
    put_dir_counts(out, "server->client", ci, BM_SERVER);
    fputc('\n', out);
    const bm_bad_record *b = bm_first_bad(c);
    if (b)
        fprintf(out, "  FIRST BAD RECORD: %s record #%" PRIu64 " (frame %" PRIu64 ", stream offset %" PRIu64
                     ", %u bytes): %s\n",
                bm_role_name(b->direction), b->index, b->frame, b->stream_off, b->length,
                nz(bm_reason_name(b->reason, BM_NAME_TEXT), "failed"));
}

/* One verdict line, worded (verdict_text.c) and escaped. */
static void put_vline(FILE *out, const char *label, const bm_vline *l)
{
    char line[BM_VLINE_TEXT_LEN];
    bm_vline_format(l, line, sizeof line);
    fputs(label, out);
    put_safe(out, line);
    fputc('\n', out);
}

static void put_verdict(FILE *out, const bm_verdict *v)
{
    if (v->cause == BM_CAUSE_NONE)
        return;
    fprintf(out, "  DIAGNOSIS: %s", nz(bm_cause_name(v->cause), "?"));
    if (v->confidence != BM_CONF_NONE)
        fprintf(out, " (%s)", nz(bm_confidence_name(v->confidence), "?"));
    if (v->keyless)
        fputs(" [keyless]", out);
    put_vline(out, ": ", &v->summary);
    for (unsigned i = 0; i < v->n_evidence && i < BM_VERDICT_MAX_EVIDENCE; i++)
        put_vline(out, "    evidence: ", &v->evidence[i]);
    for (unsigned i = 0; i < v->n_exonerates && i < BM_VERDICT_MAX_EXONERATES; i++)
        put_vline(out, "    exonerates: ", &v->exonerates[i]);
    for (unsigned i = 0; i < v->n_next_steps && i < BM_VERDICT_MAX_STEPS; i++)
        put_vline(out, "    next: ", &v->next_steps[i]);
}

void bm_text_conn(FILE *out, const bm_conn *c)
{
    const bm_handshake *h = &c->hs;
    static const char *const ends[] = {"still open at the end of the capture", "closed by FIN", "reset (RST)"};
    fprintf(out, "#%" PRIu64 " %s", c->id,
            c->status.status == BM_STATUS_FAILED ? "FAILED" : c->status.status == BM_STATUS_UNKNOWN ? "UNKNOWN" : "ok");
    if (c->status.status != BM_STATUS_OK) {
        char why[BM_VLINE_TEXT_LEN];
        bm_status_format(&c->status, why, sizeof why);
        fputs(" (", out);
        put_safe(out, why);
        fputc(')', out);
    }
    fputs("  client ", out);
    put_endpoint(out, &c->client);
    fputs(" -> server ", out);
    put_endpoint(out, &c->server);
    fputs("\n  ", out);
    if (c->n_spans || c->spans_partial) { /* merged captures: file and frame of each run of frame numbers */
        fprintf(out, "merged frames %" PRIu64 "-%" PRIu64 ": ", c->first_frame, c->last_frame);
        fputs(c->spans_partial ? (c->n_spans ? "... + " : "files not recorded") : "", out);
        for (unsigned i = 0; i < c->n_spans && i < BM_CONN_SPANS; i++) {
            const bm_file_span *sp = &c->spans[i];
            if (i == 1 && c->spans_skipped)
                fprintf(out, " + %" PRIu64 " more", c->spans_skipped);
            fprintf(out, "%s%" PRIu64 "-%" PRIu64 " = ", i ? " + " : "", sp->first_frame, sp->last_frame);
            put_safe(out, nz(sp->file, "-"));
            fprintf(out, " frames %" PRIu64 "-%" PRIu64, sp->file_frame,
                    sp->file_frame + (sp->last_frame - sp->first_frame));
        }
        fprintf(out, ", %s", ends[c->end <= BM_CONN_RST ? c->end : 0]);
    } else {
        fprintf(out, "%s, frames %" PRIu64 "-%" PRIu64 ", %s", nz(c->capture, "-"), c->first_frame, c->last_frame,
                ends[c->end <= BM_CONN_RST ? c->end : 0]);
    }
    if (c->end != BM_CONN_OPEN && c->end_by >= 0)
        fprintf(out, " from the %s", bm_role_name(c->end_by));
    fputc('\n', out);
    if (c->role_guessed)
        fputs("  (no ClientHello seen: client and server guessed from the ports)\n", out);
    fprintf(out, "  %s, %s", h->version ? nz(bm_tls_version_name(h->version), "unknown version") : "version unknown",
            h->server_hello_seen ? nz(bm_tls_suite_name(h->cipher_suite), "unknown suite") : "suite unknown");
    if (h->server_hello_seen)
        fprintf(out, " (0x%04x)", h->cipher_suite);
    if (h->resumed)
        fputs(", resumed session (abbreviated handshake)", out);
    else if (h->resumption_offered)
        fputs(", resumption offered but full handshake", out);
    fputc('\n', out);
    put_extensions(out, h);
    for (unsigned i = 0; i < h->n_certs && i < BM_MAX_CERTS; i++) {
        fputs("  certificate: ", out);
        put_safe(out, h->certs[i].subject);
        fputs("  issued by ", out);
        put_safe(out, h->certs[i].issuer);
        fputs("  sha256 ", out);
        for (int k = 0; k < 32; k++)
            fprintf(out, "%02x", h->certs[i].sha256[k]);
        fputc('\n', out);
    }
    put_records(out, "client -> server", &c->rec[BM_CLIENT]);
    put_records(out, "server -> client", &c->rec[BM_SERVER]);
    put_crypto(out, c);
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS; i++) {
        fputs("  alert: ", out);
        put_alert(out, &c->alerts[i]);
        fputc('\n', out);
    }
    if (c->status.prime_why != BM_PRIME_NONE) {
        const bm_record_ref *s = &c->status.prime;
        fprintf(out, "  prime suspect: %s record #%" PRIu64 " (frame %" PRIu64 ", %u bytes", bm_role_name(s->direction),
                s->index, s->frame, s->length);
        if (c->status.prime_why == BM_PRIME_FIRST_BAD)
            fputs("), the first record that failed its check\n", out);
        else
            fprintf(out, ", %s), the last the %s sent before the %s\n", nz(bm_tls_content_type_name(s->type), "?"),
                    bm_role_name(s->direction), c->status.prime_why == BM_PRIME_BEFORE_ABORT ? "abort" : "fatal alert");
    }
    const bm_tcp_info *t = &c->tcp;
    if (t->gaps || t->retransmissions || t->conflicting_retransmissions || t->out_of_order || t->snaplen_cut ||
        t->bad_checksums) {
        fprintf(out, "  tcp: %" PRIu64 " gaps (%" PRIu64 " bytes not captured), %" PRIu64 " retransmissions, %" PRIu64
                     " with DIFFERENT bytes, %" PRIu64 " out of order, %" PRIu64 " cut by snaplen, %" PRIu64
                     " bad checksums\n",
                t->gaps, t->gap_bytes, t->retransmissions, t->conflicting_retransmissions, t->out_of_order,
                t->snaplen_cut, t->bad_checksums);
        if (t->bad_checksums)
            fputs("    (checksums of packets sent by the capturing host are often wrong because of checksum "
                  "offload; bad checksums matter on received packets)\n",
                  out);
    }
    for (unsigned i = 0; i < c->n_findings && i < BM_MAX_FINDINGS; i++) {
        char line[BM_FINDING_TEXT_LEN];
        bm_finding_format(&c->findings[i], line, sizeof line);
        fputs("  problem: ", out);
        put_safe(out, line);
        fputc('\n', out);
    }
    put_verdict(out, &c->verdict);
    if (c->evidence.file) {
        fputs("  evidence file: ", out);
        put_safe(out, c->evidence.file);
        fprintf(out, " (%" PRIu64 " packets, key log lines: %" PRIu64 "%s)\n", c->evidence.packets,
                c->evidence.key_lines, c->evidence.partial ? "; its first packets were no longer kept" : "");
    }
    fputc('\n', out);
}

/* "#3 server sent fatal bad_record_mac at frame 40; prime suspect: ...",
 * one line of the list under the summary. */
void bm_text_failed_line(const bm_conn *k, char *buf, size_t cap)
{
    const bm_alert *fa = NULL;
    for (unsigned i = 0; i < k->n_alerts && i < BM_MAX_ALERTS; i++)
        if (k->alerts[i].level == BM_ALERT_FATAL) {
            fa = &k->alerts[i];
            break;
        }
    int n = snprintf(buf, cap, "#%" PRIu64 " ", k->id);
    if (n < 0 || (size_t)n >= cap)
        return;
    if (fa) {
        const char *d = fa->desc >= 0 ? bm_tls_alert_name(fa->desc) : NULL;
        n += snprintf(buf + n, cap - (size_t)n, "%s sent fatal %s%s at frame %" PRIu64, bm_role_name(fa->from),
                      d ? d : "alert (encrypted)", fa->inferred ? " [inferred]" : "", fa->frame);
    } else {
        char why[BM_VLINE_TEXT_LEN];
        bm_status_format(&k->status, why, sizeof why);
        n += snprintf(buf + n, cap - (size_t)n, "failed: %s", why);
    }
    const bm_status_info *s = &k->status;
    if (s->prime_why != BM_PRIME_NONE && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, "; prime suspect: %s record #%" PRIu64 " (frame %" PRIu64 ")",
                 bm_role_name(s->prime.direction), s->prime.index, s->prime.frame);
}

void bm_text_summary_line(FILE *out, const bm_totals *t)
{
    fprintf(out, "%" PRIu64 " connection%s, %" PRIu64 " failed", t->connections, t->connections == 1 ? "" : "s",
            t->failed);
    if (t->unknown)
        fprintf(out, ", %" PRIu64 " unknown", t->unknown);
    if (t->closed_early)
        fprintf(out, ", %" PRIu64 " closed early (--max-state)", t->closed_early);
}

static int row_cmp(const void *a, const void *b)
{
    const bm_pat_row *x = a, *y = b;
    if (x->failed != y->failed)
        return x->failed < y->failed ? 1 : -1;
    return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

void bm_text_patterns(FILE *out, const bm_patterns *p)
{
    static const char *const label[BM_PAT_GROUPS] = {"client", "server", "path (client TTL)", "suite", "version",
                                                     "resumption", "record size", "cause"};
    /* Patterns need something to compare: two connections, one failed. */
    if (p->total < 2 || !p->failed)
        return;
    for (unsigned g = 0; g < BM_PAT_GROUPS; g++) {
        const bm_pat_group *pg = &p->g[g];
        bm_pat_row rows[BM_PAT_KEYS];
        unsigned n = pg->n < BM_PAT_KEYS ? pg->n : BM_PAT_KEYS;
        memcpy(rows, pg->rows, n * sizeof rows[0]);
        /* Record sizes read best in size order; the rest worst first. */
        if (g == BM_PAT_SIZE) {
            static const char *const order[] = {"<=1K", "<=4K", "<=16K", ">16K"};
            unsigned k = 0;
            for (unsigned b = 0; b < 4; b++)
                for (unsigned i = 0; i < n; i++)
                    if (!strcmp(pg->rows[i].key, order[b]))
                        rows[k++] = pg->rows[i];
            n = k;
        } else {
            qsort(rows, n, sizeof rows[0], row_cmp);
        }
        uint64_t of = pg->other_failed, ot = pg->other_total;
        fprintf(out, "failures by %s:", label[g]);
        for (unsigned i = 0; i < n; i++) {
            if (i >= 8) {
                of += rows[i].failed;
                ot += rows[i].total;
                continue;
            }
            fprintf(out, "%s %s %" PRIu64 "/%" PRIu64, i ? "," : "", rows[i].key, rows[i].failed, rows[i].total);
        }
        if (ot)
            fprintf(out, ", other %" PRIu64 "/%" PRIu64, of, ot);
        fputc('\n', out);
    }
}
