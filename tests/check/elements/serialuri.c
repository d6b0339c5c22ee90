/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: serial:// URIs, from parsing to playbin playing a
 * stream from a pseudo-terminal.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#include <string.h>

#include "testutil.h"

static const gchar *element_names[] = { "serialsrc", "serialsink" };

static gchar *
get_port (GstElement *el)
{
  gchar *port = NULL;

  g_object_get (el, "port", &port, NULL);
  return port;
}

static gchar *
get_uri (GstElement *el)
{
  return gst_uri_handler_get_uri (GST_URI_HANDLER (el));
}

static void
set_uri (GstElement *el, const gchar *uri)
{
  GError *err = NULL;

  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (el), uri, &err),
      "%s: %s", uri, err ? err->message : "");
}

/* Sets @uri, expects it refused with @code and @says in the message. */
static void
expect_refused (GstElement *el, const gchar *uri, gint code, const gchar *says)
{
  GError *err = NULL;

  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (el), uri, &err),
      "%s was accepted", uri);
  fail_unless (err != NULL);
  GST_INFO ("%s: %s", uri, err->message);
  fail_unless (err->domain == GST_URI_ERROR && err->code == code,
      "%s: expected code %d, got %s/%d: %s", uri, code,
      g_quark_to_string (err->domain), err->code, err->message);
  fail_unless (strstr (err->message, says) != NULL,
      "%s: '%s' does not say '%s'", uri, err->message, says);
  g_error_free (err);
}

GST_START_TEST (test_handler)
{
  const gchar *name = element_names[__i__];
  GstURIType type = __i__ == 0 ? GST_URI_SRC : GST_URI_SINK;
  GstElementFactory *factory = gst_element_factory_find (name);
  GstElement *el = gst_element_factory_make (name, NULL);
  const gchar *const *protocols;

  fail_unless (GST_IS_URI_HANDLER (el));
  fail_unless_equals_int (gst_uri_handler_get_uri_type (GST_URI_HANDLER (el)),
      type);
  protocols = gst_uri_handler_get_protocols (GST_URI_HANDLER (el));
  fail_unless (protocols != NULL);
  fail_unless_equals_string (protocols[0], "serial");
  fail_unless (protocols[1] == NULL);

  /* What gst_element_make_from_uri() searches: the registry's copy. */
  fail_unless_equals_int (gst_element_factory_get_uri_type (factory), type);
  protocols = gst_element_factory_get_uri_protocols (factory);
  fail_unless_equals_string (protocols[0], "serial");
  fail_unless (protocols[1] == NULL);
  fail_unless (gst_uri_protocol_is_supported (type, "serial"));

  /* No port, no URI. */
  fail_unless (get_uri (el) == NULL);

  gst_object_unref (factory);
  gst_object_unref (el);
}

GST_END_TEST;

/* Both elements have rank none, which gst_element_make_from_uri() does not
 * mind: playbin and uridecodebin find serialsrc, and no autoplugger ever
 * picks serialsink, whose caps are ANY, as an audio or video sink. */
