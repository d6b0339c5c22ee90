/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: 2,000 frames through a noisy emulated line. No
 * corrupted frame is ever delivered, and every frame is either delivered or
 * counted as lost.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>

#include <unistd.h>

#include "testutil.h"

#define N_FRAMES 2000
#define FRAME_SIZE 200

/* FNV-1a: each test frame carries its own checksum, verified on arrival
 * independently of the framing's CRC. */
static guint32
fnv1a (const guint8 *data, gsize len)
{
  guint32 h = 2166136261u;
  gsize i;

  for (i = 0; i < len; i++)
    h = (h ^ data[i]) * 16777619u;
  return h;
}

static GstBuffer *
make_frame (guint index)
{
  guint8 *f = g_malloc (FRAME_SIZE);
  GRand *rand = g_rand_new_with_seed (index);
  guint32 sum;
  guint i;

  GST_WRITE_UINT32_LE (f, index);
  for (i = 4; i < FRAME_SIZE - 4; i++)
    f[i] = g_rand_int (rand);
  sum = fnv1a (f, FRAME_SIZE - 4);
  GST_WRITE_UINT32_LE (f + FRAME_SIZE - 4, sum);
  g_rand_free (rand);
  return gst_buffer_new_wrapped (f, FRAME_SIZE);
}

static guint64
stat (GstElement *pipe, const gchar *name, const gchar *field)
{
  GstStructure *stats = test_link_stats (pipe, name);
  guint64 v = test_stat (stats, field);

  gst_structure_free (stats);
  return v;
}

static const struct {
  const gchar *name;
  const gchar *options[8];
} lines[] = {
  { "BER 1e-6", { "--baud", "0", "--seed", "11", "--bit-error-rate", "1e-6" } },
  { "BER 1e-5", { "--baud", "0", "--seed", "12", "--bit-error-rate", "1e-5" } },
  { "BER 1e-4", { "--baud", "0", "--seed", "13", "--bit-error-rate", "1e-4" } },
  { "byte loss 1e-4",
      { "--baud", "0", "--seed", "14", "--byte-loss-rate", "1e-4" } },
};

GST_START_TEST (test_noisy_line)
{
  GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");
  GstElement *sender, *receiver, *appsrc;
  guint64 lost, without_caps, damaged;
  guint i, last = 0;
  TestReceived r;
  TestEmu *emu;

  emu = test_emu_start (lines[__i__].options);
  receiver = test_make_receiver (test_emu_b (emu), "native", &r);
  sender = test_make_sender (test_emu_a (emu), "native", &appsrc);
  g_object_set (appsrc, "caps", caps, NULL);
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  for (i = 0; i < N_FRAMES; i++)
    gst_app_src_push_buffer (GST_APP_SRC (appsrc), make_frame (i));
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  test_received_wait_eos (&r);

  /* Nothing corrupted is delivered, and what is delivered is in order. */
  for (i = 0; i < r.buffers->len; i++) {
    GstBuffer *buf = g_ptr_array_index (r.buffers, i);
    GstMapInfo map;
    guint index;

    fail_unless_equals_int (gst_buffer_get_size (buf), FRAME_SIZE);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    fail_unless_equals_int (GST_READ_UINT32_LE (map.data + FRAME_SIZE - 4),
        fnv1a (map.data, FRAME_SIZE - 4));
    index = GST_READ_UINT32_LE (map.data);
    fail_unless (i == 0 || index > last);
    last = index;
    gst_buffer_unmap (buf, &map);
  }

  /* Every frame is delivered, or counted: lost (a gap in the sequence), or
   * dropped because the caps before it were damaged. */
  lost = stat (receiver, "src", "lost-frames");
  without_caps = stat (receiver, "src", "frames-without-caps");
  damaged = stat (receiver, "src", "check-failures") +
      stat (receiver, "src", "malformed");
  g_print ("%-15s sent %u, delivered %u, lost %" G_GUINT64_FORMAT
           ", without caps %" G_GUINT64_FORMAT
           ", damaged packets %" G_GUINT64_FORMAT "\n",
      lines[__i__].name, N_FRAMES, r.buffers->len, lost, without_caps, damaged);
  fail_unless_equals_uint64 (r.buffers->len + lost + without_caps, N_FRAMES);

  gst_element_set_state (sender, GST_STATE_NULL);
  gst_element_set_state (receiver, GST_STATE_NULL);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  gst_caps_unref (caps);
  test_received_clear (&r);
  test_emu_stop (emu);
}

GST_END_TEST;

static const struct {
  const gchar *name;
  const gchar *options[8];
  guint fec_percentage;
} repaired_lines[] = {
  { "forward BER 1e-4",
      { "--baud", "0", "--seed", "21", "--faults-a2b", "bit-error-rate=1e-4" },
      0 },
  { "both ways BER 1e-4",
      { "--baud", "0", "--seed", "22", "--bit-error-rate", "1e-4" }, 0 },
  { "both ways, parity",
      { "--baud", "0", "--seed", "23", "--bit-error-rate", "3e-4" }, 10 },
};

/* A stream that must lose nothing, both ends listening to each other:
 * every frame arrives, intact and in order, however noisy the line, and
 * the repairs show in both ends' counters. */
