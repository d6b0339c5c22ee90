/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: the native, cobs and slip framings through serialsink
 * and serialsrc over a pty link, and the receiver facing damaged input.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <unistd.h>

#include "testutil.h"
#include "serialframe.h"

static const gchar *framings[] = { "native", "cobs", "slip" };

#define BIG_SIZE (8 * 1024 * 1024)

/* serialsink sends an EOS packet (10 bytes on the wire) three times; a
 * serialsrc that forwards EOS stops reading after the first. */
#define EOS_COPIES 3
#define EOS_WIRE_BYTES 10

/* A link: sender on pty a, a relay from a to b, receiver on pty b. */
typedef struct {
  TestPty a, b;
  TestRelay *relay;
  GstElement *sender, *receiver, *appsrc;
  TestReceived r;
} Link;

static void
link_setup (Link *l, const gchar *framing, const gchar *flow)
{
  GstElement *src, *sink;

  test_pty_open (&l->a);
  test_pty_open (&l->b);
  l->relay = test_relay_start (l->a.master, l->b.master);
  l->receiver = test_make_receiver (l->b.path, framing, &l->r);
  l->sender = test_make_sender (l->a.path, framing, &l->appsrc);

  src = gst_bin_get_by_name (GST_BIN (l->receiver), "src");
  sink = gst_bin_get_by_name (GST_BIN (l->sender), "sink");
  g_object_set (src, "max-frame-size", BIG_SIZE + 1024, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "flow-control", flow);
  gst_util_set_object_arg (G_OBJECT (sink), "flow-control", flow);
  gst_object_unref (src);
  gst_object_unref (sink);

  {
    GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");

    g_object_set (l->appsrc, "caps", caps, NULL);
    gst_caps_unref (caps);
  }
}

static void
link_play (Link *l)
{
  fail_if (gst_element_set_state (l->receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (l->sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
}

static void
link_start (Link *l, const gchar *framing, const gchar *flow)
{
  link_setup (l, framing, flow);
  link_play (l);
}

static void
link_stop (Link *l)
{
  fail_unless_equals_int (gst_element_set_state (l->sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (l->receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  test_relay_stop (l->relay);
  gst_object_unref (l->sender);
  gst_object_unref (l->receiver);
  test_received_clear (&l->r);
  test_pty_close (&l->a);
  test_pty_close (&l->b);
}

static void
push (Link *l, guint8 *data, gsize size)
{
  GstBuffer *buf =
      size ? gst_buffer_new_wrapped (data, size) : gst_buffer_new ();

  if (size == 0)
    g_free (data);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (l->appsrc),
                              buf),
      GST_FLOW_OK);
}

/* The payloads of the round trip: every length from 0 to 1024 (random
 * bytes), 1000 bytes of 0x00, of 0xFF, of XON/XOFF characters, and 8 MiB.
 * SLIP cannot carry an empty packet (RFC 1055), so it starts at 1. */
static GPtrArray *
make_payloads (const gchar *framing)
{
  GPtrArray *p =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GRand *rand = g_rand_new_with_seed (99);
  guint len, i;
  guint8 *d;

  for (len = g_str_equal (framing, "slip") ? 1 : 0; len <= 1024; len++) {
    d = g_malloc (len);
    for (i = 0; i < len; i++)
      d[i] = g_rand_int (rand);
    g_ptr_array_add (p, g_bytes_new_take (d, len));
  }
  g_ptr_array_add (p, g_bytes_new_take (g_malloc0 (1000), 1000));
  d = g_malloc (1000);
  memset (d, 0xff, 1000);
  g_ptr_array_add (p, g_bytes_new_take (d, 1000));
  d = g_malloc (1000);
  for (i = 0; i < 1000; i++)
    d[i] = (i & 1) ? 0x11 : 0x13;
  g_ptr_array_add (p, g_bytes_new_take (d, 1000));
  g_ptr_array_add (p,
      g_bytes_new_take (test_random_bytes (BIG_SIZE, 5), BIG_SIZE));
  g_rand_free (rand);
  return p;
}

static void
check_round_trip (const gchar *framing, const gchar *flow, guint fragment_size,
    guint fec_percentage)
{
  GPtrArray *payloads = make_payloads (framing);
  guint64 payload_total = 0;
  GstStructure *tx, *rx;
  gboolean native;
  GstElement *sink;
  Link l;
  guint i;

  link_setup (&l, framing, flow);
  sink = gst_bin_get_by_name (GST_BIN (l.sender), "sink");
  g_object_set (sink, "fragment-size", fragment_size, "fec-percentage",
      fec_percentage, NULL);
  gst_object_unref (sink);
  link_play (&l);
  for (i = 0; i < payloads->len; i++) {
    gsize size;
    gconstpointer data = g_bytes_get_data (payloads->pdata[i], &size);

    push (&l, g_memdup2 (data, size), size);
    payload_total += size;
  }
  test_received_wait_buffers (&l.r, payloads->len);
  /* The sender counts a frame once all of its packets are written (its
   * parity may still be on the way when the receiver has the frame): its
   * counters are final when it posts EOS, after the EOS packets went. */
  native = g_str_equal (framing, "native");
  if (native) {
    GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (l.sender));

    fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC (l.appsrc)),
        GST_FLOW_OK);
    gst_message_unref (
        gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS));
    gst_object_unref (bus);
    test_received_wait_eos (&l.r);
  }

  fail_unless_equals_int (l.r.buffers->len, payloads->len);
  for (i = 0; i < payloads->len; i++) {
    GstBuffer *buf = g_ptr_array_index (l.r.buffers, i);
    gsize size;
    gconstpointer data = g_bytes_get_data (payloads->pdata[i], &size);

    fail_unless_equals_int (gst_buffer_get_size (buf), size);
    fail_unless (size == 0 || gst_buffer_memcmp (buf, 0, data, size) == 0,
        "%s: payload %u differs", framing, i);
  }

  tx = test_link_stats (l.sender, "sink");
  rx = test_link_stats (l.receiver, "src");
  fail_unless_equals_uint64 (test_stat (tx, "frames-sent"), payloads->len);
  fail_unless_equals_uint64 (test_stat (tx, "payload-bytes"), payload_total);
  fail_unless_equals_uint64 (test_stat (rx, "frames-received"), payloads->len);
  fail_unless_equals_uint64 (test_stat (rx, "payload-bytes"), payload_total);
  fail_unless_equals_uint64 (test_stat (rx, "check-failures"), 0);
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 0);
  fail_unless_equals_uint64 (test_stat (rx, "malformed"), 0);
  fail_unless_equals_uint64 (test_stat (rx, "bytes-skipped"), 0);
  /* Every byte sent was read and decoded, up to the first EOS packet. */
  fail_unless_equals_uint64 (test_stat (rx, "wire-bytes"),
      test_stat (tx, "wire-bytes") -
          (native ? (EOS_COPIES - 1) * EOS_WIRE_BYTES : 0));
  if (g_str_equal (framing, "native")) {
    GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");

    fail_unless (gst_caps_is_equal (l.r.caps, caps));
    gst_caps_unref (caps);
    fail_unless (test_stat (tx, "caps-sent") >= 1);
    /* A clean line: parity goes, and nothing needs it. */
    fail_unless_equals_uint64 (test_stat (tx, "parity-sent") > 0,
        fec_percentage > 0);
    fail_unless_equals_uint64 (test_stat (rx, "repaired-frames"), 0);
  }

  gst_structure_free (tx);
  gst_structure_free (rx);
  link_stop (&l);
  g_ptr_array_unref (payloads);
}

