/*
 * suite.h - the cipher suites badmac can decrypt: the rows of the suite
 * registry (src/proto/suites.h) marked 'decrypt', and what each one means
 * for record protection and key derivation.
 *
 * Export suites, GOST, SRP-less oddities and the Camellia/ARIA CBC suites
 * OpenSSL never implemented have rows but are not decryptable: such a
 * suite is reported as unknown here, never guessed.
 */
#ifndef BM_CRYPTO_SUITE_H
#define BM_CRYPTO_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/suites.h"

#define BM_MAX_HASH_LEN 48
#define BM_MAX_KEY_LEN 32
#define BM_MAX_IV_LEN 16
#define BM_MAX_MAC_KEY_LEN 48

/* The registry row of a suite badmac decrypts; NULL when the suite is
 * unknown or known by name only. */
const bm_suite *bm_suite_find(uint16_t id);

size_t bm_hash_len(bm_hash h);

#endif
