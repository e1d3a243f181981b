/*
 * suite_info.c - what the TLS stage reads of a cipher suite: its IANA name
 * and its record expansion, both looked up in the suite registry
 * (src/proto/suites.c) - a binary search, no string work per record.
 */
#include <string.h>

#include "../proto/proto.h"
#include "../proto/suites.h"
#include "suite_info.h"
#include "tls.h"

const char *bm_tls_suite_name(uint16_t suite)
{
    const bm_suite *s = bm_suite_row(suite);
    return s ? s->name : NULL;
}

bool bm_suite_info_get(uint16_t suite, bm_suite_info *out)
{
    static const bm_suite_kind kind_of[] = {
        [BM_RC_NONE] = BM_SUITE_UNKNOWN, [BM_RC_NULL] = BM_SUITE_NULL, [BM_RC_STREAM] = BM_SUITE_STREAM,
        [BM_RC_CBC] = BM_SUITE_CBC,      [BM_RC_AEAD] = BM_SUITE_AEAD, [BM_RC_CHACHA] = BM_SUITE_AEAD,
        [BM_RC_TLS13] = BM_SUITE_AEAD,
    };
    memset(out, 0, sizeof *out);
    const bm_suite *s = bm_suite_row(suite);
    if (!s || s->rec_class >= sizeof kind_of / sizeof kind_of[0] || kind_of[s->rec_class] == BM_SUITE_UNKNOWN)
        return false;
    out->kind = kind_of[s->rec_class];
    out->mac_len = s->mac_len;
    out->tag_len = s->tag_len;
    out->block_len = s->rec_class == BM_RC_CBC ? s->block_len : 0;
    out->explicit_nonce = s->rec_class == BM_RC_AEAD ? s->record_iv_len : 0;
    out->tls13 = s->rec_class == BM_RC_TLS13;
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
        return (version >= BM_TLS11 ? si.block_len : 0u) + mac + 256u;
    case BM_SUITE_AEAD:
        return (uint32_t)si.explicit_nonce + si.tag_len;
    default:
        return 2048;
    }
}

bool bm_suite_can_hold(uint16_t suite, uint16_t version, bool truncated_hmac, bool etm, uint32_t len, uint32_t plain)
{
    bm_suite_info si;
    if (!bm_suite_info_get(suite, &si))
        return true;
    uint32_t mac = truncated_hmac && si.mac_len ? 10 : si.mac_len;
    switch (si.kind) {
    case BM_SUITE_NULL:
    case BM_SUITE_STREAM:
        return len == plain + mac;
    case BM_SUITE_AEAD:
        if (si.tls13 || version >= BM_TLS13)
            return len >= plain + 1u + si.tag_len; /* content type byte, any padding */
        return len == plain + si.explicit_nonce + si.tag_len;
    case BM_SUITE_CBC: {
        uint32_t b = si.block_len ? si.block_len : 1;
        uint32_t iv = version >= BM_TLS11 ? si.block_len : 0u;
        uint32_t fixed = iv + (etm ? mac : 0u);
        if (len < fixed || (len - fixed) % b)
            return false;
        /* the encrypted part: plaintext (+ MAC when MAC-then-encrypt) + padding of 1..256 bytes */
        uint32_t enc = len - fixed, inner = plain + (etm ? 0u : mac);
        return enc >= inner + 1u && enc <= inner + 256u;
    }
    default:
        return true;
    }
}