GST_START_TEST (test_round_trip)
{
  check_round_trip (framings[__i__], "none", 0, 0);
}

GST_END_TEST;

/* Frames larger than fragment-size go as fragments of that size and come
 * out whole and identical: every length up to 1024 across the boundary of
 * a 250-byte radio packet, and 8 MiB in 33555 fragments. */
GST_START_TEST (test_round_trip_fragments)
{
  check_round_trip ("native", "none", 250, 0);
}

GST_END_TEST;

/* With parity, every length up to 1024 in fragments of 240 bytes (the
 * default with fec-percentage), each frame followed by its parity, and
 * 8 MiB in frames of 274 blocks. */
GST_START_TEST (test_round_trip_fec)
{
  check_round_trip ("native", "none", 0, 20);
}

GST_END_TEST;

/* With IXON the receiving tty swallows 0x11/0x13, so the native framing
 * must keep them off the wire. */
GST_START_TEST (test_round_trip_xon_xoff)
{
  check_round_trip ("native", "xon-xoff", 0, 0);
}

GST_END_TEST;

/* EOS travels: the receiver ends its stream when the sender does. */
GST_START_TEST (test_eos_travels)
{
  Link l;

  link_start (&l, "native", "none");
  push (&l, (guint8 *) g_strdup ("last"), 4);
  gst_app_src_end_of_stream (GST_APP_SRC (l.appsrc));
  test_received_wait_eos (&l.r);
  fail_unless_equals_int (l.r.buffers->len, 1);
  link_stop (&l);
}

GST_END_TEST;

/* Encoders and the decoding chain for their output, and its decoder. */
static const struct {
  const gchar *encoder;
  const gchar *decoder;
  const gchar *decoder_factory;
} codecs[] = {
  { "jpegenc", "jpegdec", "jpegdec" },
  { "x264enc tune=zerolatency key-int-max=10", "h264parse ! avdec_h264",
      "avdec_h264" },
};

/* The mission's pipeline in miniature: N encoded frames through the link
 * come out as N decoded frames, typed by caps from the wire (no
 * capsfilter), ending by EOS. */
GST_START_TEST (test_video_pipeline)
{
  const guint n = 20;
  GstElement *sender, *receiver, *sink;
  GstVideoInfo info;
  TestPty a, b;
  TestRelay *relay;
  TestReceived r;
  gchar *desc;

  if (test_skip_element (codecs[__i__].decoder_factory))
    return;
  test_pty_open (&a);
  test_pty_open (&b);
  relay = test_relay_start (a.master, b.master);

  desc = g_strdup_printf ("serialsrc port=%s ! %s ! appsink name=sink", b.path,
      codecs[__i__].decoder);
  receiver = gst_parse_launch (desc, NULL);
  fail_unless (receiver != NULL, "%s", desc);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (receiver), "sink");
  test_received_attach (sink, &r);

  desc = g_strdup_printf ("videotestsrc num-buffers=%u ! "
                          "video/x-raw,width=160,height=120 ! %s ! "
                          "serialsink port=%s",
      n, codecs[__i__].encoder, a.path);
  sender = gst_parse_launch (desc, NULL);
  fail_unless (sender != NULL, "%s", desc);
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  test_received_wait_eos (&r);
  fail_unless_equals_int (r.buffers->len, n);
  fail_unless (gst_video_info_from_caps (&info, r.caps));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 160);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 120);

  gst_element_set_state (sender, GST_STATE_NULL);
  gst_element_set_state (receiver, GST_STATE_NULL);
  test_relay_stop (relay);
  gst_object_unref (sink);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&a);
  test_pty_close (&b);
  g_free (desc);
}

GST_END_TEST;

/* Appends one native packet of @type with @seq and @payload on @stream to
 * @out. */
static void
append_on (GByteArray *out, guint32 stream, guint8 type, guint32 seq,
    const gchar *payload)
{
  gsize len = payload ? strlen (payload) : 0, written = 0;
  guint8 *buf = g_malloc (SF_NATIVE_ENCODED_MAX (len));
  sf_header hdr;

  sf_header_init (&hdr, type);
  hdr.seq = seq;
  hdr.stream = stream;
  fail_unless_equals_int (sf_encode_native (&hdr, payload, len, 0, buf,
                              SF_NATIVE_ENCODED_MAX (len), &written),
      SF_OK);
  g_byte_array_append (out, buf, written);
  g_free (buf);
}

/* ... on stream 0. */
static void
append_packet (GByteArray *out, guint8 type, guint32 seq, const gchar *payload)
{
  append_on (out, 0, type, seq, payload);
}

/* A receiver facing what real lines do: boot text before the stream, the
 * tail of a packet it joined halfway, a flipped bit, a packet cut short,
 * garbage between packets. Only intact packets come out, the gaps are
 * DISCONT, and the counters say exactly what was dropped. */
