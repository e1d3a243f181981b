/*
 * x509.h - describing a certificate for reports (via OpenSSL).
 */
#ifndef BM_CRYPTO_X509_H
#define BM_CRYPTO_X509_H

#include <stddef.h>
#include <stdint.h>

#include "../../include/badmac/conn.h"
#include "../util/err.h"

/* Fill 'out' from DER bytes (untrusted; read only within [der, der+len)):
 * subject and issuer as RFC 2253 strings (control and non-ASCII bytes
 * escaped, truncated to fit), SHA-256 of the certificate's DER.
 * On a parse failure the fingerprint is that of the bytes given, the names
 * are empty, and BM_ERR_MALFORMED is returned. */
BM_RESULT bm_x509_describe(const uint8_t *der, size_t len, bm_cert *out);

#endif
