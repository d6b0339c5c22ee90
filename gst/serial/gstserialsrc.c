/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsrc, reads data from a serial port.
 *
 * Copyright (C) 2026 gst-serial developers
 */

/**
 * SECTION:element-serialsrc
 * @title: serialsrc
 * @see_also: serialsink
 *
 * Reads data from a serial port: a UART, a USB-serial adapter, a USB CDC
 * port, a telemetry radio or a pseudo-terminal. It is a live source: it
 * pushes what has arrived, up to #GstBaseSrc:blocksize bytes, as soon as it
 * arrives, timestamped with the pipeline clock on arrival. The first buffer
 * is marked DISCONT.
 *
 * The output caps are ANY unless set with the #GstSerialSrc:caps property.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 serialsrc port=/dev/ttyUSB1 baud-rate=921600 ! jpegparse ! jpegdec ! autovideosink
 * ]| Shows JPEG frames arriving over a USB-serial adapter.
 * |[
 * gst-launch-1.0 serialsrc port=/dev/ttyACM0 ! filesink location=capture.bin
 * ]| Records everything a board sends.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialsrc.h"

GST_DEBUG_CATEGORY_STATIC (serial_src_debug);
#define GST_CAT_DEFAULT serial_src_debug

enum {
  PROP_CAPS = GST_SERIAL_PROP_LAST,
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_serial_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstSerialSrc, gst_serial_src, GST_TYPE_PUSH_SRC,
    GST_DEBUG_CATEGORY_INIT (
        serial_src_debug, "serialsrc", 0, "serial port source"));
GST_ELEMENT_REGISTER_DEFINE (
    serialsrc, "serialsrc", GST_RANK_NONE, GST_TYPE_SERIAL_SRC);

static void gst_serial_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_serial_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_serial_src_finalize (GObject *object);

static GstCaps *gst_serial_src_get_caps (GstBaseSrc *bsrc, GstCaps *filter);
static gboolean gst_serial_src_start (GstBaseSrc *bsrc);
static gboolean gst_serial_src_stop (GstBaseSrc *bsrc);
static gboolean gst_serial_src_unlock (GstBaseSrc *bsrc);
static gboolean gst_serial_src_unlock_stop (GstBaseSrc *bsrc);
static gboolean gst_serial_src_query (GstBaseSrc *bsrc, GstQuery *query);
static GstFlowReturn gst_serial_src_fill (GstPushSrc *psrc, GstBuffer *buffer);

static void
gst_serial_src_class_init (GstSerialSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  gobject_class->set_property = gst_serial_src_set_property;
  gobject_class->get_property = gst_serial_src_get_property;
  gobject_class->finalize = gst_serial_src_finalize;

  gst_serial_common_install_properties (gobject_class);

  g_object_class_install_property (gobject_class, PROP_CAPS,
      g_param_spec_boxed ("caps", "Caps",
          "The caps of the source pad (ANY when not set)", GST_TYPE_CAPS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Serial port source",
      "Source/Network",
      "Read data from a serial port (UART, USB-serial, radio, pty)",
      "gst-serial developers");

  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_serial_src_get_caps);
  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_serial_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_serial_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_serial_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_serial_src_unlock_stop);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_serial_src_query);
  pushsrc_class->fill = GST_DEBUG_FUNCPTR (gst_serial_src_fill);
}

static void
gst_serial_src_init (GstSerialSrc *self)
{
  gst_serial_common_init (&self->common);

  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp (GST_BASE_SRC (self), TRUE);
}

static void
gst_serial_src_finalize (GObject *object)
{
  GstSerialSrc *self = GST_SERIAL_SRC (object);

  gst_serial_common_clear (&self->common);
  gst_clear_caps (&self->caps);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_serial_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstSerialSrc *self = GST_SERIAL_SRC (object);
  const GstCaps *caps;

  GST_OBJECT_LOCK (self);
  if (prop_id > GST_SERIAL_PROP_0 && prop_id < GST_SERIAL_PROP_LAST) {
    gst_serial_common_set_property (
        &self->common, object, prop_id, value, pspec);
  } else if (prop_id == PROP_CAPS) {
    caps = gst_value_get_caps (value);
    gst_caps_replace (&self->caps, caps ? (GstCaps *) caps : NULL);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);

  if (prop_id == PROP_CAPS)
    gst_pad_mark_reconfigure (GST_BASE_SRC_PAD (self));
}

static void
gst_serial_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstSerialSrc *self = GST_SERIAL_SRC (object);

  GST_OBJECT_LOCK (self);
  if (prop_id > GST_SERIAL_PROP_0 && prop_id < GST_SERIAL_PROP_LAST)
    gst_serial_common_get_property (&self->common, prop_id, value);
  else if (prop_id == PROP_CAPS)
    gst_value_set_caps (value, self->caps);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

static GstCaps *
gst_serial_src_get_caps (GstBaseSrc *bsrc, GstCaps *filter)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);
  GstCaps *caps;

  GST_OBJECT_LOCK (self);
  caps = self->caps ? gst_caps_ref (self->caps) : gst_caps_new_any ();
  GST_OBJECT_UNLOCK (self);

  if (filter) {
    GstCaps *result =
        gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = result;
  }
  return caps;
}

static gboolean
gst_serial_src_start (GstBaseSrc *bsrc)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);

  return gst_serial_common_start (&self->common, GST_ELEMENT (self));
}

static gboolean
gst_serial_src_stop (GstBaseSrc *bsrc)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);

  gst_serial_common_stop (&self->common, GST_ELEMENT (self));
  return TRUE;
}

static gboolean
gst_serial_src_unlock (GstBaseSrc *bsrc)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);

  return gst_serial_common_set_flushing (
      &self->common, GST_ELEMENT (self), TRUE);
}

static gboolean
gst_serial_src_unlock_stop (GstBaseSrc *bsrc)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);

  return gst_serial_common_set_flushing (
      &self->common, GST_ELEMENT (self), FALSE);
}

static gboolean
gst_serial_src_query (GstBaseSrc *bsrc, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);

  /* Buffers are timestamped when their bytes are read, which adds no
   * latency of ours; how long the bytes were on the line is not known. */
  gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
  GST_DEBUG_OBJECT (bsrc, "latency: live, min 0, max none");
  return TRUE;
}

static GstFlowReturn
gst_serial_src_fill (GstPushSrc *psrc, GstBuffer *buffer)
{
  GstSerialSrc *self = GST_SERIAL_SRC (psrc);
  GstSerialPortError err = {
    0,
  };
  GstSerialIoResult res;
  GstMapInfo map;
  gsize n_read = 0;

  if (!gst_buffer_map (buffer, &map, GST_MAP_WRITE))
    goto map_failed;
  res = gst_serial_port_read (
      self->common.port, map.data, map.size, &n_read, &err);
  gst_buffer_unmap (buffer, &map);

  switch (res) {
    case GST_SERIAL_IO_OK:
      gst_buffer_resize (buffer, 0, n_read);
      GST_LOG_OBJECT (self, "read %" G_GSIZE_FORMAT " bytes", n_read);
      return GST_FLOW_OK;
    case GST_SERIAL_IO_FLUSHING:
      return GST_FLOW_FLUSHING;
    case GST_SERIAL_IO_ERROR:
    default:
      GST_SERIAL_PORT_ERROR_POST (self, &err);
      return GST_FLOW_ERROR;
  }

  /* ERRORS */
map_failed : {
  GST_ELEMENT_ERROR (self, RESOURCE, READ,
      ("Could not map a buffer to read into."), ("gst_buffer_map failed"));
  return GST_FLOW_ERROR;
}
}
