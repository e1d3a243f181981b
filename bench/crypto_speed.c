/*
 * crypto_speed.c - throughput of bm_rec_open on 16 KB records, to compare
 * with `openssl speed -evp aes-128-gcm -bytes 16384` and
 * `openssl speed -hmac sha256 -bytes 16384`. Records are sealed here with
 * libcrypto directly, then opened (decrypt + verify) for about a second.
 *
 * Build: gcc -O2 -Iinclude -Isrc bench/crypto_speed.c build/libbadmac.a -lcrypto
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/rec.h"

#define NREC 32
#define PLEN 16384

static uint8_t recs[NREC][PLEN + 256];
static size_t lens[NREC];
static uint8_t out[PLEN + 2048];

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static size_t seal_aead(const char *cipher, const bm_dir_keys *k, bool tls13, bool chacha12,
                        uint64_t seq, const uint8_t *pt, uint8_t *r)
{
    uint8_t nonce[12], aad[13], in[PLEN + 1];
    size_t off = 0, n = PLEN, aadl;
    memcpy(in, pt, PLEN);
    if (tls13 || chacha12) {
        memcpy(nonce, k->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    } else {
        memcpy(nonce, k->iv, 4);
        put64(nonce + 4, seq);
        memcpy(r, nonce + 4, 8);
        off = 8;
    }
    if (tls13) {
        in[n++] = 23;
        size_t len = n + 16;
        aad[0] = 23; aad[1] = 3; aad[2] = 3;
        aad[3] = (uint8_t)(len >> 8); aad[4] = (uint8_t)len;
        aadl = 5;
    } else {
        put64(aad, seq);
        aad[8] = 23; aad[9] = 3; aad[10] = 3;
        aad[11] = (uint8_t)(n >> 8); aad[12] = (uint8_t)n;
        aadl = 13;
    }
    EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, cipher, NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    EVP_EncryptInit_ex(x, ci, NULL, k->key, nonce);
    EVP_EncryptUpdate(x, NULL, &l, aad, (int)aadl);
    EVP_EncryptUpdate(x, r + off, &l, in, (int)n);
    EVP_EncryptFinal_ex(x, r + off + n, &l);
    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, r + off + n);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(ci);
    return off + n + 16;
}

static size_t seal_cbc(const bm_suite *s, const bm_dir_keys *k, uint64_t seq, const uint8_t *pt, uint8_t *r)
{
    uint8_t buf[13 + PLEN + 256];
    put64(buf, seq);
    buf[8] = 23; buf[9] = 3; buf[10] = 3;
    buf[11] = PLEN >> 8; buf[12] = PLEN & 0xff;
    memcpy(buf + 13, pt, PLEN);
    unsigned ml = 0;
    HMAC(s->mac == BM_HASH_SHA1 ? EVP_sha1() : EVP_sha256(), k->mac_key, k->mac_key_len, buf,
         13 + PLEN, buf + 13 + PLEN, &ml);
    size_t m = PLEN + ml, pad = 15 - m % 16;
    memset(buf + 13 + m, (int)pad, pad + 1);
    m += pad + 1;
    uint8_t iv[16];
    memset(iv, (int)seq, 16);
    memcpy(r, iv, 16);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    EVP_EncryptInit_ex(x, EVP_aes_128_cbc(), NULL, k->key, iv);
    EVP_CIPHER_CTX_set_padding(x, 0);
    EVP_EncryptUpdate(x, r + 16, &l, buf + 13, (int)m);
    EVP_CIPHER_CTX_free(x);
    return 16 + m;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(bm_crypto_ctx *c, uint16_t id, uint16_t ver, const char *label)
{
    const bm_suite *s = bm_suite_find(id);
    bm_dir_keys k;
    memset(&k, 0x3c, sizeof k);
    k.key_len = s->key_len;
    k.mac_key_len = s->mac_len;
    k.iv_len = s->fixed_iv_len;
    static uint8_t pt[PLEN];
    for (size_t i = 0; i < PLEN; i++)
        pt[i] = (uint8_t)(i * 7);
    for (uint64_t i = 0; i < NREC; i++) {
        if (s->mode == BM_MODE_CBC)
            lens[i] = seal_cbc(s, &k, i, pt, recs[i]);
        else
            lens[i] = seal_aead(s->cipher == BM_CIPHER_CHACHA20_POLY1305 ? "ChaCha20-Poly1305" : "AES-128-GCM",
                                &k, ver == 0x0304, s->mode == BM_MODE_CHACHA, i, pt, recs[i]);
    }
    bm_rec *r = NULL;
    bm_rec_params p = {s, ver, 0, &k};
    if (!bm_is_ok(bm_rec_new(c, &p, &r))) {
        printf("%-28s  bm_rec_new failed\n", label);
        return;
    }
    bm_open_result res;
    size_t bytes = 0, errs = 0;
    double t0 = now(), t;
    do {
        for (int rep = 0; rep < 8; rep++)
            for (uint64_t i = 0; i < NREC; i++) {
                if (!bm_is_ok(bm_rec_open(r, i, 23, 0x0303, recs[i], lens[i], out, sizeof out, &res)) ||
                    res.status != BM_REC_OK || res.plain_len != PLEN)
                    errs++;
                bytes += PLEN;
            }
        t = now() - t0;
    } while (t < 1.0);
    printf("%-30s %7.2f GB/s  (%zu records, %zu failures)\n", label, bytes / t / 1e9, bytes / PLEN, errs);
    bm_rec_free(r);
}

/* Baseline under the same load: GCM decryption with bare EVP calls, the
 * best bm_rec_open can do for AEAD. */
