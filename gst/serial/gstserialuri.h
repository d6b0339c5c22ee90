/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serial:// URIs, the GstURIHandler of serialsink and serialsrc.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_URI_H__
#define __GST_SERIAL_URI_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* The GInterfaceInitFunc of GstURIHandler for both elements. */
void gst_serial_uri_handler_init (gpointer g_iface, gpointer iface_data);

gboolean gst_serial_uri_set (GstElement *element, const gchar *uri,
    GError **error);
gchar *gst_serial_uri_get (GstElement *element);

G_END_DECLS

#endif /* __GST_SERIAL_URI_H__ */
