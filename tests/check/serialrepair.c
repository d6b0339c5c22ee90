/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: selective retransmission's two pure modules, the
 * sender's (gstserialrepair.c) and the receiver's (gstserialreorder.c),
 * with the time passed in.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include "testutil.h"

#include "gstserialrepair.h"
#include "gstserialreorder.h"

#define MS GST_MSECOND
#define S GST_SECOND

static GstBuffer *
frame_of (gsize size)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (buf, 0, 0x5a, size);
  return buf;
}

/* A REPORT acknowledging every frame before @next, with @packets intact
 * and @damaged damaged packets and @wire bytes read so far. */
static void
report (GstSerialRepair *r, guint16 next, guint64 packets, guint64 damaged,
    guint64 wire, GstClockTime now)
{
  sf_report rep = { 0 };

  rep.packets = packets;
  rep.damaged = damaged;
  rep.wire_bytes = wire;
  gst_serial_repair_report (r, next, &rep, now);
}

static void
send_frames (GstSerialRepair *r, guint16 first, guint n, gsize size,
    gboolean listening)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buf = frame_of (size);

    gst_serial_repair_sent (r, first + i, buf, 0, listening,
        GST_CLOCK_TIME_NONE);
    gst_buffer_unref (buf);
  }
}

/* A receiver that is heard but acknowledges nothing new for a while (a
 * frame repaired again and again on a noisy line) still listens; one that
 * acknowledges nothing for GST_SERIAL_REPAIR_STALL, or is not heard for
 * GST_SERIAL_REPAIR_SILENCE, does not. The sender stopped waiting after 5 s
 * without an acknowledgement before, and dropped what the receiver still
 * asked for. */
GST_START_TEST (test_listening)
{
  GstSerialRepair r;
  sf_nack all = { 0 };
  GstClockTime t;

  gst_serial_repair_init (&r);
  fail_if (gst_serial_repair_listening (&r, 0));
  report (&r, 0, 1, 0, 100, 1 * S);
  fail_unless (gst_serial_repair_listening (&r, 1 * S));

  /* Asking about frame 0, acknowledging nothing, for 20 s. */
  for (t = 2 * S; t <= 21 * S; t += S) {
    gst_serial_repair_nack (&r, 0, &all, t);
    fail_unless (gst_serial_repair_listening (&r, t));
  }
  /* Still talking, but stuck past GST_SERIAL_REPAIR_STALL. */
  for (; t <= 31 * S; t += S)
    gst_serial_repair_nack (&r, 0, &all, t);
  fail_if (gst_serial_repair_listening (&r, t));

  /* Acknowledging again, then silent. */
  report (&r, 1, 2, 0, 200, 40 * S);
  fail_unless (gst_serial_repair_listening (&r, 44 * S));
  fail_if (gst_serial_repair_listening (&r, 45 * S));
  gst_serial_repair_clear (&r);
}

GST_END_TEST;

/* Before the receiver is heard the sender holds GST_SERIAL_REPAIR_UNHEARD
 * frames, or more up to the first window's bytes: the frames that may go
 * before the receiver speaks are still there when it first asks. Only 8
 * were held before, and 23 of 500 small frames were lost. */
