/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serial:// URIs, the GstURIHandler of serialsink and serialsrc.
 *
 *   serial:///dev/ttyUSB0?baud-rate=921600&framing=native
 *
 * The path is the port. Each query parameter sets the element property of
 * its name, the value written as gst-launch-1.0 takes it (enum nicks,
 * numbers, true/false, caps), percent-encoded where needed. The host is
 * empty or localhost: a serial port is local.
 *
 * Setting a URI checks every parameter before it changes anything, and
 * leaves the properties the URI does not name as they are. Reading the URI
 * gives the port and every property that differs from a new element's, so
 * that the URI describes the whole configuration: setting it on the same or
 * on a new element gives the same settings.
 *
 * Errors (GST_URI_ERROR): BAD_URI for what is not a serial URI of this form
 * (bad percent-encoding, a host, a fragment, no port, a parameter without
 * a value or given twice, 'port' as a parameter) and for a value the
 * property does not take; BAD_REFERENCE for a parameter that names no
 * property a URI can set (unknown or read-only); BAD_STATE past READY, when
 * the port may be open.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialuri.h"

#include <gst/base/gstbasesink.h>

#include <string.h>

#define PORT_PROPERTY "port"

/* What stays as it is in a query parameter: what RFC 3986 allows in a
 * query, less the separators & and =, and + and ; which some decoders take
 * for a space or a separator. */
#define QUERY_ALLOWED_CHARS "!$'()*,:@/?"

static const gchar *const serial_uri_protocols[] = { "serial", NULL };

/* The parts of a URI (RFC 3986, section 3), still percent-encoded. */
typedef struct {
  gchar *authority; /* NULL without "//" */
  gchar *path;
  gchar *query;    /* NULL without "?" */
  gchar *fragment; /* NULL without "#" */
} SerialUriParts;

/* A parameter checked and converted, waiting to be applied. */
typedef struct {
  GParamSpec *pspec;
  GValue value;
} SerialUriParam;

/* A property a URI may set: writable after construction, readable so that
 * the URI can be read back, and not GstObject's name or parent, which are
 * no settings. The port is the path. */
static gboolean
settable (GParamSpec *pspec)
{
  const GParamFlags rw = G_PARAM_READABLE | G_PARAM_WRITABLE;

  return (pspec->flags & rw) == rw &&
      !(pspec->flags & (G_PARAM_CONSTRUCT_ONLY | G_PARAM_DEPRECATED)) &&
      pspec->owner_type != GST_TYPE_OBJECT &&
      pspec->owner_type != G_TYPE_OBJECT &&
      strcmp (pspec->name, PORT_PROPERTY) != 0;
}

static const gchar *
element_kind (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  return factory ? GST_OBJECT_NAME (factory) : G_OBJECT_TYPE_NAME (element);
}

static void
split_uri (const gchar *uri, SerialUriParts *parts)
{
  const gchar *p = strchr (uri, ':') + 1;
  gsize len;

  memset (parts, 0, sizeof (*parts));
  if (g_str_has_prefix (p, "//")) {
    p += 2;
    len = strcspn (p, "/?#");
    parts->authority = g_strndup (p, len);
    p += len;
  }
  len = strcspn (p, "?#");
  parts->path = g_strndup (p, len);
  p += len;
  if (*p == '?') {
    len = strcspn (++p, "#");
    parts->query = g_strndup (p, len);
    p += len;
  }
  if (*p == '#')
    parts->fragment = g_strdup (p + 1);
}

static void
clear_parts (SerialUriParts *parts)
{
  g_free (parts->authority);
  g_free (parts->path);
  g_free (parts->query);
  g_free (parts->fragment);
}

static void
clear_param (gpointer data)
{
  SerialUriParam *param = data;

  g_value_unset (&param->value);
}

/* Call without the object lock. Past READY the port may be open and its
 * settings cannot change, as filesrc's location cannot. A sink waiting to
 * preroll is still in READY with the port open: its target state tells. */
