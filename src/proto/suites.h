/*
 * suites.h - the cipher suite registry: one row per assigned value of the
 * IANA "TLS Cipher Suites" registry, and everything badmac knows of it.
 *
 * One static table sorted by id (suites.c); bm_suite_row() is a binary
 * search. The keyless TLS stage reads a row's record class and sizes (how
 * much protection can add to a record); the crypto stage reads the rest of
 * the rows it can decrypt (cipher, key and IV sizes, MAC and PRF hashes,
 * the bit-error locator). No code, no allocation: any stage may include it.
 *
 * Lengths are in bytes. A row with decrypt == 0 is known by name only
 * (export, KRB5, IDEA, ARIA/Camellia-GCM, ECCPWD, GOST, AEGIS, SM4, the
 * SCSVs, ...): its record class and sizes are those its name implies, but
 * its cipher, key_len, fixed_iv_len, prf and min_version mean nothing and
 * are zero, and its locator is BM_LOCATOR_NONE.
 */
#ifndef BM_PROTO_SUITES_H
#define BM_PROTO_SUITES_H

#include <stddef.h>
#include <stdint.h>

typedef enum bm_kx {
    BM_KX_NULL = 0, /* TLS_NULL_WITH_NULL_NULL */
    BM_KX_RSA,      /* incl. RSA_EXPORT */
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
    BM_KX_TLS13,    /* negotiated by extensions, not by the suite */
    BM_KX_KRB5,     /* named only from here on */
    BM_KX_ECCPWD,
    BM_KX_GOST,
    BM_KX_SCSV      /* a signalling value, not a suite */
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

/* How records are protected (TLS <= 1.2; TLS 1.3 is always AEAD). A coarse
 * view of the record class: STREAM for NULL and STREAM, AEAD for AEAD and
 * TLS13, kept for the code that asks only "MAC, CBC or AEAD?". */
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

/* The record protection, which fixes the record expansion (plus 256 bytes
 * of padding at most for CBC) and, in the crypto stage, the implementation
 * that opens the records. */
typedef enum bm_record_class {
    BM_RC_NONE = 0, /* unknown protection: SCSV, GOST, integrity-only TLS 1.3 */
    BM_RC_NULL,     /* no cipher: MAC only */
    BM_RC_STREAM,   /* RC4: MAC only */
    BM_RC_CBC,      /* explicit IV (TLS >= 1.1) + MAC + padding */
    BM_RC_AEAD,     /* TLS <= 1.2 GCM, CCM, CCM_8: 8-byte explicit nonce + tag */
    BM_RC_CHACHA,   /* TLS 1.2 ChaCha20-Poly1305 (RFC 7905): tag only */
    BM_RC_TLS13     /* a TLS 1.3 suite: tag (+ inner type and padding) */
} bm_record_class;

/* Which bit-error locator applies to a record that failed to authenticate
 * (src/crypto/locate*.c); it also names the authenticator. */
typedef enum bm_locator {
    BM_LOCATOR_NONE = 0, /* not decryptable: nothing to locate with */
    BM_LOCATOR_HMAC,     /* HMAC search (NULL, RC4, CBC) */
    BM_LOCATOR_GCM,      /* GHASH algebra (AES-GCM, ARIA-GCM) */
    BM_LOCATOR_POLY1305, /* Poly1305 algebra (ChaCha20-Poly1305) */
    BM_LOCATOR_CCM       /* CTR keystream + CBC-MAC trials (CCM, CCM_8) */
} bm_locator;

typedef struct bm_suite {
    uint16_t id;
    uint8_t kx;            /* bm_kx */
    uint8_t rec_class;     /* bm_record_class */
    uint8_t locator;       /* bm_locator */
    uint8_t decrypt;       /* 1: badmac decrypts it (cipher and MAC in libcrypto) */
    uint8_t cipher;        /* bm_cipher */
    uint8_t mode;          /* bm_mode, consistent with rec_class */
    uint8_t key_len;       /* cipher key */
    uint8_t fixed_iv_len;  /* IV bytes taken from the key block: the CBC IV
                            * (used by SSL 3.0 / TLS 1.0), the AEAD salt */
    uint8_t record_iv_len; /* explicit per-record IV/nonce: CBC at TLS >= 1.1, GCM/CCM */
    uint8_t block_len;     /* CBC block; 1 for stream and AEAD ciphers */
    uint8_t tag_len;       /* AEAD tag, 0 otherwise */
    uint8_t mac;           /* bm_hash of the record HMAC, BM_HASH_NONE for AEAD */
    uint8_t mac_len;       /* full HMAC output (also the MAC key length) */
    uint8_t prf;           /* bm_hash of the TLS 1.2 PRF / TLS 1.3 HKDF */
    uint16_t min_version;  /* first protocol version that defines the suite */
    const char *name;      /* IANA name */
} bm_suite;

/* The row of any assigned suite; NULL for unassigned, reserved and GREASE
 * values. */
const bm_suite *bm_suite_row(uint16_t id);
/* The whole registry, sorted by id (for tests and listings). */
const bm_suite *bm_suite_table(size_t *n);

#endif
