/*
 * relay_main.c - `badmac relay`: command line, addresses, signals.
 */
#include "loop.h"
#include "../../include/badmac/badmac.h"
#include "../util/opt.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The one mutable global: set by the SIGINT/SIGTERM handler, read by the
 * event loop, which wakes at least every BM_RELAY_POLL_MAX_MS to see it. */
static volatile sig_atomic_t bm_relay_stop;

static void on_signal(int sig)
{
    (void)sig;
    bm_relay_stop = 1;
}

static const char usage[] =
    "usage: badmac relay --listen [ADDR:]PORT --to HOST:PORT [options] [faults]\n"
    "\n"
    "A TCP relay that follows TLS record framing in both directions and\n"
    "injects faults into chosen records, deterministically from --seed.\n"
    "\n"
    "options (--opt VALUE and --opt=VALUE are the same):\n"
    "  --listen [ADDR:]PORT   where to accept (ADDR defaults to 127.0.0.1; PORT 0 = any,\n"
    "                         the chosen port is printed on stderr)\n"
    "  --to HOST:PORT         the server to connect to\n"
    "  --log FILE             JSON lines of every fault and connection ('-' = stdout)\n"
    "  --pcap FILE            pcapng with two interfaces: client-leg and server-leg\n"
    "  --seed N               seed of every random choice (default 1)\n"
    "  --conn N               inject faults only into the Nth accepted connection (from 0)\n"
    "  --idle-timeout SEC     reset connections idle this long (default 60)\n"
    "  --connect-timeout SEC  give up connecting to the server (default 5)\n"
    "  --max-conns N          connections at once (default 256)\n"
    "  --once                 stop after the first connection\n"
    "  --intercept            terminate TLS with a leaf signed by --ca-cert/--ca-key and\n"
    "                         open a second TLS session to the server (same version,\n"
    "                         suite and SNI); faults apply to the relay's own records\n"
    "  --ca-cert FILE         the interception CA's certificate (PEM)\n"
    "  --ca-key FILE          its private key (PEM, unencrypted)\n"
    "  --keylog FILE          append both legs' TLS secrets (NSS key log) to FILE\n"
    "  --help, --version      this text; the version\n"
    "\n"
    "faults (SEL: c2s|s2c,index=N,type=T,minlen=N,nth-app=N,rate=A/B,conn=N;\n"
    "comma-joined, all must match; counts start at 0; OFFSET counts from the\n"
    "first byte after the 5-byte header, negative from the end, or 'rand'):\n"
    "  --flip SEL:OFFSET:BIT        flip bit BIT (0-7 or rand) of one body byte\n"
    "  --flip-bits SEL:N            flip N distinct random body bits (N <= 64)\n"
    "  --burst SEL:OFFSET:LEN       overwrite LEN body bytes with random bytes\n"
    "  --drop SEL                   do not send the record\n"
    "  --dup SEL                    send the record twice\n"
    "  --swap SEL                   send the next record first\n"
    "  --merge SEL                  send the next record's body under this record's header\n"
    "  --truncate SEL:N             remove N body bytes, fix the length field\n"
    "  --truncate-keep SEL:N        remove N body bytes, keep the length field\n"
    "  --cut SEL                    close both legs instead of sending the record\n"
    "  --segment SEL:SIZES          write the record in pieces, e.g. 1,7,3\n"
    "  --delay SEL:MS               wait MS before sending the record\n";

/* "[host]:port", "host:port" or (when 'host_opt') "port". */
static int resolve(const char *text, int host_opt, int passive, struct sockaddr_storage *ss,
                   socklen_t *len)
{
    char buf[300];
    const char *host = host_opt ? "127.0.0.1" : NULL, *port = text;
    if (strlen(text) >= sizeof buf)
        return 0;
    strcpy(buf, text);
    char *colon = strrchr(buf, ':');
    if (colon) {
        *colon = '\0';
        host = buf;
        port = colon + 1;
        if (buf[0] == '[' && colon > buf + 1 && colon[-1] == ']') {
            colon[-1] = '\0';
            host = buf + 1;
        }
    }
    if (!host || !*port)
        return 0;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        return 0;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 1;
}