GST_START_TEST (test_make_from_uri)
{
  GstElementFactory *factory;
  GError *err = NULL;
  GstElement *el;
  gchar *port;
  guint baud;

  el = gst_element_make_from_uri (GST_URI_SRC,
      "serial:///dev/ttyUSB7?baud-rate=921600", "rx", &err);
  fail_unless (el != NULL, "%s", err ? err->message : "");
  fail_unless_equals_string (GST_OBJECT_NAME (gst_element_get_factory (el)),
      "serialsrc");
  fail_unless_equals_string (GST_OBJECT_NAME (el), "rx");
  g_object_get (el, "port", &port, "baud-rate", &baud, NULL);
  fail_unless_equals_string (port, "/dev/ttyUSB7");
  fail_unless_equals_int (baud, 921600);
  g_free (port);
  gst_object_unref (el);

  el = gst_element_make_from_uri (GST_URI_SINK, "serial:///dev/ttyACM0", NULL,
      &err);
  fail_unless (el != NULL, "%s", err ? err->message : "");
  fail_unless_equals_string (GST_OBJECT_NAME (gst_element_get_factory (el)),
      "serialsink");
  port = get_port (el);
  fail_unless_equals_string (port, "/dev/ttyACM0");
  g_free (port);
  gst_object_unref (el);

  factory = gst_element_factory_find ("serialsink");
  fail_unless_equals_int (gst_plugin_feature_get_rank (
                              GST_PLUGIN_FEATURE (factory)),
      GST_RANK_NONE);
  gst_object_unref (factory);

  /* The element's own error comes back. */
  el = gst_element_make_from_uri (GST_URI_SRC, "serial:///dev/ttyUSB7?bauds=1",
      NULL, &err);
  fail_unless (el == NULL);
  fail_unless (g_error_matches (err, GST_URI_ERROR,
                   GST_URI_ERROR_BAD_REFERENCE),
      "%s", err->message);
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_set_uri_src)
{
  GstElement *el = gst_element_factory_make ("serialsrc", NULL);
  guint baud, data_bits, max_frame_size;
  gint parity, framing, num_buffers;
  gboolean hupcl, reconnect, forward_eos;
  GstCaps *caps, *expected;
  gchar *port;

  /* Numbers, enum nicks, booleans of several spellings, caps with
   * percent-encoded separators, a property of GstBaseSrc, and an '_' for
   * a '-' as gst-launch-1.0 allows. */
  set_uri (el,
      "serial:///dev/ttyUSB0?baud-rate=921600&framing=cobs"
      "&parity=even&data-bits=7&hangup-on-close=false&reconnect=yes"
      "&forward_eos=0&max-frame-size=65536&num-buffers=12"
      "&caps=image%2Fjpeg%2Cwidth%3D320%2Cheight%3D240");
  g_object_get (el, "port", &port, "baud-rate", &baud, "framing", &framing,
      "parity", &parity, "data-bits", &data_bits, "hangup-on-close", &hupcl,
      "reconnect", &reconnect, "forward-eos", &forward_eos, "max-frame-size",
      &max_frame_size, "num-buffers", &num_buffers, "caps", &caps, NULL);
  fail_unless_equals_string (port, "/dev/ttyUSB0");
  fail_unless_equals_int (baud, 921600);
  fail_unless_equals_int (framing, 2); /* cobs */
  fail_unless_equals_int (parity, 2);  /* even */
  fail_unless_equals_int (data_bits, 7);
  fail_if (hupcl);
  fail_unless (reconnect);
  fail_if (forward_eos);
  fail_unless_equals_int (max_frame_size, 65536);
  fail_unless_equals_int (num_buffers, 12);
  expected = gst_caps_from_string ("image/jpeg,width=320,height=240");
  fail_unless (gst_caps_is_equal (caps, expected));
  gst_caps_unref (expected);
  gst_caps_unref (caps);
  g_free (port);

  /* localhost is this machine; properties not named stay as they are. */
  set_uri (el,
      "serial://localhost/dev/serial/by-id/usb-FTDI-if00-port0"
      "?parity=mark");
  g_object_get (el, "port", &port, "baud-rate", &baud, "parity", &parity, NULL);
  fail_unless_equals_string (port, "/dev/serial/by-id/usb-FTDI-if00-port0");
  fail_unless_equals_int (baud, 921600);
  fail_unless_equals_int (parity, 3);
  g_free (port);
  gst_object_unref (el);
}

GST_END_TEST;

