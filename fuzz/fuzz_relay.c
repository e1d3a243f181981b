/*
 * fuzz_relay.c - libFuzzer harness for the relay's two parsers of strangers'
 * bytes: the fault specifications of the command line (bm_relay_fault_parse,
 * selectors included) and the record planner that frames a peer's stream
 * and applies the faults (bm_relay_dir_feed, then end of stream), with every
 * event written as the JSON log line `--log` writes.
 *
 * Input: up to BM_RELAY_MAX_FAULTS lines "OPTION ARGUMENT\n" (e.g.
 * "flip s2c,type=23,index=2:9:3"), a NUL byte, one byte choosing the
 * direction (bit 0) and the piece size (the rest, 1..128) in which the
 * remaining bytes are fed. Seeds: fuzz/corpus/relay (the matrix's fault
 * specifications over real record streams).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../src/relay/relay.h"

static void on_event(void *ud, const bm_relay_event *ev)
{
    bm_result r = bm_relay_event_write(ev, ud);
    (void)r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        return 0;
    static bm_relay_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 1;
    cfg.only_conn = -1;
    size_t i = 0;
    while (i < size && data[i] != 0) {
        size_t end = i;
        while (end < size && data[end] != '\n' && data[end] != 0)
            end++;
        char line[320];
        size_t n = end - i < sizeof line - 1 ? end - i : sizeof line - 1;
        memcpy(line, data + i, n);
        line[n] = 0;
        char *sp = strchr(line, ' ');
        if (sp && cfg.nfaults < BM_RELAY_MAX_FAULTS) {
            *sp = 0;
            if (!bm_is_ok(bm_relay_fault_parse(line, sp + 1, &cfg.faults[cfg.nfaults])))
                memset(&cfg.faults[cfg.nfaults], 0, sizeof cfg.faults[0]);
            else
                cfg.nfaults++;
        }
        i = end < size && data[end] == '\n' ? end + 1 : end;
    }
    if (i + 2 > size)
        return 0;
    uint8_t how = data[i + 1];
    i += 2;
    static bm_relay_dir d;
    bm_relay_dir_init(&d, &cfg, 0, how & 1);
    bm_relay_out out;
    bm_relay_out_init(&out);
    size_t piece = 1 + (how >> 1);
    bool ok = true;
    while (ok && i < size) {
        size_t n = size - i < piece ? size - i : piece;
        ok = bm_is_ok(bm_relay_dir_feed(&d, data + i, n, &out, on_event, sink));
        i += n;
        if (out.len > (1u << 20))
            bm_relay_out_consume(&out, out.len);
    }
    if (ok)
        ok = bm_is_ok(bm_relay_dir_eof(&d, &out, on_event, sink));
    bm_relay_out_free(&out);
    return 0;
}
