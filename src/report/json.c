/*
 * json.c - JSON Lines, contract v1 (docs/json.md). Built with jansson; every
 * string that came from the wire (SNI, ALPN, certificate names) is passed to
 * jansson, which escapes it, after replacing invalid UTF-8.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/proto.h"
#include "../diagnose/diagnose.h"
#include "../tls/tls.h"
#include "json_str.h"
#include "report.h"

json_t *bm_json_wire_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    /* Not valid UTF-8 (wire bytes): keep ASCII, mark the rest. */
    char buf[BM_NAME_LEN * 4];
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < sizeof buf; p++) {
        if (*p >= 0x20 && *p < 0x7f)
            buf[o++] = (char)*p;
        else
            o += (size_t)snprintf(buf + o, sizeof buf - o, "\\x%02x", *p);
    }
    buf[o] = '\0';
    return json_string(buf);
}

static json_t *jstr_or_null(const char *s) { return bm_json_wire_str(s); }

static json_t *endpoint_json(const bm_endpoint *e)
{
    char ip[64];
    bm_format_ip(e, ip, sizeof ip);
    return json_pack("{s:s, s:i}", "ip", ip, "port", (int)e->port);
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char buf[2 * 64 + 1];
    static const char hx[] = "0123456789abcdef";
    if (n > 64)
        n = 64;
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = hx[p[i] >> 4];
        buf[2 * i + 1] = hx[p[i] & 15];
    }
    buf[2 * n] = '\0';
    return json_string(buf);
}

static json_t *u64(uint64_t v) { return json_integer((json_int_t)v); }

static json_t *mfl_json(uint8_t code)
{
    if (code >= 1 && code <= 4)
        return json_integer(1 << (8 + code));
    return json_null();
}

static json_t *extensions_json(const bm_handshake *h)
{
    json_t *e = json_object();
    json_object_set_new(e, "encrypt_then_mac", json_boolean(h->etm));
    json_object_set_new(e, "extended_master_secret", json_boolean(h->ems));
    json_object_set_new(e, "truncated_hmac", json_boolean(h->truncated_hmac));
    json_object_set_new(e, "max_fragment_length", mfl_json(h->max_fragment_length));
    json_object_set_new(e, "record_size_limit",
                        json_pack("{s:o, s:o}", "client",
                                  h->record_size_limit_client ? json_integer(h->record_size_limit_client)
                                                              : json_null(),
                                  "server",
                                  h->record_size_limit_server ? json_integer(h->record_size_limit_server)
                                                              : json_null()));
    json_object_set_new(e, "key_share_group",
                        h->key_share_group ? jstr_or_null(bm_tls_group_name(h->key_share_group))
                                           : json_null());
    json_object_set_new(e, "early_data", json_boolean(h->early_data_accepted));
    json_object_set_new(e, "alpn", h->alpn_present ? jstr_or_null(h->alpn) : json_null());
    json_object_set_new(e, "sni", h->sni_present ? jstr_or_null(h->sni) : json_null());
    json_object_set_new(e, "hello_retry_request", json_boolean(h->hello_retry_request));
    json_object_set_new(e, "session_ticket", json_boolean(h->new_session_ticket));
    /* What the client offered, for mismatch questions ("offered EtM, not accepted"). */
    json_object_set_new(e, "offered",
                        json_pack("{s:b, s:b, s:b, s:o, s:b, s:b, s:b}", "encrypt_then_mac", h->etm_offered,
                                  "extended_master_secret", h->ems_offered, "truncated_hmac",
                                  h->truncated_hmac_offered, "max_fragment_length",
                                  mfl_json(h->max_fragment_length_offered), "session_ticket",
                                  h->ticket_offered, "pre_shared_key", h->psk_offered, "early_data",
                                  h->early_data_offered));
    return e;
}

