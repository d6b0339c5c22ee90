/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: when the stream description goes on the wire again.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialschedule.h"

/**
 * gst_serial_schedule_init:
 * @rate: bytes per second of link time
 *
 * A new stream, without caps yet.
 */
void
gst_serial_schedule_init (GstSerialSchedule *sched, gdouble rate)
{
  sched->rate = rate;
  sched->since = 0;
  sched->have_caps = FALSE;
  sched->pending = FALSE;
  sched->seen_delta = FALSE;
}

/**
 * gst_serial_schedule_new_caps:
 *
 * The caps changed: they go before the next frame.
 */
void
gst_serial_schedule_new_caps (GstSerialSchedule *sched)
{
  sched->have_caps = TRUE;
  sched->pending = TRUE;
}

/**
 * gst_serial_schedule_resend:
 *
 * A receiver lost the caps (the port was reopened): they go again before
 * the next frame.
 */
void
gst_serial_schedule_resend (GstSerialSchedule *sched)
{
  sched->pending = sched->have_caps;
}

/**
 * gst_serial_schedule_frame:
 * @delta: the frame needs an earlier one to decode
 *
 * A frame arrived, sent or not.
 */
void
gst_serial_schedule_frame (GstSerialSchedule *sched, gboolean delta)
{
  if (delta)
    sched->seen_delta = TRUE;
}

/**
 * gst_serial_schedule_caps_due:
 * @interval_ms: link time between repetitions, 0 for none
 * @delta: the frame about to go needs an earlier one
 *
 * Whether the caps go before the frame about to go: when pending, after
 * @interval_ms of link time, and right before a key frame of a stream
 * with delta frames (a receiver that joined late, or lost the caps to
 * noise, then starts decoding at that key frame instead of at the one
 * after the next periodic caps). @interval_ms 0 asks for no repetition.
 */
gboolean
gst_serial_schedule_caps_due (const GstSerialSchedule *sched, guint interval_ms,
    gboolean delta)
{
  if (!sched->have_caps)
    return FALSE;
  if (sched->pending)
    return TRUE;
  if (interval_ms == 0)
    return FALSE;
  if (sched->since >= (guint64) (sched->rate * interval_ms / 1000))
    return TRUE;
  return sched->seen_delta && !delta && sched->since > 0;
}

/**
 * gst_serial_schedule_wrote:
 *
 * @size bytes of any packet went on the wire.
 */
void
gst_serial_schedule_wrote (GstSerialSchedule *sched, guint64 size)
{
  sched->since += size;
}

/**
 * gst_serial_schedule_caps_sent:
 *
 * The caps went on the wire (after gst_serial_schedule_wrote() for their
 * packet).
 */
void
gst_serial_schedule_caps_sent (GstSerialSchedule *sched)
{
  sched->pending = FALSE;
  sched->since = 0;
}
