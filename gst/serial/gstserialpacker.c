/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsink's packets, made ready to write.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialpacker.h"
#include "gstserialwire.h"

#include <string.h>

void
gst_serial_packer_init (GstSerialPacker *packer)
{
  memset (packer, 0, sizeof (*packer));
}

void
gst_serial_packer_clear (GstSerialPacker *packer)
{
  g_free (packer->data);
  g_free (packer->parity);
  gst_serial_packer_init (packer);
}

/**
 * gst_serial_packer_start:
 *
 * A new stream: numbers start at 0, and its first packet comes after a
 * delimiter, so that a receiver that caught anything before starts clean.
 */
void
gst_serial_packer_start (GstSerialPacker *packer, sf_mode mode,
    unsigned options)
{
  packer->mode = mode;
  packer->options = options;
  packer->seq = 0;
  packer->len = 0;
  packer->need_delimiter = TRUE;
  packer->absolute = TRUE;
  packer->seen_delta = FALSE;
  sf_frame_ref_init (&packer->ref);
}

/* Makes room for @need bytes of packets and starts the buffer with a
 * delimiter when one is needed. */
static void
gst_serial_packer_reset_buffer (GstSerialPacker *packer, gsize need)
{
  gsize pos = 0;

  need += 1;
  if (need > packer->size) {
    g_free (packer->data);
    packer->size = MAX (need, 2 * packer->size);
    packer->data = g_malloc (packer->size);
  }
  if (packer->need_delimiter)
    sf_write_delimiter (packer->mode, packer->data, packer->size, &pos);
  packer->len = pos;
  packer->parity_packets = 0;
  packer->parity_len = 0;
}

/* Starts a packet after those already in the buffer. */
static sf_result
gst_serial_packer_begin (GstSerialPacker *packer, sf_encoder *enc,
    const sf_header *hdr, const sf_frame_ref *ref)
{
  return sf_encoder_begin_ref (enc, packer->mode, packer->options, hdr, ref,
      packer->data + packer->len, packer->size - packer->len);
}

static sf_result
gst_serial_packer_finish (GstSerialPacker *packer, sf_encoder *enc)
{
  gsize written = 0;
  sf_result r = sf_encoder_finish (enc, &written);

  packer->len += written;
  return r;
}

/* Writes bytes @offset .. @offset + @len of @buffer, from its memories as
 * they are (no copy to merge them). */
static sf_result
gst_serial_packer_write_range (sf_encoder *enc, GstBuffer *buffer, gsize offset,
    gsize len)
{
  guint i, n_mem = gst_buffer_n_memory (buffer);
  sf_result r = SF_OK;
  GstMapInfo map;
  gsize n;

  for (i = 0; i < n_mem && len > 0 && r == SF_OK; i++) {
    GstMemory *mem = gst_buffer_peek_memory (buffer, i);
    gsize size = gst_memory_get_sizes (mem, NULL, NULL);

    if (offset >= size) {
      offset -= size;
      continue;
    }
    if (!gst_memory_map (mem, &map, GST_MAP_READ))
      return SF_ERR_ARG;
    n = MIN (len, size - offset);
    r = sf_encoder_write (enc, map.data + offset, n);
    gst_memory_unmap (mem, &map);
    offset = 0;
    len -= n;
  }
  return r;
}

/* One packet of @hdr carrying bytes @offset .. @offset + @len. */
static sf_result
gst_serial_packer_packet (GstSerialPacker *packer, const sf_header *hdr,
    const sf_frame_ref *ref, GstBuffer *buffer, gsize offset, gsize len)
{
  sf_encoder enc;
  sf_result r = gst_serial_packer_begin (packer, &enc, hdr, ref);

  if (r == SF_OK)
    r = gst_serial_packer_write_range (&enc, buffer, offset, len);
  return r == SF_OK ? gst_serial_packer_finish (packer, &enc) : r;
}

