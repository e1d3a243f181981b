/*
 * tap.h - a tiny TAP producer for unit tests, run under prove.
 *
 *   int main(void) { ok(1 + 1 == 2, "arithmetic"); is_int(x, 3, "x"); return tap_done(); }
 *
 * Each check prints "ok N - name" or "not ok N - name" with the values that
 * differ; tap_done() prints the plan and returns non-zero if any failed.
 */
#ifndef BM_TESTS_TAP_H
#define BM_TESTS_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n_ __attribute__((unused)), tap_failed_ __attribute__((unused));

static inline int tap_ok_(int cond, const char *file, int line, const char *name)
{
    tap_n_++;
    if (!cond)
        tap_failed_++;
    printf("%sok %d - %s\n", cond ? "" : "not ", tap_n_, name);
    if (!cond)
        printf("#   failed at %s:%d\n", file, line);
    fflush(stdout);
    return cond;
}

#define ok(cond, name) tap_ok_(!!(cond), __FILE__, __LINE__, (name))

#define is_int(got, want, name)                                                          \
    do {                                                                                 \
        long long g_ = (long long)(got), w_ = (long long)(want);                         \
        if (!tap_ok_(g_ == w_, __FILE__, __LINE__, (name)))                              \
            printf("#   got %lld, want %lld\n", g_, w_);                                 \
    } while (0)

#define is_str(got, want, name)                                                          \
    do {                                                                                 \
        const char *g_ = (got), *w_ = (want);                                            \
        int eq_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;                           \
        if (!tap_ok_(eq_, __FILE__, __LINE__, (name)))                                   \
            printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)

#define is_mem(got, want, n, name) ok(memcmp((got), (want), (n)) == 0, (name))

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n_);
    return tap_failed_ ? 1 : 0;
}

#endif
