/* suite_info.c - record expansion of a cipher suite, read off its IANA name. */
#include <string.h>

#include "suite_info.h"
#include "tls.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static uint8_t mac_of(const char *name)
{
    if (ends_with(name, "_SHA384"))
        return 48;
    if (ends_with(name, "_SHA256"))
        return 32;
    if (ends_with(name, "_SHA"))
        return 20;
    if (ends_with(name, "_MD5"))
        return 16;
    return 0;
}

bool bm_suite_info_get(uint16_t suite, bm_suite_info *out)
{
    memset(out, 0, sizeof *out);
    const char *name = bm_tls_suite_name(suite);
    if (!name)
        return false;
    const char *with = strstr(name, "_WITH_");
    const char *cipher = with ? with + 6 : name + 4;
    out->tls13 = !with && strstr(name, "SCSV") == NULL && strncmp(name, "TLS_SHA", 7) != 0;
    if (strstr(cipher, "GOST") || strstr(cipher, "KUZNYECHIK") || strstr(cipher, "MAGMA") ||
        strstr(cipher, "28147") || strstr(name, "SCSV") || strncmp(name, "TLS_SHA", 7) == 0)
        return false;
    if (strstr(cipher, "CHACHA20_POLY1305")) {
        out->kind = BM_SUITE_AEAD;
        out->tag_len = 16;
    } else if (strstr(cipher, "_GCM") || strstr(cipher, "_CCM") || strstr(cipher, "AEGIS")) {
        out->kind = BM_SUITE_AEAD;
        out->tag_len = strstr(cipher, "CCM_8") ? 8 : strstr(cipher, "AEGIS_256") ? 32 : 16;
        out->explicit_nonce = out->tls13 ? 0 : 8;
    } else if (strncmp(cipher, "NULL", 4) == 0) {
        out->kind = BM_SUITE_NULL;
        out->mac_len = mac_of(name);
    } else if (strstr(cipher, "RC4")) {
        out->kind = BM_SUITE_STREAM;
        out->mac_len = mac_of(name);
    } else if (strstr(cipher, "CBC")) {
        out->kind = BM_SUITE_CBC;
        out->mac_len = mac_of(name);
        bool small = strstr(cipher, "DES") || strstr(cipher, "IDEA") || strstr(cipher, "RC2");
        out->block_len = small ? 8 : 16;
    } else {
        return false;
    }
    return true;
}

uint32_t bm_suite_max_expansion(uint16_t suite, uint16_t version, bool truncated_hmac)
{
    bm_suite_info si;
    if (!bm_suite_info_get(suite, &si))
        return 2048;
    /* RFC 6066: a truncated HMAC is 80 bits; it does not apply to AEAD. */
    uint32_t mac = truncated_hmac && si.mac_len ? 10 : si.mac_len;
    switch (si.kind) {
    case BM_SUITE_NULL:
    case BM_SUITE_STREAM:
        return mac;
    case BM_SUITE_CBC:
        /* explicit IV from TLS 1.1; padding incl. its length byte <= 256 */
        return (version >= 0x0302 ? si.block_len : 0u) + mac + 256u;
    case BM_SUITE_AEAD:
        return (uint32_t)si.explicit_nonce + si.tag_len;
    default:
        return 2048;
    }
}