/* How a frame of @size bytes is cut: @n pieces of @F bytes (the last
 * @last bytes), followed by @m parity pieces (docs/protocol.md, sections 8
 * and 8.1). */
typedef struct {
  gsize n, F, last, m;
} GstSerialPackerCut;

static gboolean
gst_serial_packer_cut (const GstSerialPacker *packer, gsize size,
    GstSerialPackerCut *cut)
{
  gsize piece = packer->fragment_size;
  guint fec = packer->mode == SF_MODE_NATIVE ? packer->fec_percentage : 0;

  if (fec > 0 && piece == 0)
    piece = GST_SERIAL_PACKER_FEC_FRAGMENT_SIZE;
  if (packer->mode != SF_MODE_NATIVE || piece == 0 || size <= piece)
    piece = MAX (size, 1);
  /* An empty frame is one empty DATA packet, without parity. */
  cut->n = MAX ((size + piece - 1) / piece, 1);
  cut->F = piece;
  cut->last = size - (cut->n - 1) * piece;
  cut->m = size > 0 ? sf_fec_parity_count (cut->n, fec) : 0;
  return cut->n <= G_MAXUINT16;
}

/**
 * gst_serial_packer_wire_max:
 *
 * The most bytes the packets of a frame of @size bytes take on the line:
 * its data, fragments and parity.
 */
gsize
gst_serial_packer_wire_max (const GstSerialPacker *packer, gsize size)
{
  GstSerialPackerCut cut;

  if (!gst_serial_packer_cut (packer, size, &cut))
    return 0;
  return (cut.n - 1) * sf_encoded_max (packer->mode, packer->options, cut.F) +
      sf_encoded_max (packer->mode, packer->options, cut.last) +
      cut.m * sf_encoded_max (packer->mode, packer->options, cut.F);
}

/* Computes the frame's parity pieces into packer->parity, each data piece
 * added to the parity of its block. */
static sf_result
gst_serial_packer_make_parity (GstSerialPacker *packer, GstBuffer *buffer,
    const GstSerialPackerCut *cut)
{
  gsize need = cut->m * cut->F, i, p;
  sf_result r = SF_OK;
  GstMapInfo map;

  if (need > packer->parity_size) {
    g_free (packer->parity);
    packer->parity_size = MAX (need, 2 * packer->parity_size);
    packer->parity = g_malloc (packer->parity_size);
  }
  memset (packer->parity, 0, need);
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return SF_ERR_ARG;
  for (i = 0; i < cut->n && r == SF_OK; i++)
    for (p = 0; p < cut->m && r == SF_OK; p++)
      r = sf_fec_parity_add (cut->n, cut->m, p, i, map.data + i * cut->F,
          i == cut->n - 1 ? cut->last : cut->F, packer->parity + p * cut->F);
  gst_buffer_unmap (buffer, &map);
  return r;
}

/* The frame's parity packets, after its data (docs/protocol.md, section
 * 8.1): each carries the frame's fields, as a fragment does. */
static sf_result
gst_serial_packer_parity (GstSerialPacker *packer, const sf_header *frame,
    const sf_frame_ref *ref, GstBuffer *buffer, const GstSerialPackerCut *cut)
{
  sf_header hdr = *frame;
  sf_result r = gst_serial_packer_make_parity (packer, buffer, cut);
  sf_encoder enc;
  gsize p;

  gsize start = packer->len;

  hdr.type = SF_TYPE_PARITY;
  hdr.frag_count = cut->n;
  hdr.parity_count = cut->m;
  hdr.last_size = cut->last;
  packer->parity_packets = cut->m;
  for (p = 0; p < cut->m && r == SF_OK; p++) {
    hdr.frag_index = p;
    r = gst_serial_packer_begin (packer, &enc, &hdr, ref);
    if (r == SF_OK)
      r = sf_encoder_write (&enc, packer->parity + p * cut->F, cut->F);
    if (r == SF_OK)
      r = gst_serial_packer_finish (packer, &enc);
  }
  packer->parity_len = packer->len - start;
  return r;
}

