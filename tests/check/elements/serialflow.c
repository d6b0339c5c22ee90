/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: pacing, the drop policy, flow control and link
 * statistics messages of serialsink.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include <unistd.h>

#include "testutil.h"
#include "serialframe.h"

#define N_FRAMES 30
#define FRAME_DURATION (GST_SECOND / 30)

/* The rate the sink paces at follows the baud rate and character format,
 * or link-rate when set. */
GST_START_TEST (test_line_rate)
{
  const struct {
    const gchar *props;
    gdouble rate;
  } cases[] = {
    { "pacing=on baud-rate=9600", 960.0 },
    { "pacing=on baud-rate=9600 stop-bits=2", 9600.0 / 11 },
    { "pacing=on baud-rate=115200 parity=even", 115200.0 / 11 },
    { "pacing=on baud-rate=115200 link-rate=2000", 2000.0 },
    { "pacing=auto baud-rate=115200 link-rate=3000", 3000.0 },
    { "pacing=auto baud-rate=115200", 0.0 }, /* a pty: its rate is fiction */
    { "pacing=off baud-rate=115200 link-rate=3000", 0.0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *pipe;
    GstStructure *stats;
    gdouble rate = -1;
    TestPty pty;
    gchar *desc;

    test_pty_open (&pty);
    desc = g_strdup_printf ("appsrc ! serialsink name=sink port=%s %s",
        pty.path, cases[i].props);
    pipe = gst_parse_launch (desc, NULL);
    fail_if (gst_element_set_state (pipe, GST_STATE_PAUSED) ==
        GST_STATE_CHANGE_FAILURE);
    stats = test_link_stats (pipe, "sink");
    fail_unless (gst_structure_get_double (stats, "line-rate", &rate));
    fail_unless (G_APPROX_VALUE (rate, cases[i].rate, 1e-6),
        "%s: line-rate %f, expected %f", cases[i].props, rate, cases[i].rate);

    gst_structure_free (stats);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (pipe);
    test_pty_close (&pty);
    g_free (desc);
  }
}

GST_END_TEST;

/* Pacing changes when bytes go, never which: a paced transfer arrives
 * byte-exact. */
GST_START_TEST (test_paced_transfer_exact)
{
  guint8 *data = test_random_bytes (20000, 3), *got = g_malloc (20000);
  GstElement *sender, *appsrc, *sink;
  TestPty pty;

  test_pty_open (&pty);
  sender = test_make_sender (pty.path, "raw", &appsrc);
  sink = gst_bin_get_by_name (GST_BIN (sender), "sink");
  g_object_set (sink, "link-rate", 200000, NULL);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_app_src_push_buffer (GST_APP_SRC (appsrc),
      gst_buffer_new_wrapped (g_memdup2 (data, 20000), 20000));
  test_read_exactly (pty.master, got, 20000);
  fail_unless (memcmp (got, data, 20000) == 0);

  gst_element_set_state (sender, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (sender);
  test_pty_close (&pty);
  g_free (got);
  g_free (data);
}

GST_END_TEST;

typedef struct {
  guint qos_events;
  guint qos_messages;
  guint key_unit_requests;
} QosCount;

static GstPadProbeReturn
count_qos_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  QosCount *count = user_data;

  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS)
    g_atomic_int_inc (&count->qos_events);
  else if (gst_video_event_is_force_key_unit (event))
    g_atomic_int_inc (&count->key_unit_requests);
  return GST_PAD_PROBE_OK;
}

/* Appends to @frames the numbers of the frames in cobs packets: packets
 * are separated by 0x00; the first data byte of each (after the COBS code
 * byte) is its frame number plus one. */
static void
cobs_frames (GByteArray *wire, GArray *frames)
{
  guint64 start = 0, end;

  for (end = 0; end < wire->len; end++) {
    if (wire->data[end] != 0)
      continue;
    if (end - start >= 2) {
      guint frame = wire->data[start + 1] - 1;

      g_array_append_val (frames, frame);
    }
    start = end + 1;
  }
}

