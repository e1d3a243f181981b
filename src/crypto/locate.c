/*
 * locate.c - the bit-error locator's entry point: checks the record as
 * received, picks the search for the suite, tries the header bits, and
 * verifies every candidate with a full bm_rec_open on a clone.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "locate_int.h"

const char *bm_locate_status_name(bm_locate_status s)
{
    switch (s) {
    case BM_LOC_FOUND: return "located";
    case BM_LOC_NONE: return "no repair of a few bits verifies";
    case BM_LOC_RECORD_OK: return "record authenticates as received";
    case BM_LOC_NOT_LOCATABLE: return "not locatable from the tag alone";
    case BM_LOC_BAD_LENGTH: return "impossible record length";
    case BM_LOC_BUDGET: return "search stopped: its budget is spent";
    }
    return "unknown";
}

bool bm_repair_apply(const bm_repair *rep, uint8_t *body, size_t len, uint8_t hdr[5])
{
    if (rep->len == 0 || rep->len > BM_REPAIR_MAX_SPAN)
        return false;
    uint8_t *p = rep->where == BM_REP_HEADER ? hdr : body;
    size_t cap = rep->where == BM_REP_HEADER ? 5 : len;
    if (!p || rep->offset > cap || cap - rep->offset < rep->len)
        return false;
    for (size_t i = 0; i < rep->len; i++)
        p[rep->offset + i] ^= rep->xor[i];
    return true;
}

bool bm_repair_make(bm_repair *rep, uint8_t where, size_t off, const uint8_t *x, size_t n,
                    unsigned max_w)
{
    size_t a = 0, b = n;
    while (a < n && !x[a])
        a++;
    while (b > a && !x[b - 1])
        b--;
    if (a == b || b - a > BM_REPAIR_MAX_SPAN)
        return false;
    unsigned w = 0;
    for (size_t i = a; i < b; i++)
        w += (unsigned)__builtin_popcount(x[i]);
    if (w > max_w)
        return false;
    memset(rep, 0, sizeof *rep);
    rep->where = where;
    rep->offset = off + a;
    rep->len = (uint8_t)(b - a);
    memcpy(rep->xor, x + a, b - a);
    rep->weight = w;
    rep->bit = -1;
    if (w == 1)
        rep->bit = __builtin_ctz(rep->xor[0]);
    return true;
}

static bool bm_repair_same(const bm_repair *a, const bm_repair *b)
{
    return a->where == b->where && a->offset == b->offset && a->len == b->len &&
           memcmp(a->xor, b->xor, a->len) == 0;
}

BM_RESULT bm_loc_work(bm_loc *L, uint64_t n)
{
    L->res->work += n;
    BM_ENSURE(!L->max_work || L->res->work <= L->max_work, BM_ERR_LIMIT);
    return BM_SUCCESS;
}

BM_RESULT bm_loc_try(bm_loc *L, const bm_repair *rep, bool *verified)
{
    bm_locate_result *res = L->res;
    *verified = false;
    BM_GUARD(bm_loc_work(L, L->len + 64));
    res->candidates++;
    for (size_t i = 0; i < res->n; i++)
        if (bm_repair_same(&res->rep[i], rep)) {
            *verified = true;
            return BM_SUCCESS;
        }
    uint8_t hdr[5] = {L->type, (uint8_t)(L->version >> 8), (uint8_t)L->version,
                      (uint8_t)(L->len >> 8), (uint8_t)L->len};
    memcpy(L->buf, L->in, L->len);
    if (!bm_repair_apply(rep, L->buf, L->len, hdr))
        return BM_SUCCESS;
    /* A changed length field would move the record boundary: not a repair. */
    if (hdr[3] != (uint8_t)(L->len >> 8) || hdr[4] != (uint8_t)L->len)
        return BM_SUCCESS;
    BM_GUARD(bm_rec_copy_state(L->work, L->orig));
    bm_open_result o;
    BM_GUARD(bm_rec_open(L->work, L->seq, hdr[0], (uint16_t)(hdr[1] << 8 | hdr[2]), L->buf,
                         L->len, L->out, L->out_cap, &o));
    OPENSSL_cleanse(L->out, o.decrypted_len);
    if (o.status != BM_REC_OK && o.status != BM_REC_NO_CONTENT_TYPE) {
        res->verified_fail++;
        return BM_SUCCESS;
    }
    *verified = true;
    if (res->n < BM_LOCATE_MAX_REPAIRS)
        res->rep[res->n++] = *rep;
    return BM_SUCCESS;
}

