/*
 * ends.h - the single-capture diagnosis at each vantage point, combined
 * with the comparison between them (`badmac compare --keylog K` or
 * `--diagnose`).
 *
 * Each capture goes once through the ordinary analysis (bm_analysis, with
 * the key material if given): the verdict of every connection with a
 * ClientHello is kept, by its client random (at most BM_CMP_ENDS_MAX per
 * capture). For each pair the two verdicts and the compare verdict then
 * give one conclusion: where the fault is (between the points, at the
 * receiver, at an endpoint, before the sender-side point, nowhere).
 */
#ifndef BM_COMPARE_ENDS_H
#define BM_COMPARE_ENDS_H

#include <stdbool.h>
#include <stddef.h>

#include "../../include/badmac/conn.h"
#include "compare.h"

#define BM_CMP_ENDS_MAX 4096   /* verdicts kept per capture */
#define BM_CMP_ENDS_KEYS 8     /* --keylog files, --rsa-key files, --psk arguments: each */

/* The key material of both points' analyses, as for `badmac` (pcapng
 * decryption-secrets blocks are read by the analysis itself). Kinds:
 * BM_CMP_KEYLOG, BM_CMP_RSA_KEY, BM_CMP_PSK. */
enum { BM_CMP_KEYLOG = 0, BM_CMP_RSA_KEY, BM_CMP_PSK, BM_CMP_KEY_KINDS };
typedef struct bm_cmp_keys {
    const char *v[BM_CMP_KEY_KINDS][BM_CMP_ENDS_KEYS]; /* borrowed: paths, or ID:HEX */
    unsigned n[BM_CMP_KEY_KINDS];
} bm_cmp_keys;

/* What the analysis of one capture said about one connection. */
typedef struct bm_cmp_end {
    uint8_t random[32];
    bm_cause cause;
    bm_confidence confidence;
    bool keyed;                /* key material was found for it */
    bool failed;               /* status failed (docs/diagnoses.md: the one definition) */
    bool unknown;              /* status unknown: the evidence for either is missing */
    bool aborted_only;         /* failed only by an abort (no alert, no bad record) */
    int fatal_from;            /* role that sent the first fatal alert, -1 none */
    char summary[BM_VLINE_TEXT_LEN]; /* the verdict's summary, worded by the report stage */
    bool has_cert;             /* the analysis saw the server's first certificate (in the clear,
                                  or decrypted: TLS 1.3 with keys) */
    char cert_subject[BM_NAME_LEN], cert_issuer[BM_NAME_LEN];
    uint8_t cert_sha256[32];   /* of that certificate's DER (with has_cert) */
} bm_cmp_end;

typedef struct bm_cmp_ends bm_cmp_ends;

/* The conclusion for one pair. */
typedef struct bm_cmp_conclusion {
    const bm_cmp_end *end[2];  /* per capture (A, B), NULL: not found */
    const char *placement;     /* "none", "between_points", "receiver", "endpoint",
                                  "before_sender_point", "unknown" */
    /* Interception: which leg failed by its own point's verdict: -1 none (or
     * not known), BM_CLIENT the client->proxy leg, BM_SERVER the
     * proxy->server leg, 2 both. */
    int failed_leg;
    char text[1024];
} bm_cmp_conclusion;

/* k: the key material (NULL or all empty: keyless; borrowed, MUST outlive
 * the bm_cmp_ends). NULL on no memory. */
bm_cmp_ends *bm_cmp_ends_new(const bm_cmp_keys *k);
void bm_cmp_ends_free(bm_cmp_ends *e);
/* Analyses capture 'cap' (path). Returns 0, or -1 when it cannot be read. */
int bm_cmp_ends_scan(bm_cmp_ends *e, int cap, const char *path);
/* Key files that could not be read (reported on stderr by the analysis). */
unsigned bm_cmp_ends_key_errors(const bm_cmp_ends *e);
/* The verdict of connection 'f' at capture 'cap' (by its client random),
 * or NULL: no ClientHello, or not kept. */
const bm_cmp_end *bm_cmp_ends_find(const bm_cmp_ends *e, int cap, const bm_cmp_fp *f);
/* Combines the pair's comparison with the verdicts at its two points. */
void bm_cmp_conclude(const bm_cmp_ends *e, const bm_cmp_result *r, bm_cmp_conclusion *out);

/* The leg at capture 'cap' failed, by its point's verdict. */
bool bm_cmp_end_bad(const bm_cmp_end *x);
const char *bm_cmp_cause_name(bm_cause c);
const char *bm_cmp_confidence_name(bm_confidence c);

#endif
