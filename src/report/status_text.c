/*
 * status_text.c - the words of a connection's status (failed / ok /
 * unknown and why, include/badmac/conn.h BM_STATUS_REASONS) and of the
 * aborts the verdict lines cite. The diagnosis decides the status as
 * data (src/diagnose/status.c); only this file words it.
 */
#include <inttypes.h>
#include <stdio.h>

#include "../proto/proto.h"
#include "report.h"
#include "words.h"

const char *bm_status_name(int st)
{
    return st == BM_STATUS_FAILED ? "failed" : st == BM_STATUS_UNKNOWN ? "unknown" : "ok";
}

const char *bm_status_reason_name(unsigned why)
{
    static const char *const n[] = {
#define BM_SR_NAME(id, name) [id] = name,
        BM_STATUS_REASONS(BM_SR_NAME)
#undef BM_SR_NAME
    };
    return why < sizeof n / sizeof n[0] ? n[why] : NULL;
}

/* What an abort was, after "without an alert: ". */
const char *bm_words_abort(int64_t why)
{
    switch (why) {
    case BM_SR_ABORT_RESET: return "a reset, no close_notify before it";
    case BM_SR_ABORT_PEER_SENDING: return "no close_notify, and the peer was still sending";
    case BM_SR_ABORT_HANDSHAKE: return "the handshake unfinished";
    case BM_SR_ABORT_MID_RECORD: return "its own stream ended inside a record";
    default: return "no close_notify";
    }
}

const char *bm_words_hs(int64_t type)
{
    switch (type) {
    case BM_HS_CLIENT_HELLO: return "ClientHello";
    case BM_HS_SERVER_HELLO: return "ServerHello";
    case BM_HS_CERTIFICATE: return "Certificate";
    case BM_HS_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
    case BM_HS_CERTIFICATE_REQUEST: return "CertificateRequest";
    case BM_HS_SERVER_HELLO_DONE: return "ServerHelloDone";
    case BM_HS_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
    case BM_HS_FINISHED: return "Finished";
    default: return "last handshake message";
    }
}

size_t bm_status_format(const bm_status_info *s, char *buf, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    const char *r = s->by >= 0 ? bm_words_role(s->by) : "peer";
    if (BM_REWORD) {
        bm_words_put(buf, cap, &o, "[%s] by=%s", bm_status_reason_name(s->reason) ? bm_status_reason_name(s->reason) : "?",
                     s->by >= 0 ? r : "none");
        return o;
    }
    switch (s->reason) {
    case BM_SR_FATAL_ALERT: bm_words_put(buf, cap, &o, "fatal alert from the %s", r); break;
    case BM_SR_FATAL_ALERT_INFERRED:
        bm_words_put(buf, cap, &o, "encrypted alert from the %s judged fatal by what followed it", r);
        break;
    case BM_SR_BAD_RECORD: bm_words_put(buf, cap, &o, "a %s record failed its check", r); break;
    case BM_SR_BAD_FINISHED: bm_words_put(buf, cap, &o, "the %s's Finished failed its check", r); break;
    case BM_SR_OVERSIZED: bm_words_put(buf, cap, &o, "a %s record is longer than the protocol allows", r); break;
    case BM_SR_ABORT_RESET: bm_words_put(buf, cap, &o, "the %s reset the connection without an alert", r); break;
    case BM_SR_ABORT_PEER_SENDING:
        bm_words_put(buf, cap, &o, "the %s closed without close_notify while the %s was still sending", r,
                     bm_words_other(s->by));
        break;
    case BM_SR_ABORT_HANDSHAKE:
        bm_words_put(buf, cap, &o, "the %s aborted the handshake without an alert", r);
        break;
    case BM_SR_ABORT_MID_RECORD: bm_words_put(buf, cap, &o, "the %s's stream ended inside a record", r); break;
    case BM_SR_ALERT_LEVEL_UNKNOWN:
        bm_words_put(buf, cap, &o, "encrypted alert of unknown level from the %s, no keys", r);
        break;
    case BM_SR_NOTHING_VERIFIES:
        bm_words_put(buf, cap, &o, "records fail but none verifies: the key material may be another connection's");
        break;
    case BM_SR_END_NOT_CAPTURED:
        bm_words_put(buf, cap, &o, "the %s's last bytes before its close were not captured (a close_notify among them?)",
                     r);
        break;
    case BM_SR_QUIET_CLOSE:
        bm_words_put(buf, cap, &o,
                     "the %s closed without a close_notify of its own right after a %s record, and no record verifies "
                     "(no keys)",
                     r,
                     bm_words_other(s->by));
        break;
    default: break;
    }
    return o;
}
