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

#include "ptyutil.h"

#define ROUND_TRIP_SIZE (8 * 1024 * 1024)

/* What the receiving appsink collected. */
typedef struct {
  GMutex lock;
  GCond cond;
  GByteArray *data;
  gsize expected;
  guint buffers;
  gboolean first_discont;
  gboolean all_timestamped;
} Received;

static GstFlowReturn
on_new_sample (GstAppSink *appsink, gpointer user_data)
{
  Received *r = user_data;
  GstSample *sample = gst_app_sink_pull_sample (appsink);
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  g_mutex_lock (&r->lock);
  if (r->buffers == 0)
    r->first_discont = GST_BUFFER_IS_DISCONT (buf);
  if (!GST_BUFFER_PTS_IS_VALID (buf))
    r->all_timestamped = FALSE;
  r->buffers++;
  g_byte_array_append (r->data, map.data, map.size);
  if (r->data->len >= r->expected)
    g_cond_signal (&r->cond);
  g_mutex_unlock (&r->lock);
  gst_buffer_unmap (buf, &map);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static GstElement *
make_receiver (const gchar *port, Received *r, gsize expected)
{
  GstElement *pipe, *src, *sink;
  GstAppSinkCallbacks callbacks = { NULL, NULL, on_new_sample };

  pipe = gst_pipeline_new ("receiver");
  src = gst_element_factory_make ("serialsrc", NULL);
  sink = gst_element_factory_make ("appsink", NULL);
  g_object_set (src, "port", port, "blocksize", 65536, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "framing", "raw");
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipe), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));

  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->data = g_byte_array_sized_new (expected);
  r->expected = expected;
  r->buffers = 0;
  r->all_timestamped = TRUE;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, r, NULL);
  return pipe;
}

static void
received_wait (Received *r)
{
  g_mutex_lock (&r->lock);
  while (r->data->len < r->expected)
    g_cond_wait (&r->cond, &r->lock);
  g_mutex_unlock (&r->lock);
}

static GstElement *
make_sender (const gchar *port, GstElement **appsrc)
{
  GstElement *pipe, *sink;

  pipe = gst_pipeline_new ("sender");
  *appsrc = gst_element_factory_make ("appsrc", NULL);
  sink = gst_element_factory_make ("serialsink", NULL);
  g_object_set (*appsrc, "block", TRUE, "max-bytes", (guint64) 262144, "format",
      GST_FORMAT_BYTES, NULL);
  g_object_set (sink, "port", port, "baud-rate", 921600, NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "framing", "raw");
  gst_bin_add_many (GST_BIN (pipe), *appsrc, sink, NULL);
  fail_unless (gst_element_link (*appsrc, sink));
  return pipe;
}

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
  Received r;
  GstMessage *msg;

  test_pty_open (&a);
  test_pty_open (&b);
  relay = test_relay_start (a.master, b.master);

  receiver = make_receiver (b.path, &r, ROUND_TRIP_SIZE);
  sender = make_sender (a.path, &appsrc);
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

  received_wait (&r);
  fail_unless_equals_int (r.data->len, ROUND_TRIP_SIZE);
  fail_unless (memcmp (r.data->data, data, ROUND_TRIP_SIZE) == 0);
  fail_unless (r.first_discont);
  fail_unless (r.all_timestamped);
  GST_INFO ("%u buffers received", r.buffers);

  fail_unless_equals_int (gst_element_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_relay_stop (relay), ROUND_TRIP_SIZE);

  gst_object_unref (sender);
  gst_object_unref (receiver);
  g_byte_array_unref (r.data);
  g_mutex_clear (&r.lock);
  g_cond_clear (&r.cond);
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
  sender = make_sender (pty->path, &appsrc);
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
  GstClockTime start;
  TestPty pty;

  sender = start_blocked_sender (&pty, data);

  start = gst_util_get_timestamp ();
  fail_unless_equals_int (gst_element_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  GST_INFO ("blocked sink stopped in %" GST_TIME_FORMAT,
      GST_TIME_ARGS (gst_util_get_timestamp () - start));

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
  GstClockTime start;
  TestPty pty;
  gchar *desc;

  test_pty_open (&pty);
  desc = g_strdup_printf ("serialsrc port=%s ! fakesink", pty.path);
  pipe = gst_parse_launch (desc, NULL);
  /* ASYNC: fakesink waits for a first buffer that never comes, while the
   * live source's thread waits for data. */
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);

  start = gst_util_get_timestamp ();
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  GST_INFO ("waiting source stopped in %" GST_TIME_FORMAT,
      GST_TIME_ARGS (gst_util_get_timestamp () - start));

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
  sender = make_sender (link, &appsrc);
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
  return s;
}

GST_CHECK_MAIN (serialio);
