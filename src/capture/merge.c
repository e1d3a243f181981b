/*
 * merge.c - several capture files read as one time-ordered capture, the
 * way mergecap merges them (the packet with the earliest timestamp next;
 * on a tie, the file given first), streaming: one packet per file is held.
 * The pieces of a rotated capture (tcpdump -C or -G, editcap -c) give the
 * connections that cross a file boundary back whole. Frames are numbered
 * in the merged order, as in the file `mergecap -w` would write; the
 * frame runs (bm_frame_runs) say which file and frame each number is.
 */
#include "tcp_int.h"

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

typedef struct msrc {
    const char *path;
    pcap_t *pc;
    bm_pcap_map *map;        /* classic pcap: read from a memory map */
    int lt;
    struct bpf_program prog;
    bool filtered;           /* prog compiled */
    struct pcap_pkthdr *h;
    const u_char *data;
    bool have;
    uint64_t n;              /* frames of this file picked so far */
    bool alone;              /* interfaces of different link types before any frame: read on its own */
} msrc;

/* A run: merged frames from 'merged' on are frames 'local', local+1, ...
 * of file 'file', up to the next run's first frame. */
typedef struct frun {
    uint64_t merged, local;
    uint32_t file;
} frun;

struct bm_frame_runs {
    const char *const *paths;
    unsigned n_paths;
    frun *ring;              /* cap entries: doubled up to BM_FRAME_RUNS_KEPT until full, then a ring */
    uint64_t cap;
    uint64_t head;           /* runs ever added; the kept ones are the last min(head, cap) */
    uint64_t last_merged;    /* the last frame recorded */
};

bm_frame_runs *bm_frame_runs_new(const char *const *paths, unsigned n)
{
    bm_frame_runs *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->paths = paths;
    r->n_paths = n;
    r->cap = 64;
    if (!(r->ring = calloc(r->cap, sizeof *r->ring))) {
        free(r);
        return NULL;
    }
    return r;
}

void bm_frame_runs_free(bm_frame_runs *r)
{
    if (r)
        free(r->ring);
    free(r);
}

static const frun *run_at(const bm_frame_runs *r, uint64_t i) { return &r->ring[i % r->cap]; }

/* Merged frame 'merged' is frame 'local' of file 'file'. */
static void runs_add(bm_frame_runs *r, uint64_t merged, uint64_t local, uint32_t file)
{
    if (r->head) {
        const frun *last = run_at(r, r->head - 1);
        if (last->file == file && merged - last->merged == local - last->local) {
            r->last_merged = merged;
            return;
        }
    }
    if (r->head == r->cap && r->cap < BM_FRAME_RUNS_KEPT) { /* full before it ever wrapped: doubles */
        frun *n = realloc(r->ring, (size_t)r->cap * 2 * sizeof *n);
        if (n) {
            r->ring = n;
            r->cap *= 2;
        }
    }
    r->ring[r->head % r->cap] = (frun){.merged = merged, .local = local, .file = file};
    r->head++;
    r->last_merged = merged;
}

int bm_frame_runs_locate(const void *ud, uint64_t f, const char **file, uint64_t *local)
{
    bm_file_span sp;
    bool partial;
    uint64_t skipped;
    if (bm_frame_runs_spans(ud, f, f, &sp, 1, &partial, &skipped) != 1 || partial)
        return 0;
    *file = sp.file;
    *local = sp.file_frame;
    return 1;
}

unsigned bm_frame_runs_spans(const bm_frame_runs *r, uint64_t first, uint64_t last, bm_file_span *out, unsigned cap,
                             bool *partial, uint64_t *skipped)
{
    *partial = false;
    *skipped = 0;
    if (!r->head || last < first)
        return 0;
    uint64_t lo = r->head > r->cap ? r->head - r->cap : 0, hi = r->head;
    if (first < run_at(r, lo)->merged)
        *partial = true; /* frames older than the oldest run kept */
    /* the last run starting at or before 'first' (or the oldest kept) */
    uint64_t a = lo, b = hi;
    while (b - a > 1) {
        uint64_t m = a + (b - a) / 2;
        if (run_at(r, m)->merged <= first)
            a = m;
        else
            b = m;
    }
    /* the first run and the last cap-1 (the failure is usually near the end) */
    uint64_t seen = 0;
    unsigned n = 0;
    for (uint64_t i = a; i < hi; i++) {
        const frun *x = run_at(r, i);
        uint64_t end = i + 1 < hi ? run_at(r, i + 1)->merged - 1 : r->last_merged;
        if (x->merged > last)
            break;
        if (end < first)
            continue;
        uint64_t from = x->merged > first ? x->merged : first;
        bm_file_span sp = {.file = x->file < r->n_paths ? r->paths[x->file] : "?",
                           .first_frame = from,
                           .last_frame = end < last ? end : last,
                           .file_frame = x->local + (from - x->merged)};
        if (n < cap) {
            out[n++] = sp;
        } else if (cap > 1) {
            memmove(out + 1, out + 2, (cap - 2) * sizeof *out);
            out[cap - 1] = sp;
        }
        seen++;
    }
    *skipped = seen > n ? seen - n : 0;
    return n;
}

