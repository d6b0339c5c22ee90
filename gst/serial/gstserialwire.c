/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the GStreamer side of the wire format: framing choice, buffer
 * flags, sender times and link statistics.
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

guint16
gst_serial_wire_flags_from_buffer (GstBuffer *buffer)
{
  guint16 flags = 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (flag_map); i++)
    if (GST_BUFFER_FLAG_IS_SET (buffer, flag_map[i].gst))
      flags |= flag_map[i].wire;
  return flags;
}

void
gst_serial_wire_flags_to_buffer (guint16 flags, GstBuffer *buffer)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (flag_map); i++)
    if (flags & flag_map[i].wire)
      GST_BUFFER_FLAG_SET (buffer, flag_map[i].gst);
}

guint64
gst_serial_wire_time_from_clock (GstClockTime time)
{
  return GST_CLOCK_TIME_IS_VALID (time) ? time : SF_TIME_NONE;
}

GstClockTime
gst_serial_wire_time_to_clock (guint64 time)
{
  /* GST_CLOCK_TIME_NONE is all ones, as SF_TIME_NONE. */
  return time == SF_TIME_NONE ? GST_CLOCK_TIME_NONE : (GstClockTime) time;
}

/* The reference of sender times: nanoseconds since the UNIX epoch, as
 * GstReferenceTimestampMeta names it. */
GstCaps *
gst_serial_wire_unix_time_caps (void)
{
  static GstStaticCaps caps = GST_STATIC_CAPS ("timestamp/x-unix");

  return gst_static_caps_get (&caps);
}
