/* names.c - names of TLS protocol numbers, for reports. NULL when unknown. */
#include <stddef.h>

#include "../proto/proto.h"
#include "tls.h"

typedef struct bm_name16 {
    uint16_t value;
    const char *name;
} bm_name16;

static const char *lookup(const bm_name16 *t, size_t n, unsigned v)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].value == v)
            return t[i].name;
    return NULL;
}

const char *bm_tls_version_name(uint16_t v)
{
    static const bm_name16 t[] = {
        {BM_SSL2, "SSL 2.0"}, {BM_SSL3, "SSL 3.0"}, {BM_TLS10, "TLS 1.0"},
        {BM_TLS11, "TLS 1.1"}, {BM_TLS12, "TLS 1.2"}, {BM_TLS13, "TLS 1.3"},
        {0x7f0e, "TLS 1.3 draft-14"}, {0x7f0f, "TLS 1.3 draft-15"}, {0x7f10, "TLS 1.3 draft-16"},
        {0x7f11, "TLS 1.3 draft-17"}, {0x7f12, "TLS 1.3 draft-18"}, {0x7f13, "TLS 1.3 draft-19"},
        {0x7f14, "TLS 1.3 draft-20"}, {0x7f15, "TLS 1.3 draft-21"}, {0x7f16, "TLS 1.3 draft-22"},
        {0x7f17, "TLS 1.3 draft-23"}, {0x7f18, "TLS 1.3 draft-24"}, {0x7f19, "TLS 1.3 draft-25"},
        {0x7f1a, "TLS 1.3 draft-26"}, {0x7f1b, "TLS 1.3 draft-27"}, {0x7f1c, "TLS 1.3 draft-28"},
        {0x7e01, "TLS 1.3 experiment 1"}, {0x7e02, "TLS 1.3 experiment 2"}, {0x7e03, "TLS 1.3 experiment 3"},
        {0xfb17, "TLS 1.3 Facebook draft-23"}, {0xfb1a, "TLS 1.3 Facebook draft-26"},
    };
    const char *n = lookup(t, sizeof t / sizeof t[0], v);
    if (!n && bm_tls_version_draft13(v))
        n = "TLS 1.3 pre-standard";
    return n;
}

bool bm_tls_version_draft13(uint16_t v)
{
    unsigned hi = v >> 8;
    return hi == BM_TLS13_DRAFT_HI || hi == BM_TLS13_EXPERIMENT_HI || hi == BM_TLS13_FB_HI;
}

/* IANA "TLS Alerts" registry (RFC 8446 and later), incl. values now
 * reserved that old peers still send. */
