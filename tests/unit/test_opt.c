/* The command-line parser (src/util/opt.c): order, forms, "--", errors, state reset. */
#include "tap.h"
#include "util/opt.h"

#include <stdlib.h>
#include <unistd.h>

enum { T_JSON = 1, T_QUIET, T_KEYLOG, T_FAULT };

static const bm_opt t_opts[] = {
    {"json", BM_OPT_FLAG, T_JSON, 0},       {"quiet", BM_OPT_FLAG, T_QUIET, 'q'},
    {"keylog", BM_OPT_VALUE, T_KEYLOG, 0},  {"flip", BM_OPT_VALUE, T_FAULT, 0},
    {"flip-bits", BM_OPT_VALUE, T_FAULT, 0}, {"drop", BM_OPT_VALUE, T_FAULT, 0},
};

/* What the handler saw, one "id:name=value" per call, ';'-joined. */
typedef struct t_seen {
    char log[512];
    int stop_at; /* the call number whose handler fails (0: none) */
    int calls;
} t_seen;

static int t_on(void *ud, int id, const char *name, const char *value)
{
    t_seen *s = ud;
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof s->log - n, "%s%d:%s=%s", n ? ";" : "", id, name ? name : "", value ? value : "-");
    return ++s->calls == s->stop_at;
}

/* Parses the NULL-terminated 'args' (argv[0] "t"); fd 1 and 2 go to 'out' (up to 'cap' bytes) meanwhile. */
static int t_parse(t_seen *s, const char *const *args, char *out, size_t cap)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "t";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    bm_opt_cmd c = {.cmd = "t", .help = "# help text\n", .version = "9.9", .opts = t_opts,
                    .n_opts = sizeof t_opts / sizeof t_opts[0], .on = t_on, .ud = s};
    FILE *tmp = tmpfile();
    fflush(stdout);
    fflush(stderr);
    int o1 = dup(1), o2 = dup(2);
    dup2(fileno(tmp), 1);
    dup2(fileno(tmp), 2);
    int rc = bm_opt_parse(&c, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(o1, 1);
    dup2(o2, 2);
    close(o1);
    close(o2);
    rewind(tmp);
    size_t n = fread(out, 1, cap - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return rc;
}

#define T_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_order_and_forms(void)
{
    t_seen s = {0};
    char out[256];
    int rc = t_parse(&s, T_ARGS("--flip", "s2c:1:3", "a.pcap", "--drop=c2s", "-q", "--flip-bits", "-x",
                                "--keylog=", "b.pcap", "--", "--json", "-"),
                     out, sizeof out);
    is_int(rc, BM_OPT_RUN, "a good command line: run");
    is_str(s.log,
           "4:flip=s2c:1:3;0:=a.pcap;4:drop=c2s;2:quiet=-;4:flip-bits=-x;3:keylog=;0:=b.pcap;0:=--json;0:=-",
           "options and operands in command-line order; =VALUE, separate VALUE, -q, after --: operands");
    is_str(out, "", "nothing printed");
}

static void test_errors(void)
{
    static const struct {
        const char *args[4];
        const char *line;
    } cases[] = {
        {{"a", "--bogus=secret", NULL}, "t: unknown option '--bogus' (see t --help)\n"},
        {{"--jso", "a", NULL}, "t: unknown option '--jso' (see t --help)\n"},
        {{"a", "--fli", "x", NULL}, "t: unknown option '--fli' (see t --help)\n"},
        {{"a", "--keyl", NULL}, "t: unknown option '--keyl' (see t --help)\n"},
        {{"a", "--keylog", NULL}, "t: option '--keylog' needs a value (see t --help)\n"},
        {{"--json=1", NULL}, "t: option '--json' takes no value (see t --help)\n"},
        {{"-qz", NULL}, "t: unknown option '-z' (see t --help)\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_seen s = {0};
        char out[256], name[96];
        const char *const *a = cases[i].args;
        int rc = t_parse(&s, a, out, sizeof out);
        snprintf(name, sizeof name, "%s %s: exit 2", a[0], a[1] ? a[1] : "");
        is_int(rc, BM_OPT_USAGE, name);
        snprintf(name, sizeof name, "%s %s: one line naming the option, no value echoed", a[0], a[1] ? a[1] : "");
        is_str(out, cases[i].line, name);
    }
}

static void test_stop_help_version(void)
{
    t_seen s = {.stop_at = 2};
    char out[256];
    is_int(t_parse(&s, T_ARGS("a", "b", "c"), out, sizeof out), BM_OPT_USAGE, "a failing handler stops: 2");
    is_str(s.log, "0:=a;0:=b", "nothing handled after it");
    t_seen h = {0};
    is_int(t_parse(&h, T_ARGS("a", "--help", "--bogus"), out, sizeof out), 0, "--help: exit 0");
    is_str(out, "# help text\n", "--help: the help text");
    is_int(t_parse(&h, T_ARGS("-h"), out, sizeof out), 0, "-h: exit 0");
    t_seen v = {0};
    is_int(t_parse(&v, T_ARGS("--version"), out, sizeof out), 0, "--version: exit 0");
    is_str(out, "badmac 9.9\n", "--version: badmac VERSION");
    is_str(v.log, "", "--version: no handler call");
}

static void test_state_reset(void)
{
    /* an error inside a short cluster leaves getopt mid-element: the next parse starts afresh */
    t_seen s = {0};
    char out[256];
    is_int(t_parse(&s, T_ARGS("-zq", "x"), out, sizeof out), BM_OPT_USAGE, "-zq: stops at -z");
    t_seen s2 = {0};
    is_int(t_parse(&s2, T_ARGS("y", "-q"), out, sizeof out), BM_OPT_RUN, "the next parse runs");
    is_str(s2.log, "0:=y;2:quiet=-", "and reads its own argv from the start");
}

int main(void)
{
    test_order_and_forms();
    test_errors();
    test_stop_help_version();
    test_state_reset();
    return tap_done();
}