static json_t *records_dir_json(const bm_dir_records *r, const bm_crypto_info *ci, int role)
{
    static const char *const names[5] = {"change_cipher_spec", "alert", "handshake", "application_data",
                                         "heartbeat"};
    json_t *types = json_object();
    for (int i = 0; i < 5; i++)
        if (r->by_type[i])
            json_object_set_new(types, names[i], u64(r->by_type[i]));
    if (r->other_type)
        json_object_set_new(types, "other", u64(r->other_type));
    json_t *flag = json_array();
    for (uint32_t i = 0; i < r->n_flagged_list && i < BM_MAX_FLAGGED; i++) {
        const bm_record_ref *f = &r->flagged_list[i];
        json_array_append_new(flag, json_pack("{s:o, s:o, s:i, s:i}", "index", u64(f->index), "frame",
                                              u64(f->frame), "length", (int)f->length, "limit",
                                              (int)f->limit));
    }
    return json_pack("{s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "count", u64(r->count), "bytes",
                     u64(r->bytes), "max_length", (int)r->max_length, "types", types,
                     "change_cipher_spec_index", r->ccs_index >= 0 ? json_integer(r->ccs_index) : json_null(),
                     "oversized", u64(r->flagged), "oversized_records", flag, "resyncs", u64(r->resyncs),
                     "verified", u64(ci->verified[role]), "failed", u64(ci->failed[role]), "undecryptable",
                     u64(ci->undecryptable[role]));
}

static json_t *alert_json(const bm_alert *a)
{
    const char *level = a->level == BM_ALERT_FATAL ? "fatal" : a->level == BM_ALERT_WARNING ? "warning" : NULL;
    return json_pack("{s:s, s:o, s:o, s:b, s:b, s:o, s:o}", "from", bm_role_name(a->from), "level",
                     jstr_or_null(level), "description",
                     a->desc >= 0 ? jstr_or_null(bm_tls_alert_name(a->desc)) : json_null(), "encrypted",
                     a->encrypted, "inferred", a->inferred, "frame", u64(a->frame), "index", u64(a->index));
}

static json_t *tcp_json(const bm_tcp_info *t)
{
    json_t *c = json_array();
    for (uint32_t i = 0; i < t->n_conflicts && i < 8; i++) {
        const struct bm_conflict_ref *r = &t->conflicts[i];
        json_array_append_new(c, json_pack("{s:s, s:o, s:i, s:i, s:o, s:o}", "direction",
                                           bm_role_name(r->direction), "stream_offset", u64(r->stream_off),
                                           "length", (int)r->length, "differing", (int)r->differing,
                                           "first_frame", u64(r->first_frame), "second_frame",
                                           u64(r->second_frame)));
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "gaps", u64(t->gaps), "gap_bytes",
                     u64(t->gap_bytes), "retransmissions", u64(t->retransmissions),
                     "conflicting_retransmissions", u64(t->conflicting_retransmissions), "out_of_order",
                     u64(t->out_of_order), "snaplen_cut", u64(t->snaplen_cut), "bad_checksums",
                     u64(t->bad_checksums), "conflicts", c);
}

/* Decryption results (issue [2/8]); present (null / zero) without keys too. */
static void crypto_json(json_t *o, const bm_crypto_info *ci, const bm_bad_record *b)
{
    bool keys = ci->keys != BM_KEYS_NONE;
    json_object_set_new(o, "keys", jstr_or_null(bm_keys_source_name(ci->keys)));
    json_object_set_new(o, "key_source", keys ? jstr_or_null(ci->key_source) : json_null());
    json_object_set_new(o, "finished", json_pack("{s:s, s:s}", "client", bm_finished_name(ci->finished[BM_CLIENT]),
                                                 "server", bm_finished_name(ci->finished[BM_SERVER])));
    if (b)
        json_object_set_new(o, "first_bad_record",
                            json_pack("{s:s, s:o, s:o, s:o, s:i, s:o}", "direction", bm_role_name(b->direction),
                                      "index", u64(b->index), "frame", u64(b->frame), "stream_offset",
                                      u64(b->stream_off), "length", (int)b->length, "reason",
                                      jstr_or_null(bm_reason_name(b->reason, BM_NAME_JSON))));
    else
        json_object_set_new(o, "first_bad_record", json_null());
}

