/*
 * test_diagnose.c - the diagnosis over the real fixtures (run from the top
 * of the tree): the demos' flipped bit is proven in_path_corruption at the
 * truth file's byte/bit/stream offset; demo-c2s (flipped after the capture
 * point) is receiver_fault with a two-point next step; the encrypted
 * certificate_required is a misleading alert; every clean keyed fixture is
 * healthy; without keys the verdict says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../include/badmac/badmac.h"
#include "diagnose/diagnose.h"
#include "tap.h"

#define FIX "tests/fixtures/"
#define MAX_CONNS 4

typedef struct run {
    unsigned n;
    bm_conn conns[MAX_CONNS];
} run;

static void on_conn(void *ud, const bm_conn *c)
{
    run *r = ud;
    if (r->n < MAX_CONNS)
        r->conns[r->n++] = *c;
}

static void on_diag(void *ud, const char *line)
{
    (void)ud;
    printf("# diag: %s\n", line);
}

static run *analyse(const char *cap, const char *keylog)
{
    static run r;
    memset(&r, 0, sizeof r);
    bm_analysis_opts o = {.on_conn = on_conn, .on_diag = on_diag, .ud = &r};
    if (keylog) {
        o.keylogs = &keylog;
        o.n_keylogs = 1;
    }
    bm_analysis *a = bm_analysis_new(&o);
    if (!a)
        return &r;
    (void)bm_analysis_add_capture(a, cap);
    bm_analysis_finish(a, NULL);
    bm_analysis_free(a);
    return &r;
}

static long truth_num(const char *name, const char *key)
{
    char path[256], buf[4096], pat[64];
    snprintf(path, sizeof path, FIX "%s.truth.json", name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(buf, pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

static int has_line(const char (*l)[BM_VERDICT_LINE], unsigned n, const char *needle)
{
    for (unsigned i = 0; i < n; i++)
        if (strstr(l[i], needle))
            return 1;
    return 0;
}

static void demo(const char *name, int sender)
{
    char cap[128], keys[128], msg[200];
    snprintf(cap, sizeof cap, FIX "%s.pcapng", name);
    snprintf(keys, sizeof keys, FIX "%s.keys", name);
    run *r = analyse(cap, keys);
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
    ok(has_line(v->evidence, v->n_evidence, "failure is local to this record"), msg);
    snprintf(msg, sizeof msg, "%s: exonerates both endpoints' cryptography", name);
    ok(has_line(v->exonerates, v->n_exonerates, "both endpoints' cryptography"), msg);
    ok(v->has_record && v->record.index == v->repair.index, "the verdict names the record");
}

static void c2s(void)
{
    run *r = analyse(FIX "demo-c2s.pcapng", FIX "demo-c2s.keys");
    ok(r->n == 1, "demo-c2s");
    if (r->n != 1)
        return;
    const bm_verdict *v = &r->conns[0].verdict;
    ok(v->cause == BM_CAUSE_RECEIVER_FAULT, "demo-c2s: receiver_fault (the records left this point intact)");
    /* The capture is on the client's side of the flipping proxy: it cannot
     * tell the path from the server, so not more than possible. */
    ok(v->confidence == BM_CONF_POSSIBLE, "demo-c2s: possible (one vantage point, not at the server)");
    ok(has_line(v->exonerates, v->n_exonerates, "client's TLS stack"), "demo-c2s: exonerates the client");
    ok(has_line(v->next_steps, v->n_next_steps, "badmac compare"), "demo-c2s: next step is a two-point capture");
    ok(v->has_record && v->record.direction == BM_CLIENT && v->record.index == 5,
       "demo-c2s: names client record #5 (the truth's)");
    ok(!v->has_repair, "demo-c2s: no repair claimed");
}

