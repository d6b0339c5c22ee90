/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsink's side of selective retransmission
 * (docs/protocol.md, section 8.3). A pure module: the sink passes the time
 * in and does the writing.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialrepair.h"

#include <math.h>
#include <string.h>

/* Bytes a piece costs on the line besides its payload (the fragment's
 * header, its CRC, COBS and the delimiter) until frames cut show it. */
#define PIECE_OVERHEAD 20.0

/* Below this damage per byte, frames go whole. */
#define DAMAGE_NONE 1e-7

/* The share of the line the announcements may take, at most, and what one
 * costs on the wire, about. */
#define HELLO_SHARE 0.0005
#define HELLO_BYTES 12.0

/* Reports this far apart, at least, measure how fast bytes arrive. */
#define RATE_SPAN (200 * GST_MSECOND)

void
gst_serial_repair_init (GstSerialRepair *r)
{
  memset (r, 0, sizeof (*r));
  r->last_heard = r->last_progress = r->last_ack = GST_CLOCK_TIME_NONE;
  r->rate_time = GST_CLOCK_TIME_NONE;
  r->hello_interval = GST_SERIAL_REPAIR_HELLO_INTERVAL;
}

/**
 * gst_serial_repair_set_line_rate:
 * @rate: bytes per second the line carries, 0 when not known
 *
 * The announcements that this sender repairs take at most HELLO_SHARE of
 * a slow line: every second from 230400 baud up, every 23 s at 9600.
 */
void
gst_serial_repair_set_line_rate (GstSerialRepair *r, gdouble rate)
{
  GstClockTime interval = GST_SERIAL_REPAIR_HELLO_INTERVAL;

  if (rate > 0)
    interval = MAX (interval,
        (GstClockTime) (HELLO_BYTES / (HELLO_SHARE * rate) * GST_SECOND));
  r->hello_interval = interval;
}

static GstSerialRepairFrame *
gst_serial_repair_at (GstSerialRepair *r, guint i)
{
  return &r->frames[(r->first + i) % GST_SERIAL_REPAIR_HISTORY];
}

static void
gst_serial_repair_drop_oldest (GstSerialRepair *r)
{
  GstSerialRepairFrame *f = gst_serial_repair_at (r, 0);

  r->bytes -= gst_buffer_get_size (f->buffer);
  gst_clear_buffer (&f->buffer);
  r->first = (r->first + 1) % GST_SERIAL_REPAIR_HISTORY;
  r->count--;
}

void
gst_serial_repair_clear (GstSerialRepair *r)
{
  while (r->count > 0)
    gst_serial_repair_drop_oldest (r);
  gst_serial_repair_init (r);
}

/* Whether frame @a comes before frame @b (numbers wrap at 2^16). */
static gboolean
gst_serial_repair_before (guint16 a, guint16 b)
{
  guint16 d = b - a;

  return d != 0 && d < 0x8000;
}

/**
 * gst_serial_repair_sent:
 * @piece: the size it was cut in, 0: whole
 *
 * @listening: the receiver is heard; else only the last
 *     GST_SERIAL_REPAIR_UNHEARD frames, or more up to the first window's
 *     bytes (what may go before the receiver is heard)
 * @arrives: when it will have reached the receiver, GST_CLOCK_TIME_NONE
 *     when not known
 *
 * Frame @seq went: it is held (a reference to @buffer) until the receiver
 * has it, or newer frames push it out.
 */
