/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: reconnect=true keeps a pipeline running while its port
 * is unplugged and plugged back, driven by the link emulator.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>

#include <unistd.h>

#include "testutil.h"

static void
push_frame (GstElement *appsrc, const gchar *text)
{
  gst_app_src_push_buffer (GST_APP_SRC (appsrc),
      gst_buffer_new_wrapped (g_strdup (text), strlen (text)));
}

/* The receiving side is unplugged between two frames: the pipeline keeps
 * running, says the port was lost and is back, and the next frame arrives
 * intact and marked DISCONT. */
GST_START_TEST (test_receiver_unplugged)
{
  GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");
  GstElement *sender, *receiver, *appsrc, *src;
  GstBus *bus;
  TestReceived r;
  TestEmu *emu;

  emu = test_emu_start (NULL);
  receiver = test_make_receiver (test_emu_b (emu), "native", &r);
  src = gst_bin_get_by_name (GST_BIN (receiver), "src");
  g_object_set (src, "reconnect", TRUE, NULL);
  sender = test_make_sender (test_emu_a (emu), "native", &appsrc);
  g_object_set (appsrc, "caps", caps, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (receiver));
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  push_frame (appsrc, "before");
  test_received_wait_buffers (&r, 1);

  test_emu_command (emu, "unplug b\n");
  test_emu_expect (emu, "UNPLUGGED");
  fail_unless_equals_int (test_wait_element_message (bus, "serial-port-lost"),
      1);
  test_emu_command (emu, "replug b\n");
  test_emu_expect (emu, "REPLUGGED");
  fail_unless_equals_int (test_wait_element_message (bus,
                              "serial-port-restored"),
      0);

  push_frame (appsrc, "after");
  test_received_wait_buffers (&r, 2);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[0], 0, "before", 6) == 0);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[1], 0, "after", 5) == 0);
  fail_unless (GST_BUFFER_IS_DISCONT (r.buffers->pdata[1]));

  fail_unless_equals_int (gst_element_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (src);
  gst_object_unref (bus);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  gst_caps_unref (caps);
  test_received_clear (&r);
  test_emu_stop (emu);
}

GST_END_TEST;

/* While the port is away and the element waits for it, stopping the
 * pipeline returns at once. */
GST_START_TEST (test_stop_while_absent)
{
  GstElement *receiver, *src;
  TestReceived r;
  GstBus *bus;
  TestEmu *emu;

  emu = test_emu_start (NULL);
  receiver = test_make_receiver (test_emu_b (emu), "native", &r);
  src = gst_bin_get_by_name (GST_BIN (receiver), "src");
  g_object_set (src, "reconnect", TRUE, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (receiver));
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  test_emu_command (emu, "unplug b\n");
  test_emu_expect (emu, "UNPLUGGED");
  test_wait_element_message (bus, "serial-port-lost");
  fail_unless_equals_int (gst_element_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  gst_object_unref (src);
  gst_object_unref (bus);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_emu_stop (emu);
}

GST_END_TEST;

/* The sending side is unplugged: the frame being written is lost, the
 * sink waits for its port, and once back it sends the caps again before the
 * next frame, which arrives intact. */
GST_START_TEST (test_sender_unplugged)
{
  GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");
  GstElement *sender, *receiver, *appsrc, *sink;
  GstStructure *stats;
  guint64 caps_sent = 0;
  GstBus *bus;
  TestReceived r;
  TestEmu *emu;

  emu = test_emu_start (NULL);
  receiver = test_make_receiver (test_emu_b (emu), "native", &r);
  sender = test_make_sender (test_emu_a (emu), "native", &appsrc);
  sink = gst_bin_get_by_name (GST_BIN (sender), "sink");
  g_object_set (sink, "reconnect", TRUE, NULL);
  g_object_set (appsrc, "caps", caps, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (sender));
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  push_frame (appsrc, "before");
  test_received_wait_buffers (&r, 1);

  test_emu_command (emu, "unplug a\n");
  test_emu_expect (emu, "UNPLUGGED");
  push_frame (appsrc, "lost while unplugged");
  fail_unless_equals_int (test_wait_element_message (bus, "serial-port-lost"),
      1);
  test_emu_command (emu, "replug a\n");
  test_emu_expect (emu, "REPLUGGED");
  fail_unless_equals_int (test_wait_element_message (bus,
                              "serial-port-restored"),
      0);

  push_frame (appsrc, "after");
  test_received_wait_buffers (&r, 2);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[1], 0, "after", 5) == 0);
  g_object_get (sink, "link-stats", &stats, NULL);
  fail_unless (gst_structure_get_uint64 (stats, "caps-sent", &caps_sent));
  fail_unless_equals_uint64 (caps_sent, 2);
  gst_structure_free (stats);
  /* The frame lost with the port is counted lost by the receiver, and what
   * follows is marked DISCONT: a decoder must know a frame is missing. */
  stats = test_link_stats (receiver, "src");
  fail_unless_equals_uint64 (test_stat (stats, "lost-frames"), 1);
  fail_unless (GST_BUFFER_IS_DISCONT (r.buffers->pdata[1]));
  gst_structure_free (stats);

  gst_element_set_state (sender, GST_STATE_NULL);
  gst_element_set_state (receiver, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (bus);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  gst_caps_unref (caps);
  test_received_clear (&r);
  test_emu_stop (emu);
}

GST_END_TEST;

static Suite *
serialreconnect_suite (void)
{
  Suite *s = suite_create ("serialreconnect");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_receiver_unplugged);
  tcase_add_test (tc, test_sender_unplugged);
  tcase_add_test (tc, test_stop_while_absent);
  return s;
}

TEST_CHECK_MAIN (serialreconnect);
