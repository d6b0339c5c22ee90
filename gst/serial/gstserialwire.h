/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the GStreamer side of the wire format: framing choice, codec
 * options, buffers to and from packet headers, and the running time at
 * which bytes cross the line.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_WIRE_H__
#define __GST_SERIAL_WIRE_H__

#include <gst/gst.h>

#include "framing/serialframe.h"
#include "gstserialport.h"

G_BEGIN_DECLS

typedef enum {
  GST_SERIAL_FRAMING_NATIVE,
  GST_SERIAL_FRAMING_RAW,
  GST_SERIAL_FRAMING_COBS,
  GST_SERIAL_FRAMING_SLIP
} GstSerialFraming;

#define GST_SERIAL_DEFAULT_FRAMING GST_SERIAL_FRAMING_NATIVE

#define GST_TYPE_SERIAL_FRAMING (gst_serial_framing_get_type ())
GType gst_serial_framing_get_type (void);

sf_mode gst_serial_framing_to_mode (GstSerialFraming framing);

unsigned gst_serial_wire_options (GstSerialFlowControl flow_control);

void gst_serial_wire_header_from_buffer (sf_header *hdr, GstBuffer *buffer,
    guint32 seq, gboolean sender_time);
GstClockTime gst_serial_wire_time_to_clock (guint64 time);
void gst_serial_wire_header_to_buffer (const sf_header *hdr, GstBuffer *buffer,
    GstClockTime arrival);

GstClockTime gst_serial_common_running_time (GstElement *element);

G_END_DECLS

#endif /* __GST_SERIAL_WIRE_H__ */
