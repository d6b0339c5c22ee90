/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialdeviceprovider, lists and monitors the serial ports of
 * the system for GstDeviceMonitor.
 *
 * Copyright (C) 2026 gst-serial developers
 */

/**
 * SECTION:provider-serialdeviceprovider
 * @title: serialdeviceprovider
 * @see_also: serialsrc, serialsink, #GstDeviceMonitor
 *
 * Lists the serial ports of the system as #GstDevice objects, so that
 * `gst-device-monitor-1.0` and applications using #GstDeviceMonitor find
 * them, and reports ports that appear or go away (USB adapters plugged in
 * and out, RFCOMM ports bound and released) while it is started.
 *
 * Every port gives two devices: one of device class `Serial/Port/Source`,
 * whose gst_device_create_element() makes a serialsrc, and one of class
 * `Serial/Port/Sink`, making a serialsink; both have #GstSerialSink:port
 * set to the port. A monitor filter of `Serial/Port` finds both, `Serial`
 * together with `Source` or `Sink` one of them. Their caps are ANY: what
 * travels over a serial link is up to the two ends.
 *
 * Ports are found in sysfs without opening them, since opening a port can
 * reset a board through DTR. Virtual terminals, the system console and
 * serial_core lines without a UART (type 0: the 8250 driver registers ttyS0
 * to ttyS3 whether or not they exist) are left out; USB-serial adapters,
 * USB CDC ACM ports, UARTs of the machine and RFCOMM (Bluetooth) ports are
 * listed. The display name is the port's description followed by its path,
 * for example "FT232R USB UART (/dev/ttyUSB0)" or
 * "16550A UART (/dev/ttyS1)".
 *
 * The properties of a device (gst_device_get_properties()) follow the keys
 * of GStreamer's other device providers; fields sysfs does not tell are left
 * out:
 *
 * * `device.api` (string): `serial`
 * * `device.path` (string): the device node, `/dev/ttyUSB0`
 * * `device.description` (string): what the port is, `FT232R USB UART`
 * * `device.bus` (string): `usb`, `pnp`, `platform`, `pci`, `bluetooth`
 * * `device.vendor.id`, `device.product.id` (string): USB or PCI ids in
 *   hexadecimal, `0403`, `6001`
 * * `device.vendor.name`, `device.product.name`, `device.serial` (string):
 *   the USB manufacturer, product and serial number strings
 * * `device.by-id` (string): the `/dev/serial/by-id/` link to the port, a
 *   name that stays the same across replugging
 * * `sysfs.path` (string): the directory of the hardware in sysfs
 * * `serial.transport` (string): `native`, `usb` or `bluetooth`
 * * `serial.driver` (string): the kernel driver, `ftdi_sio`, `serial8250`
 * * `serial.uart.type` (string): the UART model of a serial_core port,
 *   `16550A`
 * * `serial.uart.clock` (guint): its clock in Hz
 * * `serial.bluetooth.address` (string): the remote device of an RFCOMM
 *   port
 *
 * Started, the provider looks at sysfs again every
 * #GstSerialDeviceProvider:poll-interval milliseconds (1 s by default) in a
 * thread of its own, and posts a device-added or device-removed message for
 * each change. A port whose details change between two looks (another
 * adapter plugged in under the same name) is removed and added again.
 *
 * For tests, #GstSerialDeviceProvider:sysfs-dir and
 * #GstSerialDeviceProvider:by-id-dir point the provider at a fabricated
 * sysfs tree. The provider is a single instance per process
 * (gst_device_provider_factory_get_by_name ("serialdeviceprovider") returns
 * the one a #GstDeviceMonitor uses), so settings made there apply to the
 * monitor too.
 *
 * ## Example
 * |[
 * gst-device-monitor-1.0 Serial/Port
 * ]| lists the serial ports with a gst-launch-1.0 line for each.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialdeviceprovider.h"
#include "gstserialdevices.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (serial_device_provider_debug);
#define GST_CAT_DEFAULT serial_device_provider_debug

#define DEFAULT_SYSFS_DIR GST_SERIAL_SYSFS_TTY_DIR
#define DEFAULT_BY_ID_DIR GST_SERIAL_BY_ID_DIR
#define DEFAULT_POLL_INTERVAL 1000

#define CLASS_SOURCE "Serial/Port/Source"
#define CLASS_SINK "Serial/Port/Sink"

enum {
  PROP_0,
  PROP_SYSFS_DIR,
  PROP_BY_ID_DIR,
  PROP_POLL_INTERVAL
};

struct _GstSerialDeviceProvider {
  GstDeviceProvider parent;

  /* protects the settings and the thread's flags */
  GMutex lock;
  GCond cond;
  gchar *sysfs_dir;
  gchar *by_id_dir;
  guint poll_interval; /* ms */
  gboolean running;
  gboolean rescan; /* a setting changed: look again at once */

  /* start() before the thread runs, then the thread, then stop() after it
   * has ended: never two at once */
  GThread *thread;
  GHashTable *ports; /* port name -> PortEntry, the devices announced */
};

