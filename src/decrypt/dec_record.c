/*
 * dec_record.c - every record as it goes by: open it under the receiver's
 * expected sequence number, count the verdict, remember the first failure
 * per direction, hand the plaintext back to the TLS stage (which parses
 * decrypted handshake messages like clear ones), read decrypted alerts,
 * and follow TLS 1.3 epochs (handshake -> application -> KeyUpdate) once
 * the TLS stage is done with the record that announced a change.
 *
 * A failure does not stop the checks: the sequence number advances as the
 * receiver's would, and what follows is evidence too. After lost bytes the
 * next failing record is retried with later sequence numbers.
 */
#include <inttypes.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../proto/proto.h"
#include "dec_int.h"

static bm_rec_reason reason_of(bm_rec_status s)
{
    switch (s) {
    case BM_REC_BAD_MAC: return BM_REASON_MAC_MISMATCH;
    case BM_REC_BAD_TAG: return BM_REASON_TAG_MISMATCH;
    case BM_REC_BAD_PADDING: return BM_REASON_BAD_PADDING;
    case BM_REC_BAD_LENGTH: return BM_REASON_BAD_LENGTH;
    case BM_REC_NO_CONTENT_TYPE: return BM_REASON_NO_CONTENT_TYPE;
    default: return BM_REASON_NONE;
    }
}

static bool try_open(dec_conn *k, bm_rec *r, uint64_t seq, const bm_tls_record_ev *ev, bm_open_result *res)
{
    uint16_t ver = (uint16_t)((ev->hdr[1] << 8) | ev->hdr[2]);
    bm_result e = bm_rec_open(r, seq, ev->hdr[0], ver, ev->payload, ev->len, k->d->buf, sizeof k->d->buf, res);
    return bm_is_ok(e) && res->status == BM_REC_OK;
}

static void on_alert(dec_conn *k, int side, const bm_tls_record_ev *ev, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n && k->n_alerts < BM_DEC_MAX_ALERTS; i += 2) {
        dec_alert *a = &k->alerts[k->n_alerts++];
        memset(a, 0, sizeof *a);
        a->side = side;
        a->index = ev->index;
        a->frame = ev->frame;
        a->order = k->order;
        a->level = p[i];
        a->desc = p[i + 1];
        a->has_other = k->dir[!side].has_last;
        a->other = k->dir[!side].last;
    }
    if (n < 2 || n % 2)
        bm_dec_finding(k, &(bm_finding){.code = BM_F_DECRYPTED_ALERT_LENGTH, .role = (uint8_t)side, .index = ev->index,
                                        .arg = {(int64_t)n}});
}

static void ring_add(dec_dir *d, uint64_t index, uint8_t type)
{
    unsigned i = d->ring_n++ % BM_DEC_RING;
    d->ring_idx[i] = index;
    d->ring_type[i] = type;
}

void bm_dec_retire_rec(dec_dir *d)
{
    bm_rec_free(d->prev);
    d->prev = d->rec;
    d->prev_seq = d->seq;
    d->rec = NULL;
}

/* TLS 1.3 epoch changes take effect after the record that announced them:
 * the TLS stage calls this once it has handed over the record's messages. */
void bm_dec_record_done(void *hook_conn, int side)
{
    dec_conn *k = hook_conn;
    if (!k || (side != BM_SIDE_A && side != BM_SIDE_B))
        return;
    dec_dir *d = &k->dir[side];
    if (d->want_switch) {
        d->want_switch = false;
        if (d->next) {
            bm_dec_retire_rec(d);
            d->rec = d->next;
            d->next = NULL;
            d->seq = 0;
            d->epoch = BM_EP_AP;
        }
    }
    if (d->want_update) {
        d->want_update = false;
        bm_rec *nr = NULL;
        uint8_t ns[BM_MAX_HASH_LEN];
        if (d->has_secret &&
            bm_is_ok(bm_tls13_update_secret(k->d->cc, (bm_hash)k->suite->prf, d->secret, ns)) &&
            bm_is_ok(bm_dec_rec13(k, ns, &nr))) {
            memcpy(d->secret, ns, sizeof ns);
            bm_dec_retire_rec(d);
            d->rec = nr;
            d->seq = 0;
        } else {
            d->has_secret = false;
        }
        OPENSSL_cleanse(ns, sizeof ns);
    }
}