GST_START_TEST (test_unheard_history)
{
  GstSerialRepair r;
  guint held;

  gst_serial_repair_init (&r);
  send_frames (&r, 0, 500, 200, FALSE);
  held = MIN (GST_SERIAL_REPAIR_HISTORY, GST_SERIAL_REPAIR_WINDOW_FIRST / 200);
  fail_unless (gst_serial_repair_lookup (&r, 499) != NULL);
  fail_unless (gst_serial_repair_lookup (&r, 500 - held) != NULL);
  fail_unless (gst_serial_repair_lookup (&r, 500 - held - 1) == NULL);
  gst_serial_repair_clear (&r);

  /* Large frames: at least GST_SERIAL_REPAIR_UNHEARD. */
  gst_serial_repair_init (&r);
  send_frames (&r, 0, 20, 40000, FALSE);
  fail_unless (gst_serial_repair_lookup (&r, 20 - GST_SERIAL_REPAIR_UNHEARD));
  fail_if (gst_serial_repair_lookup (&r, 19 - GST_SERIAL_REPAIR_UNHEARD));
  gst_serial_repair_clear (&r);

  /* Listening: the whole history, and an acknowledgement forgets. */
  gst_serial_repair_init (&r);
  send_frames (&r, 0, 300, 200, TRUE);
  fail_unless (gst_serial_repair_lookup (&r, 300 - GST_SERIAL_REPAIR_HISTORY));
  fail_if (gst_serial_repair_lookup (&r, 299 - GST_SERIAL_REPAIR_HISTORY));
  report (&r, 250, 1, 0, 100, S);
  fail_if (gst_serial_repair_lookup (&r, 249));
  fail_unless (gst_serial_repair_lookup (&r, 250));
  fail_unless_equals_int (gst_serial_repair_oldest (&r, 300), 250);
  /* A report that lags takes nothing back; a SKIP sent moves on. */
  report (&r, 240, 2, 0, 200, 2 * S);
  fail_unless_equals_int (r.acked, 250);
  fail_unless_equals_int (gst_serial_repair_in_flight (&r, 300), 50);
  gst_serial_repair_skipped (&r, 260);
  fail_unless_equals_int (r.acked, 260);
  fail_unless (gst_serial_repair_lookup (&r, 259) == NULL);
  gst_serial_repair_clear (&r);
}

GST_END_TEST;

/* The window: the first one before reports tell the rate, then 0.5 s at
 * the rate bytes arrive (reports far enough apart), never below the
 * minimum; at the pacing rate when the sender paces. */
GST_START_TEST (test_window)
{
  GstSerialRepair r;

  gst_serial_repair_init (&r);
  fail_unless_equals_uint64 (gst_serial_repair_window (&r, 0),
      GST_SERIAL_REPAIR_WINDOW_FIRST);
  fail_unless_equals_uint64 (gst_serial_repair_window (&r, 92160), 46080);

  report (&r, 0, 10, 0, 0, 1 * S);
  /* Too close to measure. */
  report (&r, 0, 20, 0, 5000, 1 * S + 50 * MS);
  fail_unless_equals_uint64 (gst_serial_repair_window (&r, 0),
      GST_SERIAL_REPAIR_WINDOW_FIRST);
  /* 92160 bytes a second. */
  report (&r, 0, 30, 0, 92160, 2 * S);
  fail_unless_equals_uint64 (gst_serial_repair_window (&r, 0), 46080);
  /* A pause does not make the line slower at once: the fastest fades. */
  report (&r, 0, 30, 0, 92160, 3 * S);
  fail_unless_equals_uint64 (gst_serial_repair_window (&r, 0), 41472);
  /* A slow line: never below the minimum. */
  gst_serial_repair_clear (&r);
  gst_serial_repair_init (&r);
  report (&r, 0, 10, 0, 0, 1 * S);
  report (&r, 0, 20, 0, 5760, 2 * S);
  fail_unless_equals_uint64 (gst_serial_repair_window (&r, 0),
      GST_SERIAL_REPAIR_WINDOW_MIN);
  gst_serial_repair_clear (&r);
}

GST_END_TEST;

/* Pieces: whole on a clean line; on a damaging one the size that wastes
 * least for the measured overhead, e.g. 1e-3 damaged bytes and 15 bytes a
 * piece: (15 + sqrt(225 + 60000)) / 2 - 15 = 115. */
