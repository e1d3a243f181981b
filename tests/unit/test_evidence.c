/* The evidence ring of --keep-failures (src/export/evidence.c): packets of
 * two connections interleaved through a 1 MiB ring, so that the oldest
 * leave it and packets wrap its end; a connection's file holds exactly its
 * packets still kept, byte for byte (read back with libpcap), says it is
 * partial when its first packets left, and carries its keys (and only its
 * keys) in a Decryption Secrets Block. Frame-run names of merged captures
 * (src/capture/merge.c) are checked here too. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "export/export.h"
#include "tap.h"

#define PKT 1000u

static void fill(uint8_t *p, uint64_t frame)
{
    for (unsigned i = 0; i < PKT; i++)
        p[i] = (uint8_t)(frame * 7 + i);
}

static bm_endpoint ep(uint8_t last, uint16_t port)
{
    bm_endpoint e = {.family = 4, .port = port};
    e.ip[0] = 10;
    e.ip[3] = last;
    return e;
}

static bm_ip_addr ip(uint8_t last)
{
    bm_ip_addr a = {.family = 4};
    a.ip[0] = 10;
    a.ip[3] = last;
    return a;
}

/* Frames from libpcap, checked against fill(); their count, -1 on a mismatch. */
static long read_back(const char *path, uint64_t first_frame, int *linktype)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p)
        return -1;
    *linktype = pcap_datalink(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    long n = 0;
    uint8_t want[PKT];
    uint64_t frame = first_frame;
    while (pcap_next_ex(p, &h, &d) == 1) {
        fill(want, frame);
        if (h->caplen != PKT || memcmp(d, want, PKT) != 0) {
            n = -1;
            break;
        }
        n++;
        frame += 2; /* every other frame is the connection's */
    }
    pcap_close(p);
    return n;
}

static void ring(void)
{
    char dir[] = "/tmp/badmac-evidence-XXXXXX";
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return;
    }
    bm_evidence *e = bm_evidence_new(dir, 1u << 20, NULL, NULL);
    ok(e != NULL, "an evidence writer with a 1 MiB ring");
    if (!e)
        return;
    uint8_t p[PKT];
    bm_ip_addr c1 = ip(1), s = ip(2), c2 = ip(3);
    for (uint64_t f = 1; f <= 3001; f++) { /* odd frames: connection 1, even: connection 2 */
        fill(p, f);
        bm_evidence_packet(e, f, f * 1000, DLT_RAW, p, PKT, PKT);
        if (f % 2)
            bm_evidence_segment(e, f, (f % 4 == 1) ? &c1 : &s, (f % 4 == 1) ? 40000 : 443,
                                (f % 4 == 1) ? &s : &c1, (f % 4 == 1) ? 443 : 40000);
        else
            bm_evidence_segment(e, f, &c2, 40001, &s, 443);
    }
    uint8_t cr1[32], cr2[32], sec[48];
    memset(cr1, 1, sizeof cr1);
    memset(cr2, 2, sizeof cr2);
    memset(sec, 0x5a, sizeof sec);
    bm_evidence_secret(e, "CLIENT_RANDOM", cr1, sec, sizeof sec);
    bm_evidence_secret(e, "CLIENT_RANDOM", cr2, sec, sizeof sec);

    bm_conn *c = calloc(1, sizeof *c);
    c->id = 7;
    c->client = ep(1, 40000);
    c->server = ep(2, 443);
    c->first_frame = 1;
    c->last_frame = 3001;
    c->first_ts_ns = 1000;
    memcpy(c->hs.client_random, cr1, 32);
    bm_evidence_info info;
    ok(bm_evidence_write(e, c, &info) == 0, "connection 1 written");
    /* 1 MiB holds 1048 packets of 1000 bytes: frames 1954..3001 kept, 524 of them odd */
    is_int((long)info.packets, 524, "its packets still in the ring: the odd frames of the last 1048");
    ok(info.partial, "partial: its first packets left the ring");
    is_int((long)info.key_lines, 1, "its key, not the other connection's");
    struct stat st;
    ok(stat(info.path, &st) == 0 && (st.st_mode & 0777) == 0600, "the file is mode 0600");
    int lt = -1;
    is_int(read_back(info.path, 1955, &lt), 524, "read back by libpcap: those packets, byte for byte (wrapped ones too)");
    ok(lt == DLT_RAW, "with its link type");
    unlink(info.path);

    c->first_frame = 2500; /* a connection wholly inside the ring */
    c->client = ep(3, 40001);
    c->id = 8;
    memcpy(c->hs.client_random, cr2, 32);
    ok(bm_evidence_write(e, c, &info) == 0 && !info.partial && info.packets == 251,
       "a connection wholly kept: not partial, its 251 packets");
    unlink(info.path);
    ok(bm_evidence_files(e) == 2 && bm_evidence_errors(e) == 0, "two files, no error");
    free(c);
    bm_evidence_free(e);
    rmdir(dir);
}

static void runs(void)
{
    /* runs are added by the merge reader; here through its public use:
     * a merge of two files read by bm_capture_read_merged is covered by
     * tests/e2e/inputs.t; the lookup of an empty run list is checked here */
    const char *paths[2] = {"a.pcap", "b.pcap"};
    bm_frame_runs *r = bm_frame_runs_new(paths, 2);
    bm_file_span sp[4];
    bool partial = true;
    uint64_t skipped = 9;
    ok(r && bm_frame_runs_spans(r, 1, 10, sp, 4, &partial, &skipped) == 0 && !partial && skipped == 0,
       "no frames read: no spans");
    const char *file = NULL;
    uint64_t local = 0;
    ok(r && bm_frame_runs_locate(r, 1, &file, &local) == 0, "no frames read: a frame is not located");
    bm_frame_runs_free(r);
}

int main(void)
{
    ring();
    runs();
    return tap_done();
}
