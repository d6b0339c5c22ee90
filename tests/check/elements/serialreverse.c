/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: the reverse direction (docs/protocol.md, section 8.2).
 * serialsrc's control packets read off its transmit line, and serialsink
 * acting on control packets written to its receive line.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "testutil.h"
#include "serialframe.h"
#include "gstserialpacker.h"

static void
append_encoded (GByteArray *out, const sf_header *hdr, const gchar *payload)
{
  gsize len = payload ? strlen (payload) : 0, written = 0;
  guint8 *buf = g_malloc (SF_NATIVE_ENCODED_MAX (len));

  fail_unless_equals_int (sf_encode_native (hdr, payload, len, 0, buf,
                              SF_NATIVE_ENCODED_MAX (len), &written),
      SF_OK);
  g_byte_array_append (out, buf, written);
  g_free (buf);
}

static void
append_packet (GByteArray *out, guint8 type, guint32 seq, gboolean delta,
    const gchar *payload)
{
  sf_header hdr;

  sf_header_init (&hdr, type);
  hdr.seq = seq;
  if (delta)
    hdr.flags = SF_FLAG_DELTA_UNIT;
  append_encoded (out, &hdr, payload);
}

/* The control packets on a line so far, read without waiting once the
 * line is quiet; they must all be intact. */
typedef struct {
  guint key_requests, caps_requests, reports, others;
  guint16 key_seq;
  sf_report report;
  guint16 report_seq;
} Control;

static void
read_control (int fd, Control *c)
{
  guint8 dec_buf[SF_NATIVE_DECODE_BUFFER_SIZE (SF_CONTROL_PAYLOAD_MAX)];
  guint8 buf[4096];
  sf_decoder dec;
  gssize n;
  gsize used, off;
  int flags = fcntl (fd, F_GETFL);

  memset (c, 0, sizeof (*c));
  sf_decoder_init (&dec, SF_MODE_NATIVE, 0, dec_buf, sizeof (dec_buf));
  fcntl (fd, F_SETFL, flags | O_NONBLOCK);
  while ((n = read (fd, buf, sizeof (buf))) > 0) {
    for (off = 0; off < (gsize) n; off += used) {
      const sf_packet *pkt;

      if (sf_decoder_feed (&dec, buf + off, n - off, &used) != SF_DEC_PACKET)
        continue;
      pkt = sf_decoder_packet (&dec);
      switch (pkt->header.type) {
        case SF_TYPE_KEY_REQUEST:
          c->key_requests++;
          c->key_seq = pkt->header.seq;
          break;
        case SF_TYPE_CAPS_REQUEST:
          c->caps_requests++;
          break;
        case SF_TYPE_REPORT:
          c->reports++;
          c->report_seq = pkt->header.seq;
          fail_unless_equals_int (sf_report_read (pkt->payload,
                                      pkt->payload_len, &c->report),
              SF_OK);
          break;
        default:
          c->others++;
      }
    }
  }
  fcntl (fd, F_SETFL, flags);
  fail_unless (n < 0 && errno == EAGAIN);
  fail_unless_equals_uint64 (sf_decoder_get_stats (&dec)->crc_errors, 0);
}

/* A receiver fed a recorded stream up to its EOS, with @feedback. */
static GstElement *
replay (TestPty *pty, TestReceived *r, GByteArray *wire, gboolean feedback)
{
  GstElement *receiver, *src;

  test_pty_open (pty);
  receiver = test_make_receiver (pty->path, "native", r);
  src = gst_bin_get_by_name (GST_BIN (receiver), "src");
  g_object_set (src, "feedback", feedback, NULL);
  gst_object_unref (src);
  fail_if (
      test_set_state (receiver, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (write (pty->master, wire->data, wire->len),
      wire->len);
  test_received_wait_eos (r);
  return receiver;
}

static void
replay_stop (TestPty *pty, TestReceived *r, GstElement *receiver)
{
  fail_unless_equals_int (test_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (receiver);
  test_received_clear (r);
  test_pty_close (pty);
}

/* A stream with delta frames loses frame 2: serialsrc asks for a key frame
 * (naming the frame lost), does not output the delta frame after the loss,
 * outputs the key frame DISCONT, and reports at the sender's EOS. */
GST_START_TEST (test_key_request_after_loss)
{
  GByteArray *wire = g_byte_array_new ();
  GstElement *receiver;
  GstStructure *rx;
  TestReceived r;
  guint8 zero = 0;
  TestPty pty;
  Control c;

  g_byte_array_append (wire, &zero, 1);
  append_packet (wire, SF_TYPE_CAPS, 0, FALSE, "video/x-h264");
  append_packet (wire, SF_TYPE_DATA, 0, FALSE, "key 0");
  append_packet (wire, SF_TYPE_DATA, 1, TRUE, "delta 1");
  append_packet (wire, SF_TYPE_DATA, 3, TRUE, "delta 3");
  append_packet (wire, SF_TYPE_DATA, 4, FALSE, "key 4");
  append_packet (wire, SF_TYPE_DATA, 5, TRUE, "delta 5");
  append_packet (wire, SF_TYPE_EOS, 6, FALSE, NULL);

  receiver = replay (&pty, &r, wire, TRUE);
  fail_unless_equals_int (r.buffers->len, 4);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[2], 0, "key 4", 5) == 0);
  fail_unless (
      GST_BUFFER_FLAG_IS_SET (r.buffers->pdata[2], GST_BUFFER_FLAG_DISCONT));
  rx = test_link_stats (receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "delta-dropped"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "key-requests"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "feedback-dropped"), 0);
  gst_structure_free (rx);

  read_control (pty.master, &c);
  fail_unless_equals_int (c.key_requests, 1);
  fail_unless_equals_int (c.key_seq, 2);
  fail_unless (c.reports >= 1);
  fail_unless_equals_int (c.report_seq, 6);
  fail_unless_equals_int (c.report.last_seq, 5);
  fail_unless_equals_uint64 (c.report.lost, 1);
  fail_unless_equals_int (c.caps_requests + c.others, 0);

  replay_stop (&pty, &r, receiver);
  g_byte_array_unref (wire);
}

