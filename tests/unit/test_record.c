/* Record framing: chunking, resync after garbage and gaps, size limits,
 * and the record hook seam. */
#include "test_tls_harness.h"

/* ---- a recording hook ---- */

typedef struct hook_log {
    int n;
    bm_tls_record_ev ev[64];
    int payload_seen[64];
    int closed;
} hook_log;

static void *hk_open(void *ud, const bm_tuple *t) { (void)t; return ud; }
static void hk_record(void *hc, const bm_tls_record_ev *ev, bm_tls_opened *out)
{
    (void)out;
    hook_log *l = hc;
    if (l->n < 64) {
        l->ev[l->n] = *ev;
        l->payload_seen[l->n] = ev->payload && ev->len ? ev->payload[ev->len - 1] : -1;
        l->ev[l->n].payload = NULL;
    }
    l->n++;
}
static void hk_close(void *hc, bm_conn *c) { ((hook_log *)hc)->closed += c ? 1 : 100; }

static tb *tbn(void) { return calloc(1, sizeof(tb)); }

/* n application_data records of 'len' bytes, last payload byte = index */
static void appdata(tb *w, int n, size_t len)
{
    for (int i = 0; i < n; i++) {
        tb_u8(w, 23);
        tb_u16(w, 0x0303);
        tb_u16(w, (unsigned)len);
        tb_fill(w, 0xee, len - 1);
        tb_u8(w, (unsigned)i);
    }
}

static void test_many_in_one_chunk(void)
{
    th *h = th_new();
    hook_log log;
    memset(&log, 0, sizeof log);
    bm_tls_hook hk = {.ud = &log, .want_payload = true, .conn_open = hk_open, .record = hk_record,
                      .conn_close = hk_close};
    bm_tls_set_hook(h->tls, &hk);
    th_conn c = th_open(h, 40000, 443);
    tb *w = tbn();
    appdata(w, 50, 100);
    th_data_tb(&c, 1, w); /* all in frame 2 */
    const bm_conn *k = th_close(&c, false);
    ok(k != NULL, "appdata-only stream is TLS");
    is_int(k ? k->rec[BM_SERVER].count : 0, 50, "50 records in one chunk");
    is_int(k ? k->rec[BM_SERVER].bytes : 0, 5000, "payload bytes");
    is_int(k ? k->rec[BM_SERVER].by_type[3] : 0, 50, "all application_data");
    is_int(k ? k->rec[BM_SERVER].resyncs : 9, 0, "in sync from the first byte");
    is_int(log.n, 50, "hook saw every record");
    ok(log.ev[49].index == 49 && log.ev[49].frame == 2 && log.ev[49].stream_off == 49 * 105,
       "hook: index, frame and offset");
    is_int(log.payload_seen[7], 7, "hook got the payload (want_payload)");
    ok(log.ev[3].protected_, "appdata judged protected");
    is_int(log.closed, 1, "hook closed with the conn");
    free(w);
    th_free(h);
}

/* Byte-by-byte: the frame of a record is the frame of its last byte. */
static void test_byte_by_byte(void)
{
    th *h = th_new();
    hook_log log;
    memset(&log, 0, sizeof log);
    bm_tls_hook hk = {.ud = &log, .want_payload = false, .conn_open = hk_open, .record = hk_record,
                      .conn_close = hk_close};
    bm_tls_set_hook(h->tls, &hk);
    th_conn c = th_open(h, 40000, 443);
    tb *w = tbn();
    appdata(w, 3, 10);
    tb_rec(w, 21, 0x0303, "\x01\x00", 2); /* plaintext warning close_notify (no CCS seen) */
    th_data_split(&c, 0, w->b, w->n, 1);
    const bm_conn *k = th_close(&c, true);
    is_int(k ? k->rec[BM_CLIENT].count : 0, 4, "4 records from single bytes");
    /* frames 2.. carry one byte each: record i ends at byte 15*(i+1)-1 */
    is_int(log.ev[0].frame, 2 + 14, "record 0 frame = frame of its last byte");
    is_int(log.ev[2].frame, 2 + 44, "record 2 frame");
    ok(log.ev[0].payload == NULL, "no payload for appdata without want_payload");
    is_int(log.payload_seen[3], 0, "alert payload passed (reassembled)");
    is_int(k ? k->rec[BM_CLIENT].max_length : 0, 10, "max length");
    is_int(k ? k->rec[BM_CLIENT].max_length_frame : 0, 2 + 14, "max length frame: first record of that length");
    free(w);
    th_free(h);
}

