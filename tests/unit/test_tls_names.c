/* Names of protocol numbers and the cipher suite table behind them. */
#include "tap.h"
#include "proto/suites.h"
#include "tls/suite_info.h"
#include "tls/tls.h"

static void test_suites(void)
{
    is_str(bm_tls_suite_name(0x0005), "TLS_RSA_WITH_RC4_128_SHA", "0x0005");
    is_str(bm_tls_suite_name(0x1301), "TLS_AES_128_GCM_SHA256", "0x1301");
    is_str(bm_tls_suite_name(0xC02F), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "0xC02F");
    is_str(bm_tls_suite_name(0x0000), "TLS_NULL_WITH_NULL_NULL", "first entry");
    is_str(bm_tls_suite_name(0xD005), "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", "last entry");
    is_str(bm_tls_suite_name(0x00FF), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "renegotiation SCSV");
    is_str(bm_tls_suite_name(0x5600), "TLS_FALLBACK_SCSV", "fallback SCSV");
    is_str(bm_tls_suite_name(0xC0B0), "TLS_ECCPWD_WITH_AES_128_GCM_SHA256", "ECCPWD");
    is_str(bm_tls_suite_name(0xC100), "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC", "GOST");
    is_str(bm_tls_suite_name(0xCCA8), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ChaCha20");
    is_str(bm_tls_suite_name(0xC0A0), "TLS_RSA_WITH_AES_128_CCM_8", "CCM_8");
    is_str(bm_tls_suite_name(0x0017), "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", "IANA spelling DH_anon");
    ok(bm_tls_suite_name(0x0A0A) == NULL, "GREASE has no suite name");
    ok(bm_tls_suite_name(0xD004) == NULL, "unassigned has no name");
    ok(bm_tls_suite_name(0xFFFF) == NULL, "private use has no name");
    size_t n = 0;
    const bm_suite *t = bm_suite_table(&n);
    ok(n >= 340, "the whole registry (>= 340 assigned values)");
    int sorted = 1;
    for (size_t i = 1; i < n; i++)
        if (t[i - 1].id >= t[i].id)
            sorted = 0;
    ok(sorted, "table strictly ascending (binary search is valid)");
    int all = 1;
    for (size_t i = 0; i < n; i++)
        if (bm_tls_suite_name(t[i].id) != t[i].name)
            all = 0;
    ok(all, "every table entry is found by the search");
}

static void test_suite_info(void)
{
    bm_suite_info si;
    ok(bm_suite_info_get(0xC02F, &si) && si.kind == BM_SUITE_AEAD && si.tag_len == 16 && si.explicit_nonce == 8,
       "GCM: AEAD, tag 16, explicit nonce 8");
    ok(bm_suite_info_get(0xCCA8, &si) && si.kind == BM_SUITE_AEAD && si.explicit_nonce == 0, "ChaCha20: no explicit nonce");
    ok(bm_suite_info_get(0xC0A0, &si) && si.tag_len == 8, "CCM_8: tag 8");
    ok(bm_suite_info_get(0x0005, &si) && si.kind == BM_SUITE_STREAM && si.mac_len == 20, "RC4-SHA: stream, MAC 20");
    ok(bm_suite_info_get(0x000A, &si) && si.kind == BM_SUITE_CBC && si.block_len == 8, "3DES: 8-byte blocks");
    ok(bm_suite_info_get(0xC028, &si) && si.kind == BM_SUITE_CBC && si.mac_len == 48 && si.block_len == 16,
       "AES-CBC-SHA384: MAC 48, block 16");
    ok(bm_suite_info_get(0x1301, &si) && si.tls13, "TLS 1.3 suite");
    ok(!bm_suite_info_get(0x00FF, &si), "SCSV has no record protection");
    is_int(bm_suite_max_expansion(0xC02F, 0x0303, false), 24, "GCM expansion");
    is_int(bm_suite_max_expansion(0x002F, 0x0303, false), 16 + 20 + 256, "AES-CBC-SHA TLS 1.2 expansion");
    is_int(bm_suite_max_expansion(0x002F, 0x0301, false), 20 + 256, "TLS 1.0: no explicit IV");
    is_int(bm_suite_max_expansion(0x002F, 0x0303, true), 16 + 10 + 256, "truncated HMAC");
    is_int(bm_suite_max_expansion(0x0005, 0x0303, false), 20, "RC4: MAC only");
    is_int(bm_suite_max_expansion(0x0001, 0x0303, false), 16, "NULL-MD5: MAC only");
    is_int(bm_suite_max_expansion(0xD004, 0x0303, false), 2048, "unknown: protocol allowance");
    /* What the expansion was when it was derived from the IANA name with
     * strstr (before the registry): TLS 1.0, TLS 1.2, TLS 1.2 with a
     * truncated HMAC, TLS 1.3. */
    static const struct {
        uint16_t id;
        uint32_t e10, e12, e12t, e13;
    } old[] = {
        {0x0000, 0, 0, 0, 0},             /* TLS_NULL_WITH_NULL_NULL */
        {0x0001, 16, 16, 10, 16},         /* TLS_RSA_WITH_NULL_MD5 */
        {0x0003, 16, 16, 10, 16},         /* TLS_RSA_EXPORT_WITH_RC4_40_MD5 */
        {0x0006, 272, 280, 274, 280},     /* TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5 */
        {0x0007, 276, 284, 274, 284},     /* TLS_RSA_WITH_IDEA_CBC_SHA */
        {0x000A, 276, 284, 274, 284},     /* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
        {0x0017, 16, 16, 10, 16},         /* TLS_DH_anon_EXPORT_WITH_RC4_40_MD5 */
        {0x0026, 276, 284, 274, 284},     /* TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA */
        {0x002F, 276, 292, 282, 292},     /* TLS_RSA_WITH_AES_128_CBC_SHA */
        {0x003B, 32, 32, 10, 32},         /* TLS_RSA_WITH_NULL_SHA256 */
        {0x0041, 276, 292, 282, 292},     /* TLS_RSA_WITH_CAMELLIA_128_CBC_SHA */
        {0x008A, 20, 20, 10, 20},         /* TLS_PSK_WITH_RC4_128_SHA */
        {0x009C, 24, 24, 24, 24},         /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
        {0x00B1, 48, 48, 10, 48},         /* TLS_PSK_WITH_NULL_SHA384 */
        {0x00C6, 16, 16, 16, 16},         /* TLS_SM4_GCM_SM3 */
        {0x00FF, 2048, 2048, 2048, 2048}, /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
        {0x1301, 16, 16, 16, 16},         /* TLS_AES_128_GCM_SHA256 */
        {0x1303, 16, 16, 16, 16},         /* TLS_CHACHA20_POLY1305_SHA256 */
        {0x1305, 8, 8, 8, 8},             /* TLS_AES_128_CCM_8_SHA256 */
        {0x1306, 32, 32, 32, 32},         /* TLS_AEGIS_256_SHA512 */
        {0xC028, 304, 320, 282, 320},     /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
        {0xC03C, 288, 304, 282, 304},     /* TLS_RSA_WITH_ARIA_128_CBC_SHA256 */
        {0xC07A, 24, 24, 24, 24},         /* TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256 */
        {0xC0A0, 16, 16, 16, 16},         /* TLS_RSA_WITH_AES_128_CCM_8 */
        {0xC0B0, 24, 24, 24, 24},         /* TLS_ECCPWD_WITH_AES_128_GCM_SHA256 */
        {0xC0B4, 2048, 2048, 2048, 2048}, /* TLS_SHA256_SHA256 */
        {0xC100, 2048, 2048, 2048, 2048}, /* TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC */
        {0xC103, 2048, 2048, 2048, 2048}, /* TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L */
        {0xCCA8, 16, 16, 16, 16},         /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
        {0xD003, 16, 16, 16, 16},         /* TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256 */
    };
    int differ = 0;
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
        uint16_t id = old[i].id;
        uint32_t e10 = bm_suite_max_expansion(id, 0x0301, false), e12 = bm_suite_max_expansion(id, 0x0303, false);
        uint32_t e12t = bm_suite_max_expansion(id, 0x0303, true), e13 = bm_suite_max_expansion(id, 0x0304, false);
        if (e10 != old[i].e10 || e12 != old[i].e12 || e12t != old[i].e12t || e13 != old[i].e13) {
            printf("# expansion of 0x%04x: %u %u %u %u\n", id, e10, e12, e12t, e13);
            differ++;
        }
    }
    is_int(differ, 0, "expansion of 30 sample suites as the name-derived rule gave it");
    ok(!bm_suite_info_get(0xC100, &si) && !bm_suite_info_get(0xC0B4, &si) && !bm_suite_info_get(0x5600, &si),
       "GOST, integrity-only and SCSV: no record protection known");
    ok(bm_suite_info_get(0x1306, &si) && si.tls13 && si.tag_len == 32 && si.block_len == 0, "AEGIS-256: named-only row");
}

