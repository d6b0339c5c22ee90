/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-monitor: streams video over a serial link with serialsink and
 * serialsrc, and prints the link's health.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * An application as a user writes one: it links against GStreamer only and
 * finds serialsink and serialsrc in the registry like any other element
 * (install the plugin, or point GST_PLUGIN_PATH at the build). It builds a
 * sender pipeline, a receiver pipeline or both:
 *
 *   sender:   SOURCE ! videoconvert ! videoscale ! videorate
 *               ! video/x-raw,width=W,height=H,framerate=FPS/1
 *               ! jpegenc ! serialsink port=SEND_PORT
 *   receiver: serialsrc port=RECEIVE_PORT ! jpegdec ! videoconvert ! SINK
 *
 * and watches their buses: both elements post their `link-stats` structure
 * every --stats-interval milliseconds (serialsink-link-stats,
 * serialsrc-link-stats), serial-port-lost and serial-port-restored when a
 * port goes away and comes back (--reconnect), QoS when serialsink drops a
 * stale frame, warnings, errors and EOS. Each becomes one readable line on
 * standard output; errors go to standard error with their domain, code and
 * debug detail, and make the exit status 1.
 *
 * Usage:
 *
 *   serial-link-monitor --send-port /dev/ttyUSB0 --baud-rate 921600
 *   serial-link-monitor --receive-port /dev/ttyUSB1 --baud-rate 921600 \
 *       --sink autovideosink
 *   serial-link-monitor --send-port /tmp/ttyA --receive-port /tmp/ttyB \
 *       --num-buffers 300 --source "v4l2src device=/dev/video0"
 *
 * With both ports it is a loopback: the receiver starts first, then the
 * sender, and it ends when both have seen EOS (the sender's EOS travels over
 * the wire). Ctrl-C ends the stream cleanly (EOS); a second Ctrl-C quits.
 * At every EOS it reads the element's link-stats property and prints it as
 * a "final" line, then a last line of the form
 *
 *   summary: sent 30 frames, 0 dropped, 263743 wire bytes; received 30
 *   frames, 0 lost, 0 damaged, 263643 wire bytes; decoded 30 frames of
 *   320x240; 0 reconnects
 *
 * (on one line) that scripts can check. The receiver reads 100 bytes fewer
 * than the sender writes: serialsink sends its EOS packet three times, and
 * serialsrc stops at the first.
 */

#include <gst/gst.h>
#include <glib-unix.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_BAUD_RATE 115200
#define DEFAULT_WIDTH 320
#define DEFAULT_HEIGHT 240
#define DEFAULT_FPS 10
#define DEFAULT_QUALITY 50
#define DEFAULT_SOURCE "videotestsrc is-live=true"
#define DEFAULT_SINK "fakesink"
#define DEFAULT_STATS_INTERVAL 1000

#define EXIT_USAGE 2

static gchar *opt_send_port;
static gchar *opt_receive_port;
static gint opt_baud_rate = DEFAULT_BAUD_RATE;
static gint opt_num_buffers = -1;
static gint opt_width = DEFAULT_WIDTH;
static gint opt_height = DEFAULT_HEIGHT;
static gint opt_fps = DEFAULT_FPS;
static gint opt_quality = DEFAULT_QUALITY;
static gchar *opt_source;
static gchar *opt_sink;
static gint opt_stats_interval = DEFAULT_STATS_INTERVAL;
static gint opt_link_rate;
static gboolean opt_reconnect;