GST_START_TEST (test_set_uri_sink)
{
  GstElement *el = gst_element_factory_make ("serialsink", NULL);
  guint baud, stop_bits, link_rate, caps_interval;
  gint flow, rts, pacing, drop_policy;
  gboolean sync;
  gchar *port;

  set_uri (el,
      "serial:///dev/ttyS1?baud-rate=57600&stop-bits=2"
      "&flow-control=rts-cts&rts=keep&pacing=on&link-rate=1200"
      "&drop-policy=never&caps-interval=250&sync=true");
  g_object_get (el, "port", &port, "baud-rate", &baud, "stop-bits", &stop_bits,
      "flow-control", &flow, "rts", &rts, "pacing", &pacing, "link-rate",
      &link_rate, "drop-policy", &drop_policy, "caps-interval", &caps_interval,
      "sync", &sync, NULL);
  fail_unless_equals_string (port, "/dev/ttyS1");
  fail_unless_equals_int (baud, 57600);
  fail_unless_equals_int (stop_bits, 2);
  fail_unless_equals_int (flow, 2);   /* rts-cts */
  fail_unless_equals_int (rts, 0);    /* keep */
  fail_unless_equals_int (pacing, 1); /* on */
  fail_unless_equals_int (link_rate, 1200);
  fail_unless_equals_int (drop_policy, 1); /* never */
  fail_unless_equals_int (caps_interval, 250);
  fail_unless (sync);
  g_free (port);
  gst_object_unref (el);
}

GST_END_TEST;

/* Every URI here is refused, and the element keeps every setting: the
 * valid parameter before the bad one is not applied either. */
static const struct {
  const gchar *uri;
  gint code;
  const gchar *says;
} refused[] = {
  { "serial:///dev/ttyB?baud-rate=57600&bauds=3", GST_URI_ERROR_BAD_REFERENCE,
      "Unknown serial URI parameter 'bauds'" },
  { "serial:///dev/ttyB?baud-rate=57600&parity=bad", GST_URI_ERROR_BAD_URI,
      "'parity': expected one of none, odd, even, mark, space" },
  { "serial:///dev/ttyB?baud-rate=57600&data-bits=9", GST_URI_ERROR_BAD_URI,
      "'data-bits': expected a whole number from 5 to 8" },
  { "serial:///dev/ttyB?baud-rate=57600&stop-bits=one", GST_URI_ERROR_BAD_URI,
      "from 1 to 2" },
  { "serial:///dev/ttyB?baud-rate=57600&reconnect=maybe", GST_URI_ERROR_BAD_URI,
      "'reconnect': expected true or false" },
  { "serial:///dev/ttyB?baud-rate=57600&link-stats=x",
      GST_URI_ERROR_BAD_REFERENCE, "'link-stats' is read-only" },
  { "serial:///dev/ttyB?baud-rate=57600&name=x", GST_URI_ERROR_BAD_REFERENCE,
      "'name' is not a setting" },
  { "serial:///dev/ttyB?baud-rate=57600&port=/dev/ttyC", GST_URI_ERROR_BAD_URI,
      "The port is the serial URI's path" },
  { "serial:///dev/ttyB?baud-rate=57600&reconnect", GST_URI_ERROR_BAD_URI,
      "'reconnect' has no value" },
  { "serial:///dev/ttyB?baud-rate=57600&baud_rate=9600", GST_URI_ERROR_BAD_URI,
      "'baud-rate' is given twice" },
  { "serial:///dev/ttyB?baud-rate=57600&parity=%zz", GST_URI_ERROR_BAD_URI,
      "bad percent-encoding" },
  { "serial:///dev/tty%00B", GST_URI_ERROR_BAD_URI, "bad percent-encoding" },
  { "serial://", GST_URI_ERROR_BAD_URI, "names no port" },
  { "serial:///", GST_URI_ERROR_BAD_URI, "names no port" },
  { "serial:///?baud-rate=57600", GST_URI_ERROR_BAD_URI, "names no port" },
  { "serial://dev/ttyB", GST_URI_ERROR_BAD_URI,
      "names the host 'dev', but serial ports are local" },
  { "serial://user@localhost/dev/ttyB", GST_URI_ERROR_BAD_URI,
      "names the host" },
  { "serial:dev/ttyB", GST_URI_ERROR_BAD_URI, "is not an absolute path" },
  { "serial:///dev/ttyB#1", GST_URI_ERROR_BAD_URI, "has a fragment" },
  { "file:///dev/ttyB", GST_URI_ERROR_UNSUPPORTED_PROTOCOL, "'file'" },
};

