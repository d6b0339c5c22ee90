/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests on real drivers: runs inside the HIL guest (see
 * docs/hil.md), whose ttyS1 and ttyS2 are emulated 16550A UARTs driven by
 * the kernel's 8250 driver and wired to each other by QEMU, and whose
 * /dev/video0 is the kernel's vivid test camera. Opens ports through
 * libserialport and checks what the kernel really applied.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "gstserialdevices.h"
#include "gstserialport.h"
#include "gstserialtermios2.h"
#include "testutil.h"

#define PORT_TX "/dev/ttyS1"
#define PORT_RX "/dev/ttyS2"
#define CAMERA "/dev/video0"

/* A port opened by the test itself, next to the element, to read the
 * terminal state the driver holds. Root may open a port the element holds
 * with TIOCEXCL; the guest runs everything as root. */
static int
open_peek (const gchar *path)
{
  int fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

  fail_unless (fd >= 0, "open(%s): %s", path, g_strerror (errno));
  return fd;
}

/* A lone element in a pipeline (for the bus), from gst-launch syntax. */
static GstElement *
make_lone (const gchar *desc)
{
  GError *error = NULL;
  GstElement *el = gst_parse_launch (desc, &error);
  GstElement *pipe;

  fail_unless (el != NULL, "%s: %s", desc, error ? error->message : "?");
  pipe = gst_pipeline_new (NULL);
  gst_bin_add (GST_BIN (pipe), el);
  return pipe;
}

/* Starts @desc (one sink element): the port is open once the state change
 * to PAUSED has returned, which is ASYNC for a sink waiting for data. */
static GstElement *
start_lone (const gchar *desc)
{
  GstElement *pipe = make_lone (desc);
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  GstStateChangeReturn ret = gst_element_set_state (pipe, GST_STATE_PAUSED);

  if (ret == GST_STATE_CHANGE_FAILURE) {
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    GError *err = NULL;
    gchar *debug = NULL;

    if (msg)
      gst_message_parse_error (msg, &err, &debug);
    fail ("%s did not start: %s (%s)", desc, err ? err->message : "no error",
        GST_STR_NULL (debug));
  }
  fail_unless_equals_int (test_count_errors (bus, GST_RESOURCE_ERROR), 0);
  gst_object_unref (bus);
  return pipe;
}

static void
stop (GstElement *pipe)
{
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipe);
}

/* Starts @desc, expecting the start to fail with @code; returns the error
 * message. */
static gchar *
expect_start_error (const gchar *desc, gint code)
{
  GstElement *pipe = make_lone (desc);
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  gchar *text;

  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  text = test_expect_error (bus, GST_RESOURCE_ERROR, code);
  gst_object_unref (bus);
  stop (pipe);
  return text;
}

static const guint rates[] = { 9600, 57600, 115200 };
static const gchar *flows[] = { "none", "rts-cts", "xon-xoff" };
static const gchar *parities[] = { "none", "odd", "even", "mark", "space" };

static tcflag_t
expected_parity_bits (const gchar *parity)
{
  if (g_str_equal (parity, "odd"))
    return PARENB | PARODD;
  if (g_str_equal (parity, "even"))
    return PARENB;
  if (g_str_equal (parity, "mark"))
    return PARENB | PARODD | CMSPAR;
  if (g_str_equal (parity, "space"))
    return PARENB | CMSPAR;
  return 0;
}

/* Every combination of the settings, opened through serialsink and read back
 * from the driver; one loop iteration per rate and flow control. */
GST_START_TEST (test_port_config)
{
  guint rate = rates[__i__ / G_N_ELEMENTS (flows)];
  const gchar *flow = flows[__i__ % G_N_ELEMENTS (flows)];
  guint bits, stop_bits, p;

  for (bits = 7; bits <= 8; bits++) {
    for (p = 0; p < G_N_ELEMENTS (parities); p++) {
      for (stop_bits = 1; stop_bits <= 2; stop_bits++) {
        gchar *desc = g_strdup_printf ("serialsink port=" PORT_TX
                                       " baud-rate=%u data-bits=%u parity=%s "
                                       "stop-bits=%u "
                                       "flow-control=%s",
            rate, bits, parities[p], stop_bits, flow);
        GstElement *pipe = start_lone (desc);
        int fd = open_peek (PORT_TX);
        struct termios t;
        guint speed = 0;

        fail_unless (tcgetattr (fd, &t) == 0);
        fail_unless (gst_serial_termios2_get_speed (fd, &speed) == 0);
        close (fd);

        fail_unless_equals_int (speed, rate);
        fail_unless_equals_int (t.c_cflag & CSIZE, bits == 7 ? CS7 : CS8);
        fail_unless_equals_int (t.c_cflag & (PARENB | PARODD | CMSPAR),
            expected_parity_bits (parities[p]));
        fail_unless_equals_int (!!(t.c_cflag & CSTOPB), stop_bits == 2);
        /* libserialport 0.1.1 puts CRTSCTS into c_iflag; what counts for
         * Linux is c_cflag. */
        fail_unless_equals_int (!!(t.c_cflag & CRTSCTS),
            g_str_equal (flow, "rts-cts"));
        fail_unless_equals_int (t.c_iflag & (IXON | IXOFF),
            g_str_equal (flow, "xon-xoff") ? (IXON | IXOFF) : 0);
        fail_unless (t.c_cflag & CREAD);
        fail_unless (t.c_cflag & CLOCAL);
        fail_unless_equals_int (t.c_lflag & (ICANON | ECHO | ISIG), 0);
        fail_unless_equals_int (t.c_oflag & OPOST, 0);

        stop (pipe);
        g_free (desc);
      }
    }
  }
}

GST_END_TEST;

/* A CRTSCTS left on the port by an earlier program is cleared. */
GST_START_TEST (test_stale_crtscts_cleared)
{
  GstElement *pipe;
  struct termios t;
  int fd = open_peek (PORT_TX);

  fail_unless (tcgetattr (fd, &t) == 0);
  t.c_cflag |= CRTSCTS;
  fail_unless (tcsetattr (fd, TCSANOW, &t) == 0);
  close (fd);

  pipe = start_lone ("serialsink port=" PORT_TX " flow-control=none");
  fd = open_peek (PORT_TX);
  fail_unless (tcgetattr (fd, &t) == 0);
  close (fd);
  fail_unless_equals_int (t.c_cflag & CRTSCTS, 0);
  stop (pipe);
}

GST_END_TEST;

/* The 8250 tops out at 115200 (its 1.8432 MHz clock divided by 16): a faster
 * rate is accepted by sp_set_baudrate but not applied, and must be reported
 * naming both rates. */
GST_START_TEST (test_rate_not_applied)
{
  static const guint too_fast[] = { 230400, 921600 };
  guint rate = too_fast[__i__], actual = 0;
  gchar *desc, *text, *want;
  int fd;

  desc = g_strdup_printf ("serialsink port=" PORT_TX " baud-rate=%u", rate);
  text = expect_start_error (desc, GST_RESOURCE_ERROR_SETTINGS);

  /* The driver keeps the terminal state of a closed port: this is the rate
   * it applied. */
  fd = open_peek (PORT_TX);
  fail_unless (gst_serial_termios2_get_speed (fd, &actual) == 0);
  close (fd);
  fail_unless (actual != rate && actual <= 115200, "driver at %u", actual);

  want = g_strdup_printf ("baud-rate=%u", rate);
  fail_unless (strstr (text, want) != NULL, "%s", text);
  g_free (want);
  want = g_strdup_printf (" %u ", actual);
  fail_unless (strstr (text, want) != NULL, "%s", text);
  g_free (want);
  g_free (text);
  g_free (desc);
}

