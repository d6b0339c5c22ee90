/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: every error a user can meet comes with the right domain
 * and code on the bus, and nothing hangs.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static const gchar *element_names[] = { "serialsink", "serialsrc" };

/* Starts a lone element (in a pipeline, for the bus) with properties given
 * as gst-launch-1.0 arguments, and expects the state change to fail with
 * the given error. Returns the error text. */
static gchar *
expect_start_error (const gchar *element, const gchar *props, GQuark domain,
    gint code)
{
  gchar *desc = g_strdup_printf ("%s %s", element, props);
  GstElement *el = gst_parse_launch (desc, NULL);
  GstElement *pipe = gst_pipeline_new (NULL);
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  gchar *text;

  gst_bin_add (GST_BIN (pipe), el);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  text = test_expect_error (bus, domain, code);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  return text;
}

GST_START_TEST (test_port_not_set)
{
  gchar *text = expect_start_error (element_names[__i__], "",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);

  fail_unless (strstr (text, "Set the 'port' property") != NULL, "%s", text);
  /* Followed by the ports found, or by the fact that none were found. */
  fail_unless (strstr (text, "Serial ports found: /dev/") != NULL ||
          strstr (text, "No serial ports were found") != NULL,
      "%s", text);
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_port_does_not_exist)
{
  gchar *text =
      expect_start_error (element_names[__i__], "port=/dev/ttyDOESNOTEXIST0",
          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);

  fail_unless (strstr (text, "/dev/ttyDOESNOTEXIST0") != NULL, "%s", text);
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_not_a_serial_port)
{
  gchar *text = expect_start_error (element_names[__i__], "port=/dev/null",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);

  fail_unless (strstr (text, "not a serial port") != NULL, "%s", text);
  g_free (text);
}

GST_END_TEST;

/* Root may open anything, so the check runs as 'nobody' in a child. */
GST_START_TEST (test_permission_denied)
{
  TestPty pty;
  pid_t pid;
  int status;

  test_pty_open (&pty);
  fail_unless (chmod (pty.path, 0600) == 0);

  pid = fork ();
  fail_if (pid < 0);
  if (pid == 0) {
    gchar *props = g_strdup_printf ("port=%s", pty.path);
    gchar *text;
    gboolean hint;

    if (getuid () == 0 && (setgid (65534) != 0 || setuid (65534) != 0))
      _exit (2);
    text = expect_start_error (element_names[__i__], props, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_READ_WRITE);
    hint = strstr (text, "dialout") != NULL;
    g_free (text);
    g_free (props);
    _exit (hint ? 0 : 3);
  }
  fail_unless (waitpid (pid, &status, 0) == pid);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
      "child failed with status 0x%x", status);
  test_pty_close (&pty);
}

GST_END_TEST;

/* A port open in another process gets BUSY instead of interleaving
 * bytes; the other process is undisturbed. (In one process, elements share
 * a port: serialshare.) */
