/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: the drop policy's decisions, on a fake clock.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include "testutil.h"

#include "gstserialfreshness.h"

#define FRAME (40 * GST_MSECOND)

/* Checks a frame and, when it is not to go, drops it as the sink does. */
static GstSerialFreshnessVerdict
check (GstSerialFreshness *fresh, GstClockTime running_time,
    GstClockTime duration, gboolean delta, GstSerialFrame *frame)
{
  GstSerialFreshnessVerdict verdict;

  verdict =
      gst_serial_freshness_check (fresh, running_time, duration, delta, frame);
  if (verdict != GST_SERIAL_FRESHNESS_SEND)
    gst_serial_freshness_dropped (fresh, frame,
        verdict == GST_SERIAL_FRESHNESS_STALE, delta);
  return verdict;
}

/* A frame of 25 fps took 0.8 s to send from 1 s on: of the frames due
 * meanwhile, those followed by a newer frame before the line is free
 * (1.8 s) are stale; the last one goes. Each drop says how late it was, in
 * time and frames, and asks an encoder to skip what would be dropped. */
GST_START_TEST (test_burst_of_late_frames)
{
  GstSerialFreshness fresh;
  GstSerialFrame frame;
  GstClockTime rt;
  guint stale = 0, sent = 0;

  gst_serial_freshness_init (&fresh);
  fail_unless_equals_int (check (&fresh, GST_SECOND, FRAME, FALSE, &frame),
      GST_SERIAL_FRESHNESS_SEND);
  gst_serial_freshness_sent (&fresh, GST_SECOND, 800 * GST_MSECOND);

  for (rt = GST_SECOND + FRAME; rt < 1800 * GST_MSECOND; rt += FRAME) {
    if (check (&fresh, rt, FRAME, FALSE, &frame) == GST_SERIAL_FRESHNESS_SEND) {
      sent++;
      fail_unless (rt + FRAME >= 1800 * GST_MSECOND);
      continue;
    }
    stale++;
    fail_unless (rt + FRAME < 1800 * GST_MSECOND);
    fail_unless_equals_int64 (frame.late, 1800 * GST_MSECOND - rt);
    fail_unless (frame.proportion == MAX (1.0, (gdouble) frame.late / FRAME));
    fail_unless_equals_int64 (frame.qos_diff,
        MAX (0, (frame.late - (GstClockTimeDiff) (FRAME * 5 / 2)) / 2));
    /* Key frames only (JPEG): nothing to ask for. */
    fail_if (frame.request_key_unit);
  }
  /* Frames at 1.04 ... 1.72 s are stale (18), 1.76 s goes. */
  fail_unless_equals_int (stale, 18);
  fail_unless_equals_int (sent, 1);
}

GST_END_TEST;

/* A delta frame dropped from the middle of a GOP: the frames after it need
 * it and go too, up to the next key frame, and upstream is asked for that
 * key frame once. */
GST_START_TEST (test_gop_dropped_from_the_middle)
{
  /* K D D D D D K D: frame 2 is stale. */
  const gboolean delta[] = { FALSE, TRUE, TRUE, TRUE, TRUE, TRUE, FALSE, TRUE };
  const GstSerialFreshnessVerdict expected[] = { GST_SERIAL_FRESHNESS_SEND,
    GST_SERIAL_FRESHNESS_SEND, GST_SERIAL_FRESHNESS_STALE,
    GST_SERIAL_FRESHNESS_NEEDS_DROPPED, GST_SERIAL_FRESHNESS_NEEDS_DROPPED,
    GST_SERIAL_FRESHNESS_NEEDS_DROPPED, GST_SERIAL_FRESHNESS_SEND,
    GST_SERIAL_FRESHNESS_SEND };
  GstSerialFreshnessVerdict verdict;
  GstSerialFreshness fresh;
  GstSerialFrame frame;
  GstClockTime rt = 0;
  guint i, requests = 0;

  gst_serial_freshness_init (&fresh);
  for (i = 0; i < G_N_ELEMENTS (delta); i++, rt += FRAME) {
    verdict = check (&fresh, rt, FRAME, delta[i], &frame);
    fail_unless (verdict == expected[i], "frame %u: %d, expected %d", i,
        verdict, expected[i]);
    if (verdict != GST_SERIAL_FRESHNESS_SEND) {
      requests += frame.request_key_unit;
      continue;
    }
    /* Frame 1 keeps the line busy until frame 3 is due: frame 2 is stale;
     * the rest go as soon as they come. */
    gst_serial_freshness_sent (&fresh, rt, i == 1 ? 2 * FRAME + 1 : 0);
  }
  fail_unless_equals_int (requests, 1);
  fail_if (fresh.references_lost);
}

GST_END_TEST;

/* A stale key frame: the delta frames after it need it and go too, and a
 * key frame is asked for at the first of them, once. */
