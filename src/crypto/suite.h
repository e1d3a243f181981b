/*
 * suite.h - the cipher suites badmac can decrypt, and what each one means
 * for record protection and key derivation.
 *
 * One static, sorted table (suite.c); bm_suite_find() is a binary search.
 * Lengths are in bytes. Export suites, GOST, SRP-less oddities and the
 * Camellia/ARIA CBC suites OpenSSL never implemented are absent: an unknown
 * suite is reported as such, never guessed.
 */
#ifndef BM_CRYPTO_SUITE_H
#define BM_CRYPTO_SUITE_H

#include <stddef.h>
#include <stdint.h>

typedef enum bm_kx {
    BM_KX_NULL = 0, /* TLS_NULL_WITH_NULL_NULL */
    BM_KX_RSA,
    BM_KX_DH,       /* static DH_DSS / DH_RSA */
    BM_KX_DHE,
    BM_KX_DH_ANON,
    BM_KX_ECDH,     /* static ECDH_ECDSA / ECDH_RSA */
    BM_KX_ECDHE,
    BM_KX_ECDH_ANON,
    BM_KX_PSK,
    BM_KX_DHE_PSK,
    BM_KX_RSA_PSK,
    BM_KX_ECDHE_PSK,
    BM_KX_SRP,
    BM_KX_TLS13     /* negotiated by extensions, not by the suite */
} bm_kx;

typedef enum bm_cipher {
    BM_CIPHER_NULL = 0,
    BM_CIPHER_RC4_128,
    BM_CIPHER_DES_CBC,
    BM_CIPHER_3DES_EDE_CBC,
    BM_CIPHER_AES_128_CBC,
    BM_CIPHER_AES_256_CBC,
    BM_CIPHER_CAMELLIA_128_CBC,
    BM_CIPHER_CAMELLIA_256_CBC,
    BM_CIPHER_SEED_CBC,
    BM_CIPHER_AES_128_GCM,
    BM_CIPHER_AES_256_GCM,
    BM_CIPHER_AES_128_CCM,
    BM_CIPHER_AES_256_CCM,
    BM_CIPHER_AES_128_CCM_8,
    BM_CIPHER_AES_256_CCM_8,
    BM_CIPHER_ARIA_128_GCM,
    BM_CIPHER_ARIA_256_GCM,
    BM_CIPHER_CHACHA20_POLY1305,
    BM_CIPHER_COUNT_
} bm_cipher;

/* How records are protected (TLS <= 1.2; TLS 1.3 is always AEAD). */
typedef enum bm_mode {
    BM_MODE_STREAM = 0, /* NULL or RC4, then HMAC */
    BM_MODE_CBC,        /* block cipher, MAC-then-encrypt or RFC 7366 EtM */
    BM_MODE_AEAD,       /* GCM/CCM: 4-byte implicit + 8-byte explicit nonce */
    BM_MODE_CHACHA      /* RFC 7905: nonce = 12-byte IV xor sequence number */
} bm_mode;

typedef enum bm_hash {
    BM_HASH_NONE = 0,
    BM_HASH_MD5,
    BM_HASH_SHA1,
    BM_HASH_SHA256,
    BM_HASH_SHA384,
    BM_HASH_MD5_SHA1, /* the TLS 1.0/1.1 PRF and transcript */
    BM_HASH_COUNT_
} bm_hash;

#define BM_MAX_HASH_LEN 48
#define BM_MAX_KEY_LEN 32
#define BM_MAX_IV_LEN 16
#define BM_MAX_MAC_KEY_LEN 48

typedef struct bm_suite {
    uint16_t id;
    uint8_t kx;            /* bm_kx */
    uint8_t cipher;        /* bm_cipher */
    uint8_t mode;          /* bm_mode */
    uint8_t key_len;       /* cipher key */
    uint8_t fixed_iv_len;  /* IV bytes taken from the key block: the CBC IV
                            * (used by SSL 3.0 / TLS 1.0), the AEAD salt */
    uint8_t record_iv_len; /* explicit per-record IV/nonce: CBC at TLS >= 1.1, GCM/CCM */
    uint8_t block_len;     /* 1 for stream and AEAD ciphers */
    uint8_t tag_len;       /* AEAD tag, 0 otherwise */
    uint8_t mac;           /* bm_hash of the record HMAC, BM_HASH_NONE for AEAD */
    uint8_t mac_len;       /* full HMAC output (also the MAC key length) */
    uint8_t prf;           /* bm_hash of the TLS 1.2 PRF / TLS 1.3 HKDF */
    uint16_t min_version;  /* first protocol version that defines the suite */
    const char *name;      /* IANA name */
} bm_suite;

/* NULL when the suite is unknown. */
const bm_suite *bm_suite_find(uint16_t id);
/* The whole table, sorted by id (for tests and listings). */
const bm_suite *bm_suite_table(size_t *n);

size_t bm_hash_len(bm_hash h);

#endif
