/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: the line model, on a fake clock.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include "testutil.h"

#include "gstserialline.h"

/* A driver with a queue that drains at @rate bytes/s unless held (a
 * receiver's XOFF, CTS down). */
typedef struct {
  gdouble rate;
  gdouble queue;
  gboolean held;
  GstClockTime at;
} FakeDriver;

static void
driver_advance (FakeDriver *drv, GstClockTime now)
{
  if (!drv->held)
    drv->queue =
        MAX (0.0, drv->queue - (now - drv->at) * drv->rate / GST_SECOND);
  drv->at = now;
}

/* What a writer does with the model: asks for room, writes it to the
 * driver, or sleeps as long as it is told. Sends @size bytes from *@now
 * and returns the number of writes. Checks that the driver never holds
 * more than the window. */
static guint
send (GstSerialLine *line, FakeDriver *drv, GstClockTime *now, gsize size)
{
  GstClockTime wait;
  guint writes = 0;
  gsize room;

  while (size > 0) {
    driver_advance (drv, *now);
    room = gst_serial_line_room (line, *now, (guint64) drv->queue, size, &wait);
    if (room == 0) {
      fail_unless (wait > 0);
      *now += wait;
      continue;
    }
    fail_unless (room <= size);
    gst_serial_line_sent (line, *now, room);
    drv->queue += room;
    fail_unless (drv->queue <= line->window + 1, "driver holds %.0f > %zu",
        drv->queue, line->window);
    size -= room;
    writes++;
  }
  return writes;
}

/* The line model at @baud_rate 8N1 sends @size bytes in size / rate, in
 * refills of about half the window, and says when it is free. */
static void
check_pacing (guint baud_rate, gsize size, gsize window)
{
  gdouble rate = gst_serial_line_char_rate (baud_rate, 8, 1, FALSE);
  FakeDriver drv = { rate, 0, FALSE, 0 };
  GstClockTime now = 0, expected;
  GstSerialLine line;
  guint writes;

  gst_serial_line_init (&line, rate);
  fail_unless_equals_uint64 (line.window, window);
  writes = send (&line, &drv, &now, size);

  /* The last refill went when the line had half a window left to send;
   * the line is free once it has carried everything. */
  expected = gst_util_uint64_scale (size, GST_SECOND, baud_rate / 10);
  fail_unless (line.free_at <= expected + writes &&
          line.free_at >= expected - writes,
      "free at %" GST_TIME_FORMAT ", expected %" GST_TIME_FORMAT,
      GST_TIME_ARGS (line.free_at), GST_TIME_ARGS (expected));
  fail_unless (now < line.free_at);
  fail_unless_equals_uint64 (gst_serial_line_busy_for (&line, line.free_at), 0);
  fail_unless_equals_uint64 (gst_serial_line_in_flight (&line, line.free_at),
      0);
  /* Fewer, larger writes: each refill tops the window up from half. */
  fail_unless (writes <= 1 + size / (window / 2), "%u writes", writes);
}

GST_START_TEST (test_pacing_300_baud)
{
  /* 30 bytes a second: the window is its floor, 64 bytes; 300 bytes take
   * 10 s. */
  check_pacing (300, 300, 64);
}

GST_END_TEST;

GST_START_TEST (test_pacing_12_mbaud)
{
  /* 1.2 MB/s: 20 ms ahead is 24000 bytes; 12 MB take 10 s. */
  check_pacing (12000000, 12000000, 24000);
}

GST_END_TEST;

/* A radio whose air rate (link-rate) is below its UART's: the model paces
 * at the link rate although the driver drains at the UART's rate. */
GST_START_TEST (test_link_rate_below_uart)
{
  FakeDriver drv = { 11520, 0, FALSE, 0 };
  GstClockTime now = 0;
  GstSerialLine line;

  gst_serial_line_init (&line, 3000);
  send (&line, &drv, &now, 30000);
  /* Within the nanoseconds each refill rounds off. */
  fail_unless (line.free_at <= 10 * GST_SECOND &&
      line.free_at > 10 * GST_SECOND - GST_USECOND);
  /* The driver, faster, never held more than a refill. */
  fail_unless (drv.queue <= line.window);
}

