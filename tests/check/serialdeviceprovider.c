/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: serialdeviceprovider on a fabricated sysfs tree: the
 * devices a port gives, the elements they make, hot-plugging, and
 * GstDeviceMonitor finding them.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include "testutil.h"
#include <glib/gstdio.h>

#include <string.h>
#include <unistd.h>

/* A bound on every wait for the provider's thread, so that nothing blocks
 * forever when CK_FORK=no disables the check timeout; not a timing
 * assertion: a poll takes milliseconds. */
#define WAIT_BOUND (30 * GST_SECOND)

/* The fabricated tree: root/class is the tty class directory, root/by-id the
 * stable names, root/devices the devices the class entries link to, as in
 * the real /sys/class/tty -> /sys/devices. */
typedef struct {
  gchar *root;
  gchar *classdir;
  gchar *by_id;
} FakeSys;

static FakeSys fs;
static GstDeviceProvider *provider;

static gchar *
make_dir (const gchar *first, ...)
{
  va_list args;
  gchar *path;

  va_start (args, first);
  path = g_build_filename_valist (first, &args);
  va_end (args);
  fail_unless (g_mkdir_with_parents (path, 0755) == 0, "mkdir %s", path);
  return path;
}

static void
write_attr (const gchar *dir, const gchar *file, const gchar *value)
{
  gchar *path = g_build_filename (dir, file, NULL);
  gchar *line = g_strconcat (value, "\n", NULL);

  /* g_file_set_contents renames into place: the provider's thread never
   * sees a half-written file. */
  fail_unless (g_file_set_contents (path, line, -1, NULL));
  g_free (line);
  g_free (path);
}

static void
make_link (const gchar *target, const gchar *dir, const gchar *name)
{
  gchar *link = g_build_filename (dir, name, NULL);

  fail_unless (symlink (target, link) == 0, "symlink %s", link);
  g_free (link);
}

/* dir/subsystem -> root/bus/NAME, dir/driver -> root/bus/drivers/NAME */
static void
set_bus (const gchar *dir, const gchar *subsystem, const gchar *driver)
{
  gchar *done = g_build_filename (dir, "subsystem", NULL);
  gboolean shared = g_file_test (done, G_FILE_TEST_IS_SYMLINK);

  /* ttyS1 and ttyS3 share the serial8250 platform device. */
  g_free (done);
  if (shared)
    return;
  if (subsystem) {
    gchar *bus = make_dir (fs.root, "bus", subsystem, NULL);

    make_link (bus, dir, "subsystem");
    g_free (bus);
  }
  if (driver) {
    gchar *drv = make_dir (fs.root, "bus", "drivers", driver, NULL);

    make_link (drv, dir, "driver");
    g_free (drv);
  }
}

/* HW/tty/NAME with device -> HW, and the class entry made last, as the
 * kernel does: the provider never sees a port without its attributes. */
static gchar *
add_tty (const gchar *hw, const gchar *name, const gchar *type)
{
  gchar *tty = make_dir (hw, "tty", name, NULL);

  make_link (hw, tty, "device");
  if (type) {
    write_attr (tty, "type", type);
    write_attr (tty, "uartclk", "1843200");
  }
  return tty;
}

static void
publish (const gchar *tty, const gchar *name)
{
  make_link (tty, fs.classdir, name);
}

static void
unpublish (const gchar *name)
{
  gchar *link = g_build_filename (fs.classdir, name, NULL);

  fail_unless (g_unlink (link) == 0);
  g_free (link);
}

/* A UART as Linux before 6.5 shows it: the tty's device is the hardware. */
static void
add_uart (const gchar *name, const gchar *hw_rel, const gchar *subsystem,
    const gchar *driver, const gchar *type)
{
  gchar *hw = make_dir (fs.root, "devices", hw_rel, NULL);
  gchar *tty;

  set_bus (hw, subsystem, driver);
  tty = add_tty (hw, name, type);
  publish (tty, name);
  g_free (tty);
  g_free (hw);
}

/* A UART as Linux 6.5 and later show it: serial-base controller and port
 * devices between the tty and the hardware (a PNP0501 here). */
