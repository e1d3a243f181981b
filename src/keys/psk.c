#include "psk.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lines.h"

static bm_result psk_fail(bm_diag *d, const char *what)
{
    bm_diag_saved saved;
    bm_diag_push_file(d, "--psk", &saved);
    bm_diag_at(d, NULL, "%s", what);
    bm_diag_pop_file(d, &saved);
    return bm_res(BM_ERR_USAGE);
}

bm_result bm_keys_add_psk(bm_keystore *ks, const char *arg, bm_diag *d)
{
    BM_ENSURE(ks && d, BM_ERR_USAGE);
    if (!arg)
        return psk_fail(d, "expected IDENTITY:HEX");
    const char *colon = strrchr(arg, ':');
    if (!colon)
        return psk_fail(d, "expected IDENTITY:HEX (no ':')");
    const char *hex = colon + 1;
    size_t hn = strlen(hex);
    size_t id_len = (size_t)(colon - arg);
    if (hn == 0)
        return psk_fail(d, "empty key after ':'");
    if (id_len > BM_KEYSTORE_MAX_ID)
        return psk_fail(d, "identity longer than 65535 bytes");
    for (size_t i = 0; i < hn; i++) {
        if (bm_hexval((unsigned char)hex[i]) < 0)
            return psk_fail(d, "key is not hex");
    }
    if (hn % 2)
        return psk_fail(d, "key has an odd number of hex digits");
    if (hn / 2 > BM_PSK_MAX)
        return psk_fail(d, "key longer than 1024 bytes");
    uint8_t key[BM_PSK_MAX];
    size_t n = hn / 2;
    for (size_t i = 0; i < n; i++)
        key[i] = (uint8_t)(bm_hexval((unsigned char)hex[2 * i]) << 4 |
                           bm_hexval((unsigned char)hex[2 * i + 1]));
    bm_result r = bm_keystore_put(ks, BM_KEY_PSK, (const uint8_t *)arg, id_len, key, n, "--psk", 0,
                                  NULL);
    OPENSSL_cleanse(key, sizeof key);
    return r;
}

bm_result bm_psk_premaster(const uint8_t *psk, size_t psk_len, const uint8_t *other,
                           size_t other_len, uint8_t *out, size_t cap, size_t *outlen)
{
    if (outlen)
        *outlen = 0;
    BM_ENSURE(psk && psk_len > 0 && out, BM_ERR_USAGE);
    if (!other)
        other_len = psk_len;
    BM_ENSURE(psk_len <= 0xffff && other_len <= 0xffff, BM_ERR_USAGE);
    size_t need = 4 + other_len + psk_len;
    BM_ENSURE(cap >= need, BM_ERR_LIMIT);
    uint8_t *p = out;
    *p++ = (uint8_t)(other_len >> 8);
    *p++ = (uint8_t)other_len;
    if (other)
        memcpy(p, other, other_len);
    else
        memset(p, 0, other_len);
    p += other_len;
    *p++ = (uint8_t)(psk_len >> 8);
    *p++ = (uint8_t)psk_len;
    memcpy(p, psk, psk_len);
    if (outlen)
        *outlen = need;
    return BM_SUCCESS;
}