GST_START_TEST (test_stale_key_frame)
{
  GstSerialFreshness fresh;
  GstSerialFrame frame;

  gst_serial_freshness_init (&fresh);
  gst_serial_freshness_sent (&fresh, 0, 10 * FRAME);
  fail_unless_equals_int (check (&fresh, FRAME, FRAME, FALSE, &frame),
      GST_SERIAL_FRESHNESS_STALE);
  fail_if (frame.request_key_unit);
  fail_unless_equals_int (check (&fresh, 11 * FRAME, FRAME, TRUE, &frame),
      GST_SERIAL_FRESHNESS_NEEDS_DROPPED);
  fail_unless (frame.request_key_unit);
  fail_unless_equals_int64 (frame.late, 0);
  fail_unless (frame.proportion == 1.0);
  fail_unless_equals_int (check (&fresh, 12 * FRAME, FRAME, TRUE, &frame),
      GST_SERIAL_FRESHNESS_NEEDS_DROPPED);
  fail_if (frame.request_key_unit);
}

GST_END_TEST;

/* Without a duration the spacing of the frames stands in for it; without
 * a running time nothing is stale. */
GST_START_TEST (test_duration_and_running_time_unknown)
{
  GstSerialFreshness fresh;
  GstSerialFrame frame;

  gst_serial_freshness_init (&fresh);
  fail_unless_equals_int (check (&fresh, GST_SECOND, GST_CLOCK_TIME_NONE, FALSE,
                              &frame),
      GST_SERIAL_FRESHNESS_SEND);
  fail_unless_equals_uint64 (frame.duration, 0);
  gst_serial_freshness_sent (&fresh, GST_SECOND, GST_SECOND);
  /* 100 ms after the last: its duration is taken to be 100 ms, and the
   * next was due at 1.2 s, before the line is free (2 s). */
  fail_unless_equals_int (check (&fresh, 1100 * GST_MSECOND,
                              GST_CLOCK_TIME_NONE, FALSE, &frame),
      GST_SERIAL_FRESHNESS_STALE);
  fail_unless_equals_uint64 (frame.duration, 100 * GST_MSECOND);
  fail_unless_equals_int (check (&fresh, GST_CLOCK_TIME_NONE, FRAME, FALSE,
                              &frame),
      GST_SERIAL_FRESHNESS_SEND);
  fail_unless_equals_uint64 (frame.running_time, GST_CLOCK_TIME_NONE);
}

GST_END_TEST;

/* A frame dropped because the port was away counts like a frame that
 * needs a dropped one: a delta frame after it waits for a key frame. */
GST_START_TEST (test_dropped_while_away)
{
  GstSerialFreshness fresh;
  GstSerialFrame frame;

  gst_serial_freshness_init (&fresh);
  fail_unless_equals_int (check (&fresh, 0, FRAME, TRUE, &frame),
      GST_SERIAL_FRESHNESS_SEND);
  gst_serial_freshness_dropped (&fresh, &frame, FALSE, TRUE);
  fail_unless (frame.request_key_unit);
  fail_unless_equals_int64 (frame.late, 0);
  fail_unless_equals_int (check (&fresh, FRAME, FRAME, TRUE, &frame),
      GST_SERIAL_FRESHNESS_NEEDS_DROPPED);
  fail_unless_equals_int (check (&fresh, 2 * FRAME, FRAME, FALSE, &frame),
      GST_SERIAL_FRESHNESS_SEND);
}

GST_END_TEST;

/* A frame dropped for a newer one that replaced it while it waited (the
 * sender thread's hand-over), when it has no running time or the line's
 * free time is not known or already past: how late it was is unknown, so
 * it is reported as 0, and no QoS diff goes upstream. */
GST_START_TEST (test_replaced_lateness_unknown)
{
  GstSerialFreshness fresh;
  GstSerialFrame frame = { GST_CLOCK_TIME_NONE, 0 };

  gst_serial_freshness_init (&fresh);
  gst_serial_freshness_dropped (&fresh, &frame, TRUE, FALSE);
  fail_unless_equals_int64 (frame.late, 0);
  fail_unless_equals_int64 (frame.qos_diff, 0);
  fail_unless (frame.proportion == 1.0);

  gst_serial_freshness_sent (&fresh, GST_SECOND, GST_SECOND);
  gst_serial_freshness_dropped (&fresh, &frame, TRUE, FALSE);
  fail_unless_equals_int64 (frame.late, 0);
  fail_unless_equals_int64 (frame.qos_diff, 0);

  frame.running_time = 3 * GST_SECOND;
  frame.duration = FRAME;
  gst_serial_freshness_dropped (&fresh, &frame, TRUE, FALSE);
  fail_unless_equals_int64 (frame.late, 0);
  fail_unless_equals_int64 (frame.qos_diff, 0);
  fail_unless (frame.proportion == 1.0);
}

GST_END_TEST;

static Suite *
serialfreshness_suite (void)
{
  Suite *s = suite_create ("serialfreshness");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_burst_of_late_frames);
  tcase_add_test (tc, test_gop_dropped_from_the_middle);
  tcase_add_test (tc, test_stale_key_frame);
  tcase_add_test (tc, test_duration_and_running_time_unknown);
  tcase_add_test (tc, test_dropped_while_away);
  tcase_add_test (tc, test_replaced_lateness_unknown);
  return s;
}

TEST_CHECK_MAIN (serialfreshness);
