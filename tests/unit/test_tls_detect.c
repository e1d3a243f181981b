/* Recognising TLS by content: non-TLS on TLS ports, mid-stream pickup,
 * a plaintext preamble (STARTTLS), ids; and no crash on mutated input. */
#include "test_tls_harness.h"

static tb *tbn(void) { return calloc(1, sizeof(tb)); }

static void appdata(tb *w, int n, size_t len)
{
    for (int i = 0; i < n; i++) {
        tb_u8(w, 23);
        tb_u16(w, 0x0303);
        tb_u16(w, (unsigned)len);
        tb_fill(w, 0x40 + (unsigned)i, len);
    }
}

static void test_not_tls(void)
{
    th *h = th_new();
    const char *req = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
    th_conn c = th_open(h, 40000, 443);
    th_data(&c, 0, req, strlen(req));
    th_data(&c, 1, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
    ok(th_close(&c, true) == NULL, "HTTP on 443: no conn");
    is_int(h->n_diag, 1, "one diag line");
    is_str(h->diag_lines[0], "test.pcap: frame 2: notice: TCP port 443 carries no TLS (first bytes 47 45 54 20)",
           "diag names the frame, port and first bytes");
    /* Traffic badmac does not analyse is no input error (exit status 2). */
    is_int(h->diag.errors, 0, "not counted as an input error");
    is_int(h->diag.notices, 1, "counted as a notice");

    c = th_open(h, 40000, 80);
    th_data(&c, 0, req, strlen(req));
    ok(th_close(&c, true) == NULL, "HTTP on 80: no conn");
    is_int(h->n_diag, 1, "no diag for a non-TLS port");

    c = th_open(h, 40000, 8443);
    ok(th_close(&c, true) == NULL, "no data at all: no conn");
    is_int(h->n_diag, 1, "and no diag");

    /* A large non-TLS stream is given up on after the detection limit. */
    c = th_open(h, 40000, 993);
    uint8_t *junk = malloc(200000);
    for (size_t i = 0; i < 200000; i++)
        junk[i] = (uint8_t)('a' + i % 26);
    th_data_split(&c, 0, junk, 200000, 1460);
    ok(th_close(&c, true) == NULL, "200 kB of text on 993: no conn");
    ok(h->n_diag == 2 && strstr(h->diag_lines[1], "port 993 carries no TLS (first bytes 61 62 63 64)"),
       "diag for 993");
    free(junk);
    th_free(h);
}

static void test_midstream(void)
{
    th *h = th_new();
    /* First packet seen from the server (side A = port 443). */
    th_conn c = th_open(h, 443, 51000);
    tb *w = tbn();
    appdata(w, 4, 1000);
    th_data_split(&c, 0, w->b + 300, w->n - 300, 1448);
    w->n = 0;
    appdata(w, 2, 50);
    th_data_split(&c, 1, w->b + 20, w->n - 20, 7);
    const bm_conn *k = th_close(&c, false);
    ok(k != NULL, "mid-stream application data: conn");
    ok(k && k->midstream && k->role_guessed, "midstream, roles guessed");
    is_int(k ? k->server.port : 0, 443, "server on 443");
    is_int(k ? k->rec[BM_SERVER].count : 0, 3, "server: 3 whole records after the cut one");
    is_int(k ? k->rec[BM_SERVER].unparsed_bytes : 0, 1005 - 300, "rest of the cut record skipped");
    is_int(k ? k->rec[BM_SERVER].resyncs : 0, 1, "one resync");
    is_int(k ? k->rec[BM_CLIENT].count : 0, 1, "client: the last record, confirmed at the end");
    ok(k && !k->failed, "not failed");
    free(w);
    th_free(h);
}

static void test_starttls(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 40000, 25);
    th_data(&c, 1, "220 mail ESMTP\r\n", 16);
    th_data(&c, 0, "EHLO x\r\nSTARTTLS\r\n", 18);
    th_data(&c, 1, "220 go ahead\r\n", 14);
    tb *e = tbn(), *body = tbn(), *w = tbn();
    tb_ext(e, 0, "\x00\x0c\x00\x00\x09mail.test", 14);
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    body->n = w->n = 0;
    tb_server_hello(body, 0x0303, NULL, NULL, 0, 0xc02f, NULL);
    tb_hs_record(w, 0x0303, 2, body);
    th_data_tb(&c, 1, w);
    const bm_conn *k = th_close(&c, true);
    ok(k && k->hs.client_hello_seen && k->hs.server_hello_seen, "TLS after a plaintext preamble");
    is_str(k ? k->hs.sni : "", "mail.test", "SNI");
    is_int(k ? k->rec[BM_CLIENT].unparsed_bytes : 0, 18, "preamble skipped");
    ok(k && !k->role_guessed && k->client.port == 40000, "client from the ClientHello");
    is_int(k ? k->id : 0, 1, "id 1");
    free(e);
    free(body);
    free(w);

    c = th_open(h, 40001, 443);
    uint8_t r[] = {23, 3, 3, 0, 1, 0};
    th_data(&c, 0, r, sizeof r);
    k = th_close(&c, true);
    is_int(k ? k->id : 0, 2, "ids count connections handed out");
    th_free(h);
}

/* Mutated and randomly chunked handshakes: must never crash (run under
 * ASan/UBSan by `make sanitize`). */
static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void test_mutations(void)
{
    th *h = th_new();
    tb *base = tbn(), *e = tbn(), *body = tbn();
    tb_ext(e, 0, "\x00\x08\x00\x00\x05" "a.com", 10);
    tb_ext(e, 43, "\x02\x03\x04", 3);
    tb_ext(e, 51, "\x00\x06\x00\x1d\x00\x02\xaa\xbb", 8);
    tb_ext(e, 41, "\x00\x0a\x00\x04" "abcd" "\x00\x00\x00\x00\x00\x21\x20" "0123456789abcdef0123456789abcdef", 47);
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(base, 0x0301, 1, body);
    tb_rec(base, 21, 0x0303, "\x02\x14", 2);
    appdata(base, 2, 30);
    uint32_t seed = 12345;
    int conns = 0;
    uint8_t *buf = malloc(base->n);
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(buf, base->b, base->n);
        int flips = 1 + (int)(rnd(&seed) % 6);
        for (int f = 0; f < flips; f++)
            buf[rnd(&seed) % base->n] = (uint8_t)rnd(&seed);
        th_conn c = th_open(h, 40000, 443);
        size_t pos = 0;
        while (pos < base->n) {
            size_t n = 1 + rnd(&seed) % 64;
            if (n > base->n - pos)
                n = base->n - pos;
            if (rnd(&seed) % 50 == 0)
                th_gap(&c, 0, n);
            else
                th_data(&c, (int)(rnd(&seed) % 2), buf + pos, n);
            pos += n;
        }
        h->n_conns = 0; /* keep the harness's array from filling */
        if (th_close(&c, rnd(&seed) % 2))
            conns++;
    }
    ok(conns > 0, "mutated inputs processed without a crash");
    free(buf);
    free(base);
    free(e);
    free(body);
    th_free(h);
}

int main(void)
{
    test_not_tls();
    test_midstream();
    test_starttls();
    test_mutations();
    return tap_done();
}