static void on_plain(dec_conn *k, int side, const bm_tls_record_ev *ev, const bm_open_result *res)
{
    dec_dir *d = &k->dir[side];
    d->verified++;
    if (d->has_bad)
        d->verified_after++;
    bm_dec_keep_prev(k, side, ev);
    ring_add(d, ev->index, res->inner_type);
    const uint8_t *p = k->d->buf;
    size_t n = res->plain_len;
    /* A compressed session: what the record says is its inflated content
     * (the MAC covered the compressed bytes). Content that cannot be
     * inflated is read by nobody: not as handshake, alert or data. */
    bool readable = bm_dec_z_expand(k, side, ev, &p, &n);
    if (readable && k->version != BM_TLS13 && !d->prot_seen && (n < 1 || p[0] != BM_HS_FINISHED))
        bm_dec_finding(k, &(bm_finding){.code = BM_F_FIRST_PROTECTED_NOT_FINISHED, .role = (uint8_t)side,
                                        .index = ev->index});
    d->prot_seen = true;
    if (k->opened && readable) { /* for the TLS stage: valid until record_done */
        k->opened->opened = true;
        k->opened->inner_type = res->inner_type;
        k->opened->plain = p;
        k->opened->plain_len = n;
    }
    if (res->inner_type == BM_CT_APPLICATION_DATA && k->d->has_obs && k->d->obs.app_data && k->obs_conn) {
        if (readable)
            k->d->obs.app_data(k->obs_conn, side, ev->index, p, n);
        else
            bm_dec_obs_gap(k, side, ev, BM_DEC_GAP_UNDECRYPTABLE, 1, ev->len);
    }
    if (res->inner_type == BM_CT_ALERT && readable)
        on_alert(k, side, ev, p, n);
    else if (res->inner_type == BM_CT_CHANGE_CIPHER_SPEC && k->version != BM_TLS13)
        bm_dec_reneg_ccs(k, side);
}

/* RC4: moves r's keystream n bytes on, as the receiver's moved over the
 * n bytes of record bodies the capture lost (opening zeros: the verdict
 * is thrown away, the position is what counts). */
static bool stream_skip(dec_conn *k, bm_rec *r, uint64_t n)
{
    bm_open_result o;
    while (n > 0) {
        size_t cap = sizeof k->d->buf < BM_REC_MAX_INPUT ? sizeof k->d->buf : BM_REC_MAX_INPUT;
        size_t c = n < cap ? (size_t)n : cap;
        memset(k->d->buf, 0, c);
        if (!bm_is_ok(bm_rec_open(r, 0, BM_CT_APPLICATION_DATA, 0x0301, k->d->buf, c, k->d->buf, sizeof k->d->buf,
                                  &o)))
            return false;
        n -= c;
    }
    return true;
}

/* After lost bytes: which later sequence number (if any) opens the record.
 * Stateful modes are tried on copies taken before the first attempt. RC4
 * also moves the keystream over the lost bodies: gap_bytes hold i whole
 * records, so gap_bytes - 5 i bytes of keystream (lost records lie wholly in
 * the gap: a record cut by it is in the gap's count). Past
 * DEC_STREAM_SKIP_MAX lost bytes RC4 is not tried. */
#define DEC_STREAM_SKIP_MAX (64u << 20)
static bool recover_gap(dec_conn *k, int side, const bm_tls_record_ev *ev, bm_rec *pristine, bm_open_result *res)
{
    dec_dir *d = &k->dir[side];
    bm_rec *trial = NULL, *base = NULL;
    if (!pristine || !bm_is_ok(bm_rec_clone(pristine, &trial)))
        return false;
    bool rc4 = k->suite && k->suite->mode == BM_MODE_STREAM && k->suite->cipher != BM_CIPHER_NULL;
    unsigned imax = BM_DEC_GAP_TRIES;
    if (rc4) {
        /* the keystream once to the fewest bytes any count leaves, then 5 more per record fewer */
        uint64_t per = 5 + bm_rec_mac_len(pristine);
        imax = d->gap_bytes / per < imax ? (unsigned)(d->gap_bytes / per) : imax;
        if (d->gap_bytes > DEC_STREAM_SKIP_MAX || !bm_is_ok(bm_rec_clone(pristine, &base)) ||
            !stream_skip(k, base, d->gap_bytes - 5ull * imax))
            imax = 0;
    }
    bool ok = false;
    for (unsigned i = rc4 ? imax : 1; !ok && i >= 1 && i <= imax; i = rc4 ? i - 1 : i + 1) {
        if (!bm_is_ok(bm_rec_copy_state(trial, rc4 ? base : pristine)))
            break;
        if (rc4 && !stream_skip(k, trial, 5ull * (imax - i)))
            break;
        if (try_open(k, trial, d->seq + i, ev, res)) {
            bm_rec_free(d->rec);
            d->rec = trial;
            trial = NULL;
            d->seq += i;
            bm_dec_z_skip(k, side, ev); /* the lost records' compressed bytes */
            bm_dec_finding(k, &(bm_finding){.code = BM_F_RECORDS_LOST_IN_GAP, .role = (uint8_t)side, .index = ev->index,
                                            .arg = {i}});
            bm_dec_obs_gap(k, side, ev, BM_DEC_GAP_LOST, i, d->gap_bytes);
            ok = true;
        }
    }
    bm_rec_free(trial);
    bm_rec_free(base);
    return ok;
}

