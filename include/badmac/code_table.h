/*
 * code_table.h - what the two code tables share: the finding table
 * (findings.h) and the verdict line table (verdict_lines.h). Both are an
 * X-macro list of codes, each with a stable name, the common fields it
 * uses (BM_FK_*) and named arguments; an item (bm_finding, bm_vline) is a
 * code plus those fields and arguments, worded only by the report stage
 * (src/report/words.c reads both tables the same way).
 */
#ifndef BADMAC_CODE_TABLE_H
#define BADMAC_CODE_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* Common fields a code uses. */
#define BM_FK_ROLE 1u  /* role: the record's sender / the direction's */
#define BM_FK_INDEX 2u /* index: record index in that direction, from 0 */
#define BM_FK_FRAME 4u /* frame: frame holding the record's last byte */
#define BM_FK_OFF 8u   /* stream_off: offset in that direction's TCP stream */

#define BM_FK_RIF (BM_FK_ROLE | BM_FK_INDEX | BM_FK_FRAME)
#define BM_FK_RI (BM_FK_ROLE | BM_FK_INDEX)
#define BM_FK_RO (BM_FK_ROLE | BM_FK_OFF)

/* An X for either table that yields the code: the enum of codes is
 * {<prefix>_INVALID = 0, TABLE(BM_CODE_ENUM) <prefix>_COUNT_}. */
#define BM_CODE_ENUM(code, ...) code,

/* The members an item starts with: its code (the table's enum) and the
 * common fields, each meaningful when the code's fields say so. */
#define BM_CODE_ITEM_FIELDS                                                                                   \
    uint16_t code;       /* the table's code enum */                                                         \
    uint8_t role;        /* BM_FK_ROLE */                                                                    \
    uint64_t index;      /* BM_FK_INDEX */                                                                   \
    uint64_t frame;      /* BM_FK_FRAME */                                                                   \
    uint64_t stream_off; /* BM_FK_OFF */

/* The functions every table has, for prefix P and item type T:
 *   const char *P_name(unsigned code)      stable name, NULL for a code
 *                                          not in the table
 *   unsigned P_fields(unsigned code)       BM_FK_* (0 for an unknown code)
 *   const char *P_arg_name(unsigned code, unsigned i)
 *                                          i below the table's number of
 *                                          integer arguments, or that
 *                                          number for the string
 *                                          argument: NULL when unused
 *   size_t P_format(const T *x, char *buf, size_t cap)
 *                                          words into buf (cap bytes):
 *                                          always NUL-terminated when
 *                                          cap > 0, truncated to cap - 1
 *                                          bytes, never written beyond
 *                                          cap; returns the length
 *                                          written. Built with
 *                                          -DBM_REWORD_FINDINGS it renders
 *                                          what P_format_raw does (the
 *                                          rewording test,
 *                                          tests/e2e/reword.t)
 *   size_t P_format_raw(const T *x, char *buf, size_t cap)
 *                                          "[name] role=client index=3
 *                                          length=517": the code's name,
 *                                          its fields and arguments, same
 *                                          contract as P_format */
#define BM_CODE_TABLE_FUNCS(P, T)                                                                             \
    const char *P##_name(unsigned code);                                                                     \
    unsigned P##_fields(unsigned code);                                                                      \
    const char *P##_arg_name(unsigned code, unsigned i);                                                     \
    size_t P##_format(const T *x, char *buf, size_t cap);                                                    \
    size_t P##_format_raw(const T *x, char *buf, size_t cap);

#endif
