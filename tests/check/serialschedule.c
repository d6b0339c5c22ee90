/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: when the caps go on the wire again.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include "testutil.h"

#include "gstserialschedule.h"

/* 11520 bytes/s (115200 baud 8N1): 1000 ms of link time is 11520 bytes. */
#define RATE 11520.0

GST_START_TEST (test_no_caps_never_due)
{
  GstSerialSchedule sched;

  gst_serial_schedule_init (&sched, RATE);
  gst_serial_schedule_wrote (&sched, 1 << 20);
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0, FALSE, 0));
  gst_serial_schedule_resend (&sched);
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0, FALSE, 0));
}

GST_END_TEST;

/* New caps go before the next frame, whatever the interval; then again
 * once the interval of link time has gone by on the wire, not a byte
 * before. */
GST_START_TEST (test_interval_of_link_time)
{
  GstSerialSchedule sched;

  gst_serial_schedule_init (&sched, RATE);
  gst_serial_schedule_new_caps (&sched);
  fail_unless (gst_serial_schedule_caps_due (&sched, 0, 0, FALSE, 0));
  gst_serial_schedule_wrote (&sched, 100);
  gst_serial_schedule_caps_sent (&sched, 25);
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0, FALSE, 0));

  gst_serial_schedule_wrote (&sched, 11519);
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0, FALSE, 0));
  gst_serial_schedule_wrote (&sched, 1);
  fail_unless (gst_serial_schedule_caps_due (&sched, 1000, 0, FALSE, 0));
  fail_unless (gst_serial_schedule_caps_due (&sched, 1000, 0, TRUE, 0));
  /* caps-interval=0: on change only. */
  fail_if (gst_serial_schedule_caps_due (&sched, 0, 0, FALSE, 0));
}

GST_END_TEST;

/* In a stream with delta frames the caps go right before each key frame
 * (at it exactly, not at the delta frame before), so that a receiver that
 * joined late starts decoding there; not twice in a row, and not with
 * caps-interval=0. */
GST_START_TEST (test_caps_due_at_key_frame)
{
  GstSerialSchedule sched;

  gst_serial_schedule_init (&sched, RATE);
  gst_serial_schedule_new_caps (&sched);
  gst_serial_schedule_frame (&sched, FALSE);
  gst_serial_schedule_caps_sent (&sched, 25);
  /* Only key frames so far (JPEG): nothing before them. */
  gst_serial_schedule_wrote (&sched, 500);
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0, FALSE, 0));

  gst_serial_schedule_frame (&sched, TRUE);
  gst_serial_schedule_wrote (&sched, 500);
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0, TRUE, 0));
  gst_serial_schedule_frame (&sched, FALSE);
  fail_unless (gst_serial_schedule_caps_due (&sched, 1000, 0, FALSE, 0));
  fail_if (gst_serial_schedule_caps_due (&sched, 0, 0, FALSE, 0));

  gst_serial_schedule_wrote (&sched, 60);
  gst_serial_schedule_caps_sent (&sched, 25);
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0, FALSE, 0));
}

GST_END_TEST;

/* A reopened port: the receiver lost the caps, they go before the next
 * frame. */
GST_START_TEST (test_resend)
{
  GstSerialSchedule sched;

  gst_serial_schedule_init (&sched, RATE);
  gst_serial_schedule_new_caps (&sched);
  gst_serial_schedule_caps_sent (&sched, 25);
  fail_if (gst_serial_schedule_caps_due (&sched, 0, 0, TRUE, 0));
  gst_serial_schedule_resend (&sched);
  fail_unless (gst_serial_schedule_caps_due (&sched, 0, 0, TRUE, 0));
}

GST_END_TEST;

/* On a slow line repeated caps would take too much of it: they wait until
 * they take no more than the budget. 9600 baud 8N1 carries 960 bytes a
 * second; a 25-byte caps packet within 0.5 % of that goes after 5000 bytes
 * at the earliest (5.2 s), also before key frames. With 2200-byte frames
 * the caps are then at most 7200 bytes apart: the period a receiver that
 * joins waits at most. At 115200 baud the budget allows more than the
 * 1000 ms interval asks, so the interval rules. */
GST_START_TEST (test_budget)
{
  GstSerialSchedule sched;

  gst_serial_schedule_init (&sched, 960.0);
  gst_serial_schedule_new_caps (&sched);
  gst_serial_schedule_frame (&sched, TRUE);
  gst_serial_schedule_wrote (&sched, 25);
  gst_serial_schedule_caps_sent (&sched, 25);
  fail_unless_equals_uint64 (gst_serial_schedule_period (&sched, 1000, 0.005,
                                 2200),
      7200);
  fail_unless_equals_uint64 (gst_serial_schedule_period (&sched, 1000, 0, 0),
      960);
  fail_unless_equals_uint64 (gst_serial_schedule_period (&sched, 0, 0.005,
                                 2200),
      0);

  gst_serial_schedule_wrote (&sched, 4999);
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0.005, TRUE, 2200));
  /* A key frame of a delta stream waits for the budget too. */
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0.005, FALSE, 2200));
  fail_unless (gst_serial_schedule_caps_due (&sched, 1000, 0, TRUE, 2200));
  gst_serial_schedule_wrote (&sched, 1);
  fail_unless (gst_serial_schedule_caps_due (&sched, 1000, 0.005, TRUE, 2200));

  gst_serial_schedule_init (&sched, RATE);
  gst_serial_schedule_new_caps (&sched);
  gst_serial_schedule_caps_sent (&sched, 25);
  fail_unless_equals_uint64 (gst_serial_schedule_period (&sched, 1000, 0.005,
                                 1000),
      11520);
}

GST_END_TEST;

/* The caps go before the frame that would end past the interval, not after
 * it: a receiver that joins waits at most the interval, then one frame. */
GST_START_TEST (test_before_crossing_frame)
{
  GstSerialSchedule sched;

  gst_serial_schedule_init (&sched, RATE);
  gst_serial_schedule_new_caps (&sched);
  gst_serial_schedule_caps_sent (&sched, 25);
  gst_serial_schedule_wrote (&sched, 10000);
  fail_if (gst_serial_schedule_caps_due (&sched, 1000, 0.005, TRUE, 1519));
  fail_unless (gst_serial_schedule_caps_due (&sched, 1000, 0.005, TRUE, 1520));
}

GST_END_TEST;

static Suite *
serialschedule_suite (void)
{
  Suite *s = suite_create ("serialschedule");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_no_caps_never_due);
  tcase_add_test (tc, test_interval_of_link_time);
  tcase_add_test (tc, test_caps_due_at_key_frame);
  tcase_add_test (tc, test_resend);
  tcase_add_test (tc, test_budget);
  tcase_add_test (tc, test_before_crossing_frame);
  return s;
}

TEST_CHECK_MAIN (serialschedule);
