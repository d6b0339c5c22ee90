/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: moving data through serialsink and serialsrc, and
 * stopping them while they wait.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include "testutil.h"

#define ROUND_TRIP_SIZE (8 * 1024 * 1024)

/* Pushes @data in buffers of random sizes, some made of several memories. */
static void
push_in_pieces (GstElement *appsrc, const guint8 *data, gsize size)
{
  GRand *rand = g_rand_new_with_seed (7);
  gsize off = 0;

  while (off < size) {
    gsize len = MIN (size - off, (gsize) g_rand_int_range (rand, 1, 65536));
    GstBuffer *buf = gst_buffer_new ();
    gsize half = g_rand_boolean (rand) ? len / 2 : 0;

    if (half > 0)
      gst_buffer_append_memory (buf,
          gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY,
              (gpointer) (data + off), half, 0, half, NULL, NULL));
    gst_buffer_append_memory (buf,
        gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY,
            (gpointer) (data + off + half), len - half, 0, len - half, NULL,
            NULL));
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf),
        GST_FLOW_OK);
    off += len;
  }
  g_rand_free (rand);
}

/* 8 MiB of random data: appsrc ! serialsink -> pty -> relay -> pty ->
 * serialsrc ! appsink, compared byte for byte. */
GST_START_TEST (test_round_trip)
{
  guint8 *data = test_random_bytes (ROUND_TRIP_SIZE, 1234);
  GstElement *sender, *receiver, *appsrc;
  TestPty a, b;
  TestRelay *relay;
  TestReceived r;
  guint i;
  GstMessage *msg;

  test_pty_open (&a);
  test_pty_open (&b);
  relay = test_relay_start (a.master, b.master);

  receiver = test_make_receiver (b.path, "raw", &r);
  sender = test_make_sender (a.path, "raw", &appsrc);
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  push_in_pieces (appsrc, data, ROUND_TRIP_SIZE);
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (sender),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  test_received_wait_bytes (&r, ROUND_TRIP_SIZE);
  fail_unless_equals_int (r.bytes->len, ROUND_TRIP_SIZE);
  fail_unless (memcmp (r.bytes->data, data, ROUND_TRIP_SIZE) == 0);
  fail_unless (GST_BUFFER_IS_DISCONT (g_ptr_array_index (r.buffers, 0)));
  for (i = 0; i < r.buffers->len; i++)
    fail_unless (GST_BUFFER_PTS_IS_VALID (g_ptr_array_index (r.buffers, i)));
  GST_INFO ("%u buffers received", r.buffers->len);

  fail_unless_equals_int (gst_element_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_relay_stop (relay), ROUND_TRIP_SIZE);

  gst_object_unref (sender);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&a);
  test_pty_close (&b);
  g_free (data);
}

GST_END_TEST;

#define BLOCKING_SIZE (1024 * 1024)

/* Starts a sender whose peer never reads, and returns once the sink has
 * filled the pty and must be waiting for room: a pty takes about 20 KiB. */
static GstElement *
start_blocked_sender (TestPty *pty, const guint8 *data)
{
  GstElement *sender, *appsrc;

  test_pty_open (pty);
  sender = test_make_sender (pty->path, "raw", &appsrc);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (
      gst_app_src_push_buffer (GST_APP_SRC (appsrc),
          gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
              (gpointer) data, BLOCKING_SIZE, 0, BLOCKING_SIZE, NULL, NULL)),
      GST_FLOW_OK);
  test_wait_readable (pty->master);
  return sender;
}

GST_START_TEST (test_sink_unlock_when_peer_never_reads)
{
  guint8 *data = test_random_bytes (BLOCKING_SIZE, 1);
  GstElement *sender;
  TestPty pty;

  sender = start_blocked_sender (&pty, data);
  /* Fails when the stop hangs; how long it takes is a benchmark's question
   * (bench-link unlock). */
  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  gst_object_unref (sender);
  test_pty_close (&pty);
  g_free (data);
}

GST_END_TEST;

/* Pausing a sink that waits for the line must not lose or repeat a byte:
 * once the pipeline plays again, the rest of the buffer follows. */
