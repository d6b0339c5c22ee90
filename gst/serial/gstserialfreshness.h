/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the drop policy's decisions, which frames are too old to send
 * and which cannot be decoded without a dropped one.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_FRESHNESS_H__
#define __GST_SERIAL_FRESHNESS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstSerialFreshness:
 * @free_running_time: running time at which the line is free of the last
 *   frame sent; GST_CLOCK_TIME_NONE before the first
 * @last_running_time: running time of the last frame seen
 * @references_lost: a frame was dropped since the last key frame
 * @key_unit_requested: upstream was asked for a key frame since then
 *
 * What the drop policy remembers between frames, in running time.
 */
typedef struct {
  GstClockTime free_running_time;
  GstClockTime last_running_time;
  gboolean references_lost;
  gboolean key_unit_requested;
} GstSerialFreshness;

typedef enum {
  GST_SERIAL_FRESHNESS_SEND,
  GST_SERIAL_FRESHNESS_STALE,
  GST_SERIAL_FRESHNESS_NEEDS_DROPPED
} GstSerialFreshnessVerdict;

/**
 * GstSerialFrame:
 * @running_time: the frame's running time, GST_CLOCK_TIME_NONE if unknown
 * @duration: until the next frame: the frame's duration or the spacing
 *   seen, 0 if unknown
 * @late: for a stale frame, how long before the line is free it was due
 * @proportion: @late in frames, at least 1.0
 * @qos_diff: when above 0, the diff of a QoS event that makes an upstream
 *   encoder skip the frames that would be dropped anyway
 * @request_key_unit: ask upstream for a key frame now
 *
 * A frame as the drop policy sees it, and what to tell about its drop.
 */
typedef struct {
  GstClockTime running_time;
  GstClockTime duration;
  GstClockTimeDiff late;
  gdouble proportion;
  GstClockTimeDiff qos_diff;
  gboolean request_key_unit;
} GstSerialFrame;

void gst_serial_freshness_init (GstSerialFreshness *fresh);

GstSerialFreshnessVerdict gst_serial_freshness_check (GstSerialFreshness *fresh,
    GstClockTime running_time, GstClockTime duration, gboolean delta,
    GstSerialFrame *frame);
void gst_serial_freshness_dropped (GstSerialFreshness *fresh,
    GstSerialFrame *frame, gboolean stale, gboolean delta);
void gst_serial_freshness_sent (GstSerialFreshness *fresh, GstClockTime now,
    GstClockTime busy_for);

G_END_DECLS

#endif /* __GST_SERIAL_FRESHNESS_H__ */