GST_START_TEST (test_damaged_input)
{
  const gchar *boot = "ESP-ROM:esp32s3\r\nrst:0x1 (POWERON)\r\n";
  GByteArray *wire = g_byte_array_new (), *pkt = g_byte_array_new ();
  GstElement *receiver;
  GstStructure *rx;
  TestReceived r;
  TestPty pty;
  guint8 *flip;
  guint skipped;

  /* The tail of a packet without its delimiter, then the boot text: all
   * of it is skipped up to the sender's first delimiter. */
  append_packet (pkt, SF_TYPE_DATA, 7, "joined halfway");
  g_byte_array_append (wire, pkt->data + 10, pkt->len - 11);
  g_byte_array_append (wire, (const guint8 *) boot, strlen (boot));
  skipped = wire->len;
  g_byte_array_append (wire, (const guint8 *) "\0", 1);

  append_packet (wire, SF_TYPE_CAPS, 0, "application/x-serial-test");
  append_packet (wire, SF_TYPE_DATA, 0, "frame 0");

  /* One flipped bit in the payload, which COBS carries as it is. */
  g_byte_array_set_size (pkt, 0);
  append_packet (pkt, SF_TYPE_DATA, 1, "frame 1");
  flip = memmem (pkt->data, pkt->len, "frame 1", 7);
  fail_unless (flip != NULL);
  *flip ^= 0x01;
  g_byte_array_append (wire, pkt->data, pkt->len);
  skipped += pkt->len - 1;

  append_packet (wire, SF_TYPE_DATA, 2, "frame 2");

  g_byte_array_set_size (pkt, 0);
  append_packet (pkt, SF_TYPE_DATA, 3, "frame 3");
  g_byte_array_append (wire, pkt->data, 12); /* cut short */
  g_byte_array_append (wire, (const guint8 *) "\0", 1);
  skipped += 12;

  append_packet (wire, SF_TYPE_DATA, 4, "frame 4");
  append_packet (wire, SF_TYPE_EOS, 5, NULL);

  test_pty_open (&pty);
  receiver = test_make_receiver (pty.path, "native", &r);
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (write (pty.master, wire->data, wire->len), wire->len);
  test_received_wait_eos (&r);

  fail_unless_equals_int (r.buffers->len, 3);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[0], 0, "frame 0", 7) == 0);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[1], 0, "frame 2", 7) == 0);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[2], 0, "frame 4", 7) == 0);
  fail_unless (GST_BUFFER_IS_DISCONT (r.buffers->pdata[1]));
  fail_unless (GST_BUFFER_IS_DISCONT (r.buffers->pdata[2]));

  rx = test_link_stats (receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "frames-received"), 3);
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 2);
  fail_unless_equals_uint64 (test_stat (rx, "check-failures") +
          test_stat (rx, "malformed"),
      2);
  fail_unless_equals_uint64 (test_stat (rx, "bytes-skipped"), skipped);
  fail_unless_equals_uint64 (test_stat (rx, "wire-bytes"), wire->len);
  gst_structure_free (rx);

  gst_element_set_state (receiver, GST_STATE_NULL);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&pty);
  g_byte_array_unref (wire);
  g_byte_array_unref (pkt);
}

GST_END_TEST;

/* Caps from the wire are untrusted: unparseable or unfixed caps are
 * rejected and counted; data before usable caps is dropped and counted. */
GST_START_TEST (test_bad_wire_caps)
{
  GByteArray *wire = g_byte_array_new ();
  GstElement *receiver;
  GstStructure *rx;
  TestReceived r;
  TestPty pty;

  g_byte_array_append (wire, (const guint8 *) "\0", 1);
  append_packet (wire, SF_TYPE_CAPS, 0, "this is ((( not caps");
  append_packet (wire, SF_TYPE_CAPS, 0, "video/x-raw,width=[1,100]");
  append_packet (wire, SF_TYPE_DATA, 0, "dropped");
  append_packet (wire, SF_TYPE_CAPS, 1, "application/x-serial-test");
  append_packet (wire, SF_TYPE_DATA, 1, "kept");
  append_packet (wire, SF_TYPE_EOS, 2, NULL);

  test_pty_open (&pty);
  receiver = test_make_receiver (pty.path, "native", &r);
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (write (pty.master, wire->data, wire->len), wire->len);
  test_received_wait_eos (&r);

  fail_unless_equals_int (r.buffers->len, 1);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[0], 0, "kept", 4) == 0);
  rx = test_link_stats (receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "caps-rejected"), 2);
  fail_unless_equals_uint64 (test_stat (rx, "frames-without-caps"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "frames-received"), 1);
  gst_structure_free (rx);

  gst_element_set_state (receiver, GST_STATE_NULL);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&pty);
  g_byte_array_unref (wire);
}

GST_END_TEST;

/* With sender-time, the sender's time travels as a reference timestamp
 * meta: the capture time upstream attached, or the time of sending. */
GST_START_TEST (test_sender_time)
{
  GstCaps *unix_caps = gst_caps_from_string ("timestamp/x-unix");
  GstReferenceTimestampMeta *meta;
  GstElement *sink;
  GstBuffer *buf;
  gint64 before, after;
  Link l;

  link_setup (&l, "native", "none");
  sink = gst_bin_get_by_name (GST_BIN (l.sender), "sink");
  g_object_set (sink, "sender-time", TRUE, NULL);
  gst_object_unref (sink);
  link_play (&l);
  buf = gst_buffer_new_wrapped (g_strdup ("captured"), 8);
  gst_buffer_add_reference_timestamp_meta (buf, unix_caps,
      G_GUINT64_CONSTANT (1700000000123456789), GST_CLOCK_TIME_NONE);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (l.appsrc), buf),
      GST_FLOW_OK);
  before = g_get_real_time () * 1000;
  push (&l, (guint8 *) g_strdup ("sent now"), 8);
  test_received_wait_buffers (&l.r, 2);
  after = g_get_real_time () * 1000;

  meta = gst_buffer_get_reference_timestamp_meta (l.r.buffers->pdata[0],
      unix_caps);
  fail_unless (meta != NULL);
  fail_unless_equals_uint64 (meta->timestamp,
      G_GUINT64_CONSTANT (1700000000123456789));
  meta = gst_buffer_get_reference_timestamp_meta (l.r.buffers->pdata[1],
      unix_caps);
  fail_unless (meta != NULL);
  fail_unless (meta->timestamp >= (guint64) before &&
      meta->timestamp <= (guint64) after);

  link_stop (&l);
  gst_caps_unref (unix_caps);
}

