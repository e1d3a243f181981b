/*
 * kdf.h - key derivation: from a premaster/master secret or TLS 1.3 traffic
 * secrets to the keys that protect records, and the Finished values that
 * prove both sides derived the same ones.
 *
 * SSL 3.0 uses its MD5/SHA-1 construction, TLS 1.0/1.1 the P_MD5 xor P_SHA1
 * PRF, TLS 1.2 P_SHA256 or the suite's P_SHA384 (all through EVP_KDF
 * "TLS1-PRF" except SSL 3.0). TLS 1.3 is a chain of small named HKDF steps
 * (RFC 8446 section 7.1), as in picotls.
 *
 * Sizes: every secret buffer is BM_MAX_HASH_LEN (48) bytes; the bytes used
 * are bm_hash_len() of the hash in question. Functions that fail return
 * BM_ERR_UNSUPPORTED (unknown hash, missing algorithm), BM_ERR_USAGE (bad
 * lengths) or BM_ERR_CRYPTO. Outputs are secrets: clear them with
 * bm_dir_keys_clear() / OPENSSL_cleanse() when done; never print them.
 */
#ifndef BM_CRYPTO_KDF_H
#define BM_CRYPTO_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "crypto.h"
#include "suite.h"

#define BM_MASTER_SECRET_LEN 48
#define BM_RANDOM_LEN 32
#define BM_FINISHED_MAX 36 /* SSL 3.0: MD5 + SHA-1; TLS: 12; TLS 1.3: hash length */

/* The keys ONE side writes with (and the other side reads with). */
typedef struct bm_dir_keys {
    uint8_t mac_key[BM_MAX_MAC_KEY_LEN];
    uint8_t key[BM_MAX_KEY_LEN];
    uint8_t iv[BM_MAX_IV_LEN]; /* CBC IV (SSL 3.0/TLS 1.0), AEAD salt, TLS 1.3 IV */
    uint8_t mac_key_len, key_len, iv_len;
} bm_dir_keys;

/* Indexed by the WRITER's role: 0 client, 1 server (enum bm_role). */
typedef struct bm_key_block {
    bm_dir_keys dir[2];
} bm_key_block;

void bm_dir_keys_clear(bm_dir_keys *k);

/* out receives bm_hash_len(h) bytes. */
BM_RESULT bm_hash_bytes(bm_crypto_ctx *c, bm_hash h, const uint8_t *data, size_t len, uint8_t *out);

/* ---- SSL 3.0 .. TLS 1.2 ---- */

/* The PRF hash: MD5_SHA1 before TLS 1.2, else the suite's. */
bm_hash bm_prf_hash(uint16_t version, const bm_suite *s);

/* PRF(secret, label, seed1 + seed2)[out_len] with hash 'prf' (BM_HASH_MD5_SHA1
 * for TLS 1.0/1.1). seed2 may be NULL. */
BM_RESULT bm_prf(bm_crypto_ctx *c, bm_hash prf, const uint8_t *secret, size_t secret_len,
                 const char *label, const uint8_t *seed1, size_t seed1_len,
                 const uint8_t *seed2, size_t seed2_len, uint8_t *out, size_t out_len);

BM_RESULT bm_master_secret(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                           const uint8_t *pms, size_t pms_len,
                           const uint8_t client_random[BM_RANDOM_LEN],
                           const uint8_t server_random[BM_RANDOM_LEN],
                           uint8_t ms[BM_MASTER_SECRET_LEN]);

/* RFC 7627; session_hash from bm_session_hash(). Not defined for SSL 3.0. */
BM_RESULT bm_extended_master_secret(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                                    const uint8_t *pms, size_t pms_len,
                                    const uint8_t *session_hash, size_t hash_len,
                                    uint8_t ms[BM_MASTER_SECRET_LEN]);

/* Hash of the handshake messages (record headers excluded) as TLS <= 1.2
 * uses it: MD5||SHA-1 (36 bytes) before TLS 1.2, else the PRF hash. */
BM_RESULT bm_session_hash(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                          const uint8_t *msgs, size_t len,
                          uint8_t out[BM_MAX_HASH_LEN], size_t *out_len);

/* Expands the master secret and partitions the key block
 * (MAC keys, cipher keys, IVs; client before server). */
BM_RESULT bm_key_block_derive(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                              const uint8_t ms[BM_MASTER_SECRET_LEN],
                              const uint8_t client_random[BM_RANDOM_LEN],
                              const uint8_t server_random[BM_RANDOM_LEN], bm_key_block *kb);