struct _GstSerialDevice {
  GstDevice parent;

  gchar *factory; /* serialsrc or serialsink */
  gchar *port;
};

/* A port announced to the bus, with its two devices. */
typedef struct {
  GstSerialPortInfo *info;
  GstDevice *src;
  GstDevice *sink;
} PortEntry;

G_DEFINE_TYPE (GstSerialDevice, gst_serial_device, GST_TYPE_DEVICE);
G_DEFINE_TYPE (GstSerialDeviceProvider, gst_serial_device_provider,
    GST_TYPE_DEVICE_PROVIDER);
GST_DEVICE_PROVIDER_REGISTER_DEFINE (serialdeviceprovider,
    "serialdeviceprovider", GST_RANK_PRIMARY, GST_TYPE_SERIAL_DEVICE_PROVIDER);

static void gst_serial_device_provider_set_property (GObject *object,
    guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_serial_device_provider_get_property (GObject *object,
    guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_serial_device_provider_finalize (GObject *object);
static GList *gst_serial_device_provider_probe (GstDeviceProvider *provider);
static gboolean gst_serial_device_provider_start (GstDeviceProvider *provider);
static void gst_serial_device_provider_stop (GstDeviceProvider *provider);

/* GstSerialDevice */

static GstElement *
gst_serial_device_create_element (GstDevice *device, const gchar *name)
{
  GstSerialDevice *self = GST_SERIAL_DEVICE (device);
  GstElement *element = gst_element_factory_make (self->factory, name);

  if (element == NULL) {
    GST_WARNING_OBJECT (self, "cannot make a %s", self->factory);
    return NULL;
  }
  g_object_set (element, "port", self->port, NULL);
  return element;
}

/* Points an element made for another port at this one. */
static gboolean
gst_serial_device_reconfigure_element (GstDevice *device, GstElement *element)
{
  GstSerialDevice *self = GST_SERIAL_DEVICE (device);
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory == NULL ||
      g_strcmp0 (GST_OBJECT_NAME (factory), self->factory) != 0)
    return FALSE;
  g_object_set (element, "port", self->port, NULL);
  return TRUE;
}

static void
gst_serial_device_finalize (GObject *object)
{
  GstSerialDevice *self = GST_SERIAL_DEVICE (object);

  g_free (self->factory);
  g_free (self->port);
  G_OBJECT_CLASS (gst_serial_device_parent_class)->finalize (object);
}

static void
gst_serial_device_class_init (GstSerialDeviceClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstDeviceClass *device_class = GST_DEVICE_CLASS (klass);

  gobject_class->finalize = gst_serial_device_finalize;
  device_class->create_element =
      GST_DEBUG_FUNCPTR (gst_serial_device_create_element);
  device_class->reconfigure_element =
      GST_DEBUG_FUNCPTR (gst_serial_device_reconfigure_element);
}

static void
gst_serial_device_init (GstSerialDevice *self)
{
}

static void
set_string (GstStructure *props, const gchar *key, const gchar *value)
{
  if (value != NULL)
    gst_structure_set (props, key, G_TYPE_STRING, value, NULL);
}

static GstStructure *
port_properties (const GstSerialPortInfo *info)
{
  GstStructure *props = gst_structure_new ("serial-proplist", "device.api",
      G_TYPE_STRING, "serial", "device.path", G_TYPE_STRING, info->path,
      "device.description", G_TYPE_STRING, info->description,
      "serial.transport", G_TYPE_STRING,
      gst_serial_transport_to_string (info->transport), NULL);

  set_string (props, "device.bus", info->bus);
  if (info->vendor_id != 0 || info->product_id != 0) {
    gchar *vendor = g_strdup_printf ("%04x", info->vendor_id);
    gchar *product = g_strdup_printf ("%04x", info->product_id);

    set_string (props, "device.vendor.id", vendor);
    set_string (props, "device.product.id", product);
    g_free (product);
    g_free (vendor);
  }
  set_string (props, "device.vendor.name", info->manufacturer);
  set_string (props, "device.product.name", info->product);
  set_string (props, "device.serial", info->serial);
  set_string (props, "device.by-id", info->by_id);
  set_string (props, "sysfs.path", info->sysfs_path);
  set_string (props, "serial.driver", info->driver);
  set_string (props, "serial.uart.type", info->uart);
  if (info->uart_clock != 0)
    gst_structure_set (props, "serial.uart.clock", G_TYPE_UINT,
        info->uart_clock, NULL);
  set_string (props, "serial.bluetooth.address", info->address);
  return props;
}

/* A device for one direction of @info; floating, as GstDevices are made. */
static GstDevice *
gst_serial_device_new (const GstSerialPortInfo *info, gboolean source)
{
  GstStructure *props = port_properties (info);
  GstCaps *caps = gst_caps_new_any ();
  gchar *display_name =
      g_strdup_printf ("%s (%s)", info->description, info->path);
  GstSerialDevice *device;

  device = g_object_new (GST_TYPE_SERIAL_DEVICE, "display-name", display_name,
      "caps", caps, "device-class", source ? CLASS_SOURCE : CLASS_SINK,
      "properties", props, NULL);
  device->factory = g_strdup (source ? "serialsrc" : "serialsink");
  device->port = g_strdup (info->path);

  g_free (display_name);
  gst_caps_unref (caps);
  gst_structure_free (props);
  return GST_DEVICE (device);
}

/* GstSerialDeviceProvider */

static void
port_entry_free (PortEntry *entry)
{
  gst_serial_port_info_free (entry->info);
  gst_object_unref (entry->src);
  gst_object_unref (entry->sink);
  g_free (entry);
}

static void
gst_serial_device_provider_class_init (GstSerialDeviceProviderClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (serial_device_provider_debug, "serialdeviceprovider",
      0, "serial port device provider");

  gobject_class->set_property = gst_serial_device_provider_set_property;
  gobject_class->get_property = gst_serial_device_provider_get_property;
  gobject_class->finalize = gst_serial_device_provider_finalize;

  provider_class->probe = GST_DEBUG_FUNCPTR (gst_serial_device_provider_probe);
  provider_class->start = GST_DEBUG_FUNCPTR (gst_serial_device_provider_start);
  provider_class->stop = GST_DEBUG_FUNCPTR (gst_serial_device_provider_stop);

  /**
   * GstSerialDeviceProvider:sysfs-dir:
   *
   * The sysfs tty class directory the ports are read from. Tests point it at
   * a fabricated tree; when started, a change takes effect at once.
   */
  g_object_class_install_property (gobject_class, PROP_SYSFS_DIR,
      g_param_spec_string ("sysfs-dir", "sysfs directory",
          "The sysfs tty class directory to find ports in (for tests)",
          DEFAULT_SYSFS_DIR, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstSerialDeviceProvider:by-id-dir:
   *
   * The directory of stable port names, whose links give `device.by-id`.
   */
  g_object_class_install_property (gobject_class, PROP_BY_ID_DIR,
      g_param_spec_string ("by-id-dir", "by-id directory",
          "The directory of stable links to ports (for tests)",
          DEFAULT_BY_ID_DIR, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstSerialDeviceProvider:poll-interval:
   *
   * How often, in milliseconds, the started provider looks for ports that
   * came or went.
   */
  g_object_class_install_property (gobject_class, PROP_POLL_INTERVAL,
      g_param_spec_uint ("poll-interval", "Poll interval",
          "Milliseconds between two looks for ports that came or went", 10,
          60000, DEFAULT_POLL_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  gst_device_provider_class_set_static_metadata (provider_class,
      "Serial Port Device Provider", "Serial/Port/Source/Sink",
      "Lists and monitors serial ports: UARTs, USB-serial adapters, USB CDC "
      "ports and Bluetooth RFCOMM ports",
      "gst-serial developers");
}

static void
gst_serial_device_provider_init (GstSerialDeviceProvider *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->sysfs_dir = g_strdup (DEFAULT_SYSFS_DIR);
  self->by_id_dir = g_strdup (DEFAULT_BY_ID_DIR);
  self->poll_interval = DEFAULT_POLL_INTERVAL;
  self->ports = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) port_entry_free);
}

static void
gst_serial_device_provider_finalize (GObject *object)
{
  GstSerialDeviceProvider *self = GST_SERIAL_DEVICE_PROVIDER (object);

  g_hash_table_unref (self->ports);
  g_free (self->sysfs_dir);
  g_free (self->by_id_dir);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_serial_device_provider_parent_class)->finalize (object);
}

static void
replace_dir (gchar **dir, const GValue *value, const gchar *fallback)
{
  const gchar *s = g_value_get_string (value);

  g_free (*dir);
  *dir = g_strdup (s ? s : fallback);
}

static void
gst_serial_device_provider_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstSerialDeviceProvider *self = GST_SERIAL_DEVICE_PROVIDER (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_SYSFS_DIR:
      replace_dir (&self->sysfs_dir, value, DEFAULT_SYSFS_DIR);
      break;
    case PROP_BY_ID_DIR:
      replace_dir (&self->by_id_dir, value, DEFAULT_BY_ID_DIR);
      break;
    case PROP_POLL_INTERVAL:
      self->poll_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  self->rescan = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
gst_serial_device_provider_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec)
{
  GstSerialDeviceProvider *self = GST_SERIAL_DEVICE_PROVIDER (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_SYSFS_DIR:
      g_value_set_string (value, self->sysfs_dir);
      break;
    case PROP_BY_ID_DIR:
      g_value_set_string (value, self->by_id_dir);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, self->poll_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static GList *
enumerate (GstSerialDeviceProvider *self)
{
  gchar *sysfs_dir, *by_id_dir;
  GList *ports;

  g_mutex_lock (&self->lock);
  sysfs_dir = g_strdup (self->sysfs_dir);
  by_id_dir = g_strdup (self->by_id_dir);
  g_mutex_unlock (&self->lock);

  ports = gst_serial_port_enumerate_full (sysfs_dir, by_id_dir);
  g_free (by_id_dir);
  g_free (sysfs_dir);
  return ports;
}

static GList *
gst_serial_device_provider_probe (GstDeviceProvider *provider)
{
  GstSerialDeviceProvider *self = GST_SERIAL_DEVICE_PROVIDER (provider);
  GList *ports = enumerate (self), *devices = NULL, *l;

  for (l = ports; l; l = l->next) {
    devices = g_list_prepend (devices,
        gst_object_ref_sink (gst_serial_device_new (l->data, TRUE)));
    devices = g_list_prepend (devices,
        gst_object_ref_sink (gst_serial_device_new (l->data, FALSE)));
  }
  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);
  return g_list_reverse (devices);
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const PortEntry *ea = a, *eb = b;

  return strcmp (ea->info->path, eb->info->path);
}

/* Brings the devices announced in line with @ports, the ports found now,
 * posting a message for each change, in the order of the paths. Takes the
 * infos of @ports it keeps. */
static void
update_ports (GstSerialDeviceProvider *self, GList *ports)
{
  GstDeviceProvider *provider = GST_DEVICE_PROVIDER (self);
  GHashTable *found = g_hash_table_new (g_str_hash, g_str_equal);
  GList *gone = NULL, *entries, *l;
  PortEntry *entry;

  for (l = ports; l; l = l->next) {
    GstSerialPortInfo *info = l->data;

    g_hash_table_insert (found, info->name, info);
  }

  entries =
      g_list_sort (g_hash_table_get_values (self->ports), compare_entries);
  for (l = entries; l; l = l->next) {
    GstSerialPortInfo *now;

    entry = l->data;
    now = g_hash_table_lookup (found, entry->info->name);
    if (now == NULL || !gst_serial_port_info_equal (now, entry->info))
      gone = g_list_prepend (gone, entry);
  }
  g_list_free (entries);

  gone = g_list_reverse (gone);
  for (l = gone; l; l = l->next) {
    entry = l->data;
    GST_INFO_OBJECT (self, "%s went away", entry->info->path);
    gst_device_provider_device_remove (provider, entry->src);
    gst_device_provider_device_remove (provider, entry->sink);
    g_hash_table_remove (self->ports, entry->info->name);
  }
  g_list_free (gone);

  for (l = ports; l; l = l->next) {
    GstSerialPortInfo *info = l->data;

    if (g_hash_table_contains (self->ports, info->name))
      continue;
    GST_INFO_OBJECT (self, "%s (%s) appeared", info->path, info->description);
    entry = g_new0 (PortEntry, 1);
    entry->info = info;
    entry->src = gst_object_ref_sink (gst_serial_device_new (info, TRUE));
    entry->sink = gst_object_ref_sink (gst_serial_device_new (info, FALSE));
    l->data = NULL;
    g_hash_table_insert (self->ports, info->name, entry);
    gst_device_provider_device_add (provider, entry->src);
    gst_device_provider_device_add (provider, entry->sink);
  }

  g_hash_table_unref (found);
  g_list_free_full (ports, (GDestroyNotify) gst_serial_port_info_free);
}

/* Looks at sysfs every poll-interval until stop() clears running; a
 * setting changed looks at once. */
static gpointer
poll_thread (gpointer data)
{
  GstSerialDeviceProvider *self = data;

  g_mutex_lock (&self->lock);
  while (self->running) {
    gint64 deadline =
        g_get_monotonic_time () + self->poll_interval * G_TIME_SPAN_MILLISECOND;

    /* Spurious wake-ups return TRUE too: only the flags end the wait. */
    while (self->running && !self->rescan) {
      if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
        break;
    }
    if (!self->running)
      break;
    self->rescan = FALSE;
    g_mutex_unlock (&self->lock);

    GST_LOG_OBJECT (self, "looking for ports");
    update_ports (self, enumerate (self));

    g_mutex_lock (&self->lock);
  }
  g_mutex_unlock (&self->lock);
  return NULL;
}

static gboolean
gst_serial_device_provider_start (GstDeviceProvider *provider)
{
  GstSerialDeviceProvider *self = GST_SERIAL_DEVICE_PROVIDER (provider);
  GError *error = NULL;

  /* The ports there already are announced before start() returns, so that
   * gst_device_monitor_get_devices() right after starting lists them. */
  update_ports (self, enumerate (self));

  g_mutex_lock (&self->lock);
  self->running = TRUE;
  self->rescan = FALSE;
  g_mutex_unlock (&self->lock);

  self->thread = g_thread_try_new ("serial-devices", poll_thread, self, &error);
  if (self->thread == NULL)
    goto no_thread;
  return TRUE;

  /* ERRORS */
no_thread:
  GST_ERROR_OBJECT (self, "cannot start the polling thread: %s",
      error->message);
  g_error_free (error);
  g_mutex_lock (&self->lock);
  self->running = FALSE;
  g_mutex_unlock (&self->lock);
  update_ports (self, NULL);
  return FALSE;
}

static void
gst_serial_device_provider_stop (GstDeviceProvider *provider)
{
  GstSerialDeviceProvider *self = GST_SERIAL_DEVICE_PROVIDER (provider);

  g_mutex_lock (&self->lock);
  self->running = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (self->thread != NULL)
    g_thread_join (self->thread);
  self->thread = NULL;

  /* The base class drops the devices it lists once stop() returns. */
  g_hash_table_remove_all (self->ports);
}
