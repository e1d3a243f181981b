/* The relay's selectors, fault options and record planner, without sockets. */
#include "tap.h"
#include "relay/relay.h"

#include <stdlib.h>

#define MAXEV 128

typedef struct evlog {
    bm_relay_event ev[MAXEV];
    unsigned n;
} evlog;

static void collect(void *ud, const bm_relay_event *ev)
{
    evlog *l = ud;
    if (l->n < MAXEV)
        l->ev[l->n++] = *ev;
}

/* Records of types 22, 20, 23, 23, 23 with bodies of 10, 1, 40, 0, 33 bytes;
 * body byte i of record r is (r * 16 + i). Returns the stream length. */
static const int rec_types[] = {22, 20, 23, 23, 23};
static const size_t rec_lens[] = {10, 1, 40, 0, 33};
#define NREC 5

static size_t rec_start(int r)
{
    size_t off = 0;
    for (int i = 0; i < r; i++)
        off += 5 + rec_lens[i];
    return off;
}

static size_t make_stream(uint8_t *buf)
{
    size_t off = 0;
    for (int r = 0; r < NREC; r++) {
        buf[off++] = (uint8_t)rec_types[r];
        buf[off++] = 3;
        buf[off++] = 3;
        buf[off++] = (uint8_t)(rec_lens[r] >> 8);
        buf[off++] = (uint8_t)rec_lens[r];
        for (size_t i = 0; i < rec_lens[r]; i++)
            buf[off++] = (uint8_t)(r * 16 + i);
    }
    return off;
}

/* Runs the stream through one direction's planner; chunk 0 = all at once. */
static int run(const bm_relay_cfg *cfg, int dir, const uint8_t *in, size_t n, size_t chunk,
               bm_relay_out *out, evlog *log)
{
    static bm_relay_dir d; /* about 60 KiB: keep it off the stack */
    bm_relay_dir_init(&d, cfg, 0, dir);
    bm_relay_out_init(out);
    log->n = 0;
    size_t step = chunk ? chunk : n;
    for (size_t off = 0; off < n; off += step) {
        size_t k = n - off < step ? n - off : step;
        if (!bm_is_ok(bm_relay_dir_feed(&d, in + off, k, out, collect, log)))
            return 0;
    }
    return bm_is_ok(bm_relay_dir_eof(&d, out, collect, log));
}

static void cfg_one(bm_relay_cfg *cfg, const char *opt, const char *arg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->only_conn = -1;
    cfg->seed = 42;
    if (opt) {
        ok(bm_is_ok(bm_relay_fault_parse(opt, arg, &cfg->faults[0])), arg);
        cfg->nfaults = 1;
    }
}