static gboolean
check_state (GstElement *element, GError **error)
{
  GstState state, target;

  GST_OBJECT_LOCK (element);
  state = GST_STATE (element);
  target = GST_STATE_TARGET (element);
  GST_OBJECT_UNLOCK (element);
  if (state <= GST_STATE_READY && target <= GST_STATE_READY)
    return TRUE;

  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
      "Cannot set the URI of %s in the %s state: set it to READY or NULL "
      "first",
      GST_ELEMENT_NAME (element),
      gst_element_state_get_name (MAX (state, target)));
  return FALSE;
}

/* The port, percent-decoded, from the path of @parts. */
static gchar *
parse_port (const SerialUriParts *parts, const gchar *uri, GError **error)
{
  const gchar *host = parts->authority;
  gchar *port;

  if (host && host[0] != '\0' && g_ascii_strcasecmp (host, "localhost") != 0)
    goto remote;
  if (parts->fragment)
    goto fragment;
  port = g_uri_unescape_string (parts->path, NULL);
  if (port == NULL)
    goto bad_escape;
  if (port[0] == '\0' || strcmp (port, "/") == 0)
    goto no_port;
  if (port[0] != '/')
    goto relative;
  return port;

  /* ERRORS */
remote:
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "Serial URI '%s' names the host '%s', but serial ports are local: "
      "write serial:///dev/ttyUSB0 (three slashes) or "
      "serial://localhost/dev/ttyUSB0",
      uri, host);
  return NULL;

fragment:
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "Serial URI '%s' has a fragment ('#%s'); serial URIs have none (write "
      "%%23 for a '#' in the port's path)",
      uri, parts->fragment);
  return NULL;

bad_escape:
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "Serial URI '%s' has a bad percent-encoding in its path '%s'", uri,
      parts->path);
  return NULL;

no_port:
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "Serial URI '%s' names no port: the path is the port, as in "
      "serial:///dev/ttyUSB0",
      uri);
  g_free (port);
  return NULL;

relative:
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "Serial URI '%s': the port '%s' is not an absolute path; write "
      "serial:///dev/ttyUSB0",
      uri, port);
  g_free (port);
  return NULL;
}

/* "one of none, odd, even", "a whole number from 5 to 8", ... */
static gchar *
describe_values (GParamSpec *pspec)
{
  GString *s = g_string_new (NULL);
  guint i;

  if (G_IS_PARAM_SPEC_ENUM (pspec)) {
    GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;

    g_string_append (s, "one of ");
    for (i = 0; i < klass->n_values; i++)
      g_string_append_printf (s, "%s%s", i > 0 ? ", " : "",
          klass->values[i].value_nick);
  } else if (G_IS_PARAM_SPEC_FLAGS (pspec)) {
    GFlagsClass *klass = G_PARAM_SPEC_FLAGS (pspec)->flags_class;

    g_string_append (s, "flags joined by '+' out of ");
    for (i = 0; i < klass->n_values; i++)
      g_string_append_printf (s, "%s%s", i > 0 ? ", " : "",
          klass->values[i].value_nick);
  } else if (G_IS_PARAM_SPEC_BOOLEAN (pspec)) {
    g_string_append (s, "true or false");
  } else if (G_IS_PARAM_SPEC_UINT (pspec)) {
    GParamSpecUInt *p = G_PARAM_SPEC_UINT (pspec);

    g_string_printf (s, "a whole number from %u to %u", p->minimum, p->maximum);
  } else if (G_IS_PARAM_SPEC_INT (pspec)) {
    GParamSpecInt *p = G_PARAM_SPEC_INT (pspec);

    g_string_printf (s, "a whole number from %d to %d", p->minimum, p->maximum);
  } else if (G_IS_PARAM_SPEC_UINT64 (pspec)) {
    GParamSpecUInt64 *p = G_PARAM_SPEC_UINT64 (pspec);

    g_string_printf (s,
        "a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
        p->minimum, p->maximum);
  } else if (G_IS_PARAM_SPEC_INT64 (pspec)) {
    GParamSpecInt64 *p = G_PARAM_SPEC_INT64 (pspec);

    g_string_printf (s,
        "a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
        p->minimum, p->maximum);
  } else if (G_IS_PARAM_SPEC_DOUBLE (pspec)) {
    GParamSpecDouble *p = G_PARAM_SPEC_DOUBLE (pspec);

    g_string_printf (s, "a number from %g to %g", p->minimum, p->maximum);
  } else {
    g_string_printf (s, "a %s as gst-launch-1.0 takes it",
        g_type_name (pspec->value_type));
  }
  return g_string_free (s, FALSE);
}

