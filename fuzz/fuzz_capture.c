/*
 * fuzz_capture.c - libFuzzer harness for a whole capture file through the
 * public API (bm_analysis: capture, TCP, TLS, diagnosis, keyless): the
 * input is written to a file and read as a capture, so libpcap's readers
 * and badmac's own pcapng walker (decryption-secrets blocks; interfaces of
 * different link types, src/capture/pcapng.c) both see it.
 * Seeds: fuzz/corpus/capture (the fixtures' captures, fuzz/seeds.py; one
 * with two interfaces of different link types). Runs: docs/fuzzing.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../include/badmac/badmac.h"
#include "fuzz_util.h"

static void on_conn(void *ud, const bm_conn *c)
{
    (void)ud;
    fz_touch_conn(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_to_file("fuzz_capture", data, size);
    if (!path)
        return 0;
    bm_analysis_opts o;
    memset(&o, 0, sizeof o);
    o.on_conn = on_conn;
    o.on_diag = fz_drop_line;
    bm_analysis *a = bm_analysis_new(&o);
    if (!a)
        return 0;
    bm_analysis_add_capture(a, path);
    bm_totals t;
    bm_analysis_finish(a, &t);
    bm_analysis_free(a);
    return 0;
}
