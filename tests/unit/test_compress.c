/* TLS compression (RFC 3749 DEFLATE): a TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256
 * session whose ServerHello selects method 1, driven through the TLS stage
 * with the decryption stage hooked in. Without keys: a finding says the
 * session is compressed and no alert is read out of protected bytes. With
 * the key log: every record verifies, both Finished check out on their
 * inflated bytes, the alerts are read from their inflated bytes, and the
 * export observer gets exactly what the server sent; a record that inflates
 * beyond 2^14 bytes and a stream that does not inflate are findings.
 *
 * Hand-made records: no Debian 12 peer negotiates TLS compression any more
 * (OpenSSL 3 is built without zlib, GnuTLS 3.7 removed it, NSS marks
 * SSL_ENABLE_DEFLATE unsupported, Debian's mbedTLS 2.28 and wolfSSL 5.5 are
 * built without zlib). The sender side is what OpenSSL 1.0's COMP_zlib did:
 * deflateInit (a zlib stream, RFC 1950) once per direction and cipher
 * state, deflate(Z_SYNC_FLUSH) per record; sealing is raw EVP (seal_util.h),
 * keys and Finished from OpenSSL's TLS1-PRF, not the code under test. */
#include <stdio.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/sha.h>
#include <zlib.h>

#include "decrypt/decrypt.h"
#include "keys/keylog.h"
#include "keys/keystore.h"
#include "seal_util.h"
#include "test_tls_harness.h"

static tb *tbn(void) { return calloc(1, sizeof(tb)); }

static const uint8_t ms[48] = {
    0x42, 0x17, 0x99, 0x01, 0x5a, 0xc3, 0x7e, 0x20, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    0x90, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f,
    0x01, 0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78, 0x89, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0};

static void prf(const char *label, const uint8_t *seed, size_t sl, uint8_t *out, size_t n)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *x = EVP_KDF_CTX_new(kdf);
    uint8_t s[200];
    size_t ll = strlen(label);
    memcpy(s, label, ll);
    memcpy(s + ll, seed, sl);
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
                      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)ms, sizeof ms),
                      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, s, ll + sl), OSSL_PARAM_construct_end()};
    ok(EVP_KDF_derive(x, out, n, p) == 1, label);
    EVP_KDF_CTX_free(x);
    EVP_KDF_free(kdf);
}

/* One sender: its keys, sequence number, deflate stream. */
typedef struct sender {
    bm_dir_keys k;
    uint64_t seq;
    z_stream z;
} sender;

/* Compress (Z_SYNC_FLUSH), seal, frame: a protected record into w. */
static void send_rec(const bm_suite *s, sender *x, unsigned type, const uint8_t *d, size_t n, tb *w)
{
    static uint8_t comp[40000], body[40000];
    x->z.next_in = (Bytef *)(uintptr_t)d;
    x->z.avail_in = (uInt)n;
    x->z.next_out = comp;
    x->z.avail_out = sizeof comp;
    deflate(&x->z, Z_SYNC_FLUSH);
    size_t cn = sizeof comp - x->z.avail_out;
    size_t bl = su_seal12(s, &x->k, x->seq++, (uint8_t)type, comp, cn, body);
    tb_rec(w, type, 0x0303, body, bl);
}

/* Deflate bytes that are no zlib stream continuation: sealed as they are. */
static void send_raw(const bm_suite *s, sender *x, unsigned type, const uint8_t *d, size_t n, tb *w)
{
    static uint8_t body[40000];
    size_t bl = su_seal12(s, &x->k, x->seq++, (uint8_t)type, d, n, body);
    tb_rec(w, type, 0x0303, body, bl);
}

typedef struct spy {
    uint8_t got[2][70000];
    size_t n[2];
    unsigned gaps[2];
} spy;

static void *spy_open(void *ud) { return ud; }
static void spy_data(void *oc, int side, uint64_t index, const uint8_t *p, size_t n)
{
    spy *s = oc;
    if (s->n[side] + n <= sizeof s->got[side])
        memcpy(s->got[side] + s->n[side], p, n);
    s->n[side] += n;
}
static void spy_gap(void *oc, int side, uint64_t index, bm_dec_gap_kind kind, uint64_t records, uint64_t bytes)
{
    ((spy *)oc)->gaps[side]++;
}
static void spy_close(void *oc, const bm_conn *c, int client_side, bool have_keys) {}

