/*
 * analysis.c - wires the stages together: capture -> TLS (-> decryption
 * when key material exists) -> diagnosis -> (report, via the caller's
 * callback). Owns one instance of each stage; no globals. The diagnosis
 * runs here, once per connection, on what the decryption stage kept.
 */
#include "../../include/badmac/badmac.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>

#include <openssl/crypto.h>

#include "../capture/capture.h"
#include "../crypto/crypto.h"
#include "../crypto/rsa.h"
#include "../decrypt/decrypt.h"
#include "../diagnose/diagnose.h"
#include "../export/export.h"
#include "../keys/keyfile.h"
#include "../keys/keylog.h"
#include "../keys/psk.h"
#include "../keys/keystore.h"
#include "../tls/hook.h"
#include "../tls/tls.h"
#include "../util/diag.h"

#define ANALYSIS_OPEN_KEPT 1024
#define ANALYSIS_FOLLOW_KEEP 262144u /* key log entries followed: ~50,000 TLS 1.3 sessions, ~40 MiB */

struct bm_analysis {
    bm_analysis_opts opts;
    bm_diag diag;
    bm_diag key_diag;      /* key files: their bad lines do not make the capture input "malformed" */
    bm_diag mute;          /* a shard other than the first: what shard 0 says about the capture */
    bm_diag *shared;       /* messages about the capture, not one connection: &diag, or &mute */
    uint32_t capture_seq;  /* captures read so far (bm_conn.capture_index) */
    bm_tls *tls;
    bm_tcp_table *tcp;
    bm_capture_opts cap_opts;
    bm_totals totals;
    char *current;         /* copy of the capture path being read */
    bm_keystore *ks;
    bm_rsa_keys *rsa;
    bm_crypto_ctx *cc;
    bm_decrypt *dec;
    bool hooked;
    bm_export *exp;        /* --export-plaintext / --export-keylog, NULL: none */
    bm_search_budget search; /* the bit searches' budget over the whole run */
    uint64_t search_told;  /* searches cut short or skipped already in a notice */
    /* NSS key logs followed during a live capture: what peers append
     * (SSLKEYLOGFILE) is read as it comes; off: bytes consumed. */
    char *follow[64];
    uint64_t follow_off[64];
    unsigned n_follow;
    uint64_t ks_keep;      /* followed: the keystore keeps its first entries and the newest
                            * ANALYSIS_FOLLOW_KEEP (bm_keystore_expire): bounded over days */
    /* Files given one after the other: the connections still open at the
     * end of the previous file, and how many of this file's, picked up
     * mid-stream, continue one of them (pieces of a rotated capture). */
    uint64_t open_at_end[2][ANALYSIS_OPEN_KEPT];
    unsigned n_open[2];
    int cur_open;
    uint64_t continued;
    bm_frame_runs *runs;   /* merged captures: which file and frame each frame number is */
    bm_evidence *ev;       /* --keep-failures, NULL: none */
};

/* hook_conn is the decryption stage's (the only hook installed), or NULL
 * for a connection that opened before the stage joined. */
/* The connection's two endpoints, whichever side is which. */
static uint64_t pair_key(const bm_conn *c)
{
    const bm_endpoint *e[2] = {&c->client, &c->server};
    if (memcmp(e[0], e[1], sizeof *e[0]) > 0) {
        e[0] = &c->server;
        e[1] = &c->client;
    }
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < 2; k++) {
        uint8_t b[19] = {e[k]->family, (uint8_t)(e[k]->port >> 8), (uint8_t)e[k]->port};
        memcpy(b + 3, e[k]->ip, 16);
        for (size_t i = 0; i < sizeof b; i++)
            h = (h ^ b[i]) * 1099511628211ull;
    }
    return h;
}

static void note_continuation(bm_analysis *a, const bm_conn *c)
{
    uint64_t k = pair_key(c);
    int cur = a->cur_open, prev = !cur;
    if (c->midstream)
        for (unsigned i = 0; i < a->n_open[prev]; i++)
            if (a->open_at_end[prev][i] == k) {
                a->continued++;
                break;
            }
    if (c->end == BM_CONN_OPEN && a->n_open[cur] < ANALYSIS_OPEN_KEPT)
        a->open_at_end[cur][a->n_open[cur]++] = k;
}