static gchar *
settable_names (GObjectClass *klass)
{
  GString *s = g_string_new (NULL);
  GParamSpec **pspecs;
  guint i, n;

  pspecs = g_object_class_list_properties (klass, &n);
  for (i = 0; i < n; i++) {
    if (settable (pspecs[i]))
      g_string_append_printf (s, "%s%s", s->len > 0 ? ", " : "",
          pspecs[i]->name);
  }
  g_free (pspecs);
  return g_string_free (s, FALSE);
}

static gboolean
has_param (GArray *params, GParamSpec *pspec)
{
  guint i;

  for (i = 0; i < params->len; i++) {
    if (g_array_index (params, SerialUriParam, i).pspec == pspec)
      return TRUE;
  }
  return FALSE;
}

/* Converts @str for @pspec as gst-launch-1.0 does, and checks it against
 * the property's range, so that applying it cannot fail. */
static gboolean
add_param (GArray *params, GParamSpec *pspec, const gchar *str, GError **error)
{
  SerialUriParam param = { pspec, G_VALUE_INIT };
  gchar *expected;

  g_value_init (&param.value, pspec->value_type);
  if (!gst_value_deserialize_with_pspec (&param.value, str, pspec) ||
      g_param_value_validate (pspec, &param.value))
    goto bad_value;
  g_array_append_val (params, param);
  return TRUE;

  /* ERRORS */
bad_value:
  expected = describe_values (pspec);
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "Invalid value '%s' for the serial URI parameter '%s': expected %s", str,
      pspec->name, expected);
  g_free (expected);
  g_value_unset (&param.value);
  return FALSE;
}

static gboolean
check_name (GstElement *element, GParamSpec *pspec, const gchar *name,
    GArray *params, GError **error)
{
  gchar *known;

  if (pspec && strcmp (pspec->name, PORT_PROPERTY) == 0)
    goto port_param;
  if (pspec == NULL)
    goto unknown;
  if (!settable (pspec))
    goto not_settable;
  if (has_param (params, pspec))
    goto twice;
  return TRUE;

  /* ERRORS */
port_param:
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "The port is the serial URI's path, not a parameter: write "
      "serial:///dev/ttyUSB0?baud-rate=115200, not ?port=...");
  return FALSE;

unknown:
  known = settable_names (G_OBJECT_GET_CLASS (element));
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_REFERENCE,
      "Unknown serial URI parameter '%s': %s has no such property. "
      "Parameters: %s",
      name, element_kind (element), known);
  g_free (known);
  return FALSE;

not_settable:
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_REFERENCE,
      "The serial URI parameter '%s' cannot be set: %s's property '%s' is %s",
      name, element_kind (element), pspec->name,
      (pspec->flags & G_PARAM_WRITABLE) ? "not a setting" : "read-only");
  return FALSE;

twice:
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "The serial URI parameter '%s' is given twice", pspec->name);
  return FALSE;
}

/* One "name=value" of the query, still percent-encoded. */
static gboolean
parse_param (GstElement *element, const gchar *pair, GArray *params,
    GError **error)
{
  const gchar *eq = strchr (pair, '=');
  gchar *raw_name = eq ? g_strndup (pair, eq - pair) : g_strdup (pair);
  gchar *name = g_uri_unescape_string (raw_name, NULL);
  gchar *value = eq ? g_uri_unescape_string (eq + 1, NULL) : NULL;
  gboolean ok = FALSE;
  GParamSpec *pspec;

  if (name == NULL || (eq && value == NULL)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "The serial URI parameter '%s' has a bad percent-encoding", pair);
  } else if (eq == NULL) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "The serial URI parameter '%s' has no value: write %s=VALUE", name,
        name);
  } else {
    pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (element), name);
    ok = check_name (element, pspec, name, params, error) &&
        add_param (params, pspec, value, error);
  }
  g_free (raw_name);
  g_free (name);
  g_free (value);
  return ok;
}

