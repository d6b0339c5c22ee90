/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: finding serial ports from sysfs without opening them.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>

#include "testutil.h"
#include <glib/gstdio.h>

#include <unistd.h>

#include "gstserialdevices.h"

/* Builds a miniature /sys/class/tty: entries are symlinks to device
 * directories as in the real one. */
static void
add_tty (const gchar *root, const gchar *name, const gchar *driver,
    const gchar *type)
{
  gchar *devdir = g_build_filename (root, "devices", name, NULL);
  gchar *link = g_build_filename (root, "class", name, NULL);

  fail_unless (g_mkdir_with_parents (devdir, 0755) == 0);
  fail_unless (symlink (devdir, link) == 0);

  if (driver) {
    gchar *device = g_build_filename (devdir, "device", NULL);
    gchar *drvdir = g_build_filename (root, "drivers", driver, NULL);
    gchar *drvlink = g_build_filename (device, "driver", NULL);

    fail_unless (g_mkdir_with_parents (device, 0755) == 0);
    fail_unless (g_mkdir_with_parents (drvdir, 0755) == 0);
    fail_unless (symlink (drvdir, drvlink) == 0);
    g_free (drvlink);
    g_free (drvdir);
    g_free (device);
  }
  if (type) {
    gchar *file = g_build_filename (devdir, "type", NULL);

    fail_unless (g_file_set_contents (file, type, -1, NULL));
    g_free (file);
  }
  g_free (link);
  g_free (devdir);
}

GST_START_TEST (test_enumerate_sysfs)
{
  gchar *root = g_dir_make_tmp ("serialsysfs-XXXXXX", NULL);
  gchar *classdir = g_build_filename (root, "class", NULL);
  gchar *active, *driver;
  GList *ports;
  GstSerialPortInfo *info;

  fail_unless (g_mkdir_with_parents (classdir, 0755) == 0);
  add_tty (root, "ttyS0", "serial8250", "4\n"); /* the console */
  add_tty (root, "ttyS1", "serial8250", "4\n"); /* a 16550A */
  add_tty (root, "ttyS3", "serial8250", "0\n"); /* no UART there */
  add_tty (root, "ttyUSB0", "ftdi_sio", NULL);
  add_tty (root, "tty1", NULL, NULL); /* a virtual console */
  add_tty (root, "console", NULL, NULL);
  active = g_build_filename (root, "devices", "console", "active", NULL);
  fail_unless (g_file_set_contents (active, "tty0 ttyS0\n", -1, NULL));

  ports = gst_serial_port_enumerate (classdir);
  fail_unless_equals_int (g_list_length (ports), 2);
  info = ports->data;
  fail_unless_equals_string (info->path, "/dev/ttyS1");
  fail_unless_equals_string (info->name, "ttyS1");
  fail_unless_equals_string (info->description, "16550A UART");
  fail_unless_equals_string (info->uart, "16550A");
  fail_unless_equals_string (info->driver, "serial8250");
  fail_unless_equals_int (info->transport, GST_SERIAL_TRANSPORT_NATIVE);
  info = ports->next->data;
  fail_unless_equals_string (info->path, "/dev/ttyUSB0");
  /* No USB device above it in this tree: described by its driver. */
  fail_unless_equals_string (info->description, "ftdi_sio serial port");
  fail_unless (info->uart == NULL);
  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);

  /* The port module's question, one port without enumerating. */
  driver = gst_serial_port_read_driver (classdir, "ttyUSB0");
  fail_unless_equals_string (driver, "ftdi_sio");
  g_free (driver);
  fail_unless (gst_serial_port_read_driver (classdir, "tty1") == NULL);

  {
    const gchar *argv[] = { "rm", "-rf", root, NULL };

    fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH,
        NULL, NULL, NULL, NULL, NULL, NULL));
  }
  g_free (active);
  g_free (classdir);
  g_free (root);
}

GST_END_TEST;

static void
write_attr (const gchar *dir, const gchar *file, const gchar *value)
{
  gchar *path = g_build_filename (dir, file, NULL);

  fail_unless (g_file_set_contents (path, value, -1, NULL));
  g_free (path);
}

static void
remove_tree (const gchar *root)
{
  const gchar *argv[] = { "rm", "-rf", root, NULL };

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH,
      NULL, NULL, NULL, NULL, NULL, NULL));
}

/* A USB adapter: the ids and strings come from the USB device two levels
 * above the tty's device (interface, then device), and the by-id link that
 * points at the port gives its stable name. A ttyS whose device is a
 * serial-base port (Linux 6.5 and later) with type 0 has no UART. */
