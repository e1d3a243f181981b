/*
 * vtext_steps.c - the English of the exonerations and next steps of a
 * verdict (part of verdict_text.c's formatter). Most are fixed text
 * around at most one role; the texts are the report's contract with its
 * readers (tests/golden/out): change them only on purpose.
 */
#include <inttypes.h>
#include <stdio.h>

#include "../tls/tls.h"
#include "words.h"

/* Fixed text, or text around the line's role (ROLE). */
enum { BM_VS_PLAIN, BM_VS_ROLE };
static const bm_words_sentence sentences[] = {
    {BM_V_EX_REFUSED_SIZE, BM_VS_PLAIN, "the network and the keys: the record was refused for its size, not its integrity",
     ""},
    {BM_V_EX_ALERT_OTHER_CAUSE, BM_VS_PLAIN, "the record layer: the alert names another cause", ""},
    {BM_V_EX_RECEIVER_GOT_CHANGED, BM_VS_ROLE, "the ", "'s TLS stack: it received bytes the network had changed"},
    {BM_V_EX_NETWORK_AND_RECEIVER, BM_VS_ROLE, "the network and the ",
     ": the record was already damaged on the sending host"},
    {BM_V_EX_BOTH_CRYPTO, BM_VS_ROLE, "both endpoints' cryptography: the ",
     "'s keys and sequence number are right (the repaired record verifies)"},
    {BM_V_EX_RECEIVER_RIGHT_DAMAGED, BM_VS_ROLE, "the ", ": it rightly rejected a damaged record"},
    {BM_V_EX_RECEIVER_RIGHT_UNVERIFIED, BM_VS_ROLE, "the ", ": it rightly rejected a record that does not verify"},
    {BM_V_EX_KEYS_BYTES_POSITION, BM_VS_PLAIN,
     "the keys and the record bytes: the record is intact, only its position in the sequence is wrong", ""},
    {BM_V_EX_KEYS_BYTES_MISSING, BM_VS_PLAIN,
     "the keys and the record bytes: the records are intact, only records are missing or repeated", ""},
    {BM_V_EX_FINISHED_AUTHENTICATES, BM_VS_PLAIN, "the record layer: the Finished record itself authenticates", ""},
    {BM_V_EX_NETWORK_PROTECTION, BM_VS_ROLE, "the network and the ", "'s record protection: the record is intact"},
    {BM_V_EX_SENDER_STACK, BM_VS_ROLE, "the ", "'s TLS stack: every record it sent left intact"},
    {BM_V_EX_NETWORK_REACHED, BM_VS_ROLE, "the network: the records reached the ", "'s host intact"},
    {BM_V_EX_OTHER_KEYS, BM_VS_PLAIN, "the network: the record is intact, it was written under other keys", ""},
    {BM_V_EX_FINISHED_INTACT, BM_VS_PLAIN, "the network and the record layer: the Finished is intact", ""},
    {BM_V_EX_VERIFIED_INTACT, BM_VS_PLAIN, "the network and the record layer: every verified record is intact", ""},
    {BM_V_EX_STACK_IN_SEQUENCE, BM_VS_ROLE, "the ", "'s TLS stack: its own records are intact and in sequence"},
    {BM_V_EX_NETWORK_INTACT, BM_VS_PLAIN, "the network: the record is intact", ""},
    {BM_V_EX_NETWORK_KEYS, BM_VS_PLAIN, "the network and the keys: the record is intact and the keys are right", ""},
    {BM_V_NEXT_RECAPTURE_LOSSLESS, BM_VS_PLAIN,
     "capture again without losses (full snaplen, bigger buffer: tcpdump -s 0 -B 65536)", ""},
    {BM_V_NEXT_RECAPTURE_WHOLE, BM_VS_PLAIN, "capture again whole and without drops: tcpdump -s 0 -B 65536 -w FILE", ""},
    {BM_V_NEXT_KEYLOG, BM_VS_PLAIN,
     "export this connection's keys and run again with --keylog FILE: SSLKEYLOGFILE=FILE for "
     "OpenSSL/BoringSSL/NSS/curl/browsers (openssl s_client -keylogfile FILE)",
     ""},
    {BM_V_NEXT_KEYLOG_EMBEDDED, BM_VS_PLAIN,
     "embedded stacks: mbedTLS mbedtls_ssl_conf_export_keys_ext_cb (2.x) or mbedtls_ssl_set_export_keys_cb (3.x); "
     "wolfSSL wolfSSL_CTX_set_keylog_callback (HAVE_SECRET_CALLBACK); Java -Djavax.net.debug=ssl:handshake:keygen "
     "(its log is a --keylog)",
     ""},
    {BM_V_NEXT_RSA_KEY, BM_VS_PLAIN, "RSA key exchange: the server's private key decrypts it: --rsa-key server.key", ""},
    {BM_V_NEXT_NEGOTIATION, BM_VS_PLAIN,
     "a negotiation problem: compare the versions, suites and groups both sides allow", ""},
    {BM_V_NEXT_OVERFLOW, BM_VS_ROLE, "record_overflow: a record exceeded what the ",
     " accepts (max_fragment_length, record_size_limit, buffer size)"},
    {BM_V_NEXT_RETRY_NO_RESUMPTION, BM_VS_PLAIN,
     "retry without resumption (new session) and see whether it works; clear the session caches of both sides", ""},
    {BM_V_NEXT_SENDER_OFFLOADS, BM_VS_ROLE, "check the ", "'s NIC offloads (TSO/checksum/crypto), its memory and DMA path"},
    {BM_V_NEXT_FIND_DEVICE, BM_VS_PLAIN,
     "find the device between the endpoints that changes payload bytes (proxy, TLS inspection, NIC, switch, link "
     "with bad memory); its TCP checksums were recomputed or the error was undetectable",
     ""},
    {BM_V_NEXT_CONFINED, BM_VS_PLAIN,
     "damage confined to some 16-byte blocks points at DMA/alignment/crypto offload on the sender or a device in "
     "the path",
     ""},
    {BM_V_NEXT_DROPPED, BM_VS_PLAIN,
     "look for something that discards whole TLS records in the path (a proxy, IDS, a userspace relay) or a sender "
     "writing from two threads without a lock",
     ""},
    {BM_V_NEXT_REPEATED, BM_VS_PLAIN,
     "look for something that re-sends TLS records (a proxy replaying after a reconnect) or two writers on one TLS "
     "session",
     ""},
    {BM_V_NEXT_REWRITTEN_HANDSHAKE, BM_VS_PLAIN,
     "look for a device that rewrites handshake messages, and compare both sides' key logs", ""},
    {BM_V_NEXT_RAISE_BUFFER, BM_VS_ROLE, "raise the ",
     "'s input buffer (mbedTLS MBEDTLS_SSL_IN_CONTENT_LEN, wolfSSL MAX_RECORD_SIZE) or negotiate "
     "max_fragment_length / record_size_limit"},
    {BM_V_NEXT_RECEIVER_CHECK, BM_VS_ROLE, "on the ",
     ": check hardware crypto / NIC offloads (disable them to test), memory errors, and the TLS library's own "
     "error log"},
    {BM_V_NEXT_KEY_UPDATE, BM_VS_ROLE, "look at the ",
     "'s key update / renegotiation handling (a known class of TLS stack bugs: the write keys switched late or "
     "not at all)"},
    {BM_V_NEXT_EMS, BM_VS_PLAIN,
     "check both sides' extended_master_secret support (RFC 7627): one side computed the master secret without "
     "the session hash",
     ""},
    {BM_V_NEXT_COMPARE_MASTER, BM_VS_PLAIN,
     "compare both sides' logs of the master secret (key logs from the client AND the server)", ""},
    {BM_V_NEXT_FIX_SESSION_CACHE, BM_VS_PLAIN,
     "disable resumption on one side to confirm, then fix the session cache (a session id reused across servers, "
     "or a cache that outlived a key change)",
     ""},
    {BM_V_NEXT_INJECTOR, BM_VS_PLAIN, "look for a proxy or middlebox that injects data into the TCP stream", ""},
    {BM_V_NEXT_KEY_SCHEDULE, BM_VS_ROLE, "check the ",
     "'s key schedule (epoch changes, KeyUpdate, renegotiation) and shared TLS state between threads/connections"},
    {BM_V_NEXT_LIBRARY_BUILD, BM_VS_ROLE, "check the ",
     "'s TLS library build (encrypt_then_mac / truncated_hmac options) and look for memory corruption of its "
     "session state"},
};

