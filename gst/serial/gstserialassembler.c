/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsrc's frames, put together from their fragments and
 * repaired from their parity.
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
  g_clear_pointer (&asm_->parity_got, g_free);
  g_clear_pointer (&asm_->parity, g_free);
  g_clear_pointer (&asm_->block_have, g_free);
  asm_->active = FALSE;
  asm_->have = asm_->have_parity = asm_->parity_count = 0;
  asm_->piece = asm_->last_len = 0;
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

/**
 * gst_serial_assembler_whole:
 * @hdr: a DATA packet's header
 *
 * The frame of @hdr arrived whole and was given: its parity, which follows
 * it, is ignored.
 */
void
gst_serial_assembler_whole (GstSerialAssembler *asm_, const sf_header *hdr)
{
  gst_serial_assembler_give_up (asm_);
  asm_->hdr = *hdr;
  asm_->done = TRUE;
}

static void
gst_serial_assembler_begin (GstSerialAssembler *asm_, const sf_header *hdr)
{
  guint n = hdr->frag_count, blocks = sf_fec_blocks (n);

  asm_->active = TRUE;
  asm_->done = FALSE;
  asm_->hdr = *hdr;
  asm_->got = g_new0 (guint8, n);
  asm_->block_have = g_new0 (guint16, blocks);
  asm_->blocks_short = blocks;
}

/* Piece @index of @count, data or parity, is in: its block may now have
 * enough pieces to rebuild its data. */
static void
gst_serial_assembler_count (GstSerialAssembler *asm_, guint index)
{
  guint n = asm_->hdr.frag_count, blocks = sf_fec_blocks (n);
  guint j = index % blocks;

  if (++asm_->block_have[j] == sf_fec_block_pieces (n, blocks, j))
    asm_->blocks_short--;
}

/* The size of the pieces is known, from a data piece other than the last
 * or from a parity piece: room for the whole frame, within the largest
 * allowed, zeroed so that the last piece is padded as the code wants. */
static gboolean
gst_serial_assembler_set_piece (GstSerialAssembler *asm_, gsize piece)
{
  gsize count = asm_->hdr.frag_count;

  if (piece == 0 || piece > asm_->max_size ||
      (count - 1) > (asm_->max_size - 1) / piece)
    return FALSE;
  if (asm_->last_len > piece)
    return FALSE;
  asm_->piece = piece;
  asm_->data = g_malloc0 (count * piece);
  if (asm_->last)
    memcpy (asm_->data + (count - 1) * piece, asm_->last, asm_->last_len);
  g_clear_pointer (&asm_->last, g_free);
  return TRUE;
}

/* The size of the last data piece, from the piece itself or from parity;
 * both must agree. */
static gboolean
gst_serial_assembler_set_last_len (GstSerialAssembler *asm_, gsize len)
{
  if (len == 0 || (asm_->last_len != 0 && asm_->last_len != len) ||
      (asm_->piece != 0 && len > asm_->piece))
    return FALSE;
  asm_->last_len = len;
  return TRUE;
}

/* Places one data piece; FALSE when it cannot belong to the frame. */
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
    if (len > asm_->max_size || !gst_serial_assembler_set_last_len (asm_, len))
      return FALSE;
    /* Its place is known once the size of the others is. */
    if (asm_->piece == 0) {
      asm_->last = g_memdup2 (payload, len);
      return TRUE;
    }
  }
  memcpy (asm_->data + index * asm_->piece, payload, len);
  return TRUE;
}

/* Places one parity piece; FALSE when it cannot belong to the frame. Its
 * header says how many there are and how long the last data piece is;
 * every piece must agree. Parity takes no more room than the frame. */
static gboolean
gst_serial_assembler_place_parity (GstSerialAssembler *asm_,
    const sf_header *hdr, const guint8 *payload, gsize len)
{
  guint index = hdr->frag_index;

  if (asm_->parity_count != 0 && hdr->parity_count != asm_->parity_count)
    return FALSE;
  if (asm_->piece == 0 && !gst_serial_assembler_set_piece (asm_, len))
    return FALSE;
  if (len != asm_->piece ||
      !gst_serial_assembler_set_last_len (asm_, hdr->last_size))
    return FALSE;
  if (asm_->parity_count == 0) {
    if (hdr->parity_count > (asm_->max_size + len) / len)
      return FALSE;
    asm_->parity_count = hdr->parity_count;
    asm_->parity_got = g_new0 (guint8, asm_->parity_count);
    asm_->parity = g_malloc (asm_->parity_count * len);
  }
  if (asm_->parity_got[index])
    return TRUE;
  memcpy (asm_->parity + index * len, payload, len);
  asm_->parity_got[index] = 1;
  asm_->have_parity++;
  gst_serial_assembler_count (asm_, index);
  return TRUE;
}

