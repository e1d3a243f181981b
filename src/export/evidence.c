/*
 * evidence.c - --keep-failures DIR: every failed connection's packets, with
 * the keys that decrypt it in a Decryption Secrets Block, written to a
 * pcapng of its own, so that a day of traffic leaves only the evidence and
 * `badmac FILE.pcapng` (or Wireshark) alone reproduces the verdict.
 *
 * Bounded: the packets come from a ring of the most recent ones (a byte
 * ring of 'ring_bytes', each packet tagged with its TCP endpoints by the
 * capture stage's tap); a connection whose first packets have left the ring
 * is written with what is left, and a line says so. The keys come from a
 * ring of the last BM_EVIDENCE_SECRETS secrets the decryption stage used
 * (its observer), matched by client random; their memory is cleansed.
 */
#define _GNU_SOURCE /* open_memstream */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "export_int.h"

#define EV_IFACES 8

typedef struct ev_pkt {
    uint64_t frame, ts_ns;
    uint64_t off;           /* where its bytes start in the byte ring (absolute, mod cap) */
    uint32_t caplen, len;
    int linktype;
    bool tagged;            /* its TCP segment's endpoints are known */
    bm_ip_addr a, b;
    uint16_t pa, pb;
} ev_pkt;

typedef struct ev_secret {
    char label[48];
    uint8_t cr[32];
    uint8_t secret[64];
    uint8_t len;
} ev_secret;

struct bm_evidence {
    char *dir;
    void (*emit)(void *ud, const char *line);
    void *ud;
    uint8_t *ring;          /* packet bytes: a ring of bcap, grown by doubling up to cap until it first fills */
    size_t cap, bcap;
    uint64_t head, tail;    /* absolute byte positions: the oldest kept, the next free */
    ev_pkt *pk;             /* packet headers, a ring of n_pk, grown the same way up to max_pk */
    size_t n_pk, max_pk;
    uint64_t pk_head, pk_tail;
    uint64_t dropped_frames; /* newest frame dropped from the ring */
    ev_secret *sec;         /* a ring of sec_cap, grown up to BM_EVIDENCE_SECRETS */
    uint64_t n_sec, sec_cap;
    uint8_t *scratch;       /* one packet that wraps the ring */
    uint64_t files, errors;
};

bm_evidence *bm_evidence_new(const char *dir, size_t ring_bytes, void (*emit)(void *ud, const char *line), void *ud)
{
    bm_evidence *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->emit = emit;
    e->ud = ud;
    e->cap = ring_bytes < (1u << 20) ? (1u << 20) : ring_bytes;
    e->max_pk = e->cap / 128 + 1024; /* headers for packets of 128 bytes on average */
    /* small at first (a short capture or a fuzz input costs little), grown
     * by doubling until the ring first fills */
    e->bcap = e->cap < ((size_t)256 << 10) ? e->cap : ((size_t)256 << 10);
    e->n_pk = e->max_pk < 2048 ? e->max_pk : 2048;
    e->sec_cap = 64;
    e->dir = strdup(dir);
    e->ring = malloc(e->bcap);
    e->pk = calloc(e->n_pk, sizeof *e->pk);
    e->sec = calloc(e->sec_cap, sizeof *e->sec);
    e->scratch = malloc(BM_EVIDENCE_MAX_PACKET);
    if (!e->dir || !e->ring || !e->pk || !e->sec || !e->scratch) {
        bm_evidence_free(e);
        return NULL;
    }
    return e;
}

void bm_evidence_free(bm_evidence *e)
{
    if (!e)
        return;
    if (e->sec)
        OPENSSL_cleanse(e->sec, e->sec_cap * sizeof *e->sec);
    free(e->sec);
    free(e->scratch);
    free(e->pk);
    free(e->ring);
    free(e->dir);
    free(e);
}

uint64_t bm_evidence_files(const bm_evidence *e) { return e ? e->files : 0; }

/* Before the rings first fill (nothing dropped, positions below their
 * sizes), they double instead of dropping: a position keeps its slot. */
static void grow(bm_evidence *e, uint32_t caplen)
{
    while (e->pk_head == 0 && e->head == 0 && e->tail + caplen > e->bcap && e->bcap < e->cap) {
        size_t nb = e->bcap * 2 < e->cap ? e->bcap * 2 : e->cap;
        uint8_t *r = realloc(e->ring, nb);
        if (!r)
            return;
        e->ring = r;
        e->bcap = nb;
    }
    if (e->pk_head == 0 && e->pk_tail == e->n_pk && e->n_pk < e->max_pk) {
        size_t np = e->n_pk * 2 < e->max_pk ? e->n_pk * 2 : e->max_pk;
        ev_pkt *p = realloc(e->pk, np * sizeof *p);
        if (p) {
            e->pk = p;
            e->n_pk = np;
        }
    }
}

