#include "err.h"

static const char *const bm_err_text[] = {
#define BM_ERR_TEXT(code, text) text,
    BM_ERRORS(BM_ERR_TEXT)
#undef BM_ERR_TEXT
};

const char *bm_strerror(bm_err e)
{
    if ((unsigned)e >= (unsigned)BM_ERR_COUNT_)
        return "unknown error";
    return bm_err_text[e];
}
