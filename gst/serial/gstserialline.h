/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the line model, how much a serial line can take and when it
 * is free, from the times it is given.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_LINE_H__
#define __GST_SERIAL_LINE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstSerialLine:
 * @rate: bytes per second the line carries; 0: not modelled (not paced)
 * @window: bytes the OS may hold ahead of the line
 * @free_at: when the line has carried everything it was given
 *
 * The model of a line that carries @rate bytes a second. Data goes to the
 * driver in refills of at most @window bytes ahead of the line, so that the
 * model knows when the line is free without asking the driver, which on
 * most ports cannot tell. All times are on one monotonic clock that the
 * caller reads and passes in.
 */
typedef struct {
  gdouble rate;
  gsize window;
  GstClockTime free_at;
} GstSerialLine;

gdouble gst_serial_line_char_rate (guint baud_rate, guint data_bits,
    guint stop_bits, gboolean parity);

GstClockTime gst_serial_line_now (void);
void gst_serial_line_init (GstSerialLine *line, gdouble rate);
void gst_serial_line_idle (GstSerialLine *line);

GstClockTime gst_serial_line_busy_for (const GstSerialLine *line,
    GstClockTime now);
guint64 gst_serial_line_in_flight (const GstSerialLine *line, GstClockTime now);
gsize gst_serial_line_room (const GstSerialLine *line, GstClockTime now,
    guint64 driver_queue, gsize want, GstClockTime *wait);
void gst_serial_line_sent (GstSerialLine *line, GstClockTime now, gsize size);

G_END_DECLS

#endif /* __GST_SERIAL_LINE_H__ */
