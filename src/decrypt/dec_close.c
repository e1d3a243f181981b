/*
 * dec_close.c - what the decryption stage adds to a connection when it
 * closes: bm_conn.crypto, the alerts as they really were (replacing the
 * keyless stage's inferences), failed / fatal_from / suspect recomputed
 * from them, and findings. (What TLS 1.3 hides in the handshake the
 * TLS stage parsed from the plaintext it was handed: src/tls/hs13.c.)
 */
#include <stdio.h>
#include <string.h>

#include "../proto/proto.h"
#include "dec_int.h"

static bool same_ep(const bm_endpoint *e, const bm_tuple *t, int side)
{
    return e->port == t->port[side] && e->family == t->addr[side].family && !memcmp(e->ip, t->addr[side].ip, 16);
}

/* The side the TLS stage called the client (it may have guessed). */
static int client_side_of(const dec_conn *k, const bm_conn *c)
{
    if (k->client_side >= 0)
        return k->client_side;
    return same_ep(&c->client, &k->tuple, BM_SIDE_B) && !same_ep(&c->client, &k->tuple, BM_SIDE_A) ? BM_SIDE_B
                                                                                                     : BM_SIDE_A;
}

/* Findings of this stage go after the TLS stage's; once the list is full
 * they are dropped. */
static void add_finding(bm_conn *c, const bm_finding *f)
{
    if (c->n_findings >= BM_MAX_FINDINGS)
        return;
    c->findings[c->n_findings++] = *f;
}

/* The TLS stage's inference about the alert in record 'index' of role r
 * (finish.c: fatal, or level unknown) is superseded: the first such
 * finding goes. */
static void remove_inferred_fatal(bm_conn *c, uint8_t r, uint64_t index)
{
    for (unsigned i = 0; i < c->n_findings; i++) {
        const bm_finding *f = &c->findings[i];
        if ((f->code != BM_F_ALERT_INFERRED_FATAL && f->code != BM_F_ALERT_LEVEL_UNKNOWN) || f->role != r ||
            f->index != index)
            continue;
        memmove(&c->findings[i], &c->findings[i + 1], (size_t)(c->n_findings - i - 1) * sizeof c->findings[0]);
        c->n_findings--;
        return;
    }
}

static bool verified_non_alert(const dec_dir *d, uint64_t index)
{
    unsigned n = d->ring_n < BM_DEC_RING ? d->ring_n : BM_DEC_RING;
    for (unsigned i = 0; i < n; i++)
        if (d->ring_idx[i] == index)
            return d->ring_type[i] != BM_CT_ALERT;
    return false;
}

static void fill_crypto(dec_conn *k, bm_conn *c, int cs)
{
    bm_crypto_info *ci = &c->crypto;
    memset(ci, 0, sizeof *ci);
    ci->keys = k->have_keys ? (bm_keys_source)k->key_kind : BM_KEYS_NONE;
    if (k->have_keys)
        snprintf(ci->key_source, sizeof ci->key_source, "%s", k->key_source);
    for (int side = 0; side < 2; side++) {
        const dec_dir *d = &k->dir[side];
        int r = side == cs ? BM_CLIENT : BM_SERVER;
        ci->finished[r] = (bm_finished_status)d->finished;
        ci->verified[r] = d->verified;
        ci->failed[r] = d->failed;
        ci->undecryptable[r] = d->undecryptable;
        ci->has_bad[r] = d->has_bad;
        if (d->has_bad) {
            ci->first_bad[r] = d->bad;
            ci->first_bad[r].direction = (uint8_t)r;
        }
    }
}

/* Put the decrypted truth into c->alerts. mine[i] gets the dec_alert
 * behind entry i, or -1. */
static void merge_alerts(dec_conn *k, bm_conn *c, int cs, int mine[BM_MAX_ALERTS])
{
    bool claimed[BM_MAX_ALERTS] = {false};
    for (unsigned i = 0; i < BM_MAX_ALERTS; i++)
        mine[i] = -1;
    for (unsigned j = 0; j < k->n_alerts; j++) {
        const dec_alert *a = &k->alerts[j];
        uint8_t r = a->side == cs ? BM_CLIENT : BM_SERVER;
        unsigned i;
        for (i = 0; i < c->n_alerts; i++)
            if (!claimed[i] && c->alerts[i].from == r && c->alerts[i].index == a->index)
                break; /* the inferred one, or a NULL suite's read in the clear */
        /* NULL suite: the TLS stage read it in the clear; it stays so. */
        bool clear = i < c->n_alerts && !c->alerts[i].encrypted;
        if (i == c->n_alerts) {
            if (c->n_alerts >= BM_MAX_ALERTS)
                continue;
            c->n_alerts++;
            memset(&c->alerts[i], 0, sizeof c->alerts[i]);
        }
        remove_inferred_fatal(c, r, a->index);
        bm_alert *e = &c->alerts[i];
        e->from = r;
        e->level = (int16_t)a->level;
        e->desc = (int16_t)a->desc;
        e->encrypted = !clear;
        e->inferred = false;
        e->fatal_why = e->close_why = 0;
        e->level_unknown = false;
        e->misfit_length = 0;
        e->has_before = false;
        e->frame = a->frame;
        e->index = a->index;
        claimed[i] = true;
        mine[i] = (int)j;
    }
    /* Inferred alerts whose records turned out to be something else. */
    unsigned o = 0;
    for (unsigned i = 0; i < c->n_alerts; i++) {
        const bm_alert *e = &c->alerts[i];
        int side = e->from == BM_CLIENT ? cs : !cs;
        if (!claimed[i] && e->inferred && e->encrypted && verified_non_alert(&k->dir[side], e->index)) {
            remove_inferred_fatal(c, e->from, e->index);
            continue;
        }
        c->alerts[o] = c->alerts[i];
        mine[o] = mine[i];
        o++;
    }
    c->n_alerts = (uint8_t)o;
    /* Capture order: by frame, then index (stable insertion sort). */
    for (unsigned i = 1; i < c->n_alerts; i++) {
        for (unsigned j = i; j > 0 && c->alerts[j - 1].frame > c->alerts[j].frame; j--) {
            bm_alert t = c->alerts[j];
            c->alerts[j] = c->alerts[j - 1];
            c->alerts[j - 1] = t;
            int tm = mine[j];
            mine[j] = mine[j - 1];
            mine[j - 1] = tm;
        }
    }
}

