/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: several elements of one process on one port (issue 16):
 * channels side by side, both directions of a port, settings that must
 * match, closing in any order.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "testutil.h"

#include "gstserialline.h"
#include "gstserialport.h"
#include "serialframe.h"

#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>
#include <string.h>
#include <unistd.h>

#define FRAMES 12

static gsize
frame_size (guint channel, guint i)
{
  return 200 + 97 * i + 31 * channel;
}

static guint8 *
frame_data (guint channel, guint i)
{
  return test_random_bytes (frame_size (channel, i), 1000 * channel + i);
}

static GstElement *
get (GstElement *bin, const gchar *name)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (bin), name);

  fail_unless (el != NULL, "no %s", name);
  gst_object_unref (el);
  return el;
}

static void
push_frames (GstElement *appsrc, guint channel)
{
  guint i;

  for (i = 0; i < FRAMES; i++) {
    GstBuffer *buf = gst_buffer_new_wrapped (frame_data (channel, i),
        frame_size (channel, i));

    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf),
        GST_FLOW_OK);
  }
  fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC (appsrc)),
      GST_FLOW_OK);
}

static void
check_frames (TestReceived *r, guint channel)
{
  guint i;

  test_received_wait_eos (r);
  fail_unless_equals_int (r->buffers->len, FRAMES);
  for (i = 0; i < FRAMES; i++) {
    guint8 *data = frame_data (channel, i);

    fail_unless_equals_int (gst_buffer_get_size (r->buffers->pdata[i]),
        frame_size (channel, i));
    fail_unless (gst_buffer_memcmp (r->buffers->pdata[i], 0, data,
                     frame_size (channel, i)) == 0,
        "channel %u frame %u differs", channel, i);
    g_free (data);
  }
}

static GstElement *
launch (const gchar *description)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (description, &err);

  fail_unless (pipe != NULL, "%s: %s", description, err ? err->message : "");
  return pipe;
}

#define APPSRC                                                                 \
  "appsrc block=true max-bytes=262144 format=bytes "                           \
  "caps=application/x-test-frames"

/* Two serialsinks share one port, each with its channel, and two serialsrcs
 * the other end: each receiver gets its channel's frames byte for byte and
 * nothing of the other's. Loop 1 paces (as on a UART): a sink writes a
 * packet in refills of the line's window, and no other element's bytes may
 * come between two refills of one packet. */
static const gchar *const share_pacing[] = { "", "pacing=on link-rate=20000" };

