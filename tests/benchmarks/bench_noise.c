/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial benchmarks: frames through noisy links. serialsink and
 * serialsrc over the link emulator with seeded bit errors or lost radio
 * packets; every frame that comes out is compared with the frames that
 * went in, so that intact and corrupted frames are counted independently
 * of the elements' own counters.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 *   bench-noise [--emu PATH] [--frames N] [--baud B] [--protection NAME]
 *       matrix
 *       delivered frames and goodput for each fault and protection (or
 *       one), next to the whole-frame survival of an unprotected frame
 *   bench-noise [--emu PATH] targets
 *       the project's targets for noisy links only
 *   bench-noise [--emu PATH] two-way
 *       the two two-way targets alone (retransmission), with what was
 *       resent
 *   bench-noise [--emu PATH] keyframe
 *       live H.264 losing bytes: how soon a key frame follows a loss
 *
 * It asserts nothing: benchmarks measure, tests check. "PASS"/"MISS" says
 * whether a target is met.
 */

#include <gst/gst.h>

#include "benchutil.h"
#include "serialframe.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static gint opt_frames = 100;
static gint opt_baud = 3000000;
static gchar *opt_csv;
static gchar *opt_protection;

/* ~35 KiB JPEG frames (34.8 KiB on average), each different from the one
 * before: videotestsrc's bars move. */
#define SOURCE                                                                 \
  "videotestsrc pattern=smpte horizontal-speed=7 num-buffers=%u ! "            \
  "video/x-raw,width=640,height=480,framerate=30/1 ! jpegenc quality=88"

/* Bytes per air packet of the emulated radio. */
#define RADIO_PACKET 252

typedef struct {
  const gchar *name;
  gdouble bit_error_rate; /* forward */
  gdouble packet_loss;    /* of RADIO_PACKET-byte packets, forward */
} Fault;

typedef struct {
  const gchar *name;
  guint fec_percentage;
  gboolean feedback; /* serialsrc's: the reverse direction carries requests */
} Protection;

/* The frames that went, by content. */
typedef struct {
  GMutex lock;
  GHashTable *sent; /* checksum -> GUINT_TO_POINTER (1 + received) */
  guint frames_sent;
  guint64 sent_bytes;   /* payload of the frames sent */
  guint intact;         /* came out identical to a frame sent */
  guint corrupted;      /* came out and matched none */
  guint duplicates;     /* came out twice */
  guint64 intact_bytes; /* payload of the intact frames */
  gdouble last;         /* monotonic seconds of the last frame out */
} Tally;

static gchar *
checksum (GstBuffer *buf)
{
  GstMapInfo map;
  gchar *sum;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return sum;
}

static GstPadProbeReturn
record_sent (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Tally *t = user_data;
  gchar *sum = checksum (GST_PAD_PROBE_INFO_BUFFER (info));

  g_mutex_lock (&t->lock);
  t->frames_sent++;
  t->sent_bytes += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  g_hash_table_insert (t->sent, sum, GUINT_TO_POINTER (1));
  g_mutex_unlock (&t->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
record_received (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Tally *t = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gchar *sum = checksum (buf);
  guint seen;

  g_mutex_lock (&t->lock);
  t->last = now_s ();
  seen = GPOINTER_TO_UINT (g_hash_table_lookup (t->sent, sum));
  if (seen == 0) {
    t->corrupted++;
  } else if (seen > 1) {
    t->duplicates++;
  } else {
    t->intact++;
    t->intact_bytes += gst_buffer_get_size (buf);
    g_hash_table_insert (t->sent, g_strdup (sum), GUINT_TO_POINTER (2));
  }
  g_mutex_unlock (&t->lock);
  g_free (sum);
  return GST_PAD_PROBE_OK;
}

static void
probe (GstElement *pipe, const gchar *element, const gchar *pad,
    GstPadProbeCallback callback, Tally *t)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), element);
  GstPad *p = gst_element_get_static_pad (el, pad);

  gst_pad_add_probe (p, GST_PAD_PROBE_TYPE_BUFFER, callback, t, NULL);
  gst_object_unref (p);
  gst_object_unref (el);
}

static guint64
stat_u64 (GstElement *pipe, const gchar *element, const gchar *field)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), element);
  GstStructure *stats;
  guint64 v = 0;

  g_object_get (el, "link-stats", &stats, NULL);
  gst_structure_get_uint64 (stats, field, &v);
  gst_structure_free (stats);
  gst_object_unref (el);
  return v;
}