static void baseline_gcm(void)
{
    uint8_t key[16], nonce[12], tag[16];
    memset(key, 0x3c, 16);
    memset(nonce, 0x3c, 12);
    EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    EVP_EncryptInit_ex(x, ci, NULL, key, nonce);
    EVP_EncryptUpdate(x, recs[0], &l, out, PLEN);
    EVP_EncryptFinal_ex(x, recs[0] + PLEN, &l);
    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag);
    EVP_DecryptInit_ex(x, ci, NULL, key, NULL);
    size_t bytes = 0, errs = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 256; i++) {
            EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce);
            EVP_DecryptUpdate(x, out, &l, recs[0], PLEN);
            EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, tag);
            errs += EVP_DecryptFinal_ex(x, out + PLEN, &l) <= 0;
            bytes += PLEN;
        }
        t = now() - t0;
    } while (t < 1.0);
    printf("%-30s %7.2f GB/s  (%zu failures)\n", "baseline: raw EVP AES-128-GCM", bytes / t / 1e9, errs);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(ci);
}

static void baseline_hmac(void)
{
    uint8_t key[32], mac[32];
    unsigned ml = 0;
    memset(key, 0x3c, 32);
    size_t bytes = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 64; i++) {
            HMAC(EVP_sha256(), key, 32, recs[0], PLEN, mac, &ml);
            bytes += PLEN;
        }
        t = now() - t0;
    } while (t < 1.0);
    printf("%-30s %7.2f GB/s\n", "baseline: one-shot HMAC-SHA256", bytes / t / 1e9);
}

int main(void)
{
    bm_crypto_ctx *c = bm_crypto_new();
    if (!c)
        return 1;
    baseline_gcm();
    run(c, 0x1301, 0x0304, "AES-128-GCM TLS 1.3");
    run(c, 0xC02F, 0x0303, "AES-128-GCM TLS 1.2");
    run(c, 0x1303, 0x0304, "ChaCha20-Poly1305 TLS 1.3");
    run(c, 0xCCA8, 0x0303, "ChaCha20-Poly1305 TLS 1.2");
    run(c, 0xC013, 0x0303, "AES-128-CBC-SHA (MtE) TLS 1.2");
    run(c, 0x003C, 0x0303, "AES-128-CBC-SHA256 TLS 1.2");
    baseline_hmac();
    bm_crypto_free(c);
    return 0;
}
