/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsrc's side of selective retransmission
 * (docs/protocol.md, section 8.3). A frame that lacks pieces holds the
 * frames after it, which are put together meanwhile, each in its own
 * slot; what is missing is asked for, and frames go out in order once the
 * oldest is complete or given up.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialreorder.h"

#include <string.h>

/* Frames this far behind the next one out come from a restarted sender,
 * not late: the window starts again from them. */
#define RESTART_DISTANCE (4 * GST_SERIAL_REORDER_WINDOW)

void
gst_serial_reorder_init (GstSerialReorder *ro, gsize max_size)
{
  memset (ro, 0, sizeof (*ro));
  ro->max_size = max_size;
  ro->unanswered = GST_CLOCK_TIME_NONE;
  g_queue_init (&ro->out);
}

static void
gst_serial_reorder_out_free (gpointer data)
{
  GstSerialReorderOut *o = data;

  gst_buffer_unref (o->frame);
  g_free (o);
}

static void
gst_serial_reorder_slot_reset (GstSerialReorderSlot *slot)
{
  gst_serial_assembler_clear (&slot->asm_);
  gst_clear_buffer (&slot->frame);
  slot->used = FALSE;
}

void
gst_serial_reorder_clear (GstSerialReorder *ro)
{
  guint i;

  if (ro->slots) {
    for (i = 0; i < GST_SERIAL_REORDER_WINDOW; i++)
      gst_serial_reorder_slot_reset (&ro->slots[i]);
    g_clear_pointer (&ro->slots, g_free);
  }
  g_queue_clear_full (&ro->out, gst_serial_reorder_out_free);
  ro->active = FALSE;
}

/**
 * gst_serial_reorder_start:
 * @head: the next frame to deliver
 *
 * The sender repairs: from now on frames are held behind a missing one.
 */
void
gst_serial_reorder_start (GstSerialReorder *ro, guint16 head)
{
  guint i;

  if (!ro->slots) {
    ro->slots = g_new0 (GstSerialReorderSlot, GST_SERIAL_REORDER_WINDOW);
    for (i = 0; i < GST_SERIAL_REORDER_WINDOW; i++)
      gst_serial_assembler_init (&ro->slots[i].asm_, ro->max_size);
  }
  ro->active = TRUE;
  ro->head = ro->top = head;
  ro->rtt = GST_CLOCK_TIME_NONE;
  ro->unanswered = GST_CLOCK_TIME_NONE;
}

static GstSerialReorderSlot *
gst_serial_reorder_slot (GstSerialReorder *ro, guint16 seq)
{
  return &ro->slots[seq % GST_SERIAL_REORDER_WINDOW];
}

/* The next frame out is complete, or given up: it leaves the window. */
static void
gst_serial_reorder_advance (GstSerialReorder *ro)
{
  GstSerialReorderSlot *slot = gst_serial_reorder_slot (ro, ro->head);
  GstSerialReorderOut *o;

  if (slot->used && slot->seq == ro->head && slot->frame) {
    o = g_new0 (GstSerialReorderOut, 1);
    o->frame = g_steal_pointer (&slot->frame);
    o->hdr = slot->hdr;
    o->discont = ro->gave_up;
    ro->gave_up = FALSE;
    g_queue_push_tail (&ro->out, o);
  } else {
    if (slot->used && slot->seq == ro->head && slot->asm_.active)
      ro->incomplete++;
    else
      ro->lost++;
    ro->gave_up = TRUE;
  }
  if (slot->used && slot->seq == ro->head)
    gst_serial_reorder_slot_reset (slot);
  ro->head++;
}

/* Frames complete at the front go out. */
static void
gst_serial_reorder_collect (GstSerialReorder *ro)
{
  GstSerialReorderSlot *slot;

  while (ro->head != ro->top) {
    slot = gst_serial_reorder_slot (ro, ro->head);
    if (!slot->used || slot->seq != ro->head || !slot->frame)
      break;
    gst_serial_reorder_advance (ro);
  }
  /* Nothing missing: no answer is owed. */
  if (ro->head == ro->top)
    ro->unanswered = GST_CLOCK_TIME_NONE;
}

static void gst_serial_reorder_pass (GstSerialReorder *ro, guint16 seq,
    gboolean lost);

/**
 * gst_serial_reorder_skip:
 *
 * Frames before @seq are given up (counted) or, when complete, go out:
 * the sender will not repair them, or the stream ends there.
 */
void
gst_serial_reorder_skip (GstSerialReorder *ro, guint16 seq)
{
  gst_serial_reorder_pass (ro, seq, FALSE);
}

/**
 * gst_serial_reorder_give_up:
 *
 * As gst_serial_reorder_skip(), but the receiver gives the frames up
 * itself (the sender does not answer): they count as lost.
 */
void
gst_serial_reorder_give_up (GstSerialReorder *ro, guint16 seq)
{
  gst_serial_reorder_pass (ro, seq, TRUE);
}

/* Frames before @seq go out or are given up: by this receiver (@lost), or
 * at the sender's word. */
