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
}

/* Starts a packet in the reused buffer, after a delimiter if needed. */
static sf_result
gst_serial_packer_begin (GstSerialPacker *packer, sf_encoder *enc,
    const sf_header *hdr)
{
  gsize need =
      sf_encoded_max (packer->mode, packer->options, hdr->payload_len) + 1;
  gsize pos = 0;

  if (need > packer->size) {
    g_free (packer->data);
    packer->size = MAX (need, 2 * packer->size);
    packer->data = g_malloc (packer->size);
  }
  if (packer->need_delimiter)
    sf_write_delimiter (packer->mode, packer->data, packer->size, &pos);
  packer->len = pos;
  return sf_encoder_begin (enc, packer->mode, packer->options, hdr,
      packer->data + pos, packer->size - pos);
}

static sf_result
gst_serial_packer_finish (GstSerialPacker *packer, sf_encoder *enc)
{
  gsize written = 0;
  sf_result r = sf_encoder_finish (enc, &written);

  packer->len += written;
  return r;
}

/**
 * gst_serial_packer_data:
 *
 * Makes the data packet of @buffer, with the next sequence number.
 * Returns SF_ERR_ARG when a memory of @buffer cannot be read, or the
 * encoder's error.
 */
sf_result
gst_serial_packer_data (GstSerialPacker *packer, GstBuffer *buffer)
{
  guint i, n_mem = gst_buffer_n_memory (buffer);
  sf_encoder enc;
  sf_header hdr;
  sf_result r;

  gst_serial_wire_header_from_buffer (&hdr, buffer, packer->seq);
  r = gst_serial_packer_begin (packer, &enc, &hdr);
  for (i = 0; i < n_mem && r == SF_OK; i++) {
    GstMemory *mem = gst_buffer_peek_memory (buffer, i);
    GstMapInfo map;

    if (!gst_memory_map (mem, &map, GST_MAP_READ))
      return SF_ERR_ARG;
    r = sf_encoder_write (&enc, map.data, map.size);
    gst_memory_unmap (mem, &map);
  }
  return r == SF_OK ? gst_serial_packer_finish (packer, &enc) : r;
}

/**
 * gst_serial_packer_caps:
 *
 * Makes a caps packet. It takes the number of the next data packet,
 * without using it up.
 */
sf_result
gst_serial_packer_caps (GstSerialPacker *packer, const gchar *caps)
{
  gsize len = strlen (caps);
  sf_encoder enc;
  sf_header hdr;
  sf_result r;

  sf_header_init (&hdr, SF_TYPE_CAPS);
  hdr.seq = packer->seq;
  hdr.payload_len = len;
  r = gst_serial_packer_begin (packer, &enc, &hdr);
  if (r == SF_OK)
    r = sf_encoder_write (&enc, caps, len);
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
  r = gst_serial_packer_begin (packer, &enc, &hdr);
  return r == SF_OK ? gst_serial_packer_finish (packer, &enc) : r;
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
 * The port was reopened: a receiver resynchronises at the next delimiter.
 */
void
gst_serial_packer_resync (GstSerialPacker *packer)
{
  packer->need_delimiter = TRUE;
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
  packer->seq++;
}
