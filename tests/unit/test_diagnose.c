/*
 * test_diagnose.c - the diagnosis over the real fixtures (run from the top
 * of the tree): the demos' flipped bit is proven in_path_corruption at the
 * truth file's byte/bit/stream offset; demo-c2s (flipped after the capture
 * point) is receiver_fault with a two-point next step; the encrypted
 * certificate_required is a misleading alert; every clean keyed fixture is
 * healthy; without keys the verdict says so.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis_harness.h"
#include "diagnose/diag_int.h"
#include "diagnose/diagnose.h"
#include "proto/proto.h"
#include "tap.h"
#include "util/names.h"

#define FIX "tests/fixtures/"
static long truth_num(const char *name, const char *key)
{
    char json[4096];
    return ah_truth_read(name, json, sizeof json) ? ah_truth_num(json, key) : -1;
}

/* Verdict lines are data: the tests look for codes (and the string
 * argument a line carries), never for words. */
static int has_line(const bm_vline *l, unsigned n, unsigned code)
{
    for (unsigned i = 0; i < n; i++)
        if (l[i].code == code)
            return 1;
    return 0;
}

static int has_role_line(const bm_vline *l, unsigned n, unsigned code, int role)
{
    for (unsigned i = 0; i < n; i++)
        if (l[i].code == code && l[i].role == role)
            return 1;
    return 0;
}

static int has_str(const bm_vline *l, unsigned n, const char *needle)
{
    for (unsigned i = 0; i < n; i++)
        if (strstr(l[i].str, needle))
            return 1;
    return 0;
}

/* The frame that carried the flipped byte and the byte's offset in its
 * TCP payload, read off with tshark (the frame whose tcp.seq..tcp.seq +
 * tcp.len holds the truth's stream_offset + 1):
 *   tshark -r tests/fixtures/demo.pcapng -Y 'tcp.srcport==443 && tcp.len>0'
 *          -T fields -e frame.number -e tcp.seq -e tcp.len
 * Each flipped record spans about twelve segments; the record itself is
 * completed by a later frame. */
static void repair_frame(const char *name, const bm_verdict *v, uint64_t frame, int64_t in_frame)
{
    char msg[200];
    snprintf(msg, sizeof msg, "%s: the repair names the frame that carried the byte, not the record's last", name);
    ok(v->has_repair && v->repair.byte_frame == frame && v->has_record && v->record.frame > frame &&
           v->repair.frame == v->record.frame,
       msg);
    snprintf(msg, sizeof msg, "%s: the byte's offset in that frame's TCP payload", name);
    is_int(v->has_repair ? v->repair.frame_offset : -2, in_frame, msg);
}

static void demo(const char *name, int sender)
{
    char cap[128], keys[128], msg[200];
    snprintf(cap, sizeof cap, FIX "%s.pcapng", name);
    snprintf(keys, sizeof keys, FIX "%s.keys", name);
    ah_run *r = ah_analyse(cap, keys, NULL);
    ok(r->n == 1, name);
    if (r->n != 1)
        return;
    const bm_verdict *v = &r->conns[0].verdict;
    snprintf(msg, sizeof msg, "%s: in_path_corruption, proven", name);
    ok(v->cause == BM_CAUSE_IN_PATH_CORRUPTION && v->confidence == BM_CONF_PROVEN && !v->keyless, msg);
    snprintf(msg, sizeof msg, "%s: a verified repair of the %s's record", name, sender ? "server" : "client");
    ok(v->has_repair && v->repair.direction == sender && !v->repair.in_header, msg);
    snprintf(msg, sizeof msg, "%s: repair at the truth's record index", name);
    is_int(v->repair.index, truth_num(name, "record_index"), msg);
    snprintf(msg, sizeof msg, "%s: repair at the truth's byte", name);
    is_int(v->repair.record_offset, truth_num(name, "byte"), msg);
    snprintf(msg, sizeof msg, "%s: repair of the truth's bit", name);
    is_int(v->repair.bit, truth_num(name, "bit"), msg);
    is_int(v->repair.bits, 1, "one bit flipped");
    snprintf(msg, sizeof msg, "%s: repair at the truth's stream offset", name);
    is_int(v->repair.stream_offset, truth_num(name, "stream_offset"), msg);
    snprintf(msg, sizeof msg, "%s: evidence says the failure is local (later records verify)", name);
    ok(has_line(v->evidence, v->n_evidence, BM_V_FAILURE_LOCAL), msg);
    snprintf(msg, sizeof msg, "%s: exonerates both endpoints' cryptography", name);
    ok(has_line(v->exonerates, v->n_exonerates, BM_V_EX_BOTH_CRYPTO), msg);
    ok(v->has_record && v->record.index == v->repair.index, "the verdict names the record");
    static const struct {
        const char *name;
        uint64_t frame;
        int64_t in_frame;
    } frames[] = {{"demo", 26, 590}, {"demo-tls13", 30, 1005}, {"demo-cbc", 26, 714}};
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        if (!strcmp(name, frames[i].name))
            repair_frame(name, v, frames[i].frame, frames[i].in_frame);
}

