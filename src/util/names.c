/* names.c - failure-reason spellings, generated from BM_REC_REASONS. */
#include <stddef.h>

#include "names.h"

const char *bm_reason_name(bm_rec_reason r, bm_name_form f)
{
    static const char *const n[][3] = {
#define BM_REASON_NAMES(id, json, text, wording) [id] = {json, text, wording},
        BM_REC_REASONS(BM_REASON_NAMES)
#undef BM_REASON_NAMES
    };
    if ((unsigned)r >= sizeof n / sizeof n[0] || (unsigned)f > BM_NAME_WORDING)
        return NULL;
    return n[r][f];
}
