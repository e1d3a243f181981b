/* The SSLv2-format ClientHello (RFC 5246 E.2) as the decryption stage sees
 * it: handed to the hook like any ClientHello, with the challenge
 * right-aligned into the 32-byte client random (the key log's
 * CLIENT_RANDOM) and, for the Finished transcript, the CLIENT-HELLO bytes
 * after the 2-byte record header. Hand-made bytes: no Debian 12 peer can
 * send an SSLv2-format hello any more (OpenSSL 3, GnuTLS, CPython's ssl). */
#include <stdio.h>

#include "crypto/crypto.h"
#include "decrypt/decrypt.h"
#include "keys/keylog.h"
#include "keys/keystore.h"
#include "test_tls_harness.h"

static tb *tbn(void) { return calloc(1, sizeof(tb)); }

/* v2 hello (side A; 16-byte challenge a0..af) and a TLS 1.0 ServerHello
 * choosing AES128-SHA (side B); the hello's CLIENT-HELLO bytes into v2. */
static void v2_session(th *h, tb *v2)
{
    th_conn c = th_open(h, 40002, 443);
    tb *w = tbn(), *body = tbn();
    tb_v2_hello(w);
    v2->n = 0;
    tb_put(v2, w->b + 2, w->n - 2);
    th_data_split(&c, 0, w->b, w->n, 7);
    w->n = 0;
    tb_server_hello(body, 0x0301, NULL, NULL, 0, 0x002f, NULL);
    tb_hs_record(w, 0x0301, 2, body);
    th_data_tb(&c, 1, w);
    th_fin(&c, 0, BM_END_FIN);
    th_fin(&c, 1, BM_END_FIN);
    (void)th_close(&c, true);
    free(w);
    free(body);
}

typedef struct spy {
    int n_msgs;
    uint8_t type;
    uint8_t raw[64];
    size_t raw_len;
    bool has_random;
    uint8_t random[32];
} spy;

static void *spy_open(void *ud, const bm_tuple *t)
{
    (void)t;
    return ud;
}

static void spy_msg(void *hook_conn, const bm_tls_hs_msg *m)
{
    spy *s = hook_conn;
    if (s->n_msgs++ > 0)
        return;
    s->type = m->type;
    s->raw_len = m->raw_len;
    if (m->raw && m->raw_len <= sizeof s->raw)
        memcpy(s->raw, m->raw, m->raw_len);
    s->has_random = m->random != NULL;
    if (m->random)
        memcpy(s->random, m->random, 32);
}

static void test_hook_sees_v2_hello(void)
{
    th *h = th_new();
    spy s;
    memset(&s, 0, sizeof s);
    bm_tls_hook hk = {.ud = &s, .conn_open = spy_open, .hs_msg = spy_msg};
    bm_tls_set_hook(h->tls, &hk);
    tb *v2 = tbn();
    v2_session(h, v2);
    is_int(s.n_msgs, 2, "the hook gets the v2 hello and the ServerHello");
    is_int(s.type, 1, "first: a ClientHello");
    is_int((int)s.raw_len, 34, "transcript bytes: the CLIENT-HELLO without the 2-byte record header");
    ok(s.raw_len == v2->n && memcmp(s.raw, v2->b, v2->n) == 0, "transcript bytes as sent, msg_type first");
    uint8_t want[32] = {0};
    for (unsigned i = 0; i < 16; i++)
        want[16 + i] = (uint8_t)(0xa0 + i);
    ok(s.has_random && memcmp(s.random, want, 32) == 0, "random: the challenge right-aligned, zero-padded");
    free(v2);
    th_free(h);
}

/* The decryption stage finds the key log line by that random; the same
 * line keyed by the challenge left-aligned (the wrong padding) is not
 * found. */
static int keys_for(const char *random_hex)
{
    th *h = th_new();
    bm_crypto_ctx *cc = bm_crypto_new();
    bm_keystore *ks = bm_keystore_new();
    char line[256];
    snprintf(line, sizeof line, "CLIENT_RANDOM %s %s\n", random_hex,
             "424242424242424242424242424242424242424242424242424242424242424242424242424242424242424242424242");
    bm_diag d;
    memset(&d, 0, sizeof d);
    bm_decrypt *dec = NULL;
    if (cc && ks && bm_is_ok(bm_keylog_load_mem(ks, (const uint8_t *)line, strlen(line), "mem", &d)))
        dec = bm_decrypt_new(cc, ks, NULL, &d);
    int keys = -1;
    if (dec) {
        bm_tls_set_hook(h->tls, bm_decrypt_hook(dec));
        tb *v2 = tbn();
        v2_session(h, v2);
        free(v2);
        if (h->n_conns == 1)
            keys = (int)h->conns[0].crypto.keys;
    }
    th_free(h);
    bm_decrypt_free(dec);
    bm_keystore_free(ks);
    bm_crypto_free(cc);
    return keys;
}

static void test_keylog_lookup(void)
{
    is_int(keys_for("00000000000000000000000000000000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"), BM_KEYS_KEYLOG,
           "v2 hello: keys found by CLIENT_RANDOM (challenge right-aligned)");
    is_int(keys_for("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00000000000000000000000000000000"), BM_KEYS_NONE,
           "tamper twin: the challenge left-aligned is another random, no keys");
}

int main(void)
{
    test_hook_sees_v2_hello();
    test_keylog_lookup();
    return tap_done();
}
