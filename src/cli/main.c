/*
 * main.c - the badmac command: a thin front end over the library.
 *
 * Exit status: 0 no failure found; 1 a failed connection was found; 2 usage
 * or input error (a file could not be read, or input was malformed). 2 wins
 * over 1, as with grep and diff: the analysis may be incomplete. Notices
 * (traffic read but not analysed: bm_diag_notice) never make it 2.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/proto.h"
#include "../../include/badmac/badmac.h"
#include "../keys/keylog.h"
#include "../capture/capture.h"
#include "../compare/compare.h"
#include "../export/export.h"
#include "../relay/relay.h"
#include "../report/jw.h"
#include "jobs.h"
#include "merge.h"
#include "../report/report.h"
#include "../tls/tls.h"
#include "../util/opt.h"

#define CLI_MAX_FAILED_LISTED 10
#define CLI_MAX_KEYS 64

typedef struct cli {
    int json;
    int quiet;
    FILE *out;          /* where connection blocks go (stdout for JSON, a temp file for text) */
    uint64_t n_failed_listed;
    char failed_lines[CLI_MAX_FAILED_LISTED][320];
    const char *keylogs[CLI_MAX_KEYS], *rsa_keys[CLI_MAX_KEYS], *psks[CLI_MAX_KEYS];
    unsigned n_keylogs, n_rsa_keys, n_psks;
    bm_patterns patterns; /* failure patterns across connections (bounded tables) */
    const char *plain_dir, *keylog_out, *write_out; /* --export-plaintext, --export-keylog, --write */
    size_t max_state;   /* --max-state, 0: the default */
    const char *keep_dir; /* --keep-failures DIR */
    size_t keep_ring;   /* --keep-ring, 0: the default */
    size_t live_buffer; /* -B, 0: the default */
    char keylog_tmp[BM_EXPORT_PATH_MAX + 16]; /* --export-keylog's temporary file, renamed at the end */
    size_t search_budget; /* --search-budget, 0: the default */
    const char *filter;   /* -f / --filter: a BPF expression */
    int separate;         /* --separate: each capture on its own (default: all as one, by timestamp) */
    const char *iface;    /* -i: live capture */
    double duration;      /* --duration seconds, 0: until stopped */
    uint64_t count;       /* -c / --count packets, 0: no limit */
    unsigned idle;        /* --idle seconds, 0: the default */
    const char **files; /* the captures, in command-line order (room for argc) */
    int n_files;
    bm_jw *jw;          /* --json: one line buffer reused for every connection */
    unsigned jobs;      /* -j: threads, 0: the machine's cores */
    unsigned shard, shards; /* --shard I/N, shards 0: none */
} cli;

/* Option ids of the main command (bm_opt table below). */
enum {
    CLI_JSON = 1,
    CLI_QUIET,
    CLI_KEYLOG,
    CLI_RSA_KEY,
    CLI_PSK,
    CLI_EXPORT_PLAINTEXT,
    CLI_EXPORT_KEYLOG,
    CLI_WRITE,
    CLI_MAX_STATE,
    CLI_KEEP_FAILURES,
    CLI_KEEP_RING,
    CLI_SEARCH_BUDGET,
    CLI_FILTER,
    CLI_MERGE,
    CLI_SEPARATE,
    CLI_IFACE,
    CLI_DURATION,
    CLI_COUNT,
    CLI_IDLE,
    CLI_BUFFER,
    CLI_JOBS,
    CLI_SHARD,
};

/* The one mutable global: set by the SIGINT/SIGTERM handler of a live
 * capture (-i), read by its loop, which wakes at least every 200 ms. */
static volatile sig_atomic_t cli_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    cli_stop = 1;
}

