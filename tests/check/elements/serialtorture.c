/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: a state-change torture of serialsink and serialsrc.
 *
 * A seeded random sequence sets up situations one after the other (the
 * element streaming, blocked by a peer that never reads, held by XOFF or by
 * a stopped line, sending its EOS at a slow pace, waiting on a silent port,
 * unplugged with reconnect on) and fires at random moments the actions an
 * application takes: state changes between any two states, flushing seeks
 * and flushes, EOS, property sets. Every action must return within a second
 * (a watchdog thread aborts the test naming the step, the action and the
 * situation, with the threads' backtraces when gdb is there), nothing may
 * crash (a signal handler names the step), no descriptor may stay open, and
 * afterwards a clean stream must still cross a link intact.
 *
 * Environment: SERIAL_TORTURE_STEPS (steps per framing), SERIAL_TORTURE_SEED,
 * SERIAL_TORTURE_LIMIT_MS (the watchdog's limit, 1000 ms, or
 * TEST_HANG_SECONDS), SERIAL_TORTURE_GDB=0 (no backtraces),
 * SERIAL_TORTURE_ONLY (some situations only). A failure prints the seed and
 * the step; the same seed gives the same sequence of situations and actions,
 * though not the same timing (docs/design.md).
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "testutil.h"

#ifndef TORTURE_DEFAULT_STEPS
#define TORTURE_DEFAULT_STEPS 750
#endif
#define DEFAULT_SEED 1
#define DEFAULT_LIMIT_MS 1000

/* Configuration, read once per test from the environment. */
static guint cfg_steps;
static guint32 cfg_seed;
static guint cfg_limit_ms;
static guint cfg_slow;
static gboolean cfg_gdb;

static guint
env_uint (const gchar *name, guint fallback)
{
  const gchar *s = g_getenv (name);

  return s && *s ? (guint) g_ascii_strtoull (s, NULL, 0) : fallback;
}

static void
read_config (void)
{
  cfg_steps = env_uint ("SERIAL_TORTURE_STEPS", TORTURE_DEFAULT_STEPS);
  cfg_seed = env_uint ("SERIAL_TORTURE_SEED", DEFAULT_SEED);
  /* TEST_HANG_SECONDS, the other tests' hang limit, is raised for valgrind;
   * SERIAL_TORTURE_LIMIT_MS sets this test's own. */
  cfg_limit_ms = env_uint ("TEST_HANG_SECONDS", 0) * 1000;
  cfg_limit_ms = env_uint ("SERIAL_TORTURE_LIMIT_MS",
      cfg_limit_ms ? cfg_limit_ms : DEFAULT_LIMIT_MS);
  /* Waits for what may not come (a buffer, EOS) grow with the limit, within
   * reason. */
  cfg_slow = CLAMP (cfg_limit_ms / DEFAULT_LIMIT_MS, 1, 10);
  cfg_gdb = env_uint ("SERIAL_TORTURE_GDB", 1) != 0;
}

/* ------------------------------------------------------------------------
 * The trail: the last steps, printed when the test hangs, crashes or fails.
 * Written by the test's thread only; read by the watchdog and by the crash
 * handler, which may see a line being rewritten (harmless). */

#define TRAIL_LEN 16
#define TRAIL_LINE 512

static gchar trail[TRAIL_LEN][TRAIL_LINE];
static gchar situation_line[1024]; /* the situation and its settings */
static guint trail_next;
static gboolean test_finished;
static gboolean at_exit_set;
static gchar pid_str[16];

static const gchar *
trail_current (void)
{
  return trail[(trail_next + TRAIL_LEN - 1) % TRAIL_LEN];
}

static void G_GNUC_PRINTF (1, 2) note (const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  g_vsnprintf (trail[trail_next % TRAIL_LEN], TRAIL_LINE, format, args);
  va_end (args);
  trail_next++;
  GST_INFO ("%s", trail_current ());
}

static void
write_str (const gchar *s)
{
  gsize len = strlen (s);

  while (len > 0) {
    gssize n = write (STDERR_FILENO, s, len);

    if (n <= 0)
      return;
    s += n;
    len -= n;
  }
}

/* Async-signal-safe: only write(). */
static void
write_trail (void)
{
  guint i, first = trail_next > TRAIL_LEN ? trail_next - TRAIL_LEN : 0;

  write_str ("serialtorture: in ");
  write_str (situation_line);
  write_str ("\nserialtorture: the last steps, oldest first:\n");
  for (i = first; i < trail_next; i++) {
    write_str ("  ");
    write_str (trail[i % TRAIL_LEN]);
    write_str ("\n");
  }
}

/* The backtraces of all threads, from gdb attached to us. Async-signal-safe
 * (fork, exec, waitpid), so that the crash handler can call it. */
static void
dump_threads (void)
{
  pid_t child;

  if (!cfg_gdb)
    return;
  write_str ("serialtorture: the threads, from gdb:\n");
  child = fork ();
  if (child == 0) {
    dup2 (STDERR_FILENO, STDOUT_FILENO);
    execlp ("timeout", "timeout", "60", "gdb", "-batch", "-nx", "-p", pid_str,
        "-ex", "set pagination off", "-ex", "thread apply all bt 40",
        (char *) NULL);
    write_str ("serialtorture: no gdb (scripts/lib.sh installs it)\n");
    _exit (127);
  }
  if (child > 0)
    waitpid (child, NULL, 0);
}

/* ------------------------------------------------------------------------
 * Crashes: name the step, dump the threads, then let the previous handler
 * (the default one, or AddressSanitizer's) have the signal. */

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction old_actions[G_N_ELEMENTS (crash_signals)];
static volatile sig_atomic_t crashing;

static void
on_crash (int sig, siginfo_t *info, void *context)
{
  guint i;

  if (!crashing) {
    crashing = 1;
    write_str ("\nserialtorture: CRASH (");
    write_str (strsignal (sig));
    write_str (") during:\n  ");
    write_str (trail_current ());
    write_str ("\n");
    write_trail ();
    dump_threads ();
  }
  for (i = 0; i < G_N_ELEMENTS (crash_signals); i++)
    if (crash_signals[i] == sig)
      sigaction (sig, &old_actions[i], NULL);
  /* A fault happens again on return, now to the previous handler; a signal
   * that was sent (abort()) has to be sent again. */
  if (info->si_code <= 0)
    raise (sig);
}

/* A sanitizer (test.sh's ASan+UBSan run) ends the process its own way: have
 * it name the step too. */
static void
on_sanitizer_death (void)
{
  if (crashing)
    return;
  crashing = 1;
  write_str ("\nserialtorture: a sanitizer stopped the test during:\n  ");
  write_str (trail_current ());
  write_str ("\n");
  write_trail ();
}

/* GCC links ASan and UBSan as two libraries, each with its own death
 * callback: set it in every loaded object that has one. */
static int
set_death_callback (struct dl_phdr_info *info, size_t size, void *data)
{
  void (*set) (void (*) (void));
  void *lib;

  if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0')
    return 0;
  lib = dlopen (info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
  if (lib == NULL)
    return 0;
  set = (void (*) (void (*) (void))) dlsym (lib,
      "__sanitizer_set_death_callback");
  if (set)
    set (on_sanitizer_death);
  dlclose (lib);
  return 0;
}

static void
install_crash_handler (void)
{
  struct sigaction sa;
  guint i;

  memset (&sa, 0, sizeof (sa));
  sa.sa_sigaction = on_crash;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset (&sa.sa_mask);
  for (i = 0; i < G_N_ELEMENTS (crash_signals); i++)
    sigaction (crash_signals[i], &sa, &old_actions[i]);
  g_snprintf (pid_str, sizeof (pid_str), "%d", (int) getpid ());
  dl_iterate_phdr (set_death_callback, NULL);
  /* Where Yama restricts ptrace, let gdb attach. */
  prctl (PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  crashing = 0;
}

static void
uninstall_crash_handler (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (crash_signals); i++)
    sigaction (crash_signals[i], &old_actions[i], NULL);
}

/* A failure from gst-check (a critical, a fail_unless in any thread) exits
 * the test process: say where the sequence was. */
static void
at_exit (void)
{
  if (!test_finished && trail_next > 0 && !crashing) {
    write_str ("\nserialtorture: the test ended early, during:\n  ");
    write_str (trail_current ());
    write_str ("\n");
    write_trail ();
  }
}

/* ------------------------------------------------------------------------
 * The watchdog: every action that may block runs between dog_arm() and
 * dog_disarm(); when one takes longer than its limit, the watchdog thread
 * prints what hangs and the threads' backtraces, and aborts. It detects
 * hangs; it does not measure. */

static struct {
  GMutex lock;
  GCond cond;
  GThread *thread;
  gint64 deadline; /* monotonic µs; 0: nothing is running */
  guint limit_ms;
  gboolean quit;
} dog;

static void
hang_detected (void)
{
  gchar *msg = g_strdup_printf ("\nserialtorture: HANG: did not return within "
                                "%u ms:\n  %s\n",
      dog.limit_ms, trail_current ());

  write_str (msg);
  g_free (msg);
  write_trail ();
  crashing = 1; /* the abort below is ours, already reported */
  dump_threads ();
  fflush (NULL); /* a GST_DEBUG_FILE log, for one */
  abort ();
}

static gpointer
dog_thread (gpointer data)
{
  g_mutex_lock (&dog.lock);
  while (!dog.quit) {
    if (dog.deadline == 0)
      g_cond_wait (&dog.cond, &dog.lock);
    else if (crashing) /* the crash handler is reporting */
      dog.deadline = 0;
    else if (g_get_monotonic_time () >= dog.deadline)
      hang_detected ();
    else
      g_cond_wait_until (&dog.cond, &dog.lock, dog.deadline);
  }
  g_mutex_unlock (&dog.lock);
  return NULL;
}

static void
dog_start (void)
{
  dog.deadline = 0;
  dog.quit = FALSE;
  dog.thread = g_thread_new ("watchdog", dog_thread, NULL);
}

static void
dog_stop (void)
{
  g_mutex_lock (&dog.lock);
  dog.quit = TRUE;
  g_cond_signal (&dog.cond);
  g_mutex_unlock (&dog.lock);
  g_thread_join (dog.thread);
}

/* Starts an action that must return within @factor times the limit. */
static void
dog_arm (guint factor)
{
  g_mutex_lock (&dog.lock);
  dog.limit_ms = cfg_limit_ms * factor;
  dog.deadline = g_get_monotonic_time () + (gint64) dog.limit_ms * 1000;
  g_cond_signal (&dog.cond);
  g_mutex_unlock (&dog.lock);
}

static void
dog_disarm (void)
{
  g_mutex_lock (&dog.lock);
  dog.deadline = 0;
  g_mutex_unlock (&dog.lock);
}

/* ------------------------------------------------------------------------
 * Situations. */

typedef enum {
  SINK_STREAMING,    /* a pty whose master the test drains */
  SINK_NEVER_READ,   /* a pty whose master nobody reads */
  SINK_XOFF,         /* flow-control=xon-xoff, the test sends XOFF and XON */
  SINK_LINE_STOPPED, /* flow-control=rts-cts on the emulator, whose other
                      * side nobody reads: the line stops (sit_setup) */
  SINK_EOS,          /* paced slowly, a few buffers then EOS */
  SINK_UNPLUGGED,    /* the emulator unplugs its side, reconnect=true */
  SRC_STREAMING,     /* a sender pipeline writes to it over a pty relay */
  SRC_SILENT,        /* a pty nobody writes to */
  SRC_UNPLUGGED,     /* the emulator unplugs its side, reconnect=true */
  N_KINDS
} Kind;

static const gchar *const kind_names[N_KINDS] = {
  "sink-streaming",
  "sink-peer-never-reads",
  "sink-held-by-xoff",
  "sink-line-stopped",
  "sink-sending-eos",
  "sink-unplugged",
  "src-streaming",
  "src-silent-port",
  "src-unplugged",
};

typedef struct {
  Kind kind;
  gboolean is_sink;
  gchar *desc;           /* kind and random settings */
  GstElement *pipe, *el; /* el: the serialsink or serialsrc tortured */
  GstElement *helper;    /* the sender feeding a serialsrc */
  GstState target;       /* the state last asked for */
  TestPty pty, pty2;
  TestEmu *emu;
  int far_fd; /* what the test reads: a pty master or side B */
  int devnull;
  TestRelay *reader;  /* drains far_fd while set */
  TestRelay *relay;   /* helper's pty to the element's */
  gboolean held;      /* XOFF sent */
  guint link_rate;    /* sink-sending-eos: bytes/s the sink paces at */
  gint absent;        /* atomic: our side of the emulator is unplugged */
  gint eos_requested; /* atomic: the test source ends at its next buffer */
  gint eos_refused;   /* atomic: EOS events the sink refused */

  GMutex lock;
  GCond cond;
  guint eos_events, buffers, lost;
  gchar *error;    /* the first error not expected */
  guint tolerated; /* errors expected while the port is absent */
  guint raced;     /* errors of GStreamer's race, see shutdown_race() */
} Sit;

typedef struct {
  const gchar *framing;
  GRand *rand;
  guint step;
  guint situations;
  guint kinds[N_KINDS];
  guint actions[16];
  gint64 action_us[16];
  gint64 setup_us;            /* setting situations up and tearing them down */
  guint transitions[2][4][4]; /* [is_src][from][to] */
  guint tolerated;
  guint raced;
  guint fds;
} Torture;

static gchar *
list_fds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  GString *s = g_string_new (NULL);
  const gchar *name;

  while ((name = g_dir_read_name (dir))) {
    gchar *path = g_build_filename ("/proc/self/fd", name, NULL);
    gchar *target = g_file_read_link (path, NULL);

    g_string_append_printf (s, " %s->%s", name, target ? target : "?");
    g_free (target);
    g_free (path);
  }
  g_dir_close (dir);
  return g_string_free (s, FALSE);
}

static gboolean
chance (Torture *t, guint percent)
{
  return g_rand_int_range (t->rand, 0, 100) < (gint) percent;
}

static guint
pick (Torture *t, guint n)
{
  return g_rand_int_range (t->rand, 0, n);
}

#define PICK(t, array) ((array)[pick ((t), G_N_ELEMENTS (array))])

/* Fails the test naming the step. Without a fork per test (CK_FORK=no, as
 * under valgrind) gst-check would leave the test function with the
 * situation's streaming threads still running on its stack: abort then. */
#define torture_fail(t, ...)                                                   \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *_m = g_strdup_printf (__VA_ARGS__);                                 \
    write_trail ();                                                            \
    if (g_strcmp0 (g_getenv ("CK_FORK"), "no") == 0) {                         \
      g_printerr ("serialtorture: seed %u framing %s step %u: %s\n", cfg_seed, \
          (t)->framing, (t)->step, _m);                                        \
      crashing = 1;                                                            \
      abort ();                                                                \
    }                                                                          \
    fail ("seed %u framing %s step %u: %s", cfg_seed, (t)->framing, (t)->step, \
        _m);                                                                   \
  }                                                                            \
  G_STMT_END

