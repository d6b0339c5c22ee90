/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: what serialsink and serialsrc share: the port properties and
 * the port's life from start() to stop().
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialcommon.h"
#include "gstserialdevices.h"

#include <errno.h>
#include <string.h>

#define DEFAULT_PORT NULL
#define DEFAULT_STATS_INTERVAL 0
#define DEFAULT_RECONNECT FALSE

#define MIN_BAUD_RATE 50

GType
gst_serial_parity_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = { { GST_SERIAL_PARITY_NONE,
                                           "No parity bit", "none" },
    { GST_SERIAL_PARITY_ODD, "Odd parity", "odd" },
    { GST_SERIAL_PARITY_EVEN, "Even parity", "even" },
    { GST_SERIAL_PARITY_MARK, "Parity bit always 1", "mark" },
    { GST_SERIAL_PARITY_SPACE, "Parity bit always 0", "space" },
    { 0, NULL, NULL } };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSerialParity", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_serial_flow_control_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = { { GST_SERIAL_FLOW_CONTROL_NONE,
                                           "No flow control", "none" },
    { GST_SERIAL_FLOW_CONTROL_XON_XOFF,
        "Software flow control with XON/XOFF characters", "xon-xoff" },
    { GST_SERIAL_FLOW_CONTROL_RTS_CTS,
        "Hardware flow control on the RTS/CTS lines", "rts-cts" },
    { GST_SERIAL_FLOW_CONTROL_DTR_DSR,
        "Hardware flow control on the DTR/DSR lines (not on Linux)",
        "dtr-dsr" },
    { 0, NULL, NULL } };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSerialFlowControl", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_serial_line_state_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SERIAL_LINE_KEEP, "Leave the line as the system set it on open",
        "keep" },
    { GST_SERIAL_LINE_ON, "Assert the line after opening", "on" },
    { GST_SERIAL_LINE_OFF, "Deassert the line after opening", "off" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSerialLineState", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

void
gst_serial_common_init (GstSerialCommon *common)
{
  memset (common, 0, sizeof (*common));
  common->props.path = g_strdup (DEFAULT_PORT);
  gst_serial_port_config_init (&common->props.config);
  common->props.framing = GST_SERIAL_DEFAULT_FRAMING;
  common->props.reconnect = DEFAULT_RECONNECT;
  common->stats_interval = DEFAULT_STATS_INTERVAL;
}

void
gst_serial_common_clear (GstSerialCommon *common)
{
  g_clear_pointer (&common->props.path, g_free);
  g_clear_pointer (&common->run.path, g_free);
  g_clear_pointer (&common->wait_poll, gst_poll_free);
}

void
gst_serial_common_install_properties (GObjectClass *klass)
{
  const GParamFlags flags =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  g_object_class_install_property (klass, GST_SERIAL_PROP_PORT,
      g_param_spec_string ("port", "Port",
          "Serial device to use, e.g. /dev/ttyUSB0, /dev/serial/by-id/... "
          "or a pseudo-terminal such as /dev/pts/3",
          DEFAULT_PORT, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_BAUD_RATE,
      g_param_spec_uint ("baud-rate", "Baud rate",
          "Line speed in bits per second; non-standard rates work where the "
          "driver supports them",
          MIN_BAUD_RATE, G_MAXINT32, GST_SERIAL_DEFAULT_BAUD_RATE, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_DATA_BITS,
      g_param_spec_uint ("data-bits", "Data bits", "Data bits per character", 5,
          8, GST_SERIAL_DEFAULT_DATA_BITS, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_PARITY,
      g_param_spec_enum ("parity", "Parity", "Parity bit of each character",
          GST_TYPE_SERIAL_PARITY, GST_SERIAL_DEFAULT_PARITY, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_STOP_BITS,
      g_param_spec_uint ("stop-bits", "Stop bits", "Stop bits per character", 1,
          2, GST_SERIAL_DEFAULT_STOP_BITS, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_FLOW_CONTROL,
      g_param_spec_enum ("flow-control", "Flow control",
          "How the receiver can hold the sender off",
          GST_TYPE_SERIAL_FLOW_CONTROL, GST_SERIAL_DEFAULT_FLOW_CONTROL,
          flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_DTR,
      g_param_spec_enum ("dtr", "DTR line",
          "State of the DTR line after opening (Linux asserts it on open; "
          "ignored on pseudo-terminals, which have no modem lines)",
          GST_TYPE_SERIAL_LINE_STATE, GST_SERIAL_DEFAULT_DTR, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_RTS,
      g_param_spec_enum ("rts", "RTS line",
          "State of the RTS line after opening (Linux asserts it on open; "
          "must be 'keep' with flow-control=rts-cts; ignored on "
          "pseudo-terminals)",
          GST_TYPE_SERIAL_LINE_STATE, GST_SERIAL_DEFAULT_RTS, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_HANGUP_ON_CLOSE,
      g_param_spec_boolean ("hangup-on-close", "Hang up on close",
          "Drop DTR and RTS when the port is closed (termios HUPCL). Set to "
          "false so that boards which reset when DTR changes (Arduino) are "
          "not reset when the pipeline stops",
          GST_SERIAL_DEFAULT_HANGUP_ON_CLOSE, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_FRAMING,
      g_param_spec_enum ("framing", "Framing",
          "How buffers are put on the line; both ends must use the same",
          GST_TYPE_SERIAL_FRAMING, GST_SERIAL_DEFAULT_FRAMING, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_STATS_INTERVAL,
      g_param_spec_uint ("stats-interval", "Statistics interval",
          "Post the link-stats structure as an element message on the bus "
          "every this many milliseconds while the port is open; 0: never",
          0, G_MAXINT, DEFAULT_STATS_INTERVAL, flags));

  g_object_class_install_property (klass, GST_SERIAL_PROP_RECONNECT,
      g_param_spec_boolean ("reconnect", "Reconnect",
          "When the port goes away (USB adapter unplugged, other end of a "
          "pseudo-terminal closed), keep the pipeline running and reopen "
          "the same path with backoff instead of failing: a warning and "
          "serial-port-lost / serial-port-restored element messages tell "
          "the application",
          DEFAULT_RECONNECT, flags));
}

/* The enums of the properties, for the documentation. */
void
gst_serial_common_mark_plugin_api (void)
{
  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_PARITY, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_FLOW_CONTROL, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_LINE_STATE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SERIAL_FRAMING, 0);
}

/**
 * gst_serial_common_refuse_change:
 *
 * Call with the object lock held. Settings apply when the element starts,
 * so a change from start to stop would silently not take effect (and the
 * streaming thread works from a copy anyway, also while the port is away
 * and the element waits to reconnect): refuse it with a warning, as
 * filesink does for its location. Returns whether the change is refused.
 */
gboolean
gst_serial_common_refuse_change (GstSerialCommon *common, GObject *object,
    GParamSpec *pspec)
{
  if (!common->started)
    return FALSE;
  g_warning ("%s: cannot change '%s' while the element uses the serial port "
             "(PAUSED or PLAYING); set it to the READY or NULL state first.",
      GST_OBJECT_NAME (object), pspec->name);
  return TRUE;
}

/* Call with the object lock held. */
void
gst_serial_common_set_property (GstSerialCommon *common, GObject *object,
    guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstSerialPortConfig *config = &common->props.config;

  if (gst_serial_common_refuse_change (common, object, pspec))
    return;

  switch (prop_id) {
    case GST_SERIAL_PROP_PORT:
      g_free (common->props.path);
      common->props.path = g_value_dup_string (value);
      break;
    case GST_SERIAL_PROP_BAUD_RATE:
      config->baud_rate = g_value_get_uint (value);
      break;
    case GST_SERIAL_PROP_DATA_BITS:
      config->data_bits = g_value_get_uint (value);
      break;
    case GST_SERIAL_PROP_PARITY:
      config->parity = g_value_get_enum (value);
      break;
    case GST_SERIAL_PROP_STOP_BITS:
      config->stop_bits = g_value_get_uint (value);
      break;
    case GST_SERIAL_PROP_FLOW_CONTROL:
      config->flow_control = g_value_get_enum (value);
      break;
    case GST_SERIAL_PROP_DTR:
      config->dtr = g_value_get_enum (value);
      break;
    case GST_SERIAL_PROP_RTS:
      config->rts = g_value_get_enum (value);
      break;
    case GST_SERIAL_PROP_HANGUP_ON_CLOSE:
      config->hangup_on_close = g_value_get_boolean (value);
      break;
    case GST_SERIAL_PROP_FRAMING:
      common->props.framing = g_value_get_enum (value);
      break;
    case GST_SERIAL_PROP_STATS_INTERVAL:
      common->stats_interval = g_value_get_uint (value);
      break;
    case GST_SERIAL_PROP_RECONNECT:
      common->props.reconnect = g_value_get_boolean (value);
      break;
    default:
      g_assert_not_reached ();
      break;
  }
}

void
gst_serial_common_get_property (const GstSerialCommon *common, guint prop_id,
    GValue *value)
{
  const GstSerialPortConfig *config = &common->props.config;

  switch (prop_id) {
    case GST_SERIAL_PROP_PORT:
      g_value_set_string (value, common->props.path);
      break;
    case GST_SERIAL_PROP_BAUD_RATE:
      g_value_set_uint (value, config->baud_rate);
      break;
    case GST_SERIAL_PROP_DATA_BITS:
      g_value_set_uint (value, config->data_bits);
      break;
    case GST_SERIAL_PROP_PARITY:
      g_value_set_enum (value, config->parity);
      break;
    case GST_SERIAL_PROP_STOP_BITS:
      g_value_set_uint (value, config->stop_bits);
      break;
    case GST_SERIAL_PROP_FLOW_CONTROL:
      g_value_set_enum (value, config->flow_control);
      break;
    case GST_SERIAL_PROP_DTR:
      g_value_set_enum (value, config->dtr);
      break;
    case GST_SERIAL_PROP_RTS:
      g_value_set_enum (value, config->rts);
      break;
    case GST_SERIAL_PROP_HANGUP_ON_CLOSE:
      g_value_set_boolean (value, config->hangup_on_close);
      break;
    case GST_SERIAL_PROP_FRAMING:
      g_value_set_enum (value, common->props.framing);
      break;
    case GST_SERIAL_PROP_STATS_INTERVAL:
      g_value_set_uint (value, common->stats_interval);
      break;
    case GST_SERIAL_PROP_RECONNECT:
      g_value_set_boolean (value, common->props.reconnect);
      break;
    default:
      g_assert_not_reached ();
      break;
  }
}

static GstSerialPort *
open_port (GstElement *element, const gchar *path,
    const GstSerialPortConfig *config)
{
  GstSerialPortError err = {
    0,
  };
  GstSerialPort *port;
  gchar *available;

  if (path == NULL || path[0] == '\0')
    goto no_port;

  port = gst_serial_port_open (path, config, GST_OBJECT_NAME (element), &err);
  if (port == NULL)
    GST_SERIAL_PORT_ERROR_POST (element, &err);
  return port;

  /* ERRORS */
no_port:
  available = gst_serial_port_describe_available ();
  GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
      ("No serial port set. Set the 'port' property, e.g. "
       "port=/dev/ttyUSB0. %s",
          available),
      ("port property is empty"));
  g_free (available);
  return NULL;
}

/* With IXON the tty swallows 0x11/0x13; only the native framing escapes
 * them. And a pseudo-terminal carries 8-bit bytes whatever it is told. */
static void
warn_about_settings (GstElement *element, GstSerialPort *port,
    const GstSerialSettings *run)
{
  const GstSerialPortConfig *config = &run->config;

  if (config->flow_control == GST_SERIAL_FLOW_CONTROL_XON_XOFF &&
      run->framing != GST_SERIAL_FRAMING_NATIVE)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("flow-control=xon-xoff removes the bytes 0x11 and 0x13 from the "
         "data, which corrupts binary data in raw, cobs and slip framing. "
         "Use framing=native, or rts-cts flow control."),
        ("framing %d with xon-xoff", run->framing));

  if (gst_serial_port_is_pty (port) &&
      (config->data_bits != 8 || config->parity != GST_SERIAL_PARITY_NONE))
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("%s is a pseudo-terminal, which always carries 8-bit bytes without "
         "parity: data-bits and parity have no effect on it.",
            gst_serial_port_get_path (port)),
        ("data-bits=%u parity=%d", config->data_bits, config->parity));
}

/**
 * gst_serial_common_start:
 *
 * Takes the copy of the settings the streaming thread works with, from
 * now until stop, and opens the port they describe, posting an error on
 * @element's bus when that fails. Call without the object lock.
 */
gboolean
gst_serial_common_start (GstSerialCommon *common, GstElement *element)
{
  GstSerialPort *port;
  GstPoll *poll;
  int errnum;

  GST_OBJECT_LOCK (element);
  g_free (common->run.path);
  common->run = common->props;
  common->run.path = g_strdup (common->props.path);
  common->started = TRUE;
  common->flushing = FALSE;
  GST_OBJECT_UNLOCK (element);

  poll = gst_poll_new (TRUE);
  if (poll == NULL)
    goto no_poll;
  GST_OBJECT_LOCK (element);
  common->wait_poll = poll;
  GST_OBJECT_UNLOCK (element);

  port = open_port (element, common->run.path, &common->run.config);
  if (port == NULL)
    goto failed;
  warn_about_settings (element, port, &common->run);

  GST_OBJECT_LOCK (element);
  common->port = port;
  GST_OBJECT_UNLOCK (element);
  return TRUE;

  /* ERRORS */
no_poll:
  errnum = errno;
  GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ_WRITE,
      ("Could not start: the system refused a resource (%s). Close other "
       "programs or raise the limit of open files (ulimit -n).",
          g_strerror (errnum)),
      ("gst_poll_new: %s", g_strerror (errnum)));
failed:
  gst_serial_common_stop (common, element);
  return FALSE;
}

void
gst_serial_common_stop (GstSerialCommon *common, GstElement *element)
{
  GstSerialPort *port;
  GstPoll *poll;

  GST_OBJECT_LOCK (element);
  port = common->port;
  common->port = NULL;
  poll = common->wait_poll;
  common->wait_poll = NULL;
  common->started = FALSE;
  GST_OBJECT_UNLOCK (element);

  gst_serial_port_close (port);
  if (poll)
    gst_poll_free (poll);
  g_clear_pointer (&common->run.path, g_free);
}

/* For the elements' unlock() and unlock_stop(). */
gboolean
gst_serial_common_set_flushing (GstSerialCommon *common, GstElement *element,
    gboolean flushing)
{
  GST_OBJECT_LOCK (element);
  common->flushing = flushing;
  if (common->port)
    gst_serial_port_set_flushing (common->port, flushing);
  if (common->wait_poll)
    gst_poll_set_flushing (common->wait_poll, flushing);
  GST_OBJECT_UNLOCK (element);
  return TRUE;
}

#define RECONNECT_FIRST_WAIT (100 * GST_MSECOND)
#define RECONNECT_MAX_WAIT (2 * GST_SECOND)

static GstClockTime
monotonic_time (void)
{
  return g_get_monotonic_time () * GST_USECOND;
}

static void
post_port_message (GstElement *element, const gchar *name, const gchar *path)
{
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element),
          gst_structure_new (name, "port", G_TYPE_STRING, path, NULL)));
}

/**
 * gst_serial_common_io_failed:
 * @err: what failed; posted or cleared
 *
 * For the streaming thread after a failed read or write. When the port went
 * away and 'reconnect' is on, tells the application, closes the port and
 * returns GST_FLOW_OK: the port is then away (NULL) until
 * gst_serial_common_reopen() brings it back. Otherwise posts @err and
 * returns GST_FLOW_ERROR.
 */
GstFlowReturn
gst_serial_common_io_failed (GstSerialCommon *common, GstElement *element,
    GstSerialPortError *err)
{
  GstSerialPort *lost;

  if (!err->gone || !common->run.reconnect) {
    GST_SERIAL_PORT_ERROR_POST (element, err);
    return GST_FLOW_ERROR;
  }

  /* Closed first, so that an application told of the loss finds the port
   * free. */
  GST_OBJECT_LOCK (element);
  lost = common->port;
  common->port = NULL;
  GST_OBJECT_UNLOCK (element);
  gst_serial_port_close (lost);

  gst_element_message_full (element, GST_MESSAGE_WARNING, GST_RESOURCE_ERROR,
      err->code, g_strdup_printf ("%s Reconnecting.", err->message), err->debug,
      __FILE__, GST_FUNCTION, __LINE__);
  err->debug = NULL;
  gst_serial_port_error_clear (err);
  post_port_message (element, "serial-port-lost", common->run.path);

  common->reopen_wait = RECONNECT_FIRST_WAIT;
  common->reopen_at = monotonic_time () + common->reopen_wait;
  return GST_FLOW_OK;
}

/**
 * gst_serial_common_reopen:
 * @wait: wait for the port; otherwise only try when an attempt is due
 *
 * For the streaming thread while the port is away: reopens it with the
 * same settings, waiting longer after each failure so that nothing spins,
 * and returns GST_FLOW_OK once it is back. Returns GST_FLOW_FLUSHING when
 * unlock() interrupts the wait; the port is still away then, and the next
 * call goes on waiting (after a pause, or when streaming starts again after
 * a flush). Without @wait, returns GST_SERIAL_FLOW_ABSENT when the port is
 * not back yet.
 */
GstFlowReturn
gst_serial_common_reopen (GstSerialCommon *common, GstElement *element,
    gboolean wait)
{
  GstSerialPortError err = { 0 };
  const gchar *path = common->run.path;
  GstSerialPort *port;
  GstClockTime now;

  for (;;) {
    now = monotonic_time ();
    if (now < common->reopen_at) {
      if (!wait)
        return GST_SERIAL_FLOW_ABSENT;
      if (gst_poll_wait (common->wait_poll, common->reopen_at - now) < 0 &&
          errno == EBUSY)
        return GST_FLOW_FLUSHING;
      continue;
    }
    port = gst_serial_port_open (path, &common->run.config,
        GST_OBJECT_NAME (element), &err);
    if (port)
      break;
    GST_DEBUG_OBJECT (element, "%s not back yet: %s", path, err.message);
    gst_serial_port_error_clear (&err);
    common->reopen_wait = MIN (common->reopen_wait * 2, RECONNECT_MAX_WAIT);
    common->reopen_at = now + common->reopen_wait;
  }

  GST_OBJECT_LOCK (element);
  common->port = port;
  /* unlock() may have come while no port was there to take it. */
  gst_serial_port_set_flushing (port, common->flushing);
  GST_OBJECT_UNLOCK (element);
  GST_INFO_OBJECT (element, "%s is back", path);
  post_port_message (element, "serial-port-restored", path);
  return GST_FLOW_OK;
}