/* A verdict line, worded (verdict_text.c). */
static json_t *vline_json(const bm_vline *l)
{
    char line[BM_VLINE_TEXT_LEN];
    bm_vline_format(l, line, sizeof line);
    return jstr_or_null(line);
}

static json_t *lines_json(const bm_vline *l, unsigned n, unsigned max)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < n && i < max; i++)
        json_array_append_new(a, vline_json(&l[i]));
    return a;
}

/* The diagnosis (issue [4/8], docs/diagnoses.md); null only if it did not run. */
static json_t *verdict_json(const bm_verdict *v)
{
    if (v->cause == BM_CAUSE_NONE)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "cause", jstr_or_null(bm_cause_name(v->cause)));
    json_object_set_new(o, "confidence", jstr_or_null(bm_confidence_name(v->confidence)));
    json_object_set_new(o, "keyless", json_boolean(v->keyless));
    json_object_set_new(o, "summary", vline_json(&v->summary));
    json_object_set_new(o, "evidence", lines_json(v->evidence, v->n_evidence, BM_VERDICT_MAX_EVIDENCE));
    json_object_set_new(o, "exonerates", lines_json(v->exonerates, v->n_exonerates, BM_VERDICT_MAX_EXONERATES));
    json_object_set_new(o, "next_steps", lines_json(v->next_steps, v->n_next_steps, BM_VERDICT_MAX_STEPS));
    if (v->has_record)
        json_object_set_new(o, "record",
                            json_pack("{s:s, s:o, s:o, s:o, s:i}", "direction", bm_role_name(v->record.direction),
                                      "index", u64(v->record.index), "frame", u64(v->record.frame),
                                      "stream_offset", u64(v->record.stream_off), "length", (int)v->record.length));
    else
        json_object_set_new(o, "record", json_null());
    if (v->has_repair) {
        const bm_repair_ref *r = &v->repair;
        json_object_set_new(o, "repair",
                            json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o}", "direction",
                                      bm_role_name(r->direction), "index", u64(r->index), "where",
                                      r->in_header ? "header" : "body", "record_offset", u64(r->record_offset),
                                      "stream_offset", u64(r->stream_offset), "frame", u64(r->frame),
                                      "byte_frame", r->byte_frame ? u64(r->byte_frame) : json_null(),
                                      "frame_offset",
                                      r->frame_offset >= 0 ? u64((uint64_t)r->frame_offset) : json_null(), "bit",
                                      r->bit >= 0 ? json_integer(r->bit) : json_null(), "bits", (int)r->bits,
                                      "xor", hex_json(r->xor_mask, r->len <= 16 ? r->len : 16)));
    } else {
        json_object_set_new(o, "repair", json_null());
    }
    return o;
}

/* One JSON line: rendered whole, then written at once (json_dumpf writes
 * each token with its own fwrite: a tenth of the time of a --json run of
 * many short connections). */
static void put_line(FILE *out, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        size_t n = strlen(s);
        s[n] = '\n'; /* the terminator's place: written as n + 1 bytes */
        fwrite(s, 1, n + 1, out);
        free(s);
    } else {
        json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', out);
    }
    json_decref(o);
}