GST_START_TEST (test_piece_size)
{
  GstSerialRepair r;
  guint64 packets;

  gst_serial_repair_init (&r);
  /* Before a report tells the damage, large frames go in small pieces to a
   * receiver that may speak, and whole to one that will not. */
  fail_unless_equals_int (gst_serial_repair_piece_size (&r, 35000, TRUE, 0),
      GST_SERIAL_REPAIR_PIECE_FIRST);
  fail_unless_equals_int (gst_serial_repair_piece_size (&r, 35000, FALSE, 0),
      0);
  fail_unless_equals_int (gst_serial_repair_piece_size (&r,
                              GST_SERIAL_REPAIR_PIECE_MAX, TRUE, 0),
      0);
  /* Reports tell it, from the receiver's start, once they cover
   * GST_SERIAL_REPAIR_MEASURE_BYTES or show damage: the first comes with
   * the first piece, and one clean piece told "clean" to a line that
   * damages a fifth of them. */
  report (&r, 0, 1, 0, 270, 1 * MS);
  fail_unless_equals_int (gst_serial_repair_piece_size (&r, 35000, TRUE, 0),
      GST_SERIAL_REPAIR_PIECE_FIRST);
  report (&r, 0, 100, 0, GST_SERIAL_REPAIR_MEASURE_BYTES, 1 * S);
  fail_unless_equals_int (gst_serial_repair_piece_size (&r, 35000, TRUE, 0), 0);
  gst_serial_repair_clear (&r);
  gst_serial_repair_init (&r);
  report (&r, 0, 1, 1, 540, 1 * MS);
  fail_unless_equals_int (gst_serial_repair_piece_size (&r, 35000, TRUE, 0),
      GST_SERIAL_REPAIR_PIECE_FIRST);
  /* 4 of 24 damaged, counted from the start: 6.75e-4 per byte, pieces of
   * (20 + sqrt(400 + 80 / 6.75e-4)) / 2 - 20 = 162. */
  report (&r, 0, 20, 4, 24 * 270, 2 * MS);
  fail_unless (ABS ((gint) gst_serial_repair_piece_size (&r, 35000, TRUE, 0) -
                   162) <= 2,
      "piece %u", gst_serial_repair_piece_size (&r, 35000, TRUE, 0));
  fail_unless (gst_serial_repair_piece_size (&r, 35000, TRUE, 0) <
      GST_SERIAL_REPAIR_PIECE_MAX);
  gst_serial_repair_clear (&r);
  gst_serial_repair_init (&r);
  report (&r, 0, 100, 0, 100000, 1 * S);
  report (&r, 0, 200, 0, 200000, 2 * S);
  fail_unless_equals_int (gst_serial_repair_piece_size (&r, 35000, TRUE, 0), 0);

  /* 1000-byte packets, 1 - e^-1 of them damaged: 1e-3 per byte. */
  gst_serial_repair_overhead (&r, 10, 150);
  packets = 1000;
  report (&r, 0, 200 + packets - 632, 632, 200000 + packets * 1000, 3 * S);
  fail_unless (ABS ((gint) gst_serial_repair_piece_size (&r, 35000, TRUE, 0) -
                   115) <= 1,
      "piece %u", gst_serial_repair_piece_size (&r, 35000, TRUE, 0));

  /* Worse at once, better slowly. */
  report (&r, 0, 200 + 2 * packets - 632 - 900, 632 + 900,
      200000 + 2 * packets * 1000, 4 * S);
  fail_unless (gst_serial_repair_piece_size (&r, 35000, TRUE, 0) < 100);
  fail_unless (gst_serial_repair_piece_size (&r, 35000, TRUE, 1000) < 100);
  gst_serial_repair_clear (&r);

  /* A live stream's pieces are at most the longest it says, also where
   * the best piece would be longer than GST_SERIAL_REPAIR_PIECE_MAX, and
   * whole frames only on a clean line: 1 of 1000 packets of 1000 bytes
   * damaged, 1e-6 per byte, pieces of 8900. */
  gst_serial_repair_init (&r);
  report (&r, 0, 999, 1, 1000 * 1000, 1 * S);
  fail_unless_equals_int (gst_serial_repair_piece_size (&r, 35000, TRUE, 0), 0);
  fail_unless_equals_int (gst_serial_repair_piece_size (&r, 35000, TRUE, 1152),
      1152);
  gst_serial_repair_clear (&r);
  gst_serial_repair_init (&r);
  report (&r, 0, 100, 0, GST_SERIAL_REPAIR_MEASURE_BYTES, 1 * S);
  fail_unless_equals_int (gst_serial_repair_piece_size (&r, 35000, TRUE, 1152),
      0);
  gst_serial_repair_clear (&r);
}

GST_END_TEST;

/* Requests: one per frame (the newer replaces the older), the oldest goes
 * when the queue is full; a silent receiver gets its oldest frame again
 * after the timeout. */