static void judge(dec_conn *k, bm_conn *c, int cs)
{
    int mine[BM_MAX_ALERTS];
    bool had = c->failed;
    int old_from = c->fatal_from;
    merge_alerts(k, c, cs, mine);
    c->failed = false;
    for (unsigned i = 0; i < c->n_alerts; i++) {
        const bm_alert *a = &c->alerts[i];
        if (a->level != BM_ALERT_FATAL)
            continue;
        c->failed = true;
        c->fatal_from = a->from;
        if (mine[i] >= 0) {
            const dec_alert *d = &k->alerts[mine[i]];
            c->has_suspect = d->has_other;
            if (d->has_other) {
                c->suspect = d->other;
                c->suspect.direction = d->other.direction == cs ? BM_CLIENT : BM_SERVER;
            }
        } else if (!had || old_from != a->from) {
            c->has_suspect = false; /* the keyless stage judged another alert */
        }
        return;
    }
    c->fatal_from = -1;
    c->has_suspect = false;
}

void bm_dec_close(void *hook_conn, bm_conn *c)
{
    dec_conn *k = hook_conn;
    if (!k)
        return;
    if (c) {
        int cs = client_side_of(k, c);
        if (k->client_side < 0)
            k->client_side = cs;
        /* A handshake that ended before any protected record: still say
         * whether keys were there (the report's "keys" line). */
        if (!k->keys_tried && k->client_random)
            bm_dec_setup_keys(k, &c->hs);
        bm_dec_reneg_close(k);
        /* bytes the capture stage found missing at the end, with no record
         * after them: as a gap before a record would (a failed Finished
         * whose transcript may lack them is undecided) */
        for (unsigned i = 0; i < c->n_findings && i < BM_MAX_FINDINGS; i++)
            if (c->findings[i].code == BM_F_CAPTURE_GAP && cs >= 0)
                bm_dec_gap_vs_finished(k, c->findings[i].role == BM_CLIENT ? cs : !cs, c->findings[i].stream_off);
        /* 0-RTT records whose verdict never came (no EncryptedExtensions
         * decrypted): they authenticated under the early key */
        if (k->early_state == BM_EARLY_UNDECIDED)
            bm_dec_early_decide(k, true);
        fill_crypto(k, c, cs);
        if (k->have_keys)
            judge(k, c, cs);
        if (k->have_keys && k->key_kind == BM_KEYS_PSK && !k->dir[0].verified &&
            !k->dir[1].verified && k->dir[0].failed + k->dir[1].failed > 0) {
            bm_finding f = {.code = BM_F_PSK_NO_RECORD_VERIFIES};
            snprintf(f.str, sizeof f.str, "%s", k->key_source);
            bm_dec_finding(k, &f);
        }
        /* The first failing record per direction, earliest first. */
        int order[2] = {0, 1};
        if (k->dir[1].has_bad && (!k->dir[0].has_bad || k->dir[1].bad_order < k->dir[0].bad_order)) {
            order[0] = 1;
            order[1] = 0;
        }
        for (int i = 0; i < 2; i++) {
            const dec_dir *d = &k->dir[order[i]];
            if (!d->has_bad)
                continue;
            add_finding(c, &(bm_finding){.code = BM_F_RECORD_FAILED, .role = order[i] == cs ? BM_CLIENT : BM_SERVER,
                                         .index = d->bad.index, .frame = d->bad.frame, .arg = {d->bad.reason}});
        }
        for (unsigned i = 0; i < k->n_findings; i++) {
            bm_finding f = k->findings[i];
            f.role = f.role == cs ? BM_CLIENT : BM_SERVER; /* side -> role */
            add_finding(c, &f);
        }
        if (!k->reneg) /* after a renegotiation k->ms is not the first session's */
            bm_dec_store_session(k, &c->hs);
    }
    if (k->d->has_obs && k->d->obs.conn_close && k->obs_conn)
        k->d->obs.conn_close(k->obs_conn, c, k->client_side, k->have_keys);
    k->obs_conn = NULL;
}
