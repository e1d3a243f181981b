/*
 * suite_info.h - what the keyless TLS stage needs to know of a cipher
 * suite: how much record protection can add to a plaintext fragment, to
 * flag oversized records. Private to src/tls/; a view of the suite
 * registry's row (src/proto/suites.h), which the crypto stage reads too.
 */
#ifndef BM_TLS_SUITE_INFO_H
#define BM_TLS_SUITE_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum bm_suite_kind {
    BM_SUITE_UNKNOWN = 0, /* not assigned, SCSV, GOST, integrity-only, ... */
    BM_SUITE_NULL,        /* MAC only */
    BM_SUITE_STREAM,      /* RC4: MAC only */
    BM_SUITE_CBC,         /* IV (TLS >= 1.1) + MAC + padding */
    BM_SUITE_AEAD         /* explicit nonce (TLS 1.2) + tag */
} bm_suite_kind;

typedef struct bm_suite_info {
    bm_suite_kind kind;
    uint8_t mac_len;        /* HMAC output, 0 for AEAD */
    uint8_t tag_len;        /* AEAD tag */
    uint8_t block_len;      /* CBC block (explicit IV size from TLS 1.1) */
    uint8_t explicit_nonce; /* TLS 1.2 AEAD explicit nonce: 8 for GCM/CCM, 0 ChaCha20 */
    bool tls13;             /* a TLS 1.3 suite (no key exchange in the name) */
} bm_suite_info;

/* From the registry row; false (and kind UNKNOWN) when the suite is
 * unassigned or its record protection unknown (SCSV, GOST, ...). */
bool bm_suite_info_get(uint16_t suite, bm_suite_info *out);
/* Most bytes protection adds to a TLS <= 1.2 record of this suite and
 * version; 2048 (the protocol's allowance) when the suite is unknown. */
uint32_t bm_suite_max_expansion(uint16_t suite, uint16_t version, bool truncated_hmac);
/* Whether a protected record of 'len' bytes can hold exactly 'plain'
 * bytes of plaintext under this suite (for CBC the padding makes it a
 * range; etm: RFC 7366 encrypt-then-MAC); true when the suite's record
 * protection is unknown. Same sizes for every implementation. */
bool bm_suite_can_hold(uint16_t suite, uint16_t version, bool truncated_hmac, bool etm, uint32_t len, uint32_t plain);

#endif
