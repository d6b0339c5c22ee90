/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: properties of serialsink and serialsrc, and that they
 * take effect on the opened port.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include <gst/base/gstbasesrc.h>

#include <termios.h>

#include "testutil.h"
#include "gstserialtermios2.h"

static const gchar *element_names[] = { "serialsink", "serialsrc" };

GST_START_TEST (test_defaults)
{
  GstElement *el = gst_element_factory_make (element_names[__i__], NULL);
  gchar *port = (gchar *) "unset";
  guint baud, data_bits, stop_bits;
  gint parity, flow, dtr, rts;
  gboolean hupcl;

  fail_unless (el != NULL);
  g_object_get (el, "port", &port, "baud-rate", &baud, "data-bits", &data_bits,
      "parity", &parity, "stop-bits", &stop_bits, "flow-control", &flow, "dtr",
      &dtr, "rts", &rts, "hangup-on-close", &hupcl, NULL);
  fail_unless (port == NULL);
  fail_unless_equals_int (baud, 115200);
  fail_unless_equals_int (data_bits, 8);
  fail_unless_equals_int (parity, 0);
  fail_unless_equals_int (stop_bits, 1);
  fail_unless_equals_int (flow, 0);
  fail_unless_equals_int (dtr, 0);
  fail_unless_equals_int (rts, 0);
  fail_unless (hupcl);
  gst_object_unref (el);
}

GST_END_TEST;

GST_START_TEST (test_element_defaults)
{
  GstElement *sink = gst_element_factory_make ("serialsink", NULL);
  GstElement *src = gst_element_factory_make ("serialsrc", NULL);
  gboolean sync, do_ts;
  GstCaps *caps = NULL;

  guint fragment_size, caps_interval;
  gdouble caps_budget;
  gboolean sender_time;

  g_object_get (sink, "sync", &sync, "fragment-size", &fragment_size,
      "caps-interval", &caps_interval, "caps-budget", &caps_budget,
      "sender-time", &sender_time, NULL);
  fail_if (sync);
  fail_unless_equals_int (fragment_size, 0);
  fail_unless_equals_int (caps_interval, 1000);
  fail_unless_equals_float (caps_budget, 0.5);
  fail_if (sender_time);
  g_object_get (src, "do-timestamp", &do_ts, "caps", &caps, NULL);
  fail_unless (do_ts);
  fail_unless (caps == NULL);
  fail_unless (gst_base_src_is_live (GST_BASE_SRC (src)));
  gst_object_unref (sink);
  gst_object_unref (src);
}

GST_END_TEST;

static void
check_uint_range (GObjectClass *klass, const gchar *name, guint min, guint max)
{
  GParamSpecUInt *pspec =
      G_PARAM_SPEC_UINT (g_object_class_find_property (klass, name));

  fail_unless_equals_int (pspec->minimum, min);
  fail_unless_equals_int (pspec->maximum, max);
  fail_unless (pspec->parent_instance.flags & GST_PARAM_MUTABLE_READY);
}

static void
check_enum_nicks (GObjectClass *klass, const gchar *name, const gchar **nicks)
{
  GParamSpec *pspec = g_object_class_find_property (klass, name);
  GEnumClass *eclass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
  guint i;

  for (i = 0; nicks[i]; i++) {
    GEnumValue *v = g_enum_get_value_by_nick (eclass, nicks[i]);

    fail_unless (v != NULL, "%s has no value %s", name, nicks[i]);
    fail_unless_equals_int (v->value, i);
  }
  fail_unless_equals_int (eclass->n_values, i);
}