GST_END_TEST;

/* A sender of the test's own buffers to ttyS1. QEMU moves bytes at its own
 * pace whatever the baud rate, so pacing to the baud rate would only make
 * the test slow; nothing may be dropped. */
static GstElement *
make_raw_sender (GstElement **appsrc)
{
  GstElement *pipe = test_make_sender (PORT_TX, "raw", appsrc);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");

  g_object_set (sink, "baud-rate", 115200, NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "pacing", "off");
  gst_util_set_object_arg (G_OBJECT (sink), "drop-policy", "never");
  gst_object_unref (sink);
  return pipe;
}

/* Starts a receiver. serialsrc opens the port in its READY to PAUSED
 * transition, which a live source completes at once (NO_PREROLL): nothing
 * sent afterwards is lost. */
static void
start_receiver (GstElement *pipe)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");

  g_object_set (src, "baud-rate", 115200, NULL);
  gst_object_unref (src);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
}

static void
wait_eos (GstElement *pipe)
{
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    fail ("%s: %s (%s)", GST_ELEMENT_NAME (pipe), err->message,
        GST_STR_NULL (debug));
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
}

#define RAW_SIZE (1024 * 1024)
#define RAW_CHUNK (16 * 1024)

GST_START_TEST (test_raw_1mib)
{
  TestReceived r;
  GstElement *rx = test_make_receiver (PORT_RX, "raw", &r);
  GstElement *tx, *appsrc;
  guint8 *data = test_random_bytes (RAW_SIZE, 1);
  gsize off;

  start_receiver (rx);
  tx = make_raw_sender (&appsrc);
  fail_unless_equals_int (gst_element_set_state (tx, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);

  for (off = 0; off < RAW_SIZE; off += RAW_CHUNK) {
    GstBuffer *buf = gst_buffer_new_memdup (data + off, RAW_CHUNK);

    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf),
        GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  /* The sink drains the port on EOS: everything has left ttyS1. */
  wait_eos (tx);

  test_received_wait_bytes (&r, RAW_SIZE);
  stop (tx);
  stop (rx);
  fail_unless_equals_int (r.bytes->len, RAW_SIZE);
  fail_unless (memcmp (r.bytes->data, data, RAW_SIZE) == 0,
      "the bytes received differ from the bytes sent");

  test_received_clear (&r);
  g_free (data);
}

GST_END_TEST;

/* Records every buffer that reaches a pad. */
static GstPadProbeReturn
record_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GPtrArray *recorded = user_data;

  g_ptr_array_add (recorded, gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info)));
  return GST_PAD_PROBE_OK;
}

static GPtrArray *
probe_buffers (GstElement *pipe, const gchar *element, const gchar *pad_name)
{
  GPtrArray *recorded =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), element);
  GstPad *pad = gst_element_get_static_pad (el, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_buffer, recorded,
      NULL);
  gst_object_unref (pad);
  gst_object_unref (el);
  return recorded;
}

static GstElement *
launch (const gchar *desc)
{
  GError *error = NULL;
  GstElement *pipe = gst_parse_launch (desc, &error);

  fail_unless (pipe != NULL, "%s: %s", desc, error ? error->message : "?");
  return pipe;
}

static GstCaps *
get_pad_caps (GstElement *pipe, const gchar *element, const gchar *pad_name)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), element);
  GstPad *pad = gst_element_get_static_pad (el, pad_name);
  GstCaps *caps = gst_pad_get_current_caps (pad);

  gst_object_unref (pad);
  gst_object_unref (el);
  return caps;
}

#define JPEG_FRAMES 10

/* Native framing: every JPEG arrives whole, byte for byte, with the caps
 * from the wire and the EOS of the sender. */