static guint
stat_uint (GstElement *pipe, const gchar *element, const gchar *field)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), element);
  GstStructure *stats;
  guint v = 0;

  g_object_get (el, "link-stats", &stats, NULL);
  gst_structure_get_uint (stats, field, &v);
  gst_structure_free (stats);
  gst_object_unref (el);
  return v;
}

/* The emulator's options for @f, forward direction (A to B) only. */
static GPtrArray *
fault_options (const Fault *f)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (args, g_strdup ("--seed=7"));
  if (f->bit_error_rate > 0) {
    g_ptr_array_add (args, g_strdup ("--faults-a2b"));
    g_ptr_array_add (args,
        g_strdup_printf ("bit-error-rate=%g", f->bit_error_rate));
  }
  if (f->packet_loss > 0) {
    g_ptr_array_add (args, g_strdup ("--faults-a2b"));
    g_ptr_array_add (args, g_strdup_printf ("packet-size=%u", RADIO_PACKET));
    g_ptr_array_add (args, g_strdup ("--faults-a2b"));
    g_ptr_array_add (args, g_strdup_printf ("packet-loss=%g", f->packet_loss));
  }
  g_ptr_array_add (args, NULL);
  return args;
}

typedef struct {
  guint sent, intact, corrupted, duplicates;
  gdouble goodput;    /* intact payload / what the line carried meanwhile */
  gdouble frame_wire; /* mean wire bytes of a frame, parity included */
  gdouble bare_wire;  /* the same frame as one DATA packet, at most */
  guint64 repaired;   /* frames serialsrc rebuilt from parity */
  guint64 resent;     /* bytes serialsink sent again, asked for */
  guint64 wire;       /* bytes serialsink wrote */
  guint piece;        /* the piece serialsink cut frames in at the end */
  guint64 dup_pieces; /* pieces serialsrc had already */
  guint64 timeouts;   /* frames serialsink sent again unasked */
} NoiseResult;

/* @frames frames through the line, one way. */
static NoiseResult
run_noise (const Fault *f, const Protection *p, guint frames)
{
  GPtrArray *args = fault_options (f);
  Emu *emu = emu_start_full (opt_baud, 16, (const gchar *const *) args->pdata);
  GstElement *tx, *rx;
  NoiseResult res = { 0 };
  gdouble seconds, start, elapsed;
  guint64 wire;
  Tally t = { 0 };

  g_mutex_init (&t.lock);
  t.sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  rx = launch ("serialsrc name=src port=%s baud-rate=%u feedback=%s ! "
               "fakesink sync=false async=false",
      emu->b, opt_baud, p->feedback ? "true" : "false");
  tx = launch (SOURCE " ! serialsink name=sink port=%s baud-rate=%u "
                      "fec-percentage=%u",
      frames, emu->a, opt_baud, p->fec_percentage);
  probe (tx, "sink", "sink", record_sent, &t);
  probe (rx, "src", "src", record_received, &t);
  gst_element_set_state (rx, GST_STATE_PLAYING);
  gst_element_set_state (tx, GST_STATE_PLAYING);

  /* The sender posts EOS once the line has carried everything; the EOS
   * packets may be lost to the noise, so the receiver gets a moment. */
  seconds = frames * 45000.0 / (opt_baud / 10.0) * 3 + 30;
  start = now_s ();
  run_pipeline (tx, seconds);
  run_pipeline (rx, 5);
  /* Until the last frame came out: the line was busy that long. */
  elapsed = t.last > start ? t.last - start : now_s () - start;

  wire = stat_u64 (tx, "sink", "wire-bytes");
  res.wire = wire;
  res.resent = stat_u64 (tx, "sink", "resent-bytes");
  res.piece = stat_uint (tx, "sink", "piece-size");
  res.dup_pieces = stat_u64 (rx, "src", "duplicate-pieces");
  res.timeouts = stat_u64 (tx, "sink", "repair-timeouts");
  res.repaired = stat_u64 (rx, "src", "repaired-frames");
  gst_element_set_state (tx, GST_STATE_NULL);
  gst_element_set_state (rx, GST_STATE_NULL);
  gst_object_unref (tx);
  gst_object_unref (rx);
  emu_stop (emu);
  g_ptr_array_unref (args);

  res.sent = t.frames_sent;
  res.intact = t.intact;
  res.corrupted = t.corrupted;
  res.duplicates = t.duplicates;
  res.goodput = t.intact_bytes / (elapsed * opt_baud / 10.0);
  res.frame_wire = t.frames_sent ? (gdouble) wire / t.frames_sent : 0;
  res.bare_wire = t.frames_sent
      ? sf_encoded_max (SF_MODE_NATIVE, 0, t.sent_bytes / t.frames_sent)
      : 0;
  g_hash_table_unref (t.sent);
  g_mutex_clear (&t.lock);
  return res;
}