GST_START_TEST (test_ranges_and_enums)
{
  GstElement *el = gst_element_factory_make (element_names[__i__], NULL);
  GObjectClass *klass = G_OBJECT_GET_CLASS (el);
  const gchar *parity[] = { "none", "odd", "even", "mark", "space", NULL };
  const gchar *flow[] = { "none", "xon-xoff", "rts-cts", "dtr-dsr", NULL };
  const gchar *line[] = { "keep", "on", "off", NULL };

  check_uint_range (klass, "data-bits", 5, 8);
  check_uint_range (klass, "stop-bits", 1, 2);
  check_uint_range (klass, "baud-rate", 50, G_MAXINT32);
  check_enum_nicks (klass, "parity", parity);
  check_enum_nicks (klass, "flow-control", flow);
  check_enum_nicks (klass, "dtr", line);
  check_enum_nicks (klass, "rts", line);

  /* gst-launch-1.0 style: values by nick, out of range refused. */
  gst_util_set_object_arg (G_OBJECT (el), "parity", "mark");
  gst_util_set_object_arg (G_OBJECT (el), "flow-control", "rts-cts");
  {
    gint p, f;

    g_object_get (el, "parity", &p, "flow-control", &f, NULL);
    fail_unless_equals_int (p, 3);
    fail_unless_equals_int (f, 2);
  }
  ASSERT_WARNING (g_object_set (el, "data-bits", 9, NULL));
  gst_object_unref (el);
}

GST_END_TEST;

typedef struct {
  guint baud;
  guint data_bits;
  const gchar *parity;
  guint stop_bits;
  const gchar *flow;
  gboolean hupcl;
} PortCase;

static const PortCase port_cases[] = {
  { 9600, 8, "none", 1, "none", TRUE },
  { 57600, 7, "even", 1, "xon-xoff", TRUE },
  { 115200, 8, "odd", 2, "rts-cts", FALSE },
  { 250000, 6, "mark", 1, "none", TRUE },
  { 921600, 5, "space", 2, "none", FALSE },
  { 3000000, 8, "none", 1, "rts-cts", TRUE },
};

static void
check_termios (int fd, const PortCase *c)
{
  struct termios t;
  guint rate = 0;
  tcflag_t parity = 0;

  fail_unless (tcgetattr (fd, &t) == 0);
  fail_unless (gst_serial_termios2_get_speed (fd, &rate) == 0);
  fail_unless_equals_int (rate, c->baud);
  /* Linux's pty driver forces 8 bits without parity (PARENB); the odd and
   * mark/space bits it keeps show what was asked. */
  fail_unless_equals_int (t.c_cflag & CSIZE, CS8);

  if (g_str_equal (c->parity, "odd"))
    parity = PARENB | PARODD;
  else if (g_str_equal (c->parity, "even"))
    parity = PARENB;
  else if (g_str_equal (c->parity, "mark"))
    parity = PARENB | PARODD | CMSPAR;
  else if (g_str_equal (c->parity, "space"))
    parity = PARENB | CMSPAR;
  fail_unless_equals_int (t.c_cflag & (PARODD | CMSPAR), parity & ~PARENB);
  fail_if (t.c_cflag & PARENB);

  fail_unless_equals_int (!!(t.c_cflag & CSTOPB), c->stop_bits == 2);
  fail_unless_equals_int (!!(t.c_cflag & CRTSCTS),
      g_str_equal (c->flow, "rts-cts"));
  fail_unless_equals_int (t.c_iflag & (IXON | IXOFF),
      g_str_equal (c->flow, "xon-xoff") ? (IXON | IXOFF) : 0);
  fail_unless_equals_int (!!(t.c_cflag & HUPCL), c->hupcl);

  /* Raw mode. */
  fail_unless (t.c_cflag & CREAD);
  fail_unless (t.c_cflag & CLOCAL);
  fail_if (t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN));
  fail_if (t.c_iflag & (ICRNL | INLCR | IGNCR | ISTRIP | BRKINT));
  fail_if (t.c_oflag & OPOST);
  fail_unless_equals_int (t.c_cc[VMIN], 1);
  fail_unless_equals_int (t.c_cc[VTIME], 0);
  /* The characters the native framing escapes, whatever the terminal had
   * (the test's ptys start with none). */
  if (g_str_equal (c->flow, "xon-xoff")) {
    fail_unless_equals_int (t.c_cc[VSTART], 0x11);
    fail_unless_equals_int (t.c_cc[VSTOP], 0x13);
  }
}

/* Each element applies each case to a pty; the test reads the settings back
 * through its own descriptor of the same terminal. */