GST_START_TEST (test_native_jpeg)
{
  TestReceived r;
  GstElement *rx = test_make_receiver (PORT_RX, "native", &r);
  GstElement *tx;
  GPtrArray *sent;
  GstCaps *want;
  guint i;

  start_receiver (rx);
  tx = launch ("videotestsrc num-buffers=" G_STRINGIFY (
      JPEG_FRAMES) " pattern=ball ! "
                   "video/x-raw,width=320,height=240,framerate=10/1 "
                   "! jpegenc ! serialsink name=sink port=" PORT_TX
                   " baud-rate=115200 "
                   "pacing=off drop-policy=never");
  sent = probe_buffers (tx, "sink", "sink");
  fail_if (gst_element_set_state (tx, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  wait_eos (tx);
  test_received_wait_eos (&r);
  stop (tx);
  stop (rx);

  fail_unless_equals_int (sent->len, JPEG_FRAMES);
  fail_unless_equals_int (r.buffers->len, JPEG_FRAMES);
  for (i = 0; i < JPEG_FRAMES; i++) {
    GstBuffer *a = g_ptr_array_index (sent, i);
    GstBuffer *b = g_ptr_array_index (r.buffers, i);
    GstMapInfo ma, mb;

    fail_unless (gst_buffer_map (a, &ma, GST_MAP_READ));
    fail_unless (gst_buffer_map (b, &mb, GST_MAP_READ));
    fail_unless_equals_int (mb.size, ma.size);
    fail_unless (memcmp (ma.data, mb.data, ma.size) == 0, "frame %u differs",
        i);
    gst_buffer_unmap (a, &ma);
    gst_buffer_unmap (b, &mb);
  }
  want = gst_caps_from_string ("image/jpeg,width=320,height=240");
  fail_unless (r.caps != NULL);
  fail_unless (gst_caps_can_intersect (r.caps, want), "caps %" GST_PTR_FORMAT,
      r.caps);
  gst_caps_unref (want);

  g_ptr_array_unref (sent);
  test_received_clear (&r);
}

GST_END_TEST;

#define CAMERA_FRAMES 10

/* The mission's pipeline on the vivid camera: N frames captured, N decoded,
 * the caps coming from the wire (serialsrc has no caps set). */
GST_START_TEST (test_camera_pipeline)
{
  GstElement *rx, *tx, *appsink;
  GPtrArray *captured;
  GstCaps *caps, *want;
  TestReceived r;

  fail_unless (g_file_test (CAMERA, G_FILE_TEST_EXISTS),
      CAMERA " is missing: run with scripts/guest-run.sh --camera");

  rx = launch (
      "serialsrc name=src port=" PORT_RX " ! jpegdec ! appsink name=out");
  appsink = gst_bin_get_by_name (GST_BIN (rx), "out");
  test_received_attach (appsink, &r);
  gst_object_unref (appsink);
  start_receiver (rx);

  tx = launch ("v4l2src name=cam device=" CAMERA " num-buffers=" G_STRINGIFY (
      CAMERA_FRAMES) " ! video/x-raw,width=640,height=480 ! jpegenc quality=50 "
                     "! serialsink port=" PORT_TX
                     " baud-rate=115200 pacing=off "
                     "drop-policy=never");
  captured = probe_buffers (tx, "cam", "src");
  fail_if (gst_element_set_state (tx, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  wait_eos (tx);
  test_received_wait_eos (&r);

  caps = get_pad_caps (rx, "src", "src");
  stop (tx);
  stop (rx);

  fail_unless_equals_int (captured->len, CAMERA_FRAMES);
  fail_unless_equals_int (r.buffers->len, CAMERA_FRAMES);
  want = gst_caps_from_string ("image/jpeg,width=640,height=480");
  fail_unless (caps != NULL && gst_caps_can_intersect (caps, want),
      "wire caps %" GST_PTR_FORMAT, caps);
  gst_caps_unref (want);
  want = gst_caps_from_string ("video/x-raw,width=640,height=480");
  fail_unless (r.caps != NULL && gst_caps_can_intersect (r.caps, want),
      "decoded caps %" GST_PTR_FORMAT, r.caps);
  gst_caps_unref (want);

  gst_caps_unref (caps);
  g_ptr_array_unref (captured);
  test_received_clear (&r);
}

GST_END_TEST;

/* Runs @script of examples/pipelines with @env (NAME=VALUE, NULL-ended)
 * added, its output a pipe read line by line; `timeout` keeps a broken run
 * from hanging the guest. */
static GSubprocess *
spawn_example (const gchar *script, const gchar *const *env,
    GDataInputStream **out)
{
  const gchar *dir = g_getenv ("GST_SERIAL_EXAMPLES");
  GSubprocessLauncher *launcher;
  GSubprocess *proc;
  GError *error = NULL;
  gchar *path;

  fail_unless (dir != NULL, "GST_SERIAL_EXAMPLES is not set (meson sets it)");
  path = g_build_filename (dir, script, NULL);
  launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  for (; *env; env++) {
    gchar **pair = g_strsplit (*env, "=", 2);

    g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    g_strfreev (pair);
  }
  proc = g_subprocess_launcher_spawn (launcher, &error, "timeout", "120", path,
      NULL);
  fail_unless (proc != NULL, "%s: %s", path, error ? error->message : "");
  *out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  g_object_unref (launcher);
  g_free (path);
  return proc;
}

/* Reads @out up to a line containing @text (or to its end, with @text
 * NULL), appending the lines to @log; FALSE if it ended first. */
static gboolean
read_until (GDataInputStream *out, const gchar *text, GString *log)
{
  gchar *line;

  while ((line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL))) {
    gboolean found = text != NULL && strstr (line, text) != NULL;

    g_string_append_printf (log, "%s\n", line);
    g_free (line);
    if (found)
      return TRUE;
  }
  return text == NULL;
}

/* Waits for @proc and checks that it exited with 0. */
static void
check_exit (GSubprocess *proc, const gchar *name, GString *log)
{
  fail_unless (g_subprocess_wait (proc, NULL, NULL));
  fail_unless (g_subprocess_get_if_exited (proc) &&
          g_subprocess_get_exit_status (proc) == 0,
      "%s failed:\n%s", name, log->str);
}

/* The example scripts as a user runs them on real hardware: the camera
 * script on the vivid camera and ttyS1, the display script on ttyS2 with
 * files for the display. The 8250 applies 115200 baud, at which the
 * sender paces itself and drops stale frames of the live camera: some of
 * the 10 frames arrive, every one decoded whole, and the receiver ends on
 * the sender's EOS. */
GST_START_TEST (test_camera_scripts)
{
  gchar *dir = g_dir_make_tmp ("hil-frames-XXXXXX", NULL);
  gchar *sink =
      g_strdup_printf ("VIDEOSINK=multifilesink location=%s/%%05d", dir);
  const gchar *rx_env[] = { "PORT=" PORT_RX, "BAUD=115200", sink, NULL };
  const gchar *tx_env[] = { "PORT=" PORT_TX, "BAUD=115200", "WIDTH=160",
    "HEIGHT=120", "FPS=10", "SOURCE=v4l2src device=" CAMERA " num-buffers=10",
    NULL };
  GString *rx_log = g_string_new (NULL), *tx_log = g_string_new (NULL);
  GDataInputStream *rx_out, *tx_out;
  GSubprocess *rx, *tx;
  const gchar *name;
  guint frames = 0;
  GDir *d;

  fail_unless (dir != NULL);
  rx = spawn_example ("serial-to-display.sh", rx_env, &rx_out);
  /* serialsrc has opened ttyS2 once the pipeline is live: the driver
   * clears its FIFO on open, so the sender must not start before. */
  fail_unless (read_until (rx_out, "Pipeline is live", rx_log), "receiver:\n%s",
      rx_log->str);
  tx = spawn_example ("camera-to-serial.sh", tx_env, &tx_out);
  read_until (tx_out, NULL, tx_log);
  check_exit (tx, "camera-to-serial.sh", tx_log);
  read_until (rx_out, NULL, rx_log);
  check_exit (rx, "serial-to-display.sh", rx_log);
  fail_unless (strstr (rx_log->str, "Got EOS from element") != NULL,
      "receiver:\n%s", rx_log->str);

  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (dir, name, NULL);
    GStatBuf st;

    fail_unless (g_stat (path, &st) == 0);
    /* I420, 160x120 */
    fail_unless_equals_int (st.st_size, 160 * 120 * 3 / 2);
    g_unlink (path);
    g_free (path);
    frames++;
  }
  g_dir_close (d);
  fail_unless (frames >= 1 && frames <= 10, "%u frames decoded", frames);
  GST_INFO ("%u of 10 frames decoded", frames);

  g_rmdir (dir);
  g_object_unref (rx_out);
  g_object_unref (tx_out);
  g_object_unref (rx);
  g_object_unref (tx);
  g_string_free (rx_log, TRUE);
  g_string_free (tx_log, TRUE);
  g_free (sink);
  g_free (dir);
}

GST_END_TEST;

/* ttyS0 is the console and ttyS3 has no UART: only ttyS1 and ttyS2 are
 * found, with their descriptions, in the list and in the "port not set"
 * error. */
GST_START_TEST (test_enumeration)
{
  GList *ports = gst_serial_port_enumerate (NULL);
  GstSerialPortInfo *info;
  gchar *text, *want;
  GList *l;

  fail_unless_equals_int (g_list_length (ports), 2);
  info = ports->data;
  fail_unless_equals_string (info->path, PORT_TX);
  info = ports->next->data;
  fail_unless_equals_string (info->path, PORT_RX);

  text = expect_start_error ("serialsrc", GST_RESOURCE_ERROR_NOT_FOUND);
  for (l = ports; l; l = l->next) {
    info = l->data;
    fail_unless (info->description != NULL && info->description[0] != '\0');
    want = g_strdup_printf ("%s (%s)", info->path, info->description);
    fail_unless (strstr (text, want) != NULL, "%s not in: %s", want, text);
    g_free (want);
  }
  fail_unless (strstr (text, "/dev/ttyS0") == NULL, "%s", text);
  fail_unless (strstr (text, "/dev/ttyS3") == NULL, "%s", text);

  g_free (text);
  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);
}

GST_END_TEST;

/* A second open of a port in use fails with BUSY, through any name, and
 * leaves the first user's settings alone. */
GST_START_TEST (test_busy)
{
  gchar *link = g_build_filename (g_get_tmp_dir (), "hil-serial-link", NULL);
  int fd, status, ready[2], quit[2];
  GstElement *holder;
  gchar *text, *desc;
  guint speed = 0;
  char byte;
  pid_t pid;

  g_unlink (link);
  fail_unless (symlink (PORT_TX, link) == 0);

  /* Held by another process: BUSY, directly or through a symlink. */
  fail_unless (pipe (ready) == 0 && pipe (quit) == 0);
  pid = fork ();
  fail_if (pid < 0);
  if (pid == 0) {
    GstElement *other =
        make_lone ("serialsink port=" PORT_TX " baud-rate=57600");

    close (quit[1]);
    if (gst_element_set_state (other, GST_STATE_PAUSED) ==
        GST_STATE_CHANGE_FAILURE)
      _exit (2);
    if (write (ready[1], "r", 1) != 1 || read (quit[0], &byte, 1) < 0)
      _exit (3);
    gst_element_set_state (other, GST_STATE_NULL);
    _exit (0);
  }
  close (quit[0]);
  fail_unless_equals_int (read (ready[0], &byte, 1), 1);
  g_free (expect_start_error ("serialsrc port=" PORT_TX " baud-rate=57600",
      GST_RESOURCE_ERROR_BUSY));
  desc = g_strdup_printf ("serialsink port=%s baud-rate=57600", link);
  g_free (expect_start_error (desc, GST_RESOURCE_ERROR_BUSY));
  g_free (desc);
  close (quit[1]);
  fail_unless (waitpid (pid, &status, 0) == pid);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
      "the other process: status 0x%x", status);
  close (ready[0]);
  close (ready[1]);

  /* In this process the port is shared, with the same settings only. */
  holder = start_lone ("serialsink port=" PORT_TX " baud-rate=57600");
  text = expect_start_error ("serialsink port=" PORT_TX " baud-rate=9600",
      GST_RESOURCE_ERROR_SETTINGS);
  fail_unless (strstr (text, PORT_TX) != NULL, "%s", text);
  g_free (text);
  g_free (expect_start_error ("serialsrc port=" PORT_TX,
      GST_RESOURCE_ERROR_SETTINGS));
  desc = g_strdup_printf ("serialsrc port=%s", link);
  g_free (expect_start_error (desc, GST_RESOURCE_ERROR_SETTINGS));
  g_free (desc);
  desc = g_strdup_printf ("serialsrc port=%s baud-rate=57600", link);
  stop (start_lone (desc));
  g_free (desc);

  fd = open_peek (PORT_TX);
  fail_unless (gst_serial_termios2_get_speed (fd, &speed) == 0);
  close (fd);
  fail_unless_equals_int (speed, 57600);

  /* Free again once the first user is gone, for any settings. */
  stop (holder);
  desc = g_strdup_printf ("serialsrc port=%s", link);
  stop (start_lone (desc));

  g_unlink (link);
  g_free (desc);
  g_free (link);
}