const char *bm_tls_alert_name(int desc)
{
    static const bm_name16 t[] = {
        {BM_ALERT_CLOSE_NOTIFY, "close_notify"},
        {BM_ALERT_UNEXPECTED_MESSAGE, "unexpected_message"},
        {BM_ALERT_BAD_RECORD_MAC, "bad_record_mac"},
        {BM_ALERT_DECRYPTION_FAILED, "decryption_failed"},
        {BM_ALERT_RECORD_OVERFLOW, "record_overflow"},
        {BM_ALERT_DECOMPRESSION_FAILURE, "decompression_failure"},
        {BM_ALERT_HANDSHAKE_FAILURE, "handshake_failure"},
        {BM_ALERT_NO_CERTIFICATE, "no_certificate"},
        {BM_ALERT_BAD_CERTIFICATE, "bad_certificate"},
        {BM_ALERT_UNSUPPORTED_CERTIFICATE, "unsupported_certificate"},
        {BM_ALERT_CERTIFICATE_REVOKED, "certificate_revoked"},
        {BM_ALERT_CERTIFICATE_EXPIRED, "certificate_expired"},
        {BM_ALERT_CERTIFICATE_UNKNOWN, "certificate_unknown"},
        {BM_ALERT_ILLEGAL_PARAMETER, "illegal_parameter"},
        {BM_ALERT_UNKNOWN_CA, "unknown_ca"},
        {BM_ALERT_ACCESS_DENIED, "access_denied"},
        {BM_ALERT_DECODE_ERROR, "decode_error"},
        {BM_ALERT_DECRYPT_ERROR, "decrypt_error"},
        {BM_ALERT_TOO_MANY_CIDS_REQUESTED, "too_many_cids_requested"},
        {BM_ALERT_EXPORT_RESTRICTION, "export_restriction"},
        {BM_ALERT_PROTOCOL_VERSION, "protocol_version"},
        {BM_ALERT_INSUFFICIENT_SECURITY, "insufficient_security"},
        {BM_ALERT_INTERNAL_ERROR, "internal_error"},
        {BM_ALERT_INAPPROPRIATE_FALLBACK, "inappropriate_fallback"},
        {BM_ALERT_USER_CANCELED, "user_canceled"},
        {BM_ALERT_NO_RENEGOTIATION, "no_renegotiation"},
        {BM_ALERT_MISSING_EXTENSION, "missing_extension"},
        {BM_ALERT_UNSUPPORTED_EXTENSION, "unsupported_extension"},
        {BM_ALERT_CERTIFICATE_UNOBTAINABLE, "certificate_unobtainable"},
        {BM_ALERT_UNRECOGNIZED_NAME, "unrecognized_name"},
        {BM_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE, "bad_certificate_status_response"},
        {BM_ALERT_BAD_CERTIFICATE_HASH_VALUE, "bad_certificate_hash_value"},
        {BM_ALERT_UNKNOWN_PSK_IDENTITY, "unknown_psk_identity"},
        {BM_ALERT_CERTIFICATE_REQUIRED, "certificate_required"},
        {BM_ALERT_GENERAL_ERROR, "general_error"},
        {BM_ALERT_NO_APPLICATION_PROTOCOL, "no_application_protocol"},
        {BM_ALERT_ECH_REQUIRED, "ech_required"},
    };
    if (desc < 0 || desc > 255)
        return NULL;
    return lookup(t, sizeof t / sizeof t[0], (unsigned)desc);
}

const char *bm_tls_content_type_name(int type)
{
    static const bm_name16 t[] = {
        {BM_CT_CHANGE_CIPHER_SPEC, "change_cipher_spec"},
        {BM_CT_ALERT, "alert"},
        {BM_CT_HANDSHAKE, "handshake"},
        {BM_CT_APPLICATION_DATA, "application_data"},
        {BM_CT_HEARTBEAT, "heartbeat"},
        {BM_CT_TLS12_CID, "tls12_cid"},
        {BM_CT_ACK, "ACK"},
    };
    if (type < 0 || type > 255)
        return NULL;
    return lookup(t, sizeof t / sizeof t[0], (unsigned)type);
}

/* The extensions whose contents the TLS stage checks (hello.c). */
const char *bm_tls_extension_name(uint16_t type)
{
    static const bm_name16 t[] = {
        {BM_EXT_SERVER_NAME, "server_name"},
        {BM_EXT_MAX_FRAGMENT_LENGTH, "max_fragment_length"},
        {BM_EXT_TRUNCATED_HMAC, "truncated_hmac"},
        {BM_EXT_SUPPORTED_GROUPS, "supported_groups"},
        {BM_EXT_ALPN, "application_layer_protocol_negotiation"},
        {BM_EXT_ENCRYPT_THEN_MAC, "encrypt_then_mac"},
        {BM_EXT_EXTENDED_MASTER_SECRET, "extended_master_secret"},
        {BM_EXT_RECORD_SIZE_LIMIT, "record_size_limit"},
        {BM_EXT_SESSION_TICKET, "session_ticket"},
        {BM_EXT_PRE_SHARED_KEY, "pre_shared_key"},
        {BM_EXT_EARLY_DATA, "early_data"},
        {BM_EXT_SUPPORTED_VERSIONS, "supported_versions"},
        {BM_EXT_KEY_SHARE, "key_share"},
    };
    return lookup(t, sizeof t / sizeof t[0], type);
}

