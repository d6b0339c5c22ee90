/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: the reverse direction's decisions and packets
 * (gstserialfeedback.c), serialsrc's side read back by serialsink's.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include "testutil.h"

#include "gstserialfeedback.h"

#define MS GST_MSECOND

static sf_header
frame_header (guint8 type, guint16 seq, gboolean delta)
{
  sf_header hdr;

  sf_header_init (&hdr, type);
  hdr.seq = seq;
  if (delta)
    hdr.flags = SF_FLAG_DELTA_UNIT;
  return hdr;
}

/* What the receiver queued, as the sender reads it; the queue is then
 * written out. */
static GstSerialFeedbackEvents
carry (GstSerialFeedbackTx *tx, GstSerialFeedbackRx *rx, GstClockTime now)
{
  gsize len;
  const guint8 *data = gst_serial_feedback_tx_pending (tx, &len);
  GstSerialFeedbackEvents events =
      gst_serial_feedback_rx_feed (rx, data, len, now);

  gst_serial_feedback_tx_written (tx, len);
  return events;
}

/* A loss in a stream with delta frames asks for a key frame, once per
 * interval; the delta frames after it are held back until a key frame
 * comes, and asked for again meanwhile. */
GST_START_TEST (test_key_request)
{
  GstSerialFeedbackTx tx;
  GstSerialFeedbackRx rx;
  sf_header hdr;

  gst_serial_feedback_tx_init (&tx, SF_MODE_NATIVE, 0);
  gst_serial_feedback_rx_init (&rx, SF_MODE_NATIVE, 0);
  hdr = frame_header (SF_TYPE_DATA, 0, FALSE);
  gst_serial_feedback_tx_packet (&tx, &hdr, 0);
  fail_unless (gst_serial_feedback_tx_frame (&tx, FALSE, 0, 0));
  /* No delta frame seen yet: a loss needs no key frame. */
  gst_serial_feedback_tx_lost (&tx, 1, 10 * MS);
  fail_unless_equals_int (tx.key_requests, 0);

  hdr = frame_header (SF_TYPE_DATA, 2, TRUE);
  gst_serial_feedback_tx_packet (&tx, &hdr, 20 * MS);
  fail_unless (gst_serial_feedback_tx_frame (&tx, TRUE, 2, 20 * MS));
  gst_serial_feedback_tx_lost (&tx, 3, 30 * MS);
  fail_unless_equals_int (tx.key_requests, 1);
  fail_unless_equals_int (carry (&tx, &rx, 30 * MS),
      GST_SERIAL_FEEDBACK_KEY_REQUEST);
  fail_unless_equals_int (rx.key_requests, 1);

  /* Delta frames wait; the request is repeated after the interval only. */
  fail_if (gst_serial_feedback_tx_frame (&tx, TRUE, 4, 100 * MS));
  fail_unless_equals_int (tx.key_requests, 1);
  fail_if (gst_serial_feedback_tx_frame (&tx, TRUE, 5, 280 * MS));
  fail_unless_equals_int (tx.key_requests, 2);
  fail_unless_equals_int (tx.delta_dropped, 2);
  fail_unless (gst_serial_feedback_tx_frame (&tx, FALSE, 6, 300 * MS));
  fail_unless (gst_serial_feedback_tx_frame (&tx, TRUE, 7, 330 * MS));
  fail_unless_equals_int (carry (&tx, &rx, 330 * MS),
      GST_SERIAL_FEEDBACK_KEY_REQUEST);
  fail_unless_equals_int (rx.key_requests, 2);
  fail_unless_equals_int (tx.sent, 2);
  fail_unless_equals_int (tx.dropped, 0);
}

GST_END_TEST;

/* A receiver that joins between key frames waits for the next one, and
 * asks for it at once. */
GST_START_TEST (test_join_between_key_frames)
{
  GstSerialFeedbackTx tx;
  sf_header hdr = frame_header (SF_TYPE_FRAGMENT, 40, TRUE);

  gst_serial_feedback_tx_init (&tx, SF_MODE_NATIVE, 0);
  gst_serial_feedback_tx_packet (&tx, &hdr, 0);
  fail_if (gst_serial_feedback_tx_frame (&tx, TRUE, 40, 0));
  fail_unless_equals_int (tx.key_requests, 1);
  fail_unless (gst_serial_feedback_tx_frame (&tx, FALSE, 41, 10 * MS));
  fail_unless_equals_int (tx.delta_dropped, 1);
}

