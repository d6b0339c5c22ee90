/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the reverse direction. What serialsrc tells the sender, and
 * what serialsink hears of it (docs/protocol.md, section 8.2).
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialfeedback.h"

#include <string.h>

/* --- serialsrc: what to tell the sender --------------------------------- */

/**
 * gst_serial_feedback_tx_init:
 *
 * Nothing said yet; the first packet goes after a delimiter, so that the
 * sender's decoder starts clean whatever the line carried before.
 */
void
gst_serial_feedback_tx_init (GstSerialFeedbackTx *tx, sf_mode mode,
    unsigned options)
{
  memset (tx, 0, sizeof (*tx));
  tx->mode = mode;
  tx->options = options;
  tx->last_report = tx->last_key_request = GST_CLOCK_TIME_NONE;
  tx->last_caps_request = GST_CLOCK_TIME_NONE;
  tx->queue[0] = SF_DELIMITER;
  tx->queued = 1;
}

/* Whether @interval has passed since @last (never is long ago). */
static gboolean
gst_serial_feedback_due (GstClockTime last, GstClockTime now,
    GstClockTime interval)
{
  return last == GST_CLOCK_TIME_NONE || now >= last + interval;
}

/* Queues one control packet, or drops it when the queue has no room: the
 * line is not taking what came before. */
static gboolean
gst_serial_feedback_tx_queue (GstSerialFeedbackTx *tx, guint8 type, guint16 seq,
    const guint8 *payload, gsize len)
{
  guint8 packet[SF_NATIVE_ENCODED_MAX (SF_CONTROL_PAYLOAD_MAX)];
  gsize written = 0;
  sf_header hdr;

  sf_header_init (&hdr, type);
  hdr.seq = seq;
  hdr.stream = tx->stream;
  if (sf_encode_native (&hdr, payload, len, tx->options, packet,
          sizeof (packet), &written) != SF_OK)
    return FALSE;
  if (written > sizeof (tx->queue) - tx->queued ||
      tx->packets == G_N_ELEMENTS (tx->packet_ends)) {
    tx->dropped++;
    return FALSE;
  }
  memcpy (tx->queue + tx->queued, packet, written);
  tx->queued += written;
  tx->packet_ends[tx->packets++] = tx->queued;
  return TRUE;
}

static void
gst_serial_feedback_tx_ask_key (GstSerialFeedbackTx *tx, GstClockTime now)
{
  if (!gst_serial_feedback_due (tx->last_key_request, now,
          GST_SERIAL_FEEDBACK_REQUEST_INTERVAL))
    return;
  tx->last_key_request = now;
  if (gst_serial_feedback_tx_queue (tx, SF_TYPE_KEY_REQUEST, tx->lost_seq, NULL,
          0))
    tx->key_requests++;
}

/**
 * gst_serial_feedback_tx_packet:
 *
 * A packet of the stream arrived intact: what a report says about the
 * last one, and whether the stream has delta frames.
 */
void
gst_serial_feedback_tx_packet (GstSerialFeedbackTx *tx, const sf_header *hdr,
    GstClockTime now)
{
  if (hdr->type != SF_TYPE_DATA && hdr->type != SF_TYPE_FRAGMENT &&
      hdr->type != SF_TYPE_PARITY)
    return;
  tx->have_last = TRUE;
  tx->unreported = TRUE;
  tx->last_seq = hdr->seq;
  tx->last_time = now;
  if (hdr->flags & SF_FLAG_DELTA_UNIT)
    tx->seen_delta = TRUE;
}

/**
 * gst_serial_feedback_tx_lost:
 * @seq: the first frame lost
 *
 * Frames were lost. In a stream with delta frames, those that follow need
 * them: ask for a key frame, and hold delta frames back until it comes.
 */
void
gst_serial_feedback_tx_lost (GstSerialFeedbackTx *tx, guint16 seq,
    GstClockTime now)
{
  if (!tx->seen_delta)
    return;
  if (!tx->awaiting_key) {
    tx->awaiting_key = TRUE;
    tx->lost_seq = seq;
  }
  gst_serial_feedback_tx_ask_key (tx, now);
}

/**
 * gst_serial_feedback_tx_frame:
 * @delta: the frame needs an earlier one
 *
 * Frame @seq is about to be delivered. Returns FALSE when it must not be:
 * a delta frame after a loss, or as the first frame (a receiver that
 * joined between key frames), before the key frame came: it would decode
 * into a broken picture. The key frame is asked for again while delta
 * frames keep coming; a key frame ends the wait.
 */
gboolean
gst_serial_feedback_tx_frame (GstSerialFeedbackTx *tx, gboolean delta,
    guint16 seq, GstClockTime now)
{
  if (!tx->delivered && delta && !tx->awaiting_key) {
    tx->awaiting_key = TRUE;
    tx->lost_seq = seq;
  }
  if (!tx->awaiting_key) {
    tx->delivered = TRUE;
    return TRUE;
  }
  if (delta) {
    tx->delta_dropped++;
    gst_serial_feedback_tx_ask_key (tx, now);
    return FALSE;
  }
  tx->awaiting_key = FALSE;
  tx->delivered = TRUE;
  return TRUE;
}

