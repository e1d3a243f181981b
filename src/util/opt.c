/*
 * opt.c - bm_opt_parse(): a command's bm_opt table through glibc's
 * getopt_long (contract in opt.h).
 *
 * getopt_long runs in RETURN_IN_ORDER mode (optstring "-..."): operands come
 * back one by one as code 1, so options are accepted anywhere, argv is never
 * permuted, the handler sees everything in command-line order (relay faults
 * are order-sensitive) and POSIXLY_CORRECT changes nothing. A leading ':' in
 * optstring makes a missing value return ':' rather than '?'.
 */
#include "opt.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define OPT_LONG_BASE 256 /* getopt 'val' of entry i: OPT_LONG_BASE + i, above any short option */
#define OPT_N_IMPLICIT 2  /* --help, --version: after the command's entries */
#define OPT_N_ALL (BM_OPT_MAX + OPT_N_IMPLICIT)

static const bm_opt opt_implicit[OPT_N_IMPLICIT] = {
    {"help", BM_OPT_FLAG, 0, 'h'},
    {"version", BM_OPT_FLAG, 0, 0},
};

/* getopt_long's view of one command's table. */
typedef struct opt_tables {
    struct option lo[OPT_N_ALL + 1]; /* zero-terminated */
    char so[3 + 2 * OPT_N_ALL];      /* "-:" then the short letters, ':' after those taking a value */
    size_t n;                        /* entries, the implicit ones included */
} opt_tables;

int bm_opt_fail(const char *cmd, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s (see %s --help)\n", cmd, msg, cmd);
    return BM_OPT_USAGE;
}

/* Entry i of the command's table followed by the implicit ones. 'i' MUST be below n_opts + OPT_N_IMPLICIT. */
static const bm_opt *opt_entry(const bm_opt_cmd *c, size_t i)
{
    return i < c->n_opts ? &c->opts[i] : &opt_implicit[i - c->n_opts];
}

/* -1 when the table is too large (a programming error). */
static int opt_tables_build(opt_tables *t, const bm_opt_cmd *c)
{
    if (c->n_opts > BM_OPT_MAX)
        return -1;
    size_t k = 0;
    t->so[k++] = '-';
    t->so[k++] = ':';
    t->n = c->n_opts + OPT_N_IMPLICIT;
    for (size_t i = 0; i < t->n; i++) {
        const bm_opt *o = opt_entry(c, i);
        int has = o->arg == BM_OPT_VALUE ? required_argument : no_argument;
        t->lo[i] = (struct option){o->name, has, NULL, OPT_LONG_BASE + (int)i};
        if (o->short_name) {
            t->so[k++] = o->short_name;
            if (has == required_argument)
                t->so[k++] = ':';
        }
    }
    t->lo[t->n] = (struct option){NULL, 0, NULL, 0};
    t->so[k] = '\0';
    return 0;
}

/* The table index of getopt's code (a long 'val' or a short letter), or -1. */
static long opt_index(const bm_opt_cmd *c, const opt_tables *t, int code)
{
    if (code >= OPT_LONG_BASE)
        return code - OPT_LONG_BASE < (int)t->n ? code - OPT_LONG_BASE : -1;
    for (size_t i = 0; i < t->n; i++)
        if (opt_entry(c, i)->short_name == code)
            return (long)i;
    return -1;
}

/* True when 'arg' ("--name" or "--name=value") spells 'name' in full. */
static bool opt_exact(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg + 2, name, n) == 0 && (arg[2 + n] == '\0' || arg[2 + n] == '=');
}

/* The one-line error for getopt's '?' or ':'. 'which' is getopt's optopt (0: an
 * unknown or ambiguous long option), 'arg' the argv element getopt was reading. */
static int opt_error(const bm_opt_cmd *c, const opt_tables *t, const char *arg, int code, int which)
{
    char name[80];
    long i = which > 0 ? opt_index(c, t, which) : -1;
    if (which >= OPT_LONG_BASE && i >= 0)
        snprintf(name, sizeof name, "--%s", opt_entry(c, (size_t)i)->name);
    else if (which > 0)
        snprintf(name, sizeof name, "-%c", which);
    else /* its name without any value (a value may be a key) */
        snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
    if (code == ':')
        return bm_opt_fail(c->cmd, "option '%s' needs a value", name);
    if (which >= OPT_LONG_BASE)
        return bm_opt_fail(c->cmd, "option '%s' takes no value", name);
    return bm_opt_fail(c->cmd, "unknown option '%s'", name);
}

/* --help / --version: printed on stdout; the exit status. */
static int opt_implicit_run(const bm_opt_cmd *c, size_t k)
{
    if (k == 0)
        fputs(c->help, stdout);
    else
        printf("badmac %s\n", c->version);
    return 0;
}

/* One getopt_long result: BM_OPT_RUN to go on, else the exit status.
 * 'arg' is the argv element getopt read; 'li' its long index or -1. */
static int opt_dispatch(const bm_opt_cmd *c, const opt_tables *t, const char *arg, int code, int li)
{
    if (code == 1)
        return c->on(c->ud, BM_OPT_OPERAND, NULL, optarg) ? BM_OPT_USAGE : BM_OPT_RUN;
    /* An abbreviation is as unknown as any other name, whatever getopt made of it. */
    if (code == '?' || code == ':') {
        bool spelled = optopt < OPT_LONG_BASE || opt_exact(arg, t->lo[optopt - OPT_LONG_BASE].name);
        return spelled ? opt_error(c, t, arg, code, optopt) : opt_error(c, t, arg, '?', 0);
    }
    long i = opt_index(c, t, code);
    if (i < 0 || (li >= 0 && !opt_exact(arg, t->lo[li].name)))
        return opt_error(c, t, arg, '?', 0);
    if ((size_t)i >= c->n_opts)
        return opt_implicit_run(c, (size_t)i - c->n_opts);
    const bm_opt *o = &c->opts[i];
    return c->on(c->ud, o->id, o->name, o->arg == BM_OPT_VALUE ? optarg : NULL) ? BM_OPT_USAGE : BM_OPT_RUN;
}

int bm_opt_parse(const bm_opt_cmd *c, int argc, char **argv)
{
    opt_tables t;
    if (opt_tables_build(&t, c) != 0)
        return bm_opt_fail(c->cmd, "internal error: more than %d options", BM_OPT_MAX);
    optind = 0; /* glibc: 0 re-initialises getopt completely, whatever a previous parse left */
    opterr = 0; /* no getopt messages: ours are one line */
    for (;;) {
        /* In order mode a long option is always read from the start of argv[optind]
         * (optind is 0 only before the first call, which reads argv[1]). */
        int at = optind > 0 ? optind : 1, li = -1;
        int code = getopt_long(argc, argv, t.so, t.lo, &li);
        if (code == -1)
            break;
        int rc = opt_dispatch(c, &t, at < argc ? argv[at] : "", code, li);
        if (rc != BM_OPT_RUN)
            return rc;
    }
    for (int i = optind; i < argc; i++) /* after "--" */
        if (c->on(c->ud, BM_OPT_OPERAND, NULL, argv[i]) != 0)
            return BM_OPT_USAGE;
    return BM_OPT_RUN;
}

int bm_opt_size(const char *s, size_t *out)
{
    const unsigned long long max = 1ull << 34;
    char *end;
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    }
    end += shift ? 1 : 0;
    if (errno || *end || v > (max >> shift) || (v << shift) < 1024)
        return -1;
    *out = (size_t)(v << shift);
    return 0;
}
