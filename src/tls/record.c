/*
 * record.c - what happens to one complete record: counting, size limits,
 * the protection boundary, ChangeCipherSpec, alerts, and the hand-off of
 * handshake bytes to the reassembler: those of records in the clear, and
 * those of protected records the hook opened (hook.h).
 */
#include <string.h>

#include "../proto/proto.h"
#include "../wire/cur.h"
#include "suite_info.h"
#include "tls_int.h"

/* Whether this record travels under record protection, judged keylessly:
 * TLS <= 1.2 after the sender's ChangeCipherSpec; TLS 1.3 after the
 * ServerHello for everything but the compatibility CCS and plaintext
 * alerts (an encrypted TLS 1.3 record always has outer type 23). */
static bool record_protected(const bm_tls_conn *c, int side, uint8_t type)
{
    if (!c->dir[side].protected_)
        return false;
    if (bm_tls_is13(c))
        return type != BM_CT_CHANGE_CIPHER_SPEC && type != BM_CT_ALERT;
    return true;
}

uint32_t bm_tls_record_limit(const bm_tls_conn *c, int side, uint8_t type, bool prot, bool *negotiated)
{
    const bm_handshake *h = &c->conn->hs;
    uint32_t plain = BM_TLS_MAX_PLAINTEXT;
    bool neg = false;
    if (h->server_hello_seen && h->max_fragment_length >= 1 && h->max_fragment_length <= 4) {
        plain = 1u << (8 + h->max_fragment_length);
        neg = true;
    }
    *negotiated = neg;
    if (!prot && type != BM_CT_APPLICATION_DATA)
        return plain;
    /* RFC 8449: the limit a receiver advertised applies to what the other
     * side sends, to protected records only, once both sides sent it. */
    uint32_t rsl = 0;
    if (h->record_size_limit_client && h->record_size_limit_server)
        rsl = bm_tls_role_of_side(c, side) == BM_CLIENT ? h->record_size_limit_server
                                                        : h->record_size_limit_client;
    if (bm_tls_is13(c)) {
        /* The inner plaintext (content + type byte + padding) is bounded;
         * allow the protocol's whole expansion allowance on top. */
        uint32_t inner = neg ? plain + 1 : BM_TLS_MAX_PLAINTEXT + 1;
        if (rsl && rsl < inner) {
            inner = rsl;
            *negotiated = true;
        }
        uint32_t lim = inner + 255;
        return lim > BM_TLS13_MAX_CIPHERTEXT ? BM_TLS13_MAX_CIPHERTEXT : lim;
    }
    if (rsl && rsl < plain) {
        plain = rsl;
        *negotiated = true;
    }
    /* no ServerHello seen (lost by the capture): the suite is unknown, and
     * only the protocol's allowance for any suite holds */
    uint32_t exp = h->server_hello_seen ? bm_suite_max_expansion(h->cipher_suite, h->version, h->truncated_hmac)
                                        : BM_TLS12_MAX_CIPHERTEXT - BM_TLS_MAX_PLAINTEXT;
    uint32_t lim = plain + exp;
    return lim > BM_TLS12_MAX_CIPHERTEXT ? BM_TLS12_MAX_CIPHERTEXT : lim;
}

static void check_size(bm_tls_conn *c, int side, bm_record_ref *ref, bool prot)
{
    bool neg = false;
    uint32_t lim = bm_tls_record_limit(c, side, ref->type, prot, &neg);
    if (ref->length <= lim)
        return;
    bm_dir_records *r = &c->conn->rec[side];
    if (r->flagged == 0)
        bm_tls_finding(c, &(bm_finding){.code = BM_F_RECORD_OVER_LIMIT, .role = (uint8_t)side, .index = ref->index,
                                        .frame = ref->frame, .arg = {ref->length, lim, neg}});
    r->flagged++;
    if (r->n_flagged_list < BM_MAX_FLAGGED) {
        ref->limit = lim;
        ref->protocol = !neg;
        r->flagged_list[r->n_flagged_list++] = *ref;
        ref->limit = 0;
        ref->protocol = 0;
    }
}

