/*
 * gf128.h - GF(2^128) arithmetic in GCM's bit order (NIST SP 800-38D 6.3):
 * the first bit of a 16-byte block (the most significant bit of byte 0) is
 * the coefficient of x^0, and the field is reduced by x^128 + x^7 + x^2 +
 * x + 1. hi holds bytes 0..7 big-endian, lo bytes 8..15. Constant work per
 * call, no tables: fast enough for one pass over a record (~1000 blocks).
 */
#ifndef BM_CRYPTO_GF128_H
#define BM_CRYPTO_GF128_H

#include <stddef.h>
#include <stdint.h>

typedef struct bm_gf128 {
    uint64_t hi, lo;
} bm_gf128;

bm_gf128 bm_gf128_load(const uint8_t b[16]);
void bm_gf128_store(bm_gf128 x, uint8_t b[16]);
bm_gf128 bm_gf128_mul(bm_gf128 x, bm_gf128 y);
/* x^-1; the inverse of 0 is returned as 0. */
bm_gf128 bm_gf128_inv(bm_gf128 x);
/* The multiplicative identity (x^0: the first bit set). */
bm_gf128 bm_gf128_one(void);
/* GHASH_H(aad || pad || ct || pad || len64(aad) || len64(ct)) (SP 800-38D 7.1). */
bm_gf128 bm_ghash(bm_gf128 h, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                  size_t ct_len);
unsigned bm_gf128_weight(bm_gf128 x);

#endif