static void analysis_on_conn(void *ud, bm_conn *c, void *hook_conn)
{
    bm_analysis *a = ud;
    a->totals.connections++;
    c->capture_index = a->capture_seq;
    note_continuation(a, c);
    if (a->runs) {
        bool partial;
        c->n_spans = (uint8_t)bm_frame_runs_spans(a->runs, c->first_frame, c->last_frame, c->spans, BM_CONN_SPANS,
                                                  &partial, &c->spans_skipped);
        c->spans_partial = partial;
        if (c->n_spans && !partial)
            c->capture = c->spans[0].file;
    }
    /* Without the decryption stage's evidence (no keys at all) the verdict
     * rests on what the TLS and TCP stages saw. The diagnosis writes the
     * status (failed / ok / unknown) first, then the verdict. */
    bm_diag_evidence ev;
    bool keyed = a->hooked && bm_decrypt_evidence(hook_conn, c, &ev);
    bm_diagnose_conn(keyed ? &ev : NULL, c, &a->search);
    bm_evidence_info evi;
    memset(&c->evidence, 0, sizeof c->evidence);
    if (a->ev && c->status.status == BM_STATUS_FAILED && bm_evidence_write(a->ev, c, &evi) == 0) {
        c->evidence.file = evi.path; /* valid during the callback */
        c->evidence.packets = evi.packets;
        c->evidence.key_lines = evi.key_lines;
        c->evidence.partial = evi.partial;
    }
    if (c->status.status == BM_STATUS_FAILED)
        a->totals.failed++;
    else if (c->status.status == BM_STATUS_UNKNOWN)
        a->totals.unknown++;
    if (a->opts.on_conn)
        a->opts.on_conn(a->opts.ud, c);
}

static void load_keys(bm_analysis *a, const bm_analysis_opts *o)
{
    for (unsigned i = 0; i < o->n_keylogs; i++) {
        struct stat st;
        bool regular = stat(o->keylogs[i], &st) == 0 && S_ISREG(st.st_mode);
        bm_diag_begin_file(&a->key_diag, o->keylogs[i]);
        bm_result r = bm_keyfile_load(a->ks, NULL, o->keylogs[i], &a->key_diag, NULL);
        bm_diag_end_file(&a->key_diag);
        if (!bm_is_ok(r))
            a->totals.key_errors++;
        else if (regular && a->n_follow < sizeof a->follow / sizeof a->follow[0] &&
                 (a->follow[a->n_follow] = strdup(o->keylogs[i])) != NULL)
            a->follow_off[a->n_follow++] = (uint64_t)st.st_size;
    }
    for (unsigned i = 0; i < o->n_rsa_keys; i++) {
        if (!a->rsa && !(a->rsa = bm_rsa_keys_new())) {
            a->totals.key_errors++;
            continue;
        }
        bm_diag_begin_file(&a->key_diag, o->rsa_keys[i]);
        bm_result r = bm_rsa_keys_load(a->rsa, o->rsa_keys[i], &a->key_diag);
        bm_diag_end_file(&a->key_diag);
        if (!bm_is_ok(r))
            a->totals.key_errors++;
    }
    for (unsigned i = 0; i < o->n_psks; i++) {
        bm_diag_begin_file(&a->key_diag, "--psk");
        bm_result r = bm_keys_add_psk(a->ks, o->psks[i], &a->key_diag);
        bm_diag_end_file(&a->key_diag);
        if (!bm_is_ok(r))
            a->totals.key_errors++;
    }
}

