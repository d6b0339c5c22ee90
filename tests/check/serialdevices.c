/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: finding serial ports from sysfs without opening them.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

#include <unistd.h>

#include "gstserialport.h"

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
  gchar *active;
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
  fail_unless (info->description != NULL);
  info = ports->next->data;
  fail_unless_equals_string (info->path, "/dev/ttyUSB0");

  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);
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
  tcase_add_test (tc, test_enumerate_missing_dir);
  return s;
}

GST_CHECK_MAIN (serialdevices);