GST_END_TEST;

/* Defect: a frame sent without a DTS arrived with GstBaseSrc's DTS, taken
 * after serialsrc set the PTS, so DTS > PTS. Arrival time is both now, and
 * a frame with both keeps the distance between them. */
GST_START_TEST (test_timestamps_on_arrival)
{
  GstElement *receiver;
  GstBuffer *buf, *got;
  TestRelay *relay;
  TestReceived r;
  GstHarness *h;
  TestPty a, b;
  gchar *desc;

  test_pty_open (&a);
  test_pty_open (&b);
  relay = test_relay_start (a.master, b.master);
  receiver = test_make_receiver (b.path, "native", &r);
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* A harness sends the buffers exactly as made here. */
  desc = g_strdup_printf ("serialsink port=%s", a.path);
  h = gst_harness_new_parse (desc);
  gst_harness_set_src_caps_str (h, "application/x-serial-test");

  buf = gst_buffer_new_wrapped (g_strdup ("pts only"), 8);
  GST_BUFFER_PTS (buf) = 5 * GST_SECOND;
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  buf = gst_buffer_new_wrapped (g_strdup ("reordered"), 9);
  GST_BUFFER_DTS (buf) = 5 * GST_SECOND;
  GST_BUFFER_PTS (buf) = 5 * GST_SECOND + 40 * GST_MSECOND;
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  test_received_wait_buffers (&r, 2);

  got = r.buffers->pdata[0];
  fail_unless (GST_BUFFER_PTS_IS_VALID (got));
  fail_unless_equals_uint64 (GST_BUFFER_DTS (got), GST_BUFFER_PTS (got));
  got = r.buffers->pdata[1];
  fail_unless (GST_BUFFER_DTS_IS_VALID (got));
  fail_unless_equals_uint64 (GST_BUFFER_PTS (got) - GST_BUFFER_DTS (got),
      40 * GST_MSECOND);

  gst_harness_teardown (h);
  fail_unless_equals_int (gst_element_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  test_relay_stop (relay);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&a);
  test_pty_close (&b);
  g_free (desc);
}

GST_END_TEST;

/* A frame longer than max-frame-size is dropped without being buffered
 * and counted (a packet too long, or pieces that do not fit); the frames
 * around it arrive. */
GST_START_TEST (test_oversize_frame)
{
  GstElement *src;
  GstStructure *rx;
  guint8 *big = g_malloc0 (5000);
  Link l;

  link_start (&l, framings[__i__], "none");
  gst_element_set_state (l.receiver, GST_STATE_NULL);
  src = gst_bin_get_by_name (GST_BIN (l.receiver), "src");
  g_object_set (src, "max-frame-size", 1024, NULL);
  gst_object_unref (src);
  fail_if (gst_element_set_state (l.receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  push (&l, (guint8 *) g_strdup ("before"), 6);
  push (&l, big, 5000);
  push (&l, (guint8 *) g_strdup ("after"), 5);
  test_received_wait_buffers (&l.r, 2);

  fail_unless (gst_buffer_memcmp (l.r.buffers->pdata[0], 0, "before", 6) == 0);
  fail_unless (gst_buffer_memcmp (l.r.buffers->pdata[1], 0, "after", 5) == 0);
  rx = test_link_stats (l.receiver, "src");
  if (__i__ == 0) {
    /* Native: in pieces (no report of the line has come back, the relay
     * goes one way), which the receiver does not put together. */
    fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 1);
    fail_unless (GST_BUFFER_IS_DISCONT (l.r.buffers->pdata[1]));
  } else {
    fail_unless_equals_uint64 (test_stat (rx, "oversize-frames"), 1);
  }
  gst_structure_free (rx);
  link_stop (&l);
}

GST_END_TEST;

/* The types of the packets in @data, in order, as the reference decoder
 * finds them. */
static GArray *
packet_types (const guint8 *data, gsize len)
{
  GArray *types = g_array_new (FALSE, FALSE, sizeof (guint8));
  guint8 *buf = g_malloc (64 * 1024);
  sf_decoder dec;
  gsize consumed;

  sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf, 64 * 1024);
  while (len > 0) {
    if (sf_decoder_feed (&dec, data, len, &consumed) == SF_DEC_PACKET)
      g_array_append_val (types, sf_decoder_packet (&dec)->header.type);
    data += consumed;
    len -= consumed;
  }
  g_free (buf);
  return types;
}

/* Counts the DATA packets in @data before the first CAPS packet and after
 * it. */
static void
count_data_packets (const guint8 *data, gsize len, guint *before_caps,
    guint *after_caps)
{
  GArray *types = packet_types (data, len);
  gboolean caps_seen = FALSE;
  guint i;

  *before_caps = *after_caps = 0;
  for (i = 0; i < types->len; i++) {
    guint8 type = g_array_index (types, guint8, i);

    if (type == SF_TYPE_CAPS)
      caps_seen = TRUE;
    else if (type == SF_TYPE_DATA && caps_seen)
      (*after_caps)++;
    else if (type == SF_TYPE_DATA)
      (*before_caps)++;
  }
  g_array_unref (types);
}

/* A receiver that joins mid-stream learns the caps from their next
 * repetition and outputs typed buffers from then on. */
