/*
 * compare_main.c - `badmac compare`: two captures of the same traffic from
 * two vantage points, or one capture and the certificate it should show.
 *
 * Exit status: 0 nothing wrong between the points (identical or only
 * resegmented; expected certificates); 1 corruption, loss, divergence,
 * interception or an unexpected certificate; 2 usage error or unreadable /
 * malformed input (2 wins).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "compare_out.h"
#include "ends.h"
#include "split.h"

typedef struct cmp_cli {
    int json;
    uint64_t npairs;
    uint64_t bad;     /* pairs with a verdict worth exit status 1, certificate mismatches */
    const bm_cmp_ends *ends; /* single-capture verdicts (--keylog, --diagnose), or NULL */
    bool keylog;      /* --keylog given: TLS 1.3 certificates decrypted for --expect-cert */
} cmp_cli;

/* The split interfaces of one pcapng (--split-interfaces). */
typedef struct cmp_split {
    char path[2][4096 + 32];  /* temporary files */
    char name[2][4096 + 32];  /* as reported */
    bool made[2];
} cmp_split;

static void usage(FILE *f)
{
    fputs("usage: badmac compare [--json] [--client-side a|b] [--window BYTES] [--expect-cert SHA256]\n"
          "                      [--keylog FILE]... [--diagnose] A B\n"
          "       badmac compare [options] --split-interfaces FILE.pcapng\n"
          "       badmac compare --expect-cert SHA256 [--keylog FILE]... [--json] CAPTURE\n"
          "\n"
          "A and B are captures of the same traffic taken at two points of the path (e.g. next to\n"
          "the client and next to the server). Connections are paired (ClientHello random, else\n"
          "the first payload bytes, else time + SNI + server port: interception), both\n"
          "directions compared byte by byte, and each pair gets a verdict: identical,\n"
          "resegmented, lost_between, diverged, in_path_corruption or interception.\n"
          "No keys are needed. Addresses may differ (NAT).\n"
          "\n"
          "  --json             JSON Lines (docs/compare.md)\n"
          "  --client-side a|b  which capture is nearer the client (default: from the timing)\n"
          "  --window BYTES     bytes held per direction while one capture is ahead (default 8M);\n"
          "                     beyond it the streams are declared diverged\n"
          "  --expect-cert SHA256  the SHA-256 of the server's real certificate: every connection\n"
          "                     showing another one is flagged, naming its issuer (TLS <= 1.2: in\n"
          "                     the clear; TLS 1.3: encrypted, checked only when --keylog decrypts it)\n"
          "  --keylog FILE      with --expect-cert: decrypts TLS 1.3 certificates for the check.\n"
          "                     With A and B, also diagnose each capture alone with these keys (as\n"
          "                     badmac --keylog) and combine: where the fault is (between the\n"
          "                     points, at the receiver, at an endpoint, before the sender's\n"
          "                     point); repeatable. For an interception give both legs' keys:\n"
          "                     each leg is analysed with its own, TLS 1.3 certificates decrypted\n"
          "                     (the interceptor's issuer named) and the failing leg said\n"
          "  --diagnose         the same without keys (two captures only)\n"
          "  --split-interfaces FILE  compare interface 0 (a) with interface 1 (b) of one pcapng,\n"
          "                     e.g. the two legs `badmac relay --pcap` writes\n"
          "\n"
          "Exit status: 0 nothing wrong, 1 a difference/interception/unexpected certificate,\n"
          "2 usage or input error. A certificate that cannot be seen (\"cannot tell\") does not\n"
          "change it.\n",
          f);
}

static void on_diag(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "badmac: %s\n", line);
}

static void on_pair(void *ud, const bm_cmp_result *r)
{
    cmp_cli *k = ud;
    k->npairs++;
    if (r->verdict != BM_V_IDENTICAL && r->verdict != BM_V_RESEGMENTED)
        k->bad++;
    bm_cmp_conclusion cc;
    if (k->ends)
        bm_cmp_conclude(k->ends, r, &cc);
    if (k->json)
        bm_cmp_json_pair(stdout, r, k->ends ? &cc : NULL);
    else
        bm_cmp_text_pair(stdout, r, k->npairs, k->ends ? &cc : NULL);
}

static void on_unpaired(void *ud, int cap, const bm_cmp_fp *f, const char *capture)
{
    cmp_cli *k = ud;
    if (k->json)
        bm_cmp_json_unpaired(stdout, cap, f, capture);
    else
        bm_cmp_text_unpaired(stdout, cap, f, capture);
}

