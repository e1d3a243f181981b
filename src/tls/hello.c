/*
 * hello.c - ClientHello and ServerHello (and HelloRetryRequest), with the
 * extensions that matter for MAC failures and resumption.
 *
 * Every vector is decoded with exact consumption: an extension body must
 * be used up by its parser (bm_cur_done). A malformed extension is noted
 * as a finding and the next one is read; a malformed hello keeps what was
 * read before the fault.
 */
#include <string.h>

#include "../proto/proto.h"
#include "../wire/cur.h"
#include "tls_int.h"

/* RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest. */
static const uint8_t bm_hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

static void set_alpn(bm_handshake *h, bm_cur *name)
{
    bm_tls_sanitize(h->alpn, sizeof h->alpn, name->p, bm_cur_left(name));
}

/* A list of 16-bit values in a vector: non-empty, whole values. */
static bool u16_list(bm_cur *b, bool vec8)
{
    bm_cur v = vec8 ? bm_cur_vec8(b) : bm_cur_vec16(b);
    size_t n = bm_cur_left(&v);
    return bm_cur_ok(&v) && n >= 2 && n % 2 == 0 && bm_skip(&v, n) && bm_cur_done(b);
}

static bool ch_ext(bm_handshake *h, uint16_t type, bm_cur *b, bm_tls_hs_msg *m)
{
    switch (type) {
    case BM_EXT_SERVER_NAME: { /* server_name: list of (name_type, opaque name<1..2^16-1>) */
        bm_cur list = bm_cur_vec16(b);
        while (bm_cur_ok(&list) && bm_cur_left(&list) > 0) {
            uint8_t nt = bm_get_u8(&list);
            bm_cur name = bm_cur_vec16(&list);
            if (!bm_cur_ok(&list) || bm_cur_left(&name) == 0)
                return false;
            if (nt == 0 && !h->sni_present) {
                h->sni_present = true;
                bm_tls_sanitize(h->sni, sizeof h->sni, name.p, bm_cur_left(&name));
            }
        }
        return bm_cur_done(&list) && bm_cur_done(b);
    }
    case BM_EXT_MAX_FRAGMENT_LENGTH: {
        uint8_t code = bm_get_u8(b);
        h->max_fragment_length_offered = code;
        return bm_cur_done(b) && code >= 1 && code <= 4;
    }
    case BM_EXT_TRUNCATED_HMAC:
        h->truncated_hmac_offered = true;
        return bm_cur_done(b);
    case BM_EXT_SUPPORTED_GROUPS:
        return u16_list(b, false);
    case BM_EXT_ALPN: { /* ALPN: ProtocolName<1..2^8-1> list */
        bm_cur list = bm_cur_vec16(b);
        bool first = true;
        if (bm_cur_left(&list) == 0)
            return false;
        while (bm_cur_ok(&list) && bm_cur_left(&list) > 0) {
            bm_cur name = bm_cur_vec8(&list);
            if (!bm_cur_ok(&list) || bm_cur_left(&name) == 0)
                return false;
            if (first && !h->alpn[0])
                set_alpn(h, &name);
            first = false;
        }
        h->alpn_present = true;
        return bm_cur_done(&list) && bm_cur_done(b);
    }
    case BM_EXT_ENCRYPT_THEN_MAC:
        h->etm_offered = true;
        return bm_cur_done(b);
    case BM_EXT_EXTENDED_MASTER_SECRET:
        h->ems_offered = true;
        return bm_cur_done(b);
    case BM_EXT_RECORD_SIZE_LIMIT: {
        uint16_t v = bm_get_u16(b);
        h->record_size_limit_client = v;
        return bm_cur_done(b) && v >= 64;
    }
    case BM_EXT_SESSION_TICKET: /* opaque ticket; non-empty = resumption offered */
        if (bm_cur_left(b) > 0)
            h->ticket_offered = true;
        m->has_ticket = true;
        m->ticket = b->p;
        m->ticket_len = bm_cur_left(b);
        return bm_skip(b, bm_cur_left(b));
    case BM_EXT_PRE_SHARED_KEY: { /* identities<7..2^16-1>, binders<33..2^16-1> */
        bm_cur ids = bm_cur_vec16(b);
        if (bm_cur_ok(&ids)) {
            m->has_psk_ids = true;
            m->psk_ids = ids.p;
            m->psk_ids_len = bm_cur_left(&ids);
        }
        if (bm_cur_left(&ids) == 0)
            return false;
        while (bm_cur_ok(&ids) && bm_cur_left(&ids) > 0) {
            bm_cur id = bm_cur_vec16(&ids);
            (void)bm_get_u32(&ids); /* obfuscated_ticket_age */
            if (!bm_cur_ok(&ids) || bm_cur_left(&id) == 0)
                return false;
        }
        bm_cur binders = bm_cur_vec16(b);
        if (bm_cur_left(&binders) == 0)
            return false;
        while (bm_cur_ok(&binders) && bm_cur_left(&binders) > 0) {
            bm_cur one = bm_cur_vec8(&binders);
            if (!bm_cur_ok(&binders) || bm_cur_left(&one) < 32)
                return false;
        }
        h->psk_offered = true;
        return bm_cur_done(&ids) && bm_cur_done(&binders) && bm_cur_done(b);
    }
    case BM_EXT_EARLY_DATA:
        h->early_data_offered = true;
        return bm_cur_done(b);
    case BM_EXT_SUPPORTED_VERSIONS:
        return u16_list(b, true);
    case BM_EXT_KEY_SHARE: { /* KeyShareEntry list */
        bm_cur list = bm_cur_vec16(b);
        while (bm_cur_ok(&list) && bm_cur_left(&list) > 0) {
            (void)bm_get_u16(&list);
            bm_cur key = bm_cur_vec16(&list);
            if (!bm_cur_ok(&list) || bm_cur_left(&key) == 0)
                return false;
        }
        return bm_cur_done(&list) && bm_cur_done(b);
    }
    default:
        return bm_skip(b, bm_cur_left(b));
    }
}