void
gst_serial_repair_sent (GstSerialRepair *r, guint16 seq, GstBuffer *buffer,
    guint piece, gboolean listening, GstClockTime arrives)
{
  gsize size = gst_buffer_get_size (buffer);
  GstSerialRepairFrame *f;

  while (r->count > 0 &&
      (r->count >= GST_SERIAL_REPAIR_HISTORY ||
          r->bytes + size > GST_SERIAL_REPAIR_HISTORY_BYTES ||
          (!listening && r->count >= GST_SERIAL_REPAIR_UNHEARD &&
              r->bytes + size > GST_SERIAL_REPAIR_WINDOW_FIRST)))
    gst_serial_repair_drop_oldest (r);
  f = gst_serial_repair_at (r, r->count++);
  f->seq = seq;
  f->buffer = gst_buffer_ref (buffer);
  f->piece = piece;
  f->tries = 0;
  f->arrives = arrives;
  f->served = GST_CLOCK_TIME_NONE;
  r->bytes += gst_buffer_get_size (buffer);
}

/**
 * gst_serial_repair_heard:
 *
 * A control packet came from the receiver: it listens. It is told with a
 * SKIP that this sender repairs, when first heard and then every
 * its hello interval (gst_serial_repair_set_line_rate()).
 */
void
gst_serial_repair_heard (GstSerialRepair *r, GstClockTime now)
{
  /* Again now and then: a receiver that started later learns it too. */
  if (r->last_heard == GST_CLOCK_TIME_NONE ||
      now >= r->last_heard + GST_SERIAL_REPAIR_SILENCE ||
      now >= r->last_hello + r->hello_interval) {
    r->hello = TRUE;
    r->last_hello = now;
  }
  r->last_heard = now;
}

/* The damage per byte a report tells, from what changed since the one
 * before: the share of packets that came damaged, over their mean size.
 * It rises at once and falls slowly, so that a clean moment does not make
 * pieces that the next burst destroys. */
static void
gst_serial_repair_damage (GstSerialRepair *r, const sf_report *rep)
{
  static const sf_report start = { 0 };
  /* Until measured, all from the receiver's start: a frame sent whole
   * meanwhile tells little, the pieces of the next frames need it now, and
   * two pieces, one damaged, would tell three times the damage. */
  const sf_report *old = r->measured ? &r->last_report : &start;
  guint64 good, bad, bytes;
  gdouble share, sample;

  if (rep->packets < old->packets || rep->damaged < old->damaged ||
      rep->wire_bytes < old->wire_bytes)
    return;
  good = rep->packets - old->packets;
  bad = rep->damaged - old->damaged;
  bytes = rep->wire_bytes - old->wire_bytes;
  if (good + bad == 0 || bytes == 0)
    return;
  /* All damaged: at least as bad as one more would have shown. */
  share = good == 0 ? (gdouble) bad / (bad + 1) : (gdouble) bad / (good + bad);
  sample = -log1p (-share) / ((gdouble) bytes / (good + bad));
  if (!r->measured) {
    r->damage = sample;
    r->measured = rep->damaged >= GST_SERIAL_REPAIR_MEASURE_DAMAGED ||
        rep->wire_bytes >= GST_SERIAL_REPAIR_MEASURE_BYTES;
    return;
  }
  r->damage = sample > r->damage ? sample : 0.75 * r->damage + 0.25 * sample;
}

/* How fast the receiver gets bytes, from its count of them in reports
 * far enough apart. The fastest seen counts, fading slowly: a sender that
 * paused, or waits for repairs, has not made the line slower. */
static void
gst_serial_repair_rate (GstSerialRepair *r, const sf_report *rep,
    GstClockTime now)
{
  gdouble sample;

  if (r->rate_time == GST_CLOCK_TIME_NONE || rep->wire_bytes < r->rate_wire) {
    r->rate_wire = rep->wire_bytes;
    r->rate_time = now;
    return;
  }
  if (now < r->rate_time + RATE_SPAN)
    return;
  sample = (gdouble) (rep->wire_bytes - r->rate_wire) * GST_SECOND /
      (now - r->rate_time);
  r->rate = MAX (sample, 0.9 * r->rate);
  r->rate_wire = rep->wire_bytes;
  r->rate_time = now;
}

/**
 * gst_serial_repair_report:
 * @next_seq: the report's number: every frame before it was delivered or
 *     given up
 *
 * A receiver report: the frames it has are no longer held, and its counts
 * tell how damaging the line is.
 */