static void drop_oldest(bm_evidence *e)
{
    ev_pkt *o = &e->pk[e->pk_head % e->n_pk];
    e->head = o->off + o->caplen;
    e->dropped_frames = o->frame;
    e->pk_head++;
}

void bm_evidence_packet(void *ud, uint64_t frame, uint64_t ts_ns, int linktype, const uint8_t *p, uint32_t caplen,
                        uint32_t len)
{
    bm_evidence *e = ud;
    if (caplen > BM_EVIDENCE_MAX_PACKET || caplen > e->cap)
        return; /* kept out; a connection with it is written without it */
    grow(e, caplen);
    while (e->pk_tail - e->pk_head == e->n_pk || e->tail + caplen - e->head > e->bcap)
        drop_oldest(e);
    if (e->pk_tail == e->pk_head) /* empty: restart at 0 */
        e->head = e->tail;
    size_t at = (size_t)(e->tail % e->bcap), first = caplen < e->bcap - at ? caplen : e->bcap - at;
    memcpy(e->ring + at, p, first);
    memcpy(e->ring, p + first, caplen - first);
    e->pk[e->pk_tail % e->n_pk] = (ev_pkt){.frame = frame, .ts_ns = ts_ns, .off = e->tail, .caplen = caplen,
                                           .len = len, .linktype = linktype};
    e->pk_tail++;
    e->tail += caplen;
}

void bm_evidence_segment(void *ud, uint64_t frame, const bm_ip_addr *src, uint16_t sport, const bm_ip_addr *dst,
                         uint16_t dport)
{
    bm_evidence *e = ud;
    if (e->pk_tail == e->pk_head)
        return;
    ev_pkt *n = &e->pk[(e->pk_tail - 1) % e->n_pk]; /* the packet being decoded */
    if (n->frame != frame || n->tagged)
        return;
    n->tagged = true;
    n->a = *src;
    n->b = *dst;
    n->pa = sport;
    n->pb = dport;
}

void bm_evidence_secret(bm_evidence *e, const char *label, const uint8_t cr[32], const uint8_t *secret, size_t len)
{
    if (len > sizeof e->sec->secret || strlen(label) >= sizeof e->sec->label)
        return;
    if (e->n_sec == e->sec_cap && e->sec_cap < BM_EVIDENCE_SECRETS) { /* full before it ever wrapped: doubles */
        ev_secret *n = calloc(e->sec_cap * 2, sizeof *n);
        if (n) {
            memcpy(n, e->sec, e->sec_cap * sizeof *n);
            OPENSSL_cleanse(e->sec, e->sec_cap * sizeof *n);
            free(e->sec);
            e->sec = n;
            e->sec_cap *= 2;
        }
    }
    ev_secret *s = &e->sec[e->n_sec++ % e->sec_cap];
    OPENSSL_cleanse(s, sizeof *s);
    strcpy(s->label, label);
    memcpy(s->cr, cr, 32);
    memcpy(s->secret, secret, len);
    s->len = (uint8_t)len;
}

static bool same_end(const bm_ip_addr *a, uint16_t pa, const bm_endpoint *ep)
{
    return a->family == ep->family && pa == ep->port && memcmp(a->ip, ep->ip, a->family == 4 ? 4 : 16) == 0;
}

static bool of_conn(const ev_pkt *p, const bm_conn *c)
{
    if (!p->tagged)
        return false;
    return (same_end(&p->a, p->pa, &c->client) && same_end(&p->b, p->pb, &c->server)) ||
           (same_end(&p->a, p->pa, &c->server) && same_end(&p->b, p->pb, &c->client));
}

static void fail(bm_evidence *e, const char *path, const char *what)
{
    char line[BM_EXPORT_PATH_MAX + 128];
    snprintf(line, sizeof line, "%s: cannot write the evidence: %s", path, what);
    e->errors++;
    if (e->emit)
        e->emit(e->ud, line);
}

static void put_addr(char *dst, size_t cap, const bm_endpoint *ep)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    inet_ntop(ep->family == 6 ? AF_INET6 : AF_INET, ep->ip, ip, sizeof ip);
    for (char *q = ip; *q; q++)
        if (*q == ':')
            *q = '_';
    snprintf(dst, cap, "%s.%u", ip, ep->port);
}