static void
add_serial_base_uart (const gchar *name, const gchar *pnp, const gchar *type)
{
  gchar *hw = make_dir (fs.root, "devices", "pnp0", pnp, NULL);
  gchar *ctrl_name = g_strconcat (pnp, ":0", NULL);
  gchar *port_name = g_strconcat (pnp, ":0.0", NULL);
  gchar *ctrl = make_dir (hw, ctrl_name, NULL);
  gchar *port = make_dir (ctrl, port_name, NULL);
  gchar *tty;

  set_bus (hw, "pnp", "serial");
  set_bus (ctrl, "serial-base", "ctrl");
  set_bus (port, "serial-base", "port");
  tty = add_tty (port, name, type);
  publish (tty, name);
  g_free (tty);
  g_free (port);
  g_free (ctrl);
  g_free (port_name);
  g_free (ctrl_name);
  g_free (hw);
}

#define USB_BUS "pci0000:00/0000:00:14.0/usb1"

/* A USB device under the root hub; NULL strings are left out, as the kernel
 * does for devices without them. */
static gchar *
add_usb_device (const gchar *port, const gchar *vid, const gchar *pid,
    const gchar *manufacturer, const gchar *product, const gchar *serial)
{
  gchar *dev = make_dir (fs.root, "devices", USB_BUS, port, NULL);

  set_bus (dev, "usb", "usb");
  write_attr (dev, "idVendor", vid);
  write_attr (dev, "idProduct", pid);
  if (manufacturer)
    write_attr (dev, "manufacturer", manufacturer);
  if (product)
    write_attr (dev, "product", product);
  if (serial)
    write_attr (dev, "serial", serial);
  return dev;
}

/* A usb-serial adapter: device/interface/ttyUSBn/tty/ttyUSBn. */
static void
add_usb_serial (const gchar *name, const gchar *dev, const gchar *iface,
    const gchar *driver)
{
  gchar *ifdir = make_dir (dev, iface, NULL);
  gchar *port = make_dir (ifdir, name, NULL);
  gchar *tty;

  set_bus (ifdir, "usb", driver);
  set_bus (port, "usb-serial", driver);
  tty = add_tty (port, name, NULL);
  publish (tty, name);
  g_free (tty);
  g_free (port);
  g_free (ifdir);
}

/* A CDC ACM port: device/interface/tty/ttyACMn, the interface its device. */
static void
add_acm (const gchar *name, const gchar *dev, const gchar *iface)
{
  gchar *ifdir = make_dir (dev, iface, NULL);
  gchar *tty;

  set_bus (ifdir, "usb", "cdc_acm");
  tty = add_tty (ifdir, name, NULL);
  publish (tty, name);
  g_free (tty);
  g_free (ifdir);
}

static gchar *
add_virtual (const gchar *name)
{
  gchar *tty = make_dir (fs.root, "devices", "virtual", "tty", name, NULL);

  publish (tty, name);
  return tty;
}

static void
add_by_id (const gchar *link, const gchar *port)
{
  gchar *target = g_build_filename ("..", "..", port, NULL);

  make_link (target, fs.by_id, link);
  g_free (target);
}

#define FTDI_BY_ID "usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"
#define PICO_BY_ID "usb-Raspberry_Pi_Pico_E6614103E7-if00"

/* What a laptop with a docked PC could show: the console on ttyS0, UARTs on
 * ttyS1 (pre-6.5 layout) and ttyS2 (serial-base layout), no UART behind
 * ttyS3 and ttyS4, an FTDI adapter, a Raspberry Pi Pico, a bound RFCOMM
 * port, and virtual terminals. */