static void act_note (Torture *t, Sit *s, const gchar *format, ...)
    G_GNUC_PRINTF (3, 4);
static void act_begin (Torture *t, Sit *s, const gchar *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
act_note_valist (Torture *t, Sit *s, const gchar *format, va_list args)
{
  gchar *what = g_strdup_vprintf (format, args);

  note ("seed %u framing %s step %u/%u [%s]: %s", cfg_seed, t->framing, t->step,
      cfg_steps, s ? s->desc : "-", what);
  g_free (what);
}

/* Notes what is done next, for the messages, when it cannot hang. */
static void
act_note (Torture *t, Sit *s, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  act_note_valist (t, s, format, args);
  va_end (args);
}

/* Notes an action that must return within the limit and arms the watchdog;
 * dog_disarm() once it returned. */
static void
act_begin (Torture *t, Sit *s, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  act_note_valist (t, s, format, args);
  va_end (args);
  dog_arm (1);
}

/* While the port is unplugged, starting cannot open it (and GstBaseSrc
 * adds its own error when start() fails). A stream that was running when
 * the port went away must not fail: reconnect is on. */
static gboolean
error_while_absent (const GError *err)
{
  if (err->domain == GST_RESOURCE_ERROR)
    return err->code == GST_RESOURCE_ERROR_NOT_FOUND ||
        err->code == GST_RESOURCE_ERROR_OPEN_READ_WRITE ||
        err->code == GST_RESOURCE_ERROR_SETTINGS;
  return g_error_matches (err, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE);
}

/* GStreamer's own race, not ours: an element going down deactivates its
 * src pads before its sink pads, and an event then pushed into its still
 * active sink pad cannot go on. A test source pushing its first, sticky
 * events into the capsfilter just as the pipeline goes down thus gets
 * GST_FLOW_ERROR (or not-negotiated, for caps) from gst_pad_push() and
 * posts "Internal data stream error" (GStreamer 1.22, any sink). Seen by
 * the poster's streaming thread, still running, on the pads downstream of
 * it: one of them is deactivated (flushing) for the whole state change. */
static gboolean
shutdown_race (GstMessage *msg)
{
  GstObject *poster = GST_MESSAGE_SRC (msg);
  GstPad *pad, *peer;
  GstElement *next;
  gboolean flushing = FALSE;

  if (!GST_IS_ELEMENT (poster) ||
      g_str_has_prefix (G_OBJECT_TYPE_NAME (poster), "GstSerial"))
    return FALSE;
  pad = gst_element_get_static_pad (GST_ELEMENT (poster), "src");
  while (pad && !flushing && (peer = gst_pad_get_peer (pad))) {
    gst_object_unref (pad);
    next = gst_pad_get_parent_element (peer);
    gst_object_unref (peer);
    pad = next ? gst_element_get_static_pad (next, "src") : NULL;
    flushing = pad && GST_PAD_IS_FLUSHING (pad);
    gst_clear_object (&next);
  }
  gst_clear_object (&pad);
  return flushing;
}

static GstBusSyncReply
on_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  Sit *s = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      g_mutex_lock (&s->lock);
      if (g_atomic_int_get (&s->absent) && error_while_absent (err))
        s->tolerated++;
      else if (err->domain == GST_STREAM_ERROR && shutdown_race (msg))
        s->raced++;
      else if (s->error == NULL)
        s->error = g_strdup_printf ("%s posted %s %d: %s (%s)",
            GST_MESSAGE_SRC_NAME (msg), g_quark_to_string (err->domain),
            err->code, err->message, debug);
      g_mutex_unlock (&s->lock);
      g_error_free (err);
      g_free (debug);
      break;
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name (msg, "serial-port-lost")) {
        g_mutex_lock (&s->lock);
        s->lost++;
        g_cond_broadcast (&s->cond);
        g_mutex_unlock (&s->lock);
      }
      break;
    default:
      break;
  }
  /* Nothing piles up on the bus; a sync handler unrefs what it drops. */
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static GstPadProbeReturn
on_data (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Sit *s = user_data;

  g_mutex_lock (&s->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    s->buffers++;
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    s->eos_events++;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

static guint
sit_get (Sit *s, guint *counter)
{
  guint value;

  g_mutex_lock (&s->lock);
  value = *counter;
  g_mutex_unlock (&s->lock);
  return value;
}

/* On the test source's pad: ends the stream when asked to. */
static GstPadProbeReturn
on_source_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Sit *s = user_data;

  if (!g_atomic_int_compare_and_exchange (&s->eos_requested, TRUE, FALSE))
    return GST_PAD_PROBE_OK;
  if (!gst_pad_push_event (pad, gst_event_new_eos ()))
    g_atomic_int_inc (&s->eos_refused);
  return GST_PAD_PROBE_DROP;
}

/* Waits up to @ms for *@counter to move on from @from. Not an assertion:
 * in some states nothing comes. */
static gboolean
sit_wait (Sit *s, guint *counter, guint from, guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  gboolean moved;

  g_mutex_lock (&s->lock);
  while (*counter == from && g_cond_wait_until (&s->cond, &s->lock, end))
    ;
  moved = *counter != from;
  g_mutex_unlock (&s->lock);
  return moved;
}

static void
watch_pipeline (Sit *s, GstElement *pipe)
{
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));

  gst_bus_set_sync_handler (bus, on_message, s, NULL);
  gst_object_unref (bus);
}

