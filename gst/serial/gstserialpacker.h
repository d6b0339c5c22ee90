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
 * @parity_packets: how many of the packets are the frame's parity
 * @parity_len: how many of the bytes
 * @seq: the sequence number of the next frame
 * @fragment_size: payload bytes per fragment, 0 to send frames whole
 * @fec_percentage: parity pieces per data piece of a frame, in percent
 *   (docs/protocol.md, section 8.1); 0 for none
 * @sender_time: give each frame the sender's wall-clock time
 *
 * Makes the packets of one stream in a buffer it reuses, numbering the
 * frames, and puts a delimiter before a packet whenever what was written
 * before it may have left a packet's start on the line (the stream's first
 * packet, or after a packet cut short). In the native framing a frame
 * larger than @fragment_size goes as fragments, back to back in the
 * buffer, and the times of a frame refer to the previous frame's where a
 * receiver can resolve them (docs/protocol.md, section 7). With
 * @fec_percentage, the frame's parity pieces follow it, and a frame goes
 * as fragments of GST_SERIAL_PACKER_FEC_FRAGMENT_SIZE when @fragment_size
 * is 0.
 */
typedef struct {
  guint8 *data;
  gsize len;
  guint parity_packets;
  gsize parity_len;
  guint32 seq;
  guint fragment_size;
  guint fec_percentage;
  gboolean sender_time;
  guint32 stream; /* the channel every packet names (protocol.md, 10) */

  /* private */
  gsize size;
  sf_mode mode;
  unsigned options;
  gboolean need_delimiter;
  sf_frame_ref ref;    /* frames sent, that times may refer to */
  sf_header last;      /* the header of the frame last made */
  gboolean absolute;   /* the next frame's times are written whole */
  gboolean seen_delta; /* the stream has delta frames */
  guint8 *parity;      /* the parity pieces of the frame being made */
  gsize parity_size;
} GstSerialPacker;

/* Fragments of a frame with parity when fragment-size is not set: a
 * radio's air packet (about 250 bytes) carries one, and at a bit error
 * rate of 1e-5 one in 50 is damaged. */
#define GST_SERIAL_PACKER_FEC_FRAGMENT_SIZE 240

void gst_serial_packer_init (GstSerialPacker *packer);
void gst_serial_packer_clear (GstSerialPacker *packer);
void gst_serial_packer_start (GstSerialPacker *packer, sf_mode mode,
    unsigned options);

gsize gst_serial_packer_wire_max (const GstSerialPacker *packer, gsize size);
sf_result gst_serial_packer_data (GstSerialPacker *packer, GstBuffer *buffer);
sf_result gst_serial_packer_caps (GstSerialPacker *packer, const gchar *caps);
sf_result gst_serial_packer_eos (GstSerialPacker *packer);
sf_result gst_serial_packer_skip (GstSerialPacker *packer, guint16 seq);
sf_result gst_serial_packer_again (GstSerialPacker *packer, GstBuffer *buffer,
    guint16 seq, guint piece, gboolean times);

void gst_serial_packer_written (GstSerialPacker *packer, gboolean complete);
void gst_serial_packer_resync (GstSerialPacker *packer);
void gst_serial_packer_refer_back (GstSerialPacker *packer);
void gst_serial_packer_number_used (GstSerialPacker *packer);

G_END_DECLS

#endif /* __GST_SERIAL_PACKER_H__ */
