/* Handshake parsing through the stream sink: hellos and their extensions,
 * resumption, TLS 1.3, HRR, SSLv2 hello, truncation and malformed input. */
#include "test_tls_harness.h"

static const uint8_t SID[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

/* server_name list with one host_name */
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

static void ext_alpn(tb *e, const char *a, const char *b2)
{
    tb b = {{0}, 0};
    size_t na = strlen(a), nb = b2 ? strlen(b2) : 0;
    tb_u16(&b, (unsigned)(1 + na + (b2 ? 1 + nb : 0)));
    tb_u8(&b, (unsigned)na);
    tb_put(&b, a, na);
    if (b2) {
        tb_u8(&b, (unsigned)nb);
        tb_put(&b, b2, nb);
    }
    tb_ext(e, 16, b.b, b.n);
}

static void ext_u8(tb *e, unsigned type, unsigned v) { uint8_t b = (uint8_t)v; tb_ext(e, type, &b, 1); }
static void ext_u16(tb *e, unsigned type, unsigned v) { uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v}; tb_ext(e, type, b, 2); }

static tb *tbn(void) { return calloc(1, sizeof(tb)); }

/* A TLS 1.2 full handshake with every extension of interest. */
static void test_tls12_full(void)
{
    th *h = th_new();
    th_conn c = th_open(h, 50000, 443);
    tb *e = tbn(), *body = tbn(), *w = tbn();
    ext_sni(e, "example.com");
    ext_u8(e, 1, 2);                              /* max_fragment_length 2^10 */
    tb_ext(e, 4, NULL, 0);                        /* truncated_hmac */
    tb_ext(e, 10, "\x00\x04\x00\x1d\x00\x17", 6); /* supported_groups */
    ext_alpn(e, "h2", "http/1.1");
    tb_ext(e, 22, NULL, 0);
    tb_ext(e, 23, NULL, 0);
    tb_ext(e, 35, NULL, 0);                       /* empty ticket: none to resume */
    ext_u16(e, 28, 4096);
    tb_ext(e, 43, "\x04\x03\x03\x03\x02", 5);     /* supported_versions */
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);

    e->n = body->n = w->n = 0;
    tb_ext(e, 0, NULL, 0);
    ext_u8(e, 1, 2);
    tb_ext(e, 4, NULL, 0);
    tb_ext(e, 22, NULL, 0);
    tb_ext(e, 23, NULL, 0);
    ext_alpn(e, "h2", NULL);
    tb_ext(e, 35, NULL, 0);
    ext_u16(e, 28, 2048);
    tb_ext(e, 0xff01, "\x00", 1);
    tb_server_hello(body, 0x0303, NULL, SID, 32, 0xc02f, e);
    /* ServerHello, ServerHelloDone and a NewSessionTicket later */
    tb *msgs = tbn(), *empty = tbn();
    tb_hs(msgs, 2, body);
    tb_hs(msgs, 14, empty);
    tb_rec(w, 22, 0x0303, msgs->b, msgs->n);
    th_data_tb(&c, 1, w);

    w->n = 0;
    tb_fill(body, 0, 0);
    body->n = 0;
    tb_fill(body, 0x33, 66);
    tb_hs_record(w, 0x0303, 16, body); /* ClientKeyExchange */
    tb_rec(w, 20, 0x0303, "\x01", 1);
    tb_fill(body, 0, 0);
    uint8_t fin[40];
    memset(fin, 0x5a, sizeof fin);
    tb_rec(w, 22, 0x0303, fin, sizeof fin); /* encrypted Finished: must not be parsed */
    th_data_tb(&c, 0, w);

    w->n = 0;
    body->n = 0;
    tb_fill(body, 0x44, 20);
    tb_hs_record(w, 0x0303, 4, body);
    tb_rec(w, 20, 0x0303, "\x01", 1);
    tb_rec(w, 22, 0x0303, fin, sizeof fin);
    th_data_tb(&c, 1, w);

    const bm_conn *k = th_close(&c, true);
    ok(k != NULL, "tls 1.2: conn emitted");
    if (!k)
        goto out;
    const bm_handshake *hs = &k->hs;
    ok(hs->client_hello_seen && hs->server_hello_seen, "both hellos seen");
    is_int(hs->record_version, 0x0301, "record version of the first ClientHello record");
    is_int(hs->client_version, 0x0303, "client_version");
    is_int(hs->server_version, 0x0303, "server_version");
    is_int(hs->version, 0x0303, "negotiated version");
    is_int(hs->cipher_suite, 0xc02f, "cipher suite");
    ok(hs->sni_present, "SNI present");
    is_str(hs->sni, "example.com", "SNI host");
    ok(hs->alpn_present, "ALPN present");
    is_str(hs->alpn, "h2", "ALPN selected by the server");
    is_int(hs->max_fragment_length_offered, 2, "MFL offered");
    is_int(hs->max_fragment_length, 2, "MFL accepted");
    ok(hs->truncated_hmac_offered && hs->truncated_hmac, "truncated_hmac offered and accepted");
    ok(hs->etm_offered && hs->etm, "encrypt_then_mac offered and accepted");
    ok(hs->ems_offered && hs->ems, "extended_master_secret offered and accepted");
    is_int(hs->record_size_limit_client, 4096, "record_size_limit client");
    is_int(hs->record_size_limit_server, 2048, "record_size_limit server");
    ok(!hs->ticket_offered && !hs->resumption_offered, "empty ticket: nothing offered");
    ok(!hs->resumed, "full handshake: not resumed");
    ok(hs->new_session_ticket, "NewSessionTicket in the clear");
    is_int(hs->session_id_len, 32, "server session id");
    ok(!k->role_guessed && !k->midstream, "roles from the ClientHello, SYN seen");
    is_int(k->client.port, 50000, "client endpoint");
    is_int(k->server.port, 443, "server endpoint");
    is_int(k->rec[BM_CLIENT].count, 4, "client records");
    is_int(k->rec[BM_SERVER].count, 4, "server records");
    is_int(k->rec[BM_CLIENT].ccs_index, 2, "client CCS index");
    is_int(k->rec[BM_SERVER].ccs_index, 2, "server CCS index");
    is_int(k->rec[BM_CLIENT].by_type[2], 3, "client handshake-typed records");
    is_int(k->n_findings, 0, "no problems");
    th_dump_problems(k);
    is_int(k->id, 1, "first conn id");
    is_str(k->capture, "test.pcap", "capture name");