/* How often a frame of @bytes on the wire survives @f unprotected:
 * e^(-BER x bits), or no lost radio packet among those it spans. */
static gdouble
survival (const Fault *f, gdouble bytes)
{
  return exp (-f->bit_error_rate * 8 * bytes) *
      pow (1 - f->packet_loss, bytes / RADIO_PACKET);
}

static void
print_header (void)
{
  g_print ("%-14s %-10s %9s %9s %9s %8s %9s %11s\n", "fault", "protection",
      "intact", "corrupted", "repaired", "goodput", "frame", "unprotected");
}

static void
print_row (const Fault *f, const Protection *p, const NoiseResult *r)
{
  g_print ("%-14s %-10s %4u/%-4u %9u %9" G_GUINT64_FORMAT " %7.1f%% %8.0fB "
           "%10.1f%%",
      f->name, p->name, r->intact, r->sent, r->corrupted, r->repaired,
      100 * r->goodput, r->frame_wire, 100 * survival (f, r->bare_wire));
  if (r->duplicates)
    g_print ("  (%u duplicates)", r->duplicates);
  if (r->resent)
    g_print ("  (%.1f%% of the wire resent, %" G_GUINT64_FORMAT
             " pieces twice, %" G_GUINT64_FORMAT " timeouts, pieces of %u B)",
        100.0 * r->resent / r->wire, r->dup_pieces, r->timeouts, r->piece);
  g_print ("\n");
}

static const Fault faults[] = {
  { "clean", 0, 0 },
  { "BER 1e-6", 1e-6, 0 },
  { "BER 1e-5", 1e-5, 0 },
  { "BER 3e-5", 3e-5, 0 },
  { "BER 1e-4", 1e-4, 0 },
  { "BER 3e-4", 3e-4, 0 },
  { "radio 0.5 %", 0, 0.005 },
  { "radio 2 %", 0, 0.02 },
  { "radio 5 %", 0, 0.05 },
};

/* One way first (serialsrc feedback=false), then over both directions:
 * retransmission alone (the defaults), and with parity. */
static const Protection protections[] = {
  { "none", 0, FALSE },
  { "fec 15 %", 15, FALSE },
  { "fec 25 %", 25, FALSE },
  { "retransmit", 0, TRUE },
  { "both 15 %", 15, TRUE },
};

static int
bench_matrix (void)
{
  FILE *csv = opt_csv ? fopen (opt_csv, "w") : NULL;
  guint i, j;

  if (csv)
    fprintf (csv,
        "fault,ber,packet_loss,fec,feedback,intact,sent,corrupted,"
        "goodput,unprotected,protection\n");
  g_print ("8. Noisy links: %d frames of ~35 KiB JPEG (640x480 q88), "
           "non-live, at %d baud; faults on the forward direction (seed 7); "
           "none and fec: one way (serialsrc feedback=false); retransmit "
           "and both: two way (feedback=true, the default); intact = "
           "byte-identical to a frame sent, goodput = intact payload / what "
           "the line carried from start to the last frame out, unprotected "
           "= whole-frame survival of the same frame without protection\n",
      opt_frames, opt_baud);
  print_header ();
  for (i = 0; i < G_N_ELEMENTS (faults); i++) {
    for (j = 0; j < G_N_ELEMENTS (protections); j++) {
      NoiseResult r;

      if (opt_protection && !g_str_equal (opt_protection, protections[j].name))
        continue;
      r = run_noise (&faults[i], &protections[j], opt_frames);

      print_row (&faults[i], &protections[j], &r);
      if (csv)
        fprintf (csv, "%s,%g,%g,%u,%d,%u,%u,%u,%.4f,%.4f,%s\n", faults[i].name,
            faults[i].bit_error_rate, faults[i].packet_loss,
            protections[j].fec_percentage, protections[j].feedback, r.intact,
            r.sent, r.corrupted, r.goodput, survival (&faults[i], r.bare_wire),
            protections[j].name);
    }
  }
  if (csv)
    fclose (csv);
  return 0;
}

/* One target: at least @need of @frames frames intact, none corrupted. */
static gboolean
target (const Fault *f, const Protection *p, guint frames, guint need)
{
  NoiseResult r = run_noise (f, p, frames);
  gboolean pass = r.intact >= need && r.corrupted == 0 && r.sent == frames;

  print_row (f, p, &r);
  g_print ("    target: >= %u of %u intact, 0 corrupted: %s\n", need, frames,
      pass ? "PASS" : "MISS");
  return pass;
}