/* TLS 1.3: the record opens under the next epoch's keys (the Finished that
 * ends the handshake epoch was lost, or no handshake secrets were given). */
static bool try_next_epoch(dec_conn *k, int side, const bm_tls_record_ev *ev, bm_open_result *res)
{
    dec_dir *d = &k->dir[side];
    if (!d->next || !try_open(k, d->next, 0, ev, res))
        return false;
    if (k->have_hs_secret[side == k->client_side ? 0 : 1])
        bm_dec_finding(k, &(bm_finding){.code = BM_F_APP_KEYS_WITHOUT_FINISHED, .role = (uint8_t)side,
                                        .index = ev->index});
    bm_rec_free(d->rec);
    d->rec = d->next;
    d->next = NULL;
    d->seq = 1; /* this record used 0 */
    d->epoch = BM_EP_AP;
    return true;
}

/* TLS 1.3 client in its early phase (0-RTT data, EndOfEarlyData): whether
 * the record opens under the early key. Its count waits for the server's
 * verdict (dec_early.c); the plaintext goes on at once (it was sent). */
static bool open_early(dec_conn *k, int side, const bm_tls_record_ev *ev)
{
    dec_dir *d = &k->dir[side];
    bm_open_result res;
    if (!try_open(k, d->early, d->early_seq, ev, &res))
        return false;
    d->early_seq++;
    if (!d->early_seen) {
        d->early_seen = true;
        d->early_first = ev->index;
    }
    on_plain(k, side, ev, &res);
    if (k->early_state != BM_EARLY_ACCEPTED) {
        d->verified--; /* on_plain counted it */
        if (d->has_bad)
            d->verified_after--;
        d->early_pending++;
        if (k->early_state == BM_EARLY_REJECTED)
            bm_dec_early_decide(k, false);
    }
    return true;
}

/* The direction's first bad record, if it has none yet. */
static void first_bad(dec_conn *k, int side, const bm_tls_record_ev *ev, bm_rec_reason reason)
{
    dec_dir *d = &k->dir[side];
    if (d->has_bad)
        return;
    d->has_bad = true;
    d->bad_order = k->order;
    d->bad = (bm_bad_record){(uint8_t)side, ev->index, ev->frame, ev->stream_off, (uint32_t)ev->len, reason};
}

static void on_failure(dec_conn *k, int side, const bm_tls_record_ev *ev, const bm_open_result *res)
{
    dec_dir *d = &k->dir[side];
    d->failed++;
    bm_dec_z_skip(k, side, ev);
    if (k->version != BM_TLS13 && !d->prot_seen && d->finished == BM_FIN_UNSEEN) {
        d->finished = BM_FIN_FAILED;
        bm_dec_finding(k, &(bm_finding){.code = BM_F_FINISHED_UNDECRYPTABLE, .role = (uint8_t)side});
    }
    d->prot_seen = true;
    bm_dec_note_failure(k, side, ev);
    first_bad(k, side, ev, reason_of(res->status));
}

/* A record longer than the protocol allows (merged in the path, a broken
 * sender): no receiver accepts it, so it is the direction's first bad
 * record (reason oversized) without an attempt to open it. Its bytes are
 * not kept (over BM_REC_BUFSIZE); the records after it are opened at the
 * sequence numbers found again by trial. */
static void on_oversized(dec_conn *k, int side, const bm_tls_record_ev *ev)
{
    dec_dir *d = &k->dir[side];
    d->failed++;
    d->prot_seen = true;
    if (!d->has_bad) {
        memcpy(d->bad_hdr, ev->hdr, 5);
        d->bad_seq = d->seq;
    }
    first_bad(k, side, ev, BM_REASON_OVERSIZED);
}