/* 64 hex digits, colons allowed (openssl x509 -fingerprint prints them). */
static int parse_sha256(const char *s, uint8_t out[32], char hex[65])
{
    size_t n = 0;
    for (; *s; s++) {
        if (*s == ':')
            continue;
        if (!isxdigit((unsigned char)*s) || n >= 64)
            return -1;
        hex[n++] = (char)tolower((unsigned char)*s);
    }
    hex[n] = '\0';
    if (n != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return -1;
    if (*end == 'k' || *end == 'K')
        v <<= 10, end++;
    else if (*end == 'm' || *end == 'M')
        v <<= 20, end++;
    else if (*end == 'g' || *end == 'G')
        v <<= 30, end++;
    if (*end || v < 1024 || v > (1ull << 34))
        return -1;
    *out = (size_t)v;
    return 0;
}

static void check_certs(cmp_cli *k, const bm_cmp *c, int cap, const char *capture, const uint8_t want[32],
                        const char *hex)
{
    size_t n;
    const bm_cmp_fp *fps = bm_cmp_fps(c, cap, &n);
    for (size_t i = 0; i < n; i++) {
        const bm_cmp_fp *f = &fps[i];
        if (!f->used || !f->tls || !f->server_hello)
            continue;
        bm_cmp_certcheck ck = {.fp = f, .capture = capture, .expected_hex = hex};
        /* TLS 1.3: the certificate the key-log analysis decrypted (--keylog) */
        bm_cmp_certcheck_fill(&ck, bm_cmp_ends_find(k->ends, cap, f), k->keylog, want);
        if (ck.match == 0)
            k->bad++;
        if (k->json)
            bm_cmp_json_cert(stdout, &ck);
        else
            bm_cmp_text_cert(stdout, &ck);
    }
}

static void split_cleanup(cmp_split *sp)
{
    for (int i = 0; i < 2; i++)
        if (sp->made[i])
            unlink(sp->path[i]);
}

/* Interfaces 0 and 1 of 'file' into two temporary captures. */
static int split_file(cmp_split *sp, const char *file)
{
    FILE *in = fopen(file, "rb");
    if (!in) {
        fprintf(stderr, "badmac compare: %s: cannot open\n", file);
        return -1;
    }
    const char *dir = getenv("TMPDIR");
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        snprintf(sp->path[i], sizeof sp->path[i], "%s/badmac-split-XXXXXX", dir && *dir ? dir : "/tmp");
        snprintf(sp->name[i], sizeof sp->name[i], "%s (interface %d)", file, i);
        int fd = mkstemp(sp->path[i]);
        FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (!out) {
            if (fd >= 0)
                close(fd);
            fprintf(stderr, "badmac compare: cannot create a temporary file in %s\n", dir && *dir ? dir : "/tmp");
            rc = -1;
            break;
        }
        sp->made[i] = true;
        char err[160];
        rewind(in);
        if (bm_cmp_split_pcapng(in, (unsigned)i, out, err, sizeof err)) {
            fprintf(stderr, "badmac compare: %s: %s\n", file, err);
            rc = -1;
        }
        if (fclose(out) && rc == 0) {
            fprintf(stderr, "badmac compare: cannot write %s\n", sp->path[i]);
            rc = -1;
        }
    }
    fclose(in);
    return rc;
}

static int compare_run(cmp_cli *k, bm_cmp_opts *o, int nfiles, const char *const files[2],
                       const char *const names[2], int expect, const uint8_t want[32], const char *want_hex);