/* Two-way, default settings: every frame intact and, where given, at
 * least @line_share of the line as goodput. */
static gboolean
target_all (const Fault *f, guint frames, gdouble line_share)
{
  static const Protection defaults = { "two-way", 0, TRUE };
  NoiseResult r = run_noise (f, &defaults, frames);
  gboolean pass = r.intact == frames && r.corrupted == 0 && r.sent == frames &&
      r.goodput >= line_share;

  print_row (f, &defaults, &r);
  g_print ("    target: all %u intact, 0 corrupted", frames);
  if (line_share > 0)
    g_print (", goodput >= %.0f %%", 100 * line_share);
  g_print (": %s\n", pass ? "PASS" : "MISS");
  return pass;
}

/* The two-way targets alone. */
static gboolean
bench_two_way (void)
{
  static const Fault ber4 = { "BER 1e-4", 1e-4, 0 };
  static const Fault radio = { "radio 2 %", 0, 0.02 };
  gint baud = opt_baud;
  gboolean all = TRUE;

  opt_baud = 921600;
  all &= target_all (&ber4, 60, 0.70);
  all &= target_all (&radio, 60, 0);
  opt_baud = baud;
  return all;
}

static int
bench_targets (void)
{
  static const Fault ber5 = { "BER 1e-5", 1e-5, 0 };
  static const Fault radio = { "radio 2 %", 0, 0.02 };
  static const Protection fec15 = { "fec 15 %", 15, FALSE };
  static const Protection fec25 = { "fec 25 %", 25, FALSE };
  gboolean all = TRUE;

  g_print ("9. Noisy link targets (seed 7); one way: serialsrc "
           "feedback=false; two way: default settings\n");
  print_header ();
  all &= target (&ber5, &fec15, 100, 99);
  all &= target (&radio, &fec25, 60, 57);
  all &= bench_two_way ();
  return all ? 0 : 1;
}

/* --- A key frame after a loss (live H.264, two-way) --------------------- */

/* When serialsrc asked for a key frame, and when key frames came out. */
typedef struct {
  GMutex lock;
  GArray *asked; /* gdouble, monotonic seconds */
  GArray *keys;  /* gdouble */
  gboolean stop;
  GstElement *src; /* serialsrc */
} KeyWatch;

static GstPadProbeReturn
record_key (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  KeyWatch *w = user_data;
  gdouble t = now_s ();

  if (!GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info),
          GST_BUFFER_FLAG_DELTA_UNIT)) {
    g_mutex_lock (&w->lock);
    g_array_append_val (w->keys, t);
    g_mutex_unlock (&w->lock);
  }
  return GST_PAD_PROBE_OK;
}

/* serialsrc says nothing when it asks; its counter, read every 5 ms, does
 * (a measurement, 5 ms coarse). */
static gpointer
watch_requests (gpointer data)
{
  KeyWatch *w = data;
  guint64 before = 0, now;

  while (!g_atomic_int_get (&w->stop)) {
    GstStructure *stats;

    g_object_get (w->src, "link-stats", &stats, NULL);
    gst_structure_get_uint64 (stats, "lost-frames", &now);
    gst_structure_free (stats);
    if (now > before) {
      gdouble t = now_s ();

      g_mutex_lock (&w->lock);
      g_array_append_val (w->asked, t);
      g_mutex_unlock (&w->lock);
      before = now;
    }
    g_usleep (5000);
  }
  return NULL;
}

/* Live H.264 (a key frame every 15 s) at 115200 baud, seeded byte loss
 * forward: how long after serialsrc saw a loss the next key frame came
 * out, with the reverse direction (default) and without (feedback=false). */
