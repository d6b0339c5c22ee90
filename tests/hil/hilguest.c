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
#include <gst/app/gstappsrc.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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
  GstElement *holder =
      start_lone ("serialsink port=" PORT_TX " baud-rate=57600");
  gchar *link = g_build_filename (g_get_tmp_dir (), "hil-serial-link", NULL);
  gchar *text, *desc;
  guint speed = 0;
  int fd;

  text = expect_start_error ("serialsink port=" PORT_TX " baud-rate=9600",
      GST_RESOURCE_ERROR_BUSY);
  fail_unless (strstr (text, PORT_TX) != NULL, "%s", text);
  g_free (text);
  g_free (
      expect_start_error ("serialsrc port=" PORT_TX, GST_RESOURCE_ERROR_BUSY));

  g_unlink (link);
  fail_unless (symlink (PORT_TX, link) == 0);
  desc = g_strdup_printf ("serialsrc port=%s", link);
  g_free (expect_start_error (desc, GST_RESOURCE_ERROR_BUSY));

  fd = open_peek (PORT_TX);
  fail_unless (gst_serial_termios2_get_speed (fd, &speed) == 0);
  close (fd);
  fail_unless_equals_int (speed, 57600);

  /* Free again once the first user is gone. */
  stop (holder);
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
