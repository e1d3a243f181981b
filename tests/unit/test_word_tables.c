/* The two X-macro code tables that report/ words: findings
 * (include/badmac/findings.h, src/report/finding_text.c) and verdict lines
 * (include/badmac/verdict_lines.h, src/report/verdict_text.c, vtext_*.c).
 * Each is checked by the same steps (tables[] below): stable unique names,
 * argument names, fields, unknown codes named, words for every code, and
 * no write beyond the buffer whatever the arguments and capacity. Then a
 * few sentences of each are pinned (test_finding_words, test_vline_words). */
#include <stdint.h>
#include <stdlib.h>

#include "../../include/badmac/badmac.h"
#include "table_check.h"
#include "tap.h"

TC_DEFINE_ITEM(finding_item, bm_finding)
TC_DEFINE_ITEM(vline_item, bm_vline)
static size_t finding_words(const void *f, char *buf, size_t cap) { return bm_finding_format(f, buf, cap); }
static size_t finding_raw(const void *f, char *buf, size_t cap) { return bm_finding_format_raw(f, buf, cap); }
static size_t vline_words(const void *l, char *buf, size_t cap) { return bm_vline_format(l, buf, cap); }
static size_t vline_raw(const void *l, char *buf, size_t cap) { return bm_vline_format_raw(l, buf, cap); }

