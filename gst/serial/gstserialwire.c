/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the GStreamer side of the wire format: framing choice, codec
 * options, buffers to and from packet headers, and the running time at
 * which bytes cross the line.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialwire.h"

GType
gst_serial_framing_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SERIAL_FRAMING_NATIVE,
        "Packets with header, caps, timestamps and CRC-32C (docs/protocol.md)",
        "native" },
    { GST_SERIAL_FRAMING_RAW, "Bytes as they are, no framing", "raw" },
    { GST_SERIAL_FRAMING_COBS,
        "Each buffer one COBS packet ending in 0x00, no check", "cobs" },
    { GST_SERIAL_FRAMING_SLIP, "Each buffer one SLIP packet (RFC 1055)",
        "slip" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSerialFraming", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

sf_mode
gst_serial_framing_to_mode (GstSerialFraming framing)
{
  switch (framing) {
    case GST_SERIAL_FRAMING_RAW:
      return SF_MODE_RAW;
    case GST_SERIAL_FRAMING_COBS:
      return SF_MODE_COBS;
    case GST_SERIAL_FRAMING_SLIP:
      return SF_MODE_SLIP;
    case GST_SERIAL_FRAMING_NATIVE:
    default:
      return SF_MODE_NATIVE;
  }
}

/* The protocol has flag values of its own, so that the wire format does not
 * change when GStreamer's do. */
static const struct {
  GstBufferFlags gst;
  guint16 wire;
} flag_map[] = {
  { GST_BUFFER_FLAG_DELTA_UNIT, SF_FLAG_DELTA_UNIT },
  { GST_BUFFER_FLAG_HEADER, SF_FLAG_HEADER },
  { GST_BUFFER_FLAG_DISCONT, SF_FLAG_DISCONT },
  { GST_BUFFER_FLAG_GAP, SF_FLAG_GAP },
  { GST_BUFFER_FLAG_DROPPABLE, SF_FLAG_DROPPABLE },
  { GST_BUFFER_FLAG_MARKER, SF_FLAG_MARKER },
  { GST_BUFFER_FLAG_CORRUPTED, SF_FLAG_CORRUPTED },
  { GST_BUFFER_FLAG_DECODE_ONLY, SF_FLAG_DECODE_ONLY },
  { GST_BUFFER_FLAG_RESYNC, SF_FLAG_RESYNC },
  { GST_BUFFER_FLAG_NON_DROPPABLE, SF_FLAG_NON_DROPPABLE },
  { GST_BUFFER_FLAG_SYNC_AFTER, SF_FLAG_SYNC_AFTER },
  { GST_BUFFER_FLAG_LIVE, SF_FLAG_LIVE },
};

static guint16
gst_serial_wire_flags_from_buffer (GstBuffer *buffer)
{
  guint16 flags = 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (flag_map); i++)
    if (GST_BUFFER_FLAG_IS_SET (buffer, flag_map[i].gst))
      flags |= flag_map[i].wire;
  return flags;
}

static void
gst_serial_wire_flags_to_buffer (guint16 flags, GstBuffer *buffer)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (flag_map); i++)
    if (flags & flag_map[i].wire)
      GST_BUFFER_FLAG_SET (buffer, flag_map[i].gst);
}

static guint64
gst_serial_wire_time_from_clock (GstClockTime time)
{
  return GST_CLOCK_TIME_IS_VALID (time) ? time : SF_TIME_NONE;
}

/* A time from the wire, GST_CLOCK_TIME_NONE when it has none. */
GstClockTime
gst_serial_wire_time_to_clock (guint64 time)
{
  /* GST_CLOCK_TIME_NONE is all ones, as SF_TIME_NONE. */
  return time == SF_TIME_NONE ? GST_CLOCK_TIME_NONE : (GstClockTime) time;
}

/* The reference of sender times: nanoseconds since the UNIX epoch, as
 * GstReferenceTimestampMeta names it. */
static GstCaps *
gst_serial_wire_unix_time_caps (void)
{
  static GstStaticCaps caps = GST_STATIC_CAPS ("timestamp/x-unix");

  return gst_static_caps_get (&caps);
}