/* The frame's packets: one DATA packet, or its fragments, each of which
 * carries the frame's fields (docs/protocol.md, section 8), then its
 * parity. */
static sf_result
gst_serial_packer_frame (GstSerialPacker *packer, sf_header *hdr,
    const sf_frame_ref *ref, GstBuffer *buffer)
{
  gsize size = gst_buffer_get_size (buffer), i;
  GstSerialPackerCut cut;
  sf_result r = SF_OK;

  if (!gst_serial_packer_cut (packer, size, &cut))
    return SF_ERR_LENGTH;
  gst_serial_packer_reset_buffer (packer,
      gst_serial_packer_wire_max (packer, size));
  if (cut.n == 1) {
    r = gst_serial_packer_packet (packer, hdr, ref, buffer, 0, size);
  } else {
    hdr->type = SF_TYPE_FRAGMENT;
    hdr->frag_count = cut.n;
    for (i = 0; i < cut.n && r == SF_OK; i++) {
      hdr->frag_index = i;
      r = gst_serial_packer_packet (packer, hdr, ref, buffer, i * cut.F,
          i == cut.n - 1 ? cut.last : cut.F);
    }
  }
  if (r == SF_OK && cut.m > 0)
    r = gst_serial_packer_parity (packer, hdr, ref, buffer, &cut);
  return r;
}

/**
 * gst_serial_packer_data:
 *
 * Makes the packets of @buffer, with the next sequence number. Its times
 * are written whole in the stream's first frame, after caps or a resync,
 * and in the key frames of a stream with delta frames, so that a receiver
 * that lost the frame before can resolve them soon (docs/protocol.md,
 * section 7). Returns SF_ERR_ARG when a memory of @buffer cannot be read,
 * or the encoder's error.
 */
sf_result
gst_serial_packer_data (GstSerialPacker *packer, GstBuffer *buffer)
{
  gboolean delta = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  const sf_frame_ref *ref;

  packer->seen_delta |= delta;
  gst_serial_wire_header_from_buffer (&packer->last, buffer, packer->seq,
      packer->sender_time);
  packer->last.stream = packer->stream;
  ref =
      packer->absolute || (packer->seen_delta && !delta) ? NULL : &packer->ref;
  return gst_serial_packer_frame (packer, &packer->last, ref, buffer);
}

/**
 * gst_serial_packer_caps:
 *
 * Makes a caps packet, in the compact encoding when the caps are not
 * longer that way. It takes the number of the next frame, without using it
 * up; the frame after it carries its times whole, for a receiver that
 * starts with these caps.
 */
sf_result
gst_serial_packer_caps (GstSerialPacker *packer, const gchar *caps)
{
  gsize len = strlen (caps), compact_len = 0;
  guint8 compact[SF_CAPS_COMPACT_MAX];
  const guint8 *payload = (const guint8 *) caps;
  sf_encoder enc;
  sf_header hdr;
  sf_result r;

  sf_header_init (&hdr, SF_TYPE_CAPS);
  hdr.seq = packer->seq;
  hdr.stream = packer->stream;
  if (sf_caps_compact (caps, len, compact, sizeof (compact), &compact_len) ==
          SF_OK &&
      compact_len < len) {
    hdr.caps_compact = 1;
    payload = compact;
    len = compact_len;
  }
  hdr.payload_len = len;
  packer->absolute = TRUE;
  gst_serial_packer_reset_buffer (packer,
      sf_encoded_max (packer->mode, packer->options, len));
  r = gst_serial_packer_begin (packer, &enc, &hdr, NULL);
  if (r == SF_OK)
    r = sf_encoder_write (&enc, payload, len);
  return r == SF_OK ? gst_serial_packer_finish (packer, &enc) : r;
}

/**
 * gst_serial_packer_eos:
 *
 * Makes an EOS packet. Copies of it have the same number, by which a
 * receiver tells them apart from a new stream's EOS (docs/protocol.md).
 */