GST_END_TEST;

/* Caps asked for when frames come without them, once per interval. */
GST_START_TEST (test_caps_request)
{
  GstSerialFeedbackTx tx;
  GstSerialFeedbackRx rx;

  gst_serial_feedback_tx_init (&tx, SF_MODE_NATIVE, 0);
  gst_serial_feedback_rx_init (&rx, SF_MODE_NATIVE, 0);
  gst_serial_feedback_tx_no_caps (&tx, 7, 0);
  gst_serial_feedback_tx_no_caps (&tx, 8, 100 * MS);
  fail_unless_equals_int (tx.caps_requests, 1);
  gst_serial_feedback_tx_no_caps (&tx, 9, 250 * MS);
  fail_unless_equals_int (tx.caps_requests, 2);
  fail_unless_equals_int (carry (&tx, &rx, 250 * MS),
      GST_SERIAL_FEEDBACK_CAPS_REQUEST);
  fail_unless_equals_int (rx.caps_requests, 2);
}

GST_END_TEST;

/* Channels (several senders and receivers on one link): control packets
 * name their receiver's channel, and a sender hears only its own. */
GST_START_TEST (test_channels)
{
  GstSerialFeedbackTx tx;
  GstSerialFeedbackRx rx;

  gst_serial_feedback_tx_init (&tx, SF_MODE_NATIVE, 0);
  gst_serial_feedback_rx_init (&rx, SF_MODE_NATIVE, 0);
  tx.stream = 3;
  rx.stream = 2;
  gst_serial_feedback_tx_no_caps (&tx, 7, 0);
  fail_unless_equals_int (carry (&tx, &rx, 0), 0);
  fail_unless_equals_int (rx.caps_requests, 0);
  fail_unless_equals_int (rx.packets, 0);
  fail_unless_equals_uint64 (rx.other_streams, 1);

  rx.stream = 3;
  gst_serial_feedback_tx_no_caps (&tx, 8, 250 * MS);
  fail_unless_equals_int (carry (&tx, &rx, 250 * MS),
      GST_SERIAL_FEEDBACK_CAPS_REQUEST);
  fail_unless_equals_int (rx.caps_requests, 1);
  fail_unless_equals_uint64 (rx.other_streams, 1);
}

GST_END_TEST;

/* Reports go every interval while packets arrive (or sooner, every
 * GST_SERIAL_FEEDBACK_REPORT_BYTES that arrived), carry the receiver's
 * counters, and give the sender the round trip: from when the frame they
 * name left to their arrival, less the time the receiver held them. */