GST_START_TEST (test_join_mid_stream)
{
  const guint n = 30, cut = 2500;
  GstElement *sender, *appsrc, *sink, *receiver;
  GstStructure *tx, *rx;
  GstCaps *caps = gst_caps_new_empty_simple ("application/x-serial-test");
  guint8 *wire;
  guint i, before, after;
  guint64 wire_len;
  TestReceived r;
  TestPty a, b;
  GstMessage *msg;

  test_pty_open (&a);
  test_pty_open (&b);
  sender = test_make_sender (a.path, "native", &appsrc);
  sink = gst_bin_get_by_name (GST_BIN (sender), "sink");
  /* 10 ms at 921600 baud: the caps again after about 920 bytes, however
   * much of the line that takes. */
  g_object_set (sink, "caps-interval", 10, "caps-budget", 0.0, NULL);
  g_object_set (appsrc, "caps", caps, NULL);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < n; i++) {
    guint8 *frame = g_malloc0 (400);

    g_snprintf ((gchar *) frame, 400, "frame %02u", i);
    gst_app_src_push_buffer (GST_APP_SRC (appsrc),
        gst_buffer_new_wrapped (frame, 400));
  }
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (sender),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  tx = test_link_stats (sender, "sink");
  wire_len = test_stat (tx, "wire-bytes");
  fail_unless (test_stat (tx, "caps-sent") > 5);
  wire = g_malloc (wire_len);
  test_read_exactly (a.master, wire, wire_len);
  count_data_packets (wire + cut, wire_len - cut, &before, &after);
  fail_unless (after > 0 && after + before < n);

  /* The receiver sees the stream from byte @cut on. */
  receiver = test_make_receiver (b.path, "native", &r);
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (write (b.master, wire + cut, wire_len - cut),
      wire_len - cut);
  test_received_wait_eos (&r);

  fail_unless_equals_int (r.buffers->len, after);
  fail_unless (gst_caps_is_equal (r.caps, caps));
  fail_unless (
      gst_buffer_memcmp (r.buffers->pdata[after - 1], 0, "frame 29", 8) == 0);
  rx = test_link_stats (receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "frames-without-caps"), before);
  fail_unless_equals_uint64 (test_stat (rx, "frames-received"), after);
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 0);

  gst_structure_free (tx);
  gst_structure_free (rx);
  gst_element_set_state (sender, GST_STATE_NULL);
  gst_element_set_state (receiver, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  gst_caps_unref (caps);
  test_received_clear (&r);
  test_pty_close (&a);
  test_pty_close (&b);
  g_free (wire);
}

GST_END_TEST;

/* What came before each DATA packet of @data: TRUE where a CAPS packet
 * did, in the order of the DATA packets. */
static GArray *
caps_before_data (const guint8 *data, gsize len)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gboolean));
  GArray *types = packet_types (data, len);
  gboolean caps_last = FALSE;
  guint i;

  for (i = 0; i < types->len; i++) {
    guint8 type = g_array_index (types, guint8, i);

    if (type == SF_TYPE_DATA)
      g_array_append_val (out, caps_last);
    caps_last = type == SF_TYPE_CAPS;
  }
  g_array_unref (types);
  return out;
}

/* In a stream with delta frames (H.264), the caps go out right before
 * every key frame, so that a receiver that joins late starts decoding at
 * the next key frame; not in a stream of key frames only (JPEG), and not
 * with caps-interval=0. 30 frames, 12 KB: no periodic repetition. */
GST_START_TEST (test_caps_before_key_frames)
{
  const struct {
    guint key_every;
    guint caps_interval;
    guint caps_sent;
  } cases[] = { { 10, 1000, 3 }, { 0, 1000, 1 }, { 10, 0, 1 } };
  const guint n = 30;
  guint key_every = cases[__i__].key_every;
  GstElement *sender, *appsrc, *sink;
  GstCaps *caps = gst_caps_from_string ("video/x-h264,stream-format="
                                        "byte-stream,alignment=au");
  GstStructure *tx;
  GArray *caps_first;
  guint8 *wire;
  guint64 wire_len;
  GstMessage *msg;
  TestPty a;
  guint i;

  test_pty_open (&a);
  sender = test_make_sender (a.path, "native", &appsrc);
  sink = gst_bin_get_by_name (GST_BIN (sender), "sink");
  g_object_set (sink, "caps-interval", cases[__i__].caps_interval, NULL);
  g_object_set (appsrc, "caps", caps, NULL);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 400, NULL);

    gst_buffer_memset (buf, 0, i, 400);
    if (key_every > 0 && i % key_every != 0)
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
    gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (sender),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  tx = test_link_stats (sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "caps-sent"),
      cases[__i__].caps_sent);
  wire_len = test_stat (tx, "wire-bytes");
  wire = g_malloc (wire_len);
  test_read_exactly (a.master, wire, wire_len);
  caps_first = caps_before_data (wire, wire_len);
  fail_unless_equals_int (caps_first->len, n);
  for (i = 0; i < n; i++) {
    gboolean want = i == 0 || (cases[__i__].caps_sent > 1 && i % 10 == 0);

    fail_unless_equals_int (g_array_index (caps_first, gboolean, i), want);
  }

  g_array_unref (caps_first);
  gst_structure_free (tx);
  gst_element_set_state (sender, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (sender);
  gst_caps_unref (caps);
  test_pty_close (&a);
  g_free (wire);
}

GST_END_TEST;

/* Defect: caps-interval was counted in link time at the baud rate, also
 * where link-rate says the link is slower (a radio), so the caps came far
 * more often than asked. At link-rate=1000 bytes/s and caps-interval=1000
 * ms they go again before the frame that would end more than 1000 bytes
 * after them: before every second packet of 400 bytes (about 410 on the
 * wire, at most 535 as the sink reckons it before making it). */
GST_START_TEST (test_caps_interval_at_link_rate)
{
  const guint n = 10;
  GstElement *sender, *appsrc, *sink;
  GstCaps *caps = gst_caps_from_string ("image/jpeg");
  GstStructure *tx;
  GArray *caps_first;
  guint8 *wire;
  guint64 wire_len;
  GstMessage *msg;
  TestPty a;
  guint i;

  test_pty_open (&a);
  sender = test_make_sender (a.path, "native", &appsrc);
  sink = gst_bin_get_by_name (GST_BIN (sender), "sink");
  g_object_set (sink, "caps-interval", 1000, "link-rate", 1000, "caps-budget",
      0.0, NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "pacing", "off");
  g_object_set (appsrc, "caps", caps, NULL);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 400, NULL);

    gst_buffer_memset (buf, 0, 0x55, 400);
    gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (sender),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  tx = test_link_stats (sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "caps-sent"), 5);
  wire_len = test_stat (tx, "wire-bytes");
  wire = g_malloc (wire_len);
  test_read_exactly (a.master, wire, wire_len);
  caps_first = caps_before_data (wire, wire_len);
  fail_unless_equals_int (caps_first->len, n);
  for (i = 0; i < n; i++)
    fail_unless_equals_int (g_array_index (caps_first, gboolean, i),
        i % 2 == 0);

  g_array_unref (caps_first);
  gst_structure_free (tx);
  gst_element_set_state (sender, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (sender);
  gst_caps_unref (caps);
  test_pty_close (&a);
  g_free (wire);
}

