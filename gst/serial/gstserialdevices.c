/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: finding the serial ports of the system without opening them.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * sp_list_ports() opens every 8250 port to probe whether it exists, and
 * opening a port can reset a board through DTR or disturb the system console.
 * sysfs tells the same without opening anything: ports without a device
 * behind them are virtual (consoles, pseudo-terminals), and serial_core ports
 * that have no UART report type 0 (PORT_UNKNOWN). Everything else said about
 * a port (USB ids and strings, UART model, bus) is read from sysfs too, so
 * that a fabricated tree in the tests exercises all of it.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialdevices.h"

#include <stdlib.h>
#include <string.h>

/* How far up from a tty's device to look for the USB device it belongs to:
 * tty -> usb-serial port -> interface -> device is three steps. */
#define MAX_USB_DEPTH 6

/* The 8250 family's models by serial_core port type (PORT_8250 = 1 ...), as
 * the kernel names them in its boot messages. */
static const gchar *const uart_models[] = {
  NULL,
  "8250",
  "16450",
  "16550",
  "16550A",
  "Cirrus",
  "ST16650",
  "ST16650V2",
  "TI16750",
  "Startech",
  "16C950/954",
  "ST16654",
  "XR16850",
  "RSA",
  "NS16550A",
  "XScale",
};

#define PORT_AMBA 32

void
gst_serial_port_info_free (GstSerialPortInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->path);
  g_free (info->description);
  g_free (info->bus);
  g_free (info->driver);
  g_free (info->sysfs_path);
  g_free (info->manufacturer);
  g_free (info->product);
  g_free (info->serial);
  g_free (info->by_id);
  g_free (info->uart);
  g_free (info->address);
  g_free (info);
}

/* Whether two enumerations found the same port: a port whose details change
 * between two looks (another adapter plugged in under the same name) is a
 * different device. */
gboolean
gst_serial_port_info_equal (const GstSerialPortInfo *a,
    const GstSerialPortInfo *b)
{
  return g_strcmp0 (a->name, b->name) == 0 &&
      g_strcmp0 (a->path, b->path) == 0 &&
      g_strcmp0 (a->description, b->description) == 0 &&
      a->transport == b->transport && g_strcmp0 (a->bus, b->bus) == 0 &&
      g_strcmp0 (a->driver, b->driver) == 0 &&
      g_strcmp0 (a->sysfs_path, b->sysfs_path) == 0 &&
      a->vendor_id == b->vendor_id && a->product_id == b->product_id &&
      g_strcmp0 (a->manufacturer, b->manufacturer) == 0 &&
      g_strcmp0 (a->product, b->product) == 0 &&
      g_strcmp0 (a->serial, b->serial) == 0 &&
      g_strcmp0 (a->by_id, b->by_id) == 0 &&
      g_strcmp0 (a->uart, b->uart) == 0 && a->uart_clock == b->uart_clock &&
      g_strcmp0 (a->address, b->address) == 0;
}

const gchar *
gst_serial_transport_to_string (GstSerialTransport transport)
{
  switch (transport) {
    case GST_SERIAL_TRANSPORT_USB:
      return "usb";
    case GST_SERIAL_TRANSPORT_BLUETOOTH:
      return "bluetooth";
    case GST_SERIAL_TRANSPORT_NATIVE:
    default:
      return "native";
  }
}

/* The first line of a sysfs attribute, or NULL when it is missing or
 * empty (USB devices without a serial string have no "serial" file). */
static gchar *
read_attr (const gchar *dir, const gchar *file)
{
  gchar *path = g_build_filename (dir, file, NULL);
  gchar *contents = NULL;

  if (g_file_get_contents (path, &contents, NULL, NULL)) {
    gchar *eol = strchr (contents, '\n');

    if (eol)
      *eol = '\0';
    g_strstrip (contents);
    if (contents[0] == '\0')
      g_clear_pointer (&contents, g_free);
  }
  g_free (path);
  return contents;
}

static guint
read_attr_uint (const gchar *dir, const gchar *file, guint base)
{
  gchar *text = read_attr (dir, file);
  guint value = text ? (guint) g_ascii_strtoull (text, NULL, base) : 0;

  g_free (text);
  return value;
}