/* Rebuilds the missing data pieces of block @j from its parity. */
static gboolean
gst_serial_assembler_repair_block (GstSerialAssembler *asm_, guint j,
    guint8 *work)
{
  const guint8 *data[SF_FEC_BLOCK_DATA_MAX], *parity[SF_FEC_BLOCK_MAX];
  guint8 *out[SF_FEC_BLOCK_DATA_MAX];
  guint n = asm_->hdr.frag_count, blocks = sf_fec_blocks (n);
  guint k = sf_fec_block_pieces (n, blocks, j);
  guint m = sf_fec_block_pieces (asm_->parity_count, blocks, j);
  gsize F = asm_->piece;
  guint c, r, i, missing = 0;

  for (c = 0; c < k; c++) {
    i = c * blocks + j;
    out[c] = asm_->data + i * F;
    data[c] = asm_->got[i] ? out[c] : NULL;
    missing += !asm_->got[i];
  }
  for (r = 0; r < m; r++) {
    i = r * blocks + j;
    parity[r] = asm_->parity_got[i] ? asm_->parity + i * F : NULL;
  }
  if (missing == 0)
    return TRUE;
  if (sf_fec_recover_block (k, m, data, parity, out, F, work) != SF_OK)
    return FALSE;
  asm_->pieces_repaired += missing;
  return TRUE;
}

/* Enough pieces of every block are in: the missing data pieces rebuilt. */
static gboolean
gst_serial_assembler_repair (GstSerialAssembler *asm_)
{
  guint8 *work = g_malloc (SF_FEC_WORK_SIZE);
  guint j, blocks = sf_fec_blocks (asm_->hdr.frag_count);
  gboolean ok = TRUE;

  for (j = 0; j < blocks && ok; j++)
    ok = gst_serial_assembler_repair_block (asm_, j, work);
  g_free (work);
  if (ok)
    asm_->repaired++;
  return ok;
}

/* Every data piece is in, or can be rebuilt: the frame, its memory handed
 * over. */
static GstBuffer *
gst_serial_assembler_finish (GstSerialAssembler *asm_)
{
  gsize count = asm_->hdr.frag_count;
  gsize size = (count - 1) * asm_->piece + asm_->last_len;
  GstBuffer *frame;

  if (asm_->have < count && !gst_serial_assembler_repair (asm_)) {
    gst_serial_assembler_give_up (asm_);
    return NULL;
  }
  asm_->done = TRUE;
  if (asm_->piece == 0) {
    /* A frame of one fragment, which no sender of ours makes. */
    frame = gst_buffer_new_wrapped (g_steal_pointer (&asm_->last), size);
  } else {
    frame = gst_buffer_new_wrapped (g_steal_pointer (&asm_->data),
        count * asm_->piece);
    gst_buffer_set_size (frame, size);
  }
  gst_serial_assembler_reset (asm_);
  return frame;
}

/* Takes one data piece, or one parity piece. */
static gboolean
gst_serial_assembler_take (GstSerialAssembler *asm_, const sf_header *hdr,
    const guint8 *payload, gsize len)
{
  if (hdr->type == SF_TYPE_PARITY)
    return gst_serial_assembler_place_parity (asm_, hdr, payload, len);
  /* A copy of a piece already in adds nothing. */
  if (asm_->got[hdr->frag_index])
    return TRUE;
  if (!gst_serial_assembler_place (asm_, hdr->frag_index, payload, len))
    return FALSE;
  asm_->got[hdr->frag_index] = 1;
  asm_->have++;
  gst_serial_assembler_count (asm_, hdr->frag_index);
  return TRUE;
}

/**
 * gst_serial_assembler_add:
 * @hdr: a FRAGMENT or PARITY packet's header
 *
 * Takes one piece of a frame. Returns the frame when this was the last
 * piece it needed, NULL otherwise. A piece of another frame gives up the
 * one in progress; a piece that cannot belong to its frame (another count,
 * a size that does not fit the others, a frame over the largest size)
 * gives up the frame too. Every piece carries the frame's fields, so the
 * caller takes them from @hdr.
 */
GstBuffer *
gst_serial_assembler_add (GstSerialAssembler *asm_, const sf_header *hdr,
    const guint8 *payload, gsize len)
{
  /* A copy of a piece of the frame just given (a retransmission that came
   * late), or its parity, adds nothing. */
  if (!asm_->active && asm_->done && hdr->seq == asm_->hdr.seq &&
      hdr->stream == asm_->hdr.stream)
    return NULL;
  if (asm_->active &&
      (hdr->seq != asm_->hdr.seq || hdr->stream != asm_->hdr.stream ||
          hdr->frag_count != asm_->hdr.frag_count))
    gst_serial_assembler_give_up (asm_);
  if (!asm_->active)
    gst_serial_assembler_begin (asm_, hdr);
  if (!gst_serial_assembler_take (asm_, hdr, payload, len)) {
    gst_serial_assembler_give_up (asm_);
    return NULL;
  }
  if (asm_->have < asm_->hdr.frag_count &&
      (asm_->blocks_short > 0 || asm_->piece == 0 || asm_->last_len == 0))
    return NULL;
  return gst_serial_assembler_finish (asm_);
}
