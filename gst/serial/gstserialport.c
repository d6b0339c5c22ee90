/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the port module.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * Real serial ports are opened and configured through libserialport.
 * Pseudo-terminals, which libserialport 0.1.1 refuses because they have no
 * entry in /sys/class/tty, are opened with POSIX calls. Both paths then get
 * the same termios settings, the same lock and the same read-back check, and
 * all data goes through the file descriptor with GstPoll so that the elements
 * can interrupt a blocked read or write at once.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialport.h"
#include "gstserialdevices.h"
#include "gstserialline.h"
#include "gstserialtermios2.h"

#include <glib-unix.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <libserialport.h>

GST_DEBUG_CATEGORY_STATIC (serial_port_debug);
#define GST_CAT_DEFAULT serial_port_debug

/* A rate the driver applies within this many percent of the requested one is
 * accepted: UART receivers tolerate about 2-3 %, and USB adapters report the
 * rate their clock divider really makes. */
#define BAUD_TOLERANCE_PERCENT 2

/* Longest single wait while draining the output queue, so that a receiver
 * that holds the line off is noticed by the caller's flushing promptly. */
#define DRAIN_MAX_WAIT (100 * GST_MSECOND)

/* Bytes read for a port that it has not taken yet are dropped, oldest
 * first, beyond this: an element that does not read (a sink with the raw
 * framing) must not grow without bound. */
#define INQ_MAX (1024 * 1024)
/* Control bytes (try_write) held while another element writes. */
#define PENDING_MAX 4096

/* A device open in this process: one descriptor, one lock, one
 * configuration, shared by every element that opens it, each through a
 * GstSerialPort of its own. The fields up to baud_rate_is_real are set
 * once, at open. */
typedef struct _GstSerialDevice {
  gchar *path;        /* as the first opener gave it */
  gchar *device;      /* symlinks resolved: the key in the table */
  struct sp_port *sp; /* NULL for pseudo-terminals */
  gint fd;            /* the descriptor data goes through */
  gint lock_fd;       /* holds the flock(); may equal fd */
  guint baud_rate;
  gboolean baud_rate_is_real;
  GstSerialPortConfig config;
  gint refs; /* under devices_lock */

  GMutex lock; /* the rest */
  GList *ports;
  GstSerialPort *writer; /* writing now; the others wait */
  GCond write_cond;
  guint64 tickets;    /* the order writers came in */
  GByteArray *held;   /* control bytes waiting for the writer to finish */
  GstSerialLine line; /* every port's bytes, at the lowest rate paced at */
  guint time_users;   /* ports on the common time base */
  gboolean have_offset;
  gint64 time_offset; /* the longest transit seen, clock minus sender time */
} GstSerialDevice;

/* One element's use of a device. */
struct _GstSerialPort {
  GstSerialDevice *dev;
  gchar *path;  /* as this element gave it */
  gchar *owner; /* the element's name */
  GstPoll *read_poll;
  GstPoll *write_poll;
  GstPollFD read_pfd;
  GstPollFD write_pfd;
  GstPollFD wake_pfd;
  gint wake[2]; /* a byte when another port read bytes for this one */

  /* under dev->lock */
  GByteArray *inq; /* bytes another port read for this one */
  gboolean flushing;
  gboolean waiting; /* for the line, with ticket and priority */
  guint64 line_waits;
  guint64 ticket;
  gint priority;
  guint holds;        /* begin_write calls not ended yet */
  gboolean time_user; /* on the common time base */
  gdouble pace_rate;  /* bytes per second this port paces at, 0: none */
};

/* Devices open in this process, by resolved path. */
static GMutex devices_lock;
static GHashTable *devices;

static void
ensure_debug_category (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (serial_port_debug, "serialport", 0,
        "serial port access");
    g_once_init_leave (&done, 1);
  }
}

void
gst_serial_port_config_init (GstSerialPortConfig *config)
{
  config->baud_rate = GST_SERIAL_DEFAULT_BAUD_RATE;
  config->data_bits = GST_SERIAL_DEFAULT_DATA_BITS;
  config->parity = GST_SERIAL_DEFAULT_PARITY;
  config->stop_bits = GST_SERIAL_DEFAULT_STOP_BITS;
  config->flow_control = GST_SERIAL_DEFAULT_FLOW_CONTROL;
  config->dtr = GST_SERIAL_DEFAULT_DTR;
  config->rts = GST_SERIAL_DEFAULT_RTS;
  config->hangup_on_close = GST_SERIAL_DEFAULT_HANGUP_ON_CLOSE;
}

void
gst_serial_port_error_clear (GstSerialPortError *err)
{
  g_clear_pointer (&err->message, g_free);
  g_clear_pointer (&err->debug, g_free);
}

static void set_error (GstSerialPortError *err, GstResourceError code,
    gchar *debug, const gchar *format, ...) G_GNUC_PRINTF (4, 5);

/* Takes ownership of @debug. */
static void
set_error (GstSerialPortError *err, GstResourceError code, gchar *debug,
    const gchar *format, ...)
{
  va_list args;

  gst_serial_port_error_clear (err);
  err->code = code;
  va_start (args, format);
  err->message = g_strdup_vprintf (format, args);
  va_end (args);
  err->debug = debug;
  GST_WARNING ("%s (%s)", err->message, GST_STR_NULL (debug));
}

/* Maps the errno of a failed open() to the error a user can act on. */
static void
set_open_error (GstSerialPortError *err, const gchar *path, int errnum,
    const gchar *what)
{
  gchar *debug =
      g_strdup_printf ("%s(%s): %s", what, path, g_strerror (errnum));

  switch (errnum) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      set_error (err, GST_RESOURCE_ERROR_NOT_FOUND, debug,
          "Serial port %s does not exist. Check the 'port' property; "
          "the ports found are listed when 'port' is not set.",
          path);
      break;
    case EACCES:
    case EPERM:
      set_error (err, GST_RESOURCE_ERROR_OPEN_READ_WRITE, debug,
          "No permission to open serial port %s. Add your user to the group "
          "that owns it (usually 'dialout': sudo usermod -aG dialout $USER) "
          "and log in again.",
          path);
      break;
    case EBUSY:
    case EWOULDBLOCK:
      set_error (err, GST_RESOURCE_ERROR_BUSY, debug,
          "Serial port %s is in use by another program or pipeline. "
          "Close it first.",
          path);
      break;
    default:
      set_error (err, GST_RESOURCE_ERROR_OPEN_READ_WRITE, debug,
          "Could not open serial port %s: %s.", path, g_strerror (errnum));
      break;
  }
}