static void
unwatch_pipeline (GstElement *pipe)
{
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));

  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
}

static GstElement *
launch (const gchar *desc)
{
  GError *error = NULL;
  GstElement *pipe = gst_parse_launch (desc, &error);

  fail_unless (pipe != NULL && error == NULL, "%s: %s", desc,
      error ? error->message : "");
  return pipe;
}

static const gchar *
state_name (GstState state)
{
  return gst_element_state_get_name (state);
}

/* Sets the state of @pipe under the watchdog. */
static GstStateChangeReturn
set_state (Torture *t, Sit *s, GstElement *pipe, GstState state)
{
  GstStateChangeReturn ret;

  act_begin (t, s, "%s: set_state(%s)", GST_OBJECT_NAME (pipe),
      state_name (state));
  ret = gst_element_set_state (pipe, state);
  dog_disarm ();
  if (state == GST_STATE_NULL && ret != GST_STATE_CHANGE_SUCCESS)
    torture_fail (t, "%s: set_state(NULL) returned %s", GST_OBJECT_NAME (pipe),
        gst_element_state_change_return_get_name (ret));
  return ret;
}

/* The far end of the link starts or stops reading. */
static void
set_reading (Sit *s, gboolean reading)
{
  if (reading && s->reader == NULL)
    s->reader = test_relay_start (s->far_fd, s->devnull);
  else if (!reading && s->reader != NULL)
    g_clear_pointer (&s->reader, test_relay_stop);
}