GST_START_TEST (test_requests)
{
  GstSerialRepairRequest req;
  GstSerialRepair r;
  sf_nack nack = { 0 };
  guint i;

  gst_serial_repair_init (&r);
  send_frames (&r, 0, 10, 1000, TRUE);
  report (&r, 0, 1, 0, 100, 0);
  for (i = 0; i < GST_SERIAL_REPAIR_REQUESTS + 5; i++)
    gst_serial_repair_nack (&r, i, &nack, 10 * MS);
  nack.frag_count = 7;
  gst_serial_repair_nack (&r, 10, &nack, 10 * MS);
  fail_unless_equals_int (r.n_requests, GST_SERIAL_REPAIR_REQUESTS);
  fail_unless (gst_serial_repair_pop (&r, &req));
  fail_unless_equals_int (req.seq, 5);
  while (gst_serial_repair_pop (&r, &req))
    ;
  fail_unless_equals_int (req.seq, 36);

  /* Nothing heard for the timeout: frame 0 again, as if asked for all. */
  fail_if (gst_serial_repair_timeout (&r, 10, 500 * MS, 400 * MS));
  fail_unless (gst_serial_repair_timeout (&r, 10, 500 * MS, 600 * MS));
  fail_unless (gst_serial_repair_pop (&r, &req));
  fail_unless_equals_int (req.seq, 0);
  fail_unless_equals_int (req.nack.frag_count, 0);
  fail_unless_equals_uint64 (r.timeouts, 1);
  gst_serial_repair_clear (&r);

  /* A frame that went in pieces: only its last piece goes, for the
   * receiver to say what it lacks; the whole frame went before (4 % of a
   * noisy line's bytes in bench-noise). */
  gst_serial_repair_init (&r);
  {
    GstBuffer *buf = frame_of (1000);

    gst_serial_repair_sent (&r, 0, buf, 300, TRUE, GST_CLOCK_TIME_NONE);
    gst_buffer_unref (buf);
  }
  report (&r, 0, 1, 0, 100, 0);
  fail_unless (gst_serial_repair_timeout (&r, 1, 500 * MS, 600 * MS));
  fail_unless (gst_serial_repair_pop (&r, &req));
  fail_unless_equals_int (req.nack.frag_count, 4);
  fail_unless_equals_int (req.nack.n_ranges, 1);
  fail_unless_equals_int (req.nack.ranges[0].first, 3);
  fail_unless_equals_int (req.nack.ranges[0].count, 1);
  gst_serial_repair_clear (&r);
}

GST_END_TEST;

/* The receiver cannot say anything of a frame before it arrives: a frame
 * that takes longer on the line than the timeout is not sent again
 * meanwhile. On a clean line at 921600 baud, whole 30 KiB frames (a third
 * of a second each) were resent unasked, one run in three, and a run lost
 * 7 % of the line to it. */
GST_START_TEST (test_timeout_after_arrival)
{
  GstSerialRepairRequest req;
  GstSerialRepair r;
  GstBuffer *buf;
  guint16 seq;

  gst_serial_repair_init (&r);
  for (seq = 0; seq < 3; seq++) {
    buf = frame_of (30000);
    /* Frame 0 arrives at 100 ms, frame 1 at 450 ms, frame 2 at 800 ms. */
    gst_serial_repair_sent (&r, seq, buf, 0, TRUE,
        seq == 0 ? 100 * MS : (100 + 350 * seq) * MS);
    gst_buffer_unref (buf);
  }
  report (&r, 1, 1, 0, 30000, 100 * MS);

  fail_if (gst_serial_repair_timeout (&r, 3, 250 * MS, 400 * MS));
  fail_if (gst_serial_repair_timeout (&r, 3, 250 * MS, 650 * MS));
  fail_unless_equals_uint64 (r.timeouts, 0);
  fail_unless (gst_serial_repair_timeout (&r, 3, 250 * MS, 710 * MS));
  fail_unless (gst_serial_repair_pop (&r, &req));
  fail_unless_equals_int (req.seq, 1);
  fail_unless_equals_uint64 (r.timeouts, 1);
  gst_serial_repair_clear (&r);
}

GST_END_TEST;

/* Once cut, a frame keeps its cut: pieces of two cuts with the same count
 * made a 237-byte frame of a 200-byte one in the noisy-line test, every
 * packet's CRC right. A frame that went whole is cut as new frames are
 * when the receiver has nothing of it. */