int bm_compare_main(int argc, char **argv)
{
    cmp_cli k = {0};
    bm_cmp_opts o;
    bm_cmp_opts_default(&o);
    const char *files[2] = {NULL, NULL};
    int nfiles = 0;
    uint8_t want[32];
    char want_hex[65] = "";
    int expect = 0, diagnose = 0;
    const char *keylogs[BM_CMP_ENDS_KEYS];
    unsigned nkeys = 0;
    const char *split = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            k.json = 1;
        } else if (!strcmp(a, "--client-side") && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "a") && strcmp(v, "b")) {
                fprintf(stderr, "badmac compare: --client-side takes a or b\n");
                return 2;
            }
            o.client_side = v[0] == 'a' ? BM_CAP_A : BM_CAP_B;
        } else if (!strcmp(a, "--window") && i + 1 < argc) {
            if (parse_size(argv[++i], &o.window)) {
                fprintf(stderr, "badmac compare: --window takes a size from 1K to 16G\n");
                return 2;
            }
        } else if (!strcmp(a, "--expect-cert") && i + 1 < argc) {
            if (parse_sha256(argv[++i], want, want_hex)) {
                fprintf(stderr, "badmac compare: --expect-cert takes a SHA-256 fingerprint (64 hex digits)\n");
                return 2;
            }
            expect = 1;
        } else if (!strcmp(a, "--keylog") && i + 1 < argc) {
            if (nkeys == BM_CMP_ENDS_KEYS) {
                fprintf(stderr, "badmac compare: at most %d --keylog files\n", BM_CMP_ENDS_KEYS);
                return 2;
            }
            keylogs[nkeys++] = argv[++i];
        } else if (!strcmp(a, "--diagnose")) {
            diagnose = 1;
        } else if (!strcmp(a, "--split-interfaces") && i + 1 < argc) {
            split = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "badmac compare: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else if (nfiles < 2) {
            files[nfiles++] = a;
        } else {
            fprintf(stderr, "badmac compare: at most two captures\n");
            return 2;
        }
    }
    if (split ? nfiles != 0 : (nfiles == 0 || (nfiles == 1 && !expect))) {
        if (split)
            fprintf(stderr, "badmac compare: --split-interfaces takes the place of A and B\n");
        usage(stderr);
        return 2;
    }
    cmp_split sp;
    memset(&sp, 0, sizeof sp);
    const char *names[2] = {files[0], files[1]};
    if (split) {
        if (split_file(&sp, split)) {
            split_cleanup(&sp);
            return 2;
        }
        nfiles = 2;
        files[0] = sp.path[0], files[1] = sp.path[1];
        names[0] = sp.name[0], names[1] = sp.name[1];
    }
    bm_cmp_ends *ends = NULL;
    int rc = 0;
    if (nfiles == 1 && diagnose)
        fprintf(stderr, "badmac compare: --diagnose needs two captures; ignored\n");
    k.keylog = nkeys > 0;
    if (nkeys || (diagnose && nfiles == 2)) {
        ends = bm_cmp_ends_new(keylogs, nkeys);
        if (!ends) {
            fprintf(stderr, "badmac compare: out of memory\n");
            rc = 2;
        }
        for (int i = 0; i < nfiles && rc == 0; i++)
            (void)bm_cmp_ends_scan(ends, i, files[i]); /* unreadable: the comparison's pass 1 says so */
        if (rc == 0 && bm_cmp_ends_key_errors(ends))
            rc = 2;
        k.ends = ends;
    }
    if (rc == 0)
        rc = compare_run(&k, &o, nfiles, files, names, expect, want, want_hex);
    bm_cmp_ends_free(ends);
    split_cleanup(&sp);
    return rc;
}

static int compare_run(cmp_cli *k, bm_cmp_opts *o, int nfiles, const char *const files[2],
                       const char *const names[2], int expect, const uint8_t want[32], const char *want_hex)
{
    o->on_pair = on_pair;
    o->on_unpaired = nfiles == 2 ? on_unpaired : NULL;
    o->ud = k;
    bm_cmp *c = bm_cmp_new(o);
    if (!c) {
        fprintf(stderr, "badmac compare: out of memory\n");
        return 2;
    }
    bm_diag diag = {.emit = on_diag};
    int rc;
    bm_cmp_set_capture(c, BM_CAP_A, names[0]);
    if (nfiles == 2) {
        bm_cmp_set_capture(c, BM_CAP_B, names[1]);
        rc = bm_cmp_run_paths(c, files[0], files[1], &diag);
    } else {
        rc = bm_cmp_scan_file(c, BM_CAP_A, files[0], &diag);
    }
    bm_cmp_totals t;
    if (rc == 0) {
        for (int cap = 0; expect && cap < nfiles; cap++)
            check_certs(k, c, cap, names[cap], want, want_hex);
        bm_cmp_finish(c, &t);
        if (k->json)
            bm_cmp_json_summary(stdout, &t, nfiles == 2);
        else
            bm_cmp_text_summary(stdout, &t, nfiles == 2);
    }
    bm_cmp_free(c);
    if (rc != 0 || diag.errors)
        return 2;
    return k->bad ? 1 : 0;
}