static void c2s(void)
{
    ah_run *r = ah_analyse(FIX "demo-c2s.pcapng", FIX "demo-c2s.keys", NULL);
    ok(r->n == 1, "demo-c2s");
    if (r->n != 1)
        return;
    const bm_verdict *v = &r->conns[0].verdict;
    ok(v->cause == BM_CAUSE_RECEIVER_FAULT, "demo-c2s: receiver_fault (the records left this point intact)");
    /* The capture is on the client's side of the flipping proxy: it cannot
     * tell the path from the server, so not more than possible. */
    ok(v->confidence == BM_CONF_POSSIBLE, "demo-c2s: possible (one vantage point, not at the server)");
    ok(has_role_line(v->exonerates, v->n_exonerates, BM_V_EX_SENDER_STACK, BM_CLIENT), "demo-c2s: exonerates the client");
    ok(has_line(v->next_steps, v->n_next_steps, BM_V_NEXT_TWO_POINT), "demo-c2s: next step is a two-point capture");
    ok(v->has_record && v->record.direction == BM_CLIENT && v->record.index == 5,
       "demo-c2s: names client record #5 (the truth's)");
    ok(!v->has_repair, "demo-c2s: no repair claimed");
}

static void misleading(void)
{
    ah_run *r = ah_analyse(FIX "tls13-alert-encrypted.pcap", FIX "tls13-alert-encrypted.keys", NULL);
    ok(r->n == 1, "tls13-alert-encrypted");
    if (r->n != 1)
        return;
    const bm_verdict *v = &r->conns[0].verdict;
    ok(v->cause == BM_CAUSE_MISLEADING_ALERT && v->confidence == BM_CONF_PROVEN,
       "tls13-alert-encrypted: misleading_alert, proven");
    ok(v->summary.code == BM_V_MISLEADING && v->summary.arg[0] == BM_ALERT_CERTIFICATE_REQUIRED,
       "tls13-alert-encrypted: names certificate_required, not a MAC failure");
    r = ah_analyse(FIX "tls13-alert-encrypted.pcap", NULL, NULL);
    v = &r->conns[0].verdict;
    /* The 19-byte record right after the client's last one is an alert,
     * but close_notify and a fatal alert both fit (it is a fatal
     * certificate_required): undetermined, never healthy. (Badmac once
     * took it for close_notify and said healthy.) */
    ok(r->n == 1 && v->cause == BM_CAUSE_UNDETERMINED && v->confidence == BM_CONF_NONE && v->keyless &&
           !r->conns[0].failed,
       "tls13-alert-encrypted keyless: undetermined, not healthy, not failed");
    ok(v->summary.code == BM_V_KEYLESS_ALERT_UNKNOWN && v->summary.role == BM_SERVER &&
           has_line(v->evidence, v->n_evidence, BM_V_ALERT_FITS_CLOSE) &&
           has_line(v->evidence, v->n_evidence, BM_V_ALERT_FITS_FATAL),
       "keyless: the server's alert may be either, and says what fits each");
    ok(has_line(v->next_steps, v->n_next_steps, BM_V_NEXT_KEYLOG), "keyless: says how to export keys");
}