GST_END_TEST;

/* Frames before any caps: serialsrc asks for the caps. With
 * feedback=false it writes nothing at all. */
GST_START_TEST (test_caps_request)
{
  GByteArray *wire = g_byte_array_new ();
  GstElement *receiver;
  TestReceived r;
  guint8 zero = 0;
  TestPty pty;
  Control c;

  g_byte_array_append (wire, &zero, 1);
  append_packet (wire, SF_TYPE_DATA, 0, FALSE, "no caps yet");
  append_packet (wire, SF_TYPE_DATA, 1, FALSE, "nor now");
  append_packet (wire, SF_TYPE_CAPS, 2, FALSE, "application/x-serial-test");
  append_packet (wire, SF_TYPE_DATA, 2, FALSE, "now");
  append_packet (wire, SF_TYPE_EOS, 3, FALSE, NULL);

  receiver = replay (&pty, &r, wire, __i__ == 0);
  fail_unless_equals_int (r.buffers->len, 1);
  read_control (pty.master, &c);
  if (__i__ == 0) {
    fail_unless (c.caps_requests >= 1);
    fail_unless (c.reports >= 1);
  } else {
    fail_unless_equals_int (c.caps_requests + c.reports + c.key_requests, 0);
  }
  replay_stop (&pty, &r, receiver);
  g_byte_array_unref (wire);
}

GST_END_TEST;

/* serialsrc's transmit line does not drain (its buffer was filled, nobody
 * reads it): receiving goes on to the end. (The pty frees a little room
 * now and then, so what goes is not known; what does not fit in the queue
 * is dropped and counted, which tests/check/serialfeedback.c checks.) */
GST_START_TEST (test_transmit_line_full)
{
  GByteArray *wire = g_byte_array_new ();
  GstElement *receiver;
  GstStructure *rx;
  TestReceived r;
  guint8 zero = 0, fill[4096];
  TestPty pty;
  guint i;
  int fd;

  g_byte_array_append (wire, &zero, 1);
  append_packet (wire, SF_TYPE_CAPS, 0, FALSE, "video/x-h264");
  append_packet (wire, SF_TYPE_DATA, 0, TRUE, "delta 0");
  for (i = 1; i < 200; i++)
    append_packet (wire, SF_TYPE_DATA, 2 * i, TRUE, "delta, one lost before");
  append_packet (wire, SF_TYPE_EOS, 400, FALSE, NULL);

  /* The receiver's transmit line filled up: nobody reads it. */
  test_pty_open (&pty);
  receiver = test_make_receiver (pty.path, "native", &r);
  fail_if (
      test_set_state (receiver, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fd = open (pty.path, O_RDWR | O_NOCTTY | O_NONBLOCK);
  fail_unless (fd >= 0);
  memset (fill, 'x', sizeof (fill));
  while (write (fd, fill, sizeof (fill)) > 0) {
  }
  while (write (fd, fill, 1) > 0) {
  }
  fail_unless_equals_int (errno, EAGAIN);
  fail_unless_equals_int (write (pty.master, wire->data, wire->len), wire->len);
  test_received_wait_eos (&r);
  close (fd);

  rx = test_link_stats (receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "frames-received"), 0);
  fail_unless_equals_uint64 (test_stat (rx, "delta-dropped"), 200);
  fail_unless (test_stat (rx, "key-requests") >= 1);
  gst_structure_free (rx);
  fail_unless_equals_int (test_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&pty);
  g_byte_array_unref (wire);
}

GST_END_TEST;

/* Upstream events that reach the appsrc: force-key-unit events counted. */
static GstPadProbeReturn
count_key_units (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (gst_video_event_is_force_key_unit (event))
    g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

/* Reads the sink's packets off the line until the DATA packet of frame
 * @seq; counts the caps packets before it. */
static guint
read_until_frame (int fd, sf_decoder *dec, guint16 seq)
{
  guint caps = 0;
  guint8 byte;
  gsize used;

  for (;;) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    gssize n = read (fd, &byte, 1);

    /* The line may be non-blocking (test_sink_flooded shares it). */
    if (n < 0 && errno == EAGAIN) {
      fail_unless (poll (&pfd, 1, -1) == 1);
      continue;
    }
    fail_unless_equals_int (n, 1);
    if (sf_decoder_feed (dec, &byte, 1, &used) == SF_DEC_PACKET) {
      const sf_packet *pkt = sf_decoder_packet (dec);

      if (pkt->header.type == SF_TYPE_CAPS)
        caps++;
      /* Its DATA packet, or its last piece (frames go in pieces until
       * the sink has a report of the line). */
      if (pkt->header.seq == seq &&
          (pkt->header.type == SF_TYPE_DATA ||
              (pkt->header.type == SF_TYPE_FRAGMENT &&
                  pkt->header.frag_index == pkt->header.frag_count - 1)))
        return caps;
    }
  }
}

static void
write_control (int fd, guint8 type, guint16 seq, const guint8 *payload,
    gsize len)
{
  guint8 buf[SF_NATIVE_ENCODED_MAX (SF_CONTROL_PAYLOAD_MAX) + 1];
  gsize written = 0;
  sf_header hdr;

  sf_header_init (&hdr, type);
  hdr.seq = seq;
  buf[0] = 0;
  fail_unless_equals_int (sf_encode_native (&hdr, payload, len, 0, buf + 1,
                              sizeof (buf) - 1, &written),
      SF_OK);
  fail_unless_equals_int (write (fd, buf, written + 1), written + 1);
}

static void
push_frame (GstElement *appsrc)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 100, NULL);

  gst_buffer_memset (buf, 0, 'f', 100);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf),
      GST_FLOW_OK);
}

