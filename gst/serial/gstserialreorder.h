/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsrc's side of selective retransmission. Frames held in
 * order behind one that lacks pieces, the requests for what is missing,
 * and giving up (docs/protocol.md, section 8.3).
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_REORDER_H__
#define __GST_SERIAL_REORDER_H__

#include <gst/gst.h>

#include "gstserialassembler.h"
#include "gstserialrepair.h"

G_BEGIN_DECLS

/* Frames held at most, from the oldest one missing: as many as the sender
 * holds for repair. */
#define GST_SERIAL_REORDER_WINDOW GST_SERIAL_REPAIR_HISTORY

/* A frame is asked for again after this long without it. */
#define GST_SERIAL_REORDER_ASK_INTERVAL (250 * GST_MSECOND)

/* Asked and not answered this long (no SKIP, no piece sent again, and no
 * more of the frame the sender was writing when asked): the sender does
 * not hear this receiver, which stops waiting for repairs. It covers the
 * sender's hello interval and a round trip. */
#define GST_SERIAL_REORDER_DEAF (3 * GST_SECOND)

/* The line quiet this long: the newest frame's pieces are all in that
 * will come, and what is missing of it is asked for. */
#define GST_SERIAL_REORDER_QUIET (50 * GST_MSECOND)

typedef struct {
  gboolean used;
  guint16 seq;
  GstSerialAssembler asm_;
  GstBuffer *frame; /* complete, waiting for the frames before it */
  sf_header hdr;    /* its fields, from a piece that resolved them */
  gboolean have_hdr;
  GstClockTime asked;
  gboolean answered; /* a piece came since it was last asked for */
  guint asks;
} GstSerialReorderSlot;

typedef struct {
  GstBuffer *frame;
  sf_header hdr;
  gboolean discont; /* frames before it were given up */
} GstSerialReorderOut;

/* Called for each request: queue a NACK of @seq, return whether it was
 * taken (the queue may be full). */
typedef gboolean (*GstSerialReorderAskFunc) (guint16 seq, const sf_nack *nack,
    gpointer user_data);

typedef struct {
  guint64 lost;            /* frames given up of which nothing came */
  guint64 incomplete;      /* frames given up with pieces missing */
  guint64 repaired;        /* frames rebuilt from parity */
  guint64 pieces_repaired; /* pieces rebuilt from parity */
  guint64 retransmitted;   /* frames completed after being asked for */
  guint64 requests;        /* NACKs made */
  guint64 skipped;         /* frames given up at the sender's SKIP */
  guint64 duplicates;      /* pieces of frames already complete or out */

  /* private */
  gsize max_size;
  gboolean active;
  guint16 head;     /* the next frame to deliver */
  guint16 top;      /* one past the newest frame seen */
  GstClockTime rtt; /* from a request to its first piece, smoothed */
  GstSerialReorderSlot *slots;
  gboolean gave_up;        /* a frame was given up since the last one out */
  GQueue out;              /* GstSerialReorderOut, in order */
  GstClockTime unanswered; /* since when the sender owes an answer */
  guint16 writing;         /* the frame it was writing then */
} GstSerialReorder;

void gst_serial_reorder_init (GstSerialReorder *ro, gsize max_size);
void gst_serial_reorder_clear (GstSerialReorder *ro);
void gst_serial_reorder_start (GstSerialReorder *ro, guint16 head);

void gst_serial_reorder_add (GstSerialReorder *ro, const sf_header *hdr,
    const guint8 *payload, gsize len, GstClockTime now);
void gst_serial_reorder_skip (GstSerialReorder *ro, guint16 seq);
void gst_serial_reorder_give_up (GstSerialReorder *ro, guint16 seq);
guint gst_serial_reorder_ask (GstSerialReorder *ro, GstClockTime now,
    gboolean quiet, GstSerialReorderAskFunc ask, gpointer user_data);
gboolean gst_serial_reorder_waiting (const GstSerialReorder *ro);
void gst_serial_reorder_answered (GstSerialReorder *ro);
gboolean gst_serial_reorder_deaf (const GstSerialReorder *ro, GstClockTime now);
GstBuffer *gst_serial_reorder_pop (GstSerialReorder *ro, sf_header *hdr,
    gboolean *discont);

G_END_DECLS

#endif /* __GST_SERIAL_REORDER_H__ */