static const GOptionEntry entries[] = {
  { "send-port", 's', 0, G_OPTION_ARG_FILENAME, &opt_send_port,
      "Send video to this serial port", "PATH" },
  { "receive-port", 'r', 0, G_OPTION_ARG_FILENAME, &opt_receive_port,
      "Receive video from this serial port (with --send-port: a loopback)",
      "PATH" },
  { "baud-rate", 'b', 0, G_OPTION_ARG_INT, &opt_baud_rate,
      "Bits per second on both ports (default 115200)", "N" },
  { "num-buffers", 'n', 0, G_OPTION_ARG_INT, &opt_num_buffers,
      "Frames to send, then EOS; receiver only: frames to receive "
      "(default: until Ctrl-C)",
      "N" },
  { "width", 0, 0, G_OPTION_ARG_INT, &opt_width,
      "Width of the frames sent (default 320)", "PIXELS" },
  { "height", 0, 0, G_OPTION_ARG_INT, &opt_height,
      "Height of the frames sent (default 240)", "PIXELS" },
  { "fps", 0, 0, G_OPTION_ARG_INT, &opt_fps,
      "Frames per second sent (default 10)", "N" },
  { "quality", 'q', 0, G_OPTION_ARG_INT, &opt_quality,
      "JPEG quality, 0 to 100 (default 50)", "N" },
  { "source", 0, 0, G_OPTION_ARG_STRING, &opt_source,
      "Video source, a pipeline fragment (default \"" DEFAULT_SOURCE
      "\"; a camera: \"v4l2src device=/dev/video0\")",
      "FRAGMENT" },
  { "sink", 0, 0, G_OPTION_ARG_STRING, &opt_sink,
      "Where received video goes, a pipeline fragment (default "
      "\"" DEFAULT_SINK "\"; to watch it: \"autovideosink\")",
      "FRAGMENT" },
  { "stats-interval", 'i', 0, G_OPTION_ARG_INT, &opt_stats_interval,
      "Print link statistics every N milliseconds, 0: only at the end "
      "(default 1000)",
      "MS" },
  { "link-rate", 0, 0, G_OPTION_ARG_INT, &opt_link_rate,
      "Bytes per second the link really carries, when slower than its baud "
      "rate (a telemetry radio) or when the baud rate is fiction (a "
      "pseudo-terminal): the sender paces at it (default: from the baud "
      "rate on real UARTs, not paced on pseudo-terminals)",
      "BYTES_PER_S" },
  { "reconnect", 0, 0, G_OPTION_ARG_NONE, &opt_reconnect,
      "Keep running when a port goes away and reopen it when it is back",
      NULL },
  { NULL }
};

typedef struct _Monitor Monitor;

/* One pipeline and the serial element in it. */
typedef struct {
  Monitor *monitor;
  const gchar *tag; /* "tx" or "rx": the prefix of its lines */
  GstElement *pipeline;
  GstElement *serial;
  guint bus_watch;
  gboolean eos_sent; /* asked to finish (Ctrl-C, frame count) */
  gboolean done;     /* EOS reached */
  guint reconnects;
  gint64 started_at; /* monotonic time the pipeline started */
  gint64 lost_at;    /* monotonic time the port went away, 0: it is there */
  guint qos_messages;
  GstStructure *final_stats;
} Endpoint;

struct _Monitor {
  GMainLoop *loop;
  Endpoint tx;
  Endpoint rx;
  gint decoded; /* frames out of jpegdec, atomic */
  gint width;
  gint height;
  int exit_status;
};

static gboolean
endpoint_active (const Endpoint *ep)
{
  return ep->pipeline != NULL;
}

/* ------------------------------------------------------------------------ */
/* Printing */

/* "11.5 kB"; the caller frees. Not g_format_size(): its non-breaking space
 * turns into "?" outside UTF-8 locales, and logs are often plain C. */
static gchar *
format_size (gdouble bytes)
{
  if (bytes < 1000)
    return g_strdup_printf ("%.0f B", bytes);
  if (bytes < 1000 * 1000)
    return g_strdup_printf ("%.1f kB", bytes / 1000);
  return g_strdup_printf ("%.2f MB", bytes / (1000 * 1000));
}

static gchar *
format_rate (gdouble bytes_per_second)
{
  gchar *size = format_size (bytes_per_second);
  gchar *rate = g_strdup_printf ("%s/s", size);

  g_free (size);
  return rate;
}

static guint64
stats_uint64 (const GstStructure *s, const gchar *field)
{
  guint64 value = 0;

  gst_structure_get_uint64 (s, field, &value);
  return value;
}

static gdouble
stats_double (const GstStructure *s, const gchar *field)
{
  gdouble value = 0.0;

  gst_structure_get_double (s, field, &value);
  return value;
}

/* What went over the port: the rates of the last second or so while
 * running, the totals and the time at the end (a run shorter than the
 * rate window has no rates yet). The caller frees. */