/* Width and height of the test pattern: a multiple of 4, so that GRAY8 rows
 * have no padding, which videotestsrc leaves uninitialised (valgrind). Not
 * pattern=ball, which writes out of its frames of 8x8 and less (GStreamer
 * 1.22, valgrind: "Invalid write" in libgstvideotestsrc). */
static guint
frame_size (Torture *t)
{
  return 4 * (1 + pick (t, 16));
}

/* The sink's pipeline: a test pattern, live or not, finite or not. */
static gchar *
sink_pipeline (Torture *t, const gchar *port, gboolean live, gint num_buffers,
    guint size, const gchar *extra)
{
  static const guint bauds[] = { 9600, 57600, 115200, 921600 };
  static const gchar *const policies[] = { "auto", "never", "stale" };
  static const guint caps_intervals[] = { 0, 20, 1000 };
  static const guint stats_intervals[] = { 0, 0, 10, 50 };
  static const gchar *const pacings[] = { "auto", "on", "off" };
  const gchar *pacing = PICK (t, pacings);
  guint baud = PICK (t, bauds), link_rate = 0;
  gchar *desc;

  if (chance (t, 20))
    link_rate = 2000 + pick (t, 50000);
  desc = g_strdup_printf ("videotestsrc name=vsrc is-live=%d num-buffers=%d "
                          "pattern=%s ! video/x-raw,format=GRAY8,width=%u,"
                          "height=%u,framerate=%u/1 ! serialsink name=el "
                          "port=%s framing=%s baud-rate=%u pacing=%s "
                          "link-rate=%u drop-policy=%s caps-interval=%u "
                          "stats-interval=%u hangup-on-close=%d "
                          "fragment-size=%u fec-percentage=%u %s",
      live, num_buffers, chance (t, 50) ? "smpte" : "snow", size, size,
      5 + pick (t, 55), port, t->framing, baud, pacing, link_rate,
      PICK (t, policies), PICK (t, caps_intervals), PICK (t, stats_intervals),
      chance (t, 50), chance (t, 50) ? 64 + pick (t, 400) : 0,
      chance (t, 30) ? 1 + pick (t, 100) : 0, extra);
  return desc;
}

/* A sender into @port that the torture leaves alone: it feeds a serialsrc. */
static GstElement *
make_helper (Torture *t, Sit *s, const gchar *port)
{
  gchar *desc = g_strdup_printf ("videotestsrc is-live=%d num-buffers=%d ! "
                                 "video/x-raw,format=GRAY8,width=16,height=16,"
                                 "framerate=%u/1 ! serialsink name=helper "
                                 "port=%s framing=%s pacing=on "
                                 "baud-rate=%u",
      chance (t, 50), chance (t, 30) ? (gint) (10 + pick (t, 200)) : -1,
      10 + pick (t, 50), port, t->framing, chance (t, 50) ? 115200 : 921600);
  GstElement *helper = launch (desc);

  g_free (desc);
  gst_object_set_name (GST_OBJECT (helper), "sender");
  return helper;
}

static gchar *
src_pipeline (Torture *t, const gchar *port, const gchar *extra)
{
  static const guint blocksizes[] = { 1, 64, 4096, 65536 };
  static const guint stats_intervals[] = { 0, 0, 10, 50 };

  return g_strdup_printf ("serialsrc name=el port=%s framing=%s "
                          "blocksize=%u stats-interval=%u forward-eos=%d "
                          "feedback=%d %s ! fakesink sync=false async=false",
      port, t->framing, PICK (t, blocksizes), PICK (t, stats_intervals),
      chance (t, 70), chance (t, 80), extra);
}

static TestEmu *
start_emu (Torture *t, Sit *s, const gchar *const *options)
{
  TestEmu *emu;

  act_begin (t, s, "start the link emulator");
  emu = test_emu_start (options);
  dog_disarm ();
  return emu;
}

/* Opens side @path of the emulator as the far end the test reads. */
static int
open_far (const gchar *path)
{
  int fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

  fail_unless (fd >= 0, "open %s: %s", path, g_strerror (errno));
  return fd;
}

static void
sit_setup (Torture *t, Sit *s, Kind kind)
{
  static const gchar *const line_stopped_opts[] = { "--baud", "0", "--queue",
    "2048", NULL };
  gchar *desc = NULL;
  GstPad *pad;

  memset (s, 0, sizeof (*s));
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->kind = kind;
  s->is_sink = kind < SRC_STREAMING;
  s->pty.master = s->pty.slave = s->pty2.master = s->pty2.slave = -1;
  s->far_fd = -1;
  s->target = GST_STATE_NULL;
  s->devnull = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  t->situations++;
  t->kinds[kind]++;

  switch (kind) {
    case SINK_STREAMING:
    case SINK_NEVER_READ:
    case SINK_XOFF:
      test_pty_open (&s->pty);
      s->far_fd = s->pty.master;
      desc = sink_pipeline (t, s->pty.path, chance (t, 30), -1, frame_size (t),
          kind == SINK_XOFF ? "flow-control=xon-xoff" : "flow-control=none");
      break;
    case SINK_LINE_STOPPED:
      /* RTS/CTS: a pty has no modem lines, and the port module accepts
       * flow-control=rts-cts on one without effect. What the receiver's
       * CTS does to the sender is done by the emulator instead: its side B
       * is never read, so its small queue fills and it stops taking bytes
       * from side A, whose writes then block as on a held UART. */
      s->emu = start_emu (t, s, line_stopped_opts);
      s->far_fd = open_far (test_emu_b (s->emu));
      desc = sink_pipeline (t, test_emu_a (s->emu), chance (t, 30), -1,
          frame_size (t), "flow-control=rts-cts");
      break;
    case SINK_EOS:
      test_pty_open (&s->pty);
      s->far_fd = s->pty.master;
      /* Slow enough that sending the EOS packets takes tens of ms, and
       * a short stream, so that do_catch_eos() restarts it often. */
      s->link_rate = chance (t, 20) ? 960 : 2000 + pick (t, 4000);
      desc = g_strdup_printf ("videotestsrc name=vsrc num-buffers=%u ! "
                              "video/x-raw,format=GRAY8,width=4,height=4 ! "
                              "serialsink name=el port=%s framing=%s "
                              "pacing=on baud-rate=9600 link-rate=%u",
          1 + pick (t, 2), s->pty.path, t->framing, s->link_rate);
      break;
    case SINK_UNPLUGGED:
      s->emu = start_emu (t, s, NULL);
      s->far_fd = open_far (test_emu_b (s->emu));
      desc = sink_pipeline (t, test_emu_a (s->emu), chance (t, 70), -1,
          frame_size (t), "reconnect=true");
      break;
    case SRC_STREAMING:
      test_pty_open (&s->pty);
      test_pty_open (&s->pty2);
      s->helper = make_helper (t, s, s->pty2.path);
      s->relay = test_relay_start (s->pty2.master, s->pty.master);
      desc = src_pipeline (t, s->pty.path, "");
      break;
    case SRC_SILENT:
      test_pty_open (&s->pty);
      desc = src_pipeline (t, s->pty.path, "");
      break;
    case SRC_UNPLUGGED:
      s->emu = start_emu (t, s, NULL);
      s->helper = make_helper (t, s, test_emu_a (s->emu));
      desc = src_pipeline (t, test_emu_b (s->emu), "reconnect=true");
      break;
    default:
      g_assert_not_reached ();
  }

  s->pipe = launch (desc);
  s->el = gst_bin_get_by_name (GST_BIN (s->pipe), "el");
  pad = gst_element_get_static_pad (s->el, s->is_sink ? "sink" : "src");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_data,
      s, NULL);
  gst_object_unref (pad);
  if (s->is_sink) {
    GstElement *vsrc = gst_bin_get_by_name (GST_BIN (s->pipe), "vsrc");

    pad = gst_element_get_static_pad (vsrc, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_source_buffer, s,
        NULL);
    gst_object_unref (pad);
    gst_object_unref (vsrc);
  }
  watch_pipeline (s, s->pipe);
  if (s->helper)
    watch_pipeline (s, s->helper);

  s->desc =
      g_strdup_printf ("situation %u %s", t->situations, kind_names[kind]);
  g_snprintf (situation_line, sizeof (situation_line), "%s: %s", s->desc, desc);
  note ("seed %u framing %s step %u/%u: %s", cfg_seed, t->framing, t->step,
      cfg_steps, situation_line);
  g_free (desc);

  if (kind == SINK_STREAMING || kind == SINK_XOFF || kind == SINK_EOS ||
      kind == SINK_UNPLUGGED)
    set_reading (s, TRUE);
  if (s->helper)
    set_state (t, s, s->helper, GST_STATE_PLAYING);
}

