/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsrc, reads data from a serial port.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_SRC_H__
#define __GST_SERIAL_SRC_H__

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

#include "gstserialcommon.h"

G_BEGIN_DECLS

#define GST_TYPE_SERIAL_SRC (gst_serial_src_get_type ())
G_DECLARE_FINAL_TYPE (GstSerialSrc, gst_serial_src, GST, SERIAL_SRC, GstPushSrc)

struct _GstSerialSrc {
  GstPushSrc parent;

  /* protected by the object lock */
  GstSerialCommon common;
  GstCaps *caps;
};

GST_ELEMENT_REGISTER_DECLARE (serialsrc);

G_END_DECLS

#endif /* __GST_SERIAL_SRC_H__ */
