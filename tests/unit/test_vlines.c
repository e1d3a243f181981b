/* The verdict line table (include/badmac/verdict_lines.h) and its
 * formatters (src/report/verdict_text.c, vtext_*.c): stable unique names,
 * words for every code, no write beyond the buffer for any capacity from
 * 0 to 800 whatever the arguments, unknown codes named. */
#include <stdint.h>
#include <stdlib.h>

#include "../../include/badmac/badmac.h"
#include "tap.h"
#include "table_check.h"

/* Names are a contract (machine readers, reword.t): a rename fails here. */
static void test_names_stable(void)
{
    static const struct {
        unsigned code;
        const char *name;
    } pinned[] = {
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
    for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++)
        is_str(bm_vline_name(pinned[i].code), pinned[i].name, pinned[i].name);
}

static void test_table(void)
{
    static const tc_table t = {bm_vline_name, bm_vline_fields, bm_vline_arg_name, BM_V_COUNT_, BM_VLINE_ARGS + 1};
    ok(BM_V_COUNT_ > 100, "the table has the lines of every verdict");
    tc_check_table(&t);
}

static void test_unknown(void)
{
    char buf[BM_VLINE_TEXT_LEN];
    ok(bm_vline_name(BM_V_INVALID) == NULL, "code 0 has no name");
    ok(bm_vline_name(BM_V_COUNT_) == NULL, "code past the table has no name");
    ok(bm_vline_name(0xffff) == NULL, "code 0xffff has no name");
    is_int(bm_vline_fields(BM_V_COUNT_), 0, "unknown code: no fields");
    ok(bm_vline_arg_name(BM_V_COUNT_, 0) == NULL && bm_vline_arg_name(BM_V_SEQ, BM_VLINE_ARGS + 1) == NULL,
       "unknown code or argument: no argument name");
    bm_vline l = {.code = 0xfffe};
    bm_vline_format(&l, buf, sizeof buf);
    ok(strstr(buf, "65534") != NULL, "unknown code: its number is shown");
    bm_vline_format_raw(&l, buf, sizeof buf);
    is_str(buf, "[unknown code=65534]", "unknown code, raw");
}

#define MAX_CAP 800

static size_t fmt_words(const void *l, char *buf, size_t cap) { return bm_vline_format(l, buf, cap); }
static size_t fmt_raw(const void *l, char *buf, size_t cap) { return bm_vline_format_raw(l, buf, cap); }

/* Every code, extreme arguments, every capacity from 0 to MAX_CAP. */
static void test_bounds(void)
{
    bm_vline v[4];
    memset(v, 0, sizeof v);
    v[1].role = 1;
    v[1].index = v[1].frame = v[1].stream_off = UINT64_MAX;
    for (int i = 0; i < BM_VLINE_ARGS; i++)
        v[1].arg[i] = INT64_MAX;
    memset(v[1].str, 'x', sizeof v[1].str - 1);
    v[2].role = 255;
    for (int i = 0; i < BM_VLINE_ARGS; i++)
        v[2].arg[i] = INT64_MIN;
    memset(v[2].str, '%', sizeof v[2].str); /* not even terminated */
    for (int i = 0; i < BM_VLINE_ARGS; i++)
        v[3].arg[i] = -1;
    memcpy(v[3].str, "%s%n\n\x1b", 7);
    int bounded = 1, english = 1, raw = 1;
    for (unsigned c = 0; c <= BM_V_COUNT_ + 1; c++) {
        for (int k = 0; k < 4; k++) {
            v[k].code = (uint16_t)c;
            for (size_t cap = 0; cap <= MAX_CAP; cap++) {
                if (!tc_check_one(fmt_words, &v[k], cap) || !tc_check_one(fmt_raw, &v[k], cap)) {
                    bounded = 0;
                    printf("#   code %u, case %d, cap %zu\n", c, k, cap);
                }
            }
        }
        if (c == 0 || c >= BM_V_COUNT_)
            continue;
        char buf[BM_VLINE_TEXT_LEN];
        bm_vline_format(&v[0], buf, sizeof buf);
        if (!buf[0] || strstr(buf, "unknown verdict line")) {
            english = 0;
            printf("#   code %u (%s) has no words\n", c, bm_vline_name(c));
        }
        bm_vline_format_raw(&v[0], buf, sizeof buf);
        if (buf[0] != '[' || strncmp(buf + 1, bm_vline_name(c), strlen(bm_vline_name(c))))
            raw = 0;
    }
    ok(bounded, "no code writes beyond its buffer for caps 0..800, every result terminated");
    ok(english, "every code has its own words");
    ok(raw, "raw form starts with [name]");
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
