/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: commands on standard input, and signals.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef EMU_CONTROL_H
#define EMU_CONTROL_H

#include "serial-link-emu.h"

#include <glib.h>

/* --unplug-side names a side as the commands do. */
EmuSide *emu_control_parse_side (Emu *emu, const gchar *arg);
gboolean emu_control_read_stdin (Emu *emu, GError **error);

/* Signals are read from a file descriptor, so that the loop acts on them
 * between two of its steps, as on a command, never in the middle of one. */
gint emu_control_setup_signals (GError **error);
gboolean emu_control_read_signals (Emu *emu, GError **error);

#endif /* EMU_CONTROL_H */
