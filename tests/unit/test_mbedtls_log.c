/* mbedTLS debug logs: master secrets and records from hex dumps. The data
 * files in tests/unit/data/keys/ follow mbedtls_debug_print_buf()'s format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "loader_harness.h"
#include "keys/keystore.h"
#include "keys/mbedtls_log.h"

#define DATA "tests/unit/data/keys/"

static void test_client_log(void)
{
    sink s;
    bm_diag d = make_diag(&s);
    bm_keystore *ks = bm_keystore_new();
    bm_mbedtls_log *log = bm_mbedtls_log_new();
    bm_result r = bm_mbedtls_log_load_file(log, ks, DATA "mbedtls_client.log", &d);
    ok(bm_is_ok(r), "mbedTLS client log loads");
    is_int(s.n, 0, "no diagnostics");
    is_int(bm_mbedtls_log_secrets(log), 2, "two master secrets");

    uint8_t cr1[32], ms1[48], cr2[32], ms2[48];
    seq(cr1, 32, 0x00);
    seq(ms1, 48, 0x30);
    seq(cr2, 32, 0xa0);
    seq(ms2, 48, 0xc0);
    size_t len = 0;
    const uint8_t *got = bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr1, &len);
    ok(got && len == 48 && memcmp(got, ms1, 48) == 0, "connection 1: CLIENT_RANDOM from the log");
    got = bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr2, &len);
    ok(got && len == 48 && memcmp(got, ms2, 48) == 0,
       "connection 2 (level 3, other prefix): client random from its ClientHello");
    const bm_key_entry *e = bm_keystore_find(ks, BM_KEY_CLIENT_RANDOM, cr1, 32);
    char where[200];
    bm_key_entry_where(e, where, sizeof where);
    is_str(where, DATA "mbedtls_client.log line 11", "provenance: the 'master secret' dump line");
    e = bm_keystore_find(ks, BM_KEY_CLIENT_RANDOM, cr2, 32);
    ok(e && e->line == 310, "connection 2 provenance line 310");
    is_int(bm_keystore_get_stats(ks)->entries, 2, "exactly two keystore entries");

    is_int(bm_mbedtls_log_n_records(log), 3, "three records");
    const bm_mbedtls_record *rec = bm_mbedtls_log_record(log, 0);
    ok(rec && rec->dir == BM_MBEDTLS_SENT && rec->len == 53 && rec->declared_len == 53 &&
           !rec->truncated && rec->line == 38,
       "record 0: sent, 53 bytes, line 38");
    ok(rec && rec->data[0] == 0x17 && rec->data[3] == 0x00 && rec->data[4] == 0x30 &&
           rec->data[5] == 0x00 && rec->data[6] == 37 && rec->data[52] == (uint8_t)(47 * 37),
       "record 0 bytes");
    ok(rec && rec->has_client_random && memcmp(rec->client_random, cr1, 32) == 0,
       "record 0 tied to connection 1");
    rec = bm_mbedtls_log_record(log, 1);
    ok(rec && rec->dir == BM_MBEDTLS_SENT && rec->declared_len == 4117 && rec->len == 4096 &&
           rec->truncated,
       "record 1: 4117 declared, 4096 dumped (mbedTLS cap), truncated");
    ok(rec && rec->data[4095] == (uint8_t)((4090 * 7) & 0xff), "record 1 last dumped byte");
    rec = bm_mbedtls_log_record(log, 2);
    ok(rec && rec->dir == BM_MBEDTLS_RECEIVED && rec->len == 31 && rec->data[0] == 0x15,
       "record 2: received alert record");
    ok(bm_mbedtls_log_record(log, 3) == NULL, "no record 3");
    is_int(bm_mbedtls_log_dropped(log), 0, "nothing dropped");
    bm_mbedtls_log_free(log);
    bm_keystore_free(ks);
}

static void test_broken_log(void)
{
    sink s;
    bm_diag d = make_diag(&s);
    bm_keystore *ks = bm_keystore_new();
    bm_result r = bm_mbedtls_log_load_file(NULL, ks, DATA "mbedtls_broken.log", &d);
    ok(bm_is_ok(r), "broken log: no error");
    is_int(bm_keystore_get_stats(ks)->entries, 0, "nothing stored from broken dumps");
    is_int(s.n, 2, "two diagnostics");
    is_str(s.lines[0], DATA "mbedtls_broken.log: line 1: master secret without a client random (skipped)",
           "master secret before any ClientHello random");
    is_str(s.lines[1], DATA "mbedtls_broken.log: line 8: dump of 'master secret' is incomplete (skipped)",
           "cut dump");
    bm_keystore_free(ks);

    d = make_diag(&s);
    r = bm_mbedtls_log_load_file(NULL, NULL, "/nonexistent/dev.log", &d);
    is_int(r.code, BM_ERR_IO, "missing log -> BM_ERR_IO");
    is_str(s.lines[0], "/nonexistent/dev.log: cannot open mbedTLS log: No such file or directory",
           "missing log diagnostic");
}

static void test_mem_edge_cases(void)
{
    /* wrong length header, garbage bytes, dumps with other interleaved lines */
    static const char text[] =
        "dumping 'master secret' (47 bytes)\n"
        "0000:  00 11\n"
        "\x01\x02\xff\n"
        "dumping 'client hello, random bytes' (32 bytes)\n"
        "0000:  ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee  ................\n"
        "some other message 0010: zz\n"
        "0010:  ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee ee  ................\n"
        "dumping 'master secret' (48 bytes)\n"
        "0000:  01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01\n"
        "0010:  01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01\n"
        "0020:  01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01";
    sink s;
    bm_diag d = make_diag(&s);
    bm_keystore *ks = bm_keystore_new();
    bm_result r = bm_mbedtls_log_load_mem(NULL, ks, (const uint8_t *)text, sizeof text - 1, "m", &d);
    ok(bm_is_ok(r), "edge cases load");
    is_int(s.n, 1, "one diagnostic");
    is_str(s.lines[0], "m: line 1: dump of 'master secret' has an unexpected length (skipped)",
           "47-byte master secret rejected");
    uint8_t cr[32];
    memset(cr, 0xee, 32);
    size_t len;
    const uint8_t *got = bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr, &len);
    ok(got && got[0] == 1 && got[47] == 1, "master secret at the end of input (no newline) kept");
    bm_keystore_free(ks);

    /* 20000 bytes of random junk: no crash, nothing stored */
    uint8_t *junk = malloc(20000);
    uint32_t x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (uint8_t)(x >> 16);
    }
    ks = bm_keystore_new();
    bm_mbedtls_log *log = bm_mbedtls_log_new();
    d = make_diag(&s);
    r = bm_mbedtls_log_load_mem(log, ks, junk, 20000, "junk", &d);
    ok(bm_is_ok(r) && bm_keystore_get_stats(ks)->entries == 0 && bm_mbedtls_log_n_records(log) == 0,
       "random junk: nothing found");
    free(junk);
    bm_mbedtls_log_free(log);
    bm_keystore_free(ks);
}

int main(void)
{
    test_client_log();
    test_broken_log();
    test_mem_edge_cases();
    return tap_done();
}
