/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: serialsink's packets, read back with the decoder.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include "testutil.h"

#include <string.h>

#include "gstserialpacker.h"

typedef struct {
  sf_decoder dec;
  guint8 buf[SF_NATIVE_DECODE_BUFFER_SIZE (1024)];
} Reader;

static void
reader_init (Reader *r)
{
  fail_unless_equals_int (sf_decoder_init (&r->dec, SF_MODE_NATIVE, 0, r->buf,
                              sizeof (r->buf)),
      SF_OK);
}

/* Feeds the packer's packet whole: it must decode into exactly one
 * packet, which is returned. */
static const sf_packet *
reader_read (Reader *r, const GstSerialPacker *packer)
{
  const sf_packet *pkt = NULL;
  gsize pos = 0, used;

  while (pos < packer->len) {
    sf_result res =
        sf_decoder_feed (&r->dec, packer->data + pos, packer->len - pos, &used);

    pos += used;
    if (res == SF_DEC_PACKET) {
      fail_unless (pkt == NULL, "two packets in one");
      pkt = sf_decoder_packet (&r->dec);
    }
  }
  fail_unless (pkt != NULL, "no packet");
  return pkt;
}

/* Feeds the packer's packets: each decoded packet's header and a copy of
 * its payload, in order. */
static guint
reader_read_all (Reader *r, const GstSerialPacker *packer, sf_header *hdrs,
    GBytes **payloads, guint max)
{
  gsize pos = 0, used;
  guint n = 0;

  while (pos < packer->len) {
    sf_result res =
        sf_decoder_feed (&r->dec, packer->data + pos, packer->len - pos, &used);

    pos += used;
    if (res == SF_DEC_PACKET) {
      const sf_packet *pkt = sf_decoder_packet (&r->dec);

      fail_unless (n < max, "more packets than expected");
      hdrs[n] = pkt->header;
      payloads[n++] = g_bytes_new (pkt->payload, pkt->payload_len);
    }
  }
  return n;
}

static void
append_text (GstBuffer *buf, const gchar *text)
{
  gchar *copy = g_strdup (text);

  gst_buffer_append_memory (buf,
      gst_memory_new_wrapped (0, copy, strlen (copy), 0, strlen (copy), copy,
          g_free));
}

static GstBuffer *
text_buffer (const gchar *a, const gchar *b)
{
  GstBuffer *buf = gst_buffer_new ();

  append_text (buf, a);
  if (b)
    append_text (buf, b);
  return buf;
}

/* A stream's first packet comes after a delimiter; the next, after a
 * complete one, does not. A data packet carries the buffer's memories in
 * order, its flags and timestamps, and the next number. */
GST_START_TEST (test_data_packets)
{
  GstSerialPacker packer;
  const sf_packet *pkt;
  GstBuffer *buf;
  Reader r;

  reader_init (&r);
  gst_serial_packer_init (&packer);
  gst_serial_packer_start (&packer, SF_MODE_NATIVE, 0);

  buf = text_buffer ("abc", "def");
  GST_BUFFER_PTS (buf) = GST_SECOND;
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  fail_unless_equals_int (packer.data[0], 0x00);
  pkt = reader_read (&r, &packer);
  fail_unless_equals_int (pkt->header.type, SF_TYPE_DATA);
  fail_unless_equals_int (pkt->header.seq, 0);
  fail_unless_equals_uint64 (pkt->header.pts, GST_SECOND);
  fail_unless (pkt->header.flags & SF_FLAG_DELTA_UNIT);
  fail_unless_equals_int (pkt->payload_len, 6);
  fail_unless (memcmp (pkt->payload, "abcdef", 6) == 0);
  gst_serial_packer_written (&packer, TRUE);
  gst_serial_packer_number_used (&packer);
  gst_buffer_unref (buf);

  buf = text_buffer ("second", NULL);
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  fail_unless (packer.data[0] != 0x00);
  pkt = reader_read (&r, &packer);
  fail_unless_equals_int (pkt->header.seq, 1);
  gst_buffer_unref (buf);

  gst_serial_packer_clear (&packer);
}

GST_END_TEST;

/* A packet cut short leaves its start on the line: the next comes after a
 * delimiter, so the receiver drops the cut one and gets the next. The same
 * after the port was reopened. */