void bm_json_conn(FILE *out, const bm_conn *c)
{
    const bm_handshake *h = &c->hs;
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("connection"));
    json_object_set_new(o, "id", u64(c->id));
    json_object_set_new(o, "capture", jstr_or_null(c->capture));
    json_object_set_new(o, "client", endpoint_json(&c->client));
    json_object_set_new(o, "server", endpoint_json(&c->server));
    json_object_set_new(o, "roles_guessed", json_boolean(c->role_guessed));
    json_object_set_new(o, "midstream", json_boolean(c->midstream));
    json_object_set_new(o, "first_frame", u64(c->first_frame));
    json_object_set_new(o, "last_frame", u64(c->last_frame));
    if (c->n_spans || c->spans_partial) { /* merged captures: which file and frame each number is */
        json_t *files = json_array();
        for (unsigned i = 0; i < c->n_spans && i < BM_CONN_SPANS; i++) {
            const bm_file_span *sp = &c->spans[i];
            json_array_append_new(files, json_pack("{s:o, s:o, s:o, s:o, s:o}", "file", jstr_or_null(sp->file),
                                                   "first_frame", u64(sp->first_frame), "last_frame",
                                                   u64(sp->last_frame), "file_first_frame", u64(sp->file_frame),
                                                   "file_last_frame",
                                                   u64(sp->file_frame + (sp->last_frame - sp->first_frame))));
        }
        json_object_set_new(o, "files", files);
        json_object_set_new(o, "files_skipped", u64(c->spans_skipped)); /* left out after files[0] */
        json_object_set_new(o, "files_partial", json_boolean(c->spans_partial));
    }
    json_object_set_new(o, "start_time", json_real((double)c->first_ts_ns / 1e9));
    json_object_set_new(o, "end_time", json_real((double)c->last_ts_ns / 1e9));
    static const char *const ends[] = {"open", "fin", "rst"};
    json_object_set_new(o, "end", json_string(ends[c->end <= BM_CONN_RST ? c->end : 0]));
    json_object_set_new(o, "end_by", jstr_or_null(bm_role_name(c->end_by)));
    json_object_set_new(o, "version", h->version ? jstr_or_null(bm_tls_version_name(h->version)) : json_null());
    json_object_set_new(o, "cipher_suite",
                        h->server_hello_seen ? jstr_or_null(bm_tls_suite_name(h->cipher_suite)) : json_null());
    json_object_set_new(o, "cipher_suite_id", h->server_hello_seen ? json_integer(h->cipher_suite) : json_null());
    json_object_set_new(o, "handshake",
                        json_pack("{s:b, s:b, s:o, s:o, s:o, s:o, s:o}", "client_hello", h->client_hello_seen,
                                  "server_hello", h->server_hello_seen, "record_version",
                                  h->record_version ? jstr_or_null(bm_tls_version_name(h->record_version))
                                                    : json_null(),
                                  "client_version",
                                  h->client_version ? jstr_or_null(bm_tls_version_name(h->client_version))
                                                    : json_null(),
                                  "server_version",
                                  h->server_version ? jstr_or_null(bm_tls_version_name(h->server_version))
                                                    : json_null(),
                                  "session_id", hex_json(h->session_id, h->session_id_len),
                                  "client_session_id", hex_json(h->client_session_id, h->client_session_id_len)));
    json_object_set_new(o, "resumption_offered", json_boolean(h->resumption_offered));
    json_object_set_new(o, "resumed", json_boolean(h->resumed));
    json_object_set_new(o, "extensions", extensions_json(h));
    json_t *certs = json_array();
    for (unsigned i = 0; i < h->n_certs && i < BM_MAX_CERTS; i++)
        json_array_append_new(certs, json_pack("{s:o, s:o, s:o}", "subject", jstr_or_null(h->certs[i].subject),
                                               "issuer", jstr_or_null(h->certs[i].issuer), "sha256",
                                               hex_json(h->certs[i].sha256, 32)));
    json_object_set_new(o, "certificates", certs);
    json_object_set_new(o, "records",
                        json_pack("{s:o, s:o}", "client", records_dir_json(&c->rec[BM_CLIENT], &c->crypto, BM_CLIENT),
                                  "server", records_dir_json(&c->rec[BM_SERVER], &c->crypto, BM_SERVER)));
    crypto_json(o, &c->crypto, bm_first_bad(c));
    json_t *alerts = json_array();
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS; i++)
        json_array_append_new(alerts, alert_json(&c->alerts[i]));
    json_object_set_new(o, "alerts", alerts);
    const bm_status_info *st = &c->status;
    json_object_set_new(o, "failed", json_boolean(st->status == BM_STATUS_FAILED));
    json_object_set_new(o, "status", json_string(bm_status_name(st->status)));
    json_object_set_new(o, "status_reason",
                        jstr_or_null(st->status == BM_STATUS_OK ? NULL : bm_status_reason_name(st->reason)));
    if (st->aborted)
        json_object_set_new(o, "aborted",
                            json_pack("{s:o, s:s, s:o, s:o}", "by", jstr_or_null(bm_role_name(st->abort_by)), "how",
                                      st->abort_rst ? "rst" : "fin", "frame", u64(st->abort_frame), "reason",
                                      jstr_or_null(bm_status_reason_name(st->abort_reason))));
    else
        json_object_set_new(o, "aborted", json_null());
    if (st->prime_why != BM_PRIME_NONE) {
        static const char *const why[] = {NULL, "first_bad_record", "before_fatal_alert", "before_abort"};
        const bm_record_ref *p = &st->prime;
        json_object_set_new(o, "prime_suspect",
                            json_pack("{s:s, s:o, s:o, s:o, s:i, s:s}", "direction", bm_role_name(p->direction),
                                      "index", u64(p->index), "frame", u64(p->frame), "stream_offset",
                                      u64(p->stream_off), "length", (int)p->length, "why", why[st->prime_why & 3]));
    } else {
        json_object_set_new(o, "prime_suspect", json_null());
    }
    json_object_set_new(o, "fatal_alert_from", jstr_or_null(c->failed ? bm_role_name(c->fatal_from) : NULL));
    if (c->has_suspect) {
        const bm_record_ref *s = &c->suspect;
        json_object_set_new(o, "suspect_record",
                            json_pack("{s:s, s:o, s:o, s:o, s:i, s:o}", "direction", bm_role_name(s->direction),
                                      "index", u64(s->index), "frame", u64(s->frame), "stream_offset",
                                      u64(s->stream_off), "length", (int)s->length, "content_type",
                                      jstr_or_null(bm_tls_content_type_name(s->type))));
    } else {
        json_object_set_new(o, "suspect_record", json_null());
    }
    json_object_set_new(o, "tcp", tcp_json(&c->tcp));
    json_t *probs = json_array();
    for (unsigned i = 0; i < c->n_findings && i < BM_MAX_FINDINGS; i++) {
        char line[BM_FINDING_TEXT_LEN];
        bm_finding_format(&c->findings[i], line, sizeof line);
        json_array_append_new(probs, jstr_or_null(line));
    }
    json_object_set_new(o, "problems", probs);
    json_object_set_new(o, "diagnosis", verdict_json(&c->verdict));
    if (c->evidence.file) /* --keep-failures */
        json_object_set_new(o, "evidence", json_pack("{s:o, s:o, s:o, s:b}", "file", jstr_or_null(c->evidence.file),
                                                     "packets", u64(c->evidence.packets), "key_lines",
                                                     u64(c->evidence.key_lines), "partial", c->evidence.partial));
    put_line(out, o);
}

