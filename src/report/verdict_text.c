/*
 * verdict_text.c - the verdict line table (include/badmac/verdict_lines.h)
 * and the one place verdict lines become words: the raw form here, the
 * English by topic in vtext_conn.c (circumstances, alerts, sizes, keyless
 * and receiver verdicts), vtext_record.c (the hypotheses about a failing
 * record) and vtext_steps.c (exonerations and next steps). Roles are named
 * from the line's role field and role arguments, records from role, index
 * and frame.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../../include/badmac/conn.h"
#include "words.h"

static const bm_words_table *table(void)
{
    static const bm_words_def defs[BM_V_COUNT_] = {
#define BM_V_DEF(code, name, fields, s, ...) [code] = {name, fields, s, {__VA_ARGS__}},
        BM_VERDICT_LINES(BM_V_DEF)
#undef BM_V_DEF
    };
    static const bm_words_table t = {defs, BM_V_COUNT_, BM_VLINE_ARGS};
    return &t;
}


const char *bm_words_fatal_fit(int64_t w)
{
    switch (w) {
    case BM_FW_PEER_KEPT_SENDING: return "it came right after a record of the peer, which kept sending records after it";
    case BM_FW_BEFORE_HANDSHAKE: return "it came before the handshake completed";
    case BM_FW_RESET: return "the connection was then reset";
    case BM_FW_NO_APPDATA: return "no application data had been exchanged and the peer sent no alert";
    case BM_FW_AFTER_PEER_RECORD: return "it came right after a record of the peer, which it may have rejected";
    default: return "unknown reason";
    }
}

const char *bm_words_close_fit(int64_t w)
{
    switch (w) {
    case BM_FC_ANSWERED: return "the peer answered it with an alert of its own";
    case BM_FC_AFTER_PEER_CLOSE: return "the peer had closed first";
    case BM_FC_AFTER_OWN_DATA: return "it followed the sender's own application data, with no record of the peer since";
    case BM_FC_PEER_DONE: return "the peer sent nothing more after it, as after a complete exchange";
    case BM_FC_MID_STREAM:
        return "a side may close in the middle of the peer's data (a cancelled transfer), and the records already "
               "under way keep coming";
    default: return "unknown reason";
    }
}

static void english(const void *x, char *buf, size_t cap, size_t *o)
{
    const bm_vline *l = x;
    if (!bm_vtext_conn(l, buf, cap, o) && !bm_vtext_record(l, buf, cap, o) && !bm_vtext_steps(l, buf, cap, o))
        bm_words_put(buf, cap, o, "unknown verdict line (code %u)", (unsigned)l->code);
}

BM_WORDS_TABLE_DEFS(bm_vline, bm_vline, table, english)
