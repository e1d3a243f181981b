#include "diag.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>

static void diag_vemit_in(bm_diag *d, const char *file, bool notice, const char *where, const char *fmt, va_list ap)
{
    if (notice)
        d->notices++;
    else
        d->errors++;
    if (d->in_file >= BM_DIAG_MAX_PER_FILE && !d->always) {
        d->suppressed++;
        return;
    }
    d->in_file++;
    if (!d->emit)
        return;
    char msg[512], line[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    const char *lvl = notice ? "notice: " : "";
    if (where && where[0])
        snprintf(line, sizeof line, "%s: %s: %s%s", file ? file : "-", where, lvl, msg);
    else
        snprintf(line, sizeof line, "%s: %s%s", file ? file : "-", lvl, msg);
    d->emit(d->ud, line);
}

static void diag_vemit(bm_diag *d, bool notice, const char *where, const char *fmt, va_list ap)
{
    diag_vemit_in(d, d->file, notice, where, fmt, ap);
}

static void frame_vemit(bm_diag *d, bool notice, uint64_t frame, const char *fmt, va_list ap)
{
    char where[80] = "";
    const char *file = d->file;
    uint64_t local;
    if (frame && d->locate && d->locate(d->locate_ud, frame, &file, &local))
        snprintf(where, sizeof where, "frame %" PRIu64 " (merged frame %" PRIu64 ")", local, frame);
    else if (frame)
        snprintf(where, sizeof where, "frame %" PRIu64, frame);
    diag_vemit_in(d, file, notice, where, fmt, ap);
}

void bm_diag_frame(bm_diag *d, uint64_t frame, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    frame_vemit(d, false, frame, fmt, ap);
    va_end(ap);
}

void bm_diag_notice(bm_diag *d, uint64_t frame, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    frame_vemit(d, true, frame, fmt, ap);
    va_end(ap);
}

void bm_diag_notice_always(bm_diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    d->always = true;
    frame_vemit(d, true, 0, fmt, ap);
    d->always = false;
    va_end(ap);
}

void bm_diag_at(bm_diag *d, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(d, false, where, fmt, ap);
    va_end(ap);
}

void bm_diag_notice_at(bm_diag *d, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vemit(d, true, where, fmt, ap);
    va_end(ap);
}

void bm_diag_begin_file(bm_diag *d, const char *file)
{
    d->file = file;
    d->in_file = 0;
    d->suppressed = 0;
}

void bm_diag_end_file(bm_diag *d)
{
    if (d->suppressed && d->emit) {
        char line[600];
        snprintf(line, sizeof line, "%s: %u further messages suppressed", d->file ? d->file : "-",
                 d->suppressed);
        d->emit(d->ud, line);
    }
    d->suppressed = 0;
    d->in_file = 0;
}