static bool sh_ext(bm_handshake *h, uint16_t type, bm_cur *b, bool hrr, uint16_t *selected, bm_tls_hs_msg *m)
{
    switch (type) {
    case BM_EXT_SERVER_NAME: /* the server acknowledges SNI with an empty body */
    case BM_EXT_SESSION_TICKET: /* the server will send a NewSessionTicket */
        return bm_cur_done(b);
    case BM_EXT_MAX_FRAGMENT_LENGTH: {
        uint8_t code = bm_get_u8(b);
        h->max_fragment_length = code;
        return bm_cur_done(b) && code >= 1 && code <= 4;
    }
    case BM_EXT_TRUNCATED_HMAC:
        h->truncated_hmac = true;
        return bm_cur_done(b);
    case BM_EXT_ALPN: { /* exactly one protocol */
        bm_cur list = bm_cur_vec16(b);
        bm_cur name = bm_cur_vec8(&list);
        if (!bm_cur_ok(&list) || bm_cur_left(&name) == 0)
            return false;
        set_alpn(h, &name);
        h->alpn_present = true;
        return bm_cur_done(&list) && bm_cur_done(b);
    }
    case BM_EXT_ENCRYPT_THEN_MAC:
        h->etm = true;
        return bm_cur_done(b);
    case BM_EXT_EXTENDED_MASTER_SECRET:
        h->ems = true;
        return bm_cur_done(b);
    case BM_EXT_RECORD_SIZE_LIMIT: {
        uint16_t v = bm_get_u16(b);
        h->record_size_limit_server = v;
        return bm_cur_done(b) && v >= 64;
    }
    case BM_EXT_PRE_SHARED_KEY: {
        uint16_t id = bm_get_u16(b); /* selected_identity */
        if (bm_cur_done(b)) {
            h->resumed = true;
            m->psk_selected = true;
            m->psk_identity = id;
        }
        return bm_cur_done(b);
    }
    case BM_EXT_SUPPORTED_VERSIONS:
        *selected = bm_get_u16(b);
        return bm_cur_done(b);
    case BM_EXT_KEY_SHARE: {
        uint16_t g = bm_get_u16(b);
        if (!hrr) {
            bm_cur key = bm_cur_vec16(b);
            if (bm_cur_left(&key) == 0)
                return false;
        }
        if (bm_cur_done(b))
            h->key_share_group = g;
        return bm_cur_done(b);
    }
    default:
        return bm_skip(b, bm_cur_left(b));
    }
}

/* The TLS 1.3 suites (0x13xx) of the first ClientHello that offers any:
 * 0-RTT is sent under one of them before the ServerHello names one. */