static void test_impossible_length(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 40000, 443);
    tb *w = tbn();
    appdata(w, 2, 20);
    /* no content type: over the protocol's length, it cannot be a record */
    tb_put(w, "\x30\x03\x03\xff\xff", 5);
    tb_fill(w, 0, 10);
    appdata(w, 3, 30);
    th_data_split(&c, 1, w->b, w->n, 13);
    const bm_conn *k = th_close(&c, false);
    is_int(k ? k->rec[BM_SERVER].count : 0, 5, "records on both sides of the garbage");
    is_int(k ? k->rec[BM_SERVER].resyncs : 0, 1, "one resync, after the garbage");
    is_int(k ? k->rec[BM_SERVER].unparsed_bytes : 0, 15, "15 garbage bytes skipped");
    ok(h->n_diag == 1 && strstr(h->diag_lines[0], "impossible TLS record header") &&
           strstr(h->diag_lines[0], "test.pcap: frame ") && strstr(h->diag_lines[0], ": notice: "),
       "one notice line naming file and frame");
    /* Garbage inside a TCP stream is traffic, not a capture badmac cannot read. */
    is_int(h->diag.errors, 0, "not an input error");
    ok(k && th_has_problem(k, "length 65535"), "problem names the length");
    free(w);
    th_free(h);
}

static void test_gaps(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 40000, 443);
    tb *w = tbn();
    appdata(w, 5, 40); /* records at 0, 45, 90, 135, 180 */
    th_data(&c, 0, w->b, 90);
    th_gap(&c, 0, 20); /* header of record 2 and some of its body */
    th_data(&c, 0, w->b + 110, w->n - 110);
    const bm_conn *k = th_close(&c, true);
    is_int(k ? k->rec[BM_CLIENT].count : 0, 4, "record across the gap lost, the rest framed");
    ok(k && th_has_problem(k, "20 bytes not captured at stream offset 90 (client->server)"), "gap problem");
    is_int(k ? k->rec[BM_CLIENT].resyncs : 0, 1, "resynchronised after the gap");
    is_int(k ? k->rec[BM_CLIENT].unparsed_bytes : 0, 25, "rest of the lost record skipped");

    /* A gap inside a body whose header was seen keeps the framing. */
    c = th_open(h, 40000, 443);
    th_data(&c, 0, w->b, 100);
    th_gap(&c, 0, 10);
    th_data(&c, 0, w->b + 110, w->n - 110);
    k = th_close(&c, true);
    is_int(k ? k->rec[BM_CLIENT].count : 0, 5, "gap inside a body: every record framed");
    is_int(k ? k->rec[BM_CLIENT].resyncs : 9, 0, "no resync needed");

    /* Capture ends inside a record. */
    c = th_open(h, 40000, 443);
    th_data(&c, 0, w->b, 60);
    k = th_close(&c, true);
    ok(k && th_has_problem(k, "capture ends inside a record: 10 of 40"), "truncated last record noted");
    free(w);
    th_free(h);
}

/* A finding recorded before the roles are known holds the capture side
 * and is named by the role decided at close: here side A is on port 443
 * (guessed the server while live) but sent the SYN (the client). */
static void test_finding_role_at_close(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 443, 40000);
    tb *w = tbn();
    appdata(w, 5, 40);
    th_data(&c, 0, w->b, 90);
    th_gap(&c, 0, 20);
    th_data(&c, 0, w->b + 110, w->n - 110);
    const bm_conn *k = th_close(&c, true);
    const bm_finding *f = k ? th_finding(k, BM_F_CAPTURE_GAP) : NULL;
    ok(k && k->client.port == 443, "the SYN sender is the client");
    ok(f && f->role == BM_CLIENT && f->stream_off == 90 && f->arg[0] == 20, "gap finding: client's, by fields");
    ok(k && th_has_problem(k, "20 bytes not captured at stream offset 90 (client->server)"),
       "named like the records it is about");
    free(w);
    th_free(h);
}

/* Client and server hellos that negotiate MFL and/or record_size_limit. */
static th_conn negotiated(th *h, int mfl, unsigned rsl_c, unsigned rsl_s, unsigned suite)
{
    th_conn c = th_open(h, 40000, 443);
    tb *e = tbn(), *body = tbn(), *w = tbn();
    uint8_t b[2];
    if (mfl) {
        b[0] = (uint8_t)mfl;
        tb_ext(e, 1, b, 1);
    }
    if (rsl_c) {
        b[0] = (uint8_t)(rsl_c >> 8);
        b[1] = (uint8_t)rsl_c;
        tb_ext(e, 28, b, 2);
    }
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    e->n = body->n = w->n = 0;
    if (mfl) {
        b[0] = (uint8_t)mfl;
        tb_ext(e, 1, b, 1);
    }
    if (rsl_s) {
        b[0] = (uint8_t)(rsl_s >> 8);
        b[1] = (uint8_t)rsl_s;
        tb_ext(e, 28, b, 2);
    }
    tb_server_hello(body, 0x0303, NULL, NULL, 0, suite, e);
    tb_hs_record(w, 0x0303, 2, body);
    th_data_tb(&c, 1, w);
    free(e);
    free(body);
    free(w);
    return c;
}

