/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial benchmarks: several streams on one serial line. Elements of
 * one process share a port (serialsink and serialsrc `channel`, serialsink
 * `priority`); this measures what that gives through the link emulator, the
 * independent paced relay, against a baseline measured in the same run.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 *   bench-channels telemetry [--seconds S] [--skip S] [--pacing MODE]
 *       [--video-props PROPS] [--telemetry-props PROPS]
 *       57600 baud: live video (channel 0, priority 0, overloading the line)
 *       and a 100-byte telemetry message at 10 Hz (channel 1, priority 1)
 *       on one port; every message must arrive, within 150 ms at p99, and
 *       the video must keep 90 % of the line the telemetry leaves; against
 *       the video alone on the line
 *   bench-channels two-way [--frames N] [--pacing MODE]
 *       115200 baud duplex: each side sends N non-live JPEG frames with a
 *       serialsink and receives the other side's with a serialsrc on the
 *       same port; every frame intact and in order, each direction at 95 %
 *       of its line or more; against one direction alone
 *
 * Each prints its figures and PASS or FAIL per target, and exits with 0
 * when every target passes, 1 otherwise. --pacing and the props options
 * try other settings of the sinks (the targets stay the same).
 */

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include "benchutil.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gint opt_seconds = 30;
static gint opt_frames = 24;
static gdouble opt_skip = 2.0;
static gchar *opt_pacing;
static gchar *opt_video_props;
static gchar *opt_telemetry_props;

/* ---------------------------------------------------------------------- */
/* Never hang: a watchdog that ends the run, and the emulator with it. */

static volatile GPid running_emu;

static void
die_with_emulator (int sig)
{
  static const char msg[] = "bench-channels: watchdog or signal, stopping\n";
  ssize_t unused;

  /* Only what is safe in a signal handler. */
  unused = write (STDERR_FILENO, msg, sizeof (msg) - 1);
  (void) unused;
  if (running_emu > 0)
    kill (running_emu, SIGTERM);
  _exit (1);
}

static Emu *
start_emu (guint baud)
{
  Emu *emu = emu_start (baud);

  running_emu = emu->pid;
  return emu;
}

static void
stop_emu (Emu *emu)
{
  running_emu = 0;
  emu_stop (emu);
}

/* Ends the process after @seconds whatever happens: the waits below have
 * their own deadlines, this is for what they cannot see (a pipeline that
 * does not stop). */
static void
arm_watchdog (guint seconds)
{
  signal (SIGALRM, die_with_emulator);
  signal (SIGINT, die_with_emulator);
  signal (SIGTERM, die_with_emulator);
  signal (SIGABRT, die_with_emulator);
  alarm (seconds);
}

/* ---------------------------------------------------------------------- */
/* Helpers */

static GstElement *
by_name (GstElement *pipe, const gchar *name)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), name);

  if (el == NULL)
    g_error ("no element %s", name);
  return el;
}

static GstStructure *
link_stats (GstElement *pipe, const gchar *element)
{
  GstElement *el = by_name (pipe, element);
  GstStructure *stats = NULL;

  g_object_get (el, "link-stats", &stats, NULL);
  gst_object_unref (el);
  return stats;
}

static guint64
stat_u64 (GstElement *pipe, const gchar *element, const gchar *field)
{
  GstStructure *stats = link_stats (pipe, element);
  guint64 v = 0;

  if (stats) {
    gst_structure_get_uint64 (stats, field, &v);
    gst_structure_free (stats);
  }
  return v;
}

/* Prints the @fields (NULL-terminated) of @element's link-stats that
 * exist, as "name=value". */
static void
print_stats (const gchar *what, GstElement *pipe, const gchar *element,
    const gchar *const *fields)
{
  GstStructure *stats = link_stats (pipe, element);

  g_print ("    %-22s", what);
  for (; stats && *fields; fields++) {
    const GValue *v = gst_structure_get_value (stats, *fields);
    gchar *s;

    if (v == NULL)
      continue;
    s = G_VALUE_HOLDS_DOUBLE (v)
        ? g_strdup_printf ("%.3f", g_value_get_double (v))
        : g_strdup_value_contents (v);
    g_print (" %s=%s", *fields, s);
    g_free (s);
  }
  g_print ("\n");
  if (stats)
    gst_structure_free (stats);
}

/* FALSE, after printing it, when @pipe posted an error. */
static gboolean
bus_ok (GstElement *pipe)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  gboolean ok = TRUE;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR)) != NULL) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    g_printerr ("error from %s: %s (%s)\n", GST_MESSAGE_SRC_NAME (msg),
        err->message, debug ? debug : "");
    g_error_free (err);
    g_free (debug);
    gst_message_unref (msg);
    ok = FALSE;
  }
  gst_object_unref (bus);
  return ok;
}

static void
stop_pipeline (GstElement **pipe)
{
  if (*pipe == NULL)
    return;
  gst_element_set_state (*pipe, GST_STATE_NULL);
  gst_object_unref (*pipe);
  *pipe = NULL;
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

/* The @p quantile (0..1) of @values, sorted in place; 0 when empty. */
static gdouble
quantile (GArray *values, gdouble p)
{
  guint i;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_double);
  i = MIN ((guint) (values->len * p), values->len - 1);
  return g_array_index (values, gdouble, i);
}

static void
print_latency (const gchar *what, GArray *ms)
{
  g_print ("    %-22s p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (%u samples)\n",
      what, quantile (ms, 0.5), quantile (ms, 0.99), quantile (ms, 1.0),
      ms->len);
}

