/*
 * json.c - JSON Lines, contract v1 (docs/json.md). Each line is written
 * straight into one reused buffer (jw.h: the bytes jansson's compact dump
 * gives, without building a tree: three quarters of a --json run of many
 * short connections went to jansson); every string that came from the wire
 * (SNI, ALPN, certificate names) goes through bm_jw_wire, which escapes it
 * after replacing invalid UTF-8. bm_json_wire_str stays for the other JSON
 * producers (compare, the relay's interceptor).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/proto.h"
#include "../diagnose/diagnose.h"
#include "../tls/tls.h"
#include "json_str.h"
#include "jw.h"
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


static void endpoint_json(bm_jw *w, const bm_endpoint *e)
{
    char ip[64];
    bm_format_ip(e, ip, sizeof ip);
    bm_jw_obj(w);
    BM_JW_KV(w, "ip", bm_jw_str, ip);
    BM_JW_KV(w, "port", bm_jw_int, e->port);
    bm_jw_obj_end(w);
}

static void mfl_json(bm_jw *w, uint8_t code)
{
    if (code >= 1 && code <= 4)
        bm_jw_int(w, 1 << (8 + code));
    else
        bm_jw_null(w);
}

static void int_or_null(bm_jw *w, bool have, int64_t v)
{
    if (have)
        bm_jw_int(w, v);
    else
        bm_jw_null(w);
}

static void version_or_null(bm_jw *w, uint16_t v)
{
    if (v)
        bm_jw_wire(w, bm_tls_version_name(v));
    else
        bm_jw_null(w);
}

static void extensions_json(bm_jw *w, const bm_handshake *h)
{
    bm_jw_obj(w);
    BM_JW_KV(w, "encrypt_then_mac", bm_jw_bool, h->etm);
    BM_JW_KV(w, "extended_master_secret", bm_jw_bool, h->ems);
    BM_JW_KV(w, "truncated_hmac", bm_jw_bool, h->truncated_hmac);
    BM_JW_KV(w, "max_fragment_length", mfl_json, h->max_fragment_length);
    bm_jw_key(w, "record_size_limit");
    bm_jw_obj(w);
    BM_JW_KV(w, "client", int_or_null, h->record_size_limit_client != 0, h->record_size_limit_client);
    BM_JW_KV(w, "server", int_or_null, h->record_size_limit_server != 0, h->record_size_limit_server);
    bm_jw_obj_end(w);
    BM_JW_KV(w, "key_share_group", bm_jw_wire, h->key_share_group ? bm_tls_group_name(h->key_share_group) : NULL);
    BM_JW_KV(w, "early_data", bm_jw_bool, h->early_data_accepted);
    BM_JW_KV(w, "alpn", bm_jw_wire, h->alpn_present ? h->alpn : NULL);
    BM_JW_KV(w, "sni", bm_jw_wire, h->sni_present ? h->sni : NULL);
    BM_JW_KV(w, "hello_retry_request", bm_jw_bool, h->hello_retry_request);
    BM_JW_KV(w, "session_ticket", bm_jw_bool, h->new_session_ticket);
    /* What the client offered, for mismatch questions ("offered EtM, not accepted"). */
    bm_jw_key(w, "offered");
    bm_jw_obj(w);
    BM_JW_KV(w, "encrypt_then_mac", bm_jw_bool, h->etm_offered);
    BM_JW_KV(w, "extended_master_secret", bm_jw_bool, h->ems_offered);
    BM_JW_KV(w, "truncated_hmac", bm_jw_bool, h->truncated_hmac_offered);
    BM_JW_KV(w, "max_fragment_length", mfl_json, h->max_fragment_length_offered);
    BM_JW_KV(w, "session_ticket", bm_jw_bool, h->ticket_offered);
    BM_JW_KV(w, "pre_shared_key", bm_jw_bool, h->psk_offered);
    BM_JW_KV(w, "early_data", bm_jw_bool, h->early_data_offered);
    bm_jw_obj_end(w);
    bm_jw_obj_end(w);
}

