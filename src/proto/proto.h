/*
 * proto.h - the TLS protocol's code points, named after the RFCs and the
 * IANA TLS registries: record content types, protocol versions, alert
 * levels and descriptions, handshake message types, extension types.
 *
 * Only constants: no code, no includes. It sits at the bottom of the
 * layering (with src/wire and src/util), so every stage - capture, tls,
 * decrypt, crypto, diagnose, report, compare, relay, export - may include
 * it. A raw protocol number in a comparison or a case label elsewhere
 * should be one of these names.
 */
#ifndef BM_PROTO_PROTO_H
#define BM_PROTO_PROTO_H

/* TLSPlaintext.type (RFC 8446 5.1, RFC 6520, RFC 9146, RFC 9147). */
enum bm_content_type {
    BM_CT_CHANGE_CIPHER_SPEC = 20,
    BM_CT_ALERT = 21,
    BM_CT_HANDSHAKE = 22,
    BM_CT_APPLICATION_DATA = 23,
    BM_CT_HEARTBEAT = 24,
    BM_CT_TLS12_CID = 25,
    BM_CT_ACK = 26
};

/* ProtocolVersion on the wire. SSL 2.0 has its own record format; 0x0002
 * is the version an SSLv2-compatible ClientHello carries. */
enum bm_version {
    BM_SSL2 = 0x0002,
    BM_SSL3 = 0x0300,
    BM_TLS10 = 0x0301,
    BM_TLS11 = 0x0302,
    BM_TLS12 = 0x0303,
    BM_TLS13 = 0x0304
};

/* Pre-standard TLS 1.3 versions, by their high byte: 0x7fNN is
 * draft-ietf-tls-tls13-NN; 0x7eNN pre-standard experiments deployed
 * between the drafts; 0xfbNN Facebook's builds of draft NN (0xfb17 draft
 * 23, 0xfb1a draft 26). Drafts 16 to 21 send a ServerHello of version,
 * random, cipher_suite and extensions (no session id, no compression);
 * draft 22 introduced the final layout with the version in
 * supported_versions. */
enum bm_version_draft {
    BM_TLS13_DRAFT_HI = 0x7f,
    BM_TLS13_EXPERIMENT_HI = 0x7e,
    BM_TLS13_FB_HI = 0xfb,
    BM_TLS13_DRAFT16 = 0x7f10,
    BM_TLS13_DRAFT21 = 0x7f15
};

/* AlertLevel (RFC 5246 7.2). */
enum bm_alert_level {
    BM_ALERT_WARNING = 1,
    BM_ALERT_FATAL = 2
};

/* AlertDescription: the IANA "TLS Alerts" registry, incl. values now
 * reserved that old peers still send. */
enum bm_alert_desc {
    BM_ALERT_CLOSE_NOTIFY = 0,
    BM_ALERT_UNEXPECTED_MESSAGE = 10,
    BM_ALERT_BAD_RECORD_MAC = 20,
    BM_ALERT_DECRYPTION_FAILED = 21,
    BM_ALERT_RECORD_OVERFLOW = 22,
    BM_ALERT_DECOMPRESSION_FAILURE = 30,
    BM_ALERT_HANDSHAKE_FAILURE = 40,
    BM_ALERT_NO_CERTIFICATE = 41,
    BM_ALERT_BAD_CERTIFICATE = 42,
    BM_ALERT_UNSUPPORTED_CERTIFICATE = 43,
    BM_ALERT_CERTIFICATE_REVOKED = 44,
    BM_ALERT_CERTIFICATE_EXPIRED = 45,
    BM_ALERT_CERTIFICATE_UNKNOWN = 46,
    BM_ALERT_ILLEGAL_PARAMETER = 47,
    BM_ALERT_UNKNOWN_CA = 48,
    BM_ALERT_ACCESS_DENIED = 49,
    BM_ALERT_DECODE_ERROR = 50,
    BM_ALERT_DECRYPT_ERROR = 51,
    BM_ALERT_TOO_MANY_CIDS_REQUESTED = 52,
    BM_ALERT_EXPORT_RESTRICTION = 60,
    BM_ALERT_PROTOCOL_VERSION = 70,
    BM_ALERT_INSUFFICIENT_SECURITY = 71,
    BM_ALERT_INTERNAL_ERROR = 80,
    BM_ALERT_INAPPROPRIATE_FALLBACK = 86,
    BM_ALERT_USER_CANCELED = 90,
    BM_ALERT_NO_RENEGOTIATION = 100,
    BM_ALERT_MISSING_EXTENSION = 109,
    BM_ALERT_UNSUPPORTED_EXTENSION = 110,
    BM_ALERT_CERTIFICATE_UNOBTAINABLE = 111,
    BM_ALERT_UNRECOGNIZED_NAME = 112,
    BM_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
    BM_ALERT_BAD_CERTIFICATE_HASH_VALUE = 114,
    BM_ALERT_UNKNOWN_PSK_IDENTITY = 115,
    BM_ALERT_CERTIFICATE_REQUIRED = 116,
    BM_ALERT_GENERAL_ERROR = 117,
    BM_ALERT_NO_APPLICATION_PROTOCOL = 120,
    BM_ALERT_ECH_REQUIRED = 121
};