GST_END_TEST;

/* The device provider on the real sysfs: ttyS1 and ttyS2, a source and a
 * sink each, named after their UART; not ttyS0 (the console) nor ttyS3 (no
 * UART). */
static void
check_provider_devices (GList *devices)
{
  static const gchar *const paths[] = { PORT_TX, PORT_RX };
  guint i;

  fail_unless_equals_int (g_list_length (devices), 4);
  for (i = 0; i < 4; i++) {
    GstDevice *device = g_list_nth_data (devices, i);
    GstStructure *props = gst_device_get_properties (device);
    gchar *name = gst_device_get_display_name (device);
    gchar *want = g_strdup_printf ("16550A UART (%s)", paths[i / 2]);
    const gchar *klass = i % 2 == 0 ? "Serial/Port/Source" : "Serial/Port/Sink";

    fail_unless_equals_string (name, want);
    fail_unless (gst_device_has_classes (device, klass), "%s", klass);
    fail_unless_equals_string (gst_structure_get_string (props, "device.path"),
        paths[i / 2]);
    fail_unless_equals_string (gst_structure_get_string (props,
                                   "serial.transport"),
        "native");
    fail_unless_equals_string (gst_structure_get_string (props,
                                   "serial.uart.type"),
        "16550A");
    fail_unless (gst_structure_get_string (props, "device.bus") != NULL);

    g_free (want);
    g_free (name);
    gst_structure_free (props);
  }
}

/* The elements the devices make carry the port and open it. */
static void
check_provider_elements (GList *devices)
{
  GList *l;

  for (l = devices; l; l = l->next) {
    GstStructure *props = gst_device_get_properties (l->data);
    const gchar *path = gst_structure_get_string (props, "device.path");
    GstElement *element = gst_device_create_element (l->data, NULL);
    GstElement *pipe = gst_pipeline_new (NULL);
    gchar *port = NULL;

    fail_unless (element != NULL);
    g_object_get (element, "port", &port, NULL);
    fail_unless_equals_string (port, path);
    gst_bin_add (GST_BIN (pipe), element);
    fail_if (gst_element_set_state (pipe, GST_STATE_PAUSED) ==
            GST_STATE_CHANGE_FAILURE,
        "%s does not open", path);
    stop (pipe);
    g_free (port);
    gst_structure_free (props);
  }
}

GST_START_TEST (test_device_provider)
{
  GstDeviceProvider *provider =
      gst_device_provider_factory_get_by_name ("serialdeviceprovider");
  GstBus *bus = gst_device_provider_get_bus (provider);
  GList *devices = gst_device_provider_get_devices (provider);
  GstMessage *msg;
  guint i;

  check_provider_devices (devices);
  check_provider_elements (devices);
  g_list_free_full (devices, gst_object_unref);

  /* Started: the ports are announced before start() returns. */
  fail_unless (gst_device_provider_start (provider));
  for (i = 0; i < 4; i++) {
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_DEVICE_ADDED);
    fail_unless (msg != NULL, "%u devices announced", i);
    gst_message_unref (msg);
  }
  fail_unless (gst_bus_pop (bus) == NULL);
  devices = gst_device_provider_get_devices (provider);
  check_provider_devices (devices);
  g_list_free_full (devices, gst_object_unref);
  gst_device_provider_stop (provider);

  gst_object_unref (bus);
  gst_object_unref (provider);
}

GST_END_TEST;

/* What gst-device-monitor-1.0 Serial/Port does. */
GST_START_TEST (test_device_monitor)
{
  GstDeviceMonitor *monitor = gst_device_monitor_new ();
  GList *devices;

  fail_unless (gst_device_monitor_add_filter (monitor, "Serial/Port", NULL));
  fail_unless (gst_device_monitor_start (monitor));
  devices = gst_device_monitor_get_devices (monitor);
  check_provider_devices (devices);
  g_list_free_full (devices, gst_object_unref);
  gst_device_monitor_stop (monitor);
  gst_object_unref (monitor);
}

GST_END_TEST;

/* Occurrences of @needle in @haystack. */
static guint
count_substrings (const gchar *haystack, const gchar *needle)
{
  guint n = 0;

  while ((haystack = strstr (haystack, needle)) != NULL) {
    haystack += strlen (needle);
    n++;
  }
  return n;
}

/* The tool itself, as a user runs it: four devices, named after their
 * UART, each with the launch line of its element, and not the console. */
GST_START_TEST (test_device_monitor_tool)
{
  gchar *argv[] = { (gchar *) "gst-device-monitor-1.0", (gchar *) "Serial/Port",
    NULL };
  gchar *out = NULL, *err = NULL;
  gint status;
  GError *error = NULL;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                   &out, &err, &status, &error),
      "gst-device-monitor-1.0 (gstreamer1.0-plugins-base-apps): %s",
      error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s%s", out, err);
  fail_unless_equals_int (count_substrings (out, "Device found:"), 4);
  fail_unless_equals_int (count_substrings (out,
                              "name  : 16550A UART (" PORT_TX ")"),
      2);
  fail_unless_equals_int (count_substrings (out,
                              "name  : 16550A UART (" PORT_RX ")"),
      2);
  fail_unless_equals_int (count_substrings (out, "class : Serial/Port/Source"),
      2);
  fail_unless_equals_int (count_substrings (out, "class : Serial/Port/Sink"),
      2);
  fail_unless (strstr (out, "serialsrc port=" PORT_TX " ") != NULL, "%s", out);
  fail_unless (strstr (out, "serialsink port=" PORT_RX) != NULL, "%s", out);
  fail_unless (strstr (out, "/dev/ttyS0") == NULL, "%s", out);
  g_free (out);
  g_free (err);
}

GST_END_TEST;

