/* Alerts: plaintext fatal alerts and the suspect record, and the inference
 * of encrypted alerts (TLS <= 1.2 type 21 after CCS, TLS 1.3 short
 * application_data records) from what followed them. */
#include "test_tls_harness.h"

static tb *tbn(void) { return calloc(1, sizeof(tb)); }

static void rec(th_conn *c, int dir, unsigned type, size_t len, unsigned fill)
{
    tb *w = tbn();
    tb_u8(w, type);
    tb_u16(w, 0x0303);
    tb_u16(w, (unsigned)len);
    tb_fill(w, fill, len);
    th_data_tb(c, dir, w);
    free(w);
}

/* CH (side A) / SH+SHD (side B); with 'tls13' the ServerHello selects TLS
 * 1.3 (suite 0x1301), else TLS 1.2 GCM. */
static th_conn hellos(th *h, bool tls13, bool client_is_b)
{
    int cl = client_is_b ? 1 : 0;
    th_conn c = client_is_b ? th_open(h, 443, 40000) : th_open(h, 40000, 443);
    tb *e = tbn(), *body = tbn(), *w = tbn();
    if (tls13)
        tb_ext(e, 43, "\x02\x03\x04", 3);
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, cl, w);
    e->n = body->n = w->n = 0;
    if (tls13)
        tb_ext(e, 43, "\x03\x04", 2);
    tb_server_hello(body, 0x0303, NULL, NULL, 0, tls13 ? 0x1301 : 0xc02f, e);
    tb_hs_record(w, 0x0303, 2, body);
    th_data_tb(&c, !cl, w);
    free(e);
    free(body);
    free(w);
    return c;
}

/* TLS 1.2: client CKE, CCS, Finished; then optionally the server's. */
static void tls12_finish(th_conn *c, bool server_too)
{
    rec(c, 0, 22, 70, 0x10); /* ClientKeyExchange: garbage body, type byte 0x10 */
    rec(c, 0, 20, 1, 1);
    rec(c, 0, 22, 40, 0x5a); /* encrypted Finished */
    if (server_too) {
        rec(c, 1, 20, 1, 1);
        rec(c, 1, 22, 40, 0x6b);
    }
}

/* The same with the client on side B: client (side 1) sends CKE, CCS,
 * Finished; server (side 0) CCS, Finished. */
static void tls12_finish_client_b(th_conn *c)
{
    rec(c, 1, 22, 70, 0x10);
    rec(c, 1, 20, 1, 1);
    rec(c, 1, 22, 40, 0x5a);
    rec(c, 0, 20, 1, 1);
    rec(c, 0, 22, 40, 0x6b);
}

static void test_plaintext_fatal(void)
{
    th *h = th_new();
    th_conn c = hellos(h, false, false);
    tls12_finish(&c, false);
    rec(&c, 1, 21, 2, 0);
    /* overwrite: level 2, bad_record_mac */
    tb *w = tbn();
    tb_rec(w, 21, 0x0303, "\x02\x14", 2);
    th_data_tb(&c, 1, w);
    th_fin(&c, 1, BM_END_FIN);
    th_fin(&c, 0, BM_END_FIN);
    const bm_conn *k = th_close(&c, true);
    ok(k && k->failed, "plaintext fatal alert: failed");
    is_int(k ? k->fatal_from : 9, BM_SERVER, "fatal from the server");
    is_int(k ? k->n_alerts : 0, 2, "two alert records read");
    is_int(k ? k->alerts[0].level : 0, 0, "first: level 0 (invalid)");
    ok(k && th_has_problem(k, "alert with invalid level 0"), "invalid level reported");
    ok(k && k->alerts[1].level == 2 && k->alerts[1].desc == 20 && !k->alerts[1].encrypted && !k->alerts[1].inferred,
       "second: fatal bad_record_mac, in the clear");
    is_int(k ? k->alerts[1].from : 9, BM_SERVER, "alert from the server");
    is_int(k ? k->alerts[1].index : 0, 2, "alert record index");
    ok(k && k->has_suspect, "suspect found");
    is_int(k ? k->suspect.direction : 9, BM_CLIENT, "suspect sent by the client");
    is_int(k ? k->suspect.index : 0, 3, "suspect: the client's encrypted Finished");
    is_int(k ? k->suspect.type : 0, 22, "suspect type");
    is_int(k ? k->suspect.length : 0, 40, "suspect length");
    is_int(k ? k->suspect.frame : 0, 6, "suspect frame");
    is_int(k ? k->end : 9, BM_CONN_FIN, "ended by FIN");
    is_int(k ? k->end_by : 9, BM_SERVER, "server closed first");
    free(w);
    th_free(h);
}

