/*
 * split.h - one interface of a pcapng file as a capture of its own.
 */
#ifndef BM_COMPARE_SPLIT_H
#define BM_COMPARE_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Writes the blocks of pcapng 'in' that belong to interface 'ifc' (every
 * block but the packets of other interfaces) to 'out'. Returns 0, or -1
 * with a reason in err (not a pcapng file, truncated, bad block length,
 * write error). Blocks over 64 MiB are refused. */
int bm_cmp_split_pcapng(FILE *in, unsigned ifc, FILE *out, char *err, size_t errcap);

#endif