GST_START_TEST (test_cut)
{
  GstSerialRepairFrame f = { 0 };
  sf_nack nothing = { 0 }, some = { 0 };

  some.frag_count = 2;
  some.n_ranges = 1;
  some.ranges[0].first = 1;
  some.ranges[0].count = 1;

  f.piece = 100;
  fail_unless_equals_int (gst_serial_repair_cut (&f, &nothing, 137), 100);
  fail_unless_equals_int (gst_serial_repair_cut (&f, &some, 137), 100);

  f.piece = 0;
  fail_unless_equals_int (gst_serial_repair_cut (&f, &nothing, 137), 137);
  fail_unless_equals_int (gst_serial_repair_cut (&f, &nothing, 64), 137);
  fail_unless_equals_int (f.piece, 137);
}

GST_END_TEST;

typedef struct {
  guint16 seqs[64];
  sf_nack nacks[64];
  guint n;
} Asked;

static gboolean
record_ask (guint16 seq, const sf_nack *nack, gpointer user_data)
{
  Asked *a = user_data;

  a->seqs[a->n] = seq;
  a->nacks[a->n++] = *nack;
  return TRUE;
}

static void
add_piece (GstSerialReorder *ro, guint16 seq, guint index, guint count,
    GstClockTime now)
{
  guint8 payload[100];
  sf_header hdr;

  memset (payload, seq + index, sizeof (payload));
  sf_header_init (&hdr, SF_TYPE_FRAGMENT);
  hdr.seq = seq;
  hdr.frag_index = index;
  hdr.frag_count = count;
  gst_serial_reorder_add (ro, &hdr, payload, sizeof (payload), now);
}

/* The receiver holds frames behind a missing piece, asks for it (the
 * newest frame only once the line is quiet), re-asks after its own round
 * trip, and lets the frames go in order once it comes. */
GST_START_TEST (test_reorder)
{
  GstSerialReorder ro;
  Asked a = { 0 };
  gboolean discont;
  sf_header hdr;
  GstBuffer *out;

  gst_serial_reorder_init (&ro, 1 << 20);
  gst_serial_reorder_start (&ro, 0);
  add_piece (&ro, 0, 0, 3, 0);
  add_piece (&ro, 0, 2, 3, 0);
  add_piece (&ro, 1, 0, 2, 0);
  add_piece (&ro, 1, 1, 2, 0);
  fail_unless (gst_serial_reorder_pop (&ro, &hdr, &discont) == NULL);

  fail_unless_equals_int (gst_serial_reorder_ask (&ro, 10 * MS, FALSE,
                              record_ask, &a),
      1);
  fail_unless_equals_int (a.seqs[0], 0);
  fail_unless_equals_int (a.nacks[0].frag_count, 3);
  fail_unless_equals_int (a.nacks[0].n_ranges, 1);
  fail_unless_equals_int (a.nacks[0].ranges[0].first, 1);
  fail_unless_equals_int (a.nacks[0].ranges[0].count, 1);
  /* Not again before the interval. */
  fail_unless_equals_int (gst_serial_reorder_ask (&ro, 200 * MS, FALSE,
                              record_ask, &a),
      0);

  /* The answer after 400 ms: the round trip is 400 ms, so the next ask
   * waits 600 ms. */
  add_piece (&ro, 0, 1, 3, 410 * MS);
  out = gst_serial_reorder_pop (&ro, &hdr, &discont);
  fail_unless (out != NULL);
  fail_unless_equals_int (hdr.seq, 0);
  fail_unless_equals_int (gst_buffer_get_size (out), 300);
  gst_buffer_unref (out);
  out = gst_serial_reorder_pop (&ro, &hdr, &discont);
  fail_unless_equals_int (hdr.seq, 1);
  fail_if (discont);
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (ro.retransmitted, 1);

  add_piece (&ro, 2, 0, 2, 500 * MS);
  add_piece (&ro, 3, 0, 2, 500 * MS);
  a.n = 0;
  fail_unless_equals_int (gst_serial_reorder_ask (&ro, 510 * MS, FALSE,
                              record_ask, &a),
      1);
  fail_unless_equals_int (gst_serial_reorder_ask (&ro, 900 * MS, TRUE,
                              record_ask, &a),
      1);
  fail_unless_equals_int (a.seqs[1], 3);
  fail_unless_equals_int (gst_serial_reorder_ask (&ro, 1000 * MS, TRUE,
                              record_ask, &a),
      0);
  fail_unless_equals_int (gst_serial_reorder_ask (&ro, 1120 * MS, TRUE,
                              record_ask, &a),
      1);

  /* Given up by this receiver: counted lost, the next goes DISCONT. */
  add_piece (&ro, 3, 1, 2, 1200 * MS);
  gst_serial_reorder_give_up (&ro, 3);
  out = gst_serial_reorder_pop (&ro, &hdr, &discont);
  fail_unless_equals_int (hdr.seq, 3);
  fail_unless (discont);
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (ro.incomplete + ro.lost, 1);
  fail_unless_equals_uint64 (ro.skipped, 0);
  gst_serial_reorder_clear (&ro);
}

