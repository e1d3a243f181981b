/*
 * finding_text.c - the finding table (include/badmac/findings.h) and the
 * one place findings become words. Roles are named here, from the
 * finding's role field ("client", "client->server"); a code's sentence
 * reads only the fields and arguments its table entry declares.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../tls/tls.h"
#include "../util/err.h"
#include "../util/names.h"
#include "report.h"
#include "words.h"

static const bm_words_table *table(void)
{
    static const bm_words_def defs[BM_F_COUNT_] = {
#define BM_F_DEF(code, name, fields, a0, a1, a2, s) [code] = {name, fields, s, {a0, a1, a2}},
        BM_FINDINGS(BM_F_DEF)
#undef BM_F_DEF
    };
    static const bm_words_table t = {defs, BM_F_COUNT_, 3};
    return &t;
}


static const char *party(const bm_finding *f) { return bm_words_role(f->role); }
static const char *dir(const bm_finding *f) { return f->role == BM_CLIENT ? "client->server" : "server->client"; }

static const char *msg_name(int64_t m)
{
    switch (m) {
    case BM_FM_CLIENT_HELLO: return "ClientHello";
    case BM_FM_SERVER_HELLO: return "ServerHello";
    case BM_FM_HELLO_RETRY_REQUEST: return "HelloRetryRequest";
    case BM_FM_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
    case BM_FM_RSA_PSK_CLIENT_KEY_EXCHANGE: return "RSA_PSK ClientKeyExchange";
    default: return "message";
    }
}

static const char *kx_name(int64_t kx)
{
    switch (kx) {
    case BM_FKX_PSK: return "PSK";
    case BM_FKX_RSA_PSK: return "RSA_PSK";
    case BM_FKX_DHE_PSK: return "DHE_PSK";
    case BM_FKX_ECDHE_PSK: return "ECDHE_PSK";
    default: return "PSK";
    }
}

static const char *err_text(int64_t e)
{
    return e >= 0 && e < BM_ERR_COUNT_ ? bm_strerror((bm_err)e) : "unknown error";
}

static const char *nz(const char *s, const char *dflt) { return s ? s : dflt; }

/* The string argument's length: bounded even if a stage left it unterminated. */
static int slen(const bm_finding *f) { return (int)strnlen(f->str, sizeof f->str); }

/* Sentences that are fixed text around at most the role, or around the
 * record the finding is about. */