bm_analysis *bm_analysis_new(const bm_analysis_opts *o)
{
    bm_analysis *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->opts = *o;
    /* The arrays are borrowed for this call only. */
    a->opts.keylogs = a->opts.rsa_keys = a->opts.psks = NULL;
    a->opts.n_keylogs = a->opts.n_rsa_keys = a->opts.n_psks = 0;
    a->opts.export_plaintext_dir = NULL;
    a->diag.emit = o->on_diag;
    a->diag.ud = o->ud;
    a->key_diag = a->diag;
    a->shared = &a->diag;
    if (o->shards > 1 && o->shard != 0) {
        a->key_diag.emit = NULL; /* shard 0 reads the same key files and says what is wrong with them */
        a->shared = &a->mute;
    }
    bm_conn_sink sink = {.ud = a, .conn = analysis_on_conn};
    a->tls = bm_tls_new(&sink, &a->diag);
    a->search.left = o->search_budget ? o->search_budget : BM_SEARCH_BUDGET_DEFAULT;
    bm_capture_opts_default(&a->cap_opts);
    if (o->max_state_bytes)
        a->cap_opts.state_bytes_total = o->max_state_bytes;
    a->cap_opts.filter = o->filter;
    if (o->shards > 1 && o->shard < o->shards) {
        a->cap_opts.shards = o->shards;
        a->cap_opts.shard = o->shard;
    }
    if (o->keep_failures_dir) {
        a->ev = bm_evidence_new(o->keep_failures_dir, o->keep_ring_bytes ? o->keep_ring_bytes
                                                                          : BM_EVIDENCE_RING_DEFAULT,
                                o->on_diag, o->ud);
        a->cap_opts.tap = (bm_packet_tap){.ud = a->ev, .packet = bm_evidence_packet, .segment = bm_evidence_segment};
    }
    a->tcp = a->tls ? bm_tcp_new(&a->cap_opts, bm_tls_stream_sink(a->tls), &a->diag) : NULL;
    if (a->tcp)
        bm_tcp_set_shared_diag(a->tcp, a->shared);
    a->ks = bm_keystore_new();
    bool exporting = o->export_plaintext_dir || o->export_keylog || o->keep_failures_dir;
    if (exporting)
        a->exp = bm_export_new(o->export_plaintext_dir, o->export_keylog, o->on_diag, o->ud);
    if (a->exp)
        bm_export_set_evidence(a->exp, a->ev);
    if (!a->tls || !a->tcp || !a->ks || (exporting && !a->exp) || (o->keep_failures_dir && !a->ev)) {
        bm_analysis_free(a);
        return NULL;
    }
    load_keys(a, o);
    return a;
}

/* The decryption stage joins once there is something to decrypt with. */
static void maybe_hook(bm_analysis *a, bool always)
{
    if (a->hooked)
        return;
    bool have = bm_keystore_first(a->ks) != NULL || (a->rsa && bm_rsa_keys_count(a->rsa) > 0);
    if (!have && !always)
        return;
    if (!a->cc && !(a->cc = bm_crypto_new())) {
        bm_diag_frame(&a->diag, 0, "libcrypto cannot be initialised: records are not decrypted");
        return;
    }
    a->dec = bm_decrypt_new(a->cc, a->ks, a->rsa, &a->diag);
    if (!a->dec)
        return;
    if (a->exp)
        bm_decrypt_set_observer(a->dec, bm_export_observer(a->exp));
    bm_tls_set_hook(a->tls, bm_decrypt_hook(a->dec));
    a->hooked = true;
}

/* One notice for the bit searches the budget cut short since the last. */
static void note_searches(bm_analysis *a)
{
    uint64_t incomplete = a->search.stopped + a->search.skipped;
    if (incomplete > a->search_told) {
        bm_diag_notice(&a->diag, 0,
                       "%llu bit searches cut short or not run: the run's budget for them is spent (their verdicts "
                       "say so; --search-budget raises it)",
                       (unsigned long long)(incomplete - a->search_told));
        a->search_told = incomplete;
    }
}

/* After a capture (one file, or merged files): its connections reported
 * (they never outlive it: frame numbers are per capture), its notices, its
 * totals. 0, or -1 when it could not be read. */
static int capture_done(bm_analysis *a, const bm_capture_stats *st, bm_result r)
{
    bm_tcp_flush(a->tcp);
    note_searches(a);
    bm_diag_end_file(&a->diag);
    if (a->shared != &a->diag)
        bm_diag_end_file(a->shared);
    a->capture_seq++;
    a->totals.frames += st->frames;
    a->totals.bytes += st->bytes;
    a->totals.closed_early = bm_tcp_evicted(a->tcp);
    if (!bm_is_ok(r)) {
        a->totals.unreadable++;
        return -1;
    }
    return 0;
}