static void test_sel_parse(void)
{
    bm_relay_sel s;
    ok(bm_is_ok(bm_relay_sel_parse("s2c,type=23,index=7", &s)), "selector parses");
    is_int(s.dirs, 1u << BM_RELAY_S2C, "direction s2c");
    is_int(s.type, 23, "type");
    is_int(s.index, 7, "index");
    is_int(s.nth_app, -1, "nth-app unset");
    ok(bm_is_ok(bm_relay_sel_parse("c2s,rate=1/500,minlen=100,nth-app=2,conn=3", &s)), "full selector");
    is_int(s.rate_num, 1, "rate numerator");
    is_int(s.rate_den, 500, "rate denominator");
    is_int(s.minlen, 100, "minlen");
    is_int(s.nth_app, 2, "nth-app");
    is_int(s.conn, 3, "conn");
    ok(bm_is_ok(bm_relay_sel_parse("index=0", &s)), "no direction");
    is_int(s.dirs, 3, "no direction = both");
    const char *bad[] = {"s2c,bogus=1", "index=x", "rate=2/1", "rate=1/0", "type=256",
                         "s2c,,index=1", "index=-1", "s2x", "type=", "rate=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ok(!bm_is_ok(bm_relay_sel_parse(bad[i], &s)), bad[i]);
}

static void test_fault_parse(void)
{
    bm_relay_fault f;
    ok(bm_is_ok(bm_relay_fault_parse("flip", "s2c,index=3:9:3", &f)), "flip parses");
    is_int(f.kind, BM_FAULT_FLIP, "kind flip");
    is_int(f.offset, 9, "flip offset");
    is_int(f.bit, 3, "flip bit");
    ok(bm_is_ok(bm_relay_fault_parse("flip", "s2c:rand:rand", &f)), "flip rand rand");
    ok(f.offset_rand && f.bit == -1, "rand offset and bit");
    ok(bm_is_ok(bm_relay_fault_parse("flip", "s2c:-1:0", &f)) && f.offset == -1, "negative offset");
    ok(bm_is_ok(bm_relay_fault_parse("segment", "c2s,index=0:1,7,3", &f)), "segment parses");
    is_int(f.nsizes, 3, "three sizes");
    is_int(f.sizes[1], 7, "second size");
    ok(bm_is_ok(bm_relay_fault_parse("delay", "s2c:250", &f)) && f.n == 250, "delay ms");
    const char *bad[][2] = {{"flip", "s2c:9:8"}, {"flip", "s2c:9"}, {"drop", "s2c:1"},
                            {"flip-bits", "s2c:0"}, {"flip-bits", "s2c:65"},
                            {"segment", "s2c:1,,2"}, {"frob", "s2c"}, {"burst", "s2c:x:3"},
                            {"truncate", "s2c:0"}, {"flip", "bogus:1:1"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ok(!bm_is_ok(bm_relay_fault_parse(bad[i][0], bad[i][1], &f)), bad[i][1]);
}

static unsigned count_rate(uint64_t seed, uint64_t *first)
{
    bm_relay_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.only_conn = -1;
    cfg.seed = seed;
    cfg.nfaults = 1;
    if (!bm_is_ok(bm_relay_fault_parse("drop", "s2c,rate=1/10", &cfg.faults[0])))
        return 0;
    unsigned hits = 0;
    *first = UINT64_MAX;
    for (uint64_t i = 0; i < 10000; i++)
        if (bm_relay_sel_match(&cfg, 0, 0, BM_RELAY_S2C, i, 23, 100, -1)) {
            if (!hits)
                *first = i;
            hits++;
        }
    return hits;
}

static void test_rate(void)
{
    uint64_t a1, a2, b1;
    unsigned a = count_rate(1, &a1), a_again = count_rate(1, &a2), b = count_rate(2, &b1);
    ok(a > 850 && a < 1150, "rate=1/10 hits about a tenth");
    ok(a == a_again && a1 == a2, "same seed, same choices");
    ok(a != b || a1 != b1, "another seed, other choices");
}

static void test_passthrough_clean(const uint8_t *in, size_t n)
{
    bm_relay_cfg cfg;
    bm_relay_out out;
    evlog log;
    cfg_one(&cfg, NULL, NULL);
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "clean run");
    ok(out.len == n && memcmp(out.buf + out.head, in, n) == 0, "no faults: bytes unchanged");
    is_int(log.n, 0, "no faults: nothing logged");
    bm_relay_out_free(&out);
    uint8_t junk[64];
    memcpy(junk, in, 5);
    junk[0] = 0x47; /* "GET ..." is not TLS */
    for (size_t i = 5; i < sizeof junk; i++)
        junk[i] = (uint8_t)i;
    ok(run(&cfg, BM_RELAY_C2S, junk, sizeof junk, 7, &out, &log), "garbage run");
    ok(out.len == sizeof junk && memcmp(out.buf + out.head, junk, sizeof junk) == 0,
       "garbage passes through unchanged");
    ok(log.n == 1 && strcmp(log.ev[0].fault, "passthrough") == 0, "passthrough logged once");
    bm_relay_out_free(&out);
}

static void test_flip(const uint8_t *in, size_t n)
{
    bm_relay_cfg cfg;
    bm_relay_out out;
    evlog log;
    cfg_one(&cfg, "flip", "s2c,type=23,index=2:9:3");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 1, &out, &log), "flip run, byte by byte");
    size_t at = rec_start(2) + 5 + 9;
    is_int(out.len, n, "flip keeps the length");
    unsigned diffs = 0;
    for (size_t i = 0; i < n; i++)
        diffs += out.buf[out.head + i] != in[i];
    is_int(diffs, 1, "exactly one byte differs");
    is_int(out.buf[out.head + at], in[at] ^ 8, "bit 3 of body byte 9 of record 2 flipped");
    is_int(log.n, 1, "one log entry");
    is_int(log.ev[0].record_index, 2, "log record_index");
    is_int(log.ev[0].record_offset, 9, "log record_offset");
    is_int(log.ev[0].stream_offset, at, "log stream_offset is the changed byte");
    is_int(log.ev[0].orig[0], in[at], "log original");
    is_int(log.ev[0].repl[0], in[at] ^ 8, "log new");
    is_int(log.ev[0].length, 40, "log length");
    bm_relay_out_free(&out);

    ok(run(&cfg, BM_RELAY_C2S, in, n, 0, &out, &log), "flip run in the other direction");
    ok(out.len == n && memcmp(out.buf + out.head, in, n) == 0 && log.n == 0,
       "an s2c fault leaves c2s alone");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "flip", "s2c,nth-app=2:-1:0");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "flip last byte of the third app record");
    at = rec_start(4) + 5 + 32;
    ok(log.n == 1 && log.ev[0].record_index == 4 && log.ev[0].stream_offset == (int64_t)at,
       "nth-app counts application_data records only; -1 is the last byte");
    is_int(out.buf[out.head + at], in[at] ^ 1, "last byte flipped");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "flip", "s2c,index=3:0:0");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "flip in an empty record");
    ok(log.n == 1 && log.ev[0].note && log.ev[0].stream_offset == -1 && out.len == n &&
       memcmp(out.buf + out.head, in, n) == 0, "empty body: skipped and logged");
    bm_relay_out_free(&out);
}

