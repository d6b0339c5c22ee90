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
 * Writes buffers to a serial port: a UART, a USB-serial adapter, a USB CDC
 * port, a telemetry radio or a pseudo-terminal. It configures the port (baud
 * rate, character format, flow control, modem lines), takes it exclusively,
 * writes every buffer completely and in order, and can always be stopped at
 * once, even when the line is held off.
 *
 * With the default #GstSerialSink:framing, native, each buffer travels as
 * one packet with its timestamps, flags and a CRC-32C (version 2 of the
 * protocol, docs/protocol.md): a steady stream's packet has a 4-byte header
 * and 9 bytes of overhead in all. The caps travel in-band, in a compact
 * form (jpegenc's 390-byte caps take 25 bytes on the wire): before the
 * first buffer, on every change and again every
 * #GstSerialSink:caps-interval of link time, so that a serialsrc started at
 * any moment knows what it receives; on slow lines less often, so that they
 * never take more than #GstSerialSink:caps-budget of the line (at 9600
 * baud 7 to 8 s apart with 2 KiB frames). In a stream with delta frames (H.264) they also go
 * right before a key frame when the budget allows, so that a late receiver
 * starts decoding there (unless caps-interval is 0, which asks for no
 * repetition). With #GstSerialSink:fragment-size, larger frames go as
 * fragments of that size, each with its own check, so that the receiver
 * knows which piece of which frame it lost; a frame missing a piece is
 * dropped by serialsrc, never delivered damaged. With
 * #GstSerialSink:fec-percentage, each frame is followed by parity
 * fragments from which serialsrc rebuilds lost pieces without asking: a
 * one-way line that damages 2 % of its 250-byte packets keeps its frames
 * with fec-percentage=15 (docs/link-guide.md). #GstSerialSink:sender-time
 * adds the wall-clock time of each frame for latency measurements. On EOS
 * an EOS packet is sent. The framings raw, cobs and slip speak to existing
 * firmware instead.
 *
 * On EOS it waits until the driver has sent out everything, so that a file
 * transfer is complete when the pipeline stops.
 *
 * ## Slow lines
 *
 * A serial line is slow (115200 baud carries 11.5 KB/s) and drivers, USB
 * adapters and radios buffer kilobytes, so a write returning says little
 * about the line. With #GstSerialSink:pacing the sink models the line: it
 * hands the driver data at the line rate, keeping at most about 20 ms ahead
 * of what the line can have carried, so it knows when the line becomes free.
 * The rate is baud-rate divided by the bits of a character (start, data,
 * parity, stop), or #GstSerialSink:link-rate where the real bottleneck is
 * slower (a telemetry radio's air rate). With pacing=auto, the default,
 * ports whose baud rate is fiction (pseudo-terminals, USB CDC ACM) are not
 * paced unless link-rate is set: their writes block when the other side
 * stops reading instead.
 *
 * When frames come faster than the line carries them,
 * #GstSerialSink:drop-policy decides. With auto, the default, and a live
 * upstream (a camera), a frame is dropped, whole, when a newer frame was due
 * before the line became free: the picture stays fresh instead of queueing
 * seconds of video. Meanwhile the sink keeps taking frames (it sends from a
 * thread of its own), so upstream is never held back by a busy line and
 * the newest frame goes the moment the line is free. Each drop is counted,
 * posted as a QoS message, and sent upstream as a QoS event, so that an
 * encoder with qos=true (jpegenc, x264enc: any GstVideoEncoder) skips the
 * frames that would be dropped anyway. In a stream with delta frames
 * (H.264), the frames that need a dropped one are dropped too, up to the
 * next key frame, since they would decode into garbage, and upstream is
 * asked for that key frame at once (a force-key-unit event, which x264enc
 * honours). A line too slow for the encoder's bitrate then shows little
 * but key frames: give H.264 a bitrate the line carries
 * (docs/link-guide.md). A non-live upstream (filesrc, a file transfer) is
 * never dropped from: it is paced. Nor is a stream of data, whose caps
 * are neither video/, image/ nor audio/ (telemetry, commands, a byte
 * stream: application/x-mavlink, say): every buffer of it counts, a newer
 * one does not replace it. drop-policy=never sends everything;
 * drop-policy=stale drops stale frames from any upstream.
 *
 * Hardware and software flow control (#GstSerialSink:flow-control) is
 * honoured: a receiver holding the line off loses nothing, and the pipeline
 * can still be stopped at once.
 *
 * The #GstSerialSink:link-stats property says what was sent and how the
 * line is used; #GstSerialSink:stats-interval posts it as an element
 * message on the bus periodically:
 *
 * * `frames-sent` (guint64): buffers sent
 * * `payload-bytes` (guint64): bytes of those buffers
 * * `wire-bytes` (guint64): bytes written to the port, framing included
 * * `caps-sent` (guint64): caps packets sent (native framing)
 * * `caps-bytes` (guint64): bytes those caps packets took on the wire
 * * `caps-period` (gdouble): the most seconds of link time between two
 *   repetitions of the caps, as caps-interval and caps-budget set it for
 *   these caps and frames the size of the last (a receiver that joins has
 *   the caps after at most that); 0 when they are not repeated
 * * `parity-sent` (guint64): parity fragments sent
 *   (#GstSerialSink:fec-percentage)
 * * `parity-bytes` (guint64): bytes they took on the wire (of wire-bytes)
 * * `key-requests`, `caps-requests` (guint64): requests received from
 *   serialsrc over the reverse direction (its feedback property): a key
 *   frame asked for goes upstream as a force-key-unit event, at most every
 *   200 ms; caps asked for go before the next frame
 * * `receiver-reports` (guint64): receiver reports received; the four
 *   fields after it are the last report's, 0 before one came:
 *   `receiver-packets`, `receiver-damaged` (packets it dropped damaged),
 *   `receiver-lost` (frames it lost), `receiver-repaired` (frames it rebuilt
 *   from parity)
 * * `line-waits` (guint64): writes that waited while another element
 *   sharing the port wrote (see Channels)
 * * `other-streams` (guint64): control packets from the receiver of
 *   another channel on the same line, ignored
 * * `round-trip-time` (gdouble): seconds from a frame leaving the line to
 *   the report that names it, less the time the receiver held the report;
 *   -1 before the first report
 * * `repair-requests` (guint64): requests for missing pieces received
 *   (retransmission, below)
 * * `repairs-served` (guint64): of those, answered with pieces
 * * `resent-pieces`, `resent-bytes` (guint64): pieces sent again and the
 *   bytes they took (of wire-bytes)
 * * `repair-timeouts` (guint64): times the receiver said nothing for a few
 *   round trips while frames were unacknowledged: the last piece of the
 *   oldest went again unasked, for it to say what it lacks
 * * `skips-sent` (guint64): SKIP packets sent: frames not repaired (no
 *   longer held, too late, given up), and the announcements that this
 *   sender repairs
 * * `too-late` (guint64): requests of a live stream not served because a
 *   newer frame went, was going, about to go or waiting
 * * `given-up` (guint64): frames given up after 16 repairs
 * * `piece-size` (guint): the piece frames are cut in now, 0 when they go
 *   whole
 * * `frames-dropped` (guint64): frames dropped by the drop policy
 * * `line-rate` (gdouble): bytes per second the sink paces at, 0 when not
 *   pacing
 * * `payload-rate`, `wire-rate` (gdouble): bytes per second measured over
 *   the last second or so
 * * `utilisation` (gdouble): wire-rate / line-rate, 0 when not pacing
 * * `bytes-in-flight` (guint64): bytes handed to the driver that the line
 *   has not carried yet, as the pacing model counts them
 *
 * ## Retransmission
 *
 * With the native framing the sink repairs frames for a serialsrc that
 * asks (its feedback property, on by default): it announces itself with
 * two small SKIP packets before the first frame (and one a second, less
 * often on slow lines, until the receiver is heard and while it is), holds the frames it sent (up
 * to 256, 32 MiB), and between frames, and every 50 ms while idle, answers
 * the receiver's requests with the pieces it lacks (docs/protocol.md,
 * section 8.3). Unless #GstSerialSink:fragment-size or
 * #GstSerialSink:fec-percentage is set, it cuts frames in the pieces that
 * waste least on the damage the receiver reports, and sends them whole on a
 * clean line (at the start, frames over 4 KiB in pieces of 256 bytes until
 * the reports tell the damage; on a clean line only the first; a live
 * stream's pieces take at most 100 ms of the line). A live stream never
 * waits for a repair: it is repaired only while the line is idle after the
 * frame asked for, and a request that comes when a newer frame went, goes
 * (read between its pieces) or is to go, or whose pieces would still be on
 * the line when the next frame is due (from the frames' duration or
 * spacing), is given up (too-late). A stream that must lose
 * nothing (a file) keeps at most about 0.5 s of the line's bytes
 * unacknowledged, waits before pushing out a frame the receiver may still
 * ask for, and ends (EOS) once the receiver has every frame; a frame that
 * 16 repairs did not get through is given up with a warning. A receiver
 * that is not heard changes nothing but the announcements, and, for a
 * stream that must lose nothing, keeping to the line's nominal rate for
 * the first second.
 *
 * When the port goes away (a USB adapter unplugged, the other end of a
 * pseudo-terminal closed) the element posts an error, unless
 * #GstSerialSink:reconnect is set: then it posts a warning and a
 * `serial-port-lost` element message (field `port`), reopens the same path
 * with backoff, and posts `serial-port-restored` when the port is back. The
 * frame being written when the port went is lost; the next packet starts
 * with a delimiter and the caps. While the port is away the sink waits for
 * it, unless the drop policy may drop (a live upstream with drop-policy
 * auto, or stale): then frames are dropped and counted as such until it is
 * back, so that the first frame sent is a fresh one. An EOS waits for the
 * port and goes out once it is back. Pausing, flushing, sending EOS and
 * stopping work at any moment, also while the port is away and while the
 * EOS is being sent.
 *
 * ## Channels
 *
 * With the native framing every packet names #GstSerialSink:channel (0 by
 * default), and a serialsrc receives only its own #GstSerialSrc:channel,
 * counting the packets of others in `other-streams`: several streams can
 * share one line, each with its own numbers, caps, EOS and repairs (the
 * receiver's control packets name the channel too). Elements of one
 * process share a port: several serialsinks, each with its channel, send
 * on one line, one packet at a time, and a serialsink and a serialsrc on
 * one port carry a stream each way of a duplex line. They must set the same
 * port settings (baud rate, character format, flow control, modem lines);
 * an element that asks for others fails to start with a SETTINGS error
 * naming the element that has the port. Another program still gets BUSY.
 * On a shared port a serialsink writes a frame piece by piece (a frame
 * longer than 100 ms of the line is cut in pieces of that much at most,
 * 70 ms while an element of a higher priority shares the port),
 * and the elements take turns between pieces: the waiting one of the
 * highest #GstSerialSink:priority first, then in the order they came. So a
 * small buffer of a higher priority (telemetry) waits at most one piece
 * behind a large frame of a lower one (video). `line-waits` in
 * #GstSerialSink:link-stats counts the writes that waited for another
 * element. The elements of a port model one line: pacing and the drop
 * policy of live video see every element's bytes (and serialsrc's control
 * packets), at the lowest rate any of them paces at, and a paced packet
 * keeps its turn on the line across its refills.
 *
 * Settings take effect when the element starts (READY to PAUSED): from then
 * until it stops, changing the port settings, #GstSerialSink:framing,
 * #GstSerialSink:reconnect, #GstSerialSink:pacing,
 * #GstSerialSink:link-rate or #GstSerialSink:channel is refused with a
 * warning.
 *
 * ## Messages
 *
 * * `serialsink-link-stats` (element message, every
 *   #GstSerialSink:stats-interval milliseconds when it is not 0): the
 *   fields of #GstSerialSink:link-stats above.
 * * `serial-port-lost`, `serial-port-restored` (element messages, with
 *   #GstSerialSink:reconnect; field `port`, the path): the port went away,
 *   and came back and was configured again.
 * * QoS (#GST_MESSAGE_QOS): one per frame the drop policy drops, with the
 *   frame's running time and the processed/dropped counts (and how late
 *   it was, 0 for a delta frame dropped because its reference was).
 * * Errors (#GST_RESOURCE_ERROR): NOT_FOUND (port not set, with the ports
 *   found; port missing or not a serial port), OPEN_READ_WRITE (no
 *   permission, with the dialout hint), BUSY (opened by another program),
 *   SETTINGS (a setting the port refused, named, or other settings than
 *   those of the element of this program that has the port), WRITE (the port
 *   vanished, or a write failed); #GST_STREAM_ERROR FORMAT for caps too
 *   large for the native framing.
 * * Warnings: SETTINGS for a setting a pseudo-terminal cannot take (data
 *   bits, parity) and for xon-xoff with a framing that cannot escape it;
 *   WRITE when the port goes away with #GstSerialSink:reconnect set.
 *
 * ## serial:// URIs
 *
 * The element handles `serial://` URIs, as serialsrc does, for
 * applications that make sinks from URIs (gst_element_make_from_uri(),
 * gst-launch-1.0): `serial:///dev/ttyUSB0?baud-rate=921600&pacing=on`. The
 * path is the port and any other property is a query parameter, its value
 * written as gst-launch-1.0 takes it; invalid parameters fail with a
 * #GST_URI_ERROR naming them and change nothing, and a URI can only be set
 * in the NULL or READY state. Its rank stays none, so that no autoplugger
 * ever picks it as an audio or video sink.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! jpegenc ! serialsink port=/dev/ttyUSB0 baud-rate=921600
 * ]| Sends a camera's frames as JPEG over a USB-serial adapter; a serialsrc
 * on the other end outputs them as image/jpeg without further help.
 * |[
 * gst-launch-1.0 -e filesrc location=firmware.bin ! serialsink framing=raw port=/dev/serial/by-id/usb-FTDI_FT232R-if00-port0 hangup-on-close=false
 * ]| Sends a file's bytes as they are and leaves DTR up when done, so an
 * Arduino is not reset.
 * |[
 * gst-launch-1.0 videotestsrc ! video/x-raw,width=160,height=120,framerate=1/2 ! jpegenc ! serialsink port=/dev/ttyUSB0 baud-rate=57600 link-rate=4800 fragment-size=250
 * ]| Sends small JPEG frames through a 57600-baud telemetry radio whose air
 * packets carry about 250 bytes: each fragment fits one.
 * |[
 * gst-launch-1.0 videotestsrc ! jpegenc ! 'serial:///dev/ttyUSB0?baud-rate=921600'
 * ]| serialsink made from its URI: gst-launch-1.0 turns a URI at the end of
 * a pipeline into the sink that handles it.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialsink.h"
#include "gstserialuri.h"

#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (serial_sink_debug);
#define GST_CAT_DEFAULT serial_sink_debug

#define DEFAULT_CAPS_INTERVAL 1000
/* Half a percent: jpegenc's 25-byte caps packet then goes once 5000 bytes
 * went since the last (5.2 s at 9600 baud, plus the frame that is not
 * cut), and the 1000 ms interval rules from 115200 baud up. */
#define DEFAULT_CAPS_BUDGET 0.5
/* Frames go whole: a fragment costs about 10 bytes more on the wire, which
 * a clean line need not pay; fec-percentage cuts frames by itself. */
#define DEFAULT_FRAGMENT_SIZE 0
/* No parity: it costs its percentage of the line whether or not the line
 * damages anything, and the receiver must be of this version or later. */
#define DEFAULT_FEC_PERCENTAGE 0
#define DEFAULT_CHANNEL 0
#define DEFAULT_PRIORITY 0
#define DEFAULT_SENDER_TIME FALSE
#define DEFAULT_PACING GST_SERIAL_SINK_PACING_AUTO
#define DEFAULT_LINK_RATE 0
#define DEFAULT_DROP_POLICY GST_SERIAL_SINK_DROP_AUTO

/* Key frames asked for by the receiver go upstream at most this often. */
#define KEY_REQUEST_INTERVAL (200 * GST_MSECOND)
/* Reads of the receive line before a frame, at most (of 512 bytes). */
#define FEEDBACK_READS 16

/* The least a repair waits for the receiver's word (a report's interval),
 * and how often a sender waiting for it looks. */
#define REPAIR_RTO_MIN (250 * GST_MSECOND)
#define REPAIR_POLL (20 * GST_MSECOND)
/* How often an idle sender reads what the receiver asks for. */
#define IDLE_INTERVAL (50 * GST_MSECOND)
/* How long a stream that must lose nothing keeps to the line's nominal
 * rate, at most, for the receiver to speak up: until it does, how fast the
 * line really goes is not known, and a pseudo-terminal or USB CDC ACM port
 * takes megabytes at once. */
#define REPAIR_GRACE (GST_SECOND)
/* A frame that waits for the first reports keeps this much of the line's
 * nominal rate on its way, so that the line does not go idle meanwhile
 * (the waits poll every REPAIR_POLL). */
#define LINE_AHEAD_TIME (100 * GST_MSECOND)
/* A live stream's pieces take at most this long on the line. */
#define LIVE_PIECE_TIME (100 * GST_MSECOND)
/* On a port shared with an element of a higher priority, pieces take at
 * most this long: its buffers wait behind one. bench-channels telemetry
 * (57600 baud, telemetry beside live video): p99 172 ms with 100 ms
 * pieces, 111-125 ms with 70 ms, 90 ms with 50 ms; the video keeps 94 %,
 * 92.6 % and 90.2 % of the rest of the line (each piece costs about 17
 * bytes). */
#define YIELD_PIECE_TIME (70 * GST_MSECOND)
#define LINE_AHEAD_MIN (8 * 1024)

/* The port went away while a frame was written: the frame is lost, the
 * next one starts afresh. */
#define FLOW_FRAME_LOST GST_FLOW_CUSTOM_SUCCESS

enum {
  PROP_CAPS_INTERVAL = GST_SERIAL_PROP_LAST,
  PROP_CAPS_BUDGET,
  PROP_FRAGMENT_SIZE,
  PROP_FEC_PERCENTAGE,
  PROP_CHANNEL,
  PROP_PRIORITY,
  PROP_SENDER_TIME,
  PROP_PACING,
  PROP_LINK_RATE,
  PROP_DROP_POLICY,
  PROP_LINK_STATS
};

#define GST_TYPE_SERIAL_SINK_PACING (gst_serial_sink_pacing_get_type ())
static GType
gst_serial_sink_pacing_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SERIAL_SINK_PACING_AUTO,
        "Pace at the line rate where the baud rate is real (UARTs, USB "
        "adapters), not on pseudo-terminals and USB CDC ACM ports, unless "
        "link-rate is set",
        "auto" },
    { GST_SERIAL_SINK_PACING_ON, "Always pace at the line rate", "on" },
    { GST_SERIAL_SINK_PACING_OFF,
        "Never pace; write as fast as the driver accepts", "off" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSerialSinkPacing", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_SERIAL_SINK_DROP_POLICY                                       \
  (gst_serial_sink_drop_policy_get_type ())
static GType
gst_serial_sink_drop_policy_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SERIAL_SINK_DROP_AUTO,
        "Drop stale frames when upstream is live and sends pictures or "
        "sound (video/, image/, audio/ caps), never otherwise",
        "auto" },
    { GST_SERIAL_SINK_DROP_NEVER, "Send every buffer (lossless)", "never" },
    { GST_SERIAL_SINK_DROP_STALE,
        "Drop frames captured while the line was busy with an earlier "
        "one, whenever a newer frame exists",
        "stale" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSerialSinkDropPolicy", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_serial_sink_parent_class parent_class
/* clang-format off */
G_DEFINE_TYPE_WITH_CODE (GstSerialSink, gst_serial_sink, GST_TYPE_BASE_SINK,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER, gst_serial_uri_handler_init);
    GST_DEBUG_CATEGORY_INIT (serial_sink_debug, "serialsink", 0,
        "serial port sink"));
/* clang-format on */
GST_ELEMENT_REGISTER_DEFINE (serialsink, "serialsink", GST_RANK_NONE,
    GST_TYPE_SERIAL_SINK);

static void gst_serial_sink_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec);
static void gst_serial_sink_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec);
static void gst_serial_sink_finalize (GObject *object);
static void gst_serial_sink_stop (GstSerialSink *self);

