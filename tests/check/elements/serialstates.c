/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: stopping, pausing, flushing and ending the stream at
 * awkward moments: while serialsink sends its EOS, while a port is away and
 * the element waits to reconnect, in the middle of a packet.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsrc.h>

#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* Signalled from a pad probe in the streaming thread when an EOS event
 * reaches serialsink, before serialsink handles it. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean seen;
  TestEmu *unplug; /* when set, unplugs side A right there */
} EosProbe;

static GstPadProbeReturn
on_eos_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  EosProbe *probe = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;

  if (probe->unplug) {
    test_emu_command (probe->unplug, "unplug a\n");
    test_emu_expect (probe->unplug, "UNPLUGGED");
  }
  g_mutex_lock (&probe->lock);
  probe->seen = TRUE;
  g_cond_signal (&probe->cond);
  g_mutex_unlock (&probe->lock);
  return GST_PAD_PROBE_OK;
}

static void
eos_probe_attach (EosProbe *probe, GstElement *pipe, TestEmu *unplug)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");

  g_mutex_init (&probe->lock);
  g_cond_init (&probe->cond);
  probe->seen = FALSE;
  probe->unplug = unplug;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_eos_event,
      probe, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
}

static void
eos_probe_wait (EosProbe *probe)
{
  g_mutex_lock (&probe->lock);
  while (!probe->seen)
    g_cond_wait (&probe->cond, &probe->lock);
  g_mutex_unlock (&probe->lock);
}

static void
eos_probe_clear (EosProbe *probe)
{
  g_mutex_clear (&probe->lock);
  g_cond_clear (&probe->cond);
}

/* Pops messages of @bus until one of @types; fails on an error unless
 * @types has errors. */
static GstMessage *
wait_message (GstBus *bus, GstMessageType types)
{
  GstMessage *msg;

  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      types | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR &&
      !(types & GST_MESSAGE_ERROR)) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    fail ("error from %s: %s", GST_MESSAGE_SRC_NAME (msg), err->message);
  }
  return msg;
}

/* A 64x48 JPEG stream, paced onto a 9600-baud line: each frame takes a
 * second or so, and so do the three copies of the EOS packet. */
static GstElement *
make_slow_jpeg_sender (const gchar *port, guint num_buffers)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball "
                                 "! video/x-raw,width=64,height=48 "
                                 "! jpegenc quality=30 ! serialsink name=sink "
                                 "port=%s baud-rate=9600 pacing=on",
      num_buffers, port);
  GstElement *pipe = gst_parse_launch (desc, NULL);

  fail_unless (pipe != NULL);
  g_free (desc);
  return pipe;
}

static const gchar *const slow_link[] = { "--baud", "9600", NULL };

/* Sends XOFF and returns once the line discipline has taken it (it
 * swallows the XOFF, so a marker sent after it is the first byte the slave
 * reads): the line is held from then on. */
static void
hold_line (TestPty *pty)
{
  guint8 c;

  fail_unless_equals_int (write (pty->master, "\x13M", 2), 2);
  test_read_exactly (pty->slave, &c, 1);
  fail_unless_equals_int (c, 'M');
}

/* Defect: setting the pipeline to NULL as soon as the EOS reached
 * serialsink, which was sending its EOS packets, never returned: the
 * interrupted EOS handler went on into GstBaseSink's preroll wait after the
 * flush that should have ended it. */
GST_START_TEST (test_stop_while_sending_eos)
{
  GstElement *sender;
  EosProbe probe;
  TestEmu *emu;

  emu = test_emu_start (slow_link);
  sender = make_slow_jpeg_sender (test_emu_a (emu), 2);
  eos_probe_attach (&probe, sender, NULL);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  eos_probe_wait (&probe);
  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  eos_probe_clear (&probe);
  gst_object_unref (sender);
  test_emu_stop (emu);
}

GST_END_TEST;

/* Pausing while serialsink sends its EOS holds it; playing again finishes
 * it: the receiver gets the EOS and the sender posts EOS. */