GST_END_TEST;

/* The sender owes an answer from the first request; its silence makes it
 * deaf after GST_SERIAL_REORDER_DEAF. More of the frame it was writing
 * when asked is not silence: it answers after that frame, which may take
 * long (CI's valgrind run of serialframing gave up on a sender writing
 * 8 MiB, and counted a frame lost that then came whole). */
GST_START_TEST (test_reorder_deaf)
{
  const GstClockTime s = GST_SECOND;
  GstSerialReorder ro;
  Asked a = { 0 };
  guint i;

  gst_serial_reorder_init (&ro, 1 << 20);
  gst_serial_reorder_start (&ro, 0);
  add_piece (&ro, 0, 0, 10, 0);
  fail_unless_equals_int (gst_serial_reorder_ask (&ro, 100 * MS, TRUE,
                              record_ask, &a),
      1);
  /* Frame 0 goes on arriving, a piece every 2 s. */
  for (i = 1; i < 4; i++) {
    fail_if (gst_serial_reorder_deaf (&ro, 2 * i * s - MS));
    add_piece (&ro, 0, i, 10, 2 * i * s);
  }
  fail_if (gst_serial_reorder_deaf (&ro, 9 * s - MS));
  fail_unless (gst_serial_reorder_deaf (&ro, 9 * s));

  /* The answer (a SKIP) ends the wait; the rest of frame 0 comes. */
  gst_serial_reorder_answered (&ro);
  fail_if (gst_serial_reorder_deaf (&ro, 20 * s));
  for (i = 4; i < 10; i++)
    add_piece (&ro, 0, i, 10, 20 * s);
  fail_if (gst_serial_reorder_waiting (&ro));

  /* A sender that goes on with newer frames without answering is deaf. */
  add_piece (&ro, 1, 0, 2, 30 * s);
  add_piece (&ro, 2, 0, 2, 30 * s);
  a.n = 0;
  fail_unless_equals_int (gst_serial_reorder_ask (&ro, 30 * s, FALSE,
                              record_ask, &a),
      1);
  for (i = 3; i < 6; i++) {
    add_piece (&ro, i, 0, 2, 30 * s + i * 500 * MS);
    add_piece (&ro, i, 1, 2, 30 * s + i * 500 * MS);
  }
  fail_if (gst_serial_reorder_deaf (&ro, 33 * s - MS));
  fail_unless (gst_serial_reorder_deaf (&ro, 33 * s));

  /* Answered with the missing piece: nothing is owed any more, and a
   * request long after starts a new wait. */
  add_piece (&ro, 1, 1, 2, 34 * s);
  add_piece (&ro, 2, 1, 2, 34 * s);
  fail_if (gst_serial_reorder_waiting (&ro));
  fail_if (gst_serial_reorder_deaf (&ro, 40 * s));
  add_piece (&ro, 6, 0, 2, 50 * s);
  fail_unless_equals_int (gst_serial_reorder_ask (&ro, 50 * s, TRUE, record_ask,
                              &a),
      1);
  fail_if (gst_serial_reorder_deaf (&ro, 53 * s - MS));
  fail_unless (gst_serial_reorder_deaf (&ro, 53 * s));
  gst_serial_reorder_clear (&ro);
}

GST_END_TEST;

static Suite *
serialrepair_suite (void)
{
  Suite *s = suite_create ("serialrepair");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_listening);
  tcase_add_test (tc, test_unheard_history);
  tcase_add_test (tc, test_window);
  tcase_add_test (tc, test_piece_size);
  tcase_add_test (tc, test_requests);
  tcase_add_test (tc, test_timeout_after_arrival);
  tcase_add_test (tc, test_cut);
  tcase_add_test (tc, test_reorder);
  tcase_add_test (tc, test_reorder_deaf);
  return s;
}

TEST_CHECK_MAIN (serialrepair);
