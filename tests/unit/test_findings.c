/* The finding table (include/badmac/findings.h) and its formatters
 * (src/report/finding_text.c): stable unique names, a sentence per code,
 * no write beyond the buffer whatever the arguments, unknown codes named. */
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
    for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++)
        is_str(bm_finding_name(pinned[i].code), pinned[i].name, pinned[i].name);
}

static void test_table(void)
{
    static const tc_table t = {bm_finding_name, bm_finding_fields, bm_finding_arg_name, BM_F_COUNT_, 4};
    ok(BM_F_COUNT_ > 40, "the table has the codes of both stages");
    tc_check_table(&t);
}

static void test_unknown(void)
{
    char buf[BM_FINDING_TEXT_LEN];
    ok(bm_finding_name(BM_F_INVALID) == NULL, "code 0 has no name");
    ok(bm_finding_name(BM_F_COUNT_) == NULL, "code past the table has no name");
    ok(bm_finding_name(0xffff) == NULL, "code 0xffff has no name");
    is_int(bm_finding_fields(BM_F_COUNT_), 0, "unknown code: no fields");
    ok(bm_finding_arg_name(BM_F_COUNT_, 0) == NULL && bm_finding_arg_name(BM_F_CAPTURE_GAP, 4) == NULL,
       "unknown code or argument: no argument name");
    bm_finding f = {.code = 0xfffe};
    bm_finding_format(&f, buf, sizeof buf);
    ok(strstr(buf, "65534") != NULL, "unknown code: its number is shown");
    bm_finding_format_raw(&f, buf, sizeof buf);
    is_str(buf, "[unknown code=65534]", "unknown code, raw");
}

/* Every code, extreme arguments, every small capacity: the formatter
 * writes at most cap bytes, NUL-terminates, and returns strlen. */
static size_t fmt_words(const void *f, char *buf, size_t cap) { return bm_finding_format(f, buf, cap); }
static size_t fmt_raw(const void *f, char *buf, size_t cap) { return bm_finding_format_raw(f, buf, cap); }

static void test_bounds(void)
{
    static const size_t caps[] = {0, 1, 2, 3, 5, 16, 40, BM_FINDING_TEXT_LEN, BM_FINDING_TEXT_LEN * 4};
    bm_finding v[4];
    memset(v, 0, sizeof v);
    v[1].role = 1;
    v[1].index = v[1].frame = v[1].stream_off = UINT64_MAX;
    for (int i = 0; i < 3; i++)
        v[1].arg[i] = INT64_MAX;
    memset(v[1].str, 'x', sizeof v[1].str - 1);
    v[2].role = 255;
    for (int i = 0; i < 3; i++)
        v[2].arg[i] = INT64_MIN;
    memset(v[2].str, '%', sizeof v[2].str); /* not even terminated */
    v[3].arg[0] = v[3].arg[1] = v[3].arg[2] = -1;
    memcpy(v[3].str, "%s%n\n\x1b", 7);
    int bounded = 1, english = 1, raw = 1;
    for (unsigned c = 0; c <= BM_F_COUNT_ + 1; c++) {
        for (int k = 0; k < 4; k++) {
            v[k].code = (uint16_t)c;
            for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
                if (!tc_check_one(fmt_words, &v[k], caps[i]) || !tc_check_one(fmt_raw, &v[k], caps[i])) {
                    bounded = 0;
                    printf("#   code %u, case %d, cap %zu\n", c, k, caps[i]);
                }
            }
        }
        if (c == 0 || c >= BM_F_COUNT_)
            continue;
        char buf[BM_FINDING_TEXT_LEN];
        bm_finding_format(&v[0], buf, sizeof buf);
        if (!buf[0] || strstr(buf, "unknown finding")) {
            english = 0;
            printf("#   code %u (%s) has no sentence\n", c, bm_finding_name(c));
        }
        bm_finding_format_raw(&v[0], buf, sizeof buf);
        if (buf[0] != '[' || strncmp(buf + 1, bm_finding_name(c), strlen(bm_finding_name(c))))
            raw = 0;
    }
    ok(bounded, "no code writes beyond its buffer, every result terminated");
    ok(english, "every code has its own sentence");
    ok(raw, "raw form starts with [name]");
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
