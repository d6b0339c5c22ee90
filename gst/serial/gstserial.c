/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the serial plugin, carrying media over serial links.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstserialdeviceprovider.h"
#include "gstserialsink.h"
#include "gstserialsrc.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (serialsink, plugin);
  ret |= GST_ELEMENT_REGISTER (serialsrc, plugin);
  ret |= GST_DEVICE_PROVIDER_REGISTER (serialdeviceprovider, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, serial,
    "Carries media over serial links: UARTs, USB-serial adapters, USB CDC "
    "ports, telemetry radios and pseudo-terminals",
    plugin_init, VERSION, "LGPL", GST_PACKAGE_NAME, PACKAGE_ORIGIN)
