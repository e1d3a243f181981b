/*
 * plain_out.c - decrypted application data, one file per connection and
 * direction, written as records are opened (streaming).
 *
 * The connection id is known only when it closes, so a live direction
 * writes to DIR/.badmac-partial-<n>-<a|b>.bin and the file is renamed to
 * DIR/<id>-<client|server>.bin at close. A connection with keys gets both
 * files even when a side sent no data (empty file), so that a reader can
 * tell "nothing sent" from "not decrypted". Records that are not there
 * (failed their check, not captured, lost in a gap) are not written; they
 * are listed in DIR/<id>.json with the file offset where they belong.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_int.h"

typedef struct plain_gap {
    uint8_t side, kind;
    uint64_t index, records, bytes, at;
} plain_gap;

typedef struct plain_conn {
    bm_export *e;
    uint64_t tmp;
    FILE *f[2];
    bool broken[2];      /* a write failed: nothing more is written */
    uint64_t written[2];
    unsigned n_gaps;
    uint64_t gaps_unlisted;
    plain_gap gaps[BM_EXPORT_MAX_GAPS];
} plain_conn;

static void tmp_path(const plain_conn *pc, int side, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/.badmac-partial-%" PRIu64 "-%c.bin", pc->e->dir, pc->tmp, side ? 'b' : 'a');
}

void *bm_plain_conn_open(void *ud)
{
    bm_export *e = ud;
    plain_conn *pc = calloc(1, sizeof *pc);
    if (!pc) {
        bm_export_error(e, "out of memory: a connection's plaintext is not exported");
        return NULL;
    }
    pc->e = e;
    pc->tmp = ++e->next_tmp;
    return pc;
}

void bm_plain_app_data(void *oc, int side, uint64_t index, const uint8_t *p, size_t n)
{
    plain_conn *pc = oc;
    (void)index;
    if (!pc || side < 0 || side > 1 || pc->broken[side] || n == 0)
        return;
    char path[BM_EXPORT_PATH_MAX];
    tmp_path(pc, side, path, sizeof path);
    if (!pc->f[side] && !(pc->f[side] = bm_export_open_private(path, false))) {
        pc->broken[side] = true;
        bm_export_error(pc->e, "%s: cannot create: %s", path, strerror(errno));
        return;
    }
    if (fwrite(p, 1, n, pc->f[side]) != n) {
        pc->broken[side] = true;
        bm_export_error(pc->e, "%s: cannot write: %s", path, strerror(errno));
        return;
    }
    pc->written[side] += n;
}

void bm_plain_app_gap(void *oc, int side, uint64_t index, bm_dec_gap_kind kind, uint64_t records, uint64_t bytes)
{
    plain_conn *pc = oc;
    if (!pc || side < 0 || side > 1)
        return;
    if (pc->n_gaps >= BM_EXPORT_MAX_GAPS) {
        pc->gaps_unlisted++;
        return;
    }
    plain_gap *g = &pc->gaps[pc->n_gaps++];
    g->side = (uint8_t)side;
    g->kind = (uint8_t)kind;
    g->index = index;
    g->records = records;
    g->bytes = bytes;
    g->at = pc->written[side];
}

static const char *kind_name(unsigned k)
{
    switch (k) {
    case BM_DEC_GAP_FAILED: return "failed";
    case BM_DEC_GAP_UNDECRYPTABLE: return "undecryptable";
    default: return "lost";
    }
}

static void write_sidecar(plain_conn *pc, const bm_conn *c, int cs)
{
    char path[BM_EXPORT_PATH_MAX];
    snprintf(path, sizeof path, "%s/%" PRIu64 ".json", pc->e->dir, c->id);
    if (pc->n_gaps == 0 && pc->gaps_unlisted == 0) {
        (void)unlink(path); /* a stale one from an earlier run */
        return;
    }
    FILE *f = bm_export_open_private(path, false);
    if (!f) {
        bm_export_error(pc->e, "%s: cannot create: %s", path, strerror(errno));
        return;
    }
    /* "record": the missing record's index (LOST: the first record after
     * the gap); "at": the byte offset in the .bin file where it belongs. */
    fprintf(f, "{\"conn\":%" PRIu64 ",\"gaps\":[", c->id);
    for (unsigned i = 0; i < pc->n_gaps; i++) {
        const plain_gap *g = &pc->gaps[i];
        fprintf(f,
                "%s{\"direction\":\"%s\",\"kind\":\"%s\",\"record\":%" PRIu64 ",\"records\":%" PRIu64
                ",\"bytes\":%" PRIu64 ",\"at\":%" PRIu64 "}",
                i ? "," : "", g->side == cs ? "client" : "server", kind_name(g->kind), g->index, g->records, g->bytes,
                g->at);
    }
    fprintf(f, "],\"gaps_not_listed\":%" PRIu64 "}\n", pc->gaps_unlisted);
    if (fclose(f) != 0)
        bm_export_error(pc->e, "%s: cannot write: %s", path, strerror(errno));
}

void bm_plain_conn_close(void *oc, const bm_conn *c, int client_side, bool have_keys)
{
    plain_conn *pc = oc;
    if (!pc)
        return;
    int cs = client_side == 1 ? 1 : 0;
    for (int side = 0; side < 2; side++) {
        char tmp[BM_EXPORT_PATH_MAX], fin[BM_EXPORT_PATH_MAX];
        tmp_path(pc, side, tmp, sizeof tmp);
        bool had = pc->f[side] != NULL;
        if (had && fclose(pc->f[side]) != 0 && !pc->broken[side]) {
            pc->broken[side] = true;
            bm_export_error(pc->e, "%s: cannot write: %s", tmp, strerror(errno));
        }
        pc->f[side] = NULL;
        if (!c) {
            if (had)
                (void)unlink(tmp);
            continue;
        }
        snprintf(fin, sizeof fin, "%s/%" PRIu64 "-%s.bin", pc->e->dir, c->id, side == cs ? "client" : "server");
        if (had) {
            if (rename(tmp, fin) != 0) {
                bm_export_error(pc->e, "%s: cannot rename to %s: %s", tmp, fin, strerror(errno));
                (void)unlink(tmp);
            }
        } else if (have_keys) {
            FILE *f = bm_export_open_private(fin, false);
            if (!f || fclose(f) != 0)
                bm_export_error(pc->e, "%s: cannot create: %s", fin, strerror(errno));
        }
    }
    if (c && have_keys)
        write_sidecar(pc, c, cs);
    free(pc);
}
