/*
 * csum.c - the TCP checksum (RFC 793 / RFC 1071), fast enough to run on
 * every captured segment.
 *
 * The ones' complement sum does not depend on byte order (RFC 1071 2(B)):
 * summing the bytes as host-order words and checking the folded result
 * against 0xffff gives the same verdict as summing network-order words.
 * So the data is summed as 8-byte words (memcpy: no alignment assumption)
 * with the carry out of each addition added back (end-around carry, RFC
 * 1071 2(C)), in four independent sums so the additions overlap; 2^64 - 1
 * is a multiple of 2^16 - 1, so the 64-bit sum folds to the same 16-bit
 * one. The result is folded to 33 bits, so callers can add a few partial
 * sums before folding. The pseudo-header is built in network order in a
 * small buffer and summed the same way.
 */
#include "capture_int.h"

#include <string.h>

/* s + w with the carry added back in. */
static inline uint64_t add_ec(uint64_t s, uint64_t w)
{
    s += w;
    return s + (s < w);
}

uint64_t bm_csum_partial(const uint8_t *p, size_t n)
{
    uint64_t s[4] = {0, 0, 0, 0};
    while (n >= 32) {
        uint64_t w[4];
        memcpy(w, p, 32);
        s[0] = add_ec(s[0], w[0]);
        s[1] = add_ec(s[1], w[1]);
        s[2] = add_ec(s[2], w[2]);
        s[3] = add_ec(s[3], w[3]);
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        s[0] = add_ec(s[0], w);
        p += 8;
        n -= 8;
    }
    if (n) {
        /* Zero padding after the last byte is exactly RFC 1071's odd-length rule. */
        uint8_t tail[8] = {0};
        memcpy(tail, p, n);
        uint64_t w;
        memcpy(&w, tail, 8);
        s[1] = add_ec(s[1], w);
    }
    uint64_t t = add_ec(add_ec(s[0], s[1]), add_ec(s[2], s[3]));
    t = (t & 0xffffffffu) + (t >> 32); /* < 2^33, the same sum modulo 2^16 - 1 */
    return t;
}

static uint16_t fold(uint64_t s)
{
    while (s >> 16)
        s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)s;
}

bm_csum_verdict bm_tcp_checksum(const bm_ip_addr *src, const bm_ip_addr *dst, const uint8_t *seg, uint32_t len)
{
    uint8_t ph[40];
    size_t n;
    if (src->family == 4) {
        memcpy(ph, src->ip, 4);
        memcpy(ph + 4, dst->ip, 4);
        ph[8] = 0;
        ph[9] = 6;
        ph[10] = (uint8_t)(len >> 8);
        ph[11] = (uint8_t)len;
        n = 12;
    } else {
        memcpy(ph, src->ip, 16);
        memcpy(ph + 16, dst->ip, 16);
        ph[32] = (uint8_t)(len >> 24);
        ph[33] = (uint8_t)(len >> 16);
        ph[34] = (uint8_t)(len >> 8);
        ph[35] = (uint8_t)len;
        ph[36] = ph[37] = ph[38] = 0;
        ph[39] = 6;
        n = 40;
    }
    uint64_t pseudo = bm_csum_partial(ph, n);
    if (fold(pseudo + bm_csum_partial(seg, len)) == 0xffffu)
        return BM_CSUM_OK;
    /* Checksum offload (Linux CHECKSUM_PARTIAL, captured on the sender or
     * on loopback): the field holds the pseudo-header sum, uncomplemented,
     * for the NIC to finish. Same byte order on both sides of the test. */
    uint16_t field = 0;
    if (len >= 18)
        memcpy(&field, seg + 16, 2);
    if (len >= 18 && field == fold(pseudo))
        return BM_CSUM_OFFLOADED;
    return BM_CSUM_BAD;
}
