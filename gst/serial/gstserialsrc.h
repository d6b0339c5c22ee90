/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsrc, reads data from a serial port.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_SRC_H__
#define __GST_SERIAL_SRC_H__

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

#include "gstserialassembler.h"
#include "gstserialreorder.h"
#include "gstserialfeedback.h"
#include "gstserialcommon.h"
#include "gstserialstats.h"

G_BEGIN_DECLS

/* How buffers are timestamped. */
typedef enum {
  GST_SERIAL_SRC_TIMESTAMPS_AUTO,
  GST_SERIAL_SRC_TIMESTAMPS_ARRIVAL,
  GST_SERIAL_SRC_TIMESTAMPS_SENDER
} GstSerialSrcTimestamps;

#define GST_TYPE_SERIAL_SRC (gst_serial_src_get_type ())
G_DECLARE_FINAL_TYPE (GstSerialSrc, gst_serial_src, GST, SERIAL_SRC, GstPushSrc)

struct _GstSerialSrc {
  GstPushSrc parent;

  /* protected by the object lock */
  GstSerialCommon common;
  GstCaps *caps; /* the caps property */
  guint max_frame_size;
  gboolean forward_eos;
  gboolean feedback;
  guint32 channel; /* the stream it outputs */
  GstSerialSrcTimestamps timestamps;
  GstClockTime shift;     /* the last frame's timestamps beyond its arrival */
  sf_dec_stats dec_stats; /* copied from the decoder */
  guint64 frames_received;
  guint64 payload_bytes;
  guint64 lost_frames; /* missing from the sequence */
  guint64 caps_rejected;
  guint64 frames_without_caps;
  guint64 other_streams;
  guint64 not_taken; /* control packets, which a receiver does not take */
  guint64 raw_bytes;
  GstSerialRateMeter meter;

  /* streaming thread */
  sf_decoder dec;
  guint8 *dec_buf;
  guint8 *read_buf; /* bytes read, not yet fed to the decoder */
  gsize read_size;
  gsize read_pos;
  gsize read_len;
  sf_seq_tracker seq;
  GstSerialAssembler assembler; /* counters with the object lock */
  GstSerialReorder reorder;     /* counters with the object lock */
  gboolean repairing;           /* the sender repairs: frames held in order */
  gboolean settled;             /* the reorder window, stopped, accounted
                                   for the frames before its top */
  gboolean eos_pending;         /* EOS goes once the frames before it did */
  gboolean was_waiting;         /* reorder waited after the last packet */
  GstClockTime last_packet;     /* monotonic */
  GstSerialFeedbackTx fb;       /* counters with the object lock */
  gboolean feedback_on;         /* feedback, native framing, from start */
  GstCaps *wire_caps;
  gboolean discont;
  gboolean eos_seen; /* the last packet was an EOS with eos_seq */
  guint32 eos_seq;
};

GST_ELEMENT_REGISTER_DECLARE (serialsrc);

G_END_DECLS

#endif /* __GST_SERIAL_SRC_H__ */