static void
check_error (Torture *t, Sit *s)
{
  gchar *error;

  g_mutex_lock (&s->lock);
  error = g_strdup (s->error);
  g_mutex_unlock (&s->lock);
  if (error)
    torture_fail (t, "%s", error);
}

/* Objects that must be freed once their pipeline is back in NULL and the
 * test dropped its references. */
typedef struct {
  GMutex lock;
  GCond cond;
  guint alive;
} Freed;

static void
on_freed (gpointer data, GObject *where)
{
  Freed *freed = data;

  g_mutex_lock (&freed->lock);
  freed->alive--;
  g_cond_broadcast (&freed->cond);
  g_mutex_unlock (&freed->lock);
}

static void
freed_watch (Freed *freed, GstObject *object)
{
  g_object_weak_ref (G_OBJECT (object), on_freed, freed);
  freed->alive++;
}

/* Drops the test's reference to @object, which is then freed (a stats
 * timer, for one, lets go of its element shortly after the element
 * stopped). */
#define freed_drop(freed, object)                                              \
  G_STMT_START                                                                 \
  {                                                                            \
    freed_watch ((freed), GST_OBJECT (object));                                \
    gst_clear_object (&(object));                                              \
  }                                                                            \
  G_STMT_END

static void
sit_teardown (Torture *t, Sit *s)
{
  GstState state = GST_STATE_VOID_PENDING;
  gint64 end;
  Freed freed = { 0 };
  gchar *fds;

  g_mutex_init (&freed.lock);
  g_cond_init (&freed.cond);
  set_state (t, s, s->pipe, GST_STATE_NULL);
  s->target = GST_STATE_NULL;
  gst_element_get_state (s->pipe, &state, NULL, 0);
  if (state != GST_STATE_NULL)
    torture_fail (t, "in %s after set_state(NULL)", state_name (state));
  if (s->helper) {
    set_state (t, s, s->helper, GST_STATE_NULL);
    unwatch_pipeline (s->helper);
    freed_drop (&freed, s->helper);
  }
  check_error (t, s);
  t->tolerated += s->tolerated;
  t->raced += s->raced;

  unwatch_pipeline (s->pipe);
  freed_drop (&freed, s->el);
  freed_drop (&freed, s->pipe);
  act_note (t, s, "the pipelines are freed");
  end = g_get_monotonic_time () + (gint64) cfg_limit_ms * 1000;
  g_mutex_lock (&freed.lock);
  while (freed.alive > 0 && g_cond_wait_until (&freed.cond, &freed.lock, end))
    ;
  g_mutex_unlock (&freed.lock);
  if (freed.alive > 0)
    torture_fail (t,
        "%u of the situation's objects still alive %u ms after "
        "it stopped",
        freed.alive, cfg_limit_ms);
  g_mutex_clear (&freed.lock);
  g_cond_clear (&freed.cond);

  set_reading (s, FALSE);
  if (s->relay)
    g_clear_pointer (&s->relay, test_relay_stop);
  if (s->emu) {
    act_begin (t, s, "stop the link emulator");
    if (s->far_fd >= 0)
      close (s->far_fd);
    test_emu_stop (s->emu);
    dog_disarm ();
  }
  test_pty_close (&s->pty);
  test_pty_close (&s->pty2);
  close (s->devnull);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s->error);

  if (test_count_fds () != t->fds) {
    fds = list_fds ();
    torture_fail (t, "%u descriptors open after the situation, %u before:%s",
        test_count_fds (), t->fds, fds);
  }
  g_free (s->desc);
}

/* ------------------------------------------------------------------------
 * Actions. */

typedef enum {
  ACT_STATE,
  ACT_WAIT,
  ACT_FLUSH,
  ACT_EOS,
  ACT_PROPERTY,
  ACT_STATS,
  ACT_LINK,
  ACT_TRIGGER,
  ACT_CATCH_EOS,
  N_ACTS
} Act;

static const gchar *const act_names[N_ACTS] = { "state", "wait", "flush", "eos",
  "property", "stats", "link", "trigger", "catch-eos" };

static void
do_state (Torture *t, Sit *s, GstState state)
{
  GstStateChangeReturn ret;

  if (state != s->target)
    t->transitions[!s->is_sink][s->target - 1][state - 1]++;
  ret = set_state (t, s, s->pipe, state);
  s->target = state;
  if (ret == GST_STATE_CHANGE_FAILURE && !g_atomic_int_get (&s->absent)) {
    check_error (t, s);
    torture_fail (t, "set_state(%s) failed", state_name (state));
  }
}

/* Any state; half of the time the one this element went to least often
 * from where it is, so that every transition is taken early. */
static GstState
random_state (Torture *t, Sit *s)
{
  const guint *from = t->transitions[!s->is_sink][s->target - 1];
  guint i, best = pick (t, 4);

  if (chance (t, 50))
    return GST_STATE_NULL + best;
  for (i = 0; i < 4; i++)
    if (i != s->target - 1U && (best == s->target - 1U || from[i] < from[best]))
      best = i;
  return GST_STATE_NULL + best;
}