static uint64_t msrc_ts(const msrc *s) { return (uint64_t)s->h->ts.tv_sec * 1000000000ull + (uint64_t)s->h->ts.tv_usec; }

/* The next packet of s; at the end or on a read error (one line naming
 * the file, the frames before it kept) it has none. */
/* libpcap refuses a pcapng whose interfaces have different link types;
 * the reader of one file takes it (pcapng.c). */
static bool mixed(const char *err) { return strstr(err, "different from the type of the first interface") != NULL; }

static void msrc_next(msrc *s, bm_diag *diag, bm_capture_stats *st)
{
    int rc = bm_pcap_map_next(s->map, s->pc, &s->h, &s->data);
    s->have = rc == 1;
    if (rc != 1 && rc != PCAP_ERROR_BREAK) {
        const char *why = pcap_geterr(s->pc);
        if (s->n == 0 && mixed(why)) { /* nothing of it merged yet: it is read on its own */
            s->alone = true;
            return;
        }
        const char *merged = diag->file; /* the line names the file, as for a capture read alone */
        diag->file = s->path;
        bm_diag_frame(diag, 0, "cannot read further after frame %" PRIu64 ": %s%s", s->n, why,
                      mixed(why) ? " (interfaces of different link types: give this file alone, or --separate)" : "");
        diag->file = merged;
        st->read_error = true;
    }
}

/* Opens one file of the merge; false after a line naming it. */
static bool msrc_open(msrc *s, const char *path, const char *filter, bm_diag *diag)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    memset(s, 0, sizeof *s);
    s->path = path;
    FILE *f = bm_capture_open(path);
    if (!f) {
        bm_diag_frame(diag, 0, "%s: cannot read capture: %s", path, strerror(errno));
        return false;
    }
    s->pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!s->pc) {
        fclose(f);
        if (mixed(errbuf)) {
            s->alone = true;
            return false;
        }
        bm_diag_frame(diag, 0, "%s: cannot read capture: %s", path, errbuf);
        return false;
    }
    s->lt = pcap_datalink(s->pc);
    if (!bm_capture_linktype_ok(s->lt, path, diag)) {
        pcap_close(s->pc);
        s->pc = NULL;
        return false;
    }
    if (filter) {
        if (pcap_compile(s->pc, &s->prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            bm_diag_frame(diag, 0, "%s: cannot apply the filter to this capture's link type: %s", path,
                          pcap_geterr(s->pc));
            pcap_close(s->pc);
            s->pc = NULL;
            return false;
        }
        s->filtered = true;
    }
    s->map = bm_pcap_map_open(f);
    return true;
}

bm_result bm_capture_read_merged(const char *const *paths, unsigned n, bm_tcp_table *t, bm_diag *diag,
                                 bm_capture_stats *st, bm_frame_runs *runs, bool *alone)
{
    msrc *src = calloc(n ? n : 1, sizeof *src);
    if (!src)
        return bm_res(BM_ERR_NOMEM);
    memset(st, 0, sizeof *st);
    bm_result res = BM_SUCCESS;
    bm_capture_ctx cx;
    bm_capture_ctx_init(&cx, t, diag, st);
    const char *filter = bm_tcp_opts(t)->filter;
    for (unsigned i = 0; i < n; i++) {
        if (!msrc_open(&src[i], paths[i], filter, diag)) {
            if (!src[i].alone)
                res = bm_res(BM_ERR_CAPTURE_OPEN);
            continue;
        }
        if (!st->linktype)
            st->linktype = src[i].lt;
        msrc_next(&src[i], diag, st);
    }
    for (;;) {
        msrc *pick = NULL;
        for (unsigned i = 0; i < n; i++)
            if (src[i].have && (!pick || msrc_ts(&src[i]) < msrc_ts(pick)))
                pick = &src[i];
        if (!pick)
            break;
        pick->n++;
        if (runs)
            runs_add(runs, cx.frame + 1, pick->n, (uint32_t)(pick - src));
        if (pick->filtered && !pcap_offline_filter(&pick->prog, pick->h, pick->data))
            bm_capture_filtered_packet(&cx);
        else
            bm_capture_feed_packet(&cx, pick->lt, pick->data, pick->h->caplen, pick->h->len, msrc_ts(pick));
        msrc_next(pick, diag, st);
    }
    bm_capture_ctx_fini(&cx);
    bm_capture_tell_evicted(t, diag);
    for (unsigned i = 0; i < n; i++) {
        alone[i] = src[i].alone;
        if (src[i].filtered)
            pcap_freecode(&src[i].prog);
        bm_pcap_map_close(src[i].map);
        if (src[i].pc)
            pcap_close(src[i].pc);
    }
    free(src);
    return res;
}
