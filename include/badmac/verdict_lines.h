/*
 * verdict_lines.h - the lines of a verdict (summary, evidence, what it
 * exonerates, next steps), as data.
 *
 * A verdict line is a code from the table below plus the common fields
 * and arguments that code uses: no text. The diagnosis (src/diagnose/)
 * records lines by code; only the report stage words them
 * (bm_vline_format, src/report/verdict_text.c), so rewording a line can
 * change no cause, confidence, record or count. Same rules as the finding
 * table (findings.h), whose field bits (BM_FK_*, code_table.h) it shares.
 *
 * The table: X(code, name, fields, s, a0, ...)
 *   code    the enum constant (values follow table order; never stored
 *           outside a run, so codes may be added anywhere)
 *   name    stable identifier (lower case, digits, '_'); a code keeps its
 *           name once released, and no two codes share one
 *   fields  which common fields of bm_vline the code uses (BM_FK_*):
 *           role is whose record / side the line is about, index and
 *           frame that record's, stream_off an offset in its stream
 *   s       name of the string argument str, 0 when unused (only for
 *           data that is a string: a key source, a label from the
 *           decryption stage, a construction's name)
 *   a0...   names of the integer arguments arg[0], arg[1], ... (at least
 *           one entry: 0 when the code has none). An argument named
 *           after a role ("receiver", "alerter") holds BM_CLIENT or
 *           BM_SERVER; flags are 0 / 1; "reason" is a bm_rec_reason,
 *           "desc" a TLS alert description, "keyset" a bm_vline_keyset.
 */
#ifndef BADMAC_VERDICT_LINES_H
#define BADMAC_VERDICT_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "code_table.h" /* BM_FK_* */