static void
random_wait (Torture *t, guint max_ms)
{
  g_usleep (1000 * (chance (t, 50) ? pick (t, 3) : pick (t, max_ms + 1)));
}

static void
do_flush (Torture *t, Sit *s)
{
  if (s->is_sink) {
    act_begin (t, s, "flushing seek");
    gst_element_seek_simple (s->pipe, GST_FORMAT_TIME,
        GST_SEEK_FLAG_FLUSH | (chance (t, 50) ? GST_SEEK_FLAG_KEY_UNIT : 0), 0);
    dog_disarm ();
    return;
  }
  act_begin (t, s, "flush-start to serialsrc");
  gst_element_send_event (s->el, gst_event_new_flush_start ());
  dog_disarm ();
  random_wait (t, 5);
  act_begin (t, s, "flush-stop to serialsrc");
  gst_element_send_event (s->el, gst_event_new_flush_stop (chance (t, 70)));
  dog_disarm ();
}

/* EOS, as an application sends it, goes through GstBaseSrc, which holds the
 * pipeline's state lock while it waits for the streaming thread: with a sink
 * blocked downstream (a peer that never reads, XOFF, a sink prerolled in
 * PAUSED) the application blocks in GStreamer's core, whatever the elements
 * do. So the test source of a sink's pipeline ends in its streaming thread
 * instead, at its next buffer, as a source that ran out does; a serialsrc
 * gets the application's EOS in PLAYING, where its fakesink (async=false)
 * never blocks. */
/* Whether @pipe is PLAYING now, not only on its way: a serialsrc whose start
 * failed (its port unplugged) stays in READY, and GstBaseSrc keeps an EOS
 * sent to it then and never frees it (GStreamer 1.22 to today: its
 * finalize does not drop a pending EOS), which the leak tracer would
 * rightly report. */
static gboolean
pipe_is_playing (GstElement *pipe)
{
  GstState current = GST_STATE_VOID_PENDING;

  gst_element_get_state (pipe, &current, NULL, 0);
  return current == GST_STATE_PLAYING;
}

static void
do_eos (Torture *t, Sit *s)
{
  if (s->is_sink) {
    act_begin (t, s, "the source ends: EOS at its next buffer");
    g_atomic_int_set (&s->eos_requested, TRUE);
  } else if (s->target == GST_STATE_PLAYING && pipe_is_playing (s->pipe)) {
    guint from = sit_get (s, &s->eos_events);

    act_begin (t, s, "send EOS to the pipeline");
    gst_element_send_event (s->pipe, gst_event_new_eos ());
    dog_disarm ();
    /* GstBaseSrc's streaming thread pushes the EOS later, and a stop that
     * comes first can make it push nothing (a critical) or abort: a race
     * in GStreamer (docs/design.md). Not before it has left. */
    act_note (t, s, "wait until the EOS left serialsrc");
    sit_wait (s, &s->eos_events, from, 1000 * cfg_slow);
    return;
  } else {
    act_begin (t, s, "no EOS for serialsrc in %s", state_name (s->target));
  }
  dog_disarm ();
}

typedef struct {
  const gchar *name;
  const gchar *values[4];
  gboolean port; /* refused, with a warning, from start to stop */
} Prop;

static const Prop sink_props[] = {
  { "drop-policy", { "auto", "never", "stale" } },
  { "caps-interval", { "0", "10", "1000" } },
  { "caps-budget", { "0", "0.5", "100" } },
  { "qos", { "true", "false" } },
  { "fragment-size", { "0", "64", "250" }, TRUE },
  { "fec-percentage", { "0", "15", "100" } },
  { "sender-time", { "true", "false" }, TRUE },
  { "pacing", { "auto", "on", "off" }, TRUE },
  { "link-rate", { "0", "3000" }, TRUE },
  { "baud-rate", { "9600", "115200", "921600" }, TRUE },
  { "stats-interval", { "0", "20" }, TRUE },
  { "hangup-on-close", { "true", "false" }, TRUE },
  { "dtr", { "keep", "on", "off" }, TRUE },
};

static const Prop src_props[] = {
  { "forward-eos", { "true", "false" } },
  { "blocksize", { "1", "100", "4096" } },
  { "caps", { "video/x-raw", "ANY" }, TRUE },
  { "max-frame-size", { "1024", "65536", "4194304" }, TRUE },
  { "feedback", { "true", "false" }, TRUE },
  { "baud-rate", { "9600", "115200", "921600" }, TRUE },
  { "stats-interval", { "0", "20" }, TRUE },
  { "rts", { "keep", "on", "off" }, TRUE },
};

static void
do_property (Torture *t, Sit *s)
{
  const Prop *p = s->is_sink ? &sink_props[pick (t, G_N_ELEMENTS (sink_props))]
                             : &src_props[pick (t, G_N_ELEMENTS (src_props))];
  const gchar *value;
  guint n = 0;

  while (n < G_N_ELEMENTS (p->values) && p->values[n])
    n++;
  value = p->values[pick (t, n)];
  act_begin (t, s, "set %s=%s", p->name, value);
  gst_util_set_object_arg (G_OBJECT (s->el), p->name, value);
  dog_disarm ();
}

static void
do_stats (Torture *t, Sit *s)
{
  GstStructure *stats = NULL;

  act_begin (t, s, "get link-stats");
  g_object_get (s->el, "link-stats", &stats, NULL);
  dog_disarm ();
  fail_unless (stats != NULL);
  gst_structure_free (stats);
}

static void
emu_command (Torture *t, Sit *s, const gchar *command, const gchar *reply)
{
  gchar *line = g_strdup_printf ("%s\n", command);

  act_begin (t, s, "emulator: %s", command);
  test_emu_command (s->emu, line);
  g_free (line);
  test_emu_expect (s->emu, reply);
  dog_disarm ();
}

static void
toggle_plug (Torture *t, Sit *s)
{
  const gchar *side = s->is_sink ? "a" : "b";
  gchar *cmd;

  if (!g_atomic_int_get (&s->absent)) {
    g_atomic_int_set (&s->absent, TRUE);
    cmd = g_strdup_printf ("unplug %s", side);
    emu_command (t, s, cmd, "UNPLUGGED");
  } else {
    cmd = g_strdup_printf ("replug %s", side);
    emu_command (t, s, cmd, "REPLUGGED");
    g_atomic_int_set (&s->absent, FALSE);
  }
  g_free (cmd);
}

/* What the far end or the link does, by situation. */
static void
do_link (Torture *t, Sit *s)
{
  guint8 c;

  switch (s->kind) {
    case SINK_STREAMING:
    case SINK_LINE_STOPPED:
      act_begin (t, s, "the peer %s reading", s->reader ? "stops" : "starts");
      set_reading (s, s->reader == NULL);
      dog_disarm ();
      break;
    case SINK_XOFF:
      s->held = !s->held;
      c = s->held ? 0x13 : 0x11;
      act_begin (t, s, "the peer sends %s", s->held ? "XOFF" : "XON");
      /* The master may be full of earlier flow characters that no IXON
       * took: then this one is lost, as on a line. */
      if (write (s->pty.master, &c, 1) != 1)
        GST_INFO ("flow character not written: %s", g_strerror (errno));
      dog_disarm ();
      break;
    case SINK_UNPLUGGED:
    case SRC_UNPLUGGED:
      toggle_plug (t, s);
      break;
    case SRC_STREAMING:
      set_state (t, s, s->helper,
          chance (t, 50) ? GST_STATE_READY : GST_STATE_NULL);
      random_wait (t, 10);
      set_state (t, s, s->helper, GST_STATE_PLAYING);
      break;
    default:
      act_note (t, s, "the far end does nothing new");
      random_wait (t, 10);
      break;
  }
}