static void
count_notify (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

GST_START_TEST (test_refused)
{
  guint e;

  for (e = 0; e < G_N_ELEMENTS (element_names); e++) {
    GstElement *el = gst_element_factory_make (element_names[e], NULL);
    gchar *before, *after, *port;
    guint notified = 0, baud;
    gint parity;

    set_uri (el, "serial:///dev/ttyA?baud-rate=9600&parity=odd");
    before = get_uri (el);
    g_signal_connect (el, "notify", G_CALLBACK (count_notify), &notified);

    expect_refused (el, refused[__i__].uri, refused[__i__].code,
        refused[__i__].says);

    fail_unless_equals_int (notified, 0);
    g_object_get (el, "port", &port, "baud-rate", &baud, "parity", &parity,
        NULL);
    fail_unless_equals_string (port, "/dev/ttyA");
    fail_unless_equals_int (baud, 9600);
    fail_unless_equals_int (parity, 1);
    after = get_uri (el);
    fail_unless_equals_string (after, before);
    g_free (port);
    g_free (before);
    g_free (after);
    gst_object_unref (el);
  }
}

GST_END_TEST;

static void
check_bad_state (GstElement *el, const gchar *port)
{
  gchar *now;

  expect_refused (el, "serial:///dev/ttyOther?baud-rate=9600",
      GST_URI_ERROR_BAD_STATE, "set it to READY or NULL first");
  now = get_port (el);
  fail_unless_equals_string (now, port);
  g_free (now);
}

/* Past READY the port is open: a URI is refused, as filesrc refuses a new
 * location, and accepted again in READY. */
GST_START_TEST (test_bad_state)
{
  GstElement *pipe, *src, *sink;
  gchar *uri;
  TestPty pty;
  guint baud;

  test_pty_open (&pty);
  uri = g_strdup_printf ("serial://%s", pty.path);

  pipe = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("serialsrc", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  /* Nothing arrives: PLAYING without a buffer to preroll. */
  g_object_set (sink, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipe), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  set_uri (src, uri);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  check_bad_state (src, pty.path);
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (gst_element_get_state (pipe, NULL, NULL,
                              GST_CLOCK_TIME_NONE),
      GST_STATE_CHANGE_SUCCESS);
  check_bad_state (src, pty.path);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  set_uri (src, "serial:///dev/ttyOther?baud-rate=9600");
  g_object_get (src, "baud-rate", &baud, NULL);
  fail_unless_equals_int (baud, 9600);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipe);

  /* A sink waiting to preroll is still in READY, with its port open. */
  pipe = gst_pipeline_new (NULL);
  sink = gst_element_factory_make ("serialsink", NULL);
  gst_bin_add (GST_BIN (pipe), sink);
  set_uri (sink, uri);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_ASYNC);
  check_bad_state (sink, pty.path);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  set_uri (sink, "serial:///dev/ttyOther");
  gst_object_unref (pipe);

  g_free (uri);
  test_pty_close (&pty);
}

GST_END_TEST;

#define AWKWARD_PORT "/tmp/dir with space/tty#1?x%y&z=\xc3\xa9"

/* get_uri gives the port and what differs from a new element, encoded so
 * that the URI parses back to the same settings. */