GST_END_TEST;

/* A driver that stops draining (the receiver holds the line off): the
 * model's clock says the line is free, the driver's queue says not; no
 * more than a window goes to it until it drains again. */
GST_START_TEST (test_driver_stops_draining)
{
  FakeDriver drv = { 11520, 0, FALSE, 0 };
  GstClockTime now = 0, wait;
  GstSerialLine line;
  guint64 given = 0;
  gsize room;

  gst_serial_line_init (&line, 11520);
  send (&line, &drv, &now, 1000);
  drv.held = TRUE;
  /* Ten seconds held: whatever the clock, room comes only from a queue at
   * most half a window full, and the writer is told to wait. */
  while (now < 10 * GST_SECOND) {
    driver_advance (&drv, now);
    room =
        gst_serial_line_room (&line, now, (guint64) drv.queue, 100000, &wait);
    if (room > 0) {
      gst_serial_line_sent (&line, now, room);
      drv.queue += room;
      given += room;
    } else {
      fail_unless (wait > 0);
      now += wait;
    }
  }
  fail_unless (drv.queue <= line.window, "queue %.0f", drv.queue);
  fail_unless (given <= line.window, "%" G_GUINT64_FORMAT " given", given);

  /* Released: it goes on at the line rate. */
  drv.held = FALSE;
  send (&line, &drv, &now, 11520);
  fail_unless (line.free_at - now <= line.window * GST_SECOND / 11520);
}

GST_END_TEST;

/* Not paced (rate 0): everything may go at once, the line is never busy. */
GST_START_TEST (test_not_paced)
{
  GstSerialLine line;
  GstClockTime wait;

  gst_serial_line_init (&line, 0);
  fail_unless_equals_uint64 (gst_serial_line_room (&line, 0, 1 << 20, 5000,
                                 &wait),
      5000);
  gst_serial_line_sent (&line, 0, 5000);
  fail_unless_equals_uint64 (gst_serial_line_busy_for (&line, 0), 0);
}

GST_END_TEST;

/* An idle line starts counting from the write, not from when it was last
 * busy; a reopened port starts idle. */
GST_START_TEST (test_idle_line)
{
  GstSerialLine line;

  gst_serial_line_init (&line, 1000);
  gst_serial_line_sent (&line, GST_SECOND, 100);
  fail_unless_equals_uint64 (line.free_at, GST_SECOND + 100 * GST_MSECOND);
  gst_serial_line_sent (&line, 5 * GST_SECOND, 100);
  fail_unless_equals_uint64 (line.free_at, 5 * GST_SECOND + 100 * GST_MSECOND);
  fail_unless_equals_uint64 (gst_serial_line_in_flight (&line,
                                 5 * GST_SECOND + 50 * GST_MSECOND),
      50);
  gst_serial_line_idle (&line);
  fail_unless_equals_uint64 (gst_serial_line_busy_for (&line, 5 * GST_SECOND),
      0);
}

GST_END_TEST;

GST_START_TEST (test_char_rate)
{
  /* 8N1: 10 bits a character; 7E2: 11. */
  fail_unless (gst_serial_line_char_rate (115200, 8, 1, FALSE) == 11520.0);
  fail_unless (gst_serial_line_char_rate (110000, 7, 2, TRUE) == 10000.0);
}

GST_END_TEST;

static Suite *
serialline_suite (void)
{
  Suite *s = suite_create ("serialline");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_pacing_300_baud);
  tcase_add_test (tc, test_pacing_12_mbaud);
  tcase_add_test (tc, test_link_rate_below_uart);
  tcase_add_test (tc, test_driver_stops_draining);
  tcase_add_test (tc, test_not_paced);
  tcase_add_test (tc, test_idle_line);
  tcase_add_test (tc, test_char_rate);
  return s;
}

TEST_CHECK_MAIN (serialline);