enum { TAMPER_NONE, TAMPER_OVERSIZE, TAMPER_BADSTREAM };

static uint8_t srv_data[3][12000];

/* The session; keyed: with the key log and a spy observer. */
static const bm_conn *session(th *h, spy *sp, bool keyed, int tamper, bm_crypto_ctx *cc, bm_decrypt **decp,
                              bm_keystore **ksp)
{
    const bm_suite *s = bm_suite_find(0xc02f);
    uint8_t crand[32], srand[32];
    for (int i = 0; i < 32; i++) {
        crand[i] = (uint8_t)(0x10 + i);
        srand[i] = (uint8_t)(0x80 + 3 * i);
    }
    if (keyed) {
        char line[300];
        int o = snprintf(line, sizeof line, "CLIENT_RANDOM ");
        for (int i = 0; i < 32; i++)
            o += snprintf(line + o, sizeof line - (size_t)o, "%02x", crand[i]);
        o += snprintf(line + o, sizeof line - (size_t)o, " ");
        for (int i = 0; i < 48; i++)
            o += snprintf(line + o, sizeof line - (size_t)o, "%02x", ms[i]);
        snprintf(line + o, sizeof line - (size_t)o, "\n");
        *ksp = bm_keystore_new();
        bm_diag d;
        memset(&d, 0, sizeof d);
        ok(bm_is_ok(bm_keylog_load_mem(*ksp, (const uint8_t *)line, strlen(line), "mem", &d)), "key log line loads");
        *decp = bm_decrypt_new(cc, *ksp, NULL, &d);
        bm_dec_observer ob = {.ud = sp, .conn_open = spy_open, .app_data = spy_data, .app_gap = spy_gap,
                              .conn_close = spy_close};
        bm_decrypt_set_observer(*decp, &ob);
        bm_tls_set_hook(h->tls, bm_decrypt_hook(*decp));
    }
    /* keys: client key, server key, client iv, server iv */
    uint8_t seed[64], kb[40];
    memcpy(seed, srand, 32);
    memcpy(seed + 32, crand, 32);
    prf("key expansion", seed, 64, kb, sizeof kb);
    sender cl, sv;
    memset(&cl, 0, sizeof cl);
    memset(&sv, 0, sizeof sv);
    cl.k.key_len = sv.k.key_len = 16;
    cl.k.iv_len = sv.k.iv_len = 4;
    memcpy(cl.k.key, kb, 16);
    memcpy(sv.k.key, kb + 16, 16);
    memcpy(cl.k.iv, kb + 32, 4);
    memcpy(sv.k.iv, kb + 36, 4);
    deflateInit(&cl.z, Z_DEFAULT_COMPRESSION);
    deflateInit(&sv.z, Z_DEFAULT_COMPRESSION);

    th_conn c = th_open(h, 40100, 443);
    tb *ts = tbn(), *body = tbn(), *w = tbn();
    /* ClientHello: DEFLATE and null offered */
    tb_u16(body, 0x0303);
    tb_put(body, crand, 32);
    tb_u8(body, 0);
    tb_u16(body, 2);
    tb_u16(body, 0xc02f);
    tb_u8(body, 2);
    tb_u8(body, 1);
    tb_u8(body, 0);
    tb_hs(ts, 1, body);
    tb_rec(w, 22, 0x0301, ts->b, ts->n);
    th_data_tb(&c, 0, w);
    /* ServerHello selecting DEFLATE, ServerHelloDone */
    size_t mark = ts->n;
    body->n = 0;
    tb_u16(body, 0x0303);
    tb_put(body, srand, 32);
    tb_u8(body, 0);
    tb_u16(body, 0xc02f);
    tb_u8(body, 1);
    tb_hs(ts, 2, body);
    body->n = 0;
    tb_hs(ts, 14, body);
    w->n = 0;
    tb_rec(w, 22, 0x0303, ts->b + mark, ts->n - mark);
    th_data_tb(&c, 1, w);
    /* ClientKeyExchange (an ECDH point: not read with a key log) */
    mark = ts->n;
    body->n = 0;
    tb_u8(body, 65);
    tb_fill(body, 0x04, 65);
    tb_hs(ts, 16, body);
    w->n = 0;
    tb_rec(w, 22, 0x0303, ts->b + mark, ts->n - mark);
    tb_rec(w, 20, 0x0303, "\x01", 1);
    /* client Finished: over the transcript so far, compressed */
    uint8_t hash[32], fin[16] = {20, 0, 0, 12};
    SHA256(ts->b, ts->n, hash);
    prf("client finished", hash, 32, fin + 4, 12);
    tb_put(ts, fin, 16);
    send_rec(s, &cl, 22, fin, 16, w);
    static const char req[] = "GET /compressed HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n";
    send_rec(s, &cl, 23, (const uint8_t *)req, sizeof req - 1, w);
    th_data_tb(&c, 0, w);
    /* server CCS, Finished, data in 3 records sharing words, close_notify */
    w->n = 0;
    tb_rec(w, 20, 0x0303, "\x01", 1);
    SHA256(ts->b, ts->n, hash);
    prf("server finished", hash, 32, fin + 4, 12);
    send_rec(s, &sv, 22, fin, 16, w);
    size_t sent = 0;
    for (int r = 0; r < 3; r++) {
        size_t n = sizeof srv_data[r];
        for (size_t i = 0; i < n; i++)
            srv_data[r][i] = (uint8_t)("the quick brown fox jumps over the lazy dog "[(i * 7 + (size_t)r) % 44] ^
                                       (i % 97 == 0 ? (uint8_t)i : 0));
        send_rec(s, &sv, 23, srv_data[r], n, w);
        sent += n;
    }
    if (tamper == TAMPER_OVERSIZE) {
        static uint8_t big[16385];
        memset(big, 'A', sizeof big);
        send_rec(s, &sv, 23, big, sizeof big, w);
    } else if (tamper == TAMPER_BADSTREAM) {
        /* a stored block whose lengths disagree: the MAC is good, the deflate data is not */
        send_raw(s, &sv, 23, (const uint8_t *)"\x00\x05\x00\x05\x00hello", 10, w);
        send_rec(s, &sv, 23, srv_data[0], 100, w);
    }
    send_rec(s, &sv, 21, (const uint8_t *)"\x01\x00", 2, w);
    th_data_tb(&c, 1, w);
    w->n = 0;
    send_rec(s, &cl, 21, (const uint8_t *)"\x01\x00", 2, w);
    th_data_tb(&c, 0, w);
    th_fin(&c, 0, BM_END_FIN);
    th_fin(&c, 1, BM_END_FIN);
    const bm_conn *k = th_close(&c, true);
    deflateEnd(&cl.z);
    deflateEnd(&sv.z);
    free(ts);
    free(body);
    free(w);
    (void)sent;
    return k;
}