static void
gst_serial_reorder_pass (GstSerialReorder *ro, guint16 seq, gboolean lost)
{
  guint16 d = seq - ro->head;

  if (!ro->active || d == 0 || d >= 0x8000)
    return;
  while (ro->head != seq) {
    GstSerialReorderSlot *slot = gst_serial_reorder_slot (ro, ro->head);

    /* Counted lost as they leave; skipped too, at the sender's word. */
    if (!lost && !(slot->used && slot->seq == ro->head && slot->frame))
      ro->skipped++;
    if (ro->head == ro->top)
      ro->top++;
    gst_serial_reorder_advance (ro);
  }
  gst_serial_reorder_collect (ro);
}

/* Places a piece in its frame's slot; the frame, when complete. */
static void
gst_serial_reorder_place (GstSerialReorder *ro, GstSerialReorderSlot *slot,
    const sf_header *hdr, const guint8 *payload, gsize len)
{
  GstSerialAssembler *a = &slot->asm_;
  guint64 incomplete = a->incomplete;
  guint64 repaired = a->repaired, pieces = a->pieces_repaired;
  GstBuffer *frame;

  if (hdr->type == SF_TYPE_DATA) {
    gst_serial_assembler_clear (a);
    frame = gst_buffer_new_allocate (NULL, len, NULL);
    gst_buffer_fill (frame, 0, payload, len);
  } else {
    /* Pieces of another cut (the sender cut the frame again, as it does
     * for a frame the receiver had nothing of) start it afresh. */
    if (a->active && hdr->frag_count != a->hdr.frag_count)
      gst_serial_assembler_clear (a);
    frame = gst_serial_assembler_add (a, hdr, payload, len);
    /* A piece that does not fit: the frame is asked for again, not given
     * up. */
    a->incomplete = incomplete;
  }
  ro->repaired += a->repaired - repaired;
  ro->pieces_repaired += a->pieces_repaired - pieces;
  a->repaired = repaired;
  a->pieces_repaired = pieces;
  if (frame == NULL)
    return;
  slot->frame = frame;
  gst_serial_assembler_clear (a);
  if (slot->asks > 0)
    ro->retransmitted++;
}

/* How long the sender takes to answer, as its answers show. */
static void
gst_serial_reorder_round_trip (GstSerialReorder *ro, GstClockTime sample)
{
  ro->rtt =
      ro->rtt == GST_CLOCK_TIME_NONE ? sample : (7 * ro->rtt + sample) / 8;
}

/* How long a request waits before it is made again: its answer is not
 * due before a round trip, with some to spare. */
static GstClockTime
gst_serial_reorder_ask_interval (const GstSerialReorder *ro)
{
  if (ro->rtt == GST_CLOCK_TIME_NONE)
    return GST_SERIAL_REORDER_ASK_INTERVAL;
  return MAX (GST_SERIAL_REORDER_ASK_INTERVAL, ro->rtt + ro->rtt / 2);
}

/* What a piece tells of the sender owing an answer: one of a frame before
 * the newest is an answer; one of the frame it was writing when asked says
 * that it still writes it, and it answers only after it (a frame of
 * megabytes takes minutes on a slow line): its silence counts from now. */
static void
gst_serial_reorder_heard (GstSerialReorder *ro, guint16 seq, GstClockTime now)
{
  guint16 before_newest = (guint16) (ro->top - 1) - seq;

  if (ro->unanswered == GST_CLOCK_TIME_NONE)
    return;
  if (before_newest != 0 && before_newest < 0x8000)
    ro->unanswered = GST_CLOCK_TIME_NONE;
  else if (seq == ro->writing)
    ro->unanswered = now;
}

/**
 * gst_serial_reorder_add:
 * @hdr: a DATA, FRAGMENT or PARITY packet's header
 *
 * Takes a packet of a frame. Frames that can go out are then ready for
 * gst_serial_reorder_pop().
 */
void
gst_serial_reorder_add (GstSerialReorder *ro, const sf_header *hdr,
    const guint8 *payload, gsize len, GstClockTime now)
{
  guint16 d = hdr->seq - ro->head;
  GstSerialReorderSlot *slot;

  gst_serial_reorder_heard (ro, hdr->seq, now);
  if (d >= 0x8000 && (guint16) (ro->head - hdr->seq) > RESTART_DISTANCE) {
    /* A new sender: what is held goes out or is given up. */
    gst_serial_reorder_skip (ro, ro->top);
    ro->head = ro->top = hdr->seq;
    d = 0;
  }
  if (d >= 0x8000) {
    ro->duplicates++;
    return;
  }
  /* Too far ahead: the oldest frames are given up to make room. */
  if (d >= GST_SERIAL_REORDER_WINDOW)
    gst_serial_reorder_skip (ro, hdr->seq - GST_SERIAL_REORDER_WINDOW + 1);

  slot = gst_serial_reorder_slot (ro, hdr->seq);
  if (!slot->used || slot->seq != hdr->seq) {
    gst_serial_reorder_slot_reset (slot);
    slot->used = TRUE;
    slot->seq = hdr->seq;
    slot->have_hdr = FALSE;
    slot->asked = GST_CLOCK_TIME_NONE;
    slot->asks = 0;
  }
  if (slot->asked != GST_CLOCK_TIME_NONE && !slot->answered) {
    slot->answered = TRUE;
    gst_serial_reorder_round_trip (ro, now - slot->asked);
  }
  if ((guint16) (hdr->seq + 1 - ro->head) > (guint16) (ro->top - ro->head))
    ro->top = hdr->seq + 1;
  if (slot->frame) {
    ro->duplicates++;
    return;
  }
  /* Pieces that came as repairs carry the times whole. */
  if (!slot->have_hdr || (slot->hdr.unresolved && !hdr->unresolved)) {
    slot->hdr = *hdr;
    slot->have_hdr = TRUE;
  }
  gst_serial_reorder_place (ro, slot, hdr, payload, len);
  gst_serial_reorder_collect (ro);
}