static gboolean
check_config (const gchar *path, const GstSerialPortConfig *config,
    GstSerialPortError *err)
{
#ifdef __linux__
  /* Linux has no DTR/DSR hardware handshake (libserialport says the same
   * with SP_ERR_SUPP); refuse it instead of sending unprotected data. */
  if (config->flow_control == GST_SERIAL_FLOW_CONTROL_DTR_DSR) {
    set_error (err, GST_RESOURCE_ERROR_SETTINGS,
        g_strdup ("no DTR/DSR flow control on Linux"),
        "Serial port %s: flow-control=dtr-dsr is not supported on this "
        "system. Use rts-cts (wire RTS/CTS) or xon-xoff.",
        path);
    return FALSE;
  }
#endif
  if (config->flow_control == GST_SERIAL_FLOW_CONTROL_RTS_CTS &&
      config->rts != GST_SERIAL_LINE_KEEP) {
    set_error (err, GST_RESOURCE_ERROR_SETTINGS,
        g_strdup ("rts set together with rts-cts"),
        "Serial port %s: with flow-control=rts-cts the RTS line belongs to "
        "the flow control; leave 'rts' at 'keep'.",
        path);
    return FALSE;
  }
  return TRUE;
}

/* Takes the advisory lock that makes a second pipeline on the same port fail
 * with BUSY instead of interleaving bytes with ours. */
static gboolean
lock_port (GstSerialDevice *port, GstSerialPortError *err)
{
  if (flock (port->lock_fd, LOCK_EX | LOCK_NB) < 0) {
    set_open_error (err, port->path, errno, "flock");
    return FALSE;
  }
  return TRUE;
}

/* A port that has just appeared (a USB adapter plugged back) has the
 * kernel's default settings, with echo: until it is configured, bytes a
 * peer sends would go straight back to it. Switch echo and line editing off
 * at once, before anything else opens the port. */
static void
quiet_port (GstSerialDevice *port)
{
  struct termios t;

  if (tcgetattr (port->lock_fd, &t) < 0)
    return;
  t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL | ECHOKE | ICANON |
      ISIG | IEXTEN);
  tcsetattr (port->lock_fd, TCSANOW, &t);
}

static gboolean
open_lock_fd (GstSerialDevice *port, GstSerialPortError *err)
{
  port->lock_fd =
      open (port->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (port->lock_fd < 0) {
    set_open_error (err, port->path, errno, "open");
    return FALSE;
  }
  if (!isatty (port->lock_fd)) {
    set_error (err, GST_RESOURCE_ERROR_NOT_FOUND,
        g_strdup_printf ("isatty(%s): %s", port->device, g_strerror (errno)),
        "%s is not a serial port. Set 'port' to a serial device such as "
        "/dev/ttyUSB0 or /dev/ttyACM0.",
        port->path);
    return FALSE;
  }
  if (!lock_port (port, err))
    return FALSE;
  quiet_port (port);
  return TRUE;
}

static void
set_sp_error (GstSerialPortError *err, const gchar *path, const gchar *what,
    enum sp_return ret)
{
  gchar *msg = (ret == SP_ERR_FAIL) ? sp_last_error_message () : NULL;

  if (ret == SP_ERR_FAIL && sp_last_error_code () != 0) {
    set_open_error (err, path, sp_last_error_code (), what);
  } else {
    set_error (err, GST_RESOURCE_ERROR_SETTINGS,
        g_strdup_printf ("%s: libserialport error %d (%s)", what, ret,
            GST_STR_NULL (msg)),
        "Serial port %s refused its configuration (%s).", path, what);
  }
  if (msg)
    sp_free_error_message (msg);
}

static enum sp_parity
to_sp_parity (GstSerialParity parity)
{
  switch (parity) {
    case GST_SERIAL_PARITY_ODD:
      return SP_PARITY_ODD;
    case GST_SERIAL_PARITY_EVEN:
      return SP_PARITY_EVEN;
    case GST_SERIAL_PARITY_MARK:
      return SP_PARITY_MARK;
    case GST_SERIAL_PARITY_SPACE:
      return SP_PARITY_SPACE;
    case GST_SERIAL_PARITY_NONE:
    default:
      return SP_PARITY_NONE;
  }
}

static enum sp_flowcontrol
to_sp_flowcontrol (GstSerialFlowControl flow)
{
  switch (flow) {
    case GST_SERIAL_FLOW_CONTROL_XON_XOFF:
      return SP_FLOWCONTROL_XONXOFF;
    case GST_SERIAL_FLOW_CONTROL_RTS_CTS:
      return SP_FLOWCONTROL_RTSCTS;
    case GST_SERIAL_FLOW_CONTROL_DTR_DSR:
      return SP_FLOWCONTROL_DTRDSR;
    case GST_SERIAL_FLOW_CONTROL_NONE:
    default:
      return SP_FLOWCONTROL_NONE;
  }
}

static gboolean
open_libserialport (GstSerialDevice *port, const GstSerialPortConfig *config,
    GstSerialPortError *err)
{
  struct sp_port_config *spc = NULL;
  enum sp_return ret;
  const gchar *what;

  what = "sp_open";
  if ((ret = sp_open (port->sp, SP_MODE_READ_WRITE)) != SP_OK)
    goto failed;
  if ((ret = sp_get_port_handle (port->sp, &port->fd)) != SP_OK)
    goto failed;

  /* sp_open neither sets O_CLOEXEC nor leaves the descriptor non-blocking
   * in every version; all our waiting is done in GstPoll. */
  fcntl (port->fd, F_SETFD, FD_CLOEXEC);
  fcntl (port->fd, F_SETFL, fcntl (port->fd, F_GETFL) | O_NONBLOCK);

  what = "sp_set_config";
  if ((ret = sp_new_config (&spc)) != SP_OK)
    goto failed;
  sp_set_config_baudrate (spc, config->baud_rate);
  sp_set_config_bits (spc, config->data_bits);
  sp_set_config_parity (spc, to_sp_parity (config->parity));
  sp_set_config_stopbits (spc, config->stop_bits);
  sp_set_config_flowcontrol (spc, to_sp_flowcontrol (config->flow_control));
  ret = sp_set_config (port->sp, spc);
  sp_free_config (spc);
  if (ret != SP_OK)
    goto failed;

  return TRUE;

  /* ERRORS */
failed:
  set_sp_error (err, port->path, what, ret);
  return FALSE;
}

static tcflag_t
data_bits_to_csize (guint data_bits)
{
  switch (data_bits) {
    case 5:
      return CS5;
    case 6:
      return CS6;
    case 7:
      return CS7;
    case 8:
    default:
      return CS8;
  }
}

static guint
csize_to_data_bits (tcflag_t cflag)
{
  switch (cflag & CSIZE) {
    case CS5:
      return 5;
    case CS6:
      return 6;
    case CS7:
      return 7;
    case CS8:
    default:
      return 8;
  }
}

static tcflag_t
parity_to_cflag (GstSerialParity parity)
{
  switch (parity) {
    case GST_SERIAL_PARITY_ODD:
      return PARENB | PARODD;
    case GST_SERIAL_PARITY_EVEN:
      return PARENB;
    case GST_SERIAL_PARITY_MARK:
      return PARENB | CMSPAR | PARODD;
    case GST_SERIAL_PARITY_SPACE:
      return PARENB | CMSPAR;
    case GST_SERIAL_PARITY_NONE:
    default:
      return 0;
  }
}

static GstSerialParity
cflag_to_parity (tcflag_t cflag)
{
  switch (cflag & (PARENB | PARODD | CMSPAR)) {
    case PARENB | PARODD:
      return GST_SERIAL_PARITY_ODD;
    case PARENB:
      return GST_SERIAL_PARITY_EVEN;
    case PARENB | CMSPAR | PARODD:
      return GST_SERIAL_PARITY_MARK;
    case PARENB | CMSPAR:
      return GST_SERIAL_PARITY_SPACE;
    default:
      return GST_SERIAL_PARITY_NONE;
  }
}

/* Software flow control: ASCII DC1 and DC3, which everyone means. */
#define XON_CHAR 0x11
#define XOFF_CHAR 0x13

/* Sets the whole termios state both paths need. For ports opened through
 * libserialport most of it is already there; this also corrects what
 * libserialport 0.1.1 gets wrong (CRTSCTS) and what it does not cover. */
static gboolean
apply_termios (GstSerialDevice *port, const GstSerialPortConfig *config,
    GstSerialPortError *err)
{
  const gchar *call = "tcgetattr";
  struct termios t;

  if (tcgetattr (port->fd, &t) < 0)
    goto failed;

  /* Raw mode: no line editing, echo, signals or CR/LF translation. */
  t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
      IXON | IXOFF | IXANY | INPCK | IMAXBEL);
  /* libserialport 0.1.1 puts CRTSCTS into c_iflag, where it means nothing to
   * Linux; clear it there so that it cannot linger. */
  t.c_iflag &= ~CRTSCTS;
  t.c_oflag &= ~OPOST;
  t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL | ICANON | ISIG | IEXTEN);

  /* CLOCAL: a missing carrier (DCD) must neither block open nor hang up. */
  t.c_cflag &= ~(CSIZE | PARENB | PARODD | CMSPAR | CSTOPB | CRTSCTS | HUPCL);
  t.c_cflag |= CREAD | CLOCAL | data_bits_to_csize (config->data_bits);
  t.c_cflag |= parity_to_cflag (config->parity);
  if (config->stop_bits == 2)
    t.c_cflag |= CSTOPB;
  if (config->flow_control == GST_SERIAL_FLOW_CONTROL_RTS_CTS)
    t.c_cflag |= CRTSCTS;
  /* The characters themselves too: a terminal may have them disabled (0)
   * or changed by another program. */
  t.c_cc[VSTART] = XON_CHAR;
  t.c_cc[VSTOP] = XOFF_CHAR;
  if (config->flow_control == GST_SERIAL_FLOW_CONTROL_XON_XOFF)
    t.c_iflag |= IXON | IXOFF;
  if (config->hangup_on_close)
    t.c_cflag |= HUPCL;

  /* VMIN=1 rather than libserialport's 0: with O_NONBLOCK an empty port
   * then reads EAGAIN, and a read of 0 bytes can only mean a hang-up. */
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;

  call = "tcsetattr";
  if (tcsetattr (port->fd, TCSANOW, &t) < 0)
    goto failed;

  /* libserialport has set the rate of real ports already. */
  if (port->sp == NULL &&
      gst_serial_termios2_set_speed (port->fd, config->baud_rate) < 0)
    goto bad_rate;

  return TRUE;

  /* ERRORS */