/**
 * gst_serial_wire_options:
 *
 * Returns the codec options for a port with @flow_control: with XON/XOFF
 * the codec escapes the bytes the tty driver would swallow.
 */
unsigned
gst_serial_wire_options (GstSerialFlowControl flow_control)
{
  return flow_control == GST_SERIAL_FLOW_CONTROL_XON_XOFF ? SF_OPT_XONXOFF : 0;
}

/* The time a frame left: its capture time when upstream attached one,
 * otherwise now. */
static guint64
gst_serial_wire_sender_time (GstBuffer *buffer)
{
  GstReferenceTimestampMeta *meta;
  GstCaps *unix_caps = gst_serial_wire_unix_time_caps ();

  meta = gst_buffer_get_reference_timestamp_meta (buffer, unix_caps);
  gst_caps_unref (unix_caps);
  if (meta)
    return meta->timestamp;
  return (guint64) g_get_real_time () * 1000;
}

/**
 * gst_serial_wire_header_from_buffer:
 * @seq: the packet's sequence number
 * @sender_time: whether to give the time the frame left
 *
 * Fills @hdr for a data packet carrying @buffer: its flags, timestamps and
 * size, and, with @sender_time, the sender's wall-clock time (8 bytes a
 * frame, so only when asked).
 */
void
gst_serial_wire_header_from_buffer (sf_header *hdr, GstBuffer *buffer,
    guint32 seq, gboolean sender_time)
{
  sf_header_init (hdr, SF_TYPE_DATA);
  hdr->flags = gst_serial_wire_flags_from_buffer (buffer);
  hdr->seq = seq;
  hdr->pts = gst_serial_wire_time_from_clock (GST_BUFFER_PTS (buffer));
  hdr->dts = gst_serial_wire_time_from_clock (GST_BUFFER_DTS (buffer));
  hdr->duration =
      gst_serial_wire_time_from_clock (GST_BUFFER_DURATION (buffer));
  if (sender_time)
    hdr->sender_time = gst_serial_wire_sender_time (buffer);
  hdr->payload_len = gst_buffer_get_size (buffer);
}

/**
 * gst_serial_wire_header_to_buffer:
 * @arrival: running time the packet arrived, GST_CLOCK_TIME_NONE if unknown
 *
 * Gives @buffer what @hdr says of it: flags, duration, the sender's time
 * as a GstReferenceTimestampMeta, and timestamps. The sender's clock is
 * not ours, but the distance from its DTS to its PTS is what decoders need
 * to reorder frames: the DTS is the arrival time, the PTS that plus the
 * distance. The DTS is always set: left unset, do-timestamp would have
 * GstBaseSrc set it later, after the PTS.
 */
void
gst_serial_wire_header_to_buffer (const sf_header *hdr, GstBuffer *buffer,
    GstClockTime arrival)
{
  GstClockTime pts = gst_serial_wire_time_to_clock (hdr->pts);
  GstClockTime dts = gst_serial_wire_time_to_clock (hdr->dts);

  gst_serial_wire_flags_to_buffer (hdr->flags, buffer);
  GST_BUFFER_DURATION (buffer) = gst_serial_wire_time_to_clock (hdr->duration);
  if (hdr->sender_time != SF_TIME_NONE) {
    GstCaps *unix_caps = gst_serial_wire_unix_time_caps ();

    gst_buffer_add_reference_timestamp_meta (buffer, unix_caps,
        hdr->sender_time, GST_CLOCK_TIME_NONE);
    gst_caps_unref (unix_caps);
  }
  if (!GST_CLOCK_TIME_IS_VALID (arrival))
    return;
  GST_BUFFER_PTS (buffer) = GST_BUFFER_DTS (buffer) = arrival;
  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (dts) &&
      pts > dts)
    GST_BUFFER_PTS (buffer) = arrival + (pts - dts);
}

/* The element's running time now, or GST_CLOCK_TIME_NONE without a clock:
 * when a packet arrives (serialsrc), when the line will be free (serialsink,
 * whose frames captured before then are stale). */
GstClockTime
gst_serial_common_running_time (GstElement *element)
{
  GstClock *clock = gst_element_get_clock (element);
  GstClockTime now;

  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock) - gst_element_get_base_time (element);
  gst_object_unref (clock);
  return now;
}
