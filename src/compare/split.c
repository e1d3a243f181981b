/*
 * split.c - one interface of a pcapng file as a capture of its own
 * (`badmac compare --split-interfaces`): every block is copied except
 * packets of the other interfaces. Interface numbers stay valid because
 * every Interface Description Block is kept. Streaming: one 64 KiB buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "split.h"

#define SHB 0x0A0D0D0Au
#define OPB 2u   /* obsolete packet block: 16-bit interface id */
#define SPB 3u   /* simple packet block: interface 0 */
#define EPB 6u
#define MAX_BLOCK (64u << 20)

static uint32_t rd32(const uint8_t *p, int swap)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    if (swap)
        v = (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
    return v;
}

static uint16_t rd16(const uint8_t *p, int swap)
{
    return swap ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[0] | p[1] << 8);
}

static int fail(char *err, size_t cap, const char *what, uint64_t at)
{
    snprintf(err, cap, "%s at byte %llu", what, (unsigned long long)at);
    return -1;
}

/* Copies (or skips) n more bytes of the current block. */
static int pass(FILE *in, FILE *out, uint64_t n, uint8_t *buf, size_t cap)
{
    while (n) {
        size_t k = n < cap ? (size_t)n : cap;
        if (fread(buf, 1, k, in) != k)
            return -1;
        if (out && fwrite(buf, 1, k, out) != k)
            return -1;
        n -= k;
    }
    return 0;
}

int bm_cmp_split_pcapng(FILE *in, unsigned ifc, FILE *out, char *err, size_t errcap)
{
    static const size_t cap = 64 * 1024;
    uint8_t hdr[16], buf[64 * 1024];
    uint64_t at = 0;
    int swap = 0;
    bool first = true;
    for (;;) {
        size_t got = fread(hdr, 1, 8, in);
        if (got == 0 && !first)
            break;
        if (got != 8)
            return fail(err, errcap, first ? "not a pcapng file (too short)" : "truncated block header", at);
        uint32_t type = rd32(hdr, 0);
        if (type == SHB) {
            if (fread(hdr + 8, 1, 4, in) != 4)
                return fail(err, errcap, "truncated section header", at);
            uint32_t magic = rd32(hdr + 8, 0);
            if (magic == 0x1A2B3C4Du)
                swap = 0;
            else if (magic == 0x4D3C2B1Au)
                swap = 1;
            else
                return fail(err, errcap, "bad byte-order magic", at);
        } else if (first) {
            return fail(err, errcap, "not a pcapng file", at);
        } else if (fread(hdr + 8, 1, 4, in) != 4) {
            return fail(err, errcap, "truncated block", at);
        }
        first = false;
        type = rd32(hdr, swap);
        uint32_t len = rd32(hdr + 4, swap);
        if (len < 12 || len % 4 || len > MAX_BLOCK)
            return fail(err, errcap, "bad block length", at);
        /* 12 bytes read: type, length and the first body word (or the
         * trailing length of an empty block). */
        bool keep = true;
        if (type == EPB)
            keep = rd32(hdr + 8, swap) == ifc;
        else if (type == OPB)
            keep = rd16(hdr + 8, swap) == ifc;
        else if (type == SPB)
            keep = ifc == 0;
        if (keep && fwrite(hdr, 1, 12, out) != 12)
            return fail(err, errcap, "cannot write the split capture", at);
        if (pass(in, keep ? out : NULL, len - 12, buf, cap))
            return fail(err, errcap, "truncated block (or write error)", at);
        at += len;
    }
    if (fflush(out))
        return fail(err, errcap, "cannot write the split capture", at);
    return 0;
}
