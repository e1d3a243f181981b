/*
 * replay.c - the main() that replays a libFuzzer harness's inputs without
 * libFuzzer: every file of the directories (or the files) given is passed
 * once to LLVMFuzzerTestOneInput, in name order. Built with the sanitized
 * library (make sanitize: ASan + UBSan, no recovery), so an input that once
 * crashed, leaked or hit undefined behaviour fails `make check` again.
 * Output is TAP, one test per argument: "ok N - DIR: K inputs".
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RP_MAX_INPUT (64u << 20)

/* 0, or -1 after a line on stderr. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = malloc(RP_MAX_INPUT);
    size_t n = buf ? fread(buf, 1, RP_MAX_INPUT, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        free(buf);
        return -1;
    }
    /* an exact-size copy, so that ASan sees a read past the input */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Inputs replayed, or -1. */
static long replay_arg(const char *arg)
{
    struct stat st;
    if (stat(arg, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", arg, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(arg) == 0 ? 1 : -1;
    DIR *d = opendir(arg);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    long done = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                done = -1;
                break;
            }
            names = grown;
        }
        size_t len = strlen(arg) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(len))) {
            done = -1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", arg, e->d_name);
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (done >= 0 && replay_file(names[i]) == 0)
            done++;
        else
            done = -1;
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    printf("1..%d\n", argc - 1);
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        long n = replay_arg(argv[i]);
        if (n < 0)
            failed++;
        printf("%s %d - %s: %ld inputs replayed\n", n < 0 ? "not ok" : "ok", i, argv[i], n < 0 ? 0 : n);
        fflush(stdout);
    }
    return failed ? 1 : 0;
}
