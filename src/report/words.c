/*
 * words.c - what the finding and the verdict line formatters share
 * (finding_text.c, verdict_text.c and vtext_*.c): appending to a bounded
 * buffer, role names, and the code tables of the two X-macro lists
 * (findings.h, verdict_lines.h) read through one descriptor, so the
 * accessors, the fixed-sentence lookup and the raw "[name] field=..."
 * form are written once for both.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../include/badmac/conn.h"
#include "words.h"

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
const char *bm_words_other(int64_t role) { return role == BM_CLIENT ? "server" : "client"; }

const bm_words_def *bm_words_def_of(const bm_words_table *t, unsigned code)
{
    return code > 0 && code < t->count ? &t->defs[code] : NULL;
}

const char *bm_words_name(const bm_words_table *t, unsigned code)
{
    const bm_words_def *d = bm_words_def_of(t, code);
    return d ? d->name : NULL;
}

unsigned bm_words_fields(const bm_words_table *t, unsigned code)
{
    const bm_words_def *d = bm_words_def_of(t, code);
    return d ? d->fields : 0;
}

const char *bm_words_arg_name(const bm_words_table *t, unsigned code, unsigned i)
{
    const bm_words_def *d = bm_words_def_of(t, code);
    if (!d || i > t->nargs)
        return NULL;
    return i == t->nargs ? d->str : d->arg[i];
}

const bm_words_sentence *bm_words_sentence_of(const bm_words_sentence *s, size_t n, unsigned code)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].code == code)
            return &s[i];
    return NULL;
}

bool bm_words_begin(char *buf, size_t cap)
{
    if (cap == 0)
        return false;
    buf[0] = '\0';
    return true;
}

size_t bm_words_format_raw(const bm_words_table *t, const bm_words_item *it, char *buf, size_t cap)
{
    size_t o = 0;
    if (!bm_words_begin(buf, cap))
        return 0;
    const char *name = bm_words_name(t, it->code);
    if (!name) {
        bm_words_put(buf, cap, &o, "[unknown code=%u]", it->code);
        return o;
    }
    unsigned k = bm_words_fields(t, it->code);
    bm_words_put(buf, cap, &o, "[%s]", name);
    if (k & BM_FK_ROLE)
        bm_words_put(buf, cap, &o, " role=%s", bm_words_role(it->role));
    if (k & BM_FK_INDEX)
        bm_words_put(buf, cap, &o, " index=%" PRIu64, it->index);
    if (k & BM_FK_FRAME)
        bm_words_put(buf, cap, &o, " frame=%" PRIu64, it->frame);
    if (k & BM_FK_OFF)
        bm_words_put(buf, cap, &o, " offset=%" PRIu64, it->stream_off);
    for (unsigned i = 0; i < t->nargs; i++) {
        const char *an = bm_words_arg_name(t, it->code, i);
        if (an)
            bm_words_put(buf, cap, &o, " %s=%" PRId64, an, it->arg[i]);
    }
    const char *sn = bm_words_arg_name(t, it->code, t->nargs);
    if (sn)
        bm_words_put(buf, cap, &o, " %s=\"%.*s\"", sn, (int)strnlen(it->str, it->str_cap), it->str);
    return o;
}

size_t bm_words_format(const bm_words_table *t, const bm_words_item *it, bm_words_english *english, const void *x,
                       char *buf, size_t cap)
{
    if (BM_REWORD)
        return bm_words_format_raw(t, it, buf, cap);
    size_t o = 0;
    if (!bm_words_begin(buf, cap))
        return 0;
    english(x, buf, cap, &o);
    return o;
}