GST_START_TEST (test_round_trip)
{
  const gchar *name = element_names[__i__];
  GstElement *el = gst_element_factory_make (name, NULL);
  GstElement *copy = gst_element_factory_make (name, NULL);
  GParamSpec **pspecs;
  gchar *uri, *uri2, *cwd, *expected;
  guint i, n;

  /* Defaults (the sink's sync=false, the source's do-timestamp=true
   * included) are left out. */
  g_object_set (el, "port", "/dev/ttyUSB0", NULL);
  uri = get_uri (el);
  fail_unless_equals_string (uri, "serial:///dev/ttyUSB0");
  g_free (uri);

  g_object_set (el, "port", AWKWARD_PORT, "baud-rate", 921600,
      "hangup-on-close", FALSE, "stats-interval", 500, NULL);
  gst_util_set_object_arg (G_OBJECT (el), "parity", "space");
  gst_util_set_object_arg (G_OBJECT (el), "framing", "slip");
  if (__i__ == 0) {
    gst_util_set_object_arg (G_OBJECT (el), "caps",
        "video/x-raw,format=I420,width=64,height=48;image/jpeg");
    g_object_set (el, "do-timestamp", FALSE, NULL);
  } else {
    gst_util_set_object_arg (G_OBJECT (el), "drop-policy", "stale");
    g_object_set (el, "sync", TRUE, "ts-offset", (gint64) -5, NULL);
  }

  uri = get_uri (el);
  GST_INFO ("%s", uri);
  fail_unless (gst_uri_is_valid (uri));
  fail_unless (g_str_has_prefix (uri,
                   "serial:///tmp/dir%20with%20space/"
                   "tty%231%3Fx%25y&z=%C3%A9?"),
      "%s", uri);
  fail_unless (strchr (uri, ' ') == NULL && strchr (uri, '#') == NULL);
  fail_unless (strstr (uri, "parity=space") != NULL, "%s", uri);
  fail_unless (strstr (uri, "framing=slip") != NULL, "%s", uri);

  set_uri (copy, uri);
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (el), &n);
  for (i = 0; i < n; i++) {
    GValue a = G_VALUE_INIT, b = G_VALUE_INIT;

    if (!(pspecs[i]->flags & G_PARAM_READABLE) ||
        strcmp (pspecs[i]->name, "name") == 0 ||
        strcmp (pspecs[i]->name, "parent") == 0 ||
        strcmp (pspecs[i]->name, "link-stats") == 0 ||
        strcmp (pspecs[i]->name, "stats") == 0 ||
        strcmp (pspecs[i]->name, "last-sample") == 0)
      continue;
    g_value_init (&a, pspecs[i]->value_type);
    g_value_init (&b, pspecs[i]->value_type);
    g_object_get_property (G_OBJECT (el), pspecs[i]->name, &a);
    g_object_get_property (G_OBJECT (copy), pspecs[i]->name, &b);
    if (G_VALUE_HOLDS (&a, GST_TYPE_CAPS))
      fail_unless (gst_caps_is_equal (gst_value_get_caps (&a),
                       gst_value_get_caps (&b)),
          "caps differ");
    else
      fail_unless (g_param_values_cmp (pspecs[i], &a, &b) == 0,
          "%s differs after the round trip", pspecs[i]->name);
    g_value_unset (&a);
    g_value_unset (&b);
  }
  g_free (pspecs);

  uri2 = get_uri (copy);
  fail_unless_equals_string (uri2, uri);
  g_free (uri2);
  g_free (uri);

  /* A relative port is relative to the current directory. */
  g_object_set (el, "port", "ttyLocal", NULL);
  uri = get_uri (el);
  cwd = g_get_current_dir ();
  expected = g_strdup_printf ("serial://%s/ttyLocal?", cwd);
  fail_unless (g_str_has_prefix (uri, expected), "%s", uri);
  g_free (expected);
  g_free (cwd);
  g_free (uri);

  gst_object_unref (el);
  gst_object_unref (copy);
}

GST_END_TEST;

/* The number GstObject gave an element made without a name ("serialsink4":
 * 4), one more for each element of the type made before it. */
static guint64
name_number (GstElement *el, const gchar *factory)
{
  const gchar *name = GST_OBJECT_NAME (el);

  fail_unless (g_str_has_prefix (name, factory), "%s", name);
  return g_ascii_strtoull (name + strlen (factory), NULL, 10);
}