/* What a NACK asks for a frame: all of it when nothing came, else the
 * ranges of data pieces missing, the first SF_NACK_RANGES_MAX. */
static void
gst_serial_reorder_missing (const GstSerialReorderSlot *slot, sf_nack *nack)
{
  const GstSerialAssembler *a = &slot->asm_;
  guint i, n;

  memset (nack, 0, sizeof (*nack));
  if (!slot->used || !a->active)
    return;
  n = a->hdr.frag_count;
  nack->frag_count = n;
  for (i = 0; i < n && nack->n_ranges < SF_NACK_RANGES_MAX; i++) {
    sf_range *range = &nack->ranges[nack->n_ranges];

    if (a->got[i])
      continue;
    if (nack->n_ranges > 0 && range[-1].first + range[-1].count == i) {
      range[-1].count++;
      continue;
    }
    range->first = i;
    range->count = 1;
    nack->n_ranges++;
  }
}

/**
 * gst_serial_reorder_ask:
 * @quiet: the line has been quiet GST_SERIAL_REORDER_QUIET
 *
 * Asks for what is missing of the frames held back: those before the
 * newest frame seen (its pieces came after theirs), and the newest one
 * too when the line went quiet; each again after
 * GST_SERIAL_REORDER_ASK_INTERVAL. Returns the requests made.
 */
guint
gst_serial_reorder_ask (GstSerialReorder *ro, GstClockTime now, gboolean quiet,
    GstSerialReorderAskFunc ask, gpointer user_data)
{
  guint16 seq, last = ro->top - 1;
  guint made = 0;
  sf_nack nack;

  if (!ro->active)
    return 0;
  for (seq = ro->head; seq != ro->top; seq++) {
    GstSerialReorderSlot *slot = gst_serial_reorder_slot (ro, seq);
    gboolean mine = slot->used && slot->seq == seq;

    if (mine && slot->frame)
      continue;
    if (seq == last && !quiet)
      break;
    if (mine && slot->asked != GST_CLOCK_TIME_NONE &&
        now < slot->asked + gst_serial_reorder_ask_interval (ro))
      continue;
    if (!mine) {
      gst_serial_reorder_slot_reset (slot);
      slot->used = TRUE;
      slot->seq = seq;
      slot->have_hdr = FALSE;
    }
    gst_serial_reorder_missing (slot, &nack);
    if (!ask (seq, &nack, user_data))
      break;
    slot->asked = now;
    slot->answered = FALSE;
    slot->asks++;
    ro->requests++;
    made++;
    if (ro->unanswered == GST_CLOCK_TIME_NONE) {
      ro->unanswered = now;
      ro->writing = last;
    }
  }
  return made;
}

/**
 * gst_serial_reorder_waiting:
 *
 * Whether frames are held or missing: the receiver then keeps asking, even
 * on a quiet line.
 */
gboolean
gst_serial_reorder_waiting (const GstSerialReorder *ro)
{
  return ro->active && ro->head != ro->top;
}

/**
 * gst_serial_reorder_answered:
 *
 * The sender said something that answers (a SKIP): it hears this receiver.
 */
void
gst_serial_reorder_answered (GstSerialReorder *ro)
{
  ro->unanswered = GST_CLOCK_TIME_NONE;
}

/**
 * gst_serial_reorder_deaf:
 *
 * Whether the sender left a request unanswered for GST_SERIAL_REORDER_DEAF
 * (see there): it does not hear this receiver.
 */
gboolean
gst_serial_reorder_deaf (const GstSerialReorder *ro, GstClockTime now)
{
  return ro->unanswered != GST_CLOCK_TIME_NONE &&
      now >= ro->unanswered + GST_SERIAL_REORDER_DEAF;
}

/**
 * gst_serial_reorder_pop:
 * @discont: set when frames before it were given up
 *
 * The next frame out, in order, with its fields in *@hdr; NULL when none
 * is ready.
 */
GstBuffer *
gst_serial_reorder_pop (GstSerialReorder *ro, sf_header *hdr, gboolean *discont)
{
  GstSerialReorderOut *o = g_queue_pop_head (&ro->out);
  GstBuffer *frame;

  if (o == NULL)
    return NULL;
  frame = o->frame;
  *hdr = o->hdr;
  *discont = o->discont;
  g_free (o);
  return frame;
}
