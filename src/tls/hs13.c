/*
 * hs13.c - the TLS 1.3 handshake messages that travel encrypted, once the
 * hook decrypted them (RFC 8446 4.3, 4.4.2, 4.6.1): what the bm_handshake
 * holds of EncryptedExtensions (ALPN, record_size_limit,
 * max_fragment_length, early_data), the server's Certificate chain, and
 * the fact of a NewSessionTicket. Without keys none of this is seen, and
 * the bm_handshake says only what the hellos say.
 *
 * Finished, KeyUpdate, EndOfEarlyData and CertificateVerify carry nothing
 * the bm_handshake describes: their meaning is keyed, and the hook reads
 * them from the raw message it is handed (handshake.c).
 *
 * May assume: the connection is TLS 1.3 (bm_tls_is13) and c->conn exists.
 */
#include "../proto/proto.h"
#include "../wire/cur.h"
#include "tls_int.h"

/* One extension of EncryptedExtensions; false: malformed. */
static bool ee_ext(bm_handshake *h, uint16_t type, bm_cur *b, bm_tls_hs_msg *m)
{
    switch (type) {
    case BM_EXT_MAX_FRAGMENT_LENGTH: {
        uint8_t code = bm_get_u8(b);
        h->max_fragment_length = code;
        return bm_cur_done(b) && code >= 1 && code <= 4;
    }
    case BM_EXT_ALPN: { /* ALPN: a list holding the one selected protocol */
        bm_cur list = bm_cur_vec16(b);
        bm_cur name = bm_cur_vec8(&list);
        if (!bm_cur_ok(&list) || bm_cur_left(&name) == 0)
            return false;
        bm_tls_sanitize(h->alpn, sizeof h->alpn, name.p, bm_cur_left(&name));
        h->alpn_present = true;
        return bm_cur_done(&list) && bm_cur_done(b);
    }
    case BM_EXT_RECORD_SIZE_LIMIT: {
        uint16_t v = bm_get_u16(b);
        h->record_size_limit_server = v;
        return bm_cur_done(b) && v >= 64;
    }
    case BM_EXT_EARLY_DATA: /* empty: the server accepts the client's 0-RTT data */
        h->early_data_accepted = true;
        m->early_data = true;
        return bm_cur_done(b);
    default:
        return bm_skip(b, bm_cur_left(b));
    }
}

static void encrypted_extensions(bm_tls_conn *c, const uint8_t *p, size_t n, bm_tls_hs_msg *m)
{
    bm_cur cur = bm_cur_make(p, n);
    bm_cur exts = bm_cur_vec16(&cur);
    bool ok = true;
    while (bm_cur_ok(&exts) && bm_cur_left(&exts) > 0) {
        uint16_t et = bm_get_u16(&exts);
        bm_cur body = bm_cur_vec16(&exts);
        if (!bm_cur_ok(&exts))
            break;
        ok = ee_ext(&c->conn->hs, et, &body, m) && ok;
    }
    if (!ok || !bm_cur_done(&exts) || !bm_cur_done(&cur))
        bm_tls_finding(c, &(bm_finding){.code = BM_F_ENCRYPTED_EXTENSIONS_MALFORMED});
}

/* certificate_request_context<0..2^8-1>, then CertificateEntry
 * certificate_list<0..2^24-1>: cert_data<1..2^24-1>, extensions<0..2^16-1>. */
static void certificate13(bm_tls_conn *c, const uint8_t *p, size_t n)
{
    bm_cur cur = bm_cur_make(p, n);
    bm_cur ctx = bm_cur_vec8(&cur);
    bm_cur list = bm_cur_vec24(&cur);
    (void)ctx;
    while (bm_cur_ok(&list) && bm_cur_left(&list) > 0) {
        bm_cur der = bm_cur_vec24(&list);
        bm_cur ext = bm_cur_vec16(&list);
        (void)ext;
        if (!bm_cur_ok(&list))
            break;
        bm_tls_add_cert(c, &der);
    }
    if (!bm_cur_done(&cur) || !bm_cur_ok(&list))
        bm_tls_finding(c, &(bm_finding){.code = BM_F_TLS13_CERTIFICATE_MALFORMED});
}

void bm_tls_hs13_msg(bm_tls_conn *c, int side, uint8_t type, const uint8_t *body, size_t len, bm_tls_hs_msg *m)
{
    switch (type) {
    case BM_HS_NEW_SESSION_TICKET: /* post-handshake: the server issued a ticket */
        c->conn->hs.new_session_ticket = true;
        break;
    case BM_HS_ENCRYPTED_EXTENSIONS:
        encrypted_extensions(c, body, len, m);
        break;
    case BM_HS_CERTIFICATE: /* a client's (post-handshake authentication) is not the server chain */
        if (bm_tls_role_of_side(c, side) == BM_SERVER)
            certificate13(c, body, len);
        break;
    default:
        break;
    }
}
