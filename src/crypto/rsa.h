/*
 * rsa.h - RSA private keys, for TLS <= 1.2 connections that used RSA key
 * transport: decrypting the ClientKeyExchange gives the premaster secret.
 *
 * Keys are read from PEM or DER files, PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
 * ("PRIVATE KEY"), unencrypted; a PEM file may hold several keys and other
 * objects (certificates are skipped). The right key for a connection is
 * found by comparing the server certificate's public key with each key's
 * public half.
 *
 * Decryption is plain PKCS#1 v1.5 with an explicit error: a passive analyser
 * must tell "wrong key" apart from a real premaster, so the TLS padding
 * mode (and OpenSSL >= 3.2 implicit rejection), which return random bytes
 * on failure by design, are NOT used. The result is then checked to be 48
 * bytes starting with the ClientHello version.
 */
#ifndef BM_CRYPTO_RSA_H
#define BM_CRYPTO_RSA_H

#include <stddef.h>
#include <stdint.h>

#include "../util/diag.h"
#include "../util/err.h"

#define BM_RSA_MAX_KEYS 64        /* keys kept over all files */
#define BM_RSA_MAX_FILE (1u << 20) /* bytes of one key file */

typedef struct bm_rsa_key bm_rsa_key;
typedef struct bm_rsa_keys bm_rsa_keys;

bm_rsa_keys *bm_rsa_keys_new(void);
void bm_rsa_keys_free(bm_rsa_keys *k);

/* Add every RSA private key of a file. Problems are one-line diagnostics
 * ("key.pem: PEM block 2 (ENCRYPTED PRIVATE KEY): encrypted keys are not
 * supported (skipped)"). Errors: BM_ERR_IO (cannot open/read, "cannot open
 * RSA key file: <strerror>"), BM_ERR_KEYFILE (no usable RSA key in the
 * file: "no RSA private key found"), BM_ERR_LIMIT, BM_ERR_NOMEM. */
BM_RESULT bm_rsa_keys_load(bm_rsa_keys *k, const char *path, bm_diag *d);

size_t bm_rsa_keys_count(const bm_rsa_keys *k);
const bm_rsa_key *bm_rsa_keys_at(const bm_rsa_keys *k, size_t i);

/* The key whose public half is the public key of this X.509 certificate
 * (DER), or NULL (also for an unparsable certificate). */
const bm_rsa_key *bm_rsa_keys_match_cert(const bm_rsa_keys *k, const uint8_t *cert_der,
                                         size_t len);

/* The single loaded key, or NULL when there are none or several: the
 * fallback when no certificate was seen (resumed or mid-stream capture). */
const bm_rsa_key *bm_rsa_keys_only(const bm_rsa_keys *k);

/* "server.pem key 1" - where the key came from, for reports. */
const char *bm_rsa_key_source(const bm_rsa_key *key);
/* Modulus size in bytes (the length of an encrypted premaster). */
size_t bm_rsa_key_size(const bm_rsa_key *key);

/* Decrypt the encrypted premaster (exactly the ciphertext, no length
 * prefix). Results:
 *   BM_OK              pms holds 48 bytes beginning with client_version;
 *   BM_ERR_PMS_VERSION pms holds 48 bytes whose first two differ from
 *                      client_version (some old clients send the
 *                      negotiated version instead): usable, but say so;
 *   BM_ERR_WRONG_KEY   padding check failed or the plaintext is not 48
 *                      bytes: almost surely the wrong key (pms zeroed);
 *   BM_ERR_MALFORMED   len is 0 or larger than the modulus size;
 *   BM_ERR_CRYPTO      libcrypto failure. */
BM_RESULT bm_rsa_decrypt_pms(const bm_rsa_key *key, const uint8_t *enc, size_t len,
                             uint16_t client_version, uint8_t pms[48]);

/* The same from a ClientKeyExchange body (after the 4-byte handshake
 * header). TLS 1.0+ prefixes the ciphertext with a 2-byte length, SSL 3.0
 * (and some broken TLS 1.0 stacks) does not: both framings are tried,
 * prefixed first. *prefixed (may be NULL) tells which one matched. */
BM_RESULT bm_rsa_decrypt_cke(const bm_rsa_key *key, const uint8_t *body, size_t len,
                             uint16_t client_version, uint8_t pms[48], int *prefixed);

#endif