/* The name a sysfs link points at: "serial8250" for a driver link. */
static gchar *
read_link_name (const gchar *dir, const gchar *file)
{
  gchar *link = g_build_filename (dir, file, NULL);
  gchar *target = g_file_read_link (link, NULL);
  gchar *name = target ? g_path_get_basename (target) : NULL;

  g_free (target);
  g_free (link);
  return name;
}

static gchar *
resolve_path (const gchar *path)
{
  char *real = realpath (path, NULL);
  gchar *copy = g_strdup (real);

  free (real);
  return copy;
}

/* The ports the kernel writes its console to, e.g. "tty0 ttyS0"; an
 * empty list when sysfs does not say. */
static gchar **
read_consoles (const gchar *dir)
{
  gchar *console = g_build_filename (dir, "console", NULL);
  gchar *active = read_attr (console, "active");
  gchar **names = active ? g_strsplit (active, " ", -1) : g_new0 (gchar *, 1);

  g_free (active);
  g_free (console);
  return names;
}

/* RFCOMM ports are virtual devices, yet real serial links. */
static gboolean
is_bluetooth (const gchar *name)
{
  return g_str_has_prefix (name, "rfcomm");
}

static gboolean
is_present_port (const gchar *dir, const gchar *name)
{
  gchar *tty = g_build_filename (dir, name, NULL);
  gchar *device = g_build_filename (tty, "device", NULL);
  gchar *type = read_attr (tty, "type");
  gboolean present;

  if (is_bluetooth (name))
    present = g_file_test (tty, G_FILE_TEST_IS_DIR);
  else
    present = g_file_test (device, G_FILE_TEST_IS_DIR);

  /* Any serial_core driver reports type 0 for a line without a UART (the
   * 8250 driver registers ttyS0 to ttyS3 whether or not they exist). Not
   * only the serial8250 driver: from Linux 6.5 the tty's device is a
   * serial-base port whatever the driver. */
  if (present && type != NULL && strcmp (type, "0") == 0)
    present = FALSE;

  g_free (type);
  g_free (device);
  g_free (tty);
  return present;
}

/* The device that owns the port: from Linux 6.5, serial_core puts two
 * serial-base devices (controller, port) between the tty and the hardware;
 * they say nothing of it. */
static gchar *
resolve_hardware (const gchar *tty)
{
  gchar *device = g_build_filename (tty, "device", NULL);
  gchar *hw = resolve_path (device);

  g_free (device);
  while (hw != NULL) {
    gchar *subsystem = read_link_name (hw, "subsystem");
    gboolean serial_base = g_strcmp0 (subsystem, "serial-base") == 0;
    gchar *parent;

    g_free (subsystem);
    if (!serial_base)
      break;
    parent = g_path_get_dirname (hw);
    g_free (hw);
    hw = parent;
  }
  return hw;
}

/* The kernel driver of the hardware at @hw (ftdi_sio, cdc_acm, serial8250):
 * for the enumeration and for the port module, which paces by it. */
static gchar *
read_driver (const gchar *hw)
{
  return read_link_name (hw, "driver");
}

/* The USB device above @hw: the first ancestor that has an idVendor. */
static gchar *
find_usb_device (const gchar *hw)
{
  gchar *dir = g_strdup (hw);
  guint depth;

  for (depth = 0; depth < MAX_USB_DEPTH; depth++) {
    gchar *id = g_build_filename (dir, "idVendor", NULL);
    gboolean found = g_file_test (id, G_FILE_TEST_IS_REGULAR);
    gchar *parent;

    g_free (id);
    if (found)
      return dir;
    parent = g_path_get_dirname (dir);
    if (strcmp (parent, dir) == 0) {
      g_free (parent);
      break;
    }
    g_free (dir);
    dir = parent;
  }
  g_free (dir);
  return NULL;
}

