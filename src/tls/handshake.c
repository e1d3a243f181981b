/*
 * handshake.c - reassembly of handshake messages, from records in the
 * clear and from protected records the hook decrypted alike, and the
 * messages other than the hellos: NewSessionTicket, Certificate, Finished,
 * and the SSLv2-compatible ClientHello; the hand-over of every complete
 * message to the hook (hook.h).
 *
 * Messages may span records and a record may hold several. Complete
 * messages inside one record are parsed in place; only a message split
 * across records is copied, into a buffer that grows to at most
 * BM_TLS_HS_CAP plus one record. A message larger than the cap is noted
 * and skipped.
 *
 * The bm_handshake describes the connection's first handshake: decrypted
 * messages of TLS <= 1.2 belong to a renegotiation, whose hellos are
 * parsed into a bm_handshake of their own (c->reneg) for the hook only.
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

void bm_tls_add_cert(bm_tls_conn *c, const bm_cur *der)
{
    bm_handshake *h = &c->conn->hs;
    if (h->n_certs >= BM_MAX_CERTS) {
        h->certs_truncated = true;
        return;
    }
    bm_cert *cert = &h->certs[h->n_certs++];
    if (!c->t->x509)
        c->t->x509 = bm_x509_cache_new(); /* NULL (no memory): each described anew */
    if (!bm_is_ok(bm_x509_describe_cached(c->t->x509, der->p, bm_cur_left(der), cert)))
        bm_tls_finding(c, &(bm_finding){.code = BM_F_CERTIFICATE_NOT_X509, .arg = {h->n_certs}});
}

/* A TLS <= 1.2 server Certificate: the first certificate into m; with
 * keep (the first handshake's), the chain into the bm_handshake, problems
 * said. */
static void parse_certificates(bm_tls_conn *c, const uint8_t *p, size_t n, bool keep, bm_tls_hs_msg *m)
{
    bm_handshake *h = &c->conn->hs;
    bm_cur cur = bm_cur_make(p, n);
    bm_cur list = bm_cur_vec24(&cur);
    if (!bm_cur_done(&cur)) {
        if (keep)
            bm_tls_finding(c, &(bm_finding){.code = BM_F_CERTIFICATE_MALFORMED});
        return;
    }
    for (bool first = true; bm_cur_ok(&list) && bm_cur_left(&list) > 0; first = false) {
        bm_cur one = bm_cur_vec24(&list);
        if (!bm_cur_ok(&list)) {
            if (keep)
                bm_tls_finding(c, &(bm_finding){.code = BM_F_CERTIFICATE_OVERRUN, .arg = {h->n_certs + 1}});
            return;
        }
        if (first && bm_cur_left(&one) > 0) {
            m->cert = one.p;
            m->cert_len = bm_cur_left(&one);
        }
        if (!keep)
            return;
        bm_tls_add_cert(c, &one);
    }
}

/* NewSessionTicket of TLS <= 1.2 (RFC 5077 3.3): lifetime hint, ticket. */
static void session_ticket(const uint8_t *p, size_t n, bm_tls_hs_msg *m)
{
    bm_cur cur = bm_cur_make(p, n);
    (void)bm_get_u32(&cur);
    bm_cur t = bm_cur_vec16(&cur);
    if (bm_cur_ok(&t)) {
        m->has_ticket = true;
        m->ticket = t.p;
        m->ticket_len = bm_cur_left(&t);
    }
}

