/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu tests: running the emulator and moving bytes through it.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "emutest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Not a synchronisation delay: how long a wait for an event may take before
 * the test gives up on it and fails instead of hanging. */
#define EVENT_TIMEOUT_US (60 * G_USEC_PER_SEC)

gboolean emutest_case_ok;
const gchar *emutest_emulator;
static guint cases_passed, cases_failed;

void
emutest_run_case (const gchar *name, void (*func) (void))
{
  emutest_case_ok = TRUE;
  g_printerr ("--- %s\n", name);
  func ();
  if (emutest_case_ok)
    cases_passed++;
  else
    cases_failed++;
  printf ("%s: %s\n", emutest_case_ok ? "PASS" : "FAIL", name);
  fflush (stdout);
}

int
emutest_summary (void)
{
  printf ("%u passed, %u failed\n", cases_passed, cases_failed);
  return cases_failed ? 1 : 0;
}

/* splitmix64: fixed seeds make every run test the same data. */
void
emutest_fill_random (guint64 seed, guint8 *buf, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++) {
    guint64 z = (seed += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
    buf[i] = (guint8) (z ^ (z >> 31));
  }
}

/* For results pinned by a test: prints the digest it got when it is not
 * the one wanted. */
gboolean
emutest_sha256_is (const guint8 *data, gsize len, const gchar *want)
{
  gchar *got = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
  gboolean ok = g_strcmp0 (got, want) == 0;

  if (!ok)
    g_printerr ("sha256 of %" G_GSIZE_FORMAT " bytes is %s\n", len, got);
  g_free (got);
  return ok;
}

/* TRUE if @out is @in with whole packets left out, the packets being the
 * runs of @packet_size bytes from @in's first byte (the last one may be
 * shorter). Counts the packets left out and their bytes. Random input makes
 * a wrong match unlikely. */
gboolean
emutest_packets_left_out (const guint8 *in, gsize len, const guint8 *out,
    gsize out_len, gsize packet_size, guint64 *packets, guint64 *bytes)
{
  gsize i, o = 0;

  *packets = *bytes = 0;
  for (i = 0; i < len; i += packet_size) {
    gsize n = MIN (packet_size, len - i);

    if (o + n <= out_len && memcmp (out + o, in + i, n) == 0) {
      o += n;
    } else {
      *packets += 1;
      *bytes += n;
    }
  }
  return o == out_len;
}

/* Reads what the emulator printed and splits it into lines; FALSE on end of
 * output or when nothing came before @deadline. */
static gboolean
read_output (Emu *emu, gint64 deadline)
{
  struct pollfd pfd = { emu->out_fd, POLLIN, 0 };
  gchar buf[4096];
  gchar *nl;
  gssize r;
  gint timeout;

  if (emu->eof)
    return FALSE;
  timeout = (gint) MAX ((deadline - g_get_monotonic_time ()) / 1000, 0);
  if (poll (&pfd, 1, timeout) <= 0) {
    g_printerr ("emulator printed nothing in time\n");
    return FALSE;
  }
  r = read (emu->out_fd, buf, sizeof (buf));
  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return TRUE;
  if (r <= 0) {
    emu->eof = TRUE;
    return FALSE;
  }
  g_string_append_len (emu->partial, buf, r);
  while ((nl = memchr (emu->partial->str, '\n', emu->partial->len))) {
    gchar *line = g_strndup (emu->partial->str, nl - emu->partial->str);

    g_string_erase (emu->partial, 0, nl - emu->partial->str + 1);
    g_printerr ("emu> %s\n", line);
    g_queue_push_tail (&emu->lines, line);
  }
  return TRUE;
}

/* Removes and returns the first queued line starting with @prefix. */
static gchar *
take_line (Emu *emu, const gchar *prefix)
{
  GList *l;

  for (l = emu->lines.head; l; l = l->next) {
    if (g_str_has_prefix (l->data, prefix)) {
      gchar *line = l->data;

      g_queue_delete_link (&emu->lines, l);
      return line;
    }
  }
  return NULL;
}

