#define _GNU_SOURCE /* memmem */
/*
 * fuzz_capture.c - libFuzzer harness for a whole capture file through the
 * public API (bm_analysis: capture, TCP, TLS, diagnosis, keyless): the
 * input is written to a file and read as a capture, so libpcap's readers
 * and badmac's own pcapng walker (decryption-secrets blocks; interfaces of
 * different link types, src/capture/pcapng.c) both see it.
 * Seeds: fuzz/corpus/capture (the fixtures' captures, fuzz/seeds.py; one
 * with two interfaces of different link types; gzip, zstd and xz copies
 * of a few, read through the decompressors of src/capture/open.c).
 * An input holding the marker FZ_SPLIT is two captures, before and after
 * it, read as one (merged by timestamp, src/capture/merge.c, with the frame
 * runs that name files and frames). Failed connections are written as
 * evidence (--keep-failures, src/export/evidence.c) to a directory emptied
 * after each input. Runs: docs/fuzzing.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../include/badmac/badmac.h"
#include "fuzz_util.h"

static void on_conn(void *ud, const bm_conn *c)
{
    (void)ud;
    fz_touch_conn(c);
}

#define FZ_SPLIT "BMSPLIT!"

/* The evidence files of the last input removed (names badmac made). */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz_capture_ev.%d", (int)getpid());
        mkdir(dir, 0700);
    }
    const uint8_t *cut = size >= 8 ? memmem(data, size, FZ_SPLIT, 8) : NULL;
    size_t first = cut ? (size_t)(cut - data) : size;
    const char *one = fz_to_file("fuzz_capture", data, first);
    if (!one)
        return 0;
    char path[2][96];
    snprintf(path[0], sizeof path[0], "%s", one);
    const char *paths[2] = {path[0], path[1]};
    if (cut) {
        const char *two = fz_to_file("fuzz_capture_b", cut + 8, size - first - 8);
        if (!two)
            return 0;
        snprintf(path[1], sizeof path[1], "%s", two);
    }
    bm_analysis_opts o;
    memset(&o, 0, sizeof o);
    o.on_conn = on_conn;
    o.on_diag = fz_drop_line;
    o.keep_failures_dir = dir;
    o.keep_ring_bytes = 1u << 20;
    bm_analysis *a = bm_analysis_new(&o);
    if (!a)
        return 0;
    if (cut)
        bm_analysis_add_merged(a, paths, 2);
    else
        bm_analysis_add_capture(a, path[0]);
    bm_totals t;
    bm_analysis_finish(a, &t);
    bm_analysis_free(a);
    empty_dir(dir);
    return 0;
}