/* Pushes N_FRAMES frames of @size bytes from a 30 fps camera, all at
 * once, through a link carrying @rate bytes/s, in cobs framing; with
 * @key_every, only every @key_every-th frame is a key frame, the others are
 * delta frames, as from H.264. Returns the numbers of the frames
 * delivered, in order. */
static GArray *
run_overload (const gchar *policy, gboolean live, const gchar *caps, gsize size,
    guint rate, guint key_every, QosCount *count, GstStructure **stats)
{
  GstElement *pipe, *appsrc;
  GArray *delivered = g_array_new (FALSE, FALSE, sizeof (guint));
  TestRelay *collector;
  GstPad *pad;
  TestPty pty;
  gchar *desc;
  guint i;
  GstMessage *msg;
  GstBus *bus;

  test_pty_open (&pty);
  desc = g_strdup_printf ("appsrc name=src format=time is-live=%d %s%s ! "
                          "serialsink name=sink framing=cobs link-rate=%u "
                          "drop-policy=%s port=%s",
      live, caps ? "caps=" : "", caps ? caps : "", rate, policy, pty.path);
  pipe = gst_parse_launch (desc, NULL);
  collector = test_collector_start (pty.master);
  appsrc = gst_bin_get_by_name (GST_BIN (pipe), "src");
  pad = gst_element_get_static_pad (appsrc, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, count_qos_event,
      count, NULL);
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  for (i = 0; i < N_FRAMES; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

    gst_buffer_memset (buf, 0, i + 1, size);
    GST_BUFFER_PTS (buf) = i * FRAME_DURATION;
    GST_BUFFER_DURATION (buf) = FRAME_DURATION;
    if (key_every > 0 && i % key_every != 0)
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
    gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  while ((msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_QOS))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);

    gst_message_unref (msg);
    fail_if (type == GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_EOS)
      break;
    count->qos_messages++;
  }
  *stats = test_link_stats (pipe, "sink");

  cobs_frames (test_collector_wait (collector,
                   test_stat (*stats, "wire-bytes")),
      delivered);
  test_relay_stop (collector);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (appsrc);
  gst_object_unref (pipe);
  test_pty_close (&pty);
  g_free (desc);
  return delivered;
}

/* A live stream of data (telemetry, commands: caps neither video, image
 * nor audio) loses nothing with the default policy, also when it comes
 * faster than the line: every message counts, a newer one does not
 * replace it. */
GST_START_TEST (test_live_data_is_kept)
{
  QosCount count = { 0, 0, 0 };
  GstStructure *stats;
  GArray *delivered = run_overload ("auto", TRUE, "application/x-telemetry",
      300, 3000, 0, &count, &stats);
  guint i;

  fail_unless_equals_uint64 (test_stat (stats, "frames-dropped"), 0);
  fail_unless_equals_int (delivered->len, N_FRAMES);
  for (i = 0; i < N_FRAMES; i++)
    fail_unless_equals_int (g_array_index (delivered, guint, i), i);
  fail_unless_equals_int (count.qos_messages, 0);

  gst_structure_free (stats);
  g_array_unref (delivered);
}

GST_END_TEST;

/* A live camera faster than the line: whole frames are dropped, never part
 * of one; frame 0 goes, the frames captured while it was on the line and
 * followed by newer ones do not; each drop is a QoS message, and upstream
 * hears QoS events. */
GST_START_TEST (test_live_drops_stale_frames)
{
  QosCount count = { 0, 0, 0 };
  GstStructure *stats;
  GArray *delivered =
      run_overload ("auto", TRUE, NULL, 5000, 10000, 0, &count, &stats);
  guint64 sent = test_stat (stats, "frames-sent");
  guint64 dropped = test_stat (stats, "frames-dropped");
  guint i;

  fail_unless_equals_uint64 (sent + dropped, N_FRAMES);
  fail_unless_equals_uint64 (delivered->len, sent);
  fail_unless_equals_int (g_array_index (delivered, guint, 0), 0);
  /* Frame 0 keeps the line busy for 0.5 s at 10000 bytes/s: frames 1 to 13
   * (captured by 0.43 s, each followed by a newer one by 0.47 s) are
   * stale. */
  for (i = 1; i < delivered->len; i++)
    fail_unless (g_array_index (delivered, guint, i) > 13,
        "stale frame %u sent", g_array_index (delivered, guint, i));
  fail_unless (dropped >= 13);
  fail_unless_equals_uint64 (count.qos_messages, dropped);
  fail_unless (count.qos_events > 0);
  /* Every frame is a key frame, as with JPEG: no key frame asked for. */
  fail_unless_equals_int (count.key_unit_requests, 0);

  gst_structure_free (stats);
  g_array_unref (delivered);
}