static void
read_usb (GstSerialPortInfo *info, const gchar *usb)
{
  info->transport = GST_SERIAL_TRANSPORT_USB;
  g_free (info->bus);
  info->bus = g_strdup ("usb");
  info->vendor_id = read_attr_uint (usb, "idVendor", 16);
  info->product_id = read_attr_uint (usb, "idProduct", 16);
  info->manufacturer = read_attr (usb, "manufacturer");
  info->product = read_attr (usb, "product");
  info->serial = read_attr (usb, "serial");
}

static void
read_hardware (GstSerialPortInfo *info, const gchar *tty)
{
  gchar *usb;

  info->sysfs_path = resolve_hardware (tty);
  if (info->sysfs_path == NULL)
    return;
  info->bus = read_link_name (info->sysfs_path, "subsystem");
  info->driver = read_driver (info->sysfs_path);

  usb = find_usb_device (info->sysfs_path);
  if (usb != NULL) {
    read_usb (info, usb);
    g_free (usb);
  } else if (g_strcmp0 (info->bus, "pci") == 0) {
    /* "0x1415": strtoull takes the prefix with base 16. */
    info->vendor_id = read_attr_uint (info->sysfs_path, "vendor", 16);
    info->product_id = read_attr_uint (info->sysfs_path, "device", 16);
  }
}

static void
read_uart (GstSerialPortInfo *info, const gchar *tty)
{
  guint type = read_attr_uint (tty, "type", 10);

  if (type > 0 && type < G_N_ELEMENTS (uart_models))
    info->uart = g_strdup (uart_models[type]);
  else if (type == PORT_AMBA)
    info->uart = g_strdup ("AMBA");
  else if (type > 0)
    info->uart = g_strdup_printf ("type %u", type);
  info->uart_clock = read_attr_uint (tty, "uartclk", 10);
}

static gchar *
describe (const GstSerialPortInfo *info)
{
  switch (info->transport) {
    case GST_SERIAL_TRANSPORT_USB:
      if (info->product)
        return g_strdup (info->product);
      if (info->manufacturer)
        return g_strdup_printf ("%s USB serial port", info->manufacturer);
      return g_strdup_printf ("USB serial port %04x:%04x", info->vendor_id,
          info->product_id);
    case GST_SERIAL_TRANSPORT_BLUETOOTH:
      if (info->address)
        return g_strdup_printf ("Bluetooth serial port %s", info->address);
      return g_strdup ("Bluetooth serial port");
    case GST_SERIAL_TRANSPORT_NATIVE:
    default:
      break;
  }
  if (info->uart && !g_str_has_prefix (info->uart, "type "))
    return g_strdup_printf ("%s UART", info->uart);
  if (info->driver)
    return g_strdup_printf ("%s serial port", info->driver);
  return g_strdup ("Serial port");
}

static GstSerialPortInfo *
read_port (const gchar *dir, const gchar *name, GHashTable *by_id)
{
  GstSerialPortInfo *info = g_new0 (GstSerialPortInfo, 1);
  gchar *tty = g_build_filename (dir, name, NULL);

  info->name = g_strdup (name);
  info->path = g_build_filename ("/dev", name, NULL);
  info->by_id = g_strdup (g_hash_table_lookup (by_id, name));
  if (is_bluetooth (name)) {
    info->transport = GST_SERIAL_TRANSPORT_BLUETOOTH;
    info->bus = g_strdup ("bluetooth");
    info->address = read_attr (tty, "address");
  } else {
    read_hardware (info, tty);
    read_uart (info, tty);
  }
  info->description = describe (info);
  g_free (tty);
  return info;
}

/* g_ptr_array_sort() passes pointers to the elements. */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* Port name -> its /dev/serial/by-id link. udev's links are relative
 * ("../../ttyUSB0"): the name of the target is enough, since serial ports
 * live at the top of /dev. Where two links name one port, the first in
 * sorted order wins, so that every look gives the same answer. */
