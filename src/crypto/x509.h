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

/* The same, remembered: a capture of a proxy or a server shows the same
 * certificates in every connection, and parsing and printing them with
 * OpenSSL was most of the time of an analysis of many short connections.
 * Descriptions are kept by the SHA-256 of the bytes given, in a fixed
 * table (BM_X509_CACHE_SLOTS, one entry per slot, the newest wins). */
#define BM_X509_CACHE_SLOTS 256u
typedef struct bm_x509_cache bm_x509_cache;
bm_x509_cache *bm_x509_cache_new(void); /* NULL: out of memory */
void bm_x509_cache_free(bm_x509_cache *c);
/* As bm_x509_describe (c may be NULL: not remembered). */
BM_RESULT bm_x509_describe_cached(bm_x509_cache *c, const uint8_t *der, size_t len, bm_cert *out);

#endif