static void note_offered13(bm_tls_conn *c, bm_cur suites)
{
    if (c->n_offered13)
        return;
    while (bm_cur_ok(&suites) && bm_cur_left(&suites) >= 2) {
        uint16_t cs = bm_get_u16(&suites);
        if ((cs >> 8) == 0x13 && c->n_offered13 < BM_TLS_OFFERED13)
            c->offered13[c->n_offered13++] = cs;
    }
}

bool bm_tls_parse_client_hello(bm_tls_conn *c, int side, bm_handshake *h, const uint8_t *p, size_t n,
                               bool complete, bm_tls_hs_msg *m)
{
    bool second = h->client_hello_seen;
    h->client_hello_seen = true;
    if (c->client_side < 0)
        c->client_side = side;
    bm_cur cur = bm_cur_make(p, n);
    uint16_t ver = bm_get_u16(&cur);
    const uint8_t *rnd = bm_get_bytes(&cur, sizeof h->client_random);
    m->random = rnd;
    if (rnd && !second) {
        h->client_version = ver;
        memcpy(h->client_random, rnd, sizeof h->client_random);
    }
    bm_cur sid = bm_cur_vec8(&cur);
    if (bm_cur_ok(&sid) && bm_cur_left(&sid) <= 32 && !second) {
        h->client_session_id_len = (uint8_t)bm_cur_left(&sid);
        memcpy(h->client_session_id, sid.p, bm_cur_left(&sid));
    }
    bm_cur suites = bm_cur_vec16(&cur);
    if (h == &c->conn->hs)
        note_offered13(c, suites);
    bm_cur comp = bm_cur_vec8(&cur);
    bool ok = bm_cur_ok(&cur) && bm_cur_left(&suites) >= 2 && bm_cur_left(&suites) % 2 == 0 &&
         bm_cur_left(&comp) >= 1 && bm_cur_left(&sid) <= 32;
    if (ok && bm_cur_left(&cur) > 0) {
        uint16_t elen = bm_get_u16(&cur);
        /* A truncated hello still yields the extensions it holds. */
        size_t take = (!complete && elen > bm_cur_left(&cur)) ? bm_cur_left(&cur) : elen;
        bm_cur exts = bm_cur_sub(&cur, take);
        while (bm_cur_ok(&exts) && bm_cur_left(&exts) > 0) {
            uint16_t et = bm_get_u16(&exts);
            bm_cur body = bm_cur_vec16(&exts);
            if (!bm_cur_ok(&exts))
                break;
            if (!ch_ext(h, et, &body, m))
                bm_tls_finding(c, &(bm_finding){.code = BM_F_EXTENSION_MALFORMED,
                                                .arg = {et, BM_FM_CLIENT_HELLO}});
        }
        ok = bm_cur_done(&exts) && bm_cur_done(&cur);
    }
    h->resumption_offered = h->client_session_id_len > 0 || h->ticket_offered || h->psk_offered;
    if (!ok && complete)
        bm_tls_finding(c, &(bm_finding){.code = BM_F_CLIENT_HELLO_MALFORMED, .arg = {(int64_t)n}});
    return ok;
}

/* The ServerHello's extensions block (cur at its length), into h and m. */
static bool sh_exts(bm_tls_conn *c, bm_handshake *h, bm_cur *cur, bool hrr, uint16_t *selected, bm_tls_hs_msg *m)
{
    bm_cur exts = bm_cur_vec16(cur);
    while (bm_cur_ok(&exts) && bm_cur_left(&exts) > 0) {
        uint16_t et = bm_get_u16(&exts);
        bm_cur body = bm_cur_vec16(&exts);
        if (!bm_cur_ok(&exts))
            break;
        if (et == BM_EXT_KEY_SHARE)
            m->key_share = true;
        if (!sh_ext(h, et, &body, hrr, selected, m))
            bm_tls_finding(c, &(bm_finding){.code = BM_F_EXTENSION_MALFORMED,
                                            .arg = {et, hrr ? BM_FM_HELLO_RETRY_REQUEST : BM_FM_SERVER_HELLO}});
    }
    bool ok = bm_cur_done(&exts) && bm_cur_done(cur);
    if (!ok)
        bm_tls_finding(c, &(bm_finding){.code = BM_F_EXTENSIONS_MALFORMED,
                                        .arg = {hrr ? BM_FM_HELLO_RETRY_REQUEST : BM_FM_SERVER_HELLO}});
    return ok;
}

