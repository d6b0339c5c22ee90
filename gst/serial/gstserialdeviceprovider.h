/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialdeviceprovider, lists and monitors the serial ports of
 * the system for GstDeviceMonitor.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_DEVICE_PROVIDER_H__
#define __GST_SERIAL_DEVICE_PROVIDER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_SERIAL_DEVICE_PROVIDER (gst_serial_device_provider_get_type ())
G_DECLARE_FINAL_TYPE (GstSerialDeviceProvider, gst_serial_device_provider, GST,
    SERIAL_DEVICE_PROVIDER, GstDeviceProvider)

#define GST_TYPE_SERIAL_DEVICE (gst_serial_device_get_type ())
G_DECLARE_FINAL_TYPE (GstSerialDevice, gst_serial_device, GST, SERIAL_DEVICE,
    GstDevice)

GST_DEVICE_PROVIDER_REGISTER_DECLARE (serialdeviceprovider);

G_END_DECLS

#endif /* __GST_SERIAL_DEVICE_PROVIDER_H__ */