GST_START_TEST (test_delimiter_after_cut)
{
  GstSerialPacker packer;
  const sf_packet *pkt;
  Reader r;

  reader_init (&r);
  gst_serial_packer_init (&packer);
  gst_serial_packer_start (&packer, SF_MODE_NATIVE, 0);
  fail_unless_equals_int (gst_serial_packer_caps (&packer, "a/b"), SF_OK);
  /* Half of it goes on the line. */
  fail_unless_equals_int (sf_decoder_feed (&r.dec, packer.data, packer.len / 2,
                              &(gsize){ 0 }),
      SF_DEC_NEED_MORE);
  gst_serial_packer_written (&packer, FALSE);

  fail_unless_equals_int (gst_serial_packer_caps (&packer, "c/d"), SF_OK);
  fail_unless_equals_int (packer.data[0], 0x00);
  pkt = reader_read (&r, &packer);
  fail_unless_equals_int (pkt->header.type, SF_TYPE_CAPS);
  fail_unless_equals_int (pkt->payload_len, 3);
  fail_unless (memcmp (pkt->payload, "c/d", 3) == 0);
  gst_serial_packer_written (&packer, TRUE);

  gst_serial_packer_resync (&packer);
  fail_unless_equals_int (gst_serial_packer_eos (&packer), SF_OK);
  fail_unless_equals_int (packer.data[0], 0x00);
  gst_serial_packer_clear (&packer);
}

GST_END_TEST;

/* Caps and EOS packets take the next data packet's number without using
 * it up; copies of the EOS thus carry the same number. */
GST_START_TEST (test_numbers)
{
  GstSerialPacker packer;
  const sf_packet *pkt;
  GstBuffer *buf = text_buffer ("x", NULL);
  Reader r;
  guint i;

  reader_init (&r);
  gst_serial_packer_init (&packer);
  gst_serial_packer_start (&packer, SF_MODE_NATIVE, 0);
  for (i = 0; i < 3; i++) {
    fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
    fail_unless_equals_int (reader_read (&r, &packer)->header.seq, i);
    gst_serial_packer_written (&packer, TRUE);
    gst_serial_packer_number_used (&packer);
  }
  fail_unless_equals_int (gst_serial_packer_caps (&packer, "a/b"), SF_OK);
  pkt = reader_read (&r, &packer);
  fail_unless_equals_int (pkt->header.seq, 3);
  for (i = 0; i < 2; i++) {
    fail_unless_equals_int (gst_serial_packer_eos (&packer), SF_OK);
    pkt = reader_read (&r, &packer);
    fail_unless_equals_int (pkt->header.type, SF_TYPE_EOS);
    fail_unless_equals_int (pkt->header.seq, 3);
  }
  /* A new stream starts again at 0, after a delimiter. */
  gst_serial_packer_start (&packer, SF_MODE_NATIVE, 0);
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  fail_unless_equals_int (packer.data[0], 0x00);
  pkt = reader_read (&r, &packer);
  fail_unless_equals_int (pkt->header.seq, 0);
  gst_buffer_unref (buf);
  gst_serial_packer_clear (&packer);
}

GST_END_TEST;

/* With a fragment size, a larger frame goes as fragments of that size,
 * the last one shorter, each carrying the frame's number, fields, its
 * index and the count; a memory boundary of the buffer falls anywhere. A
 * frame that fits goes as one DATA packet. */
