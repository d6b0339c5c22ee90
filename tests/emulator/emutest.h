/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu tests: running the emulator and moving bytes through it.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef EMUTEST_H
#define EMUTEST_H

#include <glib.h>

/* Test cases: a case fails if any of its checks fails; failures print
 * where they happened and the case carries on. */
extern gboolean emutest_case_ok;

#define CHECK(cond)                                                            \
  G_STMT_START                                                                 \
  {                                                                            \
    if (!(cond)) {                                                             \
      emutest_case_ok = FALSE;                                                 \
      g_printerr ("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);              \
    }                                                                          \
  }                                                                            \
  G_STMT_END

#define CHECK_EQ(a, b)                                                         \
  G_STMT_START                                                                 \
  {                                                                            \
    guint64 emutest_a_ = (guint64) (a), emutest_b_ = (guint64) (b);            \
    if (emutest_a_ != emutest_b_) {                                            \
      emutest_case_ok = FALSE;                                                 \
      g_printerr ("FAIL %s:%d: %s = %" G_GUINT64_FORMAT                        \
                  ", expected %" G_GUINT64_FORMAT "\n",                        \
          __FILE__, __LINE__, #a, emutest_a_, emutest_b_);                     \
    }                                                                          \
  }                                                                            \
  G_STMT_END

void emutest_run_case (const gchar *name, void (*func) (void));
int emutest_summary (void);

void emutest_fill_random (guint64 seed, guint8 *buf, gsize len);
gboolean emutest_sha256_is (const guint8 *data, gsize len, const gchar *want);
gboolean emutest_packets_left_out (const guint8 *in, gsize len,
    const guint8 *out, gsize out_len, gsize packet_size, guint64 *packets,
    guint64 *bytes);

/* A running emulator, its standard input and output as pipes. */
typedef struct {
  GPid pid;
  gint in_fd;
  gint out_fd;
  GString *partial;
  GQueue lines;
  gboolean eof;
  gchar *a, *b; /* slave paths from the READY line */
  gint wait_status;
  gboolean reaped;
} Emu;

/* The emulator to run: set from the command line by each test program. */
extern const gchar *emutest_emulator;

Emu *emu_start (const gchar *first_arg, ...) G_GNUC_NULL_TERMINATED;
Emu *emu_startv (const gchar *const *args);
gchar *emu_wait_line (Emu *emu, const gchar *prefix);
gboolean emu_send (Emu *emu, const gchar *command);
GHashTable *emu_stop (Emu *emu, gint signum);
gboolean emu_wait_exit (Emu *emu);
void emu_free (Emu *emu);

GHashTable *emutest_parse_counters (const gchar *line);
guint64 emutest_counter (GHashTable *counters, const gchar *name);

gint emutest_open_port (const gchar *path);

/* One end of a port for emutest_pump(): writes @wdata, reads into @rdata
 * until it holds @rwant bytes (or, with @want_hup, until a hang-up). */
typedef struct {
  gint fd;
  const guint8 *wdata;
  gsize wlen, wdone;
  GByteArray *rdata;
  gsize rwant;
  gboolean want_hup;
  gboolean hup;
} Chan;

gboolean emutest_pump (Emu *emu, Chan *chans, guint n_chans,
    const gchar *until_line, gchar **line);

#endif /* EMUTEST_H */
