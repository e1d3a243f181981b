/*
 * pcapng.c - a minimal pcapng block walker: it finds Decryption Secrets
 * Blocks (libpcap reads packets but drops DSBs), and it reads the packets
 * of files libpcap refuses: interfaces of different link types in one
 * section (dumpcap -i eth0 -i lo), which libpcap cannot express with its
 * one pcap_datalink() per file.
 *
 * Only block headers are read for blocks the walk does not need (they are
 * skipped with a seek); a wanted block is read whole, one at a time, up to
 * BM_BLOCK_MAX bytes, and parsed with the bounds-checked reader. Each
 * Section Header Block sets the byte order of the section that follows it
 * and starts a new list of interfaces.
 */
#include "capture_int.h"

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_DSB 0x0000000Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_OPB 0x00000002u /* obsolete Packet Block */
#define PCAPNG_SPB 0x00000003u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_MAGIC 0x1A2B3C4Du
#define BM_BLOCK_MAX ((uint32_t)16 << 20)
#define BM_PCAPNG_IFACES 256

typedef struct scan {
    FILE *f;
    bm_diag *diag;
    bool big;         /* byte order of the current section */
    uint64_t off;     /* offset of the block being read */
    uint8_t *buf;
    size_t buf_cap;
} scan;

static void complain(scan *s, const char *what, uint32_t v)
{
    char where[48];
    snprintf(where, sizeof where, "offset %" PRIu64, s->off);
    bm_diag_at(s->diag, where, "%s (%" PRIu32 ")", what, v);
}

static uint32_t rd32(bm_cur *c, bool big) { return big ? bm_get_u32(c) : bm_get_u32le(c); }

/* Reads the rest of a block of total length len, of which 'skipped' bytes
 * were read, into s->buf; checks the trailing length. On success *c
 * covers the body (after type and length, without the trailing length). */
static bool read_body(scan *s, const char *what, uint32_t len, uint32_t skipped, bm_cur *c)
{
    char msg[96];
    size_t rest = (size_t)len - skipped;
    if (rest > s->buf_cap) {
        uint8_t *nb = realloc(s->buf, rest);
        if (!nb) {
            snprintf(msg, sizeof msg, "out of memory for a %s of length", what);
            complain(s, msg, len);
            return false;
        }
        s->buf = nb;
        s->buf_cap = rest;
    }
    if (fread(s->buf, 1, rest, s->f) != rest) {
        snprintf(msg, sizeof msg, "%s truncated; block length", what);
        complain(s, msg, len);
        return false;
    }
    bm_cur tail = bm_cur_make(s->buf + rest - 4, 4);
    if (rd32(&tail, s->big) != len) {
        complain(s, "trailing block length differs from the leading one", len);
        return false;
    }
    *c = bm_cur_make(s->buf, rest - 4);
    return true;
}

/* A DSB's body: its secrets, reported. Returns false to stop the scan. */
static bool read_dsb(scan *s, uint32_t len, bm_secrets_cb cb, void *ud)
{
    bm_cur c;
    if (!read_body(s, "decryption secrets block", len, 8, &c))
        return false;
    uint32_t type = rd32(&c, s->big);
    uint32_t slen = rd32(&c, s->big);
    if (!bm_cur_ok(&c) || slen > bm_cur_left(&c)) {
        complain(s, "secrets length exceeds its block", slen);
        return false;
    }
    const uint8_t *data = bm_get_bytes(&c, slen);
    if (cb)
        cb(ud, type, data, slen, s->off);
    return true;
}

/* The next block's type and total length; a Section Header Block's byte
 * order is read and set. *skipped: the bytes of it read so far. Returns 1,
 * 0 at the end of the file (or, for the first block, when the file is not
 * pcapng), -1 on a malformed header (said). */
static int block_head(scan *s, bool first, uint32_t *type, uint32_t *len, uint32_t *skipped)
{
    uint8_t h[12];
    size_t got = fread(h, 1, 8, s->f);
    if (got == 0)
        return 0;
    if (got < 8) {
        if (!first)
            complain(s, "block header truncated; bytes", (uint32_t)got);
        return first ? 0 : -1;
    }
    bm_cur c = bm_cur_make(h, 4);
    *type = bm_get_u32(&c); /* the SHB type reads the same either way */
    if (*type != PCAPNG_SHB) {
        c = bm_cur_make(h, 4);
        *type = rd32(&c, s->big);
    }
    if (first && *type != PCAPNG_SHB)
        return 0; /* pcap or something else */
    *skipped = 8;
    if (*type == PCAPNG_SHB) {
        if (fread(h + 8, 1, 4, s->f) != 4) {
            complain(s, "section header truncated; bytes", 8);
            return -1;
        }
        bm_cur m = bm_cur_make(h + 8, 4);
        uint32_t magic = bm_get_u32(&m);
        if (magic == PCAPNG_MAGIC)
            s->big = true;
        else if (magic == 0x4D3C2B1Au)
            s->big = false;
        else {
            complain(s, "bad byte-order magic", magic);
            return -1;
        }
        *skipped = 12;
    }
    bm_cur lc = bm_cur_make(h + 4, 4);
    *len = rd32(&lc, s->big);
    if (*len < 12 || *len % 4 != 0 || *len < *skipped + 4) {
        complain(s, "impossible block length", *len);
        return -1;
    }
    return 1;
}

