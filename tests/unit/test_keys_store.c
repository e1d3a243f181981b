/* The key store: hashing under load, alternatives, resumption tables. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "keys/keystore.h"

static void make_id(uint8_t cr[32], uint32_t i)
{
    memset(cr, 0, 32);
    cr[0] = (uint8_t)(i >> 24);
    cr[1] = (uint8_t)(i >> 16);
    cr[2] = (uint8_t)(i >> 8);
    cr[3] = (uint8_t)i;
}

static void test_many(void)
{
    bm_keystore *ks = bm_keystore_new();
    uint8_t cr[32], ms[48];
    int all_ok = 1;
    for (uint32_t i = 0; i < 50000; i++) {
        make_id(cr, i);
        memset(ms, (int)(i & 0xff), 48);
        all_ok &= bm_is_ok(bm_keystore_put(ks, BM_KEY_CLIENT_RANDOM, cr, 32, ms, 48, "gen", i + 1,
                                           NULL));
    }
    ok(all_ok, "50000 entries stored");
    int found = 1;
    for (uint32_t i = 0; i < 50000; i++) {
        make_id(cr, i);
        size_t len;
        const uint8_t *g = bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr, &len);
        found &= g && len == 48 && g[0] == (uint8_t)i;
    }
    ok(found, "all 50000 found after the table grew");
    make_id(cr, 50000);
    ok(!bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr, NULL), "absent id not found");
    make_id(cr, 7);
    ok(!bm_keystore_get(ks, BM_KEY_SERVER_TRAFFIC_SECRET_0, cr, NULL), "label is part of the key");
    bm_keystore_free(ks);
}

static void test_alternatives(void)
{
    bm_keystore *ks = bm_keystore_new();
    uint8_t cr[32], s[32];
    make_id(cr, 1);
    int conflicts = 0, dropped = 0;
    for (int i = 0; i < 40; i++) {
        memset(s, i, 32);
        bm_ks_put how;
        if (!bm_is_ok(bm_keystore_put(ks, BM_KEY_CLIENT_TRAFFIC_SECRET_0, cr, 32, s, 32, "f", 1, &how)))
            break;
        conflicts += how == BM_KS_CONFLICT;
        dropped += how == BM_KS_DROPPED;
    }
    is_int(conflicts, BM_KEYSTORE_MAX_ALTS, "alternatives kept up to the limit");
    is_int(dropped, 40 - 1 - BM_KEYSTORE_MAX_ALTS, "the rest dropped and counted");
    is_int(bm_keystore_get_stats(ks)->dropped, 40 - 1 - BM_KEYSTORE_MAX_ALTS, "stats.dropped");
    const bm_key_entry *e = bm_keystore_find(ks, BM_KEY_CLIENT_TRAFFIC_SECRET_0, cr, 32);
    int n = 0;
    for (; e; e = e->alt)
        n++;
    is_int(n, 1 + BM_KEYSTORE_MAX_ALTS, "alt chain length");
    bm_ks_put how;
    memset(s, 3, 32);
    ok(bm_is_ok(bm_keystore_put(ks, BM_KEY_CLIENT_TRAFFIC_SECRET_0, cr, 32, s, 32, "f", 9, &how)) &&
           how == BM_KS_DUPLICATE,
       "duplicate of an alternative detected");
    is_int(bm_keystore_put(ks, BM_KEY_CLIENT_RANDOM, cr, 32, s, 0, "f", 1, NULL).code, BM_ERR_USAGE,
           "empty secret refused");
    is_int(bm_keystore_put(ks, BM_KEY_LABEL_COUNT_, cr, 32, s, 32, "f", 1, NULL).code, BM_ERR_USAGE,
           "bad label refused");
    bm_keystore_free(ks);
}

static void test_resumption(void)
{
    bm_keystore *ks = bm_keystore_new();
    uint8_t sid[32], ms[48], ticket[300];
    memset(sid, 0x5a, 32);
    memset(ms, 0x42, 48);
    for (int i = 0; i < 300; i++)
        ticket[i] = (uint8_t)i;
    ok(bm_is_ok(bm_keystore_put_session(ks, sid, 32, ms, "conn 1", 0)), "session stored");
    const uint8_t *g = bm_keystore_get_session(ks, sid, 32);
    ok(g && memcmp(g, ms, 48) == 0, "master by session id");
    ok(!bm_keystore_get_session(ks, sid, 31), "shorter session id differs");
    ok(!bm_keystore_get_session(ks, sid, 0), "empty session id never matches");
    is_int(bm_keystore_put_session(ks, sid, 33, ms, "x", 0).code, BM_ERR_USAGE, "33-byte id refused");
    ms[0] = 0x43;
    ok(bm_is_ok(bm_keystore_put_ticket(ks, ticket, sizeof ticket, ms, "conn 2", 0)), "ticket stored");
    g = bm_keystore_get_ticket(ks, ticket, sizeof ticket);
    ok(g && g[0] == 0x43, "master by ticket");
    ticket[299] ^= 1;
    ok(!bm_keystore_get_ticket(ks, ticket, sizeof ticket), "other ticket not found");
    const bm_key_entry *e = bm_keystore_first(ks);
    char where[64];
    bm_key_entry_where(e, where, sizeof where);
    is_str(where, "conn 1", "provenance without a line");
    is_str(bm_key_label_name(BM_KEY_TICKET), "TICKET", "label name");
    bm_key_label l;
    ok(bm_key_label_parse("Exporter_Secret", 15, &l) && l == BM_KEY_EXPORTER_SECRET,
       "label parse is case-insensitive");
    ok(!bm_key_label_parse("PSK", 3, &l), "PSK is not a key log label");
    bm_keystore_free(ks);
}

/* Oldest first out: 1000 ids, id 0 with two alternatives put later (ids
 * 500 and 900 time); keeping 400 leaves the newest 400 entries. */
