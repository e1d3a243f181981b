/*
 * trial_desync.c - hypothesis testers for the stateful modes (RC4, TLS 1.0
 * CBC with chained IVs): whole records missing or repeated before the
 * failing one, found by re-running the reader's state (see trial.h).
 */
#include <stdlib.h>
#include <string.h>

#include "trial.h"

/* ---- stateful modes: whole records missing or repeated ---- */

/* What was found: the kind, how, the sequence number that verified and
 * its distance from the expected one. */
static void found(bm_hyp_desync *out, bm_desync_kind kind, bm_desync_how how, uint64_t seq, int64_t delta)
{
    out->kind = kind;
    out->how = how;
    out->seq = seq;
    out->delta = delta;
}

/* The next record under seq, from a fresh copy of state. */
static BM_RESULT bm_desync_try_next(bm_rec *work, const bm_rec *state, const bm_hyp_desync_in *in, uint64_t seq,
                                    uint8_t *buf, bool *ok)
{
    bm_open_result o;
    BM_GUARD(bm_rec_copy_state(work, state));
    BM_GUARD(bm_rec_open(work, seq, in->next_type, in->next_version, in->next, in->next_len, buf, in->next_len,
                         &o));
    *ok = o.status == BM_REC_OK;
    return BM_SUCCESS;
}

static BM_RESULT bm_desync_next(const bm_hyp_desync_in *in, bool rc4, uint8_t *buf, bm_hyp_desync *out)
{
    bm_rec *after = NULL, *work = NULL;
    bm_result e = bm_rec_clone(in->rec, &after);
    if (bm_is_ok(e))
        e = bm_rec_clone(in->rec, &work);
    bool ok = false;
    if (bm_is_ok(e) && rc4) {
        /* A copy took none of the sender's keystream nor a number: the
         * next record follows on from the state before it. */
        out->tried++;
        e = bm_desync_try_next(work, in->rec, in, in->expected, buf, &ok);
        if (bm_is_ok(e) && ok) {
            found(out, BM_DESYNC_DUP, BM_DESYNC_BY_NEXT, in->expected, -1);
        }
    } else if (bm_is_ok(e)) {
        /* The chained IV of the next record is the failing record's last
         * ciphertext block, whatever that record was: open it as the
         * receiver did, then the next one under each number. */
        bm_open_result o;
        e = bm_rec_open(after, in->expected, in->type, in->version, in->in, in->len, buf, in->len, &o);
        for (int d = 1; bm_is_ok(e) && !ok && d <= 3; d++) {
            for (int sgn = 1; sgn >= -1 && !ok; sgn -= 2) {
                int64_t dd = sgn * d;
                if (dd < 0 && in->expected + 1 < (uint64_t)-dd)
                    continue;
                if (dd > 0 && in->expected > UINT64_MAX - 1 - (uint64_t)dd)
                    continue;
                uint64_t s = in->expected + 1 + (uint64_t)dd;
                out->tried++;
                e = bm_desync_try_next(work, after, in, s, buf, &ok);
                if (bm_is_ok(e) && ok) {
                    found(out, dd > 0 ? BM_DESYNC_DROP : BM_DESYNC_DUP, BM_DESYNC_BY_NEXT, s, dd);
                    out->records = dd > 0 ? (unsigned)dd : 0;
                }
            }
        }
        /* A swap: the next record is the one that was due, chained from
         * the record before (tried last: a duplicate of that record ends
         * with the same block and verifies above as d = -1). */
        if (bm_is_ok(e) && !ok) {
            out->tried++;
            e = bm_desync_try_next(work, in->rec, in, in->expected, buf, &ok);
            if (bm_is_ok(e) && ok) {
                found(out, BM_DESYNC_SWAP, BM_DESYNC_BY_NEXT, in->expected, 1);
            }
        }
    }
    bm_rec_free(after);
    bm_rec_free(work);
    return e;
}

