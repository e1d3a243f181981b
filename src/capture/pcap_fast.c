/*
 * pcap_fast.c - classic pcap files read straight from a memory map
 * (bm_pcap_map, capture.h): libpcap
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
#include "capture.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "../wire/cur.h"

#define FAST_GIVE_BACK (4u << 20) /* pages read are given back in steps of this */
#define FAST_MAX_CAPLEN 262144u    /* libpcap's largest snapshot length for ordinary link types */
#ifdef MADV_POPULATE_READ
#define FAST_POPULATE MADV_POPULATE_READ
#else
#define FAST_POPULATE 22 /* Linux 5.14; an older kernel says EINVAL and the pages fault in one by one */
#endif

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

struct bm_pcap_map {
    FILE *fp;
    uint8_t *map;
    size_t size, off, given_back, populated;
    fast_hdr h;
    bool handed;            /* the rest is libpcap's */
    struct pcap_pkthdr hdr; /* the packet handed out last */
};

bm_pcap_map *bm_pcap_map_open(FILE *fp)
{
    int fd = fp ? fileno(fp) : -1;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 24)
        return NULL;
    bm_pcap_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->fp = fp;
    m->size = (size_t)st.st_size;
    m->off = 24;
    m->map = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m->map == MAP_FAILED || !fast_header(m->map, m->size, &m->h)) {
        if (m->map != MAP_FAILED)
            munmap(m->map, m->size);
        free(m);
        return NULL;
    }
    (void)madvise(m->map, m->size, MADV_SEQUENTIAL);
    return m;
}

/* Leaves the file to libpcap from the current record on. */
static void hand_over(bm_pcap_map *m)
{
    m->handed = true;
    if (fseeko(m->fp, (off_t)m->off, SEEK_SET) != 0)
        m->off = m->size; /* cannot: what was read is analysed, the rest is not */
}

int bm_pcap_map_next(bm_pcap_map *m, pcap_t *pc, struct pcap_pkthdr **h, const uint8_t **data)
{
    if (!m || m->handed)
        return pcap_next_ex(pc, h, data);
    if (m->off >= m->size)
        return PCAP_ERROR_BREAK;
    if (m->size - m->off < 16) {
        hand_over(m);
        return pcap_next_ex(pc, h, data);
    }
    const uint8_t *r = m->map + m->off;
    uint32_t sec = rd32(r, m->h.big), frac = rd32(r + 4, m->h.big);
    uint32_t caplen = rd32(r + 8, m->h.big), len = rd32(r + 12, m->h.big);
    if (caplen > m->h.snaplen || caplen > m->size - m->off - 16) {
        hand_over(m);
        return pcap_next_ex(pc, h, data);
    }
    m->hdr.ts.tv_sec = (time_t)sec;
    m->hdr.ts.tv_usec = (suseconds_t)(m->h.nano ? frac : (uint64_t)frac * 1000u); /* nanoseconds, as libpcap's */
    m->hdr.caplen = caplen;
    m->hdr.len = len;
    *h = &m->hdr;
    *data = r + 16;
    m->off += 16 + (size_t)caplen;
    if (m->off >= m->populated) { /* the next pages mapped in one call, not one fault each */
        size_t ahead = m->size - m->populated < FAST_GIVE_BACK ? m->size - m->populated : FAST_GIVE_BACK;
        size_t from = m->populated & ~(size_t)4095;
        (void)madvise(m->map + from, ahead + (m->populated - from), FAST_POPULATE);
        m->populated += ahead;
    }
    if (m->off - m->given_back >= 2 * FAST_GIVE_BACK) { /* keep the resident set small */
        size_t upto = (m->off - FAST_GIVE_BACK) & ~(size_t)4095;
        (void)madvise(m->map + m->given_back, upto - m->given_back, MADV_DONTNEED);
        m->given_back = upto;
    }
    return 1;
}

void bm_pcap_map_close(bm_pcap_map *m)
{
    if (!m)
        return;
    munmap(m->map, m->size);
    free(m);
}