failed:
  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("%s(%s): %s", call, port->device, g_strerror (errno)),
      "Could not configure serial port %s: %s.", port->path,
      g_strerror (errno));
  return FALSE;

bad_rate:
  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("TCSETS2(%s, %u): %s", port->device, config->baud_rate,
          g_strerror (errno)),
      "Serial port %s does not accept baud-rate=%u.", port->path,
      config->baud_rate);
  return FALSE;
}

static gboolean
set_modem_line (GstSerialDevice *port, int bit, GstSerialLineState state,
    GstSerialPortError *err)
{
  if (state == GST_SERIAL_LINE_KEEP)
    return TRUE;

  if (ioctl (port->fd, state == GST_SERIAL_LINE_ON ? TIOCMBIS : TIOCMBIC,
          &bit) == 0)
    return TRUE;

  /* Pseudo-terminals have no modem control lines. */
  if (port->sp == NULL && (errno == ENOTTY || errno == EINVAL)) {
    GST_INFO ("%s has no modem control lines, ignoring dtr/rts", port->path);
    return TRUE;
  }

  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("TIOCMBIS/TIOCMBIC(%s): %s", port->device,
          g_strerror (errno)),
      "Could not set the %s line of serial port %s: %s.",
      bit == TIOCM_DTR ? "DTR" : "RTS", port->path, g_strerror (errno));
  return FALSE;
}

static const gchar *
parity_name (GstSerialParity parity)
{
  static const gchar *names[] = { "none", "odd", "even", "mark", "space" };

  return names[parity];
}

/* Reads every setting back: drivers may accept a request and apply
 * something else (QEMU's 8250 accepts 921600 and falls back to the previous
 * rate or 9600). */
static gboolean
verify_config (GstSerialDevice *port, const GstSerialPortConfig *config,
    GstSerialPortError *err)
{
  struct termios t;
  guint rate = 0;
  guint64 diff;
  GstSerialParity parity;
  gboolean rtscts;

  if (tcgetattr (port->fd, &t) < 0 ||
      gst_serial_termios2_get_speed (port->fd, &rate) < 0)
    goto read_failed;

  diff = ABS ((gint64) rate - (gint64) config->baud_rate);
  if (diff * 100 > (guint64) config->baud_rate * BAUD_TOLERANCE_PERCENT)
    goto bad_rate;
  port->baud_rate = rate;

  /* Linux's pty driver forces CS8 and clears PARENB: a pseudo-terminal
   * carries bytes, not characters on a wire. */
  if (port->sp != NULL) {
    if (csize_to_data_bits (t.c_cflag) != config->data_bits)
      goto bad_bits;
    parity = cflag_to_parity (t.c_cflag);
    if (parity != config->parity)
      goto bad_parity;
  }

  if (((t.c_cflag & CSTOPB) ? 2 : 1) != config->stop_bits)
    goto bad_stop_bits;

  rtscts = (t.c_cflag & CRTSCTS) != 0;
  if (rtscts != (config->flow_control == GST_SERIAL_FLOW_CONTROL_RTS_CTS) ||
      ((t.c_iflag & (IXON | IXOFF)) == (IXON | IXOFF) &&
          t.c_cc[VSTART] == XON_CHAR && t.c_cc[VSTOP] == XOFF_CHAR) !=
          (config->flow_control == GST_SERIAL_FLOW_CONTROL_XON_XOFF))
    goto bad_flow;

  return TRUE;

  /* ERRORS */
read_failed:
  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("tcgetattr(%s): %s", port->device, g_strerror (errno)),
      "Could not read back the configuration of serial port %s: %s.",
      port->path, g_strerror (errno));
  return FALSE;

bad_rate:
  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("requested %u, driver reports %u", config->baud_rate,
          rate),
      "Serial port %s does not support baud-rate=%u: the driver applied "
      "%u instead. Choose a rate the adapter supports.",
      port->path, config->baud_rate, rate);
  return FALSE;

bad_bits:
  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("requested %u, driver reports %u", config->data_bits,
          csize_to_data_bits (t.c_cflag)),
      "Serial port %s does not support data-bits=%u.", port->path,
      config->data_bits);
  return FALSE;

bad_parity:
  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("requested %s, driver reports %s",
          parity_name (config->parity), parity_name (parity)),
      "Serial port %s does not support parity=%s.", port->path,
      parity_name (config->parity));
  return FALSE;

