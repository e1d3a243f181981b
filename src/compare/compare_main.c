/*
 * compare_main.c - `badmac compare`: two captures of the same traffic from
 * two vantage points, or one capture and the certificate it should show.
 *
 * Exit status: 0 nothing wrong between the points (identical, resegmented,
 * capture loss, bytes not delivered after close; expected certificates);
 * 1 corruption, loss between the points, divergence,
 * interception or an unexpected certificate; 2 usage error or unreadable /
 * malformed input (2 wins).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "compare_out.h"
#include "ends.h"
#include "split.h"
#include "../../include/badmac/badmac.h"
#include "../capture/capture.h"
#include "../util/opt.h"

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

static const char cmp_usage[] =
    "usage: badmac compare [--json] [--client-side a|b] [--window BYTES] [--expect-cert SHA256]\n"
    "                      [--keylog FILE]... [--rsa-key FILE]... [--psk ID:HEX]... [--diagnose] A B\n"
    "       badmac compare [options] --split-interfaces FILE.pcapng\n"
    "       badmac compare --expect-cert SHA256 [--keylog FILE]... [--json] CAPTURE\n"
    "\n"
    "A and B are captures of the same traffic taken at two points of the path (e.g. next to\n"
    "the client and next to the server). Connections are paired (ClientHello random, else\n"
    "the first payload bytes, else time + SNI + server port: interception), both\n"
    "directions compared byte by byte, and each pair gets a verdict: identical,\n"
    "resegmented, capture_loss, not_delivered_after_close, lost_between, diverged,\n"
    "in_path_corruption or interception. Bytes one capture lacks are capture loss when\n"
    "the receiver acknowledged them there (or, without ACKs, the stream went on at both\n"
    "points), not delivered after close when sent after the receiver's FIN, else lost\n"
    "between the points. No keys are needed. Addresses may differ (NAT).\n"
    "\n"
    "  --json             JSON Lines (docs/compare.md)\n"
    "  --client-side a|b  which capture is nearer the client (default: from the timing)\n"
    "  --window BYTES     bytes held per direction while one capture is ahead (default 8M;\n"
    "                     suffixes K, M, G; 1K to 16G);\n"
    "                     beyond it the streams are declared diverged\n"
    "  --expect-cert SHA256  the SHA-256 of the server's real certificate: every connection\n"
    "                     showing another one is flagged, naming its issuer (TLS <= 1.2: in\n"
    "                     the clear; TLS 1.3: encrypted, checked only when keys decrypt it)\n"
    "  --keylog FILE      with --expect-cert: decrypts TLS 1.3 certificates for the check.\n"
    "                     With A and B, also diagnose each capture alone with these keys (as\n"
    "                     badmac --keylog) and combine: where the fault is (between the\n"
    "                     points, at the receiver, at an endpoint, before the sender's\n"
    "                     point); repeatable. For an interception give both legs' keys:\n"
    "                     each leg is analysed with its own, TLS 1.3 certificates decrypted\n"
    "                     (the interceptor's issuer named) and the failing leg said\n"
    "  --rsa-key FILE     RSA private key (PEM/DER) of a server using RSA key exchange, used\n"
    "                     as --keylog is (as for badmac); repeatable\n"
    "  --psk ID:HEX       pre-shared key for identity ID, used as --keylog is (as for\n"
    "                     badmac); repeatable. Keys in a pcapng's decryption-secrets blocks\n"
    "                     are used as well, as by badmac\n"
    "  --diagnose         the same without keys (two captures only)\n"
    "  --split-interfaces FILE  compare interface 0 (a) with interface 1 (b) of one pcapng,\n"
    "                     e.g. the two legs `badmac relay --pcap` writes\n"
    "\n"
    "Options may also follow the captures; --opt VALUE and --opt=VALUE are the same; every\n"
    "argument after -- is a capture.\n"
    "\n"
    "Exit status: 0 nothing wrong between the points (identical, resegmented, capture_loss,\n"
    "not_delivered_after_close), 1 a difference/loss/interception/unexpected certificate,\n"
    "2 usage or input error. A certificate that cannot be seen (\"cannot tell\") does not\n"
    "change it.\n";

static void on_diag(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "badmac: %s\n", line);
}

static void on_pair(void *ud, const bm_cmp_result *r)
{
    cmp_cli *k = ud;
    k->npairs++;
    if (!bm_cmp_verdict_ok(r->verdict))
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

/* The command line of `badmac compare`. */
typedef struct cmp_args {
    cmp_cli k;
    bm_cmp_opts o;
    const char *files[2];
    int nfiles;
    uint8_t want[32];   /* --expect-cert */
    char want_hex[65];
    int expect, diagnose;
    bm_cmp_keys keys;   /* --keylog, --rsa-key, --psk */
    const char *split;  /* --split-interfaces FILE */
} cmp_args;

