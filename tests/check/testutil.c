/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: virtual serial links made of pseudo-terminals.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "testutil.h"

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

void
test_pty_open (TestPty *pty)
{
  struct termios t;

  /* Raw from the start: bytes written to the master before the element
   * opens the slave must not be echoed or translated. */
  memset (&t, 0, sizeof (t));
  cfmakeraw (&t);
  cfsetspeed (&t, B115200);
  fail_unless (openpty (&pty->master, &pty->slave, pty->path, &t, NULL) == 0,
      "openpty: %s", g_strerror (errno));
  fcntl (pty->master, F_SETFD, FD_CLOEXEC);
  fcntl (pty->slave, F_SETFD, FD_CLOEXEC);
}

void
test_pty_close_master (TestPty *pty)
{
  if (pty->master >= 0)
    close (pty->master);
  pty->master = -1;
}

void
test_pty_close (TestPty *pty)
{
  test_pty_close_master (pty);
  if (pty->slave >= 0)
    close (pty->slave);
  pty->slave = -1;
}

struct _TestRelay {
  int from_fd;
  int to_fd; /* -1: keep the bytes in collected */
  int stop_pipe[2];
  guint64 carried;
  GThread *thread;
  GMutex lock;
  GCond cond;
  GByteArray *collected;
};

/* Waits for @events on @fd or for the stop pipe; FALSE when stopping. */
static gboolean
relay_wait (TestRelay *relay, int fd, short events)
{
  struct pollfd fds[2] = {
    { fd, events, 0 },
    { relay->stop_pipe[0], POLLIN, 0 },
  };

  while (poll (fds, 2, -1) < 0)
    fail_unless (errno == EINTR, "poll: %s", g_strerror (errno));
  return fds[1].revents == 0;
}

static gpointer
relay_thread (gpointer data)
{
  TestRelay *relay = data;
  guint8 buf[16384];

  while (relay_wait (relay, relay->from_fd, POLLIN)) {
    gssize n = read (relay->from_fd, buf, sizeof (buf)), off = 0;

    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      break; /* the writer closed its side */
    }
    if (relay->to_fd < 0) {
      g_mutex_lock (&relay->lock);
      g_byte_array_append (relay->collected, buf, n);
      relay->carried += n;
      g_cond_broadcast (&relay->cond);
      g_mutex_unlock (&relay->lock);
      continue;
    }
    while (off < n) {
      gssize w = write (relay->to_fd, buf + off, n - off);

      if (w > 0) {
        off += w;
        relay->carried += w;
      } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
        return NULL;
      } else if (!relay_wait (relay, relay->to_fd, POLLOUT)) {
        return NULL;
      }
    }
  }
  return NULL;
}

TestRelay *
test_relay_start (int from_fd, int to_fd)
{
  TestRelay *relay = g_new0 (TestRelay, 1);

  relay->from_fd = from_fd;
  relay->to_fd = to_fd;
  g_mutex_init (&relay->lock);
  g_cond_init (&relay->cond);
  relay->collected = g_byte_array_new ();
  fail_unless (pipe (relay->stop_pipe) == 0);
  fcntl (from_fd, F_SETFL, fcntl (from_fd, F_GETFL) | O_NONBLOCK);
  if (to_fd >= 0)
    fcntl (to_fd, F_SETFL, fcntl (to_fd, F_GETFL) | O_NONBLOCK);
  relay->thread = g_thread_new ("relay", relay_thread, relay);
  return relay;
}

guint64
test_relay_stop (TestRelay *relay)
{
  guint64 carried;

  fail_unless (write (relay->stop_pipe[1], "x", 1) == 1);
  g_thread_join (relay->thread);
  close (relay->stop_pipe[0]);
  close (relay->stop_pipe[1]);
  carried = relay->carried;
  g_byte_array_unref (relay->collected);
  g_mutex_clear (&relay->lock);
  g_cond_clear (&relay->cond);
  g_free (relay);
  return carried;
}