/**
 * gst_serial_feedback_tx_no_caps:
 * @seq: the frame that came without caps
 *
 * A frame came before any caps (the receiver joined late, or lost them):
 * ask for them rather than wait for their next repetition.
 */
void
gst_serial_feedback_tx_no_caps (GstSerialFeedbackTx *tx, guint16 seq,
    GstClockTime now)
{
  if (!gst_serial_feedback_due (tx->last_caps_request, now,
          GST_SERIAL_FEEDBACK_REQUEST_INTERVAL))
    return;
  tx->last_caps_request = now;
  if (gst_serial_feedback_tx_queue (tx, SF_TYPE_CAPS_REQUEST, seq, NULL, 0))
    tx->caps_requests++;
}

/**
 * gst_serial_feedback_tx_report:
 * @next_seq: the next frame the receiver will deliver
 * @force: now, whatever the interval (the stream ended)
 *
 * Reports what the receiver sees, every
 * GST_SERIAL_FEEDBACK_REPORT_INTERVAL while packets arrive, and every
 * GST_SERIAL_FEEDBACK_REPORT_BYTES that arrived
 * (GST_SERIAL_FEEDBACK_REPORT_FIRST_BYTES at first).
 */
void
gst_serial_feedback_tx_report (GstSerialFeedbackTx *tx, guint16 next_seq,
    const sf_dec_stats *dec, guint64 lost, guint64 repaired, GstClockTime now,
    gboolean force)
{
  guint8 payload[SF_CONTROL_PAYLOAD_MAX];
  sf_report r = { 0 };
  gsize len = 0;
  guint64 step = tx->report_wire < GST_SERIAL_FEEDBACK_REPORT_FIRST
      ? GST_SERIAL_FEEDBACK_REPORT_FIRST_BYTES
      : GST_SERIAL_FEEDBACK_REPORT_BYTES;

  /* Damaged packets are worth a report too: on a line that damages every
   * frame, they are how the sender learns to cut smaller pieces. */
  if (!force &&
      ((!tx->have_last && dec->crc_errors + dec->malformed == 0) ||
          (!gst_serial_feedback_due (tx->last_report, now,
               GST_SERIAL_FEEDBACK_REPORT_INTERVAL) &&
              dec->wire_bytes < tx->report_wire + step)))
    return;
  tx->last_report = now;
  tx->report_wire = dec->wire_bytes;
  tx->unreported = FALSE;
  /* Without a frame packet yet, the frame before the one awaited: one
   * the sender has no time for, so no round trip is taken from it. */
  r.last_seq = tx->have_last ? tx->last_seq : (guint16) (next_seq - 1);
  r.delay_us = tx->have_last && now > tx->last_time
      ? (now - tx->last_time) / GST_USECOND
      : 0;
  r.packets = dec->packets;
  r.damaged = dec->crc_errors + dec->malformed + dec->oversize;
  r.wire_bytes = dec->wire_bytes;
  r.lost = lost;
  r.repaired = repaired;
  if (sf_report_write (&r, payload, sizeof (payload), &len) == SF_OK &&
      gst_serial_feedback_tx_queue (tx, SF_TYPE_REPORT, next_seq, payload, len))
    tx->reports++;
}

/**
 * gst_serial_feedback_tx_nack:
 *
 * Asks the sender for the pieces of frame @seq that @nack names. Returns
 * FALSE when the queue had no room (the request is made again later).
 */
gboolean
gst_serial_feedback_tx_nack (GstSerialFeedbackTx *tx, guint16 seq,
    const sf_nack *nack)
{
  guint8 payload[SF_CONTROL_PAYLOAD_MAX];
  gsize len = 0;

  if (sf_nack_write (nack, payload, sizeof (payload), &len) != SF_OK ||
      !gst_serial_feedback_tx_queue (tx, SF_TYPE_NACK, seq, payload, len))
    return FALSE;
  tx->nacks++;
  return TRUE;
}

/**
 * gst_serial_feedback_tx_pending:
 *
 * The bytes waiting for the transmit line (*@len 0: none).
 */
const guint8 *
gst_serial_feedback_tx_pending (GstSerialFeedbackTx *tx, gsize *len)
{
  *len = tx->queued;
  return tx->queue;
}

/**
 * gst_serial_feedback_tx_written:
 *
 * The line took @n of the pending bytes; packets written whole are
 * counted as sent.
 */
void
gst_serial_feedback_tx_written (GstSerialFeedbackTx *tx, gsize n)
{
  guint done = 0, i;

  n = MIN (n, tx->queued);
  memmove (tx->queue, tx->queue + n, tx->queued - n);
  tx->queued -= n;
  while (done < tx->packets && tx->packet_ends[done] <= n)
    done++;
  for (i = done; i < tx->packets; i++)
    tx->packet_ends[i - done] = tx->packet_ends[i] - n;
  tx->packets -= done;
  tx->sent += done;
}