static int listen_on(const bm_relay_opts *o)
{
    int one = 1;
    int fd = socket(o->listen_addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
        bind(fd, (const struct sockaddr *)&o->listen_addr, o->listen_len) != 0 ||
        listen(fd, 128) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return 0;
    *out = v;
    return 1;
}

/* The command line's file names and --intercept. */
typedef struct relay_args {
    const char *log, *pcap, *to;
    const char *ca_cert, *ca_key, *keylog;
    int intercept;
} relay_args;

/* What the option handler fills. */
typedef struct relay_parse {
    bm_relay_opts *o;
    relay_args *ra;
    int have_listen, have_to;
} relay_parse;

enum {
    RELAY_LISTEN = 1,
    RELAY_TO,
    RELAY_LOG,
    RELAY_PCAP,
    RELAY_SEED,
    RELAY_CONN,
    RELAY_IDLE_TIMEOUT,
    RELAY_CONNECT_TIMEOUT,
    RELAY_MAX_CONNS,
    RELAY_ONCE,
    RELAY_INTERCEPT,
    RELAY_CA_CERT,
    RELAY_CA_KEY,
    RELAY_KEYLOG,
    RELAY_FAULT, /* every fault option: its name is the fault kind's (bm_relay_kind_name) */
};

static const bm_opt relay_opts[] = {
    {"listen", BM_OPT_VALUE, RELAY_LISTEN, 0},
    {"to", BM_OPT_VALUE, RELAY_TO, 0},
    {"log", BM_OPT_VALUE, RELAY_LOG, 0},
    {"pcap", BM_OPT_VALUE, RELAY_PCAP, 0},
    {"seed", BM_OPT_VALUE, RELAY_SEED, 0},
    {"conn", BM_OPT_VALUE, RELAY_CONN, 0},
    {"idle-timeout", BM_OPT_VALUE, RELAY_IDLE_TIMEOUT, 0},
    {"connect-timeout", BM_OPT_VALUE, RELAY_CONNECT_TIMEOUT, 0},
    {"max-conns", BM_OPT_VALUE, RELAY_MAX_CONNS, 0},
    {"once", BM_OPT_FLAG, RELAY_ONCE, 0},
    {"intercept", BM_OPT_FLAG, RELAY_INTERCEPT, 0},
    {"ca-cert", BM_OPT_VALUE, RELAY_CA_CERT, 0},
    {"ca-key", BM_OPT_VALUE, RELAY_CA_KEY, 0},
    {"keylog", BM_OPT_VALUE, RELAY_KEYLOG, 0},
};

#define RELAY_N_OPTS (sizeof relay_opts / sizeof relay_opts[0] + BM_FAULT_KIND_COUNT_)
#define RELAY_CMD "badmac relay"

/* The numeric options: 1 when 'arg' is a number in the option's range (stored), else 0. */
static int relay_number(bm_relay_opts *o, int id, const char *arg)
{
    double v;
    if (id == RELAY_SEED && num(arg, 0, 9007199254740992.0, &v))
        o->cfg.seed = (uint64_t)v;
    else if (id == RELAY_CONN && num(arg, 0, 1e15, &v))
        o->cfg.only_conn = (int64_t)v;
    else if (id == RELAY_IDLE_TIMEOUT && num(arg, 0.001, 86400, &v))
        o->idle_timeout_ms = (int)(v * 1000);
    else if (id == RELAY_CONNECT_TIMEOUT && num(arg, 0.001, 3600, &v))
        o->connect_timeout_ms = (int)(v * 1000);
    else if (id == RELAY_MAX_CONNS && num(arg, 1, 100000, &v))
        o->max_conns = (unsigned)v;
    else
        return 0;
    return 1;
}

/* The file names: where each option's value goes. */
static const char **relay_name_slot(relay_args *ra, int id)
{
    switch (id) {
    case RELAY_LOG:
        return &ra->log;
    case RELAY_PCAP:
        return &ra->pcap;
    case RELAY_CA_CERT:
        return &ra->ca_cert;
    case RELAY_CA_KEY:
        return &ra->ca_key;
    default: /* RELAY_KEYLOG */
        return &ra->keylog;
    }
}

/* An option with a value: 1 when the value is valid (stored), else 0. A fault
 * MUST have room in the table; faults are kept in command-line order. */
static int relay_value(relay_parse *p, int id, const char *name, const char *arg)
{
    switch (id) {
    case RELAY_LISTEN:
        return p->have_listen = resolve(arg, 1, 1, &p->o->listen_addr, &p->o->listen_len);
    case RELAY_TO:
        p->ra->to = arg;
        return p->have_to = resolve(arg, 0, 0, &p->o->to_addr, &p->o->to_len);
    case RELAY_FAULT:
        return bm_is_ok(bm_relay_fault_parse(name, arg, &p->o->cfg.faults[p->o->cfg.nfaults++]));
    case RELAY_LOG:
    case RELAY_PCAP:
    case RELAY_CA_CERT:
    case RELAY_CA_KEY:
    case RELAY_KEYLOG:
        *relay_name_slot(p->ra, id) = arg;
        return 1;
    default:
        return relay_number(p->o, id, arg);
    }
}

/* bm_opt_fn of `badmac relay` ('ud' a relay_parse): 0, or 2 after a one-line error. */
static int relay_on_opt(void *ud, int id, const char *name, const char *arg)
{
    relay_parse *p = ud;
    if (id == BM_OPT_OPERAND)
        return bm_opt_fail(RELAY_CMD, "unexpected argument '%s'", arg);
    if (id == RELAY_ONCE)
        p->o->once = 1;
    else if (id == RELAY_INTERCEPT)
        p->ra->intercept = 1;
    else if (id == RELAY_FAULT && p->o->cfg.nfaults == BM_RELAY_MAX_FAULTS)
        return bm_opt_fail(RELAY_CMD, "more than %d faults", BM_RELAY_MAX_FAULTS);
    else if (!relay_value(p, id, name, arg))
        return bm_opt_fail(RELAY_CMD, "--%s %s: invalid", name, arg);
    return 0;
}

/* The options that go together. 0, or 2 after a one-line error. */
static int relay_check(const relay_parse *p)
{
    const relay_args *ra = p->ra;
    if (!p->have_listen || !p->have_to)
        return bm_opt_fail(RELAY_CMD, "--listen and --to are required");
    if (ra->intercept && (!ra->ca_cert || !ra->ca_key))
        return bm_opt_fail(RELAY_CMD, "--intercept needs --ca-cert FILE and --ca-key FILE");
    if (!ra->intercept && (ra->ca_cert || ra->ca_key || ra->keylog))
        return bm_opt_fail(RELAY_CMD, "--ca-cert, --ca-key and --keylog go with --intercept");
    return 0;
}

/* Parses argv into 'o' and 'ra': BM_OPT_RUN, or the exit status to return now
 * (0 after --help / --version, 2 after a usage error). */
static int parse_args(int argc, char **argv, bm_relay_opts *o, relay_args *ra)
{
    bm_opt opts[RELAY_N_OPTS];
    size_t n = sizeof relay_opts / sizeof relay_opts[0];
    memcpy(opts, relay_opts, sizeof relay_opts);
    for (int k = 0; k < BM_FAULT_KIND_COUNT_; k++)
        opts[n++] = (bm_opt){bm_relay_kind_name((bm_relay_kind)k), BM_OPT_VALUE, RELAY_FAULT, 0};
    relay_parse p = {.o = o, .ra = ra};
    bm_opt_cmd cmd = {.cmd = RELAY_CMD, .help = usage, .version = BADMAC_VERSION,
                      .opts = opts, .n_opts = n, .on = relay_on_opt, .ud = &p};
    int rc = bm_opt_parse(&cmd, argc, argv);
    if (rc == BM_OPT_RUN && relay_check(&p) != 0)
        return BM_OPT_USAGE;
    return rc;
}

/* The --to host, without port and brackets: the leaf's name without SNI. */
static void to_host(const char *to, char *out, size_t cap)
{
    const char *colon = strrchr(to, ':');
    size_t n = colon ? (size_t)(colon - to) : strlen(to);
    if (n >= 2 && to[0] == '[' && to[n - 1] == ']') {
        to++;
        n -= 2;
    }
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), to);
}

