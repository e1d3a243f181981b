/*
 * relay_main.c - `badmac relay`: command line, addresses, signals.
 */
#include "loop.h"

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
    "options:\n"
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

/* Parses argv into 'o' and 'ra'; returns 0 ok, 1 --help, 2 usage error. */
static int parse_args(int argc, char **argv, bm_relay_opts *o, relay_args *ra)
{
    int have_listen = 0, have_to = 0;
    double v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return 1;
        if (!strcmp(a, "--once")) {
            o->once = 1;
            continue;
        }
        if (!strcmp(a, "--intercept")) {
            ra->intercept = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || !arg) {
            fprintf(stderr, "badmac relay: %s: %s\n", a, arg ? "unexpected argument" : "needs a value");
            return 2;
        }
        i++;
        int good = 1;
        if (!strcmp(a, "--listen"))
            good = have_listen = resolve(arg, 1, 1, &o->listen_addr, &o->listen_len);
        else if (!strcmp(a, "--to"))
            good = have_to = resolve(arg, 0, 0, &o->to_addr, &o->to_len), ra->to = arg;
        else if (!strcmp(a, "--log"))
            ra->log = arg;
        else if (!strcmp(a, "--pcap"))
            ra->pcap = arg;
        else if (!strcmp(a, "--ca-cert"))
            ra->ca_cert = arg;
        else if (!strcmp(a, "--ca-key"))
            ra->ca_key = arg;
        else if (!strcmp(a, "--keylog"))
            ra->keylog = arg;
        else if (!strcmp(a, "--seed") && (good = num(arg, 0, 9007199254740992.0, &v)))
            o->cfg.seed = (uint64_t)v;
        else if (!strcmp(a, "--conn") && (good = num(arg, 0, 1e15, &v)))
            o->cfg.only_conn = (int64_t)v;
        else if (!strcmp(a, "--idle-timeout") && (good = num(arg, 0.001, 86400, &v)))
            o->idle_timeout_ms = (int)(v * 1000);
        else if (!strcmp(a, "--connect-timeout") && (good = num(arg, 0.001, 3600, &v)))
            o->connect_timeout_ms = (int)(v * 1000);
        else if (!strcmp(a, "--max-conns") && (good = num(arg, 1, 100000, &v)))
            o->max_conns = (unsigned)v;
        else if (!strcmp(a, "--seed") || !strcmp(a, "--conn") || !strcmp(a, "--idle-timeout") ||
                 !strcmp(a, "--connect-timeout") || !strcmp(a, "--max-conns"))
            good = 0;
        else if (o->cfg.nfaults == BM_RELAY_MAX_FAULTS) {
            fprintf(stderr, "badmac relay: more than %d faults\n", BM_RELAY_MAX_FAULTS);
            return 2;
        } else
            good = bm_is_ok(bm_relay_fault_parse(a + 2, arg, &o->cfg.faults[o->cfg.nfaults++]));
        if (!good) {
            fprintf(stderr, "badmac relay: %s %s: invalid (see badmac relay --help)\n", a, arg);
            return 2;
        }
    }
    if (!have_listen || !have_to) {
        fprintf(stderr, "badmac relay: --listen and --to are required\n%s", usage);
        return 2;
    }
    if (ra->intercept && (!ra->ca_cert || !ra->ca_key)) {
        fprintf(stderr, "badmac relay: --intercept needs --ca-cert FILE and --ca-key FILE\n");
        return 2;
    }
    if (!ra->intercept && (ra->ca_cert || ra->ca_key || ra->keylog)) {
        fprintf(stderr, "badmac relay: --ca-cert, --ca-key and --keylog go with --intercept\n");
        return 2;
    }
    return 0;
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
    if (prc == 1) {
        fputs(usage, stdout);
        return 0;
    }
    if (prc)
        return 2;

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