/* get_uri compares with the defaults of one new element made once, not
 * with a new element made at every call: the numbers of the elements made
 * before and after the calls tell how many were made in between. */
GST_START_TEST (test_get_uri_makes_no_element)
{
  const gchar *name = element_names[__i__];
  GstElement *el = gst_element_factory_make (name, NULL);
  GstElement *before, *after;
  gchar *uri;
  guint i;

  g_object_set (el, "port", "/dev/ttyUSB0", "baud-rate", 9600, NULL);
  /* The first call may make the one element. */
  g_free (get_uri (el));

  before = gst_element_factory_make (name, NULL);
  for (i = 0; i < 10; i++) {
    uri = get_uri (el);
    fail_unless_equals_string (uri, "serial:///dev/ttyUSB0?baud-rate=9600");
    g_free (uri);
  }
  after = gst_element_factory_make (name, NULL);
  fail_unless_equals_uint64 (name_number (after, name),
      name_number (before, name) + 1);

  gst_object_unref (after);
  gst_object_unref (before);
  gst_object_unref (el);
}

GST_END_TEST;

/* End to end: an encoded stream through two ptys and a relay, played from
 * serial://<pty> by playbin or uridecodebin with nothing but the URI. */

typedef struct {
  GMutex lock;
  guint frames;
  gint width, height;
  gchar *source_factory;
  GPtrArray *factories; /* of every element plugged */
  GstElement *sink;
} Played;

static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, Played *p)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstVideoInfo info;

  gst_video_info_init (&info);
  if (caps == NULL || !gst_video_info_from_caps (&info, caps))
    GST_ERROR ("frame without video caps: %" GST_PTR_FORMAT, caps);
  g_mutex_lock (&p->lock);
  p->frames++;
  p->width = GST_VIDEO_INFO_WIDTH (&info);
  p->height = GST_VIDEO_INFO_HEIGHT (&info);
  g_mutex_unlock (&p->lock);
  gst_clear_caps (&caps);
}

static void
on_source_setup (GstElement *bin, GstElement *source, Played *p)
{
  g_mutex_lock (&p->lock);
  g_free (p->source_factory);
  p->source_factory =
      g_strdup (GST_OBJECT_NAME (gst_element_get_factory (source)));
  g_mutex_unlock (&p->lock);
}

static void
on_deep_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element,
    Played *p)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory == NULL)
    return;
  g_mutex_lock (&p->lock);
  g_ptr_array_add (p->factories, g_strdup (GST_OBJECT_NAME (factory)));
  g_mutex_unlock (&p->lock);
}

static gboolean
played_used (Played *p, const gchar *factory)
{
  guint i;

  for (i = 0; i < p->factories->len; i++) {
    if (strcmp (g_ptr_array_index (p->factories, i), factory) == 0)
      return TRUE;
  }
  return FALSE;
}

static void
on_pad_added (GstElement *decodebin, GstPad *pad, Played *p)
{
  GstPad *sinkpad = gst_element_get_static_pad (p->sink, "sink");

  fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

static GstElement *
make_player (const gchar *kind, const gchar *uri, Played *p)
{
  GstElement *pipe, *dec;

  g_mutex_init (&p->lock);
  p->frames = 0;
  p->width = p->height = 0;
  p->source_factory = NULL;
  p->factories = g_ptr_array_new_with_free_func (g_free);
  p->sink = gst_element_factory_make ("fakesink", "videosink");
  g_object_set (p->sink, "sync", FALSE, "signal-handoffs", TRUE, NULL);
  g_signal_connect (p->sink, "handoff", G_CALLBACK (on_handoff), p);

  if (strcmp (kind, "playbin") == 0) {
    pipe = gst_element_factory_make ("playbin", NULL);
    g_object_set (pipe, "uri", uri, "video-sink", p->sink, NULL);
    dec = pipe;
  } else {
    pipe = gst_pipeline_new (NULL);
    dec = gst_element_factory_make (kind, NULL);
    g_object_set (dec, "uri", uri, NULL);
    gst_bin_add_many (GST_BIN (pipe), dec, p->sink, NULL);
    g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), p);
  }
  g_signal_connect (dec, "source-setup", G_CALLBACK (on_source_setup), p);
  g_signal_connect (pipe, "deep-element-added",
      G_CALLBACK (on_deep_element_added), p);
  return pipe;
}