void
gst_serial_repair_report (GstSerialRepair *r, guint16 next_seq,
    const sf_report *report, GstClockTime now)
{
  gst_serial_repair_heard (r, now);
  gst_serial_repair_damage (r, report);
  gst_serial_repair_rate (r, report, now);
  r->last_report = *report;
  r->have_report = TRUE;
  /* Only forward: a report that lags (or a receiver that starts over)
   * takes nothing back. */
  if (!r->have_ack || gst_serial_repair_before (r->acked, next_seq)) {
    r->last_progress = r->last_ack = now;
    r->acked = next_seq;
  }
  r->have_ack = TRUE;
  gst_serial_repair_forget (r, r->acked);
}

/**
 * gst_serial_repair_skipped:
 *
 * The receiver was told with a SKIP that frames before @seq will not be
 * repaired: they are no longer held, nor waited for.
 */
void
gst_serial_repair_skipped (GstSerialRepair *r, guint16 seq)
{
  gst_serial_repair_forget (r, seq);
  if (r->have_ack && gst_serial_repair_before (r->acked, seq))
    r->acked = seq;
}

/**
 * gst_serial_repair_forget:
 *
 * Frames before @seq are no longer held.
 */
void
gst_serial_repair_forget (GstSerialRepair *r, guint16 seq)
{
  while (r->count > 0 &&
      gst_serial_repair_before (gst_serial_repair_at (r, 0)->seq, seq))
    gst_serial_repair_drop_oldest (r);
}

/**
 * gst_serial_repair_nack:
 *
 * The receiver asks for pieces of frame @seq: queued, replacing an older
 * request for the same frame; when the queue is full, the oldest request
 * goes.
 */
void
gst_serial_repair_nack (GstSerialRepair *r, guint16 seq, const sf_nack *nack,
    GstClockTime now)
{
  guint i;

  gst_serial_repair_heard (r, now);
  r->last_progress = now;
  r->requests++;
  for (i = 0; i < r->n_requests; i++) {
    if (r->requests_queue[i].seq == seq) {
      r->requests_queue[i].nack = *nack;
      return;
    }
  }
  if (r->n_requests == GST_SERIAL_REPAIR_REQUESTS) {
    memmove (r->requests_queue, r->requests_queue + 1,
        (GST_SERIAL_REPAIR_REQUESTS - 1) * sizeof (r->requests_queue[0]));
    r->n_requests--;
  }
  r->requests_queue[r->n_requests].seq = seq;
  r->requests_queue[r->n_requests].nack = *nack;
  r->n_requests++;
}

/**
 * gst_serial_repair_listening:
 *
 * Whether the receiver was heard within GST_SERIAL_REPAIR_SILENCE and
 * acknowledged a frame within GST_SERIAL_REPAIR_STALL: only then does the
 * sender wait for it. A frame repaired many times holds acknowledgements
 * up for seconds on a noisy line; a receiver that speaks without ever
 * getting anywhere (it is stuck, or hostile) holds the sender up
 * GST_SERIAL_REPAIR_STALL at most.
 */
gboolean
gst_serial_repair_listening (const GstSerialRepair *r, GstClockTime now)
{
  return r->last_ack != GST_CLOCK_TIME_NONE &&
      now < r->last_heard + GST_SERIAL_REPAIR_SILENCE &&
      now < r->last_ack + GST_SERIAL_REPAIR_STALL;
}

/**
 * gst_serial_repair_in_flight:
 * @next_seq: the number the next frame will take
 *
 * Frames sent that the receiver has not acknowledged.
 */
guint
gst_serial_repair_in_flight (const GstSerialRepair *r, guint16 next_seq)
{
  guint16 d = next_seq - r->acked;

  if (!r->have_ack || d >= 0x8000)
    return 0;
  return d;
}

