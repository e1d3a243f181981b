/*
 * gf128.c - GF(2^128) multiply (SP 800-38D Algorithm 1, bit by bit),
 * inverse by Fermat (x^(2^128 - 2)) and GHASH.
 */
#include "gf128.h"

bm_gf128 bm_gf128_load(const uint8_t b[16])
{
    bm_gf128 x = {0, 0};
    for (int i = 0; i < 8; i++) {
        x.hi = x.hi << 8 | b[i];
        x.lo = x.lo << 8 | b[8 + i];
    }
    return x;
}

void bm_gf128_store(bm_gf128 x, uint8_t b[16])
{
    for (int i = 7; i >= 0; i--) {
        b[i] = (uint8_t)x.hi;
        b[8 + i] = (uint8_t)x.lo;
        x.hi >>= 8;
        x.lo >>= 8;
    }
}

bm_gf128 bm_gf128_one(void)
{
    bm_gf128 x = {UINT64_C(1) << 63, 0};
    return x;
}

bm_gf128 bm_gf128_mul(bm_gf128 x, bm_gf128 y)
{
    bm_gf128 z = {0, 0}, v = y;
    for (int i = 0; i < 128; i++) {
        uint64_t bit = i < 64 ? x.hi >> (63 - i) : x.lo >> (127 - i);
        uint64_t m = (uint64_t)0 - (bit & 1);
        z.hi ^= v.hi & m;
        z.lo ^= v.lo & m;
        uint64_t carry = (uint64_t)0 - (v.lo & 1);
        v.lo = v.lo >> 1 | v.hi << 63;
        v.hi = (v.hi >> 1) ^ (UINT64_C(0xE100000000000000) & carry);
    }
    return z;
}

bm_gf128 bm_gf128_inv(bm_gf128 x)
{
    /* x^(2^128 - 2) = prod_{k=1..127} x^(2^k) */
    bm_gf128 r = bm_gf128_one(), t = x;
    for (int k = 1; k < 128; k++) {
        t = bm_gf128_mul(t, t);
        r = bm_gf128_mul(r, t);
    }
    return r;
}

static bm_gf128 bm_ghash_bytes(bm_gf128 y, bm_gf128 h, const uint8_t *p, size_t n)
{
    while (n) {
        uint8_t blk[16] = {0};
        size_t k = n < 16 ? n : 16;
        for (size_t i = 0; i < k; i++)
            blk[i] = p[i];
        bm_gf128 x = bm_gf128_load(blk);
        y.hi ^= x.hi;
        y.lo ^= x.lo;
        y = bm_gf128_mul(y, h);
        p += k;
        n -= k;
    }
    return y;
}

bm_gf128 bm_ghash(bm_gf128 h, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                  size_t ct_len)
{
    bm_gf128 y = {0, 0};
    y = bm_ghash_bytes(y, h, aad, aad_len);
    y = bm_ghash_bytes(y, h, ct, ct_len);
    y.hi ^= (uint64_t)aad_len * 8;
    y.lo ^= (uint64_t)ct_len * 8;
    return bm_gf128_mul(y, h);
}

unsigned bm_gf128_weight(bm_gf128 x)
{
    return (unsigned)(__builtin_popcountll(x.hi) + __builtin_popcountll(x.lo));
}