TestRelay *
test_collector_start (int from_fd)
{
  return test_relay_start (from_fd, -1);
}

GByteArray *
test_collector_wait (TestRelay *relay, gsize size)
{
  g_mutex_lock (&relay->lock);
  while (relay->collected->len < size)
    g_cond_wait (&relay->cond, &relay->lock);
  g_mutex_unlock (&relay->lock);
  return relay->collected;
}

void
test_wait_readable (int fd)
{
  struct pollfd pfd = { fd, POLLIN, 0 };

  while (poll (&pfd, 1, -1) < 0)
    fail_unless (errno == EINTR, "poll: %s", g_strerror (errno));
}

void
test_read_exactly (int fd, guint8 *data, gsize size)
{
  gsize done = 0;

  while (done < size) {
    gssize n;

    test_wait_readable (fd);
    n = read (fd, data + done, size - done);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    fail_unless (n > 0, "read: %s", n < 0 ? g_strerror (errno) : "EOF");
    done += n;
  }
}

guint8 *
test_random_bytes (gsize size, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (size);
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;
  g_rand_free (rand);
  return data;
}

gchar *
test_expect_error (GstBus *bus, GQuark domain, gint code)
{
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL, *text;

  msg =
      gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, &debug);
  GST_INFO ("error: %s (%s)", err->message, debug);
  fail_unless (err->domain == domain && err->code == code,
      "expected error %s/%d, got %s/%d: %s (%s)", g_quark_to_string (domain),
      code, g_quark_to_string (err->domain), err->code, err->message, debug);
  text = g_strdup (err->message);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
  return text;
}

guint
test_count_errors (GstBus *bus, GQuark domain)
{
  GstMessage *msg;
  guint count = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR)) != NULL) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    if (err->domain == domain)
      count++;
    g_error_free (err);
    gst_message_unref (msg);
  }
  return count;
}