/**
 * gst_serial_repair_full:
 *
 * Whether holding one more frame of @size bytes would push out one the
 * receiver may still ask for.
 */
gboolean
gst_serial_repair_full (const GstSerialRepair *r, gsize size)
{
  return r->count >= GST_SERIAL_REPAIR_HISTORY ||
      (r->count > 0 && r->bytes + size > GST_SERIAL_REPAIR_HISTORY_BYTES);
}

/**
 * gst_serial_repair_timeout:
 * @rto: how long the receiver may stay silent about a frame
 *
 * The receiver neither acknowledged nor asked for anything for @rto while
 * frames are unacknowledged (its requests or reports were lost, or it lost
 * the end of the stream and does not know), counted from when the oldest
 * of them (or its last repair) reached it: the last piece of that frame
 * goes again, as if asked for (the whole frame when it went whole), so
 * that the receiver says what it lacks. Returns whether it does.
 */
gboolean
gst_serial_repair_timeout (GstSerialRepair *r, guint16 next_seq,
    GstClockTime rto, GstClockTime now)
{
  GstSerialRepairFrame *f;
  GstClockTime since = r->last_progress;
  sf_nack probe = { 0 };
  gsize size;

  if (gst_serial_repair_in_flight (r, next_seq) == 0 ||
      since == GST_CLOCK_TIME_NONE)
    return FALSE;
  f = gst_serial_repair_lookup (r, r->acked);
  /* A frame longer on the line than @rto is not silence. */
  if (f && f->arrives != GST_CLOCK_TIME_NONE)
    since = MAX (since, f->arrives);
  if (f && f->served != GST_CLOCK_TIME_NONE)
    since = MAX (since, f->served);
  if (now < since + rto)
    return FALSE;
  size = f ? gst_buffer_get_size (f->buffer) : 0;
  if (f && f->piece > 0 && size > f->piece) {
    probe.frag_count = (size + f->piece - 1) / f->piece;
    probe.n_ranges = 1;
    probe.ranges[0].first = probe.frag_count - 1;
    probe.ranges[0].count = 1;
  }
  gst_serial_repair_nack (r, r->acked, &probe, now);
  r->requests--;
  r->timeouts++;
  return TRUE;
}

/**
 * gst_serial_repair_pop:
 *
 * The oldest request waiting, into *@req. Returns FALSE when there is
 * none.
 */
gboolean
gst_serial_repair_pop (GstSerialRepair *r, GstSerialRepairRequest *req)
{
  if (r->n_requests == 0)
    return FALSE;
  *req = r->requests_queue[0];
  r->n_requests--;
  memmove (r->requests_queue, r->requests_queue + 1,
      r->n_requests * sizeof (r->requests_queue[0]));
  return TRUE;
}

/**
 * gst_serial_repair_lookup:
 *
 * Frame @seq, when it is still held.
 */
GstSerialRepairFrame *
gst_serial_repair_lookup (GstSerialRepair *r, guint16 seq)
{
  GstSerialRepairFrame *first;
  guint16 i;

  if (r->count == 0)
    return NULL;
  first = gst_serial_repair_at (r, 0);
  i = seq - first->seq;
  if (i >= r->count || gst_serial_repair_at (r, i)->seq != seq)
    return NULL;
  return gst_serial_repair_at (r, i);
}

/**
 * gst_serial_repair_oldest:
 *
 * The oldest frame still held, @next_seq when none is: a SKIP's number.
 */
guint16
gst_serial_repair_oldest (const GstSerialRepair *r, guint16 next_seq)
{
  if (r->count == 0)
    return next_seq;
  return r->frames[r->first].seq;
}

/**
 * gst_serial_repair_take_hello:
 *
 * Whether the receiver was just heard for the first time (or after a
 * silence): it is then told with a SKIP that this sender repairs.
 */
gboolean
gst_serial_repair_take_hello (GstSerialRepair *r)
{
  gboolean hello = r->hello;

  r->hello = FALSE;
  return hello;
}