/* The next device message of the provider, which must be @type for @path. */
static void
expect_device_message (GstBus *bus, GstMessageType type, const gchar *path)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_DEVICE_ADDED | GST_MESSAGE_DEVICE_REMOVED);
  GstDevice *device = NULL;
  GstStructure *props;

  fail_unless (msg != NULL, "no device message for %s", path);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), type);
  if (type == GST_MESSAGE_DEVICE_ADDED)
    gst_message_parse_device_added (msg, &device);
  else
    gst_message_parse_device_removed (msg, &device);
  props = gst_device_get_properties (device);
  fail_unless_equals_string (gst_structure_get_string (props, "device.path"),
      path);
  gst_structure_free (props);
  gst_object_unref (device);
  gst_message_unref (msg);
}

/* Writes the device's name to its driver's bind or unbind file. */
static void
driver_write (const gchar *sysfs_path, const gchar *file)
{
  gchar *link = g_build_filename (sysfs_path, "driver", NULL);
  gchar *driver = g_file_read_link (link, NULL);
  gchar *name = g_path_get_basename (sysfs_path);
  gchar *path;
  int fd;

  if (driver == NULL) {
    /* Unbound: the driver is the one of the pnp bus for UARTs. */
    driver = g_strdup ("/sys/bus/pnp/drivers/serial");
  } else {
    gchar *dir = g_path_get_dirname (link);
    gchar *abs = g_build_filename (dir, driver, NULL);

    g_free (driver);
    driver = g_canonicalize_filename (abs, NULL);
    g_free (abs);
    g_free (dir);
  }
  path = g_build_filename (driver, file, NULL);
  /* In place: g_file_set_contents() would rename a new file over it. */
  fd = open (path, O_WRONLY | O_CLOEXEC);
  fail_unless (fd >= 0, "open(%s): %s", path, g_strerror (errno));
  fail_unless (write (fd, name, strlen (name)) == (ssize_t) strlen (name),
      "write(%s): %s", path, g_strerror (errno));
  close (fd);
  g_free (path);
  g_free (name);
  g_free (driver);
  g_free (link);
}

/* Real hot-plugging: ttyS2's UART unbound from its driver is reported gone
 * (the 8250 driver keeps the line, without a UART) and back when bound
 * again. Runs last: it re-creates ttyS2. */
GST_START_TEST (test_device_hotplug)
{
  GstDeviceProvider *provider =
      gst_device_provider_factory_get_by_name ("serialdeviceprovider");
  GstBus *bus = gst_device_provider_get_bus (provider);
  GList *devices;
  GstStructure *props;
  gchar *hw;
  guint i;

  devices = gst_device_provider_get_devices (provider);
  check_provider_devices (devices);
  props = gst_device_get_properties (g_list_nth_data (devices, 2));
  hw = g_strdup (gst_structure_get_string (props, "sysfs.path"));
  gst_structure_free (props);
  g_list_free_full (devices, gst_object_unref);
  fail_unless (hw != NULL);

  g_object_set (provider, "poll-interval", 50, NULL);
  fail_unless (gst_device_provider_start (provider));
  for (i = 0; i < 4; i++)
    expect_device_message (bus, GST_MESSAGE_DEVICE_ADDED,
        i < 2 ? PORT_TX : PORT_RX);

  driver_write (hw, "unbind");
  expect_device_message (bus, GST_MESSAGE_DEVICE_REMOVED, PORT_RX);
  expect_device_message (bus, GST_MESSAGE_DEVICE_REMOVED, PORT_RX);
  driver_write (hw, "bind");
  expect_device_message (bus, GST_MESSAGE_DEVICE_ADDED, PORT_RX);
  expect_device_message (bus, GST_MESSAGE_DEVICE_ADDED, PORT_RX);

  devices = gst_device_provider_get_devices (provider);
  check_provider_devices (devices);
  g_list_free_full (devices, gst_object_unref);
  gst_device_provider_stop (provider);
  g_object_set (provider, "poll-interval", 1000, NULL);

  g_free (hw);
  gst_object_unref (bus);
  gst_object_unref (provider);
}

GST_END_TEST;

/* The guest's usb feature (tests/hil/hil.sh, scripts/guest-run.sh --usb):
 * QEMU's usb-serial, an FTDI chip driven by the kernel's ftdi_sio, on an
 * xHCI controller, wired to ttyS3, a 16550A, and named by udev. QEMU's
 * monitor (QMP) is the virtio port org.qemu.monitor: the tests unplug the
 * adapter with device_del and plug it back with device_add, with the
 * properties hil.sh gives it at boot. */
#define USB_PORT "/dev/serial/by-id/usb-QEMU_QEMU_USB_SERIAL_HIL0001-if00-port0"
#define USB_PEER "/dev/ttyS3"
#define USB_ID "hil-usb"
#define USB_DEVICE                                                             \
  "{\"driver\": \"usb-serial\", \"id\": \"" USB_ID "\", \"bus\": \"xhci.0\", " \
  "\"chardev\": \"usb\", \"serial\": \"HIL0001\"}"
#define QMP_PORT "/dev/virtio-ports/org.qemu.monitor"

/* Bounds every wait of the USB tests: a step that does not happen fails
 * the test instead of leaving it to the tcase timeout. */
#define USB_TIMEOUT (60 * G_USEC_PER_SEC)

typedef struct {
  int fd;
  GString *in;       /* bytes read, not yet a whole line */
  GPtrArray *events; /* events read while waiting for a reply */
  guint next_id;
} Qmp;

/* The next line from QEMU, without its CR LF; NULL when none came before
 * @deadline (monotonic time). */
