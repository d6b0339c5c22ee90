/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: the state of the link, shared by the emulator's files.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef SERIAL_LINK_EMU_H
#define SERIAL_LINK_EMU_H

#include "emu-faults.h"
#include "emu-pacer.h"
#include "emu-ring.h"
#include "emu-side.h"

#include <glib.h>

#include <stdio.h>

#define NS_PER_S G_GINT64_CONSTANT (1000000000)
#define NEVER G_MAXINT64
#define UNLIMITED G_MAXUINT64
#define CHUNK 65536

typedef struct {
  const gchar *name;
  EmuSide *src, *dst;

  EmuRing line;
  EmuPacer uart;
  gboolean radio;
  gboolean radio_drops;
  EmuRing air_buf;
  EmuPacer air;
  EmuRing out;
  EmuFaults faults;

  guint64 bytes;
  guint64 delivered;
  guint64 overflow_dropped;
  guint64 unplug_dropped;

  gboolean drain_wait;
  guint64 drain_target;
} Direction;

struct _Emu {
  EmuSide sides[2];
  Direction dirs[2];
  gint sigfd;
  gboolean control;
  gboolean exit_on_stdin_eof;
  gboolean watch_stdin;
  GString *stdin_line;
  gboolean running;

  EmuSide *unplug_side;
  gint64 unplug_after_ns; /* -1: no timed unplug */
  gint64 unplug_down_ns;  /* -1: until told to replug */
  gboolean unplug_repeat;
  guint64 unplug_after_bytes; /* 0: no unplug after a byte count */
  gint64 unplug_at, replug_at, stats_at;
  gboolean bytes_unplug_done;

  guint8 scratch[CHUNK];
};

static inline Direction *
direction_from (Emu *emu, EmuSide *s)
{
  return emu->dirs[0].src == s ? &emu->dirs[0] : &emu->dirs[1];
}

static inline Direction *
direction_to (Emu *emu, EmuSide *s)
{
  return emu->dirs[0].dst == s ? &emu->dirs[0] : &emu->dirs[1];
}

gint64 now_ns (void);
void emit (const gchar *fmt, ...) G_GNUC_PRINTF (1, 2);
void print_counters (Emu *emu, FILE *out);

#endif /* SERIAL_LINK_EMU_H */