static void test_other_names(void)
{
    is_str(bm_tls_alert_name(20), "bad_record_mac", "alert 20");
    is_str(bm_tls_alert_name(0), "close_notify", "alert 0");
    is_str(bm_tls_alert_name(116), "certificate_required", "alert 116");
    is_str(bm_tls_alert_name(121), "ech_required", "alert 121");
    ok(bm_tls_alert_name(-1) == NULL && bm_tls_alert_name(1) == NULL && bm_tls_alert_name(999) == NULL,
       "unknown alerts");
    is_str(bm_tls_version_name(0x0300), "SSL 3.0", "SSL 3.0");
    is_str(bm_tls_version_name(0x0301), "TLS 1.0", "TLS 1.0");
    is_str(bm_tls_version_name(0x0304), "TLS 1.3", "TLS 1.3");
    is_str(bm_tls_version_name(0x7f1c), "TLS 1.3 draft-28", "draft version named");
    is_str(bm_tls_version_name(0x7f12), "TLS 1.3 draft-18", "draft-18 named");
    is_str(bm_tls_version_name(0x7fff), "TLS 1.3 pre-standard", "unknown draft: pre-standard");
    ok(bm_tls_version_name(0x0305) == NULL, "unknown version");
    is_str(bm_tls_content_type_name(23), "application_data", "content type 23");
    is_str(bm_tls_content_type_name(20), "change_cipher_spec", "content type 20");
    ok(bm_tls_content_type_name(99) == NULL, "content type 99");
    is_str(bm_tls_group_name(29), "x25519", "x25519");
    is_str(bm_tls_group_name(23), "secp256r1", "secp256r1");
    is_str(bm_tls_group_name(256), "ffdhe2048", "ffdhe2048");
    is_str(bm_tls_group_name(4588), "X25519MLKEM768", "X25519MLKEM768");
    is_str(bm_tls_group_name(0x3a3a), "GREASE", "GREASE group");
    ok(bm_tls_group_name(0x1234) == NULL, "unknown group");
}

int main(void)
{
    test_suites();
    test_suite_info();
    test_other_names();
    return tap_done();
}
