/*
 * frames.h - where a frame number points when several captures are read as
 * one (merged by timestamp, as mergecap merges them): frames are numbered in
 * the merged order, and a span says which file, and which frame of it, a
 * run of those numbers is.
 */
#ifndef BADMAC_FRAMES_H
#define BADMAC_FRAMES_H

#include <stdint.h>

typedef struct bm_file_span {
    const char *file;               /* borrowed: the path as given */
    uint64_t first_frame, last_frame; /* merged numbers, consecutive frames of 'file' */
    uint64_t file_frame;            /* the number of first_frame in 'file' */
} bm_file_span;
#define BM_CONN_SPANS 4

#endif
