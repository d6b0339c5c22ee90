/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the drop policy's decisions, which frames are too old to send
 * and which cannot be decoded without a dropped one.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialfreshness.h"

/**
 * gst_serial_freshness_init:
 *
 * Forgets everything: a new stream.
 */
void
gst_serial_freshness_init (GstSerialFreshness *fresh)
{
  fresh->free_running_time = GST_CLOCK_TIME_NONE;
  fresh->last_running_time = GST_CLOCK_TIME_NONE;
  fresh->references_lost = FALSE;
  fresh->key_unit_requested = FALSE;
}

/* A frame that was due, with the frame after it, before the line became
 * free of the last frame sent is stale: sending it would delay the newer
 * one. */
static gboolean
gst_serial_freshness_is_stale (GstSerialFreshness *fresh,
    GstClockTime running_time, GstClockTime duration, GstSerialFrame *frame)
{
  GstClockTime last = fresh->last_running_time;

  frame->running_time = running_time;
  frame->duration = 0;
  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    return FALSE;
  fresh->last_running_time = running_time;

  /* How long until the next frame: its duration, or the spacing seen. */
  if (GST_CLOCK_TIME_IS_VALID (duration))
    frame->duration = duration;
  else if (GST_CLOCK_TIME_IS_VALID (last) && running_time > last)
    frame->duration = running_time - last;

  return GST_CLOCK_TIME_IS_VALID (fresh->free_running_time) &&
      running_time + frame->duration < fresh->free_running_time;
}

/**
 * gst_serial_freshness_check:
 * @running_time: the frame's running time, GST_CLOCK_TIME_NONE if unknown
 * @duration: the frame's duration, GST_CLOCK_TIME_NONE if unknown
 * @delta: the frame needs an earlier one to decode (GST_BUFFER_FLAG_DELTA_UNIT)
 * @frame: (out): the frame's running time and duration
 *
 * For a policy that may drop: whether the frame goes, being stale, or
 * needing a frame dropped since the last key frame. A key frame ends what
 * earlier drops broke.
 */
GstSerialFreshnessVerdict
gst_serial_freshness_check (GstSerialFreshness *fresh,
    GstClockTime running_time, GstClockTime duration, gboolean delta,
    GstSerialFrame *frame)
{
  gboolean stale =
      gst_serial_freshness_is_stale (fresh, running_time, duration, frame);

  if (!delta) {
    fresh->references_lost = FALSE;
    fresh->key_unit_requested = FALSE;
  }
  if (stale)
    return GST_SERIAL_FRESHNESS_STALE;
  if (delta && fresh->references_lost)
    return GST_SERIAL_FRESHNESS_NEEDS_DROPPED;
  return GST_SERIAL_FRESHNESS_SEND;
}

/**
 * gst_serial_freshness_dropped:
 * @frame: as gst_serial_freshness_check() left it; gets what to tell
 * @stale: dropped for being stale, rather than for needing a dropped frame
 *   or for the port being away
 * @delta: the frame needed an earlier one
 *
 * A frame was dropped: the frames that need it must go too, up to the next
 * key frame, which upstream is asked for once (a delta frame dropped
 * means the key frame is further than a frame away).
 */
void
gst_serial_freshness_dropped (GstSerialFreshness *fresh, GstSerialFrame *frame,
    gboolean stale, gboolean delta)
{
  frame->late = 0;
  frame->proportion = 1.0;
  frame->qos_diff = 0;
  /* A frame replaced while it waited may have no running time, or come
   * after the predicted free time: how late it was is then unknown. */
  if (stale && GST_CLOCK_TIME_IS_VALID (fresh->free_running_time) &&
      GST_CLOCK_TIME_IS_VALID (frame->running_time) &&
      fresh->free_running_time > frame->running_time) {
    frame->late = fresh->free_running_time - frame->running_time;
    if (frame->duration > 0)
      frame->proportion = MAX (1.0, (gdouble) frame->late / frame->duration);
    /* GstVideoEncoder skips frames before timestamp + 2 * diff + duration.
     * Make that half a frame before the newest frame the sink will keep:
     * skipping one frame too many would leave the line idle. */
    frame->qos_diff = MAX (0,
        (frame->late - (GstClockTimeDiff) (frame->duration * 5 / 2)) / 2);
  }

  fresh->references_lost = TRUE;
  frame->request_key_unit = delta && !fresh->key_unit_requested;
  if (frame->request_key_unit)
    fresh->key_unit_requested = TRUE;
}

/**
 * gst_serial_freshness_sent:
 * @now: the running time now
 * @busy_for: how long the line is still busy with the frame
 *
 * A frame was sent: frames due well before the line is free are stale.
 */
void
gst_serial_freshness_sent (GstSerialFreshness *fresh, GstClockTime now,
    GstClockTime busy_for)
{
  if (GST_CLOCK_TIME_IS_VALID (now))
    fresh->free_running_time = now + busy_for;
}