/* A record of the client's early phase that opens under no key: if the
 * server rejected 0-RTT it skipped the record (RFC 8446 4.2.10: records its
 * handshake key does not open); otherwise it is a failed early record,
 * judged (and kept as evidence) under the early key and its numbering. */
static void early_failure(dec_conn *k, int side, const bm_tls_record_ev *ev)
{
    dec_dir *d = &k->dir[side];
    if (!d->early_seen) {
        d->early_seen = true;
        d->early_first = ev->index;
    }
    if (k->early_state == BM_EARLY_REJECTED || !d->early) {
        d->undecryptable++;
        bm_dec_obs_gap(k, side, ev, BM_DEC_GAP_UNDECRYPTABLE, 1, ev->len);
        if (!d->early && !d->early_noted)
            bm_dec_finding(k, &(bm_finding){.code = BM_F_EARLY_DATA_NO_SECRET, .role = (uint8_t)side,
                                            .index = ev->index});
        d->early_noted = d->early_noted || !d->early;
        /* Accepted 0-RTT ends with an EndOfEarlyData: the transcript may
         * now lack it */
        if (!d->early && k->early_state == BM_EARLY_ACCEPTED)
            k->ts_broken = true;
        return;
    }
    bool had_bad = d->has_bad;
    bm_rec *hs = d->rec;
    uint64_t seq = d->seq;
    int epoch = d->epoch;
    bool has_secret = d->has_secret;
    bm_open_result res;
    d->rec = d->early;
    d->seq = d->early_seq;
    d->epoch = BM_EP_EARLY;
    d->has_secret = false;
    (void)try_open(k, d->rec, d->seq, ev, &res);
    on_failure(k, side, ev, &res);
    bm_dec_obs_gap(k, side, ev, BM_DEC_GAP_FAILED, 1, ev->len);
    if (k->early_state == BM_EARLY_UNDECIDED) { /* a rejection will make it skipped */
        d->early_failed++;
        d->bad_early = d->bad_early || (!had_bad && d->has_bad);
    }
    d->early = d->rec;
    d->early_seq = d->seq + 1;
    d->rec = hs;
    d->seq = seq;
    d->epoch = epoch;
    d->has_secret = has_secret;
}

static void open_protected(dec_conn *k, int side, const bm_tls_record_ev *ev, bool gap)
{
    dec_dir *d = &k->dir[side];
    bm_open_result res;
    bool early = side == k->client_side && ev->hs && ev->hs->early_data_offered && !d->early_done;
    if (early && d->early && ev->payload && open_early(k, side, ev))
        return;
    if (d->iv_lost) {
        gap = true; /* as after lost bytes: the state the sender used is not known */
        d->iv_lost = false;
    }
    if (!ev->payload || d->stream_lost) {
        d->undecryptable++;
        bm_dec_z_skip(k, side, ev);
        bm_dec_obs_gap(k, side, ev, BM_DEC_GAP_UNDECRYPTABLE, 1, ev->len);
        if (d->rec && !ev->payload && !d->stream_lost && bm_dec_stateful(k)) {
            /* a record whose body was not captured (cut by a gap) moved the
             * receiver's state all the same: RC4's keystream by its length
             * exactly; TLS 1.0 CBC's IV to its unseen last block */
            if (k->suite->mode != BM_MODE_STREAM)
                d->iv_lost = true;
            else if (k->suite->cipher != BM_CIPHER_NULL && !stream_skip(k, d->rec, ev->len))
                d->stream_lost = true;
        }
        if (d->rec)
            d->seq++;
        d->prot_seen = true;
        return;
    }
    if (!d->rec) {
        if (early && ev->payload)
            early_failure(k, side, ev);
        else if (k->version == BM_TLS13 && try_next_epoch(k, side, ev, &res))
            on_plain(k, side, ev, &res);
        else {
            d->undecryptable++;
            bm_dec_obs_gap(k, side, ev, BM_DEC_GAP_UNDECRYPTABLE, 1, ev->len);
        }
        return;
    }
    bm_dec_keep_state(k, side);
    bm_rec *pristine = NULL;
    if (gap && !bm_is_ok(bm_rec_clone(d->rec, &pristine)))
        pristine = NULL;
    bool ok = try_open(k, d->rec, d->seq, ev, &res);
    bm_open_result first = res;
    if (!ok && gap)
        ok = recover_gap(k, side, ev, pristine, &res);
    bm_rec_free(pristine);
    if (ok) {
        if (early)
            d->early_done = true; /* the handshake key opens: 0-RTT is over */
        d->seq++; /* the record used it; an epoch change below resets it */
        on_plain(k, side, ev, &res);
        return;
    }
    if (early) {
        early_failure(k, side, ev);
        return;
    }
    if (gap && bm_dec_stateful(k)) {
        /* The state the sender used is unknown after lost bytes: RC4's
         * keystream position (no count of whole records fitted the bytes
         * lost), TLS 1.0's chained IV (the last block of a lost record).
         * Nothing says this record is bad. CBC goes on from this record's
         * last block; RC4 cannot go on. */
        d->undecryptable++;
        bm_dec_obs_gap(k, side, ev, BM_DEC_GAP_UNDECRYPTABLE, 1, ev->len);
        d->seq++;
        if (k->suite->mode == BM_MODE_STREAM && k->suite->cipher != BM_CIPHER_NULL)
            d->stream_lost = true;
        return;
    }
    if (k->version == BM_TLS13 && d->epoch == BM_EP_HS) {
        if (try_next_epoch(k, side, ev, &res)) {
            on_plain(k, side, ev, &res);
            return;
        }
    }
    /* Sent with the keys from before the last switch? (Not for stateful
     * ciphers: their state cannot be tried without being moved.) */
    bool old_keys = d->prev && !bm_dec_stateful(k) && try_open(k, d->prev, d->prev_seq, ev, &res);
    on_failure(k, side, ev, &first);
    if (old_keys) {
        d->prev_seq++;
        if (d->has_bad && d->bad.index == ev->index)
            d->bad.reason = BM_REASON_WRONG_EPOCH;
        if (!d->old_keys_noted)
            bm_dec_finding(k, &(bm_finding){.code = BM_F_RECORD_UNDER_OLD_KEYS, .role = (uint8_t)side,
                                            .index = ev->index});
        d->old_keys_noted = true;
    }
    bm_dec_obs_gap(k, side, ev, BM_DEC_GAP_FAILED, 1, ev->len);
    d->seq++;
}

