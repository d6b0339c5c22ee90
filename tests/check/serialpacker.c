/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: serialsink's packets, read back with the decoder.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

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

static Suite *
serialpacker_suite (void)
{
  Suite *s = suite_create ("serialpacker");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_data_packets);
  tcase_add_test (tc, test_delimiter_after_cut);
  tcase_add_test (tc, test_numbers);
  return s;
}

GST_CHECK_MAIN (serialpacker);