static GstFlowReturn
on_new_sample (GstAppSink *appsink, gpointer user_data)
{
  TestReceived *r = user_data;
  GstSample *sample = gst_app_sink_pull_sample (appsink);
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  g_mutex_lock (&r->lock);
  g_ptr_array_add (r->buffers, gst_buffer_ref (buf));
  g_byte_array_append (r->bytes, map.data, map.size);
  gst_caps_replace (&r->caps, gst_sample_get_caps (sample));
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
  gst_buffer_unmap (buf, &map);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static void
on_eos (GstAppSink *appsink, gpointer user_data)
{
  TestReceived *r = user_data;

  g_mutex_lock (&r->lock);
  r->eos = TRUE;
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

void
test_received_attach (GstElement *appsink, TestReceived *r)
{
  GstAppSinkCallbacks callbacks = { on_eos, NULL, on_new_sample };

  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->buffers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  r->bytes = g_byte_array_new ();
  r->caps = NULL;
  r->eos = FALSE;
  g_object_set (appsink, "sync", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, r, NULL);
}

GstElement *
test_make_receiver (const gchar *port, const gchar *framing, TestReceived *r)
{
  GstElement *pipe, *src, *sink;

  pipe = gst_pipeline_new ("receiver");
  src = gst_element_factory_make ("serialsrc", "src");
  sink = gst_element_factory_make ("appsink", "sink");
  g_object_set (src, "port", port, "blocksize", 65536, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "framing", framing);
  gst_bin_add_many (GST_BIN (pipe), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  test_received_attach (sink, r);
  return pipe;
}

void
test_received_wait_bytes (TestReceived *r, gsize n)
{
  g_mutex_lock (&r->lock);
  while (r->bytes->len < n)
    g_cond_wait (&r->cond, &r->lock);
  g_mutex_unlock (&r->lock);
}

void
test_received_wait_buffers (TestReceived *r, guint n)
{
  g_mutex_lock (&r->lock);
  while (r->buffers->len < n)
    g_cond_wait (&r->cond, &r->lock);
  g_mutex_unlock (&r->lock);
}

void
test_received_wait_eos (TestReceived *r)
{
  g_mutex_lock (&r->lock);
  while (!r->eos)
    g_cond_wait (&r->cond, &r->lock);
  g_mutex_unlock (&r->lock);
}

void
test_received_clear (TestReceived *r)
{
  g_ptr_array_unref (r->buffers);
  g_byte_array_unref (r->bytes);
  gst_clear_caps (&r->caps);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
}

GstElement *
test_make_sender (const gchar *port, const gchar *framing, GstElement **appsrc)
{
  GstElement *pipe, *sink;

  pipe = gst_pipeline_new ("sender");
  *appsrc = gst_element_factory_make ("appsrc", "appsrc");
  sink = gst_element_factory_make ("serialsink", "sink");
  g_object_set (*appsrc, "block", TRUE, "max-bytes", (guint64) 262144, "format",
      GST_FORMAT_BYTES, NULL);
  g_object_set (sink, "port", port, "baud-rate", 921600, NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "framing", framing);
  gst_bin_add_many (GST_BIN (pipe), *appsrc, sink, NULL);
  fail_unless (gst_element_link (*appsrc, sink));
  return pipe;
}

/* tools/serial-link-emu as a child process, with commands on its standard
 * input; SERIAL_LINK_EMU gives its path. */
struct _TestEmu {
  GPid pid;
  gint in_fd;
  gint out_fd;
  gchar *dir;
  gchar *a;
  gchar *b;
};

const gchar *
test_emu_a (TestEmu *emu)
{
  return emu->a;
}

const gchar *
test_emu_b (TestEmu *emu)
{
  return emu->b;
}

void
test_emu_expect (TestEmu *emu, const gchar *prefix)
{
  test_emu_read_line (emu, prefix, NULL);
}

/* Reads the emulator's output up to a line starting with @prefix and
 * returns it in @line (may be NULL). */
void
test_emu_read_line (TestEmu *emu, const gchar *prefix, gchar **line)
{
  gchar buf[4096];
  gsize len = 0;

  for (;;) {
    fail_unless (read (emu->out_fd, buf + len, 1) == 1,
        "the emulator ended before printing %s", prefix);
    if (buf[len] == '\n') {
      buf[len] = '\0';
      if (g_str_has_prefix (buf, prefix)) {
        if (line)
          *line = g_strdup (buf);
        return;
      }
      len = 0;
    } else if (len < sizeof (buf) - 2) {
      len++;
    }
  }
}

void
test_emu_command (TestEmu *emu, const gchar *command)
{
  gsize len = strlen (command);

  fail_unless (write (emu->in_fd, command, len) == (gssize) len);
}

TestEmu *
test_emu_start (const gchar *const *options)
{
  TestEmu *emu = g_new0 (TestEmu, 1);
  const gchar *path = g_getenv ("SERIAL_LINK_EMU");
  GPtrArray *argv = g_ptr_array_new ();
  GError *error = NULL;

  fail_unless (path != NULL, "SERIAL_LINK_EMU is not set");
  emu->dir = g_dir_make_tmp ("serialemu-XXXXXX", NULL);
  emu->a = g_build_filename (emu->dir, "ttyA", NULL);
  emu->b = g_build_filename (emu->dir, "ttyB", NULL);
  g_ptr_array_add (argv, (gpointer) path);
  g_ptr_array_add (argv, (gpointer) "--control");
  g_ptr_array_add (argv, (gpointer) "--unplug-down");
  g_ptr_array_add (argv, (gpointer) "manual");
  g_ptr_array_add (argv, (gpointer) "--link-a");
  g_ptr_array_add (argv, emu->a);
  g_ptr_array_add (argv, (gpointer) "--link-b");
  g_ptr_array_add (argv, emu->b);
  if (options == NULL) {
    g_ptr_array_add (argv, (gpointer) "--baud");
    g_ptr_array_add (argv, (gpointer) "0");
  }
  for (; options && *options; options++)
    g_ptr_array_add (argv, (gpointer) *options);
  g_ptr_array_add (argv, NULL);

  fail_unless (g_spawn_async_with_pipes (NULL, (gchar **) argv->pdata, NULL,
                   G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &emu->pid,
                   &emu->in_fd, &emu->out_fd, NULL, &error),
      "%s", error ? error->message : "");
  g_ptr_array_unref (argv);
  test_emu_expect (emu, "READY");
  return emu;
}

void
test_emu_stop (TestEmu *emu)
{
  test_emu_command (emu, "quit\n");
  waitpid (emu->pid, NULL, 0);
  g_spawn_close_pid (emu->pid);
  close (emu->in_fd);
  close (emu->out_fd);
  g_rmdir (emu->dir);
  g_free (emu->a);
  g_free (emu->b);
  g_free (emu->dir);
  g_free (emu);
}

GstStructure *
test_link_stats (GstElement *bin, const gchar *name)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (bin), name);
  GstStructure *stats;

  fail_unless (el != NULL, "no element %s", name);
  g_object_get (el, "link-stats", &stats, NULL);
  gst_object_unref (el);
  return stats;
}

guint64
test_stat (const GstStructure *stats, const gchar *field)
{
  guint64 v = G_MAXUINT64;

  fail_unless (gst_structure_get_uint64 (stats, field, &v), "no %s", field);
  return v;
}

typedef struct {
  GMutex lock;
  GCond cond;
  GstElement *element;
  GstState state;
  GstStateChangeReturn ret;
  gboolean done;
} StateCall;

static gpointer
set_state_thread (gpointer data)
{
  StateCall *call = data;
  GstStateChangeReturn ret = gst_element_set_state (call->element, call->state);

  g_mutex_lock (&call->lock);
  call->ret = ret;
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return NULL;
}

GstStateChangeReturn
test_set_state (GstElement *element, GstState state)
{
  const gchar *env = g_getenv ("TEST_HANG_SECONDS");
  gint64 seconds = env ? g_ascii_strtoll (env, NULL, 10) : 10;
  gint64 deadline = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;
  StateCall call = { 0 };
  GThread *thread;
  gboolean done = TRUE;

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  call.element = element;
  call.state = state;
  thread = g_thread_new ("set-state", set_state_thread, &call);

  g_mutex_lock (&call.lock);
  while (!call.done && done)
    done = g_cond_wait_until (&call.cond, &call.lock, deadline);
  g_mutex_unlock (&call.lock);
  /* A hung thread keeps its stack: the test process ends with the failure. */
  fail_unless (call.done,
      "%s: set_state(%s) has not returned after %" G_GINT64_FORMAT " s",
      GST_ELEMENT_NAME (element), gst_element_state_get_name (state), seconds);

  g_thread_join (thread);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
  return call.ret;
}

/* Waits for the element message @name on @bus, counting the warnings
 * passed on the way; fails on an error. */
guint
test_wait_element_message (GstBus *bus, const gchar *name)
{
  guint warnings = 0;

  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    gboolean found = type == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name (gst_message_get_structure (msg), name);

    if (type == GST_MESSAGE_WARNING) {
      GError *err = NULL;

      gst_message_parse_warning (msg, &err, NULL);
      fail_unless (err->domain == GST_RESOURCE_ERROR);
      g_error_free (err);
      warnings++;
    }
    fail_if (type == GST_MESSAGE_ERROR);
    gst_message_unref (msg);
    if (found)
      return warnings;
  }
}

