/* JSSE (JDK <= 8) javax.net.debug logs: "CONNECTION KEYGEN:" blocks. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "loader_harness.h"
#include "keys/java_log.h"
#include "keys/keystore.h"

#define DATA "tests/unit/data/keys/"

int main(void)
{
    sink s;
    bm_diag d = make_diag(&s);
    bm_keystore *ks = bm_keystore_new();
    bm_result r = bm_java_log_load_file(ks, DATA "java_keygen.log", &d);
    ok(bm_is_ok(r), "JSSE log (CRLF) loads");
    uint8_t cr1[32], ms1[48], cr2[32];
    seq(cr1, 32, 0x00);
    seq(ms1, 48, 0x30);
    seq(cr2, 32, 0xa0);
    size_t len = 0;
    const uint8_t *got = bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr1, &len);
    ok(got && len == 48 && memcmp(got, ms1, 48) == 0, "Client Nonce + Master Secret -> CLIENT_RANDOM");
    ok(bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr2, &len) == NULL, "cut second block not stored");
    is_int(bm_keystore_get_stats(ks)->entries, 1, "one entry (PreMaster Secret is not a master)");
    const bm_key_entry *e = bm_keystore_find(ks, BM_KEY_CLIENT_RANDOM, cr1, 32);
    char where[200];
    bm_key_entry_where(e, where, sizeof where);
    is_str(where, DATA "java_keygen.log line 15", "provenance: the Master Secret line");
    is_int(s.n, 1, "one diagnostic");
    is_str(s.lines[0], DATA "java_keygen.log: line 41: Master Secret dump is incomplete (skipped)",
           "cut Master Secret dump");
    bm_keystore_free(ks);

    /* a logging prefix, lowercase hex, a Master Secret with no nonce */
    static const char text[] =
        "2011-11-16 12:32:37,731 INFO Master Secret:\n"
        "0000: 01 01 01 01 01 01 01 01   01 01 01 01 01 01 01 01  ................\n"
        "0010: 01 01 01 01 01 01 01 01   01 01 01 01 01 01 01 01  ................\n"
        "0020: 01 01 01 01 01 01 01 01   01 01 01 01 01 01 01 01  ................\n"
        "[main] Client Nonce:\n"
        "0000: ab ab ab ab ab ab ab ab   ab ab ab ab ab ab ab ab  ................\n"
        "0010: ab ab ab ab ab ab ab ab   ab ab ab ab ab ab ab ab  ................\n"
        "[main] Master Secret:\n"
        "0000: 02 02 02 02 02 02 02 02   02 02 02 02 02 02 02 02  ................\n"
        "0010: 02 02 02 02 02 02 02 02   02 02 02 02 02 02 02 02  ................\n"
        "0020: 02 02 02 02 02 02 02 02   02 02 02 02 02 02 02 02  ................";
    ks = bm_keystore_new();
    d = make_diag(&s);
    r = bm_java_log_load_mem(ks, (const uint8_t *)text, sizeof text - 1, "app.log", &d);
    ok(bm_is_ok(r), "prefixed log loads");
    is_int(s.n, 1, "one diagnostic");
    is_str(s.lines[0], "app.log: line 1: Master Secret without a Client Nonce (skipped)",
           "Master Secret before any nonce");
    uint8_t cr[32];
    memset(cr, 0xab, 32);
    got = bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr, &len);
    ok(got && got[0] == 2 && got[47] == 2, "prefixed titles, lowercase hex, no final newline");
    bm_keystore_free(ks);

    ks = bm_keystore_new();
    d = make_diag(&s);
    r = bm_java_log_load_file(ks, "/nonexistent/java.log", &d);
    is_int(r.code, BM_ERR_IO, "missing log -> BM_ERR_IO");
    is_str(s.lines[0], "/nonexistent/java.log: cannot open Java debug log: No such file or directory",
           "missing log diagnostic");
    bm_keystore_free(ks);
    return tap_done();
}