bad_stop_bits:
  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("requested %u stop bits", config->stop_bits),
      "Serial port %s does not support stop-bits=%u.", port->path,
      config->stop_bits);
  return FALSE;

bad_flow:
  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("c_cflag 0x%x c_iflag 0x%x", (guint) t.c_cflag,
          (guint) t.c_iflag),
      "Serial port %s did not accept the requested flow-control.", port->path);
  return FALSE;
}

/* Whether bytes really leave at the baud rate. Pseudo-terminals and USB CDC
 * ACM devices accept any rate and move data as fast as the other side
 * takes it. Read from sysfs once, at open: the elements ask with their
 * object lock held. */
static gboolean
baud_rate_is_real (GstSerialDevice *port)
{
  gchar *name, *driver;
  gboolean real;

  if (port->sp == NULL)
    return FALSE;

  name = g_path_get_basename (port->device);
  driver = gst_serial_port_read_driver (NULL, name);
  real = g_strcmp0 (driver, "cdc_acm") != 0;
  g_free (driver);
  g_free (name);
  return real;
}

static void
device_close (GstSerialDevice *port)
{
  if (port->fd >= 0) {
    /* Discard unsent data: close() of a real port otherwise waits up to
     * closing_wait (30 s) for a line that may be held off. The sink drains
     * on EOS, so only data of a stopped stream is lost here. Not on a
     * pseudo-terminal: there it would discard what the other side has not
     * read yet, and its close() never waits. */
    if (port->sp != NULL)
      tcflush (port->fd, TCOFLUSH);
    ioctl (port->fd, TIOCNXCL);
  }
  if (port->sp != NULL) {
    if (port->fd >= 0)
      sp_close (port->sp);
    sp_free_port (port->sp);
  }
  if (port->lock_fd >= 0)
    close (port->lock_fd);

  g_mutex_clear (&port->lock);
  g_cond_clear (&port->write_cond);
  g_byte_array_unref (port->held);
  free (port->device);
  g_free (port->path);
  g_free (port);
}

/* Opens @device (@path resolved) exclusively, applies @config and checks
 * that the driver took it. */
static GstSerialDevice *
device_open (const gchar *path, gchar *device,
    const GstSerialPortConfig *config, GstSerialPortError *err)
{
  GstSerialDevice *port = g_new0 (GstSerialDevice, 1);

  port->path = g_strdup (path);
  port->device = device;
  port->config = *config;
  port->fd = -1;
  port->lock_fd = -1;
  port->refs = 1;
  g_mutex_init (&port->lock);
  g_cond_init (&port->write_cond);
  port->held = g_byte_array_new ();

  /* Lock through a descriptor of our own before libserialport opens and
   * reconfigures the port, so that a busy port is left untouched. */
  if (!open_lock_fd (port, err))
    goto failed;

  if (sp_get_port_by_name (port->device, &port->sp) == SP_OK) {
    GST_DEBUG ("opening %s (%s) through libserialport", path, port->device);
    if (!open_libserialport (port, config, err))
      goto failed;
  } else {
    GST_DEBUG ("%s (%s) is not in /sys/class/tty, using termios directly", path,
        port->device);
    port->sp = NULL;
    port->fd = port->lock_fd;
  }

  /* Also keep out programs that do not use flock(); root bypasses this. */
  if (ioctl (port->fd, TIOCEXCL) < 0)
    GST_DEBUG ("TIOCEXCL(%s): %s", port->device, g_strerror (errno));

  if (!apply_termios (port, config, err) ||
      !set_modem_line (port, TIOCM_DTR, config->dtr, err) ||
      !set_modem_line (port, TIOCM_RTS, config->rts, err) ||
      !verify_config (port, config, err))
    goto failed;
  port->baud_rate_is_real = baud_rate_is_real (port);

  GST_INFO ("opened %s at %u baud", path, port->baud_rate);
  return port;

failed:
  device_close (port);
  return NULL;
}

static gboolean
same_config (const GstSerialPortConfig *a, const GstSerialPortConfig *b)
{
  return a->baud_rate == b->baud_rate && a->data_bits == b->data_bits &&
      a->parity == b->parity && a->stop_bits == b->stop_bits &&
      a->flow_control == b->flow_control && a->dtr == b->dtr &&
      a->rts == b->rts && a->hangup_on_close == b->hangup_on_close;
}

static gchar *
describe_config (const GstSerialPortConfig *c)
{
  static const gchar *flow[] = { "none", "xon-xoff", "rts-cts", "dtr-dsr" };
  static const gchar *line[] = { "keep", "on", "off" };

  return g_strdup_printf ("baud-rate=%u data-bits=%u parity=%s stop-bits=%u "
                          "flow-control=%s dtr=%s rts=%s hangup-on-close=%s",
      c->baud_rate, c->data_bits, parity_name (c->parity), c->stop_bits,
      flow[c->flow_control], line[c->dtr], line[c->rts],
      c->hangup_on_close ? "true" : "false");
}

/* Call with devices_lock. */
static void
set_mismatch_error (GstSerialDevice *dev, const gchar *path,
    const GstSerialPortConfig *config, const gchar *owner,
    GstSerialPortError *err)
{
  gchar *theirs = describe_config (&dev->config);
  gchar *ours = describe_config (config);
  gchar *user;

  g_mutex_lock (&dev->lock);
  /* The oldest user: the one that set the settings. */
  user = g_strdup (dev->ports
          ? ((GstSerialPort *) g_list_last (dev->ports)->data)->owner
          : "another element");
  g_mutex_unlock (&dev->lock);
  set_error (err, GST_RESOURCE_ERROR_SETTINGS,
      g_strdup_printf ("%s (%s): %s has %s; %s asks for %s", path, dev->device,
          user, theirs, owner, ours),
      "Serial port %s is already open in this program by %s with other "
      "settings than %s asks for. Elements that share a port must set the "
      "same baud-rate, data-bits, parity, stop-bits, flow-control, dtr, rts "
      "and hangup-on-close.",
      path, user, owner);
  g_free (user);
  g_free (theirs);
  g_free (ours);
}

/* The device @path resolves to, opened or already open, with a reference
 * for the caller. */
static GstSerialDevice *
device_get (const gchar *path, const GstSerialPortConfig *config,
    const gchar *owner, GstSerialPortError *err)
{
  GstSerialDevice *dev;
  gchar *device = realpath (path, NULL);

  if (device == NULL) {
    set_open_error (err, path, errno, "realpath");
    return NULL;
  }
  g_mutex_lock (&devices_lock);
  if (devices == NULL)
    devices = g_hash_table_new (g_str_hash, g_str_equal);
  dev = g_hash_table_lookup (devices, device);
  if (dev != NULL) {
    free (device);
    if (!same_config (&dev->config, config)) {
      set_mismatch_error (dev, path, config, owner, err);
      dev = NULL;
    } else {
      dev->refs++;
      GST_INFO ("%s: sharing %s", owner, dev->device);
    }
  } else {
    dev = device_open (path, device, config, err);
    if (dev != NULL)
      g_hash_table_insert (devices, dev->device, dev);
  }
  g_mutex_unlock (&devices_lock);
  return dev;
}