GST_START_TEST (test_pause_while_sending_eos)
{
  GstElement *sender, *receiver;
  GstMessage *msg;
  EosProbe probe;
  TestReceived r;
  GstBus *bus;
  TestEmu *emu;

  emu = test_emu_start (slow_link);
  receiver = test_make_receiver (test_emu_b (emu), "native", &r);
  sender = make_slow_jpeg_sender (test_emu_a (emu), 2);
  eos_probe_attach (&probe, sender, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (sender));
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  eos_probe_wait (&probe);
  fail_if (
      test_set_state (sender, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
  fail_if (
      test_set_state (sender, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  msg = wait_message (bus, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  test_received_wait_eos (&r);
  fail_unless_equals_int (r.buffers->len, 2);

  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  eos_probe_clear (&probe);
  gst_object_unref (bus);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_emu_stop (emu);
}

GST_END_TEST;

/* Defect: an EOS whose sending met a reconnect was never sent, so a
 * receiver with forward-eos=true waited for ever. Now the EOS goes out on
 * the port once it is back. */
GST_START_TEST (test_eos_meets_reconnect)
{
  GstElement *sender, *receiver, *sink;
  GstMessage *msg;
  EosProbe probe;
  TestReceived r;
  GstBus *bus;
  TestEmu *emu;

  emu = test_emu_start (slow_link);
  receiver = test_make_receiver (test_emu_b (emu), "native", &r);
  sender = make_slow_jpeg_sender (test_emu_a (emu), 1);
  sink = gst_bin_get_by_name (GST_BIN (sender), "sink");
  g_object_set (sink, "reconnect", TRUE, NULL);
  /* The port goes away right before the sink handles the EOS. */
  eos_probe_attach (&probe, sender, emu);
  bus = gst_pipeline_get_bus (GST_PIPELINE (sender));
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  test_wait_element_message (bus, "serial-port-lost");
  test_emu_command (emu, "replug a\n");
  test_emu_expect (emu, "REPLUGGED");
  test_wait_element_message (bus, "serial-port-restored");
  msg = wait_message (bus, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  test_received_wait_eos (&r);

  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  eos_probe_clear (&probe);
  gst_object_unref (sink);
  gst_object_unref (bus);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_emu_stop (emu);
}

GST_END_TEST;

/* Defect: an EOS that reached serialsink in PAUSED, before it prerolled,
 * was sent right there, holding GstBaseSink's preroll lock; with the line
 * held (here: a pty full from an earlier run, which nobody reads), the
 * sink's PAUSED to PLAYING, which takes that lock, never returned. The EOS
 * now goes once GstBaseSink has prerolled on it and the pipeline plays. */
GST_START_TEST (test_play_while_eos_waits_in_paused)
{
  GstElement *sender, *appsrc, *sink;
  GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");
  TestStreamThread st;
  gint64 deadline;
  EosProbe probe;
  TestPty pty;

  test_pty_open (&pty);
  sender = test_make_sender (pty.path, "native", &appsrc);
  sink = gst_bin_get_by_name (GST_BIN (sender), "sink");
  gst_util_set_object_arg (G_OBJECT (sink), "flow-control", "xon-xoff");
  g_object_set (appsrc, "caps", caps, NULL);
  eos_probe_attach (&probe, sender, NULL);
  test_stream_thread_watch (&st, sender);

  /* Paused and held off, the stream ends before any buffer. */
  fail_unless_equals_int (test_set_state (sender, GST_STATE_PAUSED),
      GST_STATE_CHANGE_ASYNC);
  hold_line (&pty);
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  eos_probe_wait (&probe);
  /* Either the EOS is being sent, held in poll() (the defect), or it has
   * prerolled the sink, which reached PAUSED (fixed). */
  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (!test_stream_thread_in_poll (&st) &&
      gst_element_get_state (sender, NULL, NULL, 0) !=
          GST_STATE_CHANGE_SUCCESS) {
    fail_if (g_get_monotonic_time () > deadline, "the EOS went nowhere");
    g_usleep (1000); /* polling a condition, not waiting a time */
  }

  fail_if (
      test_set_state (sender, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  /* Playing, the EOS waits for the line; stopping still returns. */
  test_stream_thread_wait_poll (&st);
  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  eos_probe_clear (&probe);
  gst_object_unref (sink);
  gst_object_unref (sender);
  gst_caps_unref (caps);
  test_pty_close (&pty);
}

GST_END_TEST;

/* What the application does while serialsink waits for its port. */
enum {
  WHILE_ABSENT_PAUSE,
  WHILE_ABSENT_EOS,
  WHILE_ABSENT_FLUSH,
  WHILE_ABSENT_STOP,
  WHILE_ABSENT_N
};

/* Defect: pausing a sender while its port was unplugged, playing again and
 * replugging crashed: the interrupted reconnect left the port NULL and the
 * next write used it. Pause, EOS, a flushing seek and stopping must all
 * work while the port is away, and afterwards frames flow and an EOS
 * reaches the receiver. */
GST_START_TEST (test_sender_absent)
{
  GstElement *sender, *receiver;
  TestReceived r;
  GstMessage *msg;
  GstBus *bus;
  TestEmu *emu;
  gchar *desc;
  guint before;

  emu = test_emu_start (NULL);
  receiver = test_make_receiver (test_emu_b (emu), "native", &r);
  desc = g_strdup_printf ("videotestsrc is-live=true pattern=ball "
                          "! video/x-raw,width=64,height=48,framerate=30/1 "
                          "! jpegenc quality=30 ! serialsink name=sink "
                          "port=%s reconnect=true pacing=on",
      test_emu_a (emu));
  sender = gst_parse_launch (desc, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (sender));
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  test_received_wait_buffers (&r, 1);

  test_emu_command (emu, "unplug a\n");
  test_emu_expect (emu, "UNPLUGGED");
  test_wait_element_message (bus, "serial-port-lost");

  switch (__i__) {
    case WHILE_ABSENT_PAUSE:
      fail_if (test_set_state (sender, GST_STATE_PAUSED) ==
          GST_STATE_CHANGE_FAILURE);
      fail_if (test_set_state (sender, GST_STATE_PLAYING) ==
          GST_STATE_CHANGE_FAILURE);
      break;
    case WHILE_ABSENT_EOS:
      gst_element_send_event (sender, gst_event_new_eos ());
      break;
    case WHILE_ABSENT_FLUSH:
      gst_element_seek_simple (sender, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0);
      break;
    case WHILE_ABSENT_STOP:
      fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
          GST_STATE_CHANGE_SUCCESS);
      break;
  }

  test_emu_command (emu, "replug a\n");
  test_emu_expect (emu, "REPLUGGED");
  if (__i__ == WHILE_ABSENT_STOP) {
    /* Started again, the sender finds its port and sends. */
    fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
  } else {
    test_wait_element_message (bus, "serial-port-restored");
  }

  if (__i__ != WHILE_ABSENT_EOS) {
    g_mutex_lock (&r.lock);
    before = r.buffers->len;
    g_mutex_unlock (&r.lock);
    test_received_wait_buffers (&r, before + 3);
    gst_element_send_event (sender, gst_event_new_eos ());
  }
  msg = wait_message (bus, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  test_received_wait_eos (&r);
  fail_unless (gst_structure_has_name (gst_caps_get_structure (r.caps, 0),
      "image/jpeg"));

  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_emu_stop (emu);
  g_free (desc);
}

GST_END_TEST;

static void
push_text (GstElement *appsrc, const gchar *text)
{
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc),
                              gst_buffer_new_wrapped (g_strdup (text),
                                  strlen (text))),
      GST_FLOW_OK);
}

/* The same defect in serialsrc: pausing or flushing it while it waits for
 * its port left the port NULL for the next read. Afterwards the next frame
 * arrives intact, and so does the EOS. */
GST_START_TEST (test_receiver_absent)
{
  GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");
  GstElement *sender, *receiver, *appsrc, *src;
  TestReceived r;
  GstBus *bus;
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
  push_text (appsrc, "before");
  test_received_wait_buffers (&r, 1);

  test_emu_command (emu, "unplug b\n");
  test_emu_expect (emu, "UNPLUGGED");
  test_wait_element_message (bus, "serial-port-lost");
  if (__i__ == 0) {
    fail_if (test_set_state (receiver, GST_STATE_PAUSED) ==
        GST_STATE_CHANGE_FAILURE);
    fail_if (test_set_state (receiver, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
  } else {
    /* An application flushing the source, as GstBaseSrc takes it. Not
     * the sink: GStreamer 1.22 can deadlock when an element's flush makes
     * the pipeline change state (a sink losing its state, or resetting the
     * running time) while the thread that sent the flush holds the
     * element's state lock. */
    GstElement *sink = gst_bin_get_by_name (GST_BIN (receiver), "sink");

    g_object_set (sink, "async", FALSE, NULL);
    gst_object_unref (sink);
    fail_unless (gst_element_send_event (src, gst_event_new_flush_start ()));
    fail_unless (
        gst_element_send_event (src, gst_event_new_flush_stop (FALSE)));
  }
  test_emu_command (emu, "replug b\n");
  test_emu_expect (emu, "REPLUGGED");
  test_wait_element_message (bus, "serial-port-restored");

  push_text (appsrc, "after");
  test_received_wait_buffers (&r, 2);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[1], 0, "after", 5) == 0);
  fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC (appsrc)),
      GST_FLOW_OK);
  test_received_wait_eos (&r);

  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_set_state (receiver, GST_STATE_NULL),
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

#define BIG_PACKET (256 * 1024)

typedef struct {
  GstHarness *h;
  GstBuffer *buf;
  GstFlowReturn ret;
} PushCall;

static gpointer
push_thread (gpointer data)
{
  PushCall *call = data;

  call->ret = gst_harness_push (call->h, call->buf);
  return NULL;
}

/* Defect: a packet cut short by a flush stayed on the line and the next
 * packet was glued to it, so the receiver lost both. After an abandoned
 * packet, the next one starts with a delimiter. */
GST_START_TEST (test_flush_mid_packet)
{
  guint8 *data = test_random_bytes (BIG_PACKET, 3);
  GstElement *receiver;
  PushCall call = { 0 };
  GstSegment segment;
  TestRelay *relay;
  TestReceived r;
  GThread *thread;
  TestPty a, b;
  gchar *desc;

  test_pty_open (&a);
  test_pty_open (&b);
  desc = g_strdup_printf ("serialsink port=%s drop-policy=never", a.path);
  call.h = gst_harness_new_parse (desc);
  gst_harness_set_src_caps_str (call.h, "application/x-serial-test");

  /* Nobody reads side A: the packet fills the pty and the sink waits. */
  call.buf = gst_buffer_new_wrapped (data, BIG_PACKET);
  thread = g_thread_new ("push", push_thread, &call);
  test_wait_readable (a.master);
  gst_harness_push_event (call.h, gst_event_new_flush_start ());
  g_thread_join (thread);
  fail_unless_equals_int (call.ret, GST_FLOW_FLUSHING);
  gst_harness_push_event (call.h, gst_event_new_flush_stop (TRUE));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (call.h, gst_event_new_segment (&segment));

  /* From now on side A reaches a receiver: first the start of the cut
   * packet, then what follows. */
  receiver = test_make_receiver (b.path, "native", &r);
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  relay = test_relay_start (a.master, b.master);
  fail_unless_equals_int (gst_harness_push (call.h,
                              gst_buffer_new_wrapped (g_strdup ("after"), 5)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (call.h, gst_event_new_eos ()));
  test_received_wait_eos (&r);
  fail_unless_equals_int (r.buffers->len, 1);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[0], 0, "after", 5) == 0);

  fail_unless_equals_int (test_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_harness_teardown (call.h);
  test_relay_stop (relay);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&a);
  test_pty_close (&b);
  g_free (desc);
}

GST_END_TEST;

static Suite *
serialstates_suite (void)
{
  Suite *s = suite_create ("serialstates");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_stop_while_sending_eos);
  tcase_add_test (tc, test_pause_while_sending_eos);
  tcase_add_test (tc, test_eos_meets_reconnect);
  tcase_add_test (tc, test_play_while_eos_waits_in_paused);
  tcase_add_loop_test (tc, test_sender_absent, 0, WHILE_ABSENT_N);
  tcase_add_loop_test (tc, test_receiver_absent, 0, 2);
  tcase_add_test (tc, test_flush_mid_packet);
  return s;
}

TEST_CHECK_MAIN (serialstates);