GST_END_TEST;

/* Version 1 packets, as serialsink sent them before the wire format's
 * version 2 (tests/check/data/v1-jpeg-stream.bin: 5 JPEG frames of 64x48
 * from videotestsrc ! jpegenc, recorded from serialsink framing=native on
 * 2026-12-02): firmware speaking them must keep working with serialsrc. */
/* A receiver fed a recorded stream, up to its EOS. */
typedef struct {
  TestPty pty;
  GstElement *receiver;
  TestReceived r;
} Replay;

/* ... on @channel. */
static void
replay_start_on (Replay *p, const guint8 *data, gsize len, guint channel)
{
  GstElement *src;

  test_pty_open (&p->pty);
  p->receiver = test_make_receiver (p->pty.path, "native", &p->r);
  src = gst_bin_get_by_name (GST_BIN (p->receiver), "src");
  g_object_set (src, "channel", channel, NULL);
  gst_object_unref (src);
  fail_if (test_set_state (p->receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (write (p->pty.master, data, len), len);
  test_received_wait_eos (&p->r);
}

static void
replay_start (Replay *p, const guint8 *data, gsize len)
{
  replay_start_on (p, data, len, 0);
}

static void
replay_stop (Replay *p)
{
  fail_unless_equals_int (test_set_state (p->receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (p->receiver);
  test_received_clear (&p->r);
  test_pty_close (&p->pty);
}

/* Buffer @i is @text, byte for byte. */
static void
replay_expect (Replay *p, guint i, const gchar *text)
{
  GstBuffer *buf = p->r.buffers->pdata[i];

  fail_unless_equals_int (gst_buffer_get_size (buf), strlen (text));
  fail_unless (gst_buffer_memcmp (buf, 0, text, strlen (text)) == 0,
      "buffer %u is not \"%s\"", i, text);
}

/* Appends the fragments of frame @seq, @data cut in pieces of @piece
 * bytes, except fragment @skip (-1: none). */
static void
append_fragments (GByteArray *out, guint32 seq, const gchar *data, gsize piece,
    gint skip)
{
  gsize len = strlen (data), count = (len + piece - 1) / piece, i, n, written;
  guint8 *buf = g_malloc (SF_NATIVE_ENCODED_MAX (piece));
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_FRAGMENT);
  hdr.seq = seq;
  hdr.frag_count = count;
  for (i = 0; i < count; i++) {
    if ((gint) i == skip)
      continue;
    hdr.frag_index = i;
    n = MIN (piece, len - i * piece);
    fail_unless_equals_int (sf_encode_native (&hdr, data + i * piece, n, 0, buf,
                                SF_NATIVE_ENCODED_MAX (piece), &written),
        SF_OK);
    g_byte_array_append (out, buf, written);
  }
  g_free (buf);
}

/* A frame missing a fragment is never delivered, not even in part: it is
 * counted, incomplete and lost, and the next frame is DISCONT. Fragments
 * of one frame may arrive in any order. */
GST_START_TEST (test_lost_fragment)
{
  GByteArray *wire = g_byte_array_new ();
  GstStructure *rx;
  guint8 zero = 0;
  Replay p;

  g_byte_array_append (wire, &zero, 1);
  append_packet (wire, SF_TYPE_CAPS, 0, "application/x-serial-test");
  append_fragments (wire, 0, "first frame, whole", 5, -1);
  append_fragments (wire, 1, "second frame, a piece lost", 5, 2);
  append_fragments (wire, 2, "third frame", 4, 1);
  append_fragments (wire, 2, "third frame", 4, 0);
  append_fragments (wire, 2, "third frame", 4, 2);
  append_packet (wire, SF_TYPE_EOS, 3, NULL);

  replay_start (&p, wire->data, wire->len);

  fail_unless_equals_int (p.r.buffers->len, 2);
  fail_unless_equals_int (gst_buffer_get_size (p.r.buffers->pdata[0]), 18);
  fail_unless (gst_buffer_memcmp (p.r.buffers->pdata[0], 0,
                   "first frame, whole", 18) == 0);
  fail_unless_equals_int (gst_buffer_get_size (p.r.buffers->pdata[1]), 11);
  fail_unless (
      gst_buffer_memcmp (p.r.buffers->pdata[1], 0, "third frame", 11) == 0);
  fail_unless (
      GST_BUFFER_FLAG_IS_SET (p.r.buffers->pdata[1], GST_BUFFER_FLAG_DISCONT));
  rx = test_link_stats (p.receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "frames-received"), 2);
  fail_unless_equals_uint64 (test_stat (rx, "incomplete-frames"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "check-failures"), 0);
  gst_structure_free (rx);

  replay_stop (&p);
  g_byte_array_unref (wire);
}

GST_END_TEST;

/* Appends frame @seq, @data cut in pieces of @piece bytes (one DATA
 * packet when it fits), followed by @m parity pieces; the data pieces in
 * @lost_data and the parity pieces in @lost_parity (bit masks) are left
 * out. */
static void
append_frame_fec (GByteArray *out, guint32 seq, const gchar *data, gsize piece,
    guint m, guint64 lost_data, guint64 lost_parity)
{
  gsize len = strlen (data), n = (len + piece - 1) / piece, i, written;
  guint8 *buf = g_malloc (SF_NATIVE_ENCODED_MAX (piece));
  guint8 *parity = g_malloc0 (m * piece);
  sf_header hdr;
  guint p;

  sf_header_init (&hdr, n == 1 ? SF_TYPE_DATA : SF_TYPE_FRAGMENT);
  hdr.seq = seq;
  hdr.frag_count = n > 1 ? n : 0;
  for (i = 0; i < n; i++) {
    gsize size = MIN (piece, len - i * piece);

    for (p = 0; p < m; p++)
      fail_unless_equals_int (sf_fec_parity_add (n, m, p, i,
                                  (const guint8 *) data + i * piece, size,
                                  parity + p * piece),
          SF_OK);
    if (lost_data & (G_GUINT64_CONSTANT (1) << i))
      continue;
    hdr.frag_index = n > 1 ? i : 0;
    fail_unless_equals_int (sf_encode_native (&hdr, data + i * piece, size, 0,
                                buf, SF_NATIVE_ENCODED_MAX (piece), &written),
        SF_OK);
    g_byte_array_append (out, buf, written);
  }
  hdr.type = SF_TYPE_PARITY;
  hdr.frag_count = n;
  hdr.parity_count = m;
  hdr.last_size = len - (n - 1) * piece;
  for (p = 0; p < m; p++) {
    if (lost_parity & (G_GUINT64_CONSTANT (1) << p))
      continue;
    hdr.frag_index = p;
    fail_unless_equals_int (sf_encode_native (&hdr, parity + p * piece,
                                n == 1 ? len : piece, 0, buf,
                                SF_NATIVE_ENCODED_MAX (piece), &written),
        SF_OK);
    g_byte_array_append (out, buf, written);
  }
  g_free (parity);
  g_free (buf);
}

/* Parity rebuilds what was lost when enough pieces came: a fragment, the
 * last (shorter) one, a frame sent whole; a frame that lost more than its
 * parity repairs is counted lost, never delivered; parity of a frame that
 * came whole is ignored. The counters say exactly what happened. */
GST_START_TEST (test_fec_repairs)
{
  static const gchar *frames[] = { "first frame, one piece lost",
    "second, three lost of 2 parity", "third", "fourth, whole",
    "fifth, the last piece lost" };
  GByteArray *wire = g_byte_array_new ();
  GstStructure *rx;
  guint8 zero = 0;
  Replay p;

  g_byte_array_append (wire, &zero, 1);
  append_packet (wire, SF_TYPE_CAPS, 0, "application/x-serial-test");
  append_frame_fec (wire, 0, frames[0], 5, 2, 1 << 1, 0);
  append_frame_fec (wire, 1, frames[1], 5, 2, 0x15, 0);
  append_frame_fec (wire, 2, frames[2], 8, 1, 1, 0);
  append_frame_fec (wire, 3, frames[3], 16, 1, 0, 0);
  append_frame_fec (wire, 4, frames[4], 4, 3, 1 << 6, 1 << 0);
  append_packet (wire, SF_TYPE_EOS, 5, NULL);

  replay_start (&p, wire->data, wire->len);

  fail_unless_equals_int (p.r.buffers->len, 4);
  replay_expect (&p, 0, frames[0]);
  replay_expect (&p, 1, frames[2]);
  fail_unless (
      GST_BUFFER_FLAG_IS_SET (p.r.buffers->pdata[1], GST_BUFFER_FLAG_DISCONT));
  replay_expect (&p, 2, frames[3]);
  replay_expect (&p, 3, frames[4]);
  rx = test_link_stats (p.receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "frames-received"), 4);
  fail_unless_equals_uint64 (test_stat (rx, "repaired-frames"), 3);
  fail_unless_equals_uint64 (test_stat (rx, "repaired-fragments"), 3);
  fail_unless_equals_uint64 (test_stat (rx, "incomplete-frames"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "unknown-type"), 0);
  fail_unless_equals_uint64 (test_stat (rx, "malformed"), 0);
  gst_structure_free (rx);

  replay_stop (&p);
  g_byte_array_unref (wire);
}

GST_END_TEST;

/* Two channels interleaved on one line, each with its own numbers and
 * caps; @last is the channel whose EOS comes last. */
static GByteArray *
two_channels (guint32 last)
{
  GByteArray *wire = g_byte_array_new ();
  guint32 first = last == 7 ? 0 : 7;
  guint8 zero = 0;

  g_byte_array_append (wire, &zero, 1);
  append_on (wire, 0, SF_TYPE_CAPS, 0, "video/x-serial-test");
  append_on (wire, 7, SF_TYPE_CAPS, 0, "application/x-telemetry");
  append_on (wire, 7, SF_TYPE_DATA, 0, "telemetry 0");
  append_on (wire, 0, SF_TYPE_DATA, 0, "video 0");
  append_on (wire, 7, SF_TYPE_DATA, 1, "telemetry 1");
  append_on (wire, 0, SF_TYPE_DATA, 1, "video 1");
  append_on (wire, 7, SF_TYPE_DATA, 2, "telemetry 2");
  append_on (wire, first, SF_TYPE_EOS, first == 7 ? 3 : 2, NULL);
  append_on (wire, last, SF_TYPE_EOS, last == 7 ? 3 : 2, NULL);
  return wire;
}

/* serialsrc delivers its channel's packets (channel 0 by default) with
 * that channel's caps, and counts the others, not as losses. */
GST_START_TEST (test_other_stream)
{
  GByteArray *wire = two_channels (0);
  GstStructure *rx;
  Replay p;

  replay_start (&p, wire->data, wire->len);
  fail_unless_equals_int (p.r.buffers->len, 2);
  replay_expect (&p, 0, "video 0");
  replay_expect (&p, 1, "video 1");
  fail_unless (gst_structure_has_name (gst_caps_get_structure (p.r.caps, 0),
      "video/x-serial-test"));
  rx = test_link_stats (p.receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "other-streams"), 5);
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 0);
  gst_structure_free (rx);
  replay_stop (&p);
  g_byte_array_unref (wire);

  wire = two_channels (7);
  replay_start_on (&p, wire->data, wire->len, 7);
  fail_unless_equals_int (p.r.buffers->len, 3);
  replay_expect (&p, 0, "telemetry 0");
  replay_expect (&p, 1, "telemetry 1");
  replay_expect (&p, 2, "telemetry 2");
  fail_unless (gst_structure_has_name (gst_caps_get_structure (p.r.caps, 0),
      "application/x-telemetry"));
  rx = test_link_stats (p.receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "other-streams"), 4);
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 0);
  gst_structure_free (rx);
  replay_stop (&p);
  g_byte_array_unref (wire);
}

