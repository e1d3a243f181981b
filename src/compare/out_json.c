/*
 * out_json.c - compare objects as JSON Lines (docs/compare.md). Strings
 * from the wire (SNI, certificate names) go through jansson, which escapes
 * them; invalid UTF-8 is replaced first.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../proto/proto.h"
#include "../report/json_str.h"
#include "../report/report.h"
#include "../tls/tls.h"
#include "compare_out.h"

static json_t *u64(uint64_t v) { return json_integer((json_int_t)v); }

/* Empty strings are null here: compare reports absent names that way. */
static json_t *str_or_null(const char *s) { return (!s || !*s) ? json_null() : bm_json_wire_str(s); }

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char buf[2 * 64 + 1];
    bm_cmp_hex(p, n > 64 ? 64 : n, buf, sizeof buf);
    return json_string(buf);
}

static json_t *endpoint(const bm_endpoint *e)
{
    char ip[64];
    bm_format_ip(e, ip, sizeof ip);
    return json_pack("{s:s, s:i}", "ip", ip, "port", (int)e->port);
}

static json_t *conn_json(const bm_cmp_fp *f)
{
    bm_endpoint c, s;
    bm_cmp_endpoints(f, &c, &s);
    return json_pack("{s:o, s:o}", "client", endpoint(&c), "server", endpoint(&s));
}

static json_t *cert_json(const bm_cmp_fp *f)
{
    if (!f->n_certs)
        return json_null();
    return json_pack("{s:o, s:o, s:o}", "subject", str_or_null(f->leaf.subject), "issuer",
                     str_or_null(f->leaf.issuer), "sha256", hex_json(f->leaf.sha256, 32));
}

static json_t *side_json(const bm_cmp_fp *f, const char *capture)
{
    const char *v = bm_tls_version_name(f->version);
    json_t *o = json_object();
    json_object_set_new(o, "capture", str_or_null(capture));
    json_object_set_new(o, "connection", conn_json(f));
    json_object_set_new(o, "first_frame", u64(f->first_frame));
    json_object_set_new(o, "last_frame", u64(f->last_frame));
    json_object_set_new(o, "start_time", json_real((double)f->first_ts / 1e9));
    json_object_set_new(o, "tls", json_boolean(f->tls));
    json_object_set_new(o, "sni", str_or_null(f->sni));
    json_object_set_new(o, "version", str_or_null(v));
    json_object_set_new(o, "client_random", f->hello ? hex_json(f->client_random, 32) : json_null());
    json_object_set_new(o, "certificate", cert_json(f));
    return o;
}

static json_t *bool_or_null(int v) { return v < 0 ? json_null() : json_boolean(v); }

static json_t *diff_json(const bm_cmp_result *r, const bm_cmp_diff *d)
{
    int rx = bm_cmp_receiver(r, d->dir);
    json_t *o = json_object();
    json_object_set_new(o, "direction", json_string(bm_cmp_dir_name(d->dir)));
    json_object_set_new(o, "offset_a", u64(d->offset));
    json_object_set_new(o, "offset_b", u64(d->offset));
    json_object_set_new(o, "length", u64(d->length));
    json_object_set_new(o, "differing_bytes", u64(d->differing_bytes));
    json_object_set_new(o, "differing_bits", u64(d->differing_bits));
    static const char *const fk[2] = {"frames_a", "frames_b"};
    static const char *const bk[2] = {"bytes_a", "bytes_b"};
    for (int i = 0; i < 2; i++) {
        json_t *fr = json_array();
        for (unsigned k = 0; k < d->n_frames[i]; k++)
            json_array_append_new(fr, u64(d->frames[i][k]));
        json_object_set_new(o, fk[i], fr);
    }
    json_object_set_new(o, "pattern", json_string(bm_cmp_pattern(d, rx)));
    json_t *bits = json_array();
    for (unsigned k = 0; k < d->n_bits; k++)
        json_array_append_new(bits, json_pack("{s:o, s:i}", "offset", u64(d->bits[k].offset), "bit",
                                              (int)d->bits[k].bit));
    json_object_set_new(o, "bits", bits);
    for (int i = 0; i < 2; i++)
        json_object_set_new(o, bk[i], hex_json(d->shown[i], d->n_shown));
    json_object_set_new(o, "receiver", json_string(rx == BM_CAP_A ? "a" : "b"));
    json_object_set_new(o, "checksum_valid_at_receiver", bool_or_null(d->csum[rx]));
    return o;
}

