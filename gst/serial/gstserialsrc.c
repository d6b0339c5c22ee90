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
 * Reads from a serial port: a UART, a USB-serial adapter, a USB CDC port, a
 * telemetry radio or a pseudo-terminal. It is a live source.
 *
 * With the default #GstSerialSrc:framing, native, it finds the packets a
 * serialsink sends, checks each one's CRC-32C and outputs one buffer per
 * packet with the sender's flags and caps: `serialsrc ! jpegdec` and
 * `serialsrc ! h264parse ! avdec_h264` need no capsfilter. It locks on at
 * the next packet wherever it starts in the stream; damaged packets are
 * dropped and counted, never delivered; a gap in the sequence numbers marks
 * the next buffer DISCONT and counts as lost frames. Until the first caps
 * packet arrives (the sender repeats them about every second, and before
 * every H.264 key frame) data packets
 * are dropped, unless the #GstSerialSrc:caps property gives caps to start
 * with. Wire caps must be fixed and, when #GstSerialSrc:caps is set,
 * compatible with it; other caps are rejected and counted. An EOS from the
 * sender ends the stream, unless #GstSerialSrc:forward-eos is false, in
 * which case the source waits for the next stream.
 *
 * Buffers are timestamped with the pipeline clock when they arrive, PTS and
 * DTS alike; when the sender gave both, the difference between its PTS and
 * DTS is kept so that decoders can reorder frames. When the sender gave
 * its wall-clock time (serialsink's sender-time), it is attached as a
 * #GstReferenceTimestampMeta with the reference `timestamp/x-unix`, so that
 * an application can measure the end-to-end latency. Frames sent as
 * fragments (serialsink's fragment-size) come out whole, or not at all when
 * a fragment is missing.
 *
 * With the native framing it outputs the stream of #GstSerialSrc:channel
 * (0 by default), the one a serialsink with the same
 * #GstSerialSink:channel sends; packets of other channels on the line are
 * counted (`other-streams`) and skipped. Elements of one process share a
 * port, each getting every byte that arrives: several serialsrcs, each
 * with its channel, and a serialsink and a serialsrc on the two directions
 * of one duplex line (see serialsink). They must set the same port
 * settings, or the later one fails to start with a SETTINGS error naming
 * the element that has the port.
 *
 * Streams sent on several channels (audio and video) stay in sync: while
 * more than one serialsrc receives channels of the port
 * (#GstSerialSrc:timestamps auto, the default; or with sender), buffers
 * are timestamped from the sender's timestamps plus an offset common to
 * those serialsrcs, the longest transit any of their frames took. What
 * was sent at the same time is then due at the same time, after the
 * slowest frame arrived: on a slow line a large video frame takes long,
 * the sound sent beside it hardly any time, and stamped on arrival the
 * picture would lag the sound by a frame's time on the line. The streams
 * must be timestamped by one sender pipeline (one running time), and the
 * receiving serialsrcs should be in one pipeline. `time-shift` in
 * #GstSerialSrc:link-stats tells how much later than its arrival the last
 * buffer is due. A serialsrc alone on its port stamps on arrival, for the
 * lowest latency.
 *
 * ## Retransmission
 *
 * With #GstSerialSrc:feedback (the default with the native framing) and a
 * serialsink that reads the line's other direction, frames damaged on the
 * way are repaired: once the sender says it repairs (it does so before its
 * first frame), serialsrc holds frames in order behind one that lacks
 * pieces and asks the sender for what is missing (docs/protocol.md,
 * section 8.3). A non-live sender gets every frame through; a live one
 * gives up a frame a newer one has overtaken (the frame is then lost, as
 * before). A sender that does not answer for 3 s (the transmit line does
 * not reach it) is no longer waited for.
 *
 * With framing raw it pushes what has arrived, up to #GstBaseSrc:blocksize
 * bytes (at least one, also with blocksize=0), as soon as it arrives; follow it with a parser such as jpegparse.
 * With cobs and slip each packet becomes a buffer. For these three the
 * output caps are the #GstSerialSrc:caps property (ANY when not set).
 *
 * The #GstSerialSrc:link-stats property counts what was received;
 * #GstSerialSrc:stats-interval posts it as an element message on the bus
 * periodically:
 *
 * * `frames-received` (guint64): buffers output
 * * `payload-bytes` (guint64): bytes of those buffers
 * * `wire-bytes` (guint64): bytes read from the port
 * * `check-failures` (guint64): packets dropped for a wrong CRC-32C
 * * `lost-frames` (guint64): frames sent but not output: missing from the
 *   sequence, or incomplete
 * * `incomplete-frames` (guint64): frames sent as fragments that were
 *   dropped because a fragment was missing and their parity could not
 *   rebuild it (of lost-frames)
 * * `repaired-frames` (guint64): frames output whole after their parity
 *   rebuilt pieces lost on the way (serialsink's fec-percentage)
 * * `repaired-fragments` (guint64): the pieces rebuilt
 * * `retransmitted-frames` (guint64): frames output whole after pieces
 *   asked for came again
 * * `repair-requests` (guint64): requests (NACKs) sent for missing pieces
 * * `skipped-frames` (guint64): frames given up because the sender said it
 *   would not repair them (it no longer held them, or a live stream had
 *   moved on; of lost-frames)
 * * `duplicate-pieces` (guint64): pieces of frames already complete or
 *   output, ignored
 * * `oversize-frames` (guint64): packets longer than max-frame-size, dropped
 * * `bytes-skipped` (guint64): bytes not delivered while resynchronising or
 *   in dropped packets
 * * `malformed` (guint64): packets dropped for a bad length, header or
 *   COBS/SLIP coding
 * * `bad-version` (guint64): packets of a protocol version not understood
 * * `unknown-type` (guint64): valid packets of a type not handled
 * * `unsupported` (guint64): valid packets using a protocol feature this
 *   version does not know
 * * `other-streams` (guint64): valid packets of a channel other than
 *   #GstSerialSrc:channel
 * * `time-shift` (gdouble): seconds the last buffer is due after it
 *   arrived (#GstSerialSrc:timestamps); 0 when stamped on arrival
 * * `caps-rejected` (guint64): caps packets not parseable, not fixed or not
 *   allowed by the caps property
 * * `frames-without-caps` (guint64): data packets dropped while no caps
 *   were known
 * * `delta-dropped` (guint64): delta frames (H.264 P-frames) not output
 *   because a frame they depend on was lost, or came before the first key
 *   frame; the next output frame is a key frame, marked DISCONT
 * * `key-requests`, `caps-requests` (guint64): requests sent to the sender
 *   (#GstSerialSrc:feedback): for a key frame after a loss in a stream with
 *   delta frames, for the caps when frames come without them; repeated
 *   every 250 ms until answered
 * * `reports-sent` (guint64): receiver reports sent (with the first
 *   packet, every 250 ms while packets arrive, every 32 KiB that arrived
 *   (8 KiB at first), and at the sender's EOS)
 * * `feedback-sent` (guint64): control packets the transmit line took
 * * `feedback-dropped` (guint64): control packets dropped because the
 *   transmit line did not take the earlier ones (nobody reads it, or flow
 *   control holds it): receiving never waits for it
 * * `payload-rate`, `wire-rate` (gdouble): bytes per second measured over
 *   the last second or so
 *
 * When the port goes away (a USB adapter unplugged, the other end of a
 * pseudo-terminal closed) the element posts an error, unless
 * #GstSerialSrc:reconnect is set: then it posts a warning and a
 * `serial-port-lost` element message (field `port`), reopens the same path
 * with backoff, and posts `serial-port-restored` when the port is back.
 * Pausing, flushing and stopping work while it waits; afterwards it goes on
 * waiting, and once the port is back it locks on at the next packet.
 *
 * Settings take effect when the element starts (READY to PAUSED): from then
 * until it stops, changing the port settings, #GstSerialSrc:framing,
 * #GstSerialSrc:reconnect or #GstSerialSrc:max-frame-size is refused with a
 * warning, also while the port is away.
 *
 * ## Messages
 *
 * * `serialsrc-link-stats` (element message, every
 *   #GstSerialSrc:stats-interval milliseconds when it is not 0): the fields
 *   of #GstSerialSrc:link-stats above.
 * * `serial-port-lost`, `serial-port-restored` (element messages, with
 *   #GstSerialSrc:reconnect; field `port`, the path): the port went away,
 *   and came back and was configured again.
 * * Errors (#GST_RESOURCE_ERROR): NOT_FOUND (port not set, with the ports
 *   found; port missing or not a serial port), OPEN_READ_WRITE (no
 *   permission, with the dialout hint), BUSY (opened by another program),
 *   SETTINGS (a setting the port refused, named, or other settings than
 *   those of the element of this program that has the port), READ (the port vanished,
 *   or a read failed).
 * * Warnings: SETTINGS for a setting a pseudo-terminal cannot take (data
 *   bits, parity) and for xon-xoff with a framing that cannot escape it;
 *   READ when the port goes away with #GstSerialSrc:reconnect set.
 *
 * ## serial:// URIs
 *
 * The element handles `serial://` URIs, so that playbin, uridecodebin and
 * gst-play-1.0 open a serial port as they open a file:
 * `serial:///dev/ttyUSB1?baud-rate=921600&framing=native`. The path is the
 * port (percent-encoded where needed; the host is empty or localhost) and
 * any other property is a query parameter, its value written as
 * gst-launch-1.0 takes it. Parameters not given keep their values; an
 * invalid one (unknown property, read-only property, value out of range or
 * not among the accepted ones, `port` as a parameter) fails with a
 * #GST_URI_ERROR naming it, and changes nothing. A URI can only be set in
 * the NULL or READY state. The URI read back names the port and every
 * property that differs from a new element's. Since the caps come from the
 * wire, a native stream needs nothing more: decodebin picks the decoder.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 serialsrc port=/dev/ttyUSB1 baud-rate=921600 ! jpegdec ! autovideosink
 * ]| Shows the JPEG frames a serialsink sends.
 * |[
 * gst-play-1.0 serial:///dev/ttyUSB1?baud-rate=921600
 * ]| Plays what a serialsink sends, JPEG or H.264, with the decoder chosen
 * from the caps on the wire.
 * |[
 * gst-launch-1.0 serialsrc port=/dev/ttyUSB1 framing=raw ! jpegparse ! jpegdec ! autovideosink
 * ]| Shows JPEG bytes written raw onto the port, as many hand-written
 * microcontroller sketches and pyserial scripts do.
 * |[
 * gst-launch-1.0 serialsrc port=/dev/ttyACM0 framing=raw ! filesink location=capture.bin
 * ]| Records everything a board sends.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialsrc.h"
#include "gstserialuri.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (serial_src_debug);
#define GST_CAT_DEFAULT serial_src_debug

#define DEFAULT_MAX_FRAME_SIZE (4 * 1024 * 1024)
#define DEFAULT_FORWARD_EOS TRUE
/* Serial lines are almost always full duplex, and a transmit line that
 * does not drain costs nothing: control packets that cannot go are
 * dropped. */
#define DEFAULT_FEEDBACK TRUE
#define DEFAULT_CHANNEL 0
#define DEFAULT_TIMESTAMPS GST_SERIAL_SRC_TIMESTAMPS_AUTO

enum {
  PROP_CAPS = GST_SERIAL_PROP_LAST,
  PROP_MAX_FRAME_SIZE,
  PROP_FORWARD_EOS,
  PROP_FEEDBACK,
  PROP_CHANNEL,
  PROP_TIMESTAMPS,
  PROP_LINK_STATS
};

#define GST_TYPE_SERIAL_SRC_TIMESTAMPS (gst_serial_src_timestamps_get_type ())
static GType
gst_serial_src_timestamps_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SERIAL_SRC_TIMESTAMPS_AUTO,
        "sender when other serialsrcs receive other channels of the port in "
        "this process, else arrival",
        "auto" },
    { GST_SERIAL_SRC_TIMESTAMPS_ARRIVAL,
        "When the frame arrived: the lowest latency", "arrival" },
    { GST_SERIAL_SRC_TIMESTAMPS_SENDER,
        "The sender's timestamps, on a time base common to the serialsrcs of "
        "the port: channels stay in sync (audio with video), every frame "
        "due after the slowest transit seen",
        "sender" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSerialSrcTimestamps", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_serial_src_parent_class parent_class
/* clang-format off */
G_DEFINE_TYPE_WITH_CODE (GstSerialSrc, gst_serial_src, GST_TYPE_PUSH_SRC,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER, gst_serial_uri_handler_init);
    GST_DEBUG_CATEGORY_INIT (serial_src_debug, "serialsrc", 0,
        "serial port source"));
/* clang-format on */
GST_ELEMENT_REGISTER_DEFINE (serialsrc, "serialsrc", GST_RANK_NONE,
    GST_TYPE_SERIAL_SRC);

static void gst_serial_src_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec);
static void gst_serial_src_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec);
static void gst_serial_src_finalize (GObject *object);

static GstCaps *gst_serial_src_get_caps (GstBaseSrc *bsrc, GstCaps *filter);
static gboolean gst_serial_src_start (GstBaseSrc *bsrc);
static gboolean gst_serial_src_stop (GstBaseSrc *bsrc);
static gboolean gst_serial_src_unlock (GstBaseSrc *bsrc);
static gboolean gst_serial_src_unlock_stop (GstBaseSrc *bsrc);
static gboolean gst_serial_src_query (GstBaseSrc *bsrc, GstQuery *query);
static GstFlowReturn gst_serial_src_create (GstPushSrc *psrc,
    GstBuffer **buffer);

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
          "Caps of the output. raw, cobs, slip framing: the caps of every "
          "buffer (ANY when not set). native framing: the caps to use until "
          "the sender's arrive, and a filter the sender's caps must match",
          GST_TYPE_CAPS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_MAX_FRAME_SIZE,
      g_param_spec_uint ("max-frame-size", "Maximum frame size",
          "Largest frame accepted in bytes (native, cobs and slip framing); "
          "longer packets are dropped without being buffered, and counted",
          64, 256 * 1024 * 1024, DEFAULT_MAX_FRAME_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_FORWARD_EOS,
      g_param_spec_boolean ("forward-eos", "Forward EOS",
          "End the stream when the sender sends EOS (native framing); false "
          "keeps waiting for the sender's next stream",
          DEFAULT_FORWARD_EOS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_FEEDBACK,
      g_param_spec_boolean ("feedback", "Feedback",
          "Send small control packets back to the sender on this port's "
          "transmit line: requests for missing pieces, key frames and caps, "
          "receiver reports (native framing). Turn off on half-duplex lines "
          "(two-wire "
          "RS-485) and where the transmit line is wired to something else",
          DEFAULT_FEEDBACK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_CHANNEL,
      g_param_spec_uint ("channel", "Channel",
          "The channel to receive (native framing): the stream of the "
          "serialsink with the same channel; packets of other channels are "
          "counted (other-streams) and skipped",
          0, G_MAXUINT32, DEFAULT_CHANNEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_TIMESTAMPS,
      g_param_spec_enum ("timestamps", "Timestamps",
          "How buffers are timestamped (native framing): at their arrival, or "
          "from the sender's timestamps on a time base common to the "
          "channels of the port, so that streams sent on several channels "
          "(audio and video) stay in sync",
          GST_TYPE_SERIAL_SRC_TIMESTAMPS, DEFAULT_TIMESTAMPS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_LINK_STATS,
      g_param_spec_boxed ("link-stats", "Link statistics",
          "What was received and what was dropped (see the element "
          "documentation for the fields)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

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
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_serial_src_create);

  gst_serial_common_mark_plugin_api ();
  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_SRC_TIMESTAMPS, 0);
}

static void
gst_serial_src_init (GstSerialSrc *self)
{
  gst_serial_common_init (&self->common);
  self->max_frame_size = DEFAULT_MAX_FRAME_SIZE;
  self->forward_eos = DEFAULT_FORWARD_EOS;
  self->feedback = DEFAULT_FEEDBACK;
  self->channel = DEFAULT_CHANNEL;
  self->timestamps = DEFAULT_TIMESTAMPS;

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
gst_serial_src_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstSerialSrc *self = GST_SERIAL_SRC (object);

  GST_OBJECT_LOCK (self);
  if (prop_id > GST_SERIAL_PROP_0 && prop_id < GST_SERIAL_PROP_LAST) {
    gst_serial_common_set_property (&self->common, object, prop_id, value,
        pspec);
  } else {
    switch (prop_id) {
      case PROP_CAPS:
        /* A change while streaming would come after the segment, and in
         * native framing the wire caps were checked against the old ones. */
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          gst_caps_replace (&self->caps,
              (GstCaps *) gst_value_get_caps (value));
        break;
      case PROP_MAX_FRAME_SIZE:
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          self->max_frame_size = g_value_get_uint (value);
        break;
      case PROP_FEEDBACK:
        /* Taken at start. */
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          self->feedback = g_value_get_boolean (value);
        break;
      case PROP_CHANNEL:
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          self->channel = g_value_get_uint (value);
        break;
      case PROP_TIMESTAMPS:
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          self->timestamps = g_value_get_enum (value);
        break;
      case PROP_FORWARD_EOS:
        self->forward_eos = g_value_get_boolean (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
}

/* Frames lost: missing from the sequence, or given up. Call with the
 * object lock held. */
static guint64
gst_serial_src_lost (GstSerialSrc *self)
{
  return self->lost_frames + self->assembler.incomplete + self->reorder.lost +
      self->reorder.incomplete;
}

/* Call with the object lock held. */
static GstStructure *
gst_serial_src_link_stats (GstElement *element)
{
  GstSerialSrc *self = GST_SERIAL_SRC (element);
  const sf_dec_stats *st = &self->dec_stats;
  const GstSerialReorder *ro = &self->reorder;
  gboolean raw = self->common.run.framing == GST_SERIAL_FRAMING_RAW;

  /* clang-format off */
  return gst_structure_new ("serialsrc-link-stats",
      "frames-received", G_TYPE_UINT64, self->frames_received,
      "payload-bytes", G_TYPE_UINT64, self->payload_bytes,
      "wire-bytes", G_TYPE_UINT64, raw ? self->raw_bytes : st->wire_bytes,
      "check-failures", G_TYPE_UINT64, st->crc_errors,
      "lost-frames", G_TYPE_UINT64, gst_serial_src_lost (self),
      "oversize-frames", G_TYPE_UINT64, st->oversize,
      "bytes-skipped", G_TYPE_UINT64, st->skipped_bytes,
      "malformed", G_TYPE_UINT64, st->malformed,
      "bad-version", G_TYPE_UINT64, st->bad_version,
      "unknown-type", G_TYPE_UINT64, st->unknown_type + self->not_taken,
      "unsupported", G_TYPE_UINT64, st->unsupported,
      "other-streams", G_TYPE_UINT64, self->other_streams,
      "time-shift", G_TYPE_DOUBLE, (gdouble) self->shift / GST_SECOND,
      "incomplete-frames", G_TYPE_UINT64,
          self->assembler.incomplete + ro->incomplete,
      "repaired-frames", G_TYPE_UINT64,
          self->assembler.repaired + ro->repaired,
      "repaired-fragments", G_TYPE_UINT64,
          self->assembler.pieces_repaired + ro->pieces_repaired,
      "retransmitted-frames", G_TYPE_UINT64, ro->retransmitted,
      "repair-requests", G_TYPE_UINT64, self->fb.nacks,
      "skipped-frames", G_TYPE_UINT64, ro->skipped,
      "duplicate-pieces", G_TYPE_UINT64, ro->duplicates,
      "caps-rejected", G_TYPE_UINT64, self->caps_rejected,
      "frames-without-caps", G_TYPE_UINT64, self->frames_without_caps,
      "delta-dropped", G_TYPE_UINT64, self->fb.delta_dropped,
      "key-requests", G_TYPE_UINT64, self->fb.key_requests,
      "caps-requests", G_TYPE_UINT64, self->fb.caps_requests,
      "reports-sent", G_TYPE_UINT64, self->fb.reports,
      "feedback-sent", G_TYPE_UINT64, self->fb.sent,
      "feedback-dropped", G_TYPE_UINT64, self->fb.dropped,
      "payload-rate", G_TYPE_DOUBLE, self->meter.payload_rate,
      "wire-rate", G_TYPE_DOUBLE, self->meter.wire_rate,
      NULL);
  /* clang-format on */
}

static void
gst_serial_src_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstSerialSrc *self = GST_SERIAL_SRC (object);

  GST_OBJECT_LOCK (self);
  if (prop_id > GST_SERIAL_PROP_0 && prop_id < GST_SERIAL_PROP_LAST) {
    gst_serial_common_get_property (&self->common, prop_id, value);
  } else {
    switch (prop_id) {
      case PROP_CAPS:
        gst_value_set_caps (value, self->caps);
        break;
      case PROP_MAX_FRAME_SIZE:
        g_value_set_uint (value, self->max_frame_size);
        break;
      case PROP_FEEDBACK:
        g_value_set_boolean (value, self->feedback);
        break;
      case PROP_CHANNEL:
        g_value_set_uint (value, self->channel);
        break;
      case PROP_TIMESTAMPS:
        g_value_set_enum (value, self->timestamps);
        break;
      case PROP_FORWARD_EOS:
        g_value_set_boolean (value, self->forward_eos);
        break;
      case PROP_LINK_STATS:
        g_value_take_boxed (value,
            gst_serial_src_link_stats (GST_ELEMENT (self)));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
}

/* In native framing the caps come from the wire once known; until then,
 * and in the other framings, from the caps property. */
static GstCaps *
gst_serial_src_get_caps (GstBaseSrc *bsrc, GstCaps *filter)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);
  GstCaps *caps;

  GST_OBJECT_LOCK (self);
  if (self->wire_caps)
    caps = gst_caps_ref (self->wire_caps);
  else if (self->caps)
    caps = gst_caps_ref (self->caps);
  else
    caps = gst_caps_new_any ();
  GST_OBJECT_UNLOCK (self);

  if (filter) {
    GstCaps *result =
        gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = result;
  }
  return caps;
}

/* With sender timestamps (or auto), the port's elements share a time
 * base. */
static void
gst_serial_src_join_time_base (GstSerialSrc *self)
{
  if (self->common.port != NULL &&
      self->common.run.framing == GST_SERIAL_FRAMING_NATIVE &&
      self->timestamps != GST_SERIAL_SRC_TIMESTAMPS_ARRIVAL)
    gst_serial_port_join_time_base (self->common.port);
}

static gboolean
gst_serial_src_start (GstBaseSrc *bsrc)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);
  sf_mode mode;
  gsize buf_size;

  if (!gst_serial_common_start (&self->common, GST_ELEMENT (self)))
    return FALSE;

  GST_OBJECT_LOCK (self);
  memset (&self->dec_stats, 0, sizeof (self->dec_stats));
  self->frames_received = self->payload_bytes = 0;
  self->lost_frames = self->caps_rejected = 0;
  self->frames_without_caps = self->raw_bytes = 0;
  self->other_streams = self->not_taken = 0;
  gst_serial_assembler_init (&self->assembler, self->max_frame_size);
  gst_serial_reorder_init (&self->reorder, self->max_frame_size);
  gst_serial_rate_meter_reset (&self->meter);
  gst_clear_caps (&self->wire_caps);
  mode = gst_serial_framing_to_mode (self->common.run.framing);
  buf_size = sf_decode_buffer_size (mode, self->max_frame_size);
  self->feedback_on = self->feedback && mode == SF_MODE_NATIVE;
  gst_serial_feedback_tx_init (&self->fb, mode,
      gst_serial_wire_options (self->common.run.config.flow_control));
  self->fb.stream = self->channel;
  GST_OBJECT_UNLOCK (self);

  self->read_pos = self->read_len = 0;
  self->discont = FALSE;
  self->eos_seen = FALSE;
  self->repairing = self->eos_pending = self->was_waiting = FALSE;
  self->settled = FALSE;
  self->last_packet = GST_CLOCK_TIME_NONE;
  self->shift = 0;
  gst_serial_src_join_time_base (self);

  sf_seq_tracker_init (&self->seq);
  if (mode != SF_MODE_RAW) {
    unsigned options =
        gst_serial_wire_options (self->common.run.config.flow_control);

    self->dec_buf = g_malloc (buf_size);
    sf_decoder_init (&self->dec, mode, options, self->dec_buf, buf_size);
    sf_decoder_set_stream (&self->dec, self->channel);
  }
  gst_serial_common_start_stats (&self->common, GST_ELEMENT (self),
      gst_serial_src_link_stats);
  return TRUE;
}

static gboolean
gst_serial_src_stop (GstBaseSrc *bsrc)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);

  gst_serial_common_stop_stats (&self->common);
  gst_serial_common_stop (&self->common, GST_ELEMENT (self));
  g_clear_pointer (&self->dec_buf, g_free);
  g_clear_pointer (&self->read_buf, g_free);
  self->read_size = 0;
  GST_OBJECT_LOCK (self);
  gst_serial_assembler_clear (&self->assembler);
  gst_serial_reorder_clear (&self->reorder);
  gst_clear_caps (&self->wire_caps);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_serial_src_unlock (GstBaseSrc *bsrc)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);

  return gst_serial_common_set_flushing (&self->common, GST_ELEMENT (self),
      TRUE);
}

static gboolean
gst_serial_src_unlock_stop (GstBaseSrc *bsrc)
{
  GstSerialSrc *self = GST_SERIAL_SRC (bsrc);

  return gst_serial_common_set_flushing (&self->common, GST_ELEMENT (self),
      FALSE);
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

/* Makes sure the port is there. While it is away (reconnect), waits for it
 * to come back; returns FLUSHING on a pause, flush or stop, after which
 * GstBaseSrc asks again and the wait goes on. */
static GstFlowReturn
gst_serial_src_ensure_port (GstSerialSrc *self)
{
  GstFlowReturn ret;

  if (self->common.port != NULL)
    return GST_FLOW_OK;
  ret = gst_serial_common_reopen (&self->common, GST_ELEMENT (self), TRUE);
  if (ret != GST_FLOW_OK)
    return ret;

  /* Whatever was in flight is lost, and the new port's first byte starts a
   * packet (or fails its check). */
  if (self->common.run.framing != GST_SERIAL_FRAMING_RAW)
    sf_decoder_restart (&self->dec);
  self->read_pos = self->read_len = 0;
  self->discont = TRUE;
  gst_serial_src_join_time_base (self);
  return GST_FLOW_OK;
}

/* Reads what the port has, up to @size bytes, into @data. */
static GstFlowReturn
gst_serial_src_read (GstSerialSrc *self, guint8 *data, gsize size,
    gsize *n_read)
{
  GstSerialPortError err = { 0 };
  GstFlowReturn ret;

  for (;;) {
    ret = gst_serial_src_ensure_port (self);
    if (ret != GST_FLOW_OK)
      return ret;
    switch (
        gst_serial_port_read (self->common.port, data, size, n_read, &err)) {
      case GST_SERIAL_IO_OK:
        GST_LOG_OBJECT (self, "read %" G_GSIZE_FORMAT " bytes", *n_read);
        return GST_FLOW_OK;
      case GST_SERIAL_IO_FLUSHING:
        return GST_FLOW_FLUSHING;
      case GST_SERIAL_IO_ERROR:
      default:
        ret = gst_serial_common_io_failed (&self->common, GST_ELEMENT (self),
            &err);
        if (ret != GST_FLOW_OK)
          return ret;
        break;
    }
  }
}

/* As gst_serial_src_read(), but returns with nothing read (*@n_read 0)
 * once the line has been quiet GST_SERIAL_REORDER_QUIET: a receiver waiting
 * for repairs asks again when nothing comes. */
static GstFlowReturn
gst_serial_src_read_or_quiet (GstSerialSrc *self, guint8 *data, gsize size,
    gsize *n_read)
{
  GstSerialPortError err = { 0 };
  GstSerialIoResult res;
  GstFlowReturn ret;

  *n_read = 0;
  ret = gst_serial_src_ensure_port (self);
  if (ret != GST_FLOW_OK)
    return ret;
  res = gst_serial_port_wait_read (self->common.port, GST_SERIAL_REORDER_QUIET,
      &err);
  if (res == GST_SERIAL_IO_OK)
    res =
        gst_serial_port_try_read (self->common.port, data, size, n_read, &err);
  switch (res) {
    case GST_SERIAL_IO_OK:
      return GST_FLOW_OK;
    case GST_SERIAL_IO_FLUSHING:
      return GST_FLOW_FLUSHING;
    default:
      return gst_serial_common_io_failed (&self->common, GST_ELEMENT (self),
          &err);
  }
}

/* How many bytes to read at most: blocksize, but at least one, since a
 * read of 0 bytes would be taken for a hang-up. */
static guint
gst_serial_src_read_size (GstSerialSrc *self)
{
  return MAX (gst_base_src_get_blocksize (GST_BASE_SRC (self)), 1);
}

/* Raw framing: what has arrived, up to blocksize bytes, in a buffer from
 * GstBaseSrc's pool. */
static GstFlowReturn
gst_serial_src_create_raw (GstSerialSrc *self, GstBuffer **out)
{
  GstBaseSrc *bsrc = GST_BASE_SRC (self);
  GstBuffer *buffer = NULL;
  GstFlowReturn ret;
  GstMapInfo map;
  gsize n_read = 0;

  ret = GST_BASE_SRC_GET_CLASS (bsrc)->alloc (bsrc, -1,
      gst_serial_src_read_size (self), &buffer);
  if (ret != GST_FLOW_OK)
    return ret;

  if (!gst_buffer_map (buffer, &map, GST_MAP_WRITE))
    goto map_failed;
  ret = gst_serial_src_read (self, map.data, map.size, &n_read);
  gst_buffer_unmap (buffer, &map);
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buffer);
    return ret;
  }

  gst_buffer_resize (buffer, 0, n_read);
  if (self->discont) {
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
    self->discont = FALSE;
  }
  *out = buffer;
  GST_OBJECT_LOCK (self);
  self->frames_received++;
  self->payload_bytes += n_read;
  self->raw_bytes += n_read;
  gst_serial_rate_meter_add (&self->meter, n_read, n_read);
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;

map_failed:
  gst_buffer_unref (buffer);
  GST_ELEMENT_ERROR (self, RESOURCE, READ,
      ("Could not map a buffer to read into."), ("gst_buffer_map failed"));
  return GST_FLOW_ERROR;
}

/* The caps string of a caps packet, plain or compact (docs/protocol.md,
 * section 9), or NULL when its compact form does not expand. */
static gchar *
gst_serial_src_caps_string (const sf_packet *pkt)
{
  gchar *str;
  gsize len = 0;

  if (!pkt->header.caps_compact)
    return g_strndup ((const gchar *) pkt->payload, pkt->payload_len);
  str = g_malloc (SF_CAPS_MAX + 1);
  if (sf_caps_expand (pkt->payload, pkt->payload_len, str, SF_CAPS_MAX, &len) !=
      SF_OK) {
    g_free (str);
    return NULL;
  }
  str[len] = '\0';
  return str;
}

/* Takes caps from a caps packet. Bytes from the wire are untrusted: the
 * codec bounds their length; here they must parse into fixed caps that the
 * caps property, when set, allows. */
static GstFlowReturn
gst_serial_src_take_wire_caps (GstSerialSrc *self, const sf_packet *pkt)
{
  gchar *str = gst_serial_src_caps_string (pkt);
  GstCaps *caps = str ? gst_caps_from_string (str) : NULL;
  gboolean allowed, same;

  GST_OBJECT_LOCK (self);
  allowed = caps != NULL && gst_caps_is_fixed (caps) &&
      (self->caps == NULL || gst_caps_can_intersect (caps, self->caps));
  same =
      allowed && self->wire_caps && gst_caps_is_equal (caps, self->wire_caps);
  if (!allowed)
    self->caps_rejected++;
  else if (!same)
    gst_caps_replace (&self->wire_caps, caps);
  GST_OBJECT_UNLOCK (self);

  if (!allowed)
    GST_WARNING_OBJECT (self, "rejected caps from the wire: %s",
        GST_STR_NULL (str));
  g_free (str);
  if (!allowed || same) {
    gst_clear_caps (&caps);
    return GST_FLOW_OK;
  }

  GST_INFO_OBJECT (self, "caps from the wire: %" GST_PTR_FORMAT, caps);
  allowed = gst_base_src_set_caps (GST_BASE_SRC (self), caps);
  gst_caps_unref (caps);
  if (allowed)
    return GST_FLOW_OK;

  /* Not set: they must be taken again from the next caps packet. A flush
   * or a stop that came as they were set is no negotiation failure. */
  GST_OBJECT_LOCK (self);
  gst_clear_caps (&self->wire_caps);
  GST_OBJECT_UNLOCK (self);
  if (GST_PAD_IS_FLUSHING (GST_BASE_SRC_PAD (self)))
    return GST_FLOW_FLUSHING;
  return GST_FLOW_NOT_NEGOTIATED;
}

/* Monotonic time, the feedback's clock. */
static GstClockTime
gst_serial_src_now (void)
{
  return g_get_monotonic_time () * GST_USECOND;
}

/* Takes a piece of a frame, data or parity: the frame when it was the last
 * one needed. A piece of another frame gives up the one in progress. */
static GstBuffer *
gst_serial_src_take_fragment (GstSerialSrc *self, const sf_packet *pkt,
    gboolean *gave_up)
{
  guint64 before;
  GstBuffer *frame;

  GST_OBJECT_LOCK (self);
  before = self->assembler.incomplete;
  frame = gst_serial_assembler_add (&self->assembler, &pkt->header,
      pkt->payload, pkt->payload_len);
  *gave_up = self->assembler.incomplete != before;
  if (*gave_up && self->feedback_on)
    gst_serial_feedback_tx_lost (&self->fb, pkt->header.seq - 1,
        gst_serial_src_now ());
  GST_OBJECT_UNLOCK (self);
  return frame;
}

/* Counts the frames lost before @hdr: missing from the sequence, or given
 * up with a fragment missing; the next buffer is then DISCONT, and the
 * sender of a stream with delta frames is asked for a key frame. */
static void
gst_serial_src_count_lost (GstSerialSrc *self, const sf_header *hdr)
{
  guint32 lost = sf_seq_tracker_update (&self->seq, hdr);
  gboolean gave_up = FALSE;

  GST_OBJECT_LOCK (self);
  /* A whole frame, caps or an EOS ends the frame in progress. */
  if (hdr->type == SF_TYPE_DATA || hdr->type == SF_TYPE_CAPS ||
      hdr->type == SF_TYPE_EOS)
    gave_up = gst_serial_assembler_give_up (&self->assembler);
  self->lost_frames += lost;
  if (self->feedback_on && (lost > 0 || gave_up))
    gst_serial_feedback_tx_lost (&self->fb, hdr->seq - MAX (lost, 1),
        gst_serial_src_now ());
  GST_OBJECT_UNLOCK (self);
  if (lost > 0)
    GST_INFO_OBJECT (self, "%u frames lost before seq %u", lost, hdr->seq);
  if (gave_up)
    GST_INFO_OBJECT (self, "a frame before seq %u lost a fragment", hdr->seq);
  if (lost > 0 || gave_up)
    self->discont = TRUE;
}

/* Several streams may share a link (docs/protocol.md, section 10); this
 * element outputs its channel's and counts the others. */
static gboolean
gst_serial_src_other_stream (GstSerialSrc *self, const sf_header *hdr)
{
  if (hdr->stream == self->channel)
    return FALSE;
  GST_OBJECT_LOCK (self);
  self->other_streams++;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* What the receiver tells the sender, now or once the report interval has
 * passed: a report, and whatever else is waiting. The transmit line takes
 * what it can without waiting. */
static void
gst_serial_src_report (GstSerialSrc *self, gboolean force)
{
  GstSerialPortError err = { 0 };
  const guint8 *data;
  gsize len, written = 0;

  if (!self->feedback_on)
    return;
  GST_OBJECT_LOCK (self);
  gst_serial_feedback_tx_report (&self->fb,
      self->repairing ? self->reorder.head : self->seq.expected,
      sf_decoder_get_stats (&self->dec), gst_serial_src_lost (self),
      self->assembler.repaired + self->reorder.repaired, gst_serial_src_now (),
      force);
  GST_OBJECT_UNLOCK (self);
  data = gst_serial_feedback_tx_pending (&self->fb, &len);
  if (len == 0 || self->common.port == NULL)
    return;
  /* A failing port shows in the next read, which reconnects. */
  if (gst_serial_port_try_write (self->common.port, data, len, &written,
          &err) != GST_SERIAL_IO_OK)
    gst_serial_port_error_clear (&err);
  GST_OBJECT_LOCK (self);
  gst_serial_feedback_tx_written (&self->fb, written);
  GST_OBJECT_UNLOCK (self);
}

/* A delta frame after a lost one waits for the key frame the sender was
 * asked for: it would decode into a broken picture. */
static gboolean
gst_serial_src_may_deliver (GstSerialSrc *self, const sf_header *hdr)
{
  gboolean deliver;

  if (!self->feedback_on)
    return TRUE;
  GST_OBJECT_LOCK (self);
  deliver = gst_serial_feedback_tx_frame (&self->fb,
      (hdr->flags & SF_FLAG_DELTA_UNIT) != 0, hdr->seq, gst_serial_src_now ());
  GST_OBJECT_UNLOCK (self);
  return deliver;
}

/* Whether the sender's timestamps, on the port's common time base, stamp
 * the buffers. */
static gboolean
gst_serial_src_sender_times (GstSerialSrc *self)
{
  GstSerialSrcTimestamps mode;

  GST_OBJECT_LOCK (self);
  mode = self->timestamps;
  GST_OBJECT_UNLOCK (self);
  if (mode == GST_SERIAL_SRC_TIMESTAMPS_AUTO)
    return self->common.port != NULL &&
        gst_serial_port_get_time_base_users (self->common.port) > 1;
  return mode == GST_SERIAL_SRC_TIMESTAMPS_SENDER && self->common.port != NULL;
}

/* Timestamps @frame: at its arrival, or at the sender's time plus the
 * port's common offset, the longest transit any frame of its channels
 * took (a frame without the sender's time keeps the last frame's
 * distance from its arrival). Frames of different channels sent at the
 * same time are then due at the same time, after the slowest arrived:
 * a large video frame takes long on a slow line, the sound sent beside
 * it hardly any time. */
static void
gst_serial_src_timestamp (GstSerialSrc *self, const sf_header *hdr,
    GstBuffer *frame)
{
  GstClockTime arrival = gst_serial_common_running_time (GST_ELEMENT (self));
  GstClockTime sent = gst_serial_wire_time_to_clock (hdr->dts);
  GstClockTime base, shift = self->shift;
  gint64 transit;

  gst_serial_wire_header_to_buffer (hdr, frame, arrival);
  if (!GST_CLOCK_TIME_IS_VALID (arrival) || !gst_serial_src_sender_times (self))
    return;
  if (!GST_CLOCK_TIME_IS_VALID (sent))
    sent = gst_serial_wire_time_to_clock (hdr->pts);
  if (GST_CLOCK_TIME_IS_VALID (sent)) {
    base = gst_element_get_base_time (GST_ELEMENT (self));
    transit = (gint64) (arrival + base) - (gint64) sent;
    shift = gst_serial_port_time_offset (self->common.port, transit) - transit;
  }
  GST_BUFFER_DTS (frame) += shift;
  GST_BUFFER_PTS (frame) += shift;
  GST_OBJECT_LOCK (self);
  self->shift = shift;
  GST_OBJECT_UNLOCK (self);
}

/* A frame is complete: it goes out with its fields, unless there are no
 * caps yet or it is a delta frame whose reference was lost. Takes
 * @frame. */
static GstBuffer *
gst_serial_src_finish_frame (GstSerialSrc *self, const sf_header *hdr,
    GstBuffer *frame)
{
  if (!gst_pad_has_current_caps (GST_BASE_SRC_PAD (self))) {
    GST_OBJECT_LOCK (self);
    self->frames_without_caps++;
    if (self->feedback_on)
      gst_serial_feedback_tx_no_caps (&self->fb, hdr->seq,
          gst_serial_src_now ());
    GST_OBJECT_UNLOCK (self);
    self->discont = TRUE;
    gst_buffer_unref (frame);
    return NULL;
  }
  if (!gst_serial_src_may_deliver (self, hdr)) {
    self->discont = TRUE;
    gst_buffer_unref (frame);
    return NULL;
  }
  gst_serial_src_timestamp (self, hdr, frame);
  return frame;
}

/* The sender repairs (its SKIP says so): from now on frames are held in
 * order behind one that lacks pieces, and what is missing is asked for.
 * The frame in progress, if any, is the first one held. */
static void
gst_serial_src_start_repairs (GstSerialSrc *self, guint16 skip_seq)
{
  guint16 head = self->seq.valid ? self->seq.expected : skip_seq;

  GST_OBJECT_LOCK (self);
  if (self->assembler.active) {
    head = self->assembler.hdr.seq;
    gst_serial_assembler_clear (&self->assembler);
  }
  gst_serial_reorder_start (&self->reorder, head);
  GST_OBJECT_UNLOCK (self);
  self->repairing = TRUE;
  self->settled = FALSE;
  GST_INFO_OBJECT (self, "the sender repairs; holding frames from %u", head);
}

/* A SKIP: the sender does not repair frames before @seq (and does repair
 * those after). */
static void
gst_serial_src_skip (GstSerialSrc *self, guint16 seq)
{
  if (!self->feedback_on) {
    GST_OBJECT_LOCK (self);
    self->not_taken++;
    GST_OBJECT_UNLOCK (self);
    return;
  }
  if (!self->repairing)
    gst_serial_src_start_repairs (self, seq);
  GST_OBJECT_LOCK (self);
  gst_serial_reorder_answered (&self->reorder);
  gst_serial_reorder_skip (&self->reorder, seq);
  GST_OBJECT_UNLOCK (self);
}

/* The stream ends at frame @seq: frames held go, those missing are given
 * up, and the next stream starts without repairs until its sender says. */
static void
gst_serial_src_end_repairs (GstSerialSrc *self, guint16 seq)
{
  if (!self->repairing)
    return;
  GST_OBJECT_LOCK (self);
  gst_serial_reorder_skip (&self->reorder, seq);
  self->reorder.active = FALSE;
  GST_OBJECT_UNLOCK (self);
  self->repairing = FALSE;
}

/* A frame packet while the sender repairs: into the reorder window. */
static void
gst_serial_src_hold (GstSerialSrc *self, const sf_packet *pkt)
{
  GST_OBJECT_LOCK (self);
  gst_serial_reorder_add (&self->reorder, &pkt->header, pkt->payload,
      pkt->payload_len, gst_serial_src_now ());
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_serial_src_ask (guint16 seq, const sf_nack *nack, gpointer user_data)
{
  GstSerialSrc *self = user_data;

  return gst_serial_feedback_tx_nack (&self->fb, seq, nack);
}

/* The sender does not answer (its transmit line is wired to us, but our
 * transmit line not to it, or it went): the frames held go out, those
 * missing are lost, and frames are no longer held until it says again
 * that it repairs. */
static gboolean
gst_serial_src_deaf_sender (GstSerialSrc *self)
{
  GST_OBJECT_LOCK (self);
  if (!gst_serial_reorder_deaf (&self->reorder, gst_serial_src_now ())) {
    GST_OBJECT_UNLOCK (self);
    return FALSE;
  }
  gst_serial_reorder_give_up (&self->reorder, self->reorder.top);
  self->reorder.active = FALSE;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self,
      "the sender does not answer; frames are no longer "
      "held for repair");
  self->repairing = FALSE;
  self->settled = TRUE;
  return TRUE;
}

/* Whether @hdr is a piece of a frame the reorder window delivered or
 * counted lost before it stopped (those before its top, which no longer
 * moves): the rest of a frame given up must not be counted, or delivered,
 * once more. */
static gboolean
gst_serial_src_settled (GstSerialSrc *self, const sf_header *hdr)
{
  guint16 d = self->reorder.top - hdr->seq;

  if (!self->settled || d == 0 || d >= GST_SERIAL_REORDER_WINDOW ||
      (hdr->type != SF_TYPE_DATA && hdr->type != SF_TYPE_FRAGMENT &&
          hdr->type != SF_TYPE_PARITY))
    return FALSE;
  GST_OBJECT_LOCK (self);
  self->reorder.duplicates++;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* Asks for what is missing (@quiet: the line went quiet, the newest frame
 * too), and tells the sender at once when nothing is missing any more, so
 * that a sender waiting to end its stream hears it, and when the line went
 * quiet after packets, so that a sender waiting for room on its way
 * learns where they got to. */
static void
gst_serial_src_ask_repairs (GstSerialSrc *self, gboolean quiet)
{
  gboolean waiting;

  if (!self->repairing || gst_serial_src_deaf_sender (self))
    return;
  GST_OBJECT_LOCK (self);
  gst_serial_reorder_ask (&self->reorder, gst_serial_src_now (), quiet,
      gst_serial_src_ask, self);
  waiting = gst_serial_reorder_waiting (&self->reorder);
  GST_OBJECT_UNLOCK (self);
  gst_serial_src_report (self,
      (self->was_waiting && !waiting) || (quiet && self->fb.unreported));
  self->was_waiting = waiting;
}

/* The next frame the reorder window lets go, into *@out. */
static gboolean
gst_serial_src_pop (GstSerialSrc *self, GstBuffer **out)
{
  gboolean gave_up;
  GstBuffer *frame;
  sf_header hdr;

  for (;;) {
    GST_OBJECT_LOCK (self);
    frame = gst_serial_reorder_pop (&self->reorder, &hdr, &gave_up);
    if (frame && gave_up && self->feedback_on)
      gst_serial_feedback_tx_lost (&self->fb, hdr.seq - 1,
          gst_serial_src_now ());
    GST_OBJECT_UNLOCK (self);
    if (frame == NULL)
      return FALSE;
    if (gave_up) {
      GST_INFO_OBJECT (self, "frames before seq %u given up", hdr.seq);
      self->discont = TRUE;
    }
    *out = gst_serial_src_finish_frame (self, &hdr, frame);
    if (*out)
      return TRUE;
  }
}

/* Turns one native packet into a buffer in *@out, or acts on it. */
static GstFlowReturn
gst_serial_src_handle_native (GstSerialSrc *self, const sf_packet *pkt,
    GstBuffer **out)
{
  const sf_header *hdr = &pkt->header;
  GstBuffer *frame = NULL;
  gboolean forward_eos, gave_up = FALSE;

  if (gst_serial_src_other_stream (self, hdr))
    return GST_FLOW_OK;
  if (hdr->type == SF_TYPE_SKIP) {
    gst_serial_src_skip (self, hdr->seq);
    return GST_FLOW_OK;
  }
  if (gst_serial_src_settled (self, hdr))
    return GST_FLOW_OK;
  /* While the sender repairs, the reorder window counts what is lost. */
  if (self->repairing)
    sf_seq_tracker_update (&self->seq, hdr);
  else
    gst_serial_src_count_lost (self, hdr);
  GST_OBJECT_LOCK (self);
  forward_eos = self->forward_eos;
  gst_serial_feedback_tx_packet (&self->fb, hdr, gst_serial_src_now ());
  GST_OBJECT_UNLOCK (self);

  switch (hdr->type) {
    case SF_TYPE_EOS:
      /* Senders repeat EOS; copies carry the same seq. */
      if (self->eos_seen && hdr->seq == self->eos_seq)
        return GST_FLOW_OK;
      GST_INFO_OBJECT (self, "EOS from the sender");
      self->eos_seen = TRUE;
      self->eos_seq = hdr->seq;
      self->settled = FALSE;
      gst_serial_src_end_repairs (self, hdr->seq);
      /* The sender may wait to hear that everything arrived. */
      gst_serial_src_report (self, TRUE);
      /* The frames held before it go first. */
      if (forward_eos && !g_queue_is_empty (&self->reorder.out)) {
        self->eos_pending = TRUE;
        return GST_FLOW_OK;
      }
      if (forward_eos)
        return GST_FLOW_EOS;
      /* The next stream starts afresh, perhaps from a restarted sender. */
      sf_seq_tracker_init (&self->seq);
      self->discont = TRUE;
      return GST_FLOW_OK;
    case SF_TYPE_CAPS:
      self->eos_seen = FALSE;
      return gst_serial_src_take_wire_caps (self, pkt);
    case SF_TYPE_DATA:
    case SF_TYPE_FRAGMENT:
    case SF_TYPE_PARITY:
      if (!self->repairing)
        break;
      self->eos_seen = FALSE;
      gst_serial_src_hold (self, pkt);
      return GST_FLOW_OK;
    default:
      break;
  }

  switch (hdr->type) {
    case SF_TYPE_DATA:
      self->eos_seen = FALSE;
      /* Its parity, which follows, is not needed. */
      GST_OBJECT_LOCK (self);
      gst_serial_assembler_whole (&self->assembler, hdr);
      GST_OBJECT_UNLOCK (self);
      break;
    case SF_TYPE_FRAGMENT:
    case SF_TYPE_PARITY:
      self->eos_seen = FALSE;
      frame = gst_serial_src_take_fragment (self, pkt, &gave_up);
      if (gave_up)
        self->discont = TRUE;
      if (frame == NULL)
        return GST_FLOW_OK;
      break;
    default:
      /* A receiver's control packet (a loop, or two receivers on one
       * line): not for this element. */
      GST_OBJECT_LOCK (self);
      self->not_taken++;
      GST_OBJECT_UNLOCK (self);
      return GST_FLOW_OK;
  }
  if (frame == NULL) {
    frame = gst_buffer_new_allocate (NULL, pkt->payload_len, NULL);
    gst_buffer_fill (frame, 0, pkt->payload, pkt->payload_len);
  }
  *out = gst_serial_src_finish_frame (self, hdr, frame);
  return GST_FLOW_OK;
}

/* A buffer goes out: marked DISCONT after a loss, and counted. */
static void
gst_serial_src_count_out (GstSerialSrc *self, GstBuffer *out)
{
  if (self->discont) {
    GST_BUFFER_FLAG_SET (out, GST_BUFFER_FLAG_DISCONT);
    self->discont = FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->frames_received++;
  self->payload_bytes += gst_buffer_get_size (out);
  gst_serial_rate_meter_add (&self->meter, gst_buffer_get_size (out), 0);
  GST_OBJECT_UNLOCK (self);
}

static GstFlowReturn
gst_serial_src_handle_packet (GstSerialSrc *self, const sf_packet *pkt,
    GstBuffer **out)
{
  GstFlowReturn ret = GST_FLOW_OK;

  if (self->common.run.framing == GST_SERIAL_FRAMING_NATIVE) {
    ret = gst_serial_src_handle_native (self, pkt, out);
  } else {
    *out = gst_buffer_new_allocate (NULL, pkt->payload_len, NULL);
    gst_buffer_fill (*out, 0, pkt->payload, pkt->payload_len);
  }

  if (*out == NULL)
    return ret;
  gst_serial_src_count_out (self, *out);
  return ret;
}

/* Makes sure there are bytes to feed the decoder, reading up to blocksize
 * more from the port when all earlier ones were used. */
static GstFlowReturn
gst_serial_src_fill_read_buf (GstSerialSrc *self)
{
  guint blocksize = gst_serial_src_read_size (self);

  if (self->read_pos < self->read_len)
    return GST_FLOW_OK;

  if (self->read_size != blocksize) {
    g_free (self->read_buf);
    self->read_buf = g_malloc (blocksize);
    self->read_size = blocksize;
  }
  self->read_pos = self->read_len = 0;
  if (self->repairing)
    return gst_serial_src_read_or_quiet (self, self->read_buf, self->read_size,
        &self->read_len);
  return gst_serial_src_read (self, self->read_buf, self->read_size,
      &self->read_len);
}

static GstFlowReturn
gst_serial_src_create (GstPushSrc *psrc, GstBuffer **buffer)
{
  GstSerialSrc *self = GST_SERIAL_SRC (psrc);
  GstFlowReturn ret;
  gsize consumed;
  sf_result r;

  if (self->common.run.framing == GST_SERIAL_FRAMING_RAW)
    return gst_serial_src_create_raw (self, buffer);

  *buffer = NULL;
  for (;;) {
    /* Frames the reorder window let go, then an EOS that waited for them. */
    if (gst_serial_src_pop (self, buffer)) {
      gst_serial_src_count_out (self, *buffer);
      return GST_FLOW_OK;
    }
    if (self->eos_pending) {
      self->eos_pending = FALSE;
      return GST_FLOW_EOS;
    }
    ret = gst_serial_src_fill_read_buf (self);
    if (ret != GST_FLOW_OK)
      return ret;
    if (self->read_len == 0) {
      gst_serial_src_ask_repairs (self, TRUE);
      continue;
    }

    r = sf_decoder_feed (&self->dec, self->read_buf + self->read_pos,
        self->read_len - self->read_pos, &consumed);
    self->read_pos += consumed;
    GST_OBJECT_LOCK (self);
    self->dec_stats = *sf_decoder_get_stats (&self->dec);
    gst_serial_rate_meter_add (&self->meter, 0, consumed);
    GST_OBJECT_UNLOCK (self);

    if (r < 0)
      goto decode_failed;
    if (r != SF_DEC_PACKET) {
      gst_serial_src_report (self, FALSE);
      continue;
    }
    ret = gst_serial_src_handle_packet (self, sf_decoder_packet (&self->dec),
        buffer);
    if (self->repairing)
      gst_serial_src_ask_repairs (self, FALSE);
    else
      gst_serial_src_report (self, FALSE);
    if (ret != GST_FLOW_OK || *buffer != NULL)
      return ret;
  }

decode_failed:
  GST_ELEMENT_ERROR (self, STREAM, DECODE, ("Could not decode the data."),
      ("serialframe: %s", sf_result_name (r)));
  return GST_FLOW_ERROR;
}
