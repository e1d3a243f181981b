/*
 * dec_close.c - what the decryption stage adds to a connection when it
 * closes: bm_conn.crypto, the alerts as they really were (replacing the
 * keyless stage's inferences), failed / fatal_from / suspect recomputed
 * from them, the handshake fields TLS 1.3 hides, and problem lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../util/names.h"
#include "dec_int.h"

static const char *reason_text(bm_rec_reason r)
{
    const char *s = bm_reason_name(r, BM_NAME_TEXT);
    return s ? s : "unknown";
}

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

static void add_problem(bm_conn *c, const char *s)
{
    if (c->n_problems >= BM_MAX_PROBLEMS)
        return;
    snprintf(c->problems[c->n_problems++], BM_PROBLEM_LEN, "%s", s);
}

static void remove_problem_prefix(bm_conn *c, const char *prefix)
{
    size_t n = strlen(prefix);
    for (unsigned i = 0; i < c->n_problems; i++) {
        if (strncmp(c->problems[i], prefix, n))
            continue;
        memmove(c->problems[i], c->problems[i + 1], (size_t)(c->n_problems - i - 1) * sizeof c->problems[0]);
        c->n_problems--;
        return;
    }
}

static bool verified_non_alert(const dec_dir *d, uint64_t index)
{
    unsigned n = d->ring_n < BM_DEC_RING ? d->ring_n : BM_DEC_RING;
    for (unsigned i = 0; i < n; i++)
        if (d->ring_idx[i] == index)
            return d->ring_type[i] != 21;
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

static void fill_hs13(const dec_conn *k, bm_handshake *h)
{
    if (k->ee_seen) {
        if (k->alpn_present) {
            memcpy(h->alpn, k->alpn, sizeof h->alpn);
            h->alpn_present = true;
        }
        if (k->rsl)
            h->record_size_limit_server = k->rsl;
        if (k->mfl)
            h->max_fragment_length = k->mfl;
        h->early_data_accepted = k->early_accepted;
    }
    if (h->n_certs == 0 && k->n_certs) {
        h->n_certs = k->n_certs;
        memcpy(h->certs, k->certs, sizeof k->certs);
        h->certs_truncated = k->certs_truncated;
    }
    if (k->nst13)
        h->new_session_ticket = true;
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
        char pre[96];
        snprintf(pre, sizeof pre, "fatal alert inferred: encrypted alert from the %s (record #%" PRIu64 ",",
                 r == BM_CLIENT ? "client" : "server", a->index);
        remove_problem_prefix(c, pre);
        bm_alert *e = &c->alerts[i];
        e->from = r;
        e->level = (int16_t)a->level;
        e->desc = (int16_t)a->desc;
        e->encrypted = !clear;
        e->inferred = false;
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
            char pre[96];
            snprintf(pre, sizeof pre, "fatal alert inferred: encrypted alert from the %s (record #%" PRIu64 ",",
                     e->from == BM_CLIENT ? "client" : "server", e->index);
            remove_problem_prefix(c, pre);
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
        if (a->level != 2)
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
        if (!k->keys_tried && k->have_random)
            bm_dec_setup_keys(k, &c->hs);
        bm_dec_reneg_close(k);
        /* 0-RTT records whose verdict never came (no EncryptedExtensions
         * decrypted): they authenticated under the early key */
        if (k->early_state == BM_EARLY_UNDECIDED)
            bm_dec_early_decide(k, true);
        fill_crypto(k, c, cs);
        if (k->version == 0x0304)
            fill_hs13(k, &c->hs);
        if (k->have_keys)
            judge(k, c, cs);
        if (k->have_keys && k->key_kind == BM_KEYS_PSK && !k->dir[0].verified &&
            !k->dir[1].verified && k->dir[0].failed + k->dir[1].failed > 0)
            bm_dec_problem(k, "no record verifies under the keys derived from the PSK (%s): wrong PSK for this "
                              "identity?", k->key_source);
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
            char line[BM_PROBLEM_LEN];
            snprintf(line, sizeof line, "record #%" PRIu64 " from the %s fails its integrity check (%s) at frame %" PRIu64,
                     d->bad.index, order[i] == cs ? "client" : "server", reason_text(d->bad.reason), d->bad.frame);
            add_problem(c, line);
        }
        for (unsigned i = 0; i < k->n_problems; i++)
            add_problem(c, k->problems[i]);
        if (!k->reneg) /* after a renegotiation k->ms is not the first session's */
            bm_dec_store_session(k, c->id, &c->hs);
    }
    if (k->d->has_obs && k->d->obs.conn_close && k->obs_conn)
        k->d->obs.conn_close(k->obs_conn, c, k->client_side, k->have_keys);
    k->obs_conn = NULL;
}