gboolean
test_skip_element (const gchar *factory)
{
  const gchar *skip = g_getenv ("TEST_SKIP_ELEMENTS");
  gchar **names;
  gboolean found;

  if (skip == NULL || skip[0] == '\0')
    return FALSE;
  names = g_strsplit (skip, ",", -1);
  found = g_strv_contains ((const gchar *const *) names, factory);
  g_strfreev (names);
  if (found)
    g_print ("skipped in this run: %s cannot be loaded here "
             "(TEST_SKIP_ELEMENTS)\n",
        factory);
  return found;
}

static GstBusSyncReply
on_stream_status (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  TestStreamThread *st = user_data;
  GstStreamStatusType type;
  GstElement *owner;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_STREAM_STATUS)
    return GST_BUS_PASS;
  gst_message_parse_stream_status (msg, &type, &owner);
  if (type == GST_STREAM_STATUS_TYPE_ENTER) {
    g_mutex_lock (&st->lock);
    st->tid = syscall (SYS_gettid);
    g_cond_signal (&st->cond);
    g_mutex_unlock (&st->lock);
  }
  /* A sync handler that drops a message unrefs it. */
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

void
test_stream_thread_watch (TestStreamThread *st, GstElement *pipe)
{
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));

  g_mutex_init (&st->lock);
  g_cond_init (&st->cond);
  st->tid = 0;
  gst_bus_set_sync_handler (bus, on_stream_status, st, NULL);
  gst_object_unref (bus);
}

