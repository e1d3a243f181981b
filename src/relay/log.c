/*
 * log.c - the relay's JSON-lines log: one object per thing it did, flushed
 * at once so a test (or a person with tail -f) sees it while the relay runs.
 */
#include "loop.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

const char *bm_relay_dir_name(int dir)
{
    return dir == BM_RELAY_C2S ? "c2s" : "s2c";
}

json_t *bm_relay_json_hex(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char s[2 * BM_RELAY_HEX_MAX + 1];
    if (n > BM_RELAY_HEX_MAX)
        n = BM_RELAY_HEX_MAX;
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = '\0';
    return json_string(s);
}

/* Sets key to an integer, or leaves it out when v is negative (none). */
static void set_opt_int(json_t *o, const char *key, int64_t v)
{
    if (v >= 0)
        json_object_set_new(o, key, json_integer((json_int_t)v));
}

bm_result bm_relay_event_write(const bm_relay_event *ev, void *fp)
{
    FILE *f = fp;
    json_t *o = json_object();
    BM_ENSURE(o != NULL, BM_ERR_NOMEM);
    json_object_set_new(o, "conn", json_integer((json_int_t)ev->conn));
    json_object_set_new(o, "direction", json_string(bm_relay_dir_name(ev->dir)));
    set_opt_int(o, "record_index", ev->record_index);
    set_opt_int(o, "type", ev->type);
    set_opt_int(o, "length", ev->length);
    json_object_set_new(o, "fault", json_string(ev->fault));
    set_opt_int(o, "record_offset", ev->record_offset);
    set_opt_int(o, "stream_offset", ev->stream_offset);
    set_opt_int(o, "bit", ev->bit);
    set_opt_int(o, "value", ev->value);
    if (ev->n) {
        json_object_set_new(o, "original", bm_relay_json_hex(ev->orig, ev->n));
        json_object_set_new(o, "new", bm_relay_json_hex(ev->repl, ev->n));
    }
    if (ev->note)
        json_object_set_new(o, "note", json_string(ev->note));
    int rc = json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    BM_ENSURE(rc == 0 && fputc('\n', f) != EOF && fflush(f) == 0, BM_ERR_IO);
    return BM_SUCCESS;
}

/* A write failed: logging stops (a full disk must not stop the relay), and
 * says so once on stderr; relay_main then exits 1 (the log is incomplete). */
static void log_failed(FILE **log)
{
    fprintf(stderr, "badmac relay: cannot write the log (%s): logging stopped, the log is incomplete\n",
            errno ? strerror(errno) : "write error");
    *log = NULL;
}

void bm_relay_log_event(void *ud, const bm_relay_event *ev)
{
    FILE **log = ud;
    errno = 0;
    if (*log && !bm_is_ok(bm_relay_event_write(ev, *log)))
        log_failed(log);
}

void bm_relay_log_json(FILE **log, json_t *j)
{
    if (!j)
        return;
    errno = 0;
    if (*log && (json_dumpf(j, *log, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
                 fputc('\n', *log) == EOF || fflush(*log) != 0))
        log_failed(log);
    json_decref(j);
}
