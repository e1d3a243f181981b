/*
 * merge.c - badmac merge: the JSON Lines of runs over disjoint sets of
 * connections (badmac --json --shard I/N, on one machine or many) into one
 * report, the one a single run over everything writes: connections in the
 * order one analysis reports them (their "reported_at", then last_frame,
 * first_frame), numbered 1, 2, ... in that order, the failure patterns
 * counted again from the connections, one summary. Each input is already
 * in that order: one connection line per input is held at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../report/report.h"
#include "../util/opt.h"
#include "merge.h"

typedef struct merge_in {
    const char *path;
    FILE *f;
    uint64_t line_no;
    char *line;         /* the connection line held (NULL: this input is done) */
    size_t cap;
    json_t *obj;        /* its parse */
    uint64_t key[4];    /* capture_index, report frame (none: last), last_frame, first_frame */
} merge_in;

typedef struct merge_run {
    merge_in *in;
    int n;
    bm_patterns patterns;
    bm_totals totals;
    int errors;
} merge_run;

static uint64_t num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (uint64_t)json_integer_value(v) : 0;
}

static const char *str(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A summary line of a shard: what every shard counts alike (frames) once,
 * what each counts of its own (messages, connections closed early) summed. */
static void add_summary(merge_run *m, const json_t *o)
{
    uint64_t frames = num(o, "frames");
    if (frames > m->totals.frames)
        m->totals.frames = frames;
    m->totals.input_errors += (unsigned)num(o, "input_errors");
    m->totals.closed_early += num(o, "closed_early");
}

/* The next connection line of 'in' into in->line/obj (NULL at the end);
 * summary lines are counted on the way, patterns lines dropped (they are
 * counted again). -1 on a line that is not one of badmac's. */
static int advance(merge_run *m, merge_in *in)
{
    json_decref(in->obj);
    in->obj = NULL;
    for (;;) {
        ssize_t len = getline(&in->line, &in->cap, in->f);
        if (len < 0) {
            free(in->line);
            in->line = NULL;
            in->cap = 0;
            if (ferror(in->f)) {
                fprintf(stderr, "badmac merge: %s: cannot read: %s\n", in->path, strerror(errno));
                return -1;
            }
            return 0;
        }
        in->line_no++;
        json_error_t err;
        json_t *o = json_loadb(in->line, (size_t)len, 0, &err);
        const char *type = o ? str(o, "type") : NULL;
        if (!type) { /* said, and the rest of the file still read */
            fprintf(stderr, "badmac merge: %s: line %" PRIu64 ": not a line of badmac --json (%s)\n", in->path,
                    in->line_no, o ? "no \"type\"" : err.text);
            json_decref(o);
            m->errors++;
            continue;
        }
        if (!strcmp(type, "connection")) {
            const json_t *at = json_object_get(o, "reported_at");
            const json_t *fr = json_object_get(at, "frame");
            in->obj = o;
            in->key[0] = num(at, "capture_index");
            in->key[1] = json_is_integer(fr) ? (uint64_t)json_integer_value(fr) : UINT64_MAX;
            in->key[2] = num(o, "last_frame");
            in->key[3] = num(o, "first_frame");
            if (json_is_object(at) && strncmp(in->line, "{\"type\":\"connection\",\"id\":", 26) == 0)
                return 1;
            fprintf(stderr, "badmac merge: %s: line %" PRIu64 ": a connection line not as badmac --json writes it "
                    "(no \"reported_at\": an older badmac?)\n", in->path, in->line_no);
            json_decref(o);
            in->obj = NULL;
            m->errors++;
            continue;
        }
        if (!strcmp(type, "summary"))
            add_summary(m, o);
        json_decref(o);
    }
}

static int key_cmp(const merge_in *a, const merge_in *b)
{
    for (int i = 0; i < 4; i++)
        if (a->key[i] != b->key[i])
            return a->key[i] < b->key[i] ? -1 : 1;
    return 0;
}

/* The connection's keys in the failure patterns, from its JSON object as
 * bm_patterns_add takes them from a bm_conn. */
static void count_patterns(merge_run *m, const json_t *o)
{
    const char *status = str(o, "status");
    bool failed = status && !strcmp(status, "failed");
    const json_t *diag = json_object_get(o, "diagnosis");
    const json_t *rec = json_object_get(diag, "record");
    const json_t *prime = json_object_get(o, "prime_suspect");
    const json_t *records = json_object_get(o, "records");
    uint64_t size;
    if (failed && json_is_object(rec))
        size = num(rec, "length");
    else if (failed && json_is_object(prime))
        size = num(prime, "length");
    else {
        uint64_t c = num(json_object_get(records, "client"), "max_length");
        uint64_t s = num(json_object_get(records, "server"), "max_length");
        size = c > s ? c : s;
    }
    char ttl[BM_PAT_KEY_LEN];
    bm_pattern_ttl_key((unsigned)num(json_object_get(json_object_get(o, "tcp"), "ttl"), "client"), ttl, sizeof ttl);
    bm_pat_keys k = {.failed = failed};
    k.key[BM_PAT_CLIENT] = str(json_object_get(o, "client"), "ip");
    k.key[BM_PAT_SERVER] = str(json_object_get(o, "server"), "ip");
    k.key[BM_PAT_PATH] = ttl;
    k.key[BM_PAT_SUITE] = str(o, "cipher_suite");
    k.key[BM_PAT_VERSION] = str(o, "version");
    k.key[BM_PAT_RESUMED] = json_is_true(json_object_get(o, "resumed")) ? "resumed" : "full";
    k.key[BM_PAT_SIZE] = bm_pattern_size_bucket(size > UINT32_MAX ? UINT32_MAX : (uint32_t)size);
    k.key[BM_PAT_CAUSE] = bm_pattern_cause_key(json_is_object(diag) ? str(diag, "cause") : NULL);
    bm_patterns_add_keys(&m->patterns, &k);
    m->totals.connections++;
    m->totals.failed += failed;
    m->totals.unknown += status && !strcmp(status, "unknown");
}

/* The held line of 'in' with its id replaced by 'id'. */
static void put_conn(const merge_in *in, uint64_t id)
{
    const char *rest = in->line + 26; /* after {"type":"connection","id": */
    while (*rest >= '0' && *rest <= '9')
        rest++;
    size_t n = strlen(rest);
    bool nl = n && rest[n - 1] == '\n'; /* the last line of a file may lack it */
    printf("{\"type\":\"connection\",\"id\":%" PRIu64 "%s%s", id, rest, nl ? "" : "\n");
}

static const char merge_usage[] =
    "usage: badmac merge SHARD.jsonl...\n"
    "\n"
    "Combines the --json outputs of runs over disjoint sets of connections (badmac --json\n"
    "--shard I/N CAPTURE..., one per I) into the report one run over everything writes:\n"
    "the connections in the order one analysis reports them, numbered again, the failure\n"
    "patterns counted again, one summary (frames as each shard read them; messages and\n"
    "connections closed early summed). Each file as its run wrote it.\n"
    "Exit status: 0 no failure, 1 a failure found, 2 usage or input error (in a file merged,\n"
    "or counted in a run's summary).\n";

static int merge_on_opt(void *ud, int id, const char *name, const char *val)
{
    (void)name;
    merge_run *m = ud;
    if (id == BM_OPT_OPERAND) {
        m->in[m->n++].path = val;
        return 0;
    }
    return 2;
}

int bm_merge_main(int argc, char **argv)
{
    merge_run m = {0};
    m.in = calloc((size_t)argc, sizeof *m.in);
    if (!m.in) {
        fprintf(stderr, "badmac merge: out of memory\n");
        return 2;
    }
    bm_opt_cmd cmd = {.cmd = "badmac merge", .help = merge_usage, .version = BADMAC_VERSION,
                      .opts = NULL, .n_opts = 0, .on = merge_on_opt, .ud = &m};
    int rc = bm_opt_parse(&cmd, argc, argv);
    if (rc == BM_OPT_RUN && m.n == 0)
        rc = bm_opt_fail("badmac merge", "no JSON Lines file given");
    if (rc != BM_OPT_RUN) {
        free(m.in);
        return rc;
    }
    bm_patterns_init(&m.patterns);
    for (int i = 0; i < m.n; i++) {
        merge_in *in = &m.in[i];
        in->f = fopen(in->path, "r");
        if (!in->f) {
            fprintf(stderr, "badmac merge: %s: cannot open: %s\n", in->path, strerror(errno));
            m.errors++;
            continue;
        }
        if (advance(&m, in) < 0)
            m.errors++;
    }
    uint64_t id = 0;
    for (;;) {
        merge_in *best = NULL;
        for (int i = 0; i < m.n; i++)
            if (m.in[i].obj && (!best || key_cmp(&m.in[i], best) < 0))
                best = &m.in[i];
        if (!best)
            break;
        count_patterns(&m, best->obj);
        put_conn(best, ++id);
        if (advance(&m, best) < 0)
            m.errors++;
    }
    bm_json_patterns(stdout, &m.patterns);
    m.totals.input_errors += (unsigned)m.errors;
    bm_json_summary(stdout, &m.totals);
    for (int i = 0; i < m.n; i++) {
        json_decref(m.in[i].obj);
        free(m.in[i].line);
        if (m.in[i].f)
            fclose(m.in[i].f);
    }
    free(m.in);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "badmac merge: cannot write the report: %s\n", strerror(errno));
        return 2;
    }
    /* as the runs would: input problems (theirs or the merge's) win */
    return m.totals.input_errors ? 2 : m.totals.failed ? 1 : 0;
}