GST_END_TEST;

/* serialsink names its channel in every packet, and serialsrc on the same
 * channel gets the stream byte for byte, with the reverse direction (its
 * reports name the channel too); on another channel it gets nothing, and
 * loses nothing. */
static void
check_channels (guint sink_channel, guint src_channel)
{
  GstElement *sink, *src;
  GstStructure *tx, *rx;
  GstBus *bus;
  Link l;
  guint i, n = 20;
  gboolean same = sink_channel == src_channel;

  link_setup (&l, "native", "none");
  sink = gst_bin_get_by_name (GST_BIN (l.sender), "sink");
  src = gst_bin_get_by_name (GST_BIN (l.receiver), "src");
  g_object_set (sink, "channel", sink_channel, NULL);
  g_object_set (src, "channel", src_channel, NULL);
  gst_object_unref (sink);
  gst_object_unref (src);
  link_play (&l);
  for (i = 0; i < n; i++)
    push (&l, test_random_bytes (100 + 50 * i, i), 100 + 50 * i);
  fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC (l.appsrc)),
      GST_FLOW_OK);
  bus = gst_pipeline_get_bus (GST_PIPELINE (l.sender));
  gst_message_unref (
      gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS));
  gst_object_unref (bus);

  if (same) {
    test_received_wait_eos (&l.r);
    fail_unless_equals_int (l.r.buffers->len, n);
    for (i = 0; i < n; i++) {
      guint8 *data = test_random_bytes (100 + 50 * i, i);

      fail_unless (gst_buffer_memcmp (l.r.buffers->pdata[i], 0, data,
                       100 + 50 * i) == 0,
          "frame %u differs", i);
      g_free (data);
    }
  } else {
    /* The caps, n frames and an EOS at least. */
    test_wait_stat (l.receiver, "src", "other-streams", n + 2);
  }

  tx = test_link_stats (l.sender, "sink");
  rx = test_link_stats (l.receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "frames-received"), same ? n : 0);
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 0);
  fail_unless_equals_uint64 (test_stat (rx, "check-failures"), 0);
  if (same) {
    fail_unless_equals_uint64 (test_stat (rx, "other-streams"), 0);
    /* The receiver's report at the sender's EOS is of this channel. */
    fail_unless (test_stat (rx, "reports-sent") >= 1);
  }
  fail_unless_equals_uint64 (test_stat (tx, "other-streams"), 0);
  gst_structure_free (tx);
  gst_structure_free (rx);
  link_stop (&l);
}

