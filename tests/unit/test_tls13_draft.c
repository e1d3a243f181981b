/* Pre-standard TLS 1.3 ServerHellos: drafts 16 to 21 (0x7f10-0x7f15) have
 * their own layout (version, random, cipher_suite, extensions: no session
 * id, no compression); drafts 22 and later use the final layout with the
 * draft in supported_versions; other pre-standard versions in the version
 * field (experiments 0x7eNN) are named, never parsed with a guessed
 * layout. Each is named ("TLS 1.3 draft-18") and gets a finding that it is
 * not decrypted. Hand-made records, driven through the TLS stage. */
#include "proto/proto.h"
#include "test_tls_harness.h"

static tb *tbn(void) { return calloc(1, sizeof(tb)); }

/* ClientHello offering 'ver' in supported_versions, then the server's
 * ServerHello body 'sh', then one protected record each way and FIN. */
static const bm_conn *run(th *h, unsigned ver, const tb *sh)
{
    th_conn c = th_open(h, 40000, 443);
    tb *e = tbn(), *body = tbn(), *w = tbn();
    uint8_t sv[3] = {2, (uint8_t)(ver >> 8), (uint8_t)ver};
    tb_ext(e, 43, sv, 3);
    tb_client_hello(body, 0x0303, NULL, 0, e);
    tb_hs_record(w, 0x0301, 1, body);
    th_data_tb(&c, 0, w);
    w->n = 0;
    tb_hs_record(w, 0x0303, 2, sh);
    tb_u8(w, 23);
    tb_u16(w, 0x0303);
    tb_u16(w, 60);
    tb_fill(w, 0x5a, 60);
    th_data_tb(&c, 1, w);
    w->n = 0;
    tb_u8(w, 23); /* the client's Finished: 36 + 1 + 16 bytes, more than a (padded) alert */
    tb_u16(w, 0x0303);
    tb_u16(w, 53);
    tb_fill(w, 0x6b, 53);
    th_data_tb(&c, 0, w);
    th_fin(&c, 0, BM_END_FIN);
    th_fin(&c, 1, BM_END_FIN);
    free(e);
    free(body);
    free(w);
    return th_close(&c, true);
}

/* An X25519 key_share extension onto e (ks is scratch). */
static void key_share(tb *e, tb *ks)
{
    ks->n = 0;
    tb_u16(ks, 29);
    tb_u16(ks, 32);
    tb_fill(ks, 0x33, 32);
    tb_ext(e, 51, ks->b, ks->n);
}

static void common(const bm_conn *k, unsigned ver, const char *name, const char *what)
{
    char t[160];
    snprintf(t, sizeof t, "%s: version 0x%04x", what, ver);
    is_int(k ? k->hs.version : 0, ver, t);
    snprintf(t, sizeof t, "%s: named \"%s\"", what, name);
    is_str(k ? bm_tls_version_name(k->hs.version) : "", name, t);
    const bm_finding *f = k ? th_finding(k, BM_F_TLS13_DRAFT) : NULL;
    snprintf(t, sizeof t, "%s: a finding that drafts are not decrypted", what);
    ok(f && f->arg[0] == ver && th_has_problem(k, name) && th_has_problem(k, "not supported"), t);
    snprintf(t, sizeof t, "%s: no malformed ServerHello or extensions", what);
    ok(k && !th_finding(k, BM_F_SERVER_HELLO_MALFORMED) && !th_finding(k, BM_F_EXTENSIONS_MALFORMED) &&
           !th_finding(k, BM_F_EXTENSION_MALFORMED), t);
    snprintf(t, sizeof t, "%s: the records after the ServerHello are protected application data", what);
    ok(k && k->rec[BM_SERVER].by_type[BM_CT_APPLICATION_DATA - BM_CT_CHANGE_CIPHER_SPEC] == 1 && !k->failed, t);
    if (k && !f)
        th_dump_problems(k);
}