static void records_dir_json(bm_jw *w, const bm_dir_records *r, const bm_crypto_info *ci, int role)
{
    static const char *const names[5] = {"change_cipher_spec", "alert", "handshake", "application_data",
                                         "heartbeat"};
    bm_jw_obj(w);
    BM_JW_KV(w, "count", bm_jw_u64, r->count);
    BM_JW_KV(w, "bytes", bm_jw_u64, r->bytes);
    BM_JW_KV(w, "max_length", bm_jw_int, (int)r->max_length);
    bm_jw_key(w, "types");
    bm_jw_obj(w);
    for (int i = 0; i < 5; i++)
        if (r->by_type[i])
            BM_JW_KV(w, names[i], bm_jw_u64, r->by_type[i]);
    if (r->other_type)
        BM_JW_KV(w, "other", bm_jw_u64, r->other_type);
    bm_jw_obj_end(w);
    BM_JW_KV(w, "change_cipher_spec_index", int_or_null, r->ccs_index >= 0, r->ccs_index);
    BM_JW_KV(w, "oversized", bm_jw_u64, r->flagged);
    bm_jw_key(w, "oversized_records");
    bm_jw_arr(w);
    for (uint32_t i = 0; i < r->n_flagged_list && i < BM_MAX_FLAGGED; i++) {
        const bm_record_ref *f = &r->flagged_list[i];
        bm_jw_obj(w);
        BM_JW_KV(w, "index", bm_jw_u64, f->index);
        BM_JW_KV(w, "frame", bm_jw_u64, f->frame);
        BM_JW_KV(w, "length", bm_jw_int, (int)f->length);
        BM_JW_KV(w, "limit", bm_jw_int, (int)f->limit);
        bm_jw_obj_end(w);
    }
    bm_jw_arr_end(w);
    BM_JW_KV(w, "resyncs", bm_jw_u64, r->resyncs);
    BM_JW_KV(w, "verified", bm_jw_u64, ci->verified[role]);
    BM_JW_KV(w, "failed", bm_jw_u64, ci->failed[role]);
    BM_JW_KV(w, "undecryptable", bm_jw_u64, ci->undecryptable[role]);
    bm_jw_obj_end(w);
}

static void alert_json(bm_jw *w, const bm_alert *a)
{
    const char *level = a->level == BM_ALERT_FATAL ? "fatal" : a->level == BM_ALERT_WARNING ? "warning" : NULL;
    bm_jw_obj(w);
    BM_JW_KV(w, "from", bm_jw_str, bm_role_name(a->from));
    BM_JW_KV(w, "level", bm_jw_str, level);
    BM_JW_KV(w, "description", bm_jw_wire, a->desc >= 0 ? bm_tls_alert_name(a->desc) : NULL);
    BM_JW_KV(w, "encrypted", bm_jw_bool, a->encrypted);
    BM_JW_KV(w, "inferred", bm_jw_bool, a->inferred);
    BM_JW_KV(w, "frame", bm_jw_u64, a->frame);
    BM_JW_KV(w, "index", bm_jw_u64, a->index);
    bm_jw_obj_end(w);
}

static void tcp_json(bm_jw *w, const bm_tcp_info *t)
{
    bm_jw_obj(w);
    BM_JW_KV(w, "gaps", bm_jw_u64, t->gaps);
    BM_JW_KV(w, "gap_bytes", bm_jw_u64, t->gap_bytes);
    BM_JW_KV(w, "retransmissions", bm_jw_u64, t->retransmissions);
    BM_JW_KV(w, "conflicting_retransmissions", bm_jw_u64, t->conflicting_retransmissions);
    BM_JW_KV(w, "out_of_order", bm_jw_u64, t->out_of_order);
    BM_JW_KV(w, "snaplen_cut", bm_jw_u64, t->snaplen_cut);
    BM_JW_KV(w, "bad_checksums", bm_jw_u64, t->bad_checksums);
    bm_jw_key(w, "ttl"); /* the first packet's IP TTL (hop limit) of each side: the path */
    bm_jw_obj(w);
    BM_JW_KV(w, "client", bm_jw_int, t->ttl[BM_CLIENT]);
    BM_JW_KV(w, "server", bm_jw_int, t->ttl[BM_SERVER]);
    bm_jw_obj_end(w);
    bm_jw_key(w, "conflicts");
    bm_jw_arr(w);
    for (uint32_t i = 0; i < t->n_conflicts && i < 8; i++) {
        const struct bm_conflict_ref *r = &t->conflicts[i];
        bm_jw_obj(w);
        BM_JW_KV(w, "direction", bm_jw_str, bm_role_name(r->direction));
        BM_JW_KV(w, "stream_offset", bm_jw_u64, r->stream_off);
        BM_JW_KV(w, "length", bm_jw_int, (int)r->length);
        BM_JW_KV(w, "differing", bm_jw_int, (int)r->differing);
        BM_JW_KV(w, "first_frame", bm_jw_u64, r->first_frame);
        BM_JW_KV(w, "second_frame", bm_jw_u64, r->second_frame);
        bm_jw_obj_end(w);
    }
    bm_jw_arr_end(w);
    bm_jw_obj_end(w);
}