/* A message in the clear. */
static void clear_msg(bm_tls_conn *c, int side, uint8_t type, const uint8_t *body, size_t len, bm_tls_hs_msg *m)
{
    bm_handshake *h = &c->conn->hs;
    switch (type) {
    case BM_HS_CLIENT_HELLO:
        m->parsed = bm_tls_parse_client_hello(c, side, h, body, len, true, m);
        break;
    case BM_HS_SERVER_HELLO:
        m->parsed = bm_tls_parse_server_hello(c, side, h, body, len, m);
        break;
    case BM_HS_NEW_SESSION_TICKET:
        /* In TLS 1.3 tickets are encrypted; one in the clear is <= 1.2. */
        if (!bm_tls_is13(c)) {
            h->new_session_ticket = true;
            session_ticket(body, len, m);
        }
        break;
    case BM_HS_CERTIFICATE:
        if (!bm_tls_is13(c) && bm_tls_role_of_side(c, side) == BM_SERVER)
            parse_certificates(c, body, len, true, m);
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

/* A decrypted message of TLS <= 1.2: a renegotiation's (RFC 5746). Its
 * hellos are parsed into c->reneg, not into the bm_handshake. */
static void reneg_msg(bm_tls_conn *c, int side, uint8_t type, const uint8_t *body, size_t len, bm_tls_hs_msg *m)
{
    switch (type) {
    case BM_HS_CLIENT_HELLO:
    case BM_HS_SERVER_HELLO:
        if (!c->reneg && !(c->reneg = calloc(1, sizeof *c->reneg)))
            break;
        if (type == BM_HS_CLIENT_HELLO) {
            memset(c->reneg, 0, sizeof *c->reneg);
            m->parsed = bm_tls_parse_client_hello(c, side, c->reneg, body, len, true, m);
        } else {
            m->parsed = bm_tls_parse_server_hello(c, side, c->reneg, body, len, m);
        }
        m->reneg = c->reneg;
        break;
    case BM_HS_NEW_SESSION_TICKET:
        session_ticket(body, len, m);
        break;
    case BM_HS_CERTIFICATE:
        if (bm_tls_role_of_side(c, side) == BM_SERVER)
            parse_certificates(c, body, len, false, m);
        break;
    default:
        break;
    }
}

/* Hand a message (msg: header included; NULL when it was not reassembled)
 * to the hook, after parsing it. */
static void handle_msg(bm_tls_conn *c, int side, uint8_t type, const uint8_t *msg, uint32_t mlen, bool prot)
{
    bm_tls_hs_msg m;
    memset(&m, 0, sizeof m);
    m.side = side;
    m.prot = prot;
    m.type = type;
    m.len = mlen;
    m.raw = msg;
    m.raw_len = msg ? 4 + (size_t)mlen : 0;
    m.body = msg ? msg + 4 : NULL;
    m.hs = &c->conn->hs;
    if (msg && !prot)
        clear_msg(c, side, type, m.body, mlen, &m);
    else if (msg && bm_tls_is13(c))
        bm_tls_hs13_msg(c, side, type, m.body, mlen, &m);
    else if (msg)
        reneg_msg(c, side, type, m.body, mlen, &m);
    m.client_side = c->client_side;
    if (c->t->has_hook && c->t->hook.hs_msg)
        c->t->hook.hs_msg(c->hook_conn, &m);
}

void bm_tls_hs_feed(bm_tls_conn *c, int side, uint16_t rec_version, const uint8_t *p, size_t n, bool prot)
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
            handle_msg(c, side, d->hs[0], NULL, 0, prot);
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
        if (type == BM_HS_CLIENT_HELLO && !prot) {
            if (c->client_side < 0)
                c->client_side = side;
            if (c->conn->hs.record_version == 0)
                c->conn->hs.record_version = rec_version;
        }
        if (mlen > BM_TLS_HS_CAP - 4) {
            bm_tls_finding(c, &(bm_finding){.code = BM_F_HANDSHAKE_OVER_CAP, .role = (uint8_t)side,
                                            .arg = {type, mlen, BM_TLS_HS_CAP / 1024}});
            handle_msg(c, side, type, NULL, mlen, prot);
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
        handle_msg(c, side, type, src + pos, mlen, prot);
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
            handle_msg(c, side, src[pos], NULL, 0, prot);
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
        bm_tls_hs_msg m;
        memset(&m, 0, sizeof m);
        (void)bm_tls_parse_client_hello(c, side, &c->conn->hs, d->hs + 4, d->hs_have - 4, false, &m);
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
    /* The hook gets it like any ClientHello: the random (hence the key log
     * lookup by CLIENT_RANDOM) and, for the Finished transcript, the bytes
     * the peers hash: the whole CLIENT-HELLO after the 2-byte record
     * header, msg_type included (RFC 5246 E.2; OpenSSL feeds the v2
     * record's payload to its handshake hash as it is). */
    bm_tls_hs_msg m;
    memset(&m, 0, sizeof m);
    m.side = side;
    m.client_side = c->client_side;
    m.type = BM_HS_CLIENT_HELLO;
    m.len = n > 0 ? (uint32_t)(n - 1) : 0;
    m.raw = p;
    m.raw_len = n;
    m.body = n > 0 ? p + 1 : p;
    m.hs = h;
    m.parsed = ok;
    m.random = ok ? h->client_random : NULL;
    if (c->t->has_hook && c->t->hook.hs_msg)
        c->t->hook.hs_msg(c->hook_conn, &m);
}
