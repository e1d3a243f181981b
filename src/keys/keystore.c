#include "keystore.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

typedef struct ks_name {
    struct ks_name *next;
    char s[];
} ks_name;

struct bm_keystore {
    bm_key_entry **buckets;
    size_t n_buckets;    /* power of two */
    size_t n_groups;     /* distinct (label, id) */
    uint64_t seed;       /* random, so a crafted key file cannot force collisions */
    bm_key_entry *order_head, *order_tail;
    ks_name *names;
    bm_keystore_stats stats;
};

static const char *const label_names[BM_KEY_LABEL_COUNT_] = {
    "CLIENT_RANDOM",
    "CLIENT_EARLY_TRAFFIC_SECRET",
    "EARLY_EXPORTER_SECRET",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EXPORTER_SECRET",
    "RSA",
    "SESSION_ID",
    "TICKET",
    "PSK",
};

const char *bm_key_label_name(bm_key_label label)
{
    if ((unsigned)label >= (unsigned)BM_KEY_LABEL_COUNT_)
        return "?";
    return label_names[label];
}

int bm_key_label_parse(const char *s, size_t n, bm_key_label *out)
{
    for (unsigned i = 0; i <= (unsigned)BM_KEY_RSA_PMS; i++) {
        const char *l = label_names[i];
        if (strlen(l) != n)
            continue;
        size_t k = 0;
        while (k < n) {
            char c = s[k];
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
            if (c != l[k])
                break;
            k++;
        }
        if (k == n) {
            *out = (bm_key_label)i;
            return 1;
        }
    }
    return 0;
}

bm_keystore *bm_keystore_new(void)
{
    bm_keystore *ks = calloc(1, sizeof *ks);
    if (!ks)
        return NULL;
    ks->n_buckets = 256;
    ks->buckets = calloc(ks->n_buckets, sizeof *ks->buckets);
    if (!ks->buckets) {
        free(ks);
        return NULL;
    }
    if (RAND_bytes((unsigned char *)&ks->seed, sizeof ks->seed) != 1)
        ks->seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)ks;
    return ks;
}

static size_t entry_alloc_size(const bm_key_entry *e)
{
    return sizeof *e + e->id_len + e->secret_len;
}

void bm_keystore_free(bm_keystore *ks)
{
    if (!ks)
        return;
    bm_key_entry *e = ks->order_head;
    while (e) {
        bm_key_entry *next = e->order_next_;
        OPENSSL_cleanse(e, entry_alloc_size(e));
        free(e);
        e = next;
    }
    ks_name *n = ks->names;
    while (n) {
        ks_name *next = n->next;
        free(n);
        n = next;
    }
    free(ks->buckets);
    free(ks);
}