static bool skip_block(scan *s, uint32_t len, uint32_t skipped)
{
    if (fseeko(s->f, (off_t)(len - skipped), SEEK_CUR) != 0) {
        complain(s, "cannot skip block of length", len);
        return false;
    }
    return true;
}

bm_result bm_pcapng_scan_secrets(const char *path, bm_secrets_cb cb, void *ud, bm_diag *diag)
{
    bm_diag quiet;
    if (!diag) {
        memset(&quiet, 0, sizeof quiet);
        diag = &quiet;
    }
    bm_capture_diag_file(diag, path);
    scan s = {.diag = diag};
    s.f = bm_capture_open(path);
    if (!s.f) {
        bm_diag_frame(diag, 0, "cannot read capture: %s", strerror(errno));
        return bm_res(BM_ERR_IO);
    }
    for (bool first = true;; first = false) {
        uint32_t type, len, skipped;
        if (block_head(&s, first, &type, &len, &skipped) <= 0)
            break;
        if (type == PCAPNG_DSB && len <= BM_BLOCK_MAX) {
            if (!read_dsb(&s, len, cb, ud))
                break;
        } else {
            if (type == PCAPNG_DSB)
                complain(&s, "decryption secrets block over the 16 MiB cap skipped; length", len);
            if (!skip_block(&s, len, skipped))
                break;
        }
        s.off += len;
    }
    free(s.buf);
    fclose(s.f);
    return BM_SUCCESS;
}

/* ---- packets, for the files libpcap refuses ---- */

typedef struct ng_iface {
    int dlt;          /* DLT_* of its LINKTYPE_* */
    uint32_t snaplen; /* 0: none */
    bool binary;      /* if_tsresol: 2^-res, else 10^-res seconds */
    uint8_t res;
    bool said;        /* its unsupported link type was reported */
    int filter;       /* bm_capture_opts.filter compiled for its link type: 0 not yet, 1 in prog, -1 cannot */
    struct bpf_program prog;
} ng_iface;

typedef struct ng_read {
    scan s;
    bm_capture_ctx *cx;
    ng_iface ifs[BM_PCAPNG_IFACES];
    unsigned n_ifs;
    bool over_said;
    uint64_t seen, skip; /* packets walked; the first 'skip' were fed already */
} ng_read;

/* LINKTYPE_* (the file's numbers) to DLT_* (libpcap's, as link.c takes
 * them): the same but for LINKTYPE_RAW. */
static int dlt_of(uint16_t linktype) { return linktype == 101 ? DLT_RAW : (int)linktype; }

static uint64_t ts_ns(const ng_iface *f, uint64_t t)
{
    if (f->binary) {
        unsigned k = f->res > 32 ? 32 : f->res;
        uint64_t frac = t & ((1ull << k) - 1);
        return (t >> k) * 1000000000ull + ((frac * 1000000000ull) >> k);
    }
    uint64_t m = 1;
    if (f->res <= 9) {
        for (unsigned i = f->res; i < 9; i++)
            m *= 10;
        return t * m;
    }
    for (unsigned i = 9; i < f->res && i < 28; i++)
        m *= 10;
    return t / m;
}

static void on_idb(ng_read *r, bm_cur c)
{
    ng_iface f = {.dlt = dlt_of(r->s.big ? bm_get_u16(&c) : bm_get_u16le(&c)), .res = 6};
    bm_skip(&c, 2);
    f.snaplen = rd32(&c, r->s.big);
    while (bm_cur_ok(&c) && bm_cur_left(&c) >= 4) {
        uint16_t code = r->s.big ? bm_get_u16(&c) : bm_get_u16le(&c);
        uint16_t olen = r->s.big ? bm_get_u16(&c) : bm_get_u16le(&c);
        if (code == 0)
            break;
        bm_cur v = bm_cur_make(bm_get_bytes(&c, olen), bm_cur_ok(&c) ? olen : 0);
        bm_skip(&c, (4 - olen % 4) % 4);
        if (code == 9 && olen == 1) { /* if_tsresol */
            uint8_t x = bm_get_u8(&v);
            f.binary = (x & 0x80) != 0;
            f.res = x & 0x7f;
        }
    }
    if (r->n_ifs >= BM_PCAPNG_IFACES) {
        if (!r->over_said)
            complain(&r->s, "more interfaces than badmac keeps; the packets of the others are skipped", BM_PCAPNG_IFACES);
        r->over_said = true;
        return;
    }
    r->ifs[r->n_ifs++] = f;
}