/* Names are a contract (machine readers, reword.t): a rename fails here. */
static const tc_pin finding_pins[] = {
    {BM_F_MORE, "more_problems"},
    {BM_F_CAPTURE_GAP, "capture_gap"},
    {BM_F_CAPTURE_ENDS_IN_RECORD, "capture_ends_in_record"},
    {BM_F_RECORD_HEADER_IMPOSSIBLE, "record_header_impossible"},
    {BM_F_RECORD_OVER_LIMIT, "record_over_limit"},
    {BM_F_ALERT_INFERRED_FATAL, "alert_inferred_fatal"},
    {BM_F_RECORD_FAILED, "record_failed"},
    {BM_F_RECORDS_LOST_IN_GAP, "records_lost_in_gap"},
    {BM_F_EARLY_DATA_REJECTED, "early_data_rejected"},
    {BM_F_PSK_IDENTITY_UNKNOWN, "psk_identity_unknown"},
    {BM_F_CCS_WITHOUT_RENEG, "encrypted_ccs_without_renegotiation"},
};
static const tc_pin vline_pins[] = {
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

/* One table under test: its accessors and formatters, pinned names, the
 * least number of codes, a known code, the integer arguments an item has,
 * the capacities tried (every one from 0 to max_cap, or the list caps),
 * and how the words of an unknown code start. */
typedef struct word_table {
    const char *what;
    tc_table table;
    tc_fmt fmt;
    struct {
        const tc_pin *v;
        size_t n;
    } pins;
    unsigned min_count, known;
    const void *unknown_item; /* an item of code 0xfffe */
    const void *(*item)(void *cases, int k, unsigned code);
    void *cases; /* TC_CASES items, filled by TC_FILL_CASES */
    const size_t *caps;
    size_t n_caps, max_cap;
    const char *unknown;
} word_table;

static void check_word_table(const word_table *w)
{
    char label[128];
    printf("# %s\n", w->what);
    tc_check_pinned(&w->table, w->pins.v, w->pins.n);
    snprintf(label, sizeof label, "%s: more than %u codes", w->what, w->min_count);
    ok(w->table.count > w->min_count, label);
    tc_check_table(&w->table);
    tc_check_unknown(&w->table, &w->fmt, w->known, w->unknown_item);

    size_t all[TC_MAX_CAP + 1];
    const size_t *caps = w->caps;
    size_t n_caps = w->n_caps;
    if (!caps) {
        for (size_t c = 0; c <= w->max_cap; c++)
            all[c] = c;
        caps = all;
        n_caps = w->max_cap + 1;
    }
    char l0[128], l1[96], l2[96];
    snprintf(l0, sizeof l0, "%s: no code writes beyond its buffer for %zu capacities, every result terminated",
             w->what, n_caps);
    snprintf(l1, sizeof l1, "%s: every code has its own words", w->what);
    snprintf(l2, sizeof l2, "%s: raw form starts with [name]", w->what);
    const char *const labels[3] = {l0, l1, l2};
    tc_check_bounds(&w->table, &w->fmt, w->item, w->cases, caps, n_caps, w->unknown, labels);
}

static void test_finding_words(void)
{
    char buf[BM_FINDING_TEXT_LEN];
    bm_finding f = {.code = BM_F_ALERT_INFERRED_FATAL, .role = BM_CLIENT, .index = 3, .frame = 12,
                    .arg = {BM_FW_PEER_KEPT_SENDING}};
    bm_finding_format_raw(&f, buf, sizeof buf);
    is_str(buf, "[alert_inferred_fatal] role=client index=3 frame=12 reason=1", "finding raw: name, fields, arguments");
#ifndef BM_REWORD_FINDINGS
    bm_finding_format(&f, buf, sizeof buf);
    is_str(buf,
           "fatal alert inferred: encrypted alert from the client (record #3, frame 12): it came right after a record of "
           "the peer, which kept sending records after it",
           "inferred alert: role as a party");
    bm_finding g = {.code = BM_F_CAPTURE_GAP, .role = BM_SERVER, .stream_off = 90, .arg = {20}};
    bm_finding_format(&g, buf, sizeof buf);
    is_str(buf, "20 bytes not captured at stream offset 90 (server->client): records across the gap unreadable",
           "gap: role as a direction");
    bm_finding m = {.code = BM_F_MORE};
    bm_finding_format(&m, buf, sizeof buf);
    is_str(buf, "... more problems", "overflow marker");
    /* A long file name is cut where the 200-byte problem lines cut it. */
    bm_finding r = {.code = BM_F_RSA_DECRYPT_FAILED, .arg = {BM_FM_CLIENT_KEY_EXCHANGE, 0}};
    memset(r.str, 'k', sizeof r.str - 1);
    size_t n = bm_finding_format(&r, buf, sizeof buf);
    is_int(n, BM_FINDING_TEXT_LEN - 1, "long key name: cut at the line length");
    ok(!strncmp(buf, "RSA key kkk", 11), "long key name: the sentence starts as usual");
#endif
}

static void test_vline_words(void)
{
    char buf[BM_VLINE_TEXT_LEN];
    bm_vline l = {.code = BM_V_RECORD_FAILS, .role = BM_SERVER, .index = 8, .frame = 43, .stream_off = 17915,
                  .arg = {16408, BM_REASON_TAG_MISMATCH, 2}};
    bm_vline_format_raw(&l, buf, sizeof buf);
    is_str(buf, "[record_fails] role=server index=8 frame=43 offset=17915 length=16408 reason=1 expected_seq=2",
           "verdict line raw: name, fields, arguments");
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
    /* Findings: a list of capacities around the 200-byte line; verdict
     * lines: every capacity from 0 to 800. */
    static const size_t finding_caps[] = {0, 1, 2, 3, 5, 16, 40, BM_FINDING_TEXT_LEN, BM_FINDING_TEXT_LEN * 4};
    static bm_finding finding_cases[TC_CASES];
    static bm_vline vline_cases[TC_CASES];
    TC_FILL_CASES(finding_cases, 3);
    TC_FILL_CASES(vline_cases, BM_VLINE_ARGS);
    const bm_finding unknown_finding = {.code = 0xfffe};
    const bm_vline unknown_vline = {.code = 0xfffe};
    const word_table tables[] = {
        {"findings", {bm_finding_name, bm_finding_fields, bm_finding_arg_name, BM_F_COUNT_, 4},
         {finding_words, finding_raw, BM_FINDING_TEXT_LEN},
         {finding_pins, sizeof finding_pins / sizeof finding_pins[0]}, 40, BM_F_CAPTURE_GAP, &unknown_finding, finding_item, finding_cases, finding_caps,
         sizeof finding_caps / sizeof finding_caps[0], 0, "unknown finding"},
        {"verdict lines", {bm_vline_name, bm_vline_fields, bm_vline_arg_name, BM_V_COUNT_, BM_VLINE_ARGS + 1},
         {vline_words, vline_raw, BM_VLINE_TEXT_LEN}, {vline_pins, sizeof vline_pins / sizeof vline_pins[0]}, 100,
         BM_V_SEQ, &unknown_vline, vline_item, vline_cases, NULL, 0, 800, "unknown verdict line"},
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        check_word_table(&tables[i]);
    test_finding_words();
    test_vline_words();
    return tap_done();
}