out:
    free(e);
    free(body);
    free(w);
    free(msgs);
    free(empty);
    th_free(h);
}

/* ClientHello + ServerHello only; returns the conn. */
static const bm_conn *hello_pair(th *h, const tb *ch_exts, const uint8_t *csid, size_t csid_len,
                                 const tb *sh_exts, const uint8_t *ssid, size_t ssid_len, unsigned suite,
                                 void (*after)(th_conn *))
{
    th_conn c = th_open(h, 40000, 443);
    tb *body = tbn(), *w = tbn();
    tb_client_hello(body, 0x0303, csid, csid_len, ch_exts);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    body->n = w->n = 0;
    tb_server_hello(body, 0x0303, NULL, ssid, ssid_len, suite, sh_exts);
    tb_hs_record(w, 0x0303, 2, body);
    th_data_tb(&c, 1, w);
    if (after)
        after(&c);
    free(body);
    free(w);
    return th_close(&c, true);
}

static void server_ccs(th_conn *c)
{
    uint8_t r[6] = {20, 3, 3, 0, 1, 1};
    th_data(c, 1, r, sizeof r);
}

static void test_resumption(void)
{
    th *h = th_new();
    const bm_conn *k = hello_pair(h, NULL, SID, 32, NULL, SID, 32, 0xc02f, server_ccs);
    ok(k && k->hs.resumed, "session id echoed: resumed");
    ok(k && k->hs.resumption_offered && k->hs.client_session_id_len == 32, "session id offered");

    tb *e = tbn();
    tb_ext(e, 35, "TICKETTICKET", 12);
    k = hello_pair(h, e, NULL, 0, NULL, NULL, 0, 0xc02f, server_ccs);
    ok(k && k->hs.ticket_offered && k->hs.resumption_offered, "ticket offered");
    ok(k && k->hs.resumed, "ticket: CCS right after ServerHello means resumed");

    k = hello_pair(h, e, NULL, 0, NULL, NULL, 0, 0xc02f, NULL);
    ok(k && !k->hs.resumed, "ticket offered, no early CCS: not resumed");

    uint8_t other[32];
    memset(other, 0x77, sizeof other);
    k = hello_pair(h, NULL, SID, 32, NULL, other, 32, 0xc02f, NULL);
    ok(k && !k->hs.resumed && k->hs.resumption_offered, "different session id: full handshake");
    free(e);
    th_free(h);
}

static void tls13_after(th_conn *c)
{
    uint8_t ccs[6] = {20, 3, 3, 0, 1, 1};
    th_data(c, 1, ccs, sizeof ccs);
    tb *w = tbn();
    uint8_t enc[100];
    memset(enc, 0x99, sizeof enc);
    tb_rec(w, 23, 0x0303, enc, sizeof enc);
    th_data_tb(c, 1, w);
    w->n = 0;
    /* A handshake-typed record after the ServerHello is not plaintext. */
    tb_rec(w, 20, 0x0303, "\x01", 1);
    tb_rec(w, 22, 0x0303, "\x01\x00\x00\x01\x00", 5);
    tb_rec(w, 23, 0x0303, enc, 53);
    th_data_tb(c, 0, w);
    free(w);
}

