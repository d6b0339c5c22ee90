/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the link statistics of both elements: throughput measured
 * over about a second, and the timer that posts link-stats messages every
 * stats-interval.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_STATS_H__
#define __GST_SERIAL_STATS_H__

#include <gst/gst.h>

#include "gstserialcommon.h"

G_BEGIN_DECLS

/* Builds an element's link-stats structure; called with the object lock. */
typedef GstStructure *(*GstSerialStatsFunc) (GstElement *element);

void gst_serial_common_start_stats (GstSerialCommon *common,
    GstElement *element, GstSerialStatsFunc func);
void gst_serial_common_stop_stats (GstSerialCommon *common);

/* Measured throughput over windows of about a second. */
typedef struct {
  GstClockTime window_start;
  guint64 window_payload;
  guint64 window_wire;
  gdouble payload_rate; /* bytes per second, last full window */
  gdouble wire_rate;
} GstSerialRateMeter;

void gst_serial_rate_meter_reset (GstSerialRateMeter *meter);
void gst_serial_rate_meter_add (GstSerialRateMeter *meter, guint64 payload,
    guint64 wire);

G_END_DECLS

#endif /* __GST_SERIAL_STATS_H__ */