/* A device that went away (unplugged) is not shared any more: an element
 * that opens the port again gets the new device. */
static void
device_forget (GstSerialDevice *dev)
{
  g_mutex_lock (&devices_lock);
  if (devices && g_hash_table_lookup (devices, dev->device) == dev)
    g_hash_table_remove (devices, dev->device);
  g_mutex_unlock (&devices_lock);
}

static void
device_unref (GstSerialDevice *dev)
{
  gboolean last;

  g_mutex_lock (&devices_lock);
  last = --dev->refs == 0;
  if (last && g_hash_table_lookup (devices, dev->device) == dev)
    g_hash_table_remove (devices, dev->device);
  g_mutex_unlock (&devices_lock);
  if (last)
    device_close (dev);
}

/* Polls of @port's own: one per direction, so that a reader and a writer
 * may wait at once, and each element is interrupted alone. The read poll
 * also wakes when another port read bytes for this one. */
static gboolean
setup_polls (GstSerialPort *port, GstSerialPortError *err)
{
  int errnum;

  if (!g_unix_open_pipe (port->wake, FD_CLOEXEC, NULL))
    goto no_poll;
  if (!g_unix_set_fd_nonblocking (port->wake[0], TRUE, NULL) ||
      !g_unix_set_fd_nonblocking (port->wake[1], TRUE, NULL))
    goto no_poll;
  port->read_poll = gst_poll_new (TRUE);
  if (port->read_poll == NULL)
    goto no_poll;
  port->write_poll = gst_poll_new (TRUE);
  if (port->write_poll == NULL)
    goto no_poll;

  gst_poll_fd_init (&port->read_pfd);
  port->read_pfd.fd = port->dev->fd;
  gst_poll_add_fd (port->read_poll, &port->read_pfd);
  gst_poll_fd_ctl_read (port->read_poll, &port->read_pfd, TRUE);
  gst_poll_fd_init (&port->wake_pfd);
  port->wake_pfd.fd = port->wake[0];
  gst_poll_add_fd (port->read_poll, &port->wake_pfd);
  gst_poll_fd_ctl_read (port->read_poll, &port->wake_pfd, TRUE);

  gst_poll_fd_init (&port->write_pfd);
  port->write_pfd.fd = port->dev->fd;
  gst_poll_add_fd (port->write_poll, &port->write_pfd);
  gst_poll_fd_ctl_write (port->write_poll, &port->write_pfd, TRUE);
  return TRUE;

  /* ERRORS */
no_poll:
  errnum = errno;
  set_error (err, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
      g_strdup_printf ("gst_poll_new: %s", g_strerror (errnum)),
      "Could not wait on serial port %s: the system refused a resource "
      "(%s). Close other programs or raise the limit of open files "
      "(ulimit -n).",
      port->path, g_strerror (errnum));
  return FALSE;
}

/**
 * gst_serial_port_open:
 * @path: device path; symlinks such as /dev/serial/by-id/... are followed
 * @config: settings to apply
 * @owner: who opens it (an element's name), for errors
 * @err: (out): filled on failure
 *
 * Opens @path exclusively, applies @config and checks that the driver took
 * it; or, when the port is already open in this process, shares it if
 * @config is the same (else fails with GST_RESOURCE_ERROR_SETTINGS naming
 * both owners). Each element sharing a port reads every byte that arrives
 * and writes whole calls without other elements' bytes in between.
 * Returns %NULL on failure.
 */
GstSerialPort *
gst_serial_port_open (const gchar *path, const GstSerialPortConfig *config,
    const gchar *owner, GstSerialPortError *err)
{
  GstSerialPort *port;
  GstSerialDevice *dev;

  ensure_debug_category ();
  g_return_val_if_fail (path != NULL, NULL);

  if (!check_config (path, config, err))
    return NULL;
  dev = device_get (path, config, owner, err);
  if (dev == NULL)
    return NULL;

  port = g_new0 (GstSerialPort, 1);
  port->dev = dev;
  port->path = g_strdup (path);
  port->owner = g_strdup (owner);
  port->wake[0] = port->wake[1] = -1;
  port->inq = g_byte_array_new ();
  if (!setup_polls (port, err)) {
    gst_serial_port_close (port);
    return NULL;
  }
  g_mutex_lock (&dev->lock);
  dev->ports = g_list_prepend (dev->ports, port);
  g_mutex_unlock (&dev->lock);
  return port;
}

/* The line is modelled at the lowest rate a port of it paces at: the
 * bottleneck of the link. Call with dev->lock. */
static void
update_line_rate (GstSerialDevice *dev)
{
  GstClockTime free_at = dev->line.free_at;
  gdouble rate = 0;
  GList *l;

  for (l = dev->ports; l; l = l->next) {
    GstSerialPort *port = l->data;

    if (port->pace_rate > 0 && (rate == 0 || port->pace_rate < rate))
      rate = port->pace_rate;
  }
  gst_serial_line_init (&dev->line, rate);
  dev->line.free_at = free_at;
}

void
gst_serial_port_close (GstSerialPort *port)
{
  GstSerialDevice *dev;

  if (port == NULL)
    return;
  dev = port->dev;
  g_mutex_lock (&dev->lock);
  dev->ports = g_list_remove (dev->ports, port);
  if (dev->writer == port)
    dev->writer = NULL;
  update_line_rate (dev);
  if (port->time_user && --dev->time_users == 0)
    dev->have_offset = FALSE;
  g_cond_broadcast (&dev->write_cond);
  g_mutex_unlock (&dev->lock);

  if (port->read_poll)
    gst_poll_free (port->read_poll);
  if (port->write_poll)
    gst_poll_free (port->write_poll);
  if (port->wake[0] >= 0)
    close (port->wake[0]);
  if (port->wake[1] >= 0)
    close (port->wake[1]);
  g_byte_array_unref (port->inq);
  g_free (port->owner);
  g_free (port->path);
  g_free (port);
  device_unref (dev);
}

const gchar *
gst_serial_port_get_path (GstSerialPort *port)
{
  return port->path;
}

gboolean
gst_serial_port_is_pty (GstSerialPort *port)
{
  return port->dev->sp == NULL;
}

/**
 * gst_serial_port_set_priority:
 *
 * Writers of a shared port wait for the line in order of @priority
 * (higher first), then of arrival.
 */
void
gst_serial_port_set_priority (GstSerialPort *port, gint priority)
{
  g_mutex_lock (&port->dev->lock);
  port->priority = priority;
  g_mutex_unlock (&port->dev->lock);
}

/**
 * gst_serial_port_get_line_waits:
 *
 * How many write calls of @port found the line taken by another element
 * sharing the port, and waited.
 */
guint64
gst_serial_port_get_line_waits (GstSerialPort *port)
{
  guint64 waits;

  g_mutex_lock (&port->dev->lock);
  waits = port->line_waits;
  g_mutex_unlock (&port->dev->lock);
  return waits;
}

/**
 * gst_serial_port_set_line_rate:
 * @rate: bytes per second the element paces at, 0 when it does not
 *
 * The port models the line for all elements that share it (see
 * gst_serial_port_get_line_free_at()), at the lowest rate any of them
 * paces at.
 */
