/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the link statistics of both elements: throughput measured
 * over about a second, and the timer that posts link-stats messages every
 * stats-interval.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialstats.h"

#include <string.h>

typedef struct {
  GstElement *element;
  GstSerialStatsFunc func;
} StatsTimer;

static gboolean
post_stats (GstClock *clock, GstClockTime time, GstClockID id,
    gpointer user_data)
{
  StatsTimer *timer = user_data;
  GstStructure *stats;

  GST_OBJECT_LOCK (timer->element);
  stats = timer->func (timer->element);
  GST_OBJECT_UNLOCK (timer->element);
  gst_element_post_message (timer->element,
      gst_message_new_element (GST_OBJECT (timer->element), stats));
  return TRUE;
}

static void
free_stats_timer (gpointer data)
{
  StatsTimer *timer = data;

  gst_object_unref (timer->element);
  g_free (timer);
}

/**
 * gst_serial_common_start_stats:
 *
 * Posts @func's structure every stats-interval on the system clock, which
 * runs whatever the pipeline's state, so that an application also hears of
 * a stalled link. Call from start(), without the object lock.
 */
void
gst_serial_common_start_stats (GstSerialCommon *common, GstElement *element,
    GstSerialStatsFunc func)
{
  GstClock *clock;
  StatsTimer *timer;
  GstClockTime interval;

  GST_OBJECT_LOCK (element);
  interval = common->stats_interval * GST_MSECOND;
  GST_OBJECT_UNLOCK (element);
  if (interval == 0)
    return;

  timer = g_new0 (StatsTimer, 1);
  timer->element = gst_object_ref (element);
  timer->func = func;
  clock = gst_system_clock_obtain ();
  common->stats_id = gst_clock_new_periodic_id (clock,
      gst_clock_get_time (clock) + interval, interval);
  gst_clock_id_wait_async (common->stats_id, post_stats, timer,
      free_stats_timer);
  gst_object_unref (clock);
}

void
gst_serial_common_stop_stats (GstSerialCommon *common)
{
  if (common->stats_id == NULL)
    return;
  gst_clock_id_unschedule (common->stats_id);
  gst_clock_id_unref (common->stats_id);
  common->stats_id = NULL;
}

void
gst_serial_rate_meter_reset (GstSerialRateMeter *meter)
{
  memset (meter, 0, sizeof (*meter));
  meter->window_start = GST_CLOCK_TIME_NONE;
}

#define RATE_WINDOW GST_SECOND

/* Call with the object lock held. */
void
gst_serial_rate_meter_add (GstSerialRateMeter *meter, guint64 payload,
    guint64 wire)
{
  GstClockTime now = g_get_monotonic_time () * GST_USECOND;
  GstClockTime elapsed;

  if (!GST_CLOCK_TIME_IS_VALID (meter->window_start))
    meter->window_start = now;
  meter->window_payload += payload;
  meter->window_wire += wire;

  elapsed = now - meter->window_start;
  if (elapsed < RATE_WINDOW)
    return;
  meter->payload_rate = meter->window_payload * (gdouble) GST_SECOND / elapsed;
  meter->wire_rate = meter->window_wire * (gdouble) GST_SECOND / elapsed;
  meter->window_start = now;
  meter->window_payload = meter->window_wire = 0;
}
