/* PSKs from "IDENTITY:HEX" and the RFC 4279 premaster. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "keys/keystore.h"
#include "keys/psk.h"

#include "loader_harness.h"

static void test_parse(void)
{
    sink s;
    bm_diag d = make_diag(&s);
    bm_keystore *ks = bm_keystore_new();
    ok(bm_is_ok(bm_keys_add_psk(ks, "client1:0102AbcD", &d)), "IDENTITY:HEX");
    ok(bm_is_ok(bm_keys_add_psk(ks, "urn:dev:42:ffee", &d)), "identity with colons");
    ok(bm_is_ok(bm_keys_add_psk(ks, ":99", &d)), "empty identity = any");
    is_int(s.n, 0, "no diagnostics");

    const bm_key_entry *e = bm_keystore_get_psk(ks, (const uint8_t *)"client1", 7);
    ok(e && e->secret_len == 4 && memcmp(e->secret, "\x01\x02\xab\xcd", 4) == 0, "client1 key");
    e = bm_keystore_get_psk(ks, (const uint8_t *)"urn:dev:42", 10);
    ok(e && e->secret_len == 2 && e->secret[0] == 0xff && e->secret[1] == 0xee,
       "split at the last colon");
    e = bm_keystore_get_psk(ks, (const uint8_t *)"someone-else", 12);
    ok(e && e->id_len == 0 && e->secret_len == 1 && e->secret[0] == 0x99,
       "unknown identity falls back to the 'any' key");
    char where[64];
    bm_key_entry_where(e, where, sizeof where);
    is_str(where, "--psk", "provenance --psk");

    static const struct {
        const char *arg, *diag;
    } bad[] = {
        {"nocolon", "--psk: expected IDENTITY:HEX (no ':')"},
        {"id:", "--psk: empty key after ':'"},
        {"id:12zz", "--psk: key is not hex"},
        {"id:123", "--psk: key has an odd number of hex digits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = make_diag(&s);
        bm_result r = bm_keys_add_psk(ks, bad[i].arg, &d);
        ok(r.code == BM_ERR_USAGE && s.n == 1 && strcmp(s.last, bad[i].diag) == 0, bad[i].diag);
    }
    char big[2 * 1025 + 8];
    memcpy(big, "x:", 2);
    memset(big + 2, 'a', 2 * 1025);
    big[2 + 2 * 1025] = 0;
    d = make_diag(&s);
    ok(bm_keys_add_psk(ks, big, &d).code == BM_ERR_USAGE &&
           strcmp(s.last, "--psk: key longer than 1024 bytes") == 0,
       "oversized key rejected");
    d = make_diag(&s);
    ok(bm_keys_add_psk(ks, "secretid:00112233445566778899", &d).code == BM_OK, "valid again");
    d = make_diag(&s);
    ok(bm_keys_add_psk(ks, "secretid:0011223344556677889", &d).code == BM_ERR_USAGE &&
           !strstr(s.last, "00112233"),
       "the key never appears in a diagnostic");
    bm_keystore_free(ks);
}

static void test_premaster(void)
{
    const uint8_t psk[3] = {0xaa, 0xbb, 0xcc};
    uint8_t out[64];
    size_t n = 0;
    ok(bm_is_ok(bm_psk_premaster(psk, 3, NULL, 0, out, sizeof out, &n)), "plain PSK premaster");
    const uint8_t want[] = {0, 3, 0, 0, 0, 0, 3, 0xaa, 0xbb, 0xcc};
    ok(n == sizeof want && memcmp(out, want, n) == 0, "plain: zeros of the PSK's length");
    const uint8_t other[2] = {0x11, 0x22};
    ok(bm_is_ok(bm_psk_premaster(psk, 3, other, 2, out, sizeof out, &n)), "(EC)DHE-PSK premaster");
    const uint8_t want2[] = {0, 2, 0x11, 0x22, 0, 3, 0xaa, 0xbb, 0xcc};
    ok(n == sizeof want2 && memcmp(out, want2, n) == 0, "other secret then PSK");
    is_int(bm_psk_premaster(psk, 3, NULL, 0, out, 9, &n).code, BM_ERR_LIMIT, "buffer too small");
    is_int(n, 0, "outlen 0 on failure");
    is_int(bm_psk_premaster(psk, 0, NULL, 0, out, sizeof out, &n).code, BM_ERR_USAGE, "empty PSK");
}

int main(void)
{
    test_parse();
    test_premaster();
    return tap_done();
}
