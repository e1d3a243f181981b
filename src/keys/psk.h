/*
 * psk.h - pre-shared keys given on the command line: TLS 1.2 PSK suites
 * (RFC 4279) and TLS 1.3 external PSKs (psk_ke; see dec_keys.c).
 *
 * A PSK is given as "IDENTITY:HEX". The identity may itself contain ':', so
 * the split is at the LAST colon; an empty identity (":HEX") means "any
 * identity". Keys are stored in the keystore (label BM_KEY_PSK, id = the
 * identity) and looked up with bm_keystore_get_psk().
 */
#ifndef BM_KEYS_PSK_H
#define BM_KEYS_PSK_H

#include <stddef.h>
#include <stdint.h>

#include "../util/diag.h"
#include "../util/err.h"
#include "keystore.h"

#define BM_PSK_MAX 1024 /* bytes of key */

/* Parse and store one PSK. Errors (after one diag line naming "--psk", never
 * the key): BM_ERR_USAGE for a malformed argument, BM_ERR_NOMEM. */
BM_RESULT bm_keys_add_psk(bm_keystore *ks, const char *arg, bm_diag *d);

/* RFC 4279 section 2 premaster secret:
 *   uint16 len(other) || other || uint16 len(psk) || psk
 * For plain PSK suites pass other = NULL: "other" is then psk_len zero bytes
 * (other_len is ignored). For DHE/ECDHE/RSA-PSK pass the DH/ECDH shared
 * secret or the 48-byte RSA premaster. out needs 4 + other_len + psk_len
 * bytes; BM_ERR_LIMIT when cap is too small, BM_ERR_USAGE when a length
 * exceeds 65535. */
BM_RESULT bm_psk_premaster(const uint8_t *psk, size_t psk_len, const uint8_t *other,
                           size_t other_len, uint8_t *out, size_t cap, size_t *outlen);

#endif