/* serialsink reads its receive line before each frame: a key-frame request
 * goes upstream as a force-key-unit event (once within 200 ms), a caps
 * request sends the caps before the next frame, a report shows in
 * link-stats with the round trip. Garbage on the line changes nothing. */
GST_START_TEST (test_sink_hears_receiver)
{
  guint8 dec_buf[SF_NATIVE_DECODE_BUFFER_SIZE (1024)], payload[64];
  GstCaps *caps = gst_caps_new_empty_simple ("video/x-h264");
  GstElement *sender, *appsrc;
  sf_report report = { 0 };
  GstStructure *tx;
  gint key_units = 0;
  sf_decoder dec;
  gsize len = 0;
  GstPad *pad;
  TestPty pty;

  sf_decoder_init (&dec, SF_MODE_NATIVE, 0, dec_buf, sizeof (dec_buf));
  test_pty_open (&pty);
  sender = test_make_sender (pty.path, "native", &appsrc);
  g_object_set (appsrc, "caps", caps, NULL);
  pad = gst_element_get_static_pad (appsrc, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, count_key_units,
      &key_units, NULL);
  gst_object_unref (pad);
  fail_if (
      test_set_state (sender, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);

  push_frame (appsrc);
  fail_unless_equals_int (read_until_frame (pty.master, &dec, 0), 1);

  write_control (pty.master, SF_TYPE_KEY_REQUEST, 0, NULL, 0);
  write_control (pty.master, SF_TYPE_KEY_REQUEST, 0, NULL, 0);
  fail_unless_equals_int (write (pty.master, "garbage\0", 8), 8);
  push_frame (appsrc);
  fail_unless_equals_int (read_until_frame (pty.master, &dec, 1), 0);
  fail_unless_equals_int (g_atomic_int_get (&key_units), 1);

  write_control (pty.master, SF_TYPE_CAPS_REQUEST, 2, NULL, 0);
  report.last_seq = 1;
  report.packets = 4;
  report.damaged = 1;
  report.lost = 2;
  report.repaired = 3;
  fail_unless_equals_int (sf_report_write (&report, payload, sizeof (payload),
                              &len),
      SF_OK);
  write_control (pty.master, SF_TYPE_REPORT, 2, payload, len);
  push_frame (appsrc);
  fail_unless_equals_int (read_until_frame (pty.master, &dec, 2), 1);

  tx = test_link_stats (sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "key-requests"), 2);
  fail_unless_equals_uint64 (test_stat (tx, "caps-requests"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "receiver-reports"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "receiver-packets"), 4);
  fail_unless_equals_uint64 (test_stat (tx, "receiver-damaged"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "receiver-lost"), 2);
  fail_unless_equals_uint64 (test_stat (tx, "receiver-repaired"), 3);
  {
    gdouble rtt = -2;

    fail_unless (gst_structure_get_double (tx, "round-trip-time", &rtt));
    fail_unless (rtt >= 0);
  }
  gst_structure_free (tx);

  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (sender);
  gst_caps_unref (caps);
  test_pty_close (&pty);
}

GST_END_TEST;

typedef struct {
  int fd;
  gint stop;
  guint64 written;
} Flood;