static gchar *
qmp_read_line (Qmp *q, gint64 deadline)
{
  for (;;) {
    const gchar *nl = memchr (q->in->str, '\n', q->in->len);
    struct pollfd pfd = { q->fd, POLLIN, 0 };
    gint64 left;
    gchar buf[4096];
    gssize n;

    if (nl != NULL) {
      gchar *line = g_strndup (q->in->str, nl - q->in->str);

      g_string_erase (q->in, 0, nl - q->in->str + 1);
      return g_strchomp (line);
    }
    left = deadline - g_get_monotonic_time ();
    if (left <= 0)
      return NULL;
    if (poll (&pfd, 1, left / 1000 + 1) <= 0)
      continue;
    n = read (q->fd, buf, sizeof (buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    fail_unless (n > 0, "read(" QMP_PORT "): %s",
        n == 0 ? "end of file" : g_strerror (errno));
    g_string_append_len (q->in, buf, n);
  }
}

/* Runs the QMP @command with @arguments (a JSON object, or NULL) and returns
 * QEMU's reply. Requests carry an id of their own: lines left over by an
 * earlier test are skipped, and events are kept for qmp_wait_event(). */
static gchar *
qmp_execute (Qmp *q, const gchar *command, const gchar *arguments)
{
  gint64 deadline = g_get_monotonic_time () + USB_TIMEOUT;
  gchar *id =
      g_strdup_printf ("\"id\": \"hil-%d-%u\"", (gint) getpid (), q->next_id++);
  gchar *request = g_strdup_printf ("{\"execute\": \"%s\"%s%s, %s}\n", command,
      arguments ? ", \"arguments\": " : "", arguments ? arguments : "", id);
  gchar *line;

  fail_unless (write (q->fd, request, strlen (request)) ==
          (gssize) strlen (request),
      "write(" QMP_PORT "): %s", g_strerror (errno));
  while ((line = qmp_read_line (q, deadline)) != NULL) {
    if (strstr (line, id) != NULL)
      break;
    if (strstr (line, "\"event\"") != NULL)
      g_ptr_array_add (q->events, line);
    else
      g_free (line);
  }
  fail_unless (line != NULL, "QEMU did not answer %s", request);
  g_free (request);
  g_free (id);
  return line;
}

static void
qmp_run (Qmp *q, const gchar *command, const gchar *arguments)
{
  gchar *reply = qmp_execute (q, command, arguments);

  fail_unless (strstr (reply, "\"return\"") != NULL, "%s %s: %s", command,
      GST_STR_NULL (arguments), reply);
  g_free (reply);
}

static gboolean
is_event (const gchar *line, const gchar *event, const gchar *device)
{
  gchar *e = g_strdup_printf ("\"event\": \"%s\"", event);
  gchar *d = g_strdup_printf ("\"device\": \"%s\"", device);
  gboolean match = strstr (line, e) != NULL && strstr (line, d) != NULL;

  g_free (e);
  g_free (d);
  return match;
}

/* Waits for the QMP @event about @device. */
static void
qmp_wait_event (Qmp *q, const gchar *event, const gchar *device)
{
  gint64 deadline = g_get_monotonic_time () + USB_TIMEOUT;
  gchar *line;
  guint i;

  for (i = 0; i < q->events->len; i++) {
    if (is_event (q->events->pdata[i], event, device)) {
      g_ptr_array_remove_index (q->events, i);
      return;
    }
  }
  while ((line = qmp_read_line (q, deadline)) != NULL) {
    gboolean match = is_event (line, event, device);

    g_free (line);
    if (match)
      return;
  }
  fail ("no %s event for %s", event, device);
}

static Qmp *
qmp_open (void)
{
  Qmp *q = g_new0 (Qmp, 1);
  gchar *reply;

  q->fd = open (QMP_PORT, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  fail_unless (q->fd >= 0,
      "open(" QMP_PORT "): %s: run with scripts/guest-run.sh --usb",
      g_strerror (errno));
  q->in = g_string_new (NULL);
  q->events = g_ptr_array_new_with_free_func (g_free);
  /* The monitor's connection lasts as long as the guest: an earlier test
   * may have left capabilities negotiation done, and then it is refused. */
  reply = qmp_execute (q, "qmp_capabilities", NULL);
  fail_unless (strstr (reply, "\"return\"") != NULL ||
          strstr (reply, "CommandNotFound") != NULL,
      "qmp_capabilities: %s", reply);
  g_free (reply);
  return q;
}

static void
qmp_close (Qmp *q)
{
  close (q->fd);
  g_string_free (q->in, TRUE);
  g_ptr_array_unref (q->events);
  g_free (q);
}

/* Waits until udev has named the adapter (udevadm wait follows udev's
 * database, not the file system). */
static void
usb_wait_port (void)
{
  gchar *argv[] = { (gchar *) "udevadm", (gchar *) "wait",
    (gchar *) "--timeout=60", (gchar *) USB_PORT, NULL };
  gchar *err = NULL;
  gint status;
  GError *error = NULL;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                   NULL, &err, &status, &error),
      "udevadm: %s", error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL),
      "the adapter did not appear as " USB_PORT ": %s", err);
  g_free (err);
}

static void
usb_unplug (Qmp *q)
{
  qmp_run (q, "device_del", "{\"id\": \"" USB_ID "\"}");
  qmp_wait_event (q, "DEVICE_DELETED", USB_ID);
}

static void
usb_plug (Qmp *q)
{
  qmp_run (q, "device_add", USB_DEVICE);
}

/* The adapter as the guest booted with it, also after an earlier test
 * failed with it unplugged. */
static void
usb_ensure_plugged (Qmp *q)
{
  if (!g_file_test (USB_PORT, G_FILE_TEST_EXISTS))
    usb_plug (q);
  usb_wait_port ();
}

/* The adapter is found as a USB port with the strings of its descriptor
 * and udev's stable name. */
GST_START_TEST (test_usb_enumeration)
{
  GstSerialPortInfo *usb = NULL;
  GList *ports, *l;
  gchar *node;
  Qmp *q = qmp_open ();

  usb_ensure_plugged (q);
  qmp_close (q);
  node = realpath (USB_PORT, NULL);
  fail_unless (node != NULL && g_str_has_prefix (node, "/dev/ttyUSB"), "%s",
      GST_STR_NULL (node));

  ports = gst_serial_port_enumerate (NULL);
  for (l = ports; l; l = l->next) {
    GstSerialPortInfo *info = l->data;

    if (g_str_equal (info->path, node))
      usb = info;
  }
  fail_unless (usb != NULL, "%s is not listed", node);
  fail_unless_equals_int (usb->transport, GST_SERIAL_TRANSPORT_USB);
  fail_unless_equals_string (usb->bus, "usb");
  fail_unless_equals_string (usb->driver, "ftdi_sio");
  fail_unless_equals_int (usb->vendor_id, 0x0403);
  fail_unless_equals_int (usb->product_id, 0x6001);
  fail_unless_equals_string (usb->manufacturer, "QEMU");
  fail_unless_equals_string (usb->product, "QEMU USB SERIAL");
  fail_unless_equals_string (usb->serial, "HIL0001");
  fail_unless_equals_string (usb->by_id, USB_PORT);

  free (node);
  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);
}

GST_END_TEST;

/* JPEG frames of a moving ball, 160x120: about 3 KB each, 3 or 4 a second
 * at 115200 baud. */
static GPtrArray *
encode_jpegs (guint n)
{
  gchar *desc = g_strdup_printf ("videotestsrc pattern=ball num-buffers=%u ! "
                                 "video/x-raw,width=160,height=120 ! jpegenc ! "
                                 "appsink name=out sync=false",
      n);
  GstElement *pipe = launch (desc);
  GstElement *out = gst_bin_get_by_name (GST_BIN (pipe), "out");
  GPtrArray *frames =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  GstSample *sample;

  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (out))) != NULL) {
    g_ptr_array_add (frames, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }
  fail_unless_equals_int (frames->len, n);
  gst_object_unref (out);
  stop (pipe);
  g_free (desc);
  return frames;
}

#define SEQ_SIZE 12 /* the text of the comment: "seq %08u" */

/* @jpeg numbered @seq: a JPEG comment (COM marker) right after SOI says
 * it, and the frame stays a valid JPEG. */
static GstBuffer *
numbered_frame (GstBuffer *jpeg, guint seq)
{
  gsize size = gst_buffer_get_size (jpeg) + 4 + SEQ_SIZE;
  guint8 *data = g_malloc (size);
  gchar text[SEQ_SIZE + 1];
  GstBuffer *frame;

  g_snprintf (text, sizeof (text), "seq %08u", seq);
  gst_buffer_extract (jpeg, 0, data, 2);
  fail_unless (data[0] == 0xff && data[1] == 0xd8, "not a JPEG");
  data[2] = 0xff;
  data[3] = 0xfe;
  data[4] = 0;
  data[5] = 2 + SEQ_SIZE;
  memcpy (data + 6, text, SEQ_SIZE);
  gst_buffer_extract (jpeg, 2, data + 6 + SEQ_SIZE, size - 6 - SEQ_SIZE);
  frame = gst_buffer_new_wrapped (data, size);
  GST_BUFFER_OFFSET (frame) = seq;
  return frame;
}

/* The number of a frame from numbered_frame(); G_MAXUINT if it has none. */
static guint
frame_seq (GstBuffer *frame)
{
  guint8 head[6 + SEQ_SIZE + 1] = { 0 };
  guint seq;

  if (gst_buffer_extract (frame, 0, head, 6 + SEQ_SIZE) != 6 + SEQ_SIZE ||
      memcmp (head, "\xff\xd8\xff\xfe\x00\x0e", 6) != 0 ||
      sscanf ((gchar *) head + 6, "seq %8u", &seq) != 1)
    return G_MAXUINT;
  return seq;
}