enum { BM_S_PLAIN, BM_S_DIR, BM_S_PARTY, BM_S_RECORD };
static const bm_words_sentence sentences[] = {
    {BM_F_MORE, BM_S_PLAIN, "... more problems", ""},
    {BM_F_RECORD_OUT_OF_MEMORY, BM_S_DIR, "out of memory buffering a record (", ")"},
    {BM_F_RESYNC_OUT_OF_MEMORY, BM_S_DIR, "out of memory resynchronising (", "); rest of the direction ignored"},
    {BM_F_HANDSHAKE_BUFFER_EXHAUSTED, BM_S_DIR, "handshake reassembly buffer exhausted (", ")"},
    {BM_F_HANDSHAKE_OUT_OF_MEMORY, BM_S_DIR, "out of memory reassembling handshake (", ")"},
    {BM_F_SSL2_HELLO_MALFORMED, BM_S_DIR, "malformed SSLv2 ClientHello (", ")"},
    {BM_F_CERTIFICATE_MALFORMED, BM_S_PLAIN, "malformed Certificate message", ""},
    {BM_F_ALERT_NOT_CAPTURED, BM_S_RECORD, "alert ", " not captured"},
    {BM_F_ALERT_PARTIAL, BM_S_RECORD, "partial alert (1 byte) in ", ""},
    {BM_F_CCS_MALFORMED, BM_S_RECORD, "malformed ChangeCipherSpec ", ""},
    {BM_F_FINISHED_UNDECRYPTABLE, BM_S_PARTY, "the ",
     "'s Finished record does not decrypt: wrong keys, or the record was damaged"},
    {BM_F_FINISHED_UNCHECKED, BM_S_PARTY, "the ",
     "'s Finished was decrypted but not checked: handshake messages are missing"},
    {BM_F_FINISHED_MISMATCH, BM_S_PARTY, "the ",
     "'s Finished does not match the handshake transcript (tampered handshake, or keys/transcript of another "
     "connection)"},
    {BM_F_ENCRYPTED_EXTENSIONS_MALFORMED, BM_S_PLAIN, "malformed EncryptedExtensions", ""},
    {BM_F_TLS13_CERTIFICATE_MALFORMED, BM_S_PLAIN, "malformed TLS 1.3 Certificate message", ""},
    {BM_F_EARLY_SECRET_NO_SUITE, BM_S_PLAIN,
     "the client's early traffic secret fits none of the TLS 1.3 suites it offered", ""},
    {BM_F_TLS13_KEYS_FAILED, BM_S_PARTY, "the ",
     "'s TLS 1.3 keys cannot be set up (suite not supported by this libcrypto?)"},
    {BM_F_EMS_TRANSCRIPT_INCOMPLETE, BM_S_PLAIN, "extended master secret: the handshake transcript is incomplete", ""},
    {BM_F_RSA_NO_MATCHING_KEY, BM_S_PLAIN, "no RSA key given matches the server certificate", ""},
    {BM_F_RSA_PREMASTER_VERSION, BM_S_PLAIN, "the RSA premaster secret carries a version other than the ClientHello's",
     ""},
    {BM_F_PSK_WITH_DHE, BM_S_PLAIN,
     "PSK with (EC)DHE: the secrets cannot be derived from the PSK alone; export a key log", ""},
    {BM_F_PSK_TRANSCRIPT_INCOMPLETE, BM_S_PLAIN,
     "PSK without (EC)DHE: the handshake transcript is incomplete, keys cannot be derived", ""},
    {BM_F_RSA_PSK_NEEDS_RSA_KEY, BM_S_PLAIN,
     "RSA_PSK key exchange: the PSK is not enough, the premaster is also RSA-encrypted to the server: give its "
     "private key with --rsa-key (or a key log)",
     ""},
    {BM_F_RENEG_OUT_OF_MEMORY, BM_S_PLAIN, "renegotiation: out of memory, its records are not checked", ""},
    {BM_F_RENEG_SERVER_HELLO_MALFORMED, BM_S_PLAIN,
     "renegotiation: malformed ServerHello, its records are not checked", ""},
    {BM_F_RENEG_NO_KEYS, BM_S_PLAIN,
     "renegotiation: no key material for the new handshake (a key log line for its client random): the records "
     "after it are not checked",
     ""},
    {BM_F_CCS_WITHOUT_RENEG, BM_S_PARTY, "an encrypted ChangeCipherSpec from the ",
     " without a renegotiation seen: the records after it are not checked"},
};

static bool sentence(const bm_finding *f, char *buf, size_t cap, size_t *o)
{
    const bm_words_sentence *t = bm_words_sentence_of(sentences, sizeof sentences / sizeof sentences[0], f->code);
    if (!t)
        return false;
    bm_words_put(buf, cap, o, "%s", t->before);
    if (t->style == BM_S_DIR)
        bm_words_put(buf, cap, o, "%s", dir(f));
    else if (t->style == BM_S_PARTY)
        bm_words_put(buf, cap, o, "%s", party(f));
    else if (t->style == BM_S_RECORD)
        bm_words_put(buf, cap, o, "record #%" PRIu64 " (frame %" PRIu64 ", %s)", f->index, f->frame, dir(f));
    bm_words_put(buf, cap, o, "%s", t->after);
    return true;
}

/* The English sentence of each code. The texts are the report's contract
 * with its readers (golden outputs, tests/golden/out): change them only on
 * purpose. */