static bm_tls_snap make_snap(const bm_tls_conn *c, int side)
{
    const bm_tls_dir *o = &c->dir[!side];
    bm_tls_snap s;
    memset(&s, 0, sizeof s);
    s.seq = c->seq;
    s.has_other = o->has_last;
    s.other = o->last;
    s.has_other_data = o->has_last_data;
    s.other_data = o->last_data;
    s.has_other_data2 = o->has_last_data2;
    s.other_data2 = o->last_data2;
    s.other_nonalert = o->nonalert;
    s.other_alerts = o->alerts;
    s.hs_done = c->dir[0].post_prot > 0 && c->dir[1].post_prot > 0;
    s.appdata = c->dir[0].appdata + c->dir[1].appdata > 0;
    s.has_own = c->dir[side].has_last;
    s.own = c->dir[side].last;
    s.own_appdata = c->dir[side].appdata;
    return s;
}

static void add_alert(bm_tls_conn *c, int side, const bm_record_ref *ref, int level, int desc, bool enc,
                      const bm_tls_snap *snap)
{
    bm_conn *k = c->conn;
    if (k->n_alerts >= BM_MAX_ALERTS)
        return;
    bm_alert *a = &k->alerts[k->n_alerts];
    memset(a, 0, sizeof *a);
    a->from = (uint8_t)side;
    a->level = (int16_t)level;
    a->desc = (int16_t)desc;
    a->encrypted = enc;
    a->inferred = enc;
    a->frame = ref->frame;
    a->index = ref->index;
    c->alert_snap[k->n_alerts] = *snap;
    c->alert_pending[k->n_alerts] = enc;
    c->alert_len[k->n_alerts] = ref->length;
    k->n_alerts++;
}

static void on_alert(bm_tls_conn *c, int side, const bm_record_ref *ref, bool prot, const uint8_t *p,
                     const bm_tls_snap *snap)
{
    uint32_t len = ref->length;
    /* Protection may be on without a CCS in sight: a capture that started
     * after the handshake, or after the ServerHello (a lost CCS). Every
     * stack sends one 2-byte alert per plaintext record (TLS 1.3 forbids
     * coalescing them), while no cipher makes an encrypted alert that
     * short. So in that window a longer record is ONE protected alert, not
     * a list of alerts read out of ciphertext (an odd length or a level
     * other than 1/2 only confirms it). */
    const bm_handshake *h = &c->conn->hs;
    bool may_prot = h->server_hello_seen || !h->client_hello_seen;
    /* A NULL suite protects integrity only: the alert is readable, followed
     * by its MAC (what it says is not authenticated without keys), unless
     * the session is compressed (RFC 3749): then those are deflate bytes. */
    bm_suite_info si;
    bool null_suite = prot && p && !bm_tls_is13(c) && h->compression == 0 && bm_suite_info_get(h->cipher_suite, &si) &&
                      si.kind == BM_SUITE_NULL && (len == 2u + si.mac_len || (h->truncated_hmac && len == 12u));
    if (null_suite)
        len = 2;
    else if (prot || (may_prot && p && len > 2)) {
        add_alert(c, side, ref, -1, -1, true, snap);
        return;
    }
    if (!p) {
        bm_tls_finding(c, &(bm_finding){.code = BM_F_ALERT_NOT_CAPTURED, .role = (uint8_t)side, .index = ref->index,
                                        .frame = ref->frame});
        return;
    }
    bm_cur cur = bm_cur_make(p, len);
    while (bm_cur_left(&cur) >= 2) {
        int level = bm_get_u8(&cur);
        int desc = bm_get_u8(&cur);
        if (level != BM_ALERT_WARNING && level != BM_ALERT_FATAL)
            bm_tls_finding(c, &(bm_finding){.code = BM_F_ALERT_INVALID_LEVEL, .role = (uint8_t)side,
                                            .index = ref->index, .frame = ref->frame, .arg = {level}});
        add_alert(c, side, ref, level, desc, false, snap);
    }
    if (bm_cur_left(&cur))
        bm_tls_finding(c, &(bm_finding){.code = BM_F_ALERT_PARTIAL, .role = (uint8_t)side, .index = ref->index,
                                        .frame = ref->frame});
}

