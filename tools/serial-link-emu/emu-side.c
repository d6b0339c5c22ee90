/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: the sides, pty pairs that can be unplugged and plugged back.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "emu-side.h"
#include "serial-link-emu.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

gboolean
emu_side_open (EmuSide *s, GError **error)
{
  struct termios t;
  gint master, slave, flags;
  gchar path[128];

  /* Raw from the start: bytes carried before the user's program opens the
   * slave must be neither echoed nor translated. */
  memset (&t, 0, sizeof (t));
  cfmakeraw (&t);
  t.c_cflag |= CLOCAL | CREAD;
  cfsetspeed (&t, B115200);
  if (openpty (&master, &slave, NULL, &t, NULL) < 0)
    goto openpty_failed;
  if (ptsname_r (master, path, sizeof (path)) != 0)
    goto ptsname_failed;

  fcntl (master, F_SETFD, FD_CLOEXEC);
  fcntl (slave, F_SETFD, FD_CLOEXEC);
  /* The loop must never block on one side. */
  flags = fcntl (master, F_GETFL);
  fcntl (master, F_SETFL, flags | O_NONBLOCK);

  /* The slave fd stays open for as long as the side is plugged in: when the
   * user's program closes its side, the master then sees no hang-up and
   * reads no EIO, as a real adapter does not vanish when a port closes. */
  s->master = master;
  s->keeper = slave;
  g_free (s->slave_path);
  s->slave_path = g_strdup (path);
  s->hangups = 0;
  return TRUE;

  /* ERRORS */
openpty_failed:
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
      "openpty: %s", g_strerror (errno));
  return FALSE;
ptsname_failed:
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
      "ptsname: %s", g_strerror (errno));
  close (master);
  close (slave);
  return FALSE;
}

void
emu_side_close (EmuSide *s)
{
  if (s->master >= 0)
    close (s->master);
  if (s->keeper >= 0)
    close (s->keeper);
  s->master = s->keeper = -1;
}

/* Points the side's symlink at its current slave. A new symlink is renamed
 * over the old one so that the path never goes missing in between. */
gboolean
emu_side_link_set (EmuSide *s, GError **error)
{
  struct stat st;
  gchar *tmp;

  if (!s->link)
    return TRUE;

  if (lstat (s->link, &st) == 0 && !S_ISLNK (st.st_mode))
    goto not_a_link;

  tmp = g_strdup_printf ("%s.%d.tmp", s->link, (gint) getpid ());
  unlink (tmp);
  if (symlink (s->slave_path, tmp) < 0 || rename (tmp, s->link) < 0) {
    gint err = errno;

    unlink (tmp);
    g_free (tmp);
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "cannot create symlink %s: %s", s->link, g_strerror (err));
    return FALSE;
  }
  g_free (tmp);
  return TRUE;

  /* ERRORS */
not_a_link:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
      "%s exists and is not a symlink; not replacing it", s->link);
  return FALSE;
}

/* Removes the side's symlink if it is still ours, like udev removing a
 * /dev/serial/by-id name when the adapter goes. */
void
emu_side_link_remove (EmuSide *s)
{
  gchar *target;

  if (!s->link || !s->slave_path)
    return;
  target = g_file_read_link (s->link, NULL);
  if (target && strcmp (target, s->slave_path) == 0)
    unlink (s->link);
  g_free (target);
}

void
emu_side_unplug (Emu *emu, EmuSide *s, gint64 now)
{
  Direction *in = direction_to (emu, s);

  if (s->master < 0)
    return;

  emu_side_link_remove (s);
  emu_side_close (s);
  /* What was on its way to the side is lost with it. Bytes already taken
   * from it are on the wire and still reach the other side. */
  in->unplug_dropped += in->out.len;
  emu_ring_consume (&in->out, in->out.len);
  s->unplugs++;
  emit ("UNPLUGGED %c", s->name);

  emu->replug_at = emu->unplug_down_ns < 0 ? NEVER : now + emu->unplug_down_ns;
}

gboolean
emu_side_replug (Emu *emu, EmuSide *s, gint64 now, GError **error)
{
  if (s->master >= 0)
    return TRUE;

  if (!emu_side_open (s, error) || !emu_side_link_set (s, error))
    return FALSE;
  emit ("REPLUGGED %c=%s", s->name, s->slave_path);

  emu->replug_at = NEVER;
  if (emu->unplug_repeat && emu->unplug_after_ns >= 0)
    emu->unplug_at = now + emu->unplug_after_ns;
  return TRUE;
}

/* Bytes the side may still pass before --unplug-after-bytes pulls it, so
 * that exactly N bytes pass whatever the sizes of reads and writes. */
guint64
emu_side_budget (Emu *emu, EmuSide *s)
{
  if (emu->unplug_after_bytes == 0 || s != emu->unplug_side ||
      emu->bytes_unplug_done)
    return UNLIMITED;
  if (s->through >= emu->unplug_after_bytes)
    return 0;
  return emu->unplug_after_bytes - s->through;
}

static gboolean
set_raw (gint fd)
{
  struct termios t;

  if (tcgetattr (fd, &t) < 0)
    return FALSE;
  cfmakeraw (&t);
  t.c_cflag |= CLOCAL | CREAD;
  return tcsetattr (fd, TCSANOW, &t) == 0;
}

/* The slave was hung up under our keeper fd: a session leader that had it
 * as controlling terminal exited or called vhangup(). Every fd on it is now
 * dead and the kernel may have put it back in cooked mode (echo, line
 * editing). Opening it again gives a working keeper; raw mode again keeps
 * bytes from being echoed before the user's program reopens it. */
gboolean
emu_side_recover (EmuSide *s, GError **error)
{
  gint fd;

  if (++s->hangups > 3)
    goto failed;
  fd = open (s->slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    goto failed;
  if (!set_raw (fd)) {
    close (fd);
    goto failed;
  }
  close (s->keeper);
  s->keeper = fd;
  g_printerr ("serial-link-emu: side %c (%s) was hung up by its user; "
              "reopened it\n",
      s->name, s->slave_path);
  return TRUE;

  /* ERRORS */
failed:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO,
      "side %c (%s) keeps hanging up: %s", s->name, s->slave_path,
      g_strerror (errno));
  return FALSE;
}