GST_START_TEST (test_port_busy)
{
  GstElement *holder;
  int ready[2], quit[2], status;
  TestPty pty;
  gchar *props, byte;
  guint i;
  pid_t pid;

  test_pty_open (&pty);
  fail_unless (pipe (ready) == 0 && pipe (quit) == 0);
  pid = fork ();
  fail_if (pid < 0);
  if (pid == 0) {
    close (quit[1]);
    holder = gst_element_factory_make ("serialsink", NULL);
    g_object_set (holder, "port", pty.path, NULL);
    if (gst_element_set_state (holder, GST_STATE_PAUSED) ==
        GST_STATE_CHANGE_FAILURE)
      _exit (2);
    if (write (ready[1], "r", 1) != 1 || read (quit[0], &byte, 1) < 0)
      _exit (3);
    gst_element_set_state (holder, GST_STATE_NULL);
    _exit (0);
  }
  fail_unless_equals_int (read (ready[0], &byte, 1), 1);

  props = g_strdup_printf ("port=%s", pty.path);
  for (i = 0; i < G_N_ELEMENTS (element_names); i++)
    g_free (expect_start_error (element_names[i], props, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_BUSY));

  /* Once the other process closed it, the port can be opened again. */
  close (quit[1]);
  fail_unless (waitpid (pid, &status, 0) == pid);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
      "child failed with status 0x%x", status);
  holder = gst_element_factory_make ("serialsink", NULL);
  g_object_set (holder, "port", pty.path, NULL);
  fail_if (gst_element_set_state (holder, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (holder, GST_STATE_NULL);

  gst_object_unref (holder);
  close (ready[0]);
  close (ready[1]);
  close (quit[0]);
  g_free (props);
  test_pty_close (&pty);
}

GST_END_TEST;

GST_START_TEST (test_setting_refused)
{
  TestPty pty;
  gchar *props, *text;

  test_pty_open (&pty);
  props = g_strdup_printf ("port=%s flow-control=dtr-dsr", pty.path);
  text = expect_start_error (element_names[__i__], props, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_SETTINGS);
  fail_unless (strstr (text, "dtr-dsr") != NULL, "%s", text);
  g_free (text);
  g_free (props);

  props = g_strdup_printf ("port=%s flow-control=rts-cts rts=on", pty.path);
  text = expect_start_error (element_names[__i__], props, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_SETTINGS);
  fail_unless (strstr (text, "rts") != NULL, "%s", text);
  g_free (text);
  g_free (props);
  test_pty_close (&pty);
}

GST_END_TEST;

/* The other end of the pty goes away while serialsrc waits for data: one
 * READ error, then the pipeline can be stopped. */
GST_START_TEST (test_src_port_vanishes)
{
  GstElement *pipe;
  GstBus *bus;
  TestPty pty;
  gchar *desc, *text;

  test_pty_open (&pty);
  desc = g_strdup_printf ("serialsrc port=%s ! fakesink", pty.path);
  pipe = gst_parse_launch (desc, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  test_pty_close (&pty);
  text = test_expect_error (bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ);
  fail_unless (strstr (text, "disconnected") != NULL, "%s", text);

  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_count_errors (bus, GST_RESOURCE_ERROR), 0);

  g_free (text);
  g_free (desc);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* The same for serialsink: its next write fails with one WRITE error. */
GST_START_TEST (test_sink_port_vanishes)
{
  GstElement *pipe, *appsrc, *sink;
  GstBus *bus;
  TestPty pty;
  gchar *text;

  test_pty_open (&pty);
  pipe = gst_pipeline_new (NULL);
  appsrc = gst_element_factory_make ("appsrc", NULL);
  sink = gst_element_factory_make ("serialsink", NULL);
  g_object_set (sink, "port", pty.path, NULL);
  gst_bin_add_many (GST_BIN (pipe), appsrc, sink, NULL);
  fail_unless (gst_element_link (appsrc, sink));
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  test_pty_close (&pty);
  gst_app_src_push_buffer (GST_APP_SRC (appsrc),
      gst_buffer_new_wrapped (g_strdup ("hello"), 5));
  text = test_expect_error (bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE);
  fail_unless (strstr (text, "disconnected") != NULL, "%s", text);

  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (test_count_errors (bus, GST_RESOURCE_ERROR), 0);

  g_free (text);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Pops the holder warning from @bus and checks it is RESOURCE SETTINGS
 * mentioning @text. */
static void
expect_settings_warning (GstBus *bus, const gchar *text)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  GError *err = NULL;

  fail_unless (msg != NULL);
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (
      g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (err->message, text) != NULL, "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
}

/* Starts a lone element with @props as gst-launch-1.0 arguments on a pty
 * and checks the warning it posts. */
static void
check_start_warning (const gchar *element, const gchar *props,
    const gchar *text)
{
  GstElement *pipe = gst_pipeline_new (NULL);
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
  GstElement *el;
  TestPty pty;
  gchar *desc;

  test_pty_open (&pty);
  desc = g_strdup_printf ("%s port=%s %s", element, pty.path, props);
  el = gst_parse_launch (desc, NULL);
  gst_bin_add (GST_BIN (pipe), el);
  fail_if (gst_element_set_state (pipe, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  expect_settings_warning (bus, text);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  test_pty_close (&pty);
  g_free (desc);
}

/* XON/XOFF flow control would eat 0x11/0x13 bytes of unescaped framings. */
GST_START_TEST (test_xon_xoff_warning)
{
  check_start_warning (element_names[__i__],
      "framing=raw flow-control=xon-xoff", "xon-xoff");
  check_start_warning (element_names[__i__],
      "framing=slip flow-control=xon-xoff", "xon-xoff");
}

GST_END_TEST;

/* A pty has no character format: asking for one is not an error, but the
 * user is told that it has no effect. */
GST_START_TEST (test_pty_character_format_warning)
{
  check_start_warning (element_names[__i__], "data-bits=7", "pseudo-terminal");
  check_start_warning (element_names[__i__], "parity=even", "pseudo-terminal");
}

GST_END_TEST;

/* Out-of-range and malformed property values are refused with a warning
 * or a parse error, never a crash, and leave the old value. */
GST_START_TEST (test_hostile_properties)
{
  /* Values of the right type out of range: GObject warns and keeps the
   * value; malformed values: the parser fails. */
  const gchar *out_of_range[] = {
    "baud-rate=0",
    "baud-rate=10",
    "data-bits=4",
    "data-bits=9",
    "stop-bits=3",
    "stats-interval=4294967295",
    "baud-rate=-5",
  };
  const gchar *malformed[] = {
    "parity=sometimes",
    "flow-control=yes",
    "dtr=maybe",
    "framing=morse",
    "baud-rate=fast",
    "hangup-on-close=perhaps",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (out_of_range); i++) {
    gchar *desc = g_strdup_printf ("%s name=el %s", element_names[__i__],
        out_of_range[i]);
    GstElement *el = NULL;
    guint baud, bits, stop;

    ASSERT_WARNING (el = gst_parse_launch (desc, NULL));
    fail_unless (el != NULL);
    g_object_get (el, "baud-rate", &baud, "data-bits", &bits, "stop-bits",
        &stop, NULL);
    fail_unless (baud == 115200 && bits == 8 && stop == 1, "%s", desc);
    gst_object_unref (el);
    g_free (desc);
  }

  for (i = 0; i < G_N_ELEMENTS (malformed); i++) {
    gchar *desc = g_strdup_printf ("%s %s", element_names[__i__], malformed[i]);
    GError *err = NULL;
    GstElement *parsed =
        gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);

    fail_unless (parsed == NULL && err != NULL, "%s was accepted", desc);
    g_clear_error (&err);
    g_free (desc);
  }
}

GST_END_TEST;

/* A port path that no system would take, very long or full of control
 * characters, is an error like any missing port. */
GST_START_TEST (test_hostile_port_paths)
{
  gchar *long_path = g_strnfill (8192, 'x'), *props, *text;

  props = g_strdup_printf ("port=/dev/%s", long_path);
  text = expect_start_error (element_names[__i__], props, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_READ_WRITE);
  g_free (text);
  g_free (props);
  text = expect_start_error (element_names[__i__], "port=\"/dev/tty\\x01%s%n\"",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
  g_free (text);
  g_free (long_path);
}

GST_END_TEST;

static int
lowest_free_fd (void)
{
  int fd = dup (0);

  close (fd);
  return fd;
}

/* Defect: gst_poll_new() failing (no descriptor left) was not checked, and
 * the element went on with no poll. With the limit of open files right at
 * each point of the start, the start succeeds or fails with a clean error,
 * and leaves no descriptor open. */
GST_START_TEST (test_out_of_descriptors)
{
  struct rlimit old, low;
  gchar *desc;
  TestPty pty;
  guint extra, started = 0;
  int probe;

  test_pty_open (&pty);
  desc = g_strdup_printf ("%s port=%s", element_names[__i__], pty.path);
  fail_unless (getrlimit (RLIMIT_NOFILE, &old) == 0);
  for (extra = 1; extra <= 12; extra++) {
    int free_before = lowest_free_fd ();
    GstElement *pipe = gst_pipeline_new (NULL);
    GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipe));
    GstStateChangeReturn ret;

    gst_bin_add (GST_BIN (pipe), gst_parse_launch (desc, NULL));
    /* Descriptors are numbered from the lowest free one. */
    probe = lowest_free_fd ();
    low = old;
    low.rlim_cur = probe + extra;
    fail_unless (setrlimit (RLIMIT_NOFILE, &low) == 0);
    ret = gst_element_set_state (pipe, GST_STATE_PAUSED);
    fail_unless (setrlimit (RLIMIT_NOFILE, &old) == 0);

    if (ret == GST_STATE_CHANGE_FAILURE)
      g_free (test_expect_error (bus, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ_WRITE));
    else
      started++;
    fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (bus);
    gst_object_unref (pipe);
    fail_unless_equals_int (lowest_free_fd (), free_before);
  }
  /* The last limits leave room for everything. */
  fail_unless (started > 0);

  test_pty_close (&pty);
  g_free (desc);
}

GST_END_TEST;

static Suite *
serialerrors_suite (void)
{
  Suite *s = suite_create ("serialerrors");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_port_not_set, 0, 2);
  tcase_add_loop_test (tc, test_port_does_not_exist, 0, 2);
  tcase_add_loop_test (tc, test_not_a_serial_port, 0, 2);
  tcase_add_loop_test (tc, test_permission_denied, 0, 2);
  tcase_add_test (tc, test_port_busy);
  tcase_add_loop_test (tc, test_setting_refused, 0, 2);
  tcase_add_loop_test (tc, test_pty_character_format_warning, 0, 2);
  tcase_add_loop_test (tc, test_xon_xoff_warning, 0, 2);
  tcase_add_loop_test (tc, test_hostile_properties, 0, 2);
  tcase_add_loop_test (tc, test_hostile_port_paths, 0, 2);
  tcase_add_test (tc, test_src_port_vanishes);
  tcase_add_test (tc, test_sink_port_vanishes);
  tcase_add_loop_test (tc, test_out_of_descriptors, 0, 2);
  return s;
}

TEST_CHECK_MAIN (serialerrors);
