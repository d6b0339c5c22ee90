/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsink, writes buffers to a serial port.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_SINK_H__
#define __GST_SERIAL_SINK_H__

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>

#include "gstserialcommon.h"

G_BEGIN_DECLS

#define GST_TYPE_SERIAL_SINK (gst_serial_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstSerialSink, gst_serial_sink, GST, SERIAL_SINK, GstBaseSink)

struct _GstSerialSink {
  GstBaseSink parent;

  /* protected by the object lock */
  GstSerialCommon common;
};

GST_ELEMENT_REGISTER_DECLARE (serialsink);

G_END_DECLS

#endif /* __GST_SERIAL_SINK_H__ */
