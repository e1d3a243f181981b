/*
 * badmac.h - the public API: analyse captures, get one bm_conn per TLS
 * connection.
 *
 *   bm_analysis *a = bm_analysis_new(&opts);
 *   bm_analysis_add_capture(a, "cap.pcapng");   // repeat per file
 *   bm_analysis_finish(a, &totals);
 *   bm_analysis_free(a);
 *
 * Connections are handed to opts.on_conn as soon as they close (streaming:
 * memory does not grow with the capture); complaints about bad input go to
 * opts.on_diag as one line each ("FILE: frame N: what"). Nothing is global:
 * several analyses may run side by side.
 */
#ifndef BADMAC_BADMAC_H
#define BADMAC_BADMAC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conn.h"

#define BADMAC_VERSION "0.1.0"

/*
 * Key material (all optional; arrays of n paths/arguments, borrowed during
 * bm_analysis_new only). With none given, and no pcapng decryption-secrets
 * block in a capture, the analysis is keyless and as fast as without keys;
 * otherwise every protected record is decrypted and checked and bm_conn.crypto
 * is filled. Key files are read by bm_analysis_new: a bad line is one
 * on_diag line ("FILE: line N: ...") and the rest is used; a file that
 * cannot be read at all is one on_diag line and counted in
 * bm_totals.key_errors.
 *   keylogs:  NSS key logs (SSLKEYLOGFILE), mbedTLS or JSSE debug logs
 *   rsa_keys: PEM/DER RSA private keys (RSA key exchange)
 *   psks:     "IDENTITY:HEX" (TLS 1.2 PSK suites; empty identity = any)
 */
typedef struct bm_analysis_opts {
    void (*on_conn)(void *ud, const bm_conn *c); /* c valid only during the call */
    void (*on_diag)(void *ud, const char *line);  /* one line, no newline */
    void *ud;
    const char *const *keylogs;
    unsigned n_keylogs;
    const char *const *rsa_keys;
    unsigned n_rsa_keys;
    const char *const *psks;
    unsigned n_psks;
    /* Exports (optional; docs/json.md "Exports"). export_plaintext_dir MUST
     * exist (copied): decrypted application data, DIR/<id>-client.bin and
     * DIR/<id>-server.bin, DIR/<id>.json for what is missing. export_keylog
     * (borrowed, MUST outlive the analysis): NSS key log lines of the keys
     * each connection was decrypted with, deduplicated. Write errors are
     * on_diag lines, counted in bm_totals.export_errors. */
    const char *export_plaintext_dir;
    FILE *export_keylog;
    /* Memory for the state of the connections open at once (0: 1 GiB): past
     * it the least recently active connections are reported early, with
     * what was seen until then, and counted in a notice. */
    size_t max_state_bytes;
    /* Work the bit-error searches of the whole run may do, in bytes run
     * through a MAC or cipher (0: 8 GiB, a few seconds; a 16 KB record
     * under HMAC-SHA256 takes about 1 GiB). Once spent, a failing record's
     * search stops and its verdict says so (bit_search_incomplete), and
     * one notice counts the searches cut short or not run. */
    uint64_t search_budget;
    /* A BPF expression (tcpdump's syntax; NULL: every packet), borrowed:
     * only the packets it accepts are analysed; the others keep their frame
     * numbers. Check it first with bm_capture_filter_check (badmac -f). */
    const char *filter;
    /* --keep-failures: a directory (MUST exist) that receives, for every
     * failed connection, a pcapng of its packets with the keys that
     * decrypt it in a Decryption Secrets Block (bm_conn.evidence names it);
     * packets come from a ring of the most recent keep_ring_bytes (0: 64
     * MiB). NULL: none. */
    const char *keep_failures_dir;
    size_t keep_ring_bytes;
    /* Live capture (bm_analysis_add_live): the kernel's capture buffer
     * (tcpdump -B); 0: 64 MiB. Packets arriving while it is full are
     * dropped by the kernel (counted in a notice at the end). */
    size_t live_buffer_bytes;
    /* shards > 1: analyse only the connections of shard 'shard' (0-based)
     * of 'shards', chosen by a hash of the connection's two addresses (not
     * the ports: every connection between two hosts in one shard, so that
     * a resumed session is with the one it resumes), the same for both
     * directions and every run (badmac --shard, -j). Every shard reads every packet; messages about the capture and
     * the key files (not about one connection) come from shard 0 only,
     * which also counts frames. */
    unsigned shard, shards;
} bm_analysis_opts;

typedef struct bm_totals {
    uint64_t connections; /* TLS connections reported */
    uint64_t failed;      /* of which failed (bm_conn.status, docs/diagnoses.md "Failed") */
    uint64_t unknown;     /* of which the evidence does not decide */
    uint64_t frames;      /* packets read over all captures */
    uint64_t bytes;       /* captured bytes read */
    uint64_t closed_early;/* connections still open closed early to stay within --max-state (each reported
                             with what was seen until then; a notice says so) */
    unsigned input_errors;/* one-line complaints emitted (or suppressed): input that cannot be read */
    unsigned notices;     /* one-line notices: readable input badmac does not analyse (not errors) */
    unsigned unreadable;  /* captures that could not be read at all */
    unsigned key_errors;  /* key files that could not be read, malformed --psk arguments */
    unsigned export_errors; /* files of the exports that could not be written */
} bm_totals;

typedef struct bm_analysis bm_analysis;

bm_analysis *bm_analysis_new(const bm_analysis_opts *o);
/* Reads one capture to its end; connections still open are reported when
 * the file ends. Returns 0, or -1 if the file could not be read at all
 * (a message has been emitted). The path is borrowed until the call returns. */
int bm_analysis_add_capture(bm_analysis *a, const char *path);
/* Several files as one capture, merged by timestamp as mergecap merges
 * them (the pieces of a rotated capture): a connection that crosses a file
 * boundary stays one connection. Frames are numbered in the merged order
 * (as in the file `mergecap -w` writes); the connections' capture name is
 * "merged: FILE1 FILE2 ...". 0, or -1 when a file could not be read (the
 * others are analysed). */
int bm_analysis_add_merged(bm_analysis *a, const char *const *paths, unsigned n);
/* Live capture from interface 'iface' (libpcap; "any" too): each
 * connection is reported (on_conn) as it ends, or when idle 'idle_s'
 * seconds (0: 300); stops after 'duration_s' seconds or 'count' packets
 * (0: no limit), or as soon as *stop is set (a signal handler's flag; may
 * be NULL); connections still open then are reported as they stand. The
 * capture's name is "live:IFACE". 0, or -1 when it cannot capture. */
int bm_analysis_add_live(bm_analysis *a, const char *iface, double duration_s, uint64_t count, unsigned idle_s,
                         volatile const int *stop);
void bm_analysis_finish(bm_analysis *a, bm_totals *out);
void bm_analysis_free(bm_analysis *a);

#endif