/* DIR/<UTC time of the first packet>-<id>-<client>-<server>.pcapng */
static int evidence_path(const bm_evidence *e, const bm_conn *c, char *path, size_t cap)
{
    char cl[64], sv[64], when[32] = "unknown";
    time_t t = (time_t)(c->first_ts_ns / 1000000000u);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
    put_addr(cl, sizeof cl, &c->client);
    put_addr(sv, sizeof sv, &c->server);
    int n = snprintf(path, cap, "%s/%s-%" PRIu64 "-%s-%s.pcapng", e->dir, when, c->id, cl, sv);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The key log lines of the connection's client random, into a DSB. */
static bm_result write_keys(const bm_evidence *e, const bm_conn *c, FILE *f, uint64_t *lines)
{
    static const uint8_t zero[32];
    *lines = 0;
    if (memcmp(c->hs.client_random, zero, 32) == 0)
        return BM_SUCCESS;
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    if (!m)
        return bm_res(BM_ERR_NOMEM);
    bm_keylog_out *o = bm_keylog_out_new(m);
    uint64_t kept = e->n_sec < e->sec_cap ? e->n_sec : e->sec_cap;
    for (uint64_t i = 0; o && i < kept; i++) {
        const ev_secret *s = &e->sec[(e->n_sec - kept + i) % e->sec_cap];
        if (memcmp(s->cr, c->hs.client_random, 32) == 0 && bm_keylog_out_add(o, s->label, s->cr, s->secret, s->len) > 0)
            (*lines)++;
    }
    bm_keylog_out_free(o);
    bool ok = o && fclose(m) == 0;
    bm_result r = ok ? BM_SUCCESS : bm_res(BM_ERR_NOMEM);
    if (ok && n)
        r = bm_pcapng_w_dsb_mem(f, BM_PCAPNG_SECRETS_TLS, (const uint8_t *)buf, n);
    if (buf)
        OPENSSL_cleanse(buf, n);
    free(buf);
    return r;
}

/* The packets of c in the ring, one interface per link type. */
static bm_result write_packets(bm_evidence *e, const bm_conn *c, FILE *f, uint64_t *written)
{
    int lts[EV_IFACES];
    unsigned n_lt = 0;
    *written = 0;
    /* the first kept packet at or after the connection's first frame */
    uint64_t lo = e->pk_head, hi = e->pk_tail;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (e->pk[mid % e->n_pk].frame < c->first_frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (uint64_t i = lo; i < e->pk_tail; i++) {
        const ev_pkt *p = &e->pk[i % e->n_pk];
        if (p->frame > c->last_frame)
            break;
        if (!of_conn(p, c))
            continue;
        unsigned ifid = 0;
        while (ifid < n_lt && lts[ifid] != p->linktype)
            ifid++;
        if (ifid == n_lt) {
            if (n_lt == EV_IFACES)
                continue;
            lts[n_lt++] = p->linktype;
            BM_GUARD(bm_pcapng_w_idb(f, bm_pcapng_linktype(p->linktype), 262144));
        }
        size_t at = (size_t)(p->off % e->bcap);
        const uint8_t *bytes = e->ring + at;
        if (at + p->caplen > e->bcap) { /* wraps */
            size_t first = e->bcap - at;
            memcpy(e->scratch, e->ring + at, first);
            memcpy(e->scratch + first, e->ring, p->caplen - first);
            bytes = e->scratch;
        }
        BM_GUARD(bm_pcapng_w_epb(f, ifid, p->ts_ns, bytes, p->caplen, p->len));
        (*written)++;
    }
    return BM_SUCCESS;
}

int bm_evidence_write(bm_evidence *e, const bm_conn *c, bm_evidence_info *info)
{
    memset(info, 0, sizeof *info);
    char path[BM_EXPORT_PATH_MAX], tmp[BM_EXPORT_PATH_MAX + 16];
    if (evidence_path(e, c, path, sizeof path) != 0) {
        fail(e, e->dir, "name too long");
        return -1;
    }
    /* packets before the oldest kept were dropped: the file lacks them */
    info->partial = e->pk_head > 0 && e->dropped_frames >= c->first_frame;
    FILE *f = bm_export_create(path, false, tmp, sizeof tmp);
    if (!f) {
        fail(e, path, strerror(errno));
        return -1;
    }
    bm_result r = bm_pcapng_w_shb(f, "badmac --keep-failures");
    if (bm_is_ok(r)) /* the keys first: a reader has them before the packets they open */
        r = write_keys(e, c, f, &info->key_lines);
    if (bm_is_ok(r))
        r = write_packets(e, c, f, &info->packets);
    if (!bm_is_ok(r)) {
        int err = errno;
        bm_export_discard(f, tmp);
        fail(e, path, r.code == BM_ERR_IO ? strerror(err) : "out of memory");
        return -1;
    }
    if (bm_export_commit(f, tmp, path) != 0) {
        fail(e, path, strerror(errno));
        return -1;
    }
    snprintf(info->path, sizeof info->path, "%s", path);
    e->files++;
    return 0;
}

unsigned bm_evidence_errors(const bm_evidence *e) { return e ? (unsigned)e->errors : 0; }
