/* Handshake edge cases: SSLv2 hello, truncated and malformed hellos,
 * reassembly across records and byte-by-byte, oversized messages. */
#include "test_tls_harness.h"

static void ext_sni(tb *e, const char *host)
{
    size_t n = strlen(host);
    tb b = {{0}, 0};
    tb_u16(&b, (unsigned)(n + 3));
    tb_u8(&b, 0);
    tb_u16(&b, (unsigned)n);
    tb_put(&b, host, n);
    tb_ext(e, 0, b.b, b.n);
}

static tb *tbn(void) { return calloc(1, sizeof(tb)); }

static void test_sslv2(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 40002, 443);
    tb *w = tbn();
    tb_v2_hello(w);
    th_data_split(&c, 0, w->b, w->n, 7);
    tb *body = tbn();
    w->n = 0;
    tb_server_hello(body, 0x0301, NULL, NULL, 0, 0x002f, NULL);
    tb_hs_record(w, 0x0301, 2, body);
    th_data_tb(&c, 1, w);
    const bm_conn *k = th_close(&c, true);
    ok(k && k->hs.client_hello_seen, "SSLv2 ClientHello recognised");
    is_int(k ? k->hs.record_version : 0, 0x0002, "record version SSL 2.0");
    is_int(k ? k->hs.client_version : 0, 0x0301, "client_version from the v2 hello");
    ok(k && k->hs.client_random[16] == 0xa0 && k->hs.client_random[31] == 0xaf && k->hs.client_random[0] == 0,
       "challenge right-aligned into the random");
    is_int(k ? k->rec[BM_CLIENT].count : 0, 1, "one client record");
    is_int(k ? k->rec[BM_CLIENT].by_type[2] : 0, 1, "counted as handshake");
    is_int(k ? k->hs.version : 0, 0x0301, "TLS 1.0 negotiated");
    is_int(k ? k->n_findings : -1, 0, "no problems");
    free(w);
    free(body);
    th_free(h);
}

static void test_truncated_and_malformed(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 40003, 443);
    tb *e = tbn(), *body = tbn(), *w = tbn(), *m = tbn();
    ext_sni(e, "cut.example");
    tb_ext(e, 10, "\x00\x02\x00\x1d", 4);
    tb_client_hello(body, 0x0303, NULL, 0, e);
    /* The message says 300 more bytes than the capture holds. */
    tb_u8(m, 1);
    tb_u24(m, (unsigned)body->n + 300);
    tb_put(m, body->b, body->n);
    tb_rec(w, 22, 0x0301, m->b, m->n);
    th_data_tb(&c, 0, w);
    const bm_conn *k = th_close(&c, true);
    ok(k && k->hs.client_hello_seen, "truncated ClientHello: seen");
    ok(k && th_has_problem(k, "ClientHello truncated"), "truncated ClientHello: problem");
    is_str(k ? k->hs.sni : "", "cut.example", "truncated ClientHello: SNI still read");

    /* A complete message whose extensions overrun it. */
    c = th_open(h, 40004, 443);
    e->n = body->n = w->n = 0;
    ext_sni(e, "x.example");
    tb_client_hello(body, 0x0303, NULL, 0, e);
    body->b[2 + 32 + 1 + 2 + 4 + 2] = 0x7f; /* extensions length high byte */
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    k = th_close(&c, true);
    ok(k && th_has_problem(k, "malformed ClientHello"), "inconsistent extensions length: malformed");

    /* A malformed extension is reported and the next one still read. */
    c = th_open(h, 40005, 443);
    e->n = body->n = w->n = 0;
    tb_ext(e, 1, "\x02\x02", 2); /* max_fragment_length with 2 bytes */
    tb_ext(e, 43, "\x03\x03\x04", 3); /* odd supported_versions list */
    ext_sni(e, "after.example");
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    k = th_close(&c, true);
    ok(k && th_has_problem(k, "malformed max_fragment_length"), "bad MFL extension reported");
    ok(k && th_has_problem(k, "malformed supported_versions"), "bad supported_versions reported");
    is_str(k ? k->hs.sni : "", "after.example", "parsing continues after a bad extension");
    ok(k && !th_has_problem(k, "malformed ClientHello"), "the hello itself is well-formed");
    free(e);
    free(body);
    free(w);
    free(m);
    th_free(h);
}

/* A ClientHello split over two records and delivered byte by byte; three
 * server messages in one record. */
static void test_reassembly(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 40006, 443);
    tb *e = tbn(), *body = tbn(), *m = tbn(), *w = tbn();
    ext_sni(e, "split.example");
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs(m, 1, body);
    size_t half = m->n / 2;
    tb_rec(w, 22, 0x0301, m->b, half);
    tb_rec(w, 22, 0x0301, m->b + half, m->n - half);
    th_data_split(&c, 0, w->b, w->n, 1);
    const bm_conn *k = th_close(&c, true);
    is_str(k ? k->hs.sni : "", "split.example", "hello across records, byte by byte");
    is_int(k ? k->rec[BM_CLIENT].count : 0, 2, "two records");
    is_int(k ? k->hs.record_version : 0, 0x0301, "record version");

    /* An oversized handshake message is skipped; the next is read. */
    c = th_open(h, 40007, 443);
    w->n = 0;
    body->n = 0;
    tb_client_hello(body, 0x0303, NULL, 0, NULL);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    size_t big = 300 * 1024;
    uint8_t *stream = calloc(1, big + 4 + 200);
    stream[0] = 11;
    stream[1] = (uint8_t)(big >> 16);
    stream[2] = (uint8_t)(big >> 8);
    stream[3] = (uint8_t)big;
    size_t sn = 4 + big;
    body->n = 0;
    tb_server_hello(body, 0x0303, NULL, NULL, 0, 0xc02f, NULL);
    m->n = 0;
    tb_hs(m, 2, body);
    tb_hs(m, 14, e); /* a ServerHelloDone with a body: content irrelevant */
    memcpy(stream + sn, m->b, m->n);
    sn += m->n;
    for (size_t off = 0; off < sn; off += 16384) {
        size_t n = sn - off < 16384 ? sn - off : 16384;
        w->n = 0;
        tb_rec(w, 22, 0x0303, stream + off, n);
        th_data_tb(&c, 1, w);
    }
    k = th_close(&c, true);
    ok(k && th_has_problem(k, "exceeds the 256 KiB reassembly cap"), "oversized message reported");
    ok(k && k->hs.server_hello_seen, "message after the oversized one parsed");
    free(stream);
    free(e);
    free(body);
    free(m);
    free(w);
    th_free(h);
}

int main(void)
{
    test_sslv2();
    test_truncated_and_malformed();
    test_reassembly();
    return tap_done();
}