/* IANA "TLS Supported Groups" registry. */
const char *bm_tls_group_name(uint16_t group)
{
    static const bm_name16 t[] = {
        {BM_GROUP_SECT163K1, "sect163k1"},
        {BM_GROUP_SECT163R1, "sect163r1"},
        {BM_GROUP_SECT163R2, "sect163r2"},
        {BM_GROUP_SECT193R1, "sect193r1"},
        {BM_GROUP_SECT193R2, "sect193r2"},
        {BM_GROUP_SECT233K1, "sect233k1"},
        {BM_GROUP_SECT233R1, "sect233r1"},
        {BM_GROUP_SECT239K1, "sect239k1"},
        {BM_GROUP_SECT283K1, "sect283k1"},
        {BM_GROUP_SECT283R1, "sect283r1"},
        {BM_GROUP_SECT409K1, "sect409k1"},
        {BM_GROUP_SECT409R1, "sect409r1"},
        {BM_GROUP_SECT571K1, "sect571k1"},
        {BM_GROUP_SECT571R1, "sect571r1"},
        {BM_GROUP_SECP160K1, "secp160k1"},
        {BM_GROUP_SECP160R1, "secp160r1"},
        {BM_GROUP_SECP160R2, "secp160r2"},
        {BM_GROUP_SECP192K1, "secp192k1"},
        {BM_GROUP_SECP192R1, "secp192r1"},
        {BM_GROUP_SECP224K1, "secp224k1"},
        {BM_GROUP_SECP224R1, "secp224r1"},
        {BM_GROUP_SECP256K1, "secp256k1"},
        {BM_GROUP_SECP256R1, "secp256r1"},
        {BM_GROUP_SECP384R1, "secp384r1"},
        {BM_GROUP_SECP521R1, "secp521r1"},
        {BM_GROUP_BRAINPOOLP256R1, "brainpoolP256r1"},
        {BM_GROUP_BRAINPOOLP384R1, "brainpoolP384r1"},
        {BM_GROUP_BRAINPOOLP512R1, "brainpoolP512r1"},
        {BM_GROUP_X25519, "x25519"},
        {BM_GROUP_X448, "x448"},
        {BM_GROUP_BRAINPOOLP256R1TLS13, "brainpoolP256r1tls13"},
        {BM_GROUP_BRAINPOOLP384R1TLS13, "brainpoolP384r1tls13"},
        {BM_GROUP_BRAINPOOLP512R1TLS13, "brainpoolP512r1tls13"},
        {BM_GROUP_GC256A, "GC256A"},
        {BM_GROUP_GC256B, "GC256B"},
        {BM_GROUP_GC256C, "GC256C"},
        {BM_GROUP_GC256D, "GC256D"},
        {BM_GROUP_GC512A, "GC512A"},
        {BM_GROUP_GC512B, "GC512B"},
        {BM_GROUP_GC512C, "GC512C"},
        {BM_GROUP_CURVESM2, "curveSM2"},
        {BM_GROUP_FFDHE2048, "ffdhe2048"},
        {BM_GROUP_FFDHE3072, "ffdhe3072"},
        {BM_GROUP_FFDHE4096, "ffdhe4096"},
        {BM_GROUP_FFDHE6144, "ffdhe6144"},
        {BM_GROUP_FFDHE8192, "ffdhe8192"},
        {BM_GROUP_MLKEM512, "MLKEM512"},
        {BM_GROUP_MLKEM768, "MLKEM768"},
        {BM_GROUP_MLKEM1024, "MLKEM1024"},
        {BM_GROUP_SECP256R1MLKEM768, "SecP256r1MLKEM768"},
        {BM_GROUP_X25519MLKEM768, "X25519MLKEM768"},
        {BM_GROUP_SECP384R1MLKEM1024, "SecP384r1MLKEM1024"},
        {BM_GROUP_X25519KYBER768DRAFT00, "X25519Kyber768Draft00"},
        {BM_GROUP_SECP256R1KYBER768DRAFT00, "SecP256r1Kyber768Draft00"},
        {BM_GROUP_ARBITRARY_EXPLICIT_PRIME_CURVES, "arbitrary_explicit_prime_curves"},
        {BM_GROUP_ARBITRARY_EXPLICIT_CHAR2_CURVES, "arbitrary_explicit_char2_curves"},
    };
    const char *n = lookup(t, sizeof t / sizeof t[0], group);
    /* RFC 8701 GREASE: 0x?A?A with equal bytes */
    if (!n && (group & 0x0f0f) == 0x0a0a && (group >> 8) == (group & 0xff))
        return "GREASE";
    return n;
}