static void test_expire(void)
{
    bm_keystore *ks = bm_keystore_new();
    uint8_t cr[32], ms[48], z[32];
    int all = 1;
    make_id(z, 0);
    for (uint32_t i = 0; i < 1000; i++) {
        make_id(cr, i);
        memset(ms, (int)(i & 0xff), 48);
        int stored = bm_is_ok(bm_keystore_put(ks, BM_KEY_CLIENT_RANDOM, cr, 32, ms, 48, "gen", i + 1, NULL));
        if (i == 500 || i == 900) { /* alternatives of id 0, newer than its first entry */
            memset(ms, (int)(0xa0 + i % 7), 48);
            stored &= bm_is_ok(bm_keystore_put(ks, BM_KEY_CLIENT_RANDOM, z, 32, ms, 48, "alt", i, NULL));
        }
        all &= stored;
    }
    ok(all, "1000 ids and 2 alternatives stored");
    is_int((long)bm_keystore_expire(ks, 1002), 0, "nothing to remove within the limit");
    is_int((long)bm_keystore_expire(ks, 400), 602, "602 oldest entries removed");
    is_int((long)bm_keystore_get_stats(ks)->entries, 400, "400 left");
    int gone = 1, kept = 1;
    for (uint32_t i = 1; i < 1000; i++) {
        make_id(cr, i);
        const uint8_t *g = bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr, NULL);
        if (i < 601)
            gone &= g == NULL;
        else
            kept &= g != NULL && g[0] == (uint8_t)i;
    }
    ok(gone, "ids 1..600 gone");
    ok(kept, "ids 601..999 found, their secrets intact");
    const bm_key_entry *e = bm_keystore_find(ks, BM_KEY_CLIENT_RANDOM, z, 32);
    ok(e && e->secret[0] == (uint8_t)(0xa0 + 900 % 7) && !e->alt,
       "id 0: its first entry and older alternative gone, the newest alternative now first");
    is_int((long)bm_keystore_expire(ks, 0), 400, "all removed");
    ok(bm_keystore_first(ks) == NULL && !bm_keystore_find(ks, BM_KEY_CLIENT_RANDOM, z, 32), "the store is empty");
    make_id(cr, 5);
    memset(ms, 5, 48);
    ok(bm_is_ok(bm_keystore_put(ks, BM_KEY_CLIENT_RANDOM, cr, 32, ms, 48, "gen", 1, NULL)) &&
           bm_keystore_get(ks, BM_KEY_CLIENT_RANDOM, cr, NULL),
       "and usable again");
    bm_keystore_free(ks);
}

int main(void)
{
    test_expire();
    test_many();
    test_alternatives();
    test_resumption();
    return tap_done();
}