/* Before the ServerHello no protection can be on: a record of several
 * alerts is read as such (and a stray byte reported). */
static void test_multiple_and_partial(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 40000, 443);
    tb *w = tbn(), *body = tbn();
    tb_client_hello(body, 0x0303, NULL, 0, NULL);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    w->n = 0;
    tb_rec(w, 21, 0x0303, "\x01\x00\x02\x28\x02", 5); /* warning + fatal + 1 stray byte */
    th_data_tb(&c, 1, w);
    free(body);
    const bm_conn *k = th_close(&c, true);
    is_int(k ? k->n_alerts : 0, 2, "two alerts in one record");
    ok(k && k->alerts[1].desc == 40 && k->alerts[1].level == 2, "handshake_failure");
    ok(k && th_has_problem(k, "partial alert"), "stray byte reported");
    ok(k && k->failed && k->fatal_from == BM_SERVER, "fatal");
    is_int(k ? k->suspect.index : 9, 0, "suspect: the ClientHello");
    free(w);
    th_free(h);
}

/* The server's ChangeCipherSpec was not captured: its encrypted alert
 * arrives as a type 21 record while no protection is known to be on. It is
 * ONE protected alert, whatever its bytes look like: not 13 alerts read out
 * of ciphertext, no "invalid level" for a byte of ciphertext. */
static void protected_alert_case(unsigned len, unsigned fill, bool blind, const char *what)
{
    th *h = th_new();
    th_conn c;
    if (blind) {
        c = th_open(h, 40000, 443);
        rec(&c, 0, 23, 60, 0x33); /* capture starts in application data */
        rec(&c, 1, 23, 80, 0x44);
    } else {
        c = hellos(h, false, false);
        tls12_finish(&c, false); /* the server's CCS and Finished are lost */
        rec(&c, 1, 22, 40, 0x6b);
    }
    rec(&c, 1, 21, len, fill);
    th_fin(&c, 1, BM_END_FIN);
    th_fin(&c, 0, BM_END_FIN);
    const bm_conn *k = th_close(&c, !blind);
    char name[160];
    snprintf(name, sizeof name, "%s: one alert", what);
    is_int(k ? k->n_alerts : 0, 1, name);
    /* Its meaning is judged from what followed (a close_notify here when
     * application data had flowed), never read from its bytes. */
    snprintf(name, sizeof name, "%s: encrypted, inferred", what);
    ok(k && k->n_alerts >= 1 && k->alerts[0].encrypted && k->alerts[0].inferred &&
           (k->alerts[0].desc == -1 || k->alerts[0].desc == 0), name);
    snprintf(name, sizeof name, "%s: no invalid level, no partial alert", what);
    ok(k && !th_finding(k, BM_F_ALERT_INVALID_LEVEL) && !th_finding(k, BM_F_ALERT_PARTIAL), name);
    th_free(h);
}

static void test_protected_alert_without_ccs(void)
{
    protected_alert_case(26, 0x01, false, "26 bytes that read as 13 warnings");
    protected_alert_case(26, 0xa7, false, "26 bytes, invalid levels");
    protected_alert_case(37, 0x02, false, "odd length 37");
    protected_alert_case(4, 0x02, false, "4 bytes after the ServerHello");
    protected_alert_case(26, 0x02, true, "capture started late, 26 bytes of 0x02");
}

