/*
 * keystore.h - every secret badmac was given, indexed for O(1) lookup.
 *
 * Entries are keyed by (label, id). For the NSS key log labels the id is the
 * 32-byte ClientHello.random; the other namespaces are listed with
 * bm_key_label. Each entry remembers where it came from (a name interned by
 * the store plus a line number) so that a report can say "keys: keylog.txt
 * line 12" without ever printing the secret.
 *
 * Duplicates: an identical (label, id, secret) is counted and ignored. A
 * conflicting one (same label and id, different secret) is kept as an
 * ALTERNATIVE behind the first: lookups return the first, and the diagnosis
 * walks e->alt to test "a key log line from another run/connection".
 *
 * Ownership: the store owns every entry, secret and interned name; pointers
 * it returns stay valid until bm_keystore_free(), which cleanses secrets.
 * Not thread-safe: one store per analysis.
 */
#ifndef BM_KEYS_KEYSTORE_H
#define BM_KEYS_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

/* Limits that keep a hostile key file from exhausting memory. */
#define BM_KEYSTORE_MAX_ENTRIES (1u << 22)
#define BM_KEYSTORE_MAX_ALTS 16   /* alternatives kept per (label, id) */
#define BM_KEYSTORE_MAX_ID 65535  /* longest id (a PSK identity) */
#define BM_KEYSTORE_MAX_SECRET 1024

typedef enum bm_key_label {
    /* NSS key log labels; id = client random (32 bytes) */
    BM_KEY_CLIENT_RANDOM = 0,               /* TLS <= 1.2 master secret, 48 bytes */
    BM_KEY_CLIENT_EARLY_TRAFFIC_SECRET,     /* TLS 1.3 secrets: 32, 48 or 64 bytes */
    BM_KEY_EARLY_EXPORTER_SECRET,
    BM_KEY_CLIENT_HANDSHAKE_TRAFFIC_SECRET,
    BM_KEY_SERVER_HANDSHAKE_TRAFFIC_SECRET,
    BM_KEY_CLIENT_TRAFFIC_SECRET_0,
    BM_KEY_SERVER_TRAFFIC_SECRET_0,
    BM_KEY_EXPORTER_SECRET,
    /* "RSA <8 bytes of encrypted premaster> <premaster>"; secret 48 bytes */
    BM_KEY_RSA_PMS,
    /* resumption: id = session id (1..32 bytes) / SHA-256 of the ticket;
     * secret = 48-byte master secret */
    BM_KEY_SESSION_ID,
    BM_KEY_TICKET,
    /* TLS 1.2 PSK: id = identity (empty = any identity); secret = the PSK */
    BM_KEY_PSK,
    BM_KEY_LABEL_COUNT_
} bm_key_label;

/* Read-only view of one stored secret. */
typedef struct bm_key_entry {
    bm_key_label label;
    const uint8_t *id;
    size_t id_len;
    const uint8_t *secret;
    size_t secret_len;
    const char *source;              /* interned: "keylog.txt", "DSB in x.pcapng at offset 96" */
    uint64_t line;                   /* line in 'source', 0 when not line-based */
    const struct bm_key_entry *alt;  /* next conflicting secret for the same label and id */
    /* internal links */
    struct bm_key_entry *hnext_;     /* hash chain (first entries of a group only) */
    struct bm_key_entry *order_next_; /* insertion order, alternatives included */
    struct bm_key_entry *alt_last_;
    unsigned n_alts_;
} bm_key_entry;

typedef struct bm_keystore_stats {
    uint64_t entries;                       /* stored, alternatives included */
    uint64_t by_label[BM_KEY_LABEL_COUNT_];
    uint64_t duplicates;                    /* identical entries ignored */
    uint64_t conflicts;                     /* kept as alternatives */
    uint64_t dropped;                       /* refused by the limits above */
    uint64_t unknown_labels;                /* key log lines with labels badmac does not use */
    uint64_t bad_lines;                     /* lines skipped with a diagnostic */
} bm_keystore_stats;

typedef struct bm_keystore bm_keystore;