int bm_analysis_add_capture(bm_analysis *a, const char *path)
{
    a->cur_open = !a->cur_open; /* the previous file's open connections become "prev" */
    a->n_open[a->cur_open] = 0;
    a->continued = 0;
    free(a->current);
    a->current = strdup(path);
    if (!a->current)
        return -1;
    bm_diag_begin_file(&a->diag, a->current);
    if (a->shared != &a->diag)
        bm_diag_begin_file(a->shared, a->current);
    bm_tls_set_capture(a->tls, a->current);
    bm_keys_dsb_ctx dsb = {.ks = a->ks, .diag = a->shared, .capture_name = a->current};
    /* A file that cannot be read is reported by the capture reader below. */
    /* standard input can be read once: its decryption secrets blocks are
     * not looked for ahead (docs/capture.md) */
    bm_result sr = bm_capture_is_stdin(a->current) ? BM_SUCCESS
                                                   : bm_pcapng_scan_secrets(a->current, bm_keys_dsb_cb, &dsb, NULL);
    (void)sr.code;
    maybe_hook(a, false);
    bm_capture_stats st;
    memset(&st, 0, sizeof st);
    bm_result r = bm_capture_read_file(a->current, a->tcp, a->shared, &st);
    bm_tcp_flush(a->tcp);
    if (a->continued) /* about connections: each shard tells its own */
        bm_diag_notice(&a->diag, 0,
                       "%llu connections continue connections left open at the end of the previous file: the "
                       "files look like pieces of one capture (tcpdump -C or -G); without --separate they are read "
                       "as one",
                       (unsigned long long)a->continued);
    return capture_done(a, &st, r);
}

int bm_analysis_add_merged(bm_analysis *a, const char *const *paths, unsigned n)
{
    /* messages about a frame name its file (diag.locate); the others name
     * the merge by its first and last file */
    size_t len = strlen(paths[0]) + (n > 1 ? strlen(paths[n - 1]) : 0) + 64;
    free(a->current);
    a->current = malloc(len);
    if (!a->current)
        return -1;
    if (n > 2)
        snprintf(a->current, len, "merged: %s ... %s (%u files)", paths[0], paths[n - 1], n);
    else
        snprintf(a->current, len, "merged: %s%s%s", paths[0], n > 1 ? " " : "", n > 1 ? paths[n - 1] : "");
    bm_diag_begin_file(&a->diag, a->current);
    if (a->shared != &a->diag)
        bm_diag_begin_file(a->shared, a->current);
    bm_tls_set_capture(a->tls, a->current);
    for (unsigned i = 0; i < n; i++) {
        bm_keys_dsb_ctx dsb = {.ks = a->ks, .diag = a->shared, .capture_name = paths[i]};
        if (!bm_capture_is_stdin(paths[i])) {
            bm_result sr = bm_pcapng_scan_secrets(paths[i], bm_keys_dsb_cb, &dsb, NULL);
            (void)sr.code;
        }
    }
    maybe_hook(a, false);
    bm_capture_stats st;
    bool *alone = calloc(n, sizeof *alone);
    if (!alone)
        return -1;
    bm_frame_runs_free(a->runs);
    a->runs = bm_frame_runs_new(paths, n); /* without it (out of memory) frames keep their merged numbers */
    if (a->runs) {
        a->diag.locate = a->shared->locate = bm_frame_runs_locate;
        a->diag.locate_ud = a->shared->locate_ud = a->runs;
    }
    bm_result r = bm_capture_read_merged(paths, n, a->tcp, a->shared, &st, a->runs, alone);
    int rc = capture_done(a, &st, r);
    a->diag.locate = a->shared->locate = NULL;
    a->diag.locate_ud = a->shared->locate_ud = NULL;
    bm_frame_runs_free(a->runs);
    a->runs = NULL;
    for (unsigned i = 0; i < n; i++) /* what libpcap cannot merge, on its own */
        if (alone[i]) {
            bm_diag_notice(a->shared, 0, "%s: interfaces of different link types: read on its own, not merged with "
                           "the other captures", paths[i]);
            if (bm_analysis_add_capture(a, paths[i]) != 0)
                rc = -1;
        }
    free(alone);
    return rc;
}