static const bm_opt cli_opts[] = {
    {"json", BM_OPT_FLAG, CLI_JSON, 0},
    {"quiet", BM_OPT_FLAG, CLI_QUIET, 'q'},
    {"keylog", BM_OPT_VALUE, CLI_KEYLOG, 0},
    {"rsa-key", BM_OPT_VALUE, CLI_RSA_KEY, 0},
    {"psk", BM_OPT_VALUE, CLI_PSK, 0},
    {"export-plaintext", BM_OPT_VALUE, CLI_EXPORT_PLAINTEXT, 0},
    {"export-keylog", BM_OPT_VALUE, CLI_EXPORT_KEYLOG, 0},
    {"write", BM_OPT_VALUE, CLI_WRITE, 0},
    {"max-state", BM_OPT_VALUE, CLI_MAX_STATE, 0},
    {"keep-failures", BM_OPT_VALUE, CLI_KEEP_FAILURES, 0},
    {"keep-ring", BM_OPT_VALUE, CLI_KEEP_RING, 0},
    {"search-budget", BM_OPT_VALUE, CLI_SEARCH_BUDGET, 0},
    {"filter", BM_OPT_VALUE, CLI_FILTER, 'f'},
    {"merge", BM_OPT_FLAG, CLI_MERGE, 0},
    {"separate", BM_OPT_FLAG, CLI_SEPARATE, 0},
    {"interface", BM_OPT_VALUE, CLI_IFACE, 'i'},
    {"duration", BM_OPT_VALUE, CLI_DURATION, 0},
    {"count", BM_OPT_VALUE, CLI_COUNT, 'c'},
    {"idle", BM_OPT_VALUE, CLI_IDLE, 0},
    {"buffer-size", BM_OPT_VALUE, CLI_BUFFER, 'B'},
    {"jobs", BM_OPT_VALUE, CLI_JOBS, 'j'},
    {"shard", BM_OPT_VALUE, CLI_SHARD, 0},
};