static void test_seeded_bits(const uint8_t *in, size_t n)
{
    bm_relay_cfg cfg;
    bm_relay_out a, b;
    evlog log;
    cfg_one(&cfg, "flip-bits", "s2c,index=2:5");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &a, &log), "flip-bits run");
    is_int(log.n, 5, "five bits logged");
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++)
        bits += (unsigned)__builtin_popcount(a.buf[a.head + i] ^ in[i]);
    is_int(bits, 5, "five distinct bits changed");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 3, &b, &log), "same seed again");
    ok(a.len == b.len && memcmp(a.buf + a.head, b.buf + b.head, a.len) == 0, "same seed, same bits");
    bm_relay_out_free(&b);
    cfg.seed = 43;
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &b, &log), "other seed");
    ok(memcmp(a.buf + a.head, b.buf + b.head, a.len) != 0, "other seed, other bits");
    bm_relay_out_free(&a);
    bm_relay_out_free(&b);

    cfg_one(&cfg, "burst", "s2c,index=0:2:4");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &a, &log), "burst run");
    ok(log.n == 1 && log.ev[0].value == 4 && log.ev[0].stream_offset == 7 &&
       memcmp(log.ev[0].orig, in + 7, 4) == 0 && memcmp(log.ev[0].repl, a.buf + a.head + 7, 4) == 0,
       "burst logs the 4 bytes before and after");
    ok(memcmp(a.buf + a.head, in, 7) == 0 && memcmp(a.buf + a.head + 11, in + 11, n - 11) == 0,
       "burst touches nothing else");
    bm_relay_out_free(&a);
}