sf_result
gst_serial_packer_eos (GstSerialPacker *packer)
{
  sf_encoder enc;
  sf_header hdr;
  sf_result r;

  sf_header_init (&hdr, SF_TYPE_EOS);
  hdr.seq = packer->seq;
  hdr.stream = packer->stream;
  gst_serial_packer_reset_buffer (packer,
      sf_encoded_max (packer->mode, packer->options, 0));
  r = gst_serial_packer_begin (packer, &enc, &hdr, NULL);
  return r == SF_OK ? gst_serial_packer_finish (packer, &enc) : r;
}

/**
 * gst_serial_packer_skip:
 *
 * Makes a SKIP packet: the receiver stops waiting for frames before @seq
 * (docs/protocol.md, section 8.3).
 */
sf_result
gst_serial_packer_skip (GstSerialPacker *packer, guint16 seq)
{
  sf_encoder enc;
  sf_header hdr;
  sf_result r;

  sf_header_init (&hdr, SF_TYPE_SKIP);
  hdr.seq = seq;
  hdr.stream = packer->stream;
  gst_serial_packer_reset_buffer (packer,
      sf_encoded_max (packer->mode, packer->options, 0));
  r = gst_serial_packer_begin (packer, &enc, &hdr, NULL);
  return r == SF_OK ? gst_serial_packer_finish (packer, &enc) : r;
}

/**
 * gst_serial_packer_again:
 * @seq: the frame's number
 * @piece: the size to cut it in, 0: whole
 * @times: the receiver has nothing of the frame yet
 *
 * Makes the packets of a frame sent before, for a repair: its data pieces
 * only. With @times, its times written whole, since the frames the
 * receiver took last are not the ones before it; without, none at all: the
 * receiver took them from the pieces it has, and 8 bytes or so a piece are
 * saved. The packer's own frame references are not touched.
 */
sf_result
gst_serial_packer_again (GstSerialPacker *packer, GstBuffer *buffer,
    guint16 seq, guint piece, gboolean times)
{
  sf_header hdr;

  packer->seq = seq;
  packer->fragment_size = piece;
  packer->fec_percentage = 0;
  packer->need_delimiter = FALSE;
  gst_serial_wire_header_from_buffer (&hdr, buffer, seq,
      times && packer->sender_time);
  hdr.stream = packer->stream;
  if (!times)
    hdr.pts = hdr.dts = hdr.duration = SF_TIME_NONE;
  return gst_serial_packer_frame (packer, &hdr, NULL, buffer);
}

/**
 * gst_serial_packer_written:
 * @complete: the whole packet went on the line
 *
 * A packet cut short (a flush, the port lost) may have left its start on
 * the line: the next one must not be glued to it.
 */
void
gst_serial_packer_written (GstSerialPacker *packer, gboolean complete)
{
  packer->need_delimiter = !complete;
}

/**
 * gst_serial_packer_resync:
 *
 * The port was reopened: a receiver resynchronises at the next delimiter,
 * and has forgotten the frames before.
 */
void
gst_serial_packer_resync (GstSerialPacker *packer)
{
  packer->need_delimiter = TRUE;
  packer->absolute = TRUE;
}

/**
 * gst_serial_packer_refer_back:
 *
 * The receiver is known to hold the frame before the next one (it
 * acknowledges frames): the next frame's times may refer to it even right
 * after a caps packet, whose whole times are for receivers that join. Not
 * after a resync, whose receiver forgot the frames before.
 */
void
gst_serial_packer_refer_back (GstSerialPacker *packer)
{
  packer->absolute = FALSE;
}

/**
 * gst_serial_packer_number_used:
 *
 * The data packet last made went, or was lost with the port: the next
 * takes the next number, and a receiver counts a lost one as lost.
 */
void
gst_serial_packer_number_used (GstSerialPacker *packer)
{
  sf_frame_ref_update (&packer->ref, &packer->last);
  packer->absolute = FALSE;
  packer->seq++;
}
