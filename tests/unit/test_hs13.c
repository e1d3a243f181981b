/*
 * test_hs13.c - one handshake parse: the TLS stage parses handshake
 * messages the hook decrypted with the same reassembly and parsers as
 * clear ones (hook.h), and hands every message to the hook.
 *
 * - A hook with no parser at all (a "NULL cipher": a protected record's
 *   payload is its plaintext followed by the inner type) opens the records
 *   of a synthetic TLS 1.3 handshake: ALPN, record_size_limit, the server
 *   chain and the ticket land in the bm_handshake from the TLS stage's
 *   parse, the negotiated limit applies to the records that follow, and
 *   the hook sees record / hs_msg / record_done in order. Tamper twin: the
 *   same bytes, records not opened: none of it.
 * - Decrypted TLS <= 1.2 hellos (a renegotiation) reach the hook parsed
 *   (bm_tls_hs_msg.reneg) and leave the connection's bm_handshake alone.
 * - A real TLS 1.3 capture with its key log through capture -> TLS ->
 *   decryption: the server's record_size_limit and certificate are in the
 *   bm_handshake while the connection is live, right after the decrypted
 *   EncryptedExtensions / Certificate were handed over, not at close.
 *   Without keys they are not there.
 * Run from the top of the tree (paths are relative to it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "capture/capture.h"
#include "decrypt/decrypt.h"
#include "keys/keyfile.h"
#include "keys/keystore.h"
#include "test_tls_harness.h"

/* ---- a hook that opens records without decrypting or parsing ---- */

typedef struct spy {
    bool open;            /* hand protected records back as opened */
    bool tls13;           /* the last payload byte is the inner type (else the header's) */
    char log[1024];       /* "r" record, "<type>[p]" hs_msg, "d" record_done */
    size_t n;
    /* what the hs_msg views said */
    bool sh_seen, sh_key_share, sh_random;
    uint16_t sh_suite;
    bool reneg_sh;
    uint8_t reneg_crandom0, reneg_srandom0;
    uint16_t reneg_suite;
    bool raw_ok;          /* every raw message starts with its type and length */
} spy;

static void sp_put(spy *s, const char *tok)
{
    int k = snprintf(s->log + s->n, sizeof s->log - s->n, "%s%s", s->n ? " " : "", tok);
    if (k > 0 && (size_t)k < sizeof s->log - s->n)
        s->n += (size_t)k;
}

static void *sp_open(void *ud, const bm_tuple *t)
{
    (void)t;
    return ud;
}

static void sp_record(void *hc, const bm_tls_record_ev *ev, bm_tls_opened *out)
{
    spy *s = hc;
    sp_put(s, "r");
    if (!s->open || !ev->protected_ || !ev->payload || ev->len < 1)
        return;
    out->opened = true;
    out->inner_type = s->tls13 ? ev->payload[ev->len - 1] : ev->hdr[0];
    out->plain = ev->payload;
    out->plain_len = s->tls13 ? ev->len - 1 : ev->len;
}

static void sp_msg(void *hc, const bm_tls_hs_msg *m)
{
    spy *s = hc;
    char tok[8];
    snprintf(tok, sizeof tok, "%u%s", m->type, m->prot ? "p" : "");
    sp_put(s, tok);
    if (!m->raw || m->raw_len != 4 + (size_t)m->len || m->raw[0] != m->type || m->body != m->raw + 4)
        s->raw_ok = false;
    if (m->type == 2 && !m->prot) {
        s->sh_seen = true;
        s->sh_suite = m->suite;
        s->sh_key_share = m->key_share;
        s->sh_random = m->random != NULL && !m->hrr;
    }
    if (m->type == 2 && m->prot && m->reneg && m->parsed) {
        s->reneg_sh = true;
        s->reneg_crandom0 = m->reneg->client_random[0];
        s->reneg_srandom0 = m->reneg->server_random[0];
        s->reneg_suite = m->reneg->cipher_suite;
    }
}

static void sp_done(void *hc, int side)
{
    (void)side;
    sp_put(hc, "d");
}

static void sp_close(void *hc, bm_conn *c)
{
    (void)hc;
    (void)c;
}