GST_START_TEST (test_sink_pause_resume_while_blocked)
{
  guint8 *data = test_random_bytes (BLOCKING_SIZE, 2);
  guint8 *got = g_malloc (BLOCKING_SIZE);
  GstElement *sender;
  TestPty pty;

  sender = start_blocked_sender (&pty, data);

  fail_if (gst_element_set_state (sender, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  test_read_exactly (pty.master, got, BLOCKING_SIZE);
  fail_unless (memcmp (got, data, BLOCKING_SIZE) == 0);

  fail_unless_equals_int (gst_element_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (sender);
  test_pty_close (&pty);
  g_free (got);
  g_free (data);
}

GST_END_TEST;

GST_START_TEST (test_src_unlock_on_silent_port)
{
  GstElement *pipe;
  TestPty pty;
  gchar *desc;

  test_pty_open (&pty);
  desc = g_strdup_printf ("serialsrc port=%s ! fakesink", pty.path);
  pipe = gst_parse_launch (desc, NULL);
  /* ASYNC: fakesink waits for a first buffer that never comes, while the
   * live source's thread waits for data. */
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);

  fail_unless_equals_int (test_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  gst_object_unref (pipe);
  g_free (desc);
  test_pty_close (&pty);
}

GST_END_TEST;

GST_START_TEST (test_src_latency_query)
{
  GstElement *src = gst_element_factory_make ("serialsrc", NULL);
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min, max;
  gboolean live;
  TestPty pty;

  test_pty_open (&pty);
  g_object_set (src, "port", pty.path, NULL);
  fail_unless_equals_int (gst_element_set_state (src, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  fail_unless (gst_element_query (src, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, 0);
  fail_unless (max == GST_CLOCK_TIME_NONE);

  gst_query_unref (query);
  gst_element_set_state (src, GST_STATE_NULL);
  gst_object_unref (src);
  test_pty_close (&pty);
}

GST_END_TEST;

/* Paths such as /dev/serial/by-id/... are symlinks; socat's link= makes
 * the same for ptys. */
GST_START_TEST (test_symlinked_port)
{
  gchar *dir = g_dir_make_tmp ("serialio-XXXXXX", NULL);
  gchar *link = g_build_filename (dir, "ttyLINK", NULL);
  GstElement *sender, *appsrc;
  guint8 got[5];
  TestPty pty;

  test_pty_open (&pty);
  fail_unless (symlink (pty.path, link) == 0);
  sender = test_make_sender (link, "raw", &appsrc);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_app_src_push_buffer (GST_APP_SRC (appsrc),
      gst_buffer_new_wrapped (g_strdup ("hello"), 5));
  test_read_exactly (pty.master, got, sizeof (got));
  fail_unless (memcmp (got, "hello", 5) == 0);

  gst_element_set_state (sender, GST_STATE_NULL);
  gst_object_unref (sender);
  test_pty_close (&pty);
  g_unlink (link);
  g_rmdir (dir);
  g_free (link);
  g_free (dir);
}

GST_END_TEST;

/* Defect: blocksize=0 made serialsrc read 0 bytes, which it took for a
 * hang-up. It reads at least one byte, in every framing. */
GST_START_TEST (test_src_blocksize_zero)
{
  const gchar *framing = __i__ ? "native" : "raw";
  GstElement *sender, *receiver, *appsrc, *src;
  TestReceived r;
  TestRelay *relay;
  TestPty a, b;

  test_pty_open (&a);
  test_pty_open (&b);
  relay = test_relay_start (a.master, b.master);
  receiver = test_make_receiver (b.path, framing, &r);
  src = gst_bin_get_by_name (GST_BIN (receiver), "src");
  g_object_set (src, "blocksize", 0, NULL);
  sender = test_make_sender (a.path, framing, &appsrc);
  {
    GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");

    g_object_set (appsrc, "caps", caps, NULL);
    gst_caps_unref (caps);
  }
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_app_src_push_buffer (GST_APP_SRC (appsrc),
      gst_buffer_new_wrapped (g_strdup ("one byte at a time"), 18));
  test_received_wait_bytes (&r, 18);
  fail_unless (memcmp (r.bytes->data, "one byte at a time", 18) == 0);
  fail_unless_equals_int (test_count_errors (GST_ELEMENT_BUS (receiver),
                              GST_RESOURCE_ERROR),
      0);

  fail_unless_equals_int (gst_element_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  test_relay_stop (relay);
  gst_object_unref (src);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&a);
  test_pty_close (&b);
}

GST_END_TEST;

static Suite *
serialio_suite (void)
{
  Suite *s = suite_create ("serialio");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_sink_unlock_when_peer_never_reads);
  tcase_add_test (tc, test_sink_pause_resume_while_blocked);
  tcase_add_test (tc, test_src_unlock_on_silent_port);
  tcase_add_test (tc, test_src_latency_query);
  tcase_add_test (tc, test_symlinked_port);
  tcase_add_loop_test (tc, test_src_blocksize_zero, 0, 2);
  return s;
}

TEST_CHECK_MAIN (serialio);