static void keyless_demo(void)
{
    ah_run *r = ah_analyse(FIX "demo.pcapng", NULL, NULL);
    ok(r->n == 1, "demo keyless");
    const bm_verdict *v = &r->conns[0].verdict;
    ok(v->cause == BM_CAUSE_UNDETERMINED && v->keyless && v->has_record && v->record.index == 8 &&
           v->record.direction == BM_SERVER,
       "demo keyless: undetermined, names server record #8");
    /* The client's bad_record_mac is answered by the server's close_notify:
     * the client's alert may be either, the server's is the close. */
    ok(!r->conns[0].failed && r->conns[0].alerts[0].from == BM_CLIENT && r->conns[0].alerts[0].level_unknown &&
           r->conns[0].alerts[1].from == BM_SERVER && r->conns[0].alerts[1].level == BM_ALERT_WARNING,
       "demo keyless: the client's alert unknown, the server's close_notify: no fatal alert from the server");
    ok(has_line(v->next_steps, v->n_next_steps, BM_V_NEXT_KEYLOG_EMBEDDED) &&
           has_line(v->next_steps, v->n_next_steps, BM_V_NEXT_RSA_KEY),
       "demo keyless: next steps for embedded stacks and RSA");
}

static void bad_checksum(void)
{
    ah_run *r = ah_analyse(FIX "tcp-bad-checksum.pcap", FIX "tcp-bad-checksum.keys", NULL);
    ok(r->n == 1, "tcp-bad-checksum");
    const bm_verdict *v = &r->conns[0].verdict;
    /* The damaged copy failed TCP's checksum: the receiver dropped it and
     * used the retransmission, as the capture stage does. */
    ok(v->cause == BM_CAUSE_HEALTHY && v->confidence == BM_CONF_PROVEN, "tcp-bad-checksum: healthy");
    ok(has_line(v->evidence, v->n_evidence, BM_V_BAD_CHECKSUMS_IGNORED), "tcp-bad-checksum: says why");
}

static void clean_fixtures(void)
{
    static const char *const skip[] = {"demo", "demo-tls13", "demo-cbc", "demo-c2s", "tls12-alert-unknown-ca",
                                       "tls13-alert-clear", "tls13-alert-encrypted", "snaplen-200",
                                       "merged-oversized", NULL};
    FILE *f = ah_testlist();
    if (!f)
        return;
    unsigned n = 0;
    ah_fixture x;
    while (ah_next_keyed(f, skip, &x)) {
        const char *name = x.name;
        char msg[300];
        ah_run *r = ah_analyse(x.cap, x.keys, NULL);
        for (unsigned i = 0; i < r->n; i++) {
            const bm_verdict *v = &r->conns[i].verdict;
            snprintf(msg, sizeof msg, "%s #%u: healthy, proven (got %s)", name, i + 1, bm_cause_name(v->cause));
            ok(v->cause == BM_CAUSE_HEALTHY && v->confidence == BM_CONF_PROVEN && v->n_evidence > 0, msg);
        }
        n++;
    }
    fclose(f);
    ok(n >= 25, "at least 25 clean keyed fixtures healthy");
    ah_run *r = ah_analyse(FIX "tls12-aes-gcm.pcap", NULL, NULL);
    /* The server's close_notify followed its own data: close_notify. The
     * client's answer came after the server's data, which a client may
     * have rejected (mbedTLS clients send bad_record_mac in just that
     * place): without keys, undetermined, not failed, never proven. */
    ok(r->n == 1 && r->conns[0].verdict.cause == BM_CAUSE_UNDETERMINED && r->conns[0].verdict.keyless &&
           r->conns[0].verdict.confidence == BM_CONF_NONE && !r->conns[0].failed &&
           r->conns[0].verdict.summary.code == BM_V_KEYLESS_ALERT_UNKNOWN,
       "clean capture without keys: the answering alert's level unknown: undetermined, not failed");
    ok(r->n == 1 && r->conns[0].alerts[0].from == BM_SERVER && r->conns[0].alerts[0].level == BM_ALERT_WARNING,
       "clean capture without keys: the server's close_notify after its data stays close_notify");
}

/* A key log holding LINES for tls12-rsa-kx's client random (a wrong master
 * secret, then the key log's own line when 'right'), into path. */
static void key_file(char *path, bool right)
{
    char line[512], cr[65] = "";
    FILE *in = fopen(FIX "tls12-rsa-kx.keys", "r");
    while (in && fgets(line, sizeof line, in))
        if (sscanf(line, "CLIENT_RANDOM %64s", cr) == 1)
            break;
    int fd = mkstemp(path);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (out) {
        fprintf(out, "CLIENT_RANDOM %s ", cr);
        for (int i = 0; i < 48; i++)
            fputs("11", out);
        fprintf(out, "\n%s", right ? line : "");
        fclose(out);
    }
    if (in)
        fclose(in);
}

