/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: the schedule on which bytes finish crossing a paced line.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "emu-pacer.h"

#include <string.h>

#define NS_PER_S G_GUINT64_CONSTANT (1000000000)

void
emu_pacer_init (EmuPacer *p, guint64 bits_per_s, guint bits_per_byte,
    guint burst)
{
  memset (p, 0, sizeof (*p));
  p->bits_per_s = MIN (bits_per_s, EMU_PACER_MAX_BITS_PER_S);
  p->bits_per_byte = MAX (bits_per_byte, 1);
  p->burst = MAX (burst, 1);
}

/* The first instant at which the @count-th byte (counted from the start) has
 * fully crossed the line: ceil (bits * 1e9 / rate), split so that no product
 * overflows. Rounding up makes emu_pacer_done_count() of the result reach
 * @count exactly, so a wake-up at that time always makes progress. */
gint64
emu_pacer_done_time (const EmuPacer *p, guint64 count)
{
  guint64 bits, whole, rem;

  if (p->bits_per_s == 0 || count <= p->anchor_count)
    return p->anchor_ns;

  bits = (count - p->anchor_count) * p->bits_per_byte;
  whole = bits / p->bits_per_s;
  rem = bits % p->bits_per_s;
  return p->anchor_ns + (gint64) (whole * NS_PER_S) +
      (gint64) ((rem * NS_PER_S + p->bits_per_s - 1) / p->bits_per_s);
}

/* How many bytes have fully crossed the line at @now_ns. */
guint64
emu_pacer_done_count (const EmuPacer *p, gint64 now_ns)
{
  guint64 dt, bits, count;

  if (p->bits_per_s == 0)
    return p->entered;
  if (now_ns <= p->anchor_ns)
    return MIN (p->anchor_count, p->entered);

  dt = (guint64) (now_ns - p->anchor_ns);
  bits = (dt / NS_PER_S) * p->bits_per_s +
      (dt % NS_PER_S) * p->bits_per_s / NS_PER_S;
  count = p->anchor_count + bits / p->bits_per_byte;
  return MIN (count, p->entered);
}

void
emu_pacer_enter (EmuPacer *p, guint64 n, gint64 now_ns)
{
  /* Bytes that find the line idle start a new busy period now; bytes that
   * find it busy queue behind the others. */
  if (!p->stalled && emu_pacer_done_time (p, p->entered) <= now_ns) {
    p->anchor_ns = now_ns;
    p->anchor_count = p->entered;
  }
  p->entered += n;
}

/* Returns how many bytes to release to the receiver now, at most @room, and
 * counts them as released. *@wake_ns is when to call again, or
 * EMU_PACER_NEVER when only new bytes or new room can change anything. */
guint64
emu_pacer_take (EmuPacer *p, gint64 now_ns, guint64 room, gint64 *wake_ns)
{
  guint64 pending = p->entered - p->released;
  guint64 avail, want, n;

  *wake_ns = EMU_PACER_NEVER;
  if (pending == 0)
    return 0;

  if (p->bits_per_s == 0) {
    n = MIN (pending, room);
    p->released += n;
    /* Tells the caller to come back as soon as there is room. */
    p->stalled = n < pending;
    return n;
  }

  if (p->stalled) {
    if (room == 0)
      return 0;
    /* The receiver held the line back (like CTS): transmission resumes now
     * instead of pouring out what the schedule would have carried
     * meanwhile. */
    p->stalled = FALSE;
    p->anchor_ns = now_ns;
    p->anchor_count = p->released;
  }

  /* Release a FIFO's worth at a time, or what is left when less is
   * pending, so that the process wakes once per burst, not once per
   * byte. */
  avail = emu_pacer_done_count (p, now_ns) - p->released;
  want = MIN (pending, p->burst);
  if (avail < want) {
    *wake_ns = emu_pacer_done_time (p, p->released + want);
    return 0;
  }

  n = MIN (avail, room);
  if (n < avail)
    p->stalled = TRUE;
  p->released += n;

  pending = p->entered - p->released;
  if (pending > 0 && !p->stalled)
    *wake_ns = emu_pacer_done_time (p, p->released + MIN (pending, p->burst));
  return n;
}