GST_END_TEST;

/* With delta frames (H.264), a frame that needs a dropped one is dropped
 * too, up to the next key frame: every delta frame sent follows the frame
 * before it, so the decoder never gets a frame whose references it lacks.
 * Upstream is asked for a key frame (a force-key-unit event) once per
 * broken chain. Key frames at 0, 10 and 20: frame 0 goes, 1 to 13 are
 * stale, so 14 to 19 need a dropped frame; the stream resumes at a key
 * frame (20, unless a slow machine made that one stale too). */
GST_START_TEST (test_live_drops_whole_gops)
{
  QosCount count = { 0, 0, 0 };
  GstStructure *stats;
  GArray *delivered =
      run_overload ("auto", TRUE, NULL, 5000, 10000, 10, &count, &stats);
  guint64 sent = test_stat (stats, "frames-sent");
  guint64 dropped = test_stat (stats, "frames-dropped");
  guint i, frame, previous;

  fail_unless_equals_uint64 (sent + dropped, N_FRAMES);
  fail_unless_equals_uint64 (delivered->len, sent);
  fail_unless_equals_int (g_array_index (delivered, guint, 0), 0);
  for (i = 1; i < delivered->len; i++) {
    frame = g_array_index (delivered, guint, i);
    previous = g_array_index (delivered, guint, i - 1);
    fail_unless (frame % 10 == 0 || frame == previous + 1,
        "delta frame %u sent after frame %u", frame, previous);
  }
  fail_unless_equals_uint64 (count.qos_messages, dropped);
  fail_unless (count.key_unit_requests >= 1);
  fail_unless (count.key_unit_requests <= dropped);

  gst_structure_free (stats);
  g_array_unref (delivered);
}

GST_END_TEST;

/* Nothing is dropped from a non-live upstream (a file transfer) with the
 * default policy, nor with drop-policy=never. */
GST_START_TEST (test_lossless)
{
  const struct {
    const gchar *policy;
    gboolean live;
    guint key_every;
    const gchar *caps;
  } cases[] = { { "auto", FALSE, 0, NULL }, { "never", TRUE, 0, NULL },
    { "never", TRUE, 10, NULL } };
  QosCount count = { 0, 0, 0 };
  GstStructure *stats;
  GArray *delivered = run_overload (cases[__i__].policy, cases[__i__].live,
      cases[__i__].caps, 5000, 100000, cases[__i__].key_every, &count, &stats);
  guint i;

  fail_unless_equals_uint64 (test_stat (stats, "frames-dropped"), 0);
  fail_unless_equals_int (delivered->len, N_FRAMES);
  for (i = 0; i < N_FRAMES; i++)
    fail_unless_equals_int (g_array_index (delivered, guint, i), i);
  fail_unless_equals_int (count.qos_messages, 0);
  fail_unless_equals_int (count.key_unit_requests, 0);

  gst_structure_free (stats);
  g_array_unref (delivered);
}

GST_END_TEST;

/* Sends XOFF and returns once the line discipline has taken it. With the
 * sink's IXON in force it swallows the XOFF and stops the output, so only
 * the marker after it reaches the slave; a sink that ignores flow control
 * leaves the XOFF as data there, and the line running. */
static void
hold_line (TestPty *pty)
{
  guint8 c;

  fail_unless_equals_int (write (pty->master, "\x13M", 2), 2);
  test_read_exactly (pty->slave, &c, 1);
  fail_unless (c == 'M', "XOFF was not taken as flow control: got 0x%02x", c);
}

/* A receiver that holds the line off with XOFF: nothing is sent while it
 * holds it (the XOFF is in force before the data comes), nothing is lost
 * once it sends XON, and the held-off pipeline still stops at once. */