/* Writes key-frame requests on the line as fast as it takes them. */
static gpointer
flood_thread (gpointer data)
{
  guint8 packet[SF_NATIVE_ENCODED_MAX (0)], burst[64 * sizeof (packet)];
  Flood *f = data;
  gsize len = 0, i, n = 0;
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_KEY_REQUEST);
  fail_unless_equals_int (sf_encode_native (&hdr, NULL, 0, 0, packet,
                              sizeof (packet), &len),
      SF_OK);
  for (i = 0; i < 64; i++, n += len)
    memcpy (burst + n, packet, len);
  while (!g_atomic_int_get (&f->stop)) {
    gssize w = write (f->fd, burst, n);

    if (w > 0)
      f->written += w;
  }
  return NULL;
}

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

/* A receiver flooding the sender with control packets: the sender still
 * sends every frame (it reads a bounded amount before each), counts what
 * it hears, and keeps no more memory for it. */
GST_START_TEST (test_sink_flooded)
{
  guint8 dec_buf[SF_NATIVE_DECODE_BUFFER_SIZE (1024)];
  GstCaps *caps = gst_caps_new_empty_simple ("video/x-h264");
  GstElement *sender, *appsrc;
  Flood flood = { 0 };
  guint64 before = 0, after;
  GstStructure *tx;
  GThread *thread;
  sf_decoder dec;
  TestPty pty;
  guint i;

  sf_decoder_init (&dec, SF_MODE_NATIVE, 0, dec_buf, sizeof (dec_buf));
  test_pty_open (&pty);
  sender = test_make_sender (pty.path, "native", &appsrc);
  g_object_set (appsrc, "caps", caps, NULL);
  fail_if (
      test_set_state (sender, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  push_frame (appsrc);
  read_until_frame (pty.master, &dec, 0);
  flood.fd = dup (pty.master);
  fcntl (flood.fd, F_SETFL, fcntl (flood.fd, F_GETFL) | O_NONBLOCK);
  thread = g_thread_new ("flood", flood_thread, &flood);
  for (i = 1; i < 300; i++) {
    /* Whatever is allocated once is, after a hundred frames. */
    if (i == 100)
      before = rss_kib ();
    push_frame (appsrc);
    read_until_frame (pty.master, &dec, i);
  }
  g_atomic_int_set (&flood.stop, 1);
  g_thread_join (thread);
  close (flood.fd);
  fail_unless (flood.written > 0);
  tx = test_link_stats (sender, "sink");
  fail_unless (test_stat (tx, "key-requests") > 0);
  gst_structure_free (tx);
  after = rss_kib ();
  /* Under valgrind and ASan (scripts/valgrind.sh, scripts/test.sh) RSS
   * is mostly their queues of freed blocks. */
  if (!g_getenv ("TEST_MEMCHECK"))
    fail_unless (after < before + 4 * 1024,
        "memory grew by %" G_GUINT64_FORMAT " KiB", after - before);

  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (sender);
  gst_caps_unref (caps);
  test_pty_close (&pty);
}

GST_END_TEST;

typedef struct {
  int fd;
  gint stop;
} Nacks;

/* A hostile receiver: asks for all of frame 0 again and again, and
 * acknowledges nothing past it. */
static gpointer
nack_thread (gpointer data)
{
  guint8 report_payload[SF_CONTROL_PAYLOAD_MAX], nack_payload[8];
  guint8 burst[2 * (SF_NATIVE_ENCODED_MAX (SF_CONTROL_PAYLOAD_MAX) + 1)];
  sf_report report = { 0 };
  sf_nack all = { 0 };
  gsize rlen = 0, nlen = 0, n = 0, len = 0;
  Nacks *f = data;
  sf_header hdr;

  /* last_seq: a frame never sent, so no round trip is taken from it. */
  report.last_seq = 0xffff;
  fail_unless_equals_int (sf_report_write (&report, report_payload,
                              sizeof (report_payload), &rlen),
      SF_OK);
  fail_unless_equals_int (sf_nack_write (&all, nack_payload,
                              sizeof (nack_payload), &nlen),
      SF_OK);
  sf_header_init (&hdr, SF_TYPE_REPORT);
  hdr.seq = 0;
  fail_unless_equals_int (sf_encode_native (&hdr, report_payload, rlen, 0,
                              burst, sizeof (burst), &len),
      SF_OK);
  n = len;
  sf_header_init (&hdr, SF_TYPE_NACK);
  hdr.seq = 0;
  fail_unless_equals_int (sf_encode_native (&hdr, nack_payload, nlen, 0,
                              burst + n, sizeof (burst) - n, &len),
      SF_OK);
  n += len;
  while (!g_atomic_int_get (&f->stop)) {
    struct pollfd pfd = { f->fd, POLLOUT, 0 };

    if (write (f->fd, burst, n) < 0)
      poll (&pfd, 1, 10);
  }
  return NULL;
}

/* A receiver that asks for the same frame forever and acknowledges
 * nothing cannot hold a file transfer up: the frame goes 16 times, is
 * given up with a warning, and the stream ends. */
GST_START_TEST (test_sink_nack_flood)
{
  guint8 dec_buf[SF_NATIVE_DECODE_BUFFER_SIZE (1024)];
  GstElement *sender, *appsrc;
  gboolean warned = FALSE;
  Nacks nacks = { 0 };
  GstStructure *tx;
  GThread *thread;
  GstMessage *msg;
  sf_decoder dec;
  GstBus *bus;
  TestPty pty;

  sf_decoder_init (&dec, SF_MODE_NATIVE, 0, dec_buf, sizeof (dec_buf));
  test_pty_open (&pty);
  sender = test_make_sender (pty.path, "native", &appsrc);
  fail_if (
      test_set_state (sender, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  push_frame (appsrc);
  read_until_frame (pty.master, &dec, 0);

  nacks.fd = dup (pty.master);
  fcntl (nacks.fd, F_SETFL, fcntl (nacks.fd, F_GETFL) | O_NONBLOCK);
  thread = g_thread_new ("nacks", nack_thread, &nacks);
  /* The stream ends once the sink (idle, it reads the line every 50 ms)
   * has heard the receiver. */
  test_wait_stat (sender, "sink", "receiver-reports", 1);
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));

  bus = gst_element_get_bus (sender);
  for (;;) {
    msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      GError *err = NULL;

      gst_message_parse_warning (msg, &err, NULL);
      fail_unless (
          g_error_matches (err, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED));
      warned = TRUE;
      g_error_free (err);
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      break;
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  g_atomic_int_set (&nacks.stop, 1);
  g_thread_join (thread);
  close (nacks.fd);

  fail_unless (warned);
  tx = test_link_stats (sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "given-up"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "resent-pieces"), 16);
  gst_structure_free (tx);

  fail_unless_equals_int (test_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (sender);
  test_pty_close (&pty);
}

GST_END_TEST;

/* Pushes a frame of @size bytes of @fill. */
static void
push_big_frame (GstElement *appsrc, gsize size, guint8 fill)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (buf, 0, fill, size);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf),
      GST_FLOW_OK);
}