static void
played_clear (Played *p)
{
  g_free (p->source_factory);
  g_ptr_array_unref (p->factories);
  g_mutex_clear (&p->lock);
}

static void
expect_eos (GstElement *pipe)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    fail ("error from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
        err->message, debug);
  }
  gst_message_unref (msg);
}

static const struct {
  const gchar *player;
  const gchar *encoder;
  const gchar *decoder; /* the factory decodebin must plug */
} plays[] = {
  { "playbin", "jpegenc", "jpegdec" },
  { "uridecodebin", "jpegenc", "jpegdec" },
  { "playbin", "x264enc tune=zerolatency key-int-max=5", "avdec_h264" },
  { "uridecodebin", "x264enc tune=zerolatency key-int-max=5", "avdec_h264" },
};

GST_START_TEST (test_play)
{
  const guint n = 20;
  GstElement *player, *sender;
  TestPty a, b;
  TestRelay *relay;
  Played p;
  gchar *uri, *desc;

  if (test_skip_element (plays[__i__].decoder))
    return;
  test_pty_open (&a);
  test_pty_open (&b);
  relay = test_relay_start (a.master, b.master);

  uri = g_strdup_printf ("serial://%s?baud-rate=921600", b.path);
  player = make_player (plays[__i__].player, uri, &p);
  desc = g_strdup_printf ("videotestsrc num-buffers=%u ! "
                          "video/x-raw,width=160,height=120 ! %s ! "
                          "serialsink port=%s baud-rate=921600",
      n, plays[__i__].encoder, a.path);
  sender = gst_parse_launch (desc, NULL);
  fail_unless (sender != NULL, "%s", desc);

  fail_if (gst_element_set_state (player, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  expect_eos (sender);
  expect_eos (player);

  g_mutex_lock (&p.lock);
  GST_INFO ("%s, %s: %u frames of %dx%d from %s", plays[__i__].player,
      plays[__i__].decoder, p.frames, p.width, p.height, p.source_factory);
  fail_unless_equals_string (p.source_factory, "serialsrc");
  fail_unless (played_used (&p, plays[__i__].decoder), "%s not plugged",
      plays[__i__].decoder);
  fail_unless_equals_int (p.frames, n);
  fail_unless_equals_int (p.width, 160);
  fail_unless_equals_int (p.height, 120);
  g_mutex_unlock (&p.lock);

  fail_unless_equals_int (gst_element_set_state (sender, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (player, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (sender);
  gst_object_unref (player);
  played_clear (&p);
  test_relay_stop (relay);
  test_pty_close (&a);
  test_pty_close (&b);
  g_free (desc);
  g_free (uri);
}

GST_END_TEST;

static Suite *
serialuri_suite (void)
{
  Suite *s = suite_create ("serialuri");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_handler, 0, G_N_ELEMENTS (element_names));
  tcase_add_test (tc, test_make_from_uri);
  tcase_add_test (tc, test_set_uri_src);
  tcase_add_test (tc, test_set_uri_sink);
  tcase_add_loop_test (tc, test_refused, 0, G_N_ELEMENTS (refused));
  tcase_add_test (tc, test_bad_state);
  tcase_add_loop_test (tc, test_round_trip, 0, G_N_ELEMENTS (element_names));
  tcase_add_loop_test (tc, test_get_uri_makes_no_element, 0,
      G_N_ELEMENTS (element_names));
  tcase_add_loop_test (tc, test_play, 0, G_N_ELEMENTS (plays));
  return s;
}

TEST_CHECK_MAIN (serialuri);
