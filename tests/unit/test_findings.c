/* The finding table (include/badmac/findings.h) and its formatters
 * (src/report/finding_text.c): stable unique names, a sentence per code,
 * no write beyond the buffer whatever the arguments, unknown codes named. */
#include <stdint.h>
#include <stdlib.h>

#include "../../include/badmac/badmac.h"
#include "tap.h"
#include "table_check.h"

static const tc_table table = {bm_finding_name, bm_finding_fields, bm_finding_arg_name, BM_F_COUNT_, 4};
static size_t fmt_words(const void *f, char *buf, size_t cap) { return bm_finding_format(f, buf, cap); }
static size_t fmt_raw(const void *f, char *buf, size_t cap) { return bm_finding_format_raw(f, buf, cap); }
static const tc_fmt fmt = {fmt_words, fmt_raw, BM_FINDING_TEXT_LEN};

/* Names are a contract (machine readers, reword.t): a rename fails here. */
static void test_names_stable(void)
{
    static const tc_pin pinned[] = {
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
    tc_check_pinned(&table, pinned, sizeof pinned / sizeof pinned[0]);
}

static void test_table(void)
{
    ok(BM_F_COUNT_ > 40, "the table has the codes of both stages");
    tc_check_table(&table);
}

static void test_unknown(void)
{
    const bm_finding u = {.code = 0xfffe};
    tc_check_unknown(&table, &fmt, BM_F_CAPTURE_GAP, &u);
}

/* Every code, extreme arguments, every small capacity: the formatter
 * writes at most cap bytes, NUL-terminates, and returns strlen. */

TC_DEFINE_ITEM(item, bm_finding)

static void test_bounds(void)
{
    static const size_t caps[] = {0, 1, 2, 3, 5, 16, 40, BM_FINDING_TEXT_LEN, BM_FINDING_TEXT_LEN * 4};
    const size_t n_caps = sizeof caps / sizeof caps[0];
    static const char *const label[3] = {"no code writes beyond its buffer, every result terminated",
                                         "every code has its own sentence", "raw form starts with [name]"};
    bm_finding cases[TC_CASES];
    TC_FILL_CASES(cases, 3);
    tc_check_bounds(&table, &fmt, item, cases, caps, n_caps, "unknown finding", label);
}

static void test_words(void)
{
    char buf[BM_FINDING_TEXT_LEN];
    bm_finding f = {.code = BM_F_ALERT_INFERRED_FATAL, .role = BM_CLIENT, .index = 3, .frame = 12,
                    .arg = {BM_FW_PEER_KEPT_SENDING}};
    bm_finding_format_raw(&f, buf, sizeof buf);
    is_str(buf, "[alert_inferred_fatal] role=client index=3 frame=12 reason=1", "raw: name, fields, arguments");
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

int main(void)
{
    test_names_stable();
    test_table();
    test_unknown();
    test_bounds();
    test_words();
    return tap_done();
}