void bm_json_summary(FILE *out, const bm_totals *t)
{
    json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:i}", "type", "summary", "connections", u64(t->connections),
                          "failed", u64(t->failed), "unknown", u64(t->unknown), "frames", u64(t->frames), "input_errors",
                          (int)t->input_errors);
    put_line(out, o);
}

void bm_json_patterns(FILE *out, const bm_patterns *p)
{
    json_t *groups = json_object();
    for (unsigned g = 0; g < BM_PAT_GROUPS; g++) {
        const bm_pat_group *pg = &p->g[g];
        json_t *a = json_array();
        for (unsigned i = 0; i < pg->n && i < BM_PAT_KEYS; i++)
            json_array_append_new(a, json_pack("{s:o, s:o, s:o}", "key", jstr_or_null(pg->rows[i].key),
                                               "connections", u64(pg->rows[i].total), "failed",
                                               u64(pg->rows[i].failed)));
        if (pg->other_total)
            json_array_append_new(a, json_pack("{s:s, s:o, s:o}", "key", "other", "connections",
                                               u64(pg->other_total), "failed", u64(pg->other_failed)));
        json_object_set_new(groups, bm_pattern_group_name(g), a);
    }
    json_t *o = json_pack("{s:s, s:o, s:o, s:o}", "type", "patterns", "connections", u64(p->total), "failed",
                          u64(p->failed), "groups", groups);
    put_line(out, o);
}