GST_START_TEST (test_two_channels_share_a_port)
{
  TestEmu *emu = test_emu_start (NULL);
  GstElement *tx, *rx;
  TestReceived r1, r2;
  GstStructure *st;
  gchar *desc;

  desc = g_strdup_printf ("serialsrc name=rx1 port=%s channel=1 ! "
                          "appsink name=k1 "
                          "serialsrc name=rx2 port=%s channel=2 ! "
                          "appsink name=k2",
      test_emu_b (emu), test_emu_b (emu));
  rx = launch (desc);
  g_free (desc);
  test_received_attach (get (rx, "k1"), &r1);
  test_received_attach (get (rx, "k2"), &r2);
  desc = g_strdup_printf (APPSRC " name=a1 ! serialsink name=tx1 port=%s "
                                 "channel=1 %s " APPSRC " name=a2 ! "
                                 "serialsink name=tx2 port=%s channel=2 %s",
      test_emu_a (emu), share_pacing[__i__], test_emu_a (emu),
      share_pacing[__i__]);
  tx = launch (desc);
  g_free (desc);
  fail_if (test_set_state (rx, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_if (test_set_state (tx, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);

  push_frames (get (tx, "a1"), 1);
  push_frames (get (tx, "a2"), 2);
  check_frames (&r1, 1);
  check_frames (&r2, 2);

  st = test_link_stats (rx, "rx1");
  fail_unless_equals_uint64 (test_stat (st, "frames-received"), FRAMES);
  fail_unless_equals_uint64 (test_stat (st, "check-failures"), 0);
  fail_unless_equals_uint64 (test_stat (st, "lost-frames"), 0);
  gst_structure_free (st);
  st = test_link_stats (tx, "tx2");
  fail_unless_equals_uint64 (test_stat (st, "frames-sent"), FRAMES);
  gst_structure_free (st);

  fail_unless_equals_int (test_set_state (tx, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_set_state (rx, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (tx);
  gst_object_unref (rx);
  test_received_clear (&r1);
  test_received_clear (&r2);
  test_emu_stop (emu);
}

GST_END_TEST;

/* Each end of a duplex line has a serialsink and a serialsrc on its one
 * port, in one process: frames go both ways at once, every one intact,
 * with the reverse direction's control packets alongside. */
GST_START_TEST (test_both_directions_share_a_port)
{
  TestEmu *emu = test_emu_start (NULL);
  GstElement *pipe;
  TestReceived at_a, at_b;
  gchar *desc;

  desc = g_strdup_printf (APPSRC " name=src_a ! serialsink name=tx_a port=%s "
                                 "channel=1 "
                                 "serialsrc name=rx_a port=%s channel=2 ! "
                                 "appsink name=k_a async=false " APPSRC
                                 " name=src_b ! serialsink name=tx_b port=%s "
                                 "channel=2 "
                                 "serialsrc name=rx_b port=%s channel=1 ! "
                                 "appsink name=k_b async=false",
      test_emu_a (emu), test_emu_a (emu), test_emu_b (emu), test_emu_b (emu));
  pipe = launch (desc);
  g_free (desc);
  test_received_attach (get (pipe, "k_a"), &at_a);
  test_received_attach (get (pipe, "k_b"), &at_b);
  fail_if (
      test_set_state (pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);

  push_frames (get (pipe, "src_a"), 1);
  push_frames (get (pipe, "src_b"), 2);
  check_frames (&at_b, 1);
  check_frames (&at_a, 2);

  fail_unless_equals_int (test_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipe);
  test_received_clear (&at_a);
  test_received_clear (&at_b);
  test_emu_stop (emu);
}

GST_END_TEST;

/* Each channel ends on its own: channel 1's EOS ends channel 1's
 * receiver, while channel 2 goes on, and ends later with its own. */
GST_START_TEST (test_eos_per_channel)
{
  TestEmu *emu = test_emu_start (NULL);
  GstElement *tx, *rx;
  TestReceived r1, r2;
  gchar *desc;

  desc = g_strdup_printf ("serialsrc port=%s channel=1 ! "
                          "appsink name=k1 async=false "
                          "serialsrc port=%s channel=2 ! "
                          "appsink name=k2 async=false",
      test_emu_b (emu), test_emu_b (emu));
  rx = launch (desc);
  g_free (desc);
  test_received_attach (get (rx, "k1"), &r1);
  test_received_attach (get (rx, "k2"), &r2);
  desc = g_strdup_printf (APPSRC " name=a1 ! serialsink async=false port=%s "
                                 "channel=1 " APPSRC " name=a2 ! serialsink "
                                 "async=false port=%s channel=2",
      test_emu_a (emu), test_emu_a (emu));
  tx = launch (desc);
  g_free (desc);
  fail_if (test_set_state (rx, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_if (test_set_state (tx, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);

  push_frames (get (tx, "a1"), 1);
  check_frames (&r1, 1);
  g_mutex_lock (&r2.lock);
  fail_if (r2.eos, "channel 2 ended with channel 1");
  g_mutex_unlock (&r2.lock);
  push_frames (get (tx, "a2"), 2);
  check_frames (&r2, 2);

  fail_unless_equals_int (test_set_state (tx, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_set_state (rx, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (tx);
  gst_object_unref (rx);
  test_received_clear (&r1);
  test_received_clear (&r2);
  test_emu_stop (emu);
}

GST_END_TEST;

/* One element of a shared port fails (caps too long to send) and its
 * pipeline stops: the other element's channel goes on, whole. */
GST_START_TEST (test_one_element_in_error)
{
  TestEmu *emu = test_emu_start (NULL);
  GstElement *good, *bad, *rx;
  GString *caps = g_string_new ("application/x-test-frames,junk=(string)");
  TestReceived r2;
  GstBus *bus;
  gchar *desc, *msg;

  rx = test_make_receiver (test_emu_b (emu), "native", &r2);
  g_object_set (get (rx, "src"), "channel", 2, NULL);
  desc = g_strdup_printf (APPSRC " name=a2 ! serialsink port=%s channel=2",
      test_emu_a (emu));
  good = launch (desc);
  g_free (desc);
  while (caps->len <= SF_CAPS_MAX)
    g_string_append (caps, "x");
  desc = g_strdup_printf ("appsrc name=a1 format=bytes caps=\"%s\" ! "
                          "serialsink port=%s channel=1",
      caps->str, test_emu_a (emu));
  bad = launch (desc);
  g_free (desc);
  g_string_free (caps, TRUE);
  fail_if (test_set_state (rx, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_if (
      test_set_state (good, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_if (test_set_state (bad, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);

  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (
                                                       get (bad, "a1")),
                              gst_buffer_new_allocate (NULL, 100, NULL)),
      GST_FLOW_OK);
  bus = gst_element_get_bus (bad);
  msg = test_expect_error (bus, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT);
  g_free (msg);
  gst_object_unref (bus);
  fail_unless_equals_int (test_set_state (bad, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bad);

  push_frames (get (good, "a2"), 2);
  check_frames (&r2, 2);

  fail_unless_equals_int (test_set_state (good, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_set_state (rx, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (good);
  gst_object_unref (rx);
  test_received_clear (&r2);
  test_emu_stop (emu);
}

GST_END_TEST;

static GstElement *
make_element (const gchar *factory, const gchar *port, guint baud)
{
  GstElement *el = gst_element_factory_make (factory, NULL);

  g_object_set (el, "port", port, "baud-rate", baud, NULL);
  return el;
}

/* A second element on a port already open in the process shares it when
 * its settings are the same; with other settings it fails with a SETTINGS
 * error naming both elements, and the opener goes on undisturbed. Closing
 * in any order leaves the port free. */
GST_START_TEST (test_settings_must_match)
{
  GstElement *opener, *same, *other, *pipe;
  GstBus *bus;
  TestPty pty;
  gchar *text;

  test_pty_open (&pty);
  opener = make_element ("serialsink", pty.path, 57600);
  same = make_element ("serialsrc", pty.path, 57600);
  fail_if (gst_element_set_state (opener, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (same, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);

  pipe = gst_pipeline_new (NULL);
  other = make_element ("serialsrc", pty.path, 115200);
  gst_bin_add (GST_BIN (pipe), other);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  text =
      test_expect_error (bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS);
  fail_unless (strstr (text, GST_OBJECT_NAME (opener)) != NULL, "%s", text);
  fail_unless (strstr (text, GST_OBJECT_NAME (other)) != NULL, "%s", text);
  g_free (text);
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);

  /* The first closes first; the second still has the port. */
  gst_element_set_state (opener, GST_STATE_NULL);
  other = make_element ("serialsrc", pty.path, 115200);
  pipe = gst_pipeline_new (NULL);
  gst_bin_add (GST_BIN (pipe), other);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);

  /* Both closed: any settings now. */
  gst_element_set_state (same, GST_STATE_NULL);
  other = make_element ("serialsrc", pty.path, 115200);
  fail_if (gst_element_set_state (other, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (other, GST_STATE_NULL);

  gst_object_unref (other);
  gst_object_unref (opener);
  gst_object_unref (same);
  test_pty_close (&pty);
}

GST_END_TEST;

/* @st: records the streaming thread when not NULL. */
static GstElement *
start_sink (const gchar *port, const gchar *name, guint channel, gint priority,
    TestStreamThread *st)
{
  gchar *desc =
      g_strdup_printf (APPSRC " name=a ! serialsink name=%s port=%s "
                              "channel=%u priority=%d caps-interval=0",
          name, port, channel, priority);
  GstElement *pipe = launch (desc);

  g_free (desc);
  if (st)
    test_stream_thread_watch (st, pipe);
  fail_if (
      test_set_state (pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  return pipe;
}

static void
push_filled (GstElement *pipe, gsize size, guint8 fill)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (buf, 0, fill, size);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (
                                                       get (pipe, "a")),
                              buf),
      GST_FLOW_OK);
}

static void
stop_pipe (GstElement *pipe)
{
  fail_unless_equals_int (test_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipe);
}

/* The next packet on @fd. */
static const sf_packet *
next_packet (int fd, sf_decoder *dec)
{
  guint8 byte;
  gsize used;

  do
    test_read_exactly (fd, &byte, 1);
  while (sf_decoder_feed (dec, &byte, 1, &used) != SF_DEC_PACKET);
  return sf_decoder_packet (dec);
}

/* A serialsink on a shared port fills the line, which nobody reads, with a
 * 30000-byte frame (channel 0, priority 0); then the others' buffers of
 * 100 bytes (channel i + 1, priority @priorities[i]) wait for the line, in
 * that order, each one write (their announcements and caps went with a
 * first buffer before). Reads the line and returns, for each of them, how
 * many pieces of the large frame went before its buffer, and in *@order
 * the channels of the buffers as they came. */
static void
run_shared_line (const gint *priorities, guint n, guint *after, guint *order,
    guint *count)
{
  guint8 *dec_buf = g_malloc (SF_NATIVE_DECODE_BUFFER_SIZE (40000));
  GstElement *low, *others[4];
  guint pieces = 0, seen = 0, i;
  TestStreamThread st;
  sf_decoder dec;
  TestPty pty;

  g_assert (n <= G_N_ELEMENTS (others));
  sf_decoder_init (&dec, SF_MODE_NATIVE, 0, dec_buf,
      SF_NATIVE_DECODE_BUFFER_SIZE (40000));
  test_pty_open (&pty);
  low = start_sink (pty.path, "low", 0, 0, &st);
  for (i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("other%u", i);

    others[i] = start_sink (pty.path, name, i + 1, priorities[i], NULL);
    push_filled (others[i], 100, 'a' + i);
    while (next_packet (pty.master, &dec)->header.type != SF_TYPE_DATA)
      ;
    test_wait_stat (others[i], name, "frames-sent", 1);
    g_free (name);
  }
  push_filled (low, 30000, 'L');
  test_stream_thread_wait_poll (&st);
  for (i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("other%u", i);
    GstStructure *stats = test_link_stats (others[i], name);
    guint64 waits = test_stat (stats, "line-waits");

    gst_structure_free (stats);
    push_filled (others[i], 100, 'A' + i);
    test_wait_stat (others[i], name, "line-waits", waits + 1);
    g_free (name);
  }

  *count = 0;
  while (*count == 0 || pieces < *count || seen < n) {
    const sf_packet *pkt = next_packet (pty.master, &dec);

    if (pkt->header.stream == 0 && pkt->header.type == SF_TYPE_FRAGMENT) {
      *count = pkt->header.frag_count;
      pieces++;
    }
    if (pkt->header.stream > 0 && pkt->header.type == SF_TYPE_DATA) {
      after[pkt->header.stream - 1] = pieces;
      order[seen++] = pkt->header.stream;
    }
  }
  stop_pipe (low);
  for (i = 0; i < n; i++)
    stop_pipe (others[i]);
  test_pty_close (&pty);
  g_free (dec_buf);
}

/* Another serialsink's small buffer goes between the pieces of a large
 * frame on a shared port: it waits one piece, not the whole frame. */
GST_START_TEST (test_turns_between_pieces)
{
  const gint priorities[] = { 0 };
  guint after[1], order[1], count;

  run_shared_line (priorities, 1, after, order, &count);
  fail_unless (count > 1, "the frame went whole");
  fail_unless (after[0] < count, "the small buffer went after piece %u of %u",
      after[0], count);
}

GST_END_TEST;

/* Of two buffers waiting for the line, the one of the higher priority goes
 * first, though it came second. */
GST_START_TEST (test_priority_goes_first)
{
  const gint priorities[] = { 0, 5 };
  guint after[2], order[2], count;

  run_shared_line (priorities, 2, after, order, &count);
  fail_unless_equals_int (order[0], 2);
  fail_unless_equals_int (order[1], 1);
  fail_unless (after[1] < count);
}

GST_END_TEST;

/* Frame @i of @channel with the sender's timestamp @pts. */
static void
push_timed (GstElement *appsrc, guint channel, guint i, GstClockTime pts)
{
  GstBuffer *buf =
      gst_buffer_new_wrapped (frame_data (channel, i), frame_size (channel, i));

  GST_BUFFER_PTS (buf) = pts;
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf),
      GST_FLOW_OK);
}

/* How much later than the sender's timestamp @pts buffer @i of @r is
 * due. */
static GstClockTimeDiff
due_after (TestReceived *r, guint i, GstClockTime pts)
{
  return GST_CLOCK_DIFF (pts, GST_BUFFER_PTS (r->buffers->pdata[i]));
}

/* Two serialsrcs receive two channels of one port (audio and video, say):
 * their buffers are timestamped on one time base, the sender's times plus
 * the longest transit seen, so that what was sent at the same time is due
 * at the same time. Frame 0 of channel 1 arrives first and alone, sent at
 * 0: every later frame is sent (by its timestamp) seconds later than it
 * could arrive, so the offset frame 0 set stays, for both channels. With
 * timestamps=arrival the distances would differ by those seconds. */
static const gchar *const time_base_modes[] = { "", "timestamps=sender" };

GST_START_TEST (test_channels_share_a_time_base)
{
  TestEmu *emu = test_emu_start (NULL);
  GstElement *tx, *rx, *a1, *a2;
  GstClockTimeDiff due;
  TestReceived r1, r2;
  gchar *desc;
  guint i;

  /* async=false: k1 gets frame 0 before k2 has a frame; sync=false: the
   * frames are due seconds apart. */
  desc = g_strdup_printf ("serialsrc name=rx1 port=%s channel=1 %s ! "
                          "appsink name=k1 async=false sync=false "
                          "serialsrc name=rx2 port=%s channel=2 %s ! "
                          "appsink name=k2 async=false sync=false",
      test_emu_b (emu), time_base_modes[__i__], test_emu_b (emu),
      time_base_modes[__i__]);
  rx = launch (desc);
  g_free (desc);
  test_received_attach (get (rx, "k1"), &r1);
  test_received_attach (get (rx, "k2"), &r2);
  /* async=false: frame 0 goes before the other sink has a frame. */
  desc = g_strdup_printf ("appsrc name=a1 format=time "
                          "caps=application/x-test-frames ! serialsink "
                          "async=false port=%s channel=1 appsrc name=a2 "
                          "format=time caps=application/x-test-frames ! "
                          "serialsink async=false port=%s channel=2",
      test_emu_a (emu), test_emu_a (emu));
  tx = launch (desc);
  g_free (desc);
  a1 = get (tx, "a1");
  a2 = get (tx, "a2");
  fail_if (test_set_state (rx, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_if (test_set_state (tx, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);

  push_timed (a1, 1, 0, 0);
  test_received_wait_buffers (&r1, 1);
  for (i = 1; i < FRAMES; i++) {
    push_timed (a1, 1, i, i * 10 * GST_SECOND);
    push_timed (a2, 2, i, i * 10 * GST_SECOND + 5 * GST_SECOND);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (a1));
  gst_app_src_end_of_stream (GST_APP_SRC (a2));
  test_received_wait_eos (&r1);
  test_received_wait_eos (&r2);
  fail_unless_equals_int (r1.buffers->len, FRAMES);
  fail_unless_equals_int (r2.buffers->len, FRAMES - 1);

  due = due_after (&r1, 0, 0);
  fail_unless (due >= 0);
  for (i = 1; i < FRAMES; i++) {
    fail_unless_equals_int64 (due_after (&r1, i, i * 10 * GST_SECOND), due);
    fail_unless_equals_int64 (due_after (&r2, i - 1,
                                  i * 10 * GST_SECOND + 5 * GST_SECOND),
        due);
  }

  fail_unless_equals_int (test_set_state (tx, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_set_state (rx, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (tx);
  gst_object_unref (rx);
  test_received_clear (&r1);
  test_received_clear (&r2);
  test_emu_stop (emu);
}

GST_END_TEST;

#define STREAM_BYTES 20000

/* A byte stream on a channel beside frames: a flight controller's MAVLink
 * read from its UART by serialsrc framing=raw goes on channel 1 of the
 * radio, video on channel 0. The bytes come out in order, every one,
 * however the reads cut them, as the caps say; the frames as they went.
 * The line is paced and busy: a live stream of pictures would lose
 * buffers there (drop-policy=stale does), data loses none. */
GST_START_TEST (test_byte_stream_channel)
{
  static const gchar *const options[] = { "--baud", "115200", NULL };
  TestEmu *emu = test_emu_start (options);
  guint8 *stream = test_random_bytes (STREAM_BYTES, 77);
  GstElement *tx, *rx;
  TestReceived r0, r1;
  GstStructure *st;
  GstCaps *caps;
  TestPty fc;
  gsize off = 0;
  gchar *desc;

  test_pty_open (&fc);
  desc = g_strdup_printf ("serialsrc name=rx0 port=%s channel=0 ! "
                          "appsink name=k0 async=false "
                          "serialsrc name=rx1 port=%s channel=1 ! "
                          "appsink name=k1 async=false",
      test_emu_b (emu), test_emu_b (emu));
  rx = launch (desc);
  g_free (desc);
  test_received_attach (get (rx, "k0"), &r0);
  test_received_attach (get (rx, "k1"), &r1);
  desc =
      g_strdup_printf ("serialsrc framing=raw port=%s "
                       "caps=application/x-mavlink ! serialsink "
                       "name=tx1 port=%s channel=1 priority=1 pacing=on " APPSRC
                       " name=a0 ! serialsink port=%s channel=0 "
                       "pacing=on",
          fc.path, test_emu_a (emu), test_emu_a (emu));
  tx = launch (desc);
  g_free (desc);
  fail_if (test_set_state (rx, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_if (test_set_state (tx, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);

  push_frames (get (tx, "a0"), 0);
  while (off < STREAM_BYTES) {
    gsize n = MIN (1 + off % 97, STREAM_BYTES - off);

    fail_unless_equals_int (write (fc.master, stream + off, n), n);
    off += n;
  }
  check_frames (&r0, 0);
  test_received_wait_bytes (&r1, STREAM_BYTES);
  fail_unless_equals_int (r1.bytes->len, STREAM_BYTES);
  fail_unless (memcmp (r1.bytes->data, stream, STREAM_BYTES) == 0);
  caps = gst_caps_from_string ("application/x-mavlink");
  fail_unless (gst_caps_is_equal (r1.caps, caps));
  gst_caps_unref (caps);
  st = test_link_stats (rx, "rx1");
  fail_unless_equals_uint64 (test_stat (st, "lost-frames"), 0);
  fail_unless_equals_uint64 (test_stat (st, "payload-bytes"), STREAM_BYTES);
  gst_structure_free (st);

  fail_unless_equals_int (test_set_state (tx, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_set_state (rx, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (tx);
  gst_object_unref (rx);
  test_received_clear (&r0);
  test_received_clear (&r1);
  test_pty_close (&fc);
  g_free (stream);
  test_emu_stop (emu);
}

GST_END_TEST;

static GstSerialPort *
open_port (const gchar *path, const gchar *owner)
{
  GstSerialPortError err = { 0 };
  GstSerialPortConfig config;
  GstSerialPort *port;

  gst_serial_port_config_init (&config);
  port = gst_serial_port_open (path, &config, owner, &err);
  fail_unless (port != NULL, "%s: %s", path, GST_STR_NULL (err.message));
  return port;
}

static void
port_write (GstSerialPort *port, const gchar *text)
{
  GstSerialPortError err = { 0 };
  gsize written;

  fail_unless_equals_int (gst_serial_port_write_all (port,
                              (const guint8 *) text, strlen (text), &written,
                              &err),
      GST_SERIAL_IO_OK);
}

static void
port_try_write (GstSerialPort *port, const gchar *text)
{
  GstSerialPortError err = { 0 };
  gsize written;

  fail_unless_equals_int (gst_serial_port_try_write (port,
                              (const guint8 *) text, strlen (text), &written,
                              &err),
      GST_SERIAL_IO_OK);
  fail_unless_equals_int (written, strlen (text));
}

/* Reads @n bytes from @port as a string. */
static gchar *
port_read (GstSerialPort *port, gsize n)
{
  GstSerialPortError err = { 0 };
  gchar *text = g_malloc0 (n + 1);
  gsize got = 0, r;

  while (got < n) {
    fail_unless_equals_int (gst_serial_port_read (port, (guint8 *) text + got,
                                n - got, &r, &err),
        GST_SERIAL_IO_OK);
    got += r;
  }
  return text;
}

/* The elements of a port model one line: the bytes any of them writes
 * (and serialsrc's control packets) keep it busy for all of them, at the
 * lowest rate any paces at; 0 while none paces. */
GST_START_TEST (test_line_model_is_shared)
{
  TestEmu *emu = test_emu_start (NULL);
  GstSerialPort *one = open_port (test_emu_a (emu), "one");
  GstSerialPort *two = open_port (test_emu_a (emu), "two");
  GstSerialPort *rx = open_port (test_emu_b (emu), "rx");
  GstClockTime start, before;

  port_write (two, "unpaced");
  fail_unless_equals_uint64 (gst_serial_port_get_line_free_at (one), 0);

  /* 10 bytes at 1 byte/s: the model's line is busy for 10 s from here,
   * so that the later writes each add exactly their own time. */
  gst_serial_port_set_line_rate (one, 1);
  start = gst_serial_line_now ();
  port_write (two, "0123456789");
  fail_unless (
      gst_serial_port_get_line_free_at (one) >= start + 10 * GST_SECOND);
  before = gst_serial_port_get_line_free_at (two);
  port_try_write (two, "abcde");
  fail_unless_equals_uint64 (gst_serial_port_get_line_free_at (one),
      before + 5 * GST_SECOND);

  gst_serial_port_set_line_rate (two, 0.5);
  before = gst_serial_port_get_line_free_at (one);
  port_write (one, "xy");
  fail_unless_equals_uint64 (gst_serial_port_get_line_free_at (two),
      before + 4 * GST_SECOND);

  g_free (port_read (rx, 7 + 10 + 5 + 2));

  /* Who would go before whom: serialsink cuts shorter pieces then. */
  fail_if (gst_serial_port_others_go_first (one));
  gst_serial_port_set_priority (two, 1);
  fail_unless (gst_serial_port_others_go_first (one));
  fail_if (gst_serial_port_others_go_first (two));
  gst_serial_port_close (one);
  gst_serial_port_close (two);
  gst_serial_port_close (rx);
  test_emu_stop (emu);
}

GST_END_TEST;

/* Between gst_serial_port_begin_write() and _end_write() (a packet paced
 * in refills), no other port's bytes reach the line, not even serialsrc's
 * control packets, which wait and go right after. */
GST_START_TEST (test_begin_write_holds_the_line)
{
  TestEmu *emu = test_emu_start (NULL);
  GstSerialPort *one = open_port (test_emu_a (emu), "one");
  GstSerialPort *two = open_port (test_emu_a (emu), "two");
  GstSerialPort *rx = open_port (test_emu_b (emu), "rx");
  GstSerialPortError err = { 0 };
  gchar *got;

  fail_unless_equals_int (gst_serial_port_begin_write (one, &err),
      GST_SERIAL_IO_OK);
  port_write (one, "AAAA");
  port_try_write (two, "bb");
  port_try_write (two, "cc");
  port_write (one, "AAAA");
  gst_serial_port_end_write (one);
  port_write (two, "dd");

  got = port_read (rx, 14);
  fail_unless_equals_string (got, "AAAAAAAAbbccdd");
  g_free (got);
  gst_serial_port_close (one);
  gst_serial_port_close (two);
  gst_serial_port_close (rx);
  test_emu_stop (emu);
}

GST_END_TEST;

static Suite *
serialshare_suite (void)
{
  Suite *s = suite_create ("serialshare");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_two_channels_share_a_port, 0,
      G_N_ELEMENTS (share_pacing));
  tcase_add_test (tc, test_both_directions_share_a_port);
  tcase_add_test (tc, test_settings_must_match);
  tcase_add_test (tc, test_turns_between_pieces);
  tcase_add_test (tc, test_priority_goes_first);
  tcase_add_loop_test (tc, test_channels_share_a_time_base, 0,
      G_N_ELEMENTS (time_base_modes));
  tcase_add_test (tc, test_byte_stream_channel);
  tcase_add_test (tc, test_eos_per_channel);
  tcase_add_test (tc, test_one_element_in_error);
  tcase_add_test (tc, test_line_model_is_shared);
  tcase_add_test (tc, test_begin_write_holds_the_line);
  return s;
}

TEST_CHECK_MAIN (serialshare);