#define BM_VERDICT_LINES(X)                                                                                   \
    /* about the failing record (every keyed verdict on a record) */                                         \
    X(BM_V_RECORD_FAILS, "record_fails", BM_FK_RIF | BM_FK_OFF, 0, "length", "reason", "expected_seq")         \
    X(BM_V_FAILURE_LOCAL, "failure_local", BM_FK_ROLE, 0, "verified_after")                                  \
    X(BM_V_RECORDS_FAILED, "records_failed", BM_FK_ROLE, 0, "failed")                                        \
    X(BM_V_RECORD_NOT_CAPTURED, "record_not_captured", BM_FK_RIF, 0, 0)                                      \
    /* TCP and capture circumstances */                                                                      \
    X(BM_V_TCP_CONFLICT, "tcp_conflicting_copies", BM_FK_RO, 0, "first_frame", "second_frame", "differing",   \
      "length")                                                                                              \
    X(BM_V_TCP_BAD_CHECKSUMS, "tcp_bad_checksums", BM_FK_ROLE, 0, "segments")                                \
    X(BM_V_TCP_OFFLOADED, "tcp_checksums_offloaded", BM_FK_ROLE, 0, 0)                                       \
    X(BM_V_TCP_CHECKSUMS_OK, "tcp_checksums_valid", BM_FK_ROLE, 0, 0)                                        \
    X(BM_V_TCP_TTL_CHANGED, "tcp_ttl_changed", BM_FK_ROLE, 0, "ttl")                                         \
    X(BM_V_TCP_GAPS, "capture_gaps", 0, 0, "bytes", "gaps")                                                  \
    X(BM_V_CAPTURE_LOSSES, "capture_losses", 0, 0, "bytes", "gaps", "snaplen_cut")                           \
    X(BM_V_CAPTURED_AT_RECEIVER, "captured_at_receiver", BM_FK_ROLE, 0, 0)                                   \
    X(BM_V_INITIAL_TTL, "initial_ttl", BM_FK_ROLE, 0, "ttl")                                                 \
    /* alerts and record sizes */                                                                            \
    X(BM_V_MISLEADING, "misleading_alert", BM_FK_ROLE, 0, "desc")                                            \
    X(BM_V_ALERT_FATAL, "fatal_alert", BM_FK_RIF, 0, "desc", "encrypted")                                    \
    X(BM_V_ALERT_OVERFLOW, "record_overflow_alert", BM_FK_ROLE | BM_FK_FRAME, 0, "encrypted")                \
    X(BM_V_ALERT_AT, "fatal_alert_at", BM_FK_RIF, 0, 0)                                                      \
    X(BM_V_ALERT_ONLY_INFERRED, "alert_only_inferred", BM_FK_ROLE | BM_FK_FRAME, 0, "warning", "close")      \
    X(BM_V_OVERFLOW_PROVEN, "record_overflow_proven", BM_FK_RI, 0, "length", "limit", "alerter", "protocol") \
    X(BM_V_TOO_LARGE, "record_too_large", BM_FK_RI, 0, "length", "limit", "protocol")                        \
    X(BM_V_RECORD_OVER_LIMIT, "record_over_limit", BM_FK_RIF, 0, "length", "limit", "protocol")              \
    X(BM_V_BUFFER_TOO_SMALL, "receive_buffer_too_small", BM_FK_RI, 0, "length")                              \
    X(BM_V_LARGEST_VERIFIES, "largest_record_verifies", BM_FK_RIF, 0, "length")                              \
    X(BM_V_NO_LIMIT_NEGOTIATED, "no_limit_negotiated", 0, 0, "mfl_offered")                                  \
    X(BM_V_OVER_LIMIT_ACCEPTED, "over_limit_accepted", BM_FK_RI, 0, "records", "limit", "length")            \
    /* keyless verdicts */                                                                                   \
    X(BM_V_KEYLESS_TWO_VERSIONS, "keyless_two_versions", BM_FK_RIF, 0, 0)                                    \
    X(BM_V_KEYLESS_STALE, "keyless_stale_resumption", BM_FK_ROLE, 0, "receiver")                             \
    X(BM_V_KEYLESS_STALE_FOLLOWS, "alert_follows_first_encrypted", BM_FK_RIF, 0, 0)                          \
    X(BM_V_KEYLESS_UNDETERMINED, "keyless_undetermined", BM_FK_ROLE, 0, "has_alert", "readable", "aborted")             \
    /* an encrypted alert that may be close_notify or fatal: the connection may have failed */              \
    X(BM_V_KEYLESS_ALERT_UNKNOWN, "keyless_alert_unknown", BM_FK_RIF, 0, 0)                                  \
    /* a side ended with FIN and no close_notify right after its peer's record: a silent rejection or done */ \
    X(BM_V_KEYLESS_QUIET_CLOSE, "keyless_quiet_close", BM_FK_ROLE | BM_FK_FRAME, 0, 0)                      \
    X(BM_V_QUIET_CLOSE_AFTER, "quiet_close_after", BM_FK_RIF, 0, "length")                                   \
    /* a side's last bytes before its close were not captured */                                           \
    X(BM_V_END_NOT_CAPTURED, "end_not_captured", BM_FK_ROLE | BM_FK_FRAME, 0, 0)                            \
    X(BM_V_ALERT_FITS_CLOSE, "alert_fits_close_notify", BM_FK_ROLE | BM_FK_FRAME, 0, "close")               \
    X(BM_V_ALERT_FITS_FATAL, "alert_fits_fatal", BM_FK_ROLE | BM_FK_FRAME, 0, "fatal")                      \
    X(BM_V_ALERT_FITS_NEITHER, "alert_length_misfit", BM_FK_ROLE | BM_FK_FRAME, 0, "length")                \
    X(BM_V_ALERT_MAY_REJECT, "alert_may_reject", BM_FK_RIF, 0, "length")                                     \
    X(BM_V_PRIME_SUSPECT, "prime_suspect", BM_FK_RIF, 0, "length", "before_abort")                                           \
    X(BM_V_ABORTED_AFTER, "aborted_after", BM_FK_ROLE | BM_FK_FRAME, 0, "rst", "reason", "has_peer_record", "peer_index")    \
    X(BM_V_ABORTED_HANDSHAKE, "aborted_handshake", BM_FK_ROLE, 0, "peer_last_hs")                                            \
    X(BM_V_HEALTHY_KEYED, "healthy_keyed", 0, 0, 0)                                                          \
    X(BM_V_HEALTHY_KEYLESS, "healthy_keyless", 0, 0, 0)                                                      \
    X(BM_V_HEALTHY_COUNTS, "healthy_counts", 0, 0, "client_verified", "server_verified", "client_finished_ok", \
      "server_finished_ok")                                                                                  \
    X(BM_V_NO_FATAL_ALERT, "no_fatal_alert", 0, 0, 0)                                                        \
    X(BM_V_BAD_CHECKSUMS_IGNORED, "bad_checksums_ignored", BM_FK_ROLE, 0, "segments")                        \
    X(BM_V_CONFLICTS_HARMLESS, "conflicts_without_failure", 0, 0, "retransmissions")                         \
    /* bit repairs and the shape of the damage */                                                            \
    X(BM_V_REPAIR_AT_SENDER, "repair_at_sender", BM_FK_RIF, 0, "bit", "in_header", "offset", "bits", "len")    \
    X(BM_V_REPAIR_IN_PATH, "repair_in_path", BM_FK_RIF | BM_FK_OFF, 0, "bit", "in_header", "offset", "bits",   \
      "len", "tag")                                                                                          \
    /* verified_repair: frame is the frame that carried the repaired byte; stream_off (here and in         \
     * repair_in_path) the repaired byte's offset */                                                         \
    X(BM_V_REPAIR, "verified_repair", BM_FK_RIF | BM_FK_OFF, 0, "bit", "in_header", "offset", "bits", "len",   \
      "mapped", "frame_offset", "found", "examined")                                                         \
    X(BM_V_SHAPE_SENDER, "damaged_by_sender", BM_FK_RIF, 0, "at_sender")                                     \
    X(BM_V_SHAPE_IN_PATH, "damaged_in_path", BM_FK_RIF, 0, "near")                                           \
    X(BM_V_SHAPE_SENDER_POSSIBLE, "fails_every_hypothesis", BM_FK_RIF, 0, 0)                                 \
    X(BM_V_SHAPE_GARBLED, "blocks_garbled", 0, 0, "garbled", "blocks", "first", "last", "confined")          \
    X(BM_V_SHAPE_TAG_ZERO, "tag_all_zero", 0, 0, 0)                                                          \
    X(BM_V_SHAPE_ZERO_RUN, "zero_run", 0, 0, "length", "offset")                                             \
    /* the run's budget for bit searches was spent before this record's search ended (examined: its      \
     * candidates, 0 when it was not run) */                                                                 \
    X(BM_V_SEARCH_INCOMPLETE, "bit_search_incomplete", BM_FK_RIF, 0, "examined")                             \
    /* sequence numbers and carried state */                                                                 \
    X(BM_V_SEQ, "sequence_desync", BM_FK_RIF, 0, "seq", "expected_seq", "ahead")                             \
    X(BM_V_SEQ_OPENED, "opened_with_seq", 0, 0, "seq", "delta")                                              \
    X(BM_V_SEQ_LATER_VERIFIED, "later_verified_adjusted", BM_FK_ROLE, 0, "records")                          \
    X(BM_V_STATEFUL_SWAP, "records_swapped", BM_FK_RIF, 0, "next_index", "seq", "rc4")                       \
    X(BM_V_STATEFUL_KEYSTREAM_ONE, "keystream_ahead_one", BM_FK_RIF, 0, "skip", "mac_len", "seq")            \
    X(BM_V_STATEFUL_KEYSTREAM, "keystream_ahead", BM_FK_RIF, 0, "skip", "records", "seq")                    \
    X(BM_V_STATEFUL_SAME_BYTES, "record_repeated", BM_FK_RIF, 0, "prev_index", "rc4")                        \
    X(BM_V_STATEFUL_DROP, "records_missing", BM_FK_RIF, 0, "records", "next_index", "seq", "delta")          \
    X(BM_V_STATEFUL_EXTRA, "record_extra", BM_FK_RIF, 0, "next_index", "seq", "rc4")                         \
    X(BM_V_STATEFUL_SEARCH, "keystream_searched", 0, 0, "searched", "tried", "skip", "seq", "delta")         \
    X(BM_V_STATEFUL_REBUILT, "state_rebuilt", 0, 0, "rc4", "tried")                                          \
    X(BM_V_STATEFUL_OUT_OF_STEP, "later_out_of_step", BM_FK_ROLE, 0, "rc4")                                  \
    /* keys, MAC construction, epochs, inserted records */                                                   \
    X(BM_V_WRONG_KEYS, "wrong_keys", BM_FK_RIF, 0, "keyset")                                                 \
    X(BM_V_OPENED_UNDER_KEYS, "opened_under_keys", 0, 0, "keyset", "seq")                                    \
    X(BM_V_MAC_CONSTRUCTION, "mac_construction", BM_FK_RIF, "construction", "etm", "labelled")               \
    X(BM_V_MAC_COUNTS, "mac_construction_counts", BM_FK_RI, "construction", "verified", "etm", "failed",      \
      "labelled")                                                                                            \
    X(BM_V_MAC_FLIPS, "mac_construction_flips", 0, 0, 0)                                                     \
    X(BM_V_EPOCH, "old_epoch_keys", BM_FK_RIF, 0, 0)                                                         \
    X(BM_V_FOREIGN, "foreign_record", BM_FK_RIF, 0, "later_index")                                           \
    X(BM_V_FOREIGN_LATER, "later_opens_one_early", BM_FK_RI, 0, "verified_after")                            \
    /* Finished messages and master secrets */                                                               \
    X(BM_V_FINISHED_NO_MATCH, "finished_no_match", BM_FK_ROLE, 0, "resumed")                                 \
    X(BM_V_FINISHED_STATUS, "finished_status", 0, 0, "client_ok", "server_ok")                               \
    X(BM_V_FINISHED_OPENS_UNDER, "finished_opens_under", BM_FK_ROLE, "secret", 0)                            \
    X(BM_V_NO_OTHER_MASTER_FULL, "no_other_master_opens", 0, 0, "tried")                                     \
    X(BM_V_NOT_THIS_SESSION, "keys_not_this_session", BM_FK_ROLE, "secret", 0)                               \
    X(BM_V_ANOTHER_CONNECTION, "keys_of_another_connection", 0, 0, 0)                                        \
    X(BM_V_KEY_MISMATCH_ALT, "master_secret_differs", BM_FK_ROLE, "secret", "peer_ok", "ems")                \
    X(BM_V_PEER_FINISHED_GIVEN, "peer_finished_verifies", BM_FK_ROLE, 0, 0)                                  \
    X(BM_V_STALE_FOUND, "stale_master_found", BM_FK_ROLE, "secret", "peer_ok")                               \
    X(BM_V_STALE, "stale_resumption", BM_FK_ROLE, 0, "peer_ok")                                              \
    X(BM_V_KEY_MISMATCH, "key_mismatch", BM_FK_ROLE, 0, "peer_ok")                                           \
    X(BM_V_STALE_IN_USE, "stale_sender_master_verifies", BM_FK_ROLE, "source", 0)                           \
    X(BM_V_STALE_HOLDER, "stale_rejecting_side_master", BM_FK_ROLE, "source", "kind")                        \
    X(BM_V_SESSION_MASTER, "session_master", 0, "source", "same")                                            \
    X(BM_V_NO_OTHER_MASTER_RESUMED, "no_stored_master_opens", BM_FK_ROLE, 0, "tried")                        \
    X(BM_V_PEER_FINISHED_SAME, "peer_finished_same_master", BM_FK_ROLE, 0, 0)                                \
    X(BM_V_ABBREVIATED, "abbreviated_handshake", 0, 0, 0)                                                    \
    X(BM_V_EMS_ETM, "ems_etm_disagree", 0, 0, "ems", "ems_offered", "etm", "etm_offered")                    \
    /* a failure no record explains */                                                                       \
    X(BM_V_NOTHING_CHECKED, "nothing_checked", BM_FK_ROLE, 0, 0)                                             \
    X(BM_V_NOT_CHECKED, "records_not_checked", BM_FK_ROLE, 0, "records")                                     \
    X(BM_V_RECEIVER_FAULT_AT, "receiver_fault_on_host", BM_FK_ROLE, 0, "decryption_failed", "aborted")                  \
    X(BM_V_RECEIVER_FAULT_AFTER, "receiver_fault_after_capture", BM_FK_ROLE, 0, "decryption_failed", "aborted")         \
    X(BM_V_RECEIVER_COUNTS, "receiver_counts", BM_FK_ROLE, 0, "verified", "some_unchecked", "finished_ok")   \
    X(BM_V_LAST_RECORD_VERIFIES, "last_record_verifies", BM_FK_RIF, 0, "length")                             \
    /* exonerates */                                                                                         \
    X(BM_V_EX_REFUSED_SIZE, "ex_refused_for_size", 0, 0, 0)                                                  \
    X(BM_V_EX_ALERT_OTHER_CAUSE, "ex_alert_names_other_cause", 0, 0, 0)                                      \
    X(BM_V_EX_RECEIVER_GOT_CHANGED, "ex_receiver_got_changed_bytes", BM_FK_ROLE, 0, 0)                       \
    X(BM_V_EX_NETWORK_AND_RECEIVER, "ex_network_and_receiver", BM_FK_ROLE, 0, 0)                             \
    X(BM_V_EX_BOTH_CRYPTO, "ex_both_cryptography", BM_FK_ROLE, 0, 0)                                         \
    X(BM_V_EX_RECEIVER_RIGHT_DAMAGED, "ex_receiver_rejected_damaged", BM_FK_ROLE, 0, 0)                      \
    X(BM_V_EX_RECEIVER_RIGHT_UNVERIFIED, "ex_receiver_rejected_unverified", BM_FK_ROLE, 0, 0)                \
    X(BM_V_EX_KEYS_BYTES_POSITION, "ex_keys_bytes_position", 0, 0, 0)                                        \
    X(BM_V_EX_KEYS_BYTES_MISSING, "ex_keys_bytes_missing", 0, 0, 0)                                          \
    X(BM_V_EX_FINISHED_AUTHENTICATES, "ex_finished_authenticates", 0, 0, 0)                                  \
    X(BM_V_EX_NETWORK_PROTECTION, "ex_network_and_protection", BM_FK_ROLE, 0, 0)                             \
    X(BM_V_EX_SENDER_STACK, "ex_sender_stack", BM_FK_ROLE, 0, 0)                                             \
    X(BM_V_EX_NETWORK_REACHED, "ex_network_reached_host", BM_FK_ROLE, 0, 0)                                  \
    X(BM_V_EX_OTHER_KEYS, "ex_written_under_other_keys", 0, 0, 0)                                            \
    X(BM_V_EX_FINISHED_INTACT, "ex_finished_intact", 0, 0, 0)                                                \
    X(BM_V_EX_VERIFIED_INTACT, "ex_verified_intact", 0, 0, 0)                                                \
    X(BM_V_EX_STACK_IN_SEQUENCE, "ex_stack_in_sequence", BM_FK_ROLE, 0, 0)                                   \
    X(BM_V_EX_NETWORK_INTACT, "ex_network_record_intact", 0, 0, 0)                                           \
    X(BM_V_EX_NETWORK_KEYS, "ex_network_and_keys", 0, 0, 0)                                                  \
    /* next steps; role: the side to act on unless the arguments say */                                     \
    X(BM_V_NEXT_RECAPTURE_LOSSLESS, "next_recapture_lossless", 0, 0, 0)                                      \
    X(BM_V_NEXT_RECAPTURE_WHOLE, "next_recapture_whole", 0, 0, 0)                                            \
    X(BM_V_NEXT_KEYLOG, "next_export_keylog", 0, 0, 0)                                                       \
    X(BM_V_NEXT_KEYLOG_EMBEDDED, "next_export_keys_embedded", 0, 0, 0)                                       \
    X(BM_V_NEXT_RSA_KEY, "next_rsa_key", 0, 0, 0)                                                            \
    X(BM_V_NEXT_TWO_POINT, "next_two_point_capture", BM_FK_ROLE, 0, 0)                                       \
    X(BM_V_NEXT_HONOUR_LIMIT_FRAGMENT, "next_honour_limit_fragment", BM_FK_ROLE, 0, "receiver")              \
    X(BM_V_NEXT_HONOUR_LIMIT, "next_honour_limit", BM_FK_ROLE, 0, 0)                                         \
    X(BM_V_NEXT_CLIENT_CERT, "next_client_certificate", BM_FK_ROLE, 0, 0)                                    \
    X(BM_V_NEXT_CERT_REJECTED, "next_certificate_rejected", BM_FK_ROLE, 0, 0)                                \
    X(BM_V_NEXT_NEGOTIATION, "next_negotiation", 0, 0, 0)                                                    \
    X(BM_V_NEXT_OVERFLOW, "next_record_overflow", BM_FK_ROLE, 0, 0)                                          \
    X(BM_V_NEXT_ALERT_LOGS, "next_alert_in_logs", BM_FK_ROLE, 0, "desc")                                     \
    X(BM_V_NEXT_RETRY_NO_RESUMPTION, "next_retry_without_resumption", 0, 0, 0)                               \
    X(BM_V_NEXT_SENDER_OFFLOADS, "next_sender_offloads", BM_FK_ROLE, 0, 0)                                   \
    X(BM_V_NEXT_FIND_DEVICE, "next_find_device", 0, 0, 0)                                                    \
    X(BM_V_NEXT_CONFINED, "next_confined_damage", 0, 0, 0)                                                   \
    X(BM_V_NEXT_DROPPED, "next_records_dropped", 0, 0, 0)                                                    \
    X(BM_V_NEXT_REPEATED, "next_records_repeated", 0, 0, 0)                                                  \
    X(BM_V_NEXT_REWRITTEN_HANDSHAKE, "next_rewritten_handshake", 0, 0, 0)                                    \
    X(BM_V_NEXT_RAISE_BUFFER, "next_raise_buffer", BM_FK_ROLE, 0, 0)                                         \
    X(BM_V_NEXT_RECEIVER_CHECK, "next_check_receiver", BM_FK_ROLE, 0, 0)                                     \
    X(BM_V_NEXT_ABORT_LOGS, "next_abort_logs", BM_FK_ROLE, 0, 0)                                             \
    X(BM_V_NEXT_KEY_UPDATE, "next_key_update", BM_FK_ROLE, 0, 0)                                             \
    X(BM_V_NEXT_CHECK_KEYLOG, "next_check_keylog_session", 0, 0, "random0", "random1")                       \
    X(BM_V_NEXT_EMS, "next_check_ems", 0, 0, 0)                                                              \
    X(BM_V_NEXT_COMPARE_MASTER, "next_compare_master_secrets", 0, 0, 0)                                      \
    X(BM_V_NEXT_FIX_SESSION_CACHE, "next_fix_session_cache", 0, 0, 0)                                        \
    X(BM_V_NEXT_INJECTOR, "next_find_injector", 0, 0, 0)                                                     \
    X(BM_V_NEXT_KEY_SCHEDULE, "next_key_schedule", BM_FK_ROLE, 0, 0)                                         \
    X(BM_V_NEXT_LIBRARY_BUILD, "next_library_build", BM_FK_ROLE, 0, 0)

