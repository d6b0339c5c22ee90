/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: finding the serial ports of the system without opening them,
 * and what sysfs tells about them.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_DEVICES_H__
#define __GST_SERIAL_DEVICES_H__

#include <glib.h>

G_BEGIN_DECLS

#define GST_SERIAL_SYSFS_TTY_DIR "/sys/class/tty"
#define GST_SERIAL_BY_ID_DIR "/dev/serial/by-id"

/* How a port reaches the machine, as libserialport's sp_transport says. */
typedef enum {
  GST_SERIAL_TRANSPORT_NATIVE,   /* a UART of the machine: 8250, PL011... */
  GST_SERIAL_TRANSPORT_USB,      /* USB-serial adapter, USB CDC ACM */
  GST_SERIAL_TRANSPORT_BLUETOOTH /* RFCOMM */
} GstSerialTransport;

/* A serial port found on the system, without opening it. Every string but
 * name, path and description may be NULL when sysfs does not tell it. */
typedef struct {
  gchar *name;        /* ttyUSB0 */
  gchar *path;        /* /dev/ttyUSB0 */
  gchar *description; /* "FT232R USB UART", "16550A UART" */
  GstSerialTransport transport;
  gchar *bus;        /* subsystem of the hardware: usb, pnp, platform, pci */
  gchar *driver;     /* ftdi_sio, cdc_acm, serial8250, serial */
  gchar *sysfs_path; /* the hardware's directory under /sys/devices */
  guint vendor_id;   /* USB or PCI ids; 0 when unknown */
  guint product_id;
  gchar *manufacturer; /* USB strings */
  gchar *product;
  gchar *serial;
  gchar *by_id;     /* /dev/serial/by-id/... symlink to the port */
  gchar *uart;      /* UART model of a serial_core port: "16550A" */
  guint uart_clock; /* its clock in Hz (the top rate is a 16th of it) */
  gchar *address;   /* the remote Bluetooth address of an RFCOMM port */
} GstSerialPortInfo;

GList *gst_serial_port_enumerate (const gchar *sysfs_tty_dir);
GList *gst_serial_port_enumerate_full (const gchar *sysfs_tty_dir,
    const gchar *by_id_dir);
void gst_serial_port_info_free (GstSerialPortInfo *info);
gboolean gst_serial_port_info_equal (const GstSerialPortInfo *a,
    const GstSerialPortInfo *b);
const gchar *gst_serial_transport_to_string (GstSerialTransport transport);
gchar *gst_serial_port_describe_available (void);
gchar *gst_serial_port_read_driver (const gchar *sysfs_tty_dir,
    const gchar *name);

G_END_DECLS

#endif /* __GST_SERIAL_DEVICES_H__ */
