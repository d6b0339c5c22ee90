/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the reverse direction. What serialsrc tells the sender, and
 * what serialsink hears of it (docs/protocol.md, section 8.2).
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_FEEDBACK_H__
#define __GST_SERIAL_FEEDBACK_H__

#include <gst/gst.h>

#include "framing/serialframe.h"
#include "gstserialrepair.h"

G_BEGIN_DECLS

/* How often serialsrc reports while frames arrive, and asks again for a
 * key frame or the caps that have not come. */
#define GST_SERIAL_FEEDBACK_REPORT_INTERVAL (250 * GST_MSECOND)
/* Sooner on a fast line: the sender keeps half a second of the line
 * unacknowledged, which at 3 Mbaud is about two report intervals, and
 * waited for the next report with the line idle (1 KiB frames: 92.9 % of
 * the line instead of 98.7 %). */
#define GST_SERIAL_FEEDBACK_REPORT_BYTES (32 * 1024)
/* Sooner still over the first bytes: the sender cuts its first large
 * frames in small pieces until reports of 16 KiB of line
 * (GST_SERIAL_REPAIR_MEASURE_BYTES) tell how damaging the line is; on a
 * clean line the frames after the first then go whole. */
#define GST_SERIAL_FEEDBACK_REPORT_FIRST (32 * 1024)
#define GST_SERIAL_FEEDBACK_REPORT_FIRST_BYTES (8 * 1024)
#define GST_SERIAL_FEEDBACK_REQUEST_INTERVAL (250 * GST_MSECOND)

/* Control packets waiting for the transmit line, at most. */
#define GST_SERIAL_FEEDBACK_QUEUE 512

/**
 * GstSerialFeedbackTx:
 * @sent: control packets written whole
 * @dropped: control packets that found the queue full (the transmit line
 *   does not drain: nobody reads it, or flow control holds it)
 * @key_requests: key-frame requests made
 * @caps_requests: caps requests made
 * @reports: receiver reports made
 * @delta_dropped: delta frames not delivered while a key frame was awaited
 *
 * serialsrc's side: decides when to report, to ask for a key frame or for
 * the caps, makes the packets and holds them until the line takes them.
 * Nothing here waits: a packet that does not fit is dropped and counted.
 * Times are the caller's (running or monotonic time, one of them).
 */
typedef struct {
  guint64 sent;
  guint64 dropped;
  guint64 key_requests;
  guint64 caps_requests;
  guint64 reports;
  guint64 delta_dropped;
  guint64 nacks;
  guint32 stream; /* the channel its packets name */

  /* private */
  sf_mode mode;
  unsigned options;
  guint8 queue[GST_SERIAL_FEEDBACK_QUEUE];
  gsize queued;                                     /* bytes waiting */
  gsize packet_ends[GST_SERIAL_FEEDBACK_QUEUE / 8]; /* where each ends */
  guint packets; /* packets waiting, whole or in part */
  GstClockTime last_report;
  guint64 report_wire; /* the decoder's wire bytes at the last report */
  GstClockTime last_key_request;
  GstClockTime last_caps_request;
  gboolean awaiting_key; /* a frame of a delta stream was lost */
  guint16 lost_seq;      /* the first frame lost since */
  gboolean seen_delta;   /* the stream has delta frames */
  gboolean delivered;    /* a frame was delivered */
  gboolean have_last;    /* a frame packet arrived: last_seq, last_time */
  gboolean unreported;   /* one arrived since the last report */
  guint16 last_seq;
  GstClockTime last_time;
} GstSerialFeedbackTx;

void gst_serial_feedback_tx_init (GstSerialFeedbackTx *tx, sf_mode mode,
    unsigned options);
void gst_serial_feedback_tx_packet (GstSerialFeedbackTx *tx,
    const sf_header *hdr, GstClockTime now);
void gst_serial_feedback_tx_lost (GstSerialFeedbackTx *tx, guint16 seq,
    GstClockTime now);
gboolean gst_serial_feedback_tx_frame (GstSerialFeedbackTx *tx, gboolean delta,
    guint16 seq, GstClockTime now);
void gst_serial_feedback_tx_no_caps (GstSerialFeedbackTx *tx, guint16 seq,
    GstClockTime now);
void gst_serial_feedback_tx_report (GstSerialFeedbackTx *tx, guint16 next_seq,
    const sf_dec_stats *dec, guint64 lost, guint64 repaired, GstClockTime now,
    gboolean force);
gboolean gst_serial_feedback_tx_nack (GstSerialFeedbackTx *tx, guint16 seq,
    const sf_nack *nack);
const guint8 *gst_serial_feedback_tx_pending (GstSerialFeedbackTx *tx,
    gsize *len);
void gst_serial_feedback_tx_written (GstSerialFeedbackTx *tx, gsize n);

/* What serialsink heard, as flags. */
typedef enum {
  GST_SERIAL_FEEDBACK_KEY_REQUEST = 1 << 0,
  GST_SERIAL_FEEDBACK_CAPS_REQUEST = 1 << 1,
  GST_SERIAL_FEEDBACK_REPORT = 1 << 2,
  GST_SERIAL_FEEDBACK_NACK = 1 << 3,
} GstSerialFeedbackEvents;

/* Frames whose send times are kept for the round trip. */
#define GST_SERIAL_FEEDBACK_SENT_HISTORY 64

/**
 * GstSerialFeedbackRx:
 * @packets: control packets received intact
 * @key_requests: key-frame requests received
 * @caps_requests: caps requests received
 * @reports: receiver reports received
 * @report: the last report, when @reports is not 0
 * @rtt: the last round trip measured, GST_CLOCK_TIME_NONE before one
 *
 * serialsink's side: reads the control packets in the bytes that arrive on
 * its receive line, and measures the round trip from the reports, from
 * when the frame a report names left and how long the receiver held the
 * report back.
 */
typedef struct {
  guint64 packets;
  guint64 key_requests;
  guint64 caps_requests;
  guint64 reports;
  guint64 nacks;
  guint64 other_streams; /* control packets of other channels, ignored */
  guint32 stream;        /* the channel it hears */
  sf_report report;
  GstClockTime rtt;
  GstSerialRepair *repair; /* hears reports and NACKs, when set */
  sf_decoder dec;
  guint8 buf[SF_NATIVE_DECODE_BUFFER_SIZE (SF_CONTROL_PAYLOAD_MAX)];
  guint64 reached; /* sender's bytes a report shows arrived: up to the start
                      of the newest frame it names */

  /* private */
  struct {
    guint16 seq;
    GstClockTime time;
    guint64 start; /* the sender's bytes before it */
  } sent[GST_SERIAL_FEEDBACK_SENT_HISTORY];
  guint sent_next;
} GstSerialFeedbackRx;

void gst_serial_feedback_rx_init (GstSerialFeedbackRx *rx, sf_mode mode,
    unsigned options);
void gst_serial_feedback_rx_frame_sent (GstSerialFeedbackRx *rx, guint16 seq,
    GstClockTime time, guint64 wire);
GstSerialFeedbackEvents gst_serial_feedback_rx_feed (GstSerialFeedbackRx *rx,
    const guint8 *data, gsize len, GstClockTime now);

G_END_DECLS

#endif /* __GST_SERIAL_FEEDBACK_H__ */