static void test_tls13(void)
{
    th *h = th_new();
    tb *ce = tbn(), *se = tbn(), *b = tbn();
    tb_ext(ce, 43, "\x04\x03\x04\x03\x03", 5);
    tb_u16(b, 36);
    tb_u16(b, 29);
    tb_u16(b, 32);
    tb_fill(b, 0xab, 32);
    tb_ext(ce, 51, b->b, b->n);
    tb_ext(ce, 45, "\x01\x01", 2); /* psk_key_exchange_modes: skipped */
    tb_ext(ce, 42, NULL, 0);
    b->n = 0;
    tb_u16(b, 2 + 4 + 4);             /* identities */
    tb_u16(b, 4);
    tb_put(b, "abcd", 4);
    tb_u16(b, 0); /* obfuscated_ticket_age */
    tb_u16(b, 0);
    tb_u16(b, 33);                    /* binders */
    tb_u8(b, 32);
    tb_fill(b, 0xcd, 32);
    tb_ext(ce, 41, b->b, b->n);
    tb_ext(se, 43, "\x03\x04", 2);
    b->n = 0;
    tb_u16(b, 29);
    tb_u16(b, 32);
    tb_fill(b, 0xef, 32);
    tb_ext(se, 51, b->b, b->n);
    tb_ext(se, 41, "\x00\x00", 2);
    const bm_conn *k = hello_pair(h, ce, SID, 32, se, SID, 32, 0x1301, tls13_after);
    ok(k != NULL, "tls 1.3 conn");
    if (k) {
        is_int(k->hs.version, 0x0304, "supported_versions selects TLS 1.3");
        is_int(k->hs.server_version, 0x0303, "legacy server version");
        is_int(k->hs.key_share_group, 29, "key_share group x25519");
        ok(k->hs.psk_offered && k->hs.resumption_offered, "psk offered");
        ok(k->hs.resumed, "pre_shared_key selected: resumed");
        ok(k->hs.early_data_offered, "early_data offered");
        is_int(k->hs.cipher_suite, 0x1301, "TLS 1.3 suite");
        is_int(k->rec[BM_SERVER].ccs_index, 1, "compat CCS counted");
        is_int(k->rec[BM_CLIENT].count, 4, "client records");
        is_int(k->n_findings, 0, "encrypted records after ServerHello are not parsed");
        th_dump_problems(k);
        ok(!k->failed && k->n_alerts == 0, "no alerts");
    }
    free(ce);
    free(se);
    free(b);
    th_free(h);
}

static void test_hrr(void)
{
    static const uint8_t hrr_random[32] = {
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
    th *h = th_new();
    th_conn c = th_open(h, 40001, 443);
    tb *e = tbn(), *body = tbn(), *w = tbn(), *ks = tbn();
    tb_ext(e, 43, "\x02\x03\x04", 3);
    tb_ext(e, 51, "\x00\x00", 2); /* empty key_share list */
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);

    e->n = body->n = w->n = 0;
    tb_ext(e, 43, "\x03\x04", 2);
    tb_ext(e, 51, "\x00\x17", 2); /* HRR key_share: selected group only */
    tb_server_hello(body, 0x0303, hrr_random, NULL, 0, 0x1301, e);
    tb_hs_record(w, 0x0303, 2, body);
    tb_rec(w, 20, 0x0303, "\x01", 1);
    th_data_tb(&c, 1, w);

    e->n = body->n = w->n = 0;
    tb_rec(w, 20, 0x0303, "\x01", 1); /* client compat CCS before its second hello */
    ext_sni(e, "second.example");
    tb_ext(e, 43, "\x02\x03\x04", 3);
    tb_u16(ks, 69);
    tb_u16(ks, 23);
    tb_u16(ks, 65);
    tb_fill(ks, 4, 65);
    tb_ext(e, 51, ks->b, ks->n);
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(w, 0x0303, 1, body);
    th_data_tb(&c, 0, w);

    e->n = body->n = w->n = 0;
    tb_sh13_exts(e, ks, 23, 65, 5);
    tb_server_hello(body, 0x0303, NULL, NULL, 0, 0x1302, e);
    tb_hs_record(w, 0x0303, 2, body);
    th_data_tb(&c, 1, w);
    const bm_conn *k = th_close(&c, true);
    ok(k && k->hs.hello_retry_request, "HelloRetryRequest recognised");
    ok(k && k->hs.server_hello_seen, "real ServerHello after it");
    is_str(k ? k->hs.sni : "", "second.example", "second ClientHello parsed despite the compat CCS");
    is_int(k ? k->hs.key_share_group : 0, 23, "key_share group from the second ServerHello");
    is_int(k ? k->hs.cipher_suite : 0, 0x1302, "suite from the real ServerHello");
    is_int(k ? k->hs.version : 0, 0x0304, "TLS 1.3");
    uint8_t zero[32] = {0};
    ok(k && memcmp(k->hs.server_random, zero, 32) != 0 && k->hs.server_random[0] == 0x22,
       "server random from the real ServerHello, not the HRR");
    free(e);
    free(body);
    free(w);
    free(ks);
    th_free(h);
}

int main(void)
{
    test_tls12_full();
    test_resumption();
    test_tls13();
    test_hrr();
    return tap_done();
}
