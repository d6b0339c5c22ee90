/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsink, writes buffers to a serial port.
 *
 * Copyright (C) 2026 gst-serial developers
 */

/**
 * SECTION:element-serialsink
 * @title: serialsink
 * @see_also: serialsrc
 *
 * Writes the data it receives to a serial port: a UART, a USB-serial
 * adapter, a USB CDC port, a telemetry radio or a pseudo-terminal. It
 * configures the port (baud rate, character format, flow control, modem
 * lines), takes it exclusively, writes every buffer completely and in order,
 * and can always be stopped at once, even when the line is held off.
 *
 * On EOS it waits until the driver has sent out everything, so that a file
 * transfer is complete when the pipeline stops.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! jpegenc ! serialsink port=/dev/ttyUSB0 baud-rate=921600
 * ]| Sends a camera's frames as JPEG over a USB-serial adapter.
 * |[
 * gst-launch-1.0 -e filesrc location=firmware.bin ! serialsink port=/dev/serial/by-id/usb-FTDI_FT232R-if00-port0 baud-rate=115200 hangup-on-close=false
 * ]| Sends a file and leaves DTR up when done, so an Arduino is not reset.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialsink.h"

GST_DEBUG_CATEGORY_STATIC (serial_sink_debug);
#define GST_CAT_DEFAULT serial_sink_debug

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_serial_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstSerialSink, gst_serial_sink, GST_TYPE_BASE_SINK,
    GST_DEBUG_CATEGORY_INIT (
        serial_sink_debug, "serialsink", 0, "serial port sink"));
GST_ELEMENT_REGISTER_DEFINE (
    serialsink, "serialsink", GST_RANK_NONE, GST_TYPE_SERIAL_SINK);

static void gst_serial_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_serial_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_serial_sink_finalize (GObject *object);

static GstStateChangeReturn gst_serial_sink_change_state (
    GstElement *element, GstStateChange transition);
static gboolean gst_serial_sink_unlock (GstBaseSink *bsink);
static gboolean gst_serial_sink_unlock_stop (GstBaseSink *bsink);
static gboolean gst_serial_sink_event (GstBaseSink *bsink, GstEvent *event);
static GstFlowReturn gst_serial_sink_render (
    GstBaseSink *bsink, GstBuffer *buffer);

static void
gst_serial_sink_class_init (GstSerialSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  gobject_class->set_property = gst_serial_sink_set_property;
  gobject_class->get_property = gst_serial_sink_get_property;
  gobject_class->finalize = gst_serial_sink_finalize;

  gst_serial_common_install_properties (gobject_class);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_serial_sink_change_state);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "Serial port sink",
      "Sink/Network",
      "Write data to a serial port (UART, USB-serial, radio, pty)",
      "gst-serial developers");

  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_serial_sink_unlock);
  basesink_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_serial_sink_unlock_stop);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_serial_sink_event);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_serial_sink_render);

  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_PARITY, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_FLOW_CONTROL, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_LINE_STATE, 0);
}

static void
gst_serial_sink_init (GstSerialSink *self)
{
  gst_serial_common_init (&self->common);

  /* A serial line is a transport, not a display: write as data comes. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}

static void
gst_serial_sink_finalize (GObject *object)
{
  GstSerialSink *self = GST_SERIAL_SINK (object);

  gst_serial_common_clear (&self->common);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_serial_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstSerialSink *self = GST_SERIAL_SINK (object);

  GST_OBJECT_LOCK (self);
  if (prop_id > GST_SERIAL_PROP_0 && prop_id < GST_SERIAL_PROP_LAST)
    gst_serial_common_set_property (
        &self->common, object, prop_id, value, pspec);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_serial_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstSerialSink *self = GST_SERIAL_SINK (object);

  GST_OBJECT_LOCK (self);
  if (prop_id > GST_SERIAL_PROP_0 && prop_id < GST_SERIAL_PROP_LAST)
    gst_serial_common_get_property (&self->common, prop_id, value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

/* GstBaseSink opens in start(), on NULL to READY; the port opens on READY to
 * PAUSED instead, as in serialsrc, so that both elements take port settings
 * in the READY state and a sink in READY does not hold the port. */
static GstStateChangeReturn
gst_serial_sink_change_state (GstElement *element, GstStateChange transition)
{
  GstSerialSink *self = GST_SERIAL_SINK (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
      !gst_serial_common_start (&self->common, element))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY ||
      (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
          ret == GST_STATE_CHANGE_FAILURE))
    gst_serial_common_stop (&self->common, element);

  return ret;
}

static gboolean
gst_serial_sink_unlock (GstBaseSink *bsink)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);

  return gst_serial_common_set_flushing (
      &self->common, GST_ELEMENT (self), TRUE);
}

static gboolean
gst_serial_sink_unlock_stop (GstBaseSink *bsink)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);

  return gst_serial_common_set_flushing (
      &self->common, GST_ELEMENT (self), FALSE);
}

static gboolean
gst_serial_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);
  GstSerialPortError err = {
    0,
  };

  /* Everything must have left the driver before EOS is reported, or the
   * application closes the port on data still queued. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS &&
      gst_serial_port_drain (self->common.port, &err) == GST_SERIAL_IO_ERROR) {
    GST_SERIAL_PORT_ERROR_POST (self, &err);
    gst_event_unref (event);
    return FALSE;
  }

  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

/* Writes @data completely. When unlock() interrupts the write, waits until
 * the pipeline plays again (a pause) or gives up (a flush or shutdown). */
static GstFlowReturn
gst_serial_sink_write (GstSerialSink *self, const guint8 *data, gsize size)
{
  GstSerialPortError err = {
    0,
  };
  GstFlowReturn ret;
  gsize written;

  for (;;) {
    switch (gst_serial_port_write_all (
        self->common.port, data, size, &written, &err)) {
      case GST_SERIAL_IO_OK:
        return GST_FLOW_OK;
      case GST_SERIAL_IO_FLUSHING:
        data += written;
        size -= written;
        ret = gst_base_sink_wait_preroll (GST_BASE_SINK (self));
        if (ret != GST_FLOW_OK)
          return ret;
        break;
      case GST_SERIAL_IO_ERROR:
      default:
        goto write_error;
    }
  }

  /* ERRORS */
write_error : {
  GST_SERIAL_PORT_ERROR_POST (self, &err);
  return GST_FLOW_ERROR;
}
}

static GstFlowReturn
gst_serial_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);
  GstFlowReturn ret = GST_FLOW_OK;
  guint i, n_mem;

  /* Memory by memory, so that a buffer of several memories is not merged
   * into a copy first. */
  n_mem = gst_buffer_n_memory (buffer);
  for (i = 0; i < n_mem && ret == GST_FLOW_OK; i++) {
    GstMemory *mem = gst_buffer_peek_memory (buffer, i);
    GstMapInfo map;

    if (!gst_memory_map (mem, &map, GST_MAP_READ))
      goto map_failed;
    ret = gst_serial_sink_write (self, map.data, map.size);
    gst_memory_unmap (mem, &map);
  }
  GST_LOG_OBJECT (self, "wrote %" G_GSIZE_FORMAT " bytes: %s",
      gst_buffer_get_size (buffer), gst_flow_get_name (ret));
  return ret;

  /* ERRORS */
map_failed : {
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
      ("Could not read the buffer to send."), ("gst_memory_map failed"));
  return GST_FLOW_ERROR;
}
}
