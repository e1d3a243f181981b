/*
 * handshake.c - reassembly of plaintext handshake messages and the
 * messages other than the hellos: NewSessionTicket, Certificate, Finished,
 * and the SSLv2-compatible ClientHello.
 *
 * Messages may span records and a record may hold several. Complete
 * messages inside one record are parsed in place; only a message split
 * across records is copied, into a buffer that grows to at most
 * BM_TLS_HS_CAP plus one record. A message larger than the cap is noted
 * and skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "../proto/proto.h"
#include "../crypto/x509.h"
#include "../wire/cur.h"
#include "tls_int.h"

static bool hs_reserve(bm_tls_dir *d, size_t need)
{
    const size_t max = BM_TLS_HS_CAP + BM_TLS_MAX_RECORD_LEN;
    if (need <= d->hs_cap)
        return true;
    if (need > max)
        return false;
    size_t cap = d->hs_cap ? d->hs_cap : 1024;
    while (cap < need)
        cap *= 2;
    if (cap > max)
        cap = max;
    uint8_t *nb = realloc(d->hs, cap);
    if (!nb)
        return false;
    d->hs = nb;
    d->hs_cap = cap;
    return true;
}

static void parse_certificates(bm_tls_conn *c, const uint8_t *p, size_t n)
{
    bm_handshake *h = &c->conn->hs;
    bm_cur cur = bm_cur_make(p, n);
    bm_cur list = bm_cur_vec24(&cur);
    if (!bm_cur_done(&cur)) {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_CERTIFICATE_MALFORMED});
        return;
    }
    while (bm_cur_ok(&list) && bm_cur_left(&list) > 0) {
        bm_cur one = bm_cur_vec24(&list);
        if (!bm_cur_ok(&list)) {
            bm_tls_finding(c, &(bm_finding){.code = BM_F_CERTIFICATE_OVERRUN, .arg = {h->n_certs + 1}});
            return;
        }
        if (h->n_certs >= BM_MAX_CERTS) {
            h->certs_truncated = true;
            continue;
        }
        bm_cert *cert = &h->certs[h->n_certs++];
        if (!bm_is_ok(bm_x509_describe(one.p, bm_cur_left(&one), cert)))
            bm_tls_finding(c, &(bm_finding){.code = BM_F_CERTIFICATE_NOT_X509, .arg = {h->n_certs}});
    }
}

static void handle_msg(bm_tls_conn *c, int side, uint8_t type, const uint8_t *body, size_t len)
{
    bm_handshake *h = &c->conn->hs;
    switch (type) {
    case BM_HS_CLIENT_HELLO:
        (void)bm_tls_parse_client_hello(c, side, body, len, true);
        break;
    case BM_HS_SERVER_HELLO:
        (void)bm_tls_parse_server_hello(c, side, body, len);
        break;
    case BM_HS_NEW_SESSION_TICKET:
        /* In TLS 1.3 tickets are encrypted; one in the clear is <= 1.2. */
        if (!bm_tls_is13(c))
            h->new_session_ticket = true;
        break;
    case BM_HS_CERTIFICATE:
        if (!bm_tls_is13(c) && bm_tls_role_of_side(c, side) == BM_SERVER)
            parse_certificates(c, body, len);
        break;
    case BM_HS_FINISHED:
        if (bm_tls_role_of_side(c, side) == BM_CLIENT)
            h->client_finished_seen = true;
        else
            h->server_finished_seen = true;
        break;
    default:
        break;
    }
    c->dir[side].last_hs_type = type;
}