enum {
    CMP_JSON = 1,
    CMP_CLIENT_SIDE,
    CMP_WINDOW,
    CMP_EXPECT_CERT,
    CMP_KEYLOG,
    CMP_DIAGNOSE,
    CMP_SPLIT,
    CMP_RSA_KEY,
    CMP_PSK,
};

static const bm_opt cmp_opts[] = {
    {"json", BM_OPT_FLAG, CMP_JSON, 0},
    {"client-side", BM_OPT_VALUE, CMP_CLIENT_SIDE, 0},
    {"window", BM_OPT_VALUE, CMP_WINDOW, 0},
    {"expect-cert", BM_OPT_VALUE, CMP_EXPECT_CERT, 0},
    {"keylog", BM_OPT_VALUE, CMP_KEYLOG, 0},
    {"diagnose", BM_OPT_FLAG, CMP_DIAGNOSE, 0},
    {"split-interfaces", BM_OPT_VALUE, CMP_SPLIT, 0},
    {"rsa-key", BM_OPT_VALUE, CMP_RSA_KEY, 0},
    {"psk", BM_OPT_VALUE, CMP_PSK, 0},
};

#define CMP_CMD "badmac compare"

/* The options that check their value: 0, or 2 after a one-line error. */
static int cmp_on_value(cmp_args *a, int id, const char *v)
{
    switch (id) {
    case CMP_CLIENT_SIDE:
        if (strcmp(v, "a") && strcmp(v, "b"))
            return bm_opt_fail(CMP_CMD, "--client-side takes a or b");
        a->o.client_side = v[0] == 'a' ? BM_CAP_A : BM_CAP_B;
        return 0;
    case CMP_WINDOW:
        if (bm_opt_size(v, &a->o.window))
            return bm_opt_fail(CMP_CMD, "--window takes a size from 1K to 16G: bytes, or a number with K, M or G");
        return 0;
    case CMP_EXPECT_CERT:
        if (parse_sha256(v, a->want, a->want_hex))
            return bm_opt_fail(CMP_CMD, "--expect-cert takes a SHA-256 fingerprint (64 hex digits)");
        a->expect = 1;
        return 0;
    default: { /* CMP_KEYLOG, CMP_RSA_KEY, CMP_PSK: as for badmac, kept in order */
        int kind = id == CMP_RSA_KEY ? BM_CMP_RSA_KEY : id == CMP_PSK ? BM_CMP_PSK : BM_CMP_KEYLOG;
        static const char *const what[BM_CMP_KEY_KINDS] = {"--keylog files", "--rsa-key files", "--psk options"};
        if (a->keys.n[kind] == BM_CMP_ENDS_KEYS)
            return bm_opt_fail(CMP_CMD, "at most %d %s", BM_CMP_ENDS_KEYS, what[kind]);
        a->keys.v[kind][a->keys.n[kind]++] = v;
        return 0;
    }
    }
}

/* bm_opt_fn of `badmac compare`: options and captures into 'ud' (a cmp_args). */
static int cmp_on_opt(void *ud, int id, const char *name, const char *v)
{
    cmp_args *a = ud;
    switch (id) {
    case BM_OPT_OPERAND:
        if (a->nfiles == 2)
            return bm_opt_fail(CMP_CMD, "at most two captures");
        if (strcmp(v, "-") == 0)
            return bm_opt_fail(CMP_CMD, "compare reads each capture more than once: give files, not standard input");
        a->files[a->nfiles++] = v;
        return 0;
    case CMP_JSON:
        a->k.json = 1;
        return 0;
    case CMP_DIAGNOSE:
        a->diagnose = 1;
        return 0;
    case CMP_SPLIT:
        a->split = v;
        return 0;
    default:
        return cmp_on_value(a, id, v);
    }
}