static void send_ccs(th_conn *c, int dir)
{
    uint8_t r[6] = {20, 3, 3, 0, 1, 1};
    th_data(c, dir, r, 6);
}

static void test_oversize(void)
{
    th *h = th_new();
    tb *w = tbn();
    /* MFL 1 = 512: a plaintext handshake record of 600 bytes is over it; a
     * GCM record may carry 512 + 8 + 16. */
    th_conn c = negotiated(h, 1, 0, 0, 0xc02f);
    tb_rec(w, 22, 0x0303, NULL, 0);
    w->n = 0;
    tb_u8(w, 22);
    tb_u16(w, 0x0303);
    tb_u16(w, 600);
    tb_u8(w, 11);
    tb_u24(w, 596);
    tb_u24(w, 593);
    tb_fill(w, 0, 593); /* Certificate with garbage list: content irrelevant */
    th_data_tb(&c, 1, w);
    send_ccs(&c, 1);
    w->n = 0;
    appdata(w, 1, 536);
    appdata(w, 1, 537);
    th_data_tb(&c, 1, w);
    const bm_conn *k = th_close(&c, true);
    is_int(k ? k->rec[BM_SERVER].flagged : 0, 2, "two server records over the limits");
    is_int(k ? k->rec[BM_SERVER].flagged_list[0].limit : 0, 512, "plaintext over MFL 512");
    is_int(k ? k->rec[BM_SERVER].flagged_list[0].length : 0, 600, "flagged length");
    is_int(k ? k->rec[BM_SERVER].flagged_list[1].limit : 0, 536, "GCM record over 512 + 24");
    is_int(k ? k->rec[BM_SERVER].flagged_list[1].index : 0, 4, "flagged index");
    is_int(k ? k->rec[BM_SERVER].flagged_list[1].direction : 9, BM_SERVER, "flagged direction by role");
    ok(k && th_has_problem(k, "over the negotiated limit of 512"), "problem names the negotiated limit");

    /* record_size_limit: the receiver's limit binds the sender. */
    c = negotiated(h, 0, 1000, 2000, 0xc02f);
    send_ccs(&c, 0);
    send_ccs(&c, 1);
    w->n = 0;
    appdata(w, 1, 1100);
    th_data_tb(&c, 1, w);
    th_data_tb(&c, 0, w);
    k = th_close(&c, true);
    is_int(k ? k->rec[BM_SERVER].flagged : 0, 1, "server record over the client's limit");
    is_int(k ? k->rec[BM_SERVER].flagged_list[0].limit : 0, 1024, "client limit 1000 + GCM 24");
    is_int(k ? k->rec[BM_CLIENT].flagged : 9, 0, "client record within the server's limit");

    /* Without negotiation: plaintext over 2^14; TLS 1.3 over 2^14+256. */
    c = negotiated(h, 0, 0, 0, 0xc02f);
    w->n = 0;
    tb_u8(w, 22);
    tb_u16(w, 0x0303);
    tb_u16(w, 16385);
    tb_u8(w, 11);
    tb_u24(w, 16381);
    tb_fill(w, 0, 16381);
    th_data_tb(&c, 1, w);
    k = th_close(&c, true);
    is_int(k ? k->rec[BM_SERVER].flagged_list[0].limit : 0, 16384, "plaintext protocol limit 2^14");
    ok(k && th_has_problem(k, "over the protocol limit of 16384"), "protocol limit problem");
    free(w);
    th_free(h);
}

static void test_zero_length(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 40000, 443);
    tb *w = tbn();
    appdata(w, 1, 10);
    tb_rec(w, 23, 0x0303, NULL, 0);
    tb_rec(w, 22, 0x0303, NULL, 0);
    appdata(w, 1, 10);
    th_data_tb(&c, 0, w);
    const bm_conn *k = th_close(&c, true);
    is_int(k ? k->rec[BM_CLIENT].count : 0, 4, "zero-length records framed");
    ok(k && th_has_problem(k, "zero-length handshake record #2"), "zero-length handshake noted");
    ok(k && !th_has_problem(k, "zero-length application_data"), "zero-length appdata is legal");
    free(w);
    th_free(h);
}

int main(void)
{
    test_many_in_one_chunk();
    test_byte_by_byte();
    test_impossible_length();
    test_gaps();
    test_finding_role_at_close();
    test_oversize();
    test_zero_length();
    return tap_done();
}