void
gst_serial_port_set_line_rate (GstSerialPort *port, gdouble rate)
{
  g_mutex_lock (&port->dev->lock);
  port->pace_rate = rate;
  update_line_rate (port->dev);
  g_mutex_unlock (&port->dev->lock);
}

/**
 * gst_serial_port_get_line_free_at:
 *
 * When the line will have carried every byte written so far by every
 * element sharing the port, on gst_serial_line_now()'s clock: pacing and
 * the freshness of live video see the whole line, not only their own
 * bytes. 0 when no element paces.
 */
GstClockTime
gst_serial_port_get_line_free_at (GstSerialPort *port)
{
  GstClockTime free_at;

  g_mutex_lock (&port->dev->lock);
  free_at = port->dev->line.free_at;
  g_mutex_unlock (&port->dev->lock);
  return free_at;
}

/**
 * gst_serial_port_join_time_base:
 *
 * @port's element timestamps its buffers on the time base common to the
 * elements of the port that join it (gst_serial_port_time_offset()).
 */
void
gst_serial_port_join_time_base (GstSerialPort *port)
{
  g_mutex_lock (&port->dev->lock);
  if (!port->time_user) {
    port->time_user = TRUE;
    port->dev->time_users++;
  }
  g_mutex_unlock (&port->dev->lock);
}

/**
 * gst_serial_port_get_time_base_users:
 *
 * How many elements of the port are on its common time base.
 */
guint
gst_serial_port_get_time_base_users (GstSerialPort *port)
{
  guint users;

  g_mutex_lock (&port->dev->lock);
  users = port->dev->time_users;
  g_mutex_unlock (&port->dev->lock);
  return users;
}

/**
 * gst_serial_port_time_offset:
 * @transit: how long a frame took, from its sender's timestamp to its
 *   arrival (clock time minus sender time; any sign)
 *
 * Returns the offset from sender time to clock time common to the
 * elements on the port's time base: the longest transit any of their
 * frames took so far. Timestamped with it, every frame is due after it
 * arrived, and frames of different channels sent at the same time are due
 * at the same time.
 */
gint64
gst_serial_port_time_offset (GstSerialPort *port, gint64 transit)
{
  GstSerialDevice *dev = port->dev;
  gint64 offset;

  g_mutex_lock (&dev->lock);
  if (!dev->have_offset || transit > dev->time_offset) {
    dev->time_offset = transit;
    dev->have_offset = TRUE;
  }
  offset = dev->time_offset;
  g_mutex_unlock (&dev->lock);
  return offset;
}

/**
 * gst_serial_port_others_go_first:
 *
 * Whether another element sharing the port has a higher priority: its
 * writes go before those of @port that wait.
 */
gboolean
gst_serial_port_others_go_first (GstSerialPort *port)
{
  gboolean first = FALSE;
  GList *l;

  g_mutex_lock (&port->dev->lock);
  for (l = port->dev->ports; l && !first; l = l->next) {
    GstSerialPort *other = l->data;

    first = other != port && other->priority > port->priority;
  }
  g_mutex_unlock (&port->dev->lock);
  return first;
}

/**
 * gst_serial_port_is_shared:
 *
 * Whether other elements of the process use the port too.
 */
gboolean
gst_serial_port_is_shared (GstSerialPort *port)
{
  gboolean shared;

  g_mutex_lock (&port->dev->lock);
  shared = port->dev->ports && port->dev->ports->next;
  g_mutex_unlock (&port->dev->lock);
  return shared;
}

void
gst_serial_port_set_flushing (GstSerialPort *port, gboolean flushing)
{
  g_mutex_lock (&port->dev->lock);
  port->flushing = flushing;
  g_cond_broadcast (&port->dev->write_cond);
  g_mutex_unlock (&port->dev->lock);
  gst_poll_set_flushing (port->read_poll, flushing);
  gst_poll_set_flushing (port->write_poll, flushing);
}

/* Waits until @poll reports the descriptor ready, or up to @timeout.
 * Readiness includes hang-ups, which the next read or write reports. */
static GstSerialIoResult
wait_on (GstSerialPort *port, GstPoll *poll, GstClockTime timeout,
    GstSerialPortError *err)
{
  gint ret;
  guint8 drain[64];

  do {
    ret = gst_poll_wait (poll, timeout);
  } while (ret < 0 && (errno == EINTR || errno == EAGAIN));

  if (ret >= 0) {
    /* Woken for bytes another port read: they are in the queue. */
    if (poll == port->read_poll)
      while (read (port->wake[0], drain, sizeof (drain)) > 0)
        ;
    return GST_SERIAL_IO_OK;
  }
  if (errno == EBUSY)
    return GST_SERIAL_IO_FLUSHING;

  set_error (err, GST_RESOURCE_ERROR_FAILED,
      g_strdup_printf ("gst_poll_wait: %s", g_strerror (errno)),
      "Internal error while waiting on serial port %s: %s.", port->path,
      g_strerror (errno));
  return GST_SERIAL_IO_ERROR;
}

static gboolean
errno_is_hangup (int errnum)
{
  return errnum == EIO || errnum == ENXIO || errnum == ENODEV ||
      errnum == EPIPE;
}

static void
set_io_error (GstSerialPort *port, GstResourceError code, int errnum,
    const gchar *what, GstSerialPortError *err)
{
  gchar *debug = g_strdup_printf ("%s(%s): %s", what, port->dev->device,
      errnum ? g_strerror (errnum) : "end of file");

  if (errnum == 0 || errno_is_hangup (errnum)) {
    set_error (err, code, debug,
        "Serial port %s was disconnected (the "
        "adapter was unplugged, or the other end of the pseudo-terminal "
        "closed).",
        port->path);
    err->gone = TRUE;
    device_forget (port->dev);
  } else {
    set_error (err, code, debug, "Could not %s serial port %s: %s.",
        code == GST_RESOURCE_ERROR_READ ? "read from" : "write to", port->path,
        g_strerror (errnum));
  }
}

/* --- Writing: one port at a time on the line ------------------------------ */

/* Whether @port comes first among the ports waiting for the line: highest
 * priority, then first come. Call with dev->lock. */
static gboolean
first_in_line (GstSerialDevice *dev, GstSerialPort *port)
{
  GList *l;

  for (l = dev->ports; l; l = l->next) {
    GstSerialPort *other = l->data;

    if (other == port || !other->waiting)
      continue;
    if (other->priority > port->priority ||
        (other->priority == port->priority && other->ticket < port->ticket))
      return FALSE;
  }
  return TRUE;
}

/* Writes the control bytes held for the line while it is free, as far as
 * the driver takes them now. Call with dev->lock. */
static void
write_held (GstSerialDevice *dev)
{
  gssize n;

  if (dev->held->len == 0)
    return;
  do {
    n = write (dev->fd, dev->held->data, dev->held->len);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    gst_serial_line_sent (&dev->line, gst_serial_line_now (), n);
    g_byte_array_remove_range (dev->held, 0, n);
  }
}

/* Waits until @port may write: no other port writing, none before it in
 * line. A flush of @port ends the wait. */