static GstStateChangeReturn gst_serial_sink_change_state (GstElement *element,
    GstStateChange transition);
static gboolean gst_serial_sink_unlock (GstBaseSink *bsink);
static gboolean gst_serial_sink_unlock_stop (GstBaseSink *bsink);
static gboolean gst_serial_sink_event (GstBaseSink *bsink, GstEvent *event);
static gboolean gst_serial_sink_set_caps (GstBaseSink *bsink, GstCaps *caps);
static GstFlowReturn gst_serial_sink_wait_event (GstBaseSink *bsink,
    GstEvent *event);
static GstFlowReturn gst_serial_sink_render (GstBaseSink *bsink,
    GstBuffer *buffer);
static guint gst_serial_sink_piece_size (GstSerialSink *self, gsize size);
static void gst_serial_sink_read_feedback (GstSerialSink *self);
static GstFlowReturn gst_serial_sink_skip_requests (GstSerialSink *self);
static void gst_serial_sink_idle (gpointer user_data);
static guint gst_serial_sink_count_pieces (GstSerialPacker *packer);
static GstClockTime gst_serial_sink_on_way_for (GstSerialSink *self);
static GstFlowReturn gst_serial_sink_end_stream (GstSerialSink *self,
    GstFlowReturn ret);
static void gst_serial_sink_hold (GstSerialSink *self, GstBuffer *buffer,
    guint16 seq);
