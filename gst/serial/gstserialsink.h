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
#include "gstserialfreshness.h"
#include "gstserialline.h"
#include "gstserialfeedback.h"
#include "gstserialpacker.h"
#include "gstserialschedule.h"
#include "gstserialsender.h"
#include "gstserialrepair.h"
#include "gstserialstats.h"

G_BEGIN_DECLS

typedef enum {
  GST_SERIAL_SINK_PACING_AUTO,
  GST_SERIAL_SINK_PACING_ON,
  GST_SERIAL_SINK_PACING_OFF
} GstSerialSinkPacing;

typedef enum {
  GST_SERIAL_SINK_DROP_AUTO,
  GST_SERIAL_SINK_DROP_NEVER,
  GST_SERIAL_SINK_DROP_STALE
} GstSerialSinkDropPolicy;

#define GST_TYPE_SERIAL_SINK (gst_serial_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstSerialSink, gst_serial_sink, GST, SERIAL_SINK,
    GstBaseSink)

struct _GstSerialSink {
  GstBaseSink parent;

  /* protected by the object lock */
  GstSerialCommon common;
  guint caps_interval;         /* ms of link time, 0: on change only */
  gdouble caps_budget;         /* percent of the line, 0: no limit */
  guint fragment_size;         /* bytes, 0: frames whole */
  guint fec_percentage;        /* parity pieces per data piece, percent */
  guint32 channel;             /* the stream every packet names */
  GstClockTime next_frame_due; /* monotonic: a live stream's next frame */
  gboolean newest_delta;
  gint priority; /* the last frame sent needs the one before */
  gboolean sender_time;
  GstSerialSinkPacing pacing;
  guint link_rate; /* bytes/s, 0: from the baud rate */
  GstSerialSinkDropPolicy drop_policy;
  guint64 frames_sent;
  guint64 payload_bytes;
  guint64 wire_bytes;
  guint64 caps_sent;
  guint64 caps_bytes;
  guint64 parity_sent;
  guint64 parity_bytes;
  guint64 frame_wire; /* wire bytes of the last frame, at most */
  guint64 frames_dropped;
  guint64 frame_start;  /* wire-bytes before the last frame sent */
  gboolean announced;   /* the receiver was told that this sender repairs */
  GstClockTime started; /* when first, on the monotonic clock */
  GstClockTime announced_at; /* when last */
  gdouble nominal_rate;      /* bytes per second: baud rate or link-rate */
  guint64 resent_pieces;     /* pieces sent again, asked for */
  guint64 resent_bytes;
  guint64 skips_sent;
  GstSerialRepair repair; /* frames held for repair */
  GMutex write_lock;      /* the streaming thread writes, or the idle sender */
  GstSerialRateMeter meter;
  GstSerialLine line; /* on the monotonic clock; rate 0: not paced */
  guint port_opens;   /* a write that began on another port ends on none */

  /* streaming thread */
  GstSerialPacker packer;
  gboolean wait_for_port;  /* when it is away: or drop the frame */
  gchar *caps_string;      /* caps to put on the wire */
  GstSerialSchedule sched; /* frame() and caps_due() with the object lock */
  gboolean check_live;
  gboolean upstream_live;
  gboolean keep_all;             /* the caps name data, not pictures or sound */
  GstSerialFreshness fresh;      /* with the object lock */
  GstSerialSender sender;        /* sends what may be dropped, see render() */
  GstSerialFeedbackRx fb;        /* the receiver's control packets; counters
                             * with the object lock */
  GstClockTime last_key_request; /* forwarded upstream, monotonic */
  GstSerialPacker repacker;      /* repairs and SKIPs */
};

GST_ELEMENT_REGISTER_DECLARE (serialsink);

G_END_DECLS

#endif /* __GST_SERIAL_SINK_H__ */