GST_START_TEST (test_fragments)
{
  const gchar *pieces[] = { "abcd", "efgh", "ij" };
  GstSerialPacker packer;
  GBytes *payloads[4];
  sf_header hdrs[4];
  GstBuffer *buf;
  Reader r;
  guint i, n;

  reader_init (&r);
  gst_serial_packer_init (&packer);
  gst_serial_packer_start (&packer, SF_MODE_NATIVE, 0);
  packer.fragment_size = 4;
  buf = text_buffer ("abcdef", "ghij");
  GST_BUFFER_PTS (buf) = 5 * GST_SECOND;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_MARKER);
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  n = reader_read_all (&r, &packer, hdrs, payloads, G_N_ELEMENTS (hdrs));
  fail_unless_equals_int (n, 3);
  for (i = 0; i < n; i++) {
    gsize len;
    const gchar *data = g_bytes_get_data (payloads[i], &len);

    fail_unless_equals_int (hdrs[i].type, SF_TYPE_FRAGMENT);
    fail_unless_equals_int (hdrs[i].seq, 0);
    fail_unless_equals_int (hdrs[i].frag_index, i);
    fail_unless_equals_int (hdrs[i].frag_count, 3);
    fail_unless_equals_uint64 (hdrs[i].pts, 5 * GST_SECOND);
    fail_unless_equals_uint64 (hdrs[i].duration, GST_SECOND / 30);
    fail_unless (hdrs[i].flags & SF_FLAG_MARKER);
    fail_unless_equals_int (len, strlen (pieces[i]));
    fail_unless (memcmp (data, pieces[i], len) == 0);
    g_bytes_unref (payloads[i]);
  }
  gst_serial_packer_written (&packer, TRUE);
  gst_serial_packer_number_used (&packer);
  gst_buffer_unref (buf);

  buf = text_buffer ("wxyz", NULL);
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  n = reader_read_all (&r, &packer, hdrs, payloads, G_N_ELEMENTS (hdrs));
  fail_unless_equals_int (n, 1);
  fail_unless_equals_int (hdrs[0].type, SF_TYPE_DATA);
  fail_unless_equals_int (hdrs[0].seq, 1);
  g_bytes_unref (payloads[0]);
  gst_buffer_unref (buf);
  gst_serial_packer_clear (&packer);
}

GST_END_TEST;

/* With fec-percentage, a frame's parity pieces follow its data: each with
 * the frame's number and fields, the counts and the last piece's size,
 * and the parity the code gives (docs/protocol.md, section 8.1). Without
 * fragment-size the pieces are 240 bytes; a frame that fits in one goes
 * whole, with one parity piece that copies it; an empty frame has none. */
GST_START_TEST (test_parity)
{
  GstSerialPacker packer;
  GBytes *payloads[8];
  guint8 parity[2][4];
  sf_header hdrs[8];
  GstBuffer *buf;
  Reader r;
  guint i, n, p;

  reader_init (&r);
  gst_serial_packer_init (&packer);
  gst_serial_packer_start (&packer, SF_MODE_NATIVE, 0);
  packer.fragment_size = 4;
  packer.fec_percentage = 50;
  buf = text_buffer ("abcdef", "ghij");
  GST_BUFFER_PTS (buf) = 5 * GST_SECOND;
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_MARKER);
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  fail_unless (packer.len <= gst_serial_packer_wire_max (&packer, 10));
  n = reader_read_all (&r, &packer, hdrs, payloads, G_N_ELEMENTS (hdrs));
  /* 3 fragments, ceil (3 * 50 %) = 2 parity pieces of 4 bytes. */
  fail_unless_equals_int (n, 5);
  fail_unless_equals_int (packer.parity_packets, 2);
  memset (parity, 0, sizeof (parity));
  for (p = 0; p < 2; p++)
    for (i = 0; i < 3; i++)
      sf_gf_mul_add (parity[p], (const guint8 *) "abcdefghij" + 4 * i,
          i == 2 ? 2 : 4, sf_fec_coef (3, p, i));
  for (i = 3; i < n; i++) {
    gsize len;
    const guint8 *data = g_bytes_get_data (payloads[i], &len);

    fail_unless_equals_int (hdrs[i].type, SF_TYPE_PARITY);
    fail_unless_equals_int (hdrs[i].seq, 0);
    fail_unless_equals_int (hdrs[i].frag_index, i - 3);
    fail_unless_equals_int (hdrs[i].frag_count, 3);
    fail_unless_equals_int (hdrs[i].parity_count, 2);
    fail_unless_equals_int (hdrs[i].last_size, 2);
    fail_unless_equals_uint64 (hdrs[i].pts, 5 * GST_SECOND);
    fail_unless (hdrs[i].flags & SF_FLAG_MARKER);
    fail_unless_equals_int (len, 4);
    fail_unless (memcmp (data, parity[i - 3], 4) == 0);
  }
  for (i = 0; i < n; i++)
    g_bytes_unref (payloads[i]);
  gst_serial_packer_written (&packer, TRUE);
  gst_serial_packer_number_used (&packer);
  gst_buffer_unref (buf);

  packer.fragment_size = 0;
  packer.fec_percentage = 15;
  buf = text_buffer ("whole", NULL);
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  n = reader_read_all (&r, &packer, hdrs, payloads, G_N_ELEMENTS (hdrs));
  fail_unless_equals_int (n, 2);
  fail_unless_equals_int (hdrs[0].type, SF_TYPE_DATA);
  fail_unless_equals_int (hdrs[1].type, SF_TYPE_PARITY);
  fail_unless_equals_int (hdrs[1].seq, 1);
  fail_unless_equals_int (hdrs[1].frag_count, 1);
  fail_unless_equals_int (hdrs[1].last_size, 5);
  fail_unless (g_bytes_equal (payloads[0], payloads[1]));
  for (i = 0; i < n; i++)
    g_bytes_unref (payloads[i]);
  gst_serial_packer_written (&packer, TRUE);
  gst_serial_packer_number_used (&packer);
  gst_buffer_unref (buf);

  /* 241 bytes: two pieces of the default size. */
  buf = gst_buffer_new_allocate (NULL, 241, NULL);
  gst_buffer_memset (buf, 0, 'x', 241);
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  n = reader_read_all (&r, &packer, hdrs, payloads, G_N_ELEMENTS (hdrs));
  fail_unless_equals_int (n, 3);
  fail_unless_equals_int (hdrs[0].frag_count, 2);
  fail_unless_equals_int (g_bytes_get_size (payloads[0]),
      GST_SERIAL_PACKER_FEC_FRAGMENT_SIZE);
  fail_unless_equals_int (hdrs[2].type, SF_TYPE_PARITY);
  for (i = 0; i < n; i++)
    g_bytes_unref (payloads[i]);
  gst_serial_packer_written (&packer, TRUE);
  gst_serial_packer_number_used (&packer);
  gst_buffer_unref (buf);

  buf = gst_buffer_new ();
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  n = reader_read_all (&r, &packer, hdrs, payloads, G_N_ELEMENTS (hdrs));
  fail_unless_equals_int (n, 1);
  fail_unless_equals_int (hdrs[0].type, SF_TYPE_DATA);
  fail_unless_equals_int (packer.parity_packets, 0);
  g_bytes_unref (payloads[0]);
  gst_buffer_unref (buf);
  gst_serial_packer_clear (&packer);
}