static void
fake_sys_populate (void)
{
  gchar *dev, *tty;

  add_uart ("ttyS0", "pnp0/00:00", "pnp", "serial", "4");
  add_uart ("ttyS1", "platform/serial8250", "platform", "serial8250", "4");
  add_serial_base_uart ("ttyS2", "00:01", "4");
  add_uart ("ttyS3", "platform/serial8250", "platform", "serial8250", "0");
  add_serial_base_uart ("ttyS4", "00:02", "0");

  /* The root hub has ids too: the nearest USB device is the adapter. */
  dev = make_dir (fs.root, "devices", USB_BUS, NULL);
  write_attr (dev, "idVendor", "1d6b");
  write_attr (dev, "idProduct", "0002");
  g_free (dev);

  add_by_id (FTDI_BY_ID, "ttyUSB0");
  dev = add_usb_device ("1-2", "0403", "6001", "FTDI", "FT232R USB UART",
      "A50285BI");
  add_usb_serial ("ttyUSB0", dev, "1-2:1.0", "ftdi_sio");
  g_free (dev);

  add_by_id (PICO_BY_ID, "ttyACM0");
  dev = add_usb_device ("1-3", "2e8a", "000a", "Raspberry Pi", "Pico",
      "E6614103E7");
  add_acm ("ttyACM0", dev, "1-3:1.0");
  g_free (dev);

  tty = add_virtual ("rfcomm0");
  write_attr (tty, "address", "00:11:22:33:44:55");
  write_attr (tty, "channel", "1");
  g_free (tty);

  g_free (add_virtual ("tty1"));
  g_free (add_virtual ("ptmx"));
  tty = add_virtual ("console");
  write_attr (tty, "active", "tty0 ttyS0");
  g_free (tty);
}

static void
remove_tree (const gchar *path)
{
  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) &&
      g_file_test (path, G_FILE_TEST_IS_DIR)) {
    GDir *d = g_dir_open (path, 0, NULL);
    const gchar *name;

    fail_unless (d != NULL);
    while ((name = g_dir_read_name (d)) != NULL) {
      gchar *child = g_build_filename (path, name, NULL);

      remove_tree (child);
      g_free (child);
    }
    g_dir_close (d);
  }
  fail_unless (g_remove (path) == 0, "remove %s", path);
}

static void
setup (void)
{
  GstDeviceProviderFactory *factory;

  fs.root = g_dir_make_tmp ("serialprovider-XXXXXX", NULL);
  fail_unless (fs.root != NULL);
  fs.classdir = make_dir (fs.root, "class", NULL);
  fs.by_id = make_dir (fs.root, "by-id", NULL);
  fake_sys_populate ();

  /* The provider is one per process: the one a GstDeviceMonitor uses. */
  provider = gst_device_provider_factory_get_by_name ("serialdeviceprovider");
  fail_unless (provider != NULL);
  factory = gst_device_provider_get_factory (provider);
  fail_unless_equals_string (gst_device_provider_factory_get_metadata (factory,
                                 GST_ELEMENT_METADATA_KLASS),
      "Serial/Port/Source/Sink");
  fail_unless (gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE (factory)) >=
      GST_RANK_MARGINAL);
  g_object_set (provider, "sysfs-dir", fs.classdir, "by-id-dir", fs.by_id,
      NULL);
}

static void
teardown (void)
{
  g_object_set (provider, "sysfs-dir", NULL, "by-id-dir", NULL, "poll-interval",
      1000, NULL);
  gst_object_unref (provider);
  provider = NULL;
  remove_tree (fs.root);
  g_free (fs.by_id);
  g_free (fs.classdir);
  g_free (fs.root);
}

/* The value of a string property, or NULL when the device has none. */
static const gchar *
prop (const GstStructure *props, const gchar *key)
{
  if (!gst_structure_has_field (props, key))
    return NULL;
  fail_unless (gst_structure_has_field_typed (props, key, G_TYPE_STRING),
      "%s is not a string", key);
  return gst_structure_get_string (props, key);
}

static GstDevice *
find_device (GList *devices, const gchar *path, const gchar *klass)
{
  GList *l;

  for (l = devices; l; l = l->next) {
    GstStructure *props = gst_device_get_properties (l->data);
    gboolean match = g_strcmp0 (prop (props, "device.path"), path) == 0 &&
        gst_device_has_classes (l->data, klass);

    gst_structure_free (props);
    if (match)
      return l->data;
  }
  fail ("no %s device for %s", klass, path);
  return NULL;
}

static void
free_devices (GList *devices)
{
  g_list_free_full (devices, (GDestroyNotify) gst_object_unref);
}

static const gchar *const expected_paths[] = {
  "/dev/rfcomm0",
  "/dev/ttyACM0",
  "/dev/ttyS1",
  "/dev/ttyS2",
  "/dev/ttyUSB0",
};

