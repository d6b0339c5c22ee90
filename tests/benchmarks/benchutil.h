/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial benchmarks: what they share. The link emulator as a child
 * process, pipelines from launch lines, and the time.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef BENCHUTIL_H
#define BENCHUTIL_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* serial-link-emu, from --emu, SERIAL_LINK_EMU or PATH. */
extern gchar *emu_path;

typedef struct {
  GPid pid;
  gint out_fd;
  gchar *dir;
  gchar *a;
  gchar *b;
} Emu;

Emu *emu_start_full (guint baud, guint fifo, const gchar *const *extra);
Emu *emu_start_fifo (guint baud, guint fifo);
Emu *emu_start (guint baud);
void emu_stop (Emu *emu);

gdouble now_s (void);
GstElement *launch (const gchar *fmt, ...) G_GNUC_PRINTF (1, 2);
void run_pipeline (GstElement *pipe, gdouble seconds);
gboolean bench_parse_args (int *argc, char ***argv, const GOptionEntry *entries,
    const gchar *usage);

G_END_DECLS

#endif /* BENCHUTIL_H */
