/*
 * jobs.c - badmac -j N (jobs.h). Every thread reads every packet (libpcap's
 * read is a small part of a pass) and keeps the connections of its shard;
 * each hands its finished connections, copied, to a bounded queue; the
 * calling thread takes them from the queues in report order: a connection
 * is passed on once every other thread has one that comes after it, or has
 * finished, so the order needs no more than one connection per queue.
 */
#include "jobs.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOB_QUEUE 64 /* connections waiting per thread (~21 KB each) */

typedef struct job_item {
    bm_conn *c;
    char *capture; /* the copy c->capture points to */
} job_item;

struct jobs;

typedef struct job {
    struct jobs *js;
    bm_analysis_opts opts;
    pthread_t th;
    bool started;
    job_item q[JOB_QUEUE];
    unsigned head, count;
    bool done;
    int rc;
    bm_totals totals;
} job;

typedef struct jobs {
    pthread_mutex_t mu;      /* the queues, done flags */
    pthread_cond_t changed;  /* a queue got a connection, or a thread finished */
    pthread_cond_t room;     /* a queue has room */
    pthread_mutex_t diag_mu; /* one on_diag call at a time */
    const bm_analysis_opts *base;
    const bm_jobs_input *in;
    job *j;
    unsigned n;
} jobs;

unsigned bm_jobs_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 1024 ? (unsigned)n : 1;
}

static void job_on_conn(void *ud, const bm_conn *c)
{
    job *jb = ud;
    jobs *js = jb->js;
    job_item it = {.c = malloc(sizeof *it.c), .capture = c->capture ? strdup(c->capture) : NULL};
    if (!it.c || (c->capture && !it.capture)) { /* out of memory: the connection is lost, said once */
        free(it.c);
        free(it.capture);
        pthread_mutex_lock(&js->diag_mu);
        if (js->base->on_diag)
            js->base->on_diag(js->base->ud, "badmac: out of memory: a connection's report is missing");
        pthread_mutex_unlock(&js->diag_mu);
        return;
    }
    memcpy(it.c, c, sizeof *c);
    it.c->capture = it.capture;
    pthread_mutex_lock(&js->mu);
    while (jb->count == JOB_QUEUE)
        pthread_cond_wait(&js->room, &js->mu);
    jb->q[(jb->head + jb->count) % JOB_QUEUE] = it;
    jb->count++;
    pthread_cond_broadcast(&js->changed);
    pthread_mutex_unlock(&js->mu);
}

static void job_on_diag(void *ud, const char *line)
{
    job *jb = ud;
    jobs *js = jb->js;
    pthread_mutex_lock(&js->diag_mu);
    if (js->base->on_diag)
        js->base->on_diag(js->base->ud, line);
    pthread_mutex_unlock(&js->diag_mu);
}

static void *job_main(void *arg)
{
    job *jb = arg;
    const bm_jobs_input *in = jb->js->in;
    bm_analysis *an = bm_analysis_new(&jb->opts);
    if (!an) {
        jb->rc = -1;
    } else {
        if (!in->separate && in->n_files > 1)
            (void)bm_analysis_add_merged(an, (const char *const *)in->files, (unsigned)in->n_files);
        else
            for (int i = 0; i < in->n_files; i++)
                (void)bm_analysis_add_capture(an, in->files[i]);
        bm_analysis_finish(an, &jb->totals);
        bm_analysis_free(an);
    }
    pthread_mutex_lock(&jb->js->mu);
    jb->done = true;
    pthread_cond_broadcast(&jb->js->changed);
    pthread_mutex_unlock(&jb->js->mu);
    return NULL;
}

/* Report order (bm_conn.capture_index, report_frame): reported while a
 * packet was read, by that packet's frame; at the end of a capture, after
 * every packet, by last_frame then first_frame. */
static int order_cmp(const bm_conn *a, const bm_conn *b)
{
    if (a->capture_index != b->capture_index)
        return a->capture_index < b->capture_index ? -1 : 1;
    uint64_t ra = a->report_frame ? a->report_frame : UINT64_MAX;
    uint64_t rb = b->report_frame ? b->report_frame : UINT64_MAX;
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->last_frame != b->last_frame)
        return a->last_frame < b->last_frame ? -1 : 1;
    return a->first_frame < b->first_frame ? -1 : a->first_frame > b->first_frame;
}

