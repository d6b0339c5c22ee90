/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial benchmarks: what they share.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "benchutil.h"

#include <glib/gstdio.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

gchar *emu_path;

/* Starts an emulated @baud 8N1 line whose UARTs have @fifo-byte FIFOs,
 * with the emulator's options @extra (NULL-terminated; may be NULL). */
Emu *
emu_start_full (guint baud, guint fifo, const gchar *const *extra)
{
  Emu *emu = g_new0 (Emu, 1);
  gchar *baud_str = g_strdup_printf ("%u", baud);
  gchar *fifo_str = g_strdup_printf ("%u", fifo);
  GPtrArray *argv = g_ptr_array_new ();
  GError *error = NULL;
  gchar buf[512];
  gsize len = 0;

  emu->dir = g_dir_make_tmp ("bench-link-XXXXXX", NULL);
  emu->a = g_build_filename (emu->dir, "ttyA", NULL);
  emu->b = g_build_filename (emu->dir, "ttyB", NULL);
  g_ptr_array_add (argv, emu_path);
  g_ptr_array_add (argv, (gpointer) "--baud");
  g_ptr_array_add (argv, baud_str);
  g_ptr_array_add (argv, (gpointer) "--fifo");
  g_ptr_array_add (argv, fifo_str);
  g_ptr_array_add (argv, (gpointer) "--link-a");
  g_ptr_array_add (argv, emu->a);
  g_ptr_array_add (argv, (gpointer) "--link-b");
  g_ptr_array_add (argv, emu->b);
  for (; extra && *extra; extra++)
    g_ptr_array_add (argv, (gpointer) *extra);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_async_with_pipes (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &emu->pid, NULL, &emu->out_fd,
          NULL, &error))
    g_error ("cannot start %s: %s", emu_path, error->message);
  g_ptr_array_unref (argv);

  /* The emulator prints READY once both sides can be opened. */
  while (len < sizeof (buf) - 1) {
    gssize n = read (emu->out_fd, buf + len, 1);

    if (n <= 0)
      g_error ("the emulator exited before it was ready");
    if (buf[len++] == '\n' && g_str_has_prefix (buf, "READY"))
      break;
    if (buf[len - 1] == '\n')
      len = 0;
  }
  g_free (baud_str);
  g_free (fifo_str);
  return emu;
}

Emu *
emu_start_fifo (guint baud, guint fifo)
{
  return emu_start_full (baud, fifo, NULL);
}

/* A 16550A's 16-byte FIFO. */
Emu *
emu_start (guint baud)
{
  return emu_start_fifo (baud, 16);
}

void
emu_stop (Emu *emu)
{
  int status;

  kill (emu->pid, SIGTERM);
  waitpid (emu->pid, &status, 0);
  g_spawn_close_pid (emu->pid);
  close (emu->out_fd);
  g_rmdir (emu->dir);
  g_free (emu->a);
  g_free (emu->b);
  g_free (emu->dir);
  g_free (emu);
}

gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

GstElement *
launch (const gchar *fmt, ...)
{
  GError *error = NULL;
  GstElement *pipe;
  va_list args;
  gchar *desc;

  va_start (args, fmt);
  desc = g_strdup_vprintf (fmt, args);
  va_end (args);
  pipe = gst_parse_launch (desc, &error);
  if (pipe == NULL)
    g_error ("%s: %s", desc, error->message);
  g_free (desc);
  return pipe;
}

/* Runs @pipe until EOS, an error or @seconds, whichever is first. */
void
run_pipeline (GstElement *pipe, gdouble seconds)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;

  msg = gst_bus_timed_pop_filtered (bus, seconds * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    g_printerr ("error from %s: %s\n", GST_MESSAGE_SRC_NAME (msg),
        err->message);
    g_error_free (err);
  }
  gst_clear_message (&msg);
  gst_object_unref (bus);
}

/* Parses the command line: @entries, --emu and GStreamer's options; the
 * benchmark's name must follow. FALSE, after saying why, when it does not
 * parse. */
gboolean
bench_parse_args (int *argc, char ***argv, const GOptionEntry *entries,
    const gchar *usage)
{
  GOptionEntry emu_entries[] = { { "emu", 0, 0, G_OPTION_ARG_FILENAME,
                                     &emu_path, "Path of serial-link-emu",
                                     "PATH" },
    { NULL } };
  GOptionContext *ctx = g_option_context_new (usage);
  GError *error = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, emu_entries, NULL);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &error) && *argc >= 2;
  if (!ok)
    g_printerr ("%s\n", error ? error->message : usage);
  g_clear_error (&error);
  g_option_context_free (ctx);
  if (emu_path == NULL)
    emu_path = g_strdup (g_getenv ("SERIAL_LINK_EMU"));
  if (emu_path == NULL)
    emu_path = g_strdup ("serial-link-emu");
  return ok;
}
