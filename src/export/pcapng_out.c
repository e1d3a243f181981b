/*
 * pcapng_out.c - writes pcapng blocks (SHB, IDB, DSB, EPB) and copies a
 * capture read with libpcap into a pcapng that carries its own key log,
 * as `editcap --inject-secrets tls,KEYS` does. Streaming: one packet in
 * memory at a time; the DSB text is copied from its FILE in chunks.
 *
 * Blocks are written little-endian (the SHB's byte-order magic says so).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "../capture/capture.h"
#include "export.h"

#define DSB_MAX (64u * 1024u * 1024u)

static void le16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static BM_RESULT put(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? BM_SUCCESS : bm_res(BM_ERR_IO);
}

static BM_RESULT pad(FILE *f, size_t n)
{
    static const uint8_t zero[4] = {0};
    return put(f, zero, (4 - n % 4) % 4);
}

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

BM_RESULT bm_pcapng_w_shb(FILE *f, const char *userappl)
{
    size_t al = userappl ? strlen(userappl) : 0;
    if (al > 255)
        al = 255;
    size_t opts = al ? 4 + pad4(al) + 4 : 0;
    uint32_t len = (uint32_t)(28 + opts);
    uint8_t h[24];
    le32(h, 0x0A0D0D0Au);
    le32(h + 4, len);
    le32(h + 8, 0x1A2B3C4Du);
    le16(h + 12, 1);
    le16(h + 14, 0);
    memset(h + 16, 0xff, 8); /* section length: not given */
    BM_GUARD(put(f, h, sizeof h));
    if (al) {
        uint8_t o[4];
        le16(o, 4); /* shb_userappl */
        le16(o + 2, (uint16_t)al);
        BM_GUARD(put(f, o, 4));
        BM_GUARD(put(f, userappl, al));
        BM_GUARD(pad(f, al));
        memset(o, 0, 4); /* opt_endofopt */
        BM_GUARD(put(f, o, 4));
    }
    uint8_t t[4];
    le32(t, len);
    return put(f, t, 4);
}

BM_RESULT bm_pcapng_w_idb(FILE *f, uint16_t linktype, uint32_t snaplen)
{
    uint8_t b[32];
    le32(b, 1);
    le32(b + 4, sizeof b);
    le16(b + 8, linktype);
    le16(b + 10, 0);
    le32(b + 12, snaplen);
    le16(b + 16, 9); /* if_tsresol */
    le16(b + 18, 1);
    b[20] = 9;       /* 10^-9 s */
    b[21] = b[22] = b[23] = 0;
    le32(b + 24, 0); /* opt_endofopt */
    le32(b + 28, sizeof b);
    return put(f, b, sizeof b);
}

/* A Decryption Secrets Block around n bytes of secrets: its head, then
 * (after the bytes) its padding and trailing length. */
static BM_RESULT dsb_head(FILE *f, uint32_t secrets_type, size_t n)
{
    uint8_t h[16];
    le32(h, 0x0000000Au);
    le32(h + 4, (uint32_t)(20 + pad4(n)));
    le32(h + 8, secrets_type);
    le32(h + 12, (uint32_t)n);
    return put(f, h, sizeof h);
}

static BM_RESULT dsb_tail(FILE *f, size_t n)
{
    BM_GUARD(pad(f, n));
    uint8_t t[4];
    le32(t, (uint32_t)(20 + pad4(n)));
    return put(f, t, 4);
}

BM_RESULT bm_pcapng_w_dsb(FILE *f, uint32_t secrets_type, FILE *data)
{
    if (fflush(data) != 0 || fseek(data, 0, SEEK_END) != 0)
        return bm_res(BM_ERR_IO);
    long n = ftell(data);
    if (n < 0)
        return bm_res(BM_ERR_IO);
    if ((unsigned long)n > DSB_MAX)
        return bm_res(BM_ERR_LIMIT);
    rewind(data);
    BM_GUARD(dsb_head(f, secrets_type, (size_t)n));
    uint8_t buf[8192];
    size_t left = (size_t)n;
    while (left) {
        size_t want = left < sizeof buf ? left : sizeof buf;
        size_t got = fread(buf, 1, want, data);
        if (got != want) {
            memset(buf, 0, sizeof buf);
            return bm_res(BM_ERR_IO);
        }
        bm_result r = put(f, buf, got);
        if (!bm_is_ok(r)) {
            memset(buf, 0, sizeof buf);
            return r;
        }
        left -= got;
    }
    memset(buf, 0, sizeof buf);
    return dsb_tail(f, (size_t)n);
}