/* A TLS stage with a spy hook (open: it opens protected records), and a
 * connection on it; sp_end frees both. */
static th *sp_start(spy **sp, bool open, bool tls13, th_conn *c)
{
    th *h = th_new();
    spy *s = *sp = calloc(1, sizeof *s);
    s->open = open;
    s->tls13 = tls13;
    s->raw_ok = true;
    bm_tls_hook hk = {.ud = s, .want_payload = true, .conn_open = sp_open, .record = sp_record,
                      .conn_close = sp_close, .hs_msg = sp_msg, .record_done = sp_done};
    bm_tls_set_hook(h->tls, &hk);
    *c = th_open(h, 50000, 443);
    return h;
}

static void sp_end(th *h, spy *s)
{
    free(s);
    th_free(h);
}

/* ---- building the handshake ---- */

static tb *tbn(void) { return calloc(1, sizeof(tb)); }

/* The server certificate of the fixtures, DER; 0 when it cannot be read. */
static size_t server_der(uint8_t *out, size_t cap)
{
    FILE *f = fopen("tests/fixtures/pki/server.crt", "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    int n = x ? i2d_X509(x, NULL) : 0;
    size_t r = 0;
    if (n > 0 && (size_t)n <= cap) {
        unsigned char *p = out;
        r = (size_t)i2d_X509(x, &p);
    }
    X509_free(x);
    return r;
}

/* A protected TLS 1.3 record: plaintext, inner type, under outer type 23. */
static void rec13(tb *w, const uint8_t *p, size_t n, unsigned inner)
{
    tb_u8(w, 23);
    tb_u16(w, 0x0303);
    tb_u16(w, (unsigned)(n + 1));
    tb_put(w, p, n);
    tb_u8(w, inner);
}

/* Client and server hellos of TLS 1.3; the client offers ALPN h2 then
 * http/1.1 and a record_size_limit of 16385. */
static void hellos13(th_conn *c)
{
    tb *e = tbn(), *body = tbn(), *w = tbn(), *b = tbn();
    tb_u16(b, 12);
    tb_u8(b, 2);
    tb_put(b, "h2", 2);
    tb_u8(b, 8);
    tb_put(b, "http/1.1", 8);
    tb_ext(e, 16, b->b, b->n);
    tb_ext(e, 28, "\x40\x01", 2);
    tb_ext(e, 43, "\x02\x03\x04", 3);
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(c, 0, w);
    e->n = body->n = w->n = b->n = 0;
    tb_sh13_exts(e, b, 0x001d, 32, 0x5a);
    tb_server_hello(body, 0x0303, NULL, NULL, 0, 0x1301, e);
    tb_hs_record(w, 0x0303, 2, body);
    th_data_tb(c, 1, w);
    free(e);
    free(body);
    free(w);
    free(b);
}

/* The server's encrypted flight (EncryptedExtensions with ALPN http/1.1
 * and record_size_limit 256, Certificate, CertificateVerify, Finished) in
 * two records that split the Certificate; the client's Finished; 600
 * bytes of client application data; a NewSessionTicket. */
static void flights13(th_conn *c, const uint8_t *der, size_t dn)
{
    tb *m = tbn(), *body = tbn(), *w = tbn(), *b = tbn();
    tb_u16(b, 9);
    tb_u8(b, 8);
    tb_put(b, "http/1.1", 8);
    tb_ext(body, 16, b->b, b->n);
    tb_ext(body, 28, "\x01\x00", 2);
    b->n = 0;
    tb_u16(b, (unsigned)body->n);
    tb_put(b, body->b, body->n);
    tb_hs(m, 8, b);
    size_t ee_end = m->n;
    body->n = 0;
    tb_u8(body, 0);
    tb_u24(body, (unsigned)(dn + 5));
    tb_u24(body, (unsigned)dn);
    tb_put(body, der, dn);
    tb_u16(body, 0);
    tb_hs(m, 11, body);
    body->n = 0;
    tb_u16(body, 0x0804);
    tb_u16(body, 8);
    tb_fill(body, 0x77, 8);
    tb_hs(m, 15, body);
    body->n = 0;
    tb_fill(body, 0x66, 32);
    tb_hs(m, 20, body);
    size_t cut = ee_end + (m->n - ee_end) / 3; /* inside the Certificate */
    rec13(w, m->b, cut, 22);
    rec13(w, m->b + cut, m->n - cut, 22);
    th_data_tb(c, 1, w);
    m->n = w->n = body->n = 0;
    tb_fill(body, 0x55, 32);
    tb_hs(m, 20, body);
    rec13(w, m->b, m->n, 22);
    body->n = 0;
    tb_fill(body, 0x41, 599);
    rec13(w, body->b, body->n, 23);
    th_data_tb(c, 0, w);
    m->n = w->n = body->n = 0;
    tb_fill(body, 0, 8); /* ticket_lifetime, ticket_age_add */
    tb_u8(body, 0);
    tb_u16(body, 4);
    tb_put(body, "tick", 4);
    tb_u16(body, 0);
    tb_hs(m, 4, body);
    rec13(w, m->b, m->n, 22);
    th_data_tb(c, 1, w);
    free(m);
    free(body);
    free(w);
    free(b);
}

static void synthetic13(const uint8_t *der, size_t dn, bool open)
{
    const char *tw = open ? "opened" : "not opened";
    char msg[160];
    spy *s;
    th_conn c;
    th *h = sp_start(&s, open, true, &c);
    hellos13(&c);
    flights13(&c, der, dn);
    th_fin(&c, 0, BM_END_FIN);
    th_fin(&c, 1, BM_END_FIN);
    const bm_conn *k = th_close(&c, true);
    ok(k != NULL, "TLS 1.3 connection handed out");
    if (!k) {
        sp_end(h, s);
        return;
    }
    const bm_handshake *hs = &k->hs;
    is_int(hs->version, 0x0304, "TLS 1.3 negotiated");
    ok(s->sh_seen && s->sh_suite == 0x1301 && s->sh_key_share && s->sh_random,
       "ServerHello view: suite, key_share, random");
    ok(s->raw_ok, "every message handed over whole, header included");
    const char *want = open ? "r 1 d r 2 d r 8p d r 11p 15p 20p d r 20p d r d r 4p d"
                            : "r 1 d r 2 d r d r d r d r d r d";
    snprintf(msg, sizeof msg, "%s: record, hs_msg, record_done in order", tw);
    is_str(s->log, want, msg);
    if (open) {
        is_str(hs->alpn, "http/1.1", "opened: ALPN the server selected (EncryptedExtensions)");
        is_int(hs->record_size_limit_server, 256, "opened: the server's record_size_limit");
        is_int(hs->n_certs, 1, "opened: the server chain (Certificate split over two records)");
        ok(strstr(hs->certs[0].subject, "server.badmac.test") != NULL, "opened: certificate described");
        ok(hs->new_session_ticket, "opened: NewSessionTicket seen");
        /* 256 + 255 bytes of TLS 1.3 expansion: the limit was known when
         * the client's 600-byte record arrived, not only at close */
        is_int(k->rec[BM_CLIENT].flagged, 1, "opened: client record over the negotiated limit flagged");
        ok(th_has_problem(k, "over the negotiated limit of 511"), "opened: problem names the negotiated limit");
        is_int(k->n_findings, 1, "opened: no other problem");
    } else {
        is_str(hs->alpn, "h2", "not opened: ALPN is the client's first offer");
        is_int(hs->record_size_limit_server, 0, "not opened: no server record_size_limit");
        is_int(hs->n_certs, 0, "not opened: no certificate");
        ok(!hs->new_session_ticket, "not opened: no ticket");
        is_int(k->rec[BM_CLIENT].flagged, 0, "not opened: nothing flagged");
    }
    th_dump_problems(k);
    sp_end(h, s);
}

/* A malformed decrypted EncryptedExtensions is the TLS stage's problem. */
static void malformed_ee(void)
{
    spy *s;
    th_conn c;
    th *h = sp_start(&s, true, true, &c);
    hellos13(&c);
    tb *m = tbn(), *body = tbn(), *w = tbn();
    tb_u16(body, 5); /* extensions<..> says 5, 4 follow */
    tb_put(body, "\x00\x1c\x00\x00", 4);
    tb_hs(m, 8, body);
    rec13(w, m->b, m->n, 22);
    th_data_tb(&c, 1, w);
    const bm_conn *k = th_close(&c, true);
    ok(k && th_has_problem(k, "malformed EncryptedExtensions"), "malformed decrypted EncryptedExtensions said");
    free(m);
    free(body);
    free(w);
    sp_end(h, s);
}

/* TLS 1.2, then a renegotiation inside protected records. */
static void renegotiation(void)
{
    spy *s;
    th_conn c;
    th *h = sp_start(&s, true, false, &c);
    tb *body = tbn(), *w = tbn(), *m = tbn();
    tb_client_hello(body, 0x0303, NULL, 0, NULL); /* random 0x11... */
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    body->n = w->n = 0;
    tb_server_hello(body, 0x0303, NULL, NULL, 0, 0xc02f, NULL); /* random 0x22... */
    tb_hs_record(w, 0x0303, 2, body);
    tb_rec(w, 20, 0x0303, "\x01", 1);
    th_data_tb(&c, 1, w);
    w->n = 0;
    tb_rec(w, 20, 0x0303, "\x01", 1);
    body->n = 0;
    tb_client_hello(body, 0x0303, NULL, 0, NULL);
    memset(body->b + 2, 0x33, 32);
    tb_hs(m, 1, body);
    tb_rec(w, 22, 0x0303, m->b, m->n); /* the renegotiation's ClientHello, "decrypted" */
    th_data_tb(&c, 0, w);
    body->n = w->n = m->n = 0;
    uint8_t rnd[32];
    memset(rnd, 0x44, sizeof rnd);
    tb_server_hello(body, 0x0303, rnd, NULL, 0, 0xc030, NULL);
    tb_hs(m, 2, body);
    tb_rec(w, 22, 0x0303, m->b, m->n);
    th_data_tb(&c, 1, w);
    const bm_conn *k = th_close(&c, true);
    ok(k != NULL, "renegotiation: connection handed out");
    is_str(s->log, "r 1 d r 2 d r d r d r 1p d r 2p d", "renegotiation: decrypted hellos handed over");
    ok(s->reneg_sh && s->reneg_crandom0 == 0x33 && s->reneg_srandom0 == 0x44 && s->reneg_suite == 0xc030,
       "renegotiation: its hellos parsed into their own bm_handshake");
    ok(k && k->hs.client_random[0] == 0x11 && k->hs.server_random[0] == 0x22 && k->hs.cipher_suite == 0xc02f,
       "renegotiation: the connection's bm_handshake keeps the first handshake");
    is_int(k ? k->n_findings : 9, 0, "renegotiation: no problems");
    free(body);
    free(w);
    free(m);
    sp_end(h, s);
}

/* ---- a real capture, the real decryption stage behind a spy ---- */

typedef struct live {
    bm_tls_hook inner;    /* the decryption stage's hook */
    void *ic;
    bool ee, cert;        /* decrypted EncryptedExtensions / server Certificate handed over */
    bool checked;         /* a record after them was seen */
    uint16_t rsl;         /* ... and the bm_handshake then said */
    unsigned n_certs;
    unsigned prot_msgs;
    bm_conn out;
    unsigned n_out;
} live;

static void *lv_open(void *ud, const bm_tuple *t)
{
    live *l = ud;
    l->ic = l->inner.conn_open(l->inner.ud, t);
    return l;
}

static void lv_record(void *hc, const bm_tls_record_ev *ev, bm_tls_opened *out)
{
    live *l = hc;
    if (l->ee && l->cert && !l->checked) {
        l->checked = true;
        l->rsl = ev->hs->record_size_limit_server;
        l->n_certs = ev->hs->n_certs;
    }
    l->inner.record(l->ic, ev, out);
}

static void lv_msg(void *hc, const bm_tls_hs_msg *m)
{
    live *l = hc;
    l->prot_msgs += m->prot;
    l->ee |= m->prot && m->type == 8;
    l->cert |= m->prot && m->type == 11;
    l->inner.hs_msg(l->ic, m);
}

static void lv_done(void *hc, int side)
{
    live *l = hc;
    l->inner.record_done(l->ic, side);
}

static void lv_close(void *hc, bm_conn *c)
{
    live *l = hc;
    l->inner.conn_close(l->ic, c);
}

static void lv_free(void *hc)
{
    live *l = hc;
    if (l->inner.conn_free)
        l->inner.conn_free(l->ic);
}

static void lv_conn(void *ud, bm_conn *c, void *hook_conn)
{
    (void)hook_conn;
    live *l = ud;
    if (l->n_out++ == 0)
        l->out = *c;
}

static void run_capture(const char *cap, const char *keys, live *l)
{
    bm_diag diag;
    memset(&diag, 0, sizeof diag);
    bm_conn_sink sink = {l, lv_conn};
    bm_tls *tls = bm_tls_new(&sink, &diag);
    bm_crypto_ctx *cc = keys ? bm_crypto_new() : NULL;
    bm_keystore *ks = keys ? bm_keystore_new() : NULL;
    bm_decrypt *dec = NULL;
    if (ks && cc && bm_is_ok(bm_keyfile_load(ks, NULL, keys, &diag, NULL)))
        dec = bm_decrypt_new(cc, ks, NULL, &diag);
    if (dec) {
        l->inner = *bm_decrypt_hook(dec);
        bm_tls_hook hk = l->inner;
        hk.ud = l;
        hk.conn_open = lv_open;
        hk.record = lv_record;
        hk.hs_msg = lv_msg;
        hk.record_done = lv_done;
        hk.conn_close = lv_close;
        hk.conn_free = lv_free;
        bm_tls_set_hook(tls, &hk);
    }
    ok(!keys || dec, "decryption stage set up");
    bm_capture_opts o;
    bm_capture_opts_default(&o);
    bm_tcp_table *tcp = bm_tcp_new(&o, bm_tls_stream_sink(tls), &diag);
    bm_capture_stats st;
    memset(&st, 0, sizeof st);
    bm_tls_set_capture(tls, cap);
    ok(bm_is_ok(bm_capture_read_file(cap, tcp, &diag, &st)), "capture read");
    bm_tcp_flush(tcp);
    bm_tcp_free(tcp);
    bm_tls_free(tls);
    bm_decrypt_free(dec);
    bm_keystore_free(ks);
    bm_crypto_free(cc);
}

static void fixture_live(void)
{
    const char *cap = "tests/fixtures/tls13-record-size-limit.pcap";
    live *l = calloc(1, sizeof *l);
    run_capture(cap, "tests/fixtures/tls13-record-size-limit.keys", l);
    is_int(l->n_out, 1, "keys: one connection");
    ok(l->ee && l->cert && l->prot_msgs >= 5,
       "keys: decrypted EncryptedExtensions, Certificate (and more) handed over");
    ok(l->checked && l->rsl == 16385 && l->n_certs == 1,
       "keys: record_size_limit and certificate in the bm_handshake while the connection is live");
    is_int(l->out.hs.record_size_limit_server, 16385, "keys: record_size_limit(server) in the conn");
    ok(l->out.hs.n_certs == 1 && strstr(l->out.hs.certs[0].subject, "server.badmac.test") != NULL,
       "keys: server certificate in the conn");
    ok(l->out.crypto.finished[0] == BM_FIN_OK && l->out.crypto.finished[1] == BM_FIN_OK,
       "keys: both Finished verify over the transcript of handed-over messages");
    memset(l, 0, sizeof *l);
    run_capture(cap, NULL, l);
    is_int(l->n_out, 1, "no keys: one connection");
    ok(l->prot_msgs == 0 && l->out.hs.record_size_limit_server == 0 && l->out.hs.n_certs == 0,
       "no keys: nothing of the encrypted handshake");
    free(l);
}

int main(void)
{
    static uint8_t der[8192];
    size_t dn = server_der(der, sizeof der);
    ok(dn > 100, "server certificate read (DER)");
    if (dn > 100) {
        synthetic13(der, dn, true);
        synthetic13(der, dn, false);
    }
    malformed_ee();
    renegotiation();
    fixture_live();
    return tap_done();
}