const char *bm_keystore_intern(bm_keystore *ks, const char *name)
{
    if (!name)
        name = "-";
    /* Importers intern one name per file, so checking the newest is enough
     * and keeps this O(1); a repeated name only costs a few bytes. */
    if (ks->names && strcmp(ks->names->s, name) == 0)
        return ks->names->s;
    size_t n = strlen(name);
    ks_name *nm = malloc(sizeof *nm + n + 1);
    if (!nm)
        return NULL;
    memcpy(nm->s, name, n + 1);
    nm->next = ks->names;
    ks->names = nm;
    return nm->s;
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t key_hash(const bm_keystore *ks, bm_key_label label, const uint8_t *id, size_t n)
{
    uint64_t h = mix64(ks->seed ^ ((uint64_t)label << 56) ^ n);
    for (size_t i = 0; i < n; i++)
        h = (h ^ id[i]) * 0x100000001b3ull;
    return mix64(h ^ ks->seed);
}

static bm_key_entry *find_group(const bm_keystore *ks, bm_key_label label, const uint8_t *id,
                                size_t n, size_t *bucket)
{
    size_t b = (size_t)key_hash(ks, label, id, n) & (ks->n_buckets - 1);
    if (bucket)
        *bucket = b;
    for (bm_key_entry *e = ks->buckets[b]; e; e = e->hnext_) {
        if (e->label == label && e->id_len == n && (n == 0 || memcmp(e->id, id, n) == 0))
            return e;
    }
    return NULL;
}

/* Doubling keeps chains short; a failed resize only costs speed. */
static void maybe_grow(bm_keystore *ks)
{
    if (ks->n_groups < ks->n_buckets - ks->n_buckets / 4)
        return;
    size_t nb = ks->n_buckets * 2;
    bm_key_entry **nbk = calloc(nb, sizeof *nbk);
    if (!nbk)
        return;
    for (size_t i = 0; i < ks->n_buckets; i++) {
        bm_key_entry *e = ks->buckets[i];
        while (e) {
            bm_key_entry *next = e->hnext_;
            size_t b = (size_t)key_hash(ks, e->label, e->id, e->id_len) & (nb - 1);
            e->hnext_ = nbk[b];
            nbk[b] = e;
            e = next;
        }
    }
    free(ks->buckets);
    ks->buckets = nbk;
    ks->n_buckets = nb;
}

bm_result bm_keystore_put(bm_keystore *ks, bm_key_label label, const uint8_t *id, size_t id_len,
                          const uint8_t *secret, size_t secret_len, const char *source,
                          uint64_t line, bm_ks_put *how)
{
    bm_ks_put dummy;
    if (!how)
        how = &dummy;
    *how = BM_KS_DROPPED;
    BM_ENSURE(ks && (unsigned)label < (unsigned)BM_KEY_LABEL_COUNT_, BM_ERR_USAGE);
    BM_ENSURE(secret && secret_len > 0 && secret_len <= BM_KEYSTORE_MAX_SECRET, BM_ERR_USAGE);
    BM_ENSURE(id_len <= BM_KEYSTORE_MAX_ID && (id || id_len == 0), BM_ERR_USAGE);

    size_t b;
    bm_key_entry *first = find_group(ks, label, id, id_len, &b);
    if (first) {
        for (const bm_key_entry *e = first; e; e = e->alt) {
            if (e->secret_len == secret_len && CRYPTO_memcmp(e->secret, secret, secret_len) == 0) {
                ks->stats.duplicates++;
                *how = BM_KS_DUPLICATE;
                return BM_SUCCESS;
            }
        }
        if (first->n_alts_ >= BM_KEYSTORE_MAX_ALTS) {
            ks->stats.dropped++;
            return BM_SUCCESS;
        }
    }
    if (ks->stats.entries >= BM_KEYSTORE_MAX_ENTRIES) {
        ks->stats.dropped++;
        return BM_SUCCESS;
    }
    const char *src = bm_keystore_intern(ks, source);
    BM_ENSURE(src, BM_ERR_NOMEM);
    bm_key_entry *e = calloc(1, sizeof *e + id_len + secret_len);
    BM_ENSURE(e, BM_ERR_NOMEM);
    uint8_t *tail = (uint8_t *)(e + 1);
    if (id_len)
        memcpy(tail, id, id_len);
    memcpy(tail + id_len, secret, secret_len);
    e->label = label;
    e->id = tail;
    e->id_len = id_len;
    e->secret = tail + id_len;
    e->secret_len = secret_len;
    e->source = src;
    e->line = line;

    if (first) {
        bm_key_entry *last = first->alt_last_;
        last->alt = e;
        first->alt_last_ = e;
        first->n_alts_++;
        ks->stats.conflicts++;
        *how = BM_KS_CONFLICT;
    } else {
        e->alt_last_ = e;
        e->hnext_ = ks->buckets[b];
        ks->buckets[b] = e;
        ks->n_groups++;
        *how = BM_KS_ADDED;
    }
    if (ks->order_tail)
        ks->order_tail->order_next_ = e;
    else
        ks->order_head = e;
    ks->order_tail = e;
    ks->stats.entries++;
    ks->stats.by_label[label]++;
    if (!first)
        maybe_grow(ks);
    return BM_SUCCESS;
}

const bm_key_entry *bm_keystore_find(const bm_keystore *ks, bm_key_label label, const uint8_t *id,
                                     size_t id_len)
{
    if (!ks || (!id && id_len))
        return NULL;
    return find_group(ks, label, id, id_len, NULL);
}

const uint8_t *bm_keystore_get(const bm_keystore *ks, bm_key_label label,
                               const uint8_t client_random[32], size_t *len)
{
    const bm_key_entry *e = client_random ? bm_keystore_find(ks, label, client_random, 32) : NULL;
    if (len)
        *len = e ? e->secret_len : 0;
    return e ? e->secret : NULL;
}

const uint8_t *bm_keystore_get_rsa_pms(const bm_keystore *ks, const uint8_t *enc_pms,
                                       size_t enc_len)
{
    if (!enc_pms || enc_len < 8)
        return NULL;
    const bm_key_entry *e = bm_keystore_find(ks, BM_KEY_RSA_PMS, enc_pms, 8);
    return e ? e->secret : NULL;
}

bm_result bm_keystore_put_session(bm_keystore *ks, const uint8_t *session_id, size_t len,
                                  const uint8_t master[48], const char *source, uint64_t line)
{
    BM_ENSURE(session_id && len >= 1 && len <= 32 && master, BM_ERR_USAGE);
    return bm_keystore_put(ks, BM_KEY_SESSION_ID, session_id, len, master, 48, source, line, NULL);
}

const uint8_t *bm_keystore_get_session(const bm_keystore *ks, const uint8_t *session_id,
                                       size_t len)
{
    if (!session_id || len < 1 || len > 32)
        return NULL;
    const bm_key_entry *e = bm_keystore_find(ks, BM_KEY_SESSION_ID, session_id, len);
    return e ? e->secret : NULL;
}

/* Tickets can be kilobytes long; their SHA-256 is a compact, exact key. */
static void ticket_id(const uint8_t *ticket, size_t len, uint8_t out[32])
{
    SHA256(ticket, len, out);
}

bm_result bm_keystore_put_ticket(bm_keystore *ks, const uint8_t *ticket, size_t len,
                                 const uint8_t master[48], const char *source, uint64_t line)
{
    BM_ENSURE(ticket && len > 0 && master, BM_ERR_USAGE);
    uint8_t id[32];
    ticket_id(ticket, len, id);
    return bm_keystore_put(ks, BM_KEY_TICKET, id, sizeof id, master, 48, source, line, NULL);
}

const uint8_t *bm_keystore_get_ticket(const bm_keystore *ks, const uint8_t *ticket, size_t len)
{
    if (!ticket || len == 0)
        return NULL;
    uint8_t id[32];
    ticket_id(ticket, len, id);
    const bm_key_entry *e = bm_keystore_find(ks, BM_KEY_TICKET, id, sizeof id);
    return e ? e->secret : NULL;
}

const bm_key_entry *bm_keystore_get_psk(const bm_keystore *ks, const uint8_t *identity,
                                        size_t len)
{
    const bm_key_entry *e = NULL;
    if (identity || len == 0)
        e = bm_keystore_find(ks, BM_KEY_PSK, identity, len);
    if (!e)
        e = bm_keystore_find(ks, BM_KEY_PSK, NULL, 0);
    return e;
}

const bm_key_entry *bm_keystore_first(const bm_keystore *ks)
{
    return ks ? ks->order_head : NULL;
}

const bm_key_entry *bm_keystore_next(const bm_key_entry *e)
{
    return e ? e->order_next_ : NULL;
}

/* Unlinks e, the oldest entry, from its group: an alternative leaves the
 * chain; a group's first entry hands its place to its first alternative,
 * or the group leaves its bucket. */
static void unlink_oldest(bm_keystore *ks, bm_key_entry *e)
{
    size_t b;
    bm_key_entry *first = find_group(ks, e->label, e->id, e->id_len, &b);
    if (first && first != e) {
        bm_key_entry *p = first;
        while (p->alt && p->alt != e)
            p = (bm_key_entry *)p->alt;
        if (p->alt == e) {
            p->alt = e->alt;
            if (first->alt_last_ == e)
                first->alt_last_ = p;
            first->n_alts_--;
        }
        return;
    }
    bm_key_entry **link = &ks->buckets[b];
    while (*link && *link != e)
        link = &(*link)->hnext_;
    if (!*link)
        return;
    bm_key_entry *next = (bm_key_entry *)e->alt;
    if (next) { /* the first alternative becomes the group's first entry */
        next->hnext_ = e->hnext_;
        next->alt_last_ = e->alt_last_ == e ? next : e->alt_last_;
        next->n_alts_ = e->n_alts_ - 1;
        *link = next;
    } else {
        *link = e->hnext_;
        ks->n_groups--;
    }
}

uint64_t bm_keystore_expire(bm_keystore *ks, uint64_t keep)
{
    uint64_t n = 0;
    while (ks->stats.entries > keep && ks->order_head) {
        bm_key_entry *e = ks->order_head;
        unlink_oldest(ks, e);
        ks->order_head = e->order_next_;
        if (!ks->order_head)
            ks->order_tail = NULL;
        ks->stats.entries--;
        ks->stats.by_label[e->label]--;
        OPENSSL_cleanse(e, entry_alloc_size(e));
        free(e);
        n++;
    }
    return n;
}

const bm_keystore_stats *bm_keystore_get_stats(const bm_keystore *ks)
{
    return &ks->stats;
}

void bm_keystore_count_unknown(bm_keystore *ks)
{
    ks->stats.unknown_labels++;
}

void bm_keystore_count_bad(bm_keystore *ks)
{
    ks->stats.bad_lines++;
}

void bm_key_entry_where(const bm_key_entry *e, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return;
    if (!e) {
        buf[0] = '\0';
        return;
    }
    if (e->line)
        snprintf(buf, cap, "%s line %" PRIu64, e->source, e->line);
    else
        snprintf(buf, cap, "%s", e->source);
}