/* Decryption results (issue [2/8]); present (null / zero) without keys too. */
static void crypto_json(bm_jw *w, const bm_crypto_info *ci, const bm_bad_record *b)
{
    bool keys = ci->keys != BM_KEYS_NONE;
    BM_JW_KV(w, "keys", bm_jw_wire, bm_keys_source_name(ci->keys));
    BM_JW_KV(w, "key_source", bm_jw_wire, keys ? ci->key_source : NULL);
    bm_jw_key(w, "finished");
    bm_jw_obj(w);
    BM_JW_KV(w, "client", bm_jw_str, bm_finished_name(ci->finished[BM_CLIENT]));
    BM_JW_KV(w, "server", bm_jw_str, bm_finished_name(ci->finished[BM_SERVER]));
    bm_jw_obj_end(w);
    bm_jw_key(w, "first_bad_record");
    if (b) {
        bm_jw_obj(w);
        BM_JW_KV(w, "direction", bm_jw_str, bm_role_name(b->direction));
        BM_JW_KV(w, "index", bm_jw_u64, b->index);
        BM_JW_KV(w, "frame", bm_jw_u64, b->frame);
        BM_JW_KV(w, "stream_offset", bm_jw_u64, b->stream_off);
        BM_JW_KV(w, "length", bm_jw_int, (int)b->length);
        BM_JW_KV(w, "reason", bm_jw_wire, bm_reason_name(b->reason, BM_NAME_JSON));
        bm_jw_obj_end(w);
    } else {
        bm_jw_null(w);
    }
}

/* A verdict line, worded (verdict_text.c). */
static void vline_json(bm_jw *w, const bm_vline *l)
{
    char line[BM_VLINE_TEXT_LEN];
    bm_vline_format(l, line, sizeof line);
    bm_jw_wire(w, line);
}

static void lines_json(bm_jw *w, const bm_vline *l, unsigned n, unsigned max)
{
    bm_jw_arr(w);
    for (unsigned i = 0; i < n && i < max; i++)
        vline_json(w, &l[i]);
    bm_jw_arr_end(w);
}

/* A record of ours: direction, index, frame, stream offset, length. */
static void record_fields(bm_jw *w, int direction, uint64_t index, uint64_t frame, uint64_t stream_off, int length)
{
    BM_JW_KV(w, "direction", bm_jw_str, bm_role_name(direction));
    BM_JW_KV(w, "index", bm_jw_u64, index);
    BM_JW_KV(w, "frame", bm_jw_u64, frame);
    BM_JW_KV(w, "stream_offset", bm_jw_u64, stream_off);
    BM_JW_KV(w, "length", bm_jw_int, length);
}

/* The diagnosis (issue [4/8], docs/diagnoses.md); null only if it did not run. */
static void verdict_json(bm_jw *w, const bm_verdict *v)
{
    if (v->cause == BM_CAUSE_NONE) {
        bm_jw_null(w);
        return;
    }
    bm_jw_obj(w);
    BM_JW_KV(w, "cause", bm_jw_wire, bm_cause_name(v->cause));
    BM_JW_KV(w, "confidence", bm_jw_wire, bm_confidence_name(v->confidence));
    BM_JW_KV(w, "keyless", bm_jw_bool, v->keyless);
    BM_JW_KV(w, "summary", vline_json, &v->summary);
    BM_JW_KV(w, "evidence", lines_json, v->evidence, v->n_evidence, BM_VERDICT_MAX_EVIDENCE);
    BM_JW_KV(w, "exonerates", lines_json, v->exonerates, v->n_exonerates, BM_VERDICT_MAX_EXONERATES);
    BM_JW_KV(w, "next_steps", lines_json, v->next_steps, v->n_next_steps, BM_VERDICT_MAX_STEPS);
    bm_jw_key(w, "record");
    if (v->has_record) {
        bm_jw_obj(w);
        record_fields(w, v->record.direction, v->record.index, v->record.frame, v->record.stream_off,
                      (int)v->record.length);
        bm_jw_obj_end(w);
    } else {
        bm_jw_null(w);
    }
    bm_jw_key(w, "repair");
    if (v->has_repair) {
        const bm_repair_ref *r = &v->repair;
        bm_jw_obj(w);
        BM_JW_KV(w, "direction", bm_jw_str, bm_role_name(r->direction));
        BM_JW_KV(w, "index", bm_jw_u64, r->index);
        BM_JW_KV(w, "where", bm_jw_str, r->in_header ? "header" : "body");
        BM_JW_KV(w, "record_offset", bm_jw_u64, r->record_offset);
        BM_JW_KV(w, "stream_offset", bm_jw_u64, r->stream_offset);
        BM_JW_KV(w, "frame", bm_jw_u64, r->frame);
        BM_JW_KV(w, "byte_frame", int_or_null, r->byte_frame != 0, (int64_t)r->byte_frame);
        BM_JW_KV(w, "frame_offset", int_or_null, r->frame_offset >= 0, (int64_t)r->frame_offset);
        BM_JW_KV(w, "bit", int_or_null, r->bit >= 0, r->bit);
        BM_JW_KV(w, "bits", bm_jw_int, (int)r->bits);
        BM_JW_KV(w, "xor", bm_jw_hex, r->xor_mask, r->len <= 16 ? r->len : 16);
        bm_jw_obj_end(w);
    } else {
        bm_jw_null(w);
    }
    bm_jw_obj_end(w);
}

