/*
 * err.h - error codes, the must-use result type and the GUARD/ENSURE DSL.
 *
 * One X-macro table (BM_ERRORS) generates the enum and bm_strerror(), so a
 * code and its text never drift apart. Fallible internal functions return
 * bm_result (a struct, so it cannot be silently mixed with an int) marked
 * warn_unused_result; the build uses -Werror, so an ignored error does not
 * compile. Errors never abort the analysis of a capture: the caller records
 * them as problems and goes on.
 */
#ifndef BM_UTIL_ERR_H
#define BM_UTIL_ERR_H

#define BM_ERRORS(X)                                                          \
    X(BM_OK, "success")                                                       \
    X(BM_ERR_NOMEM, "out of memory")                                          \
    X(BM_ERR_IO, "I/O error")                                                 \
    X(BM_ERR_USAGE, "invalid usage")                                          \
    X(BM_ERR_TRUNCATED, "truncated input")                                    \
    X(BM_ERR_MALFORMED, "malformed input")                                    \
    X(BM_ERR_UNSUPPORTED, "unsupported input")                                \
    X(BM_ERR_LIMIT, "a documented size limit was exceeded")                   \
    X(BM_ERR_CAPTURE_OPEN, "cannot open capture")                             \
    X(BM_ERR_LINKTYPE, "unsupported link-layer type")                         \
    X(BM_ERR_BAD_RECORD, "impossible TLS record header")                      \
    X(BM_ERR_BAD_HANDSHAKE, "malformed handshake message")                    \
    X(BM_ERR_BAD_RECORD_MAC, "record MAC/tag mismatch")                       \
    X(BM_ERR_BAD_PADDING, "bad CBC padding")                                  \
    X(BM_ERR_CRYPTO, "libcrypto failure")                                     \
    X(BM_ERR_NO_KEYS, "no key material for this connection")                  \
    X(BM_ERR_KEYFILE, "malformed key file")                                   \
    X(BM_ERR_WRONG_KEY, "RSA decryption failed: wrong private key?")          \
    X(BM_ERR_PMS_VERSION, "premaster secret version differs from the client's")

typedef enum bm_err {
#define BM_ERR_ENUM(code, text) code,
    BM_ERRORS(BM_ERR_ENUM)
#undef BM_ERR_ENUM
    BM_ERR_COUNT_
} bm_err;

typedef struct {
    bm_err code;
} bm_result;

#if defined(__GNUC__)
#define BM_MUST_USE __attribute__((warn_unused_result))
#else
#define BM_MUST_USE
#endif

#define BM_RESULT BM_MUST_USE bm_result

static inline bm_result bm_res(bm_err e)
{
    bm_result r;
    r.code = e;
    return r;
}
#define BM_SUCCESS bm_res(BM_OK)
static inline int bm_is_ok(bm_result r) { return r.code == BM_OK; }

#define BM_GUARD(expr)                                                        \
    do {                                                                      \
        bm_result bm_guard_r_ = (expr);                                       \
        if (!bm_is_ok(bm_guard_r_))                                           \
            return bm_guard_r_;                                               \
    } while (0)

#define BM_ENSURE(cond, err)                                                  \
    do {                                                                      \
        if (!(cond))                                                          \
            return bm_res(err);                                               \
    } while (0)

#define BM_BAIL(err) return bm_res(err)

const char *bm_strerror(bm_err e);

#endif