static gchar *
format_traffic (const Endpoint *ep, const GstStructure *s, gboolean final)
{
  gchar *payload, *wire, *text;

  if (final) {
    payload = format_size (stats_uint64 (s, "payload-bytes"));
    wire = format_size (stats_uint64 (s, "wire-bytes"));
    text = g_strdup_printf ("%s payload, %s wire in %.1f s", payload, wire,
        (g_get_monotonic_time () - ep->started_at) / 1e6);
  } else {
    payload = format_rate (stats_double (s, "payload-rate"));
    wire = format_rate (stats_double (s, "wire-rate"));
    text = g_strdup_printf ("%s payload, %s wire", payload, wire);
  }
  g_free (payload);
  g_free (wire);
  return text;
}

static void
print_sink_stats (const Endpoint *ep, const GstStructure *s, gboolean final)
{
  gdouble line_rate = stats_double (s, "line-rate");
  gchar *traffic = format_traffic (ep, s, final);
  gchar *line = format_rate (line_rate);
  gchar *in_flight = format_size (stats_uint64 (s, "bytes-in-flight"));

  g_print ("[tx] %ssent %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
           " dropped | %s",
      final ? "final: " : "", stats_uint64 (s, "frames-sent"),
      stats_uint64 (s, "frames-dropped"), traffic);
  /* A pseudo-terminal's or a USB CDC port's baud rate is fiction: the sink
   * does not pace there, so there is no line to compare with. */
  if (line_rate <= 0)
    g_print (" | not paced\n");
  else if (final)
    g_print (" | %s line\n", line);
  else
    g_print (" | utilisation %.0f %% of a %s line | %s in flight\n",
        100.0 * stats_double (s, "utilisation"), line, in_flight);
  g_free (traffic);
  g_free (line);
  g_free (in_flight);
}

/* Packets that arrived but could not be delivered: the link damaged them. */
static guint64
src_damaged (const GstStructure *s)
{
  return stats_uint64 (s, "check-failures") + stats_uint64 (s, "malformed") +
      stats_uint64 (s, "oversize-frames") + stats_uint64 (s, "bad-version");
}

static void
print_src_stats (const Endpoint *ep, const GstStructure *s, gboolean final)
{
  gchar *traffic = format_traffic (ep, s, final);
  gchar *skipped = format_size (stats_uint64 (s, "bytes-skipped"));

  g_print ("[rx] %sreceived %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
           " lost, %" G_GUINT64_FORMAT " damaged | %s | %s skipped",
      final ? "final: " : "", stats_uint64 (s, "frames-received"),
      stats_uint64 (s, "lost-frames"), src_damaged (s), traffic, skipped);
  if (src_damaged (s) > 0)
    g_print (" (CRC %" G_GUINT64_FORMAT ", malformed %" G_GUINT64_FORMAT
             ", oversize %" G_GUINT64_FORMAT ")",
        stats_uint64 (s, "check-failures"), stats_uint64 (s, "malformed"),
        stats_uint64 (s, "oversize-frames"));
  g_print ("\n");
  g_free (traffic);
  g_free (skipped);
}

static void
print_stats (const Endpoint *ep, const GstStructure *s, gboolean final)
{
  if (ep == &ep->monitor->tx)
    print_sink_stats (ep, s, final);
  else
    print_src_stats (ep, s, final);
}

static void
print_gerror (const gchar *tag, const gchar *what, GstMessage *msg,
    const GError *err, const gchar *debug)
{
  g_printerr ("[%s] %s from %s: %s\n", tag, what, GST_MESSAGE_SRC_NAME (msg),
      err->message);
  g_printerr ("[%s]   domain %s, code %d\n", tag,
      g_quark_to_string (err->domain), err->code);
  g_printerr ("[%s]   debug: %s\n", tag, debug ? debug : "(none)");
}

static void
print_summary (Monitor *m)
{
  GString *line = g_string_new ("summary: ");
  const GstStructure *s;

  if (endpoint_active (&m->tx) && (s = m->tx.final_stats) != NULL)
    g_string_append_printf (line,
        "sent %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
        " dropped, %" G_GUINT64_FORMAT " wire bytes; ",
        stats_uint64 (s, "frames-sent"), stats_uint64 (s, "frames-dropped"),
        stats_uint64 (s, "wire-bytes"));
  if (endpoint_active (&m->rx) && (s = m->rx.final_stats) != NULL)
    g_string_append_printf (line,
        "received %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
        " lost, %" G_GUINT64_FORMAT " damaged, %" G_GUINT64_FORMAT
        " wire bytes; decoded %d frames of %dx%d; ",
        stats_uint64 (s, "frames-received"), stats_uint64 (s, "lost-frames"),
        src_damaged (s), stats_uint64 (s, "wire-bytes"),
        g_atomic_int_get (&m->decoded), m->width, m->height);
  g_string_append_printf (line, "%u reconnects",
      m->tx.reconnects + m->rx.reconnects);
  g_print ("%s\n", line->str);
  g_string_free (line, TRUE);
}