GST_START_TEST (test_enumerate_usb)
{
  gchar *root = g_dir_make_tmp ("serialsysfs-XXXXXX", NULL);
  gchar *classdir = g_build_filename (root, "class", NULL);
  gchar *by_id = g_build_filename (root, "by-id", NULL);
  gchar *usb = g_build_filename (root, "devices", "usb1", "1-1", NULL);
  gchar *port = g_build_filename (usb, "1-1:1.0", "ttyUSB0", NULL);
  gchar *tty = g_build_filename (port, "tty", "ttyUSB0", NULL);
  gchar *base = g_build_filename (root, "devices", "00:01:0.0", NULL);
  gchar *base_tty = g_build_filename (base, "tty", "ttyS4", NULL);
  gchar *path;
  GList *ports;
  GstSerialPortInfo *info;

  fail_unless (g_mkdir_with_parents (classdir, 0755) == 0);
  fail_unless (g_mkdir_with_parents (by_id, 0755) == 0);
  fail_unless (g_mkdir_with_parents (tty, 0755) == 0);
  fail_unless (g_mkdir_with_parents (base_tty, 0755) == 0);
  write_attr (usb, "idVendor", "10c4\n");
  write_attr (usb, "idProduct", "ea60\n");
  write_attr (usb, "manufacturer", "Silicon Labs\n");
  write_attr (usb, "product", "CP2102 USB to UART Bridge Controller\n");
  write_attr (usb, "serial", "0001\n");
  path = g_build_filename (tty, "device", NULL);
  fail_unless (symlink (port, path) == 0);
  g_free (path);
  path = g_build_filename (classdir, "ttyUSB0", NULL);
  fail_unless (symlink (tty, path) == 0);
  g_free (path);
  path = g_build_filename (by_id, "usb-Silicon_Labs_CP2102-if00-port0", NULL);
  fail_unless (symlink ("../../ttyUSB0", path) == 0);
  g_free (path);

  write_attr (base_tty, "type", "0\n");
  path = g_build_filename (base_tty, "device", NULL);
  fail_unless (symlink (base, path) == 0);
  g_free (path);
  path = g_build_filename (classdir, "ttyS4", NULL);
  fail_unless (symlink (base_tty, path) == 0);
  g_free (path);

  ports = gst_serial_port_enumerate_full (classdir, by_id);
  fail_unless_equals_int (g_list_length (ports), 1);
  info = ports->data;
  fail_unless_equals_string (info->path, "/dev/ttyUSB0");
  fail_unless_equals_int (info->transport, GST_SERIAL_TRANSPORT_USB);
  fail_unless_equals_string (gst_serial_transport_to_string (info->transport),
      "usb");
  fail_unless_equals_string (info->bus, "usb");
  fail_unless_equals_int (info->vendor_id, 0x10c4);
  fail_unless_equals_int (info->product_id, 0xea60);
  fail_unless_equals_string (info->manufacturer, "Silicon Labs");
  fail_unless_equals_string (info->product,
      "CP2102 USB to UART Bridge Controller");
  fail_unless_equals_string (info->serial, "0001");
  fail_unless_equals_string (info->description,
      "CP2102 USB to UART Bridge Controller");
  path = g_build_filename (by_id, "usb-Silicon_Labs_CP2102-if00-port0", NULL);
  fail_unless_equals_string (info->by_id, path);
  g_free (path);
  fail_unless_equals_string (info->sysfs_path, port);
  fail_unless (gst_serial_port_info_equal (info, info));
  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);

  /* Several links to one port (udev makes by-id and by-path names, rules
   * add more): the first by name is the port's, whatever the directory's
   * order. */
  {
    const gchar *names[] = { "usb-S7", "usb-Q2", "usb-T1", "usb-R5", "usb-B0",
      "usb-V3", "usb-W9", "usb-U4" };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (names); i++) {
      path = g_build_filename (by_id, names[i], NULL);
      fail_unless (symlink ("../../ttyUSB0", path) == 0);
      g_free (path);
    }
  }
  ports = gst_serial_port_enumerate_full (classdir, by_id);
  info = ports->data;
  path = g_build_filename (by_id, "usb-B0", NULL);
  fail_unless_equals_string (info->by_id, path);
  g_free (path);
  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);

  /* Without the by-id directory the port is the same but for that name. */
  ports = gst_serial_port_enumerate_full (classdir, "/nonexistent/by-id");
  fail_unless_equals_int (g_list_length (ports), 1);
  info = ports->data;
  fail_unless (info->by_id == NULL);
  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);

  remove_tree (root);
  g_free (base_tty);
  g_free (base);
  g_free (tty);
  g_free (port);
  g_free (usb);
  g_free (by_id);
  g_free (classdir);
  g_free (root);
}

GST_END_TEST;

GST_START_TEST (test_enumerate_missing_dir)
{
  fail_unless (
      gst_serial_port_enumerate ("/nonexistent/sys/class/tty") == NULL);
}

GST_END_TEST;

static Suite *
serialdevices_suite (void)
{
  Suite *s = suite_create ("serialdevices");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_enumerate_sysfs);
  tcase_add_test (tc, test_enumerate_usb);
  tcase_add_test (tc, test_enumerate_missing_dir);
  return s;
}

TEST_CHECK_MAIN (serialdevices);