/* --- serialsink: what the receiver said --------------------------------- */

void
gst_serial_feedback_rx_init (GstSerialFeedbackRx *rx, sf_mode mode,
    unsigned options)
{
  guint i;

  memset (rx, 0, sizeof (*rx));
  rx->rtt = GST_CLOCK_TIME_NONE;
  for (i = 0; i < G_N_ELEMENTS (rx->sent); i++)
    rx->sent[i].time = GST_CLOCK_TIME_NONE;
  sf_decoder_init (&rx->dec, mode, options, rx->buf, sizeof (rx->buf));
}

/**
 * gst_serial_feedback_rx_frame_sent:
 * @time: when its last byte left (or will leave) the sender
 * @start: the bytes the sender had written before it
 *
 * Remembers when frame @seq went, for the round trip a report tells, and
 * where in the sender's bytes it starts, for how many are still on their
 * way (@reached).
 */
void
gst_serial_feedback_rx_frame_sent (GstSerialFeedbackRx *rx, guint16 seq,
    GstClockTime time, guint64 start)
{
  rx->sent[rx->sent_next].seq = seq;
  rx->sent[rx->sent_next].time = time;
  rx->sent[rx->sent_next].start = start;
  rx->sent_next = (rx->sent_next + 1) % G_N_ELEMENTS (rx->sent);
}

/* The round trip from a report: from when the frame it names went to now,
 * less the time the receiver held the report back. The receiver has had
 * the sender's bytes up to the start of that frame, at least (a repair of
 * an older frame may name it: the furthest stays). */
static void
gst_serial_feedback_rx_round_trip (GstSerialFeedbackRx *rx, GstClockTime now)
{
  GstClockTime held = rx->report.delay_us * GST_USECOND;
  guint i, slot;

  for (i = 1; i <= G_N_ELEMENTS (rx->sent); i++) {
    slot =
        (rx->sent_next + G_N_ELEMENTS (rx->sent) - i) % G_N_ELEMENTS (rx->sent);
    if (rx->sent[slot].time == GST_CLOCK_TIME_NONE ||
        rx->sent[slot].seq != rx->report.last_seq)
      continue;
    /* Smoothed: a report may name a frame whose piece came late. */
    if (now > rx->sent[slot].time + held) {
      GstClockTime sample = now - rx->sent[slot].time - held;

      rx->rtt =
          rx->rtt == GST_CLOCK_TIME_NONE ? sample : (7 * rx->rtt + sample) / 8;
    }
    rx->reached = MAX (rx->reached, rx->sent[slot].start);
    return;
  }
}

static GstSerialFeedbackEvents
gst_serial_feedback_rx_packet (GstSerialFeedbackRx *rx, const sf_packet *pkt,
    GstClockTime now)
{
  sf_nack nack;

  /* The receiver of another channel of the same link. */
  if (pkt->header.stream != rx->stream) {
    rx->other_streams++;
    return 0;
  }
  rx->packets++;
  if (rx->repair)
    gst_serial_repair_heard (rx->repair, now);
  switch (pkt->header.type) {
    case SF_TYPE_KEY_REQUEST:
      rx->key_requests++;
      return GST_SERIAL_FEEDBACK_KEY_REQUEST;
    case SF_TYPE_CAPS_REQUEST:
      rx->caps_requests++;
      return GST_SERIAL_FEEDBACK_CAPS_REQUEST;
    case SF_TYPE_REPORT:
      if (sf_report_read (pkt->payload, pkt->payload_len, &rx->report) != SF_OK)
        return 0;
      rx->reports++;
      gst_serial_feedback_rx_round_trip (rx, now);
      if (rx->repair)
        gst_serial_repair_report (rx->repair, pkt->header.seq, &rx->report,
            now);
      return GST_SERIAL_FEEDBACK_REPORT;
    case SF_TYPE_NACK:
      if (sf_nack_read (pkt->payload, pkt->payload_len, &nack) != SF_OK)
        return 0;
      rx->nacks++;
      if (rx->repair)
        gst_serial_repair_nack (rx->repair, pkt->header.seq, &nack, now);
      return GST_SERIAL_FEEDBACK_NACK;
    default:
      return 0;
  }
}

/**
 * gst_serial_feedback_rx_feed:
 *
 * Takes bytes from the receive line. Returns what the control packets
 * among them asked for or told.
 */
GstSerialFeedbackEvents
gst_serial_feedback_rx_feed (GstSerialFeedbackRx *rx, const guint8 *data,
    gsize len, GstClockTime now)
{
  GstSerialFeedbackEvents events = 0;
  gsize used;

  while (len > 0) {
    if (sf_decoder_feed (&rx->dec, data, len, &used) == SF_DEC_PACKET)
      events |=
          gst_serial_feedback_rx_packet (rx, sf_decoder_packet (&rx->dec), now);
    data += used;
    len -= used;
  }
  return events;
}