static const char cli_usage[] =
    "usage: badmac [--json] [--quiet] [--keylog FILE] [--rsa-key FILE] [--psk ID:HEX]\n"
    "              [--export-plaintext DIR] [--export-keylog FILE] [--write OUT.pcapng] CAPTURE...\n"
    "              (a CAPTURE is a pcap or pcapng file, gzip-compressed or not, a directory of them, or -\n"
    "              for standard input)\n"
    "       badmac relay --listen [ADDR:]PORT --to HOST:PORT [faults...]   (see badmac relay --help)\n"
    "       badmac compare [--json] [--expect-cert SHA256] A.pcap B.pcap   (two vantage points)\n"
    "       badmac merge SHARD.jsonl...   (the --json of --shard runs as one report)\n"
    "       badmac --help | --version\n"
    "\n"
    "Reads pcap/pcapng captures and reports every TLS connection: endpoints, handshake\n"
    "(version, suite, resumption, extensions that matter for MAC failures, certificates),\n"
    "records per direction, alerts, and for a failed connection the side that sent the\n"
    "fatal alert and the last record the other side sent before it (the prime suspect).\n"
    "\n"
    "  --json     JSON Lines (contract: docs/json.md), one object per connection, then a summary\n"
    "  --quiet    text mode: print only the summary\n"
    "  --keylog FILE   key log (NSS SSLKEYLOGFILE format, or an mbedTLS / JSSE debug log);\n"
    "                  repeatable. Default: $SSLKEYLOGFILE when set and no --keylog is given.\n"
    "                  Keys embedded in a pcapng (decryption secrets blocks) are always used.\n"
    "  --rsa-key FILE  RSA private key (PEM/DER) of a server using RSA key exchange; repeatable\n"
    "  --psk ID:HEX    pre-shared key for identity ID (\":HEX\": any identity): TLS 1.2 PSK suites\n"
    "                  (RSA_PSK also needs --rsa-key; DHE/ECDHE_PSK need a key log), TLS 1.3\n"
    "                  external PSK without (EC)DHE (psk_ke); repeatable\n"
    "\n"
    "With key material every protected record is decrypted and its MAC/tag checked, both\n"
    "Finished messages are verified, encrypted alerts are read, and the first record that\n"
    "fails its integrity check is named (FIRST BAD RECORD). Secrets are never printed.\n"
    "\n"
    "  --export-plaintext DIR  decrypted application data: DIR/ID-client.bin, DIR/ID-server.bin\n"
    "                  (what each side sent, as Wireshark's Follow TLS stream); records that are\n"
    "                  missing or fail their check are left out and listed in DIR/ID.json\n"
    "  --export-keylog FILE    NSS key log of the keys every connection was decrypted with\n"
    "                  (also master secrets derived from an RSA key, a PSK, a resumed session)\n"
    "  --write OUT.pcapng      the capture (one only) as pcapng with that key log embedded\n"
    "                  (Decryption Secrets Block): Wireshark decrypts it without key files\n"
    "  --keep-failures DIR     each failed connection's packets, with the keys that decrypt it\n"
    "                  (Decryption Secrets Block), to DIR/TIME-ID-CLIENT-SERVER.pcapng: badmac or\n"
    "                  Wireshark reads it alone; the packets come from a ring of the most recent\n"
    "                  --keep-ring SIZE (default 64M)\n"
    "  These files hold secrets or plaintext: they are created mode 0600.\n"
    "\n"
    "  --max-state SIZE        memory for the state of connections open at once (default 1G;\n"
    "                  K, M, G suffixes); past it the least recently active connections are\n"
    "                  reported early, with what was seen, and counted in a notice\n"
    "  -i, --interface IFACE   capture live (libpcap; 'any' too) instead of reading files: each\n"
    "                  connection is reported as it ends (flushed), or when idle --idle SEC\n"
    "                  (default 300); --duration SEC, -c/--count N or Ctrl-C/SIGTERM end it with\n"
    "                  the summary (connections still open reported as they stand); a --keylog\n"
    "                  still being written (SSLKEYLOGFILE) is followed (packets decoded 1 s late)\n"
    "  --separate      each capture on its own. By default the captures given (or the files of\n"
    "                  a directory) are one: the pieces of a rotated capture (tcpdump -C/-G,\n"
    "                  editcap -c) merged by timestamp as mergecap does, frames numbered in\n"
    "                  that order, each connection naming its files and their frame numbers\n"
    "  -f, --filter EXPR       analyse only the packets this BPF expression accepts (tcpdump's\n"
    "                  syntax, e.g. 'host 10.0.0.5 and port 443'); the others keep their frame numbers\n"
    "  --search-budget SIZE    work of all bit-error searches together, in bytes hashed (default\n"
    "                  8G: a few seconds; a 16 KB HMAC record takes about 1G); past it a\n"
    "                  search stops and its verdict says so\n"
    "  -j, --jobs N    threads (default: the machine's cores), each analysing its share of the\n"
    "                  connections; the report is the same as with -j 1 (one thread when\n"
    "                  exporting, capturing live or reading standard input)\n"
    "  --shard I/N     analyse only the I-th (0 to N-1) of N disjoint sets of connections (a\n"
    "                  hash of the two addresses: both directions, both vantage points and every\n"
    "                  connection between two hosts alike);\n"
    "                  N runs' --json outputs combine with badmac merge into one report\n"

    "\n"
    "Options may also follow the captures; --opt VALUE and --opt=VALUE are the same; every\n"
    "argument after -- is a capture.\n"
    "Messages about bad input go to stderr, one line each, naming the file and frame.\n"
    "Exit status: 0 no failure found, 1 a failure found, 2 usage or input error (2 wins).\n";

static void on_diag(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "badmac: %s\n", line);
}

static void remember_failed(cli *c, const bm_conn *k)
{
    if (c->n_failed_listed++ >= CLI_MAX_FAILED_LISTED)
        return;
    bm_text_failed_line(k, c->failed_lines[c->n_failed_listed - 1], sizeof c->failed_lines[0]);
}

static void on_conn(void *ud, const bm_conn *k)
{
    cli *c = ud;
    bm_patterns_add(&c->patterns, k);
    if (k->status.status == BM_STATUS_FAILED)
        remember_failed(c, k);
    if (c->json)
        bm_json_conn(c->out, k, c->jw);
    else if (c->out)
        bm_text_conn(c->out, k);
    if (c->iface && c->out) /* live: a reader (tail -f, a pipe) sees each verdict at once */
        fflush(c->out);
}