static void english(const bm_finding *f, char *buf, size_t cap, size_t *o)
{
    const int64_t *a = f->arg;
    if (sentence(f, buf, cap, o))
        return;
    switch ((bm_finding_code)f->code) {
    case BM_F_CAPTURE_GAP:
        bm_words_put(buf, cap, o,
            "%" PRIu64 " bytes not captured at stream offset %" PRIu64 " (%s): records across the gap unreadable",
            (uint64_t)a[0], f->stream_off, dir(f));
        break;
    case BM_F_CAPTURE_ENDS_IN_RECORD:
        bm_words_put(buf, cap, o,
            "capture ends inside a record: %" PRIu32 " of %" PRIu32 " payload bytes at stream offset %" PRIu64 " (%s)",
            (uint32_t)a[0], (uint32_t)a[1], f->stream_off, dir(f));
        break;
    case BM_F_CAPTURE_ENDS_IN_HEADER:
        bm_words_put(buf, cap, o, "capture ends inside a record header at stream offset %" PRIu64 " (%s)", f->stream_off,
            dir(f));
        break;
    case BM_F_RECORD_HEADER_IMPOSSIBLE:
        bm_words_put(buf, cap, o,
            "frame %" PRIu64 ": impossible TLS record header (type %u, version 0x%04x, length %" PRIu32
            ") at stream offset %" PRIu64 " (%s); resynchronising",
            f->frame, (unsigned)(a[0] & 0xff), (unsigned)(a[1] & 0xffff), (uint32_t)a[2], f->stream_off, dir(f));
        break;
    case BM_F_RECORD_OVER_LIMIT:
        bm_words_put(buf, cap, o,
            "record #%" PRIu64 " (frame %" PRIu64 ", %s) is %" PRIu32 " bytes, over the %s limit of %" PRIu32, f->index,
            f->frame, dir(f), (uint32_t)a[0], a[2] ? "negotiated" : "protocol", (uint32_t)a[1]);
        break;
    case BM_F_RECORD_ZERO_LENGTH:
        bm_words_put(buf, cap, o, "zero-length %s record #%" PRIu64 " (frame %" PRIu64 ", %s)",
            nz(bm_tls_content_type_name((int)a[0]), "unknown"), f->index, f->frame, dir(f));
        break;
    case BM_F_HANDSHAKE_OVER_CAP:
        bm_words_put(buf, cap, o,
            "handshake message (type %u) of %" PRIu32 " bytes exceeds the %u KiB reassembly cap; skipped (%s)",
            (unsigned)(a[0] & 0xff), (uint32_t)a[1], (unsigned)a[2], dir(f));
        break;
    case BM_F_HANDSHAKE_TRUNCATED:
        bm_words_put(buf, cap, o, "handshake message (type %u) truncated: %" PRIu64 " bytes captured (%s)",
            (unsigned)(a[0] & 0xff), (uint64_t)a[1], dir(f));
        break;
    case BM_F_CLIENT_HELLO_TRUNCATED:
        bm_words_put(buf, cap, o, "ClientHello truncated: %" PRIu64 " of %" PRIu32 " bytes captured (%s)", (uint64_t)a[0],
            (uint32_t)a[1], dir(f));
        break;
    case BM_F_CLIENT_HELLO_MALFORMED:
        bm_words_put(buf, cap, o, "malformed ClientHello (%" PRIu64 " bytes)", (uint64_t)a[0]);
        break;
    case BM_F_SERVER_HELLO_MALFORMED:
        bm_words_put(buf, cap, o, "malformed ServerHello (%" PRIu64 " bytes)", (uint64_t)a[0]);
        break;
    case BM_F_TLS13_DRAFT:
        bm_words_put(buf, cap, o, "%s (0x%04x) is a pre-standard TLS 1.3: decryption is not supported for drafts",
            nz(bm_tls_version_name((uint16_t)a[0]), "TLS 1.3 pre-standard"), (unsigned)(a[0] & 0xffff));
        break;
    case BM_F_SESSION_COMPRESSED:
        if (a[0] == 1)
            bm_words_put(buf, cap, o,
                "the ServerHello selected DEFLATE compression (RFC 3749): the records after ChangeCipherSpec are "
                "compressed, their contents are read only with keys");
        else
            bm_words_put(buf, cap, o,
                "the ServerHello selected compression method %u, which badmac cannot decompress: the contents of "
                "the records after ChangeCipherSpec are not read",
                (unsigned)(a[0] & 0xff));
        break;
    case BM_F_EXTENSION_MALFORMED:
        bm_words_put(buf, cap, o, "malformed %s extension (%u) in %s", nz(bm_tls_extension_name((uint16_t)a[0]), "unknown"),
            (unsigned)(a[0] & 0xffff), msg_name(a[1]));
        break;
    case BM_F_EXTENSIONS_MALFORMED:
        bm_words_put(buf, cap, o, "malformed extensions in %s", msg_name(a[0]));
        break;
    case BM_F_CERTIFICATE_OVERRUN:
        bm_words_put(buf, cap, o, "malformed Certificate message (certificate %u overruns the list)", (unsigned)a[0]);
        break;
    case BM_F_CERTIFICATE_NOT_X509:
        bm_words_put(buf, cap, o, "certificate %u of the server chain does not parse as X.509", (unsigned)a[0]);
        break;
    case BM_F_ALERT_INVALID_LEVEL:
        bm_words_put(buf, cap, o, "alert with invalid level %d in record #%" PRIu64 " (frame %" PRIu64 ", %s)", (int)a[0],
            f->index, f->frame, dir(f));
        break;
    case BM_F_ALERT_INFERRED_FATAL:
        bm_words_put(buf, cap, o,
            "fatal alert inferred: encrypted alert from the %s (record #%" PRIu64 ", frame %" PRIu64 "): %s", party(f),
            f->index, f->frame, bm_words_fatal_fit(a[0]));
        break;
    case BM_F_ALERT_LEVEL_UNKNOWN:
        bm_words_put(buf, cap, o, "encrypted alert from the %s (record #%" PRIu64 ", frame %" PRIu64 "): level unknown without keys (%s)",
            party(f), f->index, f->frame, a[2] ? "its length fits no alert of the suite" : "close_notify and a fatal alert both fit");
        break;
    case BM_F_RECORD_FAILED:
        bm_words_put(buf, cap, o, "record #%" PRIu64 " from the %s fails its integrity check (%s) at frame %" PRIu64, f->index,
            party(f), nz(bm_reason_name((bm_rec_reason)a[0], BM_NAME_TEXT), "unknown"), f->frame);
        break;
    case BM_F_DECRYPTED_ALERT_LENGTH:
        bm_words_put(buf, cap, o, "decrypted alert record #%" PRIu64 " from the %s has %" PRIu64 " bytes", f->index, party(f),
            (uint64_t)a[0]);
        break;
    case BM_F_FIRST_PROTECTED_NOT_FINISHED:
        bm_words_put(buf, cap, o, "the %s's first protected record #%" PRIu64 " is not a Finished message", party(f), f->index);
        break;
    case BM_F_DECOMPRESSION_STOPPED:
        if (a[0] == 0)
            bm_words_put(buf, cap, o,
                "%s record #%" PRIu64 " verified but is not decompressed: an earlier record of the direction was "
                "not opened, so the compressed stream cannot be followed from here",
                party(f), f->index);
        else
            bm_words_put(buf, cap, o,
                "%s record #%" PRIu64 " verified but does not inflate (zlib error %d): the direction's later "
                "records are not decompressed",
                party(f), f->index, (int)a[0]);
        break;
    case BM_F_DECOMPRESSED_OVER_LIMIT:
        bm_words_put(buf, cap, o,
            "%s record #%" PRIu64 " inflates to %" PRIu64 " bytes, over the %" PRIu64
            " a record may carry: a receiver must fail it with decompression_failure",
            party(f), f->index, (uint64_t)a[0], (uint64_t)a[1]);
        break;
    case BM_F_RECORDS_LOST_IN_GAP:
        bm_words_put(buf, cap, o, "%u record%s lost in the capture gap before %s record #%" PRIu64
                         " (sequence number recovered by trial)",
            (unsigned)a[0], a[0] == 1 ? "" : "s", party(f), f->index);
        break;
    case BM_F_APP_KEYS_WITHOUT_FINISHED:
        bm_words_put(buf, cap, o, "the %s's application keys start at record #%" PRIu64 " without a Finished seen", party(f),
            f->index);
        break;
    case BM_F_RECORD_UNDER_OLD_KEYS:
        bm_words_put(buf, cap, o,
            "%s record #%" PRIu64 " opens only under the %s's keys from before its last key change: it was sent with "
            "old keys",
            party(f), f->index, party(f));
        break;
    case BM_F_TRANSCRIPT_OVER_CAP:
        bm_words_put(buf, cap, o, "handshake transcript longer than %u KiB: Finished messages not checked", (unsigned)a[0]);
        break;
    case BM_F_EARLY_DATA_NO_SECRET:
        bm_words_put(buf, cap, o, "client early data (0-RTT) record #%" PRIu64 " not checked: no early traffic secret",
            f->index);
        break;
    case BM_F_EARLY_DATA_REJECTED:
        bm_words_put(buf, cap, o, "client early data (0-RTT) from record #%" PRIu64 " on: not accepted by the server, skipped",
            f->index);
        break;
    case BM_F_DECRYPTION_UNSUPPORTED:
        bm_words_put(buf, cap, o, "cipher suite 0x%04x / version 0x%04x: decryption not supported", (unsigned)(a[0] & 0xffff),
            (unsigned)(a[1] & 0xffff));
        break;
    case BM_F_RECORD_KEYS_FAILED:
        bm_words_put(buf, cap, o, "record keys cannot be set up: %s", err_text(a[0]));
        break;
    case BM_F_RSA_DECRYPT_FAILED:
        bm_words_put(buf, cap, o, "RSA key %.*s does not decrypt the %s (%s)", slen(f), f->str, msg_name(a[0]), err_text(a[1]));
        break;
    case BM_F_PSK_KEYS_FAILED:
        bm_words_put(buf, cap, o, "the TLS 1.3 keys cannot be set up from the PSK: %s", err_text(a[0]));
        break;
    case BM_F_PSK_APP_KEYS_FAILED:
        bm_words_put(buf, cap, o, "the TLS 1.3 application keys cannot be derived from the PSK: %s", err_text(a[0]));
        break;
    case BM_F_PSK_KX_MALFORMED:
        bm_words_put(buf, cap, o, "malformed %s ClientKeyExchange: no key derived", kx_name(a[0]));
        break;
    case BM_F_PSK_KX_DH_SECRET:
        bm_words_put(buf, cap, o, "%s key exchange: the premaster secret includes an (EC)DH shared secret that no capture "
                         "reveals, so the PSK alone cannot decrypt it: export a key log (--keylog)",
            kx_name(a[0]));
        break;
    case BM_F_PSK_IDENTITY_UNKNOWN:
        bm_words_put(buf, cap, o, "%s key exchange: no --psk for the identity \"%.*s\"%s", kx_name(a[0]), slen(f), f->str,
            a[0] == BM_FKX_RSA_PSK ? " (RSA_PSK needs both the PSK and --rsa-key)" : "");
        break;
    case BM_F_PSK_NO_RECORD_VERIFIES:
        bm_words_put(buf, cap, o, "no record verifies under the keys derived from the PSK (%.*s): wrong PSK for this identity?",
            slen(f), f->str);
        break;
    case BM_F_INVALID:
    case BM_F_COUNT_:
    default:
        bm_words_put(buf, cap, o, "unknown finding (code %u)", (unsigned)f->code);
        break;
    }
}

static void english_of(const void *x, char *buf, size_t cap, size_t *o) { english(x, buf, cap, o); }

BM_WORDS_TABLE_DEFS(bm_finding, bm_finding, table, english_of)