static const bm_finding *has(const bm_conn *c, unsigned code)
{
    for (unsigned i = 0; i < c->n_findings; i++)
        if (c->findings[i].code == code)
            return &c->findings[i];
    return NULL;
}

static void test_keyless(void)
{
    th *h = th_new();
    session(h, NULL, false, TAMPER_NONE, NULL, NULL, NULL);
    ok(h->n_conns == 1, "keyless: one connection");
    const bm_conn *c = &h->conns[0];
    const bm_finding *f = has(c, BM_F_SESSION_COMPRESSED);
    ok(f && f->arg[0] == 1, "keyless: finding session_compressed, method 1 (DEFLATE)");
    is_int(c->hs.compression, 1, "keyless: compression method parsed");
    bool readout = false;
    for (unsigned i = 0; i < c->n_alerts; i++)
        readout |= !c->alerts[i].inferred;
    ok(c->n_alerts == 2 && !readout, "keyless: the two protected alerts are inferred, none read out of deflate bytes");
    th_free(h);
}

static void test_keyed(int tamper)
{
    th *h = th_new();
    spy *sp = calloc(1, sizeof *sp);
    bm_decrypt *dec = NULL;
    bm_keystore *ks = NULL;
    bm_crypto_ctx *cc = bm_crypto_new();
    session(h, sp, true, tamper, cc, &dec, &ks);
    const char *t = tamper == TAMPER_NONE ? "keyed" : tamper == TAMPER_OVERSIZE ? "oversize" : "bad stream";
    char msg[200];
    ok(h->n_conns == 1, "one connection");
    const bm_conn *c = &h->conns[0];
    const bm_crypto_info *ci = &c->crypto;
    unsigned srv_recs = 1 + 3 + 1 + (tamper == TAMPER_OVERSIZE ? 1 : tamper == TAMPER_BADSTREAM ? 2 : 0);
    snprintf(msg, sizeof msg, "%s: keys from the key log; client 3 verified, server %u verified, 0 failed", t,
             srv_recs);
    ok(ci->keys == BM_KEYS_KEYLOG && ci->verified[BM_CLIENT] == 3 && ci->verified[BM_SERVER] == srv_recs &&
           ci->failed[0] + ci->failed[1] == 0,
       msg);
    printf("# verified %llu/%llu failed %llu/%llu finished %d/%d\n", (unsigned long long)ci->verified[0],
           (unsigned long long)ci->verified[1], (unsigned long long)ci->failed[0], (unsigned long long)ci->failed[1],
           ci->finished[0], ci->finished[1]);
    snprintf(msg, sizeof msg, "%s: both Finished verify (read inflated)", t);
    ok(ci->finished[BM_CLIENT] == BM_FIN_OK && ci->finished[BM_SERVER] == BM_FIN_OK, msg);
    snprintf(msg, sizeof msg, "%s: no first_protected_not_finished", t);
    ok(!has(c, BM_F_FIRST_PROTECTED_NOT_FINISHED), msg);
    unsigned closes = 0, other = 0;
    for (unsigned i = 0; i < c->n_alerts; i++) {
        if (!c->alerts[i].inferred && c->alerts[i].level == 1 && c->alerts[i].desc == 0)
            closes++;
        else
            other++;
    }
    /* after a stream that does not inflate, the server's alert is not read (left inferred) */
    unsigned want = tamper == TAMPER_BADSTREAM ? 1 : 2;
    snprintf(msg, sizeof msg, "%s: %u alert%s read as close_notify, none invented (%u/%u)", t, want,
             want == 1 ? "" : "s", closes, other);
    ok(closes == want && other == 2 - want && !has(c, BM_F_DECRYPTED_ALERT_LENGTH), msg);
    const size_t n = sizeof srv_data[0];
    snprintf(msg, sizeof msg, "%s: exported server data is what the server sent (%zu bytes)", t, sp->n[1]);
    ok(sp->n[1] >= 3 * n && memcmp(sp->got[1], srv_data[0], n) == 0 && memcmp(sp->got[1] + n, srv_data[1], n) == 0 &&
           memcmp(sp->got[1] + 2 * n, srv_data[2], n) == 0,
       msg);
    ok(sp->n[0] == 56 && memcmp(sp->got[0], "GET /compressed", 15) == 0, "exported client request inflated");
    if (tamper == TAMPER_NONE) {
        ok(sp->n[1] == 3 * n && sp->gaps[1] == 0, "keyed: nothing more exported, no gap");
        ok(!has(c, BM_F_DECOMPRESSION_STOPPED) && !has(c, BM_F_DECOMPRESSED_OVER_LIMIT), "keyed: no decompression finding");
    } else if (tamper == TAMPER_OVERSIZE) {
        const bm_finding *f = has(c, BM_F_DECOMPRESSED_OVER_LIMIT);
        ok(f && f->role == BM_SERVER && f->index == 6 && f->arg[0] == 16385 && f->arg[1] == 16384,
           "oversize: finding decompressed_over_limit, server record #6, 16385 > 16384");
        ok(sp->n[1] == 3 * n && sp->gaps[1] == 1, "oversize: its content not exported, listed as missing");
    } else {
        const bm_finding *f = has(c, BM_F_DECOMPRESSION_STOPPED);
        ok(f && f->role == BM_SERVER && f->index == 6 && f->arg[0] == Z_DATA_ERROR,
           "bad stream: finding decompression_stopped at server record #6 (Z_DATA_ERROR)");
        ok(sp->n[1] == 3 * n && sp->gaps[1] == 2, "bad stream: it and the next data record listed as missing");
    }
    th_free(h);
    bm_decrypt_free(dec);
    bm_keystore_free(ks);
    bm_crypto_free(cc);
    free(sp);
}

int main(void)
{
    su_env e;
    uint8_t dummy[1];
    su_begin(&e, false, dummy, 0, 0, 0, 0);
    test_keyless();
    test_keyed(TAMPER_NONE);
    test_keyed(TAMPER_OVERSIZE);
    test_keyed(TAMPER_BADSTREAM);
    return su_end(&e);
}