GST_START_TEST (test_xoff_holds_without_loss)
{
  const gsize size = 100000;
  guint8 *data = test_random_bytes (size, 4), *got = g_malloc (size);
  GstElement *sender, *appsrc, *sink;
  TestPty pty;

  test_pty_open (&pty);
  sender = test_make_sender (pty.path, "native", &appsrc);
  sink = gst_bin_get_by_name (GST_BIN (sender), "sink");
  gst_util_set_object_arg (G_OBJECT (sink), "flow-control", "xon-xoff");
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  hold_line (&pty);
  gst_app_src_push_buffer (GST_APP_SRC (appsrc),
      gst_buffer_new_wrapped (g_memdup2 (data, size), size));
  fail_unless_equals_int (write (pty.master, "\x11", 1), 1);

  /* The native framing escapes XON/XOFF in this mode: decode to compare,
   * the frame whole or in pieces (as it goes before a receiver reports). */
  {
    guint8 *buf = g_malloc (size + 4096), *wire = g_malloc (1);
    sf_decoder dec;
    gsize consumed, have = 0;

    sf_decoder_init (&dec, SF_MODE_NATIVE, SF_OPT_XONXOFF, buf, size + 4096);
    while (have < size) {
      const sf_packet *pkt;

      test_read_exactly (pty.master, wire, 1);
      if (sf_decoder_feed (&dec, wire, 1, &consumed) != SF_DEC_PACKET)
        continue;
      pkt = sf_decoder_packet (&dec);
      if (pkt->header.type != SF_TYPE_DATA &&
          pkt->header.type != SF_TYPE_FRAGMENT)
        continue;
      fail_unless (have + pkt->payload_len <= size);
      memcpy (got + have, pkt->payload, pkt->payload_len);
      have += pkt->payload_len;
    }
    g_free (wire);
    g_free (buf);
  }
  fail_unless (memcmp (got, data, size) == 0);

  /* Held off again with data pending: stopping returns. */
  hold_line (&pty);
  gst_app_src_push_buffer (GST_APP_SRC (appsrc),
      gst_buffer_new_wrapped (g_memdup2 (data, size), size));
  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  gst_object_unref (sink);
  gst_object_unref (sender);
  test_pty_close (&pty);
  g_free (got);
  g_free (data);
}

GST_END_TEST;