static void test_tls12_inferred_fatal(void)
{
    th *h = th_new();
    /* client is side B here: checks the role mapping too */
    th_conn c = hellos(h, false, true);
    tls12_finish_client_b(&c);
    rec(&c, 1, 21, 26, 0x77); /* encrypted alert from the client */
    th_fin(&c, 1, BM_END_RST);
    const bm_conn *k = th_close(&c, true);
    /* Right after the server's Finished, nothing after it but the client's
     * RST: a client rejecting the Finished and one closing at once look the
     * same on the wire. The level stays unknown, with what fits each. */
    ok(k && !k->failed, "encrypted alert then RST: not called fatal");
    is_int(k ? k->client.port : 0, 40000, "client is side B");
    is_int(k ? k->fatal_from : 9, -1, "no fatal alert from either side");
    ok(k && k->n_alerts == 1 && k->alerts[0].encrypted && k->alerts[0].inferred && k->alerts[0].level == -1 &&
           k->alerts[0].desc == -1 && k->alerts[0].level_unknown,
       "alert: encrypted, inferred, level unknown");
    is_int(k ? k->alerts[0].index : 0, 4, "alert record index");
    is_int(k ? k->alerts[0].fatal_why : 0, BM_FW_AFTER_PEER_RECORD, "fits fatal: right after the server's Finished");
    is_int(k ? k->alerts[0].close_why : 0, BM_FC_PEER_DONE, "fits close_notify: the server sent nothing more");
    ok(k && th_finding(k, BM_F_ALERT_LEVEL_UNKNOWN) && !th_finding(k, BM_F_ALERT_INFERRED_FATAL),
       "level unknown noted, no fatal inference");
    is_int(k ? k->rec[BM_CLIENT].count : 0, 5, "records mapped to the client role");
    is_int(k ? k->end : 9, BM_CONN_RST, "ended by RST");
    is_int(k ? k->end_by : 9, BM_CLIENT, "reset by the client");
    is_int(k ? k->tcp.ttl[BM_CLIENT] : 0, 50, "ttl per role (side B)");

    /* The client (side B) alerts right after a server record while the
     * server keeps sending: a fatal alert fits, and so does close_notify
     * from a client that stops in the middle (Python's unwrap() does):
     * level unknown; were it fatal, it rejected the server's record. */
    c = hellos(h, false, true);
    tls12_finish_client_b(&c);
    rec(&c, 1, 23, 100, 0x11);
    rec(&c, 0, 23, 300, 0x22);
    rec(&c, 1, 21, 26, 0x77);
    rec(&c, 0, 23, 300, 0x33);
    th_fin(&c, 1, BM_END_RST);
    k = th_close(&c, true);
    ok(k && !k->failed, "alert in the middle of the server's data: not called fatal");
    is_int(k ? k->fatal_from : 9, -1, "no fatal alert from either side");
    ok(k && k->alerts[0].level == -1 && k->alerts[0].desc == -1 && k->alerts[0].level_unknown,
       "level unknown, description unknown");
    is_int(k ? k->alerts[0].fatal_why : 0, BM_FW_PEER_KEPT_SENDING, "fits fatal: the server kept sending");
    is_int(k ? k->alerts[0].close_why : 0, BM_FC_MID_STREAM, "fits close_notify: a close in the middle");
    is_int(k && k->alerts[0].has_before ? k->alerts[0].before.direction : 9, BM_SERVER,
           "the record it would have rejected: the server's");
    is_int(k ? k->alerts[0].before.index : 9, 3, "that record's index");
    ok(k && th_finding(k, BM_F_ALERT_LEVEL_UNKNOWN) && !th_finding(k, BM_F_ALERT_INFERRED_FATAL), "level unknown noted");
    th_free(h);
}

/* One step of a scenario: a record (side, content type, length, fill
 * byte), or with type 0 the end of the side's direction (FIN, RST). */
typedef struct th_rec {
    int dir;
    unsigned type;
    size_t len;
    unsigned fill;
} th_rec;
#define FIN(side) {side, 0, BM_END_FIN, 0}
#define RST(side) {side, 0, BM_END_RST, 0}

/* The steps r[0..n) on c, then the connection closed. */
static const bm_conn *play(th_conn *c, const th_rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].type)
            rec(c, r[i].dir, r[i].type, r[i].len, r[i].fill);
        else
            th_fin(c, r[i].dir, (bm_stream_end)r[i].len);
    }
    return th_close(c, true);
}
#define PLAY(c, r) play(c, r, sizeof r / sizeof r[0])

/* A TLS 1.2 connection, client on side A, after the client's Finished
 * (and the server's when server_finished), then the steps r. */
#define TLS12_CLOSED(h, server_finished, r)                                                                   \
    (c = hellos(h, false, false), tls12_finish(&c, server_finished), PLAY(&c, r))