/* HandshakeType (RFC 5246 7.4, RFC 8446 4). */
enum bm_hs_type {
    BM_HS_HELLO_REQUEST = 0,
    BM_HS_CLIENT_HELLO = 1,
    BM_HS_SERVER_HELLO = 2,
    BM_HS_NEW_SESSION_TICKET = 4,
    BM_HS_END_OF_EARLY_DATA = 5,
    BM_HS_ENCRYPTED_EXTENSIONS = 8,
    BM_HS_CERTIFICATE = 11,
    BM_HS_SERVER_KEY_EXCHANGE = 12,
    BM_HS_CERTIFICATE_REQUEST = 13,
    BM_HS_SERVER_HELLO_DONE = 14,
    BM_HS_CERTIFICATE_VERIFY = 15,
    BM_HS_CLIENT_KEY_EXCHANGE = 16,
    BM_HS_FINISHED = 20,
    BM_HS_KEY_UPDATE = 24,
    BM_HS_MESSAGE_HASH = 254
};

/* ExtensionType: the IANA "TLS ExtensionType Values" badmac reads. */
enum bm_ext_type {
    BM_EXT_SERVER_NAME = 0,
    BM_EXT_MAX_FRAGMENT_LENGTH = 1,
    BM_EXT_TRUNCATED_HMAC = 4,
    BM_EXT_SUPPORTED_GROUPS = 10,
    BM_EXT_ALPN = 16, /* application_layer_protocol_negotiation */
    BM_EXT_ENCRYPT_THEN_MAC = 22,
    BM_EXT_EXTENDED_MASTER_SECRET = 23,
    BM_EXT_RECORD_SIZE_LIMIT = 28,
    BM_EXT_SESSION_TICKET = 35,
    BM_EXT_PRE_SHARED_KEY = 41,
    BM_EXT_EARLY_DATA = 42,
    BM_EXT_SUPPORTED_VERSIONS = 43,
    BM_EXT_KEY_SHARE = 51
};

/* NamedGroup: the IANA "TLS Supported Groups" registry. */
enum bm_group {
    BM_GROUP_SECT163K1 = 1,
    BM_GROUP_SECT163R1 = 2,
    BM_GROUP_SECT163R2 = 3,
    BM_GROUP_SECT193R1 = 4,
    BM_GROUP_SECT193R2 = 5,
    BM_GROUP_SECT233K1 = 6,
    BM_GROUP_SECT233R1 = 7,
    BM_GROUP_SECT239K1 = 8,
    BM_GROUP_SECT283K1 = 9,
    BM_GROUP_SECT283R1 = 10,
    BM_GROUP_SECT409K1 = 11,
    BM_GROUP_SECT409R1 = 12,
    BM_GROUP_SECT571K1 = 13,
    BM_GROUP_SECT571R1 = 14,
    BM_GROUP_SECP160K1 = 15,
    BM_GROUP_SECP160R1 = 16,
    BM_GROUP_SECP160R2 = 17,
    BM_GROUP_SECP192K1 = 18,
    BM_GROUP_SECP192R1 = 19,
    BM_GROUP_SECP224K1 = 20,
    BM_GROUP_SECP224R1 = 21,
    BM_GROUP_SECP256K1 = 22,
    BM_GROUP_SECP256R1 = 23,
    BM_GROUP_SECP384R1 = 24,
    BM_GROUP_SECP521R1 = 25,
    BM_GROUP_BRAINPOOLP256R1 = 26,
    BM_GROUP_BRAINPOOLP384R1 = 27,
    BM_GROUP_BRAINPOOLP512R1 = 28,
    BM_GROUP_X25519 = 29,
    BM_GROUP_X448 = 30,
    BM_GROUP_BRAINPOOLP256R1TLS13 = 31,
    BM_GROUP_BRAINPOOLP384R1TLS13 = 32,
    BM_GROUP_BRAINPOOLP512R1TLS13 = 33,
    BM_GROUP_GC256A = 34,
    BM_GROUP_GC256B = 35,
    BM_GROUP_GC256C = 36,
    BM_GROUP_GC256D = 37,
    BM_GROUP_GC512A = 38,
    BM_GROUP_GC512B = 39,
    BM_GROUP_GC512C = 40,
    BM_GROUP_CURVESM2 = 41,
    BM_GROUP_FFDHE2048 = 256,
    BM_GROUP_FFDHE3072 = 257,
    BM_GROUP_FFDHE4096 = 258,
    BM_GROUP_FFDHE6144 = 259,
    BM_GROUP_FFDHE8192 = 260,
    BM_GROUP_MLKEM512 = 512,
    BM_GROUP_MLKEM768 = 513,
    BM_GROUP_MLKEM1024 = 514,
    BM_GROUP_SECP256R1MLKEM768 = 4587,
    BM_GROUP_X25519MLKEM768 = 4588,
    BM_GROUP_SECP384R1MLKEM1024 = 4589,
    BM_GROUP_X25519KYBER768DRAFT00 = 25497,
    BM_GROUP_SECP256R1KYBER768DRAFT00 = 25498,
    BM_GROUP_ARBITRARY_EXPLICIT_PRIME_CURVES = 65281,
    BM_GROUP_ARBITRARY_EXPLICIT_CHAR2_CURVES = 65282
};

#endif