/* Waits until the streaming thread sits in poll(), where serialsink and
 * serialsrc wait for the port, as the kernel tells
 * (/proc/self/task/TID/syscall): the element is really blocked. */
/* Whether thread @tid of this process sits in poll(). */
static gboolean
test_tid_in_poll (gint tid)
{
  gchar *path, *text = NULL;
  glong nr = -1;

  path = g_strdup_printf ("/proc/self/task/%d/syscall", tid);
  if (g_file_get_contents (path, &text, NULL, NULL))
    nr = g_ascii_strtoll (text, NULL, 10);
  g_free (text);
  g_free (path);
  return nr == SYS_ppoll || nr == SYS_poll;
}

gboolean
test_stream_thread_in_poll (TestStreamThread *st)
{
  gint tid;

  g_mutex_lock (&st->lock);
  tid = st->tid;
  g_mutex_unlock (&st->lock);
  return tid != 0 && test_tid_in_poll (tid);
}

gboolean
test_thread_in_poll (const gchar *name)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  const gchar *entry;
  gboolean in = FALSE;

  fail_unless (dir != NULL);
  while (!in && (entry = g_dir_read_name (dir))) {
    gchar *path = g_strdup_printf ("/proc/self/task/%s/comm", entry);
    gchar *comm = NULL;

    if (g_file_get_contents (path, &comm, NULL, NULL) &&
        g_strcmp0 (g_strchomp (comm), name) == 0)
      in = test_tid_in_poll (atoi (entry));
    g_free (comm);
    g_free (path);
  }
  g_dir_close (dir);
  return in;
}

void
test_stream_thread_wait_poll (TestStreamThread *st)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&st->lock);
  while (st->tid == 0)
    g_cond_wait (&st->cond, &st->lock);
  g_mutex_unlock (&st->lock);

  while (!test_stream_thread_in_poll (st)) {
    /* A hang detector, not a timing check. */
    fail_if (g_get_monotonic_time () > deadline,
        "the streaming thread never waited in poll()");
    g_usleep (1000); /* polling a condition, not waiting a time */
  }
  g_mutex_lock (&st->lock);
  st->tid = 0;
  g_mutex_unlock (&st->lock);
}

guint
test_count_fds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  fail_unless (dir != NULL);
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  return n;
}

gint
test_check_exit (gint failed)
{
  if (failed > 0 && g_strcmp0 (g_getenv ("CK_FORK"), "no") == 0) {
    fflush (stdout);
    fflush (stderr);
    _exit (1);
  }
  return failed;
}

void
test_wait_stat (GstElement *bin, const gchar *name, const gchar *field,
    guint64 min)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  for (;;) {
    GstStructure *stats = test_link_stats (bin, name);
    guint64 value = test_stat (stats, field);

    gst_structure_free (stats);
    if (value >= min)
      return;
    fail_if (g_get_monotonic_time () > deadline,
        "%s: %s is %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT " after 10 s",
        name, field, value, min);
    g_usleep (1000); /* polling a condition, not waiting a time */
  }
}
