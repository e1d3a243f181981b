/*
 * merge.h - the `badmac merge` command (merge.c); argv[0] is "merge".
 */
#ifndef BM_CLI_MERGE_H
#define BM_CLI_MERGE_H

int bm_merge_main(int argc, char **argv);

#endif