typedef enum bm_vline_code {
    BM_V_INVALID = 0, /* never recorded: a zeroed line */
    BM_VERDICT_LINES(BM_CODE_ENUM)
    BM_V_COUNT_
} bm_vline_code;

/* The key sets of hypothesis "keys" (argument "keyset"). */
typedef enum bm_vline_keyset {
    BM_VK_OTHER_DIRECTION = 1, /* the other direction's keys */
    BM_VK_PREVIOUS_EPOCH,      /* TLS 1.3 handshake keys */
    BM_VK_NEXT_EPOCH           /* the epoch after a KeyUpdate not seen */
} bm_vline_keyset;

/* What is known of the rejecting side's master secret (argument "kind" of
 * BM_V_STALE_HOLDER). */
typedef enum bm_vline_holder {
    BM_VS_HOLDER_SESSION = 0, /* the session's stored master, another than the sender's */
    BM_VS_HOLDER_LOGGED,      /* another key log line for this client random */
    BM_VS_HOLDER_UNKNOWN      /* not in the keys given */
} bm_vline_holder;

#define BM_VLINE_ARGS 9
/* The string argument, NUL included: as long as the decryption stage's
 * longest label (bm_diag_stale.found_label). */
#define BM_VLINE_STR 192
/* A worded line, NUL included: what the reports show at most (longer
 * words are cut, as they always were). */
#define BM_VLINE_TEXT_LEN 240

/* Plain data; fields and arguments a code does not use are zero. 'role'
 * is BM_CLIENT or BM_SERVER (a role, never a capture side). */
typedef struct bm_vline {
    BM_CODE_ITEM_FIELDS /* code: bm_vline_code */
    int64_t arg[BM_VLINE_ARGS];
    char str[BM_VLINE_STR]; /* NUL-terminated; escaped by the reports like any wire string */
} bm_vline;

/* The table (src/report/verdict_text.c): bm_vline_name, bm_vline_fields,
 * bm_vline_arg_name (i below BM_VLINE_ARGS, or BM_VLINE_ARGS for the
 * string argument), bm_vline_format (the reports pass BM_VLINE_TEXT_LEN)
 * and bm_vline_format_raw, as code_table.h describes. */
BM_CODE_TABLE_FUNCS(bm_vline, bm_vline)

#endif
