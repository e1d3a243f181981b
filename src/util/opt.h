/*
 * opt.h - the one command-line parser of `badmac`, `badmac compare` and
 * `badmac relay`.
 *
 * Each command declares its options as data (a bm_opt table) and one
 * handler; bm_opt_parse() runs glibc's getopt_long over argv and calls the
 * handler once per option and once per operand (capture file, ...), in
 * command-line order. The rules are the same for every command:
 *   - options may come anywhere, before or after operands;
 *   - "--name VALUE" and "--name=VALUE" are the same; "-x VALUE" and
 *     "-xVALUE" for a short option that takes a value;
 *   - long names are spelled in full (no abbreviations: an option added
 *     later cannot make an existing command line ambiguous);
 *   - "--" ends the options: every later argument is an operand, even one
 *     named "--json"; "-" alone is an operand;
 *   - --help / -h and --version are in every table implicitly: the help
 *     text or "badmac VERSION" on stdout, exit status 0;
 *   - an unknown option, a missing value or a value given to an option that
 *     takes none: one stderr line naming the option,
 *     "CMD: unknown option '--x' (see CMD --help)", exit status 2. A value is
 *     never echoed (it may be a key).
 * getopt_long's global state (optind, opterr, optopt, optarg) is reset and
 * read only inside bm_opt_parse(): callers never touch it. Not reentrant
 * (getopt is not): one parse at a time.
 */
#ifndef BM_UTIL_OPT_H
#define BM_UTIL_OPT_H

#include <stddef.h>

#define BM_OPT_MAX 48       /* options per table, --help and --version not counted */
#define BM_OPT_OPERAND 0    /* the handler's id for a non-option argument */
#define BM_OPT_RUN (-1)     /* bm_opt_parse: every argument handled, run the command */
#define BM_OPT_USAGE 2      /* exit status of a usage error */

typedef enum bm_opt_arg {
    BM_OPT_FLAG = 0,  /* takes no value */
    BM_OPT_VALUE = 1, /* takes exactly one (possibly empty) value */
} bm_opt_arg;

typedef struct bm_opt {
    const char *name; /* long name without "--"; MUST be unique in its table, not "help"/"version" */
    bm_opt_arg arg;
    int id;           /* passed to the handler; MUST be > 0 (BM_OPT_OPERAND is 0) */
    char short_name;  /* 0, or a letter that also selects this option ("-q"); not 'h' */
} bm_opt;

/* Called per option (id > 0, 'name' its long name, 'value' its value or NULL
 * for a flag) and per operand (id BM_OPT_OPERAND, 'name' NULL, 'value' the
 * argument). Returns 0 to go on; anything else stops the parse as a usage
 * error, after the handler printed its one stderr line (bm_opt_fail). */
typedef int (*bm_opt_fn)(void *ud, int id, const char *name, const char *value);

/* One command: its table, its handler and the texts of the implicit options. */
typedef struct bm_opt_cmd {
    const char *cmd;     /* "badmac", "badmac compare": error-line prefix and --help hint */
    const char *help;    /* printed as is on stdout for --help / -h */
    const char *version; /* printed as "badmac VERSION\n" on stdout for --version */
    const bm_opt *opts;
    size_t n_opts;       /* MUST be at most BM_OPT_MAX */
    bm_opt_fn on;
    void *ud;
} bm_opt_cmd;

/* Parses argv[1..argc) (argv[0], the command's name, is not read; argv is
 * not reordered). Returns BM_OPT_RUN when every argument was handled, or the
 * exit status to return now: 0 after --help / --version, BM_OPT_USAGE after a
 * usage error (one stderr line printed, by this function or the handler). */
int bm_opt_parse(const bm_opt_cmd *c, int argc, char **argv);

/* Prints "CMD: MESSAGE (see CMD --help)" as one stderr line and returns
 * BM_OPT_USAGE: for handlers and for the checks a command makes after the
 * parse (a missing operand, options that go together). */
int bm_opt_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A size option (compare --window, --max-state): decimal bytes with an
 * optional K, M or G suffix (powers of 1024), from 1K to 16G. 0, or -1 for
 * anything else (a sign, junk, overflow). */
int bm_opt_size(const char *s, size_t *out);

#endif