/* stats-interval posts the link statistics as element messages. */
GST_START_TEST (test_stats_messages)
{
  const gchar *names[] = { "serialsink", "serialsrc" };
  GstElement *pipe;
  GstBus *bus;
  TestPty pty;
  gchar *desc, *structure_name;
  guint n = 0;

  test_pty_open (&pty);
  desc = g_strdup_printf (__i__ == 0
          ? "appsrc ! serialsink port=%s stats-interval=20"
          : "serialsrc port=%s stats-interval=20 ! fakesink",
      pty.path);
  structure_name = g_strdup_printf ("%s-link-stats", names[__i__]);
  pipe = gst_parse_launch (desc, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  while (n < 3) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    const GstStructure *s = gst_message_get_structure (msg);

    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    if (gst_structure_has_name (s, structure_name)) {
      fail_unless (gst_structure_has_field (s, "wire-bytes"));
      n++;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  gst_object_unref (bus);
  gst_object_unref (pipe);
  test_pty_close (&pty);
  g_free (structure_name);
  g_free (desc);
}

GST_END_TEST;

/* A serialsink on @pty at 200 bytes/s that may drop any frame, fed
 * directly: a push returns when render() does. */
static GstHarness *
slow_sink_harness (TestPty *pty)
{
  gchar *desc = g_strdup_printf ("serialsink framing=cobs link-rate=200 "
                                 "drop-policy=stale port=%s",
      pty->path);
  GstHarness *h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, "application/x-serial-test");
  g_free (desc);
  return h;
}

/* Defect (issue 13): a frame that may be dropped held upstream back for as
 * long as the line carried the frame before it, and a live source let go
 * then rendered the frames it owed while the line idled. Now render()
 * returns at once: frames that come while the line is busy wait behind the
 * frame on its way, the newest replacing the one waiting, which is dropped
 * and counted. Frame 0 takes 2 s on the line; frames 1 to 5, without
 * timestamps (never stale), come meanwhile: 0 and 5 go. */
GST_START_TEST (test_newest_frame_waits_behind)
{
  GArray *delivered = g_array_new (FALSE, FALSE, sizeof (guint));
  GstStructure *stats;
  TestRelay *collector;
  GstElement *sink;
  GstHarness *h;
  TestPty pty;
  guint i;

  test_pty_open (&pty);
  collector = test_collector_start (pty.master);
  h = slow_sink_harness (&pty);
  for (i = 0; i < 6; i++) {
    gsize size = i == 0 ? 400 : 10;
    GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

    gst_buffer_memset (buf, 0, i + 1, size);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  sink = gst_harness_find_element (h, "serialsink");
  g_object_get (sink, "link-stats", &stats, NULL);
  fail_unless_equals_uint64 (test_stat (stats, "frames-sent"), 2);
  fail_unless_equals_uint64 (test_stat (stats, "frames-dropped"), 4);
  cobs_frames (test_collector_wait (collector, test_stat (stats, "wire-bytes")),
      delivered);
  fail_unless_equals_int (delivered->len, 2);
  fail_unless_equals_int (g_array_index (delivered, guint, 0), 0);
  fail_unless_equals_int (g_array_index (delivered, guint, 1), 5);

  gst_structure_free (stats);
  gst_object_unref (sink);
  gst_harness_teardown (h);
  test_relay_stop (collector);
  g_array_unref (delivered);
  test_pty_close (&pty);
}

GST_END_TEST;

/* Defect: the drop policy kept, across a flush, when the line would be free
 * of the last frame, in the running time of before the flush: after a
 * flushing seek (running time starting again) frames were stale until the
 * new running time caught up. A frame of 2 s on the line makes the next
 * frame stale; after a flush, a frame at running time 0 goes. */
GST_START_TEST (test_flush_forgets_line_time)
{
  GstStructure *stats;
  GstElement *sink;
  GstSegment segment;
  GstHarness *h;
  TestPty pty;
  guint i;

  test_pty_open (&pty);
  h = slow_sink_harness (&pty);
  for (i = 0; i < 2; i++) {
    gsize size = i == 0 ? 400 : 10;
    GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

    gst_buffer_memset (buf, 0, i + 1, size);
    GST_BUFFER_PTS (buf) = i * FRAME_DURATION;
    GST_BUFFER_DURATION (buf) = FRAME_DURATION;
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 10, NULL);

    gst_buffer_memset (buf, 0, 3, 10);
    GST_BUFFER_PTS (buf) = 0;
    GST_BUFFER_DURATION (buf) = FRAME_DURATION;
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  /* Frame 0 was cut short by the flush, frame 1 was stale, frame 2 went. */
  sink = gst_harness_find_element (h, "serialsink");
  g_object_get (sink, "link-stats", &stats, NULL);
  fail_unless_equals_uint64 (test_stat (stats, "frames-dropped"), 1);
  fail_unless_equals_uint64 (test_stat (stats, "frames-sent"), 1);

  gst_structure_free (stats);
  gst_object_unref (sink);
  gst_harness_teardown (h);
  test_pty_close (&pty);
}

GST_END_TEST;

static Suite *
serialflow_suite (void)
{
  Suite *s = suite_create ("serialflow");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_line_rate);
  tcase_add_test (tc, test_paced_transfer_exact);
  tcase_add_test (tc, test_live_drops_stale_frames);
  tcase_add_test (tc, test_live_drops_whole_gops);
  tcase_add_test (tc, test_newest_frame_waits_behind);
  tcase_add_test (tc, test_flush_forgets_line_time);
  tcase_add_loop_test (tc, test_lossless, 0, 3);
  tcase_add_test (tc, test_live_data_is_kept);
  tcase_add_test (tc, test_xoff_holds_without_loss);
  tcase_add_loop_test (tc, test_stats_messages, 0, 2);
  return s;
}

TEST_CHECK_MAIN (serialflow);
