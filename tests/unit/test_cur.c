/* The bounds-checked reader: every accessor fails safely and stickily. */
#include "tap.h"
#include "wire/cur.h"
#include "util/err.h"

static void test_scalars(void)
{
    const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
    bm_cur c = bm_cur_make(b, sizeof b);
    is_int(bm_get_u8(&c), 0x01, "u8");
    is_int(bm_get_u16(&c), 0x0203, "u16 big-endian");
    is_int(bm_get_u24(&c), 0x040506, "u24");
    is_int(bm_cur_left(&c), 3, "3 left");
    is_int(bm_get_u32(&c), 0, "u32 past the end reads 0");
    ok(!bm_cur_ok(&c), "overrun sets the sticky error");
    is_int(bm_cur_left(&c), 0, "overrun leaves the cursor at its end");
    is_int(bm_get_u8(&c), 0, "reads after an error keep failing");
    c = bm_cur_make(b, 4);
    is_int(bm_get_u32le(&c), 0x04030201, "u32 little-endian");
    ok(bm_cur_done(&c), "done after exact consumption");
}

static void test_vectors(void)
{
    /* <2 bytes len=3> 0xaa 0xbb 0xcc, then one trailing byte */
    const uint8_t b[] = {0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x7f};
    bm_cur c = bm_cur_make(b, sizeof b);
    bm_cur v = bm_cur_vec16(&c);
    is_int(bm_cur_left(&v), 3, "vec16 length");
    bm_get_u16(&v);
    ok(bm_cur_ok(&v) && !bm_cur_done(&v), "leftover byte: ok but not done");
    bm_get_u8(&v);
    ok(bm_cur_done(&v), "vector consumed exactly");
    is_int(bm_get_u8(&c), 0x7f, "parent continues after the vector");

    const uint8_t lie[] = {0x00, 0x09, 0x01};
    c = bm_cur_make(lie, sizeof lie);
    v = bm_cur_vec16(&c);
    ok(!bm_cur_ok(&v) && !bm_cur_ok(&c), "vector longer than its parent fails both");

    const uint8_t e[] = {0};
    c = bm_cur_make(e, 0);
    v = bm_cur_vec24(&c);
    ok(!bm_cur_ok(&v), "vec24 on empty input fails");
    uint8_t x = 9;
    c = bm_cur_make(b, 1);
    ok(!bm_peek_u8(&c, 1, &x) && bm_cur_ok(&c), "peek past the end fails without error");
    ok(bm_peek_u8(&c, 0, &x) && x == 0x00, "peek in range");
}

static void test_bytes(void)
{
    const uint8_t b[] = {1, 2, 3};
    uint8_t out[4] = {9, 9, 9, 9};
    bm_cur c = bm_cur_make(b, sizeof b);
    ok(!bm_get_copy(&c, out, 4), "copy of 4 from 3 fails");
    ok(out[0] == 0 && out[3] == 0, "failed copy zero-fills");
    c = bm_cur_make(b, sizeof b);
    ok(bm_get_bytes(&c, 3) == b, "bytes returns an in-place pointer");
    ok(bm_get_bytes(&c, 0) != NULL, "zero-length read at the end is fine");
    ok(bm_get_bytes(&c, (size_t)-1) == NULL, "huge length fails without overflow");
}

static void test_errors(void)
{
    is_str(bm_strerror(BM_ERR_BAD_RECORD_MAC), "record MAC/tag mismatch", "error table text");
    is_str(bm_strerror((bm_err)9999), "unknown error", "out-of-range code");
}

int main(void)
{
    test_scalars();
    test_vectors();
    test_bytes();
    test_errors();
    return tap_done();
}
