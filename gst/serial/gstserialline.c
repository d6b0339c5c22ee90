/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the line model, how much a serial line can take and when it
 * is free, from the times it is given.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialline.h"

/* How far the data handed to the OS may run ahead of the line: long enough
 * to ride out scheduling delays, short enough that a frame dropped for
 * freshness has not been queued in a driver buffer instead. */
#define LINE_WINDOW (20 * GST_MSECOND)
#define LINE_MIN_WINDOW 64

/**
 * gst_serial_line_char_rate:
 *
 * Returns the bytes per second a line of @baud_rate carries with this
 * character format: a start bit, the data bits, the parity bit and the
 * stop bits.
 */
gdouble
gst_serial_line_char_rate (guint baud_rate, guint data_bits, guint stop_bits,
    gboolean parity)
{
  return (gdouble) baud_rate / (1 + data_bits + stop_bits + (parity ? 1 : 0));
}

/**
 * gst_serial_line_now:
 *
 * The monotonic clock line models run on, shared by the elements of a
 * port.
 */
GstClockTime
gst_serial_line_now (void)
{
  return g_get_monotonic_time () * GST_USECOND;
}

/**
 * gst_serial_line_init:
 * @rate: bytes per second, 0 for a line that is not modelled
 *
 * Sets up the model of an idle line.
 */
void
gst_serial_line_init (GstSerialLine *line, gdouble rate)
{
  line->rate = rate;
  line->window = MAX (LINE_MIN_WINDOW, rate * LINE_WINDOW / GST_SECOND);
  line->free_at = 0;
}

/**
 * gst_serial_line_idle:
 *
 * The line starts again from idle: the port was reopened, and what the
 * old one held is gone.
 */
void
gst_serial_line_idle (GstSerialLine *line)
{
  line->free_at = 0;
}

/**
 * gst_serial_line_busy_for:
 *
 * Returns how long from @now the line is still busy with what it was
 * given; 0 when it is idle or not modelled.
 */
GstClockTime
gst_serial_line_busy_for (const GstSerialLine *line, GstClockTime now)
{
  if (line->rate <= 0 || line->free_at <= now)
    return 0;
  return line->free_at - now;
}

/**
 * gst_serial_line_in_flight:
 *
 * Returns the bytes given to the line that it has not carried at @now.
 */
guint64
gst_serial_line_in_flight (const GstSerialLine *line, GstClockTime now)
{
  return gst_serial_line_busy_for (line, now) * line->rate / GST_SECOND;
}

/**
 * gst_serial_line_room:
 * @driver_queue: bytes the driver says it still holds (0 when it cannot
 *   tell): a receiver holding the line off stops the line, and the model
 *   cannot know that
 * @want: bytes the caller has to send
 * @wait: (out): when no byte may go, how long to wait before asking again
 *
 * Returns how many of @want bytes may go to the driver at @now, 0 when
 * none may. Refills come at half the window: fewer, larger writes.
 */
gsize
gst_serial_line_room (const GstSerialLine *line, GstClockTime now,
    guint64 driver_queue, gsize want, GstClockTime *wait)
{
  guint64 ahead = MAX (gst_serial_line_in_flight (line, now), driver_queue);

  *wait = 0;
  if (line->rate <= 0)
    return want;
  if (ahead <= line->window / 2)
    return MIN (want, line->window - ahead);
  *wait = (ahead - line->window / 2) * GST_SECOND / line->rate;
  return 0;
}

/**
 * gst_serial_line_sent:
 *
 * @size bytes went to the driver at @now: the line is busy that much
 * longer, from @now if it was idle by then.
 */
void
gst_serial_line_sent (GstSerialLine *line, GstClockTime now, gsize size)
{
  if (line->rate <= 0)
    return;
  line->free_at = MAX (line->free_at, now) +
      (GstClockTime) (size * GST_SECOND / line->rate);
}
