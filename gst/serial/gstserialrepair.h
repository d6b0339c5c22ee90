/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsink's side of selective retransmission. The frames it
 * still repairs, the receiver's requests waiting to be served, and the
 * piece size a damaging line wants (docs/protocol.md, section 8.3).
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_REPAIR_H__
#define __GST_SERIAL_REPAIR_H__

#include <gst/gst.h>

#include "framing/serialframe.h"

G_BEGIN_DECLS

/* Frames held for repair, at most, by number and by bytes: the oldest go
 * first. The receiver's reorder window is at least as long. */
#define GST_SERIAL_REPAIR_HISTORY 256
#define GST_SERIAL_REPAIR_HISTORY_BYTES (32 * 1024 * 1024)

/* Frames held while the receiver has not been heard: enough for the
 * requests it makes when it first speaks. */
#define GST_SERIAL_REPAIR_UNHEARD 8

/* Requests waiting to be served between two frames, at most: a receiver
 * that asks for more loses the oldest ones and asks again. */
#define GST_SERIAL_REPAIR_REQUESTS 32

/* Times one frame is repaired before the sender gives it up. */
#define GST_SERIAL_REPAIR_TRIES 16

/* The receiver counts as listening while it was heard this recently... */
#define GST_SERIAL_REPAIR_SILENCE (5 * GST_SECOND)

/* ... and acknowledged a frame this recently. */
#define GST_SERIAL_REPAIR_STALL (30 * GST_SECOND)

/* How often a receiver is told that this sender repairs, at least: a
 * slow line is told less often (gst_serial_repair_set_line_rate()). */
#define GST_SERIAL_REPAIR_HELLO_INTERVAL GST_SECOND

/* A sender that repairs keeps no more on its way than the line carries in
 * this long: a repair waits behind what is queued before it. */
#define GST_SERIAL_REPAIR_WINDOW_TIME (500 * GST_MSECOND)

/* ... and never less than this, nor, before the receiver's reports tell
 * how fast the line is, more. */
#define GST_SERIAL_REPAIR_WINDOW_MIN (16 * 1024)
#define GST_SERIAL_REPAIR_WINDOW_FIRST (64 * 1024)

/* The smallest and largest automatic piece: above the largest, frames go
 * whole. */
#define GST_SERIAL_REPAIR_PIECE_MIN 64
#define GST_SERIAL_REPAIR_PIECE_MAX 4096

/* The piece of frames over GST_SERIAL_REPAIR_PIECE_MAX before reports
 * tell how damaging the line is (those that start in the line's first
 * second and first window): on a clean line 6 % of those frames, on one
 * damaging a byte in a thousand a fifth of its pieces instead of every
 * whole frame. */
#define GST_SERIAL_REPAIR_PIECE_FIRST 256

/* Reports tell the damage once they cover this many bytes of the line, or
 * show this many damaged packets: a report of one clean piece tells
 * little. */
#define GST_SERIAL_REPAIR_MEASURE_BYTES (16 * 1024)
#define GST_SERIAL_REPAIR_MEASURE_DAMAGED 4

typedef struct {
  guint16 seq;
  GstBuffer *buffer;
  guint piece;          /* the size it was cut in; 0: whole */
  guint tries;          /* repairs sent */
  GstClockTime arrives; /* when it will have reached the receiver */
  GstClockTime served;  /* when the last repair will have left the line */
} GstSerialRepairFrame;

typedef struct {
  guint16 seq;
  sf_nack nack;
} GstSerialRepairRequest;

typedef struct {
  guint64 requests; /* NACKs heard */
  guint64 served;   /* requests answered with pieces */
  guint64 skips;    /* requests answered with a SKIP */
  guint64 too_late; /* of those, frames a live stream had moved past */
  guint64 given_up; /* frames given up after GST_SERIAL_REPAIR_TRIES */
  guint64 timeouts; /* frames resent unasked, the receiver silent on them */

  /* private */
  GstSerialRepairFrame frames[GST_SERIAL_REPAIR_HISTORY];
  guint first, count;
  gsize bytes;
  GstSerialRepairRequest requests_queue[GST_SERIAL_REPAIR_REQUESTS];
  guint n_requests;
  GstClockTime last_heard;    /* a control packet came */
  GstClockTime last_progress; /* the receiver acknowledged or asked */
  GstClockTime last_ack;      /* the receiver acknowledged a frame */
  gboolean have_ack;
  guint16 acked;  /* the next frame the receiver will deliver */
  gboolean hello; /* the receiver was heard: a SKIP is due */
  GstClockTime last_hello;
  GstClockTime hello_interval;
  gdouble damage; /* per byte on the line, from reports */
  gboolean have_report;
  gboolean measured; /* a report told the damage */
  sf_report last_report;
  gdouble rate;      /* bytes per second reaching the receiver */
  gdouble overhead;  /* bytes a piece costs besides its payload */
  guint64 rate_wire; /* its count of bytes when last measured */
  GstClockTime rate_time;
} GstSerialRepair;

void gst_serial_repair_init (GstSerialRepair *r);
void gst_serial_repair_set_line_rate (GstSerialRepair *r, gdouble rate);
void gst_serial_repair_clear (GstSerialRepair *r);

void gst_serial_repair_sent (GstSerialRepair *r, guint16 seq, GstBuffer *buffer,
    guint piece, gboolean listening, GstClockTime arrives);
gboolean gst_serial_repair_full (const GstSerialRepair *r, gsize size);
void gst_serial_repair_heard (GstSerialRepair *r, GstClockTime now);
void gst_serial_repair_report (GstSerialRepair *r, guint16 next_seq,
    const sf_report *report, GstClockTime now);
void gst_serial_repair_nack (GstSerialRepair *r, guint16 seq,
    const sf_nack *nack, GstClockTime now);

gboolean gst_serial_repair_listening (const GstSerialRepair *r,
    GstClockTime now);
guint gst_serial_repair_in_flight (const GstSerialRepair *r, guint16 next_seq);
gboolean gst_serial_repair_timeout (GstSerialRepair *r, guint16 next_seq,
    GstClockTime rto, GstClockTime now);

gboolean gst_serial_repair_pop (GstSerialRepair *r,
    GstSerialRepairRequest *req);
GstSerialRepairFrame *gst_serial_repair_lookup (GstSerialRepair *r,
    guint16 seq);
guint16 gst_serial_repair_oldest (const GstSerialRepair *r, guint16 next_seq);
void gst_serial_repair_forget (GstSerialRepair *r, guint16 seq);
void gst_serial_repair_skipped (GstSerialRepair *r, guint16 seq);
gboolean gst_serial_repair_take_hello (GstSerialRepair *r);

guint gst_serial_repair_piece_size (const GstSerialRepair *r, gsize size,
    gboolean may_hear, guint longest);
guint gst_serial_repair_cut (GstSerialRepairFrame *f, const sf_nack *nack,
    guint piece_now);
void gst_serial_repair_overhead (GstSerialRepair *r, guint pieces, gsize bytes);
gsize gst_serial_repair_window (const GstSerialRepair *r, gdouble line_rate);

G_END_DECLS

#endif /* __GST_SERIAL_REPAIR_H__ */