/* One JSON line, written with one fwrite; into the caller's reused buffer
 * (scratch) or one of its own. */
static bm_jw *begin(bm_jw *scratch, bm_jw *own)
{
    memset(own, 0, sizeof *own);
    bm_jw *w = scratch ? scratch : own;
    bm_jw_reset(w);
    return w;
}

static void put_line(FILE *out, bm_jw *w, bm_jw *own)
{
    bm_jw_eol(w);
    if (!w->oom)
        fwrite(w->buf, 1, w->len, out);
    bm_jw_free(own);
}

void bm_json_conn(FILE *out, const bm_conn *c, bm_jw *scratch)
{
    bm_jw own;
    bm_jw *w = begin(scratch, &own);
    const bm_handshake *h = &c->hs;
    bm_jw_obj(w);
    BM_JW_KV(w, "type", bm_jw_str, "connection");
    BM_JW_KV(w, "id", bm_jw_u64, c->id);
    BM_JW_KV(w, "capture", bm_jw_wire, c->capture);
    BM_JW_KV(w, "client", endpoint_json, &c->client);
    BM_JW_KV(w, "server", endpoint_json, &c->server);
    BM_JW_KV(w, "roles_guessed", bm_jw_bool, c->role_guessed);
    BM_JW_KV(w, "midstream", bm_jw_bool, c->midstream);
    BM_JW_KV(w, "first_frame", bm_jw_u64, c->first_frame);
    BM_JW_KV(w, "last_frame", bm_jw_u64, c->last_frame);
    bm_jw_key(w, "reported_at"); /* the order of the report (bm_conn.capture_index): badmac merge sorts by it */
    bm_jw_obj(w);
    BM_JW_KV(w, "capture_index", bm_jw_u64, c->capture_index);
    BM_JW_KV(w, "frame", int_or_null, c->report_frame != 0, (int64_t)c->report_frame);
    bm_jw_obj_end(w);
    if (c->n_spans || c->spans_partial) { /* merged captures: which file and frame each number is */
        bm_jw_key(w, "files");
        bm_jw_arr(w);
        for (unsigned i = 0; i < c->n_spans && i < BM_CONN_SPANS; i++) {
            const bm_file_span *sp = &c->spans[i];
            bm_jw_obj(w);
            BM_JW_KV(w, "file", bm_jw_wire, sp->file);
            BM_JW_KV(w, "first_frame", bm_jw_u64, sp->first_frame);
            BM_JW_KV(w, "last_frame", bm_jw_u64, sp->last_frame);
            BM_JW_KV(w, "file_first_frame", bm_jw_u64, sp->file_frame);
            BM_JW_KV(w, "file_last_frame", bm_jw_u64, sp->file_frame + (sp->last_frame - sp->first_frame));
            bm_jw_obj_end(w);
        }
        bm_jw_arr_end(w);
        BM_JW_KV(w, "files_skipped", bm_jw_u64, c->spans_skipped); /* left out after files[0] */
        BM_JW_KV(w, "files_partial", bm_jw_bool, c->spans_partial);
    }
    BM_JW_KV(w, "start_time", bm_jw_real, (double)c->first_ts_ns / 1e9);
    BM_JW_KV(w, "end_time", bm_jw_real, (double)c->last_ts_ns / 1e9);
    static const char *const ends[] = {"open", "fin", "rst"};
    BM_JW_KV(w, "end", bm_jw_str, ends[c->end <= BM_CONN_RST ? c->end : 0]);
    BM_JW_KV(w, "end_by", bm_jw_str, bm_role_name(c->end_by));
    BM_JW_KV(w, "version", version_or_null, h->version);
    BM_JW_KV(w, "cipher_suite", bm_jw_wire, h->server_hello_seen ? bm_tls_suite_name(h->cipher_suite) : NULL);
    BM_JW_KV(w, "cipher_suite_id", int_or_null, h->server_hello_seen, h->cipher_suite);
    bm_jw_key(w, "handshake");
    bm_jw_obj(w);
    BM_JW_KV(w, "client_hello", bm_jw_bool, h->client_hello_seen);
    BM_JW_KV(w, "server_hello", bm_jw_bool, h->server_hello_seen);
    BM_JW_KV(w, "record_version", version_or_null, h->record_version);
    BM_JW_KV(w, "client_version", version_or_null, h->client_version);
    BM_JW_KV(w, "server_version", version_or_null, h->server_version);
    BM_JW_KV(w, "session_id", bm_jw_hex, h->session_id, h->session_id_len);
    BM_JW_KV(w, "client_session_id", bm_jw_hex, h->client_session_id, h->client_session_id_len);
    bm_jw_obj_end(w);
    BM_JW_KV(w, "resumption_offered", bm_jw_bool, h->resumption_offered);
    BM_JW_KV(w, "resumed", bm_jw_bool, h->resumed);
    BM_JW_KV(w, "extensions", extensions_json, h);
    bm_jw_key(w, "certificates");
    bm_jw_arr(w);
    for (unsigned i = 0; i < h->n_certs && i < BM_MAX_CERTS; i++) {
        bm_jw_obj(w);
        BM_JW_KV(w, "subject", bm_jw_wire, h->certs[i].subject);
        BM_JW_KV(w, "issuer", bm_jw_wire, h->certs[i].issuer);
        BM_JW_KV(w, "sha256", bm_jw_hex, h->certs[i].sha256, 32);
        bm_jw_obj_end(w);
    }
    bm_jw_arr_end(w);
    bm_jw_key(w, "records");
    bm_jw_obj(w);
    BM_JW_KV(w, "client", records_dir_json, &c->rec[BM_CLIENT], &c->crypto, BM_CLIENT);
    BM_JW_KV(w, "server", records_dir_json, &c->rec[BM_SERVER], &c->crypto, BM_SERVER);
    bm_jw_obj_end(w);
    crypto_json(w, &c->crypto, bm_first_bad(c));
    bm_jw_key(w, "alerts");
    bm_jw_arr(w);
    for (unsigned i = 0; i < c->n_alerts && i < BM_MAX_ALERTS; i++)
        alert_json(w, &c->alerts[i]);
    bm_jw_arr_end(w);
    const bm_status_info *st = &c->status;
    BM_JW_KV(w, "failed", bm_jw_bool, st->status == BM_STATUS_FAILED);
    BM_JW_KV(w, "status", bm_jw_str, bm_status_name(st->status));
    BM_JW_KV(w, "status_reason", bm_jw_wire, st->status == BM_STATUS_OK ? NULL : bm_status_reason_name(st->reason));
    bm_jw_key(w, "aborted");
    if (st->aborted) {
        bm_jw_obj(w);
        BM_JW_KV(w, "by", bm_jw_wire, bm_role_name(st->abort_by));
        BM_JW_KV(w, "how", bm_jw_str, st->abort_rst ? "rst" : "fin");
        BM_JW_KV(w, "frame", bm_jw_u64, st->abort_frame);
        BM_JW_KV(w, "reason", bm_jw_wire, bm_status_reason_name(st->abort_reason));
        bm_jw_obj_end(w);
    } else {
        bm_jw_null(w);
    }
    bm_jw_key(w, "prime_suspect");
    if (st->prime_why != BM_PRIME_NONE) {
        static const char *const why[] = {NULL, "first_bad_record", "before_fatal_alert", "before_abort"};
        const bm_record_ref *p = &st->prime;
        bm_jw_obj(w);
        record_fields(w, p->direction, p->index, p->frame, p->stream_off, (int)p->length);
        BM_JW_KV(w, "why", bm_jw_str, why[st->prime_why & 3]);
        bm_jw_obj_end(w);
    } else {
        bm_jw_null(w);
    }
    BM_JW_KV(w, "fatal_alert_from", bm_jw_wire, c->failed ? bm_role_name(c->fatal_from) : NULL);
    bm_jw_key(w, "suspect_record");
    if (c->has_suspect) {
        const bm_record_ref *s = &c->suspect;
        bm_jw_obj(w);
        record_fields(w, s->direction, s->index, s->frame, s->stream_off, (int)s->length);
        BM_JW_KV(w, "content_type", bm_jw_wire, bm_tls_content_type_name(s->type));
        bm_jw_obj_end(w);
    } else {
        bm_jw_null(w);
    }
    BM_JW_KV(w, "tcp", tcp_json, &c->tcp);
    bm_jw_key(w, "problems");
    bm_jw_arr(w);
    for (unsigned i = 0; i < c->n_findings && i < BM_MAX_FINDINGS; i++) {
        char line[BM_FINDING_TEXT_LEN];
        bm_finding_format(&c->findings[i], line, sizeof line);
        bm_jw_wire(w, line);
    }
    bm_jw_arr_end(w);
    BM_JW_KV(w, "diagnosis", verdict_json, &c->verdict);
    if (c->evidence.file) { /* --keep-failures */
        bm_jw_key(w, "evidence");
        bm_jw_obj(w);
        BM_JW_KV(w, "file", bm_jw_wire, c->evidence.file);
        BM_JW_KV(w, "packets", bm_jw_u64, c->evidence.packets);
        BM_JW_KV(w, "key_lines", bm_jw_u64, c->evidence.key_lines);
        BM_JW_KV(w, "partial", bm_jw_bool, c->evidence.partial);
        bm_jw_obj_end(w);
    }
    bm_jw_obj_end(w);
    put_line(out, w, &own);
}