static void test_tls12_graceful_and_not(void)
{
    th *h = th_new();
    th_conn c;
    static const th_rec r1[] = {{0, 23, 100, 1}, {1, 23, 300, 2}, {0, 21, 26, 3}, {1, 21, 26, 4}, FIN(0), FIN(1)};
    const bm_conn *k = TLS12_CLOSED(h, true, r1);
    ok(k && !k->failed, "mutual encrypted alerts then FIN: not failed");
    /* The client's alert came after the server's data: it may have rejected
     * it (mbedTLS clients do so, and the server answers close_notify). */
    ok(k && k->n_alerts == 2 && k->alerts[0].level == -1 && k->alerts[0].level_unknown &&
           k->alerts[0].close_why == BM_FC_ANSWERED && k->alerts[0].fatal_why == BM_FW_AFTER_PEER_RECORD,
       "first alert after the peer's data, answered: level unknown");
    ok(k && k->n_alerts == 2 && k->alerts[1].level == 1 && k->alerts[1].desc == 0 &&
           k->alerts[1].close_why == BM_FC_AFTER_PEER_CLOSE,
       "the answer, nothing of the peer's but its alert since: close_notify");
    ok(k && k->alerts[0].inferred && k->alerts[0].encrypted, "marked inferred");

    /* The client's close_notify after its own request, crossing the
     * server's response: nothing the client received could have failed.
     * (Badmac once called this a fatal alert from the client.) */
    static const th_rec r2[] = {{0, 23, 100, 1}, {0, 21, 26, 3}, {1, 23, 300, 2}, FIN(0)};
    k = TLS12_CLOSED(h, true, r2);
    ok(k && !k->failed && k->alerts[0].level == 1 && k->alerts[0].desc == 0, "after own data, peer crossing: close_notify");
    is_int(k ? k->alerts[0].close_why : 0, BM_FC_AFTER_OWN_DATA, "reason: after the sender's own data");

    /* The peer keeps sending after an alert that followed its record, and
     * the sender's FIN: a cancelled transfer or a rejected record (the
     * same with the client on side B above): unknown, never fatal. */
    static const th_rec r3[] = {{0, 23, 100, 1}, {1, 23, 300, 2}, {0, 21, 26, 3}, {1, 23, 300, 2}, FIN(0)};
    k = TLS12_CLOSED(h, true, r3);
    ok(k && !k->failed && k->alerts[0].level_unknown, "peer kept sending, then FIN: level unknown, not failed");
    ok(k && k->alerts[0].fatal_why == BM_FW_PEER_KEPT_SENDING && k->alerts[0].close_why == BM_FC_MID_STREAM,
       "both readings kept: kept sending / closed mid-stream");

    /* The same answered by the peer's alert: both fit, level unknown. */
    static const th_rec r4[] = {{0, 23, 100, 1}, {1, 23, 300, 2}, {0, 21, 26, 3}, {1, 23, 300, 2}, {1, 21, 26, 4},
                                FIN(0)};
    k = TLS12_CLOSED(h, true, r4);
    ok(k && !k->failed && k->alerts[0].level == -1 && k->alerts[0].level_unknown, "kept sending, then answered: unknown");
    ok(k && k->alerts[1].level == 1, "the answer: close_notify");

    /* Before the handshake completed (server never sent its Finished). */
    static const th_rec r5[] = {{0, 21, 26, 3}, FIN(0), FIN(1)};
    k = TLS12_CLOSED(h, false, r5);
    ok(k && k->failed, "alert before the handshake completed: fatal");
    ok(k && th_has_problem(k, "before the handshake completed"), "reason noted");
    th_free(h);
}