static json_t *dir_json(const bm_cmp_dirinfo *d)
{
    json_t *o = json_object();
    static const char *const suf[2] = {"_a", "_b"};
    static const char *const names[] = {"bytes", "segments", "retransmissions", "gaps", "gap_bytes", "bad_checksums",
                                  "missing"};
    for (int i = 0; i < 2; i++) {
        const uint64_t v[] = {d->bytes[i], d->segments[i], d->retrans[i], d->gaps[i], d->gap_bytes[i],
                              d->bad_csum[i], d->missing[i]};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            char key[40];
            snprintf(key, sizeof key, "%s%s", names[k], suf[i]);
            json_object_set_new(o, key, u64(v[k]));
        }
    }
    json_object_set_new(o, "compared", u64(d->compared));
    json_object_set_new(o, "retransmitted_one_side_only",
                        json_boolean((d->retrans[0] == 0) != (d->retrans[1] == 0)));
    json_object_set_new(o, "resegmented_at", d->resegmented ? u64(d->reseg_at) : json_null());
    json_object_set_new(o, "diverged_at", d->diverged ? u64(d->diverged_at) : json_null());
    json_object_set_new(o, "capture_loss_a", u64(d->capture_loss[0]));
    json_object_set_new(o, "capture_loss_b", u64(d->capture_loss[1]));
    json_object_set_new(o, "lost_between", u64(d->lost_between));
    json_object_set_new(o, "not_delivered_after_close", u64(d->after_close));
    return o;
}

static json_t *leg_json(const bm_cmp_result *r, const bm_cmp_conclusion *c, int cap)
{
    const bm_cmp_end *x = c->end[cap];
    json_t *o = json_object();
    json_object_set_new(o, "side", json_string(cap == BM_CAP_A ? "a" : "b"));
    json_object_set_new(o, "leg", json_string(cap == r->client_side ? "client" : "server"));
    json_object_set_new(o, "verdict", x ? json_string(bm_cmp_cause_name(x->cause)) : json_null());
    json_object_set_new(o, "confidence", x ? json_string(bm_cmp_confidence_name(x->confidence)) : json_null());
    json_object_set_new(o, "keyed", x ? json_boolean(x->keyed) : json_null());
    json_object_set_new(o, "failed", x ? json_boolean(bm_cmp_end_bad(x)) : json_null());
    json_object_set_new(o, "summary", x ? str_or_null(x->summary) : json_null());
    return o;
}

static json_t *interception_json(const bm_cmp_result *r, const bm_cmp_conclusion *c)
{
    if (!r->intercepted)
        return json_null();
    const bm_cmp_fp *a = r->fp[0], *b = r->fp[1];
    bool enc = (a->version == BM_TLS13 && !a->n_certs) || (b->version == BM_TLS13 && !b->n_certs);
    bool dec[2], cdec = false;
    json_t *o = json_object();
    json_object_set_new(o, "issuer_a", str_or_null(bm_cmp_leg_issuer(r, c, 0, &dec[0])));
    json_object_set_new(o, "issuer_b", str_or_null(bm_cmp_leg_issuer(r, c, 1, &dec[1])));
    json_object_set_new(o, "subject_a", str_or_null(bm_cmp_leg_subject(r, c, 0)));
    json_object_set_new(o, "subject_b", str_or_null(bm_cmp_leg_subject(r, c, 1)));
    json_object_set_new(o, "intercepted_by", str_or_null(bm_cmp_leg_issuer(r, c, r->client_side, &cdec)));
    json_object_set_new(o, "client_random_differs",
                        json_boolean(memcmp(a->client_random, b->client_random, 32) != 0));
    json_object_set_new(o, "certificates_encrypted", json_boolean(enc));
    json_object_set_new(o, "certificates_decrypted", json_boolean(dec[0] || dec[1]));
    if (c) {
        json_t *legs = json_array();
        json_array_append_new(legs, leg_json(r, c, r->client_side));
        json_array_append_new(legs, leg_json(r, c, !r->client_side));
        json_object_set_new(o, "legs", legs);
        json_object_set_new(o, "failed_leg", c->failed_leg == 2           ? json_string("both")
                                             : c->failed_leg == BM_CLIENT ? json_string("client")
                                             : c->failed_leg == BM_SERVER ? json_string("server")
                                                                          : json_null());
    } else {
        json_object_set_new(o, "legs", json_null());
        json_object_set_new(o, "failed_leg", json_null());
    }
    return o;
}

static void emit(FILE *f, json_t *o)
{
    json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    fflush(f);
    json_decref(o);
}

static json_t *end_json(const bm_cmp_end *x)
{
    if (!x)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "cause", json_string(bm_cmp_cause_name(x->cause)));
    json_object_set_new(o, "confidence", json_string(bm_cmp_confidence_name(x->confidence)));
    json_object_set_new(o, "keyed", json_boolean(x->keyed));
    json_object_set_new(o, "failed", json_boolean(x->failed));
    json_object_set_new(o, "fatal_alert_from", x->fatal_from == BM_CLIENT   ? json_string("client")
                                               : x->fatal_from == BM_SERVER ? json_string("server")
                                                                            : json_null());
    json_object_set_new(o, "summary", str_or_null(x->summary));
    return o;
}

static json_t *conclusion_json(const bm_cmp_conclusion *c)
{
    if (!c)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "a", end_json(c->end[0]));
    json_object_set_new(o, "b", end_json(c->end[1]));
    json_object_set_new(o, "placement", json_string(c->placement));
    json_object_set_new(o, "conclusion", str_or_null(c->text));
    return o;
}