/**
 * gst_serial_repair_piece_size:
 * @longest: the longest piece, 0 for no limit
 *
 * The piece that wastes least on a line that damages what the reports
 * tell: one damaged byte costs its piece, a piece costs its overhead
 * bytes, so with damage d per byte the best piece plus its overhead is
 * (o + sqrt(o^2 + 4o/d)) / 2. 0 (whole frames) on a clean line, and when
 * the best piece is longer than GST_SERIAL_REPAIR_PIECE_MAX, unless
 * @longest says otherwise: a live stream's piece, at most @longest then.
 * Before a report tells the damage, a frame of over
 * GST_SERIAL_REPAIR_PIECE_MAX bytes goes in GST_SERIAL_REPAIR_PIECE_FIRST
 * pieces when the receiver @may_hear: whole, one damaged byte would cost
 * it all, and the next frame goes before the report of it comes.
 */
guint
gst_serial_repair_piece_size (const GstSerialRepair *r, gsize size,
    gboolean may_hear, guint longest)
{
  const gdouble o = r->overhead > 0 ? r->overhead : PIECE_OVERHEAD;
  gdouble piece;

  if (!r->measured)
    return may_hear && size > GST_SERIAL_REPAIR_PIECE_MAX
        ? GST_SERIAL_REPAIR_PIECE_FIRST
        : 0;
  if (r->damage < DAMAGE_NONE)
    return 0;
  piece = (o + sqrt (o * o + 4 * o / r->damage)) / 2 - o;
  if (longest > 0 && piece > longest)
    return MAX (GST_SERIAL_REPAIR_PIECE_MIN, longest);
  if (piece > GST_SERIAL_REPAIR_PIECE_MAX)
    return 0;
  return MAX (GST_SERIAL_REPAIR_PIECE_MIN, (guint) piece);
}

/**
 * gst_serial_repair_window:
 * @line_rate: the rate the sender paces at, 0 when it does not
 *
 * How many bytes may be on their way to the receiver: what the line
 * carries in GST_SERIAL_REPAIR_WINDOW_TIME, at the pacing rate or as fast
 * as the receiver's reports show bytes arriving. A sender that does not
 * pace (a pseudo-terminal, USB CDC ACM) would otherwise fill whatever
 * buffers lie between, and every repair would wait behind them.
 */
gsize
gst_serial_repair_window (const GstSerialRepair *r, gdouble line_rate)
{
  gdouble rate = line_rate > 0 ? line_rate : r->rate;

  if (rate <= 0)
    return GST_SERIAL_REPAIR_WINDOW_FIRST;
  return MAX (GST_SERIAL_REPAIR_WINDOW_MIN,
      (gsize) (rate * GST_SERIAL_REPAIR_WINDOW_TIME / GST_SECOND));
}

/**
 * gst_serial_repair_overhead:
 *
 * A frame went as @pieces pieces with @bytes on the line besides its
 * payload: what a piece costs, for gst_serial_repair_piece_size().
 */
void
gst_serial_repair_overhead (GstSerialRepair *r, guint pieces, gsize bytes)
{
  if (pieces > 0)
    r->overhead = (gdouble) bytes / pieces;
}

/**
 * gst_serial_repair_cut:
 * @piece_now: the piece new frames are cut in now
 *
 * The piece frame @f goes again in, for @nack. A frame that went whole
 * and of which the receiver has nothing is cut as new frames are now;
 * once cut, a frame keeps its cut, whatever a request says (it may be
 * older than pieces already on their way): the receiver learns the piece
 * size from the pieces, so pieces of two cuts with the same count would
 * make a wrong frame, with every packet's check right.
 */
guint
gst_serial_repair_cut (GstSerialRepairFrame *f, const sf_nack *nack,
    guint piece_now)
{
  if (f->piece == 0 && nack->frag_count == 0)
    f->piece = piece_now;
  return f->piece;
}