static void test_tls13(void)
{
    th *h = th_new();
    /* graceful: data both ways, close_notify both ways, FIN */
    /* EE..Finished as one record; the client's Finished is 53 bytes. */
    static const th_rec r1[] = {{1, 20, 1, 1},   {1, 23, 2000, 1}, {0, 20, 1, 1},  {0, 23, 53, 2}, {0, 23, 200, 3},
                                {1, 23, 900, 4}, {0, 23, 19, 5},   FIN(0),         {1, 23, 19, 6}, FIN(1)};
    th_conn c = hellos(h, true, false);
    const bm_conn *k = PLAY(&c, r1);
    is_int(k ? k->n_alerts : 0, 2, "tls 1.3: both closing records taken for alerts");
    ok(k && !k->failed, "tls 1.3 graceful close: not failed");
    ok(k && k->alerts[0].from == BM_CLIENT && k->alerts[0].level_unknown && k->alerts[1].from == BM_SERVER &&
           k->alerts[1].desc == 0,
       "the client's alert after the server's data: unknown; the server's answer: close_notify; capture order");

    /* The client's first protected record is alert-sized, then FIN. */
    static const th_rec r2[] = {{1, 20, 1, 1}, {1, 23, 2000, 1}, {1, 23, 300, 2}, {0, 20, 1, 1}, {0, 23, 19, 5},
                                FIN(0),        FIN(1)};
    c = hellos(h, true, false);
    k = PLAY(&c, r2);
    ok(k && k->failed && k->fatal_from == BM_CLIENT, "tls 1.3 alert in place of Finished: fatal");
    ok(k && k->alerts[0].encrypted && k->alerts[0].inferred && k->alerts[0].level == 2, "inferred fatal");
    is_int(k ? k->suspect.index : 9, 3, "suspect: the server's last record");
    is_int(k ? k->suspect.length : 0, 300, "suspect length");

    /* After data: a short server record answered by the client's RST. */
    static const th_rec r3[] = {{1, 23, 2000, 1}, {0, 23, 53, 2}, {0, 23, 500, 3}, {1, 23, 19, 4}, RST(0)};
    c = hellos(h, true, false);
    k = PLAY(&c, r3);
    /* The server closing after the request, or rejecting it: unknown. */
    ok(k && k->n_alerts == 1 && !k->failed && k->alerts[0].level_unknown,
       "short record then peer RST: an alert, level unknown");
    is_int(k ? k->alerts[0].fatal_why : 0, BM_FW_AFTER_PEER_RECORD, "fits fatal: right after the client's record");

    /* A short final request (35 bytes: the length of JSSE's padded alerts,
     * 3 + 16 + 16) before FIN, answered by the server's data, as in the
     * tls13-record-size-limit fixture: application data. */
    static const th_rec r4[] = {{1, 23, 2000, 1}, {0, 23, 53, 4}, {0, 23, 35, 2}, FIN(0), {1, 23, 500, 3}, FIN(1)};
    c = hellos(h, true, false);
    k = PLAY(&c, r4);
    ok(k && !k->failed && k->n_alerts == 0, "35-byte last record, then the peer's data: not an alert");
    /* JSSE's end: the server's close_notify (19), then the client's padded
     * 35-byte alert (close_notify or bad_record_mac alike) and FIN. */
    static const th_rec r4j[] = {{1, 23, 2000, 1}, {0, 23, 53, 4}, {0, 23, 40, 2}, {1, 23, 900, 3},
                                 {1, 23, 19, 5},   {0, 23, 35, 6}, FIN(1),         FIN(0)};
    c = hellos(h, true, false);
    k = PLAY(&c, r4j);
    ok(k && k->n_alerts == 2 && k->alerts[1].from == BM_CLIENT && k->alerts[1].level_unknown && !k->failed,
       "JSSE's padded 35-byte alert after the server's data and close_notify: an alert, level unknown");
    /* 52 bytes (3 + 16 + 33): past the padding taken for an alert. */
    static const th_rec r4b[] = {{1, 23, 2000, 1}, {0, 23, 53, 4}, {0, 23, 52, 2}, FIN(0), {1, 23, 500, 3}, FIN(1)};
    c = hellos(h, true, false);
    k = PLAY(&c, r4b);
    ok(k && !k->failed && k->n_alerts == 0, "52-byte last record before FIN: data, not an alert candidate");

    /* A short last record without FIN/RST is not an alert. */
    static const th_rec r5[] = {{1, 23, 2000, 1}, {0, 23, 19, 2}};
    c = hellos(h, true, false);
    k = PLAY(&c, r5);
    ok(k && k->n_alerts == 0 && !k->failed, "no FIN: not taken for an alert");
    th_free(h);
}

int main(void)
{
    test_plaintext_fatal();
    test_multiple_and_partial();
    test_protected_alert_without_ccs();
    test_tls12_inferred_fatal();
    test_tls12_graceful_and_not();
    test_tls13();
    return tap_done();
}