static void on_ccs(bm_tls_conn *c, int side, const bm_record_ref *ref, const uint8_t *p, bool prot)
{
    bm_dir_records *r = &c->conn->rec[side];
    bm_handshake *h = &c->conn->hs;
    bm_tls_dir *d = &c->dir[side];
    if (r->ccs_index < 0) {
        r->ccs_index = (int64_t)ref->index;
        r->ccs_frame = ref->frame;
    }
    if (p && !prot && (ref->length != 1 || p[0] != 1)) /* encrypted: a renegotiation's */
        bm_tls_finding(c, &(bm_finding){.code = BM_F_CCS_MALFORMED, .role = (uint8_t)side, .index = ref->index,
                                        .frame = ref->frame});
    /* TLS 1.3's CCS is only for middleboxes; so is one the client sends
     * between its ClientHello and the ServerHello (compatibility mode
     * before a HRR), right after its ClientHello. Any other CCS without a
     * ServerHello seen (the server's, or the client's after its
     * ClientKeyExchange) means the capture lost the ServerHello, and what
     * follows is protected all the same (its alerts are not to be read in
     * the clear). */
    if (bm_tls_is13(c) || (h->client_hello_seen && !h->server_hello_seen &&
                           bm_tls_role_of_side(c, side) == BM_CLIENT && d->last_hs_type == BM_HS_CLIENT_HELLO))
        return;
    /* Abbreviated handshake on a ticket: the server's CCS directly
     * follows its ServerHello (RFC 5077 3.1). */
    if (bm_tls_role_of_side(c, side) == BM_SERVER && d->last_hs_type == BM_HS_SERVER_HELLO && h->ticket_offered)
        h->resumed = true;
    d->protected_ = true;
}