BM_RESULT bm_loc_brute_bits(bm_loc *L, uint8_t where, size_t from, size_t to)
{
    for (size_t pos = from; pos < to; pos++)
        for (unsigned b = 0; b < 8; b++) {
            uint8_t x = (uint8_t)(1u << b);
            bm_repair rep;
            bool v = false;
            if (bm_repair_make(&rep, where, pos, &x, 1, 1))
                BM_GUARD(bm_loc_try(L, &rep, &v));
        }
    return BM_SUCCESS;
}

/* The search over the record's body: the one the suite registry row's
 * locator class names. */
static BM_RESULT bm_locate_body(bm_loc *L)
{
    switch ((bm_locator)L->work->suite->locator) {
    case BM_LOCATOR_HMAC: return bm_locate_mac(L);
    case BM_LOCATOR_GCM: return bm_locate_gcm(L);
    case BM_LOCATOR_POLY1305: return bm_locate_poly(L);
    case BM_LOCATOR_CCM: return bm_locate_ccm(L);
    case BM_LOCATOR_NONE: break;
    }
    return bm_res(BM_ERR_UNSUPPORTED);
}

static BM_RESULT bm_locate_run(bm_loc *L, const bm_locate_opts *o)
{
    bm_locate_result *res = L->res;
    bm_rec *w = L->work;
    bm_open_result first;
    BM_GUARD(bm_rec_open(w, L->seq, L->type, L->version, L->in, L->len, L->out, L->out_cap,
                         &first));
    OPENSSL_cleanse(L->out, first.decrypted_len);
    if (first.status == BM_REC_OK || first.status == BM_REC_NO_CONTENT_TYPE) {
        res->status = BM_LOC_RECORD_OK;
        return BM_SUCCESS;
    }
    if (first.status == BM_REC_BAD_LENGTH) {
        res->status = BM_LOC_BAD_LENGTH;
        return BM_SUCCESS;
    }
    BM_GUARD(bm_loc_work(L, L->len));
    BM_GUARD(bm_locate_body(L));
    /* The header's content type and version: 24 candidates. */
    if (!(o && o->skip_header))
        BM_GUARD(bm_loc_brute_bits(L, BM_REP_HEADER, 0, 3));
    res->status = res->n ? BM_LOC_FOUND : BM_LOC_NONE;
    return BM_SUCCESS;
}

BM_RESULT bm_locate(const bm_rec *r, uint64_t seq, uint8_t type, uint16_t version,
                    const uint8_t *in, size_t len, const bm_locate_opts *opts,
                    bm_locate_result *res)
{
    memset(res, 0, sizeof *res);
    res->status = BM_LOC_NONE;
    BM_ENSURE(len <= BM_REC_MAX_INPUT, BM_ERR_LIMIT);
    BM_ENSURE(r && (in || !len), BM_ERR_USAGE);
    bm_loc L = {.orig = r, .seq = seq, .type = type, .version = version, .in = in, .len = len,
                .res = res};
    L.max_w = opts && opts->max_weight ? opts->max_weight : 8;
    L.max_work = opts ? opts->max_work : 0;
    L.out_cap = len ? len : 1;
    L.buf = malloc(L.out_cap);
    L.out = malloc(L.out_cap);
    bm_result e = L.buf && L.out ? bm_rec_clone(r, &L.work) : bm_res(BM_ERR_NOMEM);
    if (bm_is_ok(e))
        e = bm_locate_run(&L, opts);
    if (!bm_is_ok(e) && L.max_work && res->work > L.max_work) { /* the budget, not a failure */
        res->stopped = true;
        res->status = res->n ? BM_LOC_FOUND : BM_LOC_BUDGET; /* a verified repair proves it all the same */
        e = BM_SUCCESS;
    }
    bm_rec_free(L.work);
    if (L.out)
        OPENSSL_cleanse(L.out, L.out_cap);
    free(L.buf);
    free(L.out);
    if (!bm_is_ok(e)) {
        res->n = 0;
        res->status = BM_LOC_NONE;
    }
    return e;
}