static gboolean
parse_params (GstElement *element, const gchar *query, GArray *params,
    GError **error)
{
  gchar **pairs;
  gboolean ok = TRUE;
  guint i;

  if (query == NULL)
    return TRUE;

  pairs = g_strsplit (query, "&", -1);
  for (i = 0; ok && pairs[i] != NULL; i++) {
    if (pairs[i][0] != '\0')
      ok = parse_param (element, pairs[i], params, error);
  }
  g_strfreev (pairs);
  return ok;
}

static void
apply (GstElement *element, const gchar *port, GArray *params)
{
  GObject *object = G_OBJECT (element);
  guint i;

  g_object_freeze_notify (object);
  g_object_set (object, PORT_PROPERTY, port, NULL);
  for (i = 0; i < params->len; i++) {
    SerialUriParam *param = &g_array_index (params, SerialUriParam, i);

    g_object_set_property (object, param->pspec->name, &param->value);
  }
  g_object_thaw_notify (object);
}

/**
 * gst_serial_uri_set:
 *
 * Sets @element's port and the properties the query names from @uri, all
 * of them or, on error, none.
 */
gboolean
gst_serial_uri_set (GstElement *element, const gchar *uri, GError **error)
{
  SerialUriParts parts;
  GArray *params;
  gchar *port;
  gboolean ok = FALSE;

  if (!check_state (element, error))
    return FALSE;
  if (!gst_uri_is_valid (uri) || !gst_uri_has_protocol (uri, "serial"))
    goto wrong_scheme;

  split_uri (uri, &parts);
  params = g_array_new (FALSE, TRUE, sizeof (SerialUriParam));
  g_array_set_clear_func (params, clear_param);
  port = parse_port (&parts, uri, error);
  if (port != NULL && parse_params (element, parts.query, params, error)) {
    GST_DEBUG_OBJECT (element, "URI %s: port %s, %u parameters", uri, port,
        params->len);
    apply (element, port, params);
    ok = TRUE;
  }
  g_free (port);
  g_array_unref (params);
  clear_parts (&parts);
  return ok;

  /* ERRORS */
wrong_scheme:
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_UNSUPPORTED_PROTOCOL,
      "'%s' is not a serial:// URI", uri);
  return FALSE;
}

/* As gst-launch-1.0 takes it, in the form that reads best: enums by nick
 * rather than gst_value_serialize()'s C names, caps without its quoting. */
static gchar *
serialize_value (const GValue *value)
{
  if (G_VALUE_HOLDS (value, GST_TYPE_CAPS) && gst_value_get_caps (value))
    return gst_caps_to_string (gst_value_get_caps (value));
  if (G_VALUE_HOLDS_ENUM (value)) {
    GEnumClass *klass = g_type_class_ref (G_VALUE_TYPE (value));
    GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (value));
    gchar *str = ev ? g_strdup (ev->value_nick)
                    : g_strdup_printf ("%d", g_value_get_enum (value));

    g_type_class_unref (klass);
    return str;
  }
  return gst_value_serialize (value);
}

static void
append_param (GString *uri, GParamSpec *pspec, const GValue *value)
{
  gchar *str = serialize_value (value);
  gchar *escaped;

  if (str == NULL) {
    GST_WARNING ("cannot write property '%s' in a URI", pspec->name);
    return;
  }
  escaped = g_uri_escape_string (str, QUERY_ALLOWED_CHARS, FALSE);
  g_string_append_printf (uri, "%c%s=%s", strchr (uri->str, '?') ? '&' : '?',
      pspec->name, escaped);
  g_free (escaped);
  g_free (str);
}

/* The values of the properties of @object a URI may set, a field each, in
 * the order of the class's properties. */