/* RC4: the failing record decrypted with the keystream skipped by L. */
static BM_RESULT bm_desync_keystream(const bm_hyp_desync_in *in, uint8_t *ks, size_t ks_len, size_t max_skip,
                                     uint8_t *plain, bm_hyp_desync *out)
{
    size_t ml = out->mac_len, n = in->len - ml;
    unsigned maxk = in->max_records ? in->max_records : 1;
    bm_rec *work = NULL;
    BM_GUARD(bm_rec_clone(in->rec, &work));
    bm_open_result o;
    /* Keystream = RC4 of zeros from the receiver's position. */
    memset(ks, 0, ks_len);
    bm_result e = bm_rec_open(work, in->expected, in->type, in->version, ks, ks_len, ks, ks_len, &o);
    uint8_t mac[BM_REC_MAX_MAC];
    for (size_t L = ml ? ml : 1; bm_is_ok(e) && L <= max_skip && !out->kind; L++) {
        const uint8_t *k = ks + L;
        for (size_t i = 0; i < in->len; i++)
            plain[i] = in->in[i] ^ k[i];
        for (unsigned r = 1; r <= maxk && (size_t)r * ml <= L; r++) {
            if (in->expected > UINT64_MAX - r)
                break;
            out->tried++;
            e = bm_rec_mac(work, in->expected + r, in->type, in->version, plain, n, mac);
            if (!bm_is_ok(e))
                break;
            if (memcmp(mac, plain + n, ml) == 0) {
                out->skip = L;
                out->records = r;
                found(out, BM_DESYNC_DROP, BM_DESYNC_BY_KEYSTREAM, in->expected + r, (int64_t)r);
                break;
            }
        }
    }
    explicit_bzero(mac, sizeof mac);
    bm_rec_free(work);
    return e;
}

BM_RESULT bm_hyp_stateful_desync(const bm_hyp_desync_in *in, bm_hyp_desync *out)
{
    memset(out, 0, sizeof *out);
    BM_ENSURE(in && out && in->rec && (in->in || !in->len), BM_ERR_USAGE);
    BM_ENSURE(in->len <= BM_REC_BUFSIZE && in->next_len <= BM_REC_BUFSIZE, BM_ERR_LIMIT);
    BM_ENSURE(bm_rec_stateful(in->rec), BM_ERR_UNSUPPORTED);
    const bm_suite *s = bm_rec_suite(in->rec);
    bool rc4 = s->mode == BM_MODE_STREAM;
    out->mac_len = bm_rec_mac_len(in->rec);
    if (in->prev && in->prev_len == in->len && in->len && memcmp(in->prev, in->in, in->len) == 0) {
        found(out, BM_DESYNC_DUP, BM_DESYNC_BY_SAME_BYTES, in->expected ? in->expected - 1 : 0, -1);
        return BM_SUCCESS;
    }
    size_t max_skip = in->max_skip ? in->max_skip : BM_REC_MAX_PLAINTEXT + 2048 + out->mac_len;
    size_t cap = in->len + in->next_len + (rc4 ? max_skip : 0) + 1;
    uint8_t *buf = malloc(cap), *plain = malloc(in->len + 1);
    bm_result e = bm_res(buf && plain ? BM_OK : BM_ERR_NOMEM);
    if (bm_is_ok(e) && rc4 && in->len >= out->mac_len && out->mac_len && max_skip + in->len <= BM_REC_MAX_INPUT)
        e = bm_desync_keystream(in, buf, max_skip + in->len, max_skip, plain, out);
    if (bm_is_ok(e) && in->next && in->next_len) {
        bm_hyp_desync n = *out;
        memset(&n, 0, sizeof n);
        n.mac_len = out->mac_len;
        e = bm_desync_next(in, rc4, buf, &n);
        n.tried += out->tried;
        if (bm_is_ok(e) && !out->kind) {
            *out = n;
        } else if (bm_is_ok(e) && rc4 && out->kind == BM_DESYNC_DROP && out->records == 1 &&
                   out->skip == in->next_len && n.kind == BM_DESYNC_DUP) {
            /* Record k+1 verifies past record k's keystream, and record k
             * from the position before: they came in reverse order. */
            out->kind = BM_DESYNC_SWAP;
            out->records = 0;
            out->tried = n.tried;
        }
    }
    if (buf)
        explicit_bzero(buf, cap);
    if (plain)
        explicit_bzero(plain, in->len + 1);
    free(buf);
    free(plain);
    return e;
}