/* TLS 1.3 and its drafts: a legacy session id is no offer to resume, and
 * everything after the ServerHello is encrypted, both ways. A draft is
 * named; its records are not decrypted (its key schedule differs). */
static void sh_tls13(bm_tls_conn *c, bm_handshake *h)
{
    h->resumption_offered = h->psk_offered;
    if (h != &c->conn->hs)
        return;
    c->dir[0].protected_ = true;
    c->dir[1].protected_ = true;
    if (bm_tls_version_draft13(h->version))
        bm_tls_finding(c, &(bm_finding){.code = BM_F_TLS13_DRAFT, .arg = {h->version}});
}

/* A ServerHello whose version field holds a pre-standard TLS 1.3 version
 * (cur after it). Drafts 16 to 21: version, random, cipher_suite,
 * extensions. Other layouts are not guessed at: the version is all that
 * is read, so no suite is invented from the bytes of another field. */
static bool parse_sh_draft(bm_tls_conn *c, bm_handshake *h, bm_cur *cur, uint16_t ver, size_t n,
                           bm_tls_hs_msg *m)
{
    h->server_version = ver;
    h->version = ver;
    h->server_hello_seen = true;
    sh_tls13(c, h);
    if (ver < BM_TLS13_DRAFT16 || ver > BM_TLS13_DRAFT21)
        return true;
    const uint8_t *rnd = bm_get_bytes(cur, sizeof h->server_random);
    uint16_t suite = bm_get_u16(cur);
    if (!bm_cur_ok(cur)) {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_SERVER_HELLO_MALFORMED, .arg = {(int64_t)n}});
        return false;
    }
    m->random = rnd;
    m->suite = suite;
    memcpy(h->server_random, rnd, sizeof h->server_random);
    h->cipher_suite = suite;
    uint16_t selected = 0;
    return bm_cur_left(cur) == 0 || sh_exts(c, h, cur, false, &selected, m);
}

bool bm_tls_parse_server_hello(bm_tls_conn *c, int side, bm_handshake *h, const uint8_t *p, size_t n,
                               bm_tls_hs_msg *m)
{
    if (c->client_side < 0)
        c->client_side = !side;
    bm_cur cur = bm_cur_make(p, n);
    uint16_t ver = bm_get_u16(&cur);
    if (bm_cur_ok(&cur) && bm_tls_version_draft13(ver))
        return parse_sh_draft(c, h, &cur, ver, n, m);
    const uint8_t *rnd = bm_get_bytes(&cur, sizeof h->server_random);
    bm_cur sid = bm_cur_vec8(&cur);
    uint16_t suite = bm_get_u16(&cur);
    uint8_t comp = bm_get_u8(&cur);
    bool hrr = rnd && memcmp(rnd, bm_hrr_random, sizeof bm_hrr_random) == 0;
    m->random = rnd;
    m->hrr = hrr;
    m->suite = suite;
    if (!bm_cur_ok(&cur) || bm_cur_left(&sid) > 32) {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_SERVER_HELLO_MALFORMED, .arg = {(int64_t)n}});
        return false;
    }
    h->server_version = ver;
    h->cipher_suite = suite;
    if (hrr) {
        h->hello_retry_request = true;
    } else {
        h->server_hello_seen = true;
        memcpy(h->server_random, rnd, sizeof h->server_random);
        h->session_id_len = (uint8_t)bm_cur_left(&sid);
        memcpy(h->session_id, sid.p, bm_cur_left(&sid));
        h->compression = comp;
    }
    uint16_t selected = 0;
    bool ok = bm_cur_left(&cur) == 0 || sh_exts(c, h, &cur, hrr, &selected, m);
    h->version = selected ? selected : ver;
    if (hrr)
        return ok;
    bool is13 = h->version == BM_TLS13 || bm_tls_version_draft13(h->version);
    if (!is13 && h->session_id_len > 0 && h->session_id_len == h->client_session_id_len &&
        memcmp(h->session_id, h->client_session_id, h->session_id_len) == 0)
        h->resumed = true;
    if (is13)
        sh_tls13(c, h);
    else if (comp != 0) /* TLS 1.3 has no compression: its legacy field is not read */
        bm_tls_finding(c, &(bm_finding){.code = BM_F_SESSION_COMPRESSED, .arg = {comp}});
    return ok;
}