bool bm_vtext_steps(const bm_vline *l, char *buf, size_t cap, size_t *o)
{
    const bm_words_sentence *t = bm_words_sentence_of(sentences, sizeof sentences / sizeof sentences[0], l->code);
    if (t) {
        bm_words_put(buf, cap, o, "%s%s%s", t->before, t->style == BM_VS_ROLE ? bm_words_role(l->role) : "",
                     t->after);
        return true;
    }
    const char *r = bm_words_role(l->role), *other = bm_words_other(l->role);
    const int64_t *a = l->arg;
    switch ((bm_vline_code)l->code) {
    case BM_V_NEXT_TWO_POINT: /* role: the receiver */
        bm_words_put(buf, cap, o,
                     "capture on the %s's and the %s's hosts at the same time and run badmac compare %s.pcap "
                     "%s.pcap: it shows where the bytes changed",
                     other, r, other, r);
        return true;
    case BM_V_NEXT_HONOUR_LIMIT_FRAGMENT:
        bm_words_put(buf, cap, o,
                     "make the %s honour the negotiated limit (fragment every record, handshake messages included, "
                     "to it), or raise the %s's receive buffer",
                     r, bm_words_role(a[0]));
        return true;
    case BM_V_NEXT_HONOUR_LIMIT:
        bm_words_put(buf, cap, o, "make the %s honour the negotiated limit, or raise the %s's receive buffer", r, other);
        return true;
    case BM_V_NEXT_CLIENT_CERT: /* role: the side that alerted */
        bm_words_put(buf, cap, o, "the %s requires a client certificate and got none: configure one on the %s", r,
                     other);
        return true;
    case BM_V_NEXT_CERT_REJECTED:
        bm_words_put(buf, cap, o,
                     "the %s rejected the %s's certificate: check the chain the %s sends and the %s's trust store", r,
                     other, other, r);
        return true;
    case BM_V_NEXT_ABORT_LOGS: /* role: the side that aborted */
        bm_words_put(buf, cap, o,
                     "read the %s's own error log: it gave up without saying why on the wire (GnuTLS \"Decryption has "
                     "failed\", mbedTLS error codes)",
                     r);
        return true;
    case BM_V_NEXT_ALERT_LOGS: {
        const char *name = bm_tls_alert_name((int)a[0]);
        bm_words_put(buf, cap, o, "look up %s in the %s's logs: it states its own reason", name ? name : "the alert", r);
        return true;
    }
    case BM_V_NEXT_CHECK_KEYLOG:
        bm_words_put(buf, cap, o, "check that the key log was written by this very session (client random %02x%02x...)",
                     (unsigned)(a[0] & 0xff), (unsigned)(a[1] & 0xff));
        return true;
    default:
        return false;
    }
}
