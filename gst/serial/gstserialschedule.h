/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: when the stream description goes on the wire again.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_SCHEDULE_H__
#define __GST_SERIAL_SCHEDULE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstSerialSchedule:
 * @rate: bytes per second of link time, at the link's bottleneck
 * @since: bytes on the wire since the caps last went
 * @have_caps: there are caps to send
 * @pending: the caps must go before the next frame: new caps, or a
 *   receiver that lost them (the port was reopened)
 * @seen_delta: the stream has frames that need others (H.264)
 * @caps_size: wire bytes of the caps packet last sent
 *
 * When the caps are due. The interval is counted in link time, as bytes
 * the link carries in that time, so that it means the same on a line that
 * is busy and on one that idles; and it grows where the repetitions would
 * take more than a budget, a share of the line.
 */
typedef struct {
  gdouble rate;
  guint64 since;
  gboolean have_caps;
  gboolean pending;
  gboolean seen_delta;
  guint64 caps_size;
} GstSerialSchedule;

void gst_serial_schedule_init (GstSerialSchedule *sched, gdouble rate);
void gst_serial_schedule_new_caps (GstSerialSchedule *sched);
void gst_serial_schedule_resend (GstSerialSchedule *sched);
void gst_serial_schedule_frame (GstSerialSchedule *sched, gboolean delta);
gboolean gst_serial_schedule_caps_due (const GstSerialSchedule *sched,
    guint interval_ms, gdouble budget, gboolean delta, guint64 frame);
guint64 gst_serial_schedule_period (const GstSerialSchedule *sched,
    guint interval_ms, gdouble budget, guint64 frame);
void gst_serial_schedule_wrote (GstSerialSchedule *sched, guint64 size);
void gst_serial_schedule_caps_sent (GstSerialSchedule *sched, guint64 size);

G_END_DECLS

#endif /* __GST_SERIAL_SCHEDULE_H__ */