static gboolean
report (const gchar *what, const gchar *value, gboolean pass)
{
  g_print ("  %-50s %18s  %s\n", what, value, pass ? "PASS" : "FAIL");
  return pass;
}

static void
connect_appsink (GstElement *pipe, const gchar *name,
    GstFlowReturn (*new_sample) (GstAppSink *, gpointer), gpointer data)
{
  GstAppSinkCallbacks cb = { NULL, NULL, new_sample };
  GstElement *sink = by_name (pipe, name);

  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, data, NULL);
  gst_object_unref (sink);
}

/* ---------------------------------------------------------------------- */
/* telemetry: live video and telemetry messages on one 57600-baud line */

#define TM_BAUD 57600
#define TM_LINE (TM_BAUD / 10.0) /* bytes per second, 8N1 */
#define TM_SIZE 100
#define TM_PERIOD_US 100000 /* 10 Hz */
#define TM_MAGIC "TLM0"

/* Pacing on: the emulator's ports are pseudo-terminals, whose baud rate the
 * sink does not trust (pacing=auto leaves them unpaced, and the emulator
 * would queue a megabyte); so the sinks behave as on a real UART, as in
 * bench-link's latency benchmark. */
#define TM_VIDEO_TX                                                            \
  "videotestsrc name=cam is-live=true pattern=ball ! "                         \
  "video/x-raw,width=320,height=240,framerate=10/1 ! jpegenc ! "               \
  "serialsink name=video-sink port=%s baud-rate=%u channel=0 priority=0 "      \
  "pacing=%s sender-time=true %s"
#define TM_TELEMETRY_TX                                                        \
  "appsrc name=src is-live=true format=time do-timestamp=true "                \
  "caps=application/x-telemetry ! "                                            \
  "serialsink name=telemetry-sink port=%s baud-rate=%u channel=1 "             \
  "priority=1 pacing=%s %s"
static const gchar *
tm_pacing (void)
{
  return opt_pacing ? opt_pacing : "on";
}

#define TM_RX                                                                  \
  "serialsrc name=%s-src port=%s baud-rate=%u channel=%u ! "                   \
  "appsink name=out sync=false"

/* A message: magic, sequence number and send time (monotonic, µs), both
 * little-endian, then bytes that depend on both, so that a damaged or
 * misplaced message shows. */
static void
tm_fill (guint8 *m, guint32 seq, gint64 sent_us)
{
  guint i;

  memcpy (m, TM_MAGIC, 4);
  GST_WRITE_UINT32_LE (m + 4, seq);
  GST_WRITE_UINT64_LE (m + 8, (guint64) sent_us);
  for (i = 16; i < TM_SIZE; i++)
    m[i] = (guint8) (seq * 7 + i);
}

static gboolean
tm_parse (const guint8 *m, gsize size, guint32 *seq, gint64 *sent_us)
{
  guint i;

  if (size != TM_SIZE || memcmp (m, TM_MAGIC, 4) != 0)
    return FALSE;
  *seq = GST_READ_UINT32_LE (m + 4);
  *sent_us = (gint64) GST_READ_UINT64_LE (m + 8);
  for (i = 16; i < TM_SIZE; i++)
    if (m[i] != (guint8) (*seq * 7 + i))
      return FALSE;
  return TRUE;
}

typedef struct {
  GMutex lock;
  gint64 stats_from_us; /* monotonic: samples before this are start-up */
  gint64 stats_to_us;   /* and after this the end of the run */

  /* telemetry */
  GstElement *appsrc;
  gint64 start_us, stop_us;
  gint sent;        /* atomic */
  guint8 *got;      /* by sequence number */
  guint max_seq;    /* got's size */
  guint received;   /* distinct messages */
  guint damaged;    /* wrong size or contents */
  guint duplicates; /* a sequence number again */
  GArray *tm_ms;    /* latency of the messages sent after the start-up */
  GArray *tm_first_ms, *tm_last_ms; /* first and last 5 s of sending */

  /* video */
  guint frames, incomplete;
  guint frames_in_window;
  guint64 bytes_in_window; /* after the window's first frame */
  gint64 first_in_window_us, last_in_window_us;
  GArray *video_ms; /* capture to arrival, frames in the window */
} TmRun;

static gpointer
tm_sender (gpointer data)
{
  TmRun *run = data;
  guint32 seq;

  for (seq = 0;; seq++) {
    gint64 due = run->start_us + (gint64) seq * TM_PERIOD_US, now;
    GstBuffer *buf;
    GstMapInfo map;

    if (due >= run->stop_us)
      break;
    now = g_get_monotonic_time ();
    if (due > now)
      g_usleep (due - now);
    buf = gst_buffer_new_allocate (NULL, TM_SIZE, NULL);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    tm_fill (map.data, seq, g_get_monotonic_time ());
    gst_buffer_unmap (buf, &map);
    if (gst_app_src_push_buffer (GST_APP_SRC (run->appsrc), buf) != GST_FLOW_OK)
      break;
    g_atomic_int_inc (&run->sent);
  }
  return NULL;
}