static gdouble
measure_key_after_loss (gboolean feedback, gdouble seconds, guint *losses,
    guint64 *repaired)
{
  const gchar *options[] = { "--seed=5", "--faults-a2b", "byte-loss-rate=2e-5",
    NULL };
  Emu *emu = emu_start_full (115200, 16, options);
  KeyWatch w = { 0 };
  GstElement *tx, *rx;
  GThread *thread;
  gdouble worst = 0;
  guint i, k;
  GstPad *pad;

  g_mutex_init (&w.lock);
  w.asked = g_array_new (FALSE, FALSE, sizeof (gdouble));
  w.keys = g_array_new (FALSE, FALSE, sizeof (gdouble));
  rx = launch ("serialsrc name=src port=%s baud-rate=115200 feedback=%s ! "
               "fakesink sync=false async=false",
      emu->b, feedback ? "true" : "false");
  tx = launch ("videotestsrc is-live=true pattern=ball ! "
               "video/x-raw,format=I420,width=320,height=240,framerate=10/1 ! "
               "x264enc tune=zerolatency speed-preset=ultrafast bitrate=48 "
               "key-int-max=150 bframes=0 ! h264parse config-interval=-1 ! "
               "serialsink port=%s baud-rate=115200",
      emu->a);
  w.src = gst_bin_get_by_name (GST_BIN (rx), "src");
  pad = gst_element_get_static_pad (w.src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_key, &w, NULL);
  gst_object_unref (pad);
  gst_element_set_state (rx, GST_STATE_PLAYING);
  gst_element_set_state (tx, GST_STATE_PLAYING);
  thread = g_thread_new ("watch", watch_requests, &w);
  run_pipeline (tx, seconds);
  g_atomic_int_set (&w.stop, 1);
  g_thread_join (thread);
  *repaired = stat_u64 (rx, "src", "retransmitted-frames");
  gst_element_set_state (tx, GST_STATE_NULL);
  gst_element_set_state (rx, GST_STATE_NULL);

  /* Each loss (after the first key frame) against the first key frame
   * after it; a loss with no key frame after it counts from then to the
   * end. */
  *losses = 0;
  for (i = 0; i < w.asked->len; i++) {
    gdouble t = g_array_index (w.asked, gdouble, i), wait = -1;

    if (w.keys->len == 0 || t < g_array_index (w.keys, gdouble, 0))
      continue;
    for (k = 0; k < w.keys->len && wait < 0; k++)
      if (g_array_index (w.keys, gdouble, k) > t)
        wait = g_array_index (w.keys, gdouble, k) - t;
    if (wait < 0)
      continue;
    (*losses)++;
    worst = MAX (worst, wait);
  }
  gst_object_unref (w.src);
  gst_object_unref (tx);
  gst_object_unref (rx);
  g_array_unref (w.asked);
  g_array_unref (w.keys);
  g_mutex_clear (&w.lock);
  emu_stop (emu);
  return worst;
}

static int
bench_keyframe (void)
{
  gdouble seconds = 60, with, without;
  guint64 repaired, unused;
  guint n_with, n_without;
  gboolean pass;

  g_print ("10. Key frame after a loss: live H.264 (320x240, 10 fps, 48 "
           "kbit/s, a key frame every 15 s) at 115200 baud, bytes lost "
           "forward at random (rate 2e-5, seed 5), %.0f s; worst time from "
           "serialsrc seeing a loss to the next key frame out of it\n",
      seconds);
  with = measure_key_after_loss (TRUE, seconds, &n_with, &repaired);
  without = measure_key_after_loss (FALSE, seconds, &n_without, &unused);
  /* With the reverse direction the damaged frames are mostly sent again
   * in time: no loss is seen, and none needs a key frame. */
  pass = n_with == 0 ? repaired > 0 : with <= 1.5;
  g_print ("  feedback (default): %u losses seen, worst %.2f s, "
           "%" G_GUINT64_FORMAT " frames retransmitted in time; target "
           "<= 1.5 s: %s\n",
      n_with, with, repaired, pass ? "PASS" : "MISS");
  g_print ("  feedback=false:     %u losses, worst %.2f s (the baseline: "
           "until the next periodic key frame)\n",
      n_without, without);
  return pass ? 0 : 1;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = { { "frames", 0, 0, G_OPTION_ARG_INT, &opt_frames,
                                 "Frames per run of the matrix", "N" },
    { "baud", 0, 0, G_OPTION_ARG_INT, &opt_baud, "Line rate", "B" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &opt_csv, "Write the matrix to FILE",
        "FILE" },
    { "protection", 0, 0, G_OPTION_ARG_STRING, &opt_protection,
        "Only this protection of the matrix (none, fec 15 %, ...)", "NAME" },
    { NULL } };

  if (!bench_parse_args (&argc, &argv, entries,
          "matrix|targets|two-way|keyframe"))
    return 2;

  if (g_str_equal (argv[1], "matrix"))
    return bench_matrix ();
  if (g_str_equal (argv[1], "targets"))
    return bench_targets ();
  if (g_str_equal (argv[1], "two-way")) {
    print_header ();
    return bench_two_way () ? 0 : 1;
  }
  if (g_str_equal (argv[1], "keyframe"))
    return bench_keyframe ();
  g_printerr ("unknown benchmark %s\n", argv[1]);
  return 2;
}