GST_START_TEST (test_settings_applied)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (port_cases); i++) {
    const PortCase *c = &port_cases[i];
    GstElement *el = gst_element_factory_make (element_names[__i__], NULL);
    GstStateChangeReturn ret;
    TestPty pty;

    test_pty_open (&pty);
    g_object_set (el, "port", pty.path, "baud-rate", c->baud, "data-bits",
        c->data_bits, "stop-bits", c->stop_bits, "hangup-on-close", c->hupcl,
        NULL);
    gst_util_set_object_arg (G_OBJECT (el), "parity", c->parity);
    gst_util_set_object_arg (G_OBJECT (el), "flow-control", c->flow);

    ret = gst_element_set_state (el, GST_STATE_PAUSED);
    fail_if (ret == GST_STATE_CHANGE_FAILURE, "case %u failed", i);
    check_termios (pty.slave, c);

    fail_unless_equals_int (gst_element_set_state (el, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (el);
    test_pty_close (&pty);
  }
}

GST_END_TEST;

/* Settings apply when the port opens; a change while it is open is refused
 * with a warning and leaves the value alone. */
GST_START_TEST (test_change_while_open)
{
  GstElement *el = gst_element_factory_make (element_names[__i__], NULL);
  TestPty pty;
  guint baud;
  gchar *port;

  test_pty_open (&pty);
  g_object_set (el, "port", pty.path, NULL);
  fail_if (
      gst_element_set_state (el, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);

  ASSERT_WARNING (g_object_set (el, "baud-rate", 9600, NULL));
  ASSERT_WARNING (g_object_set (el, "port", "/dev/null", NULL));
  g_object_get (el, "baud-rate", &baud, "port", &port, NULL);
  fail_unless_equals_int (baud, 115200);
  fail_unless_equals_string (port, pty.path);
  g_free (port);

  /* Back in READY the port is closed and settings can change. */
  fail_unless_equals_int (gst_element_set_state (el, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_set (el, "baud-rate", 9600, NULL);
  g_object_get (el, "baud-rate", &baud, NULL);
  fail_unless_equals_int (baud, 9600);

  gst_element_set_state (el, GST_STATE_NULL);
  gst_object_unref (el);
  test_pty_close (&pty);
}

GST_END_TEST;

GST_START_TEST (test_src_caps_property)
{
  GstElement *src = gst_element_factory_make ("serialsrc", NULL);
  GstCaps *caps = gst_caps_from_string ("image/jpeg"), *got, *query;
  GstPad *pad = gst_element_get_static_pad (src, "src");

  query = gst_pad_query_caps (pad, NULL);
  fail_unless (gst_caps_is_any (query));
  gst_caps_unref (query);

  g_object_set (src, "caps", caps, NULL);
  g_object_get (src, "caps", &got, NULL);
  fail_unless (gst_caps_is_equal (got, caps));
  query = gst_pad_query_caps (pad, NULL);
  fail_unless (gst_caps_is_equal (query, caps));

  gst_caps_unref (query);
  gst_caps_unref (got);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (src);
}

GST_END_TEST;

/* Defect: with raw framing and no caps, serialsrc pushes its segment with
 * no caps event; caps set while it streamed went out after the segment
 * ("Sticky event misordering" from GStreamer, caps that need not be fixed
 * on the pad). Like the other settings they are refused from start to
 * stop, and the stream goes on as it was. */
GST_START_TEST (test_src_caps_change_while_streaming)
{
  const guint8 bytes[] = "0123456789";
  GstElement *receiver, *src;
  GstCaps *caps;
  TestReceived r;
  TestPty pty;

  test_pty_open (&pty);
  receiver = test_make_receiver (pty.path, "raw", &r);
  src = gst_bin_get_by_name (GST_BIN (receiver), "src");
  fail_if (
      test_set_state (receiver, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (write (pty.master, bytes, 5), 5);
  test_received_wait_bytes (&r, 5);

  ASSERT_WARNING (
      gst_util_set_object_arg (G_OBJECT (src), "caps", "video/x-raw"));
  g_object_get (src, "caps", &caps, NULL);
  fail_unless (caps == NULL);
  fail_unless_equals_int (write (pty.master, bytes + 5, 5), 5);
  test_received_wait_bytes (&r, 10);
  fail_unless (memcmp (r.bytes->data, bytes, 10) == 0);

  fail_unless_equals_int (test_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (src);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_pty_close (&pty);
}

GST_END_TEST;

/* Defect: "the port is open" was judged by the port being there, which it
 * is not while the element waits for it to come back (reconnect), so port,
 * framing and settings could change under the streaming thread then. They
 * are refused from start to stop. */
GST_START_TEST (test_change_while_reconnecting)
{
  GstElement *receiver, *src;
  TestReceived r;
  GstBus *bus;
  TestEmu *emu;
  gchar *port;

  emu = test_emu_start (NULL);
  receiver = test_make_receiver (test_emu_b (emu), "native", &r);
  src = gst_bin_get_by_name (GST_BIN (receiver), "src");
  g_object_set (src, "reconnect", TRUE, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (receiver));
  fail_if (gst_element_set_state (receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  test_emu_command (emu, "unplug b\n");
  test_emu_expect (emu, "UNPLUGGED");
  test_wait_element_message (bus, "serial-port-lost");

  ASSERT_WARNING (g_object_set (src, "port", "/dev/null", NULL));
  ASSERT_WARNING (gst_util_set_object_arg (G_OBJECT (src), "framing", "raw"));
  ASSERT_WARNING (g_object_set (src, "max-frame-size", 1024, NULL));
  g_object_get (src, "port", &port, NULL);
  fail_unless_equals_string (port, test_emu_b (emu));

  fail_unless_equals_int (gst_element_set_state (receiver, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  g_free (port);
  gst_object_unref (src);
  gst_object_unref (bus);
  gst_object_unref (receiver);
  test_received_clear (&r);
  test_emu_stop (emu);
}

GST_END_TEST;

/* Defect: pacing and link-rate were taken while PLAYING without a word and
 * applied only at the next start. Refused, like the port settings. */
GST_START_TEST (test_pacing_change_while_open)
{
  GstElement *el = gst_element_factory_make ("serialsink", NULL);
  guint link_rate;
  gint pacing;
  TestPty pty;

  test_pty_open (&pty);
  g_object_set (el, "port", pty.path, NULL);
  fail_if (
      gst_element_set_state (el, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
  ASSERT_WARNING (gst_util_set_object_arg (G_OBJECT (el), "pacing", "on"));
  ASSERT_WARNING (g_object_set (el, "link-rate", 1000, NULL));
  g_object_get (el, "pacing", &pacing, "link-rate", &link_rate, NULL);
  fail_unless_equals_int (pacing, 0);
  fail_unless_equals_int (link_rate, 0);
  /* The packer takes these at start as well. */
  ASSERT_WARNING (g_object_set (el, "fragment-size", 250, NULL));
  ASSERT_WARNING (g_object_set (el, "sender-time", TRUE, NULL));
  g_object_get (el, "fragment-size", &link_rate, "sender-time", &pacing, NULL);
  fail_unless_equals_int (link_rate, 0);
  fail_unless_equals_int (pacing, FALSE);
  /* The caps schedule takes them at any time. */
  g_object_set (el, "caps-budget", 2.0, "caps-interval", 500, NULL);

  fail_unless_equals_int (gst_element_set_state (el, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (el);
  test_pty_close (&pty);
}

GST_END_TEST;

static Suite *
serialprops_suite (void)
{
  Suite *s = suite_create ("serialprops");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_defaults, 0, 2);
  tcase_add_test (tc, test_element_defaults);
  tcase_add_loop_test (tc, test_ranges_and_enums, 0, 2);
  tcase_add_loop_test (tc, test_settings_applied, 0, 2);
  tcase_add_loop_test (tc, test_change_while_open, 0, 2);
  tcase_add_test (tc, test_change_while_reconnecting);
  tcase_add_test (tc, test_pacing_change_while_open);
  tcase_add_test (tc, test_src_caps_property);
  tcase_add_test (tc, test_src_caps_change_while_streaming);
  return s;
}

TEST_CHECK_MAIN (serialprops);