/* --keylog, --rsa-key, --psk (repeatable, kept in order): 0, or 2 after a one-line error. */
static int add_key_arg(cli *c, int id, const char *name, const char *val)
{
    const char **list = c->keylogs;
    unsigned *n = &c->n_keylogs;
    if (id == CLI_RSA_KEY) {
        list = c->rsa_keys;
        n = &c->n_rsa_keys;
    } else if (id == CLI_PSK) {
        list = c->psks;
        n = &c->n_psks;
    }
    if (*n >= CLI_MAX_KEYS)
        return bm_opt_fail("badmac", "more than %d --%s options", CLI_MAX_KEYS, name);
    list[(*n)++] = val;
    return 0;
}

/* --export-plaintext, --export-keylog, --write (the last one given wins): a
 * non-empty value, else 2 after a one-line error. */
static int set_export(cli *c, int id, const char *name, const char *val)
{
    if (!val[0])
        return bm_opt_fail("badmac", "option '--%s' needs a value", name);
    if (id == CLI_EXPORT_PLAINTEXT)
        c->plain_dir = val;
    else if (id == CLI_EXPORT_KEYLOG)
        c->keylog_out = val;
    else
        c->write_out = val;
    return 0;
}

/* bm_opt_fn of the main command: options and capture files into 'ud' (a cli). */
static int cli_on_opt(void *ud, int id, const char *name, const char *val)
{
    cli *c = ud;
    switch (id) {
    case BM_OPT_OPERAND:
        c->files[c->n_files++] = val;
        return 0;
    case CLI_JSON:
        c->json = 1;
        return 0;
    case CLI_QUIET:
        c->quiet = 1;
        return 0;
    case CLI_MERGE: /* the default since captures given together are read as one */
        c->separate = 0;
        return 0;
    case CLI_SEPARATE:
        c->separate = 1;
        return 0;
    case CLI_IFACE:
        c->iface = val;
        return 0;
    case CLI_DURATION:
    case CLI_COUNT:
    case CLI_IDLE: {
        char *end;
        errno = 0;
        double v = strtod(val, &end);
        if (errno || end == val || *end || v <= 0 || v > 1e9 || (id != CLI_DURATION && v != (double)(uint64_t)v))
            return bm_opt_fail("badmac", "--%s takes a positive %s", name, id == CLI_DURATION ? "number of seconds" :
                               id == CLI_COUNT ? "whole number of packets" : "whole number of seconds");
        if (id == CLI_DURATION)
            c->duration = v;
        else if (id == CLI_COUNT)
            c->count = (uint64_t)v;
        else
            c->idle = (unsigned)v;
        return 0;
    }
    case CLI_KEYLOG:
    case CLI_RSA_KEY:
    case CLI_PSK:
        return add_key_arg(c, id, name, val);
    case CLI_FILTER: {
        char err[256];
        if (bm_capture_filter_check(val, err, sizeof err) != 0)
            return bm_opt_fail("badmac", "-f '%s': %s", val, err);
        c->filter = val;
        return 0;
    }
    case CLI_KEEP_FAILURES:
        c->keep_dir = val;
        return 0;
    case CLI_BUFFER: { /* tcpdump's unit: a bare number is KiB */
        size_t len = strlen(val);
        char kib[32];
        bool bare = len > 0 && len < sizeof kib - 1 && isdigit((unsigned char)val[len - 1]);
        if (bare)
            snprintf(kib, sizeof kib, "%sK", val);
        if (bm_opt_size(bare ? kib : val, &c->live_buffer) || c->live_buffer > (size_t)1 << 31)
            return bm_opt_fail("badmac", "-B takes a buffer size from 1 to 2097152 KiB (or with K, M or G)");
        return 0;
    }
    case CLI_JOBS: {
        char *end;
        errno = 0;
        unsigned long v = strtoul(val, &end, 10);
        if (errno || end == val || *end || v < 1 || v > 256)
            return bm_opt_fail("badmac", "-j takes a number of threads from 1 to 256");
        c->jobs = (unsigned)v;
        return 0;
    }
    case CLI_SHARD: {
        unsigned i, n;
        char tail;
        if (sscanf(val, "%u/%u%c", &i, &n, &tail) != 2 || n < 1 || n > 65536 || i >= n)
            return bm_opt_fail("badmac", "--shard takes I/N: shard I (0 to N-1) of N, e.g. 0/4");
        c->shard = i;
        c->shards = n;
        return 0;
    }
    case CLI_MAX_STATE:
    case CLI_SEARCH_BUDGET:
    case CLI_KEEP_RING:
        if (bm_opt_size(val, id == CLI_MAX_STATE ? &c->max_state
                             : id == CLI_KEEP_RING ? &c->keep_ring
                                                   : &c->search_budget))
            return bm_opt_fail("badmac", "--%s takes a size from 1K to 16G: bytes, or a number with K, M or G", name);
        return 0;
    default:
        return set_export(c, id, name, val);
    }
}

