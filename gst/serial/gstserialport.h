/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: the port module, which owns everything the OS does with a
 * serial port: opening, configuring, locking, reading, writing, closing.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_PORT_H__
#define __GST_SERIAL_PORT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  GST_SERIAL_PARITY_NONE,
  GST_SERIAL_PARITY_ODD,
  GST_SERIAL_PARITY_EVEN,
  GST_SERIAL_PARITY_MARK,
  GST_SERIAL_PARITY_SPACE
} GstSerialParity;

typedef enum {
  GST_SERIAL_FLOW_CONTROL_NONE,
  GST_SERIAL_FLOW_CONTROL_XON_XOFF,
  GST_SERIAL_FLOW_CONTROL_RTS_CTS,
  GST_SERIAL_FLOW_CONTROL_DTR_DSR
} GstSerialFlowControl;

/* What to do with a modem control line (DTR, RTS) once the port is open. */
typedef enum {
  GST_SERIAL_LINE_KEEP,
  GST_SERIAL_LINE_ON,
  GST_SERIAL_LINE_OFF
} GstSerialLineState;

typedef struct {
  guint baud_rate;
  guint data_bits;
  GstSerialParity parity;
  guint stop_bits;
  GstSerialFlowControl flow_control;
  GstSerialLineState dtr;
  GstSerialLineState rts;
  gboolean hangup_on_close;
} GstSerialPortConfig;

#define GST_SERIAL_DEFAULT_BAUD_RATE 115200
#define GST_SERIAL_DEFAULT_DATA_BITS 8
#define GST_SERIAL_DEFAULT_PARITY GST_SERIAL_PARITY_NONE
#define GST_SERIAL_DEFAULT_STOP_BITS 1
#define GST_SERIAL_DEFAULT_FLOW_CONTROL GST_SERIAL_FLOW_CONTROL_NONE
#define GST_SERIAL_DEFAULT_DTR GST_SERIAL_LINE_KEEP
#define GST_SERIAL_DEFAULT_RTS GST_SERIAL_LINE_KEEP
#define GST_SERIAL_DEFAULT_HANGUP_ON_CLOSE TRUE

/* A failure of the port module: a GstResourceError code, a message for the
 * user (what went wrong and how to fix it) and a detail for the debug log.
 * Both strings are owned by the struct until handed to the bus. */
typedef struct {
  GstResourceError code;
  gchar *message;
  gchar *debug;
  gboolean gone; /* the device went away (unplugged, pty closed) */
} GstSerialPortError;

typedef enum {
  GST_SERIAL_IO_OK,
  GST_SERIAL_IO_FLUSHING,
  GST_SERIAL_IO_ERROR
} GstSerialIoResult;

typedef struct _GstSerialPort GstSerialPort;

void gst_serial_port_config_init (GstSerialPortConfig *config);

GstSerialPort *gst_serial_port_open (const gchar *path,
    const GstSerialPortConfig *config, const gchar *owner,
    GstSerialPortError *err);
void gst_serial_port_close (GstSerialPort *port);

const gchar *gst_serial_port_get_path (GstSerialPort *port);
gboolean gst_serial_port_is_pty (GstSerialPort *port);

void gst_serial_port_set_flushing (GstSerialPort *port, gboolean flushing);
void gst_serial_port_set_priority (GstSerialPort *port, gint priority);
guint64 gst_serial_port_get_line_waits (GstSerialPort *port);
gboolean gst_serial_port_is_shared (GstSerialPort *port);
gboolean gst_serial_port_others_go_first (GstSerialPort *port);
void gst_serial_port_set_line_rate (GstSerialPort *port, gdouble rate);
GstClockTime gst_serial_port_get_line_free_at (GstSerialPort *port);
void gst_serial_port_join_time_base (GstSerialPort *port);
guint gst_serial_port_get_time_base_users (GstSerialPort *port);
gint64 gst_serial_port_time_offset (GstSerialPort *port, gint64 transit);

GstSerialIoResult gst_serial_port_begin_write (GstSerialPort *port,
    GstSerialPortError *err);
void gst_serial_port_end_write (GstSerialPort *port);
gboolean gst_serial_port_holds_line (GstSerialPort *port);

GstSerialIoResult gst_serial_port_write_all (GstSerialPort *port,
    const guint8 *data, gsize size, gsize *written, GstSerialPortError *err);
GstSerialIoResult gst_serial_port_read (GstSerialPort *port, guint8 *data,
    gsize size, gsize *n_read, GstSerialPortError *err);
GstSerialIoResult gst_serial_port_try_write (GstSerialPort *port,
    const guint8 *data, gsize size, gsize *written, GstSerialPortError *err);
GstSerialIoResult gst_serial_port_wait_read (GstSerialPort *port,
    GstClockTime timeout, GstSerialPortError *err);
GstSerialIoResult gst_serial_port_try_read (GstSerialPort *port, guint8 *data,
    gsize size, gsize *n_read, GstSerialPortError *err);
GstSerialIoResult gst_serial_port_sleep (GstSerialPort *port,
    GstClockTime duration, GstSerialPortError *err);
guint gst_serial_port_get_output_queue (GstSerialPort *port);
gboolean gst_serial_port_baud_rate_is_real (GstSerialPort *port);
guint gst_serial_port_get_baud_rate (GstSerialPort *port);
GstSerialIoResult gst_serial_port_drain (GstSerialPort *port,
    GstSerialPortError *err);

void gst_serial_port_error_clear (GstSerialPortError *err);

/* Posts @err on the bus of @el as an error message and clears it. */
#define GST_SERIAL_PORT_ERROR_POST(el, err)                                    \
  G_STMT_START                                                                 \
  {                                                                            \
    gst_element_message_full (GST_ELEMENT (el), GST_MESSAGE_ERROR,             \
        GST_RESOURCE_ERROR, (err)->code, (err)->message, (err)->debug,         \
        __FILE__, GST_FUNCTION, __LINE__);                                     \
    (err)->message = NULL;                                                     \
    (err)->debug = NULL;                                                       \
  }                                                                            \
  G_STMT_END

G_END_DECLS

#endif /* __GST_SERIAL_PORT_H__ */