/* Asks for what @nack says of frame @seq, as a receiver that has no frame
 * yet (its report acknowledges nothing). */
static void
ask_nack (int fd, guint16 seq, const sf_nack *nack)
{
  guint8 payload[SF_CONTROL_PAYLOAD_MAX];
  sf_report report = { 0 };
  gsize len;

  report.last_seq = 0xffff;
  fail_unless_equals_int (sf_report_write (&report, payload, sizeof (payload),
                              &len),
      SF_OK);
  write_control (fd, SF_TYPE_REPORT, 0, payload, len);
  fail_unless_equals_int (sf_nack_write (nack, payload, sizeof (payload), &len),
      SF_OK);
  write_control (fd, SF_TYPE_NACK, seq, payload, len);
}

/* Asks for all of frame @seq. */
static void
ask_frame (int fd, guint16 seq)
{
  sf_nack all = { 0 };

  ask_nack (fd, seq, &all);
}

/* Waits until serialsink's sender thread waits for the line. */
static void
wait_sender_blocked (void)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  while (!test_thread_in_poll ("serialsink-send")) {
    /* A hang detector, not a timing check. */
    fail_if (g_get_monotonic_time () > deadline,
        "the sender thread never waited for the line");
    g_usleep (1000); /* polling a condition, not waiting a time */
  }
}

/* Asks for all of frame @seq and waits until the sender thread, idle,
 * blocks on the line while serving it: nobody reads the line. */
static void
ask_and_block (int fd, guint16 seq)
{
  ask_frame (fd, seq);
  wait_sender_blocked ();
}

/* A sender on a line the test reads itself, frames up to BIG_FRAME. */
#define BIG_FRAME 30000

typedef struct {
  TestPty pty;
  GstElement *sender, *appsrc;
  guint8 *dec_buf;
  sf_decoder dec;
} BigSender;

