/* bench/compare_flip.c - copy a pcap, flipping one bit of the TCP payload of
 * one frame on the way (streaming: one record in memory), the way a
 * corrupting middlebox would: the TCP checksum is recomputed over the
 * changed bytes unless --keep-checksum is given (then it no longer
 * verifies, as damage on the wire would leave it).
 *
 *   compare_flip IN.pcap OUT.pcap FRAME BYTE BIT [--keep-checksum]
 *
 * FRAME counts from 1; BYTE is the offset in that frame's TCP payload
 * (clipped to the payload); BIT is 0..7 (0 = least significant). Classic
 * pcap (either byte order, us or ns), Ethernet or raw IPv4, IPv4/TCP only.
 * Prints what it changed: "frame N payload byte K: XX -> YY". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p, int sw)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return sw ? __builtin_bswap32(v) : v;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* Flips the bit in the IPv4/TCP packet at p[0..n); returns 0 on success. */
static int flip(uint8_t *p, size_t n, unsigned long byte, int bit, int keep, uint8_t *old, uint8_t *new_,
                unsigned long *at)
{
    if (n < 20 || p[0] >> 4 != 4 || p[9] != 6)
        return -1;
    size_t ihl = (size_t)(p[0] & 15) * 4, total = (size_t)(p[2] << 8 | p[3]);
    if (total > n || ihl < 20 || total < ihl + 20)
        return -1;
    uint8_t *t = p + ihl;
    size_t seg = total - ihl, thl = (size_t)(t[12] >> 4) * 4;
    if (thl < 20 || seg <= thl)
        return -1;
    size_t pl = seg - thl;
    if (byte >= pl)
        byte = pl - 1;
    *at = byte;
    *old = t[thl + byte];
    t[thl + byte] ^= (uint8_t)(1u << bit);
    *new_ = t[thl + byte];
    if (!keep) {
        t[16] = t[17] = 0;
        uint32_t s = sum16(p + 12, 8, 0) + 6 + (uint32_t)seg;
        uint16_t c = (uint16_t)~fold(sum16(t, seg, s));
        t[16] = (uint8_t)(c >> 8);
        t[17] = (uint8_t)c;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: compare_flip IN.pcap OUT.pcap FRAME BYTE BIT [--keep-checksum]\n");
        return 2;
    }
    unsigned long target = strtoul(argv[3], NULL, 10), byte = strtoul(argv[4], NULL, 10);
    int bit = atoi(argv[5]) & 7, keep = argc > 6 && !strcmp(argv[6], "--keep-checksum");
    FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
    if (!in || !out) {
        perror("open");
        return 1;
    }
    static char ibuf[1 << 20], obuf[1 << 20];
    setvbuf(in, ibuf, _IOFBF, sizeof ibuf);
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    uint8_t gh[24];
    if (fread(gh, 1, 24, in) != 24) {
        fprintf(stderr, "short file\n");
        return 1;
    }
    uint32_t magic;
    memcpy(&magic, gh, 4);
    int sw = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
    if (!sw && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
        fprintf(stderr, "not a classic pcap\n");
        return 1;
    }
    uint32_t lt = rd32(gh + 20, sw) & 0x0fffffff;
    fwrite(gh, 1, 24, out);
    uint8_t *pkt = malloc(1 << 18);
    unsigned long frame = 0;
    int done = 0;
    for (;;) {
        uint8_t rh[16];
        if (fread(rh, 1, 16, in) != 16)
            break;
        uint32_t incl = rd32(rh + 8, sw);
        if (incl > (1u << 18) || fread(pkt, 1, incl, in) != incl) {
            fprintf(stderr, "bad record\n");
            return 1;
        }
        if (++frame == target) {
            size_t off = lt == 1 ? 14 : 0;
            uint8_t o = 0, n = 0;
            unsigned long at = 0;
            if (lt == 1 && incl >= 14 && pkt[12] == 8 && pkt[13] == 0 &&
                flip(pkt + off, incl - off, byte, bit, keep, &o, &n, &at) == 0) {
                printf("frame %lu payload byte %lu: %02x -> %02x%s\n", frame, at, o, n,
                       keep ? " (checksum kept)" : "");
                done = 1;
            } else if (lt != 1 && flip(pkt, incl, byte, bit, keep, &o, &n, &at) == 0) {
                printf("frame %lu payload byte %lu: %02x -> %02x%s\n", frame, at, o, n,
                       keep ? " (checksum kept)" : "");
                done = 1;
            } else {
                target++; /* no TCP payload here: the next frame */
            }
        }
        fwrite(rh, 1, 16, out);
        fwrite(pkt, 1, incl, out);
    }
    free(pkt);
    fclose(in);
    if (fclose(out)) {
        perror("write");
        return 1;
    }
    if (!done) {
        fprintf(stderr, "frame %lu not found\n", target);
        return 1;
    }
    return 0;
}