/* A stream of numbered JPEG frames from appsrc into serialsink, until told
 * to stop, and what the element on the adapter says about its port. */
typedef struct {
  GMutex lock;
  GPtrArray *pool;     /* JPEG frames, sent over and over */
  GPtrArray *sent;     /* every frame pushed, by number */
  gboolean stop;       /* end the stream instead of the next frame */
  gboolean paused;     /* send nothing until usb_resume() */
  gboolean starved;    /* appsrc waits for a frame since the pause */
  guint reached;       /* frames that have reached serialsink */
  GstElement *watched; /* the element on the adapter */
  guint first_after;   /* reached when the port was back */
} UsbStream;

/* Pushes the next frame, or the EOS once told to stop. Call with the lock
 * held. */
static void
usb_push_next (UsbStream *s, GstAppSrc *appsrc)
{
  GstBuffer *frame;

  if (s->stop) {
    gst_app_src_end_of_stream (appsrc);
    return;
  }
  frame = numbered_frame (s->pool->pdata[s->sent->len % s->pool->len],
      s->sent->len);
  g_ptr_array_add (s->sent, gst_buffer_ref (frame));
  gst_app_src_push_buffer (appsrc, frame);
}

static void
usb_need_data (GstAppSrc *appsrc, guint length, gpointer user_data)
{
  UsbStream *s = user_data;

  g_mutex_lock (&s->lock);
  if (s->paused)
    s->starved = TRUE;
  else
    usb_push_next (s, appsrc);
  g_mutex_unlock (&s->lock);
}

/* Stops the stream after the frame being sent; returns the frames sent. */
static guint
usb_pause (UsbStream *s)
{
  guint sent;

  g_mutex_lock (&s->lock);
  s->paused = TRUE;
  sent = s->sent->len;
  g_mutex_unlock (&s->lock);
  return sent;
}

static void
usb_resume (UsbStream *s, GstElement *appsrc)
{
  g_mutex_lock (&s->lock);
  s->paused = FALSE;
  if (s->starved)
    usb_push_next (s, GST_APP_SRC (appsrc));
  s->starved = FALSE;
  g_mutex_unlock (&s->lock);
}

static GstPadProbeReturn
usb_reached (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  UsbStream *s = user_data;

  g_mutex_lock (&s->lock);
  s->reached = GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info)) + 1;
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

/* In the thread that posts it: when the port is back, every frame that has
 * not reached serialsink yet is written whole afterwards. (For serialsink
 * on the adapter, the frame it was writing when the port went is lost.) */
static GstBusSyncReply
usb_bus_sync (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  UsbStream *s = user_data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
      GST_MESSAGE_SRC (msg) == GST_OBJECT (s->watched) &&
      gst_structure_has_name (gst_message_get_structure (msg),
          "serial-port-restored")) {
    g_mutex_lock (&s->lock);
    s->first_after = s->reached;
    g_mutex_unlock (&s->lock);
  }
  return GST_BUS_PASS;
}

/* Pops the element message @name of the element on the adapter from @bus,
 * with the port's path; fails on an error. Returns the warnings passed on
 * the way, which must be of @code. */
static guint
expect_port_message (GstBus *bus, const gchar *name, gint code)
{
  guint warnings = 0;

  for (;;) {
    GstMessage *msg =
        gst_bus_timed_pop_filtered (bus, USB_TIMEOUT * GST_USECOND,
            GST_MESSAGE_ELEMENT | GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
    const GstStructure *st;
    GError *err = NULL;
    gchar *debug = NULL;

    fail_unless (msg != NULL, "no %s message", name);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:
        gst_message_parse_error (msg, &err, &debug);
        fail ("error instead of %s: %s (%s)", name, err->message,
            GST_STR_NULL (debug));
        break;
      case GST_MESSAGE_WARNING:
        gst_message_parse_warning (msg, &err, NULL);
        fail_unless (err->domain == GST_RESOURCE_ERROR && err->code == code,
            "warning: %s", err->message);
        g_error_free (err);
        warnings++;
        break;
      default:
        st = gst_message_get_structure (msg);
        if (gst_structure_has_name (st, name)) {
          fail_unless_equals_string (gst_structure_get_string (st, "port"),
              USB_PORT);
          gst_message_unref (msg);
          return warnings;
        }
        break;
    }
    gst_message_unref (msg);
  }
}

/* Waits until a frame numbered @seq or later has arrived. */
static void
wait_frame (TestReceived *r, guint seq)
{
  gint64 deadline = g_get_monotonic_time () + USB_TIMEOUT;
  gboolean done = FALSE;

  g_mutex_lock (&r->lock);
  while (!done) {
    done = r->buffers->len > 0 &&
        frame_seq (g_ptr_array_index (r->buffers, r->buffers->len - 1)) !=
            G_MAXUINT &&
        frame_seq (g_ptr_array_index (r->buffers, r->buffers->len - 1)) >= seq;
    if (!done && !g_cond_wait_until (&r->cond, &r->lock, deadline))
      break;
  }
  g_mutex_unlock (&r->lock);
  fail_unless (done, "frame %u did not arrive", seq);
}

/* Waits for the EOS of @pipe; nothing may come before it but element
 * messages other than a port lost or back. */
static void
wait_eos_quiet (GstElement *pipe)
{
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  GstMessage *msg;

  for (;;) {
    msg = gst_bus_timed_pop_filtered (bus, USB_TIMEOUT * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING |
            GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL, "no EOS on %s", GST_ELEMENT_NAME (pipe));
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
      break;
    fail_if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT ||
            g_str_has_prefix (gst_structure_get_name (
                                  gst_message_get_structure (msg)),
                "serial-port-"),
        "%s before the EOS: %" GST_PTR_FORMAT, GST_MESSAGE_TYPE_NAME (msg),
        msg);
    gst_message_unref (msg);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
}

#define USB_BEFORE 3 /* frames through before the unplug */
#define USB_AFTER 5  /* frames sent after the port is back */
#define USB_POOL 8

/* Every frame that arrived is one that was sent, byte for byte, in order;
 * the first USB_BEFORE and every one from @first_after on arrived. Returns
 * the frames lost. */
static guint
check_frames (TestReceived *r, GPtrArray *sent, guint first_after)
{
  guint i, seq, prev = 0, after = 0;

  fail_unless (r->buffers->len >= USB_BEFORE);
  for (i = 0; i < r->buffers->len; i++) {
    GstBuffer *got = g_ptr_array_index (r->buffers, i);
    GstMapInfo a, b;

    seq = frame_seq (got);
    fail_unless (seq < sent->len, "frame %u: not one sent", i);
    fail_unless (i == 0 || seq > prev, "frame %u after %u", seq, prev);
    if (i < USB_BEFORE)
      fail_unless_equals_int (seq, i);
    fail_unless (gst_buffer_map (got, &a, GST_MAP_READ));
    fail_unless (gst_buffer_map (sent->pdata[seq], &b, GST_MAP_READ));
    fail_unless (a.size == b.size && memcmp (a.data, b.data, a.size) == 0,
        "frame %u differs from the one sent", seq);
    gst_buffer_unmap (got, &a);
    gst_buffer_unmap (sent->pdata[seq], &b);
    if (seq >= first_after)
      after++;
    prev = seq;
  }
  fail_unless (after == sent->len - first_after,
      "%u of the %u frames sent after the port was back arrived", after,
      sent->len - first_after);
  return sent->len - r->buffers->len;
}

