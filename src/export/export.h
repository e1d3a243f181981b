/*
 * export.h - what badmac writes besides its report (issue [2/8]), only when
 * the user asks for it:
 *
 *   - the decrypted application data of every connection, one file per
 *     direction (DIR/<id>-client.bin, DIR/<id>-server.bin: the bytes that
 *     side sent, as Wireshark's "Follow TLS stream" shows them), plus a
 *     sidecar DIR/<id>.json listing what is missing (failed, undecryptable
 *     or lost records) when something is;
 *   - an NSS key log of the keys each connection was decrypted with
 *     (CLIENT_RANDOM master secrets, however they were obtained; the TLS 1.3
 *     traffic secrets used), deduplicated;
 *   - a pcapng copy of a capture with that key log in a Decryption Secrets
 *     Block, so Wireshark decrypts it with no key file.
 *
 * These files hold secrets or plaintext: they are created 0600 and nothing
 * of them reaches stdout or stderr.
 *
 * Memory: per live connection at most two open FILEs and a bounded gap list
 * (BM_EXPORT_MAX_GAPS); the key log dedupe table is capped at
 * BM_EXPORT_DEDUPE_MAX fingerprints (past it, repeats may be written again,
 * which key log readers accept).
 */
#ifndef BM_EXPORT_EXPORT_H
#define BM_EXPORT_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../capture/capture.h"
#include "../decrypt/decrypt.h"
#include "../util/err.h"

#define BM_EXPORT_MAX_GAPS 32
#define BM_EXPORT_DEDUPE_MAX (1u << 20)
#define BM_EXPORT_PATH_MAX 4096

/* ---- the NSS key log writer (keylog_out.c) ---- */
typedef struct bm_keylog_out bm_keylog_out;

/* f is borrowed and MUST outlive the writer. NULL on allocation failure. */
bm_keylog_out *bm_keylog_out_new(FILE *f);
/* Writes "LABEL <client random hex> <secret hex>\n" unless the same line
 * was written before. 1 written, 0 duplicate, -1 write error. */
int bm_keylog_out_add(bm_keylog_out *o, const char *label, const uint8_t client_random[32], const uint8_t *secret,
                      size_t len);
uint64_t bm_keylog_out_lines(const bm_keylog_out *o);
void bm_keylog_out_free(bm_keylog_out *o);

/* ---- the stage: plaintext files + key log, as a decryption observer (export.c, plain_out.c) ---- */
typedef struct bm_export bm_export;

/* plain_dir (MUST exist; NULL: no plaintext) is copied; keylog (NULL: none)
 * is borrowed. emit gets one line per write error (no newline). */
bm_export *bm_export_new(const char *plain_dir, FILE *keylog, void (*emit)(void *ud, const char *line), void *ud);
const bm_dec_observer *bm_export_observer(bm_export *e);
/* ---- the evidence of failed connections (evidence.c, --keep-failures DIR) ---- */
typedef struct bm_evidence bm_evidence;
#define BM_EVIDENCE_RING_DEFAULT ((size_t)64 << 20)
#define BM_EVIDENCE_SECRETS 16384u     /* the last secrets used, matched by client random */
#define BM_EVIDENCE_MAX_PACKET 262144u /* longer packets are not kept */
typedef struct bm_evidence_info {
    char path[BM_EXPORT_PATH_MAX];
    uint64_t packets, key_lines;
    bool partial;                      /* its first packets had left the ring */
} bm_evidence_info;
/* dir (MUST exist) is copied; ring_bytes of recent packets (at least 1 MiB)
 * are kept. emit gets one line per write error. NULL on allocation failure. */
bm_evidence *bm_evidence_new(const char *dir, size_t ring_bytes, void (*emit)(void *ud, const char *line), void *ud);
void bm_evidence_free(bm_evidence *e);
/* The capture stage's tap (bm_packet_tap, ud = the bm_evidence). */
void bm_evidence_packet(void *ud, uint64_t frame, uint64_t ts_ns, int linktype, const uint8_t *p, uint32_t caplen,
                        uint32_t len);
void bm_evidence_segment(void *ud, uint64_t frame, const bm_ip_addr *src, uint16_t sport, const bm_ip_addr *dst,
                         uint16_t dport);