GST_END_TEST;

/* Makes and reads the packet of a 30 fps frame number @i. */
static sf_header
frame_at (GstSerialPacker *packer, Reader *r, guint i, gboolean delta)
{
  GstBuffer *buf = text_buffer ("frame", NULL);
  GBytes *payload;
  sf_header hdr;

  GST_BUFFER_PTS (buf) = i * (GST_SECOND / 30);
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  if (delta)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  fail_unless_equals_int (gst_serial_packer_data (packer, buf), SF_OK);
  fail_unless_equals_int (reader_read_all (r, packer, &hdr, &payload, 1), 1);
  fail_unless_equals_uint64 (hdr.pts, i * (GST_SECOND / 30));
  fail_unless_equals_uint64 (hdr.duration, GST_SECOND / 30);
  gst_serial_packer_written (packer, TRUE);
  gst_serial_packer_number_used (packer);
  g_bytes_unref (payload);
  gst_buffer_unref (buf);
  return hdr;
}

/* A steady stream's frames refer to the frame before: a 4-byte header (5
 * with flags), the times resolved by the receiver. The first frame, the
 * one after caps, after a reopened port, and a key frame of a stream with
 * delta frames write them whole. */
GST_START_TEST (test_times_refer_to_previous)
{
  GstSerialPacker packer;
  const sf_packet *pkt;
  Reader r;

  reader_init (&r);
  gst_serial_packer_init (&packer);
  gst_serial_packer_start (&packer, SF_MODE_NATIVE, 0);
  fail_unless (frame_at (&packer, &r, 0, FALSE).header_len > 4);
  fail_unless_equals_int (frame_at (&packer, &r, 1, FALSE).header_len, 4);
  fail_unless_equals_int (frame_at (&packer, &r, 2, FALSE).header_len, 4);

  fail_unless_equals_int (gst_serial_packer_caps (&packer, "a/b"), SF_OK);
  pkt = reader_read (&r, &packer);
  fail_unless_equals_int (pkt->header.type, SF_TYPE_CAPS);
  fail_unless (frame_at (&packer, &r, 3, FALSE).header_len > 4);
  fail_unless_equals_int (frame_at (&packer, &r, 4, FALSE).header_len, 4);

  gst_serial_packer_resync (&packer);
  fail_unless (frame_at (&packer, &r, 5, FALSE).header_len > 4);

  fail_unless_equals_int (frame_at (&packer, &r, 6, TRUE).header_len, 5);
  fail_unless (frame_at (&packer, &r, 7, FALSE).header_len > 4);
  fail_unless_equals_int (frame_at (&packer, &r, 8, TRUE).header_len, 5);
  gst_serial_packer_clear (&packer);
}