static const gchar *const expected_names[] = {
  "Bluetooth serial port 00:11:22:33:44:55 (/dev/rfcomm0)",
  "Pico (/dev/ttyACM0)",
  "16550A UART (/dev/ttyS1)",
  "16550A UART (/dev/ttyS2)",
  "FT232R USB UART (/dev/ttyUSB0)",
};

/* Two devices per port, source then sink, in the order of the paths; the
 * console, the virtual terminals and the lines without a UART are left
 * out. */
static void
check_device_list (GList *devices)
{
  guint i;

  fail_unless_equals_int (g_list_length (devices),
      2 * G_N_ELEMENTS (expected_paths));
  for (i = 0; i < 2 * G_N_ELEMENTS (expected_paths); i++) {
    GstDevice *device = g_list_nth_data (devices, i);
    GstStructure *props = gst_device_get_properties (device);
    gchar *klass = gst_device_get_device_class (device);
    gchar *name = gst_device_get_display_name (device);
    GstCaps *caps = gst_device_get_caps (device);

    fail_unless_equals_string (prop (props, "device.path"),
        expected_paths[i / 2]);
    fail_unless_equals_string (name, expected_names[i / 2]);
    fail_unless_equals_string (klass,
        i % 2 == 0 ? "Serial/Port/Source" : "Serial/Port/Sink");
    fail_unless (gst_caps_is_any (caps));
    fail_unless_equals_string (prop (props, "device.api"), "serial");

    gst_caps_unref (caps);
    g_free (name);
    g_free (klass);
    gst_structure_free (props);
  }
}

GST_START_TEST (test_probe_lists_ports)
{
  GList *devices = gst_device_provider_get_devices (provider);

  check_device_list (devices);
  free_devices (devices);
}

GST_END_TEST;

GST_START_TEST (test_usb_serial_properties)
{
  GList *devices = gst_device_provider_get_devices (provider);
  GstDevice *device = find_device (devices, "/dev/ttyUSB0", "Source");
  GstStructure *props = gst_device_get_properties (device);
  gchar *by_id = g_build_filename (fs.by_id, FTDI_BY_ID, NULL);
  gchar *sysfs = g_build_filename (fs.root, "devices", USB_BUS, "1-2",
      "1-2:1.0", "ttyUSB0", NULL);

  fail_unless_equals_string (prop (props, "device.bus"), "usb");
  fail_unless_equals_string (prop (props, "serial.transport"), "usb");
  fail_unless_equals_string (prop (props, "device.vendor.id"), "0403");
  fail_unless_equals_string (prop (props, "device.product.id"), "6001");
  fail_unless_equals_string (prop (props, "device.vendor.name"), "FTDI");
  fail_unless_equals_string (prop (props, "device.product.name"),
      "FT232R USB UART");
  fail_unless_equals_string (prop (props, "device.serial"), "A50285BI");
  fail_unless_equals_string (prop (props, "device.description"),
      "FT232R USB UART");
  fail_unless_equals_string (prop (props, "device.by-id"), by_id);
  fail_unless_equals_string (prop (props, "serial.driver"), "ftdi_sio");
  fail_unless_equals_string (prop (props, "sysfs.path"), sysfs);
  fail_unless (prop (props, "serial.uart.type") == NULL);
  fail_unless (!gst_structure_has_field (props, "serial.uart.clock"));

  g_free (sysfs);
  g_free (by_id);
  gst_structure_free (props);
  free_devices (devices);
}

GST_END_TEST;

GST_START_TEST (test_usb_acm_properties)
{
  GList *devices = gst_device_provider_get_devices (provider);
  GstDevice *device = find_device (devices, "/dev/ttyACM0", "Sink");
  GstStructure *props = gst_device_get_properties (device);
  gchar *by_id = g_build_filename (fs.by_id, PICO_BY_ID, NULL);

  fail_unless_equals_string (prop (props, "device.bus"), "usb");
  fail_unless_equals_string (prop (props, "serial.transport"), "usb");
  fail_unless_equals_string (prop (props, "device.vendor.id"), "2e8a");
  fail_unless_equals_string (prop (props, "device.product.id"), "000a");
  fail_unless_equals_string (prop (props, "device.vendor.name"),
      "Raspberry Pi");
  fail_unless_equals_string (prop (props, "device.product.name"), "Pico");
  fail_unless_equals_string (prop (props, "device.serial"), "E6614103E7");
  fail_unless_equals_string (prop (props, "device.by-id"), by_id);
  fail_unless_equals_string (prop (props, "serial.driver"), "cdc_acm");

  g_free (by_id);
  gst_structure_free (props);
  free_devices (devices);
}

