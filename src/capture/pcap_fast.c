/*
 * pcap_fast.c - classic pcap files read straight from a memory map: libpcap
 * reads a file through stdio, two fread calls and a copy per packet, which
 * was most of a keyless pass and a third of a pass with keys. Here the
 * records are walked in place (the headers through the bounds-checked
 * reader), and the pages already read are given back so the resident set
 * stays small on a file of gigabytes.
 *
 * Only the ordinary case: a regular, uncompressed classic pcap (either byte
 * order, micro- or nanosecond stamps, version 2.3 or later), every record
 * whole and within the file's snapshot length. At the first record that is
 * anything else (cut by the end of the file, longer than the snapshot
 * length, ...) the file is handed back to libpcap at that record, which
 * reads and words what is wrong exactly as before. libpcap has already read
 * and checked the file header and named the link type.
 */
#include "capture_int.h"

#include <pcap/pcap.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "../wire/cur.h"

#define FAST_GIVE_BACK (4u << 20) /* pages read are given back in steps of this */
#define FAST_MAX_CAPLEN 262144u    /* libpcap's largest snapshot length for ordinary link types */

typedef struct fast_hdr {
    bool big, nano; /* big: the file was written big-endian */
    uint32_t snaplen;
} fast_hdr;

static uint32_t rd32(const uint8_t *p, bool big)
{
    bm_cur c = bm_cur_make(p, 4);
    uint32_t v = bm_get_u32(&c); /* big-endian */
    return big ? v : __builtin_bswap32(v);
}

/* The file header: a classic pcap that this reader handles, or false. */
static bool fast_header(const uint8_t *p, size_t n, fast_hdr *h)
{
    if (n < 24)
        return false;
    bm_cur c = bm_cur_make(p, 4);
    uint32_t magic = bm_get_u32(&c);
    switch (magic) {
    case 0xd4c3b2a1: h->big = false, h->nano = false; break; /* a1b2c3d4 written little-endian */
    case 0x4d3cb2a1: h->big = false, h->nano = true; break;
    case 0xa1b2c3d4: h->big = true, h->nano = false; break;  /* written big-endian */
    case 0xa1b23c4d: h->big = true, h->nano = true; break;
    default: return false;
    }
    uint32_t ver = rd32(p + 4, h->big);
    uint16_t major = h->big ? (uint16_t)(ver >> 16) : (uint16_t)(ver & 0xffff);
    uint16_t minor = h->big ? (uint16_t)(ver & 0xffff) : (uint16_t)(ver >> 16);
    if (major != 2 || minor < 3) /* older files swap caplen and len: libpcap's business */
        return false;
    h->snaplen = rd32(p + 16, h->big);
    if (h->snaplen == 0 || h->snaplen > FAST_MAX_CAPLEN)
        h->snaplen = FAST_MAX_CAPLEN;
    return true;
}

int bm_pcap_fast_read(FILE *fp, bm_capture_ctx *cx, int linktype, const struct bpf_program *filter)
{
    int fd = fileno(fp);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 24)
        return BM_PCAP_FAST_NO;
    size_t size = (size_t)st.st_size;
    uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return BM_PCAP_FAST_NO;
    (void)madvise(map, size, MADV_SEQUENTIAL);
    fast_hdr h;
    if (!fast_header(map, size, &h)) {
        munmap(map, size);
        return BM_PCAP_FAST_NO;
    }
    size_t off = 24, given_back = 0;
    int rc = BM_PCAP_FAST_DONE;
    while (off < size) {
        if (size - off < 16) {
            rc = BM_PCAP_FAST_HANDED;
            break;
        }
        const uint8_t *r = map + off;
        uint32_t sec = rd32(r, h.big), frac = rd32(r + 4, h.big);
        uint32_t caplen = rd32(r + 8, h.big), len = rd32(r + 12, h.big);
        if (caplen > h.snaplen || caplen > size - off - 16) {
            rc = BM_PCAP_FAST_HANDED;
            break;
        }
        const uint8_t *data = r + 16;
        uint64_t ts = (uint64_t)sec * 1000000000ull + (h.nano ? frac : (uint64_t)frac * 1000u); /* as libpcap's */
        off += 16 + (size_t)caplen;
        if (filter) {
            struct pcap_pkthdr ph = {.caplen = caplen, .len = len};
            if (!pcap_offline_filter(filter, &ph, data)) {
                bm_capture_filtered_packet(cx);
                continue;
            }
        }
        bm_capture_feed_packet(cx, linktype, data, caplen, len, ts);
        if (off - given_back >= 2 * FAST_GIVE_BACK) { /* keep the resident set small */
            size_t upto = (off - FAST_GIVE_BACK) & ~(size_t)4095;
            (void)madvise(map + given_back, upto - given_back, MADV_DONTNEED);
            given_back = upto;
        }
    }
    munmap(map, size);
    if (rc == BM_PCAP_FAST_HANDED && fseeko(fp, (off_t)off, SEEK_SET) != 0)
        rc = BM_PCAP_FAST_DONE; /* cannot hand back: what was read is analysed */
    return rc;
}
