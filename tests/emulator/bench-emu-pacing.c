/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu benchmark: how exactly the emulator paces a line.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * Usage: bench-emu-pacing PATH-TO-serial-link-emu [SECONDS]
 *
 * For each rate, 8N1, it writes SECONDS worth of bytes into side A as fast
 * as the emulator takes them and times their arrival on side B. It prints
 * the measured byte rate against baud / 10, the largest single read, how
 * far the reader ever got ahead of a perfect line started at the first
 * write (a burst beyond the schedule; at most the FIFO is allowed), and the
 * emulator's CPU use. Asserts nothing: the figures are for people.
 */

#include "emutest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

static gdouble
children_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
bench (guint64 baud, gdouble seconds)
{
  gchar *baud_arg = g_strdup_printf ("%" G_GUINT64_FORMAT, baud);
  gdouble rate = baud / 10.0;
  gsize total = (gsize) (rate * seconds), sent = 0, got = 0, max_read = 0;
  guint8 *data = g_malloc (total), buf[65536];
  gdouble cpu0 = children_cpu_s (), cpu, measured, ahead = -1e9;
  gint64 t_start = 0, t_first = 0, t_last = 0, t_end;
  gsize n_first = 0;
  guint64 reads = 0;
  gint a, b;
  Emu *emu;

  emutest_fill_random (baud, data, total);
  emu = emu_start ("--baud", baud_arg, NULL);
  if (!emu->a) {
    g_printerr ("emulator did not start\n");
    exit (1);
  }
  a = emutest_open_port (emu->a);
  b = emutest_open_port (emu->b);

  t_start = g_get_monotonic_time ();
  while (got < total) {
    struct pollfd pfd[2] = { { b, POLLIN, 0 },
      { a, sent < total ? POLLOUT : 0, 0 } };
    gssize r;

    if (poll (pfd, 2, 10000) <= 0) {
      g_printerr ("no progress\n");
      break;
    }
    if (pfd[1].revents & POLLOUT) {
      r = write (a, data + sent, MIN (total - sent, 4096));
      if (r > 0)
        sent += (gsize) r;
    }
    if (pfd[0].revents & POLLIN) {
      gint64 now;

      r = read (b, buf, sizeof (buf));
      if (r <= 0)
        continue;
      now = g_get_monotonic_time ();
      if (got == 0) {
        t_first = now;
        n_first = (gsize) r;
      }
      got += (gsize) r;
      reads++;
      t_last = now;
      max_read = MAX (max_read, (gsize) r);
      ahead = MAX (ahead, got - rate * (now - t_start) / 1e6);
    }
  }
  t_end = g_get_monotonic_time ();

  kill (emu->pid, SIGTERM);
  emu_wait_exit (emu);
  cpu = children_cpu_s () - cpu0;

  measured = (got - n_first) / ((t_last - t_first) / 1e6);
  printf ("%8" G_GUINT64_FORMAT " baud  theory %9.1f B/s  measured %9.1f "
          "B/s  error %+7.3f %%  largest read %5" G_GSIZE_FORMAT
          " B  ahead of line %5.1f B  reads %7" G_GUINT64_FORMAT
          "  emulator CPU %4.1f %%\n",
      baud, rate, measured, (measured - rate) / rate * 100.0, max_read, ahead,
      reads, 100.0 * cpu / ((t_end - t_start) / 1e6));
  fflush (stdout);

  close (a);
  close (b);
  emu_free (emu);
  g_free (data);
  g_free (baud_arg);
}

/* CPU used by an emulator with nothing to carry. */
static void
bench_idle (void)
{
  gdouble cpu0 = children_cpu_s ();
  Emu *emu = emu_start ("--baud", "115200", NULL);

  /* Not synchronisation: the measurement interval itself. */
  poll (NULL, 0, 2000);
  kill (emu->pid, SIGTERM);
  emu_wait_exit (emu);
  printf ("idle: emulator used %.4f s CPU in 2 s\n", children_cpu_s () - cpu0);
  emu_free (emu);
}

int
main (int argc, char **argv)
{
  const guint64 rates[] = { 115200, 921600, 3000000 };
  gdouble seconds = 3.0;
  guint i;

  if (argc < 2) {
    g_printerr ("usage: %s PATH-TO-serial-link-emu [SECONDS]\n", argv[0]);
    return 2;
  }
  emutest_emulator = argv[1];
  if (argc > 2)
    seconds = g_ascii_strtod (argv[2], NULL);

  for (i = 0; i < G_N_ELEMENTS (rates); i++)
    bench (rates[i], seconds);
  bench_idle ();
  return 0;
}