GST_END_TEST;

static void
check_uart (GList *devices, const gchar *path, const gchar *bus,
    const gchar *driver, const gchar *hw_rel)
{
  GstDevice *device = find_device (devices, path, "Source");
  GstStructure *props = gst_device_get_properties (device);
  gchar *sysfs = g_build_filename (fs.root, "devices", hw_rel, NULL);
  guint clock = 0;

  fail_unless_equals_string (prop (props, "device.bus"), bus);
  fail_unless_equals_string (prop (props, "serial.transport"), "native");
  fail_unless_equals_string (prop (props, "serial.driver"), driver);
  fail_unless_equals_string (prop (props, "sysfs.path"), sysfs);
  fail_unless_equals_string (prop (props, "serial.uart.type"), "16550A");
  fail_unless_equals_string (prop (props, "device.description"), "16550A UART");
  fail_unless (gst_structure_get_uint (props, "serial.uart.clock", &clock));
  fail_unless_equals_int (clock, 1843200);
  fail_unless (prop (props, "device.vendor.id") == NULL);
  fail_unless (prop (props, "device.by-id") == NULL);

  g_free (sysfs);
  gst_structure_free (props);
}

/* ttyS1 as Linux 6.1 shows a legacy port, ttyS2 behind serial-base devices
 * as Linux 6.5 and later do: both name the hardware, not serial-base. */
GST_START_TEST (test_uart_properties)
{
  GList *devices = gst_device_provider_get_devices (provider);

  check_uart (devices, "/dev/ttyS1", "platform", "serial8250",
      "platform/serial8250");
  check_uart (devices, "/dev/ttyS2", "pnp", "serial", "pnp0/00:01");
  free_devices (devices);
}

GST_END_TEST;

GST_START_TEST (test_bluetooth_properties)
{
  GList *devices = gst_device_provider_get_devices (provider);
  GstDevice *device = find_device (devices, "/dev/rfcomm0", "Sink");
  GstStructure *props = gst_device_get_properties (device);

  fail_unless_equals_string (prop (props, "device.bus"), "bluetooth");
  fail_unless_equals_string (prop (props, "serial.transport"), "bluetooth");
  fail_unless_equals_string (prop (props, "serial.bluetooth.address"),
      "00:11:22:33:44:55");

  gst_structure_free (props);
  free_devices (devices);
}

GST_END_TEST;

static gchar *
get_port (GstElement *element)
{
  gchar *port = NULL;

  g_object_get (element, "port", &port, NULL);
  return port;
}

/* Every device makes its element with the port set, and points an element
 * of its kind made for another port at its own. */
GST_START_TEST (test_create_element)
{
  GList *devices = gst_device_provider_get_devices (provider), *l;

  for (l = devices; l; l = l->next) {
    GstDevice *device = l->data;
    gboolean source = gst_device_has_classes (device, "Source");
    const gchar *factory = source ? "serialsrc" : "serialsink";
    const gchar *other = source ? "serialsink" : "serialsrc";
    GstStructure *props = gst_device_get_properties (device);
    const gchar *path = prop (props, "device.path");
    GstElement *element = gst_device_create_element (device, "dev");
    GstElement *mine = gst_element_factory_make (factory, NULL);
    GstElement *theirs = gst_element_factory_make (other, NULL);
    gchar *port;

    fail_unless (element != NULL);
    fail_unless_equals_string (GST_OBJECT_NAME (
                                   gst_element_get_factory (element)),
        factory);
    fail_unless_equals_string (GST_ELEMENT_NAME (element), "dev");
    port = get_port (element);
    fail_unless_equals_string (port, path);
    g_free (port);

    g_object_set (mine, "port", "/dev/ttyOTHER0", NULL);
    g_object_set (theirs, "port", "/dev/ttyOTHER0", NULL);
    fail_unless (gst_device_reconfigure_element (device, mine));
    fail_if (gst_device_reconfigure_element (device, theirs));
    port = get_port (mine);
    fail_unless_equals_string (port, path);
    g_free (port);
    port = get_port (theirs);
    fail_unless_equals_string (port, "/dev/ttyOTHER0");
    g_free (port);

    gst_object_unref (theirs);
    gst_object_unref (mine);
    gst_object_unref (element);
    gst_structure_free (props);
  }
  free_devices (devices);
}