void bm_tls_record(bm_tls_conn *c, int side, const uint8_t hdr[5], uint32_t len, const uint8_t *payload,
                   uint64_t frame, uint64_t stream_off)
{
    bm_conn *k = c->conn;
    bm_tls_dir *d = &c->dir[side];
    bm_dir_records *r = &k->rec[side];
    uint8_t type = hdr[0];
    bm_record_ref ref = {r->count, frame, stream_off, len, 0, type, (uint8_t)side, 0};
    r->count++;
    r->bytes += len;
    if (r->count == 1 || len > r->max_length) {
        r->max_length = len;
        r->max_length_frame = frame;
    }
    if (type >= BM_CT_CHANGE_CIPHER_SPEC && type <= BM_CT_HEARTBEAT)
        r->by_type[type - BM_CT_CHANGE_CIPHER_SPEC]++;
    else
        r->other_type++;
    if (len == 0 && type >= BM_CT_CHANGE_CIPHER_SPEC && type <= BM_CT_HANDSHAKE)
        bm_tls_finding(c, &(bm_finding){.code = BM_F_RECORD_ZERO_LENGTH, .role = (uint8_t)side, .index = ref.index,
                                        .frame = frame, .arg = {type}});
    d->last_version = (uint16_t)((hdr[1] << 8) | hdr[2]);
    /* Application data only ever travels protected (short of NULL
     * ciphers): without a visible handshake it marks the boundary. */
    if (type == BM_CT_APPLICATION_DATA && !d->protected_ && !k->hs.client_hello_seen && !k->hs.server_hello_seen)
        d->protected_ = true;
    /* TLS 1.3 0-RTT: the client's application data between a ClientHello
     * offering early_data and the ServerHello travels under the early
     * traffic key. It does not move the protection boundary (a
     * HelloRetryRequest may still follow). */
    bool early = type == BM_CT_APPLICATION_DATA && !d->protected_ && k->hs.client_hello_seen && !k->hs.server_hello_seen &&
                 !k->hs.hello_retry_request && k->hs.early_data_offered &&
                 bm_tls_role_of_side(c, side) == BM_CLIENT;
    bool prot = early || record_protected(c, side, type);
    check_size(c, side, &ref, prot || type == BM_CT_APPLICATION_DATA);
    /* Over what the protocol allows any record of this kind: no receiver
     * accepts it, whatever was negotiated. */
    uint32_t proto_lim = prot && bm_tls_is13(c) ? BM_TLS13_MAX_CIPHERTEXT : BM_TLS12_MAX_CIPHERTEXT;
    c->seq++;
    bm_tls_snap snap = make_snap(c, side);

    bm_tls_opened op;
    memset(&op, 0, sizeof op);
    if (c->t->has_hook && c->t->hook.record) {
        bm_tls_record_ev ev;
        ev.side = side;
        ev.index = ref.index;
        memcpy(ev.hdr, hdr, 5);
        ev.payload = payload;
        ev.len = len;
        ev.frame = frame;
        ev.stream_off = stream_off;
        ev.protected_ = prot;
        ev.hs = &k->hs;
        ev.client_side = c->client_side;
        ev.offered13 = c->offered13;
        ev.n_offered13 = c->n_offered13;
        ev.segs = d->rseg;
        ev.n_segs = d->rseg_lost ? 0 : d->n_rseg;
        ev.oversized_limit = len > proto_lim ? proto_lim : 0;
        c->t->hook.record(c->hook_conn, &ev, &op);
    }

    switch (type) {
    case BM_CT_CHANGE_CIPHER_SPEC:
        on_ccs(c, side, &ref, payload, prot);
        break;
    case BM_CT_ALERT:
        on_alert(c, side, &ref, prot, payload, &snap);
        break;
    case BM_CT_HANDSHAKE:
        if (prot)
            break;
        if (payload)
            bm_tls_hs_feed(c, side, d->last_version, payload, len, false);
        else
            d->hs_have = 0; /* a lost handshake record breaks reassembly */
        break;
    default:
        break;
    }
    /* Decrypted handshake bytes: the same reassembly as those in the clear. */
    if (prot && op.opened && op.inner_type == BM_CT_HANDSHAKE && op.plain)
        bm_tls_hs_feed(c, side, d->last_version, op.plain, op.plain_len, true);

    if (prot && type != BM_CT_CHANGE_CIPHER_SPEC && !early) {
        bool client = bm_tls_role_of_side(c, side) == BM_CLIENT;
        const bm_tls_dir *cd = &c->dir[client ? side : !side];
        if (bm_tls_is13(c) ? cd->post_prot > 0 : type == BM_CT_APPLICATION_DATA)
            d->appdata++;
        d->post_prot++;
    }
    /* A record after the peer's FIN that is no alert: the side was still
     * sending. Where the version is not known or is TLS 1.3, a short
     * application_data record may be an alert (its close_notify answer). */
    if (type != BM_CT_ALERT && c->dir[!side].fin) {
        bool padded;
        if (type != BM_CT_APPLICATION_DATA || !bm_tls_may_be_alert13(c, len, &padded))
            d->data_after_peer_fin++;
    }
    if (type == BM_CT_ALERT) {
        d->alerts++;
    } else {
        d->nonalert++;
        d->has_last_data2 = d->has_last_data;
        d->last_data2 = d->last_data;
        d->has_last_data = true;
        d->last_data = ref;
    }
    d->has_last = true;
    d->last = ref;
    d->tail_lost = false;
    d->last_prot = prot;
    d->last_inner = prot && op.opened ? op.inner_type : 0;
    d->last_snap = snap;
    if (c->t->has_hook && c->t->hook.record_done)
        c->t->hook.record_done(c->hook_conn, side);
}

void bm_tls_record_v2(bm_tls_conn *c, int side, uint32_t len, const uint8_t *payload, uint64_t frame)
{
    bm_dir_records *r = &c->conn->rec[side];
    bm_tls_dir *d = &c->dir[side];
    bm_record_ref ref = {r->count, frame, 0, len, 0, BM_CT_HANDSHAKE, (uint8_t)side, 0};
    r->count++;
    r->bytes += len;
    r->by_type[BM_CT_HANDSHAKE - BM_CT_CHANGE_CIPHER_SPEC]++;
    if (r->count == 1 || len > r->max_length) {
        r->max_length = len;
        r->max_length_frame = frame;
    }
    c->seq++;
    if (payload)
        bm_tls_parse_v2_hello(c, side, payload, len);
    d->nonalert++;
    d->has_last = true;
    d->last = ref;
    d->last_prot = false;
    d->last_snap = make_snap(c, side);
}