static void print_listening(const bm_relay_opts *o, int lfd, const char *to)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (getsockname(lfd, (struct sockaddr *)&ss, &len) == 0 &&
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
        fprintf(o->info, "badmac relay: listening on %s port %s, forwarding to %s\n", host, serv, to);
        fflush(o->info);
    }
}

int bm_relay_main(int argc, char **argv)
{
    bm_relay_opts o; /* about 9 KiB with the fault table */
    relay_args ra;
    memset(&o, 0, sizeof o);
    memset(&ra, 0, sizeof ra);
    o.cfg.seed = 1;
    o.cfg.only_conn = -1;
    o.connect_timeout_ms = 5000;
    o.idle_timeout_ms = 60000;
    o.max_conns = 256;
    o.info = stderr;
    o.stop = &bm_relay_stop;
    int prc = parse_args(argc, argv, &o, &ra);
    if (prc != BM_OPT_RUN)
        return prc;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    bm_relay_stop = 0;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);

    int rc = 1, lfd = -1;
    FILE *logf = NULL;
    bm_pcapng pcapw;
    if (ra.intercept) {
        char err[512], host[256];
        to_host(ra.to, host, sizeof host);
        if (!(o.icpt = bm_icpt_new(ra.ca_cert, ra.ca_key, ra.keylog, host, err, sizeof err))) {
            fprintf(stderr, "badmac relay: %s\n", err);
            return 1;
        }
    }
    if ((lfd = listen_on(&o)) < 0) {
        fprintf(stderr, "badmac relay: cannot listen: %s\n", strerror(errno));
        goto out;
    }
    if (ra.log && strcmp(ra.log, "-") != 0 && !(logf = fopen(ra.log, "w"))) {
        fprintf(stderr, "badmac relay: %s: %s\n", ra.log, strerror(errno));
        goto out;
    }
    o.log = ra.log ? (logf ? logf : stdout) : NULL;
    if (ra.pcap) {
        if (!bm_is_ok(bm_pcapng_open(&pcapw, ra.pcap))) {
            fprintf(stderr, "badmac relay: %s: cannot write\n", ra.pcap);
            goto out;
        }
        o.pcap = &pcapw;
    }
    print_listening(&o, lfd, ra.to);
    rc = bm_relay_run(&o, lfd);
    lfd = -1; /* closed by the loop */
    if (ra.log && !o.log) /* a write failed: said on stderr when it happened */
        rc = 1;
    if (o.pcap && !bm_is_ok(bm_pcapng_close(o.pcap))) {
        fprintf(stderr, "badmac relay: %s: write error\n", ra.pcap);
        rc = 1;
    }
out:
    if (lfd >= 0)
        close(lfd);
    if (logf && fclose(logf) != 0)
        rc = 1;
    bm_icpt_free(o.icpt);
    return rc;
}
