/*
 * suite.c - the crypto stage's view of the suite registry
 * (src/proto/suites.c): the rows it can decrypt, and hash lengths.
 */
#include "suite.h"

const bm_suite *bm_suite_find(uint16_t id)
{
    const bm_suite *s = bm_suite_row(id);
    return s && s->decrypt ? s : NULL;
}

size_t bm_hash_len(bm_hash h)
{
    switch (h) {
    case BM_HASH_MD5: return 16;
    case BM_HASH_SHA1: return 20;
    case BM_HASH_SHA256: return 32;
    case BM_HASH_SHA384: return 48;
    case BM_HASH_MD5_SHA1: return 36;
    default: return 0;
    }
}