GST_END_TEST;

GST_START_TEST (test_missing_sysfs_dir)
{
  GList *devices;

  g_object_set (provider, "sysfs-dir", "/nonexistent/sys/class/tty", NULL);
  devices = gst_device_provider_get_devices (provider);
  fail_unless (devices == NULL);
}

GST_END_TEST;

/* The next device message, which must be of @type for a device of @path and
 * direction @klass. */
static void
expect_device_message (GstBus *bus, GstMessageType type, const gchar *path,
    const gchar *klass)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, WAIT_BOUND,
      GST_MESSAGE_DEVICE_ADDED | GST_MESSAGE_DEVICE_REMOVED);
  GstDevice *device = NULL;
  GstStructure *props;

  fail_unless (msg != NULL, "no message for %s", path);
  fail_unless_equals_string (GST_MESSAGE_TYPE_NAME (msg),
      gst_message_type_get_name (type));
  if (type == GST_MESSAGE_DEVICE_ADDED)
    gst_message_parse_device_added (msg, &device);
  else
    gst_message_parse_device_removed (msg, &device);
  props = gst_device_get_properties (device);
  fail_unless_equals_string (prop (props, "device.path"), path);
  fail_unless (gst_device_has_classes (device, klass));

  gst_structure_free (props);
  gst_object_unref (device);
  gst_message_unref (msg);
}

static void
expect_port_message (GstBus *bus, GstMessageType type, const gchar *path)
{
  expect_device_message (bus, type, path, "Source");
  expect_device_message (bus, type, path, "Sink");
}

static gchar *
device_product (GstDeviceProvider *p, const gchar *path)
{
  GList *devices = gst_device_provider_get_devices (p);
  GstStructure *props =
      gst_device_get_properties (find_device (devices, path, "Sink"));
  gchar *product = g_strdup (prop (props, "device.product.name"));

  gst_structure_free (props);
  free_devices (devices);
  return product;
}

/* Started: the ports there are announced before start() returns; a port
 * plugged in, one whose details change and one unplugged are reported by
 * the polling thread; stop() ends it at once, even in the middle of a long
 * interval. */
GST_START_TEST (test_hotplug)
{
  GstBus *bus = gst_device_provider_get_bus (provider);
  GList *devices;
  gchar *dev, *usb1, *product;
  guint i;

  g_object_set (provider, "poll-interval", 10, NULL);
  fail_unless (gst_device_provider_start (provider));
  for (i = 0; i < G_N_ELEMENTS (expected_paths); i++)
    expect_port_message (bus, GST_MESSAGE_DEVICE_ADDED, expected_paths[i]);
  fail_unless (gst_bus_pop (bus) == NULL);
  devices = gst_device_provider_get_devices (provider);
  check_device_list (devices);
  free_devices (devices);

  /* A CP2102 without a serial number. Its by-id link comes first: made
   * after the class entry (as udev does), a poll in between would see the
   * port without it, then changed. */
  add_by_id ("usb-Silicon_Labs_CP2102-if00-port0", "ttyUSB1");
  dev = add_usb_device ("1-4", "10c4", "ea60", "Silicon Labs",
      "CP2102 USB to UART Bridge Controller", NULL);
  add_usb_serial ("ttyUSB1", dev, "1-4:1.0", "cp210x");
  expect_port_message (bus, GST_MESSAGE_DEVICE_ADDED, "/dev/ttyUSB1");
  product = device_product (provider, "/dev/ttyUSB1");
  fail_unless_equals_string (product, "CP2102 USB to UART Bridge Controller");
  g_free (product);

  /* Another board under the same name: gone and back with new details. */
  usb1 = g_build_filename (fs.root, "devices", USB_BUS, "1-3", NULL);
  write_attr (usb1, "product", "Pico W");
  expect_port_message (bus, GST_MESSAGE_DEVICE_REMOVED, "/dev/ttyACM0");
  expect_port_message (bus, GST_MESSAGE_DEVICE_ADDED, "/dev/ttyACM0");
  product = device_product (provider, "/dev/ttyACM0");
  fail_unless_equals_string (product, "Pico W");
  g_free (product);

  unpublish ("ttyUSB1");
  expect_port_message (bus, GST_MESSAGE_DEVICE_REMOVED, "/dev/ttyUSB1");

  /* The thread now sleeps for a minute, longer than the check timeout:
   * stop() must wake it. */
  g_object_set (provider, "poll-interval", 60000, NULL);
  gst_device_provider_stop (provider);
  fail_unless (gst_bus_pop (bus) == NULL);

  g_free (usb1);
  g_free (dev);
  gst_object_unref (bus);
}

