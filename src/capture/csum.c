/*
 * csum.c - the TCP checksum (RFC 793 / RFC 1071), fast enough to run on
 * every captured segment.
 *
 * The ones' complement sum does not depend on byte order (RFC 1071 2(B)):
 * summing the bytes as host-order words and checking the folded result
 * against 0xffff gives the same verdict as summing network-order words.
 * So the data is summed with plain 8-byte loads (memcpy: no alignment
 * assumption), each split into two 32-bit halves added to a 64-bit
 * accumulator, which cannot overflow below 2^32 words; the pseudo-header
 * is built in network order in a small buffer and summed the same way.
 */
#include "capture_int.h"

#include <string.h>

uint64_t bm_csum_partial(const uint8_t *p, size_t n)
{
    uint64_t a = 0, b = 0;
    while (n >= 32) {
        uint64_t w[4];
        memcpy(w, p, 32);
        a += (w[0] & 0xffffffffu) + (w[1] & 0xffffffffu) + (w[2] & 0xffffffffu) +
             (w[3] & 0xffffffffu);
        b += (w[0] >> 32) + (w[1] >> 32) + (w[2] >> 32) + (w[3] >> 32);
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        a += w & 0xffffffffu;
        b += w >> 32;
        p += 8;
        n -= 8;
    }
    if (n) {
        /* Zero padding after the last byte is exactly RFC 1071's odd-length rule. */
        uint8_t tail[8] = {0};
        memcpy(tail, p, n);
        uint64_t w;
        memcpy(&w, tail, 8);
        a += w & 0xffffffffu;
        b += w >> 32;
    }
    return a + b;
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
