/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: the sides, pty pairs that can be unplugged and plugged back.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef EMU_SIDE_H
#define EMU_SIDE_H

#include <glib.h>

/* serial-link-emu.h: unplugging a side touches the whole link. */
typedef struct _Emu Emu;

typedef struct {
  gchar name; /* 'a' or 'b' */
  const gchar *link;
  gint master; /* -1 while unplugged */
  gint keeper; /* our own fd on the slave */
  gchar *slave_path;
  guint64 through; /* bytes taken from it plus delivered to it */
  guint hangups;   /* consecutive slave hang-ups survived */
  guint64 unplugs;
} EmuSide;

gboolean emu_side_open (EmuSide *s, GError **error);
void emu_side_close (EmuSide *s);
gboolean emu_side_link_set (EmuSide *s, GError **error);
void emu_side_link_remove (EmuSide *s);
gboolean emu_side_recover (EmuSide *s, GError **error);

void emu_side_unplug (Emu *emu, EmuSide *s, gint64 now);
gboolean emu_side_replug (Emu *emu, EmuSide *s, gint64 now, GError **error);
guint64 emu_side_budget (Emu *emu, EmuSide *s);

#endif /* EMU_SIDE_H */