GST_START_TEST (test_repaired_line)
{
  GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");
  GstElement *sender, *receiver, *appsrc, *sink;
  guint i, n = N_FRAMES / 4;
  TestReceived r;
  TestEmu *emu;

  emu = test_emu_start (repaired_lines[__i__].options);
  receiver = test_make_receiver (test_emu_b (emu), "native", &r);
  sender = test_make_sender (test_emu_a (emu), "native", &appsrc);
  g_object_set (appsrc, "caps", caps, NULL);
  sink = gst_bin_get_by_name (GST_BIN (sender), "sink");
  g_object_set (sink, "fec-percentage", repaired_lines[__i__].fec_percentage,
      NULL);
  gst_object_unref (sink);
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  for (i = 0; i < n; i++)
    gst_app_src_push_buffer (GST_APP_SRC (appsrc), make_frame (i));
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  test_received_wait_eos (&r);

  g_print ("%-20s sent %u, delivered %u, requests %" G_GUINT64_FORMAT
           ", pieces resent %" G_GUINT64_FORMAT "\n",
      repaired_lines[__i__].name, n, r.buffers->len,
      stat (receiver, "src", "repair-requests"),
      stat (sender, "sink", "resent-pieces"));
  fail_unless_equals_int (r.buffers->len, n);
  for (i = 0; i < n; i++) {
    GstBuffer *buf = g_ptr_array_index (r.buffers, i);
    GstBuffer *sent = make_frame (i);
    GstMapInfo map;

    fail_unless_equals_int (gst_buffer_get_size (buf), FRAME_SIZE);
    gst_buffer_map (sent, &map, GST_MAP_READ);
    fail_unless (gst_buffer_memcmp (buf, 0, map.data, map.size) == 0,
        "frame %u differs", i);
    gst_buffer_unmap (sent, &map);
    gst_buffer_unref (sent);
  }
  fail_unless_equals_uint64 (stat (receiver, "src", "lost-frames"), 0);
  fail_unless (stat (receiver, "src", "repair-requests") > 0);
  fail_unless (stat (receiver, "src", "retransmitted-frames") > 0);
  fail_unless (stat (sender, "sink", "resent-pieces") > 0);
  fail_unless (stat (sender, "sink", "repairs-served") > 0);
  /* Parity repairs what it can without a round trip. */
  if (repaired_lines[__i__].fec_percentage > 0)
    fail_unless (stat (receiver, "src", "repaired-frames") > 0);

  gst_element_set_state (sender, GST_STATE_NULL);
  gst_element_set_state (receiver, GST_STATE_NULL);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  gst_caps_unref (caps);
  test_received_clear (&r);
  test_emu_stop (emu);
}

GST_END_TEST;

#define FLOOD_SIZE (64 * 1024 * 1024)

static guint64
rss_kib (void)
{
  gchar *text = NULL, *p;
  guint64 kib = 0;

  if (g_file_get_contents ("/proc/self/status", &text, NULL, NULL) &&
      (p = strstr (text, "VmRSS:")) != NULL)
    kib = g_ascii_strtoull (p + 6, NULL, 10);
  g_free (text);
  return kib;
}

/* A peer sending random bytes at full speed: nothing is delivered, every
 * byte is accounted for, and memory stays bounded by max-frame-size. */
GST_START_TEST (test_garbage_flood)
{
  GstElement *receiver, *src;
  GstBus *bus;
  TestReceived r;
  TestPty pty;
  guint8 *block = test_random_bytes (1024 * 1024, 77);
  guint64 before, after, wire = 0;
  guint i;

  test_pty_open (&pty);
  receiver = test_make_receiver (pty.path, "native", &r);
  src = gst_bin_get_by_name (GST_BIN (receiver), "src");
  g_object_set (src, "max-frame-size", 65536, "stats-interval", 10, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (receiver));
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  before = rss_kib ();

  /* The pty takes what serialsrc reads; writes block until it has. */
  for (i = 0; i < FLOOD_SIZE / (1024 * 1024); i++) {
    gsize done = 0;

    while (done < 1024 * 1024) {
      gssize n = write (pty.master, block + done, 1024 * 1024 - done);

      fail_unless (n > 0);
      done += n;
    }
  }
  while (wire < FLOOD_SIZE) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);

    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    gst_structure_get_uint64 (gst_message_get_structure (msg), "wire-bytes",
        &wire);
    gst_message_unref (msg);
  }
  after = rss_kib ();

  fail_unless_equals_uint64 (wire, FLOOD_SIZE);
  fail_unless_equals_uint64 (stat (receiver, "src", "frames-received"), 0);
  fail_unless_equals_int (r.buffers->len, 0);
  fail_unless (stat (receiver, "src", "bytes-skipped") > FLOOD_SIZE / 2);
  g_print ("garbage flood: %d MiB read, RSS %" G_GUINT64_FORMAT
           " -> %" G_GUINT64_FORMAT " KiB\n",
      FLOOD_SIZE / (1024 * 1024), before, after);
  fail_unless (after < before + 16 * 1024,
      "memory grew by %" G_GUINT64_FORMAT " KiB", after - before);

  gst_element_set_state (receiver, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&pty);
  g_free (block);
}

GST_END_TEST;

static Suite *
serialnoise_suite (void)
{
  Suite *s = suite_create ("serialnoise");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_noisy_line, 0, G_N_ELEMENTS (lines));
  tcase_add_loop_test (tc, test_repaired_line, 0,
      G_N_ELEMENTS (repaired_lines));
  tcase_add_test (tc, test_garbage_flood);
  return s;
}

TEST_CHECK_MAIN (serialnoise);