static GstSerialIoResult
take_line (GstSerialPort *port)
{
  GstSerialDevice *dev = port->dev;
  GstSerialIoResult res = GST_SERIAL_IO_OK;

  g_mutex_lock (&dev->lock);
  port->ticket = dev->tickets++;
  port->waiting = TRUE;
  if (!port->flushing && (dev->writer || !first_in_line (dev, port)))
    port->line_waits++;
  while (!port->flushing && (dev->writer || !first_in_line (dev, port)))
    g_cond_wait (&dev->write_cond, &dev->lock);
  port->waiting = FALSE;
  if (port->flushing) {
    res = GST_SERIAL_IO_FLUSHING;
    g_cond_broadcast (&dev->write_cond);
  } else {
    dev->writer = port;
    GST_LOG ("%s takes the line (ticket %" G_GUINT64_FORMAT ")", port->owner,
        port->ticket);
  }
  g_mutex_unlock (&dev->lock);
  return res;
}

/* The line is free again: first the control bytes held meanwhile. */
static void
give_line (GstSerialPort *port)
{
  GstSerialDevice *dev = port->dev;

  g_mutex_lock (&dev->lock);
  write_held (dev);
  if (dev->writer == port)
    dev->writer = NULL;
  g_cond_broadcast (&dev->write_cond);
  g_mutex_unlock (&dev->lock);
}

/* Writes all of @data, waiting for the port as needed. Call holding the
 * line. */
static GstSerialIoResult
write_all_held (GstSerialPort *port, const guint8 *data, gsize size,
    gsize *written, GstSerialPortError *err)
{
  GstSerialIoResult res;
  gssize n;

  while (*written < size) {
    n = write (port->dev->fd, data + *written, size - *written);
    if (n >= 0) {
      g_mutex_lock (&port->dev->lock);
      gst_serial_line_sent (&port->dev->line, gst_serial_line_now (), n);
      g_mutex_unlock (&port->dev->lock);
      *written += n;
      continue;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN)
      goto write_error;

    res = wait_on (port, port->write_poll, GST_CLOCK_TIME_NONE, err);
    if (res != GST_SERIAL_IO_OK)
      return res;
  }
  return GST_SERIAL_IO_OK;

  /* ERRORS */
write_error:
  set_io_error (port, GST_RESOURCE_ERROR_WRITE, errno, "write", err);
  return GST_SERIAL_IO_ERROR;
}

/* What another element could not finish goes first, whole. Call holding
 * the line. */
static GstSerialIoResult
write_held_whole (GstSerialPort *port, GstSerialPortError *err)
{
  GstSerialDevice *dev = port->dev;
  GstSerialIoResult res = GST_SERIAL_IO_OK;

  g_mutex_lock (&dev->lock);
  while (res == GST_SERIAL_IO_OK && dev->held->len > 0) {
    GByteArray *held = g_byte_array_ref (dev->held);
    gsize done = 0;

    dev->held = g_byte_array_new ();
    g_mutex_unlock (&dev->lock);
    res = write_all_held (port, held->data, held->len, &done, err);
    g_byte_array_unref (held);
    g_mutex_lock (&dev->lock);
  }
  g_mutex_unlock (&dev->lock);
  return res;
}

/**
 * gst_serial_port_begin_write:
 *
 * Takes the line for @port until gst_serial_port_end_write(): on a shared
 * port, no other element's bytes come between the writes of @port
 * meanwhile, so that a packet written in several refills (pacing) stays
 * whole. Calls nest. FLUSHING when a flush ended the wait; the line is
 * not held then.
 */
GstSerialIoResult
gst_serial_port_begin_write (GstSerialPort *port, GstSerialPortError *err)
{
  GstSerialIoResult res;

  if (port->holds > 0) {
    port->holds++;
    return GST_SERIAL_IO_OK;
  }
  res = take_line (port);
  if (res != GST_SERIAL_IO_OK)
    return res;
  port->holds = 1;
  res = write_held_whole (port, err);
  if (res != GST_SERIAL_IO_OK)
    gst_serial_port_end_write (port);
  return res;
}

/**
 * gst_serial_port_end_write:
 *
 * Ends a gst_serial_port_begin_write() that succeeded; the line goes to
 * the next element waiting when the outermost one ends.
 */
void
gst_serial_port_end_write (GstSerialPort *port)
{
  g_return_if_fail (port->holds > 0);
  if (--port->holds == 0)
    give_line (port);
}

/**
 * gst_serial_port_holds_line:
 *
 * Whether @port is between gst_serial_port_begin_write() and
 * gst_serial_port_end_write().
 */
gboolean
gst_serial_port_holds_line (GstSerialPort *port)
{
  return port->holds > 0;
}

/**
 * gst_serial_port_write_all:
 * @written: (out): bytes written, also when interrupted or failing
 *
 * Writes all of @data, waiting for the port as needed, with no other
 * element's bytes in between: on a shared port one element writes at a
 * time, in order of priority.
 */
GstSerialIoResult
gst_serial_port_write_all (GstSerialPort *port, const guint8 *data, gsize size,
    gsize *written, GstSerialPortError *err)
{
  GstSerialIoResult res;

  *written = 0;
  res = gst_serial_port_begin_write (port, err);
  if (res != GST_SERIAL_IO_OK)
    return res;
  res = write_all_held (port, data, size, written, err);
  gst_serial_port_end_write (port);
  return res;
}

/**
 * gst_serial_port_try_write:
 *
 * Writes what the driver takes now, without waiting: *@written may be
 * less than @size, 0 when the driver is full (nobody reads the line, or
 * flow control holds it). For what must never hold up its caller, such as
 * serialsrc's control packets on a transmit line that may not drain. While
 * another element sharing the port writes, @data waits for it to finish
 * (up to PENDING_MAX bytes; counted as written).
 */
GstSerialIoResult
gst_serial_port_try_write (GstSerialPort *port, const guint8 *data, gsize size,
    gsize *written, GstSerialPortError *err)
{
  GstSerialDevice *dev = port->dev;
  gssize n;

  *written = 0;
  g_mutex_lock (&dev->lock);
  if (dev->writer || dev->held->len > 0) {
    /* Never between two writes of the element that holds the line. */
    if (dev->writer == NULL)
      write_held (dev);
    if (dev->writer || dev->held->len > 0) {
      /* No room: *written stays 0, and the caller counts it dropped. */
      if (dev->held->len + size <= PENDING_MAX) {
        g_byte_array_append (dev->held, data, size);
        *written = size;
      }
      g_mutex_unlock (&dev->lock);
      return GST_SERIAL_IO_OK;
    }
  }
  do {
    n = write (dev->fd, data, size);
  } while (n < 0 && errno == EINTR);
  if (n > 0)
    gst_serial_line_sent (&dev->line, gst_serial_line_now (), n);
  g_mutex_unlock (&dev->lock);
  if (n >= 0) {
    *written = n;
    return GST_SERIAL_IO_OK;
  }
  if (errno == EAGAIN)
    return GST_SERIAL_IO_OK;
  set_io_error (port, GST_RESOURCE_ERROR_WRITE, errno, "write", err);
  return GST_SERIAL_IO_ERROR;
}