GST_START_TEST (test_reports_and_round_trip)
{
  sf_dec_stats dec = { 0 };
  GstSerialFeedbackTx tx;
  GstSerialFeedbackRx rx;
  sf_header hdr;

  gst_serial_feedback_tx_init (&tx, SF_MODE_NATIVE, 0);
  gst_serial_feedback_rx_init (&rx, SF_MODE_NATIVE, 0);
  /* Nothing arrived: nothing to report. */
  gst_serial_feedback_tx_report (&tx, 0, &dec, 0, 0, 0, FALSE);
  fail_unless_equals_int (tx.reports, 0);

  gst_serial_feedback_rx_frame_sent (&rx, 5, 1000 * MS, 0);
  hdr = frame_header (SF_TYPE_DATA, 5, FALSE);
  gst_serial_feedback_tx_packet (&tx, &hdr, 1030 * MS);
  dec.packets = 9;
  dec.crc_errors = 2;
  dec.malformed = 1;
  dec.wire_bytes = 12345;
  gst_serial_feedback_tx_report (&tx, 6, &dec, 4, 3, 1040 * MS, FALSE);
  fail_unless_equals_int (tx.reports, 1);
  /* Within the interval: none. */
  gst_serial_feedback_tx_report (&tx, 6, &dec, 4, 3, 1200 * MS, FALSE);
  fail_unless_equals_int (tx.reports, 1);

  fail_unless_equals_int (carry (&tx, &rx, 1070 * MS),
      GST_SERIAL_FEEDBACK_REPORT);
  fail_unless_equals_int (rx.reports, 1);
  fail_unless_equals_int (rx.report.last_seq, 5);
  fail_unless_equals_uint64 (rx.report.delay_us, 10000);
  fail_unless_equals_uint64 (rx.report.packets, 9);
  fail_unless_equals_uint64 (rx.report.damaged, 3);
  fail_unless_equals_uint64 (rx.report.wire_bytes, 12345);
  fail_unless_equals_uint64 (rx.report.lost, 4);
  fail_unless_equals_uint64 (rx.report.repaired, 3);
  /* 70 ms from the frame's departure, 10 of them held. */
  fail_unless_equals_uint64 (rx.rtt, 60 * MS);

  /* At the sender's EOS, at once. */
  gst_serial_feedback_tx_report (&tx, 6, &dec, 4, 3, 1210 * MS, TRUE);
  fail_unless_equals_int (tx.reports, 2);

  /* Of the first GST_SERIAL_FEEDBACK_REPORT_FIRST bytes, every
   * GST_SERIAL_FEEDBACK_REPORT_FIRST_BYTES: the sender cuts its first
   * frames knowing how damaging the line is. */
  dec.wire_bytes += GST_SERIAL_FEEDBACK_REPORT_FIRST_BYTES - 1;
  gst_serial_feedback_tx_report (&tx, 6, &dec, 4, 3, 1212 * MS, FALSE);
  fail_unless_equals_int (tx.reports, 2);
  dec.wire_bytes++;
  gst_serial_feedback_tx_report (&tx, 6, &dec, 4, 3, 1214 * MS, FALSE);
  fail_unless_equals_int (tx.reports, 3);

  /* Then within the interval, once GST_SERIAL_FEEDBACK_REPORT_BYTES more
   * came: on a fast line the sender's window (half a second of it) must
   * not wait for the interval. */
  dec.wire_bytes = GST_SERIAL_FEEDBACK_REPORT_FIRST;
  gst_serial_feedback_tx_report (&tx, 6, &dec, 4, 3, 1216 * MS, TRUE);
  fail_unless_equals_int (tx.reports, 4);
  dec.wire_bytes += GST_SERIAL_FEEDBACK_REPORT_BYTES - 1;
  gst_serial_feedback_tx_report (&tx, 6, &dec, 4, 3, 1220 * MS, FALSE);
  fail_unless_equals_int (tx.reports, 4);
  dec.wire_bytes++;
  gst_serial_feedback_tx_report (&tx, 6, &dec, 4, 3, 1230 * MS, FALSE);
  fail_unless_equals_int (tx.reports, 5);
}

GST_END_TEST;

/* A transmit line that does not drain: what does not fit waits whole, the
 * rest is dropped and counted, and what the line takes in part goes on
 * where it stopped. */
GST_START_TEST (test_line_does_not_drain)
{
  GstSerialFeedbackTx tx;
  GstSerialFeedbackRx rx;
  const guint8 *data;
  guint i, made = 0;
  gsize len;

  gst_serial_feedback_tx_init (&tx, SF_MODE_NATIVE, 0);
  gst_serial_feedback_rx_init (&rx, SF_MODE_NATIVE, 0);
  for (i = 0; i < 200; i++)
    gst_serial_feedback_tx_no_caps (&tx, i, i * 300 * MS);
  made = tx.caps_requests;
  fail_unless (made > 0 && made < 200);
  fail_unless_equals_int (made + tx.dropped, 200);
  data = gst_serial_feedback_tx_pending (&tx, &len);
  fail_unless (len <= GST_SERIAL_FEEDBACK_QUEUE);

  /* Written three bytes at a time, every packet arrives whole. */
  while (len > 0) {
    gsize n = MIN (len, 3);

    gst_serial_feedback_rx_feed (&rx, data, n, 0);
    gst_serial_feedback_tx_written (&tx, n);
    data = gst_serial_feedback_tx_pending (&tx, &len);
  }
  fail_unless_equals_int (tx.sent, made);
  fail_unless_equals_int (rx.caps_requests, made);
  fail_unless_equals_int (rx.packets, made);
}

GST_END_TEST;

static Suite *
serialfeedback_suite (void)
{
  Suite *s = suite_create ("serialfeedback");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_key_request);
  tcase_add_test (tc, test_join_between_key_frames);
  tcase_add_test (tc, test_caps_request);
  tcase_add_test (tc, test_channels);
  tcase_add_test (tc, test_reports_and_round_trip);
  tcase_add_test (tc, test_line_does_not_drain);
  return s;
}

TEST_CHECK_MAIN (serialfeedback);