/* A JPEG stream through the FTDI adapter, which is unplugged and plugged
 * back: with reconnect=true the element on it (serialsink, then serialsrc)
 * says the port was lost and is back, the stream goes on, and every frame
 * sent after it is back arrives intact, up to the EOS.
 *
 * serialsink on the adapter is unplugged mid-stream, while it writes. At
 * 115200 baud, which it paces to on an FTDI adapter: QEMU's usb-serial
 * hands what the guest writes to ttyS3 holding the emulator's lock, and a
 * burst faster than ttyS3 drains stops the whole guest.
 *
 * serialsrc on the adapter is unplugged while it waits for data, the
 * sender paused once all it sent has arrived, and the sender goes on once
 * the port is back. Bytes arriving while the element opens the new tty,
 * before it has made the port raw, are echoed back to ttyS3 by the tty's
 * default ECHO, byte by byte, and a few hundred such writes stop the guest
 * as above. */
GST_START_TEST (test_usb_unplug)
{
  gboolean sink_side = __i__ == 0;
  const gchar *side = sink_side ? "serialsink" : "serialsrc";
  UsbStream s = { 0 };
  GstElement *rx, *tx, *appsrc, *sink, *src;
  GstStructure *stats, *sink_stats;
  GstBus *bus;
  GstPad *pad;
  TestReceived r;
  gchar *desc;
  guint lost;
  gint64 t0, t_lost, t_back;
  Qmp *q = qmp_open ();

  usb_ensure_plugged (q);
  g_mutex_init (&s.lock);
  s.pool = encode_jpegs (USB_POOL);
  s.sent = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);

  rx = test_make_receiver (sink_side ? USB_PEER : USB_PORT, "native", &r);
  desc = g_strdup_printf ("appsrc name=appsrc "
                          "caps=image/jpeg,width=160,height=120,framerate=0/1 "
                          "! serialsink name=sink port=%s",
      sink_side ? USB_PORT : USB_PEER);
  tx = launch (desc);
  appsrc = gst_bin_get_by_name (GST_BIN (tx), "appsrc");
  sink = gst_bin_get_by_name (GST_BIN (tx), "sink");
  src = gst_bin_get_by_name (GST_BIN (rx), "src");
  s.watched = sink_side ? sink : src;
  g_object_set (s.watched, "reconnect", TRUE, NULL);
  g_signal_connect (appsrc, "need-data", G_CALLBACK (usb_need_data), &s);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, usb_reached, &s, NULL);
  gst_object_unref (pad);
  bus = gst_pipeline_get_bus (GST_PIPELINE (sink_side ? tx : rx));
  gst_bus_set_sync_handler (bus, usb_bus_sync, &s, NULL);

  start_receiver (rx);
  fail_if (gst_element_set_state (tx, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  wait_frame (&r, USB_BEFORE - 1);
  /* serialsrc on the adapter: the line goes quiet first, see above. */
  if (!sink_side)
    wait_frame (&r, usb_pause (&s) - 1);

  t0 = g_get_monotonic_time ();
  usb_unplug (q);
  fail_unless_equals_int (expect_port_message (bus, "serial-port-lost",
                              sink_side ? GST_RESOURCE_ERROR_WRITE
                                        : GST_RESOURCE_ERROR_READ),
      1);
  t_lost = g_get_monotonic_time ();
  usb_plug (q);
  fail_unless_equals_int (expect_port_message (bus, "serial-port-restored", 0),
      0);
  t_back = g_get_monotonic_time ();
  usb_resume (&s, appsrc);

  g_mutex_lock (&s.lock);
  fail_unless (s.first_after > 0);
  g_mutex_unlock (&s.lock);
  wait_frame (&r, s.first_after + USB_AFTER - 1);
  g_mutex_lock (&s.lock);
  s.stop = TRUE;
  g_mutex_unlock (&s.lock);
  /* The sender's EOS reaches the receiver over the line. */
  wait_eos_quiet (tx);
  wait_eos_quiet (rx);
  fail_unless (r.eos);
  stats = test_link_stats (rx, "src");
  sink_stats = test_link_stats (tx, "sink");
  stop (tx);
  stop (rx);

  /* What did not arrive is what serialsrc counts as lost from the
   * packets' sequence numbers (the frame serialsink was writing when the
   * unplug cut it off keeps its number), plus what serialsink dropped while
   * its port was away: nothing with serialsrc on the adapter, whose line
   * was quiet. */
  lost = check_frames (&r, s.sent, s.first_after);
  fail_unless_equals_int (lost,
      test_stat (stats, "lost-frames") +
          test_stat (sink_stats, "frames-dropped"));
  if (!sink_side)
    fail_unless_equals_int (lost, 0);
  /* serialsink counts as sent only the frames that went out whole. */
  fail_unless_equals_int (test_stat (sink_stats, "frames-sent"),
      r.buffers->len);
  fail_unless (r.caps != NULL &&
      gst_structure_has_name (gst_caps_get_structure (r.caps, 0),
          "image/jpeg"));
  g_print ("usb unplug, %s on the adapter: port lost %.1f s after "
           "device_del, back %.1f s after device_add; %u frames sent, "
           "%u lost, %" G_GUINT64_FORMAT " counted lost by serialsrc\n",
      side, (t_lost - t0) / 1e6, (t_back - t_lost) / 1e6, s.sent->len, lost,
      test_stat (stats, "lost-frames"));

  gst_structure_free (stats);
  gst_structure_free (sink_stats);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (appsrc);
  gst_object_unref (sink);
  gst_object_unref (src);
  g_free (desc);
  g_ptr_array_unref (s.sent);
  g_ptr_array_unref (s.pool);
  g_mutex_clear (&s.lock);
  test_received_clear (&r);
  qmp_close (q);
}

GST_END_TEST;

static Suite *
hilguest_suite (void)
{
  Suite *s = suite_create ("hilguest");
  TCase *tc = tcase_create ("real-drivers");

  /* Emulated CPU: a transfer of 1 MiB takes about 12 s. */
  tcase_set_timeout (tc, 180);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_enumeration);
  tcase_add_test (tc, test_device_provider);
  tcase_add_test (tc, test_device_monitor);
  tcase_add_test (tc, test_device_monitor_tool);
  tcase_add_loop_test (tc, test_port_config, 0,
      G_N_ELEMENTS (rates) * G_N_ELEMENTS (flows));
  tcase_add_test (tc, test_stale_crtscts_cleared);
  tcase_add_loop_test (tc, test_rate_not_applied, 0, 2);
  tcase_add_test (tc, test_busy);
  tcase_add_test (tc, test_raw_1mib);
  tcase_add_test (tc, test_native_jpeg);
  tcase_add_test (tc, test_camera_pipeline);
  tcase_add_test (tc, test_camera_scripts);
  tcase_add_test (tc, test_device_hotplug);

  /* Only in a guest with the USB-serial adapter (scripts/guest-run.sh
   * --usb): the meson tests pick the test case with CK_RUN_CASE. */
  tc = tcase_create ("usb-serial");
  tcase_set_timeout (tc, 180);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_usb_enumeration);
  tcase_add_loop_test (tc, test_usb_unplug, 0, 2);
  return s;
}

int
main (int argc, char **argv)
{
  /* Never on the host: its ttyS1 and ttyS2 are not ours, and its ttyS0 may
   * be the machine's console. */
  if (g_strcmp0 (g_getenv ("HIL_GUEST"), "1") != 0) {
    g_printerr ("%s runs in the HIL guest only: "
                "scripts/guest-run.sh --camera -- %s\n",
        argv[0], argv[0]);
    return 77;
  }
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (hilguest_suite (), "hilguest", __FILE__);
}