/* Something that disrupts the streaming thread. */
static void
do_disrupt (Torture *t, Sit *s)
{
  switch (pick (t, 6)) {
    case 0:
      do_flush (t, s);
      break;
    case 1:
      do_eos (t, s);
      break;
    default:
      do_state (t, s, random_state (t, s));
      break;
  }
}

/* Waits for something to happen in the streaming thread, then disrupts it
 * at a random moment after. */
static void
do_trigger (Torture *t, Sit *s)
{
  guint from;

  if (s->target != GST_STATE_PLAYING) {
    do_state (t, s, GST_STATE_PLAYING);
    return;
  }
  if ((s->kind == SINK_UNPLUGGED || s->kind == SRC_UNPLUGGED) &&
      !g_atomic_int_get (&s->absent) && chance (t, 70)) {
    from = sit_get (s, &s->lost);
    toggle_plug (t, s);
    act_note (t, s, "wait for serial-port-lost");
    sit_wait (s, &s->lost, from, 300 * cfg_slow);
  } else {
    act_note (t, s, "wait for a buffer");
    sit_wait (s, &s->buffers, sit_get (s, &s->buffers), 100 * cfg_slow);
  }
  random_wait (t, 50);
  do_disrupt (t, s);
}

/* Restarts the stream and disrupts it while the sink sends its EOS. */
static void
do_catch_eos (Torture *t, Sit *s)
{
  static const GstState down[] = { GST_STATE_NULL, GST_STATE_READY,
    GST_STATE_PAUSED };
  guint from;
  gint64 eos_ms;

  if (s->target > GST_STATE_READY)
    do_state (t, s, chance (t, 50) ? GST_STATE_READY : GST_STATE_NULL);
  from = sit_get (s, &s->eos_events);
  do_state (t, s, GST_STATE_PLAYING);
  act_note (t, s, "wait for EOS at the sink");
  sit_wait (s, &s->eos_events, from, 1000 * cfg_slow);
  /* Three EOS packets of the native framing take about this long. */
  eos_ms = 3 * 52 * 1000 / s->link_rate;
  g_usleep (1000 * (gint64) pick (t, eos_ms + 1));
  if (chance (t, 80))
    do_state (t, s, PICK (t, down));
  else
    do_flush (t, s);
}

static Act
pick_action (Torture *t, Sit *s)
{
  /* state wait flush eos property stats link trigger catch-eos */
  static const guint weights[N_ACTS] = { 30, 15, 10, 7, 10, 4, 10, 14, 0 };
  static const guint eos_weights[N_ACTS] = { 25, 10, 5, 5, 5, 2, 0, 5, 35 };
  const guint *w = s->kind == SINK_EOS ? eos_weights : weights;
  guint total = 0, i, r;

  for (i = 0; i < N_ACTS; i++)
    total += w[i];
  r = pick (t, total);
  for (i = 0; r >= w[i]; i++)
    r -= w[i];
  return i;
}

static void
do_action (Torture *t, Sit *s, Act act)
{
  gint64 began = g_get_monotonic_time ();

  t->actions[act]++;
  switch (act) {
    case ACT_STATE:
      do_state (t, s, random_state (t, s));
      break;
    case ACT_WAIT:
      act_note (t, s, "streaming a while");
      random_wait (t, 30);
      break;
    case ACT_FLUSH:
      do_flush (t, s);
      break;
    case ACT_EOS:
      do_eos (t, s);
      break;
    case ACT_PROPERTY:
      do_property (t, s);
      break;
    case ACT_STATS:
      do_stats (t, s);
      break;
    case ACT_LINK:
      do_link (t, s);
      break;
    case ACT_TRIGGER:
      do_trigger (t, s);
      break;
    case ACT_CATCH_EOS:
      do_catch_eos (t, s);
      break;
    default:
      g_assert_not_reached ();
  }
  t->action_us[act] += g_get_monotonic_time () - began;
  if (g_atomic_int_get (&s->eos_refused))
    act_note (t, s, "(the sink refused the source's EOS, %d in all)",
        g_atomic_int_get (&s->eos_refused));
  check_error (t, s);
}

/* ------------------------------------------------------------------------
 * A clean stream over a fresh link: what the torture must not have broken.
 */

static void
clean_stream (Torture *t)
{
  const gboolean framed = !g_str_equal (t->framing, "raw");
  GstElement *sender, *receiver, *appsrc;
  GByteArray *sent = g_byte_array_new ();
  GPtrArray *sent_buffers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  guint i, n = 24;
  TestPty a, b;
  TestRelay *relay;
  TestReceived r;
  GstMessage *msg;
  GstBus *bus;

  test_pty_open (&a);
  test_pty_open (&b);
  relay = test_relay_start (a.master, b.master);
  sender = test_make_sender (a.path, t->framing, &appsrc);
  receiver = test_make_receiver (b.path, t->framing, &r);
  gst_util_set_object_arg (G_OBJECT (appsrc), "caps", "application/x-torture");
  set_state (t, NULL, receiver, GST_STATE_PLAYING);
  set_state (t, NULL, sender, GST_STATE_PLAYING);

  for (i = 0; i < n; i++) {
    gsize size = 1 + pick (t, i % 4 == 0 ? 8000 : 300);
    guint8 *data = test_random_bytes (size, g_rand_int (t->rand));
    GstBuffer *buf = gst_buffer_new_wrapped (data, size);

    g_byte_array_append (sent, data, size);
    g_ptr_array_add (sent_buffers, gst_buffer_ref (buf));
    gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));

  act_begin (t, NULL, "a clean %s stream of %u bytes crosses a fresh link",
      t->framing, sent->len);
  dog_arm (10);
  if (framed)
    test_received_wait_buffers (&r, n);
  else
    test_received_wait_bytes (&r, sent->len);
  if (g_str_equal (t->framing, "native"))
    test_received_wait_eos (&r);
  bus = gst_pipeline_get_bus (GST_PIPELINE (sender));
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  dog_disarm ();
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);

  fail_unless_equals_int (r.bytes->len, sent->len);
  fail_unless (memcmp (r.bytes->data, sent->data, sent->len) == 0,
      "the clean stream arrived damaged");
  if (framed) {
    fail_unless_equals_int (r.buffers->len, n);
    for (i = 0; i < n; i++) {
      GstBuffer *in = sent_buffers->pdata[i], *out = r.buffers->pdata[i];
      GstMapInfo map;

      gst_buffer_map (in, &map, GST_MAP_READ);
      fail_unless (gst_buffer_get_size (out) == map.size &&
              gst_buffer_memcmp (out, 0, map.data, map.size) == 0,
          "buffer %u arrived changed", i);
      gst_buffer_unmap (in, &map);
    }
  }

  set_state (t, NULL, sender, GST_STATE_NULL);
  set_state (t, NULL, receiver, GST_STATE_NULL);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_relay_stop (relay);
  test_pty_close (&a);
  test_pty_close (&b);
  g_ptr_array_unref (sent_buffers);
  g_byte_array_unref (sent);
}