typedef enum bm_ks_put {
    BM_KS_ADDED = 0,
    BM_KS_DUPLICATE,
    BM_KS_CONFLICT,   /* stored as an alternative */
    BM_KS_DROPPED     /* a limit was hit; nothing stored */
} bm_ks_put;

bm_keystore *bm_keystore_new(void);
void bm_keystore_free(bm_keystore *ks);

/* "CLIENT_RANDOM", ..., "RSA", "SESSION_ID", "TICKET", "PSK". */
const char *bm_key_label_name(bm_key_label label);
/* Key log labels only (the first 9); case-insensitive. 1 when known. */
int bm_key_label_parse(const char *s, size_t n, bm_key_label *out);

/* A copy of 'name' owned by the store (NULL on allocation failure). */
const char *bm_keystore_intern(bm_keystore *ks, const char *name);

/* Store a secret. 'source' need not outlive the call (it is interned).
 * 'how' (may be NULL) tells what happened. Errors: BM_ERR_USAGE for empty
 * or oversized secrets/ids, BM_ERR_NOMEM. A limit hit is not an error:
 * *how = BM_KS_DROPPED and stats.dropped counts it. */
BM_RESULT bm_keystore_put(bm_keystore *ks, bm_key_label label, const uint8_t *id, size_t id_len,
                          const uint8_t *secret, size_t secret_len, const char *source,
                          uint64_t line, bm_ks_put *how);

/* First entry for (label, id), or NULL; walk ->alt for the conflicting ones. */
const bm_key_entry *bm_keystore_find(const bm_keystore *ks, bm_key_label label, const uint8_t *id,
                                     size_t id_len);

/* The first secret for a key log label and client random, or NULL. */
const uint8_t *bm_keystore_get(const bm_keystore *ks, bm_key_label label,
                               const uint8_t client_random[32], size_t *len);

/* 48-byte premaster for an RSA-encrypted premaster (its first 8 bytes are
 * the key), or NULL (also when enc_len < 8). */
const uint8_t *bm_keystore_get_rsa_pms(const bm_keystore *ks, const uint8_t *enc_pms,
                                       size_t enc_len);

/* Resumption: master secrets by session id (1..32 bytes) and by ticket. */
BM_RESULT bm_keystore_put_session(bm_keystore *ks, const uint8_t *session_id, size_t len,
                                  const uint8_t master[48], const char *source, uint64_t line);
const uint8_t *bm_keystore_get_session(const bm_keystore *ks, const uint8_t *session_id,
                                       size_t len);
BM_RESULT bm_keystore_put_ticket(bm_keystore *ks, const uint8_t *ticket, size_t len,
                                 const uint8_t master[48], const char *source, uint64_t line);
const uint8_t *bm_keystore_get_ticket(const bm_keystore *ks, const uint8_t *ticket, size_t len);

/* PSK for an identity: the exact identity first, else the "any identity"
 * entry (stored with an empty identity), else NULL. */
const bm_key_entry *bm_keystore_get_psk(const bm_keystore *ks, const uint8_t *identity,
                                        size_t len);

/* Every entry in insertion order (alternatives included). */
const bm_key_entry *bm_keystore_first(const bm_keystore *ks);
const bm_key_entry *bm_keystore_next(const bm_key_entry *e);

const bm_keystore_stats *bm_keystore_get_stats(const bm_keystore *ks);
/* The oldest entries (insertion order) removed until at most 'keep' are
 * left, their memory cleansed: for a key log followed for days (live
 * capture), whose old lines open connections long gone. Entries found
 * before MUST NOT be used after (no stage keeps one across calls). The
 * number removed. */
uint64_t bm_keystore_expire(bm_keystore *ks, uint64_t keep);
/* For importers: counters of lines they skipped. */
void bm_keystore_count_unknown(bm_keystore *ks);
void bm_keystore_count_bad(bm_keystore *ks);

/* "keylog.txt line 12" / "DSB in cap.pcapng at offset 96 line 1" / "--psk":
 * never the secret. Always NUL-terminates (cap > 0). */
void bm_key_entry_where(const bm_key_entry *e, char *buf, size_t cap);

#endif