static bool same_file(const char *x, const char *y)
{
    struct stat a, b;
    return stat(x, &a) == 0 && stat(y, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The input (capture, key file, $SSLKEYLOGFILE) that 'target' is the same
 * file as, as "--keylog FILE" / "the capture FILE", into buf; NULL: none. */
static const char *input_at(const cli *c, const char *target, char *buf, size_t cap)
{
    for (int i = 0; i < c->n_files; i++)
        if (same_file(target, c->files[i]))
            return snprintf(buf, cap, "the capture %s", c->files[i]), buf;
    for (unsigned i = 0; i < c->n_keylogs; i++)
        if (same_file(target, c->keylogs[i]))
            return snprintf(buf, cap, "--keylog %s", c->keylogs[i]), buf;
    for (unsigned i = 0; i < c->n_rsa_keys; i++)
        if (same_file(target, c->rsa_keys[i]))
            return snprintf(buf, cap, "--rsa-key %s", c->rsa_keys[i]), buf;
    const char *env = c->n_keylogs ? NULL : bm_keylog_default_path();
    if (env && same_file(target, env))
        return snprintf(buf, cap, "SSLKEYLOGFILE %s", env), buf;
    return NULL;
}

/* Checks and opens what the export options need before any analysis:
 * a problem is one stderr line and exit status 2. An export never
 * overwrites an input: it would be truncated before it is read. */
static int prepare_exports(cli *c, FILE **keylog)
{
    *keylog = NULL;
    if (c->write_out && c->n_files != 1) {
        fprintf(stderr, "badmac: --write takes exactly one capture (%d given): run once per capture\n", c->n_files);
        return -1;
    }
    if (c->write_out && bm_capture_is_stdin(c->files[0])) {
        fprintf(stderr, "badmac: --write copies the capture after the analysis: give a file, not standard input\n");
        return -1;
    }
    const char *outs[2][2] = {{"--write", c->write_out}, {"--export-keylog", c->keylog_out}};
    for (int i = 0; i < 2; i++) {
        char what[BM_EXPORT_PATH_MAX + 32];
        if (outs[i][1] && input_at(c, outs[i][1], what, sizeof what)) {
            fprintf(stderr, "badmac: %s %s: that is an input (%s): not overwritten\n", outs[i][0], outs[i][1], what);
            return -1;
        }
    }
    if (c->write_out && c->keylog_out && same_file(c->write_out, c->keylog_out)) {
        fprintf(stderr, "badmac: --write and --export-keylog name the same file %s\n", c->write_out);
        return -1;
    }
    if (c->keep_dir && bm_export_mkdir_p(c->keep_dir) != 0) {
        fprintf(stderr, "badmac: --keep-failures %s: %s\n", c->keep_dir, strerror(errno));
        return -1;
    }
    if (c->plain_dir && bm_export_mkdir_p(c->plain_dir) != 0) {
        fprintf(stderr, "badmac: --export-plaintext %s: %s\n", c->plain_dir, strerror(errno));
        return -1;
    }
    if (c->keylog_out) {
        if (!(*keylog = bm_export_create(c->keylog_out, true, c->keylog_tmp, sizeof c->keylog_tmp))) {
            fprintf(stderr, "badmac: --export-keylog %s: %s\n", c->keylog_out, strerror(errno));
            return -1;
        }
    } else if (c->write_out && !(*keylog = tmpfile())) {
        fprintf(stderr, "badmac: cannot create a temporary file: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* After the analysis: close the key log, write the capture copy. 0 or -1
 * (one stderr line). */
static int finish_exports(const cli *c, const char *capture, FILE *keylog)
{
    int rc = 0;
    if (c->write_out) {
        char err[BM_EXPORT_PATH_MAX + 256] = "";
        uint64_t n = 0;
        if (!bm_is_ok(bm_export_write_capture(capture, c->write_out, keylog, &n, err, sizeof err))) {
            fprintf(stderr, "badmac: --write: %s\n", err);
            rc = -1;
        }
    }
    if (keylog && c->keylog_out && bm_export_commit(keylog, c->keylog_tmp, c->keylog_out) != 0) {
        fprintf(stderr, "badmac: --export-keylog %s: %s\n", c->keylog_out, strerror(errno));
        rc = -1;
    } else if (keylog && !c->keylog_out) {
        fclose(keylog);
    }
    return rc;
}

static int copy_stream(FILE *from, FILE *to)
{
    char buf[65536];
    size_t n;
    rewind(from);
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        if (fwrite(buf, 1, n, to) != n)
            return -1;
    return ferror(from) ? -1 : 0;
}

/* The command line into 'c' (c->files MUST have room for argc entries):
 * BM_OPT_RUN, or the exit status to return now. */
static int cli_parse(cli *c, int argc, char **argv)
{
    bm_opt_cmd cmd = {.cmd = "badmac", .help = cli_usage, .version = BADMAC_VERSION,
                      .opts = cli_opts, .n_opts = sizeof cli_opts / sizeof cli_opts[0],
                      .on = cli_on_opt, .ud = c};
    int rc = bm_opt_parse(&cmd, argc, argv);
    if (rc == BM_OPT_RUN && c->n_files == 0 && !c->iface)
        return bm_opt_fail("badmac", "no capture file given");
    if (rc == BM_OPT_RUN && c->iface && c->n_files)
        return bm_opt_fail("badmac", "-i captures live: give no capture files with it");
    if (rc == BM_OPT_RUN && c->iface && c->write_out)
        return bm_opt_fail("badmac", "--write copies a capture file: not with -i");
    return rc;
}

/* Threads for this run: -j, by default the machine's cores (a --shard run:
 * one, as its engine runs a shard per core); one when the run exports
 * (files named by connection), captures live or reads standard input (it
 * can be read once). */
static unsigned cli_jobs(const cli *c)
{
    if (c->iface || c->plain_dir || c->keylog_out || c->write_out || c->keep_dir)
        return 1;
    for (int i = 0; i < c->n_files; i++)
        if (bm_capture_is_stdin(c->files[i]))
            return 1;
    return c->jobs ? c->jobs : c->shards > 1 ? 1 : bm_jobs_cores();
}

/* Every capture through one analysis; connection blocks go to c->out.
 * 0, or -1 (out of memory, one stderr line). */
static int cli_analyse(cli *c, FILE *keylog_out, bm_totals *t)
{
    if (c->n_keylogs == 0 && bm_keylog_default_path())
        c->keylogs[c->n_keylogs++] = bm_keylog_default_path();
    bm_analysis_opts o = {.on_conn = on_conn, .on_diag = on_diag, .ud = c,
                          .keylogs = c->keylogs, .n_keylogs = c->n_keylogs,
                          .rsa_keys = c->rsa_keys, .n_rsa_keys = c->n_rsa_keys,
                          .psks = c->psks, .n_psks = c->n_psks,
                          .export_plaintext_dir = c->plain_dir, .export_keylog = keylog_out,
                          .max_state_bytes = c->max_state, .search_budget = c->search_budget,
                          .keep_failures_dir = c->keep_dir, .keep_ring_bytes = c->keep_ring,
                          .live_buffer_bytes = c->live_buffer,
                          .filter = c->filter, .shard = c->shard, .shards = c->shards};
    unsigned jobs = cli_jobs(c);
    if (jobs > 1) {
        bm_jobs_input in = {.files = c->files, .n_files = c->n_files, .separate = c->separate};
        return bm_jobs_run(&o, jobs, &in, t);
    }
    bm_analysis *an = bm_analysis_new(&o);
    if (!an) {
        fprintf(stderr, "badmac: out of memory\n");
        return -1;
    }
    if (c->iface) {
        signal(SIGINT, on_stop_signal);
        signal(SIGTERM, on_stop_signal);
        (void)bm_analysis_add_live(an, c->iface, c->duration, c->count, c->idle, (volatile const int *)&cli_stop);
    } else if (!c->separate && c->n_files > 1)
        (void)bm_analysis_add_merged(an, c->files, (unsigned)c->n_files);
    else
        for (int i = 0; i < c->n_files; i++)
            (void)bm_analysis_add_capture(an, c->files[i]);
    bm_analysis_finish(an, t);
    bm_analysis_free(an);
    return 0;
}

/* Text mode: the summary, the failed connections, the patterns, then the
 * connection blocks gathered in 'blocks' (NULL with --quiet). */
static void cli_print_text(const cli *c, const bm_totals *t, FILE *blocks)
{
    bm_text_summary_line(stdout, t);
    fputs(t->failed ? ":\n" : "\n", stdout);
    for (uint64_t i = 0; i < c->n_failed_listed && i < CLI_MAX_FAILED_LISTED; i++)
        printf("  %s\n", c->failed_lines[i]);
    if (c->n_failed_listed > CLI_MAX_FAILED_LISTED)
        printf("  ... and %" PRIu64 " more failed connections\n", c->n_failed_listed - CLI_MAX_FAILED_LISTED);
    bm_text_patterns(stdout, &c->patterns);
    if (t->input_errors)
        printf("%u input problem%s reported on stderr\n", t->input_errors, t->input_errors == 1 ? "" : "s");
    if (t->notices)
        printf("%u notice%s on stderr (traffic not analysed; not an input error)\n", t->notices,
               t->notices == 1 ? "" : "s");
    if (blocks) {
        fputc('\n', stdout);
        if (copy_stream(blocks, stdout) != 0)
            fprintf(stderr, "badmac: cannot read back the temporary report file\n");
        fclose(blocks);
    }
}

/* The analysis and the report of a parsed command line: the exit status. */
static int cli_run(cli *c)
{
    FILE *keylog_out = NULL;
    if (prepare_exports(c, &keylog_out) != 0)
        return 2;
    FILE *blocks = NULL;
    if (c->json || (c->iface && !c->quiet)) { /* live: each connection as it ends */
        c->out = stdout;
    } else if (!c->quiet) {
        blocks = tmpfile();
        if (!blocks) {
            fprintf(stderr, "badmac: cannot create a temporary file: %s\n", strerror(errno));
            bm_export_discard(keylog_out, c->keylog_out ? c->keylog_tmp : NULL);
            return 2;
        }
        c->out = blocks;
    }
    bm_totals t;
    if (cli_analyse(c, keylog_out, &t) != 0) {
        bm_export_discard(keylog_out, c->keylog_out ? c->keylog_tmp : NULL);
        return 2;
    }
    int export_rc = finish_exports(c, c->n_files ? c->files[0] : NULL, keylog_out);
    if (c->json) {
        bm_json_patterns(stdout, &c->patterns);
        bm_json_summary(stdout, &t);
    } else {
        cli_print_text(c, &t, blocks);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "badmac: cannot write the report: %s\n", strerror(errno));
        return 2;
    }
    if (t.unreadable || t.input_errors || t.key_errors || t.export_errors || export_rc)
        return 2;
    return t.failed ? 1 : 0;
}

/* Name order with runs of digits compared as numbers: tls.pcap2 before
 * tls.pcap10, as tcpdump -C numbers its files. */
static int natural_cmp(const void *x, const void *y)
{
    const char *a = *(const char *const *)x, *b = *(const char *const *)y;
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            size_t la = 0, lb = 0;
            while (isdigit((unsigned char)a[la]))
                la++;
            while (isdigit((unsigned char)b[lb]))
                lb++;
            if (la != lb)
                return la < lb ? -1 : 1;
            int d = strncmp(a, b, la);
            if (d)
                return d;
            a += la;
            b += lb;
        } else if (*a != *b) {
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        } else {
            a++;
            b++;
        }
    }
    return *a ? 1 : *b ? -1 : 0;
}

/* Whether the file starts like a capture: pcap (either byte order,
 * micro- or nanoseconds), pcapng, or gzip. */
static bool looks_like_capture(const char *path)
{
    unsigned char m[4];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(m, 1, sizeof m, f) : 0;
    if (f)
        fclose(f);
    static const unsigned char magic[][4] = {{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4},
                                             {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d},
                                             {0x0a, 0x0d, 0x0d, 0x0a}};
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
        return true;
    for (size_t i = 0; n == 4 && i < sizeof magic / sizeof magic[0]; i++)
        if (!memcmp(m, magic[i], 4))
            return true;
    return false;
}

/* Appends p to the growing array *out; false when out of memory. */
static bool push(const char ***out, size_t *n, size_t *cap, const char *p)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        const char **g = realloc(*out, nc * sizeof **out);
        if (!g)
            return false;
        *out = g;
        *cap = nc;
    }
    (*out)[(*n)++] = p;
    return true;
}

