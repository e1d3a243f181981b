/* The verdict line table (include/badmac/verdict_lines.h) and its
 * formatters (src/report/verdict_text.c, vtext_*.c): stable unique names,
 * words for every code, no write beyond the buffer for any capacity from
 * 0 to 800 whatever the arguments, unknown codes named. */
#include <stdint.h>
#include <stdlib.h>

#include "../../include/badmac/badmac.h"
#include "tap.h"
#include "table_check.h"

static const tc_table table = {bm_vline_name, bm_vline_fields, bm_vline_arg_name, BM_V_COUNT_, BM_VLINE_ARGS + 1};
static size_t fmt_words(const void *l, char *buf, size_t cap) { return bm_vline_format(l, buf, cap); }
static size_t fmt_raw(const void *l, char *buf, size_t cap) { return bm_vline_format_raw(l, buf, cap); }
static const tc_fmt fmt = {fmt_words, fmt_raw, BM_VLINE_TEXT_LEN};

/* Names are a contract (machine readers, reword.t): a rename fails here. */
static void test_names_stable(void)
{
    static const tc_pin pinned[] = {
        {BM_V_RECORD_FAILS, "record_fails"},
        {BM_V_TCP_CONFLICT, "tcp_conflicting_copies"},
        {BM_V_MISLEADING, "misleading_alert"},
        {BM_V_REPAIR, "verified_repair"},
        {BM_V_SEQ, "sequence_desync"},
        {BM_V_WRONG_KEYS, "wrong_keys"},
        {BM_V_STALE_FOUND, "stale_master_found"},
        {BM_V_EX_BOTH_CRYPTO, "ex_both_cryptography"},
        {BM_V_NEXT_TWO_POINT, "next_two_point_capture"},
        {BM_V_NEXT_LIBRARY_BUILD, "next_library_build"},
    };
    tc_check_pinned(&table, pinned, sizeof pinned / sizeof pinned[0]);
}

static void test_table(void)
{
    ok(BM_V_COUNT_ > 100, "the table has the lines of every verdict");
    tc_check_table(&table);
}

static void test_unknown(void)
{
    const bm_vline u = {.code = 0xfffe};
    tc_check_unknown(&table, &fmt, BM_V_SEQ, &u);
}

#define MAX_CAP 800

/* Every code, extreme arguments, every capacity from 0 to MAX_CAP. */
TC_DEFINE_ITEM(item, bm_vline)

static void test_bounds(void)
{
    size_t caps[MAX_CAP + 1];
    const size_t n_caps = MAX_CAP + 1;
    for (size_t cap = 0; cap <= MAX_CAP; cap++)
        caps[cap] = cap;
    static const char *const label[3] = {"no code writes beyond its buffer for caps 0..800, every result terminated",
                                         "every code has its own words", "raw form starts with [name]"};
    bm_vline cases[TC_CASES];
    TC_FILL_CASES(cases, BM_VLINE_ARGS);
    tc_check_bounds(&table, &fmt, item, cases, caps, n_caps, "unknown verdict line", label);
}

static void test_words(void)
{
    char buf[BM_VLINE_TEXT_LEN];
    bm_vline l = {.code = BM_V_RECORD_FAILS, .role = BM_SERVER, .index = 8, .frame = 43, .stream_off = 17915,
                  .arg = {16408, BM_REASON_TAG_MISMATCH, 2}};
    bm_vline_format_raw(&l, buf, sizeof buf);
    is_str(buf, "[record_fails] role=server index=8 frame=43 offset=17915 length=16408 reason=1 expected_seq=2",
           "raw: name, fields, arguments");
#ifndef BM_REWORD_FINDINGS
    bm_vline_format(&l, buf, sizeof buf);
    is_str(buf,
           "server record #8 (frame 43), stream offset 17915, 16408 bytes: tag mismatch under the expected sequence "
           "number 2",
           "the record is named from role, index and frame");
    bm_vline t = {.code = BM_V_NEXT_TWO_POINT, .role = BM_CLIENT};
    bm_vline_format(&t, buf, sizeof buf);
    ok(!strncmp(buf, "capture on the server's and the client's hosts", 46), "two-point capture: role is the receiver");
    /* A long label is cut where the 240-byte verdict lines always cut it. */
    bm_vline s = {.code = BM_V_STALE_FOUND, .role = BM_CLIENT, .arg = {1}};
    memset(s.str, 'k', sizeof s.str - 1);
    size_t n = bm_vline_format(&s, buf, sizeof buf);
    is_int(n, BM_VLINE_TEXT_LEN - 1, "long label: cut at the line length");
#endif
}

int main(void)
{
    test_names_stable();
    test_table();
    test_unknown();
    test_bounds();
    test_words();
    return tap_done();
}
