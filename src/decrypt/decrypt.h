/*
 * decrypt.h - the decryption stage (issue [2/8]): a bm_tls_hook that opens
 * every protected record with the key material it can find, verifies both
 * Finished messages, reads the alerts hidden under encryption, and writes
 * its findings into bm_conn.crypto (and corrects alerts, failed, fatal_from
 * and the suspect record) when the connection closes.
 *
 * Keys, by connection: TLS <= 1.2 - key log CLIENT_RANDOM, else an RSA key
 * matching the server certificate (or the only RSA key loaded) decrypting
 * the ClientKeyExchange, else a key log "RSA" premaster line, else a PSK
 * (plain PSK suites), else a resumed session's master secret learnt earlier
 * in the run; TLS 1.3 - the key log's traffic secrets, else a PSK (--psk)
 * the ServerHello accepted without a key_share (psk_ke: the PSK and the
 * transcript give every secret; with (EC)DHE only a key log can).
 *
 * Memory: per connection a handshake transcript (at most
 * BM_DEC_TRANSCRIPT_CAP, freed once both Finished are checked) and one
 * bm_rec per direction and epoch; handshake messages, decrypted ones
 * included, are reassembled by the TLS stage. One plaintext buffer for the
 * whole stage (lent to the TLS stage until record_done): nothing is
 * allocated per record.
 * Single-threaded, like the TLS stage it hooks into.
 */
#ifndef BM_DECRYPT_DECRYPT_H
#define BM_DECRYPT_DECRYPT_H

#include "../crypto/crypto.h"
#include "../crypto/rsa.h"
#include "../keys/keystore.h"
#include "../tls/hook.h"
#include "../util/diag.h"

#define BM_DEC_TRANSCRIPT_CAP (256u * 1024u)
/* Sequence numbers tried after a capture gap ("records lost in the gap"). */
#define BM_DEC_GAP_TRIES 16

typedef struct bm_decrypt bm_decrypt;

/*
 * An observer of what the stage opens (the export stage, src/export/): the
 * keys each connection is decrypted with and its application data. All
 * callbacks may be NULL. Sides are capture sides (BM_SIDE_A/B) until
 * conn_close says which one is the client.
 *
 * 'secret' hands out key material: the observer MUST write it only where
 * the user asked for it (--export-keylog, --write).
 */
typedef enum bm_dec_gap_kind {
    BM_DEC_GAP_FAILED = 0,   /* the record failed its integrity check */
    BM_DEC_GAP_UNDECRYPTABLE, /* bytes of it were not captured, or no keys for its epoch */
    BM_DEC_GAP_LOST          /* whole records lost in a capture gap before 'index' */
} bm_dec_gap_kind;

typedef struct bm_dec_observer {
    void *ud;
    /* One NSS key log entry a connection's keys came from or were derived
     * as (label e.g. "CLIENT_RANDOM", the 32-byte client random). */
    void (*secret)(void *ud, const char *label, const uint8_t client_random[32], const uint8_t *secret,
                   size_t len);
    /* Per-connection observer state (may return NULL). */
    void *(*conn_open)(void *ud);
    /* Verified application data that 'side' sent, record by record, in order. */
    void (*app_data)(void *oc, int side, uint64_t index, const uint8_t *p, size_t n);
    /* Application data that is not there: 'records' records (1 unless LOST),
     * 'bytes' their protected length (LOST: the stream bytes missing). */
    void (*app_gap)(void *oc, int side, uint64_t index, bm_dec_gap_kind kind, uint64_t records, uint64_t bytes);
    /* The connection closed: c is NULL when it was not TLS; frees oc. */
    void (*conn_close)(void *oc, const bm_conn *c, int client_side, bool have_keys);
} bm_dec_observer;

/* cc, ks and diag are borrowed and MUST outlive the stage; rsa may be NULL.
 * NULL on allocation failure. */
bm_decrypt *bm_decrypt_new(bm_crypto_ctx *cc, bm_keystore *ks, const bm_rsa_keys *rsa, bm_diag *diag);
/* The hook to install with bm_tls_set_hook (valid as long as the stage). */
const bm_tls_hook *bm_decrypt_hook(bm_decrypt *d);
void bm_decrypt_free(bm_decrypt *d);
/* Install an observer (copied) for connections opened from now on; NULL removes it. */
void bm_decrypt_set_observer(bm_decrypt *d, const bm_dec_observer *o);

#endif