GST_START_TEST (test_channels)
{
  check_channels (5, 5);
  check_channels (5, 6);
}

GST_END_TEST;

GST_START_TEST (test_v1_stream_decodes)
{
  gchar *path = g_build_filename (TEST_DATA_DIR, "v1-jpeg-stream.bin", NULL);
  GstStructure *stats, *s;
  GstElement *receiver;
  GError *err = NULL;
  TestReceived r;
  TestPty pty;
  gchar *data;
  gsize len;
  gint width;
  guint i;

  fail_unless (g_file_get_contents (path, &data, &len, &err), "%s",
      err ? err->message : "");
  test_pty_open (&pty);
  receiver = test_make_receiver (pty.path, "native", &r);
  fail_if (
      test_set_state (receiver, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (write (pty.master, data, len), len);
  test_received_wait_eos (&r);

  fail_unless_equals_int (r.buffers->len, 5);
  s = gst_caps_get_structure (r.caps, 0);
  fail_unless (gst_structure_has_name (s, "image/jpeg"));
  fail_unless (gst_structure_get_int (s, "width", &width) && width == 64);
  for (i = 0; i < r.buffers->len; i++) {
    GstBuffer *buf = r.buffers->pdata[i];
    gsize size = gst_buffer_get_size (buf);

    fail_unless (gst_buffer_memcmp (buf, 0, "\xff\xd8", 2) == 0);
    fail_unless (gst_buffer_memcmp (buf, size - 2, "\xff\xd9", 2) == 0);
  }
  stats = test_link_stats (receiver, "src");
  fail_unless_equals_uint64 (test_stat (stats, "frames-received"), 5);
  fail_unless_equals_uint64 (test_stat (stats, "check-failures"), 0);
  fail_unless_equals_uint64 (test_stat (stats, "bad-version"), 0);
  fail_unless_equals_uint64 (test_stat (stats, "lost-frames"), 0);
  gst_structure_free (stats);

  fail_unless_equals_int (test_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&pty);
  g_free (data);
  g_free (path);
}

GST_END_TEST;

static Suite *
serialframing_suite (void)
{
  Suite *s = suite_create ("serialframing");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_round_trip, 0, G_N_ELEMENTS (framings));
  tcase_add_test (tc, test_round_trip_xon_xoff);
  tcase_add_test (tc, test_round_trip_fragments);
  tcase_add_test (tc, test_round_trip_fec);
  tcase_add_test (tc, test_lost_fragment);
  tcase_add_test (tc, test_fec_repairs);
  tcase_add_test (tc, test_other_stream);
  tcase_add_test (tc, test_channels);
  tcase_add_test (tc, test_eos_travels);
  tcase_add_loop_test (tc, test_video_pipeline, 0, G_N_ELEMENTS (codecs));
  tcase_add_test (tc, test_damaged_input);
  tcase_add_test (tc, test_bad_wire_caps);
  tcase_add_test (tc, test_sender_time);
  tcase_add_test (tc, test_timestamps_on_arrival);
  tcase_add_test (tc, test_caps_interval_at_link_rate);
  tcase_add_loop_test (tc, test_oversize_frame, 0, G_N_ELEMENTS (framings));
  tcase_add_test (tc, test_join_mid_stream);
  tcase_add_loop_test (tc, test_caps_before_key_frames, 0, 3);
  tcase_add_test (tc, test_v1_stream_decodes);
  return s;
}

TEST_CHECK_MAIN (serialframing);
