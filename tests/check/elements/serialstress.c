/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: 500 cycles of NULL -> PLAYING -> NULL while data flows,
 * while the peer never reads, and while the port is absent with reconnect
 * on; every state change returns and no descriptor is left open. Leaks are
 * caught by the sanitizer run of the suite.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include "testutil.h"

#define CYCLES 500

typedef struct {
  GMutex lock;
  GCond cond;
  guint buffers;
} Flow;

static GstPadProbeReturn
count_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Flow *flow = user_data;

  g_mutex_lock (&flow->lock);
  flow->buffers++;
  g_cond_signal (&flow->cond);
  g_mutex_unlock (&flow->lock);
  return GST_PAD_PROBE_OK;
}

static GstElement *
make_receiver (const gchar *port, Flow *flow, gboolean reconnect)
{
  gchar *desc = g_strdup_printf ("serialsrc name=src port=%s reconnect=%d "
                                 "! fakesink sync=false",
      port, reconnect);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstPad *pad = gst_element_get_static_pad (src, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, flow, NULL);
  gst_object_unref (pad);
  gst_object_unref (src);
  g_free (desc);
  return pipe;
}

static void
wait_buffers (Flow *flow, guint n)
{
  g_mutex_lock (&flow->lock);
  while (flow->buffers < n)
    g_cond_wait (&flow->cond, &flow->lock);
  g_mutex_unlock (&flow->lock);
}

static void
set_state (GstElement *pipe, GstState state)
{
  GstStateChangeReturn ret = gst_element_set_state (pipe, state);

  fail_if (ret == GST_STATE_CHANGE_FAILURE);
  if (state == GST_STATE_NULL)
    fail_unless_equals_int (ret, GST_STATE_CHANGE_SUCCESS);
}

/* Both elements started and stopped while buffers flow between them. */
GST_START_TEST (test_cycles_while_flowing)
{
  Flow flow = { 0 };
  GstElement *sender, *receiver;
  TestEmu *emu = test_emu_start (NULL);
  guint fds, i;
  gchar *desc;

  desc = g_strdup_printf ("fakesrc sizetype=fixed sizemax=1024 "
                          "filltype=pattern ! application/x-test ! "
                          "serialsink port=%s",
      test_emu_a (emu));
  sender = gst_parse_launch (desc, NULL);
  receiver = make_receiver (test_emu_b (emu), &flow, FALSE);
  fds = test_count_fds ();

  for (i = 0; i < CYCLES; i++) {
    guint seen = flow.buffers;

    set_state (receiver, GST_STATE_PLAYING);
    set_state (sender, GST_STATE_PLAYING);
    wait_buffers (&flow, seen + 1);
    set_state (sender, GST_STATE_NULL);
    set_state (receiver, GST_STATE_NULL);
  }
  fail_unless_equals_int (test_count_fds (), fds);

  gst_object_unref (sender);
  gst_object_unref (receiver);
  test_emu_stop (emu);
  g_free (desc);
}

GST_END_TEST;

/* serialsink blocked on a pty nobody reads, serialsrc waiting on a silent
 * one: each cycle waits until both really wait in poll() before stopping
 * them, and the sink never gets a byte further. */
GST_START_TEST (test_cycles_while_blocked)
{
  TestStreamThread tx, rx;
  GstElement *sender, *receiver;
  TestPty out, in;
  guint fds, i;
  gchar *desc;
  int queued, held;

  test_pty_open (&out);
  test_pty_open (&in);
  desc =
      g_strdup_printf ("fakesrc sizetype=fixed sizemax=65536 filltype=zero ! "
                       "serialsink name=sink port=%s framing=raw",
          out.path);
  sender = gst_parse_launch (desc, NULL);
  g_free (desc);
  desc = g_strdup_printf ("serialsrc port=%s ! fakesink", in.path);
  receiver = gst_parse_launch (desc, NULL);
  test_stream_thread_watch (&tx, sender);
  test_stream_thread_watch (&rx, receiver);

  /* The first cycle fills the pty; from then on the sink blocks at once. */
  set_state (sender, GST_STATE_PLAYING);
  test_stream_thread_wait_poll (&tx);
  set_state (sender, GST_STATE_NULL);
  /* Written bytes reach the master's side through a kernel worker, which a
   * busy machine may run late. */
  test_wait_readable (out.master);
  fail_unless (ioctl (out.master, FIONREAD, &held) == 0 && held > 0);
  fds = test_count_fds ();

  for (i = 0; i < CYCLES; i++) {
    GstStructure *stats;

    set_state (sender, GST_STATE_PLAYING);
    set_state (receiver, GST_STATE_PLAYING);
    test_stream_thread_wait_poll (&tx);
    test_stream_thread_wait_poll (&rx);
    stats = test_link_stats (sender, "sink");
    fail_unless_equals_uint64 (test_stat (stats, "frames-sent"), 0);
    gst_structure_free (stats);
    set_state (sender, GST_STATE_NULL);
    set_state (receiver, GST_STATE_NULL);
  }
  fail_unless_equals_int (test_count_fds (), fds);
  fail_unless (ioctl (out.master, FIONREAD, &queued) == 0);
  fail_unless_equals_int (queued, held);

  gst_object_unref (sender);
  gst_object_unref (receiver);
  test_pty_close (&out);
  test_pty_close (&in);
  g_free (desc);
}

GST_END_TEST;

/* Each cycle: the port comes back, the source runs, the port goes away and
 * the source, reconnecting, is stopped while it waits for it. */
GST_START_TEST (test_cycles_while_absent)
{
  Flow flow = { 0 };
  GstElement *receiver;
  TestEmu *emu = test_emu_start (NULL);
  GstBus *bus;
  guint fds, i;

  receiver = make_receiver (test_emu_b (emu), &flow, TRUE);
  bus = gst_pipeline_get_bus (GST_PIPELINE (receiver));
  fds = test_count_fds ();

  for (i = 0; i < CYCLES; i++) {
    GstMessage *msg;

    set_state (receiver, GST_STATE_PLAYING);
    test_emu_command (emu, "unplug b\n");
    test_emu_expect (emu, "UNPLUGGED");
    msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ELEMENT);
    fail_unless (gst_structure_has_name (gst_message_get_structure (msg),
        "serial-port-lost"));
    gst_message_unref (msg);
    set_state (receiver, GST_STATE_NULL);
    test_emu_command (emu, "replug b\n");
    test_emu_expect (emu, "REPLUGGED");
    gst_bus_set_flushing (bus, TRUE);
    gst_bus_set_flushing (bus, FALSE);
  }
  fail_unless_equals_int (test_count_fds (), fds);

  gst_object_unref (bus);
  gst_object_unref (receiver);
  test_emu_stop (emu);
}

GST_END_TEST;

static Suite *
serialstress_suite (void)
{
  Suite *s = suite_create ("serialstress");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_cycles_while_flowing);
  tcase_add_test (tc, test_cycles_while_blocked);
  tcase_add_test (tc, test_cycles_while_absent);
  return s;
}

TEST_CHECK_MAIN (serialstress);