/* A secret a connection was decrypted with (via the export observer). */
void bm_evidence_secret(bm_evidence *e, const char *label, const uint8_t cr[32], const uint8_t *secret, size_t len);
/* c's packets still in the ring, and its keys in a Decryption Secrets
 * Block, into DIR/<time>-<id>-<client>-<server>.pcapng (0600, written
 * whole or not at all). 0, or -1 after one emitted line. */
int bm_evidence_write(bm_evidence *e, const bm_conn *c, bm_evidence_info *info);
uint64_t bm_evidence_files(const bm_evidence *e);
unsigned bm_evidence_errors(const bm_evidence *e);
/* Every secret the decryption stage reports also goes to ev (NULL: none). */
void bm_export_set_evidence(bm_export *e, bm_evidence *ev);

/* Write errors so far (each emitted once). */
unsigned bm_export_errors(const bm_export *e);
void bm_export_free(bm_export *e);

/* mkdir -p (mode 0700 for what it creates). 0, or -1 with errno set. */
int bm_export_mkdir_p(const char *dir);

/* A file that will hold secrets or plaintext, opened for writing (mode
 * "wb", or "w+b" with 'read_too'), truncated: created 0600, an existing
 * one made 0600 too, never through a symbolic link (ELOOP). NULL with
 * errno set. */
FILE *bm_export_open_private(const char *path, bool read_too);

/* An export that replaces its target only once it is complete: the bytes
 * go to a temporary file beside 'path' (created 0600 by mkstemp, so never
 * through a link), and bm_export_commit renames it over the target; on
 * any failure bm_export_discard removes it and an existing target keeps its
 * old content. A target that is a symbolic link is refused (ELOOP); one
 * that exists and is not a regular file (/dev/null, a FIFO) is written in
 * place (tmp[0] == 0). Returns the stream ("wb", or "w+b" with
 * 'read_too'), the temporary name in tmp[cap]; NULL with errno set. */
FILE *bm_export_create(const char *path, bool read_too, char *tmp, size_t cap);
/* Flushes, syncs and closes f, then renames tmp to path. 0, or -1 with
 * errno set (tmp removed, the target untouched). */
int bm_export_commit(FILE *f, const char *tmp, const char *path);
/* Closes f and removes tmp (NULL f: only removes). */
void bm_export_discard(FILE *f, const char *tmp);

/* ---- pcapng writing (pcapng_out.c) ---- */
/* Blocks in little-endian order; each returns BM_ERR_IO on a write error. */
BM_RESULT bm_pcapng_w_shb(FILE *f, const char *userappl);
/* if_tsresol = 9: EPB timestamps are nanoseconds. */
BM_RESULT bm_pcapng_w_idb(FILE *f, uint16_t linktype, uint32_t snaplen);
/* A Decryption Secrets Block holding all of 'data' from its start
 * (BM_ERR_LIMIT past 64 MiB). */
BM_RESULT bm_pcapng_w_dsb(FILE *f, uint32_t secrets_type, FILE *data);
/* The same from memory. */
BM_RESULT bm_pcapng_w_dsb_mem(FILE *f, uint32_t secrets_type, const uint8_t *data, size_t n);
/* The LINKTYPE_ value (file) of a DLT_ value (libpcap). */
uint16_t bm_pcapng_linktype(int dlt);
BM_RESULT bm_pcapng_w_epb(FILE *f, uint32_t ifid, uint64_t ts_ns, const uint8_t *p, uint32_t caplen,
                          uint32_t origlen);

#define BM_PCAPNG_SECRETS_TLS 0x544c534bu

/* Copy capture 'in' (pcap or pcapng, read with libpcap) to 'out' as pcapng:
 * SHB, IDB (the input's link type and snaplen), a DSB with the key log text
 * of 'keys' (skipped when it is empty or NULL), one EPB per packet with
 * nanosecond timestamps. On failure 'err' holds one line; the packets read
 * before a read error are kept. */
BM_RESULT bm_export_write_capture(const char *in, const char *out, FILE *keys, uint64_t *packets, char *err,
                                  size_t cap);

#endif