static GHashTable *
read_by_id (const gchar *by_id_dir)
{
  GHashTable *map =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GDir *d = g_dir_open (by_id_dir, 0, NULL);
  const gchar *entry;
  GPtrArray *links;
  guint i;

  /* No such directory without udev, or without a USB port plugged in. */
  if (d == NULL)
    return map;
  links = g_ptr_array_new_with_free_func (g_free);
  while ((entry = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (links, g_strdup (entry));
  g_dir_close (d);
  g_ptr_array_sort (links, compare_names);

  for (i = 0; i < links->len; i++) {
    const gchar *link = g_ptr_array_index (links, i);
    gchar *port = read_link_name (by_id_dir, link);

    if (port == NULL || g_hash_table_contains (map, port)) {
      g_free (port);
      continue;
    }
    g_hash_table_insert (map, port, g_build_filename (by_id_dir, link, NULL));
  }
  g_ptr_array_unref (links);
  return map;
}

static gint
compare_info (gconstpointer a, gconstpointer b)
{
  const GstSerialPortInfo *ia = a, *ib = b;

  return strcmp (ia->path, ib->path);
}

/**
 * gst_serial_port_enumerate_full:
 * @sysfs_tty_dir: (nullable): the sysfs tty class directory, for tests;
 *     %NULL for /sys/class/tty
 * @by_id_dir: (nullable): the directory of stable names; %NULL for
 *     /dev/serial/by-id
 *
 * Lists present serial ports, sorted by path, skipping the system console,
 * with what sysfs tells about them. Opens no port.
 * Returns: (transfer full) (element-type GstSerialPortInfo)
 */
GList *
gst_serial_port_enumerate_full (const gchar *sysfs_tty_dir,
    const gchar *by_id_dir)
{
  const gchar *dir = sysfs_tty_dir ? sysfs_tty_dir : GST_SERIAL_SYSFS_TTY_DIR;
  GHashTable *by_id;
  GList *ports = NULL;
  const gchar *name;
  gchar **consoles;
  GDir *d;

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return NULL;

  by_id = read_by_id (by_id_dir ? by_id_dir : GST_SERIAL_BY_ID_DIR);
  consoles = read_consoles (dir);
  while ((name = g_dir_read_name (d)) != NULL) {
    if (!is_present_port (dir, name) ||
        g_strv_contains ((const gchar *const *) consoles, name))
      continue;
    ports = g_list_prepend (ports, read_port (dir, name, by_id));
  }
  g_dir_close (d);
  g_strfreev (consoles);
  g_hash_table_unref (by_id);
  return g_list_sort (ports, compare_info);
}

/**
 * gst_serial_port_enumerate:
 * @sysfs_tty_dir: (nullable): the sysfs tty class directory, for tests;
 *     %NULL for /sys/class/tty
 *
 * Lists present serial ports, sorted by path, skipping the system console.
 * Returns: (transfer full) (element-type GstSerialPortInfo)
 */
GList *
gst_serial_port_enumerate (const gchar *sysfs_tty_dir)
{
  return gst_serial_port_enumerate_full (sysfs_tty_dir, NULL);
}

/* A sentence for the "port not set" error. */
gchar *
gst_serial_port_describe_available (void)
{
  GList *ports = gst_serial_port_enumerate (NULL), *l;
  GString *s;

  if (ports == NULL)
    return g_strdup ("No serial ports were found on this system.");

  s = g_string_new ("Serial ports found:");
  for (l = ports; l; l = l->next) {
    GstSerialPortInfo *info = l->data;

    g_string_append_printf (s, "%s %s (%s)", l == ports ? "" : ",", info->path,
        info->description);
  }
  g_string_append_c (s, '.');
  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);
  return g_string_free (s, FALSE);
}

/**
 * gst_serial_port_read_driver:
 * @sysfs_tty_dir: (nullable): the sysfs tty class directory, for tests;
 *     %NULL for /sys/class/tty
 * @name: the port's name, ttyACM0
 *
 * Returns: the kernel driver of the hardware behind the port, as the
 * enumeration gives it, or %NULL when sysfs does not tell.
 */
gchar *
gst_serial_port_read_driver (const gchar *sysfs_tty_dir, const gchar *name)
{
  const gchar *dir = sysfs_tty_dir ? sysfs_tty_dir : GST_SERIAL_SYSFS_TTY_DIR;
  gchar *tty = g_build_filename (dir, name, NULL);
  gchar *hw = resolve_hardware (tty);
  gchar *driver = hw ? read_driver (hw) : NULL;

  g_free (hw);
  g_free (tty);
  return driver;
}