void bm_cmp_json_pair(FILE *f, const bm_cmp_result *r, const bm_cmp_conclusion *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("pair"));
    json_object_set_new(o, "a", side_json(r->fp[0], r->capture[0]));
    json_object_set_new(o, "b", side_json(r->fp[1], r->capture[1]));
    json_object_set_new(o, "paired_by", json_string(bm_cmp_method_name(r->method)));
    json_object_set_new(o, "clock_offset_s", json_real(r->clock_offset_s));
    json_object_set_new(o, "one_way_delay_s", json_real(r->one_way_delay_s));
    json_object_set_new(o, "vantage", r->client_side == BM_CAP_A ? json_pack("[s,s]", "a", "b")
                                                                 : json_pack("[s,s]", "b", "a"));
    json_object_set_new(o, "vantage_guessed", json_boolean(r->vantage_guessed));
    json_object_set_new(o, "directions", json_pack("{s:o, s:o}", "client", dir_json(&r->d[BM_CLIENT]),
                                                   "server", dir_json(&r->d[BM_SERVER])));
    json_t *diffs = json_array();
    for (unsigned i = 0; i < r->n_diffs; i++)
        json_array_append_new(diffs, diff_json(r, &r->diffs[i]));
    json_object_set_new(o, "diff", diffs);
    json_object_set_new(o, "diff_count", u64(r->total_diffs));
    json_t *miss = json_array();
    for (unsigned i = 0; i < r->n_missing; i++) {
        const bm_cmp_missing *m = &r->missing[i];
        json_array_append_new(miss, json_pack("{s:s, s:s, s:o, s:o, s:b, s:s, s:o}", "direction",
                                              bm_cmp_dir_name(m->dir), "missing_at", m->at == BM_CAP_A ? "a" : "b",
                                              "offset", u64(m->offset), "length", u64(m->length), "declared_gap",
                                              m->declared, "state", bm_cmp_miss_state_name(m->state),
                                              "frame_other", u64(m->frame)));
    }
    json_object_set_new(o, "missing", miss);
    json_object_set_new(o, "missing_count", u64(r->total_missing));
    json_object_set_new(o, "interception", interception_json(r, c));
    json_object_set_new(o, "verdict", json_string(bm_cmp_verdict_name(r->verdict)));
    char why[1024];
    bm_cmp_explain(r, c, why, sizeof why);
    json_object_set_new(o, "explanation", str_or_null(why));
    json_object_set_new(o, "endpoints", conclusion_json(c));
    emit(f, o);
}

void bm_cmp_json_unpaired(FILE *f, int cap, const bm_cmp_fp *fp, const char *capture)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("unpaired"));
    json_object_set_new(o, "side", json_string(cap == BM_CAP_A ? "a" : "b"));
    json_t *s = side_json(fp, capture);
    json_object_update(o, s);
    json_decref(s);
    /* as on a pair: the captures it was seen in, its diff ranges (null: not
     * compared) and interception (null: not known without a counterpart) */
    json_object_set_new(o, "vantage", json_pack("[s]", cap == BM_CAP_A ? "a" : "b"));
    json_object_set_new(o, "diff", json_null());
    json_object_set_new(o, "interception", json_null());
    emit(f, o);
}

void bm_cmp_json_cert(FILE *f, const bm_cmp_certcheck *k)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("certificate_check"));
    json_t *s = side_json(k->fp, k->capture);
    json_object_update(o, s);
    json_decref(s);
    /* the certificate checked: in the clear, or decrypted (TLS 1.3, --keylog) */
    json_object_set_new(o, "certificate",
                        k->has_leaf ? json_pack("{s:o, s:o, s:o}", "subject", str_or_null(k->leaf.subject), "issuer",
                                                str_or_null(k->leaf.issuer), "sha256", hex_json(k->leaf.sha256, 32))
                                    : json_null());
    json_object_set_new(o, "certificate_decrypted", json_boolean(k->has_leaf && k->leaf.decrypted));
    json_object_set_new(o, "expected_sha256", json_string(k->expected_hex));
    json_object_set_new(o, "match", bool_or_null(k->match));
    json_object_set_new(o, "note", str_or_null(k->note));
    emit(f, o);
}

void bm_cmp_json_summary(FILE *f, const bm_cmp_totals *t, int two)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("compare_summary"));
    json_object_set_new(o, "connections_a", u64(t->conns[0]));
    json_object_set_new(o, "connections_b", two ? u64(t->conns[1]) : json_null());
    json_object_set_new(o, "pairs", u64(t->pairs));
    json_object_set_new(o, "unpaired_a", u64(t->unpaired[0]));
    json_object_set_new(o, "unpaired_b", u64(t->unpaired[1]));
    json_object_set_new(o, "not_tracked", u64(t->untracked[0] + t->untracked[1]));
    json_t *v = json_object();
    for (int i = 0; i < BM_V_COUNT; i++)
        json_object_set_new(v, bm_cmp_verdict_name((bm_cmp_verdict)i), u64(t->by_verdict[i]));
    json_object_set_new(o, "verdicts", v);
    json_object_set_new(o, "clock_offset_s", json_real(t->clock_offset_s));
    json_object_set_new(o, "offset_samples", u64(t->offset_samples));
    emit(f, o);
}
