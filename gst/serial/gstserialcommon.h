/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: what serialsink and serialsrc share: the port properties and
 * the port's life from start() to stop().
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_COMMON_H__
#define __GST_SERIAL_COMMON_H__

#include <gst/gst.h>

#include "gstserialport.h"
#include "gstserialwire.h"

G_BEGIN_DECLS

#define GST_TYPE_SERIAL_PARITY (gst_serial_parity_get_type ())
GType gst_serial_parity_get_type (void);

#define GST_TYPE_SERIAL_FLOW_CONTROL (gst_serial_flow_control_get_type ())
GType gst_serial_flow_control_get_type (void);

#define GST_TYPE_SERIAL_LINE_STATE (gst_serial_line_state_get_type ())
GType gst_serial_line_state_get_type (void);

/* Property ids of the shared properties; each element numbers its own
 * properties from GST_SERIAL_PROP_LAST on. */
enum {
  GST_SERIAL_PROP_0,
  GST_SERIAL_PROP_PORT,
  GST_SERIAL_PROP_BAUD_RATE,
  GST_SERIAL_PROP_DATA_BITS,
  GST_SERIAL_PROP_PARITY,
  GST_SERIAL_PROP_STOP_BITS,
  GST_SERIAL_PROP_FLOW_CONTROL,
  GST_SERIAL_PROP_DTR,
  GST_SERIAL_PROP_RTS,
  GST_SERIAL_PROP_HANGUP_ON_CLOSE,
  GST_SERIAL_PROP_FRAMING,
  GST_SERIAL_PROP_STATS_INTERVAL,
  GST_SERIAL_PROP_RECONNECT,
  GST_SERIAL_PROP_LAST
};

/* The settings the streaming thread works with: a copy of the properties
 * taken at start, which stays as it is until stop. */
typedef struct {
  gchar *path;
  GstSerialPortConfig config;
  GstSerialFraming framing;
  gboolean reconnect;
} GstSerialSettings;

/* Embedded in each element. */
typedef struct {
  /* protected by the element's object lock */
  GstSerialSettings props; /* the property values */
  guint stats_interval;    /* ms, 0: no messages */
  gboolean started;        /* from start to stop: settings are refused */
  gboolean flushing;
  GstPoll *wait_poll;  /* a timer unlock() can interrupt; from start to stop */
  GstSerialPort *port; /* NULL while away, waiting to reconnect */
  GstClockID stats_id; /* the link-stats timer, from start to stop */

  /* streaming thread, from start to stop */
  GstSerialSettings run;
  GstClockTime reopen_at;   /* monotonic time of the next reopen attempt */
  GstClockTime reopen_wait; /* the wait before it, doubling */
} GstSerialCommon;

/* gst_serial_common_reopen() without waiting: the port is still away. */
#define GST_SERIAL_FLOW_ABSENT GST_FLOW_CUSTOM_SUCCESS_1

void gst_serial_common_init (GstSerialCommon *common);
void gst_serial_common_clear (GstSerialCommon *common);

void gst_serial_common_install_properties (GObjectClass *klass);
void gst_serial_common_mark_plugin_api (void);
void gst_serial_common_set_property (GstSerialCommon *common, GObject *object,
    guint prop_id, const GValue *value, GParamSpec *pspec);
void gst_serial_common_get_property (const GstSerialCommon *common,
    guint prop_id, GValue *value);

gboolean gst_serial_common_refuse_change (GstSerialCommon *common,
    GObject *object, GParamSpec *pspec);

gboolean gst_serial_common_start (GstSerialCommon *common, GstElement *element);
void gst_serial_common_stop (GstSerialCommon *common, GstElement *element);
gboolean gst_serial_common_set_flushing (GstSerialCommon *common,
    GstElement *element, gboolean flushing);

GstFlowReturn gst_serial_common_io_failed (GstSerialCommon *common,
    GstElement *element, GstSerialPortError *err);
GstFlowReturn gst_serial_common_reopen (GstSerialCommon *common,
    GstElement *element, gboolean wait);

G_END_DECLS

#endif /* __GST_SERIAL_COMMON_H__ */
