/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the GStreamer side of the wire format: framing choice, buffer
 * flags, sender times and link statistics.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_WIRE_H__
#define __GST_SERIAL_WIRE_H__

#include <gst/gst.h>

#include "framing/serialframe.h"

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

guint16 gst_serial_wire_flags_from_buffer (GstBuffer *buffer);
void gst_serial_wire_flags_to_buffer (guint16 flags, GstBuffer *buffer);

guint64 gst_serial_wire_time_from_clock (GstClockTime time);
GstClockTime gst_serial_wire_time_to_clock (guint64 time);

GstCaps *gst_serial_wire_unix_time_caps (void);

G_END_DECLS

#endif /* __GST_SERIAL_WIRE_H__ */