/* ------------------------------------------------------------------------ */
/* The bus */

static void
monitor_quit (Monitor *m, int exit_status)
{
  if (exit_status > m->exit_status)
    m->exit_status = exit_status;
  g_main_loop_quit (m->loop);
}

/* Ends the stream cleanly: the sender's EOS also travels over the wire. */
static void
endpoint_finish (Endpoint *ep)
{
  if (!endpoint_active (ep) || ep->eos_sent || ep->done)
    return;
  ep->eos_sent = TRUE;
  gst_element_send_event (ep->pipeline, gst_event_new_eos ());
}

static void
on_port_message (Endpoint *ep, const GstStructure *s)
{
  const gchar *port = gst_structure_get_string (s, "port");

  if (gst_structure_has_name (s, "serial-port-lost")) {
    ep->lost_at = g_get_monotonic_time ();
    g_print ("[%s] port %s lost, reopening it when it is back\n", ep->tag,
        port);
  } else {
    gdouble down =
        ep->lost_at ? (g_get_monotonic_time () - ep->lost_at) / 1e6 : 0.0;

    ep->lost_at = 0;
    ep->reconnects++;
    g_print ("[%s] port %s restored after %.1f s (reconnect %u)\n", ep->tag,
        port, down, ep->reconnects);
  }
}

static void
on_element_message (Endpoint *ep, GstMessage *msg)
{
  const GstStructure *s = gst_message_get_structure (msg);

  if (gst_structure_has_name (s, "serialsink-link-stats") ||
      gst_structure_has_name (s, "serialsrc-link-stats"))
    print_stats (ep, s, FALSE);
  else if (gst_structure_has_name (s, "serial-port-lost") ||
      gst_structure_has_name (s, "serial-port-restored"))
    on_port_message (ep, s);
}

/* serialsink posts QoS for every stale frame it drops, and a display sink
 * for every late frame: say so once, the stats lines count them. */
static void
on_qos (Endpoint *ep, GstMessage *msg)
{
  guint64 processed, dropped;
  GstFormat format;

  if (ep->qos_messages++ > 0)
    return;
  gst_message_parse_qos_stats (msg, &format, &processed, &dropped);
  g_print ("[%s] QoS: %s dropped a frame that would have been late, after "
           "%" G_GUINT64_FORMAT " processed (the link or the sink is too "
           "slow for the frame rate; the stats lines count the drops)\n",
      ep->tag, GST_MESSAGE_SRC_NAME (msg), processed);
}

static void
on_eos (Endpoint *ep)
{
  Monitor *m = ep->monitor;

  ep->done = TRUE;
  /* The property is there after the last periodic message, whatever the
   * stats interval: the final line never depends on timing. */
  g_object_get (ep->serial, "link-stats", &ep->final_stats, NULL);
  print_stats (ep, ep->final_stats, TRUE);
  if ((!endpoint_active (&m->tx) || m->tx.done) &&
      (!endpoint_active (&m->rx) || m->rx.done))
    monitor_quit (m, EXIT_SUCCESS);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  Endpoint *ep = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      on_element_message (ep, msg);
      break;
    case GST_MESSAGE_QOS:
      on_qos (ep, msg);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      print_gerror (ep->tag, "warning", msg, err, debug);
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      print_gerror (ep->tag, "ERROR", msg, err, debug);
      monitor_quit (ep->monitor, EXIT_FAILURE);
      break;
    case GST_MESSAGE_EOS:
      on_eos (ep);
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* Building the pipelines */

static void
set_num_buffers (const GValue *item, gpointer user_data)
{
  GObject *element = g_value_get_object (item);
  gint *set = user_data;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (element),
          "num-buffers") == NULL)
    return;
  g_object_set (element, "num-buffers", opt_num_buffers, NULL);
  (*set)++;
}