/* ------------------------------------------------------------------------ */

static void
print_summary (Torture *t, gint64 start)
{
  static const gchar *const letters = "NRPL";
  GString *s = g_string_new (NULL);
  guint i, from, to, el;

  g_string_append_printf (s,
      "serialtorture: framing %s seed %u: %u steps, "
      "%u situations in %.1f s;",
      t->framing, cfg_seed, t->step, t->situations,
      (g_get_monotonic_time () - start) / 1e6);
  for (i = 0; i < N_KINDS; i++)
    g_string_append_printf (s, " %s %u", kind_names[i], t->kinds[i]);
  g_string_append (s, "; actions:");
  for (i = 0; i < N_ACTS; i++)
    g_string_append_printf (s, " %s %u (%.1f s)", act_names[i], t->actions[i],
        t->action_us[i] / 1e6);
  for (el = 0; el < 2; el++) {
    g_string_append_printf (s, "; %s transitions:", el ? "src" : "sink");
    for (from = 0; from < 4; from++)
      for (to = 0; to < 4; to++)
        if (from != to)
          g_string_append_printf (s, " %c%c %u", letters[from], letters[to],
              t->transitions[el][from][to]);
  }
  g_string_append_printf (s, "; set-ups and tear-downs %.1f s",
      t->setup_us / 1e6);
  g_string_append_printf (s, "; errors while unplugged %u", t->tolerated);
  g_string_append_printf (s, "; GStreamer's shutdown race %u", t->raced);
  g_print ("%s\n", s->str);
  g_string_free (s, TRUE);
}

/* The domains gst-check fails the test on. */
static const gchar *const log_domains[] = { NULL, "GStreamer", "GLib",
  "GLib-GObject" };

/* Settings are refused from start to stop, with a g_warning: the
 * documented answer, which gst-check would take for a failure. Any other
 * warning or critical fails the test (gst-check), from any thread, with
 * _exit(): say where the sequence was first. */
static gboolean
on_log (const gchar *domain, GLogLevelFlags level, const gchar *message,
    gpointer user_data)
{
  GRegex *refused = user_data;

  if (domain == NULL && g_regex_match (refused, message, 0, NULL))
    return TRUE;
  if (!crashing) {
    write_str ("\nserialtorture: a warning or critical fails the test, "
               "during:\n  ");
    write_str (trail_current ());
    write_str ("\n");
    write_trail ();
  }
  return FALSE; /* not filtered: gst-check fails the test */
}

/* As many situations for serialsrc as for serialsink; SERIAL_TORTURE_ONLY,
 * a list of situation names, limits them (for a closer look at one). */
static Kind
pick_kind (Torture *t)
{
  const gchar *only = g_getenv ("SERIAL_TORTURE_ONLY");
  Kind kind;

  do {
    kind = chance (t, 50) ? pick (t, SRC_STREAMING)
                          : SRC_STREAMING + pick (t, N_KINDS - SRC_STREAMING);
  } while (only && !strstr (only, kind_names[kind]));
  return kind;
}

static void
run_torture (const gchar *framing)
{
  GRegex *refused = g_regex_new ("cannot change '[a-z-]+' while", 0, 0, NULL);
  gint64 start = g_get_monotonic_time ();
  Torture t = { 0 };
  guint from, to, i;
  Sit s;

  read_config ();
  t.framing = framing;
  t.rand = g_rand_new_with_seed_array ((const guint32[]){ cfg_seed,
                                           g_str_hash (framing) },
      2);
  g_print ("serialtorture: framing %s seed %u, %u steps, limit %u ms "
           "(again: SERIAL_TORTURE_SEED=%u GST_CHECKS=test_torture_%s)\n",
      framing, cfg_seed, cfg_steps, cfg_limit_ms, cfg_seed, framing);
  trail_next = 0;
  test_finished = FALSE;
  if (!at_exit_set)
    atexit (at_exit);
  at_exit_set = TRUE;
  install_crash_handler ();
  dog_start ();
  for (i = 0; i < G_N_ELEMENTS (log_domains); i++)
    gst_check_add_log_filter (log_domains[i],
        G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL,
        g_regex_new (".*", G_REGEX_DOTALL, 0, NULL), on_log,
        g_regex_ref (refused), (GDestroyNotify) g_regex_unref);
  g_regex_unref (refused);

  /* The first clean stream also opens what GStreamer keeps open for the
   * process's life, before the descriptors are counted. */
  clean_stream (&t);
  t.fds = test_count_fds ();

  while (t.step < cfg_steps) {
    gint64 began = g_get_monotonic_time ();
    guint n = 5 + pick (&t, 30);

    sit_setup (&t, &s, pick_kind (&t));
    t.setup_us += g_get_monotonic_time () - began;
    while (n-- > 0 && t.step < cfg_steps) {
      t.step++;
      do_action (&t, &s, pick_action (&t, &s));
    }
    began = g_get_monotonic_time ();
    sit_teardown (&t, &s);
    t.setup_us += g_get_monotonic_time () - began;
  }

  clean_stream (&t);
  fail_unless_equals_int (test_count_fds (), t.fds);
  print_summary (&t, start);

  /* A default run covers every transition of both elements. */
  if (cfg_steps >= TORTURE_DEFAULT_STEPS && !g_getenv ("SERIAL_TORTURE_ONLY"))
    for (from = 0; from < 4; from++)
      for (to = 0; to < 4; to++)
        fail_unless (from == to ||
                (t.transitions[0][from][to] > 0 &&
                    t.transitions[1][from][to] > 0),
            "transition %s to %s not exercised", state_name (from + 1),
            state_name (to + 1));

  gst_check_clear_log_filter ();
  dog_stop ();
  uninstall_crash_handler ();
  test_finished = TRUE;
  g_rand_free (t.rand);
}

GST_START_TEST (test_torture_native)
{
  run_torture ("native");
}

GST_END_TEST;

GST_START_TEST (test_torture_raw)
{
  run_torture ("raw");
}

GST_END_TEST;

GST_START_TEST (test_torture_cobs)
{
  run_torture ("cobs");
}

GST_END_TEST;

GST_START_TEST (test_torture_slip)
{
  run_torture ("slip");
}

GST_END_TEST;

static Suite *
serialtorture_suite (void)
{
  Suite *s = suite_create ("serialtorture");
  TCase *tc = tcase_create ("general");
  guint steps = env_uint ("SERIAL_TORTURE_STEPS", TORTURE_DEFAULT_STEPS);

  suite_add_tcase (s, tc);
  /* About 15 ms a step, several times that under the sanitizers. */
  tcase_set_timeout (tc, 60 + steps / 10);
  tcase_add_test (tc, test_torture_native);
  tcase_add_test (tc, test_torture_raw);
  tcase_add_test (tc, test_torture_cobs);
  tcase_add_test (tc, test_torture_slip);
  return s;
}

TEST_CHECK_MAIN (serialtorture);