static void
tm_record (TmRun *run, guint32 seq, gint64 sent_us, gint64 now)
{
  gdouble ms = (now - sent_us) / 1000.0;

  if (seq >= run->max_seq || run->got[seq]) {
    run->duplicates++;
    return;
  }
  run->got[seq] = 1;
  run->received++;
  if (sent_us >= run->stats_from_us)
    g_array_append_val (run->tm_ms, ms);
  if (sent_us < run->start_us + 5 * G_USEC_PER_SEC)
    g_array_append_val (run->tm_first_ms, ms);
  if (sent_us >= run->stop_us - 5 * G_USEC_PER_SEC)
    g_array_append_val (run->tm_last_ms, ms);
}

static GstFlowReturn
tm_received (GstAppSink *sink, gpointer data)
{
  TmRun *run = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  gint64 now = g_get_monotonic_time (), sent_us;
  GstMapInfo map;
  guint32 seq;

  if (sample == NULL)
    return GST_FLOW_EOS;
  gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
  g_mutex_lock (&run->lock);
  if (tm_parse (map.data, map.size, &seq, &sent_us))
    tm_record (run, seq, sent_us, now);
  else
    run->damaged++;
  g_mutex_unlock (&run->lock);
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

/* Sender side: each raw frame carries its capture time (the wall clock at
 * its running time), which serialsink's sender-time sends along, so that
 * the video latency counts the wait before sending. */
static GstPadProbeReturn
stamp_capture (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstElement *el = GST_ELEMENT (gst_pad_get_parent (pad));
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstCaps *unix_caps = gst_caps_from_string ("timestamp/x-unix");
  GstClock *clock = gst_element_get_clock (el);

  if (clock && GST_BUFFER_PTS_IS_VALID (buf)) {
    GstClockTime now_rt =
        gst_clock_get_time (clock) - gst_element_get_base_time (el);
    guint64 capture =
        g_get_real_time () * 1000 - (now_rt - GST_BUFFER_PTS (buf));

    buf = gst_buffer_make_writable (buf);
    gst_buffer_add_reference_timestamp_meta (buf, unix_caps, capture,
        GST_CLOCK_TIME_NONE);
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  }
  if (clock)
    gst_object_unref (clock);
  gst_caps_unref (unix_caps);
  gst_object_unref (el);
  return GST_PAD_PROBE_OK;
}

static gboolean
is_whole_jpeg (const guint8 *d, gsize n)
{
  return n >= 4 && d[0] == 0xff && d[1] == 0xd8 && d[n - 2] == 0xff &&
      d[n - 1] == 0xd9;
}

/* Goodput counts the frames that arrive in the window, from the first
 * one's arrival to the last one's, without the first (its bytes crossed the
 * line before the window), as bench-link does. */
static void
video_record (TmRun *run, GstBuffer *buf, gsize size, gboolean whole,
    gint64 now)
{
  GstCaps *unix_caps = gst_caps_from_string ("timestamp/x-unix");
  GstReferenceTimestampMeta *meta =
      gst_buffer_get_reference_timestamp_meta (buf, unix_caps);
  gdouble ms = meta
      ? (g_get_real_time () * 1000.0 - (gdouble) meta->timestamp) / 1e6
      : -1;

  gst_caps_unref (unix_caps);
  run->frames++;
  run->incomplete += !whole;
  if (now < run->stats_from_us || now > run->stats_to_us || !whole)
    return;
  if (run->frames_in_window++ == 0)
    run->first_in_window_us = now;
  else
    run->bytes_in_window += size;
  run->last_in_window_us = now;
  if (ms >= 0)
    g_array_append_val (run->video_ms, ms);
}

static GstFlowReturn
video_received (GstAppSink *sink, gpointer data)
{
  TmRun *run = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  gint64 now = g_get_monotonic_time ();
  GstBuffer *buf;
  GstMapInfo map;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buf = gst_sample_get_buffer (sample);
  gst_buffer_map (buf, &map, GST_MAP_READ);
  g_mutex_lock (&run->lock);
  video_record (run, buf, map.size, is_whole_jpeg (map.data, map.size), now);
  g_mutex_unlock (&run->lock);
  gst_buffer_unmap (buf, &map);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static gdouble
tm_video_goodput (TmRun *run)
{
  gdouble span = (run->last_in_window_us - run->first_in_window_us) / 1e6;

  return span > 0 ? run->bytes_in_window / span : 0;
}

/* What one run measured beyond TmRun. */
typedef struct {
  gdouble tm_wire_rate;  /* telemetry sink's wire bytes/s in the window */
  guint64 backlog_max;   /* bytes written on A not yet read on B */
  gdouble backlog_max_t; /* seconds since the start, when it was largest */
  guint64 backlog_end;   /* the same when sending stopped */
  gboolean ok;           /* no pipeline error */
} TmExtra;

/* Bytes the sinks on A wrote that the receiver on B has not read: what
 * waits in the emulator and the ptys. serialsrc counts every byte the
 * port delivers, of every channel. */
static guint64
tm_backlog (GstElement *tx_video, GstElement *tx_tm, GstElement *rx)
{
  guint64 written = stat_u64 (tx_video, "video-sink", "wire-bytes");
  guint64 read_b = stat_u64 (rx, "video-src", "wire-bytes");

  if (tx_tm)
    written += stat_u64 (tx_tm, "telemetry-sink", "wire-bytes");
  return written > read_b ? written - read_b : 0;
}

static void
tm_print_stats (GstElement *tx_video, GstElement *tx_tm, GstElement *rx_video,
    GstElement *rx_tm)
{
  static const gchar *const sink_fields[] = { "frames-sent", "frames-dropped",
    "payload-bytes", "wire-bytes", "line-waits", "caps-sent", "resent-bytes",
    "repair-timeouts", "too-late", "piece-size", "other-streams", "line-rate",
    "utilisation", NULL };
  static const gchar *const src_fields[] = { "frames-received", "payload-bytes",
    "wire-bytes", "lost-frames", "check-failures", "skipped-frames",
    "frames-without-caps", "other-streams", "reports-sent", "feedback-dropped",
    NULL };

  g_print ("  link-stats:\n");
  print_stats ("video serialsink", tx_video, "video-sink", sink_fields);
  if (tx_tm)
    print_stats ("telemetry serialsink", tx_tm, "telemetry-sink", sink_fields);
  print_stats ("video serialsrc", rx_video, "video-src", src_fields);
  if (rx_tm)
    print_stats ("telemetry serialsrc", rx_tm, "telemetry-src", src_fields);
}

/* The pipelines of a run: senders on port A, receivers on port B. */
typedef struct {
  GstElement *tx_video, *tx_tm, *rx_video, *rx_tm; /* tm: NULL alone */
  GstElement *all[4];
  guint n;
} TmPipes;

static void
tm_launch (TmPipes *p, Emu *emu, gboolean telemetry, TmRun *run)
{
  GstElement *cam;
  GstPad *pad;

  memset (p, 0, sizeof (*p));
  p->rx_video = launch (TM_RX, "video", emu->b, TM_BAUD, 0);
  connect_appsink (p->rx_video, "out", video_received, run);
  p->all[p->n++] = p->rx_video;
  if (telemetry) {
    p->rx_tm = launch (TM_RX, "telemetry", emu->b, TM_BAUD, 1);
    connect_appsink (p->rx_tm, "out", tm_received, run);
    p->all[p->n++] = p->rx_tm;
  }
  p->tx_video = launch (TM_VIDEO_TX, emu->a, TM_BAUD, tm_pacing (),
      opt_video_props ? opt_video_props : "");
  cam = by_name (p->tx_video, "cam");
  pad = gst_element_get_static_pad (cam, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_capture, NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (cam);
  p->all[p->n++] = p->tx_video;
  if (telemetry) {
    p->tx_tm = launch (TM_TELEMETRY_TX, emu->a, TM_BAUD, tm_pacing (),
        opt_telemetry_props ? opt_telemetry_props : "");
    run->appsrc = by_name (p->tx_tm, "src");
    p->all[p->n++] = p->tx_tm;
  }
}

static gboolean
tm_bus_ok (TmPipes *p)
{
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < p->n; i++)
    ok &= bus_ok (p->all[i]);
  return ok;
}

/* Until sending stops: the telemetry's wire bytes over the window (from
 * its start), and the backlog every 100 ms. */
static void
tm_watch (TmPipes *p, TmRun *run, TmExtra *x)
{
  guint64 tm_wire_from = 0;
  gboolean in_window = FALSE;
  gdouble from_t = 0;

  while (g_get_monotonic_time () < run->stop_us) {
    gint64 left = run->stop_us - g_get_monotonic_time ();
    guint64 backlog;

    g_usleep (CLAMP (left, 0, 100000));
    if (!in_window && g_get_monotonic_time () >= run->stats_from_us) {
      in_window = TRUE;
      from_t = now_s ();
      if (p->tx_tm)
        tm_wire_from = stat_u64 (p->tx_tm, "telemetry-sink", "wire-bytes");
    }
    backlog = tm_backlog (p->tx_video, p->tx_tm, p->rx_video);
    if (backlog > x->backlog_max) {
      x->backlog_max = backlog;
      x->backlog_max_t = now_s () - run->start_us / 1e6;
    }
    x->ok &= tm_bus_ok (p);
  }
  if (p->tx_tm && in_window && now_s () > from_t)
    x->tm_wire_rate =
        (stat_u64 (p->tx_tm, "telemetry-sink", "wire-bytes") - tm_wire_from) /
        (now_s () - from_t);
  x->backlog_end = tm_backlog (p->tx_video, p->tx_tm, p->rx_video);
}

/* Waits, the video running on, until every message sent arrived or
 * @timeout seconds passed. */
static void
tm_wait_last (TmPipes *p, TmRun *run, gdouble timeout, TmExtra *x)
{
  gdouble end = now_s () + timeout;

  while (now_s () < end) {
    gboolean done;

    g_mutex_lock (&run->lock);
    done = run->received >= (guint) g_atomic_int_get (&run->sent);
    g_mutex_unlock (&run->lock);
    if (done)
      break;
    x->ok &= tm_bus_ok (p);
    g_usleep (20000);
  }
}

static void
tm_stop (TmPipes *p)
{
  stop_pipeline (&p->tx_tm);
  stop_pipeline (&p->tx_video);
  stop_pipeline (&p->rx_tm);
  stop_pipeline (&p->rx_video);
}

/* One run of @seconds: the video alone (@telemetry FALSE), or with the
 * telemetry on the same port. */
static void
tm_measure (gboolean telemetry, gdouble seconds, TmRun *run, TmExtra *x)
{
  Emu *emu = start_emu (TM_BAUD);
  GThread *sender = NULL;
  TmPipes p;
  guint i;

  memset (x, 0, sizeof (*x));
  x->ok = TRUE;
  tm_launch (&p, emu, telemetry, run);
  for (i = 0; i < p.n; i++)
    gst_element_set_state (p.all[i], GST_STATE_PLAYING);

  g_mutex_lock (&run->lock);
  run->start_us = g_get_monotonic_time ();
  run->stop_us = run->start_us + seconds * G_USEC_PER_SEC;
  run->stats_from_us = run->start_us + opt_skip * G_USEC_PER_SEC;
  run->stats_to_us = run->stop_us;
  g_mutex_unlock (&run->lock);
  if (telemetry)
    sender = g_thread_new ("telemetry", tm_sender, run);

  tm_watch (&p, run, x);
  if (sender)
    g_thread_join (sender);
  /* Every message counts, also those still on their way: a backlog of
   * seconds of line takes that long to drain. */
  if (telemetry)
    tm_wait_last (&p, run, 5 + seconds / 2, x);
  tm_print_stats (p.tx_video, p.tx_tm, p.rx_video, p.rx_tm);

  if (run->appsrc)
    gst_object_unref (run->appsrc);
  run->appsrc = NULL;
  tm_stop (&p);
  stop_emu (emu);
}

static void
tm_run_init (TmRun *run, gdouble seconds)
{
  memset (run, 0, sizeof (*run));
  g_mutex_init (&run->lock);
  run->max_seq = seconds * G_USEC_PER_SEC / TM_PERIOD_US + 16;
  run->got = g_new0 (guint8, run->max_seq);
  run->tm_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  run->tm_first_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  run->tm_last_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  run->video_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
}

static void
tm_run_clear (TmRun *run)
{
  g_free (run->got);
  g_array_unref (run->tm_ms);
  g_array_unref (run->tm_first_ms);
  g_array_unref (run->tm_last_ms);
  g_array_unref (run->video_ms);
  g_mutex_clear (&run->lock);
}

static gdouble
mean (GArray *values)
{
  gdouble sum = 0;
  guint i;

  for (i = 0; i < values->len; i++)
    sum += g_array_index (values, gdouble, i);
  return values->len ? sum / values->len : 0;
}

static void
tm_print_video (TmRun *run, const TmExtra *x)
{
  g_print ("  video: %u frames received, %u not a whole JPEG; in the window "
           "%u frames, goodput %.0f B/s = %.2f %% of the line\n",
      run->frames, run->incomplete, run->frames_in_window,
      tm_video_goodput (run), 100 * tm_video_goodput (run) / TM_LINE);
  print_latency ("video latency", run->video_ms);
  g_print (
      "    bytes written on A not yet read on B: largest %" G_GUINT64_FORMAT
      " B (%.2f s of line, at %.1f s), when sending stopped %" G_GUINT64_FORMAT
      " B (%.2f s)\n",
      x->backlog_max, x->backlog_max / TM_LINE, x->backlog_max_t,
      x->backlog_end, x->backlog_end / TM_LINE);
}

static void
tm_print_header (gdouble seconds)
{
  g_print ("Telemetry beside video on one %u-baud 8N1 line (%.0f B/s), "
           "%.0f s each run, through the link emulator:\n"
           "  video: videotestsrc is-live pattern=ball 320x240 10 fps ! "
           "jpegenc ! serialsink channel=0 priority=0 pacing=%s\n"
           "  telemetry: appsrc is-live, %u B at 10 Hz ! serialsink "
           "channel=1 priority=1 pacing=%s, same port\n"
           "  receivers: serialsrc channel=0 and channel=1 on the other "
           "port, one process\n"
           "  statistics leave out the first %.1f s (start-up); every "
           "message sent counts for \"every message arrives\"\n",
      TM_BAUD, TM_LINE, seconds, tm_pacing (), TM_SIZE, tm_pacing (), opt_skip);
  if (opt_video_props || opt_telemetry_props)
    g_print ("  more properties: video serialsink \"%s\", telemetry "
             "serialsink \"%s\"\n",
        opt_video_props ? opt_video_props : "",
        opt_telemetry_props ? opt_telemetry_props : "");
  g_print ("\n");
}

/* The figures of the shared run; returns the video's share of the line
 * the telemetry leaves. */
static gdouble
tm_print_shared (TmRun *run, const TmExtra *x, TmRun *base)
{
  guint sent = g_atomic_int_get (&run->sent);
  gdouble remaining = TM_LINE - x->tm_wire_rate;
  gdouble goodput = tm_video_goodput (run), alone = tm_video_goodput (base);
  gdouble share = remaining > 0 ? goodput / remaining : 0;

  g_print ("  telemetry: sent %u, received %u, missing %u, damaged %u, "
           "duplicates %u\n",
      sent, run->received, sent - MIN (sent, run->received), run->damaged,
      run->duplicates);
  print_latency ("telemetry latency", run->tm_ms);
  g_print ("    mean latency of the messages sent in the first 5 s %.1f ms, "
           "in the last 5 s %.1f ms\n",
      mean (run->tm_first_ms), mean (run->tm_last_ms));
  g_print ("    telemetry on the wire %.0f B/s (serialsink wire-bytes), "
           "leaving %.0f B/s of the line\n",
      x->tm_wire_rate, remaining);
  tm_print_video (run, x);
  g_print ("    video goodput %.2f %% of the remaining line, %.2f %% of the "
           "line (baseline alone: %.2f %%, ratio %.3f)\n",
      100 * share, 100 * goodput / TM_LINE, 100 * alone / TM_LINE,
      alone > 0 ? goodput / alone : 0);
  /* The telemetry's wire bytes are those written: they are on the line
   * only when the line keeps up with the writers. */
  if (x->backlog_end > TM_LINE)
    g_print ("    the line is %.1f s behind the sinks: more telemetry was "
             "written than crossed it, and the remaining line is smaller "
             "than it seems\n",
        x->backlog_end / TM_LINE);
  return share;
}

static gboolean
tm_targets (TmRun *run, gdouble share)
{
  guint sent = g_atomic_int_get (&run->sent);
  gdouble p99 = quantile (run->tm_ms, 0.99);
  gboolean pass = TRUE;
  gchar *value;

  g_print ("\nTargets:\n");
  value = g_strdup_printf ("%u of %u", run->received, sent);
  pass &= report ("every telemetry message arrives (0 missing)", value,
      sent > 0 && run->received >= sent && run->damaged == 0);
  g_free (value);
  value = g_strdup_printf ("%.1f ms", p99);
  pass &= report ("telemetry latency p99 <= 150 ms", value,
      run->tm_ms->len > 0 && p99 <= 150);
  g_free (value);
  value = g_strdup_printf ("%.2f %%", 100 * share);
  pass &= report ("video goodput >= 90 % of the remaining line", value,
      share >= 0.90);
  g_free (value);
  return pass;
}

static int
bench_telemetry (void)
{
  gdouble seconds = opt_seconds, share;
  TmRun base, run;
  TmExtra bx, x;
  gboolean pass;

  if (seconds <= opt_skip + 1) {
    g_printerr ("--seconds must be more than --skip + 1\n");
    return 2;
  }
  arm_watchdog (2 * (seconds + 5 + seconds / 2) + 120);
  tm_print_header (seconds);

  g_print ("Baseline: the video alone on the line\n");
  tm_run_init (&base, seconds);
  tm_measure (FALSE, seconds, &base, &bx);
  tm_print_video (&base, &bx);

  g_print ("\nVideo and telemetry on the same port\n");
  tm_run_init (&run, seconds);
  tm_measure (TRUE, seconds, &run, &x);
  share = tm_print_shared (&run, &x, &base);

  pass = tm_targets (&run, share);
  if (!bx.ok || !x.ok) {
    g_print ("  a pipeline posted an error (above): FAIL\n");
    pass = FALSE;
  }
  tm_run_clear (&base);
  tm_run_clear (&run);
  return pass ? 0 : 1;
}

/* ---------------------------------------------------------------------- */
/* two-way: both directions of one duplex line, the sink and the source of
 * each side sharing its port */

#define TW_BAUD 115200
#define TW_LINE (TW_BAUD / 10.0)

/* Non-live JPEG frames of about 13 KiB (A) and 9 KiB (B), each different
 * from the one before (the bars move) and from the other side's. */
static const gchar *const tw_patterns[] = {
  "pattern=smpte horizontal-speed=7",
  "pattern=smpte75 horizontal-speed=-5",
};

/* One direction: what went in, in order, and how it came out. */
typedef struct {
  GMutex lock;
  GPtrArray *sent; /* SHA-256 of each frame, in order */
  guint64 sent_bytes;
  gint64 first_us; /* the first frame reached serialsink */
  guint received;  /* frames out */
  guint intact;    /* identical to the frame sent at its place */
  guint wrong;     /* damaged, missing one before it, or out of order */
  guint64 intact_bytes;
  gint64 last_us; /* the last frame out */
  gboolean eos;
} Direction;

static gchar *
checksum_of (GstBuffer *buf)
{
  GstMapInfo map;
  gchar *sum;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return sum;
}

static GstPadProbeReturn
tw_sent (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Direction *d = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gchar *sum = checksum_of (buf);

  g_mutex_lock (&d->lock);
  if (d->sent->len == 0)
    d->first_us = g_get_monotonic_time ();
  g_ptr_array_add (d->sent, sum);
  d->sent_bytes += gst_buffer_get_size (buf);
  g_mutex_unlock (&d->lock);
  return GST_PAD_PROBE_OK;
}

/* A frame is intact when it equals the frame sent at its place in the
 * order: a lost, damaged or reordered frame makes it and what follows
 * differ. */
static GstFlowReturn
tw_received (GstAppSink *sink, gpointer data)
{
  Direction *d = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  gint64 now = g_get_monotonic_time ();
  GstBuffer *buf;
  gchar *sum;

  if (sample == NULL) {
    g_mutex_lock (&d->lock);
    d->eos = TRUE;
    g_mutex_unlock (&d->lock);
    return GST_FLOW_EOS;
  }
  buf = gst_sample_get_buffer (sample);
  sum = checksum_of (buf);
  g_mutex_lock (&d->lock);
  if (d->received < d->sent->len &&
      g_str_equal (sum, g_ptr_array_index (d->sent, d->received))) {
    d->intact++;
    d->intact_bytes += gst_buffer_get_size (buf);
  } else {
    d->wrong++;
  }
  d->received++;
  d->last_us = now;
  g_mutex_unlock (&d->lock);
  g_free (sum);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static void
tw_eos (GstAppSink *sink, gpointer data)
{
  Direction *d = data;

  g_mutex_lock (&d->lock);
  d->eos = TRUE;
  g_mutex_unlock (&d->lock);
}

static void
direction_init (Direction *d)
{
  memset (d, 0, sizeof (*d));
  g_mutex_init (&d->lock);
  d->sent = g_ptr_array_new_with_free_func (g_free);
}

static void
direction_clear (Direction *d)
{
  g_ptr_array_unref (d->sent);
  g_mutex_clear (&d->lock);
}

/* Payload delivered intact over the line time from the first byte (the
 * first frame reaching serialsink: the line cannot have started earlier) to
 * the last frame out. */
static gdouble
direction_goodput (Direction *d)
{
  gdouble span = (d->last_us - d->first_us) / 1e6;

  return span > 0 ? d->intact_bytes / span / TW_LINE : 0;
}

static gboolean
direction_done (Direction *d, guint frames)
{
  gboolean done;

  g_mutex_lock (&d->lock);
  done = d->received >= frames || d->eos;
  g_mutex_unlock (&d->lock);
  return done;
}

/* One side's ends: @tx sends on its port, @rx receives on the same port.
 * Either may be NULL. */
typedef struct {
  const gchar *name;
  GstElement *tx, *rx;
} Side;

/* Side @name's ends on @port: its serialsink (@send) and its serialsrc
 * (@receive), named NAME-sink and NAME-src (the port's log names them). */
static void
side_start (Side *side, const gchar *name, const gchar *port, guint source,
    gboolean send, gboolean receive, Direction *out, Direction *in,
    guint frames)
{
  GstAppSinkCallbacks cb = { tw_eos, NULL, tw_received };
  gchar *pacing, *element;
  GstElement *el;
  GstPad *pad;

  side->name = name;
  if (receive) {
    side->rx = launch ("serialsrc name=%s-src port=%s baud-rate=%u ! "
                       "appsink name=out sync=false",
        name, port, TW_BAUD);
    el = by_name (side->rx, "out");
    gst_app_sink_set_callbacks (GST_APP_SINK (el), &cb, in, NULL);
    gst_object_unref (el);
  }
  if (send) {
    /* Default settings, unless --pacing asks for another. */
    pacing =
        opt_pacing ? g_strdup_printf ("pacing=%s", opt_pacing) : g_strdup ("");
    side->tx = launch ("videotestsrc %s num-buffers=%u ! "
                       "video/x-raw,width=320,height=240,framerate=10/1 ! "
                       "jpegenc ! serialsink name=%s-sink port=%s "
                       "baud-rate=%u %s",
        tw_patterns[source], frames, name, port, TW_BAUD, pacing);
    g_free (pacing);
    element = g_strdup_printf ("%s-sink", name);
    el = by_name (side->tx, element);
    g_free (element);
    pad = gst_element_get_static_pad (el, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, tw_sent, out, NULL);
    gst_object_unref (pad);
    gst_object_unref (el);
  }
}

static void
side_print_stats (Side *side)
{
  static const gchar *const sink_fields[] = { "frames-sent", "payload-bytes",
    "wire-bytes", "line-waits", "caps-sent", "receiver-reports", "resent-bytes",
    "repair-timeouts", "piece-size", "other-streams", "round-trip-time", NULL };
  static const gchar *const src_fields[] = { "frames-received", "payload-bytes",
    "wire-bytes", "lost-frames", "check-failures", "retransmitted-frames",
    "other-streams", "reports-sent", "feedback-sent", "feedback-dropped",
    NULL };
  gchar *what, *element;

  if (side->tx) {
    what = g_strdup_printf ("%s serialsink", side->name);
    element = g_strdup_printf ("%s-sink", side->name);
    print_stats (what, side->tx, element, sink_fields);
    g_free (element);
    g_free (what);
  }
  if (side->rx) {
    what = g_strdup_printf ("%s serialsrc", side->name);
    element = g_strdup_printf ("%s-src", side->name);
    print_stats (what, side->rx, element, src_fields);
    g_free (element);
    g_free (what);
  }
}

static gboolean
side_bus_ok (Side *side)
{
  gboolean ok = TRUE;

  if (side->tx)
    ok &= bus_ok (side->tx);
  if (side->rx)
    ok &= bus_ok (side->rx);
  return ok;
}

static void
side_stop (Side *side)
{
  stop_pipeline (&side->tx);
  stop_pipeline (&side->rx);
}

/* @frames frames from A to B and, with @two_way, from B to A at once.
 * FALSE when a pipeline failed or the deadline passed. */
static gboolean
tw_measure (gboolean two_way, guint frames, Direction *ab, Direction *ba)
{
  Emu *emu = start_emu (TW_BAUD);
  Side a = { 0 }, b = { 0 };
  /* Frames of 13 KiB take 1.2 s each: three times that, and the start. */
  gdouble end = now_s () + 3.5 * frames + 30;
  gboolean ok = TRUE, done = FALSE;

  side_start (&a, "a", emu->a, 0, TRUE, two_way, ab, ba, frames);
  side_start (&b, "b", emu->b, 1, two_way, TRUE, ba, ab, frames);
  if (a.rx)
    gst_element_set_state (a.rx, GST_STATE_PLAYING);
  gst_element_set_state (b.rx, GST_STATE_PLAYING);
  gst_element_set_state (a.tx, GST_STATE_PLAYING);
  if (b.tx)
    gst_element_set_state (b.tx, GST_STATE_PLAYING);

  while (ok && !done && now_s () < end) {
    g_usleep (50000);
    ok = side_bus_ok (&a) && side_bus_ok (&b);
    done = direction_done (ab, frames) &&
        (!two_way || direction_done (ba, frames));
  }
  if (!done)
    g_print ("  not every frame arrived within %.0f s\n", 3.5 * frames + 30);
  side_print_stats (&a);
  side_print_stats (&b);
  side_stop (&a);
  side_stop (&b);
  stop_emu (emu);
  return ok && done;
}

static void
tw_print_direction (const gchar *name, Direction *d, guint frames)
{
  g_print ("  %s: sent %u frames (%.0f B mean), out %u, intact in order %u, "
           "wrong %u; %" G_GUINT64_FORMAT " B in %.2f s: goodput %.2f %% of "
           "the line\n",
      name, d->sent->len,
      d->sent->len ? (gdouble) d->sent_bytes / d->sent->len : 0, d->received,
      d->intact, d->wrong, d->intact_bytes, (d->last_us - d->first_us) / 1e6,
      100 * direction_goodput (d));
}

static gboolean
tw_all_intact (Direction *d, guint frames)
{
  return d->sent->len == frames && d->received == frames &&
      d->intact == frames && d->wrong == 0;
}

static void
tw_print_header (guint frames)
{
  g_print ("Two-way: one duplex %u-baud 8N1 line (%.0f B/s each way), %u "
           "non-live JPEG frames each way\n"
           "  A: videotestsrc pattern=smpte 320x240 ! jpegenc ! serialsink "
           "port=A, and serialsrc port=A ! appsink\n"
           "  B: videotestsrc pattern=smpte75 320x240 ! jpegenc ! serialsink "
           "port=B, and serialsrc port=B ! appsink\n"
           "  default settings otherwise; the sink and the source of a side "
           "share its port, all in one process\n"
           "  goodput: payload of the frames intact in order / (last frame "
           "out - first frame into serialsink) / line rate\n",
      TW_BAUD, TW_LINE, frames);
  if (opt_pacing)
    g_print ("  serialsink pacing=%s (--pacing)\n", opt_pacing);
  g_print ("\n");
}

static gboolean
tw_targets (Direction *ab, Direction *ba, guint frames)
{
  gboolean pass = TRUE;
  gchar *value;

  g_print ("\nTargets:\n");
  value = g_strdup_printf ("%u + %u of %u", ab->intact, ba->intact, 2 * frames);
  pass &= report ("every frame intact and in order, both ways", value,
      tw_all_intact (ab, frames) && tw_all_intact (ba, frames));
  g_free (value);
  value = g_strdup_printf ("%.2f %%", 100 * direction_goodput (ab));
  pass &= report ("A to B goodput >= 95 % of the line", value,
      direction_goodput (ab) >= 0.95);
  g_free (value);
  value = g_strdup_printf ("%.2f %%", 100 * direction_goodput (ba));
  pass &= report ("B to A goodput >= 95 % of the line", value,
      direction_goodput (ba) >= 0.95);
  g_free (value);
  return pass;
}

static int
bench_two_way (void)
{
  guint frames = opt_frames;
  Direction base, base_unused, ab, ba;
  gboolean pass, ok;

  if (opt_frames <= 1) {
    g_printerr ("--frames must be 2 or more\n");
    return 2;
  }
  arm_watchdog (2 * (3.5 * frames + 30) + 120);
  tw_print_header (frames);

  g_print ("Baseline: A to B alone (serialsrc's reports on the way back)\n");
  direction_init (&base);
  direction_init (&base_unused);
  ok = tw_measure (FALSE, frames, &base, &base_unused);
  tw_print_direction ("A to B", &base, frames);

  g_print ("\nBoth ways at once\n");
  direction_init (&ab);
  direction_init (&ba);
  ok &= tw_measure (TRUE, frames, &ab, &ba);
  tw_print_direction ("A to B", &ab, frames);
  tw_print_direction ("B to A", &ba, frames);
  g_print ("  ratio to the baseline, A to B: %.3f\n",
      direction_goodput (&base) > 0
          ? direction_goodput (&ab) / direction_goodput (&base)
          : 0);

  pass = tw_targets (&ab, &ba, frames);
  if (!ok) {
    g_print ("  a pipeline posted an error or the run timed out (above): "
             "FAIL\n");
    pass = FALSE;
  }
  direction_clear (&base);
  direction_clear (&base_unused);
  direction_clear (&ab);
  direction_clear (&ba);
  return pass ? 0 : 1;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = { { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds,
                                 "telemetry: seconds of sending (30)", "S" },
    { "skip", 0, 0, G_OPTION_ARG_DOUBLE, &opt_skip,
        "telemetry: start-up seconds left out of the statistics (2)", "S" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &opt_frames,
        "two-way: frames each way (24)", "N" },
    { "pacing", 0, 0, G_OPTION_ARG_STRING, &opt_pacing,
        "the sinks' pacing property (telemetry: on, two-way: the default)",
        "MODE" },
    { "video-props", 0, 0, G_OPTION_ARG_STRING, &opt_video_props,
        "telemetry: more properties of the video serialsink", "PROPS" },
    { "telemetry-props", 0, 0, G_OPTION_ARG_STRING, &opt_telemetry_props,
        "telemetry: more properties of the telemetry serialsink", "PROPS" },
    { NULL } };

  if (!bench_parse_args (&argc, &argv, entries, "telemetry|two-way"))
    return 2;
  if (g_str_equal (argv[1], "telemetry"))
    return bench_telemetry ();
  if (g_str_equal (argv[1], "two-way"))
    return bench_two_way ();
  g_printerr ("unknown benchmark %s\n", argv[1]);
  return 2;
}