/* The complete lines appended to the followed key logs since the last
 * call, into the keystore (a line still being written waits). Called by
 * the live capture before each packet: a peer writes its secrets before it
 * sends what they protect. */
static void follow_keylogs(void *ud)
{
    bm_analysis *a = ud;
    for (unsigned i = 0; i < a->n_follow; i++) {
        struct stat st;
        if (stat(a->follow[i], &st) != 0)
            continue;
        if ((uint64_t)st.st_size < a->follow_off[i]) /* truncated and written anew */
            a->follow_off[i] = 0;
        if ((uint64_t)st.st_size == a->follow_off[i])
            continue;
        FILE *f = fopen(a->follow[i], "rb");
        if (!f)
            continue;
        size_t want = (size_t)((uint64_t)st.st_size - a->follow_off[i]);
        if (want > (1u << 20))
            want = 1u << 20;
        uint8_t *buf = malloc(want);
        size_t got = buf && fseeko(f, (off_t)a->follow_off[i], SEEK_SET) == 0 ? fread(buf, 1, want, f) : 0;
        fclose(f);
        size_t end = got;
        while (end && buf[end - 1] != '\n')
            end--;
        if (end) {
            bm_diag_begin_file(&a->key_diag, a->follow[i]);
            bm_result r = bm_keylog_load_mem(a->ks, buf, end, a->follow[i], &a->key_diag);
            (void)r.code;
            bm_diag_end_file(&a->key_diag);
            a->follow_off[i] += end;
        }
        if (buf)
            OPENSSL_cleanse(buf, got);
        free(buf);
    }
}

/* Live, before each batch of packets: the followed key logs' new lines;
 * then the secrets of connections long gone leave the keystore (those the
 * key logs gave and the sessions the decryption stage stored): bounded
 * over days. A connection's keys are derived when its handshake is seen,
 * a second after its lines arrive. */
static void live_tick(void *ud)
{
    bm_analysis *a = ud;
    follow_keylogs(a);
    (void)bm_keystore_expire(a->ks, a->ks_keep);
}

int bm_analysis_add_live(bm_analysis *a, const char *iface, double duration_s, uint64_t count, unsigned idle_s,
                         volatile const int *stop)
{
    size_t len = strlen(iface) + sizeof "live:";
    free(a->current);
    if (!(a->current = malloc(len)))
        return -1;
    snprintf(a->current, len, "live:%s", iface);
    bm_diag_begin_file(&a->diag, a->current);
    bm_tls_set_capture(a->tls, a->current);
    /* with key logs to follow, decryption joins at once: the first
     * connection's secrets arrive after its first bytes */
    maybe_hook(a, a->n_follow > 0);
    a->ks_keep = bm_keystore_get_stats(a->ks)->entries + ANALYSIS_FOLLOW_KEEP;
    bm_live_opts lo = {.iface = iface, .duration_s = duration_s, .count = count, .idle_s = idle_s, .stop = stop,
                       .before_packet = live_tick, .ud = a,
                       .delay_s = a->n_follow ? 1.0 : 0.0, .buffer_bytes = a->opts.live_buffer_bytes};
    bm_capture_stats st;
    bm_result r = bm_capture_read_live(&lo, a->tcp, &a->diag, &st);
    return capture_done(a, &st, r);
}

void bm_analysis_finish(bm_analysis *a, bm_totals *out)
{
    a->totals.input_errors = a->diag.errors;
    a->totals.notices = a->diag.notices;
    a->totals.export_errors = bm_export_errors(a->exp) + bm_evidence_errors(a->ev);
    if (out)
        *out = a->totals;
}

void bm_analysis_free(bm_analysis *a)
{
    if (!a)
        return;
    if (a->tcp)
        bm_tcp_free(a->tcp);
    if (a->tls)
        bm_tls_free(a->tls);
    bm_decrypt_free(a->dec);
    bm_export_free(a->exp);
    bm_evidence_free(a->ev);
    bm_rsa_keys_free(a->rsa);
    bm_keystore_free(a->ks);
    bm_crypto_free(a->cc);
    free(a->current);
    for (unsigned i = 0; i < a->n_follow; i++)
        free(a->follow[i]);
    free(a);
}