static GstStructure *
settable_values (GObject *object)
{
  GstStructure *values = gst_structure_new_empty ("values");
  GParamSpec **pspecs;
  guint i, n;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (object), &n);
  for (i = 0; i < n; i++) {
    GValue value = G_VALUE_INIT;

    if (!settable (pspecs[i]))
      continue;
    g_value_init (&value, pspecs[i]->value_type);
    g_object_get_property (object, pspecs[i]->name, &value);
    gst_structure_take_value (values, pspecs[i]->name, &value);
  }
  g_free (pspecs);
  return values;
}

/* An element's defaults are not always its param specs' (the sink's sync
 * is false, the source's do-timestamp true): they are a new element's
 * values, read once per type and kept with the type. */
static const GstStructure *
get_defaults (GType type)
{
  static GMutex lock;
  GQuark quark = g_quark_from_static_string ("gst-serial-uri-defaults");
  GstStructure *defaults;
  GObject *fresh;

  g_mutex_lock (&lock);
  defaults = g_type_get_qdata (type, quark);
  if (defaults == NULL) {
    fresh = gst_object_ref_sink (g_object_new (type, NULL));
    defaults = settable_values (fresh);
    gst_object_unref (fresh);
    g_type_set_qdata (type, quark, defaults);
  }
  g_mutex_unlock (&lock);
  return defaults;
}

/* Appends every settable property whose value differs from a new
 * element's. */
static void
append_params (GString *uri, GstElement *element)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (element);
  const GstStructure *defaults = get_defaults (G_OBJECT_CLASS_TYPE (klass));
  GstStructure *values = settable_values (G_OBJECT (element));
  gint i, n = gst_structure_n_fields (values);

  for (i = 0; i < n; i++) {
    const gchar *name = gst_structure_nth_field_name (values, i);
    GParamSpec *pspec = g_object_class_find_property (klass, name);
    const GValue *value = gst_structure_get_value (values, name);

    if (g_param_values_cmp (pspec, value,
            gst_structure_get_value (defaults, name)) != 0)
      append_param (uri, pspec, value);
  }
  gst_structure_free (values);
}

/**
 * gst_serial_uri_get:
 *
 * Returns: serial://PORT?... with the properties that differ from a new
 * element's, or %NULL when no port is set.
 */
gchar *
gst_serial_uri_get (GstElement *element)
{
  gchar *port = NULL, *path, *escaped;
  GString *uri;

  g_object_get (element, PORT_PROPERTY, &port, NULL);
  if (port == NULL || port[0] == '\0') {
    g_free (port);
    return NULL;
  }

  /* A relative port is relative to the current directory, as filesrc's
   * relative locations are in its URI. */
  path = g_path_is_absolute (port) ? g_strdup (port)
                                   : g_canonicalize_filename (port, NULL);
  escaped =
      g_uri_escape_string (path, G_URI_RESERVED_CHARS_ALLOWED_IN_PATH, FALSE);
  uri = g_string_new ("serial://");
  g_string_append (uri, escaped);
  append_params (uri, element);
  g_free (escaped);
  g_free (path);
  g_free (port);
  return g_string_free (uri, FALSE);
}

static const gchar *const *
gst_serial_uri_get_protocols (GType type)
{
  return serial_uri_protocols;
}

static gchar *
gst_serial_uri_handler_get_uri (GstURIHandler *handler)
{
  return gst_serial_uri_get (GST_ELEMENT (handler));
}

static gboolean
gst_serial_uri_handler_set_uri (GstURIHandler *handler, const gchar *uri,
    GError **error)
{
  return gst_serial_uri_set (GST_ELEMENT (handler), uri, error);
}

/* Both elements share the handler; serialsink is the one that is a sink. */
static GstURIType
gst_serial_uri_get_type (GType type)
{
  return g_type_is_a (type, GST_TYPE_BASE_SINK) ? GST_URI_SINK : GST_URI_SRC;
}

void
gst_serial_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  GstURIHandlerInterface *iface = g_iface;

  iface->get_type = gst_serial_uri_get_type;
  iface->get_protocols = gst_serial_uri_get_protocols;
  iface->get_uri = gst_serial_uri_handler_get_uri;
  iface->set_uri = gst_serial_uri_handler_set_uri;
}
