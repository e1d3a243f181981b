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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../include/badmac/conn.h"
#include "words.h"

typedef struct bm_vline_def {
    const char *name;
    unsigned fields;
    const char *str;
    const char *arg[BM_VLINE_ARGS];
} bm_vline_def;

static const bm_vline_def *def_of(unsigned code)
{
    static const bm_vline_def defs[BM_V_COUNT_] = {
#define BM_V_DEF(code, name, fields, s, ...) [code] = {name, fields, s, {__VA_ARGS__}},
        BM_VERDICT_LINES(BM_V_DEF)
#undef BM_V_DEF
    };
    return code > BM_V_INVALID && code < BM_V_COUNT_ ? &defs[code] : NULL;
}

const char *bm_vline_name(unsigned code)
{
    const bm_vline_def *d = def_of(code);
    return d ? d->name : NULL;
}

unsigned bm_vline_fields(unsigned code)
{
    const bm_vline_def *d = def_of(code);
    return d ? d->fields : 0;
}

const char *bm_vline_arg_name(unsigned code, unsigned i)
{
    const bm_vline_def *d = def_of(code);
    if (!d || i > BM_VLINE_ARGS)
        return NULL;
    return i == BM_VLINE_ARGS ? d->str : d->arg[i];
}

void bm_words_put(char *buf, size_t cap, size_t *o, const char *fmt, ...)
{
    if (*o + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *o, cap - *o, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    *o = (size_t)n < cap - *o ? *o + (size_t)n : cap - 1;
}

const char *bm_words_role(int64_t role) { return role == BM_CLIENT ? "client" : "server"; }

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
    default: return "unknown reason";
    }
}
const char *bm_words_other(int64_t role) { return role == BM_CLIENT ? "server" : "client"; }

size_t bm_vline_format_raw(const bm_vline *l, char *buf, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    const char *name = bm_vline_name(l->code);
    if (!name) {
        bm_words_put(buf, cap, &o, "[unknown code=%u]", (unsigned)l->code);
        return o;
    }
    unsigned k = bm_vline_fields(l->code);
    bm_words_put(buf, cap, &o, "[%s]", name);
    if (k & BM_FK_ROLE)
        bm_words_put(buf, cap, &o, " role=%s", bm_words_role(l->role));
    if (k & BM_FK_INDEX)
        bm_words_put(buf, cap, &o, " index=%" PRIu64, l->index);
    if (k & BM_FK_FRAME)
        bm_words_put(buf, cap, &o, " frame=%" PRIu64, l->frame);
    if (k & BM_FK_OFF)
        bm_words_put(buf, cap, &o, " offset=%" PRIu64, l->stream_off);
    for (unsigned i = 0; i < BM_VLINE_ARGS; i++) {
        const char *an = bm_vline_arg_name(l->code, i);
        if (an)
            bm_words_put(buf, cap, &o, " %s=%" PRId64, an, l->arg[i]);
    }
    const char *sn = bm_vline_arg_name(l->code, BM_VLINE_ARGS);
    if (sn)
        bm_words_put(buf, cap, &o, " %s=\"%.*s\"", sn, (int)strnlen(l->str, sizeof l->str), l->str);
    return o;
}

/* -DBM_REWORD_FINDINGS: every line in other words (tests/e2e/reword.t).
 * Both formatters are compiled either way. */
#ifdef BM_REWORD_FINDINGS
#define BM_REWORD 1
#else
#define BM_REWORD 0
#endif

size_t bm_vline_format(const bm_vline *l, char *buf, size_t cap)
{
    if (BM_REWORD)
        return bm_vline_format_raw(l, buf, cap);
    size_t o = 0;
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    if (!bm_vtext_conn(l, buf, cap, &o) && !bm_vtext_record(l, buf, cap, &o) && !bm_vtext_steps(l, buf, cap, &o))
        bm_words_put(buf, cap, &o, "unknown verdict line (code %u)", (unsigned)l->code);
    return o;
}