void bm_dec_record(void *hook_conn, const bm_tls_record_ev *ev, bm_tls_opened *out)
{
    dec_conn *k = hook_conn;
    if (!k || (ev->side != BM_SIDE_A && ev->side != BM_SIDE_B))
        return;
    k->opened = out;
    int side = ev->side;
    dec_dir *d = &k->dir[side];
    k->order++;
    if (k->client_side < 0 && ev->client_side >= 0)
        k->client_side = ev->client_side;
    bool gap = d->off_known && ev->stream_off != d->next_off;
    uint64_t missing = gap && ev->stream_off > d->next_off ? ev->stream_off - d->next_off : 0;
    if (gap)
        bm_dec_gap_vs_finished(k, side, d->next_off);
    d->next_off = ev->stream_off + 5 + ev->len;
    d->off_known = true;
    if (gap) {
        d->gap_before = true;
        d->gap_bytes = missing;
    }
    uint8_t type = ev->hdr[0];
    if (!ev->protected_) {
        /* the TLS stage parses clear handshake records and hands each
         * message over (bm_dec_hs_msg); a lost one breaks the transcript */
        if (type == BM_CT_HANDSHAKE && !ev->payload && !k->ts_done)
            k->ts_broken = true;
    } else if (type == BM_CT_APPLICATION_DATA && ev->hs && !ev->hs->server_hello_seen && ev->hs->early_data_offered &&
               side == k->client_side) {
        /* 0-RTT before the ServerHello: only the early key exists */
        bm_dec_early_keys(k, side, ev);
        open_protected(k, side, ev, d->gap_before);
        d->gap_before = false;
    } else if (type != BM_CT_CHANGE_CIPHER_SPEC || k->version != BM_TLS13) { /* TLS <= 1.2: a renegotiation's CCS is encrypted */
        if (!k->keys_tried && ev->hs)
            bm_dec_setup_keys(k, ev->hs);
        /* the early key may exist alone (--psk under psk_dhe_ke) */
        if (ev->oversized_limit && k->have_keys) {
            on_oversized(k, side, ev);
        } else if (k->have_keys || (side == k->client_side && d->early && !d->early_done)) {
            open_protected(k, side, ev, d->gap_before);
            d->gap_before = false;
        } else {
            d->undecryptable++;
        }
    }
    bm_record_ref ref = {ev->index, ev->frame, ev->stream_off, (uint32_t)ev->len, 0, type, (uint8_t)side, 0};
    d->has_last = true;
    d->last = ref;
    d->last_order = k->order;
    k->opened = NULL;
}