BM_RESULT bm_pcapng_w_dsb_mem(FILE *f, uint32_t secrets_type, const uint8_t *data, size_t n)
{
    if (n > DSB_MAX)
        return bm_res(BM_ERR_LIMIT);
    BM_GUARD(dsb_head(f, secrets_type, n));
    BM_GUARD(put(f, data, n));
    return dsb_tail(f, n);
}

BM_RESULT bm_pcapng_w_epb(FILE *f, uint32_t ifid, uint64_t ts_ns, const uint8_t *p, uint32_t caplen,
                          uint32_t origlen)
{
    if (caplen > 0x7fffff00u)
        return bm_res(BM_ERR_LIMIT);
    uint32_t len = (uint32_t)(32 + pad4(caplen));
    uint8_t h[28];
    le32(h, 6);
    le32(h + 4, len);
    le32(h + 8, ifid);
    le32(h + 12, (uint32_t)(ts_ns >> 32));
    le32(h + 16, (uint32_t)ts_ns);
    le32(h + 20, caplen);
    le32(h + 24, origlen);
    BM_GUARD(put(f, h, sizeof h));
    BM_GUARD(put(f, p, caplen));
    BM_GUARD(pad(f, caplen));
    uint8_t t[4];
    le32(t, len);
    return put(f, t, 4);
}

/* libpcap hands out DLT_ values; the file wants LINKTYPE_ values. They are
 * equal except for a few historical ones. */
uint16_t bm_pcapng_linktype(int dlt)
{
#ifdef DLT_RAW
    if (dlt == DLT_RAW)
        return 101;
#endif
    return (uint16_t)dlt;
}

static bool is_empty(FILE *keys)
{
    if (!keys || fflush(keys) != 0 || fseek(keys, 0, SEEK_END) != 0)
        return true;
    return ftell(keys) <= 0;
}

BM_RESULT bm_export_write_capture(const char *in, const char *out, FILE *keys, uint64_t *packets, char *err,
                                  size_t cap)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    if (packets)
        *packets = 0;
    FILE *inf = bm_capture_open(in);
    pcap_t *p = inf ? pcap_fopen_offline_with_tstamp_precision(inf, PCAP_TSTAMP_PRECISION_NANO, ebuf) : NULL;
    if (!inf)
        snprintf(ebuf, sizeof ebuf, "%s", strerror(errno));
    else if (!p)
        fclose(inf);
    if (!p) {
        snprintf(err, cap, "%s: cannot read: %s", in, ebuf);
        return bm_res(BM_ERR_CAPTURE_OPEN);
    }
    char tmp[BM_EXPORT_PATH_MAX + 16];
    FILE *f = bm_export_create(out, false, tmp, sizeof tmp);
    if (!f) {
        snprintf(err, cap, "%s: cannot create: %s", out, strerror(errno));
        pcap_close(p);
        return bm_res(BM_ERR_IO);
    }
    int snap = pcap_snapshot(p);
    bm_result r = bm_pcapng_w_shb(f, "badmac " "--write");
    if (bm_is_ok(r))
        r = bm_pcapng_w_idb(f, bm_pcapng_linktype(pcap_datalink(p)), snap > 0 ? (uint32_t)snap : 0);
    if (bm_is_ok(r) && !is_empty(keys))
        r = bm_pcapng_w_dsb(f, BM_PCAPNG_SECRETS_TLS, keys);
    if (!bm_is_ok(r))
        snprintf(err, cap, "%s: cannot write: %s", out, r.code == BM_ERR_LIMIT ? "key log too long" : strerror(errno));
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = 0;
    while (bm_is_ok(r) && (rc = pcap_next_ex(p, &h, &data)) == 1) {
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
        r = bm_pcapng_w_epb(f, 0, ts, data, h->caplen, h->len);
        if (!bm_is_ok(r))
            snprintf(err, cap, "%s: cannot write: %s", out, strerror(errno));
        else if (packets)
            (*packets)++;
    }
    if (bm_is_ok(r) && rc == PCAP_ERROR) {
        snprintf(err, cap, "%s: read error after %llu packets (kept): %s", in,
                 packets ? (unsigned long long)*packets : 0ull, pcap_geterr(p));
        r = bm_res(BM_ERR_TRUNCATED);
    }
    /* A read error after some packets keeps what was copied (the message
     * says so); a write error leaves an existing target as it was. */
    if (bm_is_ok(r) || r.code == BM_ERR_TRUNCATED) {
        if (bm_export_commit(f, tmp, out) != 0 && bm_is_ok(r)) {
            snprintf(err, cap, "%s: cannot write: %s", out, strerror(errno));
            r = bm_res(BM_ERR_IO);
        }
    } else {
        bm_export_discard(f, tmp);
    }
    pcap_close(p);
    return r;
}
