/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: the schedule on which bytes finish crossing a paced line.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef EMU_PACER_H
#define EMU_PACER_H

#include <glib.h>

/* Largest rate accepted: keeps every product in the schedule within 64 bits
 * (remainders times 1e9 stay below 2^63). */
#define EMU_PACER_MAX_BITS_PER_S G_GUINT64_CONSTANT (1000000000)

#define EMU_PACER_NEVER G_MAXINT64

/* A line carrying bytes one after another at a fixed bit rate. Bytes enter
 * (they are queued for transmission), cross the line one frame time each,
 * and are released to the receiver in groups of up to @burst bytes, as a
 * UART receiver FIFO hands them to its driver.
 *
 * The schedule is computed from the count of bytes since the start of the
 * current busy period, never by adding per-chunk durations, so it does not
 * drift however the bytes arrive. A busy period starts when bytes enter an
 * idle line, or when a receiver that held the line back makes room again. */
typedef struct {
  guint64 bits_per_s; /* 0: unpaced */
  guint bits_per_byte;
  guint burst;

  gint64 anchor_ns;     /* when the busy period started */
  guint64 anchor_count; /* bytes released or done before it */
  guint64 entered;
  guint64 released;
  gboolean stalled; /* the receiver had no room */
} EmuPacer;

void emu_pacer_init (EmuPacer *p, guint64 bits_per_s, guint bits_per_byte,
    guint burst);
void emu_pacer_enter (EmuPacer *p, guint64 n, gint64 now_ns);
gint64 emu_pacer_done_time (const EmuPacer *p, guint64 count);
guint64 emu_pacer_done_count (const EmuPacer *p, gint64 now_ns);
guint64 emu_pacer_take (EmuPacer *p, gint64 now_ns, guint64 room,
    gint64 *wake_ns);

static inline guint64
emu_pacer_pending (const EmuPacer *p)
{
  return p->entered - p->released;
}

#endif /* EMU_PACER_H */
