/*
 * fuzz_tls.c - libFuzzer harness for the TLS stage: the input is split into
 * chunks that are fed as the two directions of one TCP connection, with
 * gaps and FIN/RST, exactly as the capture stage would call the sink.
 *
 * Input format: a sequence of [op:1][len:2][bytes:len]; op & 3 selects
 * data-A, data-B, gap (len = gap size, no bytes), or FIN/RST (op & 4).
 * Seeds: fuzz/corpus/tls (each connection of the small fixtures in this
 * format, fuzz/seeds.py). Runs: docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../src/tls/tls.h"
#include "../src/wire/cur.h"
#include "fuzz_util.h"

static void sink_conn(void *ud, bm_conn *c, void *hook_conn)
{
    (void)ud;
    (void)hook_conn;
    fz_touch_conn(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bm_diag diag;
    memset(&diag, 0, sizeof diag);
    diag.emit = fz_drop_line;
    bm_conn_sink out = {.ud = NULL, .conn = sink_conn};
    bm_tls *t = bm_tls_new(&out, &diag);
    if (!t)
        return 0;
    bm_tls_set_capture(t, "fuzz");
    const bm_stream_sink *s = bm_tls_stream_sink(t);
    bm_tuple tup;
    memset(&tup, 0, sizeof tup);
    tup.addr[0].family = tup.addr[1].family = 4;
    tup.addr[0].ip[3] = 1;
    tup.addr[1].ip[3] = 2;
    tup.port[0] = 40000;
    tup.port[1] = 443;
    bm_seg_meta m = {.frame = 1, .ts_ns = 0, .ttl = 64, .ip_id = 0};
    void *conn = s->open(s->ud, &tup, &m);
    if (conn) {
        uint64_t off[2] = {0, 0};
        bm_cur c = bm_cur_make(data, size);
        while (bm_cur_left(&c) >= 3) {
            uint8_t op = bm_get_u8(&c);
            uint16_t len = bm_get_u16(&c);
            int dir = op & 1;
            m.frame++;
            if (op & 4) {
                s->fin(conn, dir, (op & 8) ? BM_END_RST : BM_END_FIN, &m);
            } else if (op & 2) {
                s->gap(conn, dir, off[dir], len, &m);
                off[dir] += len;
            } else {
                size_t n = len < bm_cur_left(&c) ? len : bm_cur_left(&c);
                const uint8_t *p = bm_get_bytes(&c, n);
                s->data(conn, dir, off[dir], p, n, &m);
                off[dir] += n;
            }
        }
        bm_tcp_summary sum;
        memset(&sum, 0, sizeof sum);
        sum.first_frame = 1;
        sum.last_frame = m.frame;
        sum.end_by = -1;
        s->close(conn, &sum);
    }
    bm_tls_free(t);
    return 0;
}