/* One packet of interface 'ifn' (checked here), fed to the decoders. */
static void on_packet(ng_read *r, uint32_t ifn, uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t len)
{
    if (++r->seen <= r->skip)
        return;
    if (ifn >= r->n_ifs) {
        /* Counted and numbered as a frame that is skipped (link type -1). */
        complain(&r->s, "packet of an interface not described; interface", ifn);
        bm_capture_feed_packet(r->cx, -1, data, caplen, len, 0);
        return;
    }
    ng_iface *f = &r->ifs[ifn];
    const char *expr = bm_tcp_opts(r->cx->tcp)->filter;
    if (expr && !f->filter) {
        pcap_t *dead = pcap_open_dead(f->dlt, 262144);
        f->filter = dead && pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0 ? 1 : -1;
        if (f->filter < 0) {
            char where[48];
            snprintf(where, sizeof where, "offset %" PRIu64, r->s.off);
            bm_diag_at(r->s.diag, where, "interface %u: cannot apply the filter to its link type: %s; its packets "
                       "skipped", ifn, dead ? pcap_geterr(dead) : "out of memory");
        }
        if (dead)
            pcap_close(dead);
    }
    if (expr) {
        struct pcap_pkthdr h = {.caplen = caplen, .len = len};
        if (f->filter < 0 || !pcap_offline_filter(&f->prog, &h, data)) {
            bm_capture_filtered_packet(r->cx);
            return;
        }
    }
    if (!bm_linktype_supported(f->dlt) && !f->said) {
        /* Traffic badmac reads but does not analyse: a notice, not an
         * input error (the exit status stays that of the rest). */
        char where[48];
        const char *name = pcap_datalink_val_to_name(f->dlt);
        snprintf(where, sizeof where, "offset %" PRIu64, r->s.off);
        bm_diag_notice_at(r->s.diag, where, "interface %u: link-layer type %d (%s) not analysed, its packets skipped",
                          ifn, f->dlt, name ? name : "unknown");
        f->said = true;
    }
    bm_capture_feed_packet(r->cx, f->dlt, data, caplen, len, ts_ns(f, ts));
}

/* An Enhanced, Simple or obsolete Packet Block's body. */
static void on_pb(ng_read *r, uint32_t type, bm_cur c)
{
    bool big = r->s.big;
    uint32_t ifn = 0, caplen, len;
    uint64_t ts = 0;
    if (type == PCAPNG_SPB) {
        len = rd32(&c, big);
        caplen = (uint32_t)bm_cur_left(&c);
        if (len < caplen)
            caplen = len;
        if (r->n_ifs && r->ifs[0].snaplen && caplen > r->ifs[0].snaplen)
            caplen = r->ifs[0].snaplen;
    } else {
        if (type == PCAPNG_OPB) {
            ifn = big ? bm_get_u16(&c) : bm_get_u16le(&c);
            bm_skip(&c, 2); /* drops count */
        } else {
            ifn = rd32(&c, big);
        }
        uint64_t hi = rd32(&c, big);
        ts = hi << 32 | rd32(&c, big);
        caplen = rd32(&c, big);
        len = rd32(&c, big);
    }
    if (!bm_cur_ok(&c) || caplen > bm_cur_left(&c)) {
        complain(&r->s, "packet block shorter than its captured length", caplen);
        return;
    }
    on_packet(r, ifn, ts, bm_get_bytes(&c, caplen), caplen, len);
}

bm_result bm_pcapng_read_packets(const char *path, bm_capture_ctx *cx, uint64_t skip)
{
    ng_read *r = calloc(1, sizeof *r);
    if (!r)
        return bm_res(BM_ERR_NOMEM);
    r->cx = cx;
    r->skip = skip;
    r->s.diag = cx->diag;
    r->s.f = bm_capture_open(path);
    if (!r->s.f) {
        free(r);
        return bm_res(BM_ERR_CAPTURE_OPEN);
    }
    bm_result res = BM_SUCCESS;
    for (bool first = true;; first = false) {
        uint32_t type, len, skipped;
        int h = block_head(&r->s, first, &type, &len, &skipped);
        if (h == 0 && first)
            res = bm_res(BM_ERR_CAPTURE_OPEN); /* not pcapng */
        if (h < 0)
            cx->st->read_error = true;
        if (h <= 0)
            break;
        bool want = type == PCAPNG_IDB || type == PCAPNG_EPB || type == PCAPNG_SPB || type == PCAPNG_OPB;
        if (type == PCAPNG_SHB)
            r->n_ifs = 0; /* a new section: new interfaces */
        if (want && len > BM_BLOCK_MAX) {
            complain(&r->s, "packet block over the 16 MiB cap skipped; length", len);
            want = false;
        }
        bm_cur c;
        if (want) {
            if (!read_body(&r->s, "packet block", len, skipped, &c)) {
                cx->st->read_error = true;
                break;
            }
            if (type == PCAPNG_IDB)
                on_idb(r, c);
            else
                on_pb(r, type, c);
        } else if (!skip_block(&r->s, len, skipped)) {
            cx->st->read_error = true;
            break;
        }
        r->s.off += len;
    }
    if (r->n_ifs)
        cx->st->linktype = r->ifs[0].dlt;
    for (unsigned i = 0; i < r->n_ifs; i++)
        if (r->ifs[i].filter > 0)
            pcap_freecode(&r->ifs[i].prog);
    free(r->s.buf);
    fclose(r->s.f);
    free(r);
    return res;
}
