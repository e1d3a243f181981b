/*
 * rec.h - record protection: open (decrypt + verify) one TLS record and say
 * exactly what was wrong with it.
 *
 * One bm_rec holds the read state of ONE direction of ONE connection for
 * one key epoch: the suite, the protocol version, the sender's write keys,
 * the RFC 7366 / RFC 6066 options, keyed libcrypto contexts and, for RC4
 * and SSL 3.0/TLS 1.0 CBC, the state carried from record to record. Each
 * mode is a small vtable in its own file (BearSSL's ssl_rec_*.c):
 * rec_stream.c (NULL, RC4), rec_cbc.c, rec_aead.c (TLS 1.2 GCM/CCM/ChaCha),
 * rec_tls13.c.
 *
 * Hypothesis testing (diagnosis): bm_rec_open() may be called with any
 * sequence number, header type or version, so trying "seq + 1", "the other
 * side's keys" or "EtM instead of MtE" is a matter of opening the same bytes
 * again with another bm_rec (bm_rec_new with changed params) or a clone
 * (bm_rec_clone / bm_rec_copy_state), which leaves the main state alone.
 *
 * No allocation per record. out MUST have room for len bytes (the
 * plaintext is never longer than the record); out may equal in (in place),
 * but MUST NOT otherwise overlap it. BM_REC_BUFSIZE covers any legal record.
 */
#ifndef BM_CRYPTO_REC_H
#define BM_CRYPTO_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "crypto.h"
#include "kdf.h"
#include "suite.h"

#define BM_REC_MAX_PLAINTEXT 16384u
#define BM_REC_BUFSIZE (16384u + 2048u)
/* Records longer than this are refused with BM_ERR_LIMIT (the wire length
 * field is 16 bits). */
#define BM_REC_MAX_INPUT 65535u

#define BM_REC_ETM 0x01u        /* RFC 7366 encrypt_then_mac (CBC suites only) */
#define BM_REC_TRUNC_HMAC 0x02u /* RFC 6066: only the first 10 bytes of the HMAC are sent */

typedef struct bm_rec_params {
    const bm_suite *suite;
    uint16_t version;        /* 0x0300 (SSL 3.0) .. 0x0304 (TLS 1.3) */
    unsigned flags;          /* BM_REC_ETM | BM_REC_TRUNC_HMAC */
    const bm_dir_keys *keys; /* the SENDER's write keys; copied */
} bm_rec_params;

typedef enum bm_rec_status {
    BM_REC_OK = 0,
    BM_REC_BAD_MAC,        /* HMAC mismatch (padding, if any, was fine) */
    BM_REC_BAD_TAG,        /* AEAD tag mismatch */
    BM_REC_BAD_PADDING,    /* CBC padding malformed (see mac_ok for the MAC) */
    BM_REC_BAD_LENGTH,     /* impossible length for this suite: shorter than
                            * IV + MAC/tag, not a whole number of blocks, ... */
    BM_REC_NO_CONTENT_TYPE /* TLS 1.3: authentic, but the inner plaintext is all zeros */
} bm_rec_status;

const char *bm_rec_status_name(bm_rec_status s);

#define BM_REC_MAX_MAC 48

typedef struct bm_open_result {
    bm_rec_status status;
    size_t plain_len;      /* content bytes at the start of out (meaningful when OK) */
    size_t decrypted_len;  /* bytes of out holding decrypted, possibly
                            * UNAUTHENTICATED data whatever the status; 0 when
                            * nothing was decrypted (bad length, CCM tag failure) */
    uint8_t inner_type;    /* TLS 1.3 inner content type; else the header type */
    size_t pad_len;        /* CBC: the padding length byte; TLS 1.3: zero bytes
                            * after the inner type */
    bool pad_ok;           /* CBC padding well formed (true for other modes) */
    bool mac_ok;           /* MAC/tag verified */
    uint8_t mac_len;       /* bytes in got_mac / want_mac (the wire MAC/tag length) */
    uint8_t got_mac[BM_REC_MAX_MAC];  /* MAC or tag found in the record */
    uint8_t want_mac[BM_REC_MAX_MAC]; /* HMAC the keys produce (HMAC modes only;
                                       * for AEAD see bm_rec_expected_tag) */
} bm_open_result;

typedef struct bm_rec bm_rec;

/* BM_ERR_UNSUPPORTED: cipher/hash missing from this libcrypto (e.g. RC4
 * without the legacy provider) or a suite/version/flag combination that
 * does not exist; BM_ERR_USAGE: key lengths that do not match the suite. */
BM_RESULT bm_rec_new(bm_crypto_ctx *c, const bm_rec_params *p, bm_rec **out);
void bm_rec_free(bm_rec *r);
/* An independent copy, including the carried state (RC4 position, chained IV). */
BM_RESULT bm_rec_clone(const bm_rec *r, bm_rec **out);
/* Copies only the carried state; dst and src MUST have the same suite. */
BM_RESULT bm_rec_copy_state(bm_rec *dst, const bm_rec *src);

/*
 * Opens the record body in[0..len) (the 5-byte header excluded) sent with
 * sequence number seq under header fields type and version. Advances the
 * carried state (RC4 keystream, TLS 1.0 chained IV) as a receiver would,
 * whatever the verdict. Returns BM_OK with the verdict in *res, or
 * BM_ERR_USAGE (out_cap < len), BM_ERR_LIMIT (len > BM_REC_MAX_INPUT),
 * BM_ERR_CRYPTO (libcrypto failed, not the record).
 */
BM_RESULT bm_rec_open(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                      const uint8_t *in, size_t len, uint8_t *out, size_t out_cap,
                      bm_open_result *res);

/*
 * AEAD suites: the tag the sender would have attached to this record's
 * ciphertext (sequence number, header and keys as given), for comparing
 * with the tag received. Does not change the carried state.
 * BM_ERR_UNSUPPORTED for CCM (OpenSSL will not decrypt unauthenticated CCM)
 * and for non-AEAD suites (their MAC is in bm_open_result.want_mac).
 */
BM_RESULT bm_rec_expected_tag(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                              const uint8_t *in, size_t len, uint8_t tag[16], size_t *tag_len);

/* Bytes a record adds at least (IV + MAC/tag + minimal padding + TLS 1.3
 * inner type): a shorter record is BM_REC_BAD_LENGTH. */
size_t bm_rec_min_len(const bm_rec *r);

/* What a record state was made for (diagnosis of the stateful modes). */
const bm_suite *bm_rec_suite(const bm_rec *r);
uint16_t bm_rec_version(const bm_rec *r);
/* MAC/tag bytes on the wire. */
size_t bm_rec_mac_len(const bm_rec *r);
/* True for the modes whose state carries from record to record: RC4 and
 * the SSL 3.0/TLS 1.0 chained CBC IV. */
bool bm_rec_stateful(const bm_rec *r);
/*
 * HMAC modes (stream, CBC): the MAC the keys give plaintext data[0..len)
 * under seq, type and version (out gets bm_rec_mac_len bytes). Uses the
 * cached keyed state; the carried cipher state is not touched.
 * BM_ERR_UNSUPPORTED for AEAD suites and suites without a MAC.
 */
BM_RESULT bm_rec_mac(bm_rec *r, uint64_t seq, uint8_t type, uint16_t version, const uint8_t *data,
                     size_t len, uint8_t out[BM_REC_MAX_MAC]);

#endif