/* Sets the properties every serial element gets from the options. */
static void
configure_serial (GstElement *serial, const gchar *port)
{
  g_object_set (serial, "port", port, "baud-rate", opt_baud_rate,
      "stats-interval", opt_stats_interval, "reconnect", opt_reconnect, NULL);
}

/* Parses @description into @ep; the serial element is named @ep->tag. */
static gboolean
endpoint_build (Endpoint *ep, const gchar *description, const gchar *port)
{
  GError *err = NULL;

  g_print ("[%s] %s (port %s, %d baud)\n", ep->tag, description, port,
      opt_baud_rate);
  ep->pipeline = gst_parse_launch (description, &err);
  if (ep->pipeline == NULL)
    goto parse_failed;
  /* Links that could not be made are errors here, not warnings. */
  if (err != NULL)
    goto parse_failed;
  ep->serial = gst_bin_get_by_name (GST_BIN (ep->pipeline), ep->tag);
  configure_serial (ep->serial, port);
  return TRUE;

parse_failed:
  g_printerr ("[%s] cannot build the pipeline: %s\n", ep->tag,
      err ? err->message : "unknown error");
  g_printerr ("[%s]   domain %s, code %d\n", ep->tag,
      err ? g_quark_to_string (err->domain) : "none", err ? err->code : 0);
  g_clear_error (&err);
  return FALSE;
}

static gboolean
build_sender (Monitor *m)
{
  gchar *description;
  gboolean ok;
  gint sources = 0;
  GstIterator *it;

  description = g_strdup_printf ("%s ! videoconvert ! videoscale ! videorate "
                                 "! video/x-raw,width=%d,height=%d,"
                                 "framerate=%d/1 ! jpegenc quality=%d "
                                 "! serialsink name=tx",
      opt_source ? opt_source : DEFAULT_SOURCE, opt_width, opt_height, opt_fps,
      opt_quality);
  ok = endpoint_build (&m->tx, description, opt_send_port);
  g_free (description);
  if (ok && opt_link_rate > 0)
    g_object_set (m->tx.serial, "link-rate", opt_link_rate, NULL);
  if (!ok || opt_num_buffers < 0)
    return ok;

  it = gst_bin_iterate_sources (GST_BIN (m->tx.pipeline));
  gst_iterator_foreach (it, set_num_buffers, &sources);
  gst_iterator_free (it);
  if (sources == 0)
    goto no_num_buffers;
  return TRUE;

no_num_buffers:
  g_printerr ("[tx] --num-buffers: the source has no num-buffers property\n");
  return FALSE;
}

static gboolean
finish_receiver (gpointer user_data)
{
  Monitor *m = user_data;

  endpoint_finish (&m->rx);
  return G_SOURCE_REMOVE;
}

/* Counts the decoded frames and notes their size, in the streaming thread. */
static GstPadProbeReturn
on_decoded (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Monitor *m = user_data;
  gint decoded = g_atomic_int_add (&m->decoded, 1) + 1;

  if (decoded == 1) {
    GstCaps *caps = gst_pad_get_current_caps (pad);
    GstStructure *s = gst_caps_get_structure (caps, 0);

    gst_structure_get_int (s, "width", &m->width);
    gst_structure_get_int (s, "height", &m->height);
    g_print ("[rx] receiving %dx%d video\n", m->width, m->height);
    gst_caps_unref (caps);
  }
  /* Receiving alone, --num-buffers counts what arrives; end from the main
   * loop, not from the streaming thread being counted. */
  if (!endpoint_active (&m->tx) && decoded == opt_num_buffers)
    g_idle_add (finish_receiver, m);
  return GST_PAD_PROBE_OK;
}

static gboolean
build_receiver (Monitor *m)
{
  gchar *description;
  GstElement *dec;
  GstPad *pad;
  gboolean ok;

  description =
      g_strdup_printf ("serialsrc name=rx ! jpegdec name=dec ! videoconvert "
                       "! %s",
          opt_sink ? opt_sink : DEFAULT_SINK);
  ok = endpoint_build (&m->rx, description, opt_receive_port);
  g_free (description);
  if (!ok)
    return FALSE;

  dec = gst_bin_get_by_name (GST_BIN (m->rx.pipeline), "dec");
  pad = gst_element_get_static_pad (dec, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded, m, NULL);
  gst_object_unref (pad);
  gst_object_unref (dec);
  return TRUE;
}