static void misleading(void)
{
    run *r = analyse(FIX "tls13-alert-encrypted.pcap", FIX "tls13-alert-encrypted.keys");
    ok(r->n == 1, "tls13-alert-encrypted");
    if (r->n != 1)
        return;
    const bm_verdict *v = &r->conns[0].verdict;
    ok(v->cause == BM_CAUSE_MISLEADING_ALERT && v->confidence == BM_CONF_PROVEN,
       "tls13-alert-encrypted: misleading_alert, proven");
    ok(strstr(v->summary, "certificate_required") && strstr(v->summary, "not a MAC failure"),
       "tls13-alert-encrypted: names certificate_required, not a MAC failure");
    r = analyse(FIX "tls13-alert-encrypted.pcap", NULL);
    v = &r->conns[0].verdict;
    /* The TLS stage infers the 19-byte alert to be close_notify: without
     * keys, healthy is no more than possible, and says why. */
    ok(r->n == 1 && v->cause == BM_CAUSE_HEALTHY && v->confidence == BM_CONF_POSSIBLE && v->keyless,
       "tls13-alert-encrypted keyless: only possibly healthy (alert inferred), keyless");
    ok(has_line(v->evidence, v->n_evidence, "only inferred"), "keyless: says the alert was only inferred");
    ok(has_line(v->next_steps, v->n_next_steps, "SSLKEYLOGFILE"), "keyless: says how to export keys");
}

static void keyless_demo(void)
{
    run *r = analyse(FIX "demo.pcapng", NULL);
    ok(r->n == 1, "demo keyless");
    const bm_verdict *v = &r->conns[0].verdict;
    ok(v->cause == BM_CAUSE_UNDETERMINED && v->keyless && v->has_record && v->record.index == 8,
       "demo keyless: undetermined, names server record #8");
    ok(has_line(v->next_steps, v->n_next_steps, "mbedtls_ssl_conf_export_keys_ext_cb") &&
           has_line(v->next_steps, v->n_next_steps, "--rsa-key"),
       "demo keyless: next steps for embedded stacks and RSA");
}

static void bad_checksum(void)
{
    run *r = analyse(FIX "tcp-bad-checksum.pcap", FIX "tcp-bad-checksum.keys");
    ok(r->n == 1, "tcp-bad-checksum");
    const bm_verdict *v = &r->conns[0].verdict;
    /* The damaged copy failed TCP's checksum: the receiver dropped it and
     * used the retransmission, as the capture stage does. */
    ok(v->cause == BM_CAUSE_HEALTHY && v->confidence == BM_CONF_PROVEN, "tcp-bad-checksum: healthy");
    ok(has_line(v->evidence, v->n_evidence, "bad TCP checksum ignored"), "tcp-bad-checksum: says why");
}

static void clean_fixtures(void)
{
    static const char *const skip[] = {"demo", "demo-tls13", "demo-cbc", "demo-c2s", "tls12-alert-unknown-ca",
                                       "tls13-alert-clear", "tls13-alert-encrypted", "snaplen-200", NULL};
    FILE *f = fopen(FIX "TESTLIST", "r");
    ok(f != NULL, "TESTLIST readable");
    if (!f)
        return;
    char line[1024];
    unsigned n = 0;
    while (fgets(line, sizeof line, f)) {
        char name[128], cap[256], keys[256], path[300], kpath[300], msg[300];
        if (line[0] == '#' || sscanf(line, "%127s %255s %255s", name, cap, keys) != 3 || !strcmp(keys, "-"))
            continue;
        int sk = 0;
        for (int i = 0; skip[i]; i++)
            sk |= !strcmp(name, skip[i]);
        snprintf(path, sizeof path, FIX "%s", cap);
        snprintf(kpath, sizeof kpath, FIX "%s", keys);
        if (sk || access(path, R_OK) != 0)
            continue;
        run *r = analyse(path, kpath);
        for (unsigned i = 0; i < r->n; i++) {
            const bm_verdict *v = &r->conns[i].verdict;
            snprintf(msg, sizeof msg, "%s #%u: healthy, proven (got %s)", name, i + 1, bm_cause_name(v->cause));
            ok(v->cause == BM_CAUSE_HEALTHY && v->confidence == BM_CONF_PROVEN && v->n_evidence > 0, msg);
        }
        n++;
    }
    fclose(f);
    ok(n >= 25, "at least 25 clean keyed fixtures healthy");
    run *r = analyse(FIX "tls12-aes-gcm.pcap", NULL);
    ok(r->n == 1 && r->conns[0].verdict.cause == BM_CAUSE_HEALTHY && r->conns[0].verdict.keyless &&
           r->conns[0].verdict.confidence != BM_CONF_PROVEN && strstr(r->conns[0].verdict.summary, "no keys"),
       "clean capture without keys: healthy, keyless, not proven");
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
    is_str(bm_cause_name(BM_CAUSE_MAC_CONSTRUCTION_MISMATCH), "mac_construction_mismatch", "stable cause names");
    is_str(bm_confidence_name(BM_CONF_LIKELY), "likely", "stable confidence names");
    return tap_done();
}