void bm_json_summary(FILE *out, const bm_totals *t)
{
    bm_jw own;
    bm_jw *w = begin(NULL, &own);
    bm_jw_obj(w);
    BM_JW_KV(w, "type", bm_jw_str, "summary");
    BM_JW_KV(w, "connections", bm_jw_u64, t->connections);
    BM_JW_KV(w, "failed", bm_jw_u64, t->failed);
    BM_JW_KV(w, "unknown", bm_jw_u64, t->unknown);
    BM_JW_KV(w, "frames", bm_jw_u64, t->frames);
    BM_JW_KV(w, "input_errors", bm_jw_int, (int)t->input_errors);
    BM_JW_KV(w, "closed_early", bm_jw_u64, t->closed_early);
    bm_jw_obj_end(w);
    put_line(out, w, &own);
}

static void pattern_row(bm_jw *w, const char *key, uint64_t total, uint64_t failed)
{
    bm_jw_obj(w);
    BM_JW_KV(w, "key", bm_jw_wire, key);
    BM_JW_KV(w, "connections", bm_jw_u64, total);
    BM_JW_KV(w, "failed", bm_jw_u64, failed);
    bm_jw_obj_end(w);
}

void bm_json_patterns(FILE *out, const bm_patterns *p)
{
    bm_jw own;
    bm_jw *w = begin(NULL, &own);
    bm_jw_obj(w);
    BM_JW_KV(w, "type", bm_jw_str, "patterns");
    BM_JW_KV(w, "connections", bm_jw_u64, p->total);
    BM_JW_KV(w, "failed", bm_jw_u64, p->failed);
    bm_jw_key(w, "groups");
    bm_jw_obj(w);
    for (unsigned g = 0; g < BM_PAT_GROUPS; g++) {
        const bm_pat_group *pg = &p->g[g];
        bm_jw_key(w, bm_pattern_group_name(g));
        bm_jw_arr(w);
        for (unsigned i = 0; i < pg->n && i < BM_PAT_KEYS; i++)
            pattern_row(w, pg->rows[i].key, pg->rows[i].total, pg->rows[i].failed);
        if (pg->other_total)
            pattern_row(w, "other", pg->other_total, pg->other_failed);
        bm_jw_arr_end(w);
    }
    bm_jw_obj_end(w);
    bm_jw_obj_end(w);
    put_line(out, w, &own);
}