/* @fragment_size: serialsink's, when not 0. */
static void
big_sender_start_cut (BigSender *b, const gchar *drop_policy,
    guint fragment_size)
{
  GstElement *sink;

  b->dec_buf = g_malloc (SF_NATIVE_DECODE_BUFFER_SIZE (BIG_FRAME));
  sf_decoder_init (&b->dec, SF_MODE_NATIVE, 0, b->dec_buf,
      SF_NATIVE_DECODE_BUFFER_SIZE (BIG_FRAME));
  test_pty_open (&b->pty);
  b->sender = test_make_sender (b->pty.path, "native", &b->appsrc);
  sink = gst_bin_get_by_name (GST_BIN (b->sender), "sink");
  gst_util_set_object_arg (G_OBJECT (sink), "drop-policy", drop_policy);
  if (fragment_size > 0)
    g_object_set (sink, "fragment-size", fragment_size, NULL);
  gst_object_unref (sink);
  fail_if (test_set_state (b->sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
}

static void
big_sender_start (BigSender *b, const gchar *drop_policy)
{
  big_sender_start_cut (b, drop_policy, 0);
}

/* The next packet on @b's line. */
static const sf_packet *
big_sender_read (BigSender *b)
{
  guint8 byte;
  gsize used;

  do
    test_read_exactly (b->pty.master, &byte, 1);
  while (sf_decoder_feed (&b->dec, &byte, 1, &used) != SF_DEC_PACKET);
  return sf_decoder_packet (&b->dec);
}

static void
big_sender_stop (BigSender *b)
{
  fail_unless_equals_int (test_set_state (b->sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (b->sender);
  test_pty_close (&b->pty);
  g_free (b->dec_buf);
}

/* The sender thread, idle, serves a request for a frame larger than what
 * the line holds while nobody reads the line: blocked there, it lets a
 * pause and playing again return, and the line then carries the next
 * frame intact after whatever part of the repair went; blocked again, it
 * lets a stop return. */
GST_START_TEST (test_state_changes_while_idle_repairs)
{
  GstStructure *tx;
  BigSender b;

  big_sender_start (&b, "auto");
  push_big_frame (b.appsrc, BIG_FRAME, 'a');
  read_until_frame (b.pty.master, &b.dec, 0);

  ask_and_block (b.pty.master, 0);
  fail_if (
      test_set_state (b.sender, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
  fail_if (
      test_set_state (b.sender, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  push_big_frame (b.appsrc, BIG_FRAME, 'b');
  read_until_frame (b.pty.master, &b.dec, 1);
  /* Counted once written: its last piece may be read first. */
  test_wait_stat (b.sender, "sink", "frames-sent", 2);
  tx = test_link_stats (b.sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "frames-sent"), 2);
  fail_unless_equals_uint64 (test_stat (tx, "repair-requests"), 1);
  gst_structure_free (tx);

  ask_and_block (b.pty.master, 1);
  big_sender_stop (&b);
}

GST_END_TEST;

/* A live stream is repaired only while the line is idle: a request read
 * while a newer frame goes (here between its pieces) or waits is given up
 * (too-late, counted exactly), the receiver is told with a SKIP to the
 * frame on its way, and nothing is sent again. */
GST_START_TEST (test_live_repair_too_late)
{
  guint skips = 0;
  GstStructure *tx;
  BigSender b;

  big_sender_start (&b, "stale");
  push_frame (b.appsrc);
  read_until_frame (b.pty.master, &b.dec, 0);

  /* Frame 1 fills the line, which nobody reads; frame 3 replaces frame 2
   * behind it (a frame dropped), so that a frame is to go; frame 0 is
   * asked for meanwhile. */
  push_big_frame (b.appsrc, BIG_FRAME, 'b');
  wait_sender_blocked ();
  push_frame (b.appsrc);
  push_frame (b.appsrc);
  test_wait_stat (b.sender, "sink", "frames-dropped", 1);
  ask_frame (b.pty.master, 0);

  /* A SKIP to frame 1 among its pieces; the newest frame goes as seq 2. */
  for (;;) {
    const sf_packet *pkt = big_sender_read (&b);

    if (pkt->header.type == SF_TYPE_SKIP) {
      fail_unless_equals_int (pkt->header.seq, 1);
      skips++;
    }
    if (pkt->header.type == SF_TYPE_DATA && pkt->header.seq == 2)
      break;
  }
  /* The answer, and before frame 2 the SKIP that greets a receiver heard
   * for the first time (its oldest frame held is 1 now). */
  fail_unless_equals_int (skips, 2);
  /* Counted once written: its packet may be read first. */
  test_wait_stat (b.sender, "sink", "frames-sent", 3);
  tx = test_link_stats (b.sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "repair-requests"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "too-late"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "repairs-served"), 0);
  fail_unless_equals_uint64 (test_stat (tx, "resent-pieces"), 0);
  fail_unless_equals_uint64 (test_stat (tx, "frames-sent"), 3);
  gst_structure_free (tx);
  big_sender_stop (&b);
}

GST_END_TEST;

/* A live stream's repair while the line is idle, but longer than the time
 * until the next frame is due (here a whole 30000-byte frame, 2.6 s at the
 * nominal 115200 baud, against frames 33 ms apart): too late, a SKIP
 * instead, nothing resent. It was resent, and held up the next frame by as
 * much as a frame's line time (bench-link --ber 1e-5 latency, p99 1.79 s
 * one run in four against 1.0 s). */
GST_START_TEST (test_live_repair_would_delay_next_frame)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, BIG_FRAME, NULL);
  GstStructure *tx;
  BigSender b;

  big_sender_start (&b, "stale");
  gst_buffer_memset (buf, 0, 'a', BIG_FRAME);
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (b.appsrc), buf),
      GST_FLOW_OK);
  read_until_frame (b.pty.master, &b.dec, 0);
  ask_frame (b.pty.master, 0);
  for (;;) {
    const sf_packet *pkt = big_sender_read (&b);

    fail_if (pkt->header.type == SF_TYPE_DATA ||
            pkt->header.type == SF_TYPE_FRAGMENT,
        "sent again");
    if (pkt->header.type == SF_TYPE_SKIP && pkt->header.seq == 1)
      break;
  }
  tx = test_link_stats (b.sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "repair-requests"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "too-late"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "repairs-served"), 0);
  fail_unless_equals_uint64 (test_stat (tx, "resent-pieces"), 0);
  gst_structure_free (tx);
  big_sender_stop (&b);
}

GST_END_TEST;

/* A live stream's request for a frame older than the one being written
 * is answered between that frame's pieces, not after its last: the
 * receiver holds the complete frames after the lost one until it hears the
 * SKIP, and a frame on a slow line takes long (bench-link --ber 1e-5
 * latency: a frame held a whole frame's line time, p99 1.79 s against
 * 1.13 s, one run in five). */
GST_START_TEST (test_live_request_answered_mid_frame)
{
  guint pieces = 0, count = 0, skipped_at = 0;
  GstStructure *tx;
  BigSender b;

  big_sender_start_cut (&b, "stale", 500);
  push_frame (b.appsrc);
  read_until_frame (b.pty.master, &b.dec, 0);

  /* Frame 1 fills the line, which nobody reads: it is asked for frame 0
   * while in the middle of frame 1. */
  push_big_frame (b.appsrc, BIG_FRAME, 'b');
  wait_sender_blocked ();
  ask_frame (b.pty.master, 0);
  while (count == 0 || pieces < count) {
    const sf_packet *pkt = big_sender_read (&b);

    fail_if (pkt->header.type == SF_TYPE_DATA && pkt->header.seq == 0,
        "sent again");
    if (pkt->header.type == SF_TYPE_SKIP && pkt->header.seq == 1)
      skipped_at = pieces;
    if (pkt->header.type == SF_TYPE_FRAGMENT && pkt->header.seq == 1) {
      count = pkt->header.frag_count;
      pieces++;
    }
  }
  fail_unless (skipped_at > 0 && skipped_at < count,
      "SKIP after piece %u of %u", skipped_at, count);
  test_wait_stat (b.sender, "sink", "frames-sent", 2);
  tx = test_link_stats (b.sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "repair-requests"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "too-late"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "repairs-served"), 0);
  fail_unless_equals_uint64 (test_stat (tx, "resent-pieces"), 0);
  gst_structure_free (tx);
  big_sender_stop (&b);
}

