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
  sched->caps_size = 0;
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

/* Bytes on the wire between repetitions that keep the caps within
 * @budget of the line: the caps packet's size divided by the budget. */
static guint64
gst_serial_schedule_budget_bytes (const GstSerialSchedule *sched,
    gdouble budget)
{
  if (budget <= 0)
    return 0;
  return (guint64) (sched->caps_size / budget);
}

/**
 * gst_serial_schedule_period:
 * @interval_ms: link time between repetitions, 0 for none
 * @budget: the largest share of the line repetitions may take (0.005 for
 *   0.5 %), 0 for no limit
 * @frame: wire bytes of a frame
 *
 * Returns the most bytes on the wire from one repetition of the caps to
 * the next, with frames of @frame bytes: @interval_ms of link time, or,
 * where that would take more than @budget of the line, as many bytes as
 * keep the caps within it plus the frame that may not be cut; 0 when they
 * are not repeated. A receiver that joins has the caps after at most
 * that.
 */
guint64
gst_serial_schedule_period (const GstSerialSchedule *sched, guint interval_ms,
    gdouble budget, guint64 frame)
{
  guint64 interval = (guint64) (sched->rate * interval_ms / 1000);

  if (interval_ms == 0)
    return 0;
  return MAX (interval,
      gst_serial_schedule_budget_bytes (sched, budget) + frame);
}

/**
 * gst_serial_schedule_caps_due:
 * @interval_ms: link time between repetitions, 0 for none
 * @budget: as for gst_serial_schedule_period()
 * @delta: the frame about to go needs an earlier one
 * @frame: wire bytes of the frame about to go
 *
 * Whether the caps go before the frame about to go: when pending; before
 * the frame that would end past @interval_ms of link time, once the caps
 * have been away long enough to stay within @budget (so that repetitions
 * are never further apart than gst_serial_schedule_period(), nor closer
 * than the budget allows); and right before a key frame of a stream with
 * delta frames when the budget allows (a receiver that joined late, or
 * lost the caps to noise, then starts decoding at that key frame instead
 * of at the one after the next periodic caps). @interval_ms 0 asks for no
 * repetition.
 */
gboolean
gst_serial_schedule_caps_due (const GstSerialSchedule *sched, guint interval_ms,
    gdouble budget, gboolean delta, guint64 frame)
{
  guint64 interval = (guint64) (sched->rate * interval_ms / 1000);

  if (!sched->have_caps)
    return FALSE;
  if (sched->pending)
    return TRUE;
  if (interval_ms == 0)
    return FALSE;
  if (sched->since < gst_serial_schedule_budget_bytes (sched, budget))
    return FALSE;
  if (sched->since + frame >= interval)
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
 * @size: wire bytes of their packet
 *
 * The caps went on the wire (after gst_serial_schedule_wrote() for their
 * packet).
 */
void
gst_serial_schedule_caps_sent (GstSerialSchedule *sched, guint64 size)
{
  sched->pending = FALSE;
  sched->since = 0;
  sched->caps_size = size;
}