/* A full handshake whose Finished fails under the key log's master secret:
 * the other line for the client random, the RSA premaster with and
 * without extended_master_secret are tried before anything is concluded. */
static void alternatives(void)
{
    char wrong[] = "/tmp/bm_test_diag_XXXXXX", two[] = "/tmp/bm_test_diag_XXXXXX";
    key_file(wrong, false);
    key_file(two, true);
    ah_run *r = ah_analyse(FIX "tls12-rsa-kx.pcap", wrong, FIX "pki/server.key");
    const bm_verdict *v = &r->conns[0].verdict;
    ok(r->n == 1 && v->summary.code == BM_V_NOT_THIS_SESSION &&
           strstr(v->summary.str, "the premaster from the RSA key") &&
           has_str(v->evidence, v->n_evidence, "computed with extended_master_secret"),
       "wrong key log line + RSA key: the RSA premaster's master secret (with EMS) opens the Finished");
    r = ah_analyse(FIX "tls12-rsa-kx.pcap", wrong, NULL);
    v = &r->conns[0].verdict;
    ok(r->n == 1 && v->summary.code == BM_V_ANOTHER_CONNECTION,
       "wrong key log line alone: nothing else to try, another connection's keys");
    r = ah_analyse(FIX "tls12-rsa-kx.pcap", two, NULL);
    v = &r->conns[0].verdict;
    ok(r->n == 1 && v->summary.code == BM_V_NOT_THIS_SESSION &&
           strstr(v->summary.str, "another master secret logged for this client random") && strstr(v->summary.str, "line 2"),
       "two lines for one client random, the first wrong: the second opens the Finished");
    unlink(wrong);
    unlink(two);
}

int main(void)
{
    if (access(FIX "demo.pcapng", R_OK) != 0) {
        printf("1..0 # SKIP run from the top of the tree\n");
        return 0;
    }
    demo("demo", BM_SERVER);
    demo("demo-tls13", BM_SERVER);
    demo("demo-cbc", BM_SERVER);
    c2s();
    misleading();
    keyless_demo();
    bad_checksum();
    clean_fixtures();
    alternatives();
    is_str(bm_cause_name(BM_CAUSE_MAC_CONSTRUCTION_MISMATCH), "mac_construction_mismatch", "stable cause names");
    is_str(bm_confidence_name(BM_CONF_LIKELY), "likely", "stable confidence names");
    int named = 0;
    for (int k = BM_CAUSE_HEALTHY; k <= BM_CAUSE_UNDETERMINED; k++)
        named += bm_cause_name((bm_cause)k) != NULL;
    ok(named == BM_CAUSE_UNDETERMINED && !bm_cause_name(BM_CAUSE_NONE) &&
           !bm_cause_name((bm_cause)(BM_CAUSE_UNDETERMINED + 1)),
       "every cause has a name, none past the list");
    size_t nh = 0;
    const bm_dg_hyp *h = bm_dg_hypotheses(&nh);
    char order[160] = "";
    bool sound = nh > 0;
    for (size_t i = 0; i < nh; i++) {
        snprintf(order + strlen(order), sizeof order - strlen(order), "%s%s", i ? " " : "", h[i].name);
        sound = sound && h[i].test && bm_cause_name(h[i].cause);
    }
    is_str(order, "epoch seq stateful keys mac locate foreign finished too_large", "hypotheses in table order");
    ok(sound, "every row has a tester and a named cause");
    is_str(bm_reason_name(BM_REASON_TAG_MISMATCH, BM_NAME_JSON), "tag_mismatch", "reason: JSON name");
    is_str(bm_reason_name(BM_REASON_TAG_MISMATCH, BM_NAME_TEXT), "tag mismatch", "reason: text, same row");
    is_str(bm_reason_name(BM_REASON_NO_CONTENT_TYPE, BM_NAME_WORDING), "no content type", "reason: diagnosis wording");
    ok(!bm_reason_name(BM_REASON_NONE, BM_NAME_TEXT) &&
           !bm_reason_name((bm_rec_reason)(BM_REASON_OVERSIZED + 1), BM_NAME_JSON),
       "no name for none or past the list");
    return tap_done();
}