/* A directory among the captures stands for the capture files in it (by
 * their first bytes), in natural name order. The strings and the array are
 * kept in 'keep' (freed by the caller). 0, or 2 after one line. */
static int expand_dirs(cli *c, char ***keep, size_t *n_keep)
{
    const char **out = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < c->n_files; i++) {
        struct stat st;
        const char *f = c->files[i];
        size_t first = n;
        if (strcmp(f, "-") != 0 && stat(f, &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(f);
            if (!d) {
                fprintf(stderr, "badmac: %s: %s\n", f, strerror(errno));
                free(out);
                return 2;
            }
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                size_t len = strlen(f) + strlen(e->d_name) + 2;
                char *p = malloc(len);
                char **kg = p ? realloc(*keep, (*n_keep + 1) * sizeof **keep) : NULL;
                if (!kg) {
                    free(p);
                    closedir(d);
                    free(out);
                    fprintf(stderr, "badmac: out of memory\n");
                    return 2;
                }
                *keep = kg;
                (*keep)[(*n_keep)++] = p;
                snprintf(p, len, "%s/%s", f, e->d_name);
                if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || !looks_like_capture(p))
                    continue;
                if (!push(&out, &n, &cap, p)) {
                    closedir(d);
                    free(out);
                    return 2;
                }
            }
            closedir(d);
            if (n == first) {
                fprintf(stderr, "badmac: %s: no capture file in this directory\n", f);
                free(out);
                return 2;
            }
            qsort(out + first, n - first, sizeof *out, natural_cmp);
            continue;
        }
        if (!push(&out, &n, &cap, f)) {
            free(out);
            return 2;
        }
    }
    char **kg = realloc(*keep, (*n_keep + 1) * sizeof **keep);
    if (!kg || n > (size_t)INT32_MAX) {
        free(out);
        return 2;
    }
    *keep = kg;
    (*keep)[(*n_keep)++] = (char *)out; /* the array itself */
    c->files = out;
    c->n_files = (int)n;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "relay"))
        return bm_relay_main(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "compare"))
        return bm_compare_main(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "merge"))
        return bm_merge_main(argc - 1, argv + 1);
    cli *c = calloc(1, sizeof *c);
    const char **files = calloc((size_t)argc, sizeof *files);
    if (!c || !files) {
        fprintf(stderr, "badmac: out of memory\n");
        return 2;
    }
    c->files = files;
    c->jw = calloc(1, sizeof *c->jw); /* NULL: bm_json_conn uses a buffer of its own each time */
    char **keep = NULL;
    size_t n_keep = 0;
    int rc = cli_parse(c, argc, argv);
    if (rc == BM_OPT_RUN && expand_dirs(c, &keep, &n_keep) != 0)
        rc = 2;
    if (rc == BM_OPT_RUN)
        rc = cli_run(c);
    for (size_t i = 0; i < n_keep; i++)
        free(keep[i]);
    free(keep);
    free(files);
    if (c->jw) {
        bm_jw_free(c->jw);
        free(c->jw);
    }
    free(c);
    return rc;
}
