/* names.c - names of TLS protocol numbers, for reports. NULL when unknown. */
#include <stddef.h>

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
        {0x0002, "SSL 2.0"}, {0x0300, "SSL 3.0"}, {0x0301, "TLS 1.0"},
        {0x0302, "TLS 1.1"}, {0x0303, "TLS 1.2"}, {0x0304, "TLS 1.3"},
    };
    return lookup(t, sizeof t / sizeof t[0], v);
}

/* IANA "TLS Alerts" registry (RFC 8446 and later), incl. values now
 * reserved that old peers still send. */
const char *bm_tls_alert_name(int desc)
{
    static const bm_name16 t[] = {
        {0, "close_notify"},
        {10, "unexpected_message"},
        {20, "bad_record_mac"},
        {21, "decryption_failed"},
        {22, "record_overflow"},
        {30, "decompression_failure"},
        {40, "handshake_failure"},
        {41, "no_certificate"},
        {42, "bad_certificate"},
        {43, "unsupported_certificate"},
        {44, "certificate_revoked"},
        {45, "certificate_expired"},
        {46, "certificate_unknown"},
        {47, "illegal_parameter"},
        {48, "unknown_ca"},
        {49, "access_denied"},
        {50, "decode_error"},
        {51, "decrypt_error"},
        {52, "too_many_cids_requested"},
        {60, "export_restriction"},
        {70, "protocol_version"},
        {71, "insufficient_security"},
        {80, "internal_error"},
        {86, "inappropriate_fallback"},
        {90, "user_canceled"},
        {100, "no_renegotiation"},
        {109, "missing_extension"},
        {110, "unsupported_extension"},
        {111, "certificate_unobtainable"},
        {112, "unrecognized_name"},
        {113, "bad_certificate_status_response"},
        {114, "bad_certificate_hash_value"},
        {115, "unknown_psk_identity"},
        {116, "certificate_required"},
        {117, "general_error"},
        {120, "no_application_protocol"},
        {121, "ech_required"},
    };
    if (desc < 0 || desc > 255)
        return NULL;
    return lookup(t, sizeof t / sizeof t[0], (unsigned)desc);
}

const char *bm_tls_content_type_name(int type)
{
    static const bm_name16 t[] = {
        {20, "change_cipher_spec"}, {21, "alert"}, {22, "handshake"},
        {23, "application_data"}, {24, "heartbeat"}, {25, "tls12_cid"}, {26, "ACK"},
    };
    if (type < 0 || type > 255)
        return NULL;
    return lookup(t, sizeof t / sizeof t[0], (unsigned)type);
}

/* The extensions whose contents the TLS stage checks (hello.c). */
const char *bm_tls_extension_name(uint16_t type)
{
    static const bm_name16 t[] = {
        {0, "server_name"}, {1, "max_fragment_length"}, {4, "truncated_hmac"},
        {10, "supported_groups"}, {16, "application_layer_protocol_negotiation"},
        {22, "encrypt_then_mac"}, {23, "extended_master_secret"}, {28, "record_size_limit"},
        {35, "session_ticket"}, {41, "pre_shared_key"}, {42, "early_data"},
        {43, "supported_versions"}, {51, "key_share"},
    };
    return lookup(t, sizeof t / sizeof t[0], type);
}

/* IANA "TLS Supported Groups" registry. */
const char *bm_tls_group_name(uint16_t group)
{
    static const bm_name16 t[] = {
        {1, "sect163k1"}, {2, "sect163r1"}, {3, "sect163r2"}, {4, "sect193r1"},
        {5, "sect193r2"}, {6, "sect233k1"}, {7, "sect233r1"}, {8, "sect239k1"},
        {9, "sect283k1"}, {10, "sect283r1"}, {11, "sect409k1"}, {12, "sect409r1"},
        {13, "sect571k1"}, {14, "sect571r1"}, {15, "secp160k1"}, {16, "secp160r1"},
        {17, "secp160r2"}, {18, "secp192k1"}, {19, "secp192r1"}, {20, "secp224k1"},
        {21, "secp224r1"}, {22, "secp256k1"}, {23, "secp256r1"}, {24, "secp384r1"},
        {25, "secp521r1"}, {26, "brainpoolP256r1"}, {27, "brainpoolP384r1"},
        {28, "brainpoolP512r1"}, {29, "x25519"}, {30, "x448"},
        {31, "brainpoolP256r1tls13"}, {32, "brainpoolP384r1tls13"},
        {33, "brainpoolP512r1tls13"}, {34, "GC256A"}, {35, "GC256B"}, {36, "GC256C"},
        {37, "GC256D"}, {38, "GC512A"}, {39, "GC512B"}, {40, "GC512C"}, {41, "curveSM2"},
        {256, "ffdhe2048"}, {257, "ffdhe3072"}, {258, "ffdhe4096"}, {259, "ffdhe6144"},
        {260, "ffdhe8192"}, {512, "MLKEM512"}, {513, "MLKEM768"}, {514, "MLKEM1024"},
        {4587, "SecP256r1MLKEM768"}, {4588, "X25519MLKEM768"}, {4589, "SecP384r1MLKEM1024"},
        {25497, "X25519Kyber768Draft00"}, {25498, "SecP256r1Kyber768Draft00"},
        {65281, "arbitrary_explicit_prime_curves"}, {65282, "arbitrary_explicit_char2_curves"},
    };
    const char *n = lookup(t, sizeof t / sizeof t[0], group);
    /* RFC 8701 GREASE: 0x?A?A with equal bytes */
    if (!n && (group & 0x0f0f) == 0x0a0a && (group >> 8) == (group & 0xff))
        return "GREASE";
    return n;
}
