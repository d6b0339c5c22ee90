/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsink's packets, made ready to write.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_PACKER_H__
#define __GST_SERIAL_PACKER_H__

#include <gst/gst.h>

#include "framing/serialframe.h"

G_BEGIN_DECLS

/**
 * GstSerialPacker:
 * @data: the packet last made, a delimiter before it when one is needed
 * @len: its length in bytes
 * @seq: the sequence number of the next data packet
 *
 * Makes the packets of one stream in a buffer it reuses, numbering the
 * data packets, and puts a delimiter before a packet whenever what was
 * written before it may have left a packet's start on the line (the
 * stream's first packet, or after a packet cut short).
 */
typedef struct {
  guint8 *data;
  gsize len;
  guint32 seq;

  /* private */
  gsize size;
  sf_mode mode;
  unsigned options;
  gboolean need_delimiter;
} GstSerialPacker;

void gst_serial_packer_init (GstSerialPacker *packer);
void gst_serial_packer_clear (GstSerialPacker *packer);
void gst_serial_packer_start (GstSerialPacker *packer, sf_mode mode,
    unsigned options);

sf_result gst_serial_packer_data (GstSerialPacker *packer, GstBuffer *buffer);
sf_result gst_serial_packer_caps (GstSerialPacker *packer, const gchar *caps);
sf_result gst_serial_packer_eos (GstSerialPacker *packer);

void gst_serial_packer_written (GstSerialPacker *packer, gboolean complete);
void gst_serial_packer_resync (GstSerialPacker *packer);
void gst_serial_packer_number_used (GstSerialPacker *packer);

G_END_DECLS

#endif /* __GST_SERIAL_PACKER_H__ */