/* Finished.verify_data sent by 'sender' (0 client, 1 server) over the raw
 * handshake messages before that Finished (SSL 3.0 needs the messages, not
 * a hash). *out_len: 36 for SSL 3.0, else 12. */
BM_RESULT bm_finished_verify_data(bm_crypto_ctx *c, uint16_t version, const bm_suite *s,
                                  const uint8_t ms[BM_MASTER_SECRET_LEN], int sender,
                                  const uint8_t *msgs, size_t len,
                                  uint8_t out[BM_FINISHED_MAX], size_t *out_len);

/* ---- TLS 1.3 (kdf13.c) ---- */

/* prk receives bm_hash_len(h) bytes; an empty salt means hash-length zeros. */
BM_RESULT bm_hkdf_extract(bm_crypto_ctx *c, bm_hash h, const uint8_t *salt, size_t salt_len,
                          const uint8_t *ikm, size_t ikm_len, uint8_t *prk);
BM_RESULT bm_hkdf_expand(bm_crypto_ctx *c, bm_hash h, const uint8_t *prk, size_t prk_len,
                         const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);
/* HKDF-Expand-Label(secret, "tls13 " + label, context, out_len); the secret
 * is bm_hash_len(h) bytes. label MUST be at most 249 characters. */
BM_RESULT bm_hkdf_expand_label(bm_crypto_ctx *c, bm_hash h, const uint8_t *secret,
                               const char *label, const uint8_t *context, size_t context_len,
                               uint8_t *out, size_t out_len);
/* Derive-Secret(secret, label, messages) given Transcript-Hash(messages);
 * thash NULL means the hash of no messages. */
BM_RESULT bm_tls13_derive_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *secret,
                                 const char *label, const uint8_t *thash, uint8_t *out);

/* The three extract stages. psk / ecdhe NULL means hash-length zeros
 * (no PSK; PSK-only handshake). */
BM_RESULT bm_tls13_early_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *psk,
                                size_t psk_len, uint8_t out[BM_MAX_HASH_LEN]);
BM_RESULT bm_tls13_handshake_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *early,
                                    const uint8_t *ecdhe, size_t ecdhe_len,
                                    uint8_t out[BM_MAX_HASH_LEN]);
BM_RESULT bm_tls13_master_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *handshake,
                                 uint8_t out[BM_MAX_HASH_LEN]);

/* Record key and IV ("key", "iv") from a traffic secret, sized by the suite. */
BM_RESULT bm_tls13_traffic_keys(bm_crypto_ctx *c, const bm_suite *s, const uint8_t *secret,
                                bm_dir_keys *k);
/* application_traffic_secret_N+1 ("traffic upd"), for KeyUpdate. */
BM_RESULT bm_tls13_update_secret(bm_crypto_ctx *c, bm_hash h, const uint8_t *secret,
                                 uint8_t out[BM_MAX_HASH_LEN]);
/* Finished.verify_data = HMAC(finished_key(base_key), thash). */
BM_RESULT bm_tls13_finished(bm_crypto_ctx *c, bm_hash h, const uint8_t *base_key,
                            const uint8_t *thash, uint8_t out[BM_MAX_HASH_LEN]);

typedef struct bm_tls13_schedule {
    bm_hash hash;
    size_t hash_len;
    uint8_t early[BM_MAX_HASH_LEN], handshake[BM_MAX_HASH_LEN], master[BM_MAX_HASH_LEN];
    uint8_t c_hs[BM_MAX_HASH_LEN], s_hs[BM_MAX_HASH_LEN];  /* handshake traffic */
    uint8_t c_ap[BM_MAX_HASH_LEN], s_ap[BM_MAX_HASH_LEN];  /* application traffic 0 */
} bm_tls13_schedule;

/* The whole schedule. th_hello = Transcript-Hash(ClientHello..ServerHello),
 * th_server_fin = Transcript-Hash(ClientHello..server Finished); the latter
 * may be NULL (application secrets are then left zero). */
BM_RESULT bm_tls13_schedule_run(bm_crypto_ctx *c, const bm_suite *s, const uint8_t *psk,
                                size_t psk_len, const uint8_t *ecdhe, size_t ecdhe_len,
                                const uint8_t *th_hello, const uint8_t *th_server_fin,
                                bm_tls13_schedule *out);
void bm_tls13_schedule_clear(bm_tls13_schedule *s);

#endif
