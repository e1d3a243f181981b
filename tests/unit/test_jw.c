/*
 * test_jw.c - the JSON writer (src/report/jw.c) against jansson, whose
 * compact dump it replaces: the same bytes for the same values (strings of
 * every byte, invalid UTF-8 from the wire, reals, integers, nesting), so
 * docs/json.md's contract did not move when the writer did.
 */
#include <jansson.h>
#include <stdlib.h>

#include "../../src/report/json_str.h"
#include "../../src/report/jw.h"
#include "tap.h"

/* jansson's compact dump of one value, for comparison (caller frees). */
static char *dump(json_t *v)
{
    json_t *a = json_array();
    json_array_append_new(a, v);
    char *s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(a);
    return s;
}

/* The writer's bytes for the same value, as "[v]". */
static const char *wrote(bm_jw *w)
{
    bm_jw_arr_end(w);
    bm_jw_eol(w);
    w->buf[w->len - 1] = '\0';
    return w->buf;
}

static unsigned long rnd_state = 12345;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)(rnd_state >> 33);
}

static void check_wire(bm_jw *w, const char *s, const char *name)
{
    bm_jw_reset(w);
    bm_jw_arr(w);
    bm_jw_wire(w, s);
    char *want = dump(bm_json_wire_str(s));
    is_str(wrote(w), want, name);
    free(want);
}

static void check_real(bm_jw *w, double d)
{
    bm_jw_reset(w);
    bm_jw_arr(w);
    bm_jw_real(w, d);
    char *want = dump(json_real(d));
    char name[64];
    snprintf(name, sizeof name, "real %.17g as jansson writes it", d);
    is_str(wrote(w), want, name);
    free(want);
}

int main(void)
{
    bm_jw w = {0};

    /* every single byte, alone and inside text */
    int same = 0;
    for (int b = 1; b < 256; b++) {
        char s[8] = {'a', (char)b, 'z', 0};
        bm_jw_reset(&w);
        bm_jw_arr(&w);
        bm_jw_wire(&w, s);
        char *want = dump(bm_json_wire_str(s));
        same += strcmp(wrote(&w), want) == 0;
        free(want);
    }
    is_int(same, 255, "each byte 1..255 between two letters: as jansson (escapes, \\u00XX, \\xNN for non-UTF-8)");

    check_wire(&w, "", "empty string");
    check_wire(&w, NULL, "NULL is null");
    check_wire(&w, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "2-, 3- and 4-byte UTF-8 kept as is");
    check_wire(&w, "\xc0\x80", "overlong NUL: not UTF-8, written as \\xNN");
    check_wire(&w, "\xed\xa0\x80", "a surrogate: not UTF-8");
    check_wire(&w, "\xf4\x90\x80\x80", "past U+10FFFF: not UTF-8");
    check_wire(&w, "\xe2\x82", "a cut sequence: not UTF-8");
    check_wire(&w, "quote\" back\\ \x7f \x1f", "quote, backslash, DEL, a control byte");

    /* random strings, biased to bytes that matter */
    same = 0;
    for (int i = 0; i < 20000; i++) {
        char s[24];
        unsigned n = rnd() % 23;
        static const unsigned char pick[] = {'"', '\\', '\n', 1, 0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xe2, 0xed,
                                             0xef, 0xf0, 0xf4, 0xf5, 0xff, 'a', '/'};
        for (unsigned k = 0; k < n; k++) {
            unsigned r = rnd();
            s[k] = (char)(r & 1 ? pick[(r >> 1) % sizeof pick] : (r >> 1) % 255 + 1);
        }
        s[n] = 0;
        bm_jw_reset(&w);
        bm_jw_arr(&w);
        bm_jw_wire(&w, s);
        char *want = dump(bm_json_wire_str(s));
        if (strcmp(wrote(&w), want) == 0)
            same++;
        else if (same == i)
            printf("# first difference: %s vs %s\n", w.buf, want);
        free(want);
    }
    is_int(same, 20000, "20,000 random byte strings: the same JSON as jansson's");

    double reals[] = {0.0, 1.0, -1.0, 3.0, 0.1, 1e-7, 1.5e20, 1e300, 1765155600.123456789, 1e16, 123456789012.5,
                      -2.5e-300, 5e-324};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        check_real(&w, reals[i]);
    same = 0;
    for (int i = 0; i < 2000; i++) {
        double d = (double)rnd() * 1e9 + (double)rnd() / 4294967296.0;
        bm_jw_reset(&w);
        bm_jw_arr(&w);
        bm_jw_real(&w, d / 1e9);
        char *want = dump(json_real(d / 1e9));
        same += strcmp(wrote(&w), want) == 0;
        free(want);
    }
    is_int(same, 2000, "2,000 timestamps as seconds: as jansson writes them");

    /* nesting and separators */
    bm_jw_reset(&w);
    bm_jw_arr(&w);
    bm_jw_obj(&w);
    BM_JW_KV(&w, "a", bm_jw_int, -5);
    BM_JW_KV(&w, "b", bm_jw_u64, 18446744073709551615ull);
    bm_jw_key(&w, "c");
    bm_jw_arr(&w);
    bm_jw_obj(&w);
    bm_jw_obj_end(&w);
    bm_jw_arr(&w);
    bm_jw_arr_end(&w);
    bm_jw_null(&w);
    bm_jw_bool(&w, true);
    bm_jw_bool(&w, false);
    bm_jw_arr_end(&w);
    BM_JW_KV(&w, "d", bm_jw_hex, (const uint8_t *)"\x01\xab", 2);
    bm_jw_obj_end(&w);
    json_t *o = json_pack("{s:i, s:I, s:[{}, [], n, b, b], s:s}", "a", -5, "b", (json_int_t)-1, "c", 1, 0, "d",
                          "01ab");
    char *want = dump(o);
    is_str(wrote(&w), want, "objects, arrays, empty ones, null, booleans, a u64 past INT64_MAX as json_int_t");
    free(want);

    /* a line: '\n' at the end, the buffer reused */
    bm_jw_reset(&w);
    bm_jw_obj(&w);
    BM_JW_KV(&w, "type", bm_jw_str, "summary");
    bm_jw_obj_end(&w);
    bm_jw_eol(&w);
    ok(w.len == 19 && memcmp(w.buf, "{\"type\":\"summary\"}\n", 19) == 0, "a line ends with a newline");
    ok(!w.oom, "no allocation failure");
    bm_jw_free(&w);
    return tap_done();
}