static void test_draft18(void)
{
    th *h = th_new();
    tb *sh = tbn(), *e = tbn(), *ks = tbn();
    tb_u16(sh, 0x7f12); /* draft-18: version, random, cipher_suite, extensions */
    tb_fill(sh, 0x22, 32);
    tb_u16(sh, 0x1301);
    key_share(e, ks);
    tb_u16(sh, (unsigned)e->n);
    tb_put(sh, e->b, e->n);
    const bm_conn *k = run(h, 0x7f12, sh);
    common(k, 0x7f12, "TLS 1.3 draft-18", "draft-18");
    /* The final layout would take 0x13 for a session id length and invent
     * a suite from the key share's bytes. */
    is_int(k ? k->hs.cipher_suite : 0, 0x1301, "draft-18: the suite is read where the draft puts it");
    is_int(k ? k->hs.key_share_group : 0, 29, "draft-18: key_share read");
    is_int(k ? k->hs.server_random[31] : 0, 0x22, "draft-18: server random");
    free(sh);
    free(e);
    free(ks);
    th_free(h);
}

static void test_draft16_21_bounds(void)
{
    static const struct {
        unsigned v;
        const char *name;
    } t[] = {{0x7f10, "TLS 1.3 draft-16"}, {0x7f15, "TLS 1.3 draft-21"}};
    for (size_t i = 0; i < 2; i++) {
        th *h = th_new();
        tb *sh = tbn();
        tb_u16(sh, t[i].v);
        tb_fill(sh, 0x22, 32);
        tb_u16(sh, 0x1302);
        tb_u16(sh, 0); /* no extensions */
        const bm_conn *k = run(h, t[i].v, sh);
        common(k, t[i].v, t[i].name, t[i].name);
        is_int(k ? k->hs.cipher_suite : 0, 0x1302, "the draft's suite");
        free(sh);
        th_free(h);
    }
}

/* A ServerHello of the final layout selecting 'ver' in supported_versions. */
static const bm_conn *final_layout(th *h, unsigned ver, unsigned suite)
{
    tb *sh = tbn(), *e = tbn(), *ks = tbn();
    uint8_t sv[2] = {(uint8_t)(ver >> 8), (uint8_t)ver};
    tb_ext(e, 43, sv, 2);
    key_share(e, ks);
    tb_server_hello(sh, 0x0303, NULL, NULL, 0, suite, e);
    const bm_conn *k = run(h, ver, sh);
    free(sh);
    free(e);
    free(ks);
    return k;
}

/* Draft 23 uses the final layout; the draft is in supported_versions. */
static void test_draft23_final_layout(void)
{
    th *h = th_new();
    const bm_conn *k = final_layout(h, 0x7f17, 0x1303);
    common(k, 0x7f17, "TLS 1.3 draft-23", "draft-23");
    is_int(k ? k->hs.cipher_suite : 0, 0x1303, "draft-23: suite");
    th_free(h);
}

/* A pre-standard version whose layout is not known: named, not parsed. */
static void test_experiment(void)
{
    th *h = th_new();
    tb *sh = tbn();
    tb_u16(sh, 0x7e01);
    tb_fill(sh, 0x22, 32);
    tb_u8(sh, 0);
    tb_u16(sh, 0x1301);
    tb_u8(sh, 0);
    tb_u16(sh, 0);
    const bm_conn *k = run(h, 0x7e01, sh);
    common(k, 0x7e01, "TLS 1.3 experiment 1", "0x7e01");
    is_int(k ? k->hs.cipher_suite : 1, 0, "0x7e01: no suite invented");
    free(sh);
    th_free(h);
}

/* Final TLS 1.3: no draft finding. */
static void test_final(void)
{
    th *h = th_new();
    const bm_conn *k = final_layout(h, 0x0304, 0x1301);
    is_int(k ? k->hs.version : 0, 0x0304, "final TLS 1.3");
    ok(k && !th_finding(k, BM_F_TLS13_DRAFT), "final TLS 1.3: no draft finding");
    is_str(bm_tls_version_name(0x0304), "TLS 1.3", "final TLS 1.3: named");
    ok(!bm_tls_version_draft13(0x0304) && !bm_tls_version_draft13(0x0303) && bm_tls_version_draft13(0xfb17),
       "draft predicate");
    th_free(h);
}

int main(void)
{
    test_draft18();
    test_draft16_21_bounds();
    test_draft23_final_layout();
    test_experiment();
    test_final();
    return tap_done();
}