GST_END_TEST;

/* A live stream is not repaired once a newer frame went, even with the
 * line idle: the receiver would hold the newer, complete frame until the
 * repair came. A SKIP past the newest frame sent instead. Unless the newer
 * frame is a delta unit (loop 1), worth nothing without the one asked
 * for: that is sent again. */
GST_START_TEST (test_live_repair_after_newer_frame)
{
  gboolean delta = __i__ == 1;
  GstStructure *tx;
  GstBuffer *buf;
  BigSender b;

  big_sender_start (&b, "stale");
  push_frame (b.appsrc);
  read_until_frame (b.pty.master, &b.dec, 0);
  buf = gst_buffer_new_allocate (NULL, 100, NULL);
  gst_buffer_memset (buf, 0, 'd', 100);
  if (delta)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (b.appsrc), buf),
      GST_FLOW_OK);
  read_until_frame (b.pty.master, &b.dec, 1);
  test_wait_stat (b.sender, "sink", "frames-sent", 2);

  ask_frame (b.pty.master, 0);
  for (;;) {
    const sf_packet *pkt = big_sender_read (&b);

    fail_if (!delta && pkt->header.type == SF_TYPE_DATA, "sent again");
    if (!delta && pkt->header.type == SF_TYPE_SKIP && pkt->header.seq == 2)
      break;
    if (delta && pkt->header.type == SF_TYPE_DATA && pkt->header.seq == 0)
      break;
  }
  test_wait_stat (b.sender, "sink", "resent-pieces", delta ? 1 : 0);
  tx = test_link_stats (b.sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "repair-requests"), 1);
  fail_unless_equals_uint64 (test_stat (tx, "too-late"), delta ? 0 : 1);
  fail_unless_equals_uint64 (test_stat (tx, "resent-pieces"), delta ? 1 : 0);
  gst_structure_free (tx);
  big_sender_stop (&b);
}

GST_END_TEST;

/* A frame sent with parity (pieces of 240 bytes by default) is repaired in
 * the pieces it went in: asked for one piece, the sender sends that piece
 * again, not the whole frame, which the line would damage again and which
 * the receiver could not use with the pieces it has (bench-noise matrix,
 * fec 15 % with retransmission at BER 1e-4: 3 of 100 frames). */
GST_START_TEST (test_parity_frame_repaired_in_its_cut)
{
  const gsize size = 100 * GST_SERIAL_PACKER_FEC_FRAGMENT_SIZE;
  sf_nack piece3 = { 0 };
  GstStructure *tx;
  GstElement *sink;
  BigSender b;

  big_sender_start (&b, "auto");
  sink = gst_bin_get_by_name (GST_BIN (b.sender), "sink");
  g_object_set (sink, "fec-percentage", 15, NULL);
  gst_object_unref (sink);
  push_big_frame (b.appsrc, size, 'a');
  read_until_frame (b.pty.master, &b.dec, 0);

  piece3.frag_count = 100;
  piece3.n_ranges = 1;
  piece3.ranges[0].first = 3;
  piece3.ranges[0].count = 1;
  ask_nack (b.pty.master, 0, &piece3);
  for (;;) {
    const sf_packet *pkt = big_sender_read (&b);

    fail_if (pkt->header.type == SF_TYPE_DATA, "sent again whole");
    if (pkt->header.type == SF_TYPE_FRAGMENT && pkt->header.frag_index == 3) {
      fail_unless_equals_int (pkt->header.frag_count, 100);
      fail_unless_equals_int (pkt->payload_len,
          GST_SERIAL_PACKER_FEC_FRAGMENT_SIZE);
      break;
    }
  }
  /* Counted once written: the piece may be read first. */
  test_wait_stat (b.sender, "sink", "resent-pieces", 1);
  tx = test_link_stats (b.sender, "sink");
  fail_unless_equals_uint64 (test_stat (tx, "resent-pieces"), 1);
  gst_structure_free (tx);
  big_sender_stop (&b);
}