GST_END_TEST;

/* A sysfs-dir changed while started is looked at at once. */
GST_START_TEST (test_sysfs_dir_change)
{
  GstBus *bus = gst_device_provider_get_bus (provider);
  gchar *empty = make_dir (fs.root, "empty", NULL);
  guint i;

  g_object_set (provider, "poll-interval", 60000, NULL);
  fail_unless (gst_device_provider_start (provider));
  for (i = 0; i < G_N_ELEMENTS (expected_paths); i++)
    expect_port_message (bus, GST_MESSAGE_DEVICE_ADDED, expected_paths[i]);

  g_object_set (provider, "sysfs-dir", empty, NULL);
  for (i = 0; i < G_N_ELEMENTS (expected_paths); i++)
    expect_port_message (bus, GST_MESSAGE_DEVICE_REMOVED, expected_paths[i]);

  gst_device_provider_stop (provider);
  g_free (empty);
  gst_object_unref (bus);
}

GST_END_TEST;

static GList *
monitor_devices (const gchar *filter)
{
  GstDeviceMonitor *monitor = gst_device_monitor_new ();
  gchar **providers;
  GList *devices;

  fail_unless (gst_device_monitor_add_filter (monitor, filter, NULL) != 0);
  providers = gst_device_monitor_get_providers (monitor);
  fail_unless (providers != NULL);
  fail_unless (g_strv_contains ((const gchar *const *) providers,
      "serialdeviceprovider"));
  g_strfreev (providers);

  fail_unless (gst_device_monitor_start (monitor));
  devices = gst_device_monitor_get_devices (monitor);
  gst_device_monitor_stop (monitor);
  gst_object_unref (monitor);
  return devices;
}

/* The class words are matched one by one: "Serial/Port" finds both devices
 * of every port, "Serial/Sink" only the sinks. */
GST_START_TEST (test_device_monitor)
{
  GList *devices = monitor_devices ("Serial/Port"), *l;
  guint sources = 0, sinks = 0;

  fail_unless_equals_int (g_list_length (devices),
      2 * G_N_ELEMENTS (expected_paths));
  for (l = devices; l; l = l->next) {
    if (gst_device_has_classes (l->data, "Serial/Port/Source"))
      sources++;
    if (gst_device_has_classes (l->data, "Serial/Port/Sink"))
      sinks++;
  }
  fail_unless_equals_int (sources, G_N_ELEMENTS (expected_paths));
  fail_unless_equals_int (sinks, G_N_ELEMENTS (expected_paths));
  free_devices (devices);

  devices = monitor_devices ("Serial/Sink");
  fail_unless_equals_int (g_list_length (devices),
      G_N_ELEMENTS (expected_paths));
  for (l = devices; l; l = l->next)
    fail_unless (gst_device_has_classes (l->data, "Sink"));
  free_devices (devices);
}

GST_END_TEST;

static Suite *
serialdeviceprovider_suite (void)
{
  Suite *s = suite_create ("serialdeviceprovider");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_probe_lists_ports);
  tcase_add_test (tc, test_usb_serial_properties);
  tcase_add_test (tc, test_usb_acm_properties);
  tcase_add_test (tc, test_uart_properties);
  tcase_add_test (tc, test_bluetooth_properties);
  tcase_add_test (tc, test_create_element);
  tcase_add_test (tc, test_missing_sysfs_dir);
  tcase_add_test (tc, test_hotplug);
  tcase_add_test (tc, test_sysfs_dir_change);
  tcase_add_test (tc, test_device_monitor);
  return s;
}

TEST_CHECK_MAIN (serialdeviceprovider);
