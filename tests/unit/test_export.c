/*
 * test_export.c - the export stage's writers: the pcapng writer round trip
 * (libpcap reads the packets back; bm_pcapng_scan_secrets finds the DSB and
 * its text equals the key log) and the NSS key log writer (format, dedupe).
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "export/export.h"
#include "tap.h"

typedef struct seen {
    unsigned n;
    uint32_t type;
    char text[512];
    size_t len;
} seen;

static void on_dsb(void *ud, uint32_t type, const uint8_t *data, size_t len, uint64_t off)
{
    seen *s = ud;
    (void)off;
    s->n++;
    s->type = type;
    s->len = len < sizeof s->text ? len : sizeof s->text;
    memcpy(s->text, data, s->len);
}

static void test_pcapng(void)
{
    /* 13 bytes: not a multiple of 4, so the padding is exercised. */
    static const char keys[] = "CLIENT_RANDOM 00 11\n";
    static const uint8_t pkt[3][7] = {{1, 2, 3, 4, 5, 6, 7}, {9, 9, 9, 9, 9, 9, 9}, {0xff, 0, 0xff, 0, 0xff, 0, 1}};
    static const uint64_t ts[3] = {1700000000123456789ull, 1700000000123456790ull, 1700000001000000001ull};
    char path[] = "/tmp/bm_test_export_XXXXXX";
    int fd = mkstemp(path);
    ok(fd >= 0, "temp file");
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "wb");
    FILE *k = tmpfile();
    fputs(keys, k);
    ok(bm_is_ok(bm_pcapng_w_shb(f, "badmac test")), "SHB written");
    ok(bm_is_ok(bm_pcapng_w_idb(f, 1, 262144)), "IDB written");
    ok(bm_is_ok(bm_pcapng_w_dsb(f, BM_PCAPNG_SECRETS_TLS, k)), "DSB written");
    for (int i = 0; i < 3; i++)
        ok(bm_is_ok(bm_pcapng_w_epb(f, 0, ts[i], pkt[i], (uint32_t)(i == 2 ? 5 : 7), 7)), "EPB written");
    fclose(f);
    fclose(k);

    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
    ok(p != NULL, "libpcap opens the written file");
    if (p) {
        is_int(pcap_datalink(p), 1, "link type");
        is_int(pcap_snapshot(p), 262144, "snaplen");
        struct pcap_pkthdr *h;
        const u_char *d;
        int i = 0, good = 1;
        while (pcap_next_ex(p, &h, &d) == 1 && i < 3) {
            uint32_t want = i == 2 ? 5 : 7;
            uint64_t t = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
            if (h->caplen != want || h->len != 7 || memcmp(d, pkt[i], want) || t != ts[i])
                good = 0;
            i++;
        }
        is_int(i, 3, "three packets read back");
        ok(good, "lengths, bytes and nanosecond timestamps round-trip");
        pcap_close(p);
    }
    seen s;
    memset(&s, 0, sizeof s);
    ok(bm_is_ok(bm_pcapng_scan_secrets(path, on_dsb, &s, NULL)), "bm_pcapng_scan_secrets reads it");
    is_int(s.n, 1, "one DSB");
    is_int(s.type, BM_PCAPNG_SECRETS_TLS, "DSB type TLSK");
    ok(s.len == strlen(keys) && !memcmp(s.text, keys, s.len), "DSB content equals the key log text");
    unlink(path);
}

static void test_write_capture_errors(void)
{
    char err[256] = "";
    uint64_t n = 1;
    bm_result r = bm_export_write_capture("/nonexistent/in.pcap", "/tmp/bm_never_written.pcapng", NULL, &n, err,
                                          sizeof err);
    ok(!bm_is_ok(r), "unreadable input: error");
    ok(strstr(err, "/nonexistent/in.pcap") != NULL && !strchr(err, '\n'), "one line naming the input");
    is_int(n, 0, "no packets");
}

static void test_keylog(void)
{
    FILE *f = tmpfile();
    bm_keylog_out *o = bm_keylog_out_new(f);
    uint8_t cr[32], ms[48], s13[32];
    for (int i = 0; i < 32; i++)
        cr[i] = (uint8_t)i;
    memset(ms, 0xab, sizeof ms);
    memset(s13, 0x01, sizeof s13);
    is_int(bm_keylog_out_add(o, "CLIENT_RANDOM", cr, ms, 48), 1, "CLIENT_RANDOM written");
    is_int(bm_keylog_out_add(o, "CLIENT_RANDOM", cr, ms, 48), 0, "identical line: deduplicated");
    is_int(bm_keylog_out_add(o, "SERVER_TRAFFIC_SECRET_0", cr, s13, 32), 1, "TLS 1.3 label written");
    ms[47] = 0;
    is_int(bm_keylog_out_add(o, "CLIENT_RANDOM", cr, ms, 48), 1, "another secret for the same random: written");
    is_int(bm_keylog_out_add(o, "X", cr, ms, 65), -1, "secret longer than 64 bytes: refused");
    /* Many distinct lines: the dedupe table grows and still dedupes. */
    int dup = 0;
    for (int i = 0; i < 3000; i++) {
        cr[0] = (uint8_t)i;
        cr[1] = (uint8_t)(i >> 8);
        (void)bm_keylog_out_add(o, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", cr, s13, 32);
    }
    for (int i = 0; i < 3000; i++) {
        cr[0] = (uint8_t)i;
        cr[1] = (uint8_t)(i >> 8);
        dup += bm_keylog_out_add(o, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", cr, s13, 32) == 0;
    }
    is_int(dup, 3000, "3000 repeats after growth all deduplicated");
    is_int(bm_keylog_out_lines(o), 3003, "lines counted");
    rewind(f);
    char line[300];
    ok(fgets(line, sizeof line, f) != NULL, "read back");
    char want[300] = "CLIENT_RANDOM 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ";
    for (int i = 0; i < 48; i++)
        strcat(want, "ab");
    strcat(want, "\n");
    is_str(line, want, "NSS key log format: label, client random hex, secret hex");
    ok(fgets(line, sizeof line, f) && !strncmp(line, "SERVER_TRAFFIC_SECRET_0 000102", 30), "second line");
    bm_keylog_out_free(o);
    fclose(f);
}

int main(void)
{
    test_pcapng();
    test_write_capture_errors();
    test_keylog();
    return tap_done();
}