GST_END_TEST;

static void
append_fragment (GByteArray *out, guint16 seq, guint index, guint count,
    const gchar *payload)
{
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_FRAGMENT);
  hdr.seq = seq;
  hdr.frag_index = index;
  hdr.frag_count = count;
  append_encoded (out, &hdr, payload);
}

/* Waits for a link-stats message of @receiver's source telling
 * lost-frames >= @lost. */
static void
wait_lost (GstElement *receiver, guint64 lost)
{
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (receiver));
  guint64 seen = 0;

  while (seen < lost) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    const GstStructure *st = gst_message_get_structure (msg);

    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    if (gst_structure_has_name (st, "serialsrc-link-stats"))
      seen = test_stat (st, "lost-frames");
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
}

/* A sender that says it repairs, sends two of the four pieces of frame 0
 * and then nothing: the receiver asks, and after GST_SERIAL_REORDER_DEAF
 * without an answer gives the frame up, counted lost. The rest of it, come
 * after all, is neither counted again nor delivered: delivered + lost =
 * sent. */
GST_START_TEST (test_deaf_sender_mid_frame)
{
  GByteArray *wire = g_byte_array_new ();
  GstElement *receiver, *src;
  GstStructure *rx;
  TestReceived r;
  guint8 zero = 0;
  TestPty pty;

  g_byte_array_append (wire, &zero, 1);
  append_packet (wire, SF_TYPE_CAPS, 0, FALSE, "application/x-test");
  append_packet (wire, SF_TYPE_SKIP, 0, FALSE, NULL);
  append_fragment (wire, 0, 0, 4, "piece 0");
  append_fragment (wire, 0, 1, 4, "piece 1");

  test_pty_open (&pty);
  receiver = test_make_receiver (pty.path, "native", &r);
  src = gst_bin_get_by_name (GST_BIN (receiver), "src");
  g_object_set (src, "stats-interval", 50, NULL);
  gst_object_unref (src);
  fail_if (
      test_set_state (receiver, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (write (pty.master, wire->data, wire->len), wire->len);
  wait_lost (receiver, 1);

  g_byte_array_set_size (wire, 0);
  append_fragment (wire, 0, 2, 4, "piece 2");
  append_fragment (wire, 0, 3, 4, "piece 3");
  append_packet (wire, SF_TYPE_DATA, 1, FALSE, "frame 1");
  append_packet (wire, SF_TYPE_EOS, 2, FALSE, NULL);
  fail_unless_equals_int (write (pty.master, wire->data, wire->len), wire->len);
  test_received_wait_eos (&r);

  fail_unless_equals_int (r.buffers->len, 1);
  fail_unless (gst_buffer_memcmp (r.buffers->pdata[0], 0, "frame 1", 7) == 0);
  rx = test_link_stats (receiver, "src");
  fail_unless_equals_uint64 (test_stat (rx, "lost-frames"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "frames-received"), 1);
  fail_unless_equals_uint64 (test_stat (rx, "duplicate-pieces"), 2);
  fail_unless (test_stat (rx, "repair-requests") >= 1);
  gst_structure_free (rx);

  replay_stop (&pty, &r, receiver);
  g_byte_array_unref (wire);
}

GST_END_TEST;

static Suite *
serialreverse_suite (void)
{
  Suite *s = suite_create ("serialreverse");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_key_request_after_loss);
  tcase_add_test (tc, test_deaf_sender_mid_frame);
  tcase_add_test (tc, test_state_changes_while_idle_repairs);
  tcase_add_test (tc, test_live_repair_too_late);
  tcase_add_test (tc, test_live_repair_would_delay_next_frame);
  tcase_add_test (tc, test_live_request_answered_mid_frame);
  tcase_add_loop_test (tc, test_live_repair_after_newer_frame, 0, 2);
  tcase_add_test (tc, test_parity_frame_repaired_in_its_cut);
  tcase_add_loop_test (tc, test_caps_request, 0, 2);
  tcase_add_test (tc, test_transmit_line_full);
  tcase_add_test (tc, test_sink_hears_receiver);
  tcase_add_test (tc, test_sink_flooded);
  tcase_add_test (tc, test_sink_nack_flood);
  return s;
}

TEST_CHECK_MAIN (serialreverse);