/* The command line into 'a': BM_OPT_RUN, or the exit status to return now. */
static int cmp_parse(cmp_args *a, int argc, char **argv)
{
    bm_opt_cmd cmd = {.cmd = CMP_CMD, .help = cmp_usage, .version = BADMAC_VERSION,
                      .opts = cmp_opts, .n_opts = sizeof cmp_opts / sizeof cmp_opts[0],
                      .on = cmp_on_opt, .ud = a};
    int rc = bm_opt_parse(&cmd, argc, argv);
    if (rc != BM_OPT_RUN)
        return rc;
    if (a->split && a->nfiles)
        return bm_opt_fail(CMP_CMD, "--split-interfaces takes the place of A and B");
    if (!a->split && a->nfiles == 0)
        return bm_opt_fail(CMP_CMD, "no capture given: A B, or one CAPTURE with --expect-cert");
    if (!a->split && a->nfiles == 1 && !a->expect)
        return bm_opt_fail(CMP_CMD, "one capture needs --expect-cert SHA256; else give A and B");
    return BM_OPT_RUN;
}

static void count_secret(void *ud, uint32_t type, const uint8_t *data, size_t len, uint64_t off)
{
    (void)type, (void)data, (void)len, (void)off;
    ++*(unsigned *)ud;
}

/* The pcapng 'path' holds decryption-secrets blocks (keys, as --keylog). */
static bool has_secrets(const char *path)
{
    unsigned n = 0;
    bm_diag quiet = {0}; /* an unreadable file: pass 1 of the comparison says so */
    bm_result r = bm_pcapng_scan_secrets(path, count_secret, &n, &quiet);
    return r.code == BM_OK && n > 0;
}

/* The single-capture analyses at both points (key material: --keylog,
 * --rsa-key, --psk, or a capture's decryption-secrets blocks; --diagnose
 * with two captures) into *ends and a->k, or *ends NULL when not asked
 * for. 0, or 2 (out of memory, a key file that cannot be read, a malformed
 * --psk: stderr says so). */
static int cmp_ends_open(cmp_args *a, bm_cmp_ends **ends)
{
    *ends = NULL;
    if (a->nfiles == 1 && a->diagnose)
        fprintf(stderr, "badmac compare: --diagnose needs two captures; ignored\n");
    bool keyed = false;
    for (int i = 0; i < BM_CMP_KEY_KINDS; i++)
        keyed |= a->keys.n[i] > 0;
    for (int i = 0; i < a->nfiles && !keyed; i++)
        keyed = has_secrets(a->files[i]);
    a->k.keylog = keyed;
    if (!keyed && !(a->diagnose && a->nfiles == 2))
        return 0;
    if (!(*ends = bm_cmp_ends_new(&a->keys))) {
        fprintf(stderr, "badmac compare: out of memory\n");
        return 2;
    }
    a->k.ends = *ends;
    for (int i = 0; i < a->nfiles; i++)
        (void)bm_cmp_ends_scan(*ends, i, a->files[i]); /* unreadable: the comparison's pass 1 says so */
    return bm_cmp_ends_key_errors(*ends) ? 2 : 0;
}

int bm_compare_main(int argc, char **argv)
{
    cmp_args a;
    memset(&a, 0, sizeof a);
    bm_cmp_opts_default(&a.o);
    int rc = cmp_parse(&a, argc, argv);
    if (rc != BM_OPT_RUN)
        return rc;
    cmp_split sp;
    memset(&sp, 0, sizeof sp);
    const char *names[2] = {a.files[0], a.files[1]};
    if (a.split) {
        if (split_file(&sp, a.split)) {
            split_cleanup(&sp);
            return 2;
        }
        a.nfiles = 2;
        a.files[0] = sp.path[0], a.files[1] = sp.path[1];
        names[0] = sp.name[0], names[1] = sp.name[1];
    }
    bm_cmp_ends *ends;
    rc = cmp_ends_open(&a, &ends);
    if (rc == 0)
        rc = compare_run(&a.k, &a.o, a.nfiles, a.files, names, a.expect, a.want, a.want_hex);
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