static void test_placement(const uint8_t *in, size_t n)
{
    bm_relay_cfg cfg;
    bm_relay_out out;
    evlog log;
    size_t r2 = rec_start(2), r3 = rec_start(3), r4 = rec_start(4);

    cfg_one(&cfg, "drop", "s2c,index=2");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "drop run");
    ok(out.len == n - 45 && memcmp(out.buf + out.head, in, r2) == 0 &&
       memcmp(out.buf + out.head + r2, in + r3, n - r3) == 0, "drop removes exactly record 2");
    ok(log.n == 1 && log.ev[0].stream_offset == (int64_t)r2, "drop logs where it would have been");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "dup", "s2c,index=1");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "dup run");
    ok(out.len == n + 6 && memcmp(out.buf + out.head + r2, in + rec_start(1), 6) == 0 &&
       memcmp(out.buf + out.head + r2 + 6, in + r2, n - r2) == 0, "dup sends record 1 twice");
    ok(log.n == 2 && log.ev[1].stream_offset == (int64_t)r2, "dup logs the copy's offset");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "swap", "s2c,index=2");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "swap run");
    ok(out.len == n && memcmp(out.buf + out.head + r2, in + r3, 5) == 0 &&
       memcmp(out.buf + out.head + r2 + 5, in + r2, 45) == 0, "swap sends record 3 before 2");
    ok(log.n == 1 && log.ev[0].stream_offset == (int64_t)(r2 + 5), "swap logs the new place");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "truncate", "s2c,index=2:10");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "truncate run");
    ok(out.len == n - 10 && out.buf[out.head + r2 + 4] == 30 &&
       memcmp(out.buf + out.head + r2 + 35, in + r3, n - r3) == 0,
       "truncate removes 10 bytes and fixes the length");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "truncate-keep", "s2c,index=2:10");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "truncate-keep run");
    ok(out.len == n - 10 && out.buf[out.head + r2 + 4] == 40, "truncate-keep keeps the length field");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "cut", "s2c,index=3");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "cut run");
    const bm_relay_mark *m = bm_relay_out_next_mark(&out);
    ok(out.len == r3 && m && m->cut && m->at == r3, "cut: records before, then a close mark");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "segment", "s2c,index=4:1,7");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "segment run");
    ok(out.len == n && memcmp(out.buf + out.head, in, n) == 0, "segment keeps the bytes");
    uint64_t want[] = {r4, r4 + 1, r4 + 8, r4 + 38};
    unsigned k = 0;
    for (; (m = bm_relay_out_next_mark(&out)) != NULL; k++, bm_relay_out_pop_mark(&out))
        if (k < 4 && (m->at != want[k] || m->cut || m->ms != BM_RELAY_SEG_PAUSE_MS))
            break;
    is_int(k, 4, "segment marks at the record start, +1, +8 and its end");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "delay", "s2c,index=1:250");
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "delay run");
    m = bm_relay_out_next_mark(&out);
    ok(m && m->at == rec_start(1) && m->ms == 250 && !m->cut, "delay mark before record 1");
    bm_relay_out_free(&out);

    cfg_one(&cfg, "drop", "s2c,index=2");
    cfg.only_conn = 1;
    ok(run(&cfg, BM_RELAY_S2C, in, n, 0, &out, &log), "--conn 1 on connection 0");
    ok(out.len == n && log.n == 0, "--conn limits faults to that connection");
    bm_relay_out_free(&out);
}

static void test_out_queue(void)
{
    bm_relay_out o;
    uint8_t big[50000];
    memset(big, 0xab, sizeof big);
    bm_relay_out_init(&o);
    ok(bm_is_ok(bm_relay_out_append(&o, big, sizeof big)), "append 50000");
    bm_relay_out_consume(&o, 49990);
    ok(bm_is_ok(bm_relay_out_append(&o, big, 20)), "append after consume");
    is_int(o.len, 30, "30 pending");
    is_int(bm_relay_out_end(&o), 50020, "stream end offset");
    is_int(o.base, 49990, "base advanced");
    bm_relay_out_free(&o);
}

int main(void)
{
    uint8_t in[512];
    size_t n = make_stream(in);
    test_sel_parse();
    test_fault_parse();
    test_rate();
    test_passthrough_clean(in, n);
    test_flip(in, n);
    test_seeded_bits(in, n);
    test_placement(in, n);
    test_out_queue();
    return tap_done();
}