void bm_tls_hs_feed(bm_tls_conn *c, int side, uint16_t rec_version, const uint8_t *p, size_t n)
{
    bm_tls_dir *d = &c->dir[side];
    if (d->hs_skip) {
        size_t k = d->hs_skip < n ? (size_t)d->hs_skip : n;
        p += k;
        n -= k;
        d->hs_skip -= k;
        if (n == 0)
            return;
    }
    const uint8_t *src = p;
    size_t avail = n;
    if (d->hs_have) {
        if (!hs_reserve(d, d->hs_have + n)) {
            bm_tls_finding(c, &(bm_finding){.code = BM_F_HANDSHAKE_BUFFER_EXHAUSTED, .role = (uint8_t)side});
            d->hs_have = 0;
            return;
        }
        memcpy(d->hs + d->hs_have, p, n);
        d->hs_have += n;
        src = d->hs;
        avail = d->hs_have;
    }
    size_t pos = 0;
    while (avail - pos >= 4) {
        bm_cur cur = bm_cur_make(src + pos, avail - pos);
        uint8_t type = bm_get_u8(&cur);
        uint32_t mlen = bm_get_u24(&cur);
        if (type == BM_HS_CLIENT_HELLO) {
            if (c->client_side < 0)
                c->client_side = side;
            if (c->conn->hs.record_version == 0)
                c->conn->hs.record_version = rec_version;
        }
        if (mlen > BM_TLS_HS_CAP - 4) {
            bm_tls_finding(c, &(bm_finding){.code = BM_F_HANDSHAKE_OVER_CAP, .role = (uint8_t)side,
                                            .arg = {type, mlen, BM_TLS_HS_CAP / 1024}});
            if (avail - pos - 4 >= mlen) {
                pos += 4 + (size_t)mlen;
                continue;
            }
            d->hs_skip = mlen - (avail - pos - 4); /* the rest of it is still to come */
            pos = avail;
            break;
        }
        if (avail - pos - 4 < mlen)
            break;
        handle_msg(c, side, type, src + pos + 4, mlen);
        pos += 4 + (size_t)mlen;
    }
    size_t rest = avail - pos;
    if (src == d->hs) {
        memmove(d->hs, d->hs + pos, rest);
        d->hs_have = rest;
    } else if (rest) {
        if (hs_reserve(d, rest)) {
            memcpy(d->hs, src + pos, rest);
            d->hs_have = rest;
        } else {
            bm_tls_finding(c, &(bm_finding){.code = BM_F_HANDSHAKE_OUT_OF_MEMORY, .role = (uint8_t)side});
        }
    }
}

void bm_tls_hs_end(bm_tls_conn *c, int side)
{
    bm_tls_dir *d = &c->dir[side];
    if (d->hs_have == 0)
        return;
    uint8_t type = d->hs[0];
    uint32_t mlen = 0;
    if (d->hs_have >= 4)
        mlen = ((uint32_t)d->hs[1] << 16) | ((uint32_t)d->hs[2] << 8) | d->hs[3];
    if (type == BM_HS_CLIENT_HELLO && d->hs_have >= 4) {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_CLIENT_HELLO_TRUNCATED, .role = (uint8_t)side,
                                        .arg = {(int64_t)(d->hs_have - 4), mlen}});
        /* Keep what the captured part says (version, random, SNI, ...). */
        (void)bm_tls_parse_client_hello(c, side, d->hs + 4, d->hs_have - 4, false);
    } else {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_HANDSHAKE_TRUNCATED, .role = (uint8_t)side,
                                        .arg = {type, (int64_t)d->hs_have}});
    }
    d->hs_have = 0;
}

/* SSLv2 CLIENT-HELLO (RFC 5246 E.2): msg_type, version, three lengths, then
 * cipher specs (3 bytes each), session id and challenge. */
void bm_tls_parse_v2_hello(bm_tls_conn *c, int side, const uint8_t *p, size_t n)
{
    bm_handshake *h = &c->conn->hs;
    if (c->client_side < 0)
        c->client_side = side;
    h->client_hello_seen = true;
    h->record_version = BM_SSL2;
    bm_cur cur = bm_cur_make(p, n);
    (void)bm_get_u8(&cur); /* msg_type 1, checked by the framer */
    h->client_version = bm_get_u16(&cur);
    uint16_t cs_len = bm_get_u16(&cur), sid_len = bm_get_u16(&cur), ch_len = bm_get_u16(&cur);
    bm_cur specs = bm_cur_sub(&cur, cs_len);
    bm_cur sid = bm_cur_sub(&cur, sid_len);
    bm_cur chal = bm_cur_sub(&cur, ch_len);
    bool ok = bm_cur_done(&cur) && cs_len % 3 == 0 && cs_len > 0 && sid_len <= 32 && ch_len >= 16 &&
              ch_len <= 32;
    if (ok) {
        /* The challenge is right-aligned into the 32-byte random. */
        memset(h->client_random, 0, sizeof h->client_random);
        memcpy(h->client_random + 32 - ch_len, chal.p, ch_len);
        h->client_session_id_len = (uint8_t)sid_len;
        memcpy(h->client_session_id, sid.p, sid_len);
        h->resumption_offered = sid_len > 0;
    } else {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_SSL2_HELLO_MALFORMED, .role = (uint8_t)side});
    }
    (void)specs;
}