gchar *
emu_wait_line (Emu *emu, const gchar *prefix)
{
  gint64 deadline = g_get_monotonic_time () + EVENT_TIMEOUT_US;
  gchar *line;

  while (!(line = take_line (emu, prefix))) {
    if (!read_output (emu, deadline))
      return NULL;
  }
  return line;
}

static gchar *
field (const gchar *line, const gchar *key)
{
  gchar **parts = g_strsplit (line, " ", -1);
  gchar *value = NULL;
  guint i;

  for (i = 0; parts[i]; i++) {
    if (g_str_has_prefix (parts[i], key))
      value = g_strdup (parts[i] + strlen (key));
  }
  g_strfreev (parts);
  return value;
}

Emu *
emu_startv (const gchar *const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  GError *error = NULL;
  Emu *emu = g_new0 (Emu, 1);
  gchar *ready;
  guint i;

  g_ptr_array_add (argv, (gpointer) emutest_emulator);
  for (i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  emu->partial = g_string_new (NULL);
  g_queue_init (&emu->lines);
  if (!g_spawn_async_with_pipes (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &emu->pid, &emu->in_fd,
          &emu->out_fd, NULL, &error))
    g_error ("cannot run %s: %s", emutest_emulator, error->message);
  g_ptr_array_free (argv, TRUE);

  ready = emu_wait_line (emu, "READY ");
  if (ready) {
    emu->a = field (ready, "a=");
    emu->b = field (ready, "b=");
    g_free (ready);
  }
  return emu;
}

Emu *
emu_start (const gchar *first_arg, ...)
{
  GPtrArray *args = g_ptr_array_new ();
  const gchar *arg;
  va_list ap;
  Emu *emu;

  va_start (ap, first_arg);
  for (arg = first_arg; arg; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  emu = emu_startv ((const gchar *const *) args->pdata);
  g_ptr_array_free (args, TRUE);
  return emu;
}

gboolean
emu_send (Emu *emu, const gchar *command)
{
  gchar *line = g_strconcat (command, "\n", NULL);
  gsize len = strlen (line);
  gboolean ok = write (emu->in_fd, line, len) == (gssize) len;

  g_free (line);
  return ok;
}

/* Reads the rest of the output and reaps the emulator. */
gboolean
emu_wait_exit (Emu *emu)
{
  gint64 deadline = g_get_monotonic_time () + EVENT_TIMEOUT_US;

  while (read_output (emu, deadline))
    ;
  if (!emu->eof)
    return FALSE;
  if (waitpid (emu->pid, &emu->wait_status, 0) != emu->pid)
    return FALSE;
  emu->reaped = TRUE;
  return TRUE;
}

GHashTable *
emu_stop (Emu *emu, gint signum)
{
  gchar *line;
  GHashTable *counters = NULL;

  kill (emu->pid, signum);
  line = emu_wait_line (emu, "COUNTERS ");
  if (line) {
    counters = emutest_parse_counters (line);
    g_free (line);
  }
  emu_wait_exit (emu);
  return counters;
}

void
emu_free (Emu *emu)
{
  if (!emu->reaped) {
    kill (emu->pid, SIGKILL);
    waitpid (emu->pid, NULL, 0);
  }
  g_spawn_close_pid (emu->pid);
  if (emu->in_fd >= 0)
    close (emu->in_fd);
  close (emu->out_fd);
  g_string_free (emu->partial, TRUE);
  g_queue_clear_full (&emu->lines, g_free);
  g_free (emu->a);
  g_free (emu->b);
  g_free (emu);
}

GHashTable *
emutest_parse_counters (const gchar *line)
{
  GHashTable *ht =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gchar **parts = g_strsplit (line, " ", -1);
  guint i;

  for (i = 1; parts[i]; i++) {
    gchar *eq = strchr (parts[i], '=');
    guint64 *v;

    if (!eq)
      continue;
    v = g_new (guint64, 1);
    *v = g_ascii_strtoull (eq + 1, NULL, 10);
    g_hash_table_insert (ht, g_strndup (parts[i], eq - parts[i]), v);
  }
  g_strfreev (parts);
  return ht;
}

/* G_MAXUINT64 for a missing counter, which then fails any CHECK_EQ. */
guint64
emutest_counter (GHashTable *counters, const gchar *name)
{
  guint64 *v = counters ? g_hash_table_lookup (counters, name) : NULL;

  return v ? *v : G_MAXUINT64;
}

gint
emutest_open_port (const gchar *path)
{
  gint fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    g_printerr ("cannot open %s: %s\n", path, g_strerror (errno));
  return fd;
}

static gboolean
chan_busy (const Chan *c)
{
  if (c->hup)
    return FALSE;
  return c->wdone < c->wlen ||
      (c->rdata && (c->rdata->len < c->rwant || c->want_hup));
}

static void
chan_io (Chan *c, gshort revents)
{
  guint8 buf[65536];
  gssize r;

  if (c->wdone < c->wlen && (revents & (POLLOUT | POLLERR | POLLHUP))) {
    r = write (c->fd, c->wdata + c->wdone, MIN (c->wlen - c->wdone, 65536));
    if (r > 0)
      c->wdone += (gsize) r;
    else if (r < 0 && errno != EAGAIN && errno != EINTR)
      c->hup = TRUE;
  }
  if (c->rdata && (revents & (POLLIN | POLLERR | POLLHUP))) {
    r = read (c->fd, buf, sizeof (buf));
    if (r > 0)
      g_byte_array_append (c->rdata, buf, (guint) r);
    else if (r == 0 || (errno != EAGAIN && errno != EINTR))
      c->hup = TRUE;
  }
}

/* Moves bytes through the ports until every channel is done and, if
 * @until_line is given, the emulator printed a line starting with it
 * (returned in *@line). Waits on events only. */
gboolean
emutest_pump (Emu *emu, Chan *chans, guint n_chans, const gchar *until_line,
    gchar **line)
{
  gint64 deadline = g_get_monotonic_time () + EVENT_TIMEOUT_US;
  struct pollfd *pfd = g_new0 (struct pollfd, n_chans + 1);
  gchar *found = NULL;
  gboolean ok = FALSE;

  for (;;) {
    gboolean busy = FALSE;
    guint i;
    gint timeout, r;

    for (i = 0; i < n_chans; i++)
      busy |= chan_busy (&chans[i]);
    if (until_line && !found)
      found = take_line (emu, until_line);
    if (!busy && (!until_line || found)) {
      ok = TRUE;
      break;
    }

    for (i = 0; i < n_chans; i++) {
      Chan *c = &chans[i];

      pfd[i].fd = c->hup ? -1 : c->fd;
      pfd[i].events =
          (c->wdone < c->wlen ? POLLOUT : 0) | (c->rdata ? POLLIN : 0);
      pfd[i].revents = 0;
    }
    pfd[n_chans].fd = emu->eof ? -1 : emu->out_fd;
    pfd[n_chans].events = POLLIN;
    pfd[n_chans].revents = 0;

    timeout = (gint) ((deadline - g_get_monotonic_time ()) / 1000);
    if (timeout <= 0) {
      g_printerr ("pump: nothing happened in time\n");
      break;
    }
    r = poll (pfd, n_chans + 1, timeout);
    if (r < 0 && errno != EINTR)
      break;
    for (i = 0; i < n_chans; i++) {
      if (pfd[i].revents)
        chan_io (&chans[i], pfd[i].revents);
    }
    if (pfd[n_chans].revents && !read_output (emu, deadline) && until_line &&
        !found && emu->eof) {
      found = take_line (emu, until_line);
      if (!found)
        break;
    }
  }
  g_free (pfd);
  if (line)
    *line = found;
  else
    g_free (found);
  return ok;
}