/* --- Reading: every port gets every byte ---------------------------------- */

/* Queues @n bytes another port read for @port, and wakes it. Call with
 * dev->lock. */
static void
queue_for (GstSerialPort *port, const guint8 *data, gsize n)
{
  gboolean was_empty = port->inq->len == 0;
  guint8 byte = 1;

  if (port->inq->len + n > INQ_MAX) {
    gsize drop = MIN (port->inq->len + n - INQ_MAX, port->inq->len);

    g_byte_array_remove_range (port->inq, 0, drop);
  }
  g_byte_array_append (port->inq, data, n);
  if (was_empty && write (port->wake[1], &byte, 1) < 0)
    GST_LOG ("wake: %s", g_strerror (errno));
}

/* Bytes for @port, without waiting: first what other ports read for it;
 * else a read of the descriptor, which, when the port is shared, every
 * other port gets too. As read(): the bytes, 0 at the end of the file, -1
 * with errno (EAGAIN: none now). */
static gssize
take_bytes (GstSerialPort *port, guint8 *data, gsize size)
{
  GstSerialDevice *dev = port->dev;
  guint8 buf[4096];
  gssize n;
  GList *l;

  g_mutex_lock (&dev->lock);
  if (port->inq->len > 0) {
    n = MIN (size, port->inq->len);
    memcpy (data, port->inq->data, n);
    g_byte_array_remove_range (port->inq, 0, n);
  } else if (dev->ports == NULL || dev->ports->next == NULL) {
    do {
      n = read (dev->fd, data, size);
    } while (n < 0 && errno == EINTR);
  } else {
    do {
      n = read (dev->fd, buf, sizeof (buf));
    } while (n < 0 && errno == EINTR);
    for (l = dev->ports; n > 0 && l; l = l->next)
      if (l->data != port)
        queue_for (l->data, buf, n);
    if (n > (gssize) size) {
      g_byte_array_append (port->inq, buf + size, n - size);
      n = size;
    }
    if (n > 0)
      memcpy (data, buf, n);
  }
  g_mutex_unlock (&dev->lock);
  return n;
}

GstSerialIoResult
gst_serial_port_read (GstSerialPort *port, guint8 *data, gsize size,
    gsize *n_read, GstSerialPortError *err)
{
  GstSerialIoResult res;
  gssize n;

  *n_read = 0;
  for (;;) {
    n = take_bytes (port, data, size);
    if (n > 0) {
      *n_read = n;
      return GST_SERIAL_IO_OK;
    }
    if (n == 0) {
      /* VMIN=1: 0 bytes from a non-blocking tty means hang-up. */
      errno = 0;
      goto read_error;
    }
    if (errno != EAGAIN)
      goto read_error;

    res = wait_on (port, port->read_poll, GST_CLOCK_TIME_NONE, err);
    if (res != GST_SERIAL_IO_OK)
      return res;
  }

  /* ERRORS */
read_error:
  set_io_error (port, GST_RESOURCE_ERROR_READ, errno, "read", err);
  return GST_SERIAL_IO_ERROR;
}

/**
 * gst_serial_port_wait_read:
 *
 * Waits until the port has something to read, or up to @timeout: for
 * those who must also act when the line stays quiet (a sender waiting for
 * the receiver's word, a receiver asking for what did not come). Returns
 * GST_SERIAL_IO_FLUSHING when interrupted, as the other calls do.
 */
GstSerialIoResult
gst_serial_port_wait_read (GstSerialPort *port, GstClockTime timeout,
    GstSerialPortError *err)
{
  gboolean queued;

  g_mutex_lock (&port->dev->lock);
  queued = port->inq->len > 0;
  g_mutex_unlock (&port->dev->lock);
  if (queued)
    return GST_SERIAL_IO_OK;
  return wait_on (port, port->read_poll, timeout, err);
}

/**
 * gst_serial_port_try_read:
 *
 * Reads what has arrived, up to @size bytes, without waiting: *@n_read is
 * 0 when nothing has. For serialsink, which reads the receiver's control
 * packets between writes.
 */
GstSerialIoResult
gst_serial_port_try_read (GstSerialPort *port, guint8 *data, gsize size,
    gsize *n_read, GstSerialPortError *err)
{
  gssize n;

  *n_read = 0;
  n = take_bytes (port, data, size);
  if (n > 0) {
    *n_read = n;
    return GST_SERIAL_IO_OK;
  }
  if (n < 0 && errno == EAGAIN)
    return GST_SERIAL_IO_OK;
  /* VMIN=1: 0 bytes from a non-blocking tty means hang-up. */
  set_io_error (port, GST_RESOURCE_ERROR_READ, n == 0 ? 0 : errno, "read", err);
  return GST_SERIAL_IO_ERROR;
}

/**
 * gst_serial_port_sleep:
 *
 * Waits for @duration, or less when gst_serial_port_set_flushing() cuts it
 * short (GST_SERIAL_IO_FLUSHING).
 */
GstSerialIoResult
gst_serial_port_sleep (GstSerialPort *port, GstClockTime duration,
    GstSerialPortError *err)
{
  GstSerialIoResult res;

  /* The write poll with the descriptor switched off is a timer that
   * unlock() can still interrupt. */
  gst_poll_fd_ctl_write (port->write_poll, &port->write_pfd, FALSE);
  res = wait_on (port, port->write_poll, duration, err);
  gst_poll_fd_ctl_write (port->write_poll, &port->write_pfd, TRUE);
  return res;
}

/* Bytes written but not yet sent by the driver, 0 where it cannot tell
 * (pseudo-terminals always say 0). */
guint
gst_serial_port_get_output_queue (GstSerialPort *port)
{
  int queued = 0;

  if (ioctl (port->dev->fd, TIOCOUTQ, &queued) < 0 || queued < 0)
    return 0;
  return queued;
}

/**
 * gst_serial_port_drain:
 *
 * Waits until the driver has sent everything written so far, so that
 * closing the port afterwards loses nothing. Unlike tcdrain(), it can be
 * interrupted with gst_serial_port_set_flushing().
 */
GstSerialIoResult
gst_serial_port_drain (GstSerialPort *port, GstSerialPortError *err)
{
  GstSerialIoResult res = GST_SERIAL_IO_OK;
  GstClockTime wait;
  guint queued;

  while ((queued = gst_serial_port_get_output_queue (port)) > 0) {
    wait = gst_util_uint64_scale_int (queued * 10, GST_SECOND,
        MAX (port->dev->baud_rate, 1));
    wait = CLAMP (wait, GST_MSECOND, DRAIN_MAX_WAIT);
    GST_LOG ("%s: %u bytes queued, waiting %" GST_TIME_FORMAT, port->path,
        queued, GST_TIME_ARGS (wait));
    res = gst_serial_port_sleep (port, wait, err);
    if (res != GST_SERIAL_IO_OK)
      break;
  }
  return res;
}

gboolean
gst_serial_port_baud_rate_is_real (GstSerialPort *port)
{
  return port->dev->baud_rate_is_real;
}

guint
gst_serial_port_get_baud_rate (GstSerialPort *port)
{
  return port->dev->baud_rate;
}