static GstFlowReturn gst_serial_sink_send_frame (GstBuffer *buffer,
    gpointer user_data);

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

  g_object_class_install_property (gobject_class, PROP_CAPS_INTERVAL,
      g_param_spec_uint ("caps-interval", "Caps interval",
          "Repeat the caps on the wire after this many milliseconds of link "
          "time (bytes sent at link-rate, or at the baud rate when it is 0), "
          "so that a receiver started "
          "mid-stream learns them; 0 sends them only at start and on change "
          "(native framing)",
          0, G_MAXUINT, DEFAULT_CAPS_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_CAPS_BUDGET,
      g_param_spec_double ("caps-budget", "Caps budget",
          "Largest share of the line, in percent, that repeated caps may "
          "take: on slow lines they are repeated less often than "
          "caps-interval says; 0: no limit (native framing)",
          0.0, 100.0, DEFAULT_CAPS_BUDGET,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_FRAGMENT_SIZE,
      g_param_spec_uint ("fragment-size", "Fragment size",
          "Send frames larger than this many bytes as fragments of this "
          "size, each with its own check, so that damage costs a piece and "
          "the receiver knows which; about 250 suits telemetry radios; 0: "
          "frames go whole (native framing)",
          0, G_MAXUINT, DEFAULT_FRAGMENT_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_FEC_PERCENTAGE,
      g_param_spec_uint ("fec-percentage", "FEC percentage",
          "Parity added to each frame, in percent of its fragments (at "
          "least one parity fragment), from which the receiver rebuilds "
          "fragments lost or damaged on a one-way line; frames are cut in "
          "fragments of 240 bytes unless fragment-size is set; 0: none "
          "(native framing)",
          0, 100, DEFAULT_FEC_PERCENTAGE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_SENDER_TIME,
      g_param_spec_boolean ("sender-time", "Sender time",
          "Give each frame the wall-clock time it was captured "
          "(a timestamp/x-unix reference timestamp meta) or sent, 8 bytes a "
          "frame, so that a receiver with a synchronised clock can measure "
          "latency (native framing)",
          DEFAULT_SENDER_TIME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_PACING,
      g_param_spec_enum ("pacing", "Pacing",
          "Keep the data handed to the driver within about 20 ms of what the "
          "line can have carried, so that the sink knows when the line is "
          "free",
          GST_TYPE_SERIAL_SINK_PACING, DEFAULT_PACING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_LINK_RATE,
      g_param_spec_uint ("link-rate", "Link rate",
          "Bytes per second the link really carries, for links slower than "
          "their baud rate (radios, whose air rate is lower than the UART's) "
          "or whose baud rate is fiction (USB CDC ACM, pseudo-terminals); "
          "0: baud-rate divided by the bits of a character",
          0, G_MAXUINT, DEFAULT_LINK_RATE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_DROP_POLICY,
      g_param_spec_enum ("drop-policy", "Drop policy",
          "When whole frames may be dropped to keep the picture fresh",
          GST_TYPE_SERIAL_SINK_DROP_POLICY, DEFAULT_DROP_POLICY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_CHANNEL,
      g_param_spec_uint ("channel", "Channel",
          "The channel this stream names on the line (native framing): several "
          "streams share one link, each received by a serialsrc with the "
          "same channel",
          0, G_MAXUINT32, DEFAULT_CHANNEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_PRIORITY,
      g_param_spec_int ("priority", "Priority",
          "On a port shared with other serialsinks of the program, whose "
          "packets go first: the higher, the sooner; a frame is then cut in "
          "pieces of at most 100 ms of the line (70 ms while an element of a "
          "higher priority shares the port), so that a small buffer of a "
          "higher priority waits at most a piece",
          G_MININT, G_MAXINT, DEFAULT_PRIORITY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_LINK_STATS,
      g_param_spec_boxed ("link-stats", "Link statistics",
          "What was sent and how the line is used (see the element "
          "documentation for the fields)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

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
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_serial_sink_set_caps);
  basesink_class->wait_event = GST_DEBUG_FUNCPTR (gst_serial_sink_wait_event);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_serial_sink_render);

  gst_serial_common_mark_plugin_api ();
  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_SINK_PACING, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_SINK_DROP_POLICY, 0);
}

static void
gst_serial_sink_init (GstSerialSink *self)
{
  gst_serial_common_init (&self->common);
  self->caps_interval = DEFAULT_CAPS_INTERVAL;
  self->caps_budget = DEFAULT_CAPS_BUDGET;
  self->fragment_size = DEFAULT_FRAGMENT_SIZE;
  self->fec_percentage = DEFAULT_FEC_PERCENTAGE;
  self->channel = DEFAULT_CHANNEL;
  self->priority = DEFAULT_PRIORITY;
  self->sender_time = DEFAULT_SENDER_TIME;
  self->pacing = DEFAULT_PACING;
  self->link_rate = DEFAULT_LINK_RATE;
  self->drop_policy = DEFAULT_DROP_POLICY;
  gst_serial_rate_meter_reset (&self->meter);
  gst_serial_sender_init (&self->sender, gst_serial_sink_send_frame, self);
  gst_serial_sender_set_idle (&self->sender, gst_serial_sink_idle,
      IDLE_INTERVAL);
  g_mutex_init (&self->write_lock);
  gst_serial_packer_init (&self->packer);
  gst_serial_packer_init (&self->repacker);
  gst_serial_repair_init (&self->repair);

  /* A serial line is a transport, not a display: write as data comes, and
   * keep live video fresh by dropping stale frames (drop-policy) and
   * telling upstream with QoS events. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  gst_base_sink_set_qos_enabled (GST_BASE_SINK (self), TRUE);
}

static void
gst_serial_sink_finalize (GObject *object)
{
  GstSerialSink *self = GST_SERIAL_SINK (object);

  gst_serial_common_clear (&self->common);
  gst_serial_sender_clear (&self->sender);
  g_mutex_clear (&self->write_lock);
  gst_serial_packer_clear (&self->packer);
  gst_serial_packer_clear (&self->repacker);
  gst_serial_repair_clear (&self->repair);
  g_free (self->caps_string);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* The monotonic clock the line model runs on. */
static GstClockTime
gst_serial_sink_now (void)
{
  return gst_serial_line_now ();
}

/* Brings the line model up to date with what every element sharing the
 * port wrote: they all take turns on one line. Call with the object
 * lock. */
static GstSerialLine *
gst_serial_sink_line (GstSerialSink *self)
{
  if (self->common.port != NULL && self->line.rate > 0)
    self->line.free_at = gst_serial_port_get_line_free_at (self->common.port);
  return &self->line;
}

/* Seconds of link time between repetitions of the caps at most, with the
 * interval and budget in force, the caps last sent and frames the size of
 * the last; 0 when they are not repeated. Call with the object lock
 * held. */
static gdouble
gst_serial_sink_caps_period (GstSerialSink *self)
{
  guint64 bytes = gst_serial_schedule_period (&self->sched, self->caps_interval,
      self->caps_budget / 100, self->frame_wire);

  return self->sched.rate > 0 ? bytes / self->sched.rate : 0.0;
}

/* Call with the object lock held. */
static GstStructure *
gst_serial_sink_link_stats (GstElement *element)
{
  GstSerialSink *self = GST_SERIAL_SINK (element);
  gdouble rate = self->line.rate;
  gdouble use = rate > 0 ? self->meter.wire_rate / rate : 0.0;

  /* clang-format off */
  return gst_structure_new ("serialsink-link-stats",
      "frames-sent", G_TYPE_UINT64, self->frames_sent,
      "payload-bytes", G_TYPE_UINT64, self->payload_bytes,
      "wire-bytes", G_TYPE_UINT64, self->wire_bytes,
      "caps-sent", G_TYPE_UINT64, self->caps_sent,
      "caps-bytes", G_TYPE_UINT64, self->caps_bytes,
      "caps-period", G_TYPE_DOUBLE, gst_serial_sink_caps_period (self),
      "parity-sent", G_TYPE_UINT64, self->parity_sent,
      "parity-bytes", G_TYPE_UINT64, self->parity_bytes,
      "key-requests", G_TYPE_UINT64, self->fb.key_requests,
      "caps-requests", G_TYPE_UINT64, self->fb.caps_requests,
      "receiver-reports", G_TYPE_UINT64, self->fb.reports,
      "receiver-packets", G_TYPE_UINT64, self->fb.report.packets,
      "receiver-damaged", G_TYPE_UINT64, self->fb.report.damaged,
      "receiver-lost", G_TYPE_UINT64, self->fb.report.lost,
      "receiver-repaired", G_TYPE_UINT64, self->fb.report.repaired,
      "other-streams", G_TYPE_UINT64, self->fb.other_streams,
      "line-waits", G_TYPE_UINT64, self->common.port
          ? gst_serial_port_get_line_waits (self->common.port) : 0,
      "round-trip-time", G_TYPE_DOUBLE, self->fb.rtt == GST_CLOCK_TIME_NONE
          ? -1.0 : (gdouble) self->fb.rtt / GST_SECOND,
      "repair-requests", G_TYPE_UINT64, self->repair.requests,
      "repairs-served", G_TYPE_UINT64, self->repair.served,
      "resent-pieces", G_TYPE_UINT64, self->resent_pieces,
      "resent-bytes", G_TYPE_UINT64, self->resent_bytes,
      "repair-timeouts", G_TYPE_UINT64, self->repair.timeouts,
      "skips-sent", G_TYPE_UINT64, self->skips_sent,
      "too-late", G_TYPE_UINT64, self->repair.too_late,
      "given-up", G_TYPE_UINT64, self->repair.given_up,
      "piece-size", G_TYPE_UINT, self->packer.fragment_size,

      "frames-dropped", G_TYPE_UINT64, self->frames_dropped,
      "line-rate", G_TYPE_DOUBLE, rate,
      "payload-rate", G_TYPE_DOUBLE, self->meter.payload_rate,
      "wire-rate", G_TYPE_DOUBLE, self->meter.wire_rate,
      "utilisation", G_TYPE_DOUBLE, use,
      "bytes-in-flight", G_TYPE_UINT64,
          gst_serial_line_in_flight (gst_serial_sink_line (self),
              gst_serial_sink_now ()),
      NULL);
  /* clang-format on */
}

static void
gst_serial_sink_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstSerialSink *self = GST_SERIAL_SINK (object);

  GST_OBJECT_LOCK (self);
  if (prop_id > GST_SERIAL_PROP_0 && prop_id < GST_SERIAL_PROP_LAST) {
    gst_serial_common_set_property (&self->common, object, prop_id, value,
        pspec);
  } else {
    switch (prop_id) {
      case PROP_CAPS_INTERVAL:
        self->caps_interval = g_value_get_uint (value);
        break;
      case PROP_CAPS_BUDGET:
        self->caps_budget = g_value_get_double (value);
        break;
      case PROP_FRAGMENT_SIZE:
        /* The packer takes it at start. */
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          self->fragment_size = g_value_get_uint (value);
        break;
      case PROP_FEC_PERCENTAGE:
        /* Taken at each frame. */
        self->fec_percentage = g_value_get_uint (value);
        break;
      case PROP_SENDER_TIME:
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          self->sender_time = g_value_get_boolean (value);
        break;
      case PROP_PACING:
        /* The line model is set up at start. */
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          self->pacing = g_value_get_enum (value);
        break;
      case PROP_LINK_RATE:
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          self->link_rate = g_value_get_uint (value);
        break;
      case PROP_CHANNEL:
        /* Taken at start. */
        if (!gst_serial_common_refuse_change (&self->common, object, pspec))
          self->channel = g_value_get_uint (value);
        break;
      case PROP_DROP_POLICY:
        self->drop_policy = g_value_get_enum (value);
        break;
      case PROP_PRIORITY:
        /* Taken at each frame. */
        self->priority = g_value_get_int (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_serial_sink_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstSerialSink *self = GST_SERIAL_SINK (object);

  GST_OBJECT_LOCK (self);
  if (prop_id > GST_SERIAL_PROP_0 && prop_id < GST_SERIAL_PROP_LAST) {
    gst_serial_common_get_property (&self->common, prop_id, value);
  } else {
    switch (prop_id) {
      case PROP_CAPS_INTERVAL:
        g_value_set_uint (value, self->caps_interval);
        break;
      case PROP_CAPS_BUDGET:
        g_value_set_double (value, self->caps_budget);
        break;
      case PROP_FRAGMENT_SIZE:
        g_value_set_uint (value, self->fragment_size);
        break;
      case PROP_FEC_PERCENTAGE:
        g_value_set_uint (value, self->fec_percentage);
        break;
      case PROP_SENDER_TIME:
        g_value_set_boolean (value, self->sender_time);
        break;
      case PROP_PACING:
        g_value_set_enum (value, self->pacing);
        break;
      case PROP_LINK_RATE:
        g_value_set_uint (value, self->link_rate);
        break;
      case PROP_CHANNEL:
        g_value_set_uint (value, self->channel);
        break;
      case PROP_DROP_POLICY:
        g_value_set_enum (value, self->drop_policy);
        break;
      case PROP_PRIORITY:
        g_value_set_int (value, self->priority);
        break;
      case PROP_LINK_STATS:
        g_value_take_boxed (value,
            gst_serial_sink_link_stats (GST_ELEMENT (self)));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
}

/* Bytes per second a line of @baud_rate carries with the port's character
 * format. */
static gdouble
gst_serial_sink_char_rate (GstSerialSink *self, guint baud_rate)
{
  const GstSerialPortConfig *config = &self->common.run.config;

  return gst_serial_line_char_rate (baud_rate, config->data_bits,
      config->stop_bits, config->parity != GST_SERIAL_PARITY_NONE);
}

/* The rate to pace at, in bytes per second, or 0 for no pacing. */
static gdouble
gst_serial_sink_pacing_rate (GstSerialSink *self)
{
  GstSerialPort *port = self->common.port;

  if (self->pacing == GST_SERIAL_SINK_PACING_OFF)
    return 0;
  if (self->link_rate > 0)
    return self->link_rate;
  if (self->pacing == GST_SERIAL_SINK_PACING_AUTO &&
      !gst_serial_port_baud_rate_is_real (port))
    return 0;
  return gst_serial_sink_char_rate (self, gst_serial_port_get_baud_rate (port));
}

static void
gst_serial_sink_reset (GstSerialSink *self)
{
  gdouble caps_rate;

  GST_OBJECT_LOCK (self);
  self->frames_sent = self->payload_bytes = 0;
  self->next_frame_due = GST_CLOCK_TIME_NONE;
  self->newest_delta = FALSE;
  self->wire_bytes = self->caps_sent = self->frames_dropped = 0;
  self->caps_bytes = self->frame_wire = 0;
  self->parity_sent = self->parity_bytes = 0;
  self->resent_pieces = self->resent_bytes = self->skips_sent = 0;
  self->frame_start = 0;
  self->announced = FALSE;
  gst_serial_repair_clear (&self->repair);
  gst_serial_rate_meter_reset (&self->meter);
  gst_serial_line_init (&self->line, gst_serial_sink_pacing_rate (self));
  gst_serial_port_set_line_rate (self->common.port, self->line.rate);
  /* Caps are repeated after caps-interval of link time, at the rate of the
   * link's bottleneck: on a radio, link-rate, not the UART's baud rate. */
  caps_rate = self->link_rate > 0
      ? self->link_rate
      : gst_serial_sink_char_rate (self, self->common.run.config.baud_rate);
  gst_serial_repair_set_line_rate (&self->repair, caps_rate);
  self->nominal_rate = caps_rate;
  self->packer.fragment_size = self->fragment_size;
  self->packer.sender_time = self->sender_time;
  GST_OBJECT_UNLOCK (self);

  GST_INFO_OBJECT (self, "pacing at %.0f bytes/s, window %" G_GSIZE_FORMAT,
      self->line.rate, self->line.window);
  self->check_live = TRUE;
  self->upstream_live = FALSE;
  self->keep_all = FALSE;
  gst_serial_freshness_init (&self->fresh);

  gst_serial_packer_start (&self->packer,
      gst_serial_framing_to_mode (self->common.run.framing),
      gst_serial_wire_options (self->common.run.config.flow_control));
  GST_OBJECT_LOCK (self);
  gst_serial_feedback_rx_init (&self->fb,
      gst_serial_framing_to_mode (self->common.run.framing),
      gst_serial_wire_options (self->common.run.config.flow_control));
  self->fb.repair = &self->repair;
  self->fb.stream = self->channel;
  GST_OBJECT_UNLOCK (self);
  gst_serial_packer_start (&self->repacker,
      gst_serial_framing_to_mode (self->common.run.framing),
      gst_serial_wire_options (self->common.run.config.flow_control));
  self->repacker.sender_time = self->packer.sender_time;
  self->packer.stream = self->repacker.stream = self->channel;
  self->last_key_request = GST_CLOCK_TIME_NONE;
  g_clear_pointer (&self->caps_string, g_free);
  gst_serial_schedule_init (&self->sched, caps_rate);
}

/* GstBaseSink opens in start(), on NULL to READY; the port opens on READY to
 * PAUSED instead, as in serialsrc, so that both elements take port settings
 * in the READY state and a sink in READY does not hold the port. */
static GstStateChangeReturn
gst_serial_sink_change_state (GstElement *element, GstStateChange transition)
{
  GstSerialSink *self = GST_SERIAL_SINK (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!gst_serial_common_start (&self->common, element))
        return GST_STATE_CHANGE_FAILURE;
      gst_serial_sink_reset (self);
      if (!gst_serial_sender_start (&self->sender, "serialsink-send"))
        goto no_thread;
      gst_serial_common_start_stats (&self->common, element,
          gst_serial_sink_link_stats);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      gst_serial_sender_set_playing (&self->sender, TRUE);
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      gst_serial_sender_set_playing (&self->sender, FALSE);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY ||
      (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
          ret == GST_STATE_CHANGE_FAILURE))
    gst_serial_sink_stop (self);

  return ret;

  /* ERRORS */
no_thread:
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
      ("Could not start the thread that sends to the serial port."),
      ("g_thread_try_new failed"));
  gst_serial_common_stop (&self->common, element);
  return GST_STATE_CHANGE_FAILURE;
}

/* Streaming has stopped; the sender thread may still be in a wait on the
 * port, which flushing ends. */
static void
gst_serial_sink_stop (GstSerialSink *self)
{
  gst_serial_common_set_flushing (&self->common, GST_ELEMENT (self), TRUE);
  gst_serial_sender_stop (&self->sender);
  /* The frames held for repair are released. */
  GST_OBJECT_LOCK (self);
  gst_serial_repair_clear (&self->repair);
  GST_OBJECT_UNLOCK (self);
  gst_serial_common_stop_stats (&self->common);
  gst_serial_common_stop (&self->common, GST_ELEMENT (self));
}

static gboolean
gst_serial_sink_unlock (GstBaseSink *bsink)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);

  gst_serial_common_set_flushing (&self->common, GST_ELEMENT (self), TRUE);
  gst_serial_sender_unlock (&self->sender);
  return TRUE;
}

/* The frame the sender thread is writing sees the unlock before the port
 * stops flushing: a pause in the middle of a frame pauses it. */
static gboolean
gst_serial_sink_unlock_stop (GstBaseSink *bsink)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);

  gst_serial_sender_wait_noticed (&self->sender);
  gst_serial_common_set_flushing (&self->common, GST_ELEMENT (self), FALSE);
  gst_serial_sender_unlock_stop (&self->sender);
  return TRUE;
}

/* A flush gives up the frames handed to the sender thread, and what the
 * drop policy knew in the running time of before the flush. */
static gboolean
gst_serial_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      gst_serial_sender_flush (&self->sender);
      break;
    case GST_EVENT_FLUSH_STOP:
      GST_OBJECT_LOCK (self);
      gst_serial_freshness_init (&self->fresh);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

/* Whether @caps name data (telemetry, commands, a byte stream), every
 * buffer of which counts, rather than pictures or sound, where a newer
 * frame replaces a stale one. */
static gboolean
gst_serial_sink_is_data (GstCaps *caps)
{
  static const gchar *const media[] = { "video/", "image/", "audio/" };
  const gchar *name;
  guint i;

  if (gst_caps_is_any (caps) || gst_caps_is_empty (caps))
    return FALSE;
  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  for (i = 0; i < G_N_ELEMENTS (media); i++)
    if (g_str_has_prefix (name, media[i]))
      return FALSE;
  return TRUE;
}

static gboolean
gst_serial_sink_set_caps (GstBaseSink *bsink, GstCaps *caps)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);
  gchar *str = gst_caps_to_string (caps);

  /* The receiver bounds what it accepts; so must we. */
  if (strlen (str) > SF_CAPS_MAX) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The caps are too long to send (%" G_GSIZE_FORMAT " bytes, at most "
         "%d).",
            strlen (str), SF_CAPS_MAX),
        ("%s", str));
    g_free (str);
    return FALSE;
  }

  GST_DEBUG_OBJECT (self, "caps to send: %s", str);
  self->check_live = TRUE;
  self->keep_all = gst_serial_sink_is_data (caps);
  GST_OBJECT_LOCK (self);
  g_free (self->caps_string);
  self->caps_string = str;
  gst_serial_schedule_new_caps (&self->sched);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* Whether the element plays, or is on its way to PLAYING. */
static gboolean
gst_serial_sink_is_playing (GstSerialSink *self)
{
  GstState target;

  GST_OBJECT_LOCK (self);
  target = GST_STATE_TARGET (self);
  GST_OBJECT_UNLOCK (self);
  return target == GST_STATE_PLAYING;
}

/* Waits until the pipeline plays: OK then, FLUSHING on a flush or stop.
 * GstBaseSink may call render() in PAUSED (PAUSED to PLAYING and back in
 * quick succession leaves it prerolled), and it takes the preroll lock,
 * which render() and serialized events hold, to go to PLAYING without
 * calling unlock() first: nothing may wait for the line then, or that
 * state change waits with it. Call with the preroll lock. */
static GstFlowReturn
gst_serial_sink_wait_playing (GstSerialSink *self)
{
  GstFlowReturn ret = GST_FLOW_OK;

  while (ret == GST_FLOW_OK && !gst_serial_sink_is_playing (self))
    ret = gst_base_sink_wait_preroll (GST_BASE_SINK (self));
  return ret;
}

/* After unlock() interrupted a wait: waits until the pipeline plays again
 * (a pause) and returns OK, or returns FLUSHING (a flush or shutdown). In
 * the streaming thread it always waits once: unlock_stop() comes only when
 * this releases the preroll lock. */
static GstFlowReturn
gst_serial_sink_interrupted (GstSerialSink *self)
{
  GstFlowReturn ret;

  if (gst_serial_sender_in_thread (&self->sender))
    return gst_serial_sender_interrupted (&self->sender);
  ret = gst_base_sink_wait_preroll (GST_BASE_SINK (self));

  return ret == GST_FLOW_OK ? gst_serial_sink_wait_playing (self) : ret;
}

/* The port is back after being away: a receiver resynchronises at our
 * next delimiter and needs the caps again; the line model starts from an
 * idle line. */
static void
gst_serial_sink_port_back (GstSerialSink *self)
{
  gst_serial_packer_resync (&self->packer);
  GST_OBJECT_LOCK (self);
  gst_serial_schedule_resend (&self->sched);
  gst_serial_line_idle (&self->line);
  self->port_opens++;
  GST_OBJECT_UNLOCK (self);
  gst_serial_port_set_line_rate (self->common.port, self->line.rate);
}

/* Makes sure the port is there. While it is away (reconnect), waits for it
 * to come back, also across a pause, and returns FLUSHING on a flush or
 * stop, after which the next call goes on waiting; or, without
 * wait_for_port, tries when an attempt is due and returns
 * GST_SERIAL_FLOW_ABSENT while it is not back. */
static GstFlowReturn
gst_serial_sink_ensure_port (GstSerialSink *self)
{
  GstFlowReturn ret;

  if (self->common.port != NULL)
    return GST_FLOW_OK;

  while ((ret = gst_serial_common_reopen (&self->common, GST_ELEMENT (self),
              self->wait_for_port)) == GST_FLOW_FLUSHING) {
    ret = gst_serial_sink_interrupted (self);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  if (ret == GST_FLOW_OK)
    gst_serial_sink_port_back (self);
  return ret;
}

/* Writes @data completely. Returns FLOW_FRAME_LOST when the port went away:
 * the rest of @data is lost. */
static GstFlowReturn
gst_serial_sink_write_all (GstSerialSink *self, const guint8 *data, gsize size)
{
  GstSerialPortError err = { 0 };
  GstFlowReturn ret;
  gsize written;

  for (;;) {
    switch (gst_serial_port_write_all (self->common.port, data, size, &written,
        &err)) {
      case GST_SERIAL_IO_OK:
        return GST_FLOW_OK;
      case GST_SERIAL_IO_FLUSHING:
        data += written;
        size -= written;
        ret = gst_serial_sink_interrupted (self);
        if (ret != GST_FLOW_OK)
          return ret;
        break;
      case GST_SERIAL_IO_ERROR:
      default:
        ret = gst_serial_common_io_failed (&self->common, GST_ELEMENT (self),
            &err);
        if (ret == GST_FLOW_OK)
          ret = gst_serial_sink_ensure_port (self);
        if (ret == GST_FLOW_OK || ret == GST_SERIAL_FLOW_ABSENT)
          ret = FLOW_FRAME_LOST;
        return ret;
    }
  }
}

/* After a wait on the port: OK to go on, also after a pause; FLUSHING on a
 * flush or stop; ERROR (posted) when the wait failed. */
static GstFlowReturn
gst_serial_sink_waited (GstSerialSink *self, GstSerialIoResult res,
    GstSerialPortError *err)
{
  switch (res) {
    case GST_SERIAL_IO_OK:
      return GST_FLOW_OK;
    case GST_SERIAL_IO_FLUSHING:
      return gst_serial_sink_interrupted (self);
    default:
      GST_SERIAL_PORT_ERROR_POST (self, err);
      return GST_FLOW_ERROR;
  }
}

/* Waits until the line has room for part of the next write and returns how
 * many bytes may go (at most @want) in @room. The driver's own queue, where
 * it tells, counts too: a receiver holding the line off stops the line. */
static GstFlowReturn
gst_serial_sink_pace (GstSerialSink *self, gsize want, gsize *room)
{
  GstSerialPortError err = { 0 };
  guint64 queued;
  GstClockTime wait;
  GstFlowReturn ret;

  for (;;) {
    queued = gst_serial_port_get_output_queue (self->common.port);
    GST_OBJECT_LOCK (self);
    *room = gst_serial_line_room (gst_serial_sink_line (self),
        gst_serial_sink_now (), queued, want, &wait);
    GST_OBJECT_UNLOCK (self);
    if (*room > 0)
      return GST_FLOW_OK;

    ret = gst_serial_sink_waited (self,
        gst_serial_port_sleep (self->common.port, wait, &err), &err);
    if (ret != GST_FLOW_OK)
      return ret;
  }
}

/* Takes the line for the refills of one packet: on a shared port no other
 * element's bytes may come between them. OK, or FLUSHING on a flush or
 * stop. */
static GstFlowReturn
gst_serial_sink_begin_write (GstSerialSink *self)
{
  GstSerialPortError err = { 0 };
  GstFlowReturn ret;

  do {
    ret = gst_serial_sink_waited (self,
        gst_serial_port_begin_write (self->common.port, &err), &err);
  } while (
      ret == GST_FLOW_OK && !gst_serial_port_holds_line (self->common.port));
  return ret;
}

/* Writes @data completely, at the line rate when pacing: in refills that
 * keep the driver a window ahead of the line, all of them in one turn on
 * the line. The port counts the bytes on the shared line model. */
static GstFlowReturn
gst_serial_sink_write (GstSerialSink *self, const guint8 *data, gsize size)
{
  GstSerialPort *port = self->common.port;
  guint opens = self->port_opens;
  GstFlowReturn ret;
  gsize chunk;

  if (self->line.rate <= 0)
    return gst_serial_sink_write_all (self, data, size);

  ret = gst_serial_sink_begin_write (self);
  while (ret == GST_FLOW_OK && size > 0) {
    ret = gst_serial_sink_pace (self, size, &chunk);
    if (ret == GST_FLOW_OK)
      ret = gst_serial_sink_write_all (self, data, chunk);
    data += chunk;
    size -= chunk;
  }
  /* Unless the port went away meanwhile, and with it the turn. */
  if (self->common.port == port && self->port_opens == opens &&
      gst_serial_port_holds_line (port))
    gst_serial_port_end_write (port);
  return ret;
}

static GstFlowReturn
gst_serial_sink_render_raw (GstSerialSink *self, GstBuffer *buffer)
{
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
  if (ret == GST_FLOW_OK) {
    gsize size = gst_buffer_get_size (buffer);

    GST_OBJECT_LOCK (self);
    self->wire_bytes += size;
    gst_serial_rate_meter_add (&self->meter, 0, size);
    GST_OBJECT_UNLOCK (self);
  }
  return ret;

map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
      ("Could not read the buffer to send."), ("gst_memory_map failed"));
  return GST_FLOW_ERROR;
}

/* Writes packets, and counts them on the wire. One cut short leaves a
 * start on the line that the next packet must not be glued to. */
static GstFlowReturn
gst_serial_sink_write_counted (GstSerialSink *self, const guint8 *data,
    gsize len)
{
  GstFlowReturn ret = gst_serial_sink_write (self, data, len);

  gst_serial_packer_written (&self->packer, ret == GST_FLOW_OK);
  if (ret != GST_FLOW_OK)
    return ret;
  GST_OBJECT_LOCK (self);
  gst_serial_schedule_wrote (&self->sched, len);
  self->wire_bytes += len;
  gst_serial_rate_meter_add (&self->meter, 0, len);
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

/* Writes the packet the packer made (@r: how making it went), and counts
 * it. */
static GstFlowReturn
gst_serial_sink_write_packet (GstSerialSink *self, sf_result r)
{
  GstSerialPacker *packer = &self->packer;
  GstFlowReturn ret;

  if (r == SF_ERR_ARG)
    goto unreadable;
  if (r != SF_OK)
    goto encode_failed;

  ret = gst_serial_sink_write_counted (self, packer->data, packer->len);
  if (ret == GST_FLOW_OK) {
    GST_OBJECT_LOCK (self);
    self->parity_sent += packer->parity_packets;
    self->parity_bytes += packer->parity_len;
    GST_OBJECT_UNLOCK (self);
  }
  return ret;

  /* ERRORS */
unreadable:
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
      ("Could not read the buffer to send."), ("gst_memory_map failed"));
  return GST_FLOW_ERROR;
encode_failed:
  GST_ELEMENT_ERROR (self, STREAM, ENCODE, ("Could not frame a buffer."),
      ("serialframe: %s", sf_result_name (r)));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
gst_serial_sink_send_caps (GstSerialSink *self)
{
  GstFlowReturn ret;
  gboolean absolute;
  gchar *caps;

  /* A copy: new caps may come while the sender thread sends these. */
  GST_OBJECT_LOCK (self);
  caps = g_strdup (self->caps_string);
  GST_OBJECT_UNLOCK (self);

  absolute = self->packer.absolute;
  ret = gst_serial_sink_write_packet (self,
      gst_serial_packer_caps (&self->packer, caps));
  if (ret == GST_FLOW_OK) {
    GST_OBJECT_LOCK (self);
    /* A receiver that acknowledges frames does not join now: whole times
     * would cost every piece of the next frame 8 bytes or so. */
    if (!absolute &&
        gst_serial_repair_listening (&self->repair, gst_serial_sink_now ()))
      gst_serial_packer_refer_back (&self->packer);
    if (g_strcmp0 (caps, self->caps_string) == 0)
      gst_serial_schedule_caps_sent (&self->sched, self->packer.len);
    self->caps_sent++;
    self->caps_bytes += self->packer.len;
    GST_OBJECT_UNLOCK (self);
  }
  g_free (caps);
  return ret;
}

/* Remembers when the frame just written leaves the line, for the round
 * trip the receiver's reports tell. */
static void
gst_serial_sink_frame_sent (GstSerialSink *self, guint32 seq, guint64 start)
{
  GstClockTime now = gst_serial_sink_now ();

  GST_OBJECT_LOCK (self);
  gst_serial_feedback_rx_frame_sent (&self->fb, seq,
      now + gst_serial_line_busy_for (gst_serial_sink_line (self), now), start);
  GST_OBJECT_UNLOCK (self);
}

/* Writes the pieces of a frame one by one: other elements sharing the port
 * take their turns between them (by priority). In a @live stream it reads
 * the receiver between them too: requests for older frames are answered at
 * once with a SKIP (they are too late, a newer frame is on its way), not
 * after the last piece. The receiver holds the frames after one it lacks
 * until it hears that, and a frame on a slow line takes long (bench-link
 * --ber 1e-5 latency: frames held up to a frame's line time, p99 1.79 s
 * against 1.13 s). */
static GstFlowReturn
gst_serial_sink_write_pieces_of (GstSerialSink *self, gboolean live)
{
  const guint8 *p = self->packer.data, *end = p + self->packer.len;
  GstFlowReturn ret = GST_FLOW_OK;

  while (p < end && ret == GST_FLOW_OK) {
    const guint8 *d = memchr (p, SF_DELIMITER, end - p);
    gsize n = d ? (gsize) (d - p) + 1 : (gsize) (end - p);

    ret = gst_serial_sink_write_counted (self, p, n);
    p += n;
    if (live && ret == GST_FLOW_OK && p < end) {
      gst_serial_sink_read_feedback (self);
      ret = gst_serial_sink_skip_requests (self);
    }
  }
  if (ret == GST_FLOW_OK) {
    GST_OBJECT_LOCK (self);
    self->parity_sent += self->packer.parity_packets;
    self->parity_bytes += self->packer.parity_len;
    GST_OBJECT_UNLOCK (self);
  }
  return ret;
}

static GstFlowReturn
gst_serial_sink_send_buffer (GstSerialSink *self, GstBuffer *buffer)
{
  guint64 start;
  GstFlowReturn ret;
  sf_result r;

  GST_OBJECT_LOCK (self);
  start = self->frame_start = self->wire_bytes;
  GST_OBJECT_UNLOCK (self);
  r = gst_serial_packer_data (&self->packer, buffer);
  if (r == SF_OK && self->packer.fragment_size > 0 &&
      self->common.run.framing == GST_SERIAL_FRAMING_NATIVE &&
      (!self->wait_for_port || gst_serial_port_is_shared (self->common.port)))
    ret = gst_serial_sink_write_pieces_of (self, !self->wait_for_port);
  else
    ret = gst_serial_sink_write_packet (self, r);
  if (ret == GST_FLOW_OK)
    gst_serial_sink_frame_sent (self, self->packer.seq, start);
  /* What a piece costs besides its payload, for the piece size to cut. */
  if (ret == GST_FLOW_OK && r == SF_OK && self->packer.fragment_size > 0) {
    guint n = gst_serial_sink_count_pieces (&self->packer);

    GST_OBJECT_LOCK (self);
    gst_serial_repair_overhead (&self->repair, n,
        self->packer.len - gst_buffer_get_size (buffer));
    GST_OBJECT_UNLOCK (self);
  }
  if (ret == GST_FLOW_OK &&
      self->common.run.framing == GST_SERIAL_FRAMING_NATIVE)
    gst_serial_sink_hold (self, buffer, self->packer.seq);
  if (ret == GST_FLOW_OK)
    self->newest_delta =
        GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  /* A frame lost with the port still takes its number: the receiver then
   * counts it lost and marks the next frame DISCONT. */
  if (ret == GST_FLOW_OK || ret == FLOW_FRAME_LOST)
    gst_serial_packer_number_used (&self->packer);
  return ret;
}

/* Whether stale frames may be dropped: with drop-policy=auto only when
 * upstream is live and sends pictures or sound, since a file transfer and
 * telemetry must lose nothing. */
static gboolean
gst_serial_sink_may_drop (GstSerialSink *self)
{
  GstSerialSinkDropPolicy policy;
  gboolean live;

  GST_OBJECT_LOCK (self);
  policy = self->drop_policy;
  GST_OBJECT_UNLOCK (self);
  if (policy != GST_SERIAL_SINK_DROP_AUTO)
    return policy == GST_SERIAL_SINK_DROP_STALE;
  if (self->keep_all)
    return FALSE;

  if (self->check_live) {
    if (gst_base_sink_query_latency (GST_BASE_SINK (self), &live,
            &self->upstream_live, NULL, NULL))
      self->check_live = FALSE;
    GST_DEBUG_OBJECT (self, "upstream is %slive",
        self->upstream_live ? "" : "not ");
  }
  return self->upstream_live;
}

/* The frame's running time, GST_CLOCK_TIME_NONE when it has none. */
static GstClockTime
gst_serial_sink_running_time (GstSerialSink *self, GstBuffer *buffer)
{
  GstSegment *segment = &GST_BASE_SINK (self)->segment;
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID (buffer) ? GST_BUFFER_PTS (buffer)
                                                     : GST_BUFFER_DTS (buffer);

  if (segment->format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID (ts))
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts);
}

/* Asks upstream for a key frame (a force-key-unit event, which video
 * encoders honour). */
static void
gst_serial_sink_request_key_unit (GstSerialSink *self)
{
  gst_pad_push_event (GST_BASE_SINK_PAD (self),
      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE,
          0));
}

/* Counts a dropped frame and tells upstream (a QoS event for a stale frame,
 * so that an encoder skips the frames that would be dropped anyway; a
 * force-key-unit event when frames up to the next key frame must go) and
 * the application (a QoS message, as sinks do). @stale: dropped for being
 * stale, rather than for needing a frame dropped before or for the port
 * being away. */
static void
gst_serial_sink_dropped (GstSerialSink *self, GstBuffer *buffer, gboolean stale,
    GstSerialFrame *frame)
{
  gboolean delta = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  GstPad *pad = GST_BASE_SINK_PAD (self);
  guint64 sent, dropped;
  GstMessage *msg;

  GST_OBJECT_LOCK (self);
  dropped = ++self->frames_dropped;
  sent = self->frames_sent;
  gst_serial_freshness_dropped (&self->fresh, frame, stale, delta);
  GST_OBJECT_UNLOCK (self);

  GST_LOG_OBJECT (self, "dropping a frame %s %" GST_STIME_FORMAT,
      stale ? "stale" : "whose reference was dropped, or the port is away",
      GST_STIME_ARGS (frame->late));
  if (frame->qos_diff > 0 &&
      gst_base_sink_is_qos_enabled (GST_BASE_SINK (self)))
    gst_pad_push_event (pad,
        gst_event_new_qos (GST_QOS_TYPE_OVERFLOW, frame->proportion,
            frame->qos_diff, frame->running_time));
  if (frame->request_key_unit) {
    GST_DEBUG_OBJECT (self, "references lost, asking for a key frame");
    gst_serial_sink_request_key_unit (self);
  }

  msg = gst_message_new_qos (GST_OBJECT (self), TRUE, frame->running_time,
      GST_CLOCK_TIME_NONE, GST_BUFFER_PTS (buffer), frame->duration);
  gst_message_set_qos_values (msg, frame->late, frame->proportion, 1000000);
  gst_message_set_qos_stats (msg, GST_FORMAT_BUFFERS, sent, dropped);
  gst_element_post_message (GST_ELEMENT (self), msg);
}

static GstFlowReturn
gst_serial_sink_send (GstSerialSink *self, GstBuffer *buffer)
{
  GstFlowReturn ret;
  gboolean due;

  switch (self->common.run.framing) {
    case GST_SERIAL_FRAMING_RAW:
      return gst_serial_sink_render_raw (self, buffer);
    case GST_SERIAL_FRAMING_NATIVE:
      GST_OBJECT_LOCK (self);
      /* At most: the caps then never come later than their period. */
      self->packer.fec_percentage = self->fec_percentage;
      self->packer.fragment_size =
          gst_serial_sink_piece_size (self, gst_buffer_get_size (buffer));
      self->frame_wire = gst_serial_packer_wire_max (&self->packer,
          gst_buffer_get_size (buffer));
      GST_LOG_OBJECT (self, "frame %u of %" G_GSIZE_FORMAT " bytes in %s%u",
          self->packer.seq, gst_buffer_get_size (buffer),
          self->packer.fragment_size ? "pieces of " : "one piece, ",
          self->packer.fragment_size);
      due = gst_serial_schedule_caps_due (&self->sched, self->caps_interval,
          self->caps_budget / 100,
          GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT),
          self->frame_wire);
      GST_OBJECT_UNLOCK (self);
      if (due) {
        ret = gst_serial_sink_send_caps (self);
        if (ret != GST_FLOW_OK)
          return ret;
      }
      return gst_serial_sink_send_buffer (self, buffer);
    default:
      return gst_serial_sink_send_buffer (self, buffer);
  }
}

/* The frame as the drop policy sees it, when it did not look at it
 * before. */
static void
gst_serial_sink_frame (GstSerialSink *self, GstBuffer *buffer,
    GstSerialFrame *frame)
{
  GstClockTime duration = GST_BUFFER_DURATION (buffer);

  GST_OBJECT_LOCK (self);
  frame->running_time = gst_serial_sink_running_time (self, buffer);
  GST_OBJECT_UNLOCK (self);
  frame->duration = GST_CLOCK_TIME_IS_VALID (duration) ? duration : 0;
}

/* The receiver's control packets, read between frames from what arrived
 * on the receive line (docs/protocol.md, section 8.2): a key frame asked
 * for goes upstream, caps asked for go before the next frame, reports
 * show in link-stats. Nothing arriving costs one read. */
static void
gst_serial_sink_read_feedback (GstSerialSink *self)
{
  GstSerialPortError err = { 0 };
  GstSerialFeedbackEvents events = 0;
  /* On a port shared with a serialsrc, everything the line brings comes
   * here too: up to FEEDBACK_READS of these a frame. */
  guint8 buf[4096];
  guint reads = 0;
  gsize n = 0;

  if (self->common.run.framing != GST_SERIAL_FRAMING_NATIVE)
    return;
  /* At most FEEDBACK_READS reads a frame: a receiver that floods the line
   * cannot keep the sender from sending. */
  do {
    /* A failing port shows in the next write, which reconnects. */
    if (gst_serial_port_try_read (self->common.port, buf, sizeof (buf), &n,
            &err) != GST_SERIAL_IO_OK) {
      gst_serial_port_error_clear (&err);
      break;
    }
    GST_OBJECT_LOCK (self);
    events |=
        gst_serial_feedback_rx_feed (&self->fb, buf, n, gst_serial_sink_now ());
    if (events & GST_SERIAL_FEEDBACK_CAPS_REQUEST)
      gst_serial_schedule_resend (&self->sched);
    GST_OBJECT_UNLOCK (self);
  } while (n == sizeof (buf) && ++reads < FEEDBACK_READS);

  /* The receiver asks again until the key frame comes; the encoder needs
   * to hear it once. */
  if ((events & GST_SERIAL_FEEDBACK_KEY_REQUEST) &&
      (self->last_key_request == GST_CLOCK_TIME_NONE ||
          gst_serial_sink_now () >=
              self->last_key_request + KEY_REQUEST_INTERVAL)) {
    GST_DEBUG_OBJECT (self, "the receiver asks for a key frame");
    self->last_key_request = gst_serial_sink_now ();
    gst_serial_sink_request_key_unit (self);
  }
}

/* --- Selective retransmission (docs/protocol.md, section 8.3) ----------- */

/* How long the receiver may stay silent about the frames it has not
 * acknowledged before the oldest goes again: a few round trips, and no
 * less than its reports' interval. */
static GstClockTime
gst_serial_sink_rto (GstSerialSink *self)
{
  GstClockTime rtt = self->fb.rtt;

  if (rtt == GST_CLOCK_TIME_NONE)
    return REPAIR_RTO_MIN * 2;
  return MAX (4 * rtt, REPAIR_RTO_MIN);
}

/* Whether piece @index is asked for. */
static gboolean
gst_serial_sink_piece_wanted (const sf_nack *nack, guint count, guint index)
{
  guint i;

  if (nack->frag_count != count)
    return TRUE;
  for (i = 0; i < nack->n_ranges; i++)
    if (index >= nack->ranges[i].first &&
        index < nack->ranges[i].first + nack->ranges[i].count)
      return TRUE;
  return FALSE;
}

/* The packets @packer made: each ends at its delimiter. */
static guint
gst_serial_sink_count_pieces (GstSerialPacker *packer)
{
  const guint8 *p = packer->data, *end = p + packer->len;
  guint count = 0;

  while (p < end) {
    const guint8 *d = memchr (p, SF_DELIMITER, end - p);
    gsize n = d ? (gsize) (d - p) + 1 : (gsize) (end - p);

    count += n > 1;
    p += n;
  }
  return count;
}

/* Writes the pieces the repacker made that @nack asks for. */
static GstFlowReturn
gst_serial_sink_write_pieces (GstSerialSink *self, const sf_nack *nack)
{
  const guint8 *p = self->repacker.data, *end = p + self->repacker.len;
  guint index = 0, count = gst_serial_sink_count_pieces (&self->repacker);
  GstFlowReturn ret = GST_FLOW_OK;

  while (p < end && ret == GST_FLOW_OK) {
    const guint8 *d = memchr (p, SF_DELIMITER, end - p);
    gsize n = d ? (gsize) (d - p) + 1 : (gsize) (end - p);

    if (n > 1 && gst_serial_sink_piece_wanted (nack, count, index++)) {
      ret = gst_serial_sink_write_counted (self, p, n);
      if (ret == GST_FLOW_OK) {
        GST_OBJECT_LOCK (self);
        self->resent_pieces++;
        self->resent_bytes += n;
        GST_OBJECT_UNLOCK (self);
      }
    }
    p += n;
  }
  return ret;
}

static GstFlowReturn
gst_serial_sink_send_skip (GstSerialSink *self, guint16 seq)
{
  sf_result r = gst_serial_packer_skip (&self->repacker, seq);
  GstFlowReturn ret;

  if (r != SF_OK)
    return GST_FLOW_OK;
  GST_DEBUG_OBJECT (self, "frames before %u will not be repaired", seq);
  ret = gst_serial_sink_write_counted (self, self->repacker.data,
      self->repacker.len);
  if (ret == GST_FLOW_OK) {
    GST_OBJECT_LOCK (self);
    self->skips_sent++;
    GST_OBJECT_UNLOCK (self);
  }
  return ret;
}

/* In the middle of a live stream's frame: every request is for an older
 * frame, or for this one before its last piece went, and too late; one
 * SKIP to this frame answers them all, however many a receiver sends. */
static GstFlowReturn
gst_serial_sink_skip_requests (GstSerialSink *self)
{
  guint16 current = self->packer.seq;
  GstSerialRepairRequest req;
  gboolean any = FALSE;

  GST_OBJECT_LOCK (self);
  while (gst_serial_repair_pop (&self->repair, &req)) {
    if (gst_serial_repair_lookup (&self->repair, req.seq))
      self->repair.too_late++;
    any = TRUE;
  }
  if (any)
    gst_serial_repair_skipped (&self->repair, current);
  GST_OBJECT_UNLOCK (self);
  return any ? gst_serial_sink_send_skip (self, current) : GST_FLOW_OK;
}

/* Whether the receiver may yet tell how damaging the line is, for the cut
 * of a frame: a receiver not heard within REPAIR_GRACE may have
 * feedback=false. Only frames that start within the first REPAIR_GRACE of
 * the line and the first window. Call with the object lock. */
static gboolean
gst_serial_sink_may_hear (GstSerialSink *self)
{
  return (self->repair.last_heard != GST_CLOCK_TIME_NONE ||
             gst_serial_sink_now () < self->started + REPAIR_GRACE) &&
      self->wire_bytes < MIN (self->nominal_rate * REPAIR_GRACE / GST_SECOND,
                             GST_SERIAL_REPAIR_WINDOW_FIRST);
}

/* The longest piece of a live stream's frame: what the line carries in
 * LIVE_PIECE_TIME. A newer frame waits at the receiver behind a lost one
 * until the sender answers its request, which it does between pieces of
 * the frame on its way (gst_serial_sink_write_live_frame()); sent whole,
 * the answer would wait for the whole frame. 0 when frames may wait (not
 * live). Call with the object lock. */
static guint
gst_serial_sink_piece_max_for (GstSerialSink *self, GstClockTime time)
{
  gdouble rate = self->line.rate > 0 ? self->line.rate
      : self->repair.rate > 0        ? self->repair.rate
                                     : self->nominal_rate;

  if (rate <= 0)
    return GST_SERIAL_REPAIR_PIECE_MAX;
  return CLAMP (rate * time / GST_SECOND, GST_SERIAL_REPAIR_PIECE_MIN,
      GST_SERIAL_REPAIR_PIECE_MAX);
}

static guint
gst_serial_sink_line_piece_max (GstSerialSink *self)
{
  return gst_serial_sink_piece_max_for (self, LIVE_PIECE_TIME);
}

/* The longest piece on a shared port, between which the others take their
 * turns. Call with the object lock. */
static guint
gst_serial_sink_shared_piece_max (GstSerialSink *self)
{
  return gst_serial_sink_piece_max_for (self,
      gst_serial_port_others_go_first (self->common.port) ? YIELD_PIECE_TIME
                                                          : LIVE_PIECE_TIME);
}

static guint
gst_serial_sink_live_piece_max (GstSerialSink *self)
{
  return self->wait_for_port ? 0 : gst_serial_sink_line_piece_max (self);
}

/* The piece a frame of @size bytes is cut in: fragment-size, or with
 * parity its default, or else the one the receiver's reports of damage want
 * (frames whole on a clean line). Call with the object lock. */
static guint
gst_serial_sink_piece_size (GstSerialSink *self, gsize size)
{
  guint piece;

  if (self->fragment_size > 0)
    return self->fragment_size;
  /* Said, not left to the packer: a frame is repaired in the cut it went
   * in (sent again whole, its pieces would all be lost again). */
  if (self->fec_percentage > 0)
    return GST_SERIAL_PACKER_FEC_FRAGMENT_SIZE;
  piece = gst_serial_repair_piece_size (&self->repair, size,
      gst_serial_sink_may_hear (self), gst_serial_sink_live_piece_max (self));
  /* Other elements take turns with this one on the line between pieces. */
  if (self->common.port && gst_serial_port_is_shared (self->common.port)) {
    guint shared = gst_serial_sink_shared_piece_max (self);

    if (size > shared)
      piece = piece > 0 ? MIN (piece, shared) : shared;
  }
  /* A frame has at most 65535 pieces. */
  if (piece > 0 && size / piece >= G_MAXUINT16)
    piece = size / G_MAXUINT16 + 1;
  return piece;
}

/* Sends frame @f again, the pieces @nack asks for, cut as
 * gst_serial_repair_cut() says. */
static GstFlowReturn
gst_serial_sink_resend (GstSerialSink *self, GstSerialRepairFrame *f,
    GstBuffer *buffer, const sf_nack *nack)
{
  guint piece;
  sf_result r;

  GST_OBJECT_LOCK (self);
  piece = gst_serial_repair_cut (f, nack,
      gst_serial_sink_piece_size (self, gst_buffer_get_size (buffer)));
  GST_OBJECT_UNLOCK (self);
  r = gst_serial_packer_again (&self->repacker, buffer, f->seq, piece,
      nack->frag_count == 0);
  if (r != SF_OK)
    return gst_serial_sink_write_packet (self, r);
  GST_LOG_OBJECT (self, "repairing frame %u, cut in %u, %u ranges of %u",
      f->seq, piece, nack->n_ranges, nack->frag_count);
  return gst_serial_sink_write_pieces (self, nack);
}

/* Whose requests are served, and when: what is too late. */
typedef enum {
  SERVE_ALL,      /* a stream that must lose nothing: nothing is too late */
  SERVE_IDLE,     /* a live stream between frames: too late when a newer
                     frame waits */
  SERVE_TOO_LATE, /* a live stream before a newer frame: everything is */
} ServeMode;

typedef enum {
  REPAIR_NOTHING,
  REPAIR_RESEND,
  REPAIR_SKIP,
  REPAIR_GIVE_UP
} RepairAction;

/* Whether serving @nack of frame @f in a live stream would still keep the
 * line busy when the next frame is due (from the frames' duration or
 * spacing): the repair would hold up a newer frame, by as much as a whole
 * frame's line time (bench-link --ber 1e-5 latency: a p99 of 1.79 s, one
 * run in four, against 1.0 s). Call with the object lock. */
static gboolean
gst_serial_sink_repair_too_long (GstSerialSink *self,
    const GstSerialRepairFrame *f, const sf_nack *nack, GstClockTime now)
{
  gdouble rate = self->line.rate > 0 ? self->line.rate
      : self->repair.rate > 0        ? self->repair.rate
                                     : self->nominal_rate;
  gsize size = gst_buffer_get_size (f->buffer), bytes = size;
  guint i;

  if (self->next_frame_due == GST_CLOCK_TIME_NONE || rate <= 0)
    return FALSE;
  if (nack->frag_count > 0 && f->piece > 0) {
    bytes = 0;
    for (i = 0; i < nack->n_ranges; i++)
      bytes += (gsize) nack->ranges[i].count * f->piece;
    bytes = MIN (bytes, size);
  }
  return now + bytes * GST_SECOND / rate > self->next_frame_due;
}

/* Whether a live stream moved past frame @f: a newer frame went, which
 * the receiver would hold until the repair came, and which does not need
 * @f (not a delta unit: a delta frame is worth nothing without the frames
 * before it, which are then worth the wait). Call with the object lock. */
static gboolean
gst_serial_sink_moved_past (GstSerialSink *self, const GstSerialRepairFrame *f)
{
  return f->seq != (guint16) (self->packer.seq - 1) && !self->newest_delta;
}

/* What to do with a request: resend, or SKIP what is not held, what a live
 * stream has moved past (a newer frame went that does not need it, goes
 * now, or waits) and what was
 * tried too often; nothing for a request made before the last repair can
 * have arrived. Call with the object lock. */
static RepairAction
gst_serial_sink_repair_action (GstSerialSink *self,
    const GstSerialRepairRequest *req, ServeMode mode, GstClockTime now,
    guint16 *skip_to)
{
  GstSerialRepair *r = &self->repair;
  GstSerialRepairFrame *f = gst_serial_repair_lookup (r, req->seq);
  guint16 next = self->packer.seq;
  GstClockTime margin =
      self->fb.rtt == GST_CLOCK_TIME_NONE ? REPAIR_RTO_MIN : self->fb.rtt;

  if (f == NULL) {
    *skip_to = gst_serial_repair_oldest (r, next);
    GST_LOG_OBJECT (self, "frame %u is not held (acknowledged up to %u)",
        req->seq, r->acked);
    return REPAIR_SKIP;
  }
  if (mode == SERVE_TOO_LATE ||
      (mode == SERVE_IDLE &&
          (gst_serial_sender_has_next (&self->sender) ||
              gst_serial_sink_moved_past (self, f) ||
              gst_serial_sink_repair_too_long (self, f, &req->nack, now)))) {
    r->too_late++;
    *skip_to = next;
    return REPAIR_SKIP;
  }
  if (f->tries >= GST_SERIAL_REPAIR_TRIES) {
    r->given_up++;
    *skip_to = f->seq + 1;
    return REPAIR_GIVE_UP;
  }
  if (f->served != GST_CLOCK_TIME_NONE && now < f->served + margin)
    return REPAIR_NOTHING;
  f->tries++;
  r->served++;
  return REPAIR_RESEND;
}

/* Serves one request of the receiver's. */
static GstFlowReturn
gst_serial_sink_serve (GstSerialSink *self, const GstSerialRepairRequest *req,
    ServeMode mode)
{
  GstClockTime now = gst_serial_sink_now ();
  GstSerialRepairFrame copy = { 0 }, *f;
  GstFlowReturn ret = GST_FLOW_OK;
  guint64 start;
  guint16 skip_to = 0;
  RepairAction action;

  GST_OBJECT_LOCK (self);
  action = gst_serial_sink_repair_action (self, req, mode, now, &skip_to);
  if (action == REPAIR_RESEND) {
    f = gst_serial_repair_lookup (&self->repair, req->seq);
    copy = *f;
    gst_buffer_ref (copy.buffer);
  }
  if (action == REPAIR_SKIP || action == REPAIR_GIVE_UP)
    gst_serial_repair_skipped (&self->repair, skip_to);
  GST_OBJECT_UNLOCK (self);

  switch (action) {
    case REPAIR_RESEND:
      GST_OBJECT_LOCK (self);
      start = self->wire_bytes;
      GST_OBJECT_UNLOCK (self);
      ret = gst_serial_sink_resend (self, &copy, copy.buffer, &req->nack);
      /* The receiver's next report may name it: its round trip starts
       * now. */
      if (ret == GST_FLOW_OK)
        gst_serial_sink_frame_sent (self, req->seq, start);
      GST_OBJECT_LOCK (self);
      f = gst_serial_repair_lookup (&self->repair, req->seq);
      if (f) {
        f->piece = copy.piece;
        f->served = gst_serial_sink_now () + gst_serial_sink_on_way_for (self);
      }
      GST_OBJECT_UNLOCK (self);
      gst_buffer_unref (copy.buffer);
      return ret;
    case REPAIR_GIVE_UP:
      GST_ELEMENT_WARNING (self, STREAM, FAILED,
          ("The line is too noisy: a frame was sent %d times without "
           "reaching the receiver, and is given up.",
              GST_SERIAL_REPAIR_TRIES),
          ("frame %u given up; a lower baud rate, fec-percentage or a "
           "smaller fragment-size may get frames through",
              req->seq));
      return gst_serial_sink_send_skip (self, skip_to);
    case REPAIR_SKIP:
      return gst_serial_sink_send_skip (self, skip_to);
    default:
      return GST_FLOW_OK;
  }
}

/* Serves what the receiver asked for, between frames; the first time it
 * is heard, it learns with a SKIP that this sender repairs. @mode: what is
 * too late. */
static GstFlowReturn
gst_serial_sink_serve_repairs (GstSerialSink *self, ServeMode mode)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstSerialRepairRequest req;
  gboolean hello, have;
  guint16 oldest;

  if (self->common.run.framing != GST_SERIAL_FRAMING_NATIVE)
    return GST_FLOW_OK;
  do {
    GST_OBJECT_LOCK (self);
    hello = gst_serial_repair_take_hello (&self->repair);
    oldest = gst_serial_repair_oldest (&self->repair, self->packer.seq);
    have = !hello && gst_serial_repair_pop (&self->repair, &req);
    GST_OBJECT_UNLOCK (self);
    if (hello)
      ret = gst_serial_sink_send_skip (self, oldest);
    else if (have)
      ret = gst_serial_sink_serve (self, &req, mode);
  } while (ret == GST_FLOW_OK && (hello || have));
  return ret;
}

/* Bytes written that the receiver's reports do not show arrived. Call with
 * the object lock. */
static guint64
gst_serial_sink_on_way (GstSerialSink *self)
{
  return self->wire_bytes > self->fb.reached
      ? self->wire_bytes - self->fb.reached
      : 0;
}

/* How long until what was written has reached the receiver: what the line
 * model says when pacing, else the bytes on their way at the rate the
 * reports show (0 before they show one). Call with the object lock. */
static GstClockTime
gst_serial_sink_on_way_for (GstSerialSink *self)
{
  GstClockTime now = gst_serial_sink_now ();
  guint64 on_way = gst_serial_sink_on_way (self);

  if (self->line.rate > 0 || self->repair.rate <= 0)
    return gst_serial_line_busy_for (gst_serial_sink_line (self), now);
  return (GstClockTime) (on_way * GST_SECOND / self->repair.rate);
}

/* Whether more than a window of bytes is on its way to the receiver, and
 * it has not begun the last frame yet (one frame may always be on its way,
 * however large). Call with the object lock. */
static gboolean
gst_serial_sink_window_full (GstSerialSink *self)
{
  guint64 on_way = gst_serial_sink_on_way (self);
  gsize window = gst_serial_repair_window (&self->repair, self->line.rate);

  /* A frame that goes whole is reported only once it is in: two and a
   * half of them keep the line busy meanwhile. */
  if (self->packer.fragment_size == 0)
    window = MAX (window, 5 * self->frame_wire / 2);
  return self->fb.reached < self->frame_start && on_way >= window;
}

/* Before the receiver is heard: whether the first window is on its way
 * beyond what the line, at its nominal rate (the baud rate, or link-rate),
 * can have carried since the start. A sender whose receiver never speaks
 * then goes at the line's rate for REPAIR_GRACE, and one on a
 * pseudo-terminal or USB CDC ACM port does not fill megabytes of buffers
 * before the first report. Call with the object lock. */
static gboolean
gst_serial_sink_ahead_unheard (GstSerialSink *self, GstClockTime now)
{
  gdouble carried = self->nominal_rate * (now - self->started) / GST_SECOND;

  return self->wire_bytes >= carried + GST_SERIAL_REPAIR_WINDOW_FIRST;
}

/* Whether a frame of @size bytes, not the first, would be cut in first
 * pieces (gst_serial_repair_piece_size()), the damage not yet known, while
 * the line, at its nominal rate, is still busy with more than
 * LINE_AHEAD_TIME of earlier frames: it waits for the reports of the first
 * bytes, and on a clean line then goes whole. Cut at once, each frame
 * after the first cost 6 % of its bytes (921600 baud, 30 KiB frames:
 * 99.46 % of the line, 99.88 % without first pieces). Call with the object
 * lock. */
static gboolean
gst_serial_sink_cut_unknown (GstSerialSink *self, gsize size, GstClockTime now)
{
  gdouble carried = self->nominal_rate * (now - self->started) / GST_SECOND;
  gdouble ahead =
      MAX (self->nominal_rate * LINE_AHEAD_TIME / GST_SECOND, LINE_AHEAD_MIN);

  return self->frames_sent > 0 && self->fragment_size == 0 &&
      self->fec_percentage == 0 && !self->repair.measured &&
      size > GST_SERIAL_REPAIR_PIECE_MAX && gst_serial_sink_may_hear (self) &&
      self->wire_bytes > carried + ahead;
}

/* Whether to wait for the receiver: it listens, and lacks frames (@all: any
 * frame; else so many that the next frame, of @size bytes, would push out
 * one it may still ask for, or more than a window of bytes is on its way).
 * Before it is first heard, for REPAIR_GRACE, no more than the first window
 * ahead of the line's nominal rate goes, nor more frames than are held.
 * Frames it stays silent about go again. */
static gboolean
gst_serial_sink_must_wait (GstSerialSink *self, gboolean all, gsize size)
{
  GstClockTime now = gst_serial_sink_now ();
  GstSerialRepair *r = &self->repair;
  gboolean wait;

  GST_OBJECT_LOCK (self);
  if (!all && gst_serial_sink_cut_unknown (self, size, now))
    wait = TRUE;
  else if (!gst_serial_repair_listening (r, now))
    wait = !all && r->last_heard == GST_CLOCK_TIME_NONE &&
        now < self->started + REPAIR_GRACE &&
        (gst_serial_sink_ahead_unheard (self, now) ||
            gst_serial_repair_full (r, size));
  else if (all)
    wait = gst_serial_repair_in_flight (r, self->packer.seq) > 0;
  else
    wait =
        gst_serial_repair_full (r, size) || gst_serial_sink_window_full (self);
  if (wait)
    gst_serial_repair_timeout (r, self->packer.seq, gst_serial_sink_rto (self),
        now);
  GST_OBJECT_UNLOCK (self);
  return wait;
}

/* Before a frame of @size bytes, or (@all) the EOS of a stream that must
 * lose nothing: serves repairs and waits, reading the receiver, as long as
 * gst_serial_sink_must_wait() says. A pause, flush or stop ends the wait
 * as it ends a write. */
static GstFlowReturn
gst_serial_sink_await_receiver (GstSerialSink *self, gboolean all, gsize size)
{
  GstClockTime since = GST_CLOCK_TIME_NONE;
  GstSerialPortError err = { 0 };
  GstFlowReturn ret;
  gboolean pending;

  /* At EOS too, what the receiver said last decides. */
  gst_serial_sink_read_feedback (self);
  for (;;) {
    ret = gst_serial_sink_serve_repairs (self, SERVE_ALL);
    if (ret != GST_FLOW_OK || !gst_serial_sink_must_wait (self, all, size)) {
      if (since != GST_CLOCK_TIME_NONE)
        GST_DEBUG_OBJECT (self, "waited %" GST_TIME_FORMAT " for the receiver",
            GST_TIME_ARGS (gst_serial_sink_now () - since));
      return ret;
    }
    if (since == GST_CLOCK_TIME_NONE)
      since = gst_serial_sink_now ();
    GST_OBJECT_LOCK (self);
    pending = self->repair.n_requests > 0;
    GST_OBJECT_UNLOCK (self);
    if (pending)
      continue;
    ret = gst_serial_sink_waited (self,
        gst_serial_port_wait_read (self->common.port, REPAIR_POLL, &err), &err);
    if (ret != GST_FLOW_OK)
      return ret;
    gst_serial_sink_read_feedback (self);
  }
}

/* Tells the receiver that this sender repairs: twice before the first
 * frame, so that it holds a frame that arrives damaged from the start and
 * asks for it, whatever the noise; then, until it is heard, every
 * hello interval of the repair module, for a receiver that missed both or
 * started later (once heard, gst_serial_sink_serve_repairs() does). */
static GstFlowReturn
gst_serial_sink_announce (GstSerialSink *self)
{
  GstClockTime now = gst_serial_sink_now ();
  GstFlowReturn ret = GST_FLOW_OK;
  guint16 oldest;
  gboolean due;
  guint copies;

  GST_OBJECT_LOCK (self);
  due = !self->announced ||
      (self->repair.last_heard == GST_CLOCK_TIME_NONE &&
          now >= self->announced_at + self->repair.hello_interval);
  oldest = gst_serial_repair_oldest (&self->repair, self->packer.seq);
  GST_OBJECT_UNLOCK (self);
  if (!due)
    return GST_FLOW_OK;

  copies = self->announced ? 1 : 2;
  while (copies-- > 0 && ret == GST_FLOW_OK)
    ret = gst_serial_sink_send_skip (self, oldest);
  if (ret != GST_FLOW_OK)
    return ret;
  if (!self->announced)
    self->started = now;
  self->announced = TRUE;
  self->announced_at = now;
  return GST_FLOW_OK;
}

/* Between frames: what the receiver said, the repairs it asked for, and,
 * for a stream that must lose nothing, room in what is held for it. */
static GstFlowReturn
gst_serial_sink_before_frame (GstSerialSink *self, GstBuffer *buffer)
{
  gboolean live = !self->wait_for_port;
  GstFlowReturn ret;

  if (self->common.run.framing != GST_SERIAL_FRAMING_NATIVE)
    return GST_FLOW_OK;
  ret = gst_serial_sink_announce (self);
  if (ret != GST_FLOW_OK)
    return ret;
  gst_serial_sink_read_feedback (self);
  if (live)
    /* The frame about to go is newer than any asked for. */
    return gst_serial_sink_serve_repairs (self, SERVE_TOO_LATE);
  return gst_serial_sink_await_receiver (self, FALSE,
      gst_buffer_get_size (buffer));
}

/* When what was written will have reached the receiver, for the repair
 * timeout. Before the line is paced or the reports show its rate, at the
 * nominal rate, but no later than half of GST_SERIAL_REPAIR_SILENCE: the
 * baud rate of a pseudo-terminal or USB CDC ACM port may be a hundredth of
 * the real one, and a frame lost whole must still be probed for before
 * the sender stops listening. Call with the object lock. */
static GstClockTime
gst_serial_sink_arrives (GstSerialSink *self)
{
  GstClockTime now = gst_serial_sink_now ();

  if (self->line.rate > 0 || self->repair.rate > 0)
    return now + gst_serial_sink_on_way_for (self);
  if (self->nominal_rate <= 0)
    return GST_CLOCK_TIME_NONE;
  return now +
      MIN (gst_serial_sink_on_way (self) * GST_SECOND / self->nominal_rate,
          GST_SERIAL_REPAIR_SILENCE / 2);
}

/* Holds the frame just sent for repair: a copy when it comes from a pool,
 * which must have its buffers back. While the receiver is not heard, only
 * the last few, for the first requests it makes. */
static void
gst_serial_sink_hold (GstSerialSink *self, GstBuffer *buffer, guint16 seq)
{
  GstBuffer *held =
      buffer->pool ? gst_buffer_copy_deep (buffer) : gst_buffer_ref (buffer);

  GST_OBJECT_LOCK (self);
  gst_serial_repair_sent (&self->repair, seq, held, self->packer.fragment_size,
      gst_serial_repair_listening (&self->repair, gst_serial_sink_now ()),
      gst_serial_sink_arrives (self));
  GST_OBJECT_UNLOCK (self);
  gst_buffer_unref (held);
}

/* In the sender thread, while no frame is to go: the receiver's requests
 * are served now, not only before the next frame, which may be long in
 * coming (a paused upstream, the last frame of a file). Never while the
 * streaming thread writes. */
static void
gst_serial_sink_idle (gpointer user_data)
{
  GstSerialSink *self = user_data;

  if (self->common.run.framing != GST_SERIAL_FRAMING_NATIVE ||
      !g_mutex_trylock (&self->write_lock))
    return;
  if (self->common.port != NULL) {
    gst_serial_sink_read_feedback (self);
    /* A failing port shows in the next frame's write. */
    gst_serial_sink_serve_repairs (self,
        self->wait_for_port ? SERVE_ALL : SERVE_IDLE);
  }
  g_mutex_unlock (&self->write_lock);
}

/* Sends @buffer on the port, waiting for the port if it is away (or, with
 * wait_for_port FALSE, dropping the frame then), and counts it. */
static GstFlowReturn
gst_serial_sink_deliver (GstSerialSink *self, GstBuffer *buffer)
{
  GstClockTime busy_for, now;
  GstSerialFrame frame;
  GstFlowReturn ret;

  ret = gst_serial_sink_ensure_port (self);
  if (ret == GST_FLOW_OK) {
    GST_OBJECT_LOCK (self);
    gst_serial_port_set_priority (self->common.port, self->priority);
    GST_OBJECT_UNLOCK (self);
    ret = gst_serial_sink_before_frame (self, buffer);
  }
  /* The port went while repairing: the frame waits for it, or goes. */
  if (ret == FLOW_FRAME_LOST)
    ret = gst_serial_sink_ensure_port (self);
  if (ret == GST_SERIAL_FLOW_ABSENT) {
    gst_serial_sink_frame (self, buffer, &frame);
    gst_serial_sink_dropped (self, buffer, FALSE, &frame);
    return GST_FLOW_OK;
  }
  if (ret == GST_FLOW_OK)
    ret = gst_serial_sink_send (self, buffer);
  if (ret == FLOW_FRAME_LOST) {
    GST_INFO_OBJECT (self, "port lost, and the frame with it");
    return GST_FLOW_OK;
  }
  if (ret != GST_FLOW_OK)
    return ret;

  /* Counted here once, whatever the framing; wire bytes are counted where
   * they are written. When the line will be free, in running time: frames
   * due well before then are stale. */
  now = gst_serial_common_running_time (GST_ELEMENT (self));
  GST_OBJECT_LOCK (self);
  self->frames_sent++;
  self->payload_bytes += gst_buffer_get_size (buffer);
  gst_serial_rate_meter_add (&self->meter, gst_buffer_get_size (buffer), 0);
  busy_for = gst_serial_line_busy_for (gst_serial_sink_line (self),
      gst_serial_sink_now ());
  gst_serial_freshness_sent (&self->fresh, now, busy_for);
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

/* The line will be busy with @buffer from now on: the frames due before
 * it is free are stale, and the streaming thread drops them as they come,
 * telling upstream, instead of handing them over to be replaced. */
static void
gst_serial_sink_busy_with (GstSerialSink *self, GstBuffer *buffer)
{
  GstClockTime now = gst_serial_common_running_time (GST_ELEMENT (self));
  GstClockTime busy_for;

  GST_OBJECT_LOCK (self);
  busy_for = gst_serial_line_busy_for (gst_serial_sink_line (self),
      gst_serial_sink_now ());
  if (self->line.rate > 0)
    busy_for += gst_buffer_get_size (buffer) * GST_SECOND / self->line.rate;
  gst_serial_freshness_sent (&self->fresh, now, busy_for);
  GST_OBJECT_UNLOCK (self);
}

/* In the sender thread: a frame that may be dropped. */
static GstFlowReturn
gst_serial_sink_send_frame (GstBuffer *buffer, gpointer user_data)
{
  GstSerialSink *self = user_data;

  gst_serial_sink_busy_with (self, buffer);
  self->wait_for_port = FALSE;
  return gst_serial_sink_deliver (self, buffer);
}

/* Before the streaming thread writes itself: waits until the sender thread
 * has sent what it was given and the pipeline plays. Call with the preroll
 * lock. */
static GstFlowReturn
gst_serial_sink_wait_to_write (GstSerialSink *self)
{
  GstFlowReturn ret;

  while ((ret = gst_serial_sender_wait_idle (&self->sender)) ==
      GST_FLOW_FLUSHING) {
    ret = gst_serial_sink_interrupted (self);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  return ret == GST_FLOW_OK ? gst_serial_sink_wait_playing (self) : ret;
}

/* A frame that may be dropped goes to the sender thread, which sends it
 * at once if it is idle, or else after the frame on its way, unless a
 * newer frame replaces it meanwhile: render() returns at once, so that a
 * live upstream is never held back by a busy line and the newest frame is
 * ready when the line is free. A delta frame does not replace the frame
 * it needs: it is dropped instead. */
static GstFlowReturn
gst_serial_sink_hand_over (GstSerialSink *self, GstBuffer *buffer,
    GstSerialFrame *frame)
{
  gboolean delta = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  GstBuffer *replaced = NULL;
  GstSerialFrame old;
  GstFlowReturn ret;
  gboolean behind;

  if (delta && gst_serial_sender_has_next (&self->sender)) {
    gst_serial_sink_dropped (self, buffer, FALSE, frame);
    return GST_FLOW_OK;
  }
  ret = gst_serial_sender_offer (&self->sender, buffer, &behind, &replaced);
  if (ret == GST_FLOW_OK && !behind)
    gst_serial_sink_busy_with (self, buffer);
  if (replaced) {
    gst_serial_sink_frame (self, replaced, &old);
    gst_serial_sink_dropped (self, replaced, TRUE, &old);
    gst_buffer_unref (replaced);
  }
  return ret;
}

/* When a live stream's next frame is due, from the frame's duration or the
 * spacing the drop policy saw (the buffer's duration also without a
 * timestamp); GST_CLOCK_TIME_NONE when neither is known. */
static GstClockTime
gst_serial_sink_next_frame_due (const GstSerialFrame *frame,
    GstClockTime duration)
{
  if (frame->duration > 0)
    return gst_serial_sink_now () + frame->duration;
  if (GST_CLOCK_TIME_IS_VALID (duration) && duration > 0)
    return gst_serial_sink_now () + duration;
  return GST_CLOCK_TIME_NONE;
}

static GstFlowReturn
gst_serial_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);
  gboolean delta = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  GstSerialFreshnessVerdict verdict;
  GstSerialFrame frame;
  GstClockTime running_time;
  GstFlowReturn ret;

  GST_OBJECT_LOCK (self);
  gst_serial_schedule_frame (&self->sched, delta);
  GST_OBJECT_UNLOCK (self);

  if (gst_serial_sink_may_drop (self)) {
    GST_OBJECT_LOCK (self);
    running_time = gst_serial_sink_running_time (self, buffer);
    verdict = gst_serial_freshness_check (&self->fresh, running_time,
        GST_BUFFER_DURATION (buffer), delta, &frame);
    /* For repairs, which must not hold up the next frame. */
    self->next_frame_due =
        gst_serial_sink_next_frame_due (&frame, GST_BUFFER_DURATION (buffer));
    GST_OBJECT_UNLOCK (self);
    if (verdict == GST_SERIAL_FRESHNESS_SEND)
      return gst_serial_sink_hand_over (self, buffer, &frame);
    gst_serial_sink_dropped (self, buffer,
        verdict == GST_SERIAL_FRESHNESS_STALE, &frame);
    return GST_FLOW_OK;
  }

  /* Nothing may be dropped: the frame goes from here, after what the
   * sender thread still has (the drop policy or upstream changed). The
   * port may be away (reconnect), also since a flush or stop interrupted
   * the wait for it. */
  ret = gst_serial_sink_wait_to_write (self);
  if (ret != GST_FLOW_OK)
    return ret;
  self->wait_for_port = TRUE;
  g_mutex_lock (&self->write_lock);
  ret = gst_serial_sink_deliver (self, buffer);
  g_mutex_unlock (&self->write_lock);
  return ret;
}

/* A damaged EOS would leave the receiver waiting for ever: send copies,
 * which it recognises by their unchanged seq (docs/protocol.md). */
#define EOS_COPIES 3

static GstFlowReturn
gst_serial_sink_send_eos (GstSerialSink *self)
{
  GstFlowReturn ret;
  guint copies = 0;

  while (copies < EOS_COPIES) {
    ret = gst_serial_sink_ensure_port (self);
    if (ret == GST_FLOW_OK)
      ret = gst_serial_sink_write_packet (self,
          gst_serial_packer_eos (&self->packer));
    if (ret == FLOW_FRAME_LOST) {
      /* The copies sent went with the old port; all go on the new one. */
      copies = 0;
      continue;
    }
    if (ret != GST_FLOW_OK)
      return ret;
    copies++;
  }
  return GST_FLOW_OK;
}

/* Waits until the driver has sent everything out. A port that is away has
 * nothing left to send. */
static GstFlowReturn
gst_serial_sink_drain (GstSerialSink *self)
{
  GstSerialPortError err = { 0 };
  GstSerialIoResult res;
  GstFlowReturn ret;

  while (self->common.port != NULL) {
    res = gst_serial_port_drain (self->common.port, &err);
    if (res == GST_SERIAL_IO_OK)
      break;
    ret = gst_serial_sink_waited (self, res, &err);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  return GST_FLOW_OK;
}

/* The EOS goes on the line once GstBaseSink has prerolled on it and the
 * pipeline plays, with the preroll lock held as for buffers: a pause while
 * it is sent waits in gst_base_sink_wait_preroll() and then goes on, while
 * a flush or a stop ends it there, and GstBaseSink then posts no EOS. */
static GstFlowReturn
gst_serial_sink_wait_event (GstBaseSink *bsink, GstEvent *event)
{
  GstSerialSink *self = GST_SERIAL_SINK (bsink);
  GstFlowReturn ret;

  ret = GST_BASE_SINK_CLASS (parent_class)->wait_event (bsink, event);
  if (ret != GST_FLOW_OK || GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return ret;

  ret = gst_serial_sink_wait_to_write (self);
  self->wait_for_port = TRUE;
  g_mutex_lock (&self->write_lock);
  ret = gst_serial_sink_end_stream (self, ret);
  g_mutex_unlock (&self->write_lock);
  return ret;
}

/* After the frames: the repairs a stream that must lose nothing still
 * needs, the EOS packets, and the driver drained. */
static GstFlowReturn
gst_serial_sink_end_stream (GstSerialSink *self, GstFlowReturn ret)
{
  /* A stream that must lose nothing ends once the receiver has it all. */
  if (ret == GST_FLOW_OK &&
      self->common.run.framing == GST_SERIAL_FRAMING_NATIVE &&
      !gst_serial_sink_may_drop (self)) {
    ret = gst_serial_sink_ensure_port (self);
    if (ret == GST_FLOW_OK)
      ret = gst_serial_sink_await_receiver (self, TRUE, 0);
    if (ret == FLOW_FRAME_LOST || ret == GST_SERIAL_FLOW_ABSENT)
      ret = GST_FLOW_OK;
  }
  if (ret == GST_FLOW_OK &&
      self->common.run.framing == GST_SERIAL_FRAMING_NATIVE)
    ret = gst_serial_sink_send_eos (self);
  /* Everything must have left the driver before EOS is reported, or the
   * application closes the port on data still queued. */
  if (ret == GST_FLOW_OK)
    ret = gst_serial_sink_drain (self);
  if (ret != GST_FLOW_OK)
    GST_DEBUG_OBJECT (self, "EOS not sent: %s", gst_flow_get_name (ret));
  return ret;
}