GST_END_TEST;

/* Caps go in the compact encoding: jpegenc's 390-byte caps take 25 bytes
 * on the wire, and expand back to the same string. Caps that would not be
 * shorter that way go plain. */
GST_START_TEST (test_compact_caps)
{
  const gchar *jpeg = "image/jpeg, sof-marker=(int)0, width=(int)640, "
                      "height=(int)480, pixel-aspect-ratio=(fraction)1/1, "
                      "framerate=(fraction)30/1, "
                      "interlace-mode=(string)progressive, "
                      "colorimetry=(string)bt601, chroma-site=(string)jpeg, "
                      "multiview-mode=(string)mono, "
                      "multiview-flags=(GstVideoMultiviewFlagsSet)0:ffffffff:"
                      "/right-view-first/left-flipped/left-flopped/"
                      "right-flipped/right-flopped/half-aspect/mixed-mono";
  gchar text[SF_CAPS_MAX];
  GstSerialPacker packer;
  const sf_packet *pkt;
  gsize len = 0;
  Reader r;

  fail_unless_equals_int (strlen (jpeg), 390);
  reader_init (&r);
  gst_serial_packer_init (&packer);
  gst_serial_packer_start (&packer, SF_MODE_NATIVE, 0);
  /* No delimiter before it, to measure the packet alone. */
  gst_serial_packer_written (&packer, TRUE);
  fail_unless_equals_int (sf_decoder_feed (&r.dec, (const guint8 *) "", 1,
                              &len),
      SF_DEC_NEED_MORE);
  fail_unless_equals_int (gst_serial_packer_caps (&packer, jpeg), SF_OK);
  fail_unless_equals_int (packer.len, 25);
  pkt = reader_read (&r, &packer);
  fail_unless (pkt->header.caps_compact);
  fail_unless_equals_int (pkt->payload_len, 15);
  fail_unless_equals_int (sf_caps_expand (pkt->payload, pkt->payload_len, text,
                              sizeof (text), &len),
      SF_OK);
  fail_unless_equals_int (len, 390);
  fail_unless (memcmp (text, jpeg, len) == 0);

  fail_unless_equals_int (gst_serial_packer_caps (&packer, "a/b"), SF_OK);
  pkt = reader_read (&r, &packer);
  fail_if (pkt->header.caps_compact);
  fail_unless_equals_int (pkt->payload_len, 3);
  gst_serial_packer_clear (&packer);
}

GST_END_TEST;

/* The sender's wall-clock time costs 8 bytes: only when asked. */
GST_START_TEST (test_sender_time)
{
  GstBuffer *buf = text_buffer ("x", NULL);
  GstSerialPacker packer;
  const sf_packet *pkt;
  Reader r;

  reader_init (&r);
  gst_serial_packer_init (&packer);
  gst_serial_packer_start (&packer, SF_MODE_NATIVE, 0);
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  pkt = reader_read (&r, &packer);
  fail_unless_equals_uint64 (pkt->header.sender_time, SF_TIME_NONE);
  gst_serial_packer_written (&packer, TRUE);

  packer.sender_time = TRUE;
  fail_unless_equals_int (gst_serial_packer_data (&packer, buf), SF_OK);
  pkt = reader_read (&r, &packer);
  fail_unless (pkt->header.sender_time != SF_TIME_NONE);
  fail_unless (
      pkt->header.sender_time > G_GUINT64_CONSTANT (1700000000) * GST_SECOND);
  gst_buffer_unref (buf);
  gst_serial_packer_clear (&packer);
}

GST_END_TEST;

static Suite *
serialpacker_suite (void)
{
  Suite *s = suite_create ("serialpacker");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_data_packets);
  tcase_add_test (tc, test_delimiter_after_cut);
  tcase_add_test (tc, test_numbers);
  tcase_add_test (tc, test_fragments);
  tcase_add_test (tc, test_parity);
  tcase_add_test (tc, test_times_refer_to_previous);
  tcase_add_test (tc, test_compact_caps);
  tcase_add_test (tc, test_sender_time);
  return s;
}

TEST_CHECK_MAIN (serialpacker);
