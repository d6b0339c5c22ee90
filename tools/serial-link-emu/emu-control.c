/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: commands on standard input, and signals.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "emu-control.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

EmuSide *
emu_control_parse_side (Emu *emu, const gchar *arg)
{
  if (!arg || !*arg)
    return emu->unplug_side;
  if (g_ascii_strcasecmp (arg, "a") == 0)
    return &emu->sides[0];
  if (g_ascii_strcasecmp (arg, "b") == 0)
    return &emu->sides[1];
  return NULL;
}

static gboolean
handle_command (Emu *emu, const gchar *line, GError **error)
{
  gchar **argv = g_strsplit_set (g_strstrip ((gchar *) line), " \t", -1);
  const gchar *cmd = argv[0];
  gboolean ok = TRUE;
  EmuSide *s;

  if (!cmd || !*cmd) {
    /* blank line */
  } else if (strcmp (cmd, "unplug") == 0 || strcmp (cmd, "replug") == 0) {
    s = emu_control_parse_side (emu, argv[1]);
    if (!s)
      g_printerr ("serial-link-emu: no side '%s'\n", argv[1]);
    else if (cmd[0] == 'u')
      emu_side_unplug (emu, s, now_ns ());
    else
      ok = emu_side_replug (emu, s, now_ns (), error);
  } else if (strcmp (cmd, "stats") == 0) {
    print_counters (emu, stdout);
  } else if (strcmp (cmd, "quit") == 0) {
    emu->running = FALSE;
  } else if (strcmp (cmd, "drain") == 0 && argv[1] && argv[2]) {
    Direction *d = NULL;
    guint64 target;

    if (strcmp (argv[1], "a2b") == 0)
      d = &emu->dirs[0];
    else if (strcmp (argv[1], "b2a") == 0)
      d = &emu->dirs[1];
    if (d &&
        g_ascii_string_to_unsigned (argv[2], 10, 0, G_MAXUINT64, &target,
            NULL)) {
      d->drain_wait = TRUE;
      d->drain_target = target;
    } else {
      g_printerr ("serial-link-emu: usage: drain a2b|b2a BYTES\n");
    }
  } else {
    g_printerr ("serial-link-emu: unknown command '%s'\n", cmd);
  }
  g_strfreev (argv);
  return ok;
}

gboolean
emu_control_read_stdin (Emu *emu, GError **error)
{
  gchar buf[4096];
  gssize r = read (STDIN_FILENO, buf, sizeof (buf));
  gchar *nl;

  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return TRUE;
  if (r <= 0) {
    emu->watch_stdin = FALSE;
    if (emu->exit_on_stdin_eof)
      emu->running = FALSE;
    return TRUE;
  }
  if (!emu->control)
    return TRUE;

  g_string_append_len (emu->stdin_line, buf, r);
  while ((nl = memchr (emu->stdin_line->str, '\n', emu->stdin_line->len))) {
    gchar *line = g_strndup (emu->stdin_line->str, nl - emu->stdin_line->str);
    gboolean ok;

    g_string_erase (emu->stdin_line, 0, nl - emu->stdin_line->str + 1);
    ok = handle_command (emu, line, error);
    g_free (line);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

gint
emu_control_setup_signals (GError **error)
{
  sigset_t set;
  gint fd;

  /* A reader that went away must not kill us before links are removed. */
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGUSR1);
  sigaddset (&set, SIGUSR2);
  sigprocmask (SIG_BLOCK, &set, NULL);
  fd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "signalfd: %s", g_strerror (errno));
  return fd;
}

gboolean
emu_control_read_signals (Emu *emu, GError **error)
{
  struct signalfd_siginfo si;

  while (read (emu->sigfd, &si, sizeof (si)) == sizeof (si)) {
    switch (si.ssi_signo) {
      case SIGUSR1:
        emu_side_unplug (emu, emu->unplug_side, now_ns ());
        break;
      case SIGUSR2:
        if (!emu_side_replug (emu, emu->unplug_side, now_ns (), error))
          return FALSE;
        break;
      default:
        emu->running = FALSE;
        break;
    }
  }
  return TRUE;
}
