/*
 * json_str.h - one way to put a string that came from the wire into JSON:
 * valid UTF-8 as is, anything else with its non-ASCII bytes as \xNN (so a
 * report never fails on, or passes through, raw bytes). NULL gives null.
 */
#ifndef BM_REPORT_JSON_STR_H
#define BM_REPORT_JSON_STR_H

#include <jansson.h>

json_t *bm_json_wire_str(const char *s);

#endif