/* The next connection in report order, once every queue has one or its
 * thread is done; false when every thread is done and every queue empty. */
static bool next_item(jobs *js, job_item *out)
{
    pthread_mutex_lock(&js->mu);
    for (unsigned i = 0; i < js->n; i++)
        while (js->j[i].count == 0 && !js->j[i].done)
            pthread_cond_wait(&js->changed, &js->mu);
    job *best = NULL;
    for (unsigned i = 0; i < js->n; i++) {
        job *jb = &js->j[i];
        if (jb->count && (!best || order_cmp(jb->q[jb->head].c, best->q[best->head].c) < 0))
            best = jb;
    }
    if (best) {
        *out = best->q[best->head];
        best->head = (best->head + 1) % JOB_QUEUE;
        best->count--;
        pthread_cond_broadcast(&js->room);
    }
    pthread_mutex_unlock(&js->mu);
    return best != NULL;
}

/* One analysis's totals from the shards': what every shard reads alike
 * (frames, bytes, unreadable captures, key files, exports) from shard 0,
 * the rest summed (each shard's messages are about its own connections,
 * shard 0's also about the capture). */
static void add_totals(bm_totals *t, const bm_totals *s, bool first)
{
    t->connections += s->connections;
    t->failed += s->failed;
    t->unknown += s->unknown;
    t->closed_early += s->closed_early;
    t->input_errors += s->input_errors;
    t->notices += s->notices;
    if (first) {
        t->frames = s->frames;
        t->bytes = s->bytes;
        t->unreadable = s->unreadable;
        t->key_errors = s->key_errors;
        t->export_errors = s->export_errors;
    }
}

int bm_jobs_run(const bm_analysis_opts *base, unsigned n, const bm_jobs_input *in, bm_totals *out)
{
    jobs js = {.base = base, .in = in, .n = n};
    js.j = calloc(n, sizeof *js.j);
    if (!js.j) {
        fprintf(stderr, "badmac: out of memory\n");
        return -1;
    }
    pthread_mutex_init(&js.mu, NULL);
    pthread_mutex_init(&js.diag_mu, NULL);
    pthread_cond_init(&js.changed, NULL);
    pthread_cond_init(&js.room, NULL);
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        job *jb = &js.j[i];
        jb->js = &js;
        jb->opts = *base;
        jb->opts.on_conn = job_on_conn;
        jb->opts.on_diag = job_on_diag;
        jb->opts.ud = jb;
        /* within a --shard I/N run, thread i takes shard I + N*i of N*n: together, shard I of N */
        unsigned outer = base->shards > 1 ? base->shards : 1;
        jb->opts.shard = (outer > 1 ? base->shard : 0) + outer * i;
        jb->opts.shards = outer * n;
        /* the state limit is the run's: each thread has its part */
        jb->opts.max_state_bytes = (base->max_state_bytes ? base->max_state_bytes : ((size_t)1 << 30)) / n;
        if (pthread_create(&jb->th, NULL, job_main, jb) != 0) {
            fprintf(stderr, "badmac: cannot start thread %u of %u\n", i + 1, n);
            pthread_mutex_lock(&js.mu);
            jb->done = true;
            pthread_mutex_unlock(&js.mu);
            rc = -1;
            continue;
        }
        jb->started = true;
    }
    job_item it;
    uint64_t id = 0;
    while (next_item(&js, &it)) {
        it.c->id = ++id; /* one analysis numbers connections as it reports them */
        if (base->on_conn)
            base->on_conn(base->ud, it.c);
        free(it.c);
        free(it.capture);
    }
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < n; i++) {
        if (js.j[i].started)
            pthread_join(js.j[i].th, NULL);
        if (js.j[i].rc != 0)
            rc = -1;
        add_totals(out, &js.j[i].totals, i == 0);
    }
    if (rc != 0)
        fprintf(stderr, "badmac: a thread could not analyse (out of memory): the report is incomplete\n");
    pthread_cond_destroy(&js.changed);
    pthread_cond_destroy(&js.room);
    pthread_mutex_destroy(&js.mu);
    pthread_mutex_destroy(&js.diag_mu);
    free(js.j);
    return rc;
}
