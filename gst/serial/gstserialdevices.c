/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: finding the serial ports of the system without opening them.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * sp_list_ports() opens every 8250 port to probe whether it exists, and
 * opening a port can reset a board through DTR or disturb the system console.
 * sysfs tells the same without opening anything: ports without a device
 * behind them are virtual (consoles, pseudo-terminals), and 8250 ports that
 * have no UART report type 0 (PORT_UNKNOWN).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialport.h"

#include <string.h>

#include <libserialport.h>

#define SYSFS_CLASS_TTY "/sys/class/tty"

void
gst_serial_port_info_free (GstSerialPortInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->path);
  g_free (info->description);
  g_free (info);
}

static gchar *
read_sysfs_line (const gchar *dir, const gchar *name, const gchar *file)
{
  gchar *path = g_build_filename (dir, name, file, NULL);
  gchar *contents = NULL;

  if (g_file_get_contents (path, &contents, NULL, NULL))
    g_strstrip (contents);
  g_free (path);
  return contents;
}

/* The ports the kernel writes its console to, e.g. "tty0 ttyS0". */
static gboolean
is_console (const gchar *dir, const gchar *name)
{
  gchar *active = read_sysfs_line (dir, "console", "active");
  gchar **names;
  gboolean found;

  if (active == NULL)
    return FALSE;
  names = g_strsplit (active, " ", -1);
  found = g_strv_contains ((const gchar *const *) names, name);
  g_strfreev (names);
  g_free (active);
  return found;
}

static gboolean
is_present_port (const gchar *dir, const gchar *name)
{
  gchar *device = g_build_filename (dir, name, "device", NULL);
  gchar *driver_link = g_build_filename (device, "driver", NULL);
  gchar *driver = g_file_read_link (driver_link, NULL);
  gboolean present = g_file_test (device, G_FILE_TEST_IS_DIR);

  if (present && driver != NULL && g_str_has_suffix (driver, "serial8250")) {
    gchar *type = read_sysfs_line (dir, name, "type");

    present = type != NULL && strcmp (type, "0") != 0;
    g_free (type);
  }
  g_free (driver);
  g_free (driver_link);
  g_free (device);
  return present;
}

static gchar *
describe_port (const gchar *path)
{
  struct sp_port *sp = NULL;
  gchar *description = NULL;

  /* Reads sysfs only (USB product strings); it does not open the port. */
  if (sp_get_port_by_name (path, &sp) == SP_OK) {
    description = g_strdup (sp_get_port_description (sp));
    sp_free_port (sp);
  }
  return description ? description : g_path_get_basename (path);
}

static gint
compare_info (gconstpointer a, gconstpointer b)
{
  const GstSerialPortInfo *ia = a, *ib = b;

  return strcmp (ia->path, ib->path);
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
  const gchar *dir = sysfs_tty_dir ? sysfs_tty_dir : SYSFS_CLASS_TTY;
  GList *ports = NULL;
  const gchar *name;
  GDir *d;

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return NULL;

  while ((name = g_dir_read_name (d)) != NULL) {
    GstSerialPortInfo *info;

    if (!is_present_port (dir, name) || is_console (dir, name))
      continue;
    info = g_new0 (GstSerialPortInfo, 1);
    info->path = g_build_filename ("/dev", name, NULL);
    info->description = describe_port (info->path);
    ports = g_list_prepend (ports, info);
  }
  g_dir_close (d);
  return g_list_sort (ports, compare_info);
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
