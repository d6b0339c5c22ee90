/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsrc's frames, put together from their fragments.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialassembler.h"

#include <string.h>

/**
 * gst_serial_assembler_init:
 * @max_size: the largest frame to put together, in bytes
 *
 * Starts with no frame in progress and nothing counted.
 */
void
gst_serial_assembler_init (GstSerialAssembler *asm_, gsize max_size)
{
  memset (asm_, 0, sizeof (*asm_));
  asm_->max_size = max_size;
}

/* Forgets the frame in progress, without counting it. */
static void
gst_serial_assembler_reset (GstSerialAssembler *asm_)
{
  g_clear_pointer (&asm_->got, g_free);
  g_clear_pointer (&asm_->data, g_free);
  g_clear_pointer (&asm_->last, g_free);
  asm_->active = FALSE;
  asm_->have = 0;
  asm_->piece = 0;
  asm_->last_len = 0;
}

/**
 * gst_serial_assembler_clear:
 *
 * Frees the frame in progress, without counting it (the element stops).
 */
void
gst_serial_assembler_clear (GstSerialAssembler *asm_)
{
  gst_serial_assembler_reset (asm_);
}

/**
 * gst_serial_assembler_give_up:
 *
 * A packet of another frame came, or the link was cut: the frame in
 * progress, if any, is given up and counted. Returns whether there was
 * one.
 */
gboolean
gst_serial_assembler_give_up (GstSerialAssembler *asm_)
{
  if (!asm_->active)
    return FALSE;
  asm_->incomplete++;
  gst_serial_assembler_reset (asm_);
  return TRUE;
}

static void
gst_serial_assembler_begin (GstSerialAssembler *asm_, const sf_header *hdr)
{
  asm_->active = TRUE;
  asm_->done = FALSE;
  asm_->hdr = *hdr;
  asm_->got = g_new0 (guint8, hdr->frag_count);
}

/* The size of the pieces is known from a fragment other than the last:
 * room for the whole frame, within the largest allowed. */
static gboolean
gst_serial_assembler_set_piece (GstSerialAssembler *asm_, gsize piece)
{
  gsize count = asm_->hdr.frag_count;

  if (piece > asm_->max_size || (count - 1) > (asm_->max_size - 1) / piece)
    return FALSE;
  if (asm_->last && asm_->last_len > piece)
    return FALSE;
  asm_->piece = piece;
  asm_->data = g_malloc (count * piece);
  if (asm_->last)
    memcpy (asm_->data + (count - 1) * piece, asm_->last, asm_->last_len);
  g_clear_pointer (&asm_->last, g_free);
  return TRUE;
}

/* Places one fragment; FALSE when it cannot belong to the frame. */
static gboolean
gst_serial_assembler_place (GstSerialAssembler *asm_, guint index,
    const guint8 *payload, gsize len)
{
  gboolean is_last = index + 1 == asm_->hdr.frag_count;

  if (!is_last) {
    if (asm_->piece == 0 && !gst_serial_assembler_set_piece (asm_, len))
      return FALSE;
    if (len != asm_->piece)
      return FALSE;
  } else {
    if (asm_->piece ? len > asm_->piece : len > asm_->max_size)
      return FALSE;
    asm_->last_len = len;
    /* Its place is known once the size of the others is. */
    if (asm_->piece == 0) {
      asm_->last = g_memdup2 (payload, len);
      return TRUE;
    }
  }
  memcpy (asm_->data + index * asm_->piece, payload, len);
  return TRUE;
}

/* Every fragment is in: the frame, its memory handed over. */
static GstBuffer *
gst_serial_assembler_finish (GstSerialAssembler *asm_)
{
  gsize count = asm_->hdr.frag_count;
  gsize size = (count - 1) * asm_->piece + asm_->last_len;
  GstBuffer *frame;

  asm_->done = TRUE;
  if (count == 1) {
    frame = gst_buffer_new_wrapped (g_steal_pointer (&asm_->last), size);
  } else {
    frame = gst_buffer_new_wrapped (g_steal_pointer (&asm_->data),
        count * asm_->piece);
    gst_buffer_set_size (frame, size);
  }
  gst_serial_assembler_reset (asm_);
  return frame;
}

/**
 * gst_serial_assembler_add:
 * @hdr: a FRAGMENT packet's header
 *
 * Takes one fragment. Returns the frame when this was its last missing
 * fragment, NULL otherwise. A fragment of another frame gives up the one
 * in progress; a fragment that cannot belong to its frame (another count,
 * a size that does not fit the others, a frame over the largest size)
 * gives up the frame too. Every fragment carries the frame's fields, so
 * the caller takes them from @hdr.
 */
GstBuffer *
gst_serial_assembler_add (GstSerialAssembler *asm_, const sf_header *hdr,
    const guint8 *payload, gsize len)
{
  /* A copy of a fragment of the frame just given (a retransmission that
   * came late) adds nothing. */
  if (!asm_->active && asm_->done && hdr->seq == asm_->hdr.seq &&
      hdr->stream == asm_->hdr.stream)
    return NULL;
  if (asm_->active &&
      (hdr->seq != asm_->hdr.seq || hdr->stream != asm_->hdr.stream ||
          hdr->frag_count != asm_->hdr.frag_count))
    gst_serial_assembler_give_up (asm_);
  if (!asm_->active)
    gst_serial_assembler_begin (asm_, hdr);
  /* Nor does a copy of a fragment already in. */
  if (asm_->got[hdr->frag_index])
    return NULL;
  if (!gst_serial_assembler_place (asm_, hdr->frag_index, payload, len)) {
    gst_serial_assembler_give_up (asm_);
    return NULL;
  }
  asm_->got[hdr->frag_index] = 1;
  if (++asm_->have < hdr->frag_count)
    return NULL;
  return gst_serial_assembler_finish (asm_);
}