/* Starts @ep; the ports open here, so a missing or busy port fails now and
 * its error is already on the bus. */
static gboolean
endpoint_start (Endpoint *ep)
{
  GstBus *bus = gst_element_get_bus (ep->pipeline);
  GstMessage *msg;

  ep->bus_watch = gst_bus_add_watch (bus, on_bus_message, ep);
  if (gst_element_set_state (ep->pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE) {
    gst_object_unref (bus);
    ep->started_at = g_get_monotonic_time ();
    g_print ("[%s] %s\n", ep->tag,
        ep == &ep->monitor->tx ? "sending" : "listening");
    return TRUE;
  }

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    on_bus_message (bus, msg, ep);
    gst_message_unref (msg);
  } else {
    g_printerr ("[%s] could not start the pipeline\n", ep->tag);
  }
  gst_object_unref (bus);
  return FALSE;
}

static void
endpoint_clear (Endpoint *ep)
{
  if (!endpoint_active (ep))
    return;
  gst_element_set_state (ep->pipeline, GST_STATE_NULL);
  if (ep->bus_watch)
    g_source_remove (ep->bus_watch);
  g_clear_pointer (&ep->final_stats, gst_structure_free);
  g_clear_object (&ep->serial);
  g_clear_object (&ep->pipeline);
}

/* ------------------------------------------------------------------------ */
/* Main */

/* First Ctrl-C: finish the stream (sender first, so that its EOS reaches
 * the receiver); when everything was asked to finish already: quit. */
static gboolean
on_interrupt (gpointer user_data)
{
  Monitor *m = user_data;

  if (endpoint_active (&m->tx) && !m->tx.eos_sent && !m->tx.done) {
    g_print ("interrupted: ending the stream\n");
    endpoint_finish (&m->tx);
  } else if (endpoint_active (&m->rx) && !m->rx.eos_sent && !m->rx.done) {
    g_print ("interrupted: ending the stream\n");
    endpoint_finish (&m->rx);
  } else {
    g_printerr ("interrupted\n");
    monitor_quit (m, EXIT_FAILURE);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_options (int *argc, char ***argv)
{
  GOptionContext *ctx;
  GError *err = NULL;
  gboolean ok;

  ctx = g_option_context_new ("- stream video over a serial link and "
                              "print its health");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &err);
  g_option_context_free (ctx);
  if (!ok) {
    g_printerr ("%s\n", err->message);
    g_clear_error (&err);
    return FALSE;
  }
  if (opt_send_port == NULL && opt_receive_port == NULL) {
    g_printerr ("Give --send-port, --receive-port or both (see --help).\n");
    return FALSE;
  }
  if (opt_width <= 0 || opt_height <= 0 || opt_fps <= 0 ||
      opt_stats_interval < 0 || opt_link_rate < 0) {
    g_printerr ("--width, --height and --fps must be positive, "
                "--stats-interval and --link-rate not negative.\n");
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char *argv[])
{
  Monitor m = { 0 };

  /* Lines reach a pipe (a log, a test) as they are printed. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (!parse_options (&argc, &argv))
    return EXIT_USAGE;

  m.loop = g_main_loop_new (NULL, FALSE);
  m.tx = (Endpoint){ .monitor = &m, .tag = "tx" };
  m.rx = (Endpoint){ .monitor = &m, .tag = "rx" };

  /* The receiver first, so that it listens before the first byte is sent. */
  if (opt_receive_port && !(build_receiver (&m) && endpoint_start (&m.rx)))
    goto failed;
  if (opt_send_port && !(build_sender (&m) && endpoint_start (&m.tx)))
    goto failed;

  g_unix_signal_add (SIGINT, on_interrupt, &m);
  g_unix_signal_add (SIGTERM, on_interrupt, &m);
  g_main_loop_run (m.loop);
  if (m.exit_status == EXIT_SUCCESS)
    print_summary (&m);

done:
  endpoint_clear (&m.tx);
  endpoint_clear (&m.rx);
  g_main_loop_unref (m.loop);
  return m.exit_status;

failed:
  m.exit_status = EXIT_FAILURE;
  goto done;
}
